//! The `console --json` line protocol, driven as a program would drive it.

use crate::support::{Console, pending, strings, text_of};
use serde_json::Value;

fn kinds(messages: &[Value]) -> Vec<&str> {
    messages
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect()
}

/// From the welcome to the first red-flag question.
fn to_first_question() -> Console {
    let (mut c, _) = Console::start(&[]);
    c.choose(&[1]); // Start the check
    let q = c.choose(&[1]); // I agree
    assert!(text_of(pending(&q)).contains("short of breath"));
    c
}

#[test]
fn welcome_names_the_red_flags_and_the_number_before_consent() {
    let (c, first) = Console::start(&["--country", "AU"]);
    assert_eq!(first.len(), 1);
    let text = text_of(&first[0]);
    let number = text.find("000").expect("number in the welcome");
    for sign in [
        "breathlessness",
        "chest",
        "coughing up blood",
        "fainting",
        "racing heart",
        "cold and pale",
        "bladder",
    ] {
        assert!(text.contains(sign), "welcome lacks {sign}");
    }
    assert!(
        number < text.find("breathlessness").unwrap(),
        "number before the list"
    );
    assert!(text.contains("16 and over") && text.contains("not a diagnosis"));
    assert_eq!(c.finish(), 0);
}

#[test]
fn every_message_has_the_protocol_shape() {
    let (mut c, first) = Console::start(&[]);
    let mut all = first;
    all.extend(c.choose(&[1]));
    all.extend(c.choose(&[1]));
    all.extend(c.choose(&[1]));
    for m in &all {
        for key in ["kind", "text", "multi", "options", "outcome", "faq", "fhir"] {
            assert!(m.get(key).is_some(), "{key} missing in {m}");
        }
        for o in m["options"].as_array().unwrap() {
            for key in ["label", "findings", "unsure", "nav"] {
                assert!(o.get(key).is_some(), "{key} missing in {o}");
            }
        }
    }
    c.finish();
}

#[test]
fn declining_consent_is_navigation_and_starts_nothing() {
    let (mut c, _) = Console::start(&[]);
    let consent = c.choose(&[1]);
    let options = pending(&consent)["options"].as_array().unwrap().clone();
    let decline = options
        .iter()
        .position(|o| o["nav"] == true)
        .expect("decline is nav")
        + 1;
    let after = c.choose(&[decline]);
    let text = text_of(&after[0]);
    assert!(text.contains("nothing has been kept"), "{text}");
    assert!(!text.contains("short of breath"));
    c.finish();
}

#[test]
fn one_tap_on_a_red_flag_gives_the_emergency_at_once_and_can_be_undone() {
    let mut c = to_first_question();
    let r = c.choose(&[1]); // Yes, short of breath
    assert_eq!(kinds(&r), ["emergency"]);
    assert_eq!(r[0]["outcome"]["urgency"], "emergency");
    assert_eq!(r[0]["outcome"]["reasons"][0]["rule"], "E1");
    let labels: Vec<&str> = r[0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels[0], "I tapped that by mistake");
    let back = c.choose(&[1]);
    let q = pending(&back);
    assert!(
        text_of(q).contains("short of breath"),
        "back at the question: {q}"
    );
    // The undone answer is gone: answering no continues the check.
    let next = c.choose(&[2]);
    assert!(text_of(pending(&next)).contains("chest"));
    c.finish();
}

#[test]
fn typed_emergency_interrupts_in_any_state() {
    // Before consent, mid-check, and in a multi-select.
    let (mut c, _) = Console::start(&[]);
    let r = c.text("I can't breathe");
    assert_eq!(r[0]["kind"], "emergency");
    assert_eq!(
        strings(&r[0]["outcome"]["present"]),
        ["sudden_breathlessness"]
    );
    c.finish();

    let mut c = to_first_question();
    let r = c.text("my mum is coughing up blood, what should she do?");
    assert_eq!(r[0]["kind"], "emergency");
    assert!(strings(&r[0]["outcome"]["present"]).contains(&"coughing_blood".to_string()));
    c.finish();

    let r = {
        let mut c = to_first_question();
        let r = c.text("I think I'm having a heart attack");
        c.finish();
        r
    };
    assert_eq!(r[0]["kind"], "emergency");
    assert_eq!(r[0]["outcome"]["reasons"][0]["rule"], "E2");
    assert_eq!(r[0]["outcome"]["reasons"][0]["finding"], Value::Null);
}

#[test]
fn negations_and_general_questions_do_not_trigger_the_emergency() {
    let mut c = to_first_question();
    for text in [
        "no chest pain just a cramp",
        "I'm not short of breath",
        "what are the signs of a pulmonary embolism?",
    ] {
        let r = c.text(text);
        assert!(r.iter().all(|m| m["kind"] != "emergency"), "{text}: {r:?}");
    }
    c.finish();
}

#[test]
fn typed_yes_no_not_sure_answer_a_yes_no_question() {
    let mut c = to_first_question();
    let r = c.text("nope");
    assert!(text_of(pending(&r)).contains("chest"));
    let r = c.text("Not sure");
    assert!(text_of(pending(&r)).contains("coughing up blood"));
    let r = c.text("YES");
    assert_eq!(r[0]["kind"], "emergency");
    assert!(strings(&r[0]["outcome"]["unsure"]).contains(&"chest_pain".to_string()));
    c.finish();
}

#[test]
fn unknown_text_gets_a_short_answer_and_the_question_again() {
    let mut c = to_first_question();
    let r = c.text("banana");
    assert_eq!(kinds(&r), ["error", "question"]);
    assert!(text_of(&r[1]).contains("short of breath"));
    c.finish();
}

fn assert_error_then_same_question(r: &[Value], question: &str) {
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!(r[0]["kind"], "error");
    assert_eq!(r[1]["text"], question);
}

#[test]
fn protocol_errors_leave_the_state_unchanged() {
    let mut c = to_first_question();
    let q = "Are you suddenly short of breath, or finding it hard to breathe?";
    assert_error_then_same_question(&c.choose(&[1, 2]), q); // wrong count
    assert_error_then_same_question(&c.choose(&[]), q); // wrong count
    assert_error_then_same_question(&c.choose(&[99]), q); // out of range
    assert_error_then_same_question(&c.choose(&[0]), q); // out of range
    assert_error_then_same_question(&c.send("{not json"), q); // malformed
    assert_error_then_same_question(&c.send("{\"choose\": \"1\"}"), q); // malformed
    assert_error_then_same_question(&c.send("{\"text\": \"a\", \"choose\": [1]}"), q);
    assert_error_then_same_question(&c.send(""), q);
    // Still at the first question: "No" moves on to the second.
    assert!(text_of(pending(&c.choose(&[2]))).contains("chest"));
    c.finish();
}

#[test]
fn nothing_pending_after_forget() {
    let mut c = to_first_question();
    let r = c.text("/forget");
    assert!(text_of(&r[0]).contains("deleted"));
    let r = c.choose(&[1]);
    assert_eq!(kinds(&r), ["error"]);
    // /start begins again.
    let r = c.text("/start");
    assert!(text_of(&r[0]).contains("Call"));
    c.finish();
}

/// Walks to the risk-factor multi-select.
fn to_risk_factors() -> (Console, Vec<Value>) {
    let mut c = to_first_question();
    let mut r = Vec::new();
    for _ in 0..13 {
        r = c.choose(&[2]); // No to every red flag and DVT feature (one_leg: no skips whole leg)
    }
    assert_eq!(pending(&r)["multi"], true, "{r:?}");
    (c, r)
}

#[test]
fn multi_select_takes_all_ticks_at_once_and_rejects_mixtures() {
    let (mut c, r) = to_risk_factors();
    let q = pending(&r).clone();
    let options = q["options"].as_array().unwrap();
    let none = options
        .iter()
        .position(|o| o["label"] == "None of these")
        .unwrap()
        + 1;
    let back = options
        .iter()
        .position(|o| o["label"].as_str().unwrap().contains("Back"))
        .unwrap()
        + 1;
    let text = text_of(&q);
    assert_error_then_same_question(&c.choose(&[1, none]), text);
    assert_error_then_same_question(&c.choose(&[1, back]), text);
    // Two ticks at once move on to the next list.
    let r = c.choose(&[4, 7]);
    let next = pending(&r);
    assert_eq!(next["multi"], true);
    assert_ne!(next["text"], q["text"]);
    // Back returns to the risk factors; [] means none of these.
    let r = c.text("/back");
    assert_eq!(pending(&r)["text"], q["text"]);
    let r = c.choose(&[]);
    assert_ne!(pending(&r)["text"], q["text"]);
    c.finish();
}

#[test]
fn back_and_start_over_on_every_question() {
    let (mut c, first) = Console::start(&[]);
    c.choose(&[1]);
    let mut r = c.choose(&[1]);
    let mut seen = 0;
    while !r.iter().any(|m| m["kind"] == "outcome") {
        let q = pending(&r).clone();
        let labels: Vec<String> = q["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["label"].as_str().unwrap().to_string())
            .collect();
        assert!(labels.iter().any(|l| l.contains("Back")), "{labels:?}");
        assert!(
            labels.iter().any(|l| l.contains("Start over")),
            "{labels:?}"
        );
        let answer = if q["multi"] == true { vec![] } else { vec![2] };
        r = c.choose(&answer);
        seen += 1;
        assert!(seen < 40);
    }
    assert_eq!(
        seen, 16,
        "every finding asked, whole-leg only after a swollen leg"
    );
    drop(first);
    c.finish();
}

#[test]
fn a_confident_question_mid_check_is_answered_then_the_question_again() {
    let mut c = to_first_question();
    let r = c.text("how is a dvt diagnosed");
    assert_eq!(kinds(&r), ["faq", "question"]);
    assert_eq!(r[0]["faq"], "diagnosis");
    assert!(r[0]["options"].as_array().unwrap().is_empty());
    assert!(text_of(&r[1]).contains("short of breath"));
    c.finish();
}

#[test]
fn an_unsure_question_offers_topics_and_a_way_back() {
    let mut c = to_first_question();
    let r = c.text("about clots");
    assert_eq!(kinds(&r), ["faq"]);
    let options = r[0]["options"].as_array().unwrap().clone();
    assert!(options.len() >= 2 && options.len() <= 4, "{options:?}");
    let back = options.last().unwrap();
    assert_eq!(back["label"], "Back to the check");
    assert_eq!(back["nav"], true);
    // `choose` counts into the topics: the first one is answered, then the question again.
    let r = c.choose(&[1]);
    assert_eq!(kinds(&r), ["faq", "question"]);
    assert!(r[0]["faq"].is_string());
    // And "Back to the check" returns without answering.
    c.text("about clots");
    let r = c.choose(&[options.len()]);
    assert_eq!(kinds(&r), ["question"]);
    assert!(text_of(&r[0]).contains("short of breath"));
    c.finish();
}

#[test]
fn faq_command_lists_every_topic() {
    let (mut c, _) = Console::start(&[]);
    let r = c.text("/faq");
    let options = r[0]["options"].as_array().unwrap();
    assert!(options.len() >= 15, "14 required topics and the way back");
    let r = c.choose(&[1]);
    assert_eq!(r[0]["kind"], "faq");
    c.finish();
}
