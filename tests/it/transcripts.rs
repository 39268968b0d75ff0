//! Transcript tests: files of `user:` / `bot:` lines in `tests/transcripts/`, replayed against
//! the engine. They double as documentation of the flow.
//!
//! - `user: TEXT` is what the user sends, read as the human console reads it: a line of
//!   numbers chooses options, `/name` is a command, anything else is free text.
//! - `bot: TEXT` must appear in the replies to the last `user:` line, in order.
//! - `bot!: TEXT` must not appear in them.
//! - `urgency: LEVEL` is the urgency of the outcome or emergency in those replies.
//! - `country: ISO` (before the first line) sets the country.

use crate::support::project;
use clotcheck::core::engine::{Command, Engine, Input, Reply, State};
use clotcheck::data;

fn input(line: &str) -> Input {
    let parts: Vec<&str> = line.split([' ', ',']).filter(|p| !p.is_empty()).collect();
    if !parts.is_empty() && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
        return Input::Choose(
            parts
                .iter()
                .map(|p| p.parse::<usize>().unwrap() - 1)
                .collect(),
        );
    }
    match Command::parse(line) {
        Some(c) => Input::Command(c),
        None => Input::Text(line.to_string()),
    }
}

fn render(replies: &[Reply]) -> String {
    let mut out = String::new();
    for r in replies {
        out.push_str(&r.text());
        out.push('\n');
        for (i, o) in r.options.iter().enumerate() {
            out.push_str(&format!("{}. {}\n", i + 1, o.label));
        }
    }
    out
}

fn replay(name: &str, script: &str) {
    let content = data::load_embedded().unwrap();
    let engine = Engine::new(&content, std::time::SystemTime::now());
    let mut state = State::default();
    let mut replies = engine.step(&mut state, Input::Start);
    let mut said = render(&replies);
    let mut cursor = 0;
    for (n, raw) in script.lines().enumerate() {
        let line = raw.trim();
        let at = format!("{name}:{}", n + 1);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (tag, rest) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("{at}: no tag"));
        let rest = rest.trim();
        match tag {
            "country" => {
                state.prefs.country = Some(rest.to_string());
                replies = engine.step(&mut state, Input::Start);
                said = render(&replies);
                cursor = 0;
            }
            "user" => {
                replies = engine.step(&mut state, input(rest));
                said = render(&replies);
                cursor = 0;
            }
            "bot" => match said[cursor..].find(rest) {
                Some(i) => cursor += i + rest.len(),
                None => panic!("{at}: expected {rest:?} in:\n{}", &said[cursor..]),
            },
            "bot!" => assert!(
                !said.contains(rest),
                "{at}: did not expect {rest:?} in:\n{said}"
            ),
            "urgency" => {
                let got = replies
                    .iter()
                    .find_map(|r| r.outcome.as_ref())
                    .map(|o| o.urgency.id())
                    .unwrap_or("none");
                assert_eq!(got, rest, "{at}");
            }
            other => panic!("{at}: unknown tag {other}"),
        }
    }
}

#[test]
fn every_transcript_replays() {
    let dir = project("tests/transcripts");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            replay(&name, &std::fs::read_to_string(&path).unwrap());
            count += 1;
        }
    }
    assert!(count >= 4, "only {count} transcripts");
}
