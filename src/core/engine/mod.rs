//! The conversation engine: one explicit state machine. A [`State`] (the [`Screen`] shown,
//! the check's progress, the preferences) changes only through [`Engine::turn`]:
//! `(state, input) → (new state, replies, effect)`. Deterministic and pure — the clock comes
//! in with the engine, and what needs storage comes back as an [`Effect`] — so the same
//! engine drives Telegram, the console and the tests.
//!
//! - `state`: what is remembered; `steps`: the transitions, the only code that changes it;
//! - `view`: the state shown as a reply; `reply`: the reply view model;
//! - `free_text`: what a typed message means on the screen shown.
//!
//! Safety rules enforced here rather than in data: a red flag recorded as present ends the
//! check with the emergency advice at once; free text goes through emergency detection before
//! anything else; every question offers Back and Start over; an emergency offers an undo.

mod free_text;
pub mod reply;
pub mod state;
mod steps;
pub mod view;

pub use crate::core::commands::Command;
pub use reply::{Action, Ask, CheckInAnswer, Kind, Locate, OptionView, Outcome, Reply};
pub use state::{
    CHECK_IN_KEY, COUNTRY_KEY, Check, EMERGENCY_KEY, FAQ_KEY, LANGUAGE_KEY, Prefs, Screen, State,
    Undo,
};
pub use view::{ENGINE_KEYS, ENGINE_LISTS};

use crate::core::Content;
use crate::core::advice::{assess, number_phrase};
use crate::core::country::Place;
use crate::core::findings::{Answer, Finding, Findings};
use crate::core::rules::Urgency;
use std::time::{Duration, SystemTime};

/// What a user can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Show the welcome (a new conversation).
    Start,
    /// 0-based positions in the options shown. A multi-select takes all its ticks at once.
    Choose(Vec<usize>),
    /// Tick or untick one item of the multi-select shown.
    Toggle(Finding),
    /// Submit the ticks of the multi-select shown.
    Done,
    /// A button: option `index` of the screen whose key was `key`. A press on a screen no
    /// longer shown is rejected ([`Effect::Rejected`]) and the screen shown again.
    Press {
        key: String,
        index: usize,
    },
    /// The Done button of the multi-select whose key was `key`.
    Submit {
        key: String,
    },
    Text(String),
    Command(Command),
    /// Show the screen shown again, or the welcome when nothing is (after something the
    /// engine cannot read, such as a sticker).
    Show,
    /// A place the person shared, as the ISO code of the country it lies in
    /// ([`crate::core::location::country_at`]); `None` at sea or outside every boundary. The
    /// coordinates stay with the front end: they are never part of the state.
    Location {
        country: Option<String>,
    },
    /// A shared place whose coordinates are no place on Earth.
    BadLocation,
    /// A check-in asked for after an outcome of this level is due: ask how the leg is now.
    /// Not from the person: a front end's scheduler sends it. Nothing is shown when two
    /// check-ins in a row went unanswered.
    CheckInDue(Urgency),
}

/// What a front end must do besides showing the replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Delete everything stored about the person (/forget), preferences included.
    Forget,
    /// The press was stale or forged: say so where it was pressed (the replies show the
    /// screen shown now).
    Rejected,
    /// The person asked to be checked on: keep one check-in (chat, due time, level, language,
    /// country), replacing any other of this chat, and send it with [`Input::CheckInDue`]
    /// when due.
    ScheduleCheckIn { due_in: Duration, level: Urgency },
    /// Delete any check-in kept for this chat ("Stop" in a check-in).
    CancelCheckIns,
}

/// The result of one input.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Turn {
    pub replies: Vec<Reply>,
    pub effect: Option<Effect>,
}

/// The engine over validated content, at a moment (the date of a report). Cheap to create;
/// holds no state of its own.
#[derive(Clone, Copy)]
pub struct Engine<'a> {
    content: &'a Content,
    now: SystemTime,
}

impl<'a> Engine<'a> {
    pub fn new(content: &'a Content, now: SystemTime) -> Self {
        Engine { content, now }
    }

    /// Applies one input. On an error the state is left unchanged and the screen shown again.
    pub fn turn(&self, state: &mut State, input: Input) -> Turn {
        let mut turn = Turn::default();
        self.apply(state, input, &mut turn);
        turn
    }

    /// [`Engine::turn`] for callers that need only the replies (tests, benchmarks).
    pub fn step(&self, state: &mut State, input: Input) -> Vec<Reply> {
        self.turn(state, input).replies
    }

    /// An error message (a key of the `msg` table) and the screen shown again: what a front
    /// end answers to input it cannot read.
    pub fn complain(&self, state: &State, key: &str) -> Vec<Reply> {
        let mut turn = Turn::default();
        self.error(state, key, &mut turn);
        turn.replies
    }

    /// Answers one message on its own: emergency first, then the FAQ.
    pub fn ask(&self, text: &str, lang: &str, place: Place) -> Ask {
        let t = self.content.texts(lang);
        let found = self.content.detector().detect(text);
        if found.is_emergency() {
            let mut findings = Findings::new();
            for f in &found.red_flags {
                findings.set(*f, Answer::Present);
            }
            let a = assess(&findings, found.red_flags.is_empty(), place, t);
            return Ask {
                emergency: true,
                faq: None,
                score: 1.0,
                answer: a.advice.plain(),
                suggestions: Vec::new(),
            };
        }
        let Some(faq) = self.content.faq(lang) else {
            return Ask {
                emergency: false,
                faq: None,
                score: 0.0,
                answer: t.get("msg.off_topic").to_string(),
                suggestions: Vec::new(),
            };
        };
        let m = faq.search_unless_figurative(text, &found);
        let id = |i: usize| faq.topics[i].id.clone();
        Ask {
            emergency: false,
            faq: m.topic.map(id),
            score: m.score,
            answer: match m.topic {
                Some(i) => crate::core::texts::fill(
                    &faq.topics[i].answer,
                    &[("number", &number_phrase(place, t))],
                ),
                None if m.suggestions.is_empty() => t.get("msg.off_topic").to_string(),
                None => t.get("msg.faq_unsure").to_string(),
            },
            suggestions: m.suggestions.into_iter().map(id).collect(),
        }
    }
}
