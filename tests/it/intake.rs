//! How updates come in, through the real binary against the fake Bot API: a malformed update
//! skipped and the ones after it served; start-up with the Bot API late, failing or answering
//! garbage; a flooding chat that holds up no one (rate limits on, as deployed); a reply that
//! failed, tried again, and after a `kill -9` sent by the next process.

use crate::fake_telegram::{FakeTelegram, Fault, user};
use crate::restart::on_sqlite;
use crate::support::{free_port, sigterm};
use crate::telegram::{BotProcess, Person, TOKEN};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_update_is_skipped_logged_by_kind_only_and_the_next_ones_served() {
    let tg = FakeTelegram::start().await;
    let mut bot = BotProcess::start(&tg.url, &[], "trace");
    let p = Person::new(&tg, 9001);
    p.say("/start").await;
    // An update_id sent as a string: no library reads it as an update, and a batch with it
    // did not parse at all for teloxide's polling, which then tried again forever.
    let bad = tg.push_malformed(tg.text_update(p.chat, "zebra-malformed-5150 my calf hurts"));
    // A message teloxide reads only as an error.
    let mut message = json!({
        "message_id": 9, "date": "not-a-date", "chat": {"id": p.chat, "type": "private",
        "first_name": "Alex", "last_name": "Private", "username": "alex_private"},
        "text": "zebra-malformed-5150 again"
    });
    message["from"] = user(p.chat);
    let unreadable = tg.push(json!({ "message": message }));
    // The person is told their message could not be read (the one in a private chat whose
    // chat the JSON still names), without a word of it.
    let told = tg
        .wait_for(0, |calls| {
            calls.iter().any(|c| {
                c.method == "sendMessage" && c.text().contains("could not read that message")
            })
        })
        .await;
    assert!(
        told.iter()
            .all(|c| !c.text().contains("zebra") && !c.text().contains("calf hurts"))
    );
    // The updates after them are served.
    let calls = p.say("/help").await;
    assert!(calls.iter().any(|c| c.text().contains("/forget")));
    p.press("Start the check").await;
    assert!(p.screen().contains("Do you agree?"));
    assert!(bot.wait_log(&format!("update {bad} (message) does not parse; skipped")));
    assert!(bot.wait_log(&format!(
        "update {unreadable} (message) does not parse; skipped"
    )));
    sigterm(bot.pid());
    assert_eq!(bot.wait_exit(), Some(0));
    assert!(bot.wait_log("clotcheck stopped"), "the whole log was read");
    let log = bot.log();
    for secret in [
        "zebra-malformed",
        "calf hurts",
        "alex_private",
        "Private",
        TOKEN,
    ] {
        assert!(!log.contains(secret), "{secret:?} in the log:\n{log}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn started_before_the_bot_api_answers_it_waits_then_serves() {
    let port = free_port();
    let mut bot = BotProcess::start(&format!("http://127.0.0.1:{port}"), &[], "info");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(bot.try_exit(), None, "waiting, not exited:\n{}", bot.log());
    assert!(
        bot.wait_log("getMe failed (network error)"),
        "{}",
        bot.log()
    );
    let tg = FakeTelegram::start_on(port).await;
    let p = Person::new(&tg, 9002);
    let t = Instant::now();
    p.say("/start").await;
    assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());
    assert!(!bot.log().contains("panicked"), "{}", bot.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_start_up_calls_never_delay_the_first_reply() {
    let tg = FakeTelegram::start().await;
    // getMe: a dropped connection, then a page that is not JSON; both tried again.
    tg.fail("getMe", Fault::Reset, 1);
    tg.fail("getMe", Fault::Garbage, 1);
    // The optional calls answer a real 502 for a long while (teloxide waits 10 s after each).
    for m in ["setMyCommands", "setMyDescription", "setMyShortDescription"] {
        tg.fail(m, Fault::BadGateway, 100);
    }
    let started = Instant::now();
    let mut bot = BotProcess::start(&tg.url, &[], "info");
    let p = Person::new(&tg, 9003);
    p.say("/start").await;
    let first_reply = started.elapsed();
    assert!(
        first_reply < Duration::from_secs(5),
        "first reply after {first_reply:?}\n{}",
        bot.log()
    );
    assert_eq!(tg.count("getMe"), 3, "two failures, then the answer");
    assert!(bot.wait_log("getMe failed"));
    assert_eq!(bot.try_exit(), None);
}

/// The text of the emergency advice, in any country.
const EMERGENCY: &str = "Do not drive yourself";

/// Types `words` as the user of `chat` and measures how long the emergency advice takes to
/// reach them: the flood test times two chats' emergencies this way.
async fn time_to_emergency(tg: &FakeTelegram, chat: i64, words: &str) -> Duration {
    let t = Instant::now();
    let since = tg.call_count();
    tg.text(chat, words);
    tg.wait_for(since, |c| {
        c.iter()
            .any(|x| x.chat() == Some(chat) && x.text().contains(EMERGENCY))
    })
    .await;
    t.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_chat_holds_up_no_one_and_its_typed_emergency_comes_first() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &["--rate-limit", "on"], "info");
    let flooder = Person::new(&tg, 9101);
    let other = Person::new(&tg, 9102);
    flooder.say("/start").await;
    // 150 questions at once from one chat (replies to it: one message a second at most).
    for _ in 0..150 {
        tg.text(flooder.chat, "what is a dvt");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Another user is served at once…
    let t = Instant::now();
    other.say("/start").await;
    let start_latency = t.elapsed();
    // …and so is their typed emergency.
    let emergency_latency = time_to_emergency(&tg, other.chat, "I'm coughing up blood").await;
    // The flooding chat's own emergency goes before its backlog.
    let flooder_emergency = time_to_emergency(&tg, flooder.chat, "I can't breathe").await;
    eprintln!(
        "flood: other /start {start_latency:?}, other emergency {emergency_latency:?}, flooding chat's emergency {flooder_emergency:?}"
    );
    assert!(start_latency < Duration::from_secs(2), "{start_latency:?}");
    assert!(
        emergency_latency < Duration::from_secs(3),
        "{emergency_latency:?}"
    );
    assert!(
        flooder_emergency < Duration::from_secs(6),
        "{flooder_emergency:?}"
    );
    // The flooding chat was told once that some messages were skipped.
    let notices = tg
        .calls()
        .iter()
        .filter(|c| c.chat() == Some(flooder.chat) && c.text().contains("faster than I can answer"))
        .count();
    assert_eq!(notices, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_reply_is_tried_again_without_holding_up_other_chats() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    let a = Person::new(&tg, 9201);
    let b = Person::new(&tg, 9202);
    a.say("/start").await;
    // Every try of the first handling fails (a Bot API outage of a second or two).
    tg.fail("sendMessage", Fault::ServerError, 5);
    let since = tg.call_count();
    tg.text(a.chat, "/help");
    tg.wait_for(since, |c| {
        c.iter().filter(|x| x.body["fault"].is_string()).count() == 5
    })
    .await;
    // Another chat is served meanwhile…
    let t = Instant::now();
    b.say("/start").await;
    assert!(
        t.elapsed() < Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );
    // …and the failed update is handled again without Telegram sending it again.
    tg.wait_for(since, |c| {
        c.iter()
            .any(|x| x.chat() == Some(a.chat) && x.text().contains("/forget"))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_whose_reply_failed_is_answered_after_a_kill_9_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let tg = FakeTelegram::start().await;
    let bot = on_sqlite(&tg, &dir);
    let p = Person::new(&tg, 9301);
    p.at_first_question().await;
    // The Bot API fails every reply; the update is not confirmed while it is not handled.
    tg.fail("sendMessage", Fault::ServerError, 1000);
    let since = tg.call_count();
    tg.text(p.chat, "no");
    tg.wait_for(since, |c| {
        c.iter().filter(|x| x.method == "sendMessage").count() >= 5
    })
    .await;
    drop(bot); // kill -9
    tg.clear_faults();
    let _bot = on_sqlite(&tg, &dir);
    let since = tg.call_count();
    tg.wait_keyboard(since, p.chat).await;
    assert!(
        p.screen().contains("pain in your chest"),
        "the answer was applied, once: {}",
        p.screen()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overall_rate_limit_is_this_instances_share() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(
        &tg.url,
        &["--rate-limit", "on", "--rate-limit-global", "2"],
        "info",
    );
    Person::new(&tg, 9400).say("/start").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Six users at once, one message each: two a second in all.
    let since = tg.call_count();
    let t = Instant::now();
    for chat in 9401..9407 {
        tg.text(chat, "/start");
    }
    tg.wait_for(since, |c| {
        c.iter()
            .filter(|x| x.method == "sendMessage" && x.has_callback_buttons())
            .count()
            == 6
    })
    .await;
    let took = t.elapsed();
    assert!(took >= Duration::from_millis(1900), "{took:?}");
    // A share above Telegram's limit is refused.
    let out = crate::support::bin()
        .args(["run", "--rate-limit-global", "31"])
        .env("TELOXIDE_TOKEN", "1:x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
