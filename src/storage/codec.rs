//! The stored form of a conversation: one short line of text, written and read once per
//! update. Fields are separated by `|`, lists by `,`; every id comes from the data or the
//! policy's vocabulary, which never contain these characters.
//!
//! ```text
//! 2|version|last update|keyboard|screen|node|history|answers|typed|flags|ticks|items
//! 2|7|4711|88|q|risk|start,consent,rf_breath|rf_breath:n,dvt_cramp:u|||c||
//! ```
//!
//! The screen, outermost first: `c/` country picker, `l/` language picker, `t:ID,ID/` topics
//! over the rest; then `-` nothing, `q` the question, `e:IDS` an emergency tapped or `E:IDS`
//! typed (with the findings its undo clears); `k:LEVEL/` a check-in over the rest. Flags: `c`
//! consent, `e` a typed emergency, `k` a check-in asked for after this outcome, `1`/`2` the
//! check-ins sent since the person last answered. Preferences: `lang|country`, `-` for "not
//! chosen". Older JSON records are read by [`super::legacy`].

use super::ChatState;
use crate::core::answers::Answers;
use crate::core::engine::{Check, Prefs, Screen, State, Undo};
use crate::core::findings::{Answer, Finding, Findings};
use crate::core::rules::Urgency;
use std::fmt::Write;

/// The first field of a stored state in this format.
pub const FORMAT: &str = "2";

pub fn encode_state(s: &ChatState) -> String {
    let mut out = String::with_capacity(160);
    let c = &s.engine.check;
    let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let _ = write!(
        out,
        "{FORMAT}|{}|{}|{}|",
        s.version,
        opt(s.last_update.map(|u| u.to_string())),
        opt(s.keyboard.map(|k| k.to_string())),
    );
    screen(&s.engine.screen, &mut out);
    out.push('|');
    out.push_str(c.node.as_deref().unwrap_or("-"));
    out.push('|');
    out.push_str(&c.history.join(","));
    out.push('|');
    let answers: Vec<String> = Finding::ALL
        .iter()
        .filter_map(|f| {
            let a = match c.answers.findings.get(*f)? {
                Answer::Present => 'y',
                Answer::Absent => 'n',
                Answer::Unsure => 'u',
            };
            Some(format!("{}:{a}", f.id()))
        })
        .collect();
    out.push_str(&answers.join(","));
    out.push('|');
    out.push_str(&ids(&c.answers.typed));
    out.push('|');
    if c.consent {
        out.push('c');
    }
    if c.answers.typed_emergency {
        out.push('e');
    }
    if c.check_in {
        out.push('k');
    }
    match s.engine.unanswered {
        0 => {}
        1 => out.push('1'),
        _ => out.push('2'),
    }
    out.push('|');
    out.push_str(&ids(&c.ticks));
    out.push('|');
    let items: Vec<String> = c
        .answers
        .items
        .iter()
        .map(|(k, v)| format!("{}:{v}", k.id()))
        .collect();
    out.push_str(&items.join(","));
    out
}

fn ids(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| f.id())
        .collect::<Vec<_>>()
        .join(",")
}

fn screen(s: &Screen, out: &mut String) {
    match s {
        Screen::Idle => out.push('-'),
        Screen::Question => out.push('q'),
        Screen::Emergency(u) => {
            out.push(if u.typed { 'E' } else { 'e' });
            out.push(':');
            out.push_str(&ids(&u.findings));
        }
        Screen::Countries { under } => {
            out.push_str("c/");
            screen(under, out);
        }
        Screen::Languages { under } => {
            out.push_str("l/");
            screen(under, out);
        }
        Screen::Topics { ids, under } => {
            out.push_str("t:");
            out.push_str(&ids.join(","));
            out.push('/');
            screen(under, out);
        }
        Screen::CheckIn { level, under } => {
            out.push_str("k:");
            out.push_str(level.id());
            out.push('/');
            screen(under, out);
        }
    }
}

/// A state of this format; `None` when it is not one (another format, or damaged).
pub fn decode_state(text: &str) -> Option<ChatState> {
    let f: Vec<&str> = text.split('|').collect();
    let [
        format,
        version,
        last,
        keyboard,
        scr,
        node,
        history,
        answers,
        typed,
        flags,
        ticks,
        items,
    ] = f.as_slice()
    else {
        return None;
    };
    if *format != FORMAT {
        return None;
    }
    let opt_num = |s: &str| -> Option<Option<String>> {
        (s == "-").then_some(None).or(Some(Some(s.to_string())))
    };
    let mut findings = Findings::new();
    for pair in list(answers) {
        let (id, a) = pair.split_once(':')?;
        let a = match a {
            "y" => Answer::Present,
            "n" => Answer::Absent,
            "u" => Answer::Unsure,
            _ => return None,
        };
        findings.set(id.parse().ok()?, a);
    }
    let mut item_map = std::collections::BTreeMap::new();
    for pair in list(items) {
        let (k, v) = pair.split_once(':')?;
        item_map.insert(k.parse().ok()?, v.to_string());
    }
    Some(ChatState {
        engine: State {
            screen: parse_screen(scr)?,
            check: Check {
                node: (*node != "-").then(|| node.to_string()),
                history: list(history).map(str::to_string).collect(),
                answers: Answers {
                    findings,
                    typed: finding_list(typed)?,
                    typed_emergency: flags.contains('e'),
                    items: item_map,
                },
                ticks: finding_list(ticks)?,
                consent: flags.contains('c'),
                check_in: flags.contains('k'),
            },
            prefs: Prefs::default(),
            unanswered: if flags.contains('2') {
                2
            } else {
                u8::from(flags.contains('1'))
            },
        },
        keyboard: match opt_num(keyboard)? {
            Some(k) => Some(k.parse().ok()?),
            None => None,
        },
        last_update: match opt_num(last)? {
            Some(u) => Some(u.parse().ok()?),
            None => None,
        },
        version: version.parse().ok()?,
        reset: false,
    })
}

fn list(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').filter(|p| !p.is_empty())
}

fn finding_list(s: &str) -> Option<Vec<Finding>> {
    list(s).map(|id| id.parse().ok()).collect()
}

fn parse_screen(s: &str) -> Option<Screen> {
    if let Some(rest) = s.strip_prefix("c/") {
        return Some(Screen::Countries {
            under: Box::new(parse_screen(rest)?),
        });
    }
    if let Some(rest) = s.strip_prefix("l/") {
        return Some(Screen::Languages {
            under: Box::new(parse_screen(rest)?),
        });
    }
    if let Some(rest) = s.strip_prefix("k:") {
        let (level, rest) = rest.split_once('/')?;
        let level = match level {
            "urgent" => Urgency::Urgent,
            "soon" => Urgency::Soon,
            "self_care" => Urgency::SelfCare,
            _ => return None,
        };
        return Some(Screen::CheckIn {
            level,
            under: Box::new(parse_screen(rest)?),
        });
    }
    if let Some(rest) = s.strip_prefix("t:") {
        let (ids, rest) = rest.split_once('/')?;
        return Some(Screen::Topics {
            ids: list(ids).map(str::to_string).collect(),
            under: Box::new(parse_screen(rest)?),
        });
    }
    match s {
        "-" => Some(Screen::Idle),
        "q" => Some(Screen::Question),
        _ => {
            let (kind, findings) = s.split_once(':')?;
            let typed = match kind {
                "e" => false,
                "E" => true,
                _ => return None,
            };
            Some(Screen::Emergency(Undo {
                findings: finding_list(findings)?,
                typed,
            }))
        }
    }
}

/// The preferences worth keeping: only what was chosen; `None` when nothing was.
pub fn encode_prefs(p: &Prefs) -> Option<String> {
    let p = p.chosen();
    let lang = if p.lang_chosen { p.lang.as_str() } else { "-" };
    let country = p.country.as_deref().unwrap_or("-");
    (p.lang_chosen || p.country.is_some()).then(|| format!("{lang}|{country}"))
}

/// Stored preferences: this format, or an older JSON record.
pub fn decode_prefs(text: &str) -> Option<Prefs> {
    if text.starts_with('{') {
        return super::legacy::prefs(text);
    }
    let (lang, country) = text.split_once('|')?;
    let chosen = |s: &str| (s != "-" && !s.is_empty()).then(|| s.to_string());
    Some(Prefs {
        lang_chosen: chosen(lang).is_some(),
        lang: chosen(lang).unwrap_or_else(|| Prefs::default().lang),
        country: chosen(country),
        country_guessed: false,
    })
}
