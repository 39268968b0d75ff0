//! The handover to a clinician: the summary for every public vignette (snapshots), its
//! length for the longest possible answers, the FHIR shape against R4's element names, and
//! the report and the share button in the console and in Telegram.

use crate::fake_telegram::{FakeTelegram, buttons};
use crate::support::{Console, last_question, text_of, truthful_pick, vignettes, walk};
use crate::telegram::{BotProcess, Person};
use clotcheck::core::Content;
use clotcheck::core::country::Place;
use clotcheck::core::dialog::NodeKind;
use clotcheck::core::engine::{Engine, Input, State};
use clotcheck::core::fhir::questionnaire;
use clotcheck::core::findings::{Answer, Finding};
use clotcheck::core::report::{Report, report};
use clotcheck::data;
use serde_json::Value;

const WHEN: &str = "2026-11-24T09:30:00Z";

/// The state after walking the check in the engine as a truthful person would.
fn walked(present: &[String], unsure: &[String]) -> State {
    walked_in("en", present, unsure)
}

/// As [`walked`], in the conversation language `lang`.
pub(crate) fn walked_in(lang: &str, present: &[String], unsure: &[String]) -> State {
    let content = data::load_embedded().unwrap();
    let engine = Engine::new(&content, std::time::SystemTime::now());
    let mut state = State::default();
    state.prefs.lang = lang.into();
    state.prefs.lang_chosen = true;
    let mut replies = engine.step(&mut state, Input::Start);
    for _ in 0..60 {
        // The end of the check (advice shown early offers to go on, and the walk does).
        if replies
            .iter()
            .any(|r| r.outcome.is_some() && !r.options.iter().any(|o| !o.nav))
        {
            return state;
        }
        let q = last_question(&replies);
        let pick = truthful_pick(&q, present, unsure).unwrap();
        replies = engine.step(&mut state, Input::Choose(pick));
    }
    panic!("no outcome");
}

/// The report of a conversation's state, as the engine makes it.
pub(crate) fn summary(content: &Content, state: &State, version: &str) -> Report {
    let place = Place {
        country: state
            .prefs
            .country
            .as_deref()
            .and_then(|c| content.country(c)),
        guessed: state.prefs.country_guessed,
    };
    let complete = state
        .check
        .node
        .as_deref()
        .and_then(|n| content.dialog.find(n))
        .is_some_and(|ix| content.dialog.node(ix).kind == NodeKind::Outcome);
    let lang = &state.prefs.lang;
    report(
        content,
        &state.check.answers,
        place,
        lang,
        complete,
        WHEN,
        version,
    )
}

#[test]
fn the_summary_of_every_vignette() {
    let content = data::load_embedded().unwrap();
    for v in vignettes() {
        let state = walked(&v.present, &v.unsure);
        let r = summary(&content, &state, "test");
        assert!(r.text.chars().count() < 4096);
        insta::assert_snapshot!(format!("report_{}", v.id), r.text);
    }
}

#[test]
fn the_summary_names_what_a_clinician_needs() {
    let content = data::load_embedded().unwrap();
    let mut state = walked(
        &[
            "one_leg_swelling".into(),
            "whole_leg_swelling".into(),
            "active_cancer".into(),
        ],
        &["chest_pain".into()],
    );
    state.check.answers.typed.push(Finding::CoughingBlood);
    let text = summary(&content, &state, "9.9.9").text;
    for needle in [
        "Date: 2026-11-24 09:30 UTC",
        "Result: URGENT",
        "(U3)",
        "Not sure: Chest or upper-back pain",
        "Active cancer (treatment within 6 months): yes",
        "Entire leg swollen: yes",
        "Previous DVT or PE (patient-reported): no",
        "an operation or serious injury in the last 12 weeks (not specified as major surgery)",
        "calf ≥ 3 cm larger than the other side",
        "collateral superficial veins (non-varicose)",
        "an alternative diagnosis at least as likely",
        "Not assessed (need an examination)",
        "clotcheck 9.9.9 · dialogue 2026-12-02 · triage policy 2026-12-02.1",
        "not a diagnosis",
    ] {
        assert!(text.contains(needle), "{needle} missing in:\n{text}");
    }
    assert!(
        !text.to_lowercase().contains("score:"),
        "never a Wells score"
    );
    // Questions not asked are listed as such.
    let mut partial = State::default();
    partial
        .check
        .answers
        .findings
        .set(Finding::SuddenBreathlessness, Answer::Absent);
    let text = summary(&content, &partial, "t").text;
    assert!(text.contains("Not asked: Chest or upper-back pain"));
    assert!(text.contains("(check not finished)"));
}

#[test]
fn the_longest_summary_stays_under_4096_characters() {
    let content = data::load_embedded().unwrap();
    let mut state = State::default();
    for f in Finding::ALL {
        state.check.answers.findings.set(*f, Answer::Present);
        state.check.answers.typed.push(*f);
    }
    state.prefs.country = Some("GB".into());
    let all_present = summary(&content, &state, "0.1.0").text;
    for f in Finding::ALL.iter().filter(|f| !f.is_red_flag()) {
        state.check.answers.findings.set(*f, Answer::Unsure);
    }
    // Red flags absent, everything else present: the most reasons (S2 over every major risk
    // factor and every symptom).
    let mut s2 = State::default();
    for f in Finding::ALL {
        s2.check.answers.findings.set(
            *f,
            if f.is_red_flag() || f.group() == clotcheck::core::findings::Group::DvtFeature {
                Answer::Absent
            } else {
                Answer::Present
            },
        );
    }
    for text in [
        all_present,
        summary(&content, &state, "0.1.0").text,
        summary(&content, &s2, "0.1.0").text,
    ] {
        assert!(
            text.chars().count() < 4096,
            "{} characters",
            text.chars().count()
        );
    }
}

/// Element names of FHIR R4 QuestionnaireResponse (and its item, answer, Coding, Narrative,
/// Extension) that the document may use.
const R4_RESPONSE: &[&str] = &[
    "resourceType",
    "language",
    "text",
    "div",
    "questionnaire",
    "status",
    "authored",
    "item",
    "linkId",
    "answer",
    "valueCoding",
    "system",
    "code",
    "display",
    "_display",
    "extension",
    "url",
    "valueCode",
    "valueString",
];

fn keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                out.push(k.clone());
                keys(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

#[test]
fn the_fhir_response_has_the_r4_shape_and_its_link_ids_resolve() {
    let content = data::load_embedded().unwrap();
    let state = walked(&["leg_warmth".into()], &["fainting".into()]);
    let fhir = summary(&content, &state, "t").fhir;
    let mut names = Vec::new();
    keys(&fhir, &mut names);
    for n in &names {
        assert!(
            R4_RESPONSE.contains(&n.as_str()),
            "{n} is not an R4 QuestionnaireResponse element"
        );
    }
    assert_eq!(fhir["resourceType"], "QuestionnaireResponse");
    assert_eq!(fhir["status"], "completed");
    assert_eq!(fhir["authored"], WHEN);
    let q = questionnaire(&content, "en");
    assert_eq!(q["resourceType"], "Questionnaire");
    assert_eq!(
        fhir["questionnaire"],
        format!(
            "{}|{}",
            q["url"].as_str().unwrap(),
            q["version"].as_str().unwrap()
        )
    );
    // Every linkId in the response exists in the questionnaire.
    let mut q_ids = Vec::new();
    fn link_ids(v: &Value, out: &mut Vec<String>) {
        if let Some(items) = v["item"].as_array() {
            for i in items {
                out.push(i["linkId"].as_str().unwrap().to_string());
                link_ids(i, out);
            }
        }
    }
    link_ids(&q, &mut q_ids);
    let mut r_ids = Vec::new();
    link_ids(&fhir, &mut r_ids);
    for id in &r_ids {
        assert!(q_ids.contains(id), "{id} does not resolve");
    }
    // The answers: HL7's yes / no / don't know codings, the urgency coded.
    let all: Vec<&Value> = fhir["item"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["item"].as_array().into_iter().flatten())
        .collect();
    let find = |id: &str| all.iter().find(|i| i["linkId"] == id).unwrap()["answer"][0].clone();
    assert_eq!(find("leg_warmth")["valueCoding"]["code"], "Y");
    assert_eq!(find("chest_pain")["valueCoding"]["code"], "N");
    assert_eq!(find("fainting")["valueCoding"]["code"], "asked-unknown");
    let urgency = fhir["item"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["linkId"] == "urgency")
        .unwrap();
    assert_eq!(urgency["answer"][0]["valueCoding"]["code"], "urgent");
}

#[test]
fn fhir_questionnaire_command_prints_the_questionnaire() {
    let out = crate::support::bin()
        .arg("fhir-questionnaire")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let q: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(q["resourceType"], "Questionnaire");
    assert_eq!(q["status"], "active");
    let text = String::from_utf8_lossy(&out.stdout);
    for f in Finding::ALL {
        assert!(text.contains(&format!("\"linkId\": \"{}\"", f.id())), "{f}");
    }
}

#[test]
fn console_report_after_a_check() {
    let (mut c, first) = Console::start(&["--country", "IE"]);
    let end = walk(&mut c, first, &["calf_thigh_pain".into()], &[]);
    assert_eq!(end["outcome"]["urgency"], "urgent");
    let r = c.text("/report");
    assert_eq!(r[0]["kind"], "report");
    assert!(
        text_of(&r[0])
            .contains("Throbbing or cramping pain in one calf or thigh that keeps going (at rest or on walking) (U1)")
    );
    assert!(text_of(&r[0]).contains("emergency number given: 112"));
    assert_eq!(r[0]["fhir"]["resourceType"], "QuestionnaireResponse");
    // Before any answer: a short explanation instead.
    let (mut fresh, _) = Console::start(&[]);
    let r = fresh.text("/report");
    assert!(text_of(&r[0]).contains("nothing to summarise yet"));
    assert_eq!(r[0]["fhir"], Value::Null);
}

/// Asks inline for "summary" as the user of `chat` and returns the body of the bot's
/// `answerInlineQuery`: the test asks three times (before, after and as someone else).
async fn inline_summary(tg: &FakeTelegram, chat: i64) -> Value {
    let since = tg.call_count();
    tg.inline_query(chat, "summary");
    let calls = tg.wait_method(since, "answerInlineQuery").await;
    calls
        .iter()
        .find(|c| c.method == "answerInlineQuery")
        .unwrap()
        .body
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_summary_button_share_and_inline_answer() {
    let content = data::load_embedded().unwrap();
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    let p = Person::new(&tg, 7001);
    // Someone with no summary asks inline: a short explanation.
    let answer = inline_summary(&tg, p.chat).await;
    assert_eq!(answer["is_personal"], true);
    assert_eq!(answer["cache_time"], 0);
    assert!(
        answer["results"][0]["input_message_content"]["message_text"]
            .as_str()
            .unwrap()
            .contains("/check")
    );

    crate::telegram::walk(&p, &content, &[Finding::OneLegSwelling], &[]).await;
    let since = tg.call_count();
    let m = tg.keyboard_message(p.chat).unwrap();
    let (_, data) = buttons(&m.markup)
        .into_iter()
        .find(|(l, _)| l.contains("Summary for my doctor"))
        .unwrap();
    tg.press(p.chat, m.id, &data);
    let calls = tg.wait_method(since, "sendDocument").await;
    let summary = calls
        .iter()
        .find(|c| c.method == "sendMessage" && c.text().contains("summary for a clinician"))
        .expect("the summary");
    assert!(
        summary.body.get("parse_mode").is_none(),
        "plain text, readable when forwarded"
    );
    let share = &summary.body["reply_markup"]["inline_keyboard"][0][0];
    assert_eq!(share["switch_inline_query"], "summary");
    let doc = calls.iter().find(|c| c.method == "sendDocument").unwrap();
    assert!(
        doc.body["multipart"]
            .as_str()
            .unwrap()
            .contains("QuestionnaireResponse")
    );

    // The share button: the user's own summary, for them only.
    let answer = inline_summary(&tg, p.chat).await;
    assert_eq!(answer["is_personal"], true);
    assert_eq!(answer["cache_time"], 0);
    let text = answer["results"][0]["input_message_content"]["message_text"]
        .as_str()
        .unwrap();
    assert!(text.contains("Swelling in one leg (U1)"), "{text}");
    // Someone else asking inline gets nothing of it.
    let other = inline_summary(&tg, 7999).await;
    assert!(!other.to_string().contains("Swelling in one leg"));
}
