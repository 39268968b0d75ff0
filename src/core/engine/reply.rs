//! The reply view model: what the engine says, front-end neutral. A front end only
//! translates a [`Reply`] into its medium; everything it needs (buttons' key, progress) is in it.

use crate::core::advice::{Line, Link, Reason};
use crate::core::findings::Finding;
use crate::core::items::Item;
use crate::core::rules::Urgency;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Info,
    Question,
    Outcome,
    Emergency,
    Faq,
    Report,
    Error,
}

/// What choosing an option does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// One of the node's own options, by index.
    Choice(usize),
    /// An item of a multi-select.
    Item(Finding),
    Back,
    Restart,
    Undo,
    /// A country of the table, by index, in the country picker.
    Country(usize),
    /// Close the country picker or the FAQ topics.
    BackToCheck,
    /// An FAQ topic, by index.
    Topic(usize),
    /// A language of the data, by index.
    Language(usize),
    /// "Check on me later", on an outcome below emergency.
    CheckIn,
    /// An answer to a check-in.
    CheckInReply(CheckInAnswer),
}

/// What a person answers when the bot checks on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckInAnswer {
    Better,
    Same,
    /// Worse, or something new: the check starts again.
    Worse,
    /// No more check-ins.
    Stop,
}

impl CheckInAnswer {
    pub const ALL: [CheckInAnswer; 4] = [
        CheckInAnswer::Better,
        CheckInAnswer::Same,
        CheckInAnswer::Worse,
        CheckInAnswer::Stop,
    ];

    pub fn id(self) -> &'static str {
        match self {
            CheckInAnswer::Better => "better",
            CheckInAnswer::Same => "same",
            CheckInAnswer::Worse => "worse",
            CheckInAnswer::Stop => "stop",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionView {
    pub label: String,
    pub findings: Vec<Finding>,
    pub unsure: Vec<Finding>,
    pub nav: bool,
    /// Ticked, in a multi-select in progress.
    #[serde(skip)]
    pub ticked: bool,
    /// A shorter label for a button, where the full wording is shown in the message above.
    #[serde(skip)]
    pub short: Option<String>,
    #[serde(skip)]
    pub action: Action,
}

impl OptionView {
    /// An option that records nothing.
    pub fn plain(label: impl Into<String>, action: Action) -> Self {
        OptionView {
            label: label.into(),
            findings: Vec::new(),
            unsure: Vec::new(),
            nav: false,
            ticked: false,
            short: None,
            action,
        }
    }

    /// A navigation option (Back, Start over, Back to the check…).
    pub fn nav(label: impl Into<String>, action: Action) -> Self {
        OptionView {
            nav: true,
            ..OptionView::plain(label, action)
        }
    }
}

/// What a front end that can ask for the person's location (a button that shares it) does
/// with that offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locate {
    /// Offer it: the country picker, the welcome's offer to set the country.
    Offer,
    /// Take the offer away: the country was just set.
    Withdraw,
}

/// The result, as the console's JSON shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub urgency: Urgency,
    pub present: Vec<Finding>,
    pub unsure: Vec<Finding>,
    pub reasons: Vec<Reason>,
    /// The report items answered (which leg, since when).
    pub items: BTreeMap<Item, String>,
    pub policy_version: &'static str,
}

/// One message to the user, front-end neutral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reply {
    pub kind: Kind,
    /// Paragraphs; `strong` ones must stand out (the emergency number).
    pub lines: Vec<Line>,
    pub multi: bool,
    pub options: Vec<OptionView>,
    pub outcome: Option<Outcome>,
    pub faq: Option<String>,
    pub links: Vec<Link>,
    /// A number the front end may offer to copy.
    pub copy_number: Option<String>,
    /// The country is unknown or guessed: a front end may offer a way to set it.
    pub offer_country: bool,
    /// The FHIR QuestionnaireResponse of a report.
    pub fhir: Option<serde_json::Value>,
    /// The end of a check whose advice was already shown earlier (a short follow-up).
    #[serde(skip)]
    pub followup: bool,
    /// What the options belong to (the screen's key): a press carries it back, and a press
    /// with another key is stale. Set on the screen shown, `None` on other messages.
    #[serde(skip)]
    pub key: Option<String>,
    /// "Step n of m" for a question of the check.
    #[serde(skip)]
    pub progress: Option<(usize, usize)>,
    /// Whether to offer, or take away, a way to share the person's location.
    #[serde(skip)]
    pub locate: Option<Locate>,
}

impl Reply {
    /// A message with one paragraph and no options.
    pub fn new(kind: Kind, text: impl Into<String>) -> Self {
        Reply {
            kind,
            lines: vec![Line {
                text: text.into(),
                strong: false,
            }],
            multi: false,
            options: Vec::new(),
            outcome: None,
            faq: None,
            links: Vec::new(),
            copy_number: None,
            offer_country: false,
            fhir: None,
            followup: false,
            key: None,
            progress: None,
            locate: None,
        }
    }

    /// The paragraphs as plain text.
    pub fn text(&self) -> String {
        self.lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    /// Adds a plain paragraph.
    pub fn push_line(&mut self, text: impl Into<String>) {
        self.lines.push(Line {
            text: text.into(),
            strong: false,
        });
    }
}

/// What `ask` makes of a message, outside any conversation (`clotcheck ask`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ask {
    pub emergency: bool,
    pub faq: Option<String>,
    pub score: f32,
    /// The emergency advice when `emergency`, else the topic's answer, else a short note.
    pub answer: String,
    pub suggestions: Vec<String>,
}

impl Ask {
    /// For a person: the answer, and the suggested topics by title (and id).
    pub fn text(&self, faq: Option<&crate::core::faq::Faq>) -> String {
        let mut s = String::new();
        if self.emergency {
            s.push_str("EMERGENCY\n\n");
        }
        s.push_str(&self.answer);
        if self.faq.is_none() {
            for id in &self.suggestions {
                let title = faq
                    .and_then(|f| f.find(id).map(|i| f.topics[i].title.clone()))
                    .unwrap_or_else(|| id.clone());
                s.push_str(&format!("\n  • {title}  ({id})"));
            }
        }
        s
    }
}
