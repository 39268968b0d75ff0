//! Emergency detection in free text, and the typed answers to a yes/no question.
//!
//! A message that *reports* a red flag happening now gets the emergency advice at once. The
//! phrase lists are data (`emergency.*` in the language files). A phrase matches when its words
//! appear in order with at most [`MAX_GAP`] other words between them. A match is dropped only
//! when it is clearly denied ("no chest pain", "I'm not short of breath") or the message is a
//! general question that names nobody ("what does chest pain mean?"). When in doubt: emergency.

use super::findings::Finding;
use super::texts::Texts;

/// Words allowed between two words of a phrase ("my chest really hurts").
pub const MAX_GAP: usize = 2;

/// Words that may stand between a negation and what it denies ("don't have chest pain").
const FILLERS: &[&str] = &[
    "have",
    "had",
    "got",
    "any",
    "a",
    "feel",
    "feeling",
    "been",
    "really",
    "being",
    "am",
    "im",
    "get",
    "getting",
    "experiencing",
    "suffering",
    "is",
    "was",
    "currently",
];

/// What a message reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detection {
    /// Red flags reported, in policy order.
    pub red_flags: Vec<Finding>,
    /// An emergency that names none of the listed red flags (rule E2).
    pub other: bool,
}

impl Detection {
    pub fn is_emergency(&self) -> bool {
        self.other || !self.red_flags.is_empty()
    }
}

/// Lower case, apostrophes dropped ("can't" → "cant"), everything else that is not a letter
/// or digit becomes a space; then split into words.
pub fn words(text: &str) -> Vec<String> {
    let mut cleaned = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch == '\'' || ch == '’' || ch == '`' {
            continue;
        }
        if ch.is_alphanumeric() {
            cleaned.extend(ch.to_lowercase());
        } else {
            cleaned.push(' ');
        }
    }
    cleaned.split_whitespace().map(str::to_string).collect()
}

/// The words of a message joined by single spaces: how typed answers are compared.
pub fn normalize(text: &str) -> String {
    words(text).join(" ")
}

pub fn detect(text: &str, t: &Texts) -> Detection {
    let tokens = words(text);
    let mut out = Detection::default();
    if tokens.is_empty() {
        return out;
    }
    let general = is_general_question(&tokens, t);
    let negations = t.list("emergency.negations");
    let reports = |phrases: &[String]| {
        !general
            && phrases.iter().any(|p| {
                let p = words(p);
                matches_at(&tokens, &p)
                    .into_iter()
                    .any(|start| !negated(&tokens, start, negations))
            })
    };
    for f in Finding::ALL.iter().filter(|f| f.is_red_flag()) {
        if reports(t.list(&format!("emergency.{}", f.id()))) {
            out.red_flags.push(*f);
        }
    }
    if out.red_flags.is_empty() && reports(t.list("emergency.other")) {
        out.other = true;
    }
    out
}

/// Every start position where `phrase` matches in `tokens`, allowing small gaps.
fn matches_at(tokens: &[String], phrase: &[String]) -> Vec<usize> {
    let Some(first) = phrase.first() else {
        return Vec::new();
    };
    let mut starts = Vec::new();
    for (i, tok) in tokens.iter().enumerate() {
        if tok != first {
            continue;
        }
        let mut pos = i;
        let mut ok = true;
        for word in &phrase[1..] {
            let window = &tokens[pos + 1..tokens.len().min(pos + 2 + MAX_GAP)];
            match window.iter().position(|w| w == word) {
                Some(k) => pos = pos + 1 + k,
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            starts.push(i);
        }
    }
    starts
}

/// A negation right before the phrase, or two words before with a filler between.
fn negated(tokens: &[String], start: usize, negations: &[String]) -> bool {
    let is_neg = |i: usize| negations.iter().any(|n| *n == tokens[i]);
    if start >= 1 && is_neg(start - 1) {
        return true;
    }
    start >= 2 && is_neg(start - 2) && FILLERS.contains(&tokens[start - 1].as_str())
}

/// A question about the topic in general: starts like a question and names nobody.
fn is_general_question(tokens: &[String], t: &Texts) -> bool {
    let starts = t.list("emergency.question_starts");
    let personal = t.list("emergency.personal");
    starts.iter().any(|s| *s == tokens[0])
        && !tokens.iter().any(|w| personal.iter().any(|p| p == w))
}

/// The answer a typed message gives to a yes/no question, if it is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YesNo {
    Yes,
    No,
    Unsure,
}

pub fn yes_no(text: &str, t: &Texts) -> Option<YesNo> {
    let norm = normalize(text);
    let is = |key: &str| t.list(key).iter().any(|w| normalize(w) == norm);
    // "not sure" before "no": the lists are disjoint, but check the longer meaning first.
    if is("words.unsure") {
        Some(YesNo::Unsure)
    } else if is("words.yes") {
        Some(YesNo::Yes)
    } else if is("words.no") {
        Some(YesNo::No)
    } else {
        None
    }
}
