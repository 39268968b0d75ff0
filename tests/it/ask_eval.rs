//! The evaluation sets of free-text understanding. Two kinds, reported apart:
//! - the tuning sets (`tests/data/ask_eval*.toml`), which the data was extended against;
//! - the blind sets (`tests/data/blind/`), written before any tuning by someone who had seen
//!   neither `dialogs/` nor `tests/`; the data is never edited while looking at them.
//!
//! The product's bar, per language: every emergency recognised; false alarms on calm messages
//! and FAQ questions at most 2 %; at least 90 % of topic questions answered directly with the
//! right topic; no off-topic message answered. The gates below say where each set stands.

use crate::support::project;
use clotcheck::core::country::Place;
use clotcheck::core::engine::Engine;
use clotcheck::data;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Case {
    #[serde(default)]
    lang: Option<String>,
    text: String,
    expect: String,
    kind: String,
}

#[derive(Deserialize)]
struct File {
    case: Vec<Case>,
}

/// The cases of a set, each with its language (`lang` of the case, else the file's).
fn cases(file: &str, lang: &str) -> Vec<(String, Case)> {
    let text = std::fs::read_to_string(project(&format!("tests/data/{file}"))).unwrap();
    toml::from_str::<File>(&text)
        .unwrap()
        .case
        .into_iter()
        .map(|c| (c.lang.clone().unwrap_or_else(|| lang.to_string()), c))
        .collect()
}

/// What one language of one set scored.
#[derive(Default, Debug)]
struct Score {
    emergencies: usize,
    recognised: usize,
    calm: usize,
    false_alarms: usize,
    topical: usize,
    answered_right: usize,
    off_topic_answered: usize,
    failures: Vec<String>,
}

impl Score {
    fn line(&self, set: &str, lang: &str) -> String {
        format!(
            "{set} ({lang}): emergencies recognised {}/{}; false alarms {}/{} calm messages and questions; topic answered directly and right {}/{} ({:.1} %); off-topic answered {}",
            self.recognised,
            self.emergencies,
            self.false_alarms,
            self.calm,
            self.answered_right,
            self.topical,
            100.0 * self.answered_right as f64 / self.topical.max(1) as f64,
            self.off_topic_answered
        )
    }
}

fn score(cases: &[(String, Case)]) -> BTreeMap<String, Score> {
    let content = data::load_embedded().unwrap();
    let engine = Engine::new(&content, std::time::SystemTime::now());
    let mut out: BTreeMap<String, Score> = BTreeMap::new();
    for (lang, c) in cases {
        let s = out.entry(lang.clone()).or_default();
        let a = engine.ask(&c.text, lang, Place::unknown());
        if c.expect == "emergency" {
            s.emergencies += 1;
            if a.emergency {
                s.recognised += 1;
            } else {
                s.failures.push(format!("missed emergency: {}", c.text));
            }
            continue;
        }
        s.calm += 1;
        if a.emergency {
            s.false_alarms += 1;
            s.failures.push(format!("false alarm: {}", c.text));
        }
        if c.expect != "none" {
            s.topical += 1;
            if a.faq.as_deref() == Some(c.expect.as_str()) {
                s.answered_right += 1;
            } else {
                s.failures.push(format!(
                    "{} -> {:?} {:?} (want {})",
                    c.text, a.faq, a.suggestions, c.expect
                ));
            }
        }
        if c.kind == "off_topic" && a.faq.is_some() {
            s.off_topic_answered += 1;
            s.failures.push(format!("off-topic answered: {}", c.text));
        }
    }
    out
}

/// What a set must reach, per language.
struct Gate {
    /// Emergencies that may be missed, each with why (none in the product's bar).
    known_misses: &'static [&'static str],
    /// At most this share of calm messages and FAQ questions told to call an ambulance.
    false_alarms: f64,
    /// At least this share of topic questions answered directly with the right topic.
    answered: f64,
    off_topic_answered: usize,
}

/// The tuning sets: every emergency but the listed misses, at most 2 % false alarms; the FAQ
/// share is below the product's 90 %.
const TUNING: Gate = Gate {
    known_misses: &[
        // The cough and the blood in clauses too far apart for a pair.
        "el pañuelo quedó con sangre, ya van dos veces",
        // The urge and "es kommt nix" in clauses that "aber" separates, and the numbness told
        // as "ich merk das gar nicht richtig" ("Ich muss eigentlich dringend pinkeln, aber es
        // kommt nix, …").
        "seit zwei Tagen wieder schlimm mit Schmerzen bis in den Fuß.",
        // Nigerian Pidgin "fall down … e don wake but e weak" (fainted, came round, weak): no
        // such forms in the lexicon.
        "e don wake but e weak well well",
        // Someone on the floor making a strange noise: neither is a sign by itself ("es una
        // emergencia" alone was tried as a report and answered "¿… un coágulo es una
        // emergencia?" as one).
        "mi mamá está en el piso y hace un ruido raro",
        // A question about people in general ("wenn *man* … nach Luft schnappt?") with a
        // time since in its condition: read as a general question.
        "rechte wade hart wie stein",
        // Panting up one flight of stairs, with the writer's usual 10 km run in the same
        // sentence: the sport named reads as the cause ("normal jogg ich 10 km").
        "normal jogg ich 10 km. komisch oder",
    ],
    false_alarms: 0.02,
    answered: 0.84,
    // A swollen sprained ankle gets the swelling advice; a sore throat the pain advice; a
    // breathing app, a series that left someone breathless, a collapsed tent or share price
    // and a football match get a topic too (at most 4 per language now). "Blood", "heart"
    // and "test" alone no longer make a message about clots (`[domain] weak`).
    off_topic_answered: 7,
};

/// Each blind set, written before any change: a floor at the figures measured on it when the
/// data was last tuned (README, "Understanding free text"), so that a later change cannot make
/// it worse unnoticed. They are below the product's bar; the README says where. A new blind
/// set gets its floor here once its figures are measured.
const BLIND_FLOORS: &[(&str, Gate, f64)] = &[
    (
        "ask_blind_2026-12-09d.toml",
        Gate {
            known_misses: &[],
            // English and German: 1 of 68 (1.5 %).
            false_alarms: 0.015,
            // Spanish: 45 of 49 (91.8 %).
            answered: 0.91,
            // None in any language.
            off_topic_answered: 0,
        },
        // Spanish: 31 of 32 (96.9 %).
        0.96,
    ),
    (
        "ask_blind_2026-12-09e.toml",
        Gate {
            known_misses: &[],
            // English and German: 2 of 68 (2.9 %).
            false_alarms: 0.03,
            // English: 30 of 32 (93.8 %).
            answered: 0.93,
            // None in any language.
            off_topic_answered: 0,
        },
        // English: 31 of 32 (96.9 %).
        0.96,
    ),
];
/// Checks a gate; `show` prints each failing message (never for a blind set, whose messages
/// must not steer the data).
fn evaluate(set: &str, cases: Vec<(String, Case)>, show: bool, gate: &Gate, emergencies: f64) {
    let scores = score(&cases);
    let mut problems = Vec::new();
    for (lang, s) in &scores {
        println!("{}", s.line(set, lang));
        if show {
            for f in &s.failures {
                println!("  {f}");
            }
        }
        let missed = s
            .failures
            .iter()
            .filter(|f| f.starts_with("missed emergency: "))
            .filter(|f| !gate.known_misses.iter().any(|k| f.ends_with(k)))
            .count();
        let known = s.emergencies - s.recognised - missed;
        if ((s.recognised + known) as f64) < emergencies * s.emergencies as f64 {
            problems.push(format!("{lang}: emergencies missed: {missed}"));
        }
        if s.false_alarms as f64 > gate.false_alarms * s.calm as f64 {
            problems.push(format!(
                "{lang}: false alarms above {:.0} %",
                gate.false_alarms * 100.0
            ));
        }
        if (s.answered_right as f64) < gate.answered * s.topical as f64 {
            problems.push(format!(
                "{lang}: fewer than {:.0} % of topic questions answered right",
                gate.answered * 100.0
            ));
        }
        if s.off_topic_answered > gate.off_topic_answered {
            problems.push(format!("{lang}: off-topic messages answered"));
        }
    }
    assert!(problems.is_empty(), "{set}: {problems:#?}");
}

/// The files of the tuning set and their languages, named once: the gate and the calibration
/// must read the same questions, and a new tuning file is added here only.
const TUNING_FILES: &[(&str, &str)] = &[
    ("ask_eval.toml", "en"),
    ("ask_eval_de.toml", "de"),
    ("ask_eval_es.toml", "es"),
    ("ask_tuning_2.toml", "en"),
    ("ask_tuning_3.toml", "en"),
    ("ask_tuning_4.toml", "en"),
    ("ask_tuning_5.toml", "en"),
    ("ask_tuning_6.toml", "en"),
    ("ask_tuning_7.toml", "en"),
    ("ask_tuning_8.toml", "en"),
    ("ask_tuning_9.toml", "en"),
    ("ask_tuning_10.toml", "en"),
    ("ask_tuning_11.toml", "en"),
    ("ask_tuning_12.toml", "en"),
    ("ask_tuning_13.toml", "en"),
    ("ask_tuning_14.toml", "en"),
    ("ask_tuning_15.toml", "en"),
    ("ask_tuning_16.toml", "en"),
    ("ask_tuning_17.toml", "en"),
    ("ask_tuning_18.toml", "en"),
    ("ask_tuning_19.toml", "en"),
    ("ask_tuning_20.toml", "en"),
    ("ask_tuning_21.toml", "en"),
    ("ask_tuning_22.toml", "en"),
    ("ask_tuning_23.toml", "en"),
    ("ask_tuning_24.toml", "en"),
    ("ask_tuning_25.toml", "en"),
    ("ask_tuning_26.toml", "en"),
    ("ask_tuning_27.toml", "en"),
    ("ask_tuning_28.toml", "en"),
    ("ask_tuning_29.toml", "en"),
    ("ask_tuning_30.toml", "en"),
    ("ask_tuning_31.toml", "en"),
    ("ask_tuning_32.toml", "en"),
    ("ask_tuning_33.toml", "en"),
    ("ask_tuning_34.toml", "en"),
    ("ask_tuning_35.toml", "en"),
    ("ask_tuning_36.toml", "en"),
    ("ask_tuning_37.toml", "en"),
    ("ask_tuning_38.toml", "en"),
    ("ask_tuning_39.toml", "en"),
    ("ask_tuning_40.toml", "de"),
    ("ask_tuning_41.toml", "en"),
    ("ask_tuning_42.toml", "en"),
    ("ask_tuning_43.toml", "en"),
    ("ask_tuning_44.toml", "en"),
    ("ask_tuning_45.toml", "de"),
    ("ask_tuning_46.toml", "en"),
    ("ask_tuning_47.toml", "es"),
    ("ask_tuning_48.toml", "en"),
    ("ask_tuning_49.toml", "de"),
    ("ask_tuning_50.toml", "en"),
    ("ask_tuning_51.toml", "en"),
    ("ask_tuning_52.toml", "en"),
    ("ask_tuning_53.toml", "de"),
    ("ask_tuning_54.toml", "en"),
    ("ask_tuning_55.toml", "de"),
    ("ask_tuning_56.toml", "en"),
    ("ask_tuning_57.toml", "en"),
    ("ask_tuning_58.toml", "en"),
    ("ask_tuning_59.toml", "en"),
    ("ask_tuning_60.toml", "en"),
    ("ask_tuning_61.toml", "en"),
    ("ask_tuning_62.toml", "de"),
    ("ask_tuning_63.toml", "en"),
    ("ask_tuning_64.toml", "es"),
    ("ask_tuning_65.toml", "en"),
    ("ask_tuning_66.toml", "en"),
    ("ask_tuning_67.toml", "de"),
    ("ask_tuning_68.toml", "en"),
    ("ask_tuning_69.toml", "de"),
    ("ask_tuning_70.toml", "en"),
    ("ask_tuning_71.toml", "en"),
    ("ask_tuning_72.toml", "en"),
    ("ask_tuning_73.toml", "de"),
    ("ask_tuning_74.toml", "es"),
    ("ask_tuning_75.toml", "en"),
    ("ask_tuning_76.toml", "es"),
    ("ask_tuning_77.toml", "en"),
    ("ask_tuning_78.toml", "en"),
    ("ask_tuning_79.toml", "en"),
    ("ask_tuning_80.toml", "en"),
    ("ask_tuning_81.toml", "de"),
    ("ask_tuning_82.toml", "es"),
    ("ask_tuning_83.toml", "en"),
];

/// Every case of the tuning set, in the order of [`TUNING_FILES`].
fn tuning_cases() -> Vec<(String, Case)> {
    TUNING_FILES
        .iter()
        .flat_map(|(file, lang)| cases(file, lang))
        .collect()
}

#[test]
fn tuning_sets_meet_their_gate() {
    let all = tuning_cases();
    evaluate("tuning set", all, true, &TUNING, 1.0);
}

/// Every blind set in `tests/data/blind/`, each reported on its own.
#[test]
fn blind_sets_stay_at_or_above_their_measured_figures() {
    let dir = project("tests/data/blind");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "at least one blind set");
    for f in files {
        let cases = cases(&format!("blind/{f}"), "en");
        assert!(cases.len() >= 150, "{f}: at least 150 messages");
        let Some((_, floor, emergencies)) = BLIND_FLOORS.iter().find(|(name, _, _)| *name == f)
        else {
            panic!("{f}: no floor in BLIND_FLOORS; measure the set and add one");
        };
        evaluate(&format!("blind set {f}"), cases, false, floor, *emergencies);
    }
}

#[derive(Deserialize)]
struct Regression {
    text: String,
    emergency: bool,
}

#[derive(Deserialize)]
struct Regressions {
    case: Vec<Regression>,
}

#[test]
fn emergency_regressions_keep_their_labels() {
    let content = data::load_embedded().unwrap();
    let engine = Engine::new(&content, std::time::SystemTime::now());
    let text = std::fs::read_to_string(project("tests/data/ask_regressions.toml")).unwrap();
    let cases = toml::from_str::<Regressions>(&text).unwrap().case;
    let wrong: Vec<&str> = cases
        .iter()
        .filter(|c| engine.ask(&c.text, "en", Place::unknown()).emergency != c.emergency)
        .map(|c| c.text.as_str())
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

fn ask_json(args: &[&str]) -> serde_json::Value {
    let out = crate::support::bin()
        .arg("ask")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "ask exits 0 whether or not a topic matched"
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn ask_json_has_the_documented_shape() {
    let a = ask_json(&["--json", "how is a DVT diagnosed"]);
    assert_eq!(a["emergency"], false);
    assert_eq!(a["faq"], "diagnosis");
    assert!(a["score"].as_f64().unwrap() > 0.5 && a["score"].as_f64().unwrap() <= 1.0);
    assert!(a["answer"].as_str().unwrap().contains("ultrasound"));
    assert!(a["suggestions"].as_array().unwrap().len() <= 3);

    let e = ask_json(&[
        "--json",
        "--country",
        "AU",
        "I can't catch my breath and my calf is swollen",
    ]);
    assert_eq!(e["emergency"], true);
    assert_eq!(e["faq"], serde_json::Value::Null);
    assert!(e["answer"].as_str().unwrap().starts_with("Call 000 now"));

    let off = ask_json(&["--json", "what's the weather like"]);
    assert_eq!(off["emergency"], false);
    assert_eq!(off["faq"], serde_json::Value::Null);
    assert_eq!(off["suggestions"], serde_json::json!([]));
    assert!(off["answer"].as_str().unwrap().contains("/check"));
}

/// A message whose every sentence uses a red flag's words figuratively is neither an
/// emergency nor a health question; a real question after the idiom is still answered.
#[test]
fn figurative_messages_get_no_topic_but_a_question_after_one_does() {
    for text in [
        "the stock market collapsed today, gutted",
        "My chest of drawers collapsed, can anyone recommend a sturdy one?",
        "The share price took my breath away today, down 40%",
    ] {
        let a = ask_json(&["--json", text]);
        assert_eq!(a["emergency"], false, "{text}");
        assert_eq!(a["faq"], serde_json::Value::Null, "{text}");
        assert_eq!(a["suggestions"], serde_json::json!([]), "{text}");
    }
    let q = ask_json(&[
        "--json",
        "The share price took my breath away today. Can blood clots cause leg cramps?",
    ]);
    assert_eq!(q["emergency"], false);
    assert_eq!(q["faq"], "can_clots_cause_cramps");
}

#[test]
fn faq_answers_stay_short_and_never_rule_out_a_clot() {
    let content = data::load_embedded().unwrap();
    let faq = content.faq("en").unwrap();
    for t in &faq.topics {
        assert!(
            t.answer.chars().count() <= 700,
            "{} is {} characters",
            t.id,
            t.answer.chars().count()
        );
        let lower = t.answer.to_lowercase();
        for banned in [
            "you do not have a",
            "you don't have a",
            "not a clot",
            "just a cramp",
            "ibuprofen is safe",
        ] {
            assert!(!lower.contains(banned), "{}: {banned}", t.id);
        }
    }
}

/// Prints, for thresholds around the shipped ones, how many tuning-set topic questions would be
/// answered right and wrong: how `CONFIDENT` and `MARGIN` in `src/core/faq.rs` were chosen.
/// `cargo test --test it calibration -- --ignored --nocapture`
#[test]
#[ignore]
fn calibration() {
    let content = data::load_embedded().unwrap();
    let all = tuning_cases();
    let scored: Vec<(f32, f32, bool, bool)> = all
        .iter()
        .filter(|(_, c)| c.expect != "emergency")
        .map(|(lang, c)| {
            let faq = content.faq(lang).unwrap();
            let m = faq.search(&c.text);
            let first = m.suggestions.first().map(|i| faq.topics[*i].id.as_str());
            (
                m.score,
                m.margin,
                first == Some(c.expect.as_str()),
                c.expect == "none",
            )
        })
        .collect();
    let topical = scored.iter().filter(|s| !s.3).count();
    let top1 = scored.iter().filter(|s| s.2).count();
    println!("topic questions {topical}, top-1 right {top1}");
    for confident in [0.3f32, 0.4] {
        for margin in [1.0f32, 1.01, 1.02, 1.03, 1.05, 1.1, 1.2] {
            let answered = |s: &&(f32, f32, bool, bool)| s.0 >= confident && s.1 >= margin;
            let right = scored.iter().filter(answered).filter(|s| s.2).count();
            let wrong = scored
                .iter()
                .filter(answered)
                .filter(|s| !s.2 && !s.3)
                .count();
            let calm = scored.iter().filter(answered).filter(|s| s.3).count();
            println!(
                "confident {confident:.2} margin {margin:.2}: right {right}, wrong topic {wrong}, calm answered {calm}"
            );
        }
    }
}

/// The FAQ's own questions are answered directly: every topic's title and example questions,
/// in every language, and the source document's title question.
#[test]
fn every_title_and_example_question_is_answered_directly() {
    let content = data::load_embedded().unwrap();
    let engine = Engine::new(&content, std::time::SystemTime::now());
    let mut wrong = Vec::new();
    for lang in ["en", "de", "es"] {
        let text = std::fs::read_to_string(project(&format!("dialogs/{lang}/faq.toml"))).unwrap();
        let v: toml::Value = toml::from_str(&text).unwrap();
        for t in v["topic"].as_array().unwrap() {
            let id = t["id"].as_str().unwrap();
            let questions = t["questions"].as_array().unwrap().iter();
            for q in std::iter::once(&t["title"]).chain(questions) {
                let q = q.as_str().unwrap();
                let a = engine.ask(q, lang, Place::unknown());
                if a.faq.as_deref() != Some(id) {
                    wrong.push(format!("{lang}: '{q}' -> {:?} (want {id})", a.faq));
                }
            }
        }
    }
    let title = engine.ask("Can blood clots cause leg cramps?", "en", Place::unknown());
    assert_eq!(title.faq.as_deref(), Some("can_clots_cause_cramps"));
    assert!(
        wrong.is_empty(),
        "{} not answered directly:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Odd input gets a sensible answer: no panic, no emergency, something to read.
#[test]
fn odd_messages_get_a_plain_answer() {
    let content = data::load_embedded().unwrap();
    let engine = Engine::new(&content, std::time::SystemTime::now());
    let long = "blah ".repeat(819) + "x";
    for text in [
        "",
        "   ",
        "😀😀😀",
        "🦵",
        "12345",
        "<b>hello</b> <script>alert(1)</script>",
        "hola, hello, hallo",
        long.as_str(),
        "\u{200b}\u{feff}",
    ] {
        let a = engine.ask(text, "en", Place::unknown());
        assert!(!a.emergency, "{text:?}");
        assert!(!a.answer.trim().is_empty(), "{text:?}");
    }
    // Mixed languages: a Spanish emergency in an English conversation, and the other way round.
    assert!(
        engine
            .ask("me duele mucho el pecho", "en", Place::unknown())
            .emergency
    );
    assert!(
        engine
            .ask("I can't breathe", "es", Place::unknown())
            .emergency
    );
    assert!(
        engine
            .ask("Ich bekomme keine Luft", "es", Place::unknown())
            .emergency
    );
}

/// A story, then a question: the question decides the topic, not the story's subject
/// (messages written for this test, not taken from an evaluation set).
#[test]
fn the_question_after_a_story_decides_the_topic() {
    let content = data::load_embedded().unwrap();
    let engine = Engine::new(&content, std::time::SystemTime::now());
    for (lang, text, want) in [
        (
            "en",
            "my aunt had a massive PE in 2016 with chest pain and she collapsed, she's doing great now. what is a DVT?",
            "what_is_dvt",
        ),
        (
            "de",
            "Mein Onkel hatte 2016 eine Lungenembolie mit Atemnot, jetzt geht es ihm gut. Egal, wie wird eine Thrombose festgestellt?",
            "diagnosis",
        ),
        (
            "es",
            "Mi tío tuvo una embolia en 2016 con dolor de pecho, ya está bien. ¿Cómo se previene un coágulo en un viaje largo?",
            "prevention",
        ),
    ] {
        let a = engine.ask(text, lang, Place::unknown());
        assert!(!a.emergency, "{text}");
        assert_eq!(a.faq.as_deref(), Some(want), "{text}");
    }
}

/// A German compound the FAQ does not know is read as the two words it knows ("Gerinnsel" +
/// "Gefahr"); an everyday word of the domain does not start a split ("Blutflecken").
#[test]
fn german_compounds_are_read_as_their_parts() {
    let content = data::load_embedded().unwrap();
    let faq = content.faq("de").unwrap();
    let read = faq.normalize("Gerinnselgefahr");
    assert_eq!(read.split(' ').count(), 2, "{read}");
    assert_eq!(read, faq.normalize("Gerinnsel Gefahr"));
    assert_eq!(faq.normalize("Blutflecken"), "blutflecken");
}

/// The topic a question is answered with directly, by id.
fn answered<'a>(faq: &'a clotcheck::core::faq::Faq, text: &str) -> Option<&'a str> {
    faq.search(text).topic.map(|i| faq.topics[i].id.as_str())
}

/// The topics a question is offered, best first, by id.
fn offered<'a>(faq: &'a clotcheck::core::faq::Faq, text: &str) -> Vec<&'a str> {
    faq.search(text)
        .suggestions
        .iter()
        .map(|i| faq.topics[*i].id.as_str())
        .collect()
}

/// Asserts that each `(language, question, topic id)` is answered directly with that topic.
fn each_answered(cases: &[(&str, &str, &str)]) {
    let content = data::load_embedded().unwrap();
    for (lang, text, want) in cases {
        let faq = content.faq(lang).unwrap();
        assert_eq!(answered(faq, text), Some(*want), "{text}");
    }
}

/// What to watch on a blood thinner answers only a question that names one: "what should I
/// watch out for with a clot" is about the signs of a clot, not about bleeding on a medicine
/// the writer never named (messages written for this test).
#[test]
fn the_blood_thinner_topic_needs_a_blood_thinner_named() {
    let content = data::load_embedded().unwrap();
    for (lang, without, with) in [
        (
            "en",
            "what should I watch out for with a clot in the leg",
            "I'm on warfarin, what should I watch out for",
        ),
        (
            "de",
            "worauf muss ich bei einer Thrombose achten",
            "ich nehme Marcumar, worauf muss ich achten",
        ),
        (
            "es",
            "qué tengo que vigilar si tengo una trombosis",
            "tomo sintrom, qué tengo que vigilar",
        ),
    ] {
        let faq = content.faq(lang).unwrap();
        let topics = offered(faq, without);
        assert!(
            !topics.contains(&"on_blood_thinners"),
            "{without}: {topics:?}"
        );
        assert_eq!(answered(faq, with), Some("on_blood_thinners"), "{with}");
    }
}

/// A definition question about a term a topic explains is answered by that topic, with the
/// term named or just before a "what is that?"; a question that goes on to something else
/// ("what is the best way to avoid…") is ranked as usual (messages written for this test).
#[test]
fn a_definition_question_is_answered_by_the_topic_that_explains_its_term() {
    each_answered(&[
        (
            "en",
            "what is a PE, explained simply?",
            "pulmonary_embolism",
        ),
        (
            "en",
            "my GP wrote 'DVT?' on the form. what is that?",
            "what_is_dvt",
        ),
        (
            "de",
            "was ist eigentlich eine Lungenembolie, in einfachen Worten?",
            "pulmonary_embolism",
        ),
        (
            "de",
            "Der Arzt hat TVT aufgeschrieben. Was ist das?",
            "what_is_dvt",
        ),
        (
            "es",
            "en el informe pone TEP, ¿qué es eso?",
            "pulmonary_embolism",
        ),
        (
            "en",
            "what is the best way to avoid a DVT on a plane?",
            "prevention",
        ),
    ]);
}

/// A question about how something shows, naming a term whose signs a topic tells, is
/// answered by that topic, whatever the ranking prefers; a question about the signs of
/// something else is ranked as before (messages written for this test).
#[test]
fn a_question_about_the_signs_of_a_term_is_answered_by_the_topic_that_tells_them() {
    each_answered(&[
        (
            "en",
            "what would a clot on my lung feel like",
            "pulmonary_embolism",
        ),
        (
            "en",
            "my aunt had a clot on her lung years ago. which signs should we look out for?",
            "pulmonary_embolism",
        ),
        (
            "de",
            "woran merkt man überhaupt eine Lungenembolie",
            "pulmonary_embolism",
        ),
        // The lung named as the place of the clot, not the condition's name.
        (
            "de",
            "welche Anzeichen gibt es, wenn ein Gerinnsel in der Lunge sitzt",
            "pulmonary_embolism",
        ),
        (
            "en",
            "what signs would tell me a clot had reached the lung",
            "pulmonary_embolism",
        ),
        (
            "es",
            "embolia pulmonar, ¿cómo se manifiesta?",
            "pulmonary_embolism",
        ),
        (
            "es",
            "qué señales avisan de que mi calambre es por un trombo",
            "clot_cramp_symptoms",
        ),
        (
            "de",
            "fühlt sich ein Krampf vom Gerinnsel anders an als ein Krampf beim Sport?",
            "clot_vs_ordinary_cramps",
        ),
    ]);
}

/// A question about how a clot brings about a cramp, naming both, is answered by the topic
/// that tells it; "why act fast…" is not such a question (messages written for this test).
#[test]
fn a_question_about_how_a_clot_brings_about_a_cramp_is_answered_by_its_topic() {
    each_answered(&[
        (
            "en",
            "how exactly does a clot get the muscle to cramp",
            "how_clots_cause_cramps",
        ),
        (
            "de",
            "auf welche Weise macht eine Thrombose Krämpfe",
            "how_clots_cause_cramps",
        ),
        (
            "es",
            "de qué manera una trombosis causa calambres",
            "how_clots_cause_cramps",
        ),
        (
            "en",
            "why does it matter to act fast if a cramp might be a clot?",
            "why_act_quickly",
        ),
    ]);
}

/// A question comparing clot cramps with others, naming both, is answered by the topic that
/// compares them; "clots cause cramps, or is that a myth?" asks whether, and is no comparison
/// (messages written for this test).
#[test]
fn a_comparison_of_clot_cramps_with_others_is_answered_by_its_topic() {
    each_answered(&[
        (
            "en",
            "does a cramp from a DVT feel the same as a night cramp",
            "clot_vs_ordinary_cramps",
        ),
        (
            "es",
            "es igual un calambre por coágulo que uno de los de siempre",
            "clot_vs_ordinary_cramps",
        ),
        (
            "en",
            "can clots really give you leg cramps or is that a myth",
            "can_clots_cause_cramps",
        ),
    ]);
}

/// A question after a story is answered by the topic its own phrases ask for, not by the
/// story's subject ("…a clot in his lung. How do they find that?" asks about the tests); where
/// phrases of two topics are said, the ranking chooses between them (messages written for this
/// test).
#[test]
fn a_question_after_a_story_is_answered_by_the_topic_it_asks_for() {
    each_answered(&[
        (
            "en",
            "my uncle collapsed at a wedding years ago and it was a clot in his lung. how do they diagnose that?",
            "diagnosis",
        ),
        (
            "de",
            "Meine Tante hatte 2015 eine Lungenembolie und ist seitdem gesund. Ist das erblich?",
            "risk_factors",
        ),
        (
            "es",
            "a mi abuelo le dio una embolia pulmonar hace años. ¿qué pasa si una trombosis se deja sin tratar?",
            "complications",
        ),
        (
            "en",
            "how can I prevent a clot on my flight? my sister had one and I worry it is genetic",
            "prevention",
        ),
    ]);
}

/// A sign answered with a bare "no" ("short of breath? nope.") is no subject of the question:
/// the topic about that sign is not even offered (messages written for this test).
#[test]
fn a_sign_answered_no_is_left_out_of_the_question() {
    let content = data::load_embedded().unwrap();
    let faq = content.faq("en").unwrap();
    let topics = offered(
        faq,
        "short of breath? nope. blood when coughing? nope. wondering how they treat a clot",
    );
    assert_eq!(topics.first(), Some(&"treatments"), "{topics:?}");
    assert!(!topics.contains(&"pulmonary_embolism"), "{topics:?}");
}

/// A question in dialect is read with the spoken forms the language's `emergency.toml`
/// names ("ko" → "kann", "Chrämpf" → "Krämpfe", "Wadl" → "Wade") (message written for this
/// test).
#[test]
fn dialect_words_in_a_question_are_read_as_written_ones() {
    let content = data::load_embedded().unwrap();
    let faq = content.faq("de").unwrap();
    let text = "Ko a Gerinnsel im Wadl Chrämpf macha?";
    assert_eq!(
        answered(faq, text),
        Some("can_clots_cause_cramps"),
        "{text}: read as {}",
        faq.normalize(text)
    );
}

/// A message about something else — a word's spelling or translation, a pet — gets no topic
/// and no offer, though it holds the subject's words; the same words asked about the subject
/// are answered (messages written for this test).
#[test]
fn a_question_about_a_word_or_a_pet_gets_no_topic() {
    let content = data::load_embedded().unwrap();
    for (lang, elsewhere, about) in [
        (
            "en",
            "what's the Spanish word for a blood clot in the leg?",
            "what is a DVT?",
        ),
        (
            "en",
            "my dog has a swollen leg and limps, is it a clot?",
            "can a clot cause leg cramps?",
        ),
        (
            "de",
            "Wie schreibt man Thrombose, mit h oder ohne?",
            "Was ist eine Thrombose?",
        ),
        (
            "es",
            "¿cómo se dice trombosis en inglés?",
            "¿qué es una trombosis?",
        ),
    ] {
        let faq = content.faq(lang).unwrap();
        let found = faq.search(elsewhere);
        assert_eq!(found.topic, None, "{elsewhere}");
        assert!(found.suggestions.is_empty(), "{elsewhere}");
        assert!(faq.search(about).topic.is_some(), "{about}");
    }
}
