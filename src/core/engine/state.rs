//! The conversation's state: which screen is shown ([`Screen`], one value), how far the check
//! has got ([`Check`]) and the person's preferences ([`Prefs`]). Changed only by
//! [`super::steps`]; read by the view and the free-text routing.

use crate::core::answers::Answers;
use crate::core::findings::Finding;
use crate::core::rules::Urgency;

/// The key of the emergency advice's buttons.
pub const EMERGENCY_KEY: &str = "!";
/// The key of the country picker's buttons.
pub const COUNTRY_KEY: &str = "#country";
/// The key of the language picker's buttons.
pub const LANGUAGE_KEY: &str = "#lang";
/// The key of the FAQ topics' buttons.
pub const FAQ_KEY: &str = "#faq";
/// The key of a check-in's buttons.
pub const CHECK_IN_KEY: &str = "#checkin";

/// One conversation. Holds no free text, ever: only ids and answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    pub screen: Screen,
    pub check: Check,
    pub prefs: Prefs,
    /// Check-ins sent since the person last did anything (at most two are ever sent).
    pub unanswered: u8,
}

/// What the person sees now, and so what their buttons mean. Pickers and topics are shown
/// over another screen, which comes back when they close.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Screen {
    /// Nothing pending: before the welcome, after /forget.
    #[default]
    Idle,
    /// The check's pending node ([`Check::node`]): a question, the welcome, an outcome.
    Question,
    /// The emergency advice, with what "I tapped that by mistake" undoes.
    Emergency(Undo),
    Countries {
        under: Box<Screen>,
    },
    Languages {
        under: Box<Screen>,
    },
    /// FAQ topics offered (by id): the closest matches to a question, or all after /faq.
    Topics {
        ids: Vec<String>,
        under: Box<Screen>,
    },
    /// A check-in the person asked for after an outcome of this level: how is the leg now?
    CheckIn {
        level: Urgency,
        under: Box<Screen>,
    },
}

/// What an emergency recorded, so that a mistaken tap or message can be undone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Undo {
    /// The findings the emergency recorded.
    pub findings: Vec<Finding>,
    /// Typed rather than tapped.
    pub typed: bool,
}

impl Screen {
    /// The screen under any picker or topic list.
    pub fn base(&self) -> &Screen {
        match self {
            Screen::Countries { under }
            | Screen::Languages { under }
            | Screen::Topics { under, .. }
            | Screen::CheckIn { under, .. } => under.base(),
            other => other,
        }
    }

    /// The screen under any picker or topic list, taken.
    pub fn into_base(self) -> Screen {
        match self {
            Screen::Countries { under }
            | Screen::Languages { under }
            | Screen::Topics { under, .. }
            | Screen::CheckIn { under, .. } => under.into_base(),
            other => other,
        }
    }

    pub fn undo(&self) -> Option<&Undo> {
        match self.base() {
            Screen::Emergency(u) => Some(u),
            _ => None,
        }
    }
}

/// How far the check has got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Check {
    /// The node whose question is pending; `None` before the welcome or after /forget.
    pub node: Option<String>,
    /// Nodes answered on the way here, for Back.
    pub history: Vec<String>,
    pub answers: Answers,
    /// Ticks of a multi-select in progress (toggle buttons).
    pub ticks: Vec<Finding>,
    pub consent: bool,
    /// A check-in was asked for after this check's outcome (one per outcome).
    pub check_in: bool,
}

/// Where the person is and what they read. Chosen ones are kept longer than the answers;
/// guessed ones (from the app's settings) are worked out again from each update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefs {
    /// A language code of the data.
    pub lang: String,
    /// The language was chosen (`/language`, `--lang`), not taken from the app's settings.
    pub lang_chosen: bool,
    /// ISO code of the country, when known.
    pub country: Option<String>,
    /// The country was guessed, not chosen.
    pub country_guessed: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            lang: "en".into(),
            lang_chosen: false,
            country: None,
            country_guessed: false,
        }
    }
}

impl Prefs {
    /// Only what the person chose: what storage keeps for longer.
    pub fn chosen(&self) -> Prefs {
        Prefs {
            lang: if self.lang_chosen {
                self.lang.clone()
            } else {
                Prefs::default().lang
            },
            lang_chosen: self.lang_chosen,
            country: self.country.clone().filter(|_| !self.country_guessed),
            country_guessed: false,
        }
    }
}
