//! The conversation engine: a small serializable [`State`] and one step function,
//! `(state, input) → (new state, replies)`. Deterministic and pure, so the same engine drives
//! Telegram, the console and the tests.
//!
//! Safety rules enforced here rather than in data: a red flag recorded as present ends the
//! check with the emergency advice at once; free text goes through emergency detection before
//! anything else; every question offers Back and Start over; an emergency offers an undo.

use super::Content;
use super::advice::{
    Line, Link, Reason, assess, call_lines, closing_lines, fallback_note, number_phrase,
};
use super::country::Place;
use super::detect::{self, YesNo};
use super::dialog::{Node, NodeIx, NodeKind};
use super::findings::{Answer, Finding, Findings};
use super::items::Item;
use super::rules::{Urgency, triage};
use super::texts::Texts;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The [`Engine::pending_key`] of the emergency advice.
pub const EMERGENCY_KEY: &str = "!";
/// The [`Engine::pending_key`] of the country picker.
pub const COUNTRY_KEY: &str = "#country";
/// The [`Engine::pending_key`] of the language picker.
pub const LANGUAGE_KEY: &str = "#lang";
/// The [`Engine::pending_key`] of the FAQ topics offered.
pub const FAQ_KEY: &str = "#faq";

/// The version of [`State`]'s serialized shape; a stored state of another version is reset.
pub const STATE_VERSION: u32 = 1;

/// Texts the engine looks up; the loader refuses a language without them.
pub const ENGINE_KEYS: &[&str] = &[
    "label.back",
    "label.restart",
    "label.mistake",
    "label.mistake_typed",
    "label.done",
    "label.back_to_check",
    "msg.why",
    "msg.didnt_understand",
    "msg.choose_one",
    "msg.out_of_range",
    "msg.none_with_items",
    "msg.nav_with_items",
    "msg.nothing_pending",
    "msg.nothing_to_undo",
    "msg.malformed",
    "msg.typed_emergency",
    "msg.emergency_intro",
    "msg.emergency_signs",
    "msg.early_more",
    "msg.after_early",
    "msg.emergency_lung",
    "msg.emergency_limb",
    "msg.emergency_cauda",
    "msg.help",
    "msg.forgotten",
    "msg.multi_hint",
    "msg.choose_hint",
    "msg.undone",
    "msg.set_country",
    "msg.country_prompt",
    "msg.country_set",
    "msg.country_unknown",
    "msg.off_topic",
    "msg.faq_unsure",
    "msg.faq_prompt",
    "msg.language_prompt",
    "msg.language_set",
    "language_name",
    "label.set_country",
];

/// Word and phrase lists the engine and detector use.
pub const ENGINE_LISTS: &[&str] = &["words.yes", "words.no", "words.unsure"];

/// One conversation. Holds no free text, ever: only ids and answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    /// The node whose question is pending; `None` before the welcome or after /forget.
    pub node: Option<String>,
    /// Nodes answered on the way here, for Back.
    pub history: Vec<String>,
    pub answers: Findings,
    /// Red flags that were typed rather than tapped.
    pub typed: Vec<Finding>,
    /// A typed emergency that names no listed red flag (rule E2).
    pub typed_emergency: bool,
    /// Ticks of a multi-select in progress (toggle buttons).
    pub ticks: Vec<Finding>,
    pub consent: bool,
    /// Set while the emergency advice is the latest outcome: what "I tapped that by mistake"
    /// undoes.
    pub emergency: Option<EmergencyUndo>,
    /// ISO code of the user's country, when known.
    pub country: Option<String>,
    /// The country was guessed, not chosen.
    pub country_guessed: bool,
    pub lang: String,
    /// The country picker is showing over whatever was pending.
    #[serde(default)]
    pub picking_country: bool,
    /// The language was chosen by the user (not taken from their app's settings).
    #[serde(default)]
    pub lang_chosen: bool,
    /// The language picker is showing over whatever was pending.
    #[serde(default)]
    pub picking_language: bool,
    /// FAQ topics offered (by id) over whatever was pending: the closest matches to a
    /// question, or every topic after /faq.
    #[serde(default)]
    pub suggestions: Vec<String>,
    /// The report items answered (which leg, since when), by value id.
    #[serde(default)]
    pub items: BTreeMap<Item, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyUndo {
    /// The node to return to (the question that was pending).
    pub node: Option<String>,
    /// The findings the emergency recorded.
    pub findings: Vec<Finding>,
    pub typed: bool,
}

impl Default for State {
    fn default() -> Self {
        State {
            version: STATE_VERSION,
            node: None,
            history: Vec::new(),
            answers: Findings::new(),
            typed: Vec::new(),
            typed_emergency: false,
            ticks: Vec::new(),
            consent: false,
            emergency: None,
            country: None,
            country_guessed: false,
            lang: "en".into(),
            picking_country: false,
            lang_chosen: false,
            picking_language: false,
            suggestions: Vec::new(),
            items: BTreeMap::new(),
        }
    }
}

/// What a user can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Show the welcome (a new conversation).
    Start,
    /// 0-based positions in the pending options. A multi-select takes all its ticks at once.
    Choose(Vec<usize>),
    /// Tick or untick one item of the pending multi-select.
    Toggle(Finding),
    /// Submit the ticks of the pending multi-select.
    Done,
    Text(String),
    Command(Command),
    /// The summary for a clinician, dated `authored` (RFC 3339, UTC): the front end supplies
    /// the time, so the engine stays pure.
    Report {
        authored: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Start,
    Check,
    Back,
    Restart,
    Faq,
    Report,
    Emergency,
    Country,
    Language,
    Forget,
    Help,
    Unknown,
}

impl Command {
    /// Parses "/name" or "/name@bot" (arguments ignored); `None` when not a command.
    pub fn parse(text: &str) -> Option<Command> {
        let word = text.trim().strip_prefix('/')?.split_whitespace().next()?;
        let name = word.split('@').next().unwrap_or(word).to_ascii_lowercase();
        Some(match name.as_str() {
            "start" => Command::Start,
            "check" => Command::Check,
            "back" => Command::Back,
            "restart" => Command::Restart,
            "faq" => Command::Faq,
            "report" => Command::Report,
            "emergency" => Command::Emergency,
            "country" => Command::Country,
            "language" => Command::Language,
            "forget" => Command::Forget,
            "help" => Command::Help,
            _ => Command::Unknown,
        })
    }
}

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

/// The engine over validated content. Cheap to create; holds no state of its own.
#[derive(Clone, Copy)]
pub struct Engine<'a> {
    content: &'a Content,
}

impl<'a> Engine<'a> {
    pub fn new(content: &'a Content) -> Self {
        Engine { content }
    }

    /// Applies one input. On an error the state is left unchanged and the pending question
    /// is shown again.
    pub fn step(&self, state: &mut State, input: Input) -> Vec<Reply> {
        let mut out = Vec::new();
        match input {
            Input::Start | Input::Command(Command::Start) => {
                self.reset_check(state);
                state.consent = false;
                state.node = Some(self.dialog_node(self.content.dialog.start).id.clone());
                out.push(self.pending(state).unwrap_or_else(|| self.nothing(state)));
            }
            Input::Choose(picks) => self.choose(state, &picks, &mut out),
            Input::Toggle(f) => self.toggle(state, f, &mut out),
            Input::Done => {
                let ticks = std::mem::take(&mut state.ticks);
                match self.current(state) {
                    Some(ix) if self.dialog_node(ix).kind == NodeKind::Multi => {
                        self.record_multi(state, ix, &ticks, None, &mut out)
                    }
                    _ => {
                        state.ticks = ticks;
                        self.error(state, "msg.nothing_pending", &mut out)
                    }
                }
            }
            Input::Text(text) => self.text(state, &text, &mut out),
            Input::Report { authored } => {
                let t = self.texts(state);
                if super::report::has_answers(state) {
                    let r = super::report::report(
                        self.content,
                        state,
                        &authored,
                        env!("CARGO_PKG_VERSION"),
                    );
                    let mut reply = Reply::new(Kind::Report, r.text);
                    reply.fhir = Some(r.fhir);
                    out.push(reply);
                } else {
                    out.push(Reply::new(Kind::Info, t.get("report.nothing")));
                    out.extend(self.pending(state));
                }
            }
            Input::Command(cmd) => self.command(state, cmd, &mut out),
        }
        out
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
        let m = faq.search(text);
        let id = |i: usize| faq.topics[i].id.clone();
        Ask {
            emergency: false,
            faq: m.topic.map(id),
            score: m.score,
            answer: match m.topic {
                Some(i) => super::texts::fill(
                    &faq.topics[i].answer,
                    &[("number", &number_phrase(place, t))],
                ),
                None if m.suggestions.is_empty() => t.get("msg.off_topic").to_string(),
                None => t.get("msg.faq_unsure").to_string(),
            },
            suggestions: m.suggestions.into_iter().map(id).collect(),
        }
    }

    fn texts(&self, state: &State) -> &'a Texts {
        self.content.texts(&state.lang)
    }

    pub fn place(&self, state: &State) -> Place<'a> {
        Place {
            country: state
                .country
                .as_deref()
                .and_then(|c| self.content.country(c)),
            guessed: state.country_guessed,
        }
    }

    fn dialog_node(&self, ix: NodeIx) -> &'a Node {
        self.content.dialog.node(ix)
    }

    /// The node whose question is pending, if any (none while the emergency advice shows).
    fn current(&self, state: &State) -> Option<NodeIx> {
        if state.emergency.is_some()
            || state.picking_country
            || state.picking_language
            || !state.suggestions.is_empty()
        {
            return None;
        }
        state
            .node
            .as_deref()
            .and_then(|id| self.content.dialog.find(id))
    }

    fn reset_check(&self, state: &mut State) {
        state.history.clear();
        state.answers = Findings::new();
        state.typed.clear();
        state.typed_emergency = false;
        state.ticks.clear();
        state.emergency = None;
        state.picking_country = false;
        state.picking_language = false;
        state.suggestions.clear();
        state.items.clear();
    }

    /// Identifies what the pending options belong to, so a front end can tell a button of
    /// the current question from a stale one: the node id, or `!` for the emergency advice.
    pub fn pending_key(&self, state: &State) -> Option<String> {
        if state.picking_language {
            Some(LANGUAGE_KEY.to_string())
        } else if state.picking_country {
            Some(COUNTRY_KEY.to_string())
        } else if !state.suggestions.is_empty() {
            Some(FAQ_KEY.to_string())
        } else if state.emergency.is_some() {
            Some(EMERGENCY_KEY.to_string())
        } else {
            state.node.clone()
        }
    }

    /// "Step n of m" for the pending question: questions answered so far plus one, and the
    /// fewest questions left on the way to an outcome.
    pub fn progress(&self, state: &State) -> Option<(usize, usize)> {
        let ix = self.current(state)?;
        let asks = |i: NodeIx| {
            matches!(
                self.dialog_node(i).kind,
                NodeKind::Question | NodeKind::Multi
            )
        };
        if !asks(ix) {
            return None;
        }
        let done = state
            .history
            .iter()
            .filter_map(|id| self.content.dialog.find(id))
            .filter(|i| asks(*i))
            .count();
        // Fewest question nodes from here to an outcome, counting this one: relax edges
        // until stable (the graph is small and acyclic in its forward edges).
        let d = &self.content.dialog;
        let mut dist = vec![usize::MAX; d.nodes.len()];
        dist[ix] = 1;
        let mut changed = true;
        while changed {
            changed = false;
            for i in 0..d.nodes.len() {
                if dist[i] == usize::MAX {
                    continue;
                }
                for next in d.nodes[i]
                    .choices
                    .iter()
                    .filter(|c| !c.nav)
                    .filter_map(|c| c.next)
                {
                    let via = dist[i] + usize::from(asks(next));
                    if via < dist[next] {
                        dist[next] = via;
                        changed = true;
                    }
                }
            }
        }
        let left = (0..d.nodes.len())
            .filter(|i| d.nodes[*i].kind == NodeKind::Outcome)
            .map(|i| dist[i])
            .min()
            .filter(|l| *l != usize::MAX);
        Some((done + 1, done + left?))
    }

    /// The pending message with its options, as it would be shown now.
    pub fn pending(&self, state: &State) -> Option<Reply> {
        let t = self.texts(state);
        if state.picking_language {
            return Some(self.language_picker(state));
        }
        if state.picking_country {
            return Some(self.country_picker(state));
        }
        if !state.suggestions.is_empty() {
            return Some(self.topics_offered(state));
        }
        if let Some(undo) = &state.emergency {
            let mut r = self.outcome_reply(state, true);
            self.offer_country(state, &mut r);
            r.options = vec![
                nav(
                    t.get(if undo.typed {
                        "label.mistake_typed"
                    } else {
                        "label.mistake"
                    }),
                    Action::Undo,
                ),
                nav(t.get("label.restart"), Action::Restart),
            ];
            return Some(r);
        }
        let ix = self.current(state)?;
        let node = self.dialog_node(ix);
        if node.kind == NodeKind::Outcome {
            let mut r = if self.advice_shown(state) {
                self.followup_reply(state)
            } else {
                self.outcome_reply(state, false)
            };
            r.options = vec![
                nav(t.get("label.back"), Action::Back),
                nav(t.get("label.restart"), Action::Restart),
            ];
            return Some(r);
        }
        if node.kind == NodeKind::Advice {
            // The result cannot change any more: show it now, then offer the rest.
            let mut r = self.outcome_reply(state, false);
            r.lines.push(Line {
                text: t.get("msg.early_more").to_string(),
                strong: false,
            });
            for (ci, c) in node.choices.iter().enumerate() {
                r.options.push(OptionView {
                    label: t.get(&format!("label.{}", c.label)).to_string(),
                    findings: Vec::new(),
                    unsure: Vec::new(),
                    nav: c.nav,
                    ticked: false,
                    short: None,
                    action: Action::Choice(ci),
                });
            }
            r.options.push(nav(t.get("label.back"), Action::Back));
            r.options.push(nav(t.get("label.restart"), Action::Restart));
            return Some(r);
        }
        let number = number_phrase(self.place(state), t);
        let mut r = Reply::new(
            if node.kind == NodeKind::Info {
                Kind::Info
            } else {
                Kind::Question
            },
            t.fill(&format!("node.{}", node.id), &[("number", &number)]),
        );
        if node.kind == NodeKind::Multi {
            r.multi = true;
            for f in &node.asks {
                r.options.push(OptionView {
                    label: t.get(&format!("finding.{}", f.id())).to_string(),
                    findings: vec![*f],
                    unsure: Vec::new(),
                    nav: false,
                    ticked: state.ticks.contains(f),
                    short: t
                        .has(&format!("short.{}", f.id()))
                        .then(|| t.get(&format!("short.{}", f.id())).to_string()),
                    action: Action::Item(*f),
                });
            }
        }
        for (ci, c) in node.choices.iter().enumerate() {
            r.options.push(OptionView {
                label: t.get(&format!("label.{}", c.label)).to_string(),
                findings: c.present.clone(),
                unsure: c.unsure.clone(),
                nav: c.nav,
                ticked: false,
                short: None,
                action: Action::Choice(ci),
            });
        }
        if matches!(
            node.kind,
            NodeKind::Question | NodeKind::Multi | NodeKind::Item
        ) {
            r.options.push(nav(t.get("label.back"), Action::Back));
            r.options.push(nav(t.get("label.restart"), Action::Restart));
        }
        if node.kind == NodeKind::Info && ix == self.content.dialog.start {
            let place = self.place(state);
            r.copy_number = place.country.map(|c| c.ambulance.clone());
            if t.has("translation.review") {
                r.lines.push(Line {
                    text: t.get("translation.review").to_string(),
                    strong: false,
                });
            }
            if place.country.is_some() && place.needs_fallback() {
                r.lines.insert(
                    1,
                    Line {
                        text: fallback_note(place, t),
                        strong: false,
                    },
                );
            }
            self.offer_country(state, &mut r);
        }
        Some(r)
    }

    /// Where the country is unknown or guessed: a line saying how to set it, and the flag
    /// that lets a front end offer a button.
    fn offer_country(&self, state: &State, r: &mut Reply) {
        let place = self.place(state);
        if place.country.is_none() || place.guessed {
            r.offer_country = true;
            r.lines.push(Line {
                text: self.texts(state).get("msg.set_country").to_string(),
                strong: false,
            });
        }
    }

    /// The FAQ topics offered, with a way back to the check.
    fn topics_offered(&self, state: &State) -> Reply {
        let t = self.texts(state);
        let all = self
            .content
            .faq(&state.lang)
            .is_some_and(|f| state.suggestions.len() == f.topics.len());
        let mut r = Reply::new(
            Kind::Faq,
            t.get(if all {
                "msg.faq_prompt"
            } else {
                "msg.faq_unsure"
            }),
        );
        if let Some(faq) = self.content.faq(&state.lang) {
            for id in &state.suggestions {
                if let Some(i) = faq.find(id) {
                    r.options.push(OptionView {
                        label: faq.topics[i].title.clone(),
                        findings: Vec::new(),
                        unsure: Vec::new(),
                        nav: false,
                        ticked: false,
                        short: None,
                        action: Action::Topic(i),
                    });
                }
            }
        }
        r.options
            .push(nav(t.get("label.back_to_check"), Action::BackToCheck));
        r
    }

    /// The answer of an FAQ topic.
    fn answer(&self, state: &State, topic: usize) -> Option<Reply> {
        let faq = self.content.faq(&state.lang)?;
        let t = faq.topics.get(topic)?;
        // "{number}": the emergency number of the person's country, when it is known.
        let number = number_phrase(self.place(state), self.texts(state));
        let mut r = Reply::new(
            Kind::Faq,
            super::texts::fill(&t.answer, &[("number", &number)]),
        );
        r.faq = Some(t.id.clone());
        Some(r)
    }

    /// What follows an answer: the pending question, or the welcome for someone who has not
    /// started.
    fn after_answer(&self, state: &mut State, out: &mut Vec<Reply>) {
        match self.pending(state) {
            Some(p) => out.push(p),
            None => out.extend(self.step(state, Input::Start)),
        }
    }

    fn language_picker(&self, state: &State) -> Reply {
        let t = self.texts(state);
        let mut r = Reply::new(Kind::Question, t.get("msg.language_prompt"));
        if t.has("translation.review") {
            r.lines.push(Line {
                text: t.get("translation.review").to_string(),
                strong: false,
            });
        }
        for (i, (code, texts)) in self.content.languages.iter().enumerate() {
            let mut label = texts.get("language_name").to_string();
            if texts.has("translation.review") {
                label.push_str(" (beta)");
            }
            let _ = code;
            r.options.push(OptionView {
                label,
                findings: Vec::new(),
                unsure: Vec::new(),
                nav: false,
                ticked: false,
                short: None,
                action: Action::Language(i),
            });
        }
        r.options
            .push(nav(t.get("label.back_to_check"), Action::BackToCheck));
        r
    }

    fn country_picker(&self, state: &State) -> Reply {
        let t = self.texts(state);
        let mut r = Reply::new(Kind::Question, t.get("msg.country_prompt"));
        for iso in &self.content.common_countries {
            if let Some(i) = self.content.countries.iter().position(|c| &c.iso == iso) {
                r.options.push(OptionView {
                    label: self.content.countries[i].name.clone(),
                    findings: Vec::new(),
                    unsure: Vec::new(),
                    nav: false,
                    ticked: false,
                    short: None,
                    action: Action::Country(i),
                });
            }
        }
        r.options
            .push(nav(t.get("label.back_to_check"), Action::BackToCheck));
        r
    }

    /// Sets the country the user chose, closes the picker, and shows what was pending.
    fn set_country(&self, state: &mut State, index: usize, out: &mut Vec<Reply>) {
        let Some(c) = self.content.countries.get(index) else {
            return self.error(state, "msg.out_of_range", out);
        };
        state.country = Some(c.iso.clone());
        state.country_guessed = false;
        state.picking_country = false;
        let t = self.texts(state);
        let number = match &c.service {
            Some(s) => format!("{} {s}", c.ambulance),
            None => c.ambulance.clone(),
        };
        let mut r = Reply::new(
            Kind::Info,
            t.fill(
                "msg.country_set",
                &[("number", &number), ("country", &c.name)],
            ),
        );
        if !c.confirmed {
            r.lines.push(Line {
                text: t.get("number.unconfirmed").to_string(),
                strong: false,
            });
        }
        r.copy_number = Some(c.ambulance.clone());
        out.push(r);
        out.push(self.pending(state).unwrap_or_else(|| self.nothing(state)));
    }

    fn nothing(&self, state: &State) -> Reply {
        Reply::new(Kind::Info, self.texts(state).get("msg.nothing_pending"))
    }

    /// An error message (a key of the `msg` table) and the pending question again: what a
    /// front end answers to input it cannot read.
    pub fn complain(&self, state: &State, key: &str) -> Vec<Reply> {
        let mut out = Vec::new();
        self.error(state, key, &mut out);
        out
    }

    /// An error, then the pending question again (or "nothing pending").
    fn error(&self, state: &State, key: &str, out: &mut Vec<Reply>) {
        let t = self.texts(state);
        match self.pending(state) {
            Some(p) => {
                out.push(Reply::new(Kind::Error, t.get(key)));
                out.push(p);
            }
            None => out.push(Reply::new(Kind::Error, t.get("msg.nothing_pending"))),
        }
    }

    fn choose(&self, state: &mut State, picks: &[usize], out: &mut Vec<Reply>) {
        let Some(pending) = self.pending(state) else {
            out.push(Reply::new(
                Kind::Error,
                self.texts(state).get("msg.nothing_pending"),
            ));
            return;
        };
        if picks.iter().any(|p| *p >= pending.options.len()) {
            return self.error(state, "msg.out_of_range", out);
        }
        let mut picked: Vec<&OptionView> = Vec::new();
        for p in picks {
            let o = &pending.options[*p];
            if !picked.contains(&o) {
                picked.push(o);
            }
        }
        if !pending.multi {
            if picked.len() != 1 {
                return self.error(state, "msg.choose_one", out);
            }
            return self.act(state, picked[0].action, out);
        }
        // A multi-select: one navigation option alone, or items, or one plain answer alone.
        if picked.len() == 1 && picked[0].nav {
            return self.act(state, picked[0].action, out);
        }
        if picked.iter().any(|o| o.nav) {
            return self.error(state, "msg.nav_with_items", out);
        }
        let plain: Vec<usize> = picked
            .iter()
            .filter_map(|o| match o.action {
                Action::Choice(ci) => Some(ci),
                _ => None,
            })
            .collect();
        if !plain.is_empty() && picked.len() > 1 {
            return self.error(state, "msg.none_with_items", out);
        }
        let items: Vec<Finding> = picked
            .iter()
            .filter_map(|o| match o.action {
                Action::Item(f) => Some(f),
                _ => None,
            })
            .collect();
        let Some(ix) = self.current(state) else {
            return self.error(state, "msg.nothing_pending", out);
        };
        state.ticks.clear();
        self.record_multi(state, ix, &items, plain.first().copied(), out);
    }

    fn act(&self, state: &mut State, action: Action, out: &mut Vec<Reply>) {
        match action {
            Action::Back => self.back(state, out),
            Action::Restart => self.restart(state, out),
            Action::Undo => self.undo(state, out),
            Action::Item(f) => self.toggle(state, f, out),
            Action::Country(i) => self.set_country(state, i, out),
            Action::Language(i) => {
                if let Some(code) = self.content.languages.keys().nth(i) {
                    state.lang = code.clone();
                    state.lang_chosen = true;
                }
                state.picking_language = false;
                out.push(Reply::new(
                    Kind::Info,
                    self.texts(state).get("msg.language_set"),
                ));
                self.after_answer(state, out);
            }
            Action::BackToCheck => {
                state.picking_country = false;
                state.picking_language = false;
                state.suggestions.clear();
                self.after_answer(state, out);
            }
            Action::Topic(i) => {
                state.suggestions.clear();
                out.extend(self.answer(state, i));
                self.after_answer(state, out);
            }
            Action::Choice(ci) => {
                let Some(ix) = self.current(state) else {
                    return self.error(state, "msg.nothing_pending", out);
                };
                self.record_choice(state, ix, ci, out);
            }
        }
    }

    fn toggle(&self, state: &mut State, f: Finding, out: &mut Vec<Reply>) {
        match self.current(state) {
            Some(ix)
                if self.dialog_node(ix).kind == NodeKind::Multi
                    && self.dialog_node(ix).asks.contains(&f) =>
            {
                if let Some(pos) = state.ticks.iter().position(|x| *x == f) {
                    state.ticks.remove(pos);
                } else {
                    state.ticks.push(f);
                }
                out.extend(self.pending(state));
            }
            _ => self.error(state, "msg.out_of_range", out),
        }
    }

    fn record_choice(&self, state: &mut State, ix: NodeIx, ci: usize, out: &mut Vec<Reply>) {
        let node = self.dialog_node(ix);
        let Some(choice) = node.choices.get(ci) else {
            return self.error(state, "msg.out_of_range", out);
        };
        if choice.nav {
            if let Some(next) = choice.next {
                state.node = Some(self.dialog_node(next).id.clone());
            }
            out.extend(self.pending(state));
            return;
        }
        if node.kind == NodeKind::Consent {
            state.consent = true;
        }
        if let (Some(item), Some(value)) = (node.item, &choice.value) {
            state.items.insert(item, value.clone());
        }
        for f in &node.asks {
            state.answers.set(*f, Answer::Absent);
        }
        for f in &choice.present {
            state.answers.set(*f, Answer::Present);
        }
        for f in &choice.unsure {
            state.answers.set(*f, Answer::Unsure);
        }
        self.advance(state, ix, choice.present.clone(), choice.next, out);
    }

    fn record_multi(
        &self,
        state: &mut State,
        ix: NodeIx,
        items: &[Finding],
        plain: Option<usize>,
        out: &mut Vec<Reply>,
    ) {
        let node = self.dialog_node(ix);
        for f in &node.asks {
            state.answers.set(*f, Answer::Absent);
        }
        let mut next = None;
        if let Some(choice) = plain.and_then(|ci| node.choices.get(ci)) {
            for f in &choice.unsure {
                state.answers.set(*f, Answer::Unsure);
            }
            next = choice.next;
        }
        for f in items {
            state.answers.set(*f, Answer::Present);
        }
        state.ticks.clear();
        let fallback = node.choices.iter().find_map(|c| c.next);
        self.advance(state, ix, items.to_vec(), next.or(fallback), out);
    }

    /// After recording the answers of node `ix`: the emergency at once if a red flag was
    /// affirmed, otherwise on to the next node.
    fn advance(
        &self,
        state: &mut State,
        ix: NodeIx,
        affirmed: Vec<Finding>,
        next: Option<NodeIx>,
        out: &mut Vec<Reply>,
    ) {
        let red: Vec<Finding> = affirmed.into_iter().filter(|f| f.is_red_flag()).collect();
        if !red.is_empty() {
            state.emergency = Some(EmergencyUndo {
                node: Some(self.dialog_node(ix).id.clone()),
                findings: red,
                typed: false,
            });
            out.extend(self.pending(state));
            return;
        }
        let Some(next) = next.map(|n| self.skip(state, n)) else {
            out.extend(self.pending(state));
            return;
        };
        state.history.push(self.dialog_node(ix).id.clone());
        state.node = Some(self.dialog_node(next).id.clone());
        out.extend(self.pending(state));
    }

    fn back(&self, state: &mut State, out: &mut Vec<Reply>) {
        if state.emergency.is_some() {
            return self.undo(state, out);
        }
        let start = &self.dialog_node(self.content.dialog.start).id;
        let prev = match state.history.pop() {
            Some(prev) => prev,
            // After Start over the way back leads to the welcome.
            None if state.node.as_ref().is_some_and(|n| n != start) => start.clone(),
            None => return self.error(state, "msg.nothing_to_undo", out),
        };
        for id in [state.node.as_deref(), Some(prev.as_str())]
            .into_iter()
            .flatten()
        {
            if let Some(ix) = self.content.dialog.find(id) {
                for f in &self.dialog_node(ix).asks {
                    state.answers.clear(*f);
                    state.typed.retain(|x| x != f);
                }
                if let Some(item) = self.dialog_node(ix).item {
                    state.items.remove(&item);
                }
            }
        }
        state.ticks.clear();
        state.node = Some(prev);
        out.extend(self.pending(state));
    }

    fn undo(&self, state: &mut State, out: &mut Vec<Reply>) {
        let Some(undo) = state.emergency.take() else {
            return self.back(state, out);
        };
        for f in &undo.findings {
            state.answers.clear(*f);
            state.typed.retain(|x| x != f);
        }
        if undo.typed {
            state.typed_emergency = false;
        }
        state.node = undo.node;
        out.push(Reply::new(Kind::Info, self.texts(state).get("msg.undone")));
        out.push(self.pending(state).unwrap_or_else(|| self.nothing(state)));
    }

    fn restart(&self, state: &mut State, out: &mut Vec<Reply>) {
        self.reset_check(state);
        let d = &self.content.dialog;
        let to = if state.consent { d.check } else { d.start };
        state.node = Some(self.dialog_node(to).id.clone());
        out.extend(self.pending(state));
    }

    fn text(&self, state: &mut State, text: &str, out: &mut Vec<Reply>) {
        if let Some(cmd) = Command::parse(text) {
            return self.command(state, cmd, out);
        }
        let t = self.texts(state);
        let found = self.content.detector().detect(text);
        if found.is_emergency() {
            // Recorded as if tapped, and the check ends with the emergency advice.
            let pending = state
                .emergency
                .as_ref()
                .map(|u| u.node.clone())
                .unwrap_or_else(|| state.node.clone());
            let mut undo = EmergencyUndo {
                node: pending,
                findings: Vec::new(),
                typed: true,
            };
            if let Some(prev) = state.emergency.take() {
                undo.findings = prev.findings;
            }
            for f in &found.red_flags {
                if !state.answers.is_present(*f) {
                    undo.findings.push(*f);
                }
                state.answers.set(*f, Answer::Present);
                if !state.typed.contains(f) {
                    state.typed.push(*f);
                }
            }
            if found.red_flags.is_empty() {
                state.typed_emergency = true;
            }
            state.emergency = Some(undo);
            state.picking_country = false;
            state.picking_language = false;
            state.suggestions.clear();
            let mut r = self.pending(state).unwrap_or_else(|| self.nothing(state));
            r.lines.insert(
                0,
                Line {
                    text: t.get("msg.typed_emergency").to_string(),
                    strong: false,
                },
            );
            out.push(r);
            return;
        }
        if state.picking_country {
            return match self.content.countries.iter().position(|c| c.is_named(text)) {
                Some(i) => self.set_country(state, i, out),
                None => {
                    let mut picker = self.country_picker(state);
                    picker.lines[0].text = t.get("msg.country_unknown").to_string();
                    out.push(picker);
                }
            };
        }
        // A new question replaces topics offered for the last one.
        state.suggestions.clear();
        if let Some(ix) = self.current(state) {
            let node = self.dialog_node(ix);
            if node.is_yes_no()
                && let Some(answer) = detect::yes_no(text, t)
            {
                let f = node.asks[0];
                let wanted = |c: &super::dialog::Choice| match answer {
                    YesNo::Yes => c.present == [f],
                    YesNo::Unsure => c.unsure == [f],
                    YesNo::No => !c.nav && c.present.is_empty() && c.unsure.is_empty(),
                };
                if let Some(ci) = node.choices.iter().position(wanted) {
                    return self.record_choice(state, ix, ci, out);
                }
            }
        }
        if let Some(faq) = self.content.faq(&state.lang) {
            let m = faq.search(text);
            if let Some(i) = m.topic {
                out.extend(self.answer(state, i));
                return self.after_answer(state, out);
            }
            if !m.suggestions.is_empty() {
                state.suggestions = m
                    .suggestions
                    .iter()
                    .map(|i| faq.topics[*i].id.clone())
                    .collect();
                return out.extend(self.pending(state));
            }
        }
        if state.node.is_none() && state.emergency.is_none() {
            // A first message that is neither a command nor a question: the welcome.
            return out.extend(self.step(state, Input::Start));
        }
        self.error(state, "msg.didnt_understand", out);
    }

    fn command(&self, state: &mut State, cmd: Command, out: &mut Vec<Reply>) {
        let t = self.texts(state);
        match cmd {
            Command::Start => {
                out.extend(self.step(state, Input::Start));
            }
            Command::Check | Command::Restart => self.restart(state, out),
            Command::Back => self.back(state, out),
            Command::Emergency => {
                let place = self.place(state);
                let mut r = Reply::new(Kind::Emergency, t.get("msg.emergency_intro"));
                r.lines.extend(call_lines(place, t));
                r.lines.push(Line {
                    text: t.get("advice.emergency.no_drive").to_string(),
                    strong: false,
                });
                // Every red flag, and what to tell the call handler for each kind.
                for key in [
                    "msg.emergency_signs",
                    "msg.emergency_lung",
                    "msg.emergency_limb",
                    "msg.emergency_cauda",
                ] {
                    r.lines.push(Line {
                        text: t.get(key).to_string(),
                        strong: false,
                    });
                }
                r.links.push(super::advice::link(t, super::advice::PE_PAGE));
                r.copy_number = place.country.map(|c| c.ambulance.clone());
                self.offer_country(state, &mut r);
                out.push(r);
                out.extend(self.pending(state));
            }
            Command::Forget => {
                *state = State {
                    lang: state.lang.clone(),
                    ..State::default()
                };
                out.push(Reply::new(Kind::Info, t.get("msg.forgotten")));
            }
            Command::Help | Command::Unknown => {
                out.push(Reply::new(Kind::Info, t.get("msg.help")));
                out.extend(self.pending(state));
            }
            Command::Country => {
                state.picking_country = true;
                out.push(self.country_picker(state));
            }
            Command::Faq => {
                if let Some(faq) = self.content.faq(&state.lang) {
                    state.picking_country = false;
                    state.suggestions = faq.topics.iter().map(|t| t.id.clone()).collect();
                }
                out.extend(self.pending(state));
            }
            Command::Report => {
                // The front end turns /report into `Input::Report` with the time.
                out.extend(self.step(
                    state,
                    Input::Report {
                        authored: String::new(),
                    },
                ));
            }
            Command::Language => {
                state.picking_country = false;
                state.suggestions.clear();
                state.picking_language = true;
                out.extend(self.pending(state));
            }
        }
    }

    /// The result of the answers so far: the emergency advice, or the end of the check.
    fn outcome_reply(&self, state: &State, emergency: bool) -> Reply {
        let t = self.texts(state);
        let place = self.place(state);
        let a = assess(&state.answers, state.typed_emergency, place, t);
        let why = std::iter::once(t.get("msg.why").to_string())
            .chain(
                // Plain words only: rule ids belong to the report and the JSON outputs.
                a.reasons.iter().map(|r| format!("• {}", r.text)),
            )
            .collect::<Vec<_>>()
            .join("\n");
        let why = Line {
            text: why,
            strong: false,
        };
        let heading = Line {
            text: t.get(&format!("urgency.{}", a.urgency.id())).to_string(),
            strong: true,
        };
        let mut lines = Vec::new();
        if emergency || a.urgency == Urgency::Emergency {
            // The number comes first ("Call 999 now for an ambulance" says the urgency in
            // words); the reasons after the advice.
            lines.extend(a.advice.lines.iter().cloned());
            lines.push(why);
        } else {
            // A red flag the person was not sure about: its emergency line leads.
            let lead = a.advice.lead.min(a.advice.lines.len());
            lines.extend(a.advice.lines[..lead].iter().cloned());
            lines.push(heading);
            lines.push(why);
            lines.extend(a.advice.lines[lead..].iter().cloned());
        }
        Reply {
            kind: if emergency || a.urgency == Urgency::Emergency {
                Kind::Emergency
            } else {
                Kind::Outcome
            },
            lines,
            multi: false,
            options: Vec::new(),
            outcome: Some(Outcome {
                urgency: a.urgency,
                present: state.answers.present().collect(),
                unsure: state.answers.unsure().collect(),
                reasons: a.reasons,
                items: state.items.clone(),
                policy_version: a.policy_version,
            }),
            faq: None,
            links: a.advice.links,
            copy_number: a.advice.number,
            offer_country: false,
            fhir: None,
            followup: false,
        }
    }

    /// Where the flow goes from `next`: past nodes that have nothing to do now — a report
    /// item with no leg symptom present or already answered, and the early advice when the
    /// result can still change.
    fn skip(&self, state: &State, mut next: NodeIx) -> NodeIx {
        for _ in 0..self.content.dialog.nodes.len() {
            let node = self.dialog_node(next);
            let pass = match node.kind {
                NodeKind::Item => {
                    !state.answers.present().any(|f| f.is_leg_symptom())
                        || node.item.is_some_and(|i| state.items.contains_key(&i))
                }
                NodeKind::Advice => !self.result_is_final(state),
                _ => false,
            };
            let onward = node.choices.iter().find(|c| !c.nav).and_then(|c| c.next);
            match (pass, onward) {
                (true, Some(n)) => next = n,
                _ => break,
            }
        }
        next
    }

    /// No later answer can change the result: every red flag is answered (only one could
    /// raise it further) and it is already urgent.
    fn result_is_final(&self, state: &State) -> bool {
        let flags_answered = Finding::ALL
            .iter()
            .filter(|f| f.is_red_flag())
            .all(|f| state.answers.get(*f).is_some());
        flags_answered && triage(&state.answers, state.typed_emergency).urgency == Urgency::Urgent
    }

    /// Whether the early advice was shown on the way here.
    fn advice_shown(&self, state: &State) -> bool {
        state.history.iter().any(|id| {
            self.content
                .dialog
                .find(id)
                .is_some_and(|ix| self.dialog_node(ix).kind == NodeKind::Advice)
        })
    }

    /// The end of a check whose advice was shown early: the level, that the answers are in
    /// the summary, and what later answers add (the bleeding warning), with the safety net.
    fn followup_reply(&self, state: &State) -> Reply {
        let mut r = self.outcome_reply(state, false);
        let t = self.texts(state);
        let place = self.place(state);
        let a = assess(&state.answers, state.typed_emergency, place, t);
        let mut lines = vec![
            Line {
                text: t.get(&format!("urgency.{}", a.urgency.id())).to_string(),
                strong: true,
            },
            Line {
                text: t.get("msg.after_early").to_string(),
                strong: false,
            },
        ];
        lines.extend(closing_lines(a.urgency, &state.answers, place, t));
        r.lines = lines;
        r.links = Vec::new();
        r.followup = true;
        r
    }
}

fn nav(label: &str, action: Action) -> OptionView {
    OptionView {
        label: label.to_string(),
        findings: Vec::new(),
        unsure: Vec::new(),
        nav: true,
        ticked: false,
        short: None,
        action,
    }
}
