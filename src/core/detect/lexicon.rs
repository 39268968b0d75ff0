//! Words and phrases as compiled patterns, and the message as tokens that know which
//! pattern words they match.
//!
//! A pattern word is an *atom*: a whole word (`chest`), a stem (`faint*`: faint, fainted,
//! fainting), an ending (`*schmerzen`) or a part of a word (`*schmerz*`: Brustschmerzen, for
//! the compounds of German). A phrase is atoms in order; a group is alternatives separated by
//! `|`. Each token of a message is matched against the atoms once, through a hash map for whole
//! words and a short list for the others.

use super::super::spell::{Vocabulary, WordList};
use rustc_hash::FxHashMap;
use std::collections::HashMap;

pub type AtomId = u16;
/// Words in order, each an atom.
pub type Phrase = Vec<AtomId>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Affix {
    Prefix,
    Suffix,
    Infix,
}

/// The atoms of one language.
#[derive(Debug, Clone, Default)]
pub struct Atoms {
    exact: FxHashMap<String, AtomId>,
    affix: Vec<(Affix, String, AtomId)>,
    /// The stems and endings indexed by their first and last letter, so a token looks only at
    /// the few that could match it.
    prefix_by_first: FxHashMap<char, Vec<u32>>,
    suffix_by_last: FxHashMap<char, Vec<u32>>,
    infix: Vec<u32>,
    count: usize,
    /// Words that stand for a number, as "#" does ("vor *drei* Jahren", "hace *muchos* años").
    numbers: rustc_hash::FxHashSet<String>,
    /// Spoken endings and their written forms, tried on words of no language.
    endings: Vec<(String, String)>,
    /// Spoken words and their written forms.
    spoken: rustc_hash::FxHashMap<String, Vec<String>>,
    /// Sounds as a dialect writes them and their written forms ("ua>u": "bluad" is "blud").
    sounds: Vec<(String, String)>,
    /// Words that open compounds ("brust": "Bruststechen" is read as "Brust" and "stechen").
    compound_heads: Vec<String>,
}

/// A pattern word as written in the data: lower case, apostrophes dropped, `*` kept, umlauts
/// folded ([`fold`]).
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if ch == '\'' || ch == '’' || ch == '`' {
            continue;
        }
        if ch.is_alphanumeric() || ch == '*' || ch == '#' {
            out.extend(ch.to_lowercase());
        } else {
            out.push(' ');
        }
    }
    fold(&out).unwrap_or(out)
}

/// A lower-case word as it is typed without umlauts: "zugeschnürt" and "zugeschnuert",
/// "fuß" and "fuss" match the same patterns. `None` when there is nothing to fold. Accents
/// are not folded: Spanish tells "él" from "el", "sí" from "si", "sé" from "se" by them (the
/// data writes the accentless spellings people type beside the accented ones).
pub fn fold(word: &str) -> Option<String> {
    if word.is_ascii() || !word.chars().any(|c| FOLDS.iter().any(|(f, _)| *f == c)) {
        return None;
    }
    let mut out = String::with_capacity(word.len() + 2);
    for ch in word.chars() {
        match FOLDS.iter().find(|(f, _)| *f == ch) {
            Some((_, to)) => out.push_str(to),
            None => out.push(ch),
        }
    }
    Some(out)
}

const FOLDS: [(char, &str); 4] = [('ä', "ae"), ('ö', "oe"), ('ü', "ue"), ('ß', "ss")];

/// A word read with its dialect sounds written out ("ua>u", "ch>k"): each rule applied to
/// every place it occurs, then a second rule on each of those ("bluad" → "blud" → "blut";
/// "chalt" → "kalt"), in that order. Callers take as many as they try.
pub fn sound_readings<'a>(
    token: &str,
    sounds: &'a [(String, String)],
) -> impl Iterator<Item = String> + 'a {
    let first: Vec<String> = sounds
        .iter()
        .filter(|(said, _)| token.contains(said.as_str()))
        .map(|(said, written)| token.replace(said.as_str(), written))
        .collect();
    let second: Vec<String> = first.clone();
    first
        .into_iter()
        .chain(second.into_iter().flat_map(move |w| {
            sounds
                .iter()
                .filter(|(said, written)| w.contains(said.as_str()) && said != written)
                .map(|(said, written)| w.replace(said.as_str(), written))
                .collect::<Vec<_>>()
        }))
}

/// "said>written" entries of the data, each cleaned as pattern words are.
pub fn said_written(pairs: &[String]) -> impl Iterator<Item = (String, String)> + '_ {
    pairs.iter().filter_map(|p| {
        let (said, written) = p.split_once('>')?;
        Some((
            clean(said).trim().to_string(),
            clean(written).trim().to_string(),
        ))
    })
}

impl Atoms {
    fn intern(&mut self, word: &str) -> AtomId {
        let (affix, core) = match (word.starts_with('*'), word.ends_with('*') && word.len() > 1) {
            (true, true) => (Some(Affix::Infix), &word[1..word.len() - 1]),
            (true, false) => (Some(Affix::Suffix), &word[1..]),
            (false, true) => (Some(Affix::Prefix), &word[..word.len() - 1]),
            (false, false) => (None, word),
        };
        match affix {
            None => {
                if let Some(id) = self.exact.get(core) {
                    return *id;
                }
                let id = self.count as AtomId;
                self.count += 1;
                self.exact.insert(core.to_string(), id);
                id
            }
            Some(a) => {
                if let Some((_, _, id)) = self.affix.iter().find(|(k, w, _)| *k == a && w == core) {
                    return *id;
                }
                let id = self.count as AtomId;
                self.count += 1;
                let ix = self.affix.len() as u32;
                let bucket = match (a, core.chars().next(), core.chars().last()) {
                    (Affix::Prefix, Some(c), _) => self.prefix_by_first.entry(c).or_default(),
                    (Affix::Suffix, _, Some(c)) => self.suffix_by_last.entry(c).or_default(),
                    _ => &mut self.infix,
                };
                bucket.push(ix);
                self.affix.push((a, core.to_string(), id));
                id
            }
        }
    }

    /// A phrase ("can* breathe"), or `None` when it has no word.
    pub fn phrase(&mut self, s: &str) -> Option<Phrase> {
        let p: Phrase = clean(s)
            .split_whitespace()
            .filter(|w| w.trim_matches('*').chars().count() >= 1)
            .map(|w| self.intern(w))
            .collect();
        (!p.is_empty()).then_some(p)
    }

    /// Word endings as people say and type them, each with its written form ("ich>ig":
    /// "kurzatmich" is "kurzatmig"; "ao>ado": "mareao" is "mareado").
    pub fn add_endings(&mut self, pairs: &[String]) {
        self.endings.extend(said_written(pairs));
    }

    /// The atoms of a word that is not one of the language's, read with a spoken ending
    /// replaced by its written form.
    fn matches_spoken(&self, token: &str, out: &mut Vec<AtomId>) {
        for (said, written) in &self.endings {
            if let Some(stem) = token.strip_suffix(said.as_str())
                && stem.chars().count() >= 3
            {
                self.matches(&format!("{stem}{written}"), out);
                if !out.is_empty() {
                    return;
                }
            }
        }
    }

    /// Sounds as dialects write them, each with its written form ("ua>u", "ch>k", "j>g"):
    /// tried only on words of no language, one sound or two at a time.
    pub fn add_sounds(&mut self, pairs: &[String]) {
        self.sounds.extend(said_written(pairs));
    }

    /// The atoms of a word of no language read with its dialect sounds written out (see
    /// [`sound_readings`]): the first reading that matches a pattern word counts.
    fn matches_sounds(&self, token: &str, out: &mut Vec<AtomId>) {
        if token.chars().count() < 3 {
            return;
        }
        for w in sound_readings(token, &self.sounds).take(MAX_SOUND_TRIES) {
            self.matches(&w, out);
            if !out.is_empty() {
                return;
            }
        }
    }

    /// Words as people say and type them, each read as its written form as well, wherever it
    /// stands ("nich>nicht": "kann nich atmen" is "kann nicht atmen", a denial like any other).
    pub fn add_spoken_words(&mut self, pairs: &[String]) {
        // One spoken form may stand for several words ("isch": "ist" in Swiss German, "ich"
        // in the Rhineland): it is read as each.
        for (said, written) in said_written(pairs) {
            self.spoken.entry(said).or_default().push(written);
        }
    }

    /// Words that stand for a number wherever a pattern has "#".
    pub fn add_numbers(&mut self, words: &[String]) {
        for w in words {
            self.numbers.insert(clean(w).trim().to_string());
        }
    }

    /// Words that open compounds: a word that starts with one is read as its two parts too.
    pub fn add_compound_heads(&mut self, words: &[String]) {
        self.compound_heads
            .extend(words.iter().map(|w| clean(w).trim().to_string()));
    }

    /// Alternatives separated by `|`.
    pub fn group(&mut self, s: &str) -> Vec<Phrase> {
        s.split('|').filter_map(|p| self.phrase(p)).collect()
    }

    /// The atoms a token matches, added to `out`: its own, and those of its written form
    /// when it is a spoken word.
    fn matches(&self, token: &str, out: &mut Vec<AtomId>) {
        let folded = fold(token);
        let token = folded.as_deref().unwrap_or(token);
        if let Some(forms) = self.spoken.get(token) {
            let before = out.len();
            let mut more = Vec::new();
            for form in forms.iter().map(String::as_str).chain([token]) {
                more.clear();
                self.matches_written(form, &mut more);
                for a in &more {
                    if !out[before..].contains(a) {
                        out.push(*a);
                    }
                }
            }
            return;
        }
        self.matches_written(token, out);
    }

    /// The atoms of a word as written (folded), and those of its two parts when it is a
    /// compound opened by one of the language's heads: the pair "Brust + stechen" then holds
    /// in the one word "Bruststechen".
    fn matches_written(&self, token: &str, out: &mut Vec<AtomId>) {
        let folded = fold(token);
        let token = folded.as_deref().unwrap_or(token);
        self.matches_whole(token, out);
        // A word the lexicon names whole ("Luftnot", "Blutgerinnsel") is read as itself.
        if self.compound_heads.is_empty() || self.exact.contains_key(token) {
            return;
        }
        for head in &self.compound_heads {
            let Some(rest) = token.strip_prefix(head.as_str()) else {
                continue;
            };
            if rest.chars().count() < MIN_COMPOUND_PART {
                continue;
            }
            let before = out.len();
            let mut parts = Vec::new();
            if let Some(id) = self.exact.get(head.as_str()) {
                parts.push(*id);
            }
            self.matches_whole(rest, &mut parts);
            // The second part must be a word of the lexicon too.
            if parts.len() < 2 {
                continue;
            }
            for a in parts {
                if !out[..before].contains(&a) && !out[before..].contains(&a) {
                    out.push(a);
                }
            }
        }
    }

    /// The atoms of one folded word, whole.
    fn matches_whole(&self, token: &str, out: &mut Vec<AtomId>) {
        if let Some(id) = self.exact.get(token) {
            out.push(*id);
        }
        // "#" stands for any number ("5 years ago", "vor 5 Jahren"), in digits or words.
        if (token.bytes().all(|b| b.is_ascii_digit()) || self.numbers.contains(token))
            && let Some(id) = self.exact.get("#")
        {
            out.push(*id);
        }
        let first = token.chars().next().unwrap_or(' ');
        let last = token.chars().last().unwrap_or(' ');
        let candidates = self
            .prefix_by_first
            .get(&first)
            .into_iter()
            .flatten()
            .chain(self.suffix_by_last.get(&last).into_iter().flatten())
            .chain(&self.infix);
        for ix in candidates {
            let (a, w, id) = &self.affix[*ix as usize];
            let hit = match a {
                Affix::Prefix => token.starts_with(w.as_str()),
                Affix::Suffix => token.ends_with(w.as_str()),
                Affix::Infix => token.contains(w.as_str()),
            };
            if hit {
                out.push(*id);
            }
        }
    }

    /// The whole words of the patterns, for spelling repair (stems count by their stem).
    pub fn words(&self) -> impl Iterator<Item = String> + '_ {
        self.exact.keys().cloned().chain(
            self.affix
                .iter()
                .filter(|(a, w, _)| *a == Affix::Prefix && w.chars().count() >= 5)
                .map(|(_, w, _)| w.clone()),
        )
    }
}

/// A word of a message, where it stands, and the atoms it matches (of one language).
#[derive(Debug, Clone)]
pub struct Token {
    pub word: String,
    /// Sentences end at `.`, `!`, `?`, `;` and line breaks.
    pub sentence: u32,
    /// Segments end where sentences do and at `,`, `:`, brackets and dashes between spaces.
    pub segment: u32,
    /// The token ends a sentence that ends with a question mark.
    pub asks: bool,
    /// The token ends a part that a colon or a dash closes: a label before its value
    /// ("Brustschmerzen: nein", "breathless - no").
    pub labels: bool,
}

/// Splits a message into tokens (lower case, apostrophes dropped: "can't" → "cant").
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let (mut sentence, mut segment) = (0u32, 0u32);
    let mut word = String::new();
    let mut prev_space = true;
    // The last mark that was not a space, since the last word.
    let mut last_mark: Option<char> = None;
    let push = |word: &mut String, out: &mut Vec<Token>, sentence: u32, segment: u32| {
        if !word.is_empty() {
            out.push(Token {
                word: std::mem::take(word),
                sentence,
                segment,
                asks: false,
                labels: false,
            });
        }
    };
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == '\'' || ch == '’' || ch == '`' {
            continue;
        }
        if ch.is_alphanumeric() {
            word.extend(ch.to_lowercase());
            prev_space = false;
            last_mark = None;
            continue;
        }
        let after_number = !word.is_empty() && word.chars().all(|c| c.is_ascii_digit());
        let after_comma = word.is_empty() && last_mark == Some(',');
        push(&mut word, &mut out, sentence, segment);
        match ch {
            // An ordinal ("in den 2. Stock", "am 3. Tag"): a number, a dot, then a word in
            // lower case goes on with the sentence.
            '.' if after_number && {
                let mut look = chars.clone();
                look.next().is_some_and(char::is_whitespace)
                    && look.next().is_some_and(|c| {
                        c.is_lowercase() || (c.is_uppercase() && ordinal_after(&out))
                    })
            } => {}
            // "Si me duele el pecho, ¿aviso…?": after a comma, the question goes on the
            // sentence its condition opened.
            '¿' | '¡' if after_comma => segment += 1,
            '.' | '!' | '?' | ';' | '\n' | '¿' | '¡' => {
                if ch == '?'
                    && let Some(last) = out.last_mut().filter(|t| t.sentence == sentence)
                {
                    last.asks = true;
                }
                // "3.5" and "e.g." are not sentence ends worth a new clause: only count one
                // when followed by a space, a line end or the message end.
                let ends = ch != '.' || chars.peek().is_none_or(|c| c.is_whitespace());
                if ends {
                    sentence += 1;
                    segment += 1;
                }
            }
            ':' => {
                label(&mut out, segment);
                segment += 1
            }
            ',' | '(' | ')' | '…' => segment += 1,
            // Emoji and other pictographs end a thought in chat ("can't breathe 😰 help").
            c if !c.is_whitespace()
                && !c.is_ascii()
                && !c.is_alphanumeric()
                && is_pictograph(c) =>
            {
                sentence += 1;
                segment += 1;
            }
            '-' | '–' | '—' if prev_space && chars.peek().is_some_and(|c| c.is_whitespace()) => {
                label(&mut out, segment);
                segment += 1
            }
            _ => {}
        }
        prev_space = ch.is_whitespace();
        if !ch.is_whitespace() {
            last_mark = Some(ch);
        }
    }
    push(&mut word, &mut out, sentence, segment);
    out
}

/// Marks the last token of `segment`, if it ends the tokens so far, as a label.
fn label(out: &mut [Token], segment: u32) {
    if let Some(last) = out.last_mut().filter(|t| t.segment == segment) {
        last.labels = true;
    }
}

/// Emoji and symbols (not punctuation of any script).
/// Words after which a short number with a dot is an ordinal even before a capital ("in den
/// 5. Stock", "bin in der 34. SSW", "zum 3. Mal").
const ORDINAL_BEFORE: [&str; 14] = [
    "den", "dem", "der", "die", "das", "im", "am", "zum", "zur", "vom", "ins", "seit", "ab", "bis",
];

/// The number just read is short and follows a word that opens an ordinal.
fn ordinal_after(out: &[Token]) -> bool {
    let n = out.len();
    n >= 2
        && out[n - 1].word.len() <= 2
        && out[n - 2].sentence == out[n - 1].sentence
        && ORDINAL_BEFORE.contains(&out[n - 2].word.as_str())
}

fn is_pictograph(c: char) -> bool {
    let u = c as u32;
    (0x2190..=0x2BFF).contains(&u)
        || (0x1F000..=0x1FAFF).contains(&u)
        || (0x2600..=0x27BF).contains(&u)
}

/// The atoms each token of a message matches, flat: one allocation whatever the length.
#[derive(Debug, Clone, Default)]
pub struct TokenAtoms {
    /// Where each token's atoms start in `atoms`; one more entry than tokens.
    offsets: Vec<u32>,
    atoms: Vec<AtomId>,
}

impl std::ops::Index<usize> for TokenAtoms {
    type Output = [AtomId];
    fn index(&self, i: usize) -> &[AtomId] {
        &self.atoms[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }
}

impl TokenAtoms {
    /// No token matches any atom: the language has nothing to say about the message.
    pub fn is_empty(&self) -> bool {
        self.atoms.is_empty()
    }
}

/// The shortest second part of a compound read apart ("Brust|weh").
const MIN_COMPOUND_PART: usize = 3;

/// How many distinct non-words of one message are tried for repair: a message with more is
/// not prose, and the bound keeps its cost bounded.
pub const MAX_REPAIRS: usize = 200;
/// How many dialect readings of one word are tried ([`Atoms::matches_sounds`]).
pub const MAX_SOUND_TRIES: usize = 24;

/// For each token, the atoms of one language it matches, directly or as a repaired
/// misspelling. Tokens repeated in a message are matched once.
pub fn atoms_of(
    tokens: &[Token],
    atoms: &Atoms,
    vocabulary: &Vocabulary,
    is_word: &dyn Fn(&str) -> bool,
) -> TokenAtoms {
    // Keyed by the message's own words: the standard (keyed) hasher.
    let mut cache: HashMap<&str, (u32, u32)> = HashMap::new();
    let none = WordList::default();
    let mut out = TokenAtoms {
        offsets: Vec::with_capacity(tokens.len() + 1),
        atoms: Vec::new(),
    };
    out.offsets.push(0);
    let mut scratch = Vec::new();
    let mut repairs = 0;
    for t in tokens {
        match cache.get(t.word.as_str()) {
            Some((from, to)) => {
                for k in *from..*to {
                    let a = out.atoms[k as usize];
                    out.atoms.push(a);
                }
            }
            None => {
                scratch.clear();
                atoms.matches(&t.word, &mut scratch);
                // "bloß" is in the word list as wordfreq writes it, "bloss": a word either way.
                let unknown = scratch.is_empty()
                    && !is_word(&t.word)
                    && !fold(&t.word).is_some_and(|f| is_word(&f));
                if unknown {
                    atoms.matches_spoken(&t.word, &mut scratch);
                }
                if unknown && scratch.is_empty() && repairs < MAX_REPAIRS {
                    repairs += 1;
                    // A dialect's sounds first ("bluad"), then a misspelling.
                    atoms.matches_sounds(&t.word, &mut scratch);
                    // The lexicon's words are folded: so is the word repaired against them.
                    let folded = fold(&t.word);
                    let w = folded.as_deref().unwrap_or(&t.word);
                    if scratch.is_empty()
                        && let Some(w) = vocabulary.repair(w, &none).first()
                    {
                        atoms.matches(w, &mut scratch);
                    }
                }
                let from = out.atoms.len() as u32;
                out.atoms.extend_from_slice(&scratch);
                cache.insert(t.word.as_str(), (from, out.atoms.len() as u32));
            }
        }
        out.offsets.push(out.atoms.len() as u32);
    }
    out
}

/// Phrases indexed by their first atom, for matching all of them in one pass.
#[derive(Debug, Clone, Default)]
pub struct PhraseSet {
    /// (phrase, what it stands for, words allowed between its words)
    phrases: Vec<(Phrase, u32, u8)>,
    /// Atom id → the phrases that start with it, but those found through `by_pair`.
    by_first: Vec<Vec<u32>>,
    /// (first, second atom) → the phrases of two words or more whose words touch: a common
    /// first word ("i", "no") is then not followed by every phrase it opens.
    by_pair: rustc_hash::FxHashMap<(AtomId, AtomId), Vec<u32>>,
}

impl PhraseSet {
    /// A phrase whose words must touch.
    pub fn add(&mut self, p: Phrase, tag: u32) {
        self.add_with_gap(p, tag, 0);
    }

    /// A phrase that allows `gap` other words between its words.
    pub fn add_with_gap(&mut self, p: Phrase, tag: u32, gap: u8) {
        let ix = self.phrases.len() as u32;
        if gap == 0 && p.len() >= 2 {
            self.by_pair.entry((p[0], p[1])).or_default().push(ix);
        } else {
            let first = p[0] as usize;
            if self.by_first.len() <= first {
                self.by_first.resize(first + 1, Vec::new());
            }
            self.by_first[first].push(ix);
        }
        self.phrases.push((p, tag, gap));
    }

    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty()
    }

    /// Every match as (start, end inclusive, tag), within one segment.
    pub fn find(&self, tokens: &[Token], atoms: &TokenAtoms) -> Vec<(usize, usize, u32)> {
        self.find_unless(tokens, atoms, &|_| false)
    }

    /// As [`find`](Self::find), but a word skipped in a gap may not be `blocked` ("heart
    /// *isn't* racing" is no "heart racing").
    pub fn find_unless(
        &self,
        tokens: &[Token],
        atoms: &TokenAtoms,
        blocked: &dyn Fn(usize) -> bool,
    ) -> Vec<(usize, usize, u32)> {
        let mut out = Vec::new();
        if self.phrases.is_empty() {
            return out;
        }
        // The phrases that may start at a token, in the order they were added (as one list
        // per first word would give them).
        let mut candidates: Vec<u32> = Vec::new();
        for start in 0..tokens.len() {
            let next = start + 1;
            let touching = next < tokens.len() && tokens[next].segment == tokens[start].segment;
            for a in &atoms[start] {
                candidates.clear();
                if let Some(list) = self.by_first.get(*a as usize) {
                    candidates.extend(list);
                }
                if touching {
                    for b in &atoms[next] {
                        if let Some(list) = self.by_pair.get(&(*a, *b)) {
                            candidates.extend(list);
                        }
                    }
                    candidates.sort_unstable();
                    candidates.dedup();
                }
                for ix in &candidates {
                    let (p, tag, gap) = &self.phrases[*ix as usize];
                    if let Some(end) = extend(tokens, atoms, start, &p[1..], *gap as usize, blocked)
                    {
                        out.push((start, end, *tag));
                    }
                }
            }
        }
        out
    }
}

/// The end of `rest` matched after `pos`, each word within `gap` words of the previous.
fn extend(
    tokens: &[Token],
    atoms: &TokenAtoms,
    mut pos: usize,
    rest: &[AtomId],
    gap: usize,
    blocked: &dyn Fn(usize) -> bool,
) -> Option<usize> {
    let segment = tokens[pos].segment;
    for a in rest {
        let end = tokens.len().min(pos + 2 + gap);
        let next = (pos + 1..end)
            .take_while(|k| tokens[*k].segment == segment)
            .find(|k| atoms[*k].contains(a))?;
        if (pos + 1..next).any(blocked) {
            return None;
        }
        pos = next;
    }
    Some(pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_endings_and_parts_of_words_match() {
        let mut a = Atoms::default();
        let stem = a.phrase("faint*").unwrap()[0];
        let part = a.phrase("*schmerz*").unwrap()[0];
        let mut out = Vec::new();
        a.matches("fainted", &mut out);
        assert_eq!(out, vec![stem]);
        out.clear();
        a.matches("brustschmerzen", &mut out);
        assert_eq!(out, vec![part]);
    }

    #[test]
    fn a_compound_opened_by_a_head_matches_both_its_parts_unless_named_whole() {
        let mut a = Atoms::default();
        let chest = a.phrase("brust").unwrap()[0];
        let stab = a.phrase("stech*").unwrap()[0];
        let whole = a.phrase("luftnot").unwrap()[0];
        let air = a.phrase("luft").unwrap()[0];
        a.add_compound_heads(&["brust".into(), "luft".into()]);
        let mut out = Vec::new();
        a.matches("bruststechen", &mut out);
        assert_eq!(out, vec![chest, stab]);
        // A second part the lexicon does not know: no compound reading.
        out.clear();
        a.matches("brustkrebs", &mut out);
        assert!(out.is_empty(), "{out:?}");
        // A word the lexicon names whole is read as itself.
        out.clear();
        a.matches("luftnot", &mut out);
        assert_eq!(out, vec![whole]);
        assert!(!out.contains(&air));
    }

    #[test]
    fn an_ordinal_number_does_not_end_the_sentence() {
        let t = tokenize("heut schaff ich die treppe in den 2. stock nicht. Dann 3. Hilfe");
        let stock = t.iter().position(|t| t.word == "stock").unwrap();
        assert_eq!(t[0].sentence, t[stock].sentence);
        let dann = t.iter().position(|t| t.word == "dann").unwrap();
        assert_ne!(t[stock].sentence, t[dann].sentence);
        // "3. Hilfe": a capital after the dot, a new sentence.
        assert_ne!(t[dann].sentence, t.last().unwrap().sentence);
        // After an article or a preposition, a capital goes on: "in den 5. Stock".
        let t = tokenize("Nach den Treppen in den 5. Stock schnauf ich");
        assert_eq!(t[0].sentence, t.last().unwrap().sentence);
    }

    #[test]
    fn sentences_and_segments_are_counted() {
        let t = tokenize("No pain, but I can't breathe. Help!");
        let words: Vec<&str> = t.iter().map(|t| t.word.as_str()).collect();
        assert_eq!(words, ["no", "pain", "but", "i", "cant", "breathe", "help"]);
        assert_eq!(t[1].sentence, t[5].sentence);
        assert_ne!(t[1].segment, t[2].segment);
        assert_ne!(t[5].sentence, t[6].sentence);
        // After a comma, "¿" opens a part of the same sentence.
        let t = tokenize("Si me duele el pecho, ¿aviso? ¿Y luego?");
        assert_eq!(t[0].sentence, t[5].sentence);
        assert_ne!(t[4].segment, t[5].segment);
        assert_ne!(t[5].sentence, t[6].sentence);
    }
}
