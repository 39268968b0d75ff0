//! What the person said in a check, apart from where the conversation stands: the input of
//! assessment and of the clinician's report, so neither needs the engine's state.

use super::findings::{Finding, Findings};
use super::items::Item;
use std::collections::BTreeMap;

/// The answers of one check. Ids and answers only, never text the user typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    pub findings: Findings,
    /// Red flags that were typed rather than tapped.
    pub typed: Vec<Finding>,
    /// A typed emergency that names no listed red flag (rule E2).
    pub typed_emergency: bool,
    /// The report items answered (which leg, since when), by value id.
    pub items: BTreeMap<Item, String>,
}

impl Answers {
    /// Whether there is anything to report: some answer recorded.
    pub fn any(&self) -> bool {
        Finding::ALL.iter().any(|f| self.findings.get(*f).is_some()) || self.typed_emergency
    }

    /// Forgets the answer to `f`, tapped or typed.
    pub fn clear(&mut self, f: Finding) {
        self.findings.clear(f);
        self.typed.retain(|x| *x != f);
    }
}
