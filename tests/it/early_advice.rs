//! Policy 2026-12-02.1: urgent advice as soon as it cannot change (right after the leg signs,
//! the rest of the check offered for the clinician summary), and the report items
//! `affected_side` and `symptom_onset` — asked once when a leg symptom is present, and carried
//! in the summary, the console's JSON and the FHIR document.

use crate::support::{Console, pending, strings, text_of};
use serde_json::Value;

/// Answers the pending question with the option labelled `label`.
fn answer(c: &mut Console, messages: &[Value], label: &str) -> Vec<Value> {
    let q = pending(messages);
    let i = q["options"]
        .as_array()
        .unwrap()
        .iter()
        .position(|o| o["label"] == label)
        .unwrap_or_else(|| panic!("no option '{label}' in {q}"))
        + 1;
    c.choose(&[i])
}

/// Starts the check and answers "No" to its thirteen yes/no questions (red flags and signs):
/// the tests of the risk factors and patterns begin after them.
fn past_the_thirteen_nos(c: &mut Console, first: &[Value]) -> Vec<Value> {
    let mut r = answer(c, first, "Start the check");
    r = answer(c, &r, "I agree");
    for _ in 0..13 {
        r = answer(c, &r, "No");
    }
    r
}

fn question_text(messages: &[Value]) -> String {
    pending(messages)["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_swollen_leg_gets_the_urgent_advice_right_after_the_leg_signs() {
    let (mut c, first) = Console::start(&["--country", "GB"]);
    let mut r = answer(&mut c, &first, "Start the check");
    r = answer(&mut c, &r, "I agree");
    let mut questions = 0;
    // Seven red flags: no.
    for _ in 0..7 {
        r = answer(&mut c, &r, "No");
        questions += 1;
    }
    assert!(question_text(&r).contains("Is one leg swollen"));
    r = answer(&mut c, &r, "Yes");
    questions += 1;
    // The rest of the leg signs: no.
    while !r.iter().any(|m| m["kind"] == "outcome") {
        assert!(questions < 16, "no advice after {questions} questions");
        r = answer(&mut c, &r, "No");
        questions += 1;
    }
    let early = r.iter().find(|m| m["kind"] == "outcome").unwrap().clone();
    assert_eq!(early["outcome"]["urgency"], "urgent");
    assert!(text_of(&early).contains("Get seen today"));
    assert!(
        questions <= 14,
        "urgent advice after {questions} questions, not after the risk factors"
    );
    let options: Vec<&str> = early["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["label"].as_str().unwrap())
        .collect();
    assert!(
        options.contains(&"More questions for my doctor"),
        "{options:?}"
    );

    // The rest, for the summary: which leg and since when come once, after the patterns.
    r = answer(&mut c, &r, "More questions for my doctor");
    assert!(question_text(&r).contains("Do any of these apply?"));
    c.choose(&[12]); // none of the risk factors
    r = c.choose(&[9]); // none of the patterns
    assert!(question_text(&r).contains("Which leg is it?"), "{r:?}");
    r = answer(&mut c, &r, "Left leg");
    assert!(question_text(&r).contains("Since when"), "{r:?}");
    r = answer(&mut c, &r, "4 to 14 days");
    assert!(
        question_text(&r).contains("blood thinner"),
        "asked once: {r:?}"
    );
    r = answer(&mut c, &r, "Yes");
    let end = r.iter().find(|m| m["kind"] == "outcome").unwrap();
    assert_eq!(end["outcome"]["urgency"], "urgent");
    assert_eq!(
        end["outcome"]["items"],
        serde_json::json!({"affected_side": "left", "symptom_onset": "days_4_14"})
    );
    let text = text_of(end);
    assert!(
        text.contains("bleeding that will not stop"),
        "the later answer adds the bleeding warning"
    );
    assert!(
        text.chars().count() < text_of(&early).chars().count() + 400,
        "a short follow-up"
    );

    // The summary and the FHIR document carry the items.
    let report = c.text("/report");
    let text = text_of(&report[0]);
    assert!(
        text.contains("Which leg: Left leg · Since when: 4 to 14 days"),
        "{text}"
    );
    let fhir = &report[0]["fhir"];
    let items = fhir["item"].as_array().unwrap();
    let side = items
        .iter()
        .find(|i| i["linkId"] == "affected_side")
        .unwrap();
    assert_eq!(side["answer"][0]["valueCoding"]["code"], "left");
    let onset = items
        .iter()
        .find(|i| i["linkId"] == "symptom_onset")
        .unwrap();
    assert_eq!(onset["answer"][0]["valueCoding"]["code"], "days_4_14");
    assert_eq!(c.finish(), 0);
}

#[test]
fn no_leg_symptom_no_report_items_and_no_early_advice() {
    let (mut c, first) = Console::start(&[]);
    let mut r = past_the_thirteen_nos(&mut c, &first);
    assert!(question_text(&r).contains("Do any of these apply?"));
    c.choose(&[1]); // bed rest
    r = c.choose(&[9]); // none of the patterns
    assert!(question_text(&r).contains("blood thinner"), "{r:?}");
    r = answer(&mut c, &r, "No");
    let end = r.iter().find(|m| m["kind"] == "outcome").unwrap();
    assert_eq!(end["outcome"]["urgency"], "self_care");
    assert_eq!(end["outcome"]["items"], serde_json::json!({}));
    let text = text_of(&c.text("/report")[0]).to_string();
    assert!(
        text.contains("Which leg: not asked · Since when: not asked"),
        "{text}"
    );
    c.finish();
}

#[test]
fn a_pattern_alone_asks_the_report_items_and_back_forgets_them() {
    let (mut c, first) = Console::start(&[]);
    past_the_thirteen_nos(&mut c, &first);
    c.choose(&[12]); // no risk factor
    let mut r = c.choose(&[1]); // brief night cramps
    assert!(question_text(&r).contains("Which leg is it?"));
    r = answer(&mut c, &r, "Both legs");
    assert!(question_text(&r).contains("Since when"));
    // Back to "which leg": the answer is forgotten.
    r = answer(&mut c, &r, "⬅ Back");
    assert!(question_text(&r).contains("Which leg is it?"));
    r = answer(&mut c, &r, "Right leg");
    r = answer(&mut c, &r, "Not sure");
    r = answer(&mut c, &r, "Not sure"); // blood thinner
    let end = r.iter().find(|m| m["kind"] == "outcome").unwrap();
    assert_eq!(
        end["outcome"]["items"],
        serde_json::json!({"affected_side": "right", "symptom_onset": "not_sure"})
    );
    assert!(strings(&end["outcome"]["unsure"]).contains(&"on_blood_thinners".to_string()));
    assert!(text_of(end).contains("bang to the head"));
    c.finish();
}
