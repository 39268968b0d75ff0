//! SQLite storage: one file, WAL, `secure_delete`, a schema with a version and `updated_at`.
//!
//! Nothing deleted stays on disk: `secure_delete` overwrites deleted rows in the database
//! file, but earlier versions of a page also live in the write-ahead log until it is reused.
//! After every deletion (`/forget`, a blocked user, the expiry purge) the log is checkpointed
//! and truncated to zero bytes (`wal_checkpoint(TRUNCATE)`), and `journal_size_limit = 0`
//! truncates it whenever SQLite resets it. The database, its log and its shared-memory file
//! are readable by the owner only (0600): SQLite gives the log and shared-memory files the
//! database file's mode, so the database is created (or tightened) first.
//!
//! Durability: `synchronous = NORMAL` in WAL mode. A committed write survives the process
//! being killed (`kill -9`, a crash); only a power loss or OS crash can lose the last few
//! commits — a user then repeats one answer. `FULL` would fsync on every update for no gain
//! against the failures a bot process actually meets.
//!
//! One connection behind a mutex, used directly on the async worker threads: each statement
//! takes microseconds (WAL, no fsync per commit), far less than handing it to a blocking
//! thread and back, which the load benchmark showed to cost more than the work itself.
//! SQLite serialises writers anyway, and the updates of one chat arrive in order.
//!
//! Group commit: saves wait in a queue; the first to find no one writing it yields once to
//! the runtime (so the saves of the tasks ready at that moment join) and then writes the whole
//! queue in one transaction: one commit, one round of file locks, and the pages chats share
//! written to the log once instead of once per chat. Every caller is answered only after that
//! commit, with its own result: a conflict or an error of one chat's save is kept to that save
//! (a savepoint), and does not fail the others. A save is thus on disk before its caller
//! goes on to confirm the update to Telegram, as before.

use super::checkins::{CheckIn, CheckIns, Claimed, level_of};
use super::recent::{Recent, Rows, Written};
use super::{
    ChatState, Expiry, StorageError, decode, decode_prefs, encode_prefs, encode_state, load_state,
    now,
};
use crate::core::engine::Prefs;
use futures_util::future::BoxFuture;
use rusqlite::{Connection, params};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;
use tokio::sync::oneshot;

/// The schema version this program writes (`PRAGMA user_version`).
pub const SCHEMA: i64 = 3;

/// Migrations from version N-1 to N, in order. Add a step for every schema change.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE conversation (
        chat_id    INTEGER PRIMARY KEY,
        state      TEXT    NOT NULL,
        version    INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX conversation_updated ON conversation (updated_at);
    CREATE TABLE preference (
        chat_id    INTEGER PRIMARY KEY,
        prefs      TEXT    NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX preference_updated ON preference (updated_at);
",
    "
    CREATE TABLE check_in (
        chat_id INTEGER PRIMARY KEY,
        due     INTEGER NOT NULL,
        level   TEXT    NOT NULL,
        lang    TEXT    NOT NULL,
        country TEXT
    );
    CREATE INDEX check_in_due ON check_in (due);
",
    // Every save changes a conversation's `updated_at`, and so moved its entry in this index:
    // a second b-tree written per update, for the purge alone, which scans the table instead
    // (every quarter of the expiry, at most every 10 minutes; 10 000 rows in about a
    // millisecond).
    "
    DROP INDEX conversation_updated;
",
];

pub struct SqliteStorage {
    db: Mutex<Db>,
    /// Saves waiting for the next commit.
    queue: Mutex<Queue>,
    expiry: Expiry,
}

/// The connection and what it last read and wrote, behind one lock.
struct Db {
    conn: Connection,
    /// The rows of recent chats, so that an update's read need not query what the previous
    /// update of its chat wrote ([`super::recent`]).
    recent: Recent,
}

#[derive(Default)]
struct Queue {
    saves: Vec<Save>,
    /// A caller is writing the queue: saves that arrive now join its next commit.
    leading: bool,
}

/// The caller that writes the queue, when it is dropped.
struct Leader<'a>(&'a SqliteStorage);

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        self.0.write_queued();
    }
}

/// One chat's state to write, and where its result goes.
struct Save {
    chat: ChatId,
    state: ChatState,
    done: oneshot::Sender<Result<(), StorageError>>,
}

impl SqliteStorage {
    /// Opens (creating or migrating) the database and starts the purge schedule.
    pub async fn open(path: &Path, expiry: Expiry) -> Result<Arc<Self>, StorageError> {
        let conn = connect(path)?;
        let storage = Arc::new(SqliteStorage {
            db: Mutex::new(Db {
                conn,
                recent: Recent::default(),
            }),
            queue: Mutex::default(),
            expiry,
        });
        storage.clone().purge().await?;
        let weak = Arc::downgrade(&storage);
        let every = (expiry.state / 4).clamp(Duration::from_secs(1), Duration::from_secs(600));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(s) = weak.upgrade() else { break };
                if let Err(e) = s.purge().await {
                    log::warn!("purging expired conversations failed: {e}");
                }
            }
        });
        Ok(storage)
    }

    /// Deletes everything past its expiry.
    pub async fn purge(self: Arc<Self>) -> Result<usize, StorageError> {
        self.blocking(|db, expiry| {
            let t = now();
            db.recent.purge(t, expiry);
            let conn = &db.conn;
            let a = conn.execute(
                "DELETE FROM conversation WHERE updated_at <= ?1",
                [t - expiry.state.as_secs() as i64],
            )?;
            let b = conn.execute(
                "DELETE FROM preference WHERE updated_at <= ?1",
                [t - expiry.prefs.as_secs() as i64],
            )?;
            if a + b > 0 {
                truncate_log(conn)?;
            }
            Ok(a + b)
        })
        .await
    }

    async fn blocking<T: Send + 'static>(
        self: Arc<Self>,
        f: impl FnOnce(&mut Db, Expiry) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        f(&mut self.db(), self.expiry)
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Db> {
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn connect(path: &Path) -> Result<Connection, StorageError> {
    owner_only(path)?;
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.pragma_update(None, "journal_size_limit", 0)?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// The files SQLite keeps beside the database: the write-ahead log and the shared memory.
pub fn companions(path: &Path) -> [std::path::PathBuf; 2] {
    let with = |suffix: &str| {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        std::path::PathBuf::from(p)
    };
    [with("-wal"), with("-shm")]
}

/// Creates the database file readable by its owner only, or tightens an existing one and its
/// companions: SQLite creates the log and shared-memory files with the database's mode.
fn owner_only(path: &Path) -> Result<(), StorageError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    for p in std::iter::once(path.to_path_buf()).chain(companions(path)) {
        match std::fs::metadata(&p) {
            Ok(m) if m.permissions().mode() & 0o077 != 0 => {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Copies the log into the database and truncates it to zero bytes, so that no earlier
/// version of a deleted row survives in it. Called after every deletion.
fn truncate_log(conn: &Connection) -> Result<(), StorageError> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    if busy != 0 {
        log::warn!("the write-ahead log could not be truncated yet (a reader is active)");
    }
    Ok(())
}

/// Brings the schema to [`SCHEMA`], one transaction per step; refuses a newer database.
pub fn migrate(conn: &mut Connection) -> Result<(), StorageError> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > SCHEMA {
        return Err(StorageError::NewerSchema(current));
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

impl Storage<ChatState> for SqliteStorage {
    type Error = StorageError;

    fn remove_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<(), Self::Error>> {
        Box::pin(self.blocking(move |db, _| {
            db.recent.forget(chat_id.0);
            let conn = &mut db.conn;
            let tx = conn.transaction()?;
            tx.execute("DELETE FROM conversation WHERE chat_id = ?1", [chat_id.0])?;
            tx.execute("DELETE FROM preference WHERE chat_id = ?1", [chat_id.0])?;
            tx.execute("DELETE FROM check_in WHERE chat_id = ?1", [chat_id.0])?;
            tx.commit()?;
            truncate_log(conn)?;
            Ok(())
        }))
    }

    fn update_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
        dialogue: ChatState,
    ) -> BoxFuture<'static, Result<(), Self::Error>> {
        Box::pin(async move {
            let (done, result) = oneshot::channel();
            let lead = {
                let mut queue = self.queue();
                queue.saves.push(Save {
                    chat: chat_id,
                    state: dialogue,
                    done,
                });
                !std::mem::replace(&mut queue.leading, true)
            };
            if lead {
                // The saves of the tasks ready now join this commit: the queue is written
                // after them (or when this future is dropped, so no save is left waiting).
                let leader = Leader(&self);
                tokio::task::yield_now().await;
                drop(leader);
            }
            result.await.unwrap_or(Err(StorageError::Join))
        })
    }

    fn get_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<Option<ChatState>, Self::Error>> {
        Box::pin(self.blocking(move |db, expiry| {
            let t = now();
            // Another connection may have written the file since the rows were kept.
            let version: i64 = db
                .conn
                .prepare_cached("PRAGMA data_version")?
                .query_row([], |r| r.get(0))?;
            db.recent.check(version);
            if let Some(rows) = db.recent.get(chat_id.0) {
                return Ok(rows.view(t, expiry));
            }
            let rows = read_rows(&db.conn, chat_id.0, t, expiry)?;
            let out = rows.view(t, expiry);
            db.recent.insert(chat_id.0, rows);
            Ok(out)
        }))
    }
}

/// A chat's rows that have not expired (either may be missing), as they load.
fn read_rows(conn: &Connection, chat: i64, t: i64, expiry: Expiry) -> Result<Rows, StorageError> {
    type Row = (Option<String>, Option<i64>, Option<String>, Option<i64>);
    let (state, state_at, prefs, prefs_at): Row = conn
        .prepare_cached(
            "SELECT c.state, c.updated_at, p.prefs, p.updated_at
             FROM (SELECT ?1 AS id) AS k
             LEFT JOIN conversation AS c ON c.chat_id = k.id AND c.updated_at > ?2
             LEFT JOIN preference AS p ON p.chat_id = k.id AND p.updated_at > ?3",
        )?
        .query_row(
            params![
                chat,
                t - expiry.state.as_secs() as i64,
                t - expiry.prefs.as_secs() as i64
            ],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
    Ok(Rows {
        state: state.zip(state_at).map(|(s, at)| (load_state(&s), at)),
        prefs: prefs.zip(prefs_at).map(|(p, at)| (decode_prefs(&p), at)),
    })
}

impl SqliteStorage {
    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes the waiting saves, one commit for all that wait at once, until none is left.
    /// Saves that arrive meanwhile (from the other worker threads) wait for the next round.
    fn write_queued(&self) {
        /// Should a write panic, the next save leads instead of waiting forever.
        struct Leading<'a>(&'a SqliteStorage);
        impl Drop for Leading<'_> {
            fn drop(&mut self) {
                if std::thread::panicking() {
                    self.0.queue().leading = false;
                }
            }
        }
        let _leading = Leading(self);
        loop {
            let saves = {
                let mut queue = self.queue();
                if queue.saves.is_empty() {
                    queue.leading = false;
                    return;
                }
                std::mem::take(&mut queue.saves)
            };
            write_all(&mut self.db(), self.expiry, saves);
        }
    }
}

/// Writes saves and answers each with its own result once it is committed: one alone in its
/// own statement or transaction, several in one transaction. The recent rows follow the
/// final results: a committed save's rows are kept, a failed one's are dropped.
fn write_all(db: &mut Db, expiry: Expiry, saves: Vec<Save>) {
    let conn = &mut db.conn;
    let mut answers = Vec::with_capacity(saves.len());
    if saves.len() == 1 {
        for s in saves {
            let result = write(conn, expiry, s.chat, s.state);
            answers.push((s.done, s.chat, result));
        }
    } else {
        let mut open = begin(conn);
        for s in saves {
            let result = match &open {
                Ok(()) => write(conn, expiry, s.chat, s.state),
                Err(e) => Err(copy(e)),
            };
            if result.is_err() && open.is_ok() && conn.is_autocommit() {
                // The error rolled the whole transaction back (a full disk, an I/O error): the
                // saves before it are lost with it.
                let e = result.as_ref().err().map(copy);
                for (_, _, earlier) in answers.iter_mut() {
                    if let (Ok(_), Some(e)) = (&*earlier, &e) {
                        *earlier = Err(copy(e));
                    }
                }
                open = begin(conn);
            }
            answers.push((s.done, s.chat, result));
        }
        if open.is_ok()
            && let Err(e) = conn.execute_batch("COMMIT")
        {
            let e = StorageError::from(e);
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            for (_, _, result) in answers.iter_mut() {
                if result.is_ok() {
                    *result = Err(copy(&e));
                }
            }
        }
    }
    for (done, chat, result) in answers {
        let _ = done.send(match result {
            Ok(written) => {
                db.recent.saved(chat.0, written);
                Ok(())
            }
            Err(e) => {
                db.recent.forget(chat.0);
                Err(e)
            }
        });
    }
}

/// Opens the transaction a batch of saves is written in.
fn begin(conn: &Connection) -> Result<(), StorageError> {
    Ok(conn.execute_batch("BEGIN IMMEDIATE")?)
}

/// The same error again, for every save it failed.
fn copy(e: &StorageError) -> StorageError {
    use rusqlite::ffi;
    match e {
        StorageError::Sqlite(rusqlite::Error::SqliteFailure(code, message)) => {
            StorageError::Sqlite(rusqlite::Error::SqliteFailure(*code, message.clone()))
        }
        other => StorageError::Sqlite(rusqlite::Error::SqliteFailure(
            ffi::Error::new(ffi::SQLITE_ERROR),
            Some(other.to_string()),
        )),
    }
}

/// A chat's state written over the version it was read at (or over an expired one).
const UPSERT: &str =
    "INSERT INTO conversation (chat_id, state, version, updated_at) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (chat_id) DO UPDATE SET state = ?2, version = ?3, updated_at = ?4
     WHERE conversation.version = ?5 OR conversation.updated_at <= ?6";

/// One chat's save: compare-and-set over the version it was read at. Outside a transaction it
/// commits by itself; inside one, its savepoint keeps a failure to this save alone. Returns
/// the rows as they now load from the file.
fn write(
    conn: &mut Connection,
    expiry: Expiry,
    chat_id: ChatId,
    dialogue: ChatState,
) -> Result<Written, StorageError> {
    let t = now();
    let fresh_after = t - expiry.state.as_secs() as i64;
    let expected = dialogue.version as i64;
    let mut next = dialogue;
    next.version += 1;
    let state = encode_state(&next);
    let prefs = encode_prefs(&next);
    let version = next.version as i64;
    // The rows as they will load: the health state is stored without the preferences.
    let mut stored = next;
    stored.engine.prefs = Prefs::default();
    stored.reset = false;
    debug_assert_eq!(super::decode_state(&state).as_ref(), Some(&stored));
    let written = Written {
        state: stored,
        prefs: prefs.as_deref().map(decode_prefs),
        at: t,
    };
    // Compare-and-set in one statement: insert, or update a row that holds the version
    // this state was read at, or one that has expired.
    let upsert = |conn: &Connection| {
        conn.prepare_cached(UPSERT)?.execute(params![
            chat_id.0,
            state,
            version,
            t,
            expected,
            fresh_after
        ])
    };
    // Usually that one statement is the whole write: no savepoint to open and close around
    // it (a statement that fails changes nothing).
    if prefs.is_none() && upsert(conn)? == 1 {
        return Ok(written);
    }
    let tx = conn.savepoint()?;
    if upsert(&tx)? == 0 {
        // Another version is stored: a conflict — unless that state no longer loads,
        // in which case it is being replaced, which is the point.
        let text: String = tx
            .prepare_cached("SELECT state FROM conversation WHERE chat_id = ?1")?
            .query_row([chat_id.0], |r| r.get(0))?;
        if decode(Some(&text), None).is_some_and(|s| !s.reset) {
            return Err(StorageError::Conflict);
        }
        tx.prepare_cached(
            "UPDATE conversation SET state = ?2, version = ?3, updated_at = ?4 WHERE chat_id = ?1",
        )?
        .execute(params![chat_id.0, state, version, t])?;
    }
    if let Some(prefs) = prefs {
        tx.prepare_cached(
            "INSERT INTO preference (chat_id, prefs, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (chat_id) DO UPDATE SET prefs = ?2, updated_at = ?3",
        )?
        .execute(params![chat_id.0, prefs, t])?;
    }
    tx.commit()?;
    Ok(written)
}

impl SqliteStorage {
    fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StorageError>,
    ) -> BoxFuture<'static, Result<T, StorageError>> {
        let result = f(&mut self.db().conn);
        Box::pin(async move { result })
    }
}

/// Check-ins: the `check_in` table. A claim is one `UPDATE … RETURNING` (SQLite runs it as
/// one write), so two claimers never get the same row.
impl CheckIns for SqliteStorage {
    fn schedule(&self, c: CheckIn) -> BoxFuture<'_, Result<(), StorageError>> {
        self.with(move |conn| {
            conn.prepare_cached(
                "INSERT INTO check_in (chat_id, due, level, lang, country) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (chat_id) DO UPDATE SET due = ?2, level = ?3, lang = ?4, country = ?5",
            )?
            .execute(params![c.chat, c.due, c.level.id(), c.lang, c.country])?;
            Ok(())
        })
    }

    fn cancel(&self, chat: i64) -> BoxFuture<'_, Result<(), StorageError>> {
        self.with(move |conn| {
            if conn.execute("DELETE FROM check_in WHERE chat_id = ?1", [chat])? > 0 {
                truncate_log(conn)?;
            }
            Ok(())
        })
    }

    fn claim(
        &self,
        now: i64,
        lease: Duration,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Claimed>, StorageError>> {
        self.with(move |conn| {
            let until = now + lease.as_millis() as i64;
            let mut stmt = conn.prepare_cached(
                "UPDATE check_in SET due = ?2
                 WHERE chat_id IN (SELECT chat_id FROM check_in WHERE due <= ?1 ORDER BY due LIMIT ?3)
                 RETURNING chat_id, level, lang, country",
            )?;
            let rows = stmt.query_map(params![now, until, limit as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (chat, level, lang, country) = row?;
                // A level this program does not know is left to expire with its chat.
                if let Some(level) = level_of(&level) {
                    out.push(Claimed {
                        check_in: CheckIn {
                            chat,
                            due: now,
                            level,
                            lang,
                            country,
                        },
                        token: until,
                    });
                }
            }
            Ok(out)
        })
    }

    fn done(&self, chat: i64, token: i64) -> BoxFuture<'_, Result<(), StorageError>> {
        self.with(move |conn| {
            if conn.execute(
                "DELETE FROM check_in WHERE chat_id = ?1 AND due = ?2",
                [chat, token],
            )? > 0
            {
                truncate_log(conn)?;
            }
            Ok(())
        })
    }

    fn retry(&self, chat: i64, token: i64, at: i64) -> BoxFuture<'_, Result<(), StorageError>> {
        self.with(move |conn| {
            conn.execute(
                "UPDATE check_in SET due = ?3 WHERE chat_id = ?1 AND due = ?2",
                [chat, token, at],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file written by the previous schema keeps its conversations, loses the index every
    /// save used to move, and its expired rows are still purged.
    #[tokio::test]
    async fn a_schema_2_file_is_migrated_and_still_purged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            for (i, step) in MIGRATIONS[..2].iter().enumerate() {
                conn.execute_batch(step).unwrap();
                conn.pragma_update(None, "user_version", (i + 1) as i64)
                    .unwrap();
            }
            let state = encode_state(&ChatState::default());
            conn.execute(
                "INSERT INTO conversation VALUES (1, ?1, 0, ?2), (2, ?1, 0, 0)",
                params![state, now()],
            )
            .unwrap();
        }
        let storage = SqliteStorage::open(&path, Expiry::default()).await.unwrap();
        assert!(
            storage
                .clone()
                .get_dialogue(ChatId(1))
                .await
                .unwrap()
                .is_some()
        );
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        let index: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'conversation_updated'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let rows: i64 = conn
            .query_row("SELECT COUNT(*) FROM conversation", [], |r| r.get(0))
            .unwrap();
        assert_eq!((version, index, rows), (SCHEMA, 0, 1), "chat 2 had expired");
    }
}
