//! Webhook mode and scale-out: the secret checked before the body, answers only after the
//! update is handled, /healthz and /metrics, and two real instances sharing the local Redis
//! serving one chat's updates alternately and concurrently.

use crate::fake_telegram::{FakeTelegram, buttons};
use crate::support::{bin, free_port, redis_up, sigterm};
use crate::telegram::BotProcess;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "s3cret-Webhook_token";

/// A minimal HTTP/1.1 client: (status, body).
async fn http(
    port: u16,
    method: &str,
    path: &str,
    secret: Option<&str>,
    body: &str,
) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(sec) = secret {
        req.push_str(&format!("X-Telegram-Bot-Api-Secret-Token: {sec}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Posts an update as Telegram does: again after a 503 (another instance holds the chat) or
/// a 500 (not handled), until it is answered with 200.
pub(crate) async fn deliver(port: u16, update: &Value) -> u16 {
    for _ in 0..200 {
        let (status, _) = http(port, "POST", "/tg/hook", Some(SECRET), &update.to_string()).await;
        if status != 503 && status != 500 {
            return status;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("never answered");
}

fn start_with(tg: &FakeTelegram, port: u16, storage: &str, more: &[&str]) -> BotProcess {
    let listen = format!("127.0.0.1:{port}");
    let mut args = vec![
        "--webhook-url",
        "https://bot.example.org/tg/hook",
        "--listen",
        &listen,
        "--storage",
        storage,
    ];
    args.extend_from_slice(more);
    BotProcess::start_with_env(
        &tg.url,
        &args,
        "info",
        &[("CLOTCHECK_WEBHOOK_SECRET", SECRET)],
    )
}

/// A chat id from `base` that differs from one run of the tests to the next, so that a chat
/// left in the shared Redis by an earlier run is not met again.
fn chat_of_this_run(base: i64) -> i64 {
    base + (std::process::id() as i64 % 100_000)
}

/// One webhook instance on a free port with a fresh SQLite file, answering /healthz: the
/// set-up of the single-instance webhook tests. Keep the directory as long as the bot runs.
pub(crate) async fn one_instance(
    tg: &FakeTelegram,
    more: &[&str],
) -> (tempfile::TempDir, BotProcess, u16) {
    let dir = tempfile::tempdir().unwrap();
    let storage = format!("sqlite:{}", dir.path().join("w.sqlite").display());
    let port = free_port();
    let bot = start_with(tg, port, &storage, more);
    wait_healthy(port).await;
    (dir, bot, port)
}

/// Two webhook instances on free ports sharing the Redis `storage`, both answering /healthz:
/// the set-up of every scale-out test, kept in one place so they all start the pair the same
/// way. `None` (the test is skipped) where there is no Redis: see [`redis_up`].
async fn two_instances(
    tg: &FakeTelegram,
    storage: &str,
    more: &[&str],
) -> Option<((BotProcess, u16), (BotProcess, u16))> {
    if !redis_up() {
        return None;
    }
    let (p1, p2) = (free_port(), free_port());
    let a = start_with(tg, p1, storage, more);
    let b = start_with(tg, p2, storage, more);
    wait_healthy(p1).await;
    wait_healthy(p2).await;
    Some(((a, p1), (b, p2)))
}

pub(crate) async fn wait_healthy(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
            && http(port, "GET", "/healthz", None, "").await.0 == 200
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the webhook server did not come up");
}

/// Runs the bot in webhook mode with this `CLOTCHECK_WEBHOOK_SECRET` (or none) and waits for
/// it to stop: for the secrets it must refuse at start, before it listens.
fn run_webhook_with_secret(secret: Option<&str>) -> std::process::Output {
    let mut cmd = bin();
    cmd.args([
        "run",
        "--webhook-url",
        "https://x.example/hook",
        "--listen",
        "127.0.0.1:9",
    ])
    .env("TELOXIDE_TOKEN", "1:x");
    match secret {
        Some(secret) => cmd.env("CLOTCHECK_WEBHOOK_SECRET", secret),
        None => cmd.env_remove("CLOTCHECK_WEBHOOK_SECRET"),
    };
    cmd.output().unwrap()
}

#[test]
fn webhook_mode_refuses_to_start_without_a_secret() {
    let out = run_webhook_with_secret(None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CLOTCHECK_WEBHOOK_SECRET"));
    // Nor with one Telegram would refuse (spaces, other characters, over 256).
    for bad in ["has spaces", "dots.and/slashes", &"x".repeat(257)] {
        let out = run_webhook_with_secret(Some(bad));
        assert_eq!(out.status.code(), Some(1), "{bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("A-Z a-z 0-9 _ -"), "{stderr}");
        assert!(!stderr.contains(bad), "the secret is not printed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_secret_is_accepted_with_a_warning() {
    let tg = FakeTelegram::start().await;
    let (_dir, bot, _port) = one_instance(&tg, &[]).await;
    assert!(
        bot.wait_log("CLOTCHECK_WEBHOOK_SECRET has 20 characters; use 32 or more"),
        "{}",
        bot.log()
    );
    assert!(!bot.log().contains(SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_is_checked_and_updates_are_answered_after_handling() {
    let tg = FakeTelegram::start().await;
    let metrics_port = free_port();
    let metrics_listen = format!("127.0.0.1:{metrics_port}");
    let (_dir, bot, port) = one_instance(&tg, &["--metrics-listen", &metrics_listen]).await;
    let update = tg.stamp(tg.text_update(9101, "/start"));
    assert_eq!(
        http(port, "POST", "/tg/hook", None, &update.to_string())
            .await
            .0,
        401
    );
    assert_eq!(
        http(port, "POST", "/tg/hook", Some("wrong"), &update.to_string())
            .await
            .0,
        401
    );
    assert_eq!(
        tg.count("sendMessage"),
        0,
        "nothing handled without the secret"
    );
    let (status, _) = http(port, "POST", "/tg/hook", Some(SECRET), &update.to_string()).await;
    assert_eq!(status, 200);
    // Answered after handling: the welcome was already sent when the 200 came back.
    assert!(
        tg.calls()
            .iter()
            .any(|c| c.method == "sendMessage" && c.text().contains("emergency number"))
    );
    // The counters are on their own address, not on the public listener.
    assert_eq!(http(port, "GET", "/metrics", None, "").await.0, 404);
    let (status, metrics) = http(metrics_port, "GET", "/metrics", None, "").await;
    assert_eq!(status, 200);
    assert!(metrics.contains("clotcheck_updates_handled 1"), "{metrics}");
    assert!(!bot.log().contains(SECRET), "the secret is never logged");
    assert!(tg.calls().iter().all(|c| c.method != "deleteWebhook"));
}

/// The next update for `chat`: an answer to what its keyboard shows.
fn next_update(tg: &FakeTelegram, chat: i64, label: &str) -> Value {
    let m = tg.keyboard_message(chat).expect("keyboard");
    let (_, data) = buttons(&m.markup)
        .into_iter()
        .find(|(l, _)| l == label)
        .unwrap_or_else(|| panic!("{label} in {}", m.markup));
    tg.stamp(tg.press_update(chat, m.id, &data))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_sharing_redis_serve_one_chat_as_one_would() {
    let tg = FakeTelegram::start().await;
    let Some(((_a, p1), (_b, p2))) = two_instances(&tg, "redis://127.0.0.1:6379", &[]).await else {
        return;
    };
    let chat = chat_of_this_run(9_000_000);
    let ports = [p1, p2];
    // Alternately: each update to the other instance, as Telegram would after a restart or
    // behind a load balancer.
    let mut turn = 0;
    let mut send = |update: Value| {
        turn += 1;
        let port = ports[turn % 2];
        async move { assert_eq!(deliver(port, &update).await, 200) }
    };
    send(tg.stamp(tg.text_update(chat, "/start"))).await;
    send(next_update(&tg, chat, "Start the check")).await;
    send(next_update(&tg, chat, "I agree")).await;
    for _ in 0..5 {
        send(next_update(&tg, chat, "No")).await;
    }
    // Concurrently: the same update to both instances at once (a retry racing the first
    // delivery) — applied once.
    let u = tg.stamp(tg.text_update(chat, "no"));
    let (a, b) = tokio::join!(deliver(p1, &u), deliver(p2, &u));
    assert_eq!((a, b), (200, 200));
    // Then the rest, alternately, to the outcome.
    for _ in 0..7 {
        send(next_update(&tg, chat, "No")).await;
    }
    send(next_update(&tg, chat, "None of these")).await;
    send(next_update(&tg, chat, "None of these")).await;
    send(next_update(&tg, chat, "No")).await;
    let m = tg.keyboard_message(chat).unwrap();
    assert!(
        m.text.contains("NO URGENT SIGNS"),
        "the check ended as on one instance: {}",
        m.text
    );
    // The typed "no" answered exactly one question: 16 questions, 16 answers.
    let report = tg.stamp(tg.text_update(chat, "/report"));
    deliver(p1, &report).await;
    let summary = tg
        .calls()
        .into_iter()
        .rev()
        .find(|c| c.text().contains("summary for a clinician"))
        .unwrap();
    assert!(
        summary
            .text()
            .contains("Not asked: The whole leg is swollen"),
        "{}",
        summary.text()
    );
    assert!(
        !summary.text().contains("Not asked: Numbness"),
        "{}",
        summary.text()
    );
    // Clean up the shared Redis.
    let forget = tg.stamp(tg.text_update(chat, "/forget"));
    deliver(p2, &forget).await;
}

#[test]
fn set_webhook_registers_the_url_with_the_secret() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let tg = FakeTelegram::start().await;
        let url = tg.url.clone();
        let out = tokio::task::spawn_blocking(move || {
            bin()
                .args(["set-webhook", "https://bot.example.org/tg/hook"])
                .env("TELOXIDE_TOKEN", "1:x")
                .env("TELOXIDE_API_URL", url)
                .env("CLOTCHECK_WEBHOOK_SECRET", SECRET)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let call = tg
            .calls()
            .into_iter()
            .find(|c| c.method == "setWebhook")
            .expect("setWebhook");
        // Sent as multipart (setWebhook can carry a certificate) or JSON.
        let body = call.body.to_string();
        assert!(body.contains("https://bot.example.org/tg/hook"), "{body}");
        assert!(body.contains(SECRET), "{body}");
    });
}

/// Reads until the server closes the connection or `limit` passes; what was read and when
/// the connection ended (None: still open).
async fn read_until_closed(
    s: &mut tokio::net::TcpStream,
    limit: std::time::Duration,
) -> (String, Option<std::time::Duration>) {
    let t = std::time::Instant::now();
    let mut out = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout_at(tokio::time::Instant::from_std(t + limit), s.read(&mut buf))
            .await
        {
            Err(_) => return (String::from_utf8_lossy(&out).to_string(), None),
            Ok(Ok(0)) | Ok(Err(_)) => {
                return (String::from_utf8_lossy(&out).to_string(), Some(t.elapsed()));
            }
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_oversized_requests_are_cut_off() {
    let tg = FakeTelegram::start().await;
    let (_dir, _bot, port) = one_instance(&tg, &[]).await;
    // Half the headers, then nothing.
    let mut half_headers = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    half_headers
        .write_all(b"POST /tg/hook HTTP/1.1\r\nHost: x\r\nContent-Type: app")
        .await
        .unwrap();
    // All the headers with the secret, then half the body.
    let mut half_body = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    half_body
        .write_all(
            format!(
                "POST /tg/hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 400\r\nX-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n\r\n{{\"update_id\": 1,"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let limit = std::time::Duration::from_secs(14);
    let ((_, headers_closed), (answer, body_closed)) = tokio::join!(
        read_until_closed(&mut half_headers, limit),
        read_until_closed(&mut half_body, limit)
    );
    let headers_closed = headers_closed.expect("a half-sent request is closed");
    assert!(
        headers_closed <= std::time::Duration::from_secs(11),
        "{headers_closed:?}"
    );
    let body_closed = body_closed.expect("a half-sent body is closed");
    assert!(
        body_closed <= std::time::Duration::from_secs(11),
        "{body_closed:?}"
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // A body over the limit is refused.
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(2 << 20));
    let (status, _) = http(port, "POST", "/tg/hook", Some(SECRET), &big).await;
    assert_eq!(status, 413);
    // And the server still serves.
    let update = tg.stamp(tg.text_update(9102, "/start"));
    assert_eq!(deliver(port, &update).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_limit_are_closed_at_once() {
    use clotcheck::telegram::webhook::MAX_CONNECTIONS;
    let tg = FakeTelegram::start().await;
    let (_dir, _bot, port) = one_instance(&tg, &[]).await;
    // Idle connections up to the limit…
    let mut held = Vec::new();
    for _ in 0..MAX_CONNECTIONS {
        held.push(
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap(),
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // …and the next one is closed without an answer.
    let mut extra = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let _ = extra
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let (answer, closed) = read_until_closed(&mut extra, std::time::Duration::from_secs(3)).await;
    assert!(closed.is_some() && answer.is_empty(), "{answer:?}");
    // Once they go, the server serves again.
    drop(held);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(http(port, "GET", "/healthz", None, "").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_webhook_server_within_its_grace_period() {
    let tg = FakeTelegram::start().await;
    let (_dir, mut bot, port) = one_instance(&tg, &[]).await;
    // An idle keep-alive connection does not hold the stop up.
    let _idle = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let t = std::time::Instant::now();
    sigterm(bot.pid());
    assert_eq!(bot.wait_exit(), Some(0), "{}", bot.log());
    assert!(
        t.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        t.elapsed()
    );
    assert!(
        bot.wait_log("updates in flight were finished"),
        "{}",
        bot.log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_killed_while_handling_holds_its_chat_for_seconds_only() {
    let tg = FakeTelegram::start().await;
    let Some(((a, p1), (_b, p2))) = two_instances(&tg, "redis://127.0.0.1:6379", &[]).await else {
        return;
    };
    let chat = chat_of_this_run(9_100_000);
    // The Bot API hangs on the reply: instance A is in the middle of handling when killed.
    tg.fail("sendMessage", crate::fake_telegram::Fault::Delay(60_000), 1);
    let update = tg.stamp(tg.text_update(chat, "/start"));
    let since = tg.call_count();
    let hanging = {
        let update = update.clone();
        tokio::spawn(async move {
            http(p1, "POST", "/tg/hook", Some(SECRET), &update.to_string()).await
        })
    };
    tg.wait_method(since, "sendMessage").await;
    drop(a); // kill -9
    let killed = std::time::Instant::now();
    hanging.abort();
    // Telegram sends the update again; instance B answers it once A's lease has lapsed.
    let mut answered = None;
    while killed.elapsed() < std::time::Duration::from_secs(15) {
        let (status, _) = http(p2, "POST", "/tg/hook", Some(SECRET), &update.to_string()).await;
        if status == 200 {
            answered = Some(killed.elapsed());
            break;
        }
        assert_eq!(status, 503, "another instance holds the chat");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let waited = answered.expect("answered once the lease lapsed");
    eprintln!("the chat was held {waited:?} after its instance died");
    assert!(waited <= std::time::Duration::from_secs(10), "{waited:?}");
    assert!(
        tg.calls().iter().any(|c| c.chat() == Some(chat)
            && c.method == "sendMessage"
            && c.text().contains("emergency number")
            && c.body["fault"].is_null()),
        "the welcome was sent by B"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_sharing_redis_deliver_a_due_check_in_once() {
    // A database of its own: no other test's bot claims this check-in.
    let redis_url = "redis://127.0.0.1:6379/7";
    let tg = FakeTelegram::start().await;
    let more = ["--check-in-delay", "2s"];
    let Some(((_a, p1), (_b, p2))) = two_instances(&tg, redis_url, &more).await else {
        return;
    };
    let chat = chat_of_this_run(9_100_000);
    deliver(p1, &tg.stamp(tg.text_update(chat, "/start"))).await;
    deliver(p2, &next_update(&tg, chat, "Start the check")).await;
    deliver(p1, &next_update(&tg, chat, "I agree")).await;
    for i in 0..13 {
        deliver([p1, p2][i % 2], &next_update(&tg, chat, "No")).await;
    }
    deliver(p1, &next_update(&tg, chat, "None of these")).await;
    deliver(p2, &next_update(&tg, chat, "None of these")).await;
    deliver(p1, &next_update(&tg, chat, "No")).await;
    assert!(
        tg.keyboard_message(chat)
            .unwrap()
            .text
            .contains("NO URGENT SIGNS")
    );
    deliver(p2, &next_update(&tg, chat, "🔔 Check on me later")).await;
    let asked = |tg: &FakeTelegram| {
        tg.calls()
            .iter()
            .filter(|c| c.chat() == Some(chat) && c.text().contains("How is your leg now"))
            .count()
    };
    for _ in 0..200 {
        if asked(&tg) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Both instances poll every second: give the other every chance to send it again.
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    assert_eq!(asked(&tg), 1, "delivered once by the two instances");
    // Its buttons work on either instance.
    deliver(p1, &next_update(&tg, chat, "👍 Better")).await;
    assert!(
        tg.calls()
            .iter()
            .any(|c| c.chat() == Some(chat) && c.text().contains("Good to hear"))
    );
    // Clean up the shared Redis.
    deliver(p2, &tg.stamp(tg.text_update(chat, "/forget"))).await;
    let mut conn = redis::Client::open(redis_url)
        .unwrap()
        .get_connection()
        .unwrap();
    let left: i64 = redis::cmd("ZCARD")
        .arg("clotcheck:checkin:due")
        .query(&mut conn)
        .unwrap();
    assert_eq!(left, 0, "nothing left in the check-in set");
}
