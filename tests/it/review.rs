//! The clinical content review of 2026-12-02 and policy 2026-12-02.1, held in every language:
//! no rule ids in what a person reads, every call-handler script on /emergency, links that fit
//! the sign, the emergency line first when unsure about a red flag, "not sure" on blood
//! thinners, and the wording the review named gone from the texts.

use crate::support::{last_question, truthful_pick, vignettes};
use clotcheck::core::Content;
use clotcheck::core::advice::{DVT_PAGE, PE_PAGE, assess};
use clotcheck::core::country::Place;
use clotcheck::core::engine::{Command, Engine, Input, Reply, State};
use clotcheck::core::findings::{Finding, Findings};
use clotcheck::data;

const LANGUAGES: &[&str] = &["en", "de", "es"];
const RULE_IDS: &[&str] = &["E1", "E2", "U1", "U2", "U3", "S1", "S2", "C1"];

fn content() -> Content {
    data::load_embedded().expect("shipped data is valid")
}

fn ids(list: &[String]) -> Vec<Finding> {
    list.iter().map(|s| s.parse().unwrap()).collect()
}

/// Walks the check in the engine as a truthful person would, to the end (continuing past
/// advice shown early); returns every reply seen.
pub fn walk_all(
    content: &Content,
    lang: &str,
    present: &[String],
    unsure: &[String],
) -> Vec<Reply> {
    let engine = Engine::new(content, std::time::SystemTime::now());
    let mut state = State {
        prefs: clotcheck::core::engine::Prefs {
            lang: lang.into(),
            country: Some("GB".into()),
            ..Default::default()
        },
        ..State::default()
    };
    let mut seen = engine.step(&mut state, Input::Start);
    let mut replies = seen.clone();
    for _ in 0..80 {
        let q = last_question(&replies);
        if q.outcome.is_some() && !q.options.iter().any(|o| !o.nav) {
            return seen;
        }
        let pick = truthful_pick(&q, present, unsure)
            .unwrap_or_else(|| panic!("no truthful answer to {q:?}"));
        replies = engine.step(&mut state, Input::Choose(pick));
        if replies
            .iter()
            .any(|r| r.kind == clotcheck::core::engine::Kind::Emergency)
        {
            seen.extend(replies);
            return seen;
        }
        seen.extend(replies.clone());
    }
    panic!("the check did not end");
}

fn has_rule_id(text: &str) -> Option<&'static str> {
    RULE_IDS.iter().copied().find(|id| {
        text.match_indices(id).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + id.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

#[test]
fn no_rule_id_in_anything_a_person_reads() {
    let content = content();
    for lang in LANGUAGES {
        for v in vignettes() {
            for r in walk_all(&content, lang, &v.present, &v.unsure) {
                let text = r.text();
                assert!(
                    has_rule_id(&text).is_none(),
                    "{lang} {}: rule id {:?} in {text}",
                    v.id,
                    has_rule_id(&text)
                );
            }
        }
    }
}

#[test]
fn emergency_help_gives_every_call_handler_script() {
    let content = content();
    let engine = Engine::new(&content, std::time::SystemTime::now());
    for lang in LANGUAGES {
        let t = content.texts(lang);
        let mut state = State {
            prefs: clotcheck::core::engine::Prefs {
                lang: (*lang).into(),
                country: Some("CO".into()),
                ..Default::default()
            },
            ..State::default()
        };
        let replies = engine.step(&mut state, Input::Command(Command::Emergency));
        let text = replies[0].text();
        assert!(text.contains("123"), "{lang}: the number: {text}");
        for key in [
            "msg.emergency_signs",
            "msg.emergency_lung",
            "msg.emergency_limb",
            "msg.emergency_cauda",
        ] {
            assert!(text.contains(t.get(key)), "{lang}: {key} missing in {text}");
        }
        // Seven red flags, one bullet each.
        assert_eq!(
            t.get("msg.emergency_signs").matches('•').count(),
            7,
            "{lang}"
        );
    }
}

#[test]
fn links_fit_the_sign() {
    let content = content();
    let t = content.texts("en");
    let urls = |present: &[Finding], unsure: &[Finding]| -> Vec<String> {
        let f = Findings::from_lists(present, unsure).unwrap();
        assess(&f, false, Place::unknown(), t)
            .advice
            .links
            .into_iter()
            .map(|l| l.url)
            .collect()
    };
    assert_eq!(urls(&[Finding::ChestPain], &[]), vec![PE_PAGE]);
    assert_eq!(urls(&[Finding::RacingHeart], &[]), vec![PE_PAGE]);
    assert!(
        urls(&[Finding::ColdPaleLeg], &[]).is_empty(),
        "no page for a cold pale leg"
    );
    assert!(
        urls(&[Finding::SaddleNumbnessOrIncontinence], &[]).is_empty(),
        "no page for cauda equina signs"
    );
    assert_eq!(urls(&[Finding::LegWarmth], &[]), vec![DVT_PAGE]);
    assert_eq!(urls(&[], &[]), vec![DVT_PAGE]);
    assert_eq!(urls(&[], &[Finding::Fainting]), vec![PE_PAGE, DVT_PAGE]);
    assert_eq!(urls(&[], &[Finding::ColdPaleLeg]), vec![DVT_PAGE]);
    let typed = assess(&Findings::new(), true, Place::unknown(), t);
    assert!(
        typed.advice.links.is_empty(),
        "a typed emergency names no sign"
    );
}

#[test]
fn unsure_about_a_red_flag_leads_with_that_sign_and_the_emergency_line() {
    let content = content();
    for lang in LANGUAGES {
        let t = content.texts(lang);
        for flag in Finding::ALL.iter().filter(|f| f.is_red_flag()) {
            let replies = walk_all(&content, lang, &[], &[flag.id().to_string()]);
            let outcome = replies
                .iter()
                .find(|r| r.outcome.is_some())
                .expect("an outcome");
            let key = format!("sign.{}", flag.id());
            let sign = t.get(&key);
            let first = &outcome.lines[0];
            assert!(first.strong, "{lang} {flag}: the first line stands out");
            assert!(
                first.text.contains(sign) && first.text.contains("999"),
                "{lang} {flag}: the advice starts with the sign and the number: {}",
                first.text
            );
            let heading = t.get("urgency.urgent");
            let at = outcome
                .lines
                .iter()
                .position(|l| l.text == heading)
                .unwrap();
            let line = outcome.lines.iter().position(|l| l.text.contains("111"));
            if matches!(
                flag,
                Finding::ColdPaleLeg | Finding::SaddleNumbnessOrIncontinence
            ) {
                let l = line.expect("the advice line, now");
                assert!(
                    l < at,
                    "{lang} {flag}: 'call the advice line now' before the heading"
                );
            }
        }
    }
}

#[test]
fn not_sure_about_blood_thinners_gives_the_bleeding_warning_with_a_bang_to_the_head() {
    let content = content();
    for lang in LANGUAGES {
        let t = content.texts(lang);
        let replies = walk_all(&content, lang, &[], &["on_blood_thinners".into()]);
        let end = replies.iter().rev().find(|r| r.outcome.is_some()).unwrap();
        assert!(
            end.text()
                .contains(&t.fill("advice.bleeding", &[("number", "999")])),
            "{lang}: {}",
            end.text()
        );
    }
    let en = content.texts("en").get("advice.bleeding");
    assert!(en.contains("bang to the head"));
}

/// The texts a person reads in a language (not the phrase lists that read what they type).
fn wording(content: &Content, lang: &str) -> Vec<(String, String)> {
    let t = content.texts(lang);
    let mut out: Vec<(String, String)> = t
        .keys()
        .map(|k| (k.to_string(), t.get(k).to_string()))
        .collect();
    if let Some(faq) = content.faq(lang) {
        for topic in &faq.topics {
            out.push((format!("faq {} title", topic.id), topic.title.clone()));
            out.push((format!("faq {} answer", topic.id), topic.answer.clone()));
        }
    }
    out
}

#[test]
fn the_wording_the_review_named_is_gone() {
    let content = content();
    let banned: &[(&str, &[&str])] = &[
        (
            "de",
            &[
                "taub ",
                "taub,",
                "Taubheit ",
                "Taubheit,",
                "Blutsalz",
                "Blut husten",
                "leiten kann",
            ],
        ),
        (
            "es",
            &[
                "coger aire",
                "URGENCIA",
                "matrona:",
                "escayol",
                "móvil en",
                "No conduzca",
                "sustitutiva",
                "sales bajas",
                "sales en la sangre",
            ],
        ),
        (
            "en",
            &[
                "(A&E)",
                "major surgery within",
                "Previously documented",
                "Often, yes",
                "worse when you walk or stand",
            ],
        ),
    ];
    for (lang, words) in banned {
        for (key, text) in wording(&content, lang) {
            for w in *words {
                assert!(!text.contains(w), "{lang} {key}: '{w}' in {text}");
            }
        }
    }
    // The emergency and urgent headings are different words in Spanish.
    let es = content.texts("es");
    assert!(es.get("urgency.emergency").starts_with("EMERGENCIA"));
    // German: a child's case names the on-call doctors' line.
    assert!(content.texts("de").get("node.welcome").contains("116 117"));
}

#[test]
fn the_vignettes_have_the_same_urgency_in_every_language() {
    let content = content();
    for lang in LANGUAGES {
        for v in vignettes() {
            let f = Findings::from_lists(&ids(&v.present), &ids(&v.unsure)).unwrap();
            let a = assess(&f, false, Place::unknown(), content.texts(lang));
            assert_eq!(a.urgency.id(), v.expect, "{lang} {}", v.id);
        }
    }
}
