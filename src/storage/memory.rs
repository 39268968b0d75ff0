//! In-memory storage, for tests: the same semantics as the others (expiry, prefs apart,
//! removing nothing is fine), nothing survives a restart.

use super::checkins::{CheckIn, CheckIns, Claimed};
use super::{ChatState, Expiry, StorageError, decode, encode_prefs, encode_state, now};
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

#[derive(Default)]
struct Rows {
    state: HashMap<i64, (String, i64)>,
    prefs: HashMap<i64, (String, i64)>,
    check_ins: HashMap<i64, CheckIn>,
}

pub struct MemoryStorage {
    rows: Mutex<Rows>,
    expiry: Expiry,
}

impl MemoryStorage {
    pub fn new(expiry: Expiry) -> Arc<Self> {
        Arc::new(MemoryStorage {
            rows: Mutex::new(Rows::default()),
            expiry,
        })
    }
}

impl Storage<ChatState> for MemoryStorage {
    type Error = StorageError;

    fn remove_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<(), Self::Error>> {
        Box::pin(async move {
            let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
            rows.state.remove(&chat_id.0);
            rows.prefs.remove(&chat_id.0);
            rows.check_ins.remove(&chat_id.0);
            Ok(())
        })
    }

    fn update_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
        dialogue: ChatState,
    ) -> BoxFuture<'static, Result<(), Self::Error>> {
        Box::pin(async move {
            let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
            let t = now();
            let stored_version = rows
                .state
                .get(&chat_id.0)
                .filter(|(_, at)| t - at < self.expiry.state.as_secs() as i64)
                .and_then(|(s, _)| decode(Some(s), None))
                .filter(|s| !s.reset)
                .map(|s| s.version);
            if stored_version.is_some_and(|v| v != dialogue.version) {
                return Err(StorageError::Conflict);
            }
            let mut next = dialogue;
            next.version += 1;
            rows.state.insert(chat_id.0, (encode_state(&next), t));
            if let Some(prefs) = encode_prefs(&next) {
                rows.prefs.insert(chat_id.0, (prefs, t));
            }
            Ok(())
        })
    }

    fn get_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<Option<ChatState>, Self::Error>> {
        Box::pin(async move {
            let rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
            let t = now();
            let fresh = |row: Option<&(String, i64)>, ttl: std::time::Duration| {
                row.filter(|(_, at)| t - at < ttl.as_secs() as i64)
                    .map(|(s, _)| s.clone())
            };
            let state = fresh(rows.state.get(&chat_id.0), self.expiry.state);
            let prefs = fresh(rows.prefs.get(&chat_id.0), self.expiry.prefs);
            Ok(decode(state.as_deref(), prefs.as_deref()))
        })
    }
}

impl MemoryStorage {
    fn rows(&self) -> std::sync::MutexGuard<'_, Rows> {
        self.rows.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl CheckIns for MemoryStorage {
    fn schedule(&self, c: CheckIn) -> BoxFuture<'_, Result<(), StorageError>> {
        self.rows().check_ins.insert(c.chat, c);
        Box::pin(async { Ok(()) })
    }

    fn cancel(&self, chat: i64) -> BoxFuture<'_, Result<(), StorageError>> {
        self.rows().check_ins.remove(&chat);
        Box::pin(async { Ok(()) })
    }

    fn claim(
        &self,
        now: i64,
        lease: std::time::Duration,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Claimed>, StorageError>> {
        let mut rows = self.rows();
        let until = now + lease.as_millis() as i64;
        let mut due: Vec<&mut CheckIn> = rows
            .check_ins
            .values_mut()
            .filter(|c| c.due <= now)
            .collect();
        due.sort_by_key(|c| c.due);
        let claimed = due
            .into_iter()
            .take(limit)
            .map(|c| {
                let check_in = c.clone();
                c.due = until;
                Claimed {
                    check_in,
                    token: until,
                }
            })
            .collect();
        Box::pin(async { Ok(claimed) })
    }

    fn done(&self, chat: i64, token: i64) -> BoxFuture<'_, Result<(), StorageError>> {
        let mut rows = self.rows();
        if rows.check_ins.get(&chat).is_some_and(|c| c.due == token) {
            rows.check_ins.remove(&chat);
        }
        Box::pin(async { Ok(()) })
    }

    fn retry(&self, chat: i64, token: i64, at: i64) -> BoxFuture<'_, Result<(), StorageError>> {
        if let Some(c) = self
            .rows()
            .check_ins
            .get_mut(&chat)
            .filter(|c| c.due == token)
        {
            c.due = at;
        }
        Box::pin(async { Ok(()) })
    }
}
