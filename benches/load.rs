//! The load benchmark: simulated users drive the real `clotcheck run --rate-limit off` over
//! long polling against the project's fake Bot API, and, in the same run with rounds
//! interleaved, a bare teloxide echo bot (`echo-bench`) as the baseline.
//!
//! Each clotcheck user: /start, consent, "No" to every question, "None of these" to the lists,
//! to the outcome, then one free-text question — 20 updates. Each echo user: a message, then
//! 19 presses, each answered and edited — 20 updates.
//!
//! The flood scenario: with Telegram's rate limits on, as deployed, one chat sends 50 messages
//! a second while `FLOOD_USERS` others go through the check; their latencies are compared with
//! the same users without the flood.
//!
//! Run: `cargo bench --bench load` (release build). Prints the table with the ratios.

#[path = "../tests/support/fake_telegram.rs"]
mod fake_telegram;

use clotcheck::storage::{ChatState, encode_state};
use fake_telegram::{FakeTelegram, buttons};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const USERS: i64 = 200;
const ROUNDS: usize = 3;
const STORED: i64 = 10_000;
/// Users going through the check beside the flooding chat.
const FLOOD_USERS: i64 = 20;
/// The flooding chat's messages per second.
const FLOOD_RATE: u64 = 50;

struct Bot {
    child: Child,
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Bot {
    fn start(exe: &str, args: &[String], api: &str) -> Bot {
        let child = Command::new(exe)
            .args(args)
            .env("TELOXIDE_TOKEN", "1234:LOAD")
            .env("TELOXIDE_API_URL", api)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the bot");
        Bot { child }
    }

    /// CPU time of the process so far: the sum over its threads of the scheduler's
    /// nanosecond count (`/proc/PID/task/*/schedstat`), finer than `stat`'s 10 ms ticks.
    fn cpu(&self) -> Duration {
        let dir = format!("/proc/{}/task", self.child.id());
        let ns: u64 = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
            .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
            .sum();
        Duration::from_nanos(ns)
    }

    fn rss_kb(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    }
}

#[derive(Default, Clone)]
struct Round {
    updates: usize,
    wall: Duration,
    cpu: Duration,
    startup: Duration,
    latencies: Vec<Duration>,
    /// Bot API calls made during the round (the warm-up user's included): all, and
    /// `getUpdates` alone.
    calls: usize,
    polls: usize,
}

impl Round {
    fn per_sec(&self) -> f64 {
        self.updates as f64 / self.wall.as_secs_f64()
    }
    fn cpu_per_update_us(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.updates as f64
    }
    fn percentile(&self, p: f64) -> Duration {
        let mut l = self.latencies.clone();
        l.sort();
        l.get(((l.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or_default()
    }
}

/// The data of the button labelled `label` (or the first one) on the chat's keyboard.
fn data_for(tg: &FakeTelegram, chat: i64, label: &str) -> (i64, String) {
    let m = tg.keyboard_message(chat).expect("a keyboard");
    let all = buttons(&m.markup);
    let (_, d) = all
        .iter()
        .find(|(l, _)| l == label)
        .or_else(|| all.iter().find(|(l, _)| l.contains(label)))
        .or_else(|| all.first())
        .cloned()
        .expect("a button");
    (m.id, d)
}

/// One action by one user, timed from delivery to the reply with buttons.
async fn act(
    tg: &FakeTelegram,
    chat: i64,
    update: impl FnOnce() -> i64,
    seen: &mut usize,
    lat: &mut Vec<Duration>,
) {
    let id = update();
    *seen = tg.wait_keyboards(chat, *seen).await;
    let done = Instant::now();
    if let Some(at) = tg.delivered_at(id) {
        lat.push(done.saturating_duration_since(at));
    }
}

async fn clotcheck_user(tg: Arc<FakeTelegram>, chat: i64) -> (usize, Vec<Duration>) {
    let mut seen = tg.keyboards(chat);
    let mut lat = Vec::new();
    let mut updates = 0;
    act(&tg, chat, || tg.text(chat, "/start"), &mut seen, &mut lat).await;
    updates += 1;
    for label in ["Start the check", "I agree"]
        .into_iter()
        .chain(std::iter::repeat_n("No", 13))
        .chain(["None of these", "None of these", "No"])
    {
        let (m, d) = data_for(&tg, chat, label);
        act(&tg, chat, || tg.press(chat, m, &d), &mut seen, &mut lat).await;
        updates += 1;
    }
    act(
        &tg,
        chat,
        || tg.text(chat, "how is a dvt diagnosed"),
        &mut seen,
        &mut lat,
    )
    .await;
    updates += 1;
    (updates, lat)
}

async fn echo_user(tg: Arc<FakeTelegram>, chat: i64) -> (usize, Vec<Duration>) {
    let mut seen = tg.keyboards(chat);
    let mut lat = Vec::new();
    act(&tg, chat, || tg.text(chat, "hello"), &mut seen, &mut lat).await;
    for _ in 0..19 {
        let (m, d) = data_for(&tg, chat, "press");
        act(&tg, chat, || tg.press(chat, m, &d), &mut seen, &mut lat).await;
    }
    (20, lat)
}

/// The bot run with its state in `storage` and rate limits `on` or `off`, once it has first
/// polled the fake Bot API (looked for every `every_ms` milliseconds): the start of each
/// storage round, which must not begin before the bot listens.
async fn polling(
    exe: &str,
    tg: &FakeTelegram,
    rate_limit: &str,
    storage: String,
    every_ms: u64,
) -> Bot {
    let bot = Bot::start(
        exe,
        &[
            "run".into(),
            "--rate-limit".into(),
            rate_limit.into(),
            "--storage".into(),
            storage,
        ],
        &tg.url,
    );
    while tg.first_poll().is_none() {
        tokio::time::sleep(Duration::from_millis(every_ms)).await;
    }
    bot
}

async fn round(exe: &str, args: Vec<String>, echo: bool, first_chat: i64) -> Round {
    let tg = Arc::new(FakeTelegram::start().await);
    let spawned = Instant::now();
    let bot = Bot::start(exe, &args, &tg.url);
    while tg.first_poll().is_none() {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let startup = tg.first_poll().unwrap().saturating_duration_since(spawned);
    if std::env::var_os("LOAD_PROFILE").is_some() {
        // Time to attach a profiler: `perf record -g -p PID`.
        eprintln!("bot pid {}", bot.child.id());
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    // Warm-up: one user, not measured.
    if echo {
        echo_user(tg.clone(), first_chat - 1).await;
    } else {
        clotcheck_user(tg.clone(), first_chat - 1).await;
    }
    let cpu0 = bot.cpu();
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..USERS)
        .map(|i| {
            let tg = tg.clone();
            let chat = first_chat + i;
            tokio::spawn(async move {
                if echo {
                    echo_user(tg, chat).await
                } else {
                    clotcheck_user(tg, chat).await
                }
            })
        })
        .collect();
    let mut r = Round {
        startup,
        ..Round::default()
    };
    for t in tasks {
        let (n, lat) = t.await.expect("user task");
        r.updates += n;
        r.latencies.extend(lat);
    }
    r.wall = t0.elapsed();
    r.cpu = bot.cpu().saturating_sub(cpu0);
    r.calls = tg.call_count();
    r.polls = tg.polls();
    r
}

/// `FLOOD_USERS` users through the check with rate limits on, beside a chat sending
/// `FLOOD_RATE` messages a second when `flood`; the users' latencies, and how many messages the
/// flooding chat sent.
async fn flood_round(exe: &str, flood: bool, first_chat: i64) -> (Round, u64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = format!("sqlite:{}", dir.path().join("flood.sqlite").display());
    let tg = Arc::new(FakeTelegram::start().await);
    let _bot = polling(exe, &tg, "on", storage, 1).await;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flooder = flood.then(|| {
        let (tg, stop) = (tg.clone(), stop.clone());
        tokio::spawn(async move {
            let chat = first_chat - 1;
            let mut sent = 0;
            let mut tick = tokio::time::interval(Duration::from_millis(1000 / FLOOD_RATE));
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                tick.tick().await;
                tg.text(chat, "what is a dvt");
                sent += 1;
            }
            sent
        })
    });
    // Let the flood build up first.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..FLOOD_USERS)
        .map(|i| tokio::spawn(clotcheck_user(tg.clone(), first_chat + i)))
        .collect();
    let mut r = Round::default();
    for t in tasks {
        let (n, lat) = t.await.expect("user task");
        r.updates += n;
        r.latencies.extend(lat);
    }
    r.wall = t0.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sent = match flooder {
        Some(f) => f.await.expect("flooder"),
        None => 0,
    };
    (r, sent)
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

/// RSS of clotcheck serving from a database that holds `STORED` conversations.
async fn rss_with_stored(exe: &str) -> (u64, u64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("load.sqlite");
    let storage = format!("sqlite:{}", db.display());
    {
        // Create the schema through the bot, then fill it.
        let tg = FakeTelegram::start().await;
        let _bot = polling(exe, &tg, "off", storage.clone(), 5).await;
    }
    let mut conn = rusqlite::Connection::open(&db).expect("open");
    let tx = conn.transaction().expect("tx");
    let mut s = ChatState::default();
    s.engine.check.node = Some("risk".into());
    s.engine.check.consent = true;
    s.engine.screen = clotcheck::core::engine::Screen::Question;
    for f in clotcheck::core::findings::Finding::ALL.iter().take(14) {
        s.engine
            .check
            .answers
            .findings
            .set(*f, clotcheck::core::findings::Answer::Absent);
    }
    let now = clotcheck::storage::now();
    for chat in 0..STORED {
        s.version = 1;
        tx.execute(
            "INSERT INTO conversation (chat_id, state, version, updated_at) VALUES (?1, ?2, 1, ?3)",
            rusqlite::params![1_000_000 + chat, encode_state(&s), now],
        )
        .expect("insert");
    }
    tx.commit().expect("commit");
    drop(conn);
    let tg = Arc::new(FakeTelegram::start().await);
    let bot = polling(exe, &tg, "off", storage, 5).await;
    // Touch a few hundred of the stored conversations, and run 100 new ones at once.
    for chat in 0..300 {
        let seen = tg.keyboards(1_000_000 + chat);
        tg.text(1_000_000 + chat, "/help");
        tg.wait_keyboards(1_000_000 + chat, seen).await;
    }
    let tasks: Vec<_> = (0..100)
        .map(|i| tokio::spawn(clotcheck_user(tg.clone(), 50_000 + i)))
        .collect();
    for t in tasks {
        t.await.expect("user");
    }
    (
        bot.rss_kb(),
        std::fs::metadata(&db).map(|m| m.len() / 1024).unwrap_or(0),
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let clotcheck = env!("CARGO_BIN_EXE_clotcheck");
    let echo = env!("CARGO_BIN_EXE_echo-bench");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ours: Vec<Round> = Vec::new();
    let mut mem: Vec<Round> = Vec::new();
    let mut base: Vec<Round> = Vec::new();
    // `LOAD_PROFILE=sqlite|memory|echo`: that bot alone, one round, waiting for a profiler.
    let only = std::env::var("LOAD_PROFILE").ok();
    for i in 0..ROUNDS {
        let db = format!(
            "sqlite:{}",
            dir.path().join(format!("r{i}.sqlite")).display()
        );
        let args = |storage: String| {
            vec![
                "run".into(),
                "--rate-limit".into(),
                "off".into(),
                "--storage".into(),
                storage,
            ]
        };
        if let Some(only) = &only {
            let r = match only.as_str() {
                "echo" => round(echo, vec![], true, 10_000).await,
                "memory" => round(clotcheck, args("memory".into()), false, 10_000).await,
                _ => round(clotcheck, args(db), false, 10_000).await,
            };
            println!("{only}: CPU per update {:.1} µs", r.cpu_per_update_us());
            return;
        }
        ours.push(round(clotcheck, args(db), false, 10_000 * (i as i64 + 1)).await);
        base.push(round(echo, vec![], true, 10_000 * (i as i64 + 1)).await);
        mem.push(
            round(
                clotcheck,
                args("memory".into()),
                false,
                10_000 * (i as i64 + 1),
            )
            .await,
        );
    }
    let (rss, db_kb) = rss_with_stored(clotcheck).await;
    let (calm, _) = flood_round(clotcheck, false, 900_000).await;
    let (flooded, flood_sent) = flood_round(clotcheck, true, 950_000).await;

    let m =
        |rs: &[Round], f: &dyn Fn(&Round) -> f64| median(&mut rs.iter().map(f).collect::<Vec<_>>());
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "clotcheck with memory storage: {:.0} updates/s, CPU per update {:.1} µs ({:.2}x echo)",
        m(&mem, &|r| r.per_sec()),
        m(&mem, &|r| r.cpu_per_update_us()),
        m(&mem, &|r| r.cpu_per_update_us()) / m(&base, &|r| r.cpu_per_update_us())
    );
    let per_update =
        |rs: &[Round], f: &dyn Fn(&Round) -> usize| m(rs, &|r| f(r) as f64 / r.updates as f64);
    println!(
        "Bot API calls per update: clotcheck {:.2} (getUpdates {:.2}), memory storage {:.2} (getUpdates {:.2}), echo bot {:.2} (getUpdates {:.2})",
        per_update(&ours, &|r| r.calls),
        per_update(&ours, &|r| r.polls),
        per_update(&mem, &|r| r.calls),
        per_update(&mem, &|r| r.polls),
        per_update(&base, &|r| r.calls),
        per_update(&base, &|r| r.polls),
    );
    let rows: Vec<(&str, f64, f64, &str)> = vec![
        (
            "updates per second",
            m(&ours, &|r| r.per_sec()),
            m(&base, &|r| r.per_sec()),
            ">= 1000",
        ),
        (
            "CPU per update (µs)",
            m(&ours, &|r| r.cpu_per_update_us()),
            m(&base, &|r| r.cpu_per_update_us()),
            "<= 1.3x echo",
        ),
        (
            "latency p50 (ms)",
            m(&ours, &|r| ms(r.percentile(0.5))),
            m(&base, &|r| ms(r.percentile(0.5))),
            "",
        ),
        (
            "latency p99 (ms)",
            m(&ours, &|r| ms(r.percentile(0.99))),
            m(&base, &|r| ms(r.percentile(0.99))),
            "",
        ),
        (
            "start-up to first getUpdates (ms)",
            m(&ours, &|r| ms(r.startup)),
            m(&base, &|r| ms(r.startup)),
            "< 200",
        ),
    ];
    println!(
        "load benchmark: {USERS} users x 20 updates, {ROUNDS} interleaved rounds each, medians; 2 cores"
    );
    println!("| measure | clotcheck (SQLite) | echo bot | ratio | target |");
    println!("| --- | --- | --- | --- | --- |");
    for (name, a, b, target) in rows {
        println!("| {name} | {a:.1} | {b:.1} | {:.2}x | {target} |", a / b);
    }
    println!(
        "| RSS with {STORED} stored conversations (MB) | {:.1} | — | — | < 30 |",
        rss as f64 / 1024.0
    );
    println!("(database file: {:.1} MB)", db_kb as f64 / 1024.0);
    println!(
        "flood: {FLOOD_USERS} users x 20 updates with rate limits on, beside one chat sending {FLOOD_RATE} messages/s ({flood_sent} sent)"
    );
    println!("| the other users' latency (ms) | without the flood | with the flood |");
    println!("| --- | --- | --- |");
    for (name, p) in [("p50", 0.5), ("p99", 0.99), ("max", 1.0)] {
        println!(
            "| {name} | {:.1} | {:.1} |",
            ms(calm.percentile(p)),
            ms(flooded.percentile(p))
        );
    }
}
