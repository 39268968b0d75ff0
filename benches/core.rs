//! criterion benchmarks of the core: `assess`, `ask`, one engine step, and loading and
//! validating the dialogue data. Run: `cargo bench --bench core`.

use clotcheck::core::advice::assess;
use clotcheck::core::country::Place;
use clotcheck::core::engine::{Engine, Input, State};
use clotcheck::core::findings::{Finding, Findings};
use clotcheck::data;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let content = data::load_embedded().expect("valid data");
    let texts = content.texts("en");
    let gb = Place::known(content.country("GB").expect("GB"));
    let findings = Findings::from_lists(
        &[
            Finding::OneLegSwelling,
            Finding::LegWarmth,
            Finding::LongJourney,
            Finding::OnBloodThinners,
        ],
        &[Finding::SuddenBreathlessness],
    )
    .expect("no conflict");

    c.bench_function("assess (urgent, 5 findings, GB)", |b| {
        b.iter(|| assess(black_box(&findings), false, gb, texts))
    });

    let engine = Engine::new(&content, std::time::SystemTime::now());
    let messages = [
        "can a clot in my leg give me cramps",
        "my mum is coughing up blood, what should she do?",
        "no chest pain just a cramp",
        "what's the weather like",
    ];
    for m in messages {
        c.bench_function(&format!("ask: {m}"), |b| {
            b.iter(|| engine.ask(black_box(m), "en", gb))
        });
    }

    // The worst case: a message as long as Telegram allows, made of context triggers and
    // red-flag words (every mention checked against every scope), and one of distinct
    // non-words (every token a spelling repair).
    let triggers = "no chest pain if i had coughed blood last year, not breathless, ".repeat(64);
    let worst: String = triggers.chars().take(4096).collect();
    c.bench_function("ask: 4096 characters of repeated triggers", |b| {
        b.iter(|| engine.ask(black_box(&worst), "en", gb))
    });
    // Letters only (a token with a digit is never repaired): "brxqbacz", "brxqbbcz"…
    let letter = |d: u32| char::from(b'a' + (d % 26) as u8);
    let nonwords: String = (0..800u32)
        .map(|i| format!("brxq{}{}{}zt ", letter(i / 676), letter(i / 26), letter(i)))
        .collect::<String>()
        .chars()
        .take(4096)
        .collect();
    c.bench_function("ask: 4096 characters of distinct non-words", |b| {
        b.iter(|| engine.ask(black_box(&nonwords), "en", gb))
    });
    let detector = content.detector();
    c.bench_function("detect: 4096 characters of repeated triggers", |b| {
        b.iter(|| detector.detect(black_box(&worst)))
    });

    // One step: answering "No" to a red-flag question, from a state already at it.
    let mut at_question = State::default();
    engine.step(&mut at_question, Input::Start);
    engine.step(&mut at_question, Input::Choose(vec![0]));
    engine.step(&mut at_question, Input::Choose(vec![0]));
    c.bench_function("engine step (answer a question)", |b| {
        b.iter_batched(
            || at_question.clone(),
            |mut s| engine.step(&mut s, Input::Choose(vec![1])),
            criterion::BatchSize::SmallInput,
        )
    });

    // `load_embedded` validates once per process; this validates the same files each time
    // (the word lists, parsed once per process, excepted: see the start-up time).
    let files = data::embedded_files();
    c.bench_function("load and validate the embedded data", |b| {
        b.iter(|| data::load_files(black_box(&files)).expect("valid"))
    });
}

criterion_group!(core, benches);
criterion_main!(core);
