//! SQLite storage: one file, WAL, `secure_delete`, a schema with a version and `updated_at`.
//!
//! Durability: `synchronous = NORMAL` in WAL mode. A committed write survives the process
//! being killed (`kill -9`, a crash); only a power loss or OS crash can lose the last few
//! commits — a user then repeats one answer. `FULL` would fsync on every update for no gain
//! against the failures a bot process actually meets. One connection, used from blocking
//! tasks: SQLite serialises writers anyway, and updates of one chat arrive in order.

use super::{ChatState, Expiry, StorageError, decode, encode_prefs, encode_state, now};
use futures_util::future::BoxFuture;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

/// The schema version this program writes (`PRAGMA user_version`).
pub const SCHEMA: i64 = 1;

/// Migrations from version N-1 to N, in order. Add a step for every schema change.
const MIGRATIONS: &[&str] = &["
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
"];

pub struct SqliteStorage {
    conn: Mutex<Connection>,
    expiry: Expiry,
}

impl SqliteStorage {
    /// Opens (creating or migrating) the database and starts the purge schedule.
    pub async fn open(path: &Path, expiry: Expiry) -> Result<Arc<Self>, StorageError> {
        let path = path.to_path_buf();
        let conn = tokio::task::spawn_blocking(move || connect(&path))
            .await
            .map_err(|_| StorageError::Join)??;
        let storage = Arc::new(SqliteStorage {
            conn: Mutex::new(conn),
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
        self.blocking(|conn, expiry| {
            let t = now();
            let a = conn.execute(
                "DELETE FROM conversation WHERE updated_at <= ?1",
                [t - expiry.state.as_secs() as i64],
            )?;
            let b = conn.execute(
                "DELETE FROM preference WHERE updated_at <= ?1",
                [t - expiry.prefs.as_secs() as i64],
            )?;
            Ok(a + b)
        })
        .await
    }

    async fn blocking<T: Send + 'static>(
        self: Arc<Self>,
        f: impl FnOnce(&mut Connection, Expiry) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        tokio::task::spawn_blocking(move || {
            let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut conn, self.expiry)
        })
        .await
        .map_err(|_| StorageError::Join)?
    }
}

fn connect(path: &Path) -> Result<Connection, StorageError> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    migrate(&mut conn)?;
    Ok(conn)
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
        Box::pin(self.blocking(move |conn, _| {
            let tx = conn.transaction()?;
            tx.execute("DELETE FROM conversation WHERE chat_id = ?1", [chat_id.0])?;
            tx.execute("DELETE FROM preference WHERE chat_id = ?1", [chat_id.0])?;
            tx.commit()?;
            Ok(())
        }))
    }

    fn update_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
        dialogue: ChatState,
    ) -> BoxFuture<'static, Result<(), Self::Error>> {
        Box::pin(self.blocking(move |conn, expiry| {
            let t = now();
            let tx = conn.transaction()?;
            let stored: Option<(String, i64)> = tx
                .query_row(
                    "SELECT state, version FROM conversation WHERE chat_id = ?1 AND updated_at > ?2",
                    params![chat_id.0, t - expiry.state.as_secs() as i64],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            // Compare-and-set: a loadable stored state must be the version this one was read at.
            if let Some((text, version)) = stored
                && decode(Some(&text), None).is_some_and(|s| !s.reset)
                && version as u64 != dialogue.version
            {
                return Err(StorageError::Conflict);
            }
            let mut next = dialogue;
            next.version += 1;
            tx.execute(
                "INSERT INTO conversation (chat_id, state, version, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (chat_id) DO UPDATE SET state = ?2, version = ?3, updated_at = ?4",
                params![chat_id.0, encode_state(&next), next.version as i64, t],
            )?;
            if next.has_prefs() {
                tx.execute(
                    "INSERT INTO preference (chat_id, prefs, updated_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (chat_id) DO UPDATE SET prefs = ?2, updated_at = ?3",
                    params![chat_id.0, encode_prefs(&next), t],
                )?;
            }
            tx.commit()?;
            Ok(())
        }))
    }

    fn get_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<Option<ChatState>, Self::Error>> {
        Box::pin(self.blocking(move |conn, expiry| {
            let t = now();
            let state: Option<String> = conn
                .query_row(
                    "SELECT state FROM conversation WHERE chat_id = ?1 AND updated_at > ?2",
                    params![chat_id.0, t - expiry.state.as_secs() as i64],
                    |r| r.get(0),
                )
                .optional()?;
            let prefs: Option<String> = conn
                .query_row(
                    "SELECT prefs FROM preference WHERE chat_id = ?1 AND updated_at > ?2",
                    params![chat_id.0, t - expiry.prefs.as_secs() as i64],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(decode(state.as_deref(), prefs.as_deref()))
        }))
    }
}
