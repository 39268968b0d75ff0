//! Loading `<lang>/emergency.toml` (lexicons and context triggers) and `<lang>/words.txt`
//! (the word list that spelling repair never rewrites), each problem located.

use super::raw::RawEmergency;
use super::validate::Report;
use crate::core::detect::context::Cat;
use crate::core::detect::{LanguageSpec, Sign, SignSpec};
use crate::core::findings::Finding;
use crate::core::spell::WordList;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use toml::Spanned;

/// The shape every pattern must have: words of letters or digits, with `*` only at the start
/// or end of a word and at least three letters beside it.
fn check_pattern(r: &mut Report, p: &Spanned<String>, pair: bool) {
    let text = p.get_ref();
    let parts: Vec<&str> = if pair {
        match text.split_once('+') {
            Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() && !b.contains('+') => {
                vec![a, b]
            }
            _ => {
                r.at_span(p, format!("'{text}' must be two groups joined by one '+'"));
                return;
            }
        }
    } else {
        vec![text.as_str()]
    };
    for part in parts {
        for alt in part.split('|') {
            if alt.trim().is_empty() {
                r.at_span(p, format!("'{text}' has an empty alternative"));
            }
            for w in alt.split_whitespace() {
                let core = w.trim_matches('*');
                if core.contains('*') || (w.contains('*') && core.chars().count() < 3) {
                    r.at_span(
                        p,
                        format!("'{w}' in '{text}': '*' only at a word's start or end, beside at least three letters"),
                    );
                }
            }
        }
    }
}

/// A spoken ending and its written form: letters, `>`, letters ("ich>ig").
fn check_ending(r: &mut Report, p: &Spanned<String>) {
    let text = p.get_ref();
    let letters = |s: &str| !s.is_empty() && s.chars().all(char::is_alphabetic);
    match text.split_once('>') {
        Some((a, b)) if letters(a) && letters(b) => {}
        _ => r.at_span(
            p,
            format!("'{text}' must be a spoken ending, '>' and its written form, e.g. 'ich>ig'"),
        ),
    }
}

fn strings(list: &[Spanned<String>]) -> Vec<String> {
    list.iter().map(|s| s.get_ref().clone()).collect()
}

/// Validates one language's emergency file into a [`LanguageSpec`].
pub fn build(lang: &str, r: &mut Report) -> Option<LanguageSpec> {
    let raw = r.parse::<RawEmergency>()?;
    let before = r.problems.len();
    super::validate::check_format(r, &raw.format, 1);
    let mut context = Vec::new();
    for cat in Cat::ALL {
        match raw.context.iter().find(|(k, _)| k.get_ref() == cat.key()) {
            Some((_, list)) => {
                for p in list {
                    if cat == Cat::Ending || cat == Cat::SpokenWord || cat == Cat::Sound {
                        check_ending(r, p);
                    } else {
                        check_pattern(r, p, false);
                    }
                }
                context.push((cat, strings(list)));
            }
            None => r.at(0, format!("[context] has no '{}' list", cat.key())),
        }
    }
    for k in raw.context.keys() {
        if !Cat::ALL.iter().any(|c| c.key() == k.get_ref()) {
            r.at_span(k, format!("unknown context category '{}'", k.get_ref()));
        }
    }
    let mut signs = Vec::new();
    for (k, s) in &raw.sign {
        let sign = if k.get_ref() == "other" {
            Sign::Other
        } else {
            match Finding::ALL.iter().find(|f| f.id() == k.get_ref()) {
                Some(f) if f.is_red_flag() => Sign::Flag(*f),
                _ => {
                    r.at_span(
                        k,
                        format!("'{}' is not a red flag (or 'other')", k.get_ref()),
                    );
                    continue;
                }
            }
        };
        for p in s.phrases.iter().chain(&s.unless).chain(&s.idioms) {
            check_pattern(r, p, false);
        }
        for p in s
            .pairs
            .iter()
            .chain(&s.sudden_pairs)
            .chain(&s.thinner_pairs)
        {
            check_pattern(r, p, true);
        }
        let pairs = s.pairs.len() + s.sudden_pairs.len() + s.thinner_pairs.len();
        if pairs > crate::core::detect::MAX_PAIRS {
            r.at_span(
                k,
                format!(
                    "the sign '{}' has {pairs} pairs; at most {} are read (join alternatives into fewer pairs)",
                    k.get_ref(),
                    crate::core::detect::MAX_PAIRS
                ),
            );
        }
        if s.phrases.is_empty() && s.pairs.is_empty() {
            r.at_span(
                k,
                format!("the sign '{}' has no phrases and no pairs", k.get_ref()),
            );
        }
        signs.push((
            sign,
            SignSpec {
                phrases: strings(&s.phrases),
                pairs: strings(&s.pairs),
                sudden_pairs: strings(&s.sudden_pairs),
                thinner_pairs: strings(&s.thinner_pairs),
                unless: strings(&s.unless),
                idioms: strings(&s.idioms),
                exertion: s.exertion,
                event: s.event,
            },
        ));
    }
    for f in Finding::ALL.iter().filter(|f| f.is_red_flag()) {
        if !signs.iter().any(|(s, _)| *s == Sign::Flag(*f)) {
            r.at(
                0,
                format!("no [sign.{}]: every red flag needs a lexicon", f.id()),
            );
        }
    }
    (r.problems.len() == before).then(|| LanguageSpec {
        lang: lang.to_string(),
        signs,
        context,
    })
}

/// Validates a word list: one lower-case word per line. The same text is parsed once per
/// process (the shipped lists are 2 MB, and tests load the data many times).
pub fn words(r: &mut Report) -> Option<Arc<WordList>> {
    static SEEN: Mutex<Vec<(u64, usize, Arc<WordList>)>> = Mutex::new(Vec::new());
    let fingerprint = {
        let mut h = rustc_hash::FxHasher::default();
        r.text.hash(&mut h);
        h.finish()
    };
    if let Ok(seen) = SEEN.lock()
        && let Some((_, _, list)) = seen
            .iter()
            .find(|(f, len, _)| *f == fingerprint && *len == r.text.len())
    {
        return Some(list.clone());
    }
    let list = Arc::new(parse_words(r)?);
    if let Ok(mut seen) = SEEN.lock() {
        seen.truncate(5);
        seen.insert(0, (fingerprint, r.text.len(), list.clone()));
    }
    Some(list)
}

fn parse_words(r: &mut Report) -> Option<WordList> {
    let before = r.problems.len();
    let mut offset = 0;
    for line in r.text.split('\n') {
        let w = line.trim();
        // Most words are plain ASCII: checked byte by byte, the rest letter by letter.
        let ok = w.bytes().all(|b| b.is_ascii_lowercase())
            || w.starts_with('#')
            || w.chars().all(|c| c.is_alphanumeric() && !c.is_uppercase());
        if !ok {
            r.at(offset, format!("'{w}' is not one lower-case word"));
            if r.problems.len() - before >= 10 {
                break;
            }
        }
        offset += line.len() + 1;
    }
    let list = WordList::parse(r.text);
    if list.len() < 1000 {
        r.at(0, "a word list needs at least 1000 words");
    }
    (r.problems.len() == before).then_some(list)
}
