//! The bot's storage seen from the chat: killed and restarted mid-conversation, an update
//! delivered twice, /forget, a stored state that no longer loads, expiry, start-up failures.

use crate::fake_telegram::FakeTelegram;
use crate::support::bin;
use crate::telegram::{BotProcess, Person};

pub fn sqlite_arg(dir: &tempfile::TempDir) -> String {
    format!("sqlite:{}", dir.path().join("bot.sqlite").display())
}

/// The bot with its state in `dir`'s `bot.sqlite` (see [`sqlite_arg`]), started the way every
/// test of a kill, a restart or the stored rows starts it.
pub fn on_sqlite(tg: &FakeTelegram, dir: &tempfile::TempDir) -> BotProcess {
    BotProcess::start(&tg.url, &["--storage", &sqlite_arg(dir)], "info")
}

/// How many rows `dir`'s `bot.sqlite` holds for `chat`: 1 while its answers are kept, 0 once
/// they are deleted.
pub fn conversation_rows(dir: &tempfile::TempDir, chat: i64) -> i64 {
    rusqlite::Connection::open(dir.path().join("bot.sqlite"))
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM conversation WHERE chat_id = ?1",
            [chat],
            |r| r.get(0),
        )
        .unwrap()
}

/// Waits until the bot has saved the chat's state after the newest update: replies are sent
/// before the state is saved, so a test that kills the bot "between two messages" waits.
pub async fn wait_saved(tg: &FakeTelegram, dir: &tempfile::TempDir, chat: i64) {
    let db = dir.path().join("bot.sqlite");
    let want = Some(tg.last_update_id() as u32);
    for _ in 0..250 {
        let state: Option<String> = rusqlite::Connection::open(&db).ok().and_then(|c| {
            c.query_row(
                "SELECT state FROM conversation WHERE chat_id = ?1",
                [chat],
                |r| r.get(0),
            )
            .ok()
        });
        if state.is_some_and(|s| {
            clotcheck::storage::decode_state(&s).is_some_and(|c| c.last_update == want)
        }) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the state of chat {chat} was not saved");
}

async fn to_third_question(p: &Person<'_>) {
    p.begin_check().await;
    p.press("No").await;
    p.press("No").await;
    assert!(p.screen().contains("coughing up blood"), "{}", p.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_and_restart_continue_on_the_buttons_the_user_sees() {
    let dir = tempfile::tempdir().unwrap();
    let tg = FakeTelegram::start().await;
    let bot = on_sqlite(&tg, &dir);
    let p = Person::new(&tg, 3001);
    to_third_question(&p).await;
    let seen = tg.keyboard_message(p.chat).unwrap();
    wait_saved(&tg, &dir, p.chat).await;
    drop(bot); // SIGKILL
    let bot = on_sqlite(&tg, &dir);
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
    let p = Person::new(&tg, 3002);
    p.begin_check().await;
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
    let tg = FakeTelegram::start().await;
    let _bot = on_sqlite(&tg, &dir);
    let p = Person::new(&tg, 3003);
    to_third_question(&p).await;
    let rows = |chat: i64| conversation_rows(&dir, chat);
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
    let tg = FakeTelegram::start().await;
    let _bot = on_sqlite(&tg, &dir);
    let p = Person::new(&tg, 3004);
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
    // Expiry is counted in whole seconds: 3 s leaves the steps below time on a busy machine.
    let _bot = BotProcess::start(&tg.url, &["--state-ttl", "3s"], "info");
    let p = Person::new(&tg, 3005);
    to_third_question(&p).await;
    tokio::time::sleep(std::time::Duration::from_millis(4_200)).await;
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

/// The raw bytes of the database and of the files SQLite keeps beside it, by name.
fn raw_files(db: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    std::iter::once(db.to_path_buf())
        .chain(clotcheck::storage::sqlite::companions(db))
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            Some((p.file_name()?.to_string_lossy().to_string(), bytes))
        })
        .collect()
}

/// Pieces of a stored state that would give away the answers: every answer as stored
/// (`finding:y`), every finding id answered, the questions passed, and all the answers.
fn pieces_of(stored: &str) -> Vec<String> {
    assert!(
        clotcheck::storage::decode_state(stored).is_some(),
        "a stored state"
    );
    let fields: Vec<&str> = stored.split('|').collect();
    let (history, answers) = (fields[6], fields[7]);
    let mut out = Vec::new();
    for pair in answers.split(',').filter(|p| !p.is_empty()) {
        out.push(pair.to_string());
        out.push(pair.split(':').next().unwrap().to_string());
    }
    out.push(format!("|{history}|"));
    out.push(answers.to_string());
    out.sort();
    out.dedup();
    out
}

fn found(files: &[(String, Vec<u8>)], piece: &str) -> Vec<String> {
    files
        .iter()
        .filter(|(_, bytes)| bytes.windows(piece.len()).any(|w| w == piece.as_bytes()))
        .map(|(name, _)| name.clone())
        .collect()
}

/// The stored state of a chat, read with SQLite (then the connection is closed again).
fn stored_state(db: &std::path::Path, chat: i64) -> String {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(
            "SELECT state FROM conversation WHERE chat_id = ?1",
            [chat],
            |r| r.get(0),
        )
        .unwrap()
}

/// Walks a whole check to its outcome, so that many answers are stored.
async fn answered_check(p: &Person<'_>) {
    let content = clotcheck::data::load_embedded().unwrap();
    crate::telegram::walk(
        p,
        &content,
        &[clotcheck::core::findings::Finding::LegRedness],
        &[],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_leaves_no_piece_of_the_answers_in_the_database_its_log_or_shared_memory() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bot.sqlite");
    let tg = FakeTelegram::start().await;
    let _bot = on_sqlite(&tg, &dir);
    let p = Person::new(&tg, 3006);
    answered_check(&p).await;
    wait_saved(&tg, &dir, p.chat).await;
    let pieces = pieces_of(&stored_state(&db, p.chat));
    assert!(
        pieces.len() > 20,
        "a whole check stores many answers: {pieces:?}"
    );
    // Before: the answers are on disk (so the search below can see them).
    let before = raw_files(&db);
    assert_eq!(
        before.len(),
        3,
        "the database, its log and its shared memory"
    );
    for (name, _) in &before {
        let mode = std::fs::metadata(dir.path().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name} is readable by its owner only");
    }
    assert!(pieces.iter().all(|piece| !found(&before, piece).is_empty()));
    let since = tg.call_count();
    tg.text(p.chat, "/forget");
    tg.wait_for(since, |c| c.iter().any(|x| x.text().contains("deleted")))
        .await;
    let after = raw_files(&db);
    let left: Vec<String> = pieces
        .iter()
        .filter_map(|piece| {
            let files = found(&after, piece);
            (!files.is_empty()).then(|| format!("{piece} in {files:?}"))
        })
        .collect();
    assert!(
        left.is_empty(),
        "{} of {} pieces left on disk: {left:#?}",
        left.len(),
        pieces.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_answers_leave_no_piece_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let storage = sqlite_arg(&dir);
    let db = dir.path().join("bot.sqlite");
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(
        &tg.url,
        &["--storage", &storage, "--state-ttl", "3s"],
        "info",
    );
    let p = Person::new(&tg, 3007);
    answered_check(&p).await;
    wait_saved(&tg, &dir, p.chat).await;
    let pieces = pieces_of(&stored_state(&db, p.chat));
    // Purged on the schedule (a quarter of the expiry, at least every second).
    let mut left = pieces.clone();
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let files = raw_files(&db);
        left = pieces
            .iter()
            .filter(|piece| !found(&files, piece).is_empty())
            .cloned()
            .collect();
        if left.is_empty() {
            break;
        }
    }
    assert!(left.is_empty(), "left on disk after expiry: {left:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guessed_country_or_language_is_never_kept_as_a_preference() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bot.sqlite");
    let tg = FakeTelegram::start().await;
    let _bot = on_sqlite(&tg, &dir);
    let p = Person::new(&tg, 3008);
    // German from the app, Austria guessed from its region.
    tg.set_language(p.chat, "de-AT");
    p.say("/start").await;
    wait_saved(&tg, &dir, p.chat).await;
    let prefs = || -> Option<String> {
        rusqlite::Connection::open(&db)
            .unwrap()
            .query_row(
                "SELECT prefs FROM preference WHERE chat_id = ?1",
                [p.chat],
                |r| r.get(0),
            )
            .ok()
    };
    assert_eq!(prefs(), None, "nothing chosen, nothing kept for 90 days");
    // A country the user sets is kept.
    p.say("/country").await;
    p.say("NZ").await;
    wait_saved(&tg, &dir, p.chat).await;
    let kept = prefs().expect("a chosen country is a preference");
    let kept = clotcheck::storage::decode_prefs(&kept).expect("preferences");
    assert_eq!(kept.country.as_deref(), Some("NZ"));
    assert!(!kept.lang_chosen, "the app's language is not kept");
    assert_eq!(kept.lang, "en");
}
