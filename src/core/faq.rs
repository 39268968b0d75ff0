//! Answers to questions typed in the user's own words: BM25 retrieval (the `bm25` crate's
//! words, stemming and stop words, scored over prebuilt postings in [`super::bm25_index`])
//! over each topic's title and example questions, after two
//! steps of our own that BM25 lacks:
//! - misspellings: a word the topics never use is read as the closest word they do use (same
//!   first letter, one edit for short words, two for long ones);
//! - lay vocabulary: a synonym table in data maps "dvt", "thrombosis", "anticoagulant",
//!   "short of breath"… to one word each, so "thrombosis" finds a topic written with "clot".
//!
//! Question words that BM25 would drop as stop words but that tell topics apart ("how" a clot
//! causes cramps vs "can" it) are kept as tokens of their own.

use super::bm25_index::Bm25Index;
use super::detect::{Detection, words};
use super::ngrams::NgramIndex;
use super::spell::{Vocabulary, WordList};
use super::topic_model::TopicModel;
use bm25::Language;
use std::collections::{HashMap, HashSet};

/// The topic ids every FAQ must have (faq-topics.md); they are a public interface.
pub const REQUIRED_TOPICS: &[&str] = &[
    "can_clots_cause_cramps",
    "how_clots_cause_cramps",
    "clot_cramp_symptoms",
    "clot_vs_ordinary_cramps",
    "why_act_quickly",
    "what_is_dvt",
    "pulmonary_embolism",
    "complications",
    "risk_factors",
    "diagnosis",
    "treatments",
    "symptom_relief",
    "other_causes",
    "prevention",
];

/// How one language's messages are read for matching (the `[matching]` table of its
/// `faq.toml`).
#[derive(Debug, Clone, Default)]
pub struct Matching {
    pub stemmer: Option<Language>,
    /// Words that deny what follows them ("no chest pain", "without swelling").
    pub denials: Vec<String>,
    /// Words that make a whole clause a denial ("breathing is fine").
    pub all_clear: Vec<String>,
    /// Words that, first in a clause, make it a denial ("no tengo dolor", "not dizzy").
    pub clause_denials: Vec<String>,
    /// Question words kept as words of their own ("how", "why").
    pub intent: Vec<Vec<String>>,
    /// How a question asking for a definition starts ("what is").
    pub define: Vec<Vec<String>>,
    /// Words that turn to a new subject ("anyway", "by the way"): the question after them
    /// counts twice.
    pub topic_switch: Vec<Vec<String>>,
    /// Small words that may stand between a definition's question words and its term ("what
    /// is *a* DVT", "was ist *eigentlich eine* Thrombose").
    pub articles: Vec<String>,
    /// How a question asks what something feels like or how it shows ("signs of", "woran
    /// erkennt man", "cómo se nota"), as words of phrases.
    pub signs: Vec<Vec<String>>,
    /// How a question asks how one thing brings about another ("how does", "was passiert",
    /// "cómo es que"), as words of phrases.
    pub mechanism: Vec<Vec<String>>,
    /// Words that make a question a comparison, as words of phrases ("does it feel
    /// *different*…", "the *same* as"): it asks neither how a thing shows nor how it comes
    /// about.
    pub compare: Vec<Vec<String>>,
    /// Words that set two things side by side without comparing them ("clot *or* cramp",
    /// "feel *like a* cramp", "*apart from* clots"): a question with them asks neither how a
    /// thing shows nor how it comes about, and is no comparison either.
    pub either: Vec<Vec<String>>,
}

impl Matching {
    /// The stemmer named in the data ("english", "german", "spanish").
    pub fn stemmer_named(name: &str) -> Option<Language> {
        Some(match name {
            "english" => Language::English,
            "german" => Language::German,
            "spanish" => Language::Spanish,
            "french" => Language::French,
            "italian" => Language::Italian,
            "portuguese" => Language::Portuguese,
            "dutch" => Language::Dutch,
            _ => return None,
        })
    }
}

/// One topic, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub id: String,
    /// A short question, for buttons.
    pub title: String,
    pub answer: String,
    /// Words of which a question must name one for this topic to answer it ("blood
    /// thinner" for what to watch on one); empty: none needed.
    pub requires: Vec<String>,
    /// Terms this topic explains: "what is a pulmonary embolism?" is answered by it directly.
    pub defines: Vec<String>,
    /// Terms whose signs this topic tells: "what does a clot in the lung feel like?" is
    /// answered by it directly.
    pub signs_of: Vec<String>,
    /// Terms this topic tells how the one brings about the other, all of them named: "how
    /// does a clot make the muscle cramp?" is answered by it directly.
    pub mechanism_of: Vec<String>,
    /// Terms this topic compares, all of them named: "do clot cramps feel different to the
    /// ones after football?" is answered by it directly.
    pub comparison_of: Vec<String>,
    /// Phrases that ask for this topic whatever story comes before them ("is it
    /// hereditary?", "how do they find it?", "what if it's left untreated?").
    pub asked_by: Vec<String>,
}

/// The result of matching a message against the topics.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaqMatch {
    /// The topic to answer with, when the match is confident.
    pub topic: Option<usize>,
    /// Confidence of the best match, 0 to 1.
    pub score: f32,
    /// Up to three closest topics, best first (may include the confident one).
    pub suggestions: Vec<usize>,
    /// How far the best topic leads the second: the ratio of their raw scores.
    pub margin: f32,
}

/// What the last sentence of a message asks (`[matching]` signs, mechanism, compare, either).
struct Asking<'t> {
    /// The message without its closing punctuation.
    body: &'t str,
    /// Its last sentence.
    question: &'t str,
    signs: bool,
    mechanism: bool,
    compare: bool,
    either: bool,
}

/// The FAQ of one language, indexed.
pub struct Faq {
    pub topics: Vec<Topic>,
    /// One document per example question (and per title and keyword list).
    engine: Bm25Index,
    /// The topic of each document.
    doc_topic: Vec<usize>,
    /// How much each document's score counts: example questions fully, answers less.
    doc_weight: Vec<f32>,
    /// Character trigrams of the titles and example questions (not the answers).
    ngrams: NgramIndex,
    /// The topic of each of those.
    ngram_topic: Vec<usize>,
    /// The topics' examples, learned as a whole.
    model: TopicModel,
    /// Words (canonical) that make a message about this subject at all.
    domain: HashSet<String>,
    /// Per topic: the words (normalised) of which a question must name one; empty: none.
    requires: Vec<HashSet<String>>,
    /// Term (normalised, one word of the domain) → the topic that explains it.
    defines: HashMap<String, usize>,
    /// Term (normalised, one word of the domain) → the topic that tells its signs.
    signs_of: HashMap<String, usize>,
    /// Per topic: the terms (normalised) of which it tells how one brings about the other.
    mechanism_of: Vec<Vec<String>>,
    /// Per topic: the terms (normalised) it compares.
    comparison_of: Vec<Vec<String>>,
    /// The phrases (as words) that ask for a topic, by their first word: one look-up per
    /// word of the question, whatever the number of phrases.
    asked_by: HashMap<String, Vec<(usize, Vec<String>)>>,
    /// Words of the domain that are everyday words too ("blood", "heart", "test"): alone, they
    /// do not make a message about the subject ("how do I get blood out of a shirt").
    weak: HashSet<String>,
    /// Word sequences that say a message is about something else ("how do you spell", "auf
    /// Englisch", "my dog"): no topic answers it.
    elsewhere: Vec<Vec<String>>,
    /// First word of a variant → (variant as words, canonical word), longest variants first.
    synonyms: HashMap<String, Vec<(Vec<String>, String)>>,
    /// Words of the index, for misspellings.
    vocab: Vocabulary,
    /// Every language's words: a real word is never rewritten.
    language: Vec<std::sync::Arc<WordList>>,
    matching: Matching,
    /// Words and sounds as the language's speakers type them (shared with emergency
    /// detection): "Chrämpf" is "Krämpfe", "Wadl" is "Wade".
    spoken: Spoken,
}

/// Spoken forms of one language, each `(said, written)`: whole words, word endings, and
/// sounds inside a word.
#[derive(Debug, Clone, Default)]
pub struct Spoken {
    pub words: Vec<(String, String)>,
    pub endings: Vec<(String, String)>,
    pub sounds: Vec<(String, String)>,
}

/// The most spoken readings of one word tried (one sound rule, then two).
const MAX_SPOKEN_TRIES: usize = 64;

impl std::fmt::Debug for Faq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faq")
            .field("topics", &self.topics.len())
            .finish()
    }
}

/// How sure a match must be to answer: the score, and how far ahead of the second.
pub const CONFIDENT: f32 = 0.3;
pub const MARGIN: f32 = 1.03;
/// Below this, a topic is not even suggested.
pub const SUGGEST: f32 = 0.12;
/// How much a sentence of an answer counts, against an example question.
pub const ANSWER_WEIGHT: f32 = 0.5;
/// Raw BM25 scores are mapped to 0–1 as `1 - exp(-raw / SCALE)`.
pub const SCALE: f32 = 4.0;
/// How much of the end of a message the FAQ reads.
pub const QUESTION_CHARS: usize = 400;
/// A message this similar (character trigrams) to a question of the FAQ is about its subject.
pub const CLOSE_QUESTION: f32 = 0.7;
/// How much the character trigram similarity counts against the words' BM25 score.
pub const NGRAM_WEIGHT: f32 = 0.4;
/// How much the topic model's probability counts against the lexical scores.
pub const MODEL_WEIGHT: f32 = 0.35;

/// The stemmer's name, as the topic model takes it.
fn stemmer_name(language: &Language) -> &'static str {
    match language {
        Language::German => "german",
        Language::Spanish => "spanish",
        Language::French => "french",
        Language::Italian => "italian",
        Language::Portuguese => "portuguese",
        Language::Dutch => "dutch",
        _ => "english",
    }
}

/// Whether the words `said` hold one of `phrases` word for word; `first` is the set of
/// `said`, so a phrase is looked for only when its first word is there.
fn says_any(said: &[String], first: &HashSet<&str>, phrases: &[Vec<String>]) -> bool {
    phrases.iter().any(|p| {
        !p.is_empty()
            && first.contains(p[0].as_str())
            && said.windows(p.len()).any(|w| w == p.as_slice())
    })
}

impl Faq {
    /// Indexes the topics. `examples[i]` are the example questions of topic `i`;
    /// `synonyms` maps a canonical word to the words and phrases that mean it.
    pub fn new(
        topics: Vec<Topic>,
        examples: &[Vec<String>],
        synonyms: &[(String, Vec<String>)],
        domain: &[String],
        weak: &[String],
        matching: Matching,
        word_lists: Vec<std::sync::Arc<WordList>>,
    ) -> Faq {
        let language = matching.stemmer.clone().unwrap_or(Language::English);
        let mut table: Vec<(Vec<String>, String)> = Vec::new();
        for (canonical, variants) in synonyms {
            for v in variants {
                let w = words(v);
                if !w.is_empty() {
                    table.push((w, canonical.clone()));
                }
            }
        }
        table.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
        let mut faq = Faq {
            topics,
            engine: Bm25Index::new(language.clone(), &[]),
            doc_topic: Vec::new(),
            doc_weight: Vec::new(),
            ngrams: NgramIndex::default(),
            ngram_topic: Vec::new(),
            model: TopicModel::new(&[], None),
            domain: HashSet::new(),
            requires: Vec::new(),
            defines: HashMap::new(),
            signs_of: HashMap::new(),
            mechanism_of: Vec::new(),
            comparison_of: Vec::new(),
            asked_by: HashMap::new(),
            weak: weak.iter().flat_map(|w| words(w)).collect(),
            elsewhere: Vec::new(),
            matching,
            synonyms: HashMap::new(),
            vocab: Vocabulary::default(),
            language: word_lists,
            spoken: Spoken::default(),
        };
        // The vocabulary: every word the topics and the synonym table use.
        let mut known: HashSet<String> = HashSet::new();
        for (i, t) in faq.topics.iter().enumerate() {
            for text in std::iter::once(&t.title).chain(examples.get(i).into_iter().flatten()) {
                known.extend(words(text));
            }
        }
        for (w, c) in &table {
            known.extend(w.iter().cloned());
            known.insert(c.clone());
        }
        for (w, c) in table {
            faq.synonyms.entry(w[0].clone()).or_default().push((w, c));
        }
        faq.vocab = Vocabulary::new(known);
        let mut documents = Vec::new();
        let mut questions = Vec::new();
        let mut per_topic: Vec<Vec<String>> = vec![Vec::new(); faq.topics.len()];
        for (i, t) in faq.topics.iter().enumerate() {
            for text in std::iter::once(&t.title).chain(examples.get(i).into_iter().flatten()) {
                per_topic[i].push(faq.normalize(text));
                questions.push(faq.normalize(text));
                faq.ngram_topic.push(i);
                documents.push(faq.normalize(text));
                faq.doc_topic.push(i);
                faq.doc_weight.push(1.0);
            }
            // The answer itself, as a weaker witness: it holds the words of the subject
            // ("thrombolysis", "ulcers") that questions may use.
            for sentence in t.answer.split(['.', '\n']).filter(|s| s.trim().len() > 12) {
                documents.push(faq.normalize(sentence));
                faq.doc_topic.push(i);
                faq.doc_weight.push(ANSWER_WEIGHT);
            }
        }
        faq.ngrams = NgramIndex::new(&questions);
        faq.model = TopicModel::new(&per_topic, Some(stemmer_name(&language)));
        faq.domain = domain.iter().map(|w| faq.normalize(w)).collect();
        faq.requires = faq
            .topics
            .iter()
            .map(|t| {
                t.requires
                    .iter()
                    .flat_map(|w| {
                        faq.normalize(w)
                            .split(' ')
                            .map(str::to_string)
                            .collect::<Vec<_>>()
                    })
                    .collect()
            })
            .collect();
        for (i, t) in faq.topics.iter().enumerate() {
            for term in &t.defines {
                faq.defines.insert(faq.normalize(term), i);
            }
            for term in &t.signs_of {
                faq.signs_of.insert(faq.normalize(term), i);
            }
        }
        faq.mechanism_of = faq.normalized_terms(|t| &t.mechanism_of);
        faq.comparison_of = faq.normalized_terms(|t| &t.comparison_of);
        for (i, t) in faq.topics.iter().enumerate() {
            for p in t
                .asked_by
                .iter()
                .map(|p| words(p))
                .filter(|p| !p.is_empty())
            {
                faq.asked_by.entry(p[0].clone()).or_default().push((i, p));
            }
        }
        faq.engine = Bm25Index::new(language, &documents);
        faq
    }

    /// Per topic, a list of its terms as the index reads them.
    fn normalized_terms(&self, list: impl Fn(&Topic) -> &Vec<String>) -> Vec<Vec<String>> {
        self.topics
            .iter()
            .map(|t| list(t).iter().map(|w| self.normalize(w)).collect())
            .collect()
    }

    /// The terms topics explain, tell the signs of, the mechanism of or compare, that do not
    /// read as one word of the domain once normalised: no question could name them.
    pub fn unusable_terms(&self) -> Vec<String> {
        self.defines
            .keys()
            .chain(self.signs_of.keys())
            .chain(self.mechanism_of.iter().flatten())
            .chain(self.comparison_of.iter().flatten())
            .filter(|t| t.contains(' ') || !self.domain.contains(*t))
            .cloned()
            .collect()
    }

    /// The topic that explains the term a definition question asks about: "what is a PE,
    /// in plain English?", "tromboembolismo pulmonar, ¿qué es?", and, with no term in the
    /// question, the term just before it ("…una embolia pulmonar. ¿Qué es eso
    /// exactamente?"). `None` unless the question comes last and names no other subject.
    fn defined_topic(&self, text: &str) -> Option<usize> {
        let clauses: Vec<Vec<String>> = text
            .split(['.', '?', '!', ';', ',', ':', '\n'])
            .flat_map(|c| c.split(" - "))
            .map(|c| self.normalize(c))
            .filter(|c| !c.is_empty())
            .map(|c| c.split(' ').map(str::to_string).collect())
            .collect();
        let at = clauses
            .iter()
            .rposition(|c| c.iter().any(|w| w == "qdefine"))?;
        let domain = |w: &String| self.domain.contains(w);
        // Nothing of the subject after it: "…, in plain English?".
        if clauses[at + 1..].iter().flatten().any(domain) {
            return None;
        }
        let clause = &clauses[at];
        let q = clause.iter().position(|w| w == "qdefine")?;
        let small = |w: &String| self.matching.articles.contains(w);
        // The first word after the question words and their articles.
        let next = (q + 1..clause.len()).find(|i| !small(&clause[*i]));
        let Some(n) = next else {
            // "What is that exactly?": a term that ends the clause before ("…eine LE. Was
            // ist das?"), among its last words; not one inside a story about something else
            // ("wenn ein Stück vom Gerinnsel eine Lungenarterie verstopft, was heißt das").
            let before = clauses[..at].last()?;
            let term = before.iter().rev().take(3).find(|w| domain(w))?;
            return self.defines.get(term).copied();
        };
        // The term right after them and ending the phrase ("what is a PE, in plain
        // English?", not "what are clot-busting drugs"), or right before them
        // ("tromboembolismo pulmonar, ¿qué es?"); and no other word of the subject.
        // A question word ("qhow", as `normalize` writes it) starts a new phrase.
        let asks = |w: &String| {
            self.matching
                .intent
                .iter()
                .any(|q| w.strip_prefix('q') == Some(q.join("").as_str()))
        };
        let ends_phrase = clause.get(n + 1).is_none_or(|w| small(w) || asks(w));
        let term = if self.defines.contains_key(&clause[n]) && ends_phrase {
            &clause[n]
        } else {
            clause[..q].last()?
        };
        let topic = self.defines.get(term).copied()?;
        let others = clause
            .iter()
            .filter(|w| domain(w) && self.defines.get(*w) != Some(&topic));
        (others.count() == 0).then_some(topic)
    }

    /// What the last sentence of a message asks, read once per message.
    fn asking<'t>(&self, text: &'t str) -> Asking<'t> {
        let body = text.trim_end_matches(|c: char| c.is_whitespace() || "?!.".contains(c));
        let question = body.rsplit(['.', '?', '!', '\n']).next().unwrap_or(body);
        let said = words(question);
        let first: HashSet<&str> = said.iter().map(String::as_str).collect();
        let says = |phrases: &[Vec<String>]| says_any(&said, &first, phrases);
        let m = &self.matching;
        Asking {
            body,
            question,
            signs: says(&m.signs),
            mechanism: says(&m.mechanism),
            compare: says(&m.compare),
            either: says(&m.either),
        }
    }

    /// The topic that tells the signs of the one term the question names, when the question
    /// asks how something shows: the last sentence of the message ("…died of a clot in the
    /// lung in 2015. What are the signs of that?", naming nothing of the subject, takes its
    /// term from the whole message). `None` when terms of two topics are named, or when the
    /// question compares, sets two things side by side or asks how something comes about.
    fn signs_topic(&self, text: &str, a: &Asking) -> Option<usize> {
        if self.signs_of.is_empty() || !a.signs || a.compare || a.either || a.mechanism {
            return None;
        }
        let named = |t: &str| -> Vec<usize> {
            let mut topics: Vec<usize> = self
                .normalize(t)
                .split(' ')
                .filter_map(|w| self.signs_of.get(w).copied())
                .collect();
            topics.sort_unstable();
            topics.dedup();
            topics
        };
        let mut topics = named(a.question);
        // "What are the signs of that?" names nothing of the subject: the story before does.
        let bare = !self
            .normalize(a.question)
            .split(' ')
            .any(|w| self.domain.contains(w));
        if topics.is_empty() && bare && a.question.len() < a.body.len() {
            topics = named(text);
        }
        match topics.as_slice() {
            [t] => Some(*t),
            _ => None,
        }
    }

    /// The one topic whose `mechanism_of` terms the last sentence names, all of them, when it
    /// asks how one brings about the other ("wie führen Blutgerinnsel zu Beinkrämpfen?") and
    /// neither compares, sets two things side by side nor asks for signs.
    fn mechanism_topic(&self, a: &Asking) -> Option<usize> {
        let asks = a.mechanism && !(a.compare || a.either || a.signs);
        self.naming_all(a.question, asks, &self.mechanism_of)
    }

    /// The one topic whose `comparison_of` terms the last sentence names, all of them, when it
    /// compares ("do clot cramps feel different to the ones after football?", "¿se siente
    /// igual…?": a comparison of how they feel is still a comparison) and neither sets two
    /// things side by side nor asks how one thing brings about another.
    fn comparison_topic(&self, a: &Asking) -> Option<usize> {
        let asks = a.compare && !(a.either || a.mechanism);
        self.naming_all(a.question, asks, &self.comparison_of)
    }

    /// The topic whose `asked_by` phrases the last sentence says, in a message about the
    /// subject: a story before it ("my neighbour was taken in with breathlessness last May.
    /// how do they find a clot?") pulls the ranking towards its own words. When phrases of
    /// several topics are said, the ranking's best among them, if it is one.
    fn asked_topic(&self, text: &str, a: &Asking, found: &FaqMatch) -> Option<usize> {
        // The last sentence that asks, when one does ("what can I do to prevent clots? my dad
        // had one and it runs in the family" asks how to prevent them).
        let question = match a.body.rfind('?') {
            Some(end) if end + 1 < a.body.len() => {
                let asked = &a.body[..end];
                asked.rsplit(['.', '?', '!', '\n']).next().unwrap_or(asked)
            }
            _ => a.question,
        };
        let said = words(question);
        let mut asked: Vec<usize> = Vec::new();
        for (k, w) in said.iter().enumerate() {
            for (topic, phrase) in self.asked_by.get(w).into_iter().flatten() {
                if said[k..].starts_with(phrase) && !asked.contains(topic) {
                    asked.push(*topic);
                }
            }
        }
        if asked.is_empty() {
            return None;
        }
        let query = self.normalize_message(text);
        if !self.names_subject(text, &query) || self.about_something_else(text) {
            return None;
        }
        let asked: Vec<usize> = asked
            .into_iter()
            .filter(|i| self.names_required(*i, &query))
            .collect();
        match asked.as_slice() {
            [t] => Some(*t),
            _ => found.topic.filter(|t| asked.contains(t)),
        }
    }

    /// A topic for people in one situation answers only a question that names it ("what to
    /// watch on a blood thinner" needs the blood thinner).
    fn names_required(&self, topic: usize, query: &str) -> bool {
        self.requires[topic].is_empty()
            || query.split(' ').any(|w| self.requires[topic].contains(w))
    }

    /// A normalised text holds a word of the domain.
    fn in_domain(&self, normalized: &str) -> bool {
        normalized.split(' ').any(|w| self.domain.contains(w))
    }

    /// The message (read as `query`) uses words of the subject: two, or one that is no
    /// everyday word ("blood", "heart" alone do not make a message about clots).
    fn names_subject(&self, text: &str, query: &str) -> bool {
        let strong = || {
            let kept: Vec<String> = words(text)
                .into_iter()
                .filter(|w| !self.weak.contains(w))
                .collect();
            self.in_domain(&self.normalize_message(&kept.join(" ")))
        };
        self.in_domain(query)
            && (query
                .split(' ')
                .filter(|w| self.domain.contains(*w))
                .count()
                >= 2
                || strong())
    }

    /// The one topic all of whose `terms` the question names, when it `asks` so.
    fn naming_all(&self, question: &str, asks: bool, terms: &[Vec<String>]) -> Option<usize> {
        if !asks {
            return None;
        }
        let read = self.normalize(question);
        let read: HashSet<&str> = read.split(' ').collect();
        let mut topics = terms
            .iter()
            .enumerate()
            .filter(|(_, terms)| {
                !terms.is_empty() && terms.iter().all(|t| read.contains(t.as_str()))
            })
            .map(|(i, _)| i);
        match (topics.next(), topics.next()) {
            (Some(t), None) => Some(t),
            _ => None,
        }
    }

    pub fn find(&self, id: &str) -> Option<usize> {
        self.topics.iter().position(|t| t.id == id)
    }

    /// The message as the index sees it: misspellings mended, synonyms mapped, question
    /// words kept.
    pub fn normalize(&self, text: &str) -> String {
        let mended: Vec<String> = words(text)
            .into_iter()
            .flat_map(|w| self.split_compound(w))
            .map(|w| self.mend(w))
            .collect();
        let mut out: Vec<String> = Vec::with_capacity(mended.len());
        let mut i = 0;
        'outer: while i < mended.len() {
            for (variant, canonical) in self.synonyms.get(&mended[i]).into_iter().flatten() {
                if mended[i..].starts_with(variant) {
                    out.push(canonical.clone());
                    i += variant.len();
                    continue 'outer;
                }
            }
            let w = &mended[i];
            // "what is X" / "what's X" asks for a definition, and so does "X, what is that?"
            // at the end of the message.
            if let Some(d) = self.matching.define.iter().find(|d| {
                mended[i..].starts_with(d) && (out.is_empty() || i + d.len() == mended.len())
            }) {
                out.push("qdefine".into());
                i += d.len();
                continue;
            }
            // A question word, whole: "por qué" is one ("why"), and "por" alone ("es por un
            // coágulo", "due to") is none.
            if let Some(q) = self
                .matching
                .intent
                .iter()
                .find(|q| mended[i..].starts_with(q))
            {
                out.push(format!("q{}", q.join("")));
                i += q.len();
                continue;
            }
            out.push(w.clone());
            i += 1;
        }
        out.join(" ")
    }

    /// A message as the index sees it, clause by clause: a definition question may open any
    /// clause ("the letter says 'query DVT' - *what even is* a DVT?").
    fn normalize_message(&self, text: &str) -> String {
        text.split(['.', '?', '!', ';', ',', ':', '\n'])
            .flat_map(|c| c.split(" - "))
            .map(|c| self.normalize(c))
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Leaves out the parts of a message that deny something ("no racing heart or anything,
    /// what do blood thinners do"): they name subjects the question is not about. Kept
    /// whole when nothing else would remain.
    fn drop_denials(&self, text: &str) -> String {
        let clauses: Vec<&str> = text
            .split(['.', ',', ';', '!', '?', '\n'])
            .flat_map(|c| c.split(" but "))
            .filter(|c| !c.trim().is_empty())
            .collect();
        let denies = |w: &String| self.matching.denials.contains(w);
        // A clause that is only a "no" answers the one before it: "breathless? nope.
        // coughing blood? no." denies both.
        let only_no = |c: &str| {
            let ws = words(c);
            !ws.is_empty()
                && ws
                    .iter()
                    .all(|w| self.matching.clause_denials.contains(w) || denies(w))
        };
        let answered_no: Vec<bool> = (0..clauses.len())
            .map(|i| clauses.get(i + 1).is_some_and(|c| only_no(c)))
            .collect();
        // Within each clause, a denial and the two words after it ("no chest pain").
        let kept: Vec<String> = clauses
            .iter()
            .zip(answered_no)
            .filter(|(_, no)| !no)
            .map(|(c, _)| c)
            .filter(|c| {
                let ws = words(c);
                !ws.iter().any(|w| self.matching.all_clear.contains(w))
                    && !ws
                        .first()
                        .is_some_and(|w| self.matching.clause_denials.contains(w))
            })
            .map(|c| {
                let ws = words(c);
                let mut keep = vec![true; ws.len()];
                for (i, w) in ws.iter().enumerate() {
                    if denies(w) {
                        for k in keep.iter_mut().skip(i).take(3) {
                            *k = false;
                        }
                    }
                }
                ws.into_iter()
                    .zip(keep)
                    .filter(|(_, k)| *k)
                    .map(|(w, _)| w)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|c| !c.is_empty())
            .collect();
        if kept.is_empty() {
            text.to_string()
        } else {
            kept.join(". ")
        }
    }

    /// A German compound the index does not know, read as the two words it is made of when
    /// the index knows both ("Gerinnselgefahr" → "gerinnsel gefahr", with a joining "s", "n",
    /// "en" or "e" dropped). Other languages, and words the index knows, stay whole.
    fn split_compound(&self, w: String) -> Vec<String> {
        /// The shortest part a compound is split into.
        const PART: usize = 4;
        /// The longest word tried: each cut builds its two parts.
        const LONGEST: usize = 40;
        if self.matching.stemmer != Some(Language::German) || self.vocab.contains(&w) {
            return vec![w];
        }
        let chars: Vec<char> = w.chars().collect();
        if chars.len() < 2 * PART || chars.len() > LONGEST {
            return vec![w];
        }
        // The longest known last part: the head of a German compound.
        for cut in PART..=chars.len() - PART {
            let head: String = chars[cut..].iter().collect();
            if !self.vocab.contains(&head) {
                continue;
            }
            let left: String = chars[..cut].iter().collect();
            let joined = ["", "s", "n", "en", "e"]
                .iter()
                .filter_map(|j| left.strip_suffix(j))
                // "Blutflecken" is no question about blood: an everyday word of the domain
                // ("blut", "herz") does not start a split.
                .find(|l| {
                    l.chars().count() >= PART - 1
                        && self.vocab.contains(l)
                        && !self.weak.contains(*l)
                });
            if let Some(l) = joined {
                return vec![l.to_string(), head];
            }
        }
        vec![w]
    }

    /// Phrases that say a message is about something else: a message holding one gets no
    /// topic ("what's the German word for chest pain?").
    pub fn with_elsewhere(mut self, phrases: &[String]) -> Faq {
        self.elsewhere = phrases
            .iter()
            .map(|p| words(p))
            .filter(|w| !w.is_empty())
            .collect();
        self
    }

    /// Whether the message holds one of the `elsewhere` phrases, word for word.
    fn about_something_else(&self, text: &str) -> bool {
        if self.elsewhere.is_empty() {
            return false;
        }
        let said = words(text);
        let first: HashSet<&str> = said.iter().map(String::as_str).collect();
        says_any(&said, &first, &self.elsewhere)
    }

    /// Reads typed dialect as the index's words: `spoken` as in the language's
    /// `emergency.toml` (`spoken_words`, `spoken_endings`, `spoken_sounds`).
    pub fn with_spoken(mut self, spoken: Spoken) -> Faq {
        self.spoken = spoken;
        self
    }

    /// A word of no language read as a word of the index through its spoken forms: the
    /// whole word, its ending, or its sounds (one rule at every place it occurs, then a
    /// second on that: "chrämpf" → "krämpf"…). `None` when no reading is a word the index
    /// uses.
    fn spoken_reading(&self, w: &str) -> Option<String> {
        let known = |v: &str| self.vocab.contains(v);
        for (said, written) in &self.spoken.endings {
            if let Some(stem) = w.strip_suffix(said.as_str()) {
                let v = format!("{stem}{written}");
                if known(&v) {
                    return Some(v);
                }
            }
        }
        crate::core::detect::lexicon::sound_readings(w, &self.spoken.sounds)
            .take(MAX_SPOKEN_TRIES)
            .find(|v| known(v))
    }

    /// A word that is not a word of any language, read as the closest word the index uses.
    fn mend(&self, w: String) -> String {
        // A spoken word the data names ("chan>kann", "wadl>wade") is read as its written
        // form even when it is a word elsewhere: the data says what it means here.
        if let Some((_, written)) = self
            .spoken
            .words
            .iter()
            .find(|(said, written)| *said == w && self.vocab.contains(written))
        {
            return written.clone();
        }
        if self.language.iter().any(|l| l.contains(&w)) {
            return w;
        }
        if let Some(v) = self.spoken_reading(&w) {
            return v;
        }
        let none = WordList::default();
        if let Some(v) = self.vocab.repair(&w, &none).first() {
            return v.to_string();
        }
        // One dialect sound and a slip ("chrämpf" → "krämpf" → "krämpfe").
        self.spoken
            .sounds
            .iter()
            .filter(|(said, _)| w.contains(said.as_str()))
            .find_map(|(said, written)| {
                let v = w.replace(said.as_str(), written);
                self.vocab.repair(&v, &none).first().map(|r| r.to_string())
            })
            .unwrap_or(w)
    }

    /// Ranks the topics, unless every sentence of the message uses a red flag's words
    /// figuratively ("the stock market collapsed"): then no topic answers it.
    pub fn search_unless_figurative(&self, text: &str, found: &Detection) -> FaqMatch {
        if found.figurative {
            return FaqMatch::default();
        }
        self.search(text)
    }

    /// Ranks the topics for a message: each topic scores as its best document.
    pub fn search(&self, text: &str) -> FaqMatch {
        // A question is short; in a long message it comes last ("…sorry for the novel, do
        // stockings help?"). Reading only the end keeps the cost bounded.
        let text = match text.char_indices().rev().nth(QUESTION_CHARS) {
            Some((cut, _)) => &text[cut..],
            None => text,
        };
        // A definition question about a term a topic explains is answered by that topic,
        // whatever else the ranking prefers ("what is a PE, in plain English?").
        let found = self.search_ranked(text);
        // Likewise a question about the signs of a term a topic tells the signs of ("what
        // does a clot in the lung feel like?", "woran erkennt man eine Lungenembolie?"), one
        // about how a clot brings about a cramp and one comparing clot cramps with others, by
        // the topic that tells it.
        let a = self.asking(text);
        let asked = self
            .defined_topic(text)
            .or_else(|| self.signs_topic(text, &a))
            .or_else(|| self.mechanism_topic(&a))
            .or_else(|| self.comparison_topic(&a))
            .or_else(|| self.asked_topic(text, &a, &found));
        match asked {
            Some(t) => {
                let mut suggestions = vec![t];
                suggestions.extend(found.suggestions.into_iter().filter(|s| *s != t).take(2));
                FaqMatch {
                    topic: Some(t),
                    score: found.score.max(CONFIDENT),
                    suggestions,
                    margin: f32::INFINITY,
                }
            }
            None => found,
        }
    }

    /// Ranks the topics for a message, its last question counted three times.
    fn search_ranked(&self, text: &str) -> FaqMatch {
        // A story, then a question ("my mum had a PE in 2015, she recovered. what is a DVT?"):
        // the story's words would pull towards its own subject, so the question counts three
        // times (twice left "…scan on my calf today. Why does it have to be so urgent?" to
        // the scan).
        // Read alone, it would lose what the story says ("…a clot in the lung. What are the
        // signs of that?"); only a definition asked last is answered by itself when it can be.
        let Some(last) = self.last_question(text) else {
            return self.search_text(text);
        };
        if self.normalize(last).starts_with("qdefine") {
            let m = self.search_text(last);
            if m.topic.is_some() {
                return m;
            }
        }
        self.search_text(&format!("{text}. {last}. {last}"))
    }

    /// The last sentence of a message of several when it asks ("…? Ich nehme Blutverdünner."
    /// adds to the question), or what follows its last turn to a new subject ("…, anyway what
    /// is a DVT"); `None` when that is the whole message or holds fewer than two words.
    fn last_question<'t>(&self, text: &'t str) -> Option<&'t str> {
        let asks = text.trim_end().ends_with('?');
        let body = text.trim_end_matches(|c: char| c.is_whitespace() || "?!.".contains(c));
        // Only a last sentence that asks: "…? Ich nehme Blutverdünner." adds to the question.
        let mut from = if asks {
            body.rfind(['.', '?', '!', '\n']).map_or(0, |i| i + 1)
        } else {
            0
        };
        // A turn to a new subject, as whole words ("anyway", not "anywayz"). Lower case keeps
        // the byte offsets of these letters.
        let lower = body.to_lowercase();
        if lower.len() == body.len() {
            for switch in &self.matching.topic_switch {
                let phrase = switch.join(" ");
                for (start, _) in lower.match_indices(&phrase) {
                    let end = start + phrase.len();
                    let edge = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
                    if end > from
                        && edge(lower[..start].chars().next_back())
                        && edge(lower[end..].chars().next())
                    {
                        from = end;
                    }
                }
            }
        }
        let last = text.get(from..)?.trim();
        (from > 0 && words(last).len() >= 2).then_some(last)
    }

    /// Ranks the topics for the text of a message: each topic scores as its best document.
    fn search_text(&self, text: &str) -> FaqMatch {
        let mut query = self.normalize_message(&self.drop_denials(text));
        // "…damit ich keine Thrombose kriege": when leaving out the denial leaves nothing of
        // the subject, the denial was the subject (how *not* to get one).
        if !self.in_domain(&query) {
            let whole = self.normalize_message(text);
            if self.in_domain(&whole) {
                query = whole;
            }
        }
        // Fused with the character trigram similarity of the topic's closest question. A
        // message is about this subject when it uses a word of the domain, or reads much like
        // one of the questions ("why does it matter to act quickly?").
        let sims = self.ngrams.similarities(&query);
        let about_this = (self.names_subject(text, &query)
            || sims.iter().any(|s| *s >= CLOSE_QUESTION))
            && !self.about_something_else(text);
        // Per topic: its best document, plus a quarter of its second best (a topic that
        // several examples match is a better bet). Ties go to the earlier topic.
        let mut per_topic: Vec<(f32, f32)> = vec![(0.0, 0.0); self.topics.len()];
        if about_this {
            for (doc, score) in self.engine.scores(&query).into_iter().enumerate() {
                if score <= 0.0 {
                    continue;
                }
                let score = score * self.doc_weight[doc];
                let (first, second) = &mut per_topic[self.doc_topic[doc]];
                if score > *first {
                    *second = *first;
                    *first = score;
                } else if score > *second {
                    *second = score;
                }
            }
        }
        // Fused with the character trigram similarity of the topic's closest question.
        let mut trigram = vec![0.0f32; self.topics.len()];
        if about_this {
            for (d, sim) in sims.into_iter().enumerate() {
                let t = &mut trigram[self.ngram_topic[d]];
                *t = t.max(sim);
            }
        }
        let model = if about_this {
            self.model.probabilities(&query)
        } else {
            None
        };
        let fused = |(first, second): (f32, f32), tri: f32, p: f32| {
            let words = 1.0 - (-(first + 0.25 * second) / SCALE).exp();
            let lexical = (1.0 - NGRAM_WEIGHT) * words + NGRAM_WEIGHT * tri;
            (1.0 - MODEL_WEIGHT) * lexical + MODEL_WEIGHT * p
        };
        // A topic for people in one situation answers only a question that names it ("what
        // to watch on a blood thinner" needs the blood thinner).
        let named = |i: usize| self.names_required(i, &query);
        let mut best: Vec<(usize, f32)> = per_topic
            .iter()
            .enumerate()
            .filter(|(i, (first, _))| *first > 0.0 && named(*i))
            .map(|(i, p)| {
                let m = model.as_ref().map_or(0.0, |m| m[i]);
                (i, fused(*p, trigram[i], m))
            })
            .collect();
        best.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        best.truncate(3);
        let score = |fused: f32| fused;
        let top = best.first().map(|(_, s)| score(*s)).unwrap_or(0.0);
        let second = best.get(1).map(|(_, s)| *s).unwrap_or(0.0);
        let margin = match (best.first(), second) {
            (Some((_, s)), second) if second > 0.0 => s / second,
            (Some(_), _) => f32::INFINITY,
            _ => 0.0,
        };
        let confident = top >= CONFIDENT && margin >= MARGIN;
        FaqMatch {
            topic: if confident {
                best.first().map(|(i, _)| *i)
            } else {
                None
            },
            score: top,
            suggestions: best
                .iter()
                .filter(|(_, s)| score(*s) >= SUGGEST)
                .map(|(i, _)| *i)
                .collect(),
            margin,
        }
    }
}
