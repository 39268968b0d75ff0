//! The bot's storage seen from the chat: killed and restarted mid-conversation, an update
//! delivered twice, /forget, a stored state that no longer loads, expiry, start-up failures.

use crate::fake_telegram::FakeTelegram;
use crate::support::bin;
use crate::telegram::{BotProcess, Person};

pub fn sqlite_arg(dir: &tempfile::TempDir) -> String {
    format!("sqlite:{}", dir.path().join("bot.sqlite").display())
}

/// Waits until the bot has saved the chat's state after the newest update: replies are sent
/// before the state is saved, so a test that kills the bot "between two messages" waits.
pub async fn wait_saved(tg: &FakeTelegram, dir: &tempfile::TempDir, chat: i64) {
    let db = dir.path().join("bot.sqlite");
    let want = format!("\"last_update\":{}", tg.last_update_id());
    for _ in 0..250 {
        let state: Option<String> = rusqlite::Connection::open(&db).ok().and_then(|c| {
            c.query_row(
                "SELECT state FROM conversation WHERE chat_id = ?1",
                [chat],
                |r| r.get(0),
            )
            .ok()
        });
        if state.is_some_and(|s| s.contains(&want)) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the state of chat {chat} was not saved");
}

async fn to_third_question(p: &Person<'_>) {
    p.say("/start").await;
    p.press("Start the check").await;
    p.press("I agree").await;
    p.press("No").await;
    p.press("No").await;
    assert!(p.screen().contains("coughing up blood"), "{}", p.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_and_restart_continue_on_the_buttons_the_user_sees() {
    let dir = tempfile::tempdir().unwrap();
    let storage = sqlite_arg(&dir);
    let tg = FakeTelegram::start().await;
    let bot = BotProcess::start(&tg.url, &["--storage", &storage], "info");
    let p = Person {
        tg: &tg,
        chat: 3001,
    };
    to_third_question(&p).await;
    let seen = tg.keyboard_message(p.chat).unwrap();
    wait_saved(&tg, &dir, p.chat).await;
    drop(bot); // SIGKILL
    let bot = BotProcess::start(&tg.url, &["--storage", &storage], "info");
    // The same message's "No" button still works: the next question, not "stale".
    let calls = p.press("No").await;
    assert!(calls.iter().all(|c| {
        !c.body["text"]
            .as_str()
            .unwrap_or("")
            .contains("earlier question")
    }));
    assert!(p.screen().contains("fainted"), "{}", p.screen());
    assert_eq!(
        tg.keyboard_message(p.chat).unwrap().id,
        seen.id,
        "edited in place, as before the kill"
    );
    drop(bot);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_delivered_twice_advances_the_conversation_once() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    let p = Person {
        tg: &tg,
        chat: 3002,
    };
    p.say("/start").await;
    p.press("Start the check").await;
    p.press("I agree").await;
    // A typed "no" answers the breathing question…
    let since = tg.call_count();
    let update = tg.text(p.chat, "no");
    tg.wait_keyboard(since, p.chat).await;
    assert!(p.screen().contains("pain in your chest"));
    // …Telegram delivers it again; it must not answer the chest question too.
    tg.redeliver(update);
    p.say("not sure").await;
    assert!(
        p.screen().contains("coughing up blood"),
        "exactly one step past the chest question: {}",
        p.screen()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_removes_the_rows_and_says_what_it_cannot_delete() {
    let dir = tempfile::tempdir().unwrap();
    let storage = sqlite_arg(&dir);
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &["--storage", &storage], "info");
    let p = Person {
        tg: &tg,
        chat: 3003,
    };
    to_third_question(&p).await;
    let db = dir.path().join("bot.sqlite");
    let rows = |chat: i64| -> i64 {
        rusqlite::Connection::open(&db)
            .unwrap()
            .query_row(
                "SELECT COUNT(*) FROM conversation WHERE chat_id = ?1",
                [chat],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(rows(p.chat), 1);
    let since = tg.call_count();
    tg.text(p.chat, "/forget");
    let calls = tg.wait_method(since, "sendMessage").await;
    let reply = calls.iter().find(|c| c.method == "sendMessage").unwrap();
    assert!(
        reply.text().contains("deleted") && reply.text().contains("chat history"),
        "{}",
        reply.text()
    );
    assert_eq!(rows(p.chat), 0);
    // A user with nothing stored can forget too.
    let since = tg.call_count();
    tg.text(4444, "/forget");
    let calls = tg.wait_method(since, "sendMessage").await;
    assert!(
        calls
            .iter()
            .any(|c| c.chat() == Some(4444) && c.text().contains("deleted"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_state_that_no_longer_loads_gets_an_apology_and_the_welcome() {
    let dir = tempfile::tempdir().unwrap();
    let storage = sqlite_arg(&dir);
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &["--storage", &storage], "info");
    let p = Person {
        tg: &tg,
        chat: 3004,
    };
    to_third_question(&p).await;
    wait_saved(&tg, &dir, p.chat).await;
    rusqlite::Connection::open(dir.path().join("bot.sqlite"))
        .unwrap()
        .execute(
            "UPDATE conversation SET state = 'from an older version' WHERE chat_id = ?1",
            [p.chat],
        )
        .unwrap();
    let calls = p.say("no").await;
    assert!(
        calls
            .iter()
            .any(|c| c.text().contains("Sorry — I could not continue")),
        "{calls:#?}"
    );
    assert!(
        p.screen().starts_with("Call your local emergency number"),
        "the welcome: {}",
        p.screen()
    );
    p.press("Start the check").await;
    assert!(p.screen().contains("Do you agree?"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_expire_after_the_configured_time() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &["--state-ttl", "1s"], "info");
    let p = Person {
        tg: &tg,
        chat: 3005,
    };
    to_third_question(&p).await;
    tokio::time::sleep(std::time::Duration::from_millis(2_200)).await;
    p.say("no").await;
    assert!(
        p.screen().starts_with("Call your local emergency number"),
        "forgotten, so the welcome: {}",
        p.screen()
    );
}

#[test]
fn an_unusable_storage_is_a_clear_error_at_start() {
    for (storage, expect) in [
        (
            "sqlite:/nonexistent-dir/x/bot.sqlite",
            "cannot open the storage",
        ),
        ("redis://127.0.0.1:1", "cannot open the storage"),
        ("postgres://x", "is not a storage"),
    ] {
        let out = bin()
            .args(["run", "--storage", storage])
            .env("TELOXIDE_TOKEN", "1:x")
            .env("TELOXIDE_API_URL", "http://127.0.0.1:1")
            .output()
            .unwrap();
        assert_ne!(out.status.code(), Some(0), "{storage}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expect), "{storage}: {stderr}");
    }
}
