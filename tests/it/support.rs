//! Shared helpers: the real binary, the clinical contract, a console session driver.

use clotcheck::core::engine::Reply;
use clotcheck::core::findings::Finding;
use serde::Deserialize;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clotcheck"))
}

/// A TCP port free on 127.0.0.1 at the time of asking, for a server a test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Sends SIGTERM to `pid`, for a graceful stop (the bot's own tests kill with SIGKILL by
/// dropping their `BotProcess`); one way for every test that checks a clean stop.
pub fn sigterm(pid: u32) {
    let _ = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status();
}

/// `../shared` beside the project, where the clinical contract is kept upstream (it may not
/// exist: see `contract::the_in_repo_contract_matches_the_shared_one`).
pub fn shared(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(path)
}

pub fn project(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[derive(Debug, Deserialize)]
pub struct Vignette {
    pub id: String,
    #[serde(default)]
    pub present: Vec<String>,
    #[serde(default)]
    pub unsure: Vec<String>,
    pub expect: String,
}

#[derive(Debug, Deserialize)]
struct VignetteFile {
    vignette: Vec<Vignette>,
}

/// Every vignette in the repository's copy of the clinical contract, read afresh so new
/// ones are picked up.
pub fn vignettes() -> Vec<Vignette> {
    let path = project("clinical/vignettes.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let file: VignetteFile = toml::from_str(&text).expect("vignettes.toml parses");
    assert!(!file.vignette.is_empty());
    file.vignette
}

/// A running `clotcheck console --json`, spoken to line by line.
pub struct Console {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Console {
    pub fn start(args: &[&str]) -> (Console, Vec<Value>) {
        let mut child = bin()
            .arg("console")
            .arg("--json")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("console starts");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut c = Console {
            child,
            stdin,
            stdout,
        };
        let first = c.read_until_waiting();
        (c, first)
    }

    /// Sends one JSON line and returns the messages up to the next `waiting`.
    pub fn send(&mut self, line: &str) -> Vec<Value> {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").expect("write");
        stdin.flush().expect("flush");
        self.read_until_waiting()
    }

    pub fn choose(&mut self, numbers: &[usize]) -> Vec<Value> {
        self.send(&serde_json::json!({ "choose": numbers }).to_string())
    }

    pub fn text(&mut self, text: &str) -> Vec<Value> {
        self.send(&serde_json::json!({ "text": text }).to_string())
    }

    fn read_until_waiting(&mut self) -> Vec<Value> {
        let mut out = Vec::new();
        loop {
            let mut line = String::new();
            let n = self.stdout.read_line(&mut line).expect("read");
            assert!(n > 0, "console ended before waiting; got {out:?}");
            let v: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"));
            if v["kind"] == "waiting" {
                return out;
            }
            out.push(v);
        }
    }

    /// Closes stdin, reads every message up to the end and checks the exit code (0).
    pub fn finish_collecting(mut self) -> Vec<Value> {
        drop(self.stdin.take());
        let mut out = Vec::new();
        let mut line = String::new();
        while self.stdout.read_line(&mut line).expect("read") > 0 {
            let v: Value = serde_json::from_str(&line).expect("JSON");
            if v["kind"] != "waiting" {
                out.push(v);
            }
            line.clear();
        }
        assert_eq!(self.child.wait().expect("wait").code(), Some(0));
        out
    }

    /// Closes stdin and waits: the console must exit 0 at end of input.
    pub fn finish(mut self) -> i32 {
        drop(self.stdin.take());
        self.child.wait().expect("wait").code().unwrap_or(-1)
    }
}

/// Whether the local Redis (127.0.0.1:6379) answers; where it does not, the test is skipped
/// visibly, or fails where `CLOTCHECK_REQUIRE_REDIS` is set. One check for every test that
/// needs a shared Redis, so they skip and fail alike.
pub fn redis_up() -> bool {
    if redis::Client::open("redis://127.0.0.1:6379")
        .and_then(|c| c.get_connection())
        .is_ok()
    {
        return true;
    }
    if std::env::var_os("CLOTCHECK_REQUIRE_REDIS").is_some() {
        panic!("Redis is required here");
    }
    eprintln!("SKIPPED: no Redis at 127.0.0.1:6379");
    false
}

/// The last of the engine's replies that offers options: the question a walk answers next
/// (as [`pending`] is for the console's JSON).
pub fn last_question(replies: &[Reply]) -> Reply {
    replies
        .iter()
        .rev()
        .find(|r| !r.options.is_empty())
        .unwrap()
        .clone()
}

/// The options a truthful person with these findings picks on the engine's question `q`
/// (numbered from 0, as `Input::Choose` takes them), or `None` where no option fits. The engine
/// walks in `report.rs` and `review.rs` answer by the same rule, so it is written once here.
pub fn truthful_pick(q: &Reply, present: &[String], unsure: &[String]) -> Option<Vec<usize>> {
    let has = |list: &[String], ids: &[Finding]| {
        !ids.is_empty() && ids.iter().all(|f| list.contains(&f.id().to_string()))
    };
    if q.multi {
        return Some(
            q.options
                .iter()
                .enumerate()
                .filter(|(_, o)| !o.nav && has(present, &o.findings))
                .map(|(i, _)| i)
                .collect(),
        );
    }
    let i = q
        .options
        .iter()
        .position(|o| !o.nav && has(present, &o.findings))
        .or_else(|| {
            q.options
                .iter()
                .position(|o| !o.nav && has(unsure, &o.unsure))
        })
        .or_else(|| {
            q.options
                .iter()
                .position(|o| !o.nav && o.findings.is_empty() && o.unsure.is_empty())
        })?;
    Some(vec![i])
}

/// The `text` of a console message (or any JSON with a string `text`), which the tests read
/// more than anything else; panics where there is none, as `.as_str().unwrap()` did.
pub fn text_of(v: &Value) -> &str {
    v["text"].as_str().unwrap()
}

/// The last message with options: the one `choose` counts into.
pub fn pending(messages: &[Value]) -> &Value {
    messages
        .iter()
        .rev()
        .find(|m| m["options"].as_array().is_some_and(|o| !o.is_empty()))
        .unwrap_or_else(|| panic!("no message with options in {messages:?}"))
}

pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Answers the check as a truthful person with these findings would, until the end of the
/// check or an emergency; returns that final message. Advice shown early (the result can no
/// longer change) is read and the check continued, as its option offers.
pub fn walk(c: &mut Console, first: Vec<Value>, present: &[String], unsure: &[String]) -> Value {
    walk_to(c, first, present, unsure, false)
}

/// As [`walk`], but stops at the first result shown (the advice, shown early when it can no
/// longer change).
pub fn walk_to_advice(
    c: &mut Console,
    first: Vec<Value>,
    present: &[String],
    unsure: &[String],
) -> Value {
    walk_to(c, first, present, unsure, true)
}

fn walk_to(
    c: &mut Console,
    first: Vec<Value>,
    present: &[String],
    unsure: &[String],
    first_result: bool,
) -> Value {
    let mut messages = first;
    for _ in 0..100 {
        let goes_on = |m: &Value| {
            m["options"]
                .as_array()
                .is_some_and(|o| o.iter().any(|o| o["nav"] == false))
        };
        if let Some(end) = messages.iter().find(|m| {
            m["kind"] == "emergency" || (m["kind"] == "outcome" && (first_result || !goes_on(m)))
        }) {
            return end.clone();
        }
        let q = pending(&messages).clone();
        let options = q["options"].as_array().expect("options").clone();
        let has = |list: &[String], v: &Value| {
            let ids = strings(v);
            !ids.is_empty() && ids.iter().all(|id| list.contains(id))
        };
        let plain = |o: &Value| {
            o["nav"] == false
                && strings(&o["findings"]).is_empty()
                && strings(&o["unsure"]).is_empty()
        };
        let pick: Vec<usize> = if q["multi"] == true {
            options
                .iter()
                .enumerate()
                .filter(|(_, o)| o["nav"] == false && has(present, &o["findings"]))
                .map(|(i, _)| i + 1)
                .collect()
        } else {
            let i = options
                .iter()
                .position(|o| o["nav"] == false && has(present, &o["findings"]))
                .or_else(|| {
                    options
                        .iter()
                        .position(|o| o["nav"] == false && has(unsure, &o["unsure"]))
                })
                .or_else(|| options.iter().position(plain))
                .unwrap_or_else(|| panic!("no truthful answer to {q}"));
            vec![i + 1]
        };
        messages = c.choose(&pick);
    }
    panic!("the check did not end within 100 answers");
}
