//! The terminal front end: numbered options for people, JSON lines for programs
//! (`console --json`, the protocol in DESIGN.md). A thin translation of the engine's replies;
//! it keeps the state in memory only. A check-in asked for ("Check on me later") is kept in
//! memory too and printed when it comes due, between lines of input; at the end of input the
//! console waits for it only when `--check-in-delay` was given (a demo or a test).

use crate::core::Content;
use crate::core::engine::{Command, Effect, Engine, Input, Kind, Prefs, Reply, State, Turn};
use crate::core::rules::Urgency;
use serde::Deserialize;
use serde_json::json;
use std::io::{self, BufRead, Write};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::Instant;

/// Options for one console session.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub json: bool,
    pub country: Option<String>,
    /// A language code of the data ("en", "de", "es").
    pub lang: String,
    /// `--check-in-delay` was given: at the end of input, wait for a check-in still to come.
    pub wait_for_check_in: bool,
}

/// A line of the JSON protocol: `{"text": "..."}` or `{"choose": [N, ...]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonInput {
    text: Option<String>,
    choose: Option<Vec<i64>>,
}

/// Runs a console session until the end of input.
pub fn run(
    content: &Content,
    settings: &Settings,
    input: impl BufRead + Send + 'static,
    mut out: impl Write,
) -> io::Result<()> {
    let mut state = State {
        prefs: Prefs {
            country: settings.country.clone(),
            lang: if content.languages.contains_key(&settings.lang) {
                settings.lang.clone()
            } else {
                "en".into()
            },
            lang_chosen: true,
            country_guessed: false,
        },
        ..State::default()
    };
    let hint = content
        .texts(&state.prefs.lang)
        .get("msg.multi_hint")
        .to_string();
    let replies = Engine::new(content, std::time::SystemTime::now()).step(&mut state, Input::Start);
    emit(&replies, settings, &hint, &mut out)?;
    // Lines are read on their own thread, so that a check-in can come between them.
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in input.lines() {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut check_in: Option<(Instant, Urgency)> = None;
    let mut open = true;
    loop {
        let next = match (check_in, open) {
            (Some((at, _)), true) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
            (None, true) => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            (Some((at, _)), false) if settings.wait_for_check_in => {
                std::thread::sleep(at.saturating_duration_since(Instant::now()));
                Err(RecvTimeoutError::Timeout)
            }
            _ => break,
        };
        let line = match next {
            Ok(line) => line?,
            Err(RecvTimeoutError::Timeout) => {
                let Some((_, level)) = check_in.take() else {
                    continue;
                };
                let engine = Engine::new(content, std::time::SystemTime::now());
                let turn = engine.turn(&mut state, Input::CheckInDue(level));
                if !turn.replies.is_empty() {
                    emit(&turn.replies, settings, &hint, &mut out)?;
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => {
                open = false;
                continue;
            }
        };
        // The clock goes in with each line: the date of a report is when it was asked for.
        let engine = Engine::new(content, std::time::SystemTime::now());
        let turn = if settings.json {
            match parse_json(&line) {
                Some(input) => engine.turn(&mut state, input),
                None => Turn {
                    replies: engine.complain(&state, "msg.malformed"),
                    effect: None,
                },
            }
        } else {
            match parse_human(&line) {
                Some(input) => engine.turn(&mut state, input),
                None => continue,
            }
        };
        match turn.effect {
            Some(Effect::ScheduleCheckIn { due_in, level }) => {
                check_in = Some((Instant::now() + due_in, level));
            }
            Some(Effect::CancelCheckIns | Effect::Forget) => check_in = None,
            Some(Effect::Rejected) | None => {}
        }
        emit(&turn.replies, settings, &hint, &mut out)?;
    }
    Ok(())
}

fn parse_json(line: &str) -> Option<Input> {
    let parsed: JsonInput = serde_json::from_str(line).ok()?;
    match (parsed.text, parsed.choose) {
        (Some(text), None) => Some(text_input(text)),
        (None, Some(numbers)) => Some(Input::Choose(
            numbers
                .into_iter()
                // 1-based; 0 and negatives become out of range.
                .map(|n| usize::try_from(n - 1).unwrap_or(usize::MAX))
                .collect(),
        )),
        _ => None,
    }
}

/// A line of numbers ("2", "1 3", "1,3") is a choice; anything else is text or a command.
fn parse_human(line: &str) -> Option<Input> {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return None;
    }
    let parts: Vec<&str> = trimmed
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
        let numbers = parts
            .iter()
            .map(|p| {
                p.parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .unwrap_or(usize::MAX)
            })
            .collect();
        return Some(Input::Choose(numbers));
    }
    Some(text_input(trimmed.to_string()))
}

fn text_input(text: String) -> Input {
    if let Some(input) = location_input(&text) {
        return input;
    }
    match Command::parse(&text) {
        Some(cmd) => Input::Command(cmd),
        None => Input::Text(text),
    }
}

/// `/location LAT LON` (console only, for trying it out): a shared location, as Telegram's
/// location button sends one. The country it lies in goes to the engine, not the point.
fn location_input(text: &str) -> Option<Input> {
    let rest = text.trim().strip_prefix("/location")?;
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    let numbers: Vec<f64> = rest
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    Some(match numbers.as_slice() {
        [lat, lon] => match crate::core::location::country_at(*lat, *lon) {
            Ok(country) => Input::Location {
                country: country.map(str::to_string),
            },
            Err(_) => Input::BadLocation,
        },
        _ => Input::BadLocation,
    })
}

fn emit(
    replies: &[Reply],
    settings: &Settings,
    multi_hint: &str,
    out: &mut impl Write,
) -> io::Result<()> {
    for r in replies {
        if settings.json {
            writeln!(out, "{}", to_json(r))?;
        } else {
            write_human(r, multi_hint, out)?;
        }
    }
    if settings.json {
        writeln!(out, "{}", json!({"kind": "waiting"}))?;
    } else {
        write!(out, "> ")?;
    }
    out.flush()
}

/// The protocol's output object.
pub fn to_json(r: &Reply) -> serde_json::Value {
    let mut text = r.text();
    for link in &r.links {
        text.push_str(&format!("\n\n{}: {}", link.label, link.url));
    }
    json!({
        "kind": r.kind,
        "text": text,
        "multi": r.multi,
        "options": r.options,
        "outcome": r.outcome,
        "faq": r.faq,
        "fhir": r.fhir,
    })
}

fn write_human(r: &Reply, multi_hint: &str, out: &mut impl Write) -> io::Result<()> {
    let rule = match r.kind {
        Kind::Emergency => "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        Kind::Outcome => "========================================",
        _ => "",
    };
    if !rule.is_empty() {
        writeln!(out, "{rule}")?;
    }
    if r.kind == Kind::Error {
        write!(out, "(!) ")?;
    }
    writeln!(out, "{}", r.text())?;
    for link in &r.links {
        writeln!(out, "\n{}: {}", link.label, link.url)?;
    }
    if !rule.is_empty() {
        writeln!(out, "{rule}")?;
    }
    if !r.options.is_empty() {
        for (i, o) in r.options.iter().enumerate() {
            writeln!(out, "  {:>2}. {}", i + 1, o.label)?;
        }
        if r.multi {
            writeln!(out, "{multi_hint}")?;
        }
    }
    writeln!(out)
}
