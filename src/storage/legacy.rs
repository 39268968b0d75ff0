//! The first stored format (JSON, `{"format":1,"state":{…}}`), read so that conversations
//! stored before the compact format continue where they were. Written never.

use super::ChatState;
use crate::core::answers::Answers;
use crate::core::engine::{Check, Prefs, Screen, State, Undo};
use crate::core::findings::{Finding, Findings};
use crate::core::items::Item;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Stored {
    format: u32,
    state: OldChat,
}

#[derive(Deserialize)]
struct OldChat {
    engine: OldState,
    keyboard: Option<i32>,
    last_update: Option<u32>,
    version: u64,
}

#[derive(Deserialize)]
struct OldState {
    version: u32,
    node: Option<String>,
    history: Vec<String>,
    answers: Findings,
    typed: Vec<Finding>,
    typed_emergency: bool,
    ticks: Vec<Finding>,
    consent: bool,
    emergency: Option<OldUndo>,
    #[serde(default)]
    picking_country: bool,
    #[serde(default)]
    picking_language: bool,
    #[serde(default)]
    suggestions: Vec<String>,
    #[serde(default)]
    items: BTreeMap<Item, String>,
}

#[derive(Deserialize)]
struct OldUndo {
    findings: Vec<Finding>,
    typed: bool,
}

/// A state of the first format, as the engine's state of today; `None` when it is not one.
/// Its preferences are left out: they were stored apart, and are read from there.
pub fn state(text: &str) -> Option<ChatState> {
    let s: Stored = serde_json::from_str(text).ok()?;
    let e = s.state.engine;
    if s.format != 1 || e.version != 1 {
        return None;
    }
    // The flags' old priority: language, country, topics, emergency, the node.
    let mut screen = match (e.emergency, &e.node) {
        (Some(u), _) => Screen::Emergency(Undo {
            findings: u.findings,
            typed: u.typed,
        }),
        (None, Some(_)) => Screen::Question,
        (None, None) => Screen::Idle,
    };
    if !e.suggestions.is_empty() {
        screen = Screen::Topics {
            ids: e.suggestions,
            under: Box::new(screen),
        };
    }
    if e.picking_country {
        screen = Screen::Countries {
            under: Box::new(screen.into_base()),
        };
    }
    if e.picking_language {
        screen = Screen::Languages {
            under: Box::new(screen.into_base()),
        };
    }
    Some(ChatState {
        engine: State {
            screen,
            unanswered: 0,
            check: Check {
                check_in: false,
                node: e.node,
                history: e.history,
                answers: Answers {
                    findings: e.answers,
                    typed: e.typed,
                    typed_emergency: e.typed_emergency,
                    items: e.items,
                },
                ticks: e.ticks,
                consent: e.consent,
            },
            prefs: Prefs::default(),
        },
        keyboard: s.state.keyboard,
        last_update: s.state.last_update,
        version: s.state.version,
        reset: false,
    })
}

#[derive(Deserialize)]
struct OldPrefs {
    country: Option<String>,
    country_guessed: bool,
    lang: String,
    #[serde(default)]
    lang_chosen: bool,
}

/// Preferences of the first format.
pub fn prefs(text: &str) -> Option<Prefs> {
    let p: OldPrefs = serde_json::from_str(text).ok()?;
    Some(
        Prefs {
            lang: p.lang,
            lang_chosen: p.lang_chosen,
            country: p.country,
            country_guessed: p.country_guessed,
        }
        .chosen(),
    )
}
