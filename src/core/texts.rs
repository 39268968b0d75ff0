//! The wording of one language, handed to the core as data.
//!
//! The core names what it needs by key ("advice.urgent.today"); the language files in
//! `dialogs/` supply the words. The loader checks that every key in [`REQUIRED`] exists, so a
//! lookup here never fails on shipped data; a missing key shows the key itself rather than
//! panicking.

use std::collections::HashMap;

/// Wording for one language: flat dotted keys to text with `{name}` placeholders.
#[derive(Debug, Clone, Default)]
pub struct Texts {
    map: HashMap<String, String>,
    lists: HashMap<String, Vec<String>>,
}

impl Texts {
    pub fn new(map: HashMap<String, String>, lists: HashMap<String, Vec<String>>) -> Self {
        Self { map, lists }
    }

    /// A word or phrase list ("words.yes", "emergency.chest_pain"); empty when missing.
    pub fn list(&self, key: &str) -> &[String] {
        self.lists.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn has_list(&self, key: &str) -> bool {
        self.lists.contains_key(key)
    }

    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.map.get(key).map(String::as_str).unwrap_or(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The text for `key` with each `{name}` replaced by its value.
    pub fn fill(&self, key: &str, vars: &[(&str, &str)]) -> String {
        fill(self.get(key), vars)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }
}

/// Replaces `{name}` placeholders; unknown placeholders are left as they are.
pub fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match vars.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Keys the core itself looks up (besides one `finding.<id>` per finding and one
/// `reason.<rule>` per rule); the loader refuses a language that lacks any of them.
pub const REQUIRED: &[&str] = &[
    "urgency.emergency",
    "urgency.urgent",
    "urgency.soon",
    "urgency.self_care",
    "number.call_now",
    "number.fallback",
    "number.unconfirmed",
    "number.guessed",
    "number.unknown_phrase",
    "advice.emergency.no_drive",
    "advice.emergency.tell_lung",
    "advice.emergency.tell_limb",
    "advice.emergency.tell_cauda",
    "advice.emergency.tell_typed",
    "advice.urgent.unsure_flag",
    "sign.sudden_breathlessness",
    "sign.chest_pain",
    "sign.coughing_blood",
    "sign.fainting",
    "sign.racing_heart",
    "sign.cold_pale_leg",
    "sign.saddle_numbness_or_incontinence",
    "advice.urgent.today_line",
    "advice.urgent.today_doctor",
    "advice.urgent.ed",
    "advice.urgent.midwife",
    "advice.urgent.now_line",
    "advice.urgent.now_doctor",
    "advice.urgent.tests",
    "advice.soon.book",
    "advice.soon.major_risk",
    "advice.self_care.intro",
    "advice.self_care.cramp",
    "advice.self_care.prevention",
    "advice.watch",
    "advice.painkillers",
    "advice.safety_net",
    "advice.bleeding",
    "advice.disclaimer",
    "advice.policy",
    "advice.more_info",
    "reason.S2.risk",
    "reason.S2.symptom",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_known_and_keeps_unknown() {
        assert_eq!(
            fill("Call {n} now {x}", &[("n", "999")]),
            "Call 999 now {x}"
        );
        assert_eq!(fill("a { b", &[]), "a { b");
        assert_eq!(fill("{n}{n}", &[("n", "1")]), "11");
    }
}
