//! Buttons that fit a phone: every inline button on every screen, in every language, is at
//! most 32 characters (the full wording stays in the message above the buttons).

use crate::review::walk_all;
use crate::support::vignettes;
use clotcheck::core::Content;
use clotcheck::core::engine::{Command, Engine, Input, Reply, State};
use clotcheck::core::findings::Finding;
use clotcheck::data;
use clotcheck::telegram::render::render;

const LANGUAGES: &[&str] = &["en", "de", "es"];
/// What a phone shows of an inline button without cutting it short.
const MAX_BUTTON: usize = 32;

/// Every button label of a reply as Telegram would show it.
fn labels(content: &Content, lang: &str, reply: &Reply) -> Vec<String> {
    let t = content.texts(lang);
    render(&keyed(reply), true, t)
        .into_iter()
        .filter_map(|m| m.keyboard)
        .flat_map(|k| k.inline_keyboard.into_iter().flatten())
        .map(|b| b.text)
        .collect()
}

/// The reply with a key, so that its answer buttons are drawn.
fn keyed(reply: &Reply) -> Reply {
    Reply {
        key: Some("k".into()),
        ..reply.clone()
    }
}

/// The screens a person can reach in one language: every vignette walked to its end, every
/// multi-select with everything ticked, the emergency (tapped and typed), /emergency, the FAQ
/// list and an unsure match, the country and language pickers, and the welcome with and without
/// a country.
fn screens(content: &Content, lang: &str) -> Vec<Reply> {
    let engine = Engine::new(content, std::time::SystemTime::now());
    let mut out = Vec::new();
    for v in vignettes() {
        out.extend(walk_all(content, lang, &v.present, &v.unsure));
    }
    for f in Finding::ALL
        .iter()
        .filter(|f| f.is_red_flag() || f.is_leg_symptom())
    {
        out.extend(walk_all(content, lang, &[], &[f.id().to_string()]));
        out.extend(walk_all(content, lang, &[f.id().to_string()], &[]));
    }
    for country in [None, Some("GB"), Some("ZA")] {
        let mut state = State::default();
        state.prefs.lang = lang.into();
        state.prefs.country = country.map(str::to_string);
        out.extend(engine.step(&mut state, Input::Start));
        out.extend(engine.step(&mut state, Input::Choose(vec![0])));
        out.extend(engine.step(&mut state, Input::Choose(vec![1]))); // decline
        out.extend(engine.step(&mut state, Input::Start));
        out.extend(engine.step(&mut state, Input::Choose(vec![0])));
        out.extend(engine.step(&mut state, Input::Choose(vec![0]))); // agree
        for cmd in [
            Command::Emergency,
            Command::Faq,
            Command::Country,
            Command::Language,
            Command::Help,
            Command::Report,
        ] {
            let mut s = state.clone();
            out.extend(engine.step(&mut s, Input::Command(cmd)));
        }
        let mut s = state.clone();
        out.extend(engine.step(&mut s, Input::Text("clot".into())));
        let mut s = state.clone();
        out.extend(engine.step(&mut s, Input::Text("I can't breathe".into())));
        // Every multi-select with every item ticked.
        let mut s = state.clone();
        for _ in 0..40 {
            let Some(p) = engine.pending(&s) else { break };
            if p.multi {
                for o in &p.options {
                    if let Some(f) = o.findings.first() {
                        engine.step(&mut s, Input::Toggle(*f));
                    }
                }
                out.extend(engine.pending(&s));
                engine.step(&mut s, Input::Done);
                continue;
            }
            if p.outcome.is_some() && !p.options.iter().any(|o| !o.nav) {
                break;
            }
            // The plain answer ("No", "Continue"), or the first one.
            let i = p
                .options
                .iter()
                .position(|o| !o.nav && o.findings.is_empty() && o.unsure.is_empty())
                .unwrap_or(0);
            out.extend(engine.step(&mut s, Input::Choose(vec![i])));
        }
    }
    out
}

#[test]
fn every_button_on_every_screen_fits_a_phone_in_every_language() {
    let content = data::load_embedded().expect("shipped data is valid");
    for lang in LANGUAGES {
        let mut seen = 0;
        let mut too_long = Vec::new();
        for reply in screens(&content, lang) {
            for label in labels(&content, lang, &reply) {
                seen += 1;
                if label.chars().count() > MAX_BUTTON && !too_long.contains(&label) {
                    too_long.push(label);
                }
            }
        }
        assert!(seen > 100, "{lang}: only {seen} buttons seen");
        assert!(
            too_long.is_empty(),
            "{lang}: buttons over {MAX_BUTTON} characters: {too_long:#?}"
        );
    }
}

#[test]
fn multi_select_items_keep_their_full_wording_in_the_message() {
    let content = data::load_embedded().unwrap();
    for lang in LANGUAGES {
        let t = content.texts(lang);
        for reply in screens(&content, lang).iter().filter(|r| r.multi) {
            let html: String = render(&keyed(reply), true, t)
                .into_iter()
                .map(|m| m.html)
                .collect();
            for o in reply.options.iter().filter(|o| !o.findings.is_empty()) {
                let full = teloxide::utils::html::escape(&o.label);
                assert!(
                    html.contains(&full),
                    "{lang}: '{}' not in the message",
                    o.label
                );
            }
        }
    }
}
