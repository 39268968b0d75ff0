//! Reliability with injected faults: Bot API errors on every kind of call, polling errors,
//! a reply that failed and the update delivered again, a user who blocked the bot, a broken
//! storage file at run time and at start, and inputs nobody expected.

use crate::fake_telegram::{FakeTelegram, Fault};
use crate::restart::{conversation_rows, on_sqlite, wait_saved};
use crate::support::bin;
use crate::telegram::{BotProcess, Person};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_server_errors_and_resets_lose_no_reply() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    let p = Person::new(&tg, 8001);
    tg.fail("sendMessage", Fault::RetryAfter(1), 1);
    tg.fail("sendMessage", Fault::ServerError, 1);
    tg.fail("sendMessage", Fault::Reset, 1);
    p.say("/start").await;
    assert!(p.screen().starts_with("Call your local emergency number"));
    // The welcome's tries: /start also sends a second message (the location prompt) right
    // after, which a count of every sendMessage would race with.
    let welcome = |c: &crate::fake_telegram::Call| {
        let body = c.body.get("request").unwrap_or(&c.body);
        c.method == "sendMessage"
            && body["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("Call your local emergency number"))
    };
    let tries = tg.calls().iter().filter(|c| welcome(c)).count();
    assert_eq!(tries, 4, "three failures, then the reply");
    // Edits and callback answers are retried too.
    tg.fail("answerCallbackQuery", Fault::BadGateway, 1);
    tg.fail("answerCallbackQuery", Fault::ServerError, 1);
    tg.fail("editMessageText", Fault::ServerError, 1);
    tg.fail("editMessageText", Fault::Reset, 1);
    p.press("Start the check").await;
    assert!(p.screen().contains("Do you agree?"));
    assert_eq!(tg.count("answerCallbackQuery"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_survives_errors() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    let p = Person::new(&tg, 8002);
    p.say("/start").await;
    tg.fail("getUpdates", Fault::ServerError, 1);
    tg.fail("getUpdates", Fault::Reset, 1);
    p.say("/help").await;
    assert!(tg.calls().iter().any(|c| c.text().contains("/forget")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_reply_then_the_same_update_again_advances_once() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    let p = Person::new(&tg, 8003);
    p.at_first_question().await;
    // Every attempt to reply fails: the update is not applied.
    tg.fail("sendMessage", Fault::ServerError, 5);
    let since = tg.call_count();
    let update = tg.text(p.chat, "no");
    tg.wait_for(since, |c| {
        c.iter().filter(|x| x.method == "sendMessage").count() == 5
    })
    .await;
    assert!(p.screen().contains("short of breath"), "nothing advanced");
    // Telegram delivers it again: now it is answered, once.
    let since = tg.call_count();
    tg.redeliver(update);
    tg.wait_keyboard(since, p.chat).await;
    assert!(p.screen().contains("pain in your chest"), "{}", p.screen());
    // And delivered a third time, after it was applied: nothing moves.
    tg.redeliver(update);
    p.say("not sure").await;
    assert!(
        p.screen().contains("coughing up blood"),
        "exactly one step per update: {}",
        p.screen()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_who_blocked_the_bot_is_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let tg = FakeTelegram::start().await;
    let bot = on_sqlite(&tg, &dir);
    let p = Person::new(&tg, 8004);
    p.at_first_question().await;
    wait_saved(&tg, &dir, p.chat).await;
    let rows = || conversation_rows(&dir, p.chat);
    assert_eq!(rows(), 1);
    tg.fail("sendMessage", Fault::Blocked, 1);
    let before = tg.count("sendMessage");
    tg.text(p.chat, "what is a dvt");
    for _ in 0..100 {
        if rows() == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(rows(), 0, "their state is deleted");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        tg.count("sendMessage"),
        before + 1,
        "no retry, nothing more sent"
    );
    assert!(bot.wait_log("user blocked the bot"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_database_at_run_time_gets_a_clear_message_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let tg = FakeTelegram::start().await;
    let mut bot = on_sqlite(&tg, &dir);
    let p = Person::new(&tg, 8005);
    p.at_first_question().await;
    wait_saved(&tg, &dir, p.chat).await;
    // The database breaks under the running bot: its tables are gone.
    rusqlite::Connection::open(dir.path().join("bot.sqlite"))
        .unwrap()
        .execute_batch("DROP TABLE conversation; DROP TABLE preference;")
        .unwrap();
    let since = tg.call_count();
    tg.text(p.chat, "no");
    let calls = tg.wait_method(since, "sendMessage").await;
    assert!(
        calls
            .iter()
            .any(|c| c.text().contains("something went wrong on my side")),
        "{calls:#?}"
    );
    assert!(
        calls.iter().any(|c| c.text().contains("emergency number")),
        "the message says what to do in an emergency"
    );
    assert!(bot.wait_log("conversation failed"), "a log line");
    assert_eq!(bot.try_exit(), None, "still running");
}

#[test]
fn a_corrupt_or_unwritable_database_is_a_clear_error_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let corrupt = dir.path().join("corrupt.sqlite");
    std::fs::write(
        &corrupt,
        b"this is not a database, just text that looks nothing like one",
    )
    .unwrap();
    let readonly = dir.path().join("ro");
    std::fs::create_dir(&readonly).unwrap();
    std::fs::write(readonly.join("bot.sqlite"), b"").unwrap();
    let mut perms = std::fs::metadata(&readonly).unwrap().permissions();
    use std::os::unix::fs::PermissionsExt;
    perms.set_mode(0o500);
    std::fs::set_permissions(&readonly, perms).unwrap();
    // A directory where the database file should be: unusable for root too.
    let directory = dir.path().join("a-directory.sqlite");
    std::fs::create_dir(&directory).unwrap();
    let running_as_root = std::fs::write(readonly.join("probe"), b"x").is_ok();
    let mut cases = vec![
        format!("sqlite:{}", corrupt.display()),
        format!("sqlite:{}", directory.display()),
    ];
    if !running_as_root {
        // Root writes into a read-only directory anyway.
        cases.push(format!("sqlite:{}", readonly.join("bot.sqlite").display()));
    }
    for storage in cases {
        let out = bin()
            .args(["run", "--storage", &storage])
            .env("TELOXIDE_TOKEN", "1:x")
            .env("TELOXIDE_API_URL", "http://127.0.0.1:1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{storage}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("cannot open the storage"),
            "{storage}: {stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_texts_and_buttons_never_crash_the_bot() {
    let tg = FakeTelegram::start().await;
    let mut bot = BotProcess::start(&tg.url, &[], "info");
    let p = Person::new(&tg, 8006);
    p.at_first_question().await;
    let keyboard = tg.keyboard_message(p.chat).unwrap();
    let texts = [
        "\u{0}\u{1}\u{7f}".to_string(),
        "   ".to_string(),
        "🫀🫁🩸".repeat(300),
        "x".repeat(5000),
        "/".to_string(),
        "/start@other_bot extra words".to_string(),
        "مرحبا، ساقي تؤلمني".to_string(),
        "\u{202e}reversed".to_string(),
        "o|rf_breath|0".to_string(),
    ];
    let data = [
        "",
        "|||",
        "o|!|18446744073709551616",
        "d|",
        "c|",
        &"ü".repeat(40),
        "o|rf_breath|-0",
    ];
    let mut presses = 0;
    for t in &texts {
        let since = tg.call_count();
        tg.text(p.chat, t);
        tg.wait_method(since, "sendMessage").await;
    }
    for d in data {
        let since = tg.call_count();
        tg.press(p.chat, keyboard.id, d);
        presses += 1;
        tg.wait_method(since, "answerCallbackQuery").await;
    }
    assert_eq!(bot.try_exit(), None, "still running");
    assert!(
        tg.count("answerCallbackQuery") >= presses + 2,
        "every press answered"
    );
    // And the conversation still works (/help first: replies to one chat come in order, so
    // its answer means the garbage has all been handled).
    let since = tg.call_count();
    tg.text(p.chat, "/help");
    tg.wait_for(since, |calls| {
        calls
            .iter()
            .position(|c| c.text().contains("/forget"))
            .is_some_and(|i| calls[i + 1..].iter().any(|c| c.has_callback_buttons()))
    })
    .await;
    p.at_first_question().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_and_emergencies_are_counted_in_the_log_without_personal_data() {
    let content = clotcheck::data::load_embedded().unwrap();
    let tg = FakeTelegram::start().await;
    let mut bot = BotProcess::start(&tg.url, &[], "info");
    let p = Person::new(&tg, 8007);
    crate::telegram::walk(
        &p,
        &content,
        &[clotcheck::core::findings::Finding::LegRedness],
        &[],
    )
    .await;
    p.say("I can't breathe").await;
    p.say("about clots").await;
    let _ = bot.try_exit();
    assert!(bot.wait_log("count: faq unsure"), "{}", bot.log());
    let log = bot.log();
    for line in [
        "count: outcome urgent",
        "count: emergency typed",
        "count: faq unsure",
    ] {
        assert!(log.contains(line), "{line} missing in:\n{log}");
    }
    assert!(!log.contains("breathe"), "nothing typed in the log");
}
