//! Spelling tolerance that never rewrites a real word.
//!
//! A token is repaired only when it is not a word of the language: not in the language's word
//! list (`dialogs/<lang>/words.txt`, a frequency list shipped as data) and not a word of the
//! vocabulary it is repaired towards. Then it may be read as a vocabulary word within an edit
//! distance scaled to its length (Damerau–Levenshtein: one edit from 4 letters, two from 10)
//! that starts with the same letter. "heard" stays "heard" (a word), "brethless" becomes
//! "breathless".
//!
//! Candidates are found through a deletion index, as SymSpell does: every vocabulary word is
//! stored under each string made by deleting up to two of its letters, and a token looks up
//! its own deletions. The cost per token is a few dozen hash look-ups, whatever the size of the
//! vocabulary, which keeps a long crafted message cheap.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// The words of one language, as typed (lower case, apostrophes dropped), most frequent
/// first: the rank tells which language a message is in. Kept as 64-bit hashes of the words
/// (no allocation per word: 80,000 words load in a few milliseconds; a collision among them
/// is about one chance in 10^9).
#[derive(Debug, Clone, Default)]
pub struct WordList {
    words: HashMap<u64, u32>,
}

/// A fixed 64-bit hash of a word (the same on every run).
fn key(w: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    w.hash(&mut h);
    h.finish()
}

impl WordList {
    /// One word per line, most frequent first; blank lines and lines starting with `#` are
    /// skipped.
    pub fn parse(text: &str) -> WordList {
        let mut words = HashMap::default();
        for w in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let rank = words.len() as u32;
            words.entry(key(w)).or_insert(rank);
        }
        WordList { words }
    }

    pub fn contains(&self, w: &str) -> bool {
        self.words.contains_key(&key(w))
    }

    /// How typical of the language a word is: 1 for its commonest words, falling with rank,
    /// 0 for a word it does not have.
    pub fn weight(&self, w: &str) -> f32 {
        self.words
            .get(&key(w))
            .map(|r| 1.0 / (1.0 + *r as f32 / 2000.0))
            .unwrap_or(0.0)
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// How many edits a token of `len` letters may be away from the word it is read as.
pub fn max_edits(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=9 => 1,
        _ => 2,
    }
}

/// A vocabulary that tokens are repaired towards, with its deletion index.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    words: Vec<String>,
    known: HashSet<String>,
    /// A word with up to two letters deleted → the words it came from.
    deletions: HashMap<String, Vec<u32>>,
}

impl Vocabulary {
    pub fn new<I: IntoIterator<Item = String>>(words: I) -> Vocabulary {
        let mut v = Vocabulary::default();
        for w in words {
            if w.chars().count() < 4 || !v.known.insert(w.clone()) {
                continue;
            }
            let ix = v.words.len() as u32;
            // A word is never more edits away than its own length allows.
            for d in deletions(&w, max_edits(w.chars().count()).max(1)) {
                v.deletions.entry(d).or_default().push(ix);
            }
            v.words.push(w);
        }
        for list in v.deletions.values_mut() {
            list.dedup();
        }
        v
    }

    pub fn contains(&self, w: &str) -> bool {
        self.known.contains(w)
    }

    /// The vocabulary words `token` may be a misspelling of, closest first; none when the
    /// token is itself a word of the language or of the vocabulary.
    pub fn repair(&self, token: &str, language: &WordList) -> Vec<&str> {
        let len = token.chars().count();
        let max = max_edits(len);
        if max == 0
            || len > 30
            || self.known.contains(token)
            || language.contains(token)
            || token.chars().any(|c| c.is_ascii_digit())
        {
            return Vec::new();
        }
        let first = token.chars().next();
        let mut seen: HashSet<u32> = HashSet::default();
        let mut found: Vec<(usize, &str)> = Vec::new();
        for d in deletions(token, max) {
            for ix in self.deletions.get(&d).into_iter().flatten() {
                if !seen.insert(*ix) {
                    continue;
                }
                let w = &self.words[*ix as usize];
                if w.chars().next() != first || w.chars().count().abs_diff(len) > max {
                    continue;
                }
                let dist = strsim::damerau_levenshtein(token, w);
                // A long vocabulary word must be within its own allowance too.
                if dist <= max.min(max_edits(w.chars().count()).max(1)) {
                    found.push((dist, w));
                }
            }
        }
        found.sort();
        found.into_iter().map(|(_, w)| w).collect()
    }
}

/// `w` and every string made from it by deleting up to `max` characters (with repeats, which
/// the callers tolerate: cheaper than removing them).
fn deletions(w: &str, max: usize) -> Vec<String> {
    let mut out = vec![w.to_string()];
    let mut from = 0;
    for _ in 0..max {
        let to = out.len();
        for i in from..to {
            let chars: Vec<char> = out[i].chars().collect();
            if chars.len() <= 1 {
                continue;
            }
            for k in 0..chars.len() {
                out.push(chars[..k].iter().chain(&chars[k + 1..]).collect());
            }
        }
        from = to;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        Vocabulary::new(["breathless", "chest", "fainted", "coughing"].map(String::from))
    }

    #[test]
    fn a_real_word_is_never_rewritten() {
        let language = WordList::parse("heard\nchess\nfaint\n");
        let v = vocab();
        assert!(v.repair("chess", &language).is_empty());
        assert!(v.repair("heard", &language).is_empty());
    }

    #[test]
    fn a_non_word_is_read_as_the_closest_vocabulary_word() {
        let language = WordList::parse("heard\n");
        let v = vocab();
        assert_eq!(v.repair("brethless", &language), vec!["breathless"]);
        assert_eq!(v.repair("chset", &language), vec!["chest"]);
        assert_eq!(v.repair("fianted", &language), vec!["fainted"]);
    }

    #[test]
    fn short_tokens_and_other_first_letters_are_left_alone() {
        let language = WordList::default();
        let v = vocab();
        assert!(v.repair("chs", &language).is_empty());
        assert!(v.repair("xhest", &language).is_empty());
        // Two edits are too many for a five-letter word.
        assert!(v.repair("cjezt", &language).is_empty());
    }
}
