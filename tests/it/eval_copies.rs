//! No evaluation message is copied into the data: a phrase list or an example question that
//! holds an evaluation message teaches the matcher the test. Fails when an evaluation message,
//! normalised, appears in a phrase or example of `dialogs/`, or is at least 0.85 similar to one
//! (normalised Levenshtein). Messages under four words ("dvt", "call an ambulance") are terms,
//! not copies; a topic's title and its first question (the FAQ contract's question, in each
//! language) may be asked by an evaluation set too.

use crate::support::project;
use clotcheck::core::detect::normalize;

/// Every string of a TOML file but FAQ answers (prose, not examples) and ids.
fn strings(v: &toml::Value, key: &str, out: &mut Vec<String>) {
    match v {
        toml::Value::String(s) if key != "answer" && key != "id" => out.push(s.clone()),
        toml::Value::Array(a) => a.iter().for_each(|x| strings(x, key, out)),
        toml::Value::Table(t) => t.iter().for_each(|(k, x)| strings(x, k, out)),
        _ => {}
    }
}

fn data_phrases() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for lang in ["en", "de", "es"] {
        for file in ["faq.toml", "emergency.toml", "dialog.toml"] {
            let path = project(&format!("dialogs/{lang}/{file}"));
            let v: toml::Value = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let mut found = Vec::new();
            strings(&v, "", &mut found);
            out.extend(
                found
                    .into_iter()
                    // Pair groups: each alternative is a phrase of its own.
                    .flat_map(|s| {
                        s.split(['|', '+'])
                            .map(|p| normalize(&p.replace('*', "")))
                            .collect::<Vec<_>>()
                    })
                    .filter(|p| !p.is_empty())
                    .map(|p| (format!("dialogs/{lang}/{file}"), p)),
            );
        }
    }
    out
}

/// Every evaluation message, normalised, and whether it is from a blind set (whose messages
/// are never printed: they must not steer the data).
fn evaluation_messages() -> Vec<(String, bool)> {
    let mut files = vec![];
    for dir in ["tests/data", "tests/data/blind"] {
        for e in std::fs::read_dir(project(dir)).unwrap().flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "toml") {
                files.push((p, dir.ends_with("blind")));
            }
        }
    }
    let mut out = Vec::new();
    for (f, blind) in files {
        let v: toml::Value = toml::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        if let Some(cases) = v.get("case").and_then(|c| c.as_array()) {
            out.extend(
                cases
                    .iter()
                    .filter_map(|c| c.get("text").and_then(|t| t.as_str()))
                    .map(|t| (normalize(t), blind)),
            );
        }
    }
    out
}

/// The questions the FAQ contract itself names (faq-topics.md): the data must hold them, and
/// an evaluation set may ask them too.
const CONTRACT: &[&str] = &[
    "Can blood clots cause leg cramps?",
    "How do blood clots lead to leg cramps?",
    "What symptoms suggest a cramp is caused by a clot?",
    "Are clot cramps different from ordinary cramps?",
    "Why does it matter to act quickly?",
    "What is a blood clot / deep vein thrombosis?",
    "What is a pulmonary embolism and what are its signs?",
    "What can happen if a clot is not treated?",
    "Who is at risk of clots?",
    "How do doctors find out if I have a clot?",
    "How are clots treated?",
    "What helps the pain and swelling?",
    "What else causes leg cramps?",
    "How can I lower my risk of clots?",
];

#[test]
fn no_evaluation_message_is_copied_into_the_data() {
    let phrases = data_phrases();
    let mut contract: Vec<String> = CONTRACT.iter().map(|c| normalize(c)).collect();
    for lang in ["en", "de", "es"] {
        let path = project(&format!("dialogs/{lang}/faq.toml"));
        let v: toml::Value = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for t in v["topic"].as_array().unwrap() {
            contract.push(normalize(t["title"].as_str().unwrap()));
            if let Some(q) = t["questions"].as_array().and_then(|q| q.first()) {
                contract.push(normalize(q.as_str().unwrap()));
            }
        }
    }
    let messages = evaluation_messages();
    assert!(messages.len() > 500, "the evaluation sets are read");
    let mut copies = Vec::new();
    let messages: std::collections::BTreeSet<&(String, bool)> = messages
        .iter()
        .filter(|(m, _)| m.split(' ').count() >= 4 && !contract.contains(m))
        .collect();
    for (m, blind) in messages {
        let len = m.chars().count();
        for (file, p) in &phrases {
            // A topic's title and the contract's questions are given, not learned: an
            // evaluation message may ask them in nearly the same words.
            if contract.contains(p) {
                continue;
            }
            let plen = p.chars().count();
            // Similar strings have similar lengths: skip the rest cheaply.
            let similar = plen.abs_diff(len) * 100 <= 15 * plen.max(len)
                && strsim::normalized_levenshtein(m, p) >= 0.85;
            if similar || (plen >= len && p.contains(m.as_str())) {
                let shown = if *blind {
                    "of a blind set".to_string()
                } else {
                    format!("'{m}'")
                };
                copies.push(format!("{file}: '{p}' ~ evaluation message {shown}"));
            }
        }
    }
    assert!(
        copies.is_empty(),
        "{} copies:\n{}",
        copies.len(),
        copies.join("\n")
    );
}
