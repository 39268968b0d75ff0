//! The handover to a clinician: a plain-text summary a doctor or nurse reads in twenty
//! seconds, and the same answers as a FHIR R4 `QuestionnaireResponse` (with the matching
//! `Questionnaire`, so its linkIds resolve).
//!
//! Patient-reported Wells items are listed as reported facts — never a score — with a line
//! that the examination items were not assessed.

use super::Content;
use super::advice::assess;
use super::answers::Answers;
use super::country::Place;
use super::findings::{Answer, Finding, Findings, Group};
use super::items::Item;
use super::rules::{POLICY_VERSION, Urgency};
use super::texts::Texts;
use serde::Serialize;
use serde_json::Value;

/// The canonical URL of the questionnaire the responses refer to.
pub const QUESTIONNAIRE_URL: &str = "urn:clotcheck:questionnaire:triage";
/// The code system of the urgency levels.
pub const URGENCY_SYSTEM: &str = "urn:clotcheck:urgency";
/// HL7's code for "asked but the person did not know": a "not sure" answer.
pub const UNSURE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/data-absent-reason";
pub const UNSURE_CODE: &str = "asked-unknown";

const GROUPS: &[(Group, &str)] = &[
    (Group::RedFlag, "red_flags"),
    (Group::DvtFeature, "dvt_features"),
    (Group::RiskFactor, "risk_factors"),
    (Group::OtherPattern, "other_patterns"),
    (Group::Context, "context"),
];

/// The patient-reportable Wells items, each with the findings that report it.
const WELLS: &[(&str, &[Finding])] = &[
    ("report.wells.cancer", &[Finding::ActiveCancer]),
    ("report.wells.paralysis", &[Finding::LegInCast]),
    (
        "report.wells.bedridden",
        &[Finding::RecentBedRest, Finding::RecentSurgeryOrInjury],
    ),
    ("report.wells.previous", &[Finding::PreviousClot]),
    ("report.wells.whole_leg", &[Finding::WholeLegSwelling]),
];

/// Keys of the `report` texts, checked by the loader.
pub const REPORT_KEYS: &[&str] = &[
    "report.title",
    "report.date",
    "report.result",
    "report.unfinished",
    "report.why",
    "report.typed",
    "report.yes",
    "report.unsure",
    "report.no",
    "report.not_asked",
    "report.none",
    "report.group.red_flags",
    "report.group.dvt_features",
    "report.group.risk_factors",
    "report.group.other_patterns",
    "report.group.context",
    "report.wells.title",
    "report.wells.cancer",
    "report.wells.paralysis",
    "report.wells.bedridden",
    "report.wells.previous",
    "report.wells.whole_leg",
    "report.wells.exam",
    "report.versions",
    "report.disclaimer",
    "report.nothing",
    "report.country",
    "report.country_guessed",
    "report.country_unknown",
    "report.side",
    "report.onset",
];

/// The code system of a report item's answers.
pub fn item_system(item: Item) -> String {
    format!("urn:clotcheck:{}", item.id())
}

/// The report items' texts keys, in the report's order.
const ITEMS: &[(Item, &str)] = &[
    (Item::AffectedSide, "report.side"),
    (Item::SymptomOnset, "report.onset"),
];

/// The words for a report item's value: the label of the option that records it.
fn item_value_text(content: &Content, t: &Texts, item: Item, value: &str) -> String {
    content
        .dialog
        .nodes
        .iter()
        .filter(|n| n.item == Some(item))
        .flat_map(|n| n.choices.iter())
        .find(|c| c.value.as_deref() == Some(value))
        .map(|c| t.get(&format!("label.{}", c.label)).to_string())
        .unwrap_or_else(|| value.to_string())
}

/// A summary for a clinician.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub text: String,
    pub fhir: Value,
}

/// The summary of the answers given where `place` says, in language `lang`, dated
/// `authored` (RFC 3339, UTC). `complete`: the check reached its end.
pub fn report(
    content: &Content,
    answers: &Answers,
    place: Place,
    lang: &str,
    complete: bool,
    authored: &str,
    app_version: &str,
) -> Report {
    let t = content.texts(lang);
    let a = assess(&answers.findings, answers.typed_emergency, place, t);
    let finished = a.urgency == Urgency::Emergency || complete;
    let name = |f: Finding| t.get(&format!("finding.{}", f.id())).to_string();
    let mut out: Vec<String> = Vec::new();
    out.push(t.get("report.title").to_string());
    out.push(t.fill("report.date", &[("date", &human_time(authored))]));
    let mut result = t.fill(
        "report.result",
        &[("urgency", t.get(&format!("urgency.{}", a.urgency.id())))],
    );
    if !finished {
        result.push_str(&format!(" {}", t.get("report.unfinished")));
    }
    out.push(result);
    let why: Vec<String> = a
        .reasons
        .iter()
        .map(|r| match r.finding {
            Some(f) => format!("{} ({})", name(f), r.rule),
            None => format!("{} ({})", r.text, r.rule),
        })
        .collect();
    out.push(format!("{} {}", t.get("report.why"), why.join("; ")));
    // Which leg and since when: the first two things a clinician asks.
    let not_asked = t
        .get("report.not_asked")
        .trim_end_matches(':')
        .to_lowercase();
    let items: Vec<String> = ITEMS
        .iter()
        .map(|(item, key)| {
            let value = match answers.items.get(item) {
                Some(v) => item_value_text(content, t, *item, v),
                None => not_asked.clone(),
            };
            format!("{} {value}", t.get(key))
        })
        .collect();
    out.push(items.join(" · "));
    out.push(match place.country {
        Some(c) if place.guessed => t.fill(
            "report.country_guessed",
            &[("country", &c.name), ("number", &c.ambulance)],
        ),
        Some(c) => t.fill(
            "report.country",
            &[("country", &c.name), ("number", &c.ambulance)],
        ),
        None => t.get("report.country_unknown").to_string(),
    });
    out.push(String::new());

    for (group, key) in GROUPS {
        out.push(t.get(&format!("report.group.{key}")).to_string());
        let in_group: Vec<Finding> = Finding::ALL
            .iter()
            .copied()
            .filter(|f| f.group() == *group)
            .collect();
        for (answer, label) in [
            (Some(Answer::Present), "report.yes"),
            (Some(Answer::Unsure), "report.unsure"),
            (Some(Answer::Absent), "report.no"),
            (None, "report.not_asked"),
        ] {
            let names: Vec<String> = in_group
                .iter()
                .filter(|f| answers.findings.get(**f) == answer)
                .map(|f| {
                    if answers.typed.contains(f) {
                        format!("{} {}", name(*f), t.get("report.typed"))
                    } else {
                        name(*f)
                    }
                })
                .collect();
            if !names.is_empty() {
                out.push(format!("  {} {}", t.get(label), names.join("; ")));
            }
        }
    }
    out.push(String::new());
    out.push(t.get("report.wells.title").to_string());
    for (key, findings) in WELLS {
        out.push(format!(
            "  {} {}",
            t.get(key),
            wells_answer(&answers.findings, findings, t)
        ));
    }
    out.push(t.get("report.wells.exam").to_string());
    out.push(String::new());
    out.push(t.fill(
        "report.versions",
        &[
            ("app", app_version),
            ("dialogue", &content.dialog.version),
            ("policy", POLICY_VERSION),
        ],
    ));
    out.push(t.get("report.disclaimer").to_string());

    Report {
        text: out.join("\n"),
        fhir: response(content, answers, a.urgency, authored, finished, t),
    }
}

/// A Wells item from its findings: yes if any is present, not sure if any is unsure, no if
/// all were answered no, otherwise not asked.
fn wells_answer(answers: &Findings, findings: &[Finding], t: &Texts) -> String {
    let any = |a: Answer| findings.iter().any(|f| answers.get(*f) == Some(a));
    let key = if any(Answer::Present) {
        "report.yes"
    } else if any(Answer::Unsure) {
        "report.unsure"
    } else if findings
        .iter()
        .all(|f| answers.get(*f) == Some(Answer::Absent))
    {
        "report.no"
    } else {
        "report.not_asked"
    };
    t.get(key).trim_end_matches(':').to_lowercase()
}

/// "2026-11-24T16:05:09Z" → "2026-11-24 16:05 UTC".
fn human_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(d), Some(h)) => format!("{d} {h} UTC"),
        _ => rfc3339.to_string(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Coding {
    system: String,
    code: String,
    display: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResponseAnswer {
    #[serde(skip_serializing_if = "Option::is_none")]
    value_boolean: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_coding: Option<Coding>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResponseItem {
    link_id: String,
    text: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    answer: Vec<ResponseAnswer>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    item: Vec<ResponseItem>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QuestionnaireResponse {
    resource_type: &'static str,
    questionnaire: String,
    status: &'static str,
    authored: String,
    item: Vec<ResponseItem>,
}

/// The FHIR R4 QuestionnaireResponse: one group per policy group, one boolean item per
/// answered finding (a "not sure" as HL7's asked-unknown coding; unasked findings left out),
/// and the urgency as a coded item.
fn response(
    content: &Content,
    answers: &Answers,
    urgency: Urgency,
    authored: &str,
    finished: bool,
    t: &Texts,
) -> Value {
    let mut items: Vec<ResponseItem> = Vec::new();
    for (group, key) in GROUPS {
        let answered: Vec<ResponseItem> = Finding::ALL
            .iter()
            .filter(|f| f.group() == *group)
            .filter_map(|f| {
                let answer = match answers.findings.get(*f)? {
                    Answer::Present => ResponseAnswer {
                        value_boolean: Some(true),
                        value_coding: None,
                    },
                    Answer::Absent => ResponseAnswer {
                        value_boolean: Some(false),
                        value_coding: None,
                    },
                    Answer::Unsure => ResponseAnswer {
                        value_boolean: None,
                        value_coding: Some(Coding {
                            system: UNSURE_SYSTEM.into(),
                            code: UNSURE_CODE.into(),
                            display: "Asked But Unknown".into(),
                        }),
                    },
                };
                Some(ResponseItem {
                    link_id: f.id().into(),
                    text: t.get(&format!("finding.{}", f.id())).into(),
                    answer: vec![answer],
                    item: Vec::new(),
                })
            })
            .collect();
        if !answered.is_empty() {
            items.push(ResponseItem {
                link_id: (*key).into(),
                text: t.get(&format!("report.group.{key}")).into(),
                answer: Vec::new(),
                item: answered,
            });
        }
    }
    for (item, key) in ITEMS {
        if let Some(value) = answers.items.get(item) {
            items.push(ResponseItem {
                link_id: item.id().into(),
                text: t.get(key).trim_end_matches(':').into(),
                answer: vec![ResponseAnswer {
                    value_boolean: None,
                    value_coding: Some(Coding {
                        system: item_system(*item),
                        code: value.clone(),
                        display: item_value_text(content, t, *item, value),
                    }),
                }],
                item: Vec::new(),
            });
        }
    }
    items.push(ResponseItem {
        link_id: "urgency".into(),
        text: "Urgency".into(),
        answer: vec![ResponseAnswer {
            value_boolean: None,
            value_coding: Some(Coding {
                system: URGENCY_SYSTEM.into(),
                code: urgency.id().into(),
                display: t.get(&format!("urgency.{}", urgency.id())).into(),
            }),
        }],
        item: Vec::new(),
    });
    serde_json::to_value(QuestionnaireResponse {
        resource_type: "QuestionnaireResponse",
        questionnaire: format!("{QUESTIONNAIRE_URL}|{}", content.dialog.version),
        status: if finished { "completed" } else { "in-progress" },
        authored: authored.into(),
        item: items,
    })
    .unwrap_or(Value::Null)
}

/// The FHIR R4 Questionnaire the responses refer to (`clotcheck fhir-questionnaire`).
pub fn questionnaire(content: &Content) -> Value {
    let t = content.texts("en");
    let mut items: Vec<Value> = GROUPS
        .iter()
        .map(|(group, key)| {
            let questions: Vec<Value> = Finding::ALL
                .iter()
                .filter(|f| f.group() == *group)
                .map(|f| {
                    serde_json::json!({
                        "linkId": f.id(),
                        "text": t.get(&format!("finding.{}", f.id())),
                        "type": "boolean",
                    })
                })
                .collect();
            serde_json::json!({
                "linkId": key,
                "text": t.get(&format!("report.group.{key}")),
                "type": "group",
                "item": questions,
            })
        })
        .collect();
    let levels: Vec<Value> = [
        Urgency::Emergency,
        Urgency::Urgent,
        Urgency::Soon,
        Urgency::SelfCare,
    ]
    .iter()
    .map(|u| {
        serde_json::json!({"valueCoding": {
            "system": URGENCY_SYSTEM,
            "code": u.id(),
            "display": t.get(&format!("urgency.{}", u.id())),
        }})
    })
    .collect();
    for (item, key) in ITEMS {
        let options: Vec<Value> = item
            .values()
            .iter()
            .map(|v| {
                serde_json::json!({"valueCoding": {
                    "system": item_system(*item),
                    "code": v,
                    "display": item_value_text(content, t, *item, v),
                }})
            })
            .collect();
        items.push(serde_json::json!({
            "linkId": item.id(),
            "text": t.get(key).trim_end_matches(':'),
            "type": "choice",
            "answerOption": options,
        }));
    }
    items.push(serde_json::json!({
        "linkId": "urgency",
        "text": "Urgency",
        "type": "choice",
        "answerOption": levels,
    }));
    serde_json::json!({
        "resourceType": "Questionnaire",
        "url": QUESTIONNAIRE_URL,
        "version": content.dialog.version,
        "name": "ClotcheckTriage",
        "title": t.get("report.title"),
        "status": "active",
        "description": format!("Patient-reported warning signs of a blood clot, triage policy {POLICY_VERSION}. A \"not sure\" answer is given as the coding {UNSURE_SYSTEM}#{UNSURE_CODE}."),
        "item": items,
    })
}
