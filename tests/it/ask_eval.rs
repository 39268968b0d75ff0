//! The evaluation set (`tests/data/ask_eval.toml`): labelled messages written before the
//! matcher was tuned. Thresholds: ≥ 90 % top-1 topic accuracy, every emergency report
//! flagged, no negated, general or off-topic message flagged, no off-topic message answered.

use crate::support::project;
use clotcheck::core::country::Place;
use clotcheck::core::engine::Engine;
use clotcheck::data;
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    text: String,
    expect: String,
    kind: String,
}

#[derive(Deserialize)]
struct File {
    case: Vec<Case>,
}

fn cases(file: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(project(&format!("tests/data/{file}"))).unwrap();
    toml::from_str::<File>(&text).unwrap().case
}

#[test]
fn evaluation_set_meets_the_thresholds() {
    evaluate("ask_eval.toml", "en", 150);
}

#[test]
fn german_evaluation_set_meets_the_same_thresholds() {
    evaluate("ask_eval_de.toml", "de", 60);
}

#[test]
fn spanish_evaluation_set_meets_the_same_thresholds() {
    evaluate("ask_eval_es.toml", "es", 60);
}

fn evaluate(file: &str, lang: &str, at_least: usize) {
    let content = data::load_embedded().unwrap();
    let engine = Engine::new(&content);
    let faq = content.faq(lang).unwrap();
    let cases = cases(file);
    assert!(
        cases.len() >= at_least,
        "at least {at_least} labelled messages"
    );
    let (mut topical, mut top1, mut answered_right) = (0, 0, 0);
    let mut failures = Vec::new();
    let (mut emergencies, mut flagged) = (0, 0);
    let mut false_alarms = Vec::new();
    let mut off_topic_answered = Vec::new();
    for c in &cases {
        let a = engine.ask(&c.text, lang, Place::unknown());
        match c.kind.as_str() {
            "emergency" => {
                emergencies += 1;
                if a.emergency {
                    flagged += 1;
                } else {
                    failures.push(format!("MISSED EMERGENCY: {}", c.text));
                }
            }
            _ => {
                if a.emergency {
                    false_alarms.push(c.text.clone());
                }
            }
        }
        if c.expect != "emergency" && c.expect != "none" {
            topical += 1;
            let ranked = faq.search(&c.text);
            let first = ranked
                .suggestions
                .first()
                .map(|i| faq.topics[*i].id.as_str());
            if first == Some(c.expect.as_str()) {
                top1 += 1;
            } else {
                failures.push(format!("{} -> {:?} (want {})", c.text, first, c.expect));
            }
            if a.faq.as_deref() == Some(c.expect.as_str()) {
                answered_right += 1;
            }
        }
        if c.kind == "off_topic" && a.faq.is_some() {
            off_topic_answered.push(format!("{} -> {:?}", c.text, a.faq));
        }
    }
    let accuracy = top1 as f64 / topical as f64;
    println!(
        "ask evaluation ({lang}): {} messages; top-1 topic accuracy {top1}/{topical} = {:.1} %; confident and right {answered_right}/{topical}; emergencies flagged {flagged}/{emergencies}; false alarms {}; off-topic answered {}",
        cases.len(),
        accuracy * 100.0,
        false_alarms.len(),
        off_topic_answered.len()
    );
    for f in &failures {
        println!("  {f}");
    }
    assert_eq!(
        flagged, emergencies,
        "every emergency report flagged: {failures:#?}"
    );
    assert!(
        false_alarms.is_empty(),
        "negated, general or off-topic messages flagged: {false_alarms:#?}"
    );
    assert!(
        off_topic_answered.is_empty(),
        "off-topic messages answered: {off_topic_answered:#?}"
    );
    assert!(
        accuracy >= 0.90,
        "top-1 accuracy {accuracy:.3}: {failures:#?}"
    );
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
    let engine = Engine::new(&content);
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
