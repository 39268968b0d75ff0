//! Whether a mention of a red flag reports it happening now: the ConText algorithm (Harkema
//! et al., J Biomed Inform 2009; NegEx, Chapman et al. 2001) for chat messages.
//!
//! Each language's triggers are data (`[context]` of `dialogs/<lang>/emergency.toml`), by
//! category. A trigger acts on the mentions within its *scope*:
//! - **negation**, forward, up to [`NEGATION_REACH`] words within the clause ("no chest pain,
//!   breathlessness or coughing blood"); a new subject after a comma ends it ("I didn't sleep,
//!   my chest hurts"), and so does a lone "No,";
//! - **resolved**, backward ("the chest pain *has gone*"), within the sentence; across a comma
//!   or a "but" only when the new part points back with a pronoun ("…, *it* went away");
//! - **hypothetical**, forward to the end of the clause ("what should I do *if*…"), a mention
//!   that starts inside the trigger included ("should I *call* an ambulance if…"); and a comma
//!   segment that holds both a **conditional** word and a **subjunctive** one and no
//!   present-tense verb ("*wenn* heute Nacht Brustschmerzen dazukommen *würden*", "*si* me
//!   *diera* dolor de pecho") — "wenn ich atme, tut es weh" stays a report;
//! - **historical**, both ways within a comma segment, or from a segment that holds only the
//!   trigger ("Last year, …"; "…, years ago"); a year such as 2019 is one. A **current** marker
//!   in the clause ("now", "since this morning", "again") wins: ambiguous means current;
//! - **experiencer**: when the nearest person before the mention is someone else and the
//!   clause is in the past with no present-tense verb ("my grandmother had a PE and couldn't
//!   breathe"), it is not a report;
//! - **exertion**: breathlessness or a racing heart in a clause about sport, unless the
//!   sentence says it is unusual or sudden.
//!
//! *Pseudo-triggers* ("not sure", "never been so") look like triggers and are not;
//! *terminators* ("but", "however") end every scope. A general question that names nobody
//! ("what does chest pain mean with a clot?") reports nothing — unless it asks about what is
//! happening now ("could this be a clot?").
//!
//! Everything is computed in a few linear passes over the message, so a long message of
//! repeated triggers costs no more than its length.

use super::lexicon::{PhraseSet, Token, TokenAtoms};

/// How many words after a negation it still reaches.
pub const NEGATION_REACH: usize = 6;
/// How many words after a mention a denial may follow it ("rast *auch nicht*").
pub const NEGATION_AFTER_REACH: usize = 5;
/// How many words after a mention a "resolved" trigger may start.
pub const RESOLVED_REACH: usize = 8;
/// How far after a resolution a word saying the sign came back is looked for ("it went away,
/// but an hour ago it came back"): a bound that keeps a long message's cost linear.
pub const RECURRENCE_REACH: usize = 24;
/// How far before "without" a "can't" may stand ("can't walk to the kitchen without…").
pub const UNABLE_REACH: usize = 10;
/// How many words before a sign a word naming a case ("bei", "with") may stand: "bei
/// *plötzlicher* Atemnot".
pub const CASE_REACH: usize = 3;
/// How many words after "since" a date may start and still say when something began
/// ("seit dem Bandscheibenvorfall *letzte* Woche").
pub const SINCE_REACH: usize = 4;
/// At most this many words in a checklist label that lists several signs before its answer
/// ("numb groin or wetting myself - nope").
pub const LABEL_LIST_WORDS: usize = 8;
/// How many words after a sign a figurative cause may start ("nearly passed out *laughing*",
/// "fast umgekippt *vor Lachen*"), or before it end ("*vor Lachen* fast umgekippt": 2).
pub const FIGURATIVE_REACH: usize = 4;
/// How many words into its part a sign may stand when the figurative cause closes the part
/// before ("Als ich die Rechnung gesehen hab, *bin ich fast umgekippt*").
pub const FIGURATIVE_OPENING: usize = 4;

/// The trigger categories, in the order of [`Cat::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cat {
    Negation,
    NegationAfter,
    Resolved,
    Pseudo,
    Historical,
    Current,
    Present,
    Past,
    Hypothetical,
    Exertion,
    Unusual,
    Sudden,
    Writer,
    Others,
    Refer,
    Terminator,
    List,
    Filler,
    QuestionStart,
    Topic,
    SignWord,
    Causal,
    OwnQuestion,
    Number,
    Conditional,
    Subjunctive,
    AllClear,
    AskingStart,
    Ending,
    SpokenWord,
    Sound,
    Generic,
    GeneralMarker,
    NormalAsk,
    Disclaimer,
    PastTense,
    Recovered,
    Reported,
    Clinician,
    Someday,
    Hearsay,
    Claim,
    Onset,
    Thinner,
    Unable,
    Without,
    Fiction,
    Patient,
    WhatToDo,
    Manner,
    Impersonal,
    CaseOf,
    CallForHelp,
    Auxiliary,
    Figurative,
    /// Words saying a sign is new to the writer ("das ist neu", "gestern ging das noch").
    Novel,
    /// Words that open compounds, read as a word of their own ("Brust|stechen").
    CompoundHead,
    /// Words of a team's game ("the squad", "in der zweiten Halbzeit"): a collapse told of a
    /// team is no person's.
    Team,
    /// A denial after the mention that ends its part ("taquicardia *no tengo*,"): it denies
    /// only there, since the same words open a new statement elsewhere ("me ahogo, *no
    /// tengo* aire").
    ClosingDenial,
    /// A day of the last few ("on Tuesday", "am Dienstag", "la semana pasada"): with a past
    /// verb and a recovery told later, it dates the story as a year would.
    PastDay,
    /// Words saying a sign came back ("it's back", "ist wieder da", "volvió"): a resolution
    /// told before them no longer holds.
    Recurrence,
    /// Words asking what a term means ("what is", "was ist ein", "qué es el"): a sign's name
    /// right after them is asked about, not reported.
    Defining,
    /// "Since" ("seit", "desde"): a date right after it is when something still there began
    /// ("seit dem Bandscheibenvorfall letzte Woche … taub").
    Since,
    /// Words naming what a sign turned out to be ("war eine", "it was", "resultó ser",
    /// "harmless"): a sign's name right after them is the cause told, not a report.
    NamedCause,
}

impl Cat {
    pub const ALL: [Cat; 64] = [
        Cat::Negation,
        Cat::NegationAfter,
        Cat::Resolved,
        Cat::Pseudo,
        Cat::Historical,
        Cat::Current,
        Cat::Present,
        Cat::Past,
        Cat::Hypothetical,
        Cat::Exertion,
        Cat::Unusual,
        Cat::Sudden,
        Cat::Writer,
        Cat::Others,
        Cat::Refer,
        Cat::Terminator,
        Cat::List,
        Cat::Filler,
        Cat::QuestionStart,
        Cat::Topic,
        Cat::SignWord,
        Cat::Causal,
        Cat::OwnQuestion,
        Cat::Number,
        Cat::Conditional,
        Cat::Subjunctive,
        Cat::AllClear,
        Cat::AskingStart,
        Cat::Ending,
        Cat::SpokenWord,
        Cat::Sound,
        Cat::Generic,
        Cat::GeneralMarker,
        Cat::NormalAsk,
        Cat::Disclaimer,
        Cat::PastTense,
        Cat::Recovered,
        Cat::Reported,
        Cat::Clinician,
        Cat::Someday,
        Cat::Hearsay,
        Cat::Claim,
        Cat::Onset,
        Cat::Thinner,
        Cat::Unable,
        Cat::Without,
        Cat::Fiction,
        Cat::Patient,
        Cat::WhatToDo,
        Cat::Manner,
        Cat::Impersonal,
        Cat::CaseOf,
        Cat::CallForHelp,
        Cat::Auxiliary,
        Cat::Figurative,
        Cat::Novel,
        Cat::CompoundHead,
        Cat::Team,
        Cat::ClosingDenial,
        Cat::PastDay,
        Cat::Recurrence,
        Cat::Defining,
        Cat::Since,
        Cat::NamedCause,
    ];

    /// The key of the category's list in the data.
    pub fn key(self) -> &'static str {
        match self {
            Cat::Negation => "negation",
            Cat::NegationAfter => "negation_after",
            Cat::Resolved => "resolved",
            Cat::Pseudo => "pseudo",
            Cat::Historical => "historical",
            Cat::Current => "current",
            Cat::Present => "present",
            Cat::Past => "past",
            Cat::Hypothetical => "hypothetical",
            Cat::Exertion => "exertion",
            Cat::Unusual => "unusual",
            Cat::Sudden => "sudden",
            Cat::Writer => "writer",
            Cat::Others => "others",
            Cat::Refer => "refer",
            Cat::Terminator => "terminators",
            Cat::List => "list",
            Cat::Filler => "filler",
            Cat::QuestionStart => "question_starts",
            Cat::Topic => "topic_words",
            Cat::SignWord => "sign_words",
            Cat::Causal => "causal_words",
            Cat::OwnQuestion => "own_question",
            Cat::Number => "numbers",
            Cat::Conditional => "conditional",
            Cat::Subjunctive => "subjunctive",
            Cat::AllClear => "all_clear",
            Cat::AskingStart => "asking_starts",
            Cat::Ending => "spoken_endings",
            Cat::SpokenWord => "spoken_words",
            Cat::Sound => "spoken_sounds",
            Cat::Generic => "generic",
            Cat::GeneralMarker => "general_markers",
            Cat::NormalAsk => "normal_asks",
            Cat::Disclaimer => "disclaimers",
            Cat::PastTense => "past_tense",
            Cat::Recovered => "recovered",
            Cat::Reported => "reported",
            Cat::Clinician => "clinicians",
            Cat::Someday => "someday",
            Cat::Hearsay => "hearsay",
            Cat::Claim => "claims",
            Cat::Onset => "onset",
            Cat::Thinner => "blood_thinners",
            Cat::Unable => "unable",
            Cat::Without => "without",
            Cat::Fiction => "fiction",
            Cat::Patient => "patients",
            Cat::WhatToDo => "what_to_do",
            Cat::Manner => "suddenly",
            Cat::Impersonal => "impersonal",
            Cat::CaseOf => "case_of",
            Cat::CallForHelp => "call_for_help",
            Cat::Auxiliary => "auxiliary",
            Cat::Figurative => "figurative",
            Cat::Novel => "novel",
            Cat::CompoundHead => "compound_heads",
            Cat::Team => "team_words",
            Cat::ClosingDenial => "closing_denials",
            Cat::PastDay => "past_days",
            Cat::Recurrence => "recurrence",
            Cat::Defining => "defining",
            Cat::Since => "since",
            Cat::NamedCause => "named_cause",
        }
    }

    fn ix(self) -> usize {
        self as usize
    }
}

/// The compiled triggers of one language: one phrase set, tagged by category.
#[derive(Debug, Clone, Default)]
pub struct Triggers {
    pub set: PhraseSet,
}

/// What a sign is, as far as its context matters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Nature {
    /// Sport explains it (breathlessness, a racing heart).
    pub exertion: bool,
    /// An event over once told (a faint): see [`Reading::aside_because`].
    pub event: bool,
}

/// What the triggers say about one message, position by position.
pub struct Reading {
    n: usize,
    /// Per token, one bit per category ([`Cat`] as the bit index): a trigger of that category
    /// covers the token.
    covers: Vec<u64>,
    /// Per token, the categories of the triggers that end at it.
    ends: Vec<u64>,
    /// Per token, the categories of the triggers that start at it.
    starts: Vec<u64>,
    /// Clause of each token: sentences, split again at terminators.
    clause: Vec<u32>,
    segment: Vec<u32>,
    sentence: Vec<u32>,
    /// Per clause and category: the category occurs in the clause.
    clause_has: Vec<u64>,
    sentence_has: Vec<u64>,
    /// Historical trigger per segment.
    seg_historical: Vec<bool>,
    /// The sentence each segment is in.
    seg_sentence: Vec<u32>,
    /// The last token of each segment, and its first (`usize::MAX` for a segment with none).
    seg_last: Vec<usize>,
    seg_first: Vec<usize>,
    /// Segments that a colon or a dash closes: labels before their values.
    seg_labels: Vec<bool>,
    /// Sentences that are general questions of their own ("¿Desmayarse tiene que ver con
    /// trombos?" after a story about a wedding).
    sentence_general: Vec<bool>,
    /// A sentence asks whether a sign is a clot ("is it a clot if my leg…"): a report.
    diagnostic_if: bool,
    /// Per sentence: the next one says now and points back to it ([`Reading::set_aside`]).
    claimed_next: Vec<bool>,
    /// A sentence after the first says now, without denying ("…? passiert seit heute mittag").
    reports_later: bool,
    /// Each sentence's first and last token, and whether it ends with "?".
    sentence_span: Vec<(usize, usize, bool)>,
    /// Segments with a current marker ("now", "since this morning"), and with one that is not
    /// only "suddenly".
    seg_current: Vec<bool>,
    seg_now: Vec<bool>,
    /// Segments after a segment that is only a time, in the same sentence, with no current
    /// marker between ("Last winter, skiing, my feet went numb").
    seg_after_time: Vec<bool>,
    /// Segments in a past tense that go on telling a dated episode of a clot, in the same
    /// sentence, with no present verb or word of now since.
    seg_in_episode: Vec<bool>,
    /// Segments followed by a recovery ("seitdem beschwerdefrei", "doing great") with no
    /// word of now between.
    seg_recovery_after: Vec<bool>,
    /// Segments followed by a recovery, or by someone said to be well in a later sentence
    /// ("shes ok", "ihr geht's gut", "im fine now") with no other word of now between: weaker
    /// than a recovery, it ends only a story dated in the past.
    seg_well_after: Vec<bool>,
    /// Segments dated by the part right after them, which holds only a date: "…she suddenly
    /// fainted. *That was three years ago*", "…, *hace muchísimo*, …".
    seg_dated_next: Vec<bool>,
    /// Per sentence: it, or an earlier one with no word of now or present verb since, dates
    /// the story it tells.
    story_dated: Vec<bool>,
    /// Per token, the last word of the last reporting verb ("said", "meinte") at or before it
    /// in its sentence.
    last_reported: Vec<Option<usize>>,
    /// Per token, the last conditional or hypothetical word at or before it in its sentence.
    last_condition: Vec<Option<usize>>,
    /// Per segment: a later segment of its sentence holds a hypothetical trigger.
    seg_what_if_later: Vec<bool>,
    /// Segments with a present-tense verb, and with a past-tense one.
    seg_present: Vec<bool>,
    seg_past_tense: Vec<bool>,
    /// Per segment: a later segment of its sentence says "if I ever…" ([`Cat::Someday`]).
    seg_someday_later: Vec<bool>,
    /// Per segment, its last word that names the writer.
    seg_writer_last: Vec<Option<usize>>,
    /// Per segment: a condition that opens the segment and asks about it ("…, wenn mein Mann
    /// im Flieger ohnmächtig wird?", "si me da taquicardia, ¿llamo…?").
    seg_if_question: Vec<bool>,
    /// Per token: the start of the next some-day word at or after it in its segment.
    someday_next: Vec<usize>,
    /// Per sentence: a word of the unusual outside a part that says all is well.
    sentence_unusual: Vec<bool>,
    /// Per token: the start of the next figurative cause at or after it in its segment.
    figurative_next: Vec<usize>,
    /// Per token: the end of the last figurative cause at or before it in its segment.
    figurative_last: Vec<usize>,
    /// Per segment: a conditional word opens it ("…, wenn mein Herz rast").
    seg_opens_if: Vec<bool>,
    /// Per segment: its first word, when a question word opens it ("¿por qué toser sangre
    /// *puede ser* peligroso…?": a verb of asking inside such a part is no question of its own).
    seg_question_first: Vec<usize>,
    /// Per token, the last word of the last source of hearsay at or before it in its sentence
    /// ("I read that", "im Kurs hieß es", "el prospecto dice"; a clinician's general claim).
    last_hearsay: Vec<Option<usize>>,
    /// Running count of the words that name a person, not counting a source of hearsay:
    /// `persons_before[i]` is the count before token `i`.
    persons_before: Vec<u32>,
    /// The same for the words that name a person and do not own a team ("*our* team"), and
    /// each clause's first token: a team's game is read in one lookup per mention.
    owners_aside_before: Vec<u32>,
    clause_first: Vec<usize>,
    /// Per sentence: a word of now that is not only "suddenly", nor part of a source of
    /// hearsay or of asking what to do.
    sentence_now: Vec<bool>,
    /// Per token: a "can't" stands at most `UNABLE_REACH` words before it in its clause.
    after_unable: Vec<bool>,
    /// Per clause: a word of sport or effort the writer does not say they cannot do.
    clause_exertion: Vec<bool>,
    /// Within its clause, after a hypothetical trigger.
    hypothetical: Vec<bool>,
    /// Segments in the conditional mood: a conditional word and a subjunctive one.
    seg_conditional: Vec<bool>,
    /// The nearest person word before each token in its clause: whether it is someone else.
    person_before: Vec<Option<bool>>,
    /// The nearest person word before each token in its clause names a patient.
    patient_before: Vec<bool>,
}

/// The conditional words that follow a yes-no question whether something is a clot ("*is
/// it a clot* if…", "*ist das eine Thrombose*, wenn…"): the question opens its sentence and
/// names the clot within its first few words, and the sentence holds no word of people in
/// general, of "you" or of some day, and no conditional mood. At most one per sentence.
/// `first`: each sentence's first word (`usize::MAX` for a sentence with none).
fn diagnostic_ifs(
    tokens: &[Token],
    found: &[(usize, usize, usize)],
    first: &[usize],
) -> Vec<Option<usize>> {
    /// How many words a yes-no question may take before it names the clot ("could this
    /// really be a DVT").
    const QUESTION_WORDS: usize = 5;
    let n = tokens.len();
    let sentences = tokens.last().map_or(0, |t| t.sentence as usize + 1);
    let mut opens = vec![false; n];
    let mut topic_end = vec![false; n];
    let mut conditional_at = vec![false; n];
    let mut excluded = vec![false; sentences];
    let general = [
        Cat::Generic,
        Cat::Impersonal,
        Cat::Someday,
        Cat::Subjunctive,
    ];
    for &(s, e, c) in found {
        if c == Cat::OwnQuestion.ix() || c == Cat::QuestionStart.ix() {
            opens[s] = true;
        } else if c == Cat::Topic.ix() {
            topic_end[e] = true;
        } else if c == Cat::Conditional.ix() {
            conditional_at[s] = true;
        }
        if general.iter().any(|g| g.ix() == c) {
            excluded[tokens[s].sentence as usize] = true;
        }
    }
    (0..sentences)
        .map(|st| {
            let f = first[st];
            if f == usize::MAX || excluded[st] || !opens[f] {
                return None;
            }
            (f + 1..n.min(f + QUESTION_WORDS + 2))
                .take_while(|k| tokens[*k].sentence as usize == st)
                .find(|k| conditional_at[*k] && topic_end[*k - 1])
        })
        .collect()
}

impl Reading {
    pub fn new(tokens: &[Token], atoms: &TokenAtoms, triggers: &Triggers) -> Reading {
        let n = tokens.len();
        let mut found: Vec<(usize, usize, usize)> = triggers
            .set
            .find(tokens, atoms)
            .into_iter()
            .map(|(s, e, c)| (s, e, c as usize))
            .collect();
        // A date a few words after "since" says when something still there began: a word of
        // now ("seit dem Bandscheibenvorfall *letzte Woche* … taub"). A year stays a date
        // ("since 2019" tells of years).
        let mut since_ends = vec![false; n];
        for (_, e, c) in &found {
            since_ends[*e] |= *c == Cat::Since.ix();
        }
        for (s, _, c) in found.iter_mut() {
            if *c == Cat::Historical.ix()
                && (s.saturating_sub(SINCE_REACH)..*s)
                    .any(|k| since_ends[k] && tokens[k].segment == tokens[*s].segment)
            {
                *c = Cat::Current.ix();
            }
        }
        // A year (1900–2099) is a historical trigger.
        for (i, t) in tokens.iter().enumerate() {
            if t.word.len() == 4
                && t.word.chars().all(|c| c.is_ascii_digit())
                && (t.word.starts_with("19") || t.word.starts_with("20"))
            {
                found.push((i, i, Cat::Historical.ix()));
            }
        }
        // Pseudo-triggers cancel the triggers they overlap: counted through a running sum of
        // the tokens they cover, so the check costs the same whatever their number. A longer
        // trigger that holds the pseudo-trigger whole is the more specific reading and stays
        // ("seitdem *nix mehr*": a resolution, though "nix mehr" alone is not a denial).
        let mut pseudo_before = vec![0u32; n + 1];
        // Per token, the extent of the pseudo-triggers that cover it.
        let mut pseudo_extent = vec![(usize::MAX, 0usize); n];
        {
            for (s, e, c) in &found {
                if *c == Cat::Pseudo.ix() {
                    for x in &mut pseudo_extent[*s..=*e] {
                        *x = (x.0.min(*s), x.1.max(*e));
                    }
                }
            }
            for i in 0..n {
                let covered = pseudo_extent[i].0 != usize::MAX;
                pseudo_before[i + 1] = pseudo_before[i] + covered as u32;
            }
        }
        let holds_pseudo = |s: usize, e: usize| {
            pseudo_extent[s..=e]
                .iter()
                .filter(|x| x.0 != usize::MAX)
                .all(|&(ps, pe)| ps >= s && pe <= e && (ps, pe) != (s, e))
        };
        let cancellable = [
            Cat::Negation,
            Cat::NegationAfter,
            Cat::Resolved,
            Cat::Historical,
            Cat::Hypothetical,
            // "como si tuviera…", "als würde…": a comparison, not a condition.
            Cat::Conditional,
            Cat::Subjunctive,
            // "he *was coughing* blood before it happened": past, not present.
            Cat::Present,
            // "Wie ein Spanngurt um die Brust…", "como un cuchillo…": a comparison, not "how".
            Cat::QuestionStart,
            // "…, der andere ist normal warm": the other one, not the one just named.
            Cat::Refer,
            // "…kann das auch Unterzucker *sein*": the verb, not "his".
            Cat::Others,
            // "in case it *ever gets worse*": it is there now.
            Cat::Someday,
            // "it *was just* a cold", "*just a* dry cough": merely, not just now. Only a
            // wider pseudo-trigger cancels these (see `wider`).
            Cat::Current,
            Cat::Sudden,
            // "al *hacer del baño*": going to the toilet, not "make".
            Cat::Causal,
            // "¿el corazón acelerado *puede ser señal* de…?": a general claim asked, not the
            // writer's own question.
            Cat::OwnQuestion,
        ]
        .iter()
        .fold(0u64, |m, c| m | 1 << c.ix());
        // Words of now are cancelled only by a pseudo-trigger that reaches past them ("it was
        // *just*"): one with the same words ("hace un rato", a pseudo-trigger so that "hace"
        // does not read as "ago") says now.
        let only_wider = (1u64 << Cat::Current.ix()) | (1u64 << Cat::Sudden.ix());
        let wider = |s: usize, e: usize| {
            pseudo_extent[s..=e]
                .iter()
                .any(|&(ps, pe)| ps != usize::MAX && (ps < s || pe > e))
        };
        // "Is it a clot if my leg went cold?", "¿Es una trombosis si la pantorrilla se pone
        // fría?": a yes-no question whether a sign means a clot asks about a sign that is
        // there; its "if" states no condition. Not when the sentence speaks of people in
        // general, of "you", or of some day.
        let sentences = tokens.last().map(|t| t.sentence as usize + 1).unwrap_or(0);
        let mut sentence_asks = vec![false; sentences];
        let mut sentence_first = vec![usize::MAX; sentences];
        let mut sentence_last = vec![0usize; sentences];
        for (i, t) in tokens.iter().enumerate() {
            let st = t.sentence as usize;
            sentence_asks[st] |= t.asks;
            sentence_first[st] = sentence_first[st].min(i);
            sentence_last[st] = i;
        }
        // Per token: a conditional word that states no condition; per sentence: it holds one.
        let mut no_condition = vec![false; n];
        let mut sentence_diagnostic = vec![false; sentences];
        for k in diagnostic_ifs(tokens, &found, &sentence_first)
            .into_iter()
            .flatten()
        {
            no_condition[k] = true;
            sentence_diagnostic[tokens[k].sentence as usize] = true;
        }
        let mut covers = vec![0u64; n];
        let mut ends = vec![0u64; n];
        let mut starts = vec![0u64; n];
        let condition = (1u64 << Cat::Conditional.ix()) | (1u64 << Cat::Hypothetical.ix());
        // A resolution denied right beside it ("beruhigt sich *nicht*", "*no* se calma"):
        // the sign goes on.
        let denied_resolution = {
            let mut negation_ends = vec![false; n];
            let mut after_starts = vec![false; n];
            for (s, e, c) in &found {
                negation_ends[*e] |= *c == Cat::Negation.ix();
                after_starts[*s] |= *c == Cat::NegationAfter.ix();
            }
            move |s: usize, e: usize| {
                (s > 0 && negation_ends[s - 1] && tokens[s - 1].segment == tokens[s].segment)
                    // One word may come between: "beruhigt sich *einfach* nicht".
                    || (e + 1..n.min(e + 3))
                        .any(|k| after_starts[k] && tokens[k].segment == tokens[e].segment)
            }
        };
        for (s, e, c) in &found {
            let bit = 1u64 << *c;
            if *c == Cat::Resolved.ix() && denied_resolution(*s, *e) {
                continue;
            }
            if cancellable & bit != 0
                && pseudo_before[*e + 1] > pseudo_before[*s]
                && !holds_pseudo(*s, *e)
                && (only_wider & bit == 0 || wider(*s, *e))
            {
                continue;
            }
            if condition & bit != 0 && no_condition[*s] {
                continue;
            }
            starts[*s] |= bit;
            ends[*e] |= bit;
            covers[*s..=*e].iter_mut().for_each(|m| *m |= bit);
        }
        let on = |m: u64, c: Cat| m >> c.ix() & 1 == 1;
        // A perfect tense ("sie *ist* zu Hause zusammengebroch*en*", "hat … gehabt"): the
        // auxiliary before a past participle in its part is no present verb.
        let present = 1u64 << Cat::Present.ix();
        let mut participle_after = false;
        for i in (0..n).rev() {
            if i + 1 < n && tokens[i + 1].segment != tokens[i].segment {
                participle_after = false;
            }
            if on(covers[i], Cat::Auxiliary) && participle_after {
                covers[i] &= !present;
                starts[i] &= !present;
                ends[i] &= !present;
            }
            participle_after |= on(covers[i], Cat::PastTense) && !on(covers[i], Cat::Auxiliary);
        }
        let mut clause = Vec::with_capacity(n);
        let mut c = 0u32;
        for i in 0..n {
            if i > 0
                && (tokens[i].sentence != tokens[i - 1].sentence
                    || (on(starts[i], Cat::Terminator) && !on(covers[i - 1], Cat::Terminator)))
            {
                c += 1;
            }
            clause.push(c);
        }
        let clauses = c as usize + 1;
        let segments = tokens.last().map(|t| t.segment as usize + 1).unwrap_or(0);
        let mut clause_has = vec![0u64; clauses];
        let mut sentence_has = vec![0u64; sentences];
        for i in 0..n {
            clause_has[clause[i] as usize] |= covers[i];
            sentence_has[tokens[i].sentence as usize] |= covers[i];
        }
        // Per segment: the categories it holds, and its sentence.
        let mut seg_has = vec![0u64; segments];
        let mut seg_sentence = vec![u32::MAX; segments];
        for i in 0..n {
            let s = tokens[i].segment as usize;
            seg_has[s] |= covers[i];
            seg_sentence[s] = tokens[i].sentence;
        }
        let seg_on = |s: usize, c: Cat| on(seg_has[s], c);
        // The subjunctive may open the next segment of the sentence: "wenn ich Brustschmerzen
        // bekomme, *soll ich dann*…".
        let seg_conditional: Vec<bool> = (0..segments)
            .map(|s| {
                let then = s + 1 < segments
                    && seg_sentence[s + 1] == seg_sentence[s]
                    && seg_on(s + 1, Cat::Subjunctive)
                    && !seg_on(s + 1, Cat::Conditional);
                seg_on(s, Cat::Conditional)
                    && !seg_on(s, Cat::Present)
                    && (seg_on(s, Cat::Subjunctive) || then)
            })
            .collect();
        let seg_historical: Vec<bool> = (0..segments).map(|s| seg_on(s, Cat::Historical)).collect();
        // A word of now inside a resolution ("fine *now*", "wieder gut") says the sign is
        // over, not that it is there.
        let now_at = |i: usize| {
            on(covers[i], Cat::Current)
                && !on(covers[i], Cat::Resolved)
                && !on(covers[i], Cat::Recovered)
        };
        let mut seg_current = vec![false; segments];
        for i in 0..n {
            if now_at(i) {
                seg_current[tokens[i].segment as usize] = true;
            }
        }
        // Segments that hold a historical trigger and nothing else but filler ("in", "back",
        // "then") or a resolution ("…, eso fue hace mucho y ya está bien").
        let mut seg_only_historical = seg_historical.clone();
        for i in 0..n {
            if !on(covers[i], Cat::Historical)
                && !on(covers[i], Cat::Filler)
                && !on(covers[i], Cat::Resolved)
            {
                seg_only_historical[tokens[i].segment as usize] = false;
            }
        }
        let mut seg_last = vec![0usize; segments];
        let mut seg_first = vec![usize::MAX; segments];
        for (i, t) in tokens.iter().enumerate() {
            seg_last[t.segment as usize] = i;
            seg_first[t.segment as usize] = seg_first[t.segment as usize].min(i);
        }
        let mut seg_labels = vec![false; segments];
        for t in tokens {
            seg_labels[t.segment as usize] |= t.labels;
        }
        let seg_question_first: Vec<usize> = seg_first
            .iter()
            .map(|&f| {
                if f != usize::MAX && on(starts[f], Cat::QuestionStart) {
                    f
                } else {
                    usize::MAX
                }
            })
            .collect();
        // A sentence asks in general: it ends with "?", opens with a question word or an
        // infinitive (or speaks of people in general, or holds a general marker), and names
        // nobody, does not ask about what is happening ("ist das…") and says nothing of now.
        let sentence_span = (0..sentences)
            .map(|st| (sentence_first[st], sentence_last[st], sentence_asks[st]))
            .collect();
        // A sentence that says now and denies or resolves nothing ("momentan hab ich nichts"
        // says now, and denies).
        let says_now = |m: u64| {
            on(m, Cat::Current)
                && !on(m, Cat::Negation)
                && !on(m, Cat::NegationAfter)
                && !on(m, Cat::Resolved)
        };
        // A later sentence that says now ("…? passiert seit heute mittag") makes an earlier
        // general-sounding question a report.
        let mut now_after = vec![false; sentences + 1];
        for st in (0..sentences).rev() {
            now_after[st] = now_after[st + 1] || says_now(sentence_has[st]);
        }
        // The next sentence says now and points back, with the writer or a present verb
        // ("…? Hab das seit heute", "…? its like that right now"): the question before it
        // was about what is happening.
        // Per sentence: the next one that holds a word ("…?? me está pasando…": "??" ends an
        // empty one), found in one pass from the end.
        let mut next_full = vec![None; sentences];
        for st in (0..sentences.saturating_sub(1)).rev() {
            next_full[st] = if sentence_first[st + 1] != usize::MAX {
                Some(st + 1)
            } else {
                next_full[st + 1]
            };
        }
        let claimed_next: Vec<bool> = (0..sentences)
            .map(|st| {
                let m = next_full[st].map_or(0, |k| sentence_has[k]);
                // "…, ruf ich die 112. Grad ist alles ruhig": now, but all calm.
                says_now(m)
                    && on(m, Cat::Refer)
                    && (on(m, Cat::Writer) || on(m, Cat::Present))
                    && !on(m, Cat::AllClear)
                    && !on(m, Cat::Recovered)
            })
            .collect();
        // A word of now that is not only "suddenly" (`suddenly`: "plötzlich" is a word of now
        // and of how; "today", "jetzt", "ahora" are words of now only; inside a condition
        // or a leaflet's words it says how the sign comes, not when), nor part of a source
        // ("Erste-*Hilfe*-Kurs") or of asking what to do ("*was soll ich tun*, wenn…").
        let mut sentence_now = vec![false; sentences];
        // Per segment, the same without those exceptions: "suddenly" aside, a word of now.
        let mut seg_now = vec![false; segments];
        for i in 0..n {
            if now_at(i) && !on(covers[i], Cat::Manner) {
                seg_now[tokens[i].segment as usize] = true;
                if !on(covers[i], Cat::Hearsay) && !on(covers[i], Cat::WhatToDo) {
                    sentence_now[tokens[i].sentence as usize] = true;
                }
            }
        }
        let sentence_general: Vec<bool> = (0..sentences)
            .map(|st| {
                let k = sentence_first[st];
                let has = |c: Cat| on(sentence_has[st], c);
                let at = |i: usize, c: Cat| {
                    i < n && tokens[i].sentence as usize == st && on(starts[i], c)
                };
                let filler_first = k < n && on(covers[k], Cat::Filler);
                sentence_asks[st]
                    && !now_after[st + 1]
                    && !sentence_diagnostic[st]
                    && k < n
                    // "¿Por qué una pierna se pondría fría *de golpe*?": "suddenly" is how,
                    // not now.
                    && !sentence_now[st]
                    && ![Cat::Writer, Cat::Others, Cat::OwnQuestion]
                        .iter()
                        .any(|c| has(*c))
                    && (at(k, Cat::QuestionStart)
                        || at(k, Cat::AskingStart)
                        || (filler_first && at(k + 1, Cat::QuestionStart))
                        || has(Cat::Generic)
                        || has(Cat::GeneralMarker))
            })
            .collect();
        let mut seg_after_time = vec![false; segments];
        let mut carry = false;
        for s in 0..segments {
            if s > 0 && seg_sentence[s] != seg_sentence[s - 1] || seg_current[s] {
                carry = false;
            }
            seg_after_time[s] = carry;
            if seg_only_historical[s] {
                carry = true;
            }
        }
        // An episode told in the past: a dated segment that names a clot in a past tense ("Back
        // in 2019 I had a PE, I was coughing up blood…", "A mi papá le dio una embolia en
        // 2020, tosía sangre"). The later segments of its sentence that are in a past tense
        // too, with no present verb or word of now between, tell the same episode. Without a
        // past verb in both ("2019 Thrombose, Atemnot") the mention stays current.
        let mut seg_in_episode = vec![false; segments];
        let mut episode = false;
        for s in 0..segments {
            let m = seg_has[s];
            // "suddenly" tells how it came in the episode, not now: "…in 2015, got suddenly
            // breathless on the plane".
            if s > 0 && seg_sentence[s] != seg_sentence[s - 1] || seg_now[s] || on(m, Cat::Present)
            {
                episode = false;
            }
            seg_in_episode[s] = episode && on(m, Cat::PastTense);
            if on(m, Cat::Historical)
                && on(m, Cat::PastTense)
                && on(m, Cat::Topic)
                && !on(m, Cat::Current)
            {
                episode = true;
            }
        }
        // A recovery told later ("…, es war eine Embolie. Bin seit Jahren beschwerdefrei"),
        // with no word of now between that is not itself the recovery: per segment.
        let mut seg_recovery_after = vec![false; segments];
        // A recovery denied just before ("nicht beschwerdefrei", "not doing well") is none; a
        // denial inside it ("llevo años *sin* problemas") is how it is said.
        let mut seg_recovered = vec![false; segments];
        for i in 0..n {
            let denied = (i.saturating_sub(2)..i)
                .any(|k| tokens[k].segment == tokens[i].segment && on(covers[k], Cat::Negation));
            if on(starts[i], Cat::Recovered)
                && !on(covers[i.saturating_sub(1)], Cat::Recovered)
                && !denied
            {
                seg_recovered[tokens[i].segment as usize] = true;
            }
        }
        let mut recovery = false;
        for s in (0..segments).rev() {
            seg_recovery_after[s] = recovery;
            if seg_recovered[s] {
                recovery = true;
            } else if says_now(seg_has[s]) {
                recovery = false;
            }
        }
        // Someone said to be well in a later sentence: a person, an all-clear, no denial, in a
        // sentence that does not ask ("…at work. im fine now"; not "is she ok?"), with no
        // other word of now between; or a recovery after.
        let mut seg_well_after = vec![false; segments];
        let mut well: Option<u32> = None;
        for s in (0..segments).rev() {
            seg_well_after[s] = seg_recovery_after[s] || well.is_some_and(|w| w > seg_sentence[s]);
            let m = seg_has[s];
            if on(m, Cat::AllClear)
                // "está estupenda": the person may be only in the verb.
                && [Cat::Writer, Cat::Others, Cat::Refer, Cat::Present]
                    .iter()
                    .any(|c| on(m, *c))
                && !on(m, Cat::Negation)
                && !sentence_asks[seg_sentence[s] as usize]
            {
                // The latest sentence that says so is kept: an all-clear earlier in the
                // mention's own sentence does not hide one in a later sentence.
                well = Some(well.map_or(seg_sentence[s], |w| w.max(seg_sentence[s])));
            } else if says_now(m) {
                well = None;
            }
        }
        let seg_dated_next: Vec<bool> = (0..segments)
            .map(|s| {
                s + 1 < segments
                    && seg_only_historical[s + 1]
                    && (seg_sentence[s + 1] == seg_sentence[s]
                        || seg_sentence[s + 1] == seg_sentence[s] + 1)
            })
            .collect();
        // A story dated in an earlier sentence goes on in the next ones until a sentence says
        // now or speaks in the present ("Am 14. März bin ich umgekippt. Notaufnahme: EKG
        // normal, vasovagale Synkope. Seitdem nichts mehr."): per sentence.
        let mut story_dated = vec![false; sentences];
        let mut dated = false;
        for st in 0..sentences {
            let m = sentence_has[st];
            if on(m, Cat::Historical) {
                dated = true;
            } else if says_now(m) || on(m, Cat::Present) {
                dated = false;
            }
            story_dated[st] = dated;
        }
        let mut last_reported = vec![None; n];
        let mut last_condition = vec![None; n];
        let mut last_hearsay = vec![None; n];
        let mut seg_writer_last = vec![None; segments];
        // The words naming a person, not counting a source of hearsay, up to each token.
        let mut persons_before = vec![0u32; n + 1];
        let mut owners_aside_before = vec![0u32; n + 1];
        let mut clause_first = vec![usize::MAX; clauses];
        for (i, c) in clause.iter().enumerate() {
            let c = *c as usize;
            clause_first[c] = clause_first[c].min(i);
        }
        for i in 0..n {
            let st = tokens[i].sentence as usize;
            let fresh = i == 0 || tokens[i].sentence != tokens[i - 1].sentence;
            let (r, c, h) = if fresh {
                (None, None, None)
            } else {
                (
                    last_reported[i - 1],
                    last_condition[i - 1],
                    last_hearsay[i - 1],
                )
            };
            let cond = on(covers[i], Cat::Conditional) || on(covers[i], Cat::Hypothetical);
            last_reported[i] = if on(ends[i], Cat::Reported) {
                Some(i)
            } else {
                r
            };
            last_condition[i] = if cond { Some(i) } else { c };
            // A clinician's words count as hearsay when they make a general claim ("my GP
            // said sudden breathlessness is the one thing never to ignore").
            let claim = on(ends[i], Cat::Reported)
                && on(sentence_has[st], Cat::Clinician)
                && on(sentence_has[st], Cat::Claim);
            last_hearsay[i] = if on(ends[i], Cat::Hearsay) || claim {
                Some(i)
            } else {
                h
            };
            let person = (on(covers[i], Cat::Writer) || on(covers[i], Cat::Others))
                && !on(covers[i], Cat::Hearsay);
            persons_before[i + 1] = persons_before[i] + person as u32;
            let owner = i + 1 < n && on(starts[i + 1], Cat::Team);
            let named = (on(covers[i], Cat::Writer) || on(covers[i], Cat::Others)) && !owner;
            owners_aside_before[i + 1] = owners_aside_before[i] + named as u32;
            let s = tokens[i].segment as usize;
            if on(covers[i], Cat::Writer) {
                seg_writer_last[s] = Some(i);
            }
        }
        // Per segment: a later segment of its sentence holds the category.
        let later_in_sentence = |cat: Cat| {
            let mut later = vec![false; segments];
            for s in (0..segments.saturating_sub(1)).rev() {
                later[s] = seg_sentence[s + 1] == seg_sentence[s]
                    && (on(seg_has[s + 1], cat) || later[s + 1]);
            }
            later
        };
        let seg_someday_later = later_in_sentence(Cat::Someday);
        // Per sentence: a word that makes effort no explanation ("even at rest"), outside a part
        // that says all is well ("…, fine at rest").
        // ("Is it normal…" asks; it says nothing is wrong.)
        let mut seg_fine = vec![false; segments];
        for i in 0..n {
            if (on(covers[i], Cat::Resolved) || on(covers[i], Cat::AllClear))
                && !on(covers[i], Cat::NormalAsk)
            {
                seg_fine[tokens[i].segment as usize] = true;
            }
        }
        let mut sentence_unusual = vec![false; sentences];
        for i in 0..n {
            // An unusual word right after the word that opens a pseudo-trigger with it is
            // denied by it: "nada *raro*", "nothing *unusual*" ("hatte ich *noch nie*" is no
            // denial; "no es normal" opens both at once).
            let denied = i > 0
                && on(starts[i], Cat::Unusual)
                && on(covers[i], Cat::Pseudo)
                && on(starts[i - 1], Cat::Pseudo);
            if on(covers[i], Cat::Unusual) && !denied && !seg_fine[tokens[i].segment as usize] {
                sentence_unusual[tokens[i].sentence as usize] = true;
            }
        }
        // "…I get no air on the stairs. That's new.": the next sentence, pointing back, says
        // the sign is new to the writer, and so it is unusual for the sentence it points to.
        // (Only newness: "It's 58 at rest now" after a race points back to a calm state.)
        // A sentence that is all but its newness ("Nunca me había pasado.") points back
        // without a word for it.
        let mut novel_words = vec![0usize; sentences];
        let mut words_in = vec![0usize; sentences];
        for i in 0..n {
            let st = tokens[i].sentence as usize;
            words_in[st] += 1;
            novel_words[st] += on(covers[i], Cat::Novel) as usize;
        }
        for st in 0..sentences {
            if let Some(k) = next_full[st]
                && on(sentence_has[k], Cat::Novel)
                && (on(sentence_has[k], Cat::Refer) || words_in[k] <= novel_words[k] + 1)
            {
                sentence_unusual[st] = true;
            }
        }
        // Per token: the nearest start of a category at or after it in its segment.
        let next_start = |cat: Cat| {
            let mut out = vec![usize::MAX; n];
            let mut next = usize::MAX;
            for i in (0..n).rev() {
                if i + 1 < n && tokens[i + 1].segment != tokens[i].segment {
                    next = usize::MAX;
                }
                if on(starts[i], cat) {
                    next = i;
                }
                out[i] = next;
            }
            out
        };
        let figurative_next = next_start(Cat::Figurative);
        // Per token: where the last figurative cause ends at or before it in its segment.
        let mut figurative_last = vec![usize::MAX; n];
        let mut last = usize::MAX;
        for i in 0..n {
            if i > 0 && tokens[i].segment != tokens[i - 1].segment {
                last = usize::MAX;
            }
            if on(ends[i], Cat::Figurative) {
                last = i;
            }
            figurative_last[i] = last;
        }
        // Per token: where the next some-day word starts in its segment ("…make me cough up
        // blood *at some point*?").
        let someday_next = next_start(Cat::Someday);
        let seg_what_if_later = later_in_sentence(Cat::Hypothetical);
        let mut hypothetical = vec![false; n];
        let mut active = false;
        // A part after a comma that opens with a new subject and a present verb starts a new
        // statement: "if it gets worse call, *and I can't* breathe".
        let new_statement = |i: usize| {
            let mut o = i;
            while o + 1 < n
                && tokens[o + 1].segment == tokens[i].segment
                && on(covers[o], Cat::List)
            {
                o += 1;
            }
            let subject = [Cat::Writer, Cat::Others, Cat::Refer]
                .iter()
                .any(|c| on(covers[o], *c));
            subject
                && (on(covers[o], Cat::Present)
                    || (o + 1 < n
                        && tokens[o + 1].segment == tokens[i].segment
                        && on(covers[o + 1], Cat::Present)))
        };
        // Words in scope so far: "Mal angenommen, mir wird…" states its condition after the
        // comma, so that part is no new statement.
        let mut in_scope = 0usize;
        for i in 0..n {
            // A later part that says now ("si se pueden lavar, y *desde anoche* me cuesta
            // respirar") is no longer the condition.
            if i > 0
                && (clause[i] != clause[i - 1]
                    || (in_scope > 0
                        && tokens[i].segment != tokens[i - 1].segment
                        && (new_statement(i) || seg_now[tokens[i].segment as usize])))
            {
                active = false;
            }
            hypothetical[i] = active;
            in_scope += active as usize;
            if on(ends[i], Cat::Hypothetical) {
                active = true;
                in_scope = 0;
            }
        }
        // A condition that opens its segment, names someone else or how the sign would come
        // ("wird", "me da"), says nothing of now, in a sentence that asks: the sign is the
        // condition of the question. Only a mention inside it is set aside: "wenn ich
        // einatme, tut die Brust weh, ist das…?" names the sign outside the condition.
        // Per segment: a conditional word opens it, after filler ("und wenn…").
        let seg_opens_if: Vec<bool> = (0..segments)
            .map(|s| {
                // A segment with no word (", ," or "¿…?" opening with an empty one).
                if seg_sentence[s] == u32::MAX {
                    return false;
                }
                let mut o = seg_first[s];
                while o < seg_last[s]
                    && (on(covers[o], Cat::Filler) || on(covers[o], Cat::List))
                    && !on(starts[o], Cat::Conditional)
                {
                    o += 1;
                }
                on(starts[o], Cat::Conditional)
            })
            .collect();
        let seg_if_question: Vec<bool> = (0..segments)
            .map(|s| {
                if !seg_opens_if[s] {
                    return false;
                }
                let st = seg_sentence[s] as usize;
                // "Was soll ich tun, wenn ich … schwarzen Stuhl hab?": the question asks what
                // to do in that case, and the sentence says nothing of now.
                let what_to_do = on(sentence_has[st], Cat::WhatToDo) && !sentence_now[st];
                ([Cat::Onset, Cat::Others, Cat::Generic]
                    .iter()
                    .any(|c| seg_on(s, *c))
                    || what_to_do)
                    && !seg_now[s]
                    && sentence_asks[st]
                    && !now_after[st + 1]
            })
            .collect();
        // Per token: a "can't" stands at most `UNABLE_REACH` words before it in its clause.
        // Sport or stairs the writer says they cannot do ("cha nöd emal d Stäge ufe", "can't
        // even get up the stairs") do not explain the sign: per clause, an exertion word that
        // no "can't" stands at or just before.
        let mut after_unable = vec![false; n];
        let mut clause_exertion = vec![false; clauses];
        let mut last_unable: Option<usize> = None;
        for i in 0..n {
            if i > 0 && clause[i] != clause[i - 1] {
                last_unable = None;
            }
            after_unable[i] = last_unable.is_some_and(|u| i - u <= UNABLE_REACH);
            if on(covers[i], Cat::Unable) {
                last_unable = Some(i);
            }
            // "…, no exercise": a denied effort explains nothing either.
            let denied = i > 0 && on(covers[i - 1], Cat::Negation);
            if on(covers[i], Cat::Exertion)
                && !after_unable[i]
                && !on(covers[i], Cat::Unable)
                && !denied
            {
                clause_exertion[clause[i] as usize] = true;
            }
        }
        let mut person_before = vec![None; n];
        let mut patient_before = vec![false; n];
        let mut last: Option<bool> = None;
        let mut patient = false;
        for i in 0..n {
            if i > 0 && clause[i] != clause[i - 1] {
                last = None;
                patient = false;
            }
            person_before[i] = last;
            patient_before[i] = patient;
            let writer = on(covers[i], Cat::Writer);
            if writer || on(covers[i], Cat::Others) || on(covers[i], Cat::Patient) {
                last = Some(!writer || on(covers[i], Cat::Patient));
                patient = on(covers[i], Cat::Patient);
            }
        }
        Reading {
            n,
            covers,
            ends,
            starts,
            clause,
            segment: tokens.iter().map(|t| t.segment).collect(),
            sentence: tokens.iter().map(|t| t.sentence).collect(),
            clause_has,
            sentence_has,
            seg_historical,
            seg_sentence,
            seg_last,
            seg_first,
            seg_labels,
            sentence_general,
            diagnostic_if: sentence_diagnostic.iter().any(|d| *d),
            sentence_span,
            claimed_next,
            // After the first sentence that holds a word ("¿…?" opens with an empty one).
            reports_later: tokens
                .first()
                .and_then(|t| now_after.get(t.sentence as usize + 1))
                .copied()
                .unwrap_or(false),
            seg_current,
            seg_now,
            seg_after_time,
            seg_in_episode,
            seg_recovery_after,
            seg_well_after,
            seg_dated_next,
            story_dated,
            last_reported,
            last_condition,
            seg_what_if_later,
            seg_someday_later,
            seg_present: (0..segments).map(|s| seg_on(s, Cat::Present)).collect(),
            seg_past_tense: (0..segments).map(|s| seg_on(s, Cat::PastTense)).collect(),
            seg_writer_last,
            seg_if_question,
            someday_next,
            sentence_unusual,
            figurative_next,
            figurative_last,
            seg_opens_if,
            seg_question_first,
            after_unable,
            clause_exertion,
            last_hearsay,
            persons_before,
            owners_aside_before,
            clause_first,
            sentence_now,
            hypothetical,
            seg_conditional,
            person_before,
            patient_before,
        }
    }

    /// Each word with the categories that cover it, and where segments and sentences break:
    /// for [`super::Detector::explain`] only.
    pub fn describe(&self, tokens: &[Token]) -> String {
        let mut out = String::new();
        for (i, t) in tokens.iter().enumerate() {
            if i > 0 && self.sentence[i] != self.sentence[i - 1] {
                out.push_str(" || ");
            } else if i > 0 && self.segment[i] != self.segment[i - 1] {
                out.push_str(" | ");
            } else if i > 0 {
                out.push(' ');
            }
            out.push_str(&t.word);
            let cats: Vec<&str> = Cat::ALL
                .iter()
                .filter(|c| self.is(i, **c))
                .map(|c| c.key())
                .collect();
            if !cats.is_empty() {
                out.push_str(&format!("[{}]", cats.join(",")));
            }
        }
        out
    }

    pub fn has(&self, cat: Cat) -> bool {
        self.sentence_has.iter().any(|m| m >> cat.ix() & 1 == 1)
    }

    pub fn clause_has(&self, i: usize, cat: Cat) -> bool {
        self.clause_has[self.clause[i] as usize] >> cat.ix() & 1 == 1
    }

    pub fn sentence_has(&self, i: usize, cat: Cat) -> bool {
        self.sentence_has[self.sentence[i] as usize] >> cat.ix() & 1 == 1
    }

    pub fn is_negation(&self, i: usize) -> bool {
        self.is(i, Cat::Negation)
    }

    /// A word that joins a list ("or", "ni", "noch").
    pub fn is_list(&self, i: usize) -> bool {
        self.is(i, Cat::List)
    }

    /// Whether two words belong to one statement: no segment between them opens with a new
    /// person or a contrast ("my heart is going, really fast" is one; "my leg, and I am cold"
    /// is not).
    pub fn joined(&self, start: usize, end: usize) -> bool {
        (start + 1..=end).all(|k| {
            self.segment[k] == self.segment[k - 1] || {
                let o = self.opener(k);
                self.is(o, Cat::Refer)
                    || !(self.is(o, Cat::Writer)
                        || self.is(o, Cat::Others)
                        || self.is(k, Cat::Terminator))
            }
        })
    }

    pub fn same_segment(&self, i: usize, j: usize) -> bool {
        self.segment[i] == self.segment[j]
    }

    /// The rest of the segment after `i` says it is fine ("the chest *is fine*, the calf
    /// hurts", "el pecho *bien*, …"): only all-clear words and present-tense verbs.
    ///
    /// A verb of its own may come first, with a word of degree, when the segment ends on the
    /// all-clear ("das Herz *schlägt ganz normal*", "el pulso *está tranquilo*"), with no
    /// denial in it ("…is not normal").
    pub fn fine_after(&self, i: usize) -> bool {
        let rest = || (i + 1..self.n).take_while(|k| self.segment[*k] == self.segment[i]);
        let plain = |k: usize| {
            self.is(k, Cat::AllClear) || self.is(k, Cat::Present) || self.is(k, Cat::Filler)
        };
        rest().any(|k| self.is(k, Cat::AllClear))
            && (rest().all(|k| self.is(k, Cat::AllClear) || self.is(k, Cat::Present))
                || (rest().last().is_some_and(|k| self.is(k, Cat::AllClear))
                    && !rest().any(|k| self.is(k, Cat::Negation))
                    && rest().filter(|k| !plain(*k)).count() <= 2))
    }

    pub fn same_clause(&self, i: usize, j: usize) -> bool {
        self.clause[i] == self.clause[j]
    }

    fn starts_at(&self, i: usize, cat: Cat) -> bool {
        self.starts[i] >> cat.ix() & 1 == 1
    }

    fn ends_at(&self, i: usize, cat: Cat) -> bool {
        self.ends[i] >> cat.ix() & 1 == 1
    }

    fn is(&self, i: usize, cat: Cat) -> bool {
        self.covers[i] >> cat.ix() & 1 == 1
    }

    /// The first word of the segment or clause that starts at `i`, past any terminator.
    fn opener(&self, mut i: usize) -> usize {
        while i + 1 < self.n && self.is(i, Cat::Terminator) {
            i += 1;
        }
        i
    }

    /// Whether a mention from `start` to `end` (inclusive) reports something now, as far as
    /// its context tells.
    pub fn is_current(&self, start: usize, end: usize, nature: Nature) -> bool {
        !(self.negated(start) || self.set_aside(start, end, nature))
    }

    /// A denial after the mention that closes its segment ("mein Herz rast *nicht*").
    pub fn denied_after(&self, end: usize) -> bool {
        (end + 1..self.n.min(end + 1 + NEGATION_AFTER_REACH))
            .take_while(|k| {
                self.segment[*k] == self.segment[end]
                    && !self.is(*k, Cat::List)
                    && !self.is(*k, Cat::Terminator)
            })
            .any(|k| {
                let closes_part = || {
                    (k..self.n)
                        .take_while(|j| self.segment[*j] == self.segment[k])
                        .last()
                        .is_some_and(|j| self.ends_at(j, Cat::ClosingDenial))
                };
                (self.starts_at(k, Cat::ClosingDenial) && closes_part())
                // Post-verbal denial closes its clause: "…, Herzrasen hatte ich auch *nie*."
                || self.starts_at(k, Cat::NegationAfter)
                    // "Umgekippt bin ich nicht und schwindlig…": "und" ends the clause too.
                    && (k + 1..self.n.min(k + 4))
                        .take_while(|i| {
                            self.segment[*i] == self.segment[k]
                                && !self.is(*i, Cat::List)
                                && !self.is(*i, Cat::Terminator)
                        })
                        .filter(|i| !self.is(*i, Cat::NegationAfter))
                        .count()
                        <= 1
            })
    }

    /// Everything but negation: resolved, hypothetical, historical, someone else's past,
    /// sport. (A pair checks negation before each of its parts.)
    pub fn set_aside(&self, start: usize, end: usize, nature: Nature) -> bool {
        self.aside_because(start, end, nature).is_some()
    }

    /// Why a mention is set aside, named for `explain`; `None` when nothing sets it aside.
    pub fn aside_because(&self, start: usize, end: usize, nature: Nature) -> Option<&'static str> {
        let sentence = self.sentence[start] as usize;
        let segment = self.segment[start] as usize;
        // A mention that holds its own denial is not denied again by one after it: spoken
        // double negation stresses ("i kriag ka Luft ned"; "ya no puede aguantar … para
        // nada", where "ya no" is a pseudo-trigger that keeps the "no" from denying).
        if self.denied_after(end)
            && !(start..=end).any(|k| self.is(k, Cat::Negation) || self.is(k, Cat::Pseudo))
        {
            return Some("denied after");
        }
        if self.resolved(end) && !(nature.event && self.just_now(start)) {
            return Some("resolved");
        }
        if self.answered_no(start, end) {
            return Some("answered no");
        }
        // A mention that starts inside the trigger ("should I *call* an ambulance if…").
        if !self.claimed_next[sentence]
            && !self.met_after(end)
            && (self.hypothetical[start]
                || self.is(start, Cat::Hypothetical)
                || self.seg_conditional[segment])
        {
            return Some("hypothetical");
        }
        if self.segment[start] == self.segment[end] && self.seg_if_question[segment] {
            return Some("condition asked about");
        }
        if self.hearsay(start, end) {
            return Some("hearsay");
        }
        if self.historical(start) {
            return Some("historical");
        }
        if self.advice(start) {
            return Some("advice");
        }
        if self.named_cause(start, end) {
            return Some("a cause named");
        }
        if self.someday_after(start, end) {
            return Some("some day");
        }
        if self.sentence_general[sentence] {
            return Some("general");
        }
        if self.someone_elses_past(start) {
            return Some("someone else's past");
        }
        if nature.exertion
            && self.clause_exertion[self.clause[start] as usize]
            && !self.sentence_unusual[sentence]
            && !self.inability_now(start)
        {
            return Some("exertion");
        }
        if self.fiction(start) {
            return Some("fiction");
        }
        // "watching the footy…, then a crushing pain in *my* chest": the writer's own body.
        if self.teams_game(start) && !(start..=end).any(|k| self.is(k, Cat::Writer)) {
            return Some("a team's game");
        }
        if self.defined(start) {
            return Some("a term asked about");
        }
        if self.figurative_cause(start, end) {
            return Some("figurative cause");
        }
        if self.patients_past(start) {
            return Some("patients' past");
        }
        None
    }

    /// A sign's name (a word or two) at most two words after words naming what something
    /// turned out to be, in a sentence that says nothing of now: "war eine LE", "it turned out
    /// to be angina", "harmlose Extrasystolen", "resultó ser una arritmia". "Mein Vater ist
    /// zusammengebrochen, ich glaub es war ein Herzinfarkt" keeps its collapse, and "ich
    /// glaub das war *gerade* ein Herzinfarkt" says now.
    fn named_cause(&self, start: usize, end: usize) -> bool {
        // A name is a word or two: "es war ein Stechen in der Brust" describes.
        if end > start + 1 || self.sentence_now[self.sentence[start] as usize] {
            return false;
        }
        let seg = self.segment[start];
        (start.saturating_sub(3)..start)
            .any(|k| self.segment[k] == seg && self.ends_at(k, Cat::NamedCause))
    }

    /// The writer says right after the condition that it is met: "call if I get breathless
    /// *and well I am now*", "wenn ich Atemnot krieg, *und die hab ich jetzt*". A list word
    /// follows the mention, and the rest of its part, a few words, says only the writer, a
    /// present verb and a word of now.
    fn met_after(&self, end: usize) -> bool {
        let seg = self.segment[end];
        let k = end + 1;
        if k >= self.n || self.segment[k] != seg || !self.is(k, Cat::List) {
            return false;
        }
        let last = self.seg_last[seg as usize];
        if last > k + 5 {
            return false;
        }
        // Only those words, and filler or a word pointing back: "and I am alone now" says
        // something else.
        let said = [
            Cat::Writer,
            Cat::Present,
            Cat::Current,
            Cat::Filler,
            Cat::Refer,
        ];
        (k + 1..=last).all(|j| said.iter().any(|c| self.is(j, *c)))
            && [Cat::Writer, Cat::Present, Cat::Current]
                .iter()
                .all(|c| (k + 1..=last).any(|j| self.is(j, *c)))
    }

    /// A word of now in the mention's part that is no word of how ("me *acabo de* desmayar,
    /// ya estoy bien", "hab *vorhin* nix mehr mitgekriegt"; not "suddenly"): an event told
    /// with it happened just now, whatever recovery follows.
    fn just_now(&self, start: usize) -> bool {
        let seg = self.segment[start] as usize;
        (self.seg_first[seg]..=self.seg_last[seg]).any(|k| {
            self.is(k, Cat::Current)
                && ![Cat::Manner, Cat::Resolved, Cat::Recovered, Cat::AllClear]
                    .iter()
                    .any(|c| self.is(k, *c))
        })
    }

    pub fn negated(&self, start: usize) -> bool {
        self.negated_by(start).is_some()
    }

    /// A sign asked as its own question and answered no in the next sentence or its first part
    /// ("Herzrasen? Nö.", "¿ahogo? tampoco.", "chest pain? none, just the calf"): the writer
    /// runs through a list and denies it.
    pub fn answered_no(&self, start: usize, end: usize) -> bool {
        self.labelled_no(start, end) || self.asked_no(start, end)
    }

    /// A label answered no, as in a checklist: "Brustschmerzen: nein.", "Luftnot – nein",
    /// "Luftnot, Brustschmerz, Bluthusten: alles Fehlanzeige". The mention's part holds at
    /// most two other words and is a label, or the first of a list of short parts (three
    /// words at most) that ends in one; the value after it, three words at most, only denies.
    fn labelled_no(&self, start: usize, end: usize) -> bool {
        let seg = self.segment[start] as usize;
        let len = |s: usize| {
            let f = self.seg_first[s];
            if f == usize::MAX {
                0
            } else {
                self.seg_last[s] + 1 - f
            }
        };
        // The label names the sign, a word or two beside it, or a short list of signs ("numb
        // groin or wetting myself - nope").
        let listed = || {
            len(seg) <= LABEL_LIST_WORDS
                && (self.seg_first[seg]..=self.seg_last[seg])
                    .any(|k| (k < start || k > end) && self.is(k, Cat::List))
        };
        if self.segment[end] as usize != seg || len(seg) > (end + 1 - start) + 2 && !listed() {
            return false;
        }
        let st = self.seg_sentence[seg];
        let same = |s: usize| s < self.seg_labels.len() && self.seg_sentence[s] == st;
        let mut s = seg;
        while !self.seg_labels[s] {
            s += 1;
            if !same(s) || len(s) > 3 {
                return false;
            }
        }
        // Only denial and filler: "Brustschmerzen: nicht mehr auszuhalten" says much.
        let v = s + 1;
        let denial = [Cat::Negation, Cat::NegationAfter];
        same(v)
            && (1..=3).contains(&len(v))
            && (self.seg_first[v]..=self.seg_last[v]).any(|k| denial.iter().any(|c| self.is(k, *c)))
            && (self.seg_first[v]..=self.seg_last[v])
                .all(|k| denial.iter().chain(&[Cat::Filler]).any(|c| self.is(k, *c)))
    }

    /// A sign asked about and answered no in the next sentence.
    fn asked_no(&self, start: usize, end: usize) -> bool {
        let st = self.sentence[start] as usize;
        let Some(&(first, last, asks)) = self.sentence_span.get(st) else {
            return false;
        };
        let Some(&(next_first, next_last, _)) = self.sentence_span.get(st + 1) else {
            return false;
        };
        let others = (last + 1 - first) - (end + 1 - start);
        // The answer is the next sentence or its first part: "Herzrasen? Nein, Puls ist bei 68".
        let answer = (next_first..=next_last)
            .take_while(|k| self.segment[*k] == self.segment[next_first])
            .count();
        asks && others <= 1
            && next_first < self.n
            && answer <= 3
            && (self.starts_at(next_first, Cat::Negation)
                || self.starts_at(next_first, Cat::NegationAfter))
    }

    /// The end of the negation that denies a mention starting at `start`, if one does.
    pub fn negated_by(&self, start: usize) -> Option<usize> {
        let from = start.saturating_sub(NEGATION_REACH);
        // A denial that ends on the mention's first word began before it ("*nada dormido* ahí
        // abajo"): one started in its segment, not closed before the mention.
        let into = |k: usize| {
            k == start
                && (from..start).rev().any(|j| {
                    self.starts_at(j, Cat::Negation)
                        && self.segment[j] == self.segment[start]
                        && !(j..start).any(|i| self.ends_at(i, Cat::Negation))
                })
        };
        let t = (from..=start)
            .rev()
            .take_while(|k| self.clause[*k] == self.clause[start])
            .find(|k| self.ends_at(*k, Cat::Negation) && (*k < start || into(*k)))?;
        // "Can't walk to the kitchen *without* getting out of breath", "schaff nicht mal die
        // Treppe, *ohne dass* mir die Luft wegbleibt": "without" after not being able to do
        // something says the sign comes every time.
        if self.after_inability(t) {
            return None;
        }
        // A lone "No," answers something else; a new subject after a comma starts a new
        // statement.
        let mut first = t;
        while first > 0 && self.is(first - 1, Cat::Negation) {
            first -= 1;
        }
        let alone = (first == 0 || self.segment[first - 1] != self.segment[first])
            && t + 1 < self.n
            && self.segment[t + 1] != self.segment[t];
        if alone {
            return None;
        }
        // "… and the foot is icy": a new subject after "and" starts a new statement. So does
        // "and" (or a comma) after a denial that has its own subject or verb: "Blase macht
        // nicht mehr, was *sie* soll, und zwischen den Beinen…", "ohne dass ich's gemerkt
        // *hab*, und zwischen den Beinen…" deny nothing after them.
        let whole = |k: usize| {
            (t + 1..k).any(|j| {
                !self.is(j, Cat::Negation)
                    && (self.is(j, Cat::Writer)
                        || self.is(j, Cat::Others)
                        || self.is(j, Cat::Present))
            })
        };
        for k in t + 1..start {
            if self.is(k, Cat::List)
                && !self.starts_at(k, Cat::Negation)
                && (self.is(k + 1, Cat::Writer)
                    || self.is(k + 1, Cat::Others)
                    || self.is(k + 1, Cat::Refer)
                    || whole(k))
            {
                return None;
            }
        }
        // Past a comma, only into a list ("no chest pain, breathlessness or…"): the mention
        // opens its segment, or the segment opens with "or", "and", "no".
        for k in t + 1..=start {
            if self.segment[k] != self.segment[k - 1] {
                let o = self.opener(k);
                let listed = o == start
                    || self.is(o, Cat::List)
                    || self.starts_at(o, Cat::Negation) && !self.is(o, Cat::Writer);
                if !listed
                    || whole(k)
                    || self.is(o, Cat::Writer)
                    || self.is(o, Cat::Others)
                    || self.is(o, Cat::Refer)
                {
                    return None;
                }
            }
        }
        Some(t)
    }

    /// "Without" at `t`, after not being able to do something in the same clause ("can't walk
    /// to the kitchen *without*…").
    /// A denial that is part of "can't … without", up to `upto`: "ich schaff es *nicht*
    /// mehr in die Küche ohne Pause" affirms what follows "ohne".
    /// "Without" itself after a "can't" is no denial either ("kann kaum einen Satz sprechen
    /// *ohne* Luft zu holen").
    pub fn unable_without(&self, k: usize, upto: usize) -> bool {
        self.after_inability(k)
            || (self.is(k, Cat::Unable)
                && (k..=upto.min(self.n - 1)).any(|t| self.after_inability(t)))
    }
    fn after_inability(&self, t: usize) -> bool {
        self.is(t, Cat::Without) && self.after_unable[t]
    }

    /// The mention follows "can't … without" in its clause, in a sentence that says now:
    /// sport or stairs no longer explain it ("no puedo subir la escalera sin ahogarme desde
    /// hoy"); "I can't run 5k without getting out of breath" says no now and stays sport.
    fn inability_now(&self, start: usize) -> bool {
        self.sentence_has(start, Cat::Current)
            && (start.saturating_sub(NEGATION_REACH)..start)
                .any(|t| self.clause[t] == self.clause[start] && self.after_inability(t))
    }

    /// The mention is told resolved, and does not come back later ("it went away, *but now
    /// it's back*").
    fn resolved(&self, end: usize) -> bool {
        self.resolution(end).is_some_and(|t| !self.recurs_after(t))
    }

    /// A later word says the sign came back, in the resolution's sentence or the next: not
    /// denied ("never came back") nor inside a condition ("if it comes back").
    fn recurs_after(&self, t: usize) -> bool {
        let last = self.sentence[t] + 1;
        (t + 1..self.n.min(t + 1 + RECURRENCE_REACH))
            .take_while(|k| self.sentence[*k] <= last)
            .any(|k| {
                let seg = self.segment[k];
                let condition = (0..k)
                    .rev()
                    .take_while(|j| self.segment[*j] == seg)
                    .any(|j| self.is(j, Cat::Conditional) || self.is(j, Cat::Hypothetical));
                self.starts_at(k, Cat::Recurrence)
                    && !condition
                    && !self.seg_conditional[seg as usize]
                    && !(k.saturating_sub(2)..k)
                        .any(|j| self.segment[j] == self.segment[k] && self.is(j, Cat::Negation))
            })
    }

    /// Whether `k` stands in a part that a question word opens, in a sentence that asks:
    /// "Frage: ist Herzklopfen *normal* bei ner Thrombose?" asks, it does not say the sign is
    /// over (read only in the sign's own part: "Herzrasen, *ist* aber wieder weg, soll ich…?"
    /// opens a statement with its verb).
    fn yes_no_question_at(&self, k: usize) -> bool {
        let asks = self
            .sentence_span
            .get(self.sentence[k] as usize)
            .is_some_and(|s| s.2);
        asks && self.seg_question_first[self.segment[k] as usize] != usize::MAX
    }

    /// Where the resolution of a mention ending at `end` starts, if it is told resolved.
    fn resolution(&self, end: usize) -> Option<usize> {
        // The next segment of the sentence opens with the resolution, however long the
        // mention's own segment ("my heart raced for a few minutes yesterday after three
        // espressos, been totally fine since").
        let k = self.seg_last[self.segment[end] as usize] + 1;
        if k < self.n && self.sentence[k] == self.sentence[end] {
            // A resolution may itself start with a filler word ("seitdem nix mehr").
            let o = (self.opener(k)..self.n)
                .take_while(|i| self.segment[*i] == self.segment[k])
                .take(RESOLVED_REACH)
                .find(|i| {
                    self.starts_at(*i, Cat::Resolved)
                        || !(self.is(*i, Cat::Current) || self.is(*i, Cat::Filler))
                });
            if let Some(o) = o.filter(|o| self.starts_at(*o, Cat::Resolved)) {
                return Some(o);
            }
        }
        let to = self.n.min(end + 1 + RESOLVED_REACH);
        let t = (end + 1..to)
            .take_while(|k| self.sentence[*k] == self.sentence[end])
            .find(|k| self.starts_at(*k, Cat::Resolved))?;
        if self.segment[t] == self.segment[end] && self.yes_no_question_at(t) {
            return None;
        }
        // Across a comma or a clause, only when the new part points back ("…, it went away")
        // or opens with the resolution, after words of time or filler ("…, jetzt ist alles
        // wieder gut").
        let mut last_break = None;
        for k in end + 1..=t {
            if self.segment[k] != self.segment[k - 1] || self.clause[k] != self.clause[k - 1] {
                last_break = Some(k);
            }
        }
        let told = match last_break {
            None => true,
            Some(k) => {
                let o = self.opener(k);
                (o..t).all(|i| self.is(i, Cat::Current) || self.is(i, Cat::Filler))
                    // The resolution may point back itself: "…, drank some water and *it*
                    // passed".
                    || (o..=t).any(|i| self.is(i, Cat::Refer))
            }
        };
        told.then_some(t)
    }

    fn historical(&self, start: usize) -> bool {
        let seg = self.segment[start] as usize;
        // A dated sentence whose story ends in a recovery told later: the date wins even over
        // "suddenly" in its own part ("2017 nach der OP bekam ich plötzlich kaum Luft, … Bin
        // seit Jahren beschwerdefrei"); elsewhere in the sentence, a word of now still wins.
        // A day of the last few dates it too when a past verb tells it, or no present one
        // ("War am Dienstag wegen Brustschmerzen im Spital, … Mir geht's wieder gut", "On
        // Monday I fainted giving blood, …, no problems since").
        let dated = self.sentence_has(start, Cat::Historical)
            || self.story_dated[self.sentence[start] as usize]
            || (self.sentence_has(start, Cat::PastDay)
                && (self.sentence_has(start, Cat::PastTense) || !self.seg_present[seg]));
        if self.seg_recovery_after[seg]
            && dated
            && (self.seg_historical[seg] || !self.seg_current[seg])
        {
            return true;
        }
        // "Meine Mutter hatte letztes Jahr plötzlich ein kaltes Bein": a date and a past verb
        // with only "suddenly" for now tell how it came then. A present verb keeps it ("hatte
        // letztes Jahr eine Thrombose und plötzlich krieg ich keine Luft").
        let only_sudden = !self.seg_now[seg] && self.seg_past_tense[seg] && !self.seg_present[seg];
        // A dated story that ends well later: "i had a PE in 2020, suddenly couldnt breathe
        // at work. im fine now", "…se desmayó de repente… Hace tres años de eso, está
        // estupenda". Undated, or without the good end, the sign may be now.
        if only_sudden
            && self.seg_well_after[seg]
            && (dated || self.seg_in_episode[seg] || self.seg_dated_next[seg])
        {
            return true;
        }
        if self.seg_current[seg] && !(only_sudden && self.seg_historical[seg]) {
            return false;
        }
        let in_clause = |s: usize| self.seg_sentence[s] == self.sentence[start];
        self.seg_historical[seg]
            || self.seg_after_time[seg]
            || self.seg_in_episode[seg]
            || (self.seg_dated_next[seg] && in_clause(seg + 1))
    }

    /// Advice a clinician gave, told on: the sentence names a clinician and reports their
    /// words, and the mention is
    /// - inside a condition of those words, in its own part ("mein Hausarzt hat gesagt, *wenn*
    ///   ich plötzlich Atemnot bekomme, soll ich…"); a later part ("…, and I can't breathe")
    ///   is not;
    /// - or followed, in a later part, by a what-if, in a sentence that says nothing of now
    ///   and names the writer nowhere after the reporting verb ("physio mentioned that going
    ///   numb down below would be a 999 job, good to know *in case* it ever happens").
    ///
    /// Someone else's words without a clinician ("Mi papá dice que le duele… y más si
    /// respira") are a report.
    fn advice(&self, start: usize) -> bool {
        // A leaflet or a course speaks like a clinician: "the leaflet says to call 999 if I
        // cough up blood".
        if !self.sentence_has(start, Cat::Clinician) && !self.sentence_has(start, Cat::Hearsay) {
            return false;
        }
        let seg = self.segment[start] as usize;
        // "Wenn mein Herz wieder mal rast, will der Kardiologe, dass ich in die Notaufnahme
        // geh": the sign is the case of an instruction to call for help, whatever the order.
        if self.case_of_call(start)
            || (self.seg_opens_if[seg]
                && self.sentence_has(start, Cat::CallForHelp)
                && !self.sentence_now[self.sentence[start] as usize])
        {
            return true;
        }
        let Some(said) = self.last_reported[start] else {
            return false;
        };
        // "My doctor said call if I get breathless — and I am now": the condition is met.
        let inside = self.last_condition[start]
            .is_some_and(|c| c > said && self.segment[c] as usize == seg)
            && !self.sentence_now[self.sentence[start] as usize];
        let told_on = self.seg_what_if_later[seg]
            && !self.sentence_has(start, Cat::Current)
            && self.seg_writer_last[seg].is_none_or(|w| w < said);
        inside || told_on
    }

    /// The case an instruction to call for help names, in someone's words: "my GP said *with
    /// sudden breathlessness* I should call 999", "die Hebamme meinte, *bei Herzrasen* soll
    /// ich sofort anrufen", "*bei kaltem blassem Bein* sofort Rettung rufen, hat die
    /// Chirurgin gesagt". A case word stands at most `CASE_REACH` words before the sign in
    /// its part; the sentence has a reporting verb or a source and a word of calling for
    /// help, says nothing of now, and the sign's part has no present verb.
    fn case_of_call(&self, start: usize) -> bool {
        let seg = self.segment[start];
        let case = (start.saturating_sub(CASE_REACH)..=start)
            .any(|k| self.segment[k] == seg && self.is(k, Cat::CaseOf));
        case && (self.sentence_has(start, Cat::Reported) || self.sentence_has(start, Cat::Hearsay))
            && self.sentence_has(start, Cat::CallForHelp)
            && !self.sentence_now[self.sentence[start] as usize]
            && !self.seg_present[seg as usize]
    }

    /// What someone read, was taught or was asked, told on as general knowledge: "I read that
    /// coughing up blood can be a sign of a clot", "im Erste-Hilfe-Kurs hieß es, ein kaltes
    /// blasses Bein ist ein Notfall", "mi mamá me preguntó si con dolor de pecho hay que ir a
    /// urgencias". No person is named from the source to the end of the mention's part, and
    /// the sentence says nothing of now: "I read about clots and I'm coughing up blood" and
    /// "…, mine is cold and white right now" stay reports.
    fn hearsay(&self, start: usize, end: usize) -> bool {
        let Some(h) = self.last_hearsay[start] else {
            return false;
        };
        self.persons_before[end + 1] == self.persons_before[h + 1]
            && !self.sentence_now[self.sentence[start] as usize]
    }

    /// A story on screen or in a book: the clause names where ("im Tatort", "in the show",
    /// "en la telenovela"), so its signs are a character's.
    fn fiction(&self, start: usize) -> bool {
        self.clause_has(start, Cat::Fiction)
    }

    /// The first start after `end` in its segment, from a per-token array of the nearest
    /// start at or after each token.
    fn later_in_segment(&self, next: &[usize], end: usize) -> Option<usize> {
        let k = *next.get(end + 1)?;
        (k != usize::MAX && self.segment[k] == self.segment[end]).then_some(k)
    }

    /// A cause that makes the sign a figure of speech, just after it or just before it in its
    /// part: "nearly passed out *laughing*", "fast umgekippt *vor Lachen*", "casi me desmayo
    /// *de la risa*", "basically fainted *at the till*".
    fn figurative_cause(&self, start: usize, end: usize) -> bool {
        let after = self
            .later_in_segment(&self.figurative_next, end)
            .is_some_and(|k| k - end <= FIGURATIVE_REACH);
        let before = start > 0
            && self.figurative_last[start - 1] != usize::MAX
            && start - self.figurative_last[start - 1] <= 2;
        // A cause told in the part just before, ending it, with the sign opening the next
        // part: "Als ich die Rechnung gesehen hab, bin ich fast umgekippt".
        let mut first = start;
        while first > 0
            && self.segment[first - 1] == self.segment[start]
            && start - first < FIGURATIVE_OPENING
        {
            first -= 1;
        }
        let part_before = first > 0
            && self.segment[first - 1] != self.segment[start]
            && self.sentence[first - 1] == self.sentence[start]
            && self.figurative_last[first - 1] != usize::MAX
            && first - 1 - self.figurative_last[first - 1] <= 2;
        after || before || part_before
    }

    /// A team's game told in the mention's clause, and no person named before the mention
    /// but as a team's owner: "Arsenal collapsed in the second half", "mi equipo se
    /// desplomó en el segundo tiempo"; "my dad collapsed in the second half" names a person.
    pub fn teams_game(&self, start: usize) -> bool {
        if !self.clause_has(start, Cat::Team) {
            return false;
        }
        let first = self.clause_first[self.clause[start] as usize];
        self.owners_aside_before[start] == self.owners_aside_before[first]
    }

    /// The mention is the term a question asks the meaning of: it follows "what is", "was
    /// ist", "qué es" in its part, with only small words or words of no category between
    /// ("Was ist *das Cauda-equina-Syndrom*?", "what is a haemoptysis").
    /// A word of now in the sentence keeps it ("what's this chest pain, 20 minutes now").
    fn defined(&self, start: usize) -> bool {
        !self.sentence_now[self.sentence[start] as usize]
            && (start.saturating_sub(3)..start).any(|k| {
                self.ends_at(k, Cat::Defining)
                    && (k + 1..start).all(|j| {
                        self.segment[j] == self.segment[start]
                            && (self.is(j, Cat::Filler) || self.covers[j] == 0)
                    })
                    && self.segment[k] == self.segment[start]
            })
    }

    /// A patient the writer looked after, told in the past: "one of my patients was really
    /// breathless…", "ayer un paciente tosió sangre en la planta". A present verb or a word
    /// of now in the sign's part keeps it.
    fn patients_past(&self, start: usize) -> bool {
        let seg = self.segment[start] as usize;
        // "…, long shift, home now" says now of the writer, in a part of its own.
        self.patient_before[start] && !self.seg_present[seg] && !self.seg_now[seg]
    }

    /// A what-if about some day later in the sentence or after the sign in its part ("…make me
    /// cough up blood *at some point*?"), which says nothing of now and has no
    /// present verb beside the mention: "würd Herzrasen auf ne Thrombose hindeuten, *falls
    /// ich das mal krieg*?" ("I can't breathe, what if it ever happens again" stays a report).
    fn someday_after(&self, start: usize, end: usize) -> bool {
        let seg = self.segment[start] as usize;
        (self.seg_someday_later[seg] || self.later_in_segment(&self.someday_next, end).is_some())
            && !self.seg_present[seg]
            && !self.sentence_has(start, Cat::Current)
    }

    /// Someone else's sign told in the past: "my grandad died of a PE" (a word of the past
    /// in the clause), or told in a past tense and followed by their recovery ("one of my
    /// patients was really breathless…, she went home doing well"): "my mum was breathless
    /// this morning" with nothing after it stays a report.
    fn someone_elses_past(&self, start: usize) -> bool {
        let seg = self.segment[start] as usize;
        // ("murió hace años…, de repente le faltó el aire": in a dated story, "suddenly" tells
        // how it came then, not now; undated, it may be now.)
        let dated = self.clause_has(start, Cat::Historical);
        let now = if dated {
            self.sentence_now[self.sentence[start] as usize]
        } else {
            self.clause_has(start, Cat::Current)
        };
        self.person_before[start] == Some(true)
            && ((self.clause_has(start, Cat::Past)
                && !self.clause_has(start, Cat::Present)
                && !now)
                || (self.seg_recovery_after[seg]
                    && self.seg_past_tense[seg]
                    && !self.seg_present[seg]))
    }

    /// Says something, then asks about it ("short of breath all of a sudden, could this be a
    /// clot?"): the question is about what is happening, not a general one. The asking words
    /// must come after another part of the message — a comma, or three words that do not open
    /// a question themselves ("brust fühlt sich eng an … ist das das mit dem gerinnsel??") —
    /// "can breathlessness be a sign…" is a general question.
    fn asks_about_now(&self) -> bool {
        let opened = self.starts_at(0, Cat::QuestionStart)
            || self.starts_at(0, Cat::NormalAsk)
            || self.has(Cat::GeneralMarker);
        // "…, or is that only if it moves?" asks about the general claim before it.
        (1..self.n).any(|k| {
            self.starts_at(k, Cat::OwnQuestion)
                && !self.is(k - 1, Cat::List)
                && self.seg_question_first[self.segment[k] as usize] >= k
                && (self.segment[k] != self.segment[0] || (k >= 3 && !opened))
        })
    }

    /// Whether the message names its writer, or someone else before any word for people in
    /// general ("why do *people* faint when *they* stand up?" names nobody). "Is it normal…"
    /// names the writer unless the message asks about people in general or about a cause
    /// ("is it normal for anxiety to cause chest tightness?").
    fn names_someone(&self) -> bool {
        let loose = self.about_people_or_cause();
        let first_generic = (0..self.n).find(|k| self.is(*k, Cat::Generic));
        (0..self.n).any(|k| {
            (self.is(k, Cat::Writer) && !(loose && self.is(k, Cat::NormalAsk)))
                || (self.is(k, Cat::Others) && first_generic.is_none_or(|g| k < g))
        })
    }

    /// The message speaks of people in general or of a cause: "is it normal…" then asks in
    /// general, not about the writer.
    fn about_people_or_cause(&self) -> bool {
        self.has(Cat::Generic) || self.has(Cat::Causal)
    }

    /// `asks`: the message ends with a question mark.
    pub fn is_general_question(&self, asks: bool) -> bool {
        let opens = |k: usize| self.segment[k] == self.segment[0];
        // "…, mine's fine, just curious": the writer says it reports nothing.
        // ("I'm fine *right now*" says now, but that all is well.)
        let now_said = (0..self.n).any(|k| {
            self.is(k, Cat::Current)
                && !self.is(k, Cat::Disclaimer)
                && !self.is(k, Cat::Resolved)
                && !self.is(k, Cat::AllClear)
                && !self.is(k, Cat::Recovered)
        });
        if self.has(Cat::Disclaimer) && !now_said && !self.asks_about_now() {
            return true;
        }
        if self.diagnostic_if {
            return false;
        }
        // "whats this chest pain … 20 minutes now": the writer's own question, and now.
        if self.n > 0 && self.starts_at(0, Cat::OwnQuestion) && self.has(Cat::Current) {
            return false;
        }
        self.n > 0
            && !self.reports_later
            && !self.names_someone()
            && !self.asks_about_now()
            // A question word first, asked or saying nothing of now after its first part:
            // "Ist bestimmt nur verspannt, aber … *seit ner Stunde*" is a statement that
            // opens with its verb.
            && ((self.starts_at(0, Cat::QuestionStart)
                && (asks || !(0..self.n).any(|k| !opens(k) && self.is(k, Cat::Current))))
                || (self.starts_at(0, Cat::NormalAsk) && self.about_people_or_cause())
                // "¿En qué se diferencia…?": a question word after a first small word.
                || (asks
                    && self.n > 1
                    && self.is(0, Cat::Filler)
                    && !self.is(0, Cat::QuestionStart)
                    && self.starts_at(1, Cat::QuestionStart))
                || (self.has(Cat::Topic)
                    && (asks || self.has(Cat::SignWord) || self.has(Cat::Causal)))
                // "Kann eine Panikattacke Atemnot machen", without the "?": a general marker
                // opens the message, and nothing says now.
                || (self.starts_at(0, Cat::GeneralMarker) && !self.has(Cat::Current))
                // "la deshidratación hace que uno se desmaye": people in general and a cause
                // in the first part, and nothing says now.
                || (!self.has(Cat::Current)
                    && (0..self.n).any(|k| opens(k) && self.is(k, Cat::Generic))
                    && (0..self.n).any(|k| opens(k) && self.is(k, Cat::Causal)))
                // "¿Toser sangre siempre es grave?": an infinitive first, and a question.
                || (asks && self.starts_at(0, Cat::AskingStart))
                // "desmayarse siempre es algo grave o…", without the "?": an infinitive
                // first and a general marker.
                || (self.starts_at(0, Cat::AskingStart) && self.has(Cat::GeneralMarker))
                // "¿Una falta de aire repentina sería motivo para…?": a conditional verb in
                // the message's first part, and a question.
                || (asks && (0..self.n).any(|k| opens(k) && self.is(k, Cat::Subjunctive)))
                // "Kann man vom Trinken ohnmächtig werden?", "¿el dolor de pecho siempre es
                // grave?", "Macht eine Panikattacke Atemnot?": people in general, a general
                // marker or a cause, in the first part of a question that says nothing of now.
                || (asks
                    && !self.has(Cat::Current)
                    && (0..self.n).any(|k| {
                        opens(k)
                            && (self.is(k, Cat::Generic)
                                || self.is(k, Cat::GeneralMarker)
                                || self.is(k, Cat::Causal))
                    })))
    }
}
