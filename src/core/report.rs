//! The handover to a clinician: a plain-text summary a doctor or nurse reads in twenty
//! seconds, and the same answers as a FHIR R4 `QuestionnaireResponse` (built in
//! [`super::fhir`]).
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
use serde_json::Value;

/// The policy groups, in the summary's order, each with its id (also the FHIR linkId) and the
/// key of its title.
pub(crate) const GROUPS: &[(Group, &str)] = &[
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

/// The report items' texts keys, in the report's order.
const ITEMS: &[(Item, &str)] = &[
    (Item::AffectedSide, "report.side"),
    (Item::SymptomOnset, "report.onset"),
];

/// The words for a report item's value: the label of the option that records it (also the
/// FHIR answer's display, so the summary and the handover say the same).
pub(crate) fn item_value_text(content: &Content, t: &Texts, item: Item, value: &str) -> String {
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
        fhir: super::fhir::response(
            content,
            &super::fhir::Answers {
                lang,
                findings: &answers.findings,
                items: &answers.items,
                urgency: a.urgency,
                finished,
            },
            authored,
        ),
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
