//! The validated question flow: nodes with resolved targets. Built only by the loader
//! (`crate::data`), which checks the whole graph first, so the engine can trust every index.

use super::findings::Finding;
use super::items::Item;

/// Index of a node in [`Dialog::nodes`].
pub type NodeIx = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// Text with buttons that move on (the welcome).
    Info,
    /// The consent question: a plain option agrees, a navigation option declines.
    Consent,
    /// One choice; each option records findings.
    Question,
    /// Choose all that apply: one item per asked finding, then the node's own options.
    Multi,
    /// The end of the check: the core's rules decide what it says.
    Outcome,
    /// A report item (which leg, since when): each plain option records a value. Shown only
    /// when a leg symptom is present and the item is not yet answered.
    Item,
    /// The result, shown as soon as no later answer can change it (all red flags answered and
    /// the result already urgent), with a way on to the rest of the check; skipped otherwise.
    Advice,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub id: String,
    /// Key of the label in the language's `label` table.
    pub label: String,
    pub present: Vec<Finding>,
    pub unsure: Vec<Finding>,
    pub nav: bool,
    /// The value a report-item option records.
    pub value: Option<String>,
    /// Where the option leads; `None` only for outcome nodes' options.
    pub next: Option<NodeIx>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
    /// The findings this node records when answered.
    pub asks: Vec<Finding>,
    /// The report item an item node records.
    pub item: Option<Item>,
    pub choices: Vec<Choice>,
}

impl Node {
    /// A single-finding question with the plain yes / no / not sure shape, whose typed
    /// answers ("yes", "nope", "not sure") the engine understands.
    pub fn is_yes_no(&self) -> bool {
        self.kind == NodeKind::Question && self.asks.len() == 1
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    pub format: u32,
    /// The version of the flow and its wording, shown in reports.
    pub version: String,
    pub start: NodeIx,
    /// The first question, where "Start over" returns once consent is given.
    pub check: NodeIx,
    pub nodes: Vec<Node>,
    /// How long after an outcome a check-in comes, when the person asks for one.
    pub check_in: CheckInDelays,
}

/// The delay of a check-in after an outcome, per level below emergency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckInDelays {
    pub urgent: std::time::Duration,
    pub soon: std::time::Duration,
    pub self_care: std::time::Duration,
}

impl CheckInDelays {
    /// One delay for every level (`run --check-in-delay`, for tests and demos).
    pub fn all(d: std::time::Duration) -> Self {
        CheckInDelays {
            urgent: d,
            soon: d,
            self_care: d,
        }
    }

    /// The delay after an outcome of `level`; none after an emergency, which is not followed
    /// up by a message but by a call.
    pub fn after(&self, level: crate::core::rules::Urgency) -> Option<std::time::Duration> {
        use crate::core::rules::Urgency;
        match level {
            Urgency::Urgent => Some(self.urgent),
            Urgency::Soon => Some(self.soon),
            Urgency::SelfCare => Some(self.self_care),
            Urgency::Emergency => None,
        }
    }
}

impl Dialog {
    pub fn find(&self, id: &str) -> Option<NodeIx> {
        self.nodes.iter().position(|n| n.id == id)
    }

    pub fn node(&self, ix: NodeIx) -> &Node {
        &self.nodes[ix]
    }
}
