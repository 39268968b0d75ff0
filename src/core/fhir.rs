//! The FHIR R4 handover: one `Questionnaire` per language, and for each report a
//! `QuestionnaireResponse` that names the Questionnaire of its own language and repeats its
//! texts and answer codings exactly, so that a receiving system (or HL7's validator) that
//! resolves the Questionnaire finds every answer valid against it.
//!
//! Choices made here (see ARCHITECTURE.md, "FHIR"):
//! - Every finding is a `choice` item answered with a coding of HL7's R4 value set
//!   `yesnodontknow`: v2-0136 `Y` / `N`, or data-absent-reason `asked-unknown` for "not
//!   sure". A boolean item cannot carry "not sure" as a value, and a boolean answer with only a
//!   data-absent-reason extension is an answer without a value, which receivers tend to drop.
//! - The codings' `display` is the code system's own (English) display, which validators check;
//!   the words the person read are on `_display` as HL7's `translation` extension.
//! - Findings carry no `item.code`: no SNOMED CT or LOINC code for them could be confirmed from
//!   a published source here, and a guessed code is worse than none.
//! - Unasked findings are left out of the response; a group appears only when one of its
//!   findings was answered (a group item with no items is invalid).

use super::Content;
use super::findings::{Answer, Finding, Findings};
use super::items::Item;
use super::rules::{POLICY_VERSION, Urgency};
use super::texts::Texts;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Where the canonical URLs live unless the deployer sets `--fhir-base` or
/// `CLOTCHECK_FHIR_BASE`. `.example` is reserved (RFC 2606), so this default can never be
/// mistaken for somebody's real server.
pub const DEFAULT_BASE: &str = "https://clotcheck.example/fhir";

/// HL7 v2 table 0136 (yes/no), the code system of `Y` and `N` in R4's `yesnodontknow`.
pub const YES_NO_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v2-0136";
/// HL7's reasons for a missing value; `asked-unknown` is the "don't know" of `yesnodontknow`.
pub const UNSURE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/data-absent-reason";
pub const UNSURE_CODE: &str = "asked-unknown";
/// HL7's extension for a translated string (on `_display`).
pub const TRANSLATION_URL: &str = "http://hl7.org/fhir/StructureDefinition/translation";
/// The language the HL7 code systems' displays are written in.
const CODE_SYSTEM_LANGUAGE: &str = "en";

/// Text keys this module needs in every language (checked by the loader).
pub const FHIR_KEYS: &[&str] = &["fhir.description", "fhir.urgency"];

/// The policy groups, each with its linkId and the key of its title: the report's, so the
/// summary and the handover group alike.
use super::report::GROUPS;

/// The report items, each with the key of its question.
const ITEMS: &[(Item, &str)] = &[
    (Item::AffectedSide, "report.side"),
    (Item::SymptomOnset, "report.onset"),
];

const URGENCIES: &[Urgency] = &[
    Urgency::Emergency,
    Urgency::Urgent,
    Urgency::Soon,
    Urgency::SelfCare,
];

/// The report items' value that means "not sure": coded like a finding's "not sure".
const ITEM_NOT_SURE: &str = "not_sure";

/// Checks a canonical base given by the deployer: an absolute http(s) URL with a host and no
/// query or fragment (a canonical may carry neither, and `|` would be read as a version).
/// Returned without a trailing `/`.
pub fn parse_base(s: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("'{s}' is not a FHIR canonical base: {why}"));
    let u = match url::Url::parse(s) {
        Ok(u) => u,
        Err(e) => return bad(&e.to_string()),
    };
    if !matches!(u.scheme(), "http" | "https") {
        return bad("it must start with https:// (or http://)");
    }
    if u.host_str().is_none_or(str::is_empty) {
        return bad("it has no host");
    }
    if u.query().is_some() || u.fragment().is_some() || s.contains('|') {
        return bad("a canonical URL has no ?, # or |");
    }
    if s.chars().any(char::is_whitespace) {
        return bad("it contains white space");
    }
    Ok(s.trim_end_matches('/').to_string())
}

/// The language a document is written in: `lang` when the data has it, otherwise the one
/// `Content::texts` falls back to, so the document's `language` always matches its words.
pub fn language<'a>(content: &'a Content, lang: &'a str) -> &'a str {
    if content.languages.contains_key(lang) {
        lang
    } else if content.languages.contains_key("en") {
        "en"
    } else {
        content.languages.keys().next().map_or("en", String::as_str)
    }
}

/// The logical id of the Questionnaire in `lang` (also the last part of its URL).
pub fn questionnaire_id(lang: &str) -> String {
    format!("clotcheck-triage-{lang}")
}

/// The canonical URL of the Questionnaire in `lang`, under the deployer's base.
pub fn questionnaire_url(content: &Content, lang: &str) -> String {
    format!(
        "{}/Questionnaire/{}",
        content.fhir_base,
        questionnaire_id(lang)
    )
}

/// The code system of the urgency levels or of a report item's values, under the base.
fn code_system(content: &Content, name: &str) -> String {
    format!(
        "{}/CodeSystem/clotcheck-{}",
        content.fhir_base,
        name.replace('_', "-")
    )
}

/// One coded answer: the coding as the documents carry it, and the words the person read.
#[derive(Debug, Clone)]
struct Opt {
    coding: Value,
    label: String,
}

/// A coding; when the code system's display is not in the document's language, the words
/// the person read go on `_display` as a translation.
fn coding(system: &str, code: &str, display: &str, label: &str, lang: &str) -> Opt {
    let mut c = Map::new();
    c.insert("system".into(), json!(system));
    c.insert("code".into(), json!(code));
    c.insert("display".into(), json!(display));
    if lang != CODE_SYSTEM_LANGUAGE && label != display {
        c.insert(
            "_display".into(),
            json!({"extension": [{
                "url": TRANSLATION_URL,
                "extension": [
                    {"url": "lang", "valueCode": lang},
                    {"url": "content", "valueString": label},
                ],
            }]}),
        );
    }
    Opt {
        coding: Value::Object(c),
        label: label.to_string(),
    }
}

/// "Not sure", in the document's language.
fn unsure(t: &Texts, lang: &str) -> Opt {
    coding(
        UNSURE_SYSTEM,
        UNSURE_CODE,
        "Asked But Unknown",
        t.get("label.not_sure"),
        lang,
    )
}

/// The answers of a finding, in the order of R4's `yesnodontknow`.
fn finding_options(t: &Texts, lang: &str) -> [Opt; 3] {
    [
        coding(YES_NO_SYSTEM, "Y", "Yes", t.get("label.yes"), lang),
        coding(YES_NO_SYSTEM, "N", "No", t.get("label.no"), lang),
        unsure(t, lang),
    ]
}

fn finding_answer(t: &Texts, lang: &str, a: Answer) -> Opt {
    let [yes, no, unsure] = finding_options(t, lang);
    match a {
        Answer::Present => yes,
        Answer::Absent => no,
        Answer::Unsure => unsure,
    }
}

fn item_option(content: &Content, t: &Texts, lang: &str, item: Item, value: &str) -> Opt {
    if value == ITEM_NOT_SURE {
        return unsure(t, lang);
    }
    let label = super::report::item_value_text(content, t, item, value);
    coding(
        &code_system(content, item.id()),
        value,
        &label,
        &label,
        lang,
    )
}

fn urgency_option(content: &Content, t: &Texts, lang: &str, u: Urgency) -> Opt {
    let key = format!("urgency.{}", u.id());
    let label = t.get(&key);
    coding(&code_system(content, "urgency"), u.id(), label, label, lang)
}

/// One question of the Questionnaire, with what its narrative shows.
struct Question {
    link_id: String,
    text: String,
    read_only: bool,
    options: Vec<Opt>,
}

/// A group of the Questionnaire: its linkId, its title, its questions.
type GroupOf = (&'static str, String, Vec<Question>);

/// The Questionnaire's content in `lang`: the policy groups with their findings, then the
/// report items, then the urgency. Both documents are built from this one list.
fn questions(content: &Content, lang: &str) -> (Vec<GroupOf>, Vec<Question>) {
    let t = content.texts(lang);
    let groups = GROUPS
        .iter()
        .map(|(group, key)| {
            let qs = Finding::ALL
                .iter()
                .filter(|f| f.group() == *group)
                .map(|f| Question {
                    link_id: f.id().to_string(),
                    text: t.get(&format!("finding.{}", f.id())).to_string(),
                    read_only: false,
                    options: finding_options(t, lang).to_vec(),
                })
                .collect();
            (*key, t.get(&format!("report.group.{key}")).to_string(), qs)
        })
        .collect();
    let mut rest: Vec<Question> = ITEMS
        .iter()
        .map(|(item, key)| Question {
            link_id: item.id().to_string(),
            text: item_text(t, key),
            read_only: false,
            options: item
                .values()
                .iter()
                .map(|v| item_option(content, t, lang, *item, v))
                .collect(),
        })
        .collect();
    rest.push(Question {
        link_id: "urgency".into(),
        text: t.get("fhir.urgency").to_string(),
        // Worked out by the triage rules, not answered by the person.
        read_only: true,
        options: URGENCIES
            .iter()
            .map(|u| urgency_option(content, t, lang, *u))
            .collect(),
    });
    (groups, rest)
}

/// A report item's question: the summary's label without its colon.
fn item_text(t: &Texts, key: &str) -> String {
    t.get(key).trim_end_matches(':').trim_end().to_string()
}

fn question_json(q: &Question) -> Value {
    let mut m = Map::new();
    m.insert("linkId".into(), json!(q.link_id));
    m.insert("text".into(), json!(q.text));
    m.insert("type".into(), json!("choice"));
    if q.read_only {
        m.insert("readOnly".into(), json!(true));
    }
    m.insert(
        "answerOption".into(),
        q.options
            .iter()
            .map(|o| json!({"valueCoding": o.coding}))
            .collect(),
    );
    Value::Object(m)
}

/// The FHIR R4 Questionnaire in `lang` (`clotcheck fhir-questionnaire --lang CODE`).
pub fn questionnaire(content: &Content, lang: &str) -> Value {
    let lang = language(content, lang);
    let t = content.texts(lang);
    let (groups, rest) = questions(content, lang);
    let mut items: Vec<Value> = groups
        .iter()
        .map(|(key, text, qs)| {
            json!({
                "linkId": key,
                "text": text,
                "type": "group",
                "item": qs.iter().map(question_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    items.extend(rest.iter().map(question_json));

    let title = t.get("report.title");
    let description = t.fill("fhir.description", &[("policy", POLICY_VERSION)]);
    let mut div = Html::new(lang);
    div.heading(title);
    div.para(&description);
    for (_, text, qs) in &groups {
        div.subheading(text);
        div.list(qs.iter().map(|q| (q.text.as_str(), options_text(q))));
    }
    div.list(rest.iter().map(|q| (q.text.as_str(), options_text(q))));

    json!({
        "resourceType": "Questionnaire",
        "id": questionnaire_id(lang),
        "language": lang,
        "text": div.narrative(),
        "url": questionnaire_url(content, lang),
        "version": content.dialog.version,
        "name": format!("ClotcheckTriage{}", capitalised(lang)),
        "title": title,
        "status": "active",
        "description": description,
        "item": items,
    })
}

fn options_text(q: &Question) -> String {
    q.options
        .iter()
        .map(|o| o.label.as_str())
        .collect::<Vec<_>>()
        .join(" / ")
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// What a response is made of: the person's answers and what the rules made of them.
pub struct Answers<'a> {
    /// The conversation's language (a language the data lacks falls back as the texts do).
    pub lang: &'a str,
    pub findings: &'a Findings,
    /// Report items answered, by value id.
    pub items: &'a BTreeMap<Item, String>,
    pub urgency: Urgency,
    /// Whether the check reached its end (`completed`) or stopped early (`in-progress`).
    pub finished: bool,
}

/// The FHIR R4 QuestionnaireResponse of `answers`, dated `authored` (RFC 3339), against the
/// Questionnaire of its language: only answered findings (in their groups), the report items
/// answered, and the urgency.
pub fn response(content: &Content, answers: &Answers, authored: &str) -> Value {
    let lang = language(content, answers.lang);
    let t = content.texts(lang);
    let (groups, rest) = questions(content, lang);
    let mut div = Html::new(lang);
    div.heading(t.get("report.title"));
    let mut items: Vec<Value> = Vec::new();

    let answer = |q: &Question, o: Opt| -> Value {
        json!({"linkId": q.link_id, "text": q.text, "answer": [{"valueCoding": o.coding}]})
    };
    // The urgency leads the narrative, as it leads the summary; in the document the report
    // items and the urgency follow the groups, as in the Questionnaire.
    let mut shown: Vec<(String, String)> = Vec::new();
    for q in &rest {
        let chosen = if q.link_id == "urgency" {
            Some(urgency_option(content, t, lang, answers.urgency))
        } else {
            ITEMS
                .iter()
                .find(|(i, _)| i.id() == q.link_id)
                .and_then(|(i, _)| {
                    answers
                        .items
                        .get(i)
                        .map(|v| item_option(content, t, lang, *i, v))
                })
        };
        if let Some(o) = chosen {
            let row = (q.text.clone(), o.label.clone());
            if q.read_only {
                shown.insert(0, row);
            } else {
                shown.push(row);
            }
            items.push(answer(q, o));
        }
    }
    div.list(shown.iter().map(|(a, b)| (a.as_str(), b.clone())));
    let mut group_items: Vec<Value> = Vec::new();
    for (key, text, qs) in &groups {
        let answered: Vec<(&Question, Opt)> = qs
            .iter()
            .filter_map(|q| {
                let f: Finding = q.link_id.parse().ok()?;
                Some((q, finding_answer(t, lang, answers.findings.get(f)?)))
            })
            .collect();
        if answered.is_empty() {
            continue;
        }
        div.subheading(text);
        div.list(
            answered
                .iter()
                .map(|(q, o)| (q.text.as_str(), o.label.clone())),
        );
        group_items.push(json!({
            "linkId": key,
            "text": text,
            "item": answered.into_iter().map(|(q, o)| answer(q, o)).collect::<Vec<_>>(),
        }));
    }
    group_items.extend(items);

    json!({
        "resourceType": "QuestionnaireResponse",
        "language": lang,
        "text": div.narrative(),
        "questionnaire": format!("{}|{}", questionnaire_url(content, lang), content.dialog.version),
        "status": if answers.finished { "completed" } else { "in-progress" },
        "authored": authored,
        "item": group_items,
    })
}

/// A generated narrative: XHTML in a `div` in the XHTML namespace, with the document's
/// language, using only elements FHIR allows in a narrative.
struct Html {
    lang: String,
    body: String,
}

impl Html {
    fn new(lang: &str) -> Self {
        Html {
            lang: lang.to_string(),
            body: String::new(),
        }
    }

    fn heading(&mut self, s: &str) {
        self.body.push_str(&format!("<p><b>{}</b></p>", escape(s)));
    }

    fn subheading(&mut self, s: &str) {
        self.body.push_str(&format!("<p><i>{}</i></p>", escape(s)));
    }

    fn para(&mut self, s: &str) {
        self.body.push_str(&format!("<p>{}</p>", escape(s)));
    }

    fn list<'a>(&mut self, rows: impl Iterator<Item = (&'a str, String)>) {
        let rows: Vec<String> = rows
            .map(|(q, a)| format!("<li>{}: {}</li>", escape(q), escape(&a)))
            .collect();
        if !rows.is_empty() {
            self.body.push_str(&format!("<ul>{}</ul>", rows.concat()));
        }
    }

    fn narrative(self) -> Value {
        json!({
            "status": "generated",
            "div": format!(
                "<div xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"{l}\" xml:lang=\"{l}\">{}</div>",
                self.body,
                l = escape(&self.lang),
            ),
        })
    }
}

/// Text as XML character data or an attribute value.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_is_an_http_url_without_query_fragment_or_bar() {
        assert_eq!(
            parse_base("https://fhir.example.org/r4/").unwrap(),
            "https://fhir.example.org/r4"
        );
        assert!(parse_base("http://h/x").is_ok());
        for bad in [
            "urn:clotcheck:q",
            "ftp://h/x",
            "https://h/x?a=1",
            "https://h/x#y",
            "https://h/x|1",
            "fhir.example.org",
            "https://h/a b",
        ] {
            assert!(parse_base(bad).is_err(), "{bad}");
        }
        assert!(parse_base(DEFAULT_BASE).is_ok());
    }

    #[test]
    fn narrative_text_is_escaped() {
        assert_eq!(escape("a<b & \"c\"'"), "a&lt;b &amp; &quot;c&quot;&#39;");
    }
}
