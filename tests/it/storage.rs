//! The storages against real backends: a SQLite file and the local Redis. The same behaviour
//! is asked of each (round trip, compare-and-set, expiry, preferences kept apart, forgetting,
//! a state that no longer loads), then what is particular to each.

use clotcheck::storage::memory::MemoryStorage;
use clotcheck::storage::redis_store::RedisStorage;
use clotcheck::storage::sqlite::{SCHEMA, SqliteStorage};
use clotcheck::storage::{ChatState, Expiry, StorageError};
use std::sync::Arc;
use std::time::Duration;
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

const REDIS: &str = "redis://127.0.0.1:6379";

fn short(state_secs: u64) -> Expiry {
    Expiry {
        state: Duration::from_secs(state_secs),
        prefs: Duration::from_secs(3600),
    }
}

fn at_node(node: &str) -> ChatState {
    let mut s = ChatState::default();
    s.engine.check.node = Some(node.into());
    s
}

/// A fresh SQLite file at `path` (default expiry) holding one chat, `chat`, at the question
/// `risk`: the starting point of the tests that then look into the file or change it.
async fn sqlite_with_one_chat(path: &std::path::Path, chat: i64) -> Arc<SqliteStorage> {
    let storage = SqliteStorage::open(path, Expiry::default()).await.unwrap();
    storage
        .clone()
        .update_dialogue(ChatId(chat), at_node("risk"))
        .await
        .unwrap();
    storage
}

/// What every storage must do.
async fn conforms<S>(storage: Arc<S>, chat: i64)
where
    S: Storage<ChatState, Error = StorageError> + Send + Sync + 'static,
{
    let chat = ChatId(chat);
    // Nothing stored: None, and removing nothing is fine (/forget for a new user).
    assert_eq!(storage.clone().get_dialogue(chat).await.unwrap(), None);
    storage.clone().remove_dialogue(chat).await.unwrap();

    // Round trip; every write bumps the version.
    let first = at_node("rf_chest");
    storage
        .clone()
        .update_dialogue(chat, first.clone())
        .await
        .unwrap();
    let read = storage.clone().get_dialogue(chat).await.unwrap().unwrap();
    assert_eq!(read.engine, first.engine);
    assert_eq!(read.version, 1);

    // Compare-and-set: a write over a version that is no longer stored fails.
    let mut next = read.clone();
    next.engine.check.node = Some("rf_blood".into());
    storage
        .clone()
        .update_dialogue(chat, next.clone())
        .await
        .unwrap();
    let stale = read;
    assert!(matches!(
        storage.clone().update_dialogue(chat, stale).await,
        Err(StorageError::Conflict)
    ));
    let read = storage.clone().get_dialogue(chat).await.unwrap().unwrap();
    assert_eq!(read.engine.check.node.as_deref(), Some("rf_blood"));
    assert_eq!(read.version, 2);

    // Forget: state and preferences at once.
    let mut with_prefs = read;
    with_prefs.engine.prefs.country = Some("AU".into());
    storage
        .clone()
        .update_dialogue(chat, with_prefs)
        .await
        .unwrap();
    storage.clone().remove_dialogue(chat).await.unwrap();
    assert_eq!(storage.clone().get_dialogue(chat).await.unwrap(), None);
}

/// Health state expires after its time; preferences outlive it.
async fn expires<S>(storage: Arc<S>, chat: i64)
where
    S: Storage<ChatState, Error = StorageError> + Send + Sync + 'static,
{
    let chat = ChatId(chat);
    storage
        .clone()
        .update_dialogue(chat, at_node("risk"))
        .await
        .unwrap();
    let other = ChatId(chat.0 + 1);
    let mut s = at_node("risk");
    s.engine.prefs.country = Some("JP".into());
    storage.clone().update_dialogue(other, s).await.unwrap();
    assert!(storage.clone().get_dialogue(chat).await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    assert_eq!(
        storage.clone().get_dialogue(chat).await.unwrap(),
        None,
        "state expired"
    );
    let kept = storage
        .clone()
        .get_dialogue(other)
        .await
        .unwrap()
        .expect("prefs kept");
    assert_eq!(kept.engine.prefs.country.as_deref(), Some("JP"));
    assert_eq!(kept.engine.check.node, None, "answers gone");
    assert!(
        kept.engine
            .check
            .answers
            .findings
            .present()
            .next()
            .is_none()
    );
    // A fresh write after expiry is not a conflict.
    storage
        .clone()
        .update_dialogue(chat, at_node("welcome"))
        .await
        .unwrap();
}

#[tokio::test]
async fn memory_storage_conforms_and_expires() {
    conforms(MemoryStorage::new(Expiry::default()), 1).await;
    expires(MemoryStorage::new(short(1)), 10).await;
}

fn sqlite_rows(path: &std::path::Path, chat: i64) -> (i64, i64) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let count = |table: &str| -> i64 {
        conn.query_row(
            &format!("SELECT COUNT(*) FROM {table} WHERE chat_id = ?1"),
            [chat],
            |r| r.get(0),
        )
        .unwrap()
    };
    (count("conversation"), count("preference"))
}

#[tokio::test]
async fn sqlite_storage_conforms_and_expires_on_a_real_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite");
    conforms(
        SqliteStorage::open(&path, Expiry::default()).await.unwrap(),
        1,
    )
    .await;
    let dir2 = tempfile::tempdir().unwrap();
    let path2 = dir2.path().join("c.sqlite");
    expires(SqliteStorage::open(&path2, short(1)).await.unwrap(), 10).await;
}

/// Saves that arrive together share one commit, and each keeps its own result: a conflict
/// of one chat fails that save alone, and every other one (a preference among them) is on
/// disk when its caller is answered.
#[tokio::test]
async fn sqlite_saves_that_arrive_together_keep_their_own_results() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite");
    let storage = SqliteStorage::open(&path, Expiry::default()).await.unwrap();
    storage
        .clone()
        .update_dialogue(ChatId(1), at_node("rf_chest"))
        .await
        .unwrap();
    // Polled together, the saves queue behind the first and are written in one transaction.
    let saves = (1..=6).map(|chat| {
        let mut s = at_node("rf_blood");
        if chat == 4 {
            s.engine.prefs.country = Some("AU".into());
        }
        storage.clone().update_dialogue(ChatId(chat), s)
    });
    let results = futures_util::future::join_all(saves).await;
    assert!(
        matches!(results[0], Err(StorageError::Conflict)),
        "chat 1 is stored at another version"
    );
    assert!(results[1..].iter().all(Result::is_ok), "{results:?}");
    assert_eq!(sqlite_rows(&path, 1), (1, 0));
    assert_eq!(sqlite_rows(&path, 4), (1, 1));
    for chat in 1..=6 {
        let read = storage.clone().get_dialogue(ChatId(chat)).await.unwrap();
        let read = read.unwrap();
        let node = if chat == 1 { "rf_chest" } else { "rf_blood" };
        assert_eq!(read.engine.check.node.as_deref(), Some(node));
        assert_eq!(read.version, 1);
    }
}

#[tokio::test]
async fn sqlite_forget_deletes_the_rows_and_purge_deletes_expired_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite");
    let storage = SqliteStorage::open(&path, short(1)).await.unwrap();
    let mut s = at_node("risk");
    s.engine.prefs.country = Some("DE".into());
    storage.clone().update_dialogue(ChatId(5), s).await.unwrap();
    assert_eq!(sqlite_rows(&path, 5), (1, 1));
    storage.clone().remove_dialogue(ChatId(5)).await.unwrap();
    assert_eq!(
        sqlite_rows(&path, 5),
        (0, 0),
        "forget removes the rows, not just hides them"
    );

    storage
        .clone()
        .update_dialogue(ChatId(6), at_node("risk"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    // The purge schedule (every quarter of the expiry, here every second) or this call.
    storage.clone().purge().await.unwrap();
    assert_eq!(
        sqlite_rows(&path, 6),
        (0, 0),
        "expired rows are deleted from the file"
    );
}

#[tokio::test]
async fn sqlite_schema_is_versioned_in_wal_mode_and_a_newer_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite");
    let storage = sqlite_with_one_chat(&path, 1).await;
    drop(storage);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let updated: i64 = conn
        .query_row(
            "SELECT updated_at FROM conversation WHERE chat_id = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(updated > 1_700_000_000);
    conn.pragma_update(None, "user_version", SCHEMA + 1)
        .unwrap();
    drop(conn);
    match SqliteStorage::open(&path, Expiry::default()).await {
        Err(e) => assert!(e.to_string().contains("newer"), "{e}"),
        Ok(_) => panic!("a newer schema must be refused"),
    }
}

#[tokio::test]
async fn sqlite_state_that_no_longer_loads_comes_back_reset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite");
    let storage = sqlite_with_one_chat(&path, 3).await;
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE conversation SET state = '{\"format\": 99}' WHERE chat_id = 3",
            [],
        )
        .unwrap();
    let s = storage
        .clone()
        .get_dialogue(ChatId(3))
        .await
        .unwrap()
        .unwrap();
    assert!(s.reset);
    assert_eq!(s.engine.check.node, None);
    // And it can be written over.
    storage
        .clone()
        .update_dialogue(ChatId(3), ChatState::default())
        .await
        .unwrap();
}

/// The local Redis, or a visible skip — except where `CLOTCHECK_REQUIRE_REDIS` is set
/// (`.ci/run` sets it), where a missing Redis fails the test.
async fn redis(prefix: &str, expiry: Expiry) -> Option<Arc<RedisStorage>> {
    let open = tokio::time::timeout(
        Duration::from_secs(3),
        RedisStorage::open(REDIS, prefix, expiry),
    )
    .await;
    match open {
        Ok(Ok(s)) => Some(s),
        other => {
            let why = match other {
                Ok(Err(e)) => e.to_string(),
                _ => "timed out".into(),
            };
            if std::env::var_os("CLOTCHECK_REQUIRE_REDIS").is_some() {
                panic!("Redis is required here but {REDIS} does not answer: {why}");
            }
            eprintln!(
                "SKIPPED: no Redis at {REDIS} ({why}); set CLOTCHECK_REQUIRE_REDIS=1 to make this fail"
            );
            None
        }
    }
}

fn prefix(name: &str) -> String {
    format!("clotcheck-test-{name}-{}", std::process::id())
}

async fn redis_conn() -> redis::aio::MultiplexedConnection {
    redis::Client::open(REDIS)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

#[tokio::test]
async fn redis_storage_conforms_and_expires() {
    let Some(s) = redis(&prefix("conform"), Expiry::default()).await else {
        return;
    };
    conforms(s, 1).await;
    let Some(s) = redis(&prefix("expire"), short(1)).await else {
        return;
    };
    expires(s, 10).await;
}

#[tokio::test]
async fn redis_keys_have_a_prefix_and_an_expiry_and_forget_deletes_them() {
    let p = prefix("keys");
    let Some(s) = redis(&p, Expiry::default()).await else {
        return;
    };
    let mut state = at_node("risk");
    state.engine.prefs.country = Some("NZ".into());
    s.clone().update_dialogue(ChatId(9), state).await.unwrap();
    let mut conn = redis_conn().await;
    let state_ttl: i64 = redis::cmd("TTL")
        .arg(format!("{p}:state:9"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let prefs_ttl: i64 = redis::cmd("TTL")
        .arg(format!("{p}:prefs:9"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!((1..=86_400).contains(&state_ttl), "{state_ttl}");
    assert!(
        prefs_ttl > 86_400 && prefs_ttl <= 90 * 86_400,
        "{prefs_ttl}"
    );
    s.clone().remove_dialogue(ChatId(9)).await.unwrap();
    let exists: i64 = redis::cmd("EXISTS")
        .arg(format!("{p}:state:9"))
        .arg(format!("{p}:prefs:9"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(exists, 0);
}

#[tokio::test]
async fn redis_state_that_no_longer_loads_comes_back_reset() {
    let p = prefix("corrupt");
    let Some(s) = redis(&p, Expiry::default()).await else {
        return;
    };
    let mut conn = redis_conn().await;
    let _: () = redis::cmd("SET")
        .arg(format!("{p}:state:4"))
        .arg("\u{1}garbage")
        .query_async(&mut conn)
        .await
        .unwrap();
    let got = s.clone().get_dialogue(ChatId(4)).await.unwrap().unwrap();
    assert!(got.reset);
    s.clone()
        .update_dialogue(ChatId(4), ChatState::default())
        .await
        .unwrap();
    s.clone().remove_dialogue(ChatId(4)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_lease_is_released_only_by_its_own_acquisition_and_renewed_while_held() {
    use clotcheck::storage::redis_store::{LEASE_MS, Lease};
    if redis(&prefix("lease-probe"), Expiry::default())
        .await
        .is_none()
    {
        return;
    }
    let p = prefix("lease");
    let lease = Lease::open(REDIS, &p).await.unwrap();
    let other = Lease::open(REDIS, &p).await.unwrap();
    let key = format!("{p}:lease:7");
    let mut conn = redis_conn().await;
    // One acquisition at a time, even within one instance.
    let first = lease.acquire(7).await.unwrap().expect("free");
    assert!(lease.acquire(7).await.unwrap().is_none());
    assert!(other.acquire(7).await.unwrap().is_none());
    // The first expires (its holder stalled); another acquisition takes the chat, with a
    // token of its own.
    first.stop_renewing();
    let _: () = redis::cmd("PEXPIRE")
        .arg(&key)
        .arg(1)
        .query_async(&mut conn)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = other.acquire(7).await.unwrap().expect("expired, so free");
    assert_ne!(first.token(), second.token());
    // The late first holder's release leaves the second's lease alone.
    lease.release(first).await.unwrap();
    assert!(lease.acquire(7).await.unwrap().is_none(), "still held");
    // Held past its first expiry: renewed.
    tokio::time::sleep(Duration::from_millis(LEASE_MS + 1_000)).await;
    assert!(
        lease.acquire(7).await.unwrap().is_none(),
        "renewed while held"
    );
    // Its holder dies (no release, no more renewals): free within the lease time.
    let died = std::time::Instant::now();
    drop(second);
    let mut free = None;
    while died.elapsed() < Duration::from_millis(LEASE_MS + 1_000) {
        if let Some(h) = lease.acquire(7).await.unwrap() {
            free = Some(died.elapsed());
            lease.release(h).await.unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let free = free.expect("free again after the holder died");
    assert!(free <= Duration::from_millis(LEASE_MS + 100), "{free:?}");
    assert!(free <= Duration::from_secs(10));
}

#[test]
fn rediss_urls_speak_tls_and_check_the_certificate() {
    // A TLS server with a self-signed certificate, from the openssl command line tool.
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = (dir.path().join("k.pem"), dir.path().join("c.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    if !made.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED: no openssl to make a TLS server");
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new("openssl")
        .args(["s_server", "-quiet", "-accept", &port.to_string(), "-cert"])
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = crate::support::bin()
        .args(["run", "--storage", &format!("rediss://127.0.0.1:{port}")])
        .env("TELOXIDE_TOKEN", "1:x")
        .env("TELOXIDE_API_URL", "http://127.0.0.1:1")
        .output()
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The TLS handshake happened, and a certificate nobody vouches for was refused.
    assert!(
        stderr.contains("cannot open the storage") && stderr.contains("certificate"),
        "{stderr}"
    );
}
