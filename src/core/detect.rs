//! Emergency detection in free text, and the typed answers to a yes/no question.
//!
//! A message that *reports* a red flag happening now — to the writer or to someone with them,
//! in any words, even as a question — gets the emergency advice at once. The vocabulary is
//! data (`emergency.*` in the language files), compiled once into a [`Detector`]:
//! - `phrases`: words in order, with at most [`MAX_GAP`] other words between them
//!   ("my chest really hurts");
//! - `near`: two groups of words ("chest|upper back + pain|hurts|tight") found within
//!   [`NEAR`] words of each other, in either order;
//! - `unless`: words that make the finding unlikely ("always" cold feet) unless the message
//!   also says it was sudden.
//!
//! Misspellings are tolerated: a word that is not in the vocabulary also matches the
//! vocabulary words within a small edit distance that start with the same letter.
//! A match is dropped only when it is plainly denied ("no chest pain", "I'm not short of
//! breath"), when the message is a general question that names nobody ("what does chest pain
//! mean?"), or when it sits in a hypothetical ("what should I do if I start coughing blood").
//! When in doubt: emergency.

use super::findings::Finding;
use super::texts::Texts;
use std::collections::{HashMap, HashSet};

/// Words allowed between two words of a phrase.
pub const MAX_GAP: usize = 2;
/// How far apart the two groups of a `near` rule may be, in words.
pub const NEAR: usize = 5;

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

type Phrase = Vec<String>;

#[derive(Debug, Clone, Default)]
struct Rules {
    phrases: Vec<Phrase>,
    near: Vec<(Vec<Phrase>, Vec<Phrase>)>,
    unless: Vec<Phrase>,
}

/// The compiled emergency vocabulary of one language.
#[derive(Debug, Clone, Default)]
pub struct Detector {
    flags: Vec<(Finding, Rules)>,
    other: Rules,
    negations: HashSet<String>,
    question_starts: HashSet<String>,
    personal: HashSet<String>,
    hypothetical: Vec<Phrase>,
    sudden: Vec<Phrase>,
    /// Words that start a new clause ("but"): a negation does not reach past them.
    contrast: HashSet<String>,
    /// Words that end a negation's reach when they stand between it and a match, or just
    /// after it: "never been *so* breathless", "not *able* to breathe" report the sign.
    cancels: HashSet<String>,
    /// Words that, right after a match in its clause, say all is well ("breathing normally").
    all_clear: HashSet<String>,
    /// Names of the condition ("clot", "dvt"), signs ("symptom"), causes ("cause"): a message
    /// naming nobody that asks whether a condition causes a sign is a general question.
    topic_words: HashSet<String>,
    sign_words: HashSet<String>,
    causal_words: HashSet<String>,
    /// Every word of the vocabulary, by first letter, for misspellings.
    vocab: HashMap<char, Vec<String>>,
    known: HashSet<String>,
}

/// How many words before a match a negation reaches, within its clause.
const NEGATION_REACH: usize = 4;

/// A message as words, each with the vocabulary words it may be a misspelling of, and the
/// clause it belongs to (clauses end at punctuation and at contrast words such as "but").
struct Tokens {
    words: Vec<Vec<String>>,
    clause: Vec<usize>,
}

impl Tokens {
    fn is(&self, i: usize, word: &str) -> bool {
        self.words[i].iter().any(|w| w == word)
    }

    fn len(&self) -> usize {
        self.words.len()
    }

    /// Start and end (inclusive) of each match of `phrase`, allowing `gap` words between.
    fn find(&self, phrase: &[String], gap: usize) -> Vec<(usize, usize)> {
        let Some(first) = phrase.first() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for start in 0..self.len() {
            if !self.is(start, first) {
                continue;
            }
            let mut pos = start;
            let mut ok = true;
            for word in &phrase[1..] {
                let end = self.len().min(pos + 2 + gap);
                match (pos + 1..end).find(|k| self.is(*k, word)) {
                    Some(k) => pos = k,
                    None => {
                        ok = false;
                        break;
                    }
                }
            }
            if ok {
                out.push((start, pos));
            }
        }
        out
    }

    fn contains(&self, phrase: &[String]) -> bool {
        !self.find(phrase, 0).is_empty()
    }
}

fn parse_phrase(s: &str) -> Phrase {
    words(s)
}

fn parse_group(s: &str) -> Vec<Phrase> {
    s.split('|')
        .map(parse_phrase)
        .filter(|p| !p.is_empty())
        .collect()
}

impl Detector {
    /// Compiles the `emergency.*` lists of a language.
    pub fn new(t: &Texts) -> Detector {
        let rules = |prefix: &str| Rules {
            phrases: t
                .list(&format!("{prefix}.phrases"))
                .iter()
                .map(|p| parse_phrase(p))
                .collect(),
            near: t
                .list(&format!("{prefix}.near"))
                .iter()
                .filter_map(|n| {
                    let (a, b) = n.split_once('+')?;
                    Some((parse_group(a), parse_group(b)))
                })
                .collect(),
            unless: t
                .list(&format!("{prefix}.unless"))
                .iter()
                .map(|p| parse_phrase(p))
                .collect(),
        };
        let set =
            |key: &str| -> HashSet<String> { t.list(key).iter().flat_map(|w| words(w)).collect() };
        let phrases =
            |key: &str| -> Vec<Phrase> { t.list(key).iter().map(|p| parse_phrase(p)).collect() };
        let mut d = Detector {
            flags: Finding::ALL
                .iter()
                .filter(|f| f.is_red_flag())
                .map(|f| (*f, rules(&format!("emergency.{}", f.id()))))
                .collect(),
            other: rules("emergency.other"),
            negations: set("emergency.negations"),
            question_starts: set("emergency.question_starts"),
            personal: set("emergency.personal"),
            hypothetical: phrases("emergency.hypothetical"),
            sudden: phrases("emergency.sudden"),
            contrast: set("emergency.contrast"),
            cancels: set("emergency.cancels"),
            all_clear: set("emergency.all_clear"),
            topic_words: set("emergency.topic_words"),
            sign_words: set("emergency.sign_words"),
            causal_words: set("emergency.causal_words"),
            vocab: HashMap::new(),
            known: HashSet::new(),
        };
        let mut known: HashSet<String> = HashSet::new();
        for r in d
            .flags
            .iter()
            .map(|(_, r)| r)
            .chain(std::iter::once(&d.other))
        {
            for p in r.phrases.iter().chain(&r.unless) {
                known.extend(p.iter().cloned());
            }
            for (a, b) in &r.near {
                for p in a.iter().chain(b) {
                    known.extend(p.iter().cloned());
                }
            }
        }
        for p in d.hypothetical.iter().chain(&d.sudden) {
            known.extend(p.iter().cloned());
        }
        known.extend(d.negations.iter().cloned());
        known.extend(d.contrast.iter().cloned());
        known.extend(d.cancels.iter().cloned());
        known.extend(d.all_clear.iter().cloned());
        known.extend(d.personal.iter().cloned());
        for w in &known {
            if let Some(c) = w.chars().next() {
                d.vocab.entry(c).or_default().push(w.clone());
            }
        }
        for list in d.vocab.values_mut() {
            list.sort();
        }
        d.known = known;
        d
    }

    /// Each word of the message, with the vocabulary words it may be a misspelling of.
    fn tokens(&self, text: &str) -> Tokens {
        let mut out = Tokens {
            words: Vec::new(),
            clause: Vec::new(),
        };
        let mut clause = 0;
        for part in text.split(['.', ',', ';', '!', '?', '\n', ':', '(', ')']) {
            clause += 1;
            for w in words(part) {
                if self.contrast.contains(&w) {
                    clause += 1;
                }
                let mut alts = vec![w.clone()];
                if !self.known.contains(&w) {
                    alts.extend(self.misspelt(&w));
                }
                out.words.push(alts);
                out.clause.push(clause);
            }
        }
        out
    }

    /// Vocabulary words `w` may be a misspelling of: same first letter, one edit for words of
    /// 4 to 7 letters, two for longer ones.
    fn misspelt(&self, w: &str) -> Vec<String> {
        let len = w.chars().count();
        if len < 4 {
            return Vec::new();
        }
        let max = if len >= 8 { 2 } else { 1 };
        let Some(first) = w.chars().next() else {
            return Vec::new();
        };
        self.vocab
            .get(&first)
            .into_iter()
            .flatten()
            .filter(|v| v.chars().count().abs_diff(len) <= max)
            .filter(|v| strsim::damerau_levenshtein(w, v) <= max)
            .cloned()
            .collect()
    }

    pub fn detect(&self, text: &str) -> Detection {
        let tokens = self.tokens(text);
        let mut out = Detection::default();
        if tokens.len() == 0 || self.is_general_question(&tokens) {
            return out;
        }
        for (f, rules) in &self.flags {
            if self.reports(&tokens, rules) {
                out.red_flags.push(*f);
            }
        }
        if out.red_flags.is_empty() && self.reports(&tokens, &self.other) {
            out.other = true;
        }
        out
    }

    fn reports(&self, tokens: &Tokens, rules: &Rules) -> bool {
        if rules.unless.iter().any(|p| tokens.contains(p))
            && !self.sudden.iter().any(|p| tokens.contains(p))
        {
            return false;
        }
        let live = |(start, end): (usize, usize)| {
            !self.negated(tokens, start, end) && !self.hypothetical(tokens, start)
        };
        let by_phrase = rules
            .phrases
            .iter()
            .any(|p| tokens.find(p, MAX_GAP).into_iter().any(live));
        by_phrase
            || rules.near.iter().any(|(a, b)| {
                let spans = |group: &[Phrase]| -> Vec<(usize, usize)> {
                    group.iter().flat_map(|p| tokens.find(p, 1)).collect()
                };
                let (xs, ys) = (spans(a), spans(b));
                xs.iter().any(|x| {
                    ys.iter().any(|y| {
                        // Words between the two spans; 0 when they touch or overlap.
                        let apart = y.0.saturating_sub(x.1).max(x.0.saturating_sub(y.1));
                        apart <= NEAR && live(*x) && live(*y)
                    })
                })
            })
    }

    /// A negation shortly before the match, in the same clause, with nothing between that
    /// turns it around ("never *so* breathless").
    fn negated(&self, tokens: &Tokens, start: usize, end: usize) -> bool {
        let clear = (end + 1..tokens.len().min(end + 4))
            .take_while(|i| tokens.clause[*i] == tokens.clause[end])
            .any(|i| self.all_clear.contains(&tokens.words[i][0]));
        if clear {
            return true;
        }
        let neg = |i: usize| tokens.words[i].iter().any(|w| self.negations.contains(w));
        let cancel = |i: usize| tokens.words[i].iter().any(|w| self.cancels.contains(w));
        let Some(n) = (start.saturating_sub(NEGATION_REACH)..start)
            .rev()
            .take_while(|i| tokens.clause[*i] == tokens.clause[start])
            .find(|i| neg(*i))
        else {
            return false;
        };
        let after = tokens.len().min(end + 4);
        !(n + 1..after).any(|i| i != start && (i < start || i > end) && cancel(i))
    }

    /// The match sits after a hypothetical ("if I start…", "if someone…").
    fn hypothetical(&self, tokens: &Tokens, start: usize) -> bool {
        self.hypothetical
            .iter()
            .any(|h| tokens.find(h, 0).iter().any(|(_, end)| *end < start))
    }

    /// A question about the topic in general: it names nobody, and either starts like a
    /// question or asks whether the condition causes or signals something ("is breathlessness
    /// a symptom of a clot?", "kann eine Thrombose Herzrasen auslösen?").
    fn is_general_question(&self, tokens: &Tokens) -> bool {
        let has = |set: &HashSet<String>| tokens.words.iter().any(|alts| set.contains(&alts[0]));
        !has(&self.personal)
            && (self.question_starts.contains(&tokens.words[0][0])
                || (has(&self.topic_words) && (has(&self.sign_words) || has(&self.causal_words))))
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
