//! Emergency detection in free text, and the typed answers to a yes/no question.
//!
//! A message that *reports* a red flag happening now — to the writer or to someone with them,
//! in any words, even as a question — gets the emergency advice at once. Two steps:
//! 1. **Mentions** ([`lexicon`]): each red flag is a lexicon of lay expressions per language
//!    (`[sign.*]` of `dialogs/<lang>/emergency.toml`): phrases, and pairs of a body part and a
//!    symptom word within one clause ("the left side of my chest … *killing* me"), with stems
//!    for verb forms ("desmay*": desmayé, desmayarme) and parts of words for compounds
//!    ("*schmerz*"). A word that is not a word of any of the languages may be read as a
//!    lexicon word it is a misspelling of ([`super::spell`]); a real word never is.
//! 2. **Context** ([`context`]): whether each mention is negated, resolved, hypothetical,
//!    historical, someone else's past, or breathlessness during sport. When in doubt: current.
//!
//! The lexicons of every language run on every message, whatever the conversation's language
//! (a Spanish speaker whose Telegram is set to English); each mention is read with the context
//! triggers of its own language.

pub mod context;
pub mod lexicon;

use super::findings::Finding;
use super::spell::{Vocabulary, WordList};
use super::texts::Texts;
use context::{Cat, Nature, Reading, Triggers};
use lexicon::{Atoms, PhraseSet, Token};
use std::sync::Arc;

/// Words allowed between two words of a phrase ("my chest *really* hurts").
pub const MAX_GAP: usize = 2;
/// Words allowed between two words of a source of hearsay ("asked me last week whether").
pub const HEARSAY_GAP: u8 = 3;
/// How far apart the body part and the symptom of a pair may be, in words, within a clause.
pub const PAIR_REACH: usize = 10;
/// Messages are read up to this many characters (Telegram's limit is 4096).
pub const MAX_CHARS: usize = 8192;

/// What a message reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detection {
    /// Red flags reported, in policy order.
    pub red_flags: Vec<Finding>,
    /// An emergency that names none of the listed red flags (rule E2).
    pub other: bool,
    /// Every sentence uses a red flag's words figuratively ("the stock market collapsed", "the
    /// share price took my breath away"): the message is not about health, and no FAQ topic
    /// answers it.
    pub figurative: bool,
}

impl Detection {
    pub fn is_emergency(&self) -> bool {
        self.other || !self.red_flags.is_empty()
    }
}

/// A red flag, or rule E2's emergency that names none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    Flag(Finding),
    Other,
}

/// One sign's lexicon as written in the data.
#[derive(Debug, Clone, Default)]
pub struct SignSpec {
    /// Phrases that name the sign on their own.
    pub phrases: Vec<String>,
    /// "body|part + symptom|word": one of each within a clause, in either order.
    pub pairs: Vec<String>,
    /// Pairs that count only when the sentence says it came on suddenly.
    pub sudden_pairs: Vec<String>,
    /// Pairs that count only when the message says the person takes a blood thinner: the
    /// policy's bleeding warning ("a bang to the head", "vomiting coffee grounds") is an
    /// emergency for them.
    pub thinner_pairs: Vec<String>,
    /// Words that make the sign unlikely ("always" cold feet) unless the sentence says sudden.
    pub unless: Vec<String>,
    /// Words that give the sign's words another sense ("the *server* collapsed", "*dying to*
    /// know"): the sentence does not report the sign, however sudden it says it was. Kept
    /// narrow: a place where someone could faint ("tent", "market") belongs in `unless`.
    pub idioms: Vec<String>,
    /// Whether sport explains it (breathlessness, a racing heart).
    pub exertion: bool,
    /// Whether the sign is an event that is over once told (a faint): feeling fine again
    /// after one that happened just now does not make it past.
    pub event: bool,
}

/// One language's lexicons and context triggers, as written in the data.
#[derive(Debug, Clone, Default)]
pub struct LanguageSpec {
    pub lang: String,
    pub signs: Vec<(Sign, SignSpec)>,
    /// Per context category ([`Cat::key`]): its trigger phrases.
    pub context: Vec<(Cat, Vec<String>)>,
}

/// What a match of the lexicon stands for: a sign's phrase, its "unless" words, its idioms,
/// or one side of one of its pairs. Packed into the phrase set's tag as `sign * ROLES + role`.
const ROLES: u32 = 64;
/// The most pairs (plain, sudden and thinner together) one sign may hold: each takes two
/// roles after the first three. The data check reports a sign with more.
pub const MAX_PAIRS: usize = ((ROLES - PAIRS_FROM) / 2) as usize;
const PHRASE: u32 = 0;
const UNLESS: u32 = 1;
const IDIOM: u32 = 2;
/// Pair `p`'s body side is role `3 + 2p`, its symptom side `4 + 2p`.
const PAIRS_FROM: u32 = 3;

/// What a pair needs besides its two parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    Nothing,
    /// The sentence says it came on suddenly.
    Sudden,
    /// The message names a blood thinner.
    Thinner,
}

#[derive(Debug, Clone)]
struct SignRules {
    sign: Sign,
    /// What each pair needs besides its parts.
    pairs_need: Vec<Needs>,
    nature: Nature,
}

/// The compiled detector of one language: every sign's lexicon in one phrase set, matched in
/// one pass over the message.
#[derive(Debug, Clone)]
struct Language {
    atoms: Atoms,
    lexicon: PhraseSet,
    signs: Vec<SignRules>,
    triggers: Triggers,
    vocabulary: Vocabulary,
}

/// Emergency detection over every language at once.
#[derive(Debug, Clone, Default)]
pub struct Detector {
    /// Shared: the compiled lexicons are large, and a clone of the content shares them.
    languages: Arc<Vec<Language>>,
    /// Every language's word list: a token in any of them is a real word, never repaired.
    words: Vec<Arc<WordList>>,
}

impl Detector {
    /// Compiles each language's lexicons and triggers; `words` are the languages' word lists.
    pub fn new(specs: &[LanguageSpec], words: Vec<Arc<WordList>>) -> Detector {
        let languages = specs
            .iter()
            .map(|spec| {
                let mut atoms = Atoms::default();
                let mut triggers = Triggers::default();
                for (cat, list) in &spec.context {
                    if *cat == Cat::Number {
                        atoms.add_numbers(list);
                        continue;
                    }
                    if *cat == Cat::Ending {
                        atoms.add_endings(list);
                        continue;
                    }
                    if *cat == Cat::Sound {
                        atoms.add_sounds(list);
                        continue;
                    }
                    if *cat == Cat::CompoundHead {
                        atoms.add_compound_heads(list);
                        continue;
                    }
                    if *cat == Cat::SpokenWord {
                        atoms.add_spoken_words(list);
                        continue;
                    }
                    // A source of hearsay may hold a time: "asked me *last week* whether",
                    // "me preguntó *la semana pasada* si".
                    let gap = if *cat == Cat::Hearsay { HEARSAY_GAP } else { 0 };
                    for p in list {
                        if let Some(p) = atoms.phrase(p) {
                            triggers.set.add_with_gap(p, *cat as u32, gap);
                        }
                    }
                }
                let mut lexicon = PhraseSet::default();
                let mut signs = Vec::new();
                for (ix, (sign, spec)) in spec.signs.iter().enumerate() {
                    let tag = |role: u32| ix as u32 * ROLES + role;
                    for p in &spec.phrases {
                        // A phrase that opens with "not" keeps its words together: in "not
                        // having trouble breathing" the "not" denies what stands between, so
                        // it is no "not breathing".
                        let gap = if opens_with_denial(p) {
                            0
                        } else {
                            MAX_GAP as u8
                        };
                        if let Some(p) = atoms.phrase(p) {
                            lexicon.add_with_gap(p, tag(PHRASE), gap);
                        }
                    }
                    for (list, role) in [(&spec.unless, UNLESS), (&spec.idioms, IDIOM)] {
                        for p in list {
                            if let Some(p) = atoms.phrase(p) {
                                lexicon.add(p, tag(role));
                            }
                        }
                    }
                    let mut pairs_need = Vec::new();
                    let all = (spec.pairs.iter().map(|p| (p, Needs::Nothing)))
                        .chain(spec.sudden_pairs.iter().map(|p| (p, Needs::Sudden)))
                        .chain(spec.thinner_pairs.iter().map(|p| (p, Needs::Thinner)));
                    for (text, needs) in all {
                        let Some((a, b)) = text.split_once('+') else {
                            continue;
                        };
                        // More than MAX_PAIRS is refused by the data check.
                        let role = PAIRS_FROM + 2 * pairs_need.len() as u32;
                        if role + 1 >= ROLES {
                            break;
                        }
                        for p in atoms.group(a) {
                            lexicon.add_with_gap(p, tag(role), 1);
                        }
                        for p in atoms.group(b) {
                            lexicon.add_with_gap(p, tag(role + 1), 1);
                        }
                        pairs_need.push(needs);
                    }
                    signs.push(SignRules {
                        sign: *sign,
                        pairs_need,
                        nature: Nature {
                            exertion: spec.exertion,
                            event: spec.event,
                        },
                    });
                }
                let vocabulary = Vocabulary::new(atoms.words());
                Language {
                    atoms,
                    lexicon,
                    signs,
                    triggers,
                    vocabulary,
                }
            })
            .collect();
        Detector {
            languages: Arc::new(languages),
            words,
        }
    }

    fn is_word(&self, w: &str) -> bool {
        self.words.iter().any(|l| l.contains(w))
    }

    /// The language most of the message's words belong to, when one clearly leads.
    fn dominant(&self, tokens: &[Token]) -> Option<usize> {
        // Each word counts by how common it is in each language: "what" is in the Spanish
        // list too (the web quotes English), but far down.
        let scores: Vec<f32> = self
            .words
            .iter()
            .map(|l| tokens.iter().map(|t| l.weight(&t.word)).sum())
            .collect();
        let (best, top) = scores
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))?;
        let runner_up = scores
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != best)
            .map(|(_, s)| *s)
            .fold(0.0f32, f32::max);
        (*top > 0.0 && *top > runner_up * 1.2).then_some(best)
    }

    pub fn detect(&self, text: &str) -> Detection {
        let mut out = Detection::default();
        let mut other = false;
        let (signs, figurative) = self.run(text, None);
        out.figurative = figurative;
        for sign in signs {
            match sign {
                Sign::Flag(f) if !out.red_flags.contains(&f) => out.red_flags.push(f),
                Sign::Flag(_) => {}
                Sign::Other => other = true,
            }
        }
        out.red_flags
            .sort_by_key(|f| Finding::ALL.iter().position(|x| x == f));
        out.other = other && out.red_flags.is_empty();
        out
    }

    /// Every mention found and whether its context kept it: for tests and for people editing
    /// the lexicons. Never logged: it holds the message's words.
    pub fn explain(&self, text: &str) -> Vec<String> {
        let mut trace = Vec::new();
        self.run(text, Some(&mut trace));
        trace
    }

    /// The signs the message reports, and whether every sentence is figurative. Each mention
    /// is read in the context of its lexicon's language and of the message's dominant
    /// language: both must keep it.
    fn run(&self, text: &str, mut trace: Option<&mut Vec<String>>) -> (Vec<Sign>, bool) {
        let text = match text.char_indices().nth(MAX_CHARS) {
            Some((cut, _)) => &text[..cut],
            None => text,
        };
        let tokens = lexicon::tokenize(text);
        let mut found = Vec::new();
        if tokens.is_empty() {
            return (found, false);
        }
        let per: Vec<(lexicon::TokenAtoms, Reading)> = self
            .languages
            .iter()
            .map(|lang| {
                let atoms =
                    lexicon::atoms_of(&tokens, &lang.atoms, &lang.vocabulary, &|w| self.is_word(w));
                let reading = Reading::new(&tokens, &atoms, &lang.triggers);
                (atoms, reading)
            })
            .collect();
        let dominant = self.dominant(&tokens);
        let asks = text.trim_end().ends_with('?');
        if let Some(t) = trace.as_deref_mut() {
            t.push(format!("dominant language: {dominant:?}"));
            for (lang, (_, reading)) in self.languages.iter().zip(&per) {
                if !lang.signs.is_empty() {
                    t.push(reading.describe(&tokens));
                }
            }
        }
        if dominant.is_some_and(|d| per[d].1.is_general_question(asks)) {
            if let Some(t) = trace.as_deref_mut() {
                t.push("a general question".into());
            }
            return (found, false);
        }
        let sentences = tokens.last().map_or(0, |t| t.sentence as usize + 1);
        let mut figurative = vec![false; sentences];
        // Each language's matches per sign, found first: an idiom one language knows sets the
        // sign aside in its clause for every language ("that match gave me palpitations, what
        // a finish" is English; the Spanish lexicon's "palpita*" knows no football).
        let readings_of = |i: usize| {
            let mut readings = vec![&per[i].1];
            if let Some(d) = dominant.filter(|d| *d != i) {
                readings.push(&per[d].1);
            }
            readings
        };
        let mut idioms: Vec<(Sign, usize)> = Vec::new();
        let mut all: Vec<Option<Vec<Vec<Match>>>> = Vec::new();
        for (i, lang) in self.languages.iter().enumerate() {
            let (atoms, reading) = &per[i];
            if atoms.is_empty() || reading.is_general_question(asks) {
                all.push(None);
                continue;
            }
            let readings = readings_of(i);
            let negation = |k: usize| readings.iter().any(|r| r.is_negation(k));
            let mut by_sign: Vec<Vec<Match>> = vec![Vec::new(); lang.signs.len()];
            for (s, e, tag) in lang.lexicon.find_unless(&tokens, atoms, &negation) {
                // A sign's words told of a team's game say nothing of health either.
                if tag % ROLES == IDIOM || readings.iter().any(|r| r.teams_game(s)) {
                    figurative[tokens[s].sentence as usize] = true;
                }
                if tag % ROLES == IDIOM {
                    idioms.push((lang.signs[(tag / ROLES) as usize].sign, s));
                }
                by_sign[(tag / ROLES) as usize].push((tag % ROLES, s, e));
            }
            all.push(Some(by_sign));
        }
        for (i, lang) in self.languages.iter().enumerate() {
            let Some(by_sign) = &all[i] else { continue };
            let readings = readings_of(i);
            for (rules, matches) in lang.signs.iter().zip(by_sign) {
                let known: Vec<usize> = idioms
                    .iter()
                    .filter(|(sign, _)| *sign == rules.sign)
                    .map(|(_, s)| *s)
                    .collect();
                if !matches.is_empty()
                    && reports(
                        &tokens,
                        matches,
                        &known,
                        &readings,
                        rules,
                        trace.as_deref_mut(),
                    )
                {
                    found.push(rules.sign);
                }
            }
        }
        // Sentences with no word ("¿…?" opens with an empty one) do not count.
        let all_figurative =
            found.is_empty() && tokens.iter().all(|t| figurative[t.sentence as usize]);
        (found, all_figurative)
    }
}

/// A lexicon match of one sign: (role, start, end inclusive).
type Match = (u32, usize, usize);

/// Whether a lexicon phrase opens with "not" ("not breathing"): English puts it right before
/// what it denies, where German and Spanish let words stand between ("keine *richtige*
/// Luft", "no puedo *casi* respirar").
fn opens_with_denial(phrase: &str) -> bool {
    words(phrase).first().is_some_and(|w| w == "not")
}

/// Words that say a symptom as a denial when they open or sit inside it ("can't feel…", "no
/// siento…"), whatever the reading makes of them.
const NEGATIVE_WORDS: [&str; 7] = ["cant", "cannot", "couldnt", "no", "kein", "keine", "nicht"];

/// Whether the message reports this sign now: a mention whose context keeps it. `matches`
/// are the sign's lexicon matches as (role, start, end); `idioms` where an idiom of this sign
/// starts, found by any language's lexicon.
fn reports(
    tokens: &[Token],
    matches: &[Match],
    idioms: &[usize],
    readings: &[&Reading],
    rules: &SignRules,
    mut trace: Option<&mut Vec<String>>,
) -> bool {
    let r = readings[0];
    // Sentences set aside: those that call the sign long-standing ("always cold feet")
    // without saying sudden, and those where its words mean something else ("the server
    // collapsed").
    // An idiom sets aside only its clause: "Atemberaubende Aussicht hier oben, *aber* ich
    // schnauf immer noch wie verrückt" reports the second.
    let aside: Vec<u32> = matches
        .iter()
        .filter(|(role, s, _)| *role == UNLESS && !r.sentence_has(*s, Cat::Sudden))
        .map(|(_, s, _)| tokens[*s].sentence)
        .collect();
    let live = |start: usize, end: usize| {
        !aside.contains(&tokens[start].sentence)
            && !idioms.iter().any(|i| r.same_clause(*i, start))
            && readings
                .iter()
                .all(|r| r.is_current(start, end, rules.nature))
    };
    // What set a dropped mention aside, for the trace only.
    let why = |start: usize, end: usize| -> &'static str {
        if aside.contains(&tokens[start].sentence) {
            return "long-standing";
        }
        if idioms.iter().any(|i| r.same_clause(*i, start)) {
            return "idiom";
        }
        readings
            .iter()
            .find_map(|r| {
                if r.negated(start) {
                    Some("negated")
                } else {
                    r.aside_because(start, end, rules.nature)
                }
            })
            .unwrap_or("a denial in the pair")
    };
    let mut note = |what: &str, s: usize, e: usize, kept: bool| {
        if let Some(t) = trace.as_deref_mut() {
            let words: Vec<&str> = tokens[s..=e].iter().map(|t| t.word.as_str()).collect();
            let verdict = if kept {
                "kept".to_string()
            } else {
                format!("dropped ({})", why(s, e))
            };
            t.push(format!(
                "{:?} {what} '{}': {verdict}",
                rules.sign,
                words.join(" ")
            ));
        }
    };
    let negation = |k: usize| readings.iter().any(|r| r.is_negation(k));
    // A part said as a denial: a negation in it, or "can't" ("can't feel my legs").
    let negative = |part: &(usize, usize)| {
        (part.0..=part.1).any(|k| negation(k) || NEGATIVE_WORDS.contains(&tokens[k].word.as_str()))
    };
    for (_, s, e) in matches.iter().filter(|(role, _, _)| *role == PHRASE) {
        let kept = live(*s, *e);
        note("phrase", *s, *e, kept);
        if kept {
            return true;
        }
    }
    for (p, needs) in rules.pairs_need.iter().enumerate() {
        let body = PAIRS_FROM + 2 * p as u32;
        let side = |role: u32| -> Vec<(usize, usize)> {
            matches
                .iter()
                .filter(|(r, _, _)| *r == role)
                .map(|(_, s, e)| (*s, *e))
                .collect()
        };
        let (xs, ys) = (side(body), side(body + 1));
        if xs.is_empty() || ys.is_empty() {
            continue;
        }
        // For each body part, the symptom words within reach: a sliding look over the sorted
        // positions keeps this linear in practice.
        for x in &xs {
            for y in ys
                .iter()
                .skip_while(|y| y.1 + PAIR_REACH < x.0)
                .take_while(|y| y.0 <= x.1 + PAIR_REACH)
            {
                let (start, end) = (x.0.min(y.0), x.1.max(y.1));
                if !r.same_clause(x.0, y.0) || !r.joined(start, end) {
                    continue;
                }
                let met = match needs {
                    Needs::Nothing => true,
                    Needs::Sudden => r.sentence_has(x.0, Cat::Sudden),
                    Needs::Thinner => readings.iter().any(|r| r.has(Cat::Thinner)),
                };
                if !met {
                    continue;
                }
                // A denial before either part, or between them, denies the pair ("chest is
                // fine, no pain", "Blut huste ich keins ab, nur Schleim").
                let (first, second) = if x.0 <= y.0 { (x, y) } else { (y, x) };
                // A first part said as a denial ("no siento…", "can't feel…") goes on as a
                // list: "ni", "nor" after it add to the symptom ("no siento los muslos *ni* la
                // zona íntima").
                let said_negatively = negative(first);
                // A denial that is part of another of the pair's words is how that word is
                // said: "se me durmió la pierna, *no tengo fuerza* y está palidísima".
                let inside_word = |k: usize, but: (usize, usize)| {
                    matches.iter().any(|(role, s, e)| {
                        *role != UNLESS && *role != IDIOM && *s <= k && k <= *e && (*s, *e) != but
                    })
                };
                // A negation between the parts that is not a denial: part of another word,
                // a list after a part said as a denial, or "can't … without" ("schaff es
                // nicht mehr … ohne Pause").
                let not_denial = |k: usize| {
                    inside_word(k, (usize::MAX, 0))
                        || (said_negatively && readings.iter().any(|r| r.is_list(k)))
                        || readings.iter().any(|r| r.unable_without(k, second.1))
                };
                let between = (first.1 + 1..second.0).any(|k| negation(k) && !not_denial(k));
                // The first part closed by a denial in its own segment ("el pecho bien, …
                // me duele la pantorrilla"; "chest fine, calf hurts").
                let closed = !r.same_segment(first.1, second.0)
                    && readings.iter().any(|r| r.fine_after(first.1));
                // A negation inside the other part belongs to it ("no puede aguantar la
                // pipí": "no" is how the symptom is said, not a denial of the body part).
                // Unless that negation also denies another word of the pair ("no noto
                // adormecimiento en la zona íntima": "no noto" denies the numbness).
                let denies = |part: &(usize, usize), other: &(usize, usize)| {
                    readings.iter().any(|r| {
                        r.negated_by(part.0).is_some_and(|t| {
                            // "schaff es nicht … ohne Pause": can't … without affirms.
                            if r.unable_without(t, part.1) {
                                return false;
                            }
                            // "ni" after a part said as a denial lists, not denies.
                            let listed = other.1 < part.0 && negative(other) && r.is_list(t);
                            let belongs = (other.0..=other.1).contains(&t) || inside_word(t, *part);
                            // Only a word of the other part's side says the symptom
                            // again: "kein Gefühl mehr am Po und zwischen den Beinen" names
                            // a second place, not a second denied feeling.
                            let again = if xs.contains(other) { &xs } else { &ys };
                            !listed
                                && (!belongs
                                    || again.iter().any(|w| {
                                        w != part
                                            && w != other
                                            && w.0 > other.1
                                            // "kein Gefühl mehr im Intimbereich, *wie
                                            // eingeschlafen*": a word after a comma says
                                            // the symptom again.
                                            && r.same_segment(t, w.0)
                                            && r.negated_by(w.0) == Some(t)
                                    }))
                        })
                    })
                };
                let kept =
                    !between && !closed && !denies(x, y) && !denies(y, x) && live(start, end);
                note("pair", start, end, kept);
                if kept {
                    return true;
                }
            }
        }
    }
    false
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
