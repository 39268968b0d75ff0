//! Stage two of loading: from raw files to a trusted [`Bundle`], collecting every problem.

use super::raw::{RawCountries, RawFaq, RawFlow, RawKind, TextNode, TextTree};
use super::{Bundle, FRONT_END_KEYS, LANGUAGES, Problem, Problems};
use crate::core::country::Country;
use crate::core::dialog::{CheckInDelays, Choice, Dialog, Node, NodeIx, NodeKind};
use crate::core::engine::{ENGINE_KEYS, ENGINE_LISTS};
use crate::core::findings::{Finding, Group};
use crate::core::rules::{Rule, S1_PATTERNS};
use crate::core::texts::{REQUIRED, Texts};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;
use toml::Spanned;

/// Telegram's limit for one message.
pub const MAX_TEXT: usize = 4096;
/// Node and option ids stay short so any button encoding fits Telegram's 64 bytes.
pub const MAX_ID: usize = 24;
/// The flow format this program reads.
pub const FLOW_FORMAT: u32 = 1;

/// Collects problems for one file, turning byte offsets into line numbers.
pub(super) struct Report<'a> {
    pub name: String,
    pub text: &'a str,
    pub problems: &'a mut Vec<Problem>,
}

impl Report<'_> {
    pub fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    pub fn at(&mut self, offset: usize, message: impl Into<String>) {
        let line = self.line_of(offset);
        self.problems.push(Problem {
            file: self.name.clone(),
            line,
            message: message.into(),
        });
    }

    pub fn at_span<T>(&mut self, s: &Spanned<T>, message: impl Into<String>) {
        self.at(s.span().start, message);
    }

    pub fn parse<T: serde::de::DeserializeOwned>(&mut self) -> Option<T> {
        match toml::from_str::<T>(self.text) {
            Ok(v) => Some(v),
            Err(e) => {
                let offset = e.span().map(|s| s.start).unwrap_or(0);
                let message = e.message().trim().to_string();
                self.at(offset, message);
                None
            }
        }
    }
}

pub fn validate(files: &BTreeMap<String, String>, dir: &str) -> Result<Bundle, Problems> {
    let shown = |name: &str| {
        if dir.is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", dir.trim_end_matches('/'))
        }
    };
    let mut problems = Vec::new();
    let text = |name: &str| files.get(name).map(String::as_str).unwrap_or("");

    let flow_text = text("flow.toml");
    let mut flow_report = Report {
        name: shown("flow.toml"),
        text: flow_text,
        problems: &mut problems,
    };
    let dialog = flow_report
        .parse::<RawFlow>()
        .and_then(|raw| build_dialog(&raw, &mut flow_report));

    let mut languages = BTreeMap::new();
    let mut locations: BTreeMap<String, Locations> = BTreeMap::new();
    for (lang, lang_files) in LANGUAGES {
        let mut at = Locations::new();
        if let Some(t) = build_texts(lang_files, files, &shown, &mut problems, &mut at) {
            languages.insert(lang.to_string(), t);
        }
        locations.insert(lang.to_string(), at);
    }
    check_translations(&languages, &locations, &mut problems);
    // Texts that the flow refers to: reported at the flow's line, naming the missing key.
    if let Some((dialog, spans)) = &dialog {
        for (lang, t) in &languages {
            check_flow_texts(
                dialog,
                spans,
                t,
                lang,
                flow_text,
                &shown("flow.toml"),
                &mut problems,
            );
        }
    }

    // Word lists and emergency lexicons, per language.
    let mut word_lists = BTreeMap::new();
    let mut specs = Vec::new();
    for (lang, _) in LANGUAGES {
        let name = format!("{lang}/words.txt");
        let mut r = Report {
            name: shown(&name),
            text: text(&name),
            problems: &mut problems,
        };
        if let Some(w) = super::emergency::words(&mut r) {
            word_lists.insert(lang.to_string(), w);
        }
        let name = format!("{lang}/emergency.toml");
        let mut r = Report {
            name: shown(&name),
            text: text(&name),
            problems: &mut problems,
        };
        if let Some(spec) = super::emergency::build(lang, &mut r) {
            specs.push(spec);
        }
    }
    // In the order of LANGUAGES, as the specs are: the detector pairs them by position.
    let all_words: Vec<_> = LANGUAGES
        .iter()
        .filter_map(|(l, _)| word_lists.get(*l).cloned())
        .collect();

    let mut faqs = BTreeMap::new();
    for (lang, _) in LANGUAGES {
        let name = format!("{lang}/faq.toml");
        let mut r = Report {
            name: shown(&name),
            text: text(&name),
            problems: &mut problems,
        };
        if let Some(raw) = r.parse::<RawFaq>()
            && let Some(faq) = build_faq(&raw, all_words.clone(), &mut r)
        {
            let spoken = specs
                .iter()
                .find(|s| s.lang == *lang)
                .map(spoken_forms)
                .unwrap_or_default();
            faqs.insert(
                lang.to_string(),
                std::sync::Arc::new(faq.with_spoken(spoken)),
            );
        }
    }

    if let Some(en) = faqs.get("en") {
        let ids =
            |f: &crate::core::faq::Faq| f.topics.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
        for (lang, f) in faqs.iter().filter(|(l, _)| *l != "en") {
            if ids(f) != ids(en) {
                problems.push(Problem {
                    file: shown(&format!("{lang}/faq.toml")),
                    line: 1,
                    message: format!(
                        "the topics of '{lang}' must be those of English, in the same order: {:?}",
                        ids(en)
                    ),
                });
            }
        }
    }

    let mut countries_report = Report {
        name: shown("countries.toml"),
        text: text("countries.toml"),
        problems: &mut problems,
    };
    let countries = countries_report.parse::<RawCountries>().map(|raw| {
        let countries = build_countries(&raw, &mut countries_report);
        let common = common_countries(&raw, &countries, &mut countries_report);
        (countries, common)
    });

    match (dialog, countries) {
        (Some((dialog, _)), Some((countries, common_countries))) if problems.is_empty() => {
            let detector = crate::core::detect::Detector::new(&specs, all_words);
            Ok(Bundle {
                dialog,
                countries,
                common_countries,
                languages,
                detector,
                faqs,
                fhir_base: crate::core::fhir::DEFAULT_BASE.to_string(),
            })
        }
        _ => {
            problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            Err(Problems(problems))
        }
    }
}

/// Where each node and option label was written, for texts checked later.
struct FlowSpans {
    node: Vec<usize>,
    labels: Vec<(String, usize)>,
}

fn build_dialog(raw: &RawFlow, r: &mut Report) -> Option<(Dialog, FlowSpans)> {
    let before = r.problems.len();
    check_format(r, &raw.format, FLOW_FORMAT);

    // Ids: unique, short.
    let mut index: HashMap<&str, NodeIx> = HashMap::new();
    for (ix, n) in raw.nodes.iter().enumerate() {
        let id = n.id.get_ref().as_str();
        check_id(r, &n.id, "node");
        if index.insert(id, ix).is_some() {
            r.at_span(&n.id, format!("duplicate node id '{id}'"));
            index.insert(id, index[id].min(ix));
        }
        let mut seen = HashSet::new();
        for o in &n.options {
            check_id(r, &o.id, "option");
            if !seen.insert(o.id.get_ref().as_str()) {
                r.at_span(
                    &o.id,
                    format!("duplicate option id '{}' in node '{id}'", o.id.get_ref()),
                );
            }
        }
    }
    let resolve = |r: &mut Report, target: &Spanned<String>| -> Option<NodeIx> {
        let found = index.get(target.get_ref().as_str()).copied();
        if found.is_none() {
            r.at_span(target, format!("unknown target '{}'", target.get_ref()));
        }
        found
    };
    let start = resolve(r, &raw.start);
    let check = resolve(r, &raw.check);

    let mut nodes = Vec::new();
    let mut spans = FlowSpans {
        node: Vec::new(),
        labels: Vec::new(),
    };
    for n in &raw.nodes {
        let id = n.id.get_ref().clone();
        let kind = match n.kind.get_ref() {
            RawKind::Info => NodeKind::Info,
            RawKind::Consent => NodeKind::Consent,
            RawKind::Question => NodeKind::Question,
            RawKind::Multi => NodeKind::Multi,
            RawKind::Outcome => NodeKind::Outcome,
            RawKind::Item => NodeKind::Item,
            RawKind::Advice => NodeKind::Advice,
        };
        let asks = findings(r, &n.asks);
        let item = match (&n.item, kind) {
            (Some(s), NodeKind::Item) => match s.get_ref().parse::<crate::core::items::Item>() {
                Ok(item) => Some(item),
                Err(e) => {
                    r.at_span(s, e);
                    None
                }
            },
            (Some(s), _) => {
                r.at_span(
                    s,
                    format!("only an item node records a report item ('{id}' is not one)"),
                );
                None
            }
            (None, NodeKind::Item) => {
                r.at_span(
                    &n.id,
                    format!("item node '{id}' needs an `item` (a report item id)"),
                );
                None
            }
            (None, _) => None,
        };
        let node_next = n.next.as_ref().and_then(|t| resolve(r, t));
        let mut choices = Vec::new();
        for o in &n.options {
            let present = findings(r, &o.present);
            let unsure = findings(r, &o.unsure);
            for (f, s) in present
                .iter()
                .zip(&o.present)
                .chain(unsure.iter().zip(&o.unsure))
            {
                if !asks.contains(f) {
                    r.at_span(
                        s,
                        format!(
                            "option '{}' records '{f}', which node '{id}' does not ask",
                            o.id.get_ref()
                        ),
                    );
                }
            }
            if kind == NodeKind::Question && present.len() > 1 {
                r.at_span(
                    &o.id,
                    format!(
                        "option '{}' lumps {} findings into one answer: ask one finding per yes",
                        o.id.get_ref(),
                        present.len()
                    ),
                );
            }
            if o.nav && !(present.is_empty() && unsure.is_empty()) {
                r.at_span(
                    &o.id,
                    format!(
                        "navigation option '{}' cannot record findings",
                        o.id.get_ref()
                    ),
                );
            }
            let value = o.value.as_ref().map(|v| v.get_ref().clone());
            match (&o.value, item) {
                (Some(v), Some(item)) if !item.values().contains(&v.get_ref().as_str()) => r
                    .at_span(
                        v,
                        format!(
                            "'{}' is not an answer of '{item}' ({})",
                            v.get_ref(),
                            item.values().join(", ")
                        ),
                    ),
                (Some(v), None) if kind != NodeKind::Item => r.at_span(
                    v,
                    format!(
                        "option '{}' records a value, but '{id}' is not an item node",
                        o.id.get_ref()
                    ),
                ),
                (None, Some(_)) if !o.nav => r.at_span(
                    &o.id,
                    format!(
                        "option '{}' of item node '{id}' needs a `value`",
                        o.id.get_ref()
                    ),
                ),
                _ => {}
            }
            let next = match &o.next {
                Some(t) => resolve(r, t),
                None => node_next,
            };
            spans
                .labels
                .push((o.label.get_ref().clone(), o.label.span().start));
            choices.push(Choice {
                id: o.id.get_ref().clone(),
                label: o.label.get_ref().clone(),
                present,
                unsure,
                nav: o.nav,
                value,
                next,
            });
        }
        match kind {
            NodeKind::Outcome => {
                if !n.options.is_empty() || n.next.is_some() {
                    r.at_span(
                        &n.id,
                        format!("outcome node '{id}' cannot have options or a next node"),
                    );
                }
            }
            _ => {
                let forward = choices.iter().any(|c| c.next.is_some())
                    || (kind == NodeKind::Multi && node_next.is_some());
                if !forward {
                    r.at_span(&n.id, format!("node '{id}' has no way forward"));
                }
                if kind == NodeKind::Multi && node_next.is_none() {
                    r.at_span(&n.id, format!("multi-select node '{id}' needs a next node"));
                }
            }
        }
        if matches!(kind, NodeKind::Question | NodeKind::Multi) && asks.is_empty() {
            r.at_span(&n.id, format!("node '{id}' asks no finding"));
        }
        if let Some(item) = item {
            for v in item.values() {
                if !choices.iter().any(|c| c.value.as_deref() == Some(*v)) {
                    r.at_span(
                        &n.id,
                        format!("item node '{id}' does not offer '{v}' for '{item}'"),
                    );
                }
            }
        }
        if matches!(
            kind,
            NodeKind::Info
                | NodeKind::Consent
                | NodeKind::Outcome
                | NodeKind::Item
                | NodeKind::Advice
        ) && !asks.is_empty()
        {
            r.at_span(
                &n.id,
                format!("node '{id}' is not a question and cannot ask findings"),
            );
        }
        if kind == NodeKind::Consent && !choices.iter().any(|c| !c.nav) {
            r.at_span(
                &n.id,
                format!("consent node '{id}' needs an option that agrees"),
            );
        }
        // Red flags act on one tap: a question with a "yes" for each, never a list with Done.
        for (f, s) in asks.iter().zip(&n.asks) {
            if f.is_red_flag() {
                let one_tap =
                    kind == NodeKind::Question && choices.iter().any(|c| c.present == vec![*f]);
                if !one_tap {
                    r.at_span(s, format!("red flag '{f}' does not act on one tap: ask it as a question with its own yes"));
                }
            }
            if matches!(f.group(), Group::RedFlag | Group::DvtFeature)
                && kind == NodeKind::Question
                && !choices.iter().any(|c| c.unsure.contains(f))
            {
                r.at_span(s, format!("'{f}' needs a \"not sure\" answer"));
            }
        }
        spans.node.push(n.id.span().start);
        nodes.push(Node {
            id,
            kind,
            asks,
            item,
            choices,
        });
    }
    if r.problems.len() > before {
        return None;
    }
    let (Some(start), Some(check)) = (start, check) else {
        return None;
    };
    if raw.version.get_ref().trim().is_empty() {
        r.at_span(&raw.version, "the flow needs a version");
    }
    let check_in = check_in_delays(raw, r)?;
    let dialog = Dialog {
        format: FLOW_FORMAT,
        version: raw.version.get_ref().clone(),
        start,
        check,
        nodes,
        check_in,
    };
    check_graph(&dialog, &spans, r);
    (r.problems.len() == before).then_some((dialog, spans))
}

/// The shortest and longest delay of a check-in the data may ask for.
pub const CHECK_IN_MIN: Duration = Duration::from_secs(60);
pub const CHECK_IN_MAX: Duration = Duration::from_secs(14 * 24 * 3600);

/// `[check_in]`: a delay per level below emergency, each a duration between a minute and two
/// weeks, and no longer for a more urgent level than for a less urgent one.
fn check_in_delays(raw: &RawFlow, r: &mut Report) -> Option<CheckInDelays> {
    let Some(c) = &raw.check_in else {
        r.at(0, "the flow needs a [check_in] table: the delay of a check-in per level (urgent, soon, self_care)");
        return None;
    };
    let c = c.get_ref();
    let mut one = |s: &Spanned<String>, level: &str| -> Option<Duration> {
        match humantime::parse_duration(s.get_ref()) {
            Ok(d) if (CHECK_IN_MIN..=CHECK_IN_MAX).contains(&d) => Some(d),
            Ok(_) => {
                r.at_span(
                    s,
                    format!(
                        "the check-in delay for '{level}' must be between 1 minute and 14 days"
                    ),
                );
                None
            }
            Err(e) => {
                r.at_span(s, format!("the check-in delay for '{level}' is not a duration ({e}); write e.g. \"3h\" or \"2days\""));
                None
            }
        }
    };
    let (urgent, soon, self_care) = (
        one(&c.urgent, "urgent"),
        one(&c.soon, "soon"),
        one(&c.self_care, "self_care"),
    );
    let d = CheckInDelays {
        urgent: urgent?,
        soon: soon?,
        self_care: self_care?,
    };
    if d.urgent > d.soon || d.soon > d.self_care {
        r.at_span(&c.urgent, "check-in delays must not be longer for a more urgent level (urgent ≤ soon ≤ self_care)");
        return None;
    }
    Some(d)
}

/// A file of another format version is refused, not half-read.
pub(super) fn check_format(r: &mut Report, format: &Spanned<u32>, expected: u32) {
    if *format.get_ref() != expected {
        r.at_span(
            format,
            format!(
                "format {} is not supported (this program reads format {expected})",
                format.get_ref()
            ),
        );
    }
}

fn check_id(r: &mut Report, id: &Spanned<String>, what: &str) {
    let s = id.get_ref();
    if s.is_empty() || s.len() > MAX_ID {
        r.at_span(
            id,
            format!("{what} id '{s}' must be 1 to {MAX_ID} bytes long"),
        );
    }
}

fn findings(r: &mut Report, ids: &[Spanned<String>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in ids {
        match s.get_ref().parse::<Finding>() {
            Ok(f) if out.contains(&f) => r.at_span(s, format!("finding '{f}' is listed twice")),
            Ok(f) => out.push(f),
            Err(_) => r.at_span(s, format!("unknown finding id '{}'", s.get_ref())),
        }
    }
    out
}

/// Reachability, a way forward from every node, and the policy's "every finding asked of
/// everyone": on every path from the first question to an outcome, each finding is asked —
/// except `whole_leg_swelling`, a follow-up.
fn check_graph(d: &Dialog, spans: &FlowSpans, r: &mut Report) {
    let n = d.nodes.len();
    let succ =
        |i: NodeIx| -> Vec<NodeIx> { d.nodes[i].choices.iter().filter_map(|c| c.next).collect() };
    let mut reached = vec![false; n];
    let mut stack = vec![d.start];
    while let Some(i) = stack.pop() {
        if !std::mem::replace(&mut reached[i], true) {
            stack.extend(succ(i));
        }
    }
    for (i, was_reached) in reached.iter().enumerate() {
        if !was_reached {
            r.at(
                spans.node[i],
                format!(
                    "node '{}' is unreachable from '{}'",
                    d.nodes[i].id, d.nodes[d.start].id
                ),
            );
        }
    }
    // Which nodes can reach an outcome (fixed point over forward edges).
    let mut ends = vec![false; n];
    loop {
        let mut changed = false;
        for i in 0..n {
            let e = d.nodes[i].kind == NodeKind::Outcome || succ(i).iter().any(|s| ends[*s]);
            if e && !ends[i] {
                ends[i] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for i in 0..n {
        if reached[i] && !ends[i] {
            r.at(
                spans.node[i],
                format!("node '{}' has no way forward to an outcome", d.nodes[i].id),
            );
        }
    }
    // Findings asked on every path from the first question to an outcome (greatest fixed point).
    let all: HashSet<Finding> = Finding::ALL.iter().copied().collect();
    let mut must: Vec<HashSet<Finding>> = (0..n)
        .map(|i| {
            if d.nodes[i].kind == NodeKind::Outcome {
                HashSet::new()
            } else {
                all.clone()
            }
        })
        .collect();
    loop {
        let mut changed = false;
        for i in 0..n {
            if d.nodes[i].kind == NodeKind::Outcome {
                continue;
            }
            // Paths that end the check early (declining, an emergency) are not complete checks.
            let forward: Vec<NodeIx> = d.nodes[i]
                .choices
                .iter()
                .filter(|c| !c.nav)
                .filter_map(|c| c.next)
                .filter(|s| ends[*s])
                .collect();
            let mut m: HashSet<Finding> = match forward.split_first() {
                Some((first, rest)) => rest
                    .iter()
                    .fold(must[*first].clone(), |acc, s| &acc & &must[*s]),
                None => HashSet::new(),
            };
            m.extend(d.nodes[i].asks.iter().copied());
            if m != must[i] {
                must[i] = m;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let asked_anywhere: HashSet<Finding> = (0..n)
        .filter(|i| reached[*i])
        .flat_map(|i| d.nodes[i].asks.iter().copied())
        .collect();
    for f in Finding::ALL {
        if !asked_anywhere.contains(f) {
            r.at(
                spans.node[d.check],
                format!("finding '{f}' is never asked (unreachable finding)"),
            );
        } else if *f != Finding::WholeLegSwelling && !must[d.check].contains(f) {
            r.at(spans.node[d.check], format!("finding '{f}' is skipped on some paths from '{}': every finding is asked of everyone", d.nodes[d.check].id));
        }
    }
}

fn check_flow_texts(
    d: &Dialog,
    spans: &FlowSpans,
    t: &Texts,
    lang: &str,
    flow_text: &str,
    flow_name: &str,
    problems: &mut Vec<Problem>,
) {
    let mut r = Report {
        name: flow_name.to_string(),
        text: flow_text,
        problems,
    };
    for (i, node) in d.nodes.iter().enumerate() {
        let key = format!("node.{}", node.id);
        // Outcome and advice nodes show the result: the core words it.
        if !matches!(node.kind, NodeKind::Outcome | NodeKind::Advice) && !t.has(&key) {
            r.at(
                spans.node[i],
                format!(
                    "node '{}' has no text '{key}' in language '{lang}'",
                    node.id
                ),
            );
        }
    }
    for (label, at) in &spans.labels {
        let key = format!("label.{label}");
        if !t.has(&key) {
            r.at(
                *at,
                format!("label '{label}' has no text '{key}' in language '{lang}'"),
            );
        }
    }
}

/// Every language has every text of English, the same structure, and the same placeholders
/// in each text; only `translation.*` (the note that a translation awaits review) is its own.
fn check_translations(
    languages: &BTreeMap<String, Texts>,
    locations: &BTreeMap<String, Locations>,
    problems: &mut Vec<Problem>,
) {
    let (Some(en), Some(en_at)) = (languages.get("en"), locations.get("en")) else {
        return;
    };
    let placeholders = |text: &str| -> Vec<String> {
        let mut out: Vec<String> = text
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(name, _)| name.to_string()))
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .collect();
        out.sort();
        out.dedup();
        out
    };
    for (lang, t) in languages.iter().filter(|(l, _)| *l != "en") {
        let at = &locations[lang];
        let first_file = at
            .values()
            .map(|(f, _)| f.clone())
            .min()
            .unwrap_or_default();
        let mut en_keys: Vec<&String> = en_at.keys().collect();
        en_keys.sort();
        for key in en_keys {
            let Some((file, line)) = at.get(key) else {
                let (en_file, en_line) = &en_at[key];
                problems.push(Problem {
                    file: first_file.clone(),
                    line: 1,
                    message: format!("missing translation of '{key}' into '{lang}' (English at {en_file}:{en_line})"),
                });
                continue;
            };
            if en.has(key) {
                if !t.has(key) {
                    problems.push(Problem {
                        file: file.clone(),
                        line: *line,
                        message: format!("'{key}' must be a text, as in English"),
                    });
                } else if placeholders(en.get(key)) != placeholders(t.get(key)) {
                    problems.push(Problem {
                        file: file.clone(),
                        line: *line,
                        message: format!(
                            "'{key}' has placeholders {:?}; English has {:?}",
                            placeholders(t.get(key)),
                            placeholders(en.get(key))
                        ),
                    });
                }
            } else if en.has_list(key) && !t.has_list(key) {
                problems.push(Problem {
                    file: file.clone(),
                    line: *line,
                    message: format!("'{key}' must be a list, as in English"),
                });
            }
        }
        let mut extra: Vec<(&String, &(String, usize))> = at
            .iter()
            .filter(|(k, _)| {
                !en_at.contains_key(*k) && *k != "translation" && !k.starts_with("translation.")
            })
            .collect();
        extra.sort();
        for (key, (file, line)) in extra {
            problems.push(Problem {
                file: file.clone(),
                line: *line,
                message: format!("'{key}' is not in English: the structure must be the same"),
            });
        }
        if !t.has("translation.review") {
            problems.push(Problem {
                file: first_file.clone(),
                line: 1,
                message: format!(
                    "'{lang}' needs 'translation.review' while it awaits clinical review"
                ),
            });
        }
    }
}

fn build_texts(
    lang_files: &[&str],
    files: &BTreeMap<String, String>,
    shown: &dyn Fn(&str) -> String,
    problems: &mut Vec<Problem>,
    locations: &mut Locations,
) -> Option<Texts> {
    let before = problems.len();
    let mut map: HashMap<String, String> = HashMap::new();
    let mut lists: HashMap<String, Vec<String>> = HashMap::new();
    let mut first_file = String::new();
    for name in lang_files {
        let text = files.get(*name).map(String::as_str).unwrap_or("");
        let mut r = Report {
            name: shown(name),
            text,
            problems,
        };
        if first_file.is_empty() {
            first_file = r.name.clone();
        }
        let Some(tree) = r.parse::<TextTree>() else {
            continue;
        };
        flatten(&tree, "", &mut r, &mut map, &mut lists, locations);
    }
    let mut missing = |key: String| {
        problems.push(Problem {
            file: first_file.clone(),
            line: 1,
            message: format!("missing text '{key}'"),
        })
    };
    let mut keys: Vec<String> = REQUIRED
        .iter()
        .chain(ENGINE_KEYS)
        .chain(FRONT_END_KEYS)
        .chain(crate::core::report::REPORT_KEYS)
        .chain(crate::core::fhir::FHIR_KEYS)
        .map(|k| k.to_string())
        .collect();
    // The menu's commands are described in every language (`setMyCommands`).
    keys.extend(
        crate::core::commands::COMMANDS
            .iter()
            .filter(|e| e.menu)
            .map(|e| e.command.text_key()),
    );
    keys.extend(Finding::ALL.iter().map(|f| format!("finding.{}", f.id())));
    keys.extend(
        Rule::ALL
            .iter()
            .filter(|r| **r != Rule::S2)
            .map(|r| format!("reason.{}", r.id())),
    );
    keys.extend(
        S1_PATTERNS
            .iter()
            .map(|f| format!("advice.soon.cause.{}", f.id())),
    );
    for k in keys {
        if !map.contains_key(&k) {
            missing(k);
        }
    }
    let list_keys: Vec<String> = ENGINE_LISTS.iter().map(|k| k.to_string()).collect();
    for k in list_keys {
        if !lists.contains_key(&k) {
            missing(k);
        }
    }
    (problems.len() == before).then(|| Texts::new(map, lists))
}

/// Where each text was written: key → (file as shown, line).
type Locations = HashMap<String, (String, usize)>;

fn flatten(
    tree: &TextTree,
    prefix: &str,
    r: &mut Report,
    map: &mut HashMap<String, String>,
    lists: &mut HashMap<String, Vec<String>>,
    locations: &mut Locations,
) {
    for (k, v) in &tree.0 {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        let at = v.span().start;
        if map.contains_key(&key) || lists.contains_key(&key) {
            r.at(at, format!("duplicate text '{key}'"));
            continue;
        }
        locations.insert(key.clone(), (r.name.clone(), r.line_of(at)));
        match v.get_ref() {
            TextNode::Text(s) => {
                if s.chars().count() > MAX_TEXT {
                    r.at(
                        at,
                        format!(
                            "text '{key}' is {} characters, over Telegram's {MAX_TEXT}",
                            s.chars().count()
                        ),
                    );
                }
                map.insert(key, s.clone());
            }
            TextNode::List(items) => {
                lists.insert(key, items.clone());
            }
            TextNode::Number(_) => {}
            TextNode::Table(t) => flatten(t, &key, r, map, lists, locations),
        }
    }
}

/// The longest FAQ answer accepted; answers are meant to be under about 700 characters.
pub const MAX_ANSWER: usize = 1000;
/// The longest topic title: it is a button label, and a phone shows 32 characters of one.
pub const MAX_TITLE: usize = 32;

/// The spoken forms of a language's `emergency.toml`, for its FAQ.
fn spoken_forms(spec: &crate::core::detect::LanguageSpec) -> crate::core::faq::Spoken {
    use crate::core::detect::context::Cat;
    let pairs = |cat: Cat| -> Vec<(String, String)> {
        spec.context
            .iter()
            .filter(|(c, _)| *c == cat)
            .flat_map(|(_, list)| crate::core::detect::lexicon::said_written(list))
            .collect()
    };
    crate::core::faq::Spoken {
        words: pairs(Cat::SpokenWord),
        endings: pairs(Cat::Ending),
        sounds: pairs(Cat::Sound),
    }
}

fn build_faq(
    raw: &RawFaq,
    word_lists: Vec<std::sync::Arc<crate::core::spell::WordList>>,
    r: &mut Report,
) -> Option<crate::core::faq::Faq> {
    use crate::core::faq::{Faq, REQUIRED_TOPICS, Topic};
    let before = r.problems.len();
    check_format(r, &raw.format, 1);
    let mut seen = HashSet::new();
    let mut topics = Vec::new();
    let mut examples = Vec::new();
    for t in &raw.topics {
        check_id(r, &t.id, "topic");
        if !seen.insert(t.id.get_ref().clone()) {
            r.at_span(&t.id, format!("duplicate topic id '{}'", t.id.get_ref()));
        }
        let answer = t.answer.get_ref();
        if answer.trim().is_empty() || answer.chars().count() > MAX_ANSWER {
            r.at_span(
                &t.answer,
                format!(
                    "the answer of '{}' must be 1 to {MAX_ANSWER} characters (it is {})",
                    t.id.get_ref(),
                    answer.chars().count()
                ),
            );
        }
        let title = t.title.get_ref();
        if title.trim().is_empty() || title.chars().count() > MAX_TITLE {
            r.at_span(
                &t.title,
                format!(
                    "the title of '{}' must be 1 to {MAX_TITLE} characters",
                    t.id.get_ref()
                ),
            );
        }
        topics.push(Topic {
            id: t.id.get_ref().clone(),
            title: title.clone(),
            answer: answer.clone(),
            requires: t.requires.clone(),
            defines: t.defines.clone(),
            signs_of: t.signs_of.clone(),
            mechanism_of: t.mechanism_of.clone(),
            comparison_of: t.comparison_of.clone(),
            asked_by: t.asked_by.clone(),
        });
        examples.push(t.questions.clone());
    }
    for id in REQUIRED_TOPICS {
        if !seen.contains(*id) {
            r.at(0, format!("missing FAQ topic '{id}'"));
        }
    }
    if r.problems.len() > before {
        return None;
    }
    let Some(stemmer) = crate::core::faq::Matching::stemmer_named(raw.matching.stemmer.get_ref())
    else {
        r.at_span(&raw.matching.stemmer, format!("unknown stemmer '{}' (english, german, spanish, french, italian, portuguese, dutch)", raw.matching.stemmer.get_ref()));
        return None;
    };
    let words = |list: &[String]| -> Vec<String> {
        list.iter()
            .flat_map(|w| crate::core::detect::words(w))
            .collect()
    };
    // Each entry kept whole, as the words of a phrase.
    let phrases = |list: &[String]| -> Vec<Vec<String>> {
        list.iter()
            .map(|d| crate::core::detect::words(d))
            .filter(|d| !d.is_empty())
            .collect()
    };
    let matching = crate::core::faq::Matching {
        stemmer: Some(stemmer),
        denials: words(&raw.matching.denials),
        all_clear: words(&raw.matching.all_clear),
        clause_denials: words(&raw.matching.clause_denials),
        intent: phrases(&raw.matching.intent),
        define: phrases(&raw.matching.define),
        topic_switch: phrases(&raw.matching.topic_switch),
        articles: words(&raw.matching.articles),
        signs: phrases(&raw.matching.signs),
        mechanism: phrases(&raw.matching.mechanism),
        compare: phrases(&raw.matching.compare),
        either: phrases(&raw.matching.either),
    };
    let synonyms: Vec<(String, Vec<String>)> = raw
        .synonyms
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let faq = Faq::new(
        topics,
        &examples,
        &synonyms,
        &raw.domain.words,
        &raw.domain.weak,
        matching,
        word_lists,
    )
    .with_elsewhere(&raw.domain.elsewhere);
    // A term a topic names in `defines`, `signs_of`, `mechanism_of` or `comparison_of` must
    // read as one word of the domain, or no question finds it.
    for term in faq.unusable_terms() {
        let names = |list: &[String]| list.iter().any(|d| faq.normalize(d) == term);
        let found = raw.topics.iter().find_map(|t| {
            [
                ("defines", &t.defines),
                ("signs_of", &t.signs_of),
                ("mechanism_of", &t.mechanism_of),
                ("comparison_of", &t.comparison_of),
            ]
            .into_iter()
            .find(|(_, list)| names(list))
            .map(|(key, _)| (t, key))
        });
        if let Some((t, key)) = found {
            r.at_span(
                &t.id,
                format!(
                    "'{}' {key} '{term}', which does not read as one word of [domain] words",
                    t.id.get_ref()
                ),
            );
        }
    }
    (r.problems.len() == before).then_some(faq)
}

fn build_countries(raw: &RawCountries, r: &mut Report) -> Vec<Country> {
    check_format(r, &raw.format, 1);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for c in &raw.countries {
        let iso = c.iso.get_ref();
        if iso.len() != 2 || !iso.bytes().all(|b| b.is_ascii_uppercase()) {
            r.at_span(
                &c.iso,
                format!("'{iso}' is not an ISO 3166 alpha-2 code (two capital letters)"),
            );
        }
        if !seen.insert(iso.clone()) {
            r.at_span(&c.iso, format!("duplicate country '{iso}'"));
        }
        for n in std::iter::once(&c.ambulance).chain(&c.also) {
            let s = n.get_ref();
            if !(2..=6).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_digit()) {
                r.at_span(
                    n,
                    format!("'{s}' is not a well-formed emergency short number (2 to 6 digits)"),
                );
            }
        }
        if c.source.get_ref().trim().is_empty() {
            r.at_span(&c.source, format!("country '{iso}' needs a source"));
        }
        if c.name.get_ref().trim().is_empty() {
            r.at_span(&c.name, format!("country '{iso}' needs a name"));
        }
        out.push(Country {
            iso: iso.clone(),
            name: c.name.get_ref().clone(),
            ambulance: c.ambulance.get_ref().clone(),
            service: c.service.clone(),
            also: c.also.iter().map(|s| s.get_ref().clone()).collect(),
            advice_line: c
                .advice_line
                .as_ref()
                .filter(|_| !c.advice_check)
                .map(|s| s.get_ref().clone()),
            confirmed: !c.check,
            source: c.source.get_ref().clone(),
            aliases: c.aliases.clone(),
        });
    }
    out
}

fn common_countries(raw: &RawCountries, countries: &[Country], r: &mut Report) -> Vec<String> {
    let mut out = Vec::new();
    for iso in &raw.common {
        if countries.iter().any(|c| &c.iso == iso.get_ref()) {
            out.push(iso.get_ref().clone());
        } else {
            r.at_span(
                iso,
                format!("common country '{}' is not in the table", iso.get_ref()),
            );
        }
    }
    out
}
