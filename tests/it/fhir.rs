//! The FHIR handover checked as a receiving system would: every Questionnaire (each
//! language) and every response (each vignette in each language, "not sure" answers
//! included, finished or not) against HL7's R4 JSON schema (`tests/data/fhir/`), and each
//! response against the Questionnaire it names — the rules a schema cannot see.

use crate::report::summary;
use crate::report::walked_in;
use crate::support::{Console, vignettes, walk};
use clotcheck::core::Content;
use clotcheck::core::fhir::{self, questionnaire};
use clotcheck::core::findings::{Answer, Finding};
use clotcheck::core::items::Item;
use clotcheck::data;
use serde_json::{Value, json};
use std::sync::OnceLock;

const LANGS: &[&str] = &["en", "de", "es"];

/// HL7's R4 schema, compiled once per test process (it is 3 MB) for each resource type the
/// product writes: the schema's own definition of that resource as the entry point, so an
/// error names the element at fault instead of "not one of 146 resources".
fn schema_for(resource_type: &str) -> &'static jsonschema::Validator {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    static Q: OnceLock<jsonschema::Validator> = OnceLock::new();
    static QR: OnceLock<jsonschema::Validator> = OnceLock::new();
    let schema = SCHEMA.get_or_init(|| {
        let path = crate::support::project("tests/data/fhir/fhir.schema.json");
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    });
    let compile = || {
        let mut s = schema.clone();
        s["oneOf"] = json!([{ "$ref": format!("#/definitions/{resource_type}") }]);
        jsonschema::draft6::new(&s).unwrap()
    };
    match resource_type {
        "Questionnaire" => Q.get_or_init(compile),
        "QuestionnaireResponse" => QR.get_or_init(compile),
        other => panic!("no validator for {other}"),
    }
}

/// Problems of `doc` against the R4 schema, as "path: message".
fn schema_problems(doc: &Value) -> Vec<String> {
    let rt = doc["resourceType"].as_str().unwrap_or_default();
    schema_for(rt)
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn assert_schema_valid(doc: &Value, what: &str) {
    let problems = schema_problems(doc);
    assert!(problems.is_empty(), "{what}: {problems:#?}");
}

/// The narrative: a generated XHTML `div` in the XHTML namespace, in the document's language,
/// with balanced tags of the kinds FHIR allows.
fn assert_narrative(doc: &Value, what: &str) {
    assert_eq!(doc["text"]["status"], "generated", "{what}");
    let div = doc["text"]["div"].as_str().unwrap();
    let lang = doc["language"].as_str().unwrap();
    assert!(
        div.starts_with(&format!(
            "<div xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"{lang}\" xml:lang=\"{lang}\">"
        )),
        "{what}: {div}"
    );
    let mut open: Vec<&str> = Vec::new();
    let mut rest = div;
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').expect("unclosed tag") + i;
        let tag = &rest[i + 1..end];
        let name = tag.trim_start_matches('/').split(' ').next().unwrap();
        assert!(
            ["div", "p", "b", "i", "ul", "li"].contains(&name),
            "{what}: <{name}>"
        );
        if tag.starts_with('/') {
            assert_eq!(open.pop(), Some(name), "{what}: {div}");
        } else {
            open.push(name);
        }
        rest = &rest[end + 1..];
    }
    assert!(open.is_empty(), "{what}: unclosed {open:?}");
    // Text is escaped: no bare ampersand.
    for (i, _) in div.match_indices('&') {
        let entity = &div[i..div[i..].find(';').map_or(div.len(), |e| i + e + 1)];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].contains(&entity),
            "{what}: {entity}"
        );
    }
}

/// The value[x] element names of an R4 answer, by item type.
fn value_key(item_type: &str) -> Option<&'static str> {
    Some(match item_type {
        "boolean" => "valueBoolean",
        "decimal" => "valueDecimal",
        "integer" => "valueInteger",
        "date" => "valueDate",
        "dateTime" => "valueDateTime",
        "time" => "valueTime",
        "string" | "text" => "valueString",
        "url" => "valueUri",
        "choice" | "open-choice" => "valueCoding",
        "attachment" => "valueAttachment",
        "reference" => "valueReference",
        "quantity" => "valueQuantity",
        _ => return None,
    })
}

/// What the HL7 validator checks of a response against its Questionnaire and a schema
/// cannot: the canonical and language match; every linkId resolves at the same nesting;
/// texts equal the Questionnaire's; groups hold items and no answer, questions hold answers
/// of their item's type and no items; a coded answer is one of the item's options, display
/// (and its translation) included; no linkId twice among siblings.
fn consistency_problems(q: &Value, r: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let canonical = format!(
        "{}|{}",
        q["url"].as_str().unwrap_or_default(),
        q["version"].as_str().unwrap_or_default()
    );
    if r["questionnaire"] != json!(canonical) {
        out.push(format!(
            "questionnaire {} is not {canonical}",
            r["questionnaire"]
        ));
    }
    if r["language"] != q["language"] {
        out.push(format!(
            "language {} is not the questionnaire's {}",
            r["language"], q["language"]
        ));
    }
    fn items(v: &Value) -> &[Value] {
        v["item"].as_array().map(Vec::as_slice).unwrap_or(&[])
    }
    fn walk(q_items: &[Value], r_items: &[Value], path: &str, out: &mut Vec<String>) {
        let mut seen: Vec<&str> = Vec::new();
        for ri in r_items {
            let id = ri["linkId"].as_str().unwrap_or_default();
            let here = format!("{path}/{id}");
            if seen.contains(&id) {
                out.push(format!("{here}: linkId twice"));
            }
            seen.push(id);
            let Some(qi) = q_items.iter().find(|qi| qi["linkId"] == id) else {
                out.push(format!("{here}: no such item at this level"));
                continue;
            };
            if ri.get("text") != qi.get("text") {
                out.push(format!(
                    "{here}: text {} is not the questionnaire's {}",
                    ri["text"], qi["text"]
                ));
            }
            let ty = qi["type"].as_str().unwrap_or_default();
            let answers = ri["answer"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            if ty == "group" {
                if !answers.is_empty() {
                    out.push(format!("{here}: a group has no answer"));
                }
                if items(ri).is_empty() {
                    out.push(format!("{here}: a group with no items"));
                }
                walk(items(qi), items(ri), &here, out);
                continue;
            }
            if !items(ri).is_empty() {
                out.push(format!("{here}: a question with items"));
            }
            if answers.is_empty() {
                out.push(format!("{here}: no answer"));
            }
            if answers.len() > 1 && qi["repeats"] != true {
                out.push(format!("{here}: several answers to a non-repeating item"));
            }
            let Some(key) = value_key(ty) else {
                out.push(format!("{here}: item type {ty} takes no answer"));
                continue;
            };
            for a in answers {
                let values: Vec<&String> = a
                    .as_object()
                    .map(|m| m.keys().filter(|k| k.starts_with("value")).collect())
                    .unwrap_or_default();
                if values.len() != 1 || values[0] != key {
                    out.push(format!("{here}: answer {values:?} to a {ty} item"));
                    continue;
                }
                if let Some(options) = qi["answerOption"].as_array() {
                    let coded = &a[key];
                    match options.iter().find(|o| {
                        o[key]["system"] == coded["system"] && o[key]["code"] == coded["code"]
                    }) {
                        None => out.push(format!("{here}: {coded} is not an answer option")),
                        Some(o) if o[key] != *coded => out.push(format!(
                            "{here}: {coded} differs from the option {}",
                            o[key]
                        )),
                        Some(_) => {}
                    }
                }
            }
        }
    }
    walk(items(q), items(r), "", &mut out);
    out
}

fn content() -> &'static Content {
    static C: OnceLock<Content> = OnceLock::new();
    C.get_or_init(|| data::load_embedded().unwrap())
}

/// The response of `state`, checked against the schema, its narrative, and the
/// Questionnaire of its language.
fn check_response(r: &Value, what: &str) {
    let lang = r["language"].as_str().unwrap();
    let q = questionnaire(content(), lang);
    assert_schema_valid(r, what);
    assert_narrative(r, what);
    let problems = consistency_problems(&q, r);
    assert!(problems.is_empty(), "{what}: {problems:#?}");
}

#[test]
fn the_schema_is_the_copy_its_readme_describes() {
    let path = crate::support::project("tests/data/fhir/fhir.schema.json");
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        bytes.len(),
        3_365_955,
        "replaced? update tests/data/fhir/README.md"
    );
    let schema: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(schema["id"], "http://hl7.org/fhir/json-schema/4.0");
    assert_eq!(schema["definitions"].as_object().unwrap().len(), 680);
}

#[test]
fn every_questionnaire_is_valid_r4_in_its_language() {
    let content = content();
    let mut urls = Vec::new();
    for lang in LANGS {
        let q = questionnaire(content, lang);
        assert_schema_valid(&q, lang);
        assert_narrative(&q, lang);
        assert_eq!(q["language"], *lang);
        let url = q["url"].as_str().unwrap();
        assert!(url.starts_with(&format!("{}/Questionnaire/", fhir::DEFAULT_BASE)));
        urls.push(url.to_string());
        // Its texts are the language's own.
        let t = content.texts(lang);
        let text = q.to_string();
        for f in Finding::ALL {
            assert!(
                text.contains(&json!(t.get(&format!("finding.{}", f.id()))).to_string()),
                "{lang}: {f}"
            );
        }
        // Every question is a choice among yes / no / don't know, or the report item's or the
        // urgency's own values; "not sure" is always HL7's asked-unknown.
        for group in q["item"].as_array().unwrap() {
            for item in group["item"].as_array().into_iter().flatten() {
                let codes: Vec<&str> = item["answerOption"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o["valueCoding"]["code"].as_str().unwrap())
                    .collect();
                assert_eq!(codes, ["Y", "N", "asked-unknown"], "{lang}");
                assert!(item.get("code").is_none(), "no unverified codes");
            }
        }
        let side = q["item"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["linkId"] == "affected_side")
            .unwrap();
        assert_eq!(side["type"], "choice");
        assert_eq!(side["answerOption"].as_array().unwrap().len(), 4);
        assert_eq!(
            side["answerOption"][3]["valueCoding"]["code"],
            "asked-unknown"
        );
        let onset = q["item"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["linkId"] == "symptom_onset")
            .unwrap();
        assert_eq!(onset["answerOption"].as_array().unwrap().len(), 5);
    }
    urls.dedup();
    assert_eq!(urls.len(), 3, "one Questionnaire per language");
}

#[test]
fn every_vignette_in_every_language_gives_a_response_valid_against_its_questionnaire() {
    let content = content();
    let mut checked = 0;
    for v in vignettes() {
        for lang in LANGS {
            let state = walked_in(lang, &v.present, &v.unsure);
            let r = summary(content, &state, "test").fhir;
            let what = format!("{} in {lang}", v.id);
            assert_eq!(r["language"], *lang, "{what}");
            check_response(&r, &what);
            let urgency = r["item"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["linkId"] == "urgency")
                .unwrap();
            assert_eq!(
                urgency["answer"][0]["valueCoding"]["code"], v.expect,
                "{what}"
            );
            for f in &v.unsure {
                assert!(
                    r.to_string().contains("asked-unknown"),
                    "{what}: {f} not sure"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, vignettes().len() * 3);
}

#[test]
fn not_sure_answers_and_unfinished_checks_are_valid_too() {
    let content = content();
    for lang in LANGS {
        // Not sure about everything, both report items included.
        let mut state = walked_in(lang, &[], &[]);
        for f in Finding::ALL {
            state.check.answers.findings.set(*f, Answer::Unsure);
        }
        for item in Item::ALL {
            state.check.answers.items.insert(*item, "not_sure".into());
        }
        let r = summary(content, &state, "t").fhir;
        check_response(&r, &format!("all not sure in {lang}"));
        let text = r.to_string();
        assert_eq!(
            text.matches("\"code\":\"asked-unknown\"").count(),
            Finding::ALL.len() + Item::ALL.len()
        );
        if *lang != "en" {
            let not_sure = content.texts(lang).get("label.not_sure");
            assert!(text.contains(&json!(not_sure).to_string()), "{lang}");
        }
        // Every value of every report item.
        for item in Item::ALL {
            for value in item.values() {
                state.check.answers.items.insert(*item, value.to_string());
                let r = summary(content, &state, "t").fhir;
                check_response(&r, &format!("{item}={value} in {lang}"));
            }
        }
        // A check stopped after one answer.
        let mut partial = clotcheck::core::engine::State::default();
        partial.prefs.lang = lang.to_string();
        partial
            .check
            .answers
            .findings
            .set(Finding::ChestPain, Answer::Unsure);
        let r = summary(content, &partial, "t").fhir;
        assert_eq!(r["status"], "in-progress");
        check_response(&r, &format!("unfinished in {lang}"));
    }
}

#[test]
fn a_language_without_data_falls_back_with_its_questionnaire() {
    let content = content();
    let mut state = clotcheck::core::engine::State::default();
    state.prefs.lang = "fr".into();
    let findings = &mut state.check.answers.findings;
    findings.set(Finding::LegRedness, Answer::Present);
    let r = summary(content, &state, "t").fhir;
    assert_eq!(r["language"], "en");
    check_response(&r, "fr");
}

#[test]
fn the_checks_catch_what_a_validator_would_reject() {
    let content = content();
    let state = walked_in("de", &["leg_warmth".into()], &["fainting".into()]);
    let good = summary(content, &state, "t").fhir;
    let q = questionnaire(content, "de");
    assert!(consistency_problems(&q, &good).is_empty());
    let group = |r: &mut Value| r["item"][0]["item"][0].clone();
    let mutate = |f: &dyn Fn(&mut Value)| {
        let mut r = good.clone();
        f(&mut r);
        consistency_problems(&q, &r)
    };
    // German response against the English Questionnaire: texts and language differ.
    let en = questionnaire(content, "en");
    assert!(consistency_problems(&en, &good).len() > 10);
    // A boolean answer to a choice item.
    assert!(
        !mutate(&|r| r["item"][0]["item"][0]["answer"] = json!([{"valueBoolean": true}]))
            .is_empty()
    );
    // A display that is not the option's.
    assert!(
        !mutate(&|r| r["item"][0]["item"][0]["answer"][0]["valueCoding"]["display"] = json!("Ja"))
            .is_empty()
    );
    // A code that is not an option.
    assert!(
        !mutate(
            &|r| r["item"][0]["item"][0]["answer"][0]["valueCoding"]["code"] = json!("unknown")
        )
        .is_empty()
    );
    // A text that is not the Questionnaire's.
    assert!(!mutate(&|r| r["item"][0]["item"][0]["text"] = json!("Atemnot")).is_empty());
    // A finding moved out of its group.
    assert!(
        !mutate(&|r| {
            let moved = group(r);
            r["item"].as_array_mut().unwrap().push(moved);
        })
        .is_empty()
    );
    // And the schema rejects what R4 does not allow: an unknown element (in a coding or at
    // the top), a status R4 does not have, a text that is not a string.
    let mut bad = good.clone();
    bad["item"][0]["item"][0]["answer"][0]["valueCoding"] = json!({"system": "x", "cod": "Y"});
    assert!(!schema_problems(&bad).is_empty());
    let mut bad = good.clone();
    bad["item"][0]["text"] = json!(true);
    assert!(!schema_problems(&bad).is_empty());
    let mut bad = good.clone();
    bad["score"] = json!(3);
    assert!(!schema_problems(&bad).is_empty());
    let mut bad = good.clone();
    bad["status"] = json!("done");
    assert!(!schema_problems(&bad).is_empty());
}

#[test]
fn the_questionnaire_command_prints_each_language_under_the_base_given() {
    for lang in LANGS {
        let out = crate::support::bin()
            .args(["fhir-questionnaire", "--lang", lang])
            .env("CLOTCHECK_FHIR_BASE", "https://fhir.hospital.test/r4/")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let q: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(q["language"], *lang);
        assert_eq!(
            q["url"],
            format!("https://fhir.hospital.test/r4/Questionnaire/clotcheck-triage-{lang}")
        );
        assert_schema_valid(&q, lang);
    }
    let out = crate::support::bin()
        .args(["fhir-questionnaire", "--fhir-base", "urn:clotcheck:q"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("https://"));
}

#[test]
fn console_reports_in_german_and_spanish_name_their_questionnaire() {
    for (lang, base) in [("de", "https://a.test/fhir"), ("es", fhir::DEFAULT_BASE)] {
        let mut args = vec!["--lang", lang, "--country", "ES"];
        if base != fhir::DEFAULT_BASE {
            args.extend(["--fhir-base", base]);
        }
        let (mut c, first) = Console::start(&args);
        walk(
            &mut c,
            first,
            &["one_leg_swelling".into()],
            &["chest_pain".into()],
        );
        let r = c.text("/report");
        let doc = &r[0]["fhir"];
        assert_eq!(doc["language"], lang);
        assert!(
            doc["questionnaire"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{base}/Questionnaire/clotcheck-triage-{lang}|")),
            "{doc}"
        );
        let mut content = data::load_embedded().unwrap();
        content.fhir_base = base.to_string();
        let q = questionnaire(&content, lang);
        assert_schema_valid(doc, lang);
        let problems = consistency_problems(&q, doc);
        assert!(problems.is_empty(), "{lang}: {problems:#?}");
    }
}
