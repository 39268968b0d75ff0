//! What a typed message means on the screen shown: a command, an emergency (always first,
//! with every language's lexicon), a country's name in the country picker, a yes or no to
//! the question shown, an FAQ topic. Decides only; [`super::steps`] applies the decision.

use super::Engine;
use super::reply::CheckInAnswer;
use super::state::{Screen, State};
use crate::core::commands::Command;
use crate::core::detect::{self, YesNo};
use crate::core::dialog::{Choice, NodeIx};
use crate::core::findings::Finding;

/// What a message asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Route {
    Command(Command),
    /// An emergency typed: the red flags named (none: rule E2).
    Emergency(Vec<Finding>),
    /// A country of the table, by index, named in the country picker.
    Country(usize),
    /// Something the country picker cannot read as a country.
    CountryUnknown,
    /// A typed answer to the question shown: node and choice.
    Answer(NodeIx, usize),
    /// An FAQ topic, by index, matched with confidence.
    Topic(usize),
    /// The closest FAQ topics, by id, when none is a confident match.
    Topics(Vec<String>),
    /// A first message that is neither a command nor a question.
    Welcome,
    /// An answer to the check-in shown, typed in words.
    CheckIn(CheckInAnswer),
    NotUnderstood,
}

impl Engine<'_> {
    pub(super) fn route(&self, state: &State, text: &str) -> Route {
        if let Some(cmd) = Command::parse(text) {
            return Route::Command(cmd);
        }
        let found = self.content.detector().detect(text);
        if found.is_emergency() {
            return Route::Emergency(found.red_flags);
        }
        if let Screen::Countries { .. } = state.screen {
            return match self.content.countries.iter().position(|c| c.is_named(text)) {
                Some(i) => Route::Country(i),
                None => Route::CountryUnknown,
            };
        }
        // A check-in is answered with its buttons or in a few words ("better", "the same");
        // anything else leaves it shown. An emergency typed, or a command, still goes first.
        if let Screen::CheckIn { .. } = state.screen {
            let norm = detect::normalize(text);
            let t = self.texts(state);
            return CheckInAnswer::ALL
                .into_iter()
                .find(|a| {
                    t.list(&format!("checkin.words.{}", a.id()))
                        .iter()
                        .any(|w| detect::normalize(w) == norm)
                })
                .map_or(Route::NotUnderstood, Route::CheckIn);
        }
        // Topics offered for an earlier message give way to this one: a typed answer goes to
        // the question under them.
        let question = match &state.screen {
            Screen::Topics { under, .. } => matches!(**under, Screen::Question),
            other => matches!(other, Screen::Question),
        };
        let t = self.texts(state);
        if let Some(ix) = state
            .check
            .node
            .as_deref()
            .filter(|_| question)
            .and_then(|id| self.content.dialog.find(id))
        {
            let node = self.dialog_node(ix);
            if node.is_yes_no()
                && let Some(answer) = detect::yes_no(text, t)
            {
                let f = node.asks[0];
                let wanted = |c: &Choice| match answer {
                    YesNo::Yes => c.present == [f],
                    YesNo::Unsure => c.unsure == [f],
                    YesNo::No => !c.nav && c.present.is_empty() && c.unsure.is_empty(),
                };
                if let Some(ci) = node.choices.iter().position(wanted) {
                    return Route::Answer(ix, ci);
                }
            }
        }
        if let Some(faq) = self.content.faq(&state.prefs.lang) {
            let m = faq.search_unless_figurative(text, &found);
            if let Some(i) = m.topic {
                return Route::Topic(i);
            }
            if !m.suggestions.is_empty() {
                let ids = m.suggestions.iter().map(|i| faq.topics[*i].id.clone());
                return Route::Topics(ids.collect());
            }
        }
        if matches!(state.screen.base(), Screen::Idle) {
            return Route::Welcome;
        }
        Route::NotUnderstood
    }
}
