//! Redis storage, for several instances sharing one Redis: keys under a prefix, `EX` expiry
//! (Redis purges by itself), and a compare-and-set on the state's version in one script.

use super::checkins::{self, CheckIn, CheckIns, Claimed};
use super::{ChatState, Expiry, StorageError, decode, encode_prefs, encode_state};
use futures_util::future::BoxFuture;
use redis::aio::ConnectionManager;
use std::sync::Arc;
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

/// Writes the state only over the version it was read at (or over nothing, or over a state
/// that no longer loads), then the preferences; all or nothing.
/// KEYS: state, prefs. ARGV: state, expected version, state TTL, prefs (or ""), prefs TTL.
/// The version is the second field of a stored state (`2|version|…`); a state of the first
/// format (JSON) is read once and replaced.
const WRITE: &str = r#"
local cur = redis.call('GET', KEYS[1])
if cur then
  local v = string.match(cur, '^2|(%d+)|')
  if not v then
    local ok, doc = pcall(cjson.decode, cur)
    if ok and type(doc) == 'table' and type(doc['state']) == 'table' then
      v = doc['state']['version']
    end
  end
  if v and tonumber(v) ~= tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
if ARGV[4] ~= '' then redis.call('SET', KEYS[2], ARGV[4], 'EX', ARGV[5]) end
return 1
"#;

/// Claims the due check-ins: each is moved to the end of its lease in the same script, so two
/// instances never claim one. KEYS: due set, data hash. ARGV: now, lease end, limit.
/// Returns chat, data pairs; a chat without data (half deleted) is dropped.
const CLAIM: &str = r#"
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local data = redis.call('HGET', KEYS[2], id)
  if data then
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    table.insert(out, id)
    table.insert(out, data)
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
"#;

/// Acknowledges (ARGV[3] empty: deletes) or puts back (ARGV[3]: the new due time) a claimed
/// check-in, only if it is still that claim's (its due time is the token).
/// KEYS: due set, data hash. ARGV: chat, token, new due time or "".
const SETTLE: &str = r#"
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
end
return 1
"#;

pub struct RedisStorage {
    conn: ConnectionManager,
    prefix: String,
    expiry: Expiry,
    write: redis::Script,
    claim: redis::Script,
    settle: redis::Script,
}

impl RedisStorage {
    pub async fn open(url: &str, prefix: &str, expiry: Expiry) -> Result<Arc<Self>, StorageError> {
        let client = redis::Client::open(url)?;
        // Reconnects on its own at run time; at start, a Redis that does not answer within a
        // few seconds is an error.
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_number_of_retries(2)
            .set_connection_timeout(Some(std::time::Duration::from_secs(2)))
            .set_response_timeout(Some(std::time::Duration::from_secs(5)));
        let mut conn = client.get_connection_manager_with_config(config).await?;
        // Fail at start, not at the first user, when Redis does not answer.
        redis::cmd("PING").query_async::<String>(&mut conn).await?;
        Ok(Arc::new(RedisStorage {
            conn,
            prefix: prefix.to_string(),
            expiry,
            write: redis::Script::new(WRITE),
            claim: redis::Script::new(CLAIM),
            settle: redis::Script::new(SETTLE),
        }))
    }

    /// The sorted set of check-ins by due time (ms) and the hash of what each holds, by chat.
    fn check_in_keys(&self) -> (String, String) {
        (
            format!("{}:checkin:due", self.prefix),
            format!("{}:checkin:data", self.prefix),
        )
    }

    /// Ends a claim of this chat's check-in, only if `token` is still its claim: deletes it
    /// (`at` empty) or makes it due again at `at` (ms).
    async fn settle_claim(&self, chat: i64, token: i64, at: String) -> Result<(), StorageError> {
        let (due, data) = self.check_in_keys();
        let mut conn = self.conn.clone();
        let _: i64 = self
            .settle
            .key(&due)
            .key(&data)
            .arg(chat)
            .arg(token)
            .arg(at)
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }

    fn keys(&self, chat: ChatId) -> (String, String) {
        (
            format!("{}:state:{}", self.prefix, chat.0),
            format!("{}:prefs:{}", self.prefix, chat.0),
        )
    }
}

impl Storage<ChatState> for RedisStorage {
    type Error = StorageError;

    fn remove_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<(), Self::Error>> {
        Box::pin(async move {
            let (state, prefs) = self.keys(chat_id);
            let (due, data) = self.check_in_keys();
            let mut conn = self.conn.clone();
            // The conversation, the preferences and the check-in, all at once.
            redis::pipe()
                .atomic()
                .del(&state)
                .del(&prefs)
                .zrem(&due, chat_id.0)
                .hdel(&data, chat_id.0)
                .query_async::<()>(&mut conn)
                .await?;
            Ok(())
        })
    }

    fn update_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
        dialogue: ChatState,
    ) -> BoxFuture<'static, Result<(), Self::Error>> {
        Box::pin(async move {
            let (state_key, prefs_key) = self.keys(chat_id);
            let expected = dialogue.version;
            let mut next = dialogue;
            next.version += 1;
            let prefs = encode_prefs(&next).unwrap_or_default();
            let mut conn = self.conn.clone();
            let written: i64 = self
                .write
                .key(&state_key)
                .key(&prefs_key)
                .arg(encode_state(&next))
                .arg(expected)
                .arg(self.expiry.state.as_secs().max(1))
                .arg(prefs)
                .arg(self.expiry.prefs.as_secs().max(1))
                .invoke_async(&mut conn)
                .await?;
            if written == 1 {
                Ok(())
            } else {
                Err(StorageError::Conflict)
            }
        })
    }

    fn get_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<Option<ChatState>, Self::Error>> {
        Box::pin(async move {
            let (state, prefs) = self.keys(chat_id);
            let mut conn = self.conn.clone();
            let (state, prefs): (Option<String>, Option<String>) = redis::cmd("MGET")
                .arg(&state)
                .arg(&prefs)
                .query_async(&mut conn)
                .await?;
            Ok(decode(state.as_deref(), prefs.as_deref()))
        })
    }
}

/// Check-ins: a sorted set by due time and a hash by chat, changed together (a transaction or
/// a script).
impl CheckIns for RedisStorage {
    fn schedule(&self, c: CheckIn) -> BoxFuture<'_, Result<(), StorageError>> {
        Box::pin(async move {
            let (due, data) = self.check_in_keys();
            let mut conn = self.conn.clone();
            redis::pipe()
                .atomic()
                .hset(&data, c.chat, checkins::encode(&c))
                .zadd(&due, c.chat, c.due)
                .query_async::<()>(&mut conn)
                .await?;
            Ok(())
        })
    }

    fn cancel(&self, chat: i64) -> BoxFuture<'_, Result<(), StorageError>> {
        Box::pin(async move {
            let (due, data) = self.check_in_keys();
            let mut conn = self.conn.clone();
            redis::pipe()
                .atomic()
                .zrem(&due, chat)
                .hdel(&data, chat)
                .query_async::<()>(&mut conn)
                .await?;
            Ok(())
        })
    }

    fn claim(
        &self,
        now: i64,
        lease: std::time::Duration,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Claimed>, StorageError>> {
        Box::pin(async move {
            let (due, data) = self.check_in_keys();
            let until = now + lease.as_millis() as i64;
            let mut conn = self.conn.clone();
            let flat: Vec<String> = self
                .claim
                .key(&due)
                .key(&data)
                .arg(now)
                .arg(until)
                .arg(limit)
                .invoke_async(&mut conn)
                .await?;
            Ok(flat
                .chunks(2)
                .filter_map(|pair| {
                    let [chat, text] = pair else { return None };
                    let check_in = checkins::decode(chat.parse().ok()?, now, text)?;
                    Some(Claimed {
                        check_in,
                        token: until,
                    })
                })
                .collect())
        })
    }

    fn done(&self, chat: i64, token: i64) -> BoxFuture<'_, Result<(), StorageError>> {
        Box::pin(self.settle_claim(chat, token, String::new()))
    }

    fn retry(&self, chat: i64, token: i64, at: i64) -> BoxFuture<'_, Result<(), StorageError>> {
        Box::pin(self.settle_claim(chat, token, at.to_string()))
    }
}

/// A per-chat lease in Redis, so that two instances never handle one chat's updates at the
/// same time (a retry arriving while a slow instance still works on the first delivery).
///
/// Each acquisition has its own random token, and only that token releases or renews the
/// lease: an instance whose lease expired and was taken by another never releases the
/// other's. The lease is short ([`LEASE_MS`]) and renewed every [`RENEW_EVERY`] while the
/// update is handled, so an instance that dies holds the chat for seconds, not for the whole
/// worst-case handling time.
pub struct Lease {
    conn: ConnectionManager,
    prefix: String,
    release: redis::Script,
    renew: redis::Script,
    /// Seeds the tokens: random per process (`RandomState`), with a counter.
    seed: std::collections::hash_map::RandomState,
    taken: std::sync::atomic::AtomicU64,
}

/// A lease held: its token, and the task renewing it (stopped when it is dropped).
pub struct Held {
    chat: i64,
    token: String,
    renewal: tokio::task::JoinHandle<()>,
}

impl Held {
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Stops renewing without releasing (a holder that stalls): the lease then expires by
    /// itself.
    pub fn stop_renewing(&self) {
        self.renewal.abort();
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.renewal.abort();
    }
}

/// Deletes the lease only if it is still this acquisition's.
const RELEASE: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"#;

/// Extends the lease only if it is still this acquisition's.
const RENEW: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"#;

/// How long a lease lasts unless renewed: how long a chat waits after its instance died.
pub const LEASE_MS: u64 = 5_000;
/// How often a held lease is renewed.
pub const RENEW_EVERY: std::time::Duration = std::time::Duration::from_millis(1_500);

impl Lease {
    pub async fn open(url: &str, prefix: &str) -> Result<Lease, StorageError> {
        let client = redis::Client::open(url)?;
        let conn = client.get_connection_manager().await?;
        Ok(Lease {
            conn,
            prefix: prefix.to_string(),
            release: redis::Script::new(RELEASE),
            renew: redis::Script::new(RENEW),
            seed: std::collections::hash_map::RandomState::new(),
            taken: std::sync::atomic::AtomicU64::new(0),
        })
    }

    fn key(&self, chat: i64) -> String {
        format!("{}:lease:{chat}", self.prefix)
    }

    /// A token no other acquisition has: 128 bits from this process's random hasher keys,
    /// the time, the process id and a counter.
    fn token(&self) -> String {
        use std::hash::BuildHasher;
        let n = self
            .taken
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let a = self.seed.hash_one((n, nanos, std::process::id(), 1u8));
        let b = self.seed.hash_one((n, nanos, std::process::id(), 2u8));
        format!("{a:016x}{b:016x}")
    }

    /// Takes the chat's lease and keeps renewing it until it is released (or dropped);
    /// `None` when another acquisition holds it.
    pub async fn acquire(&self, chat: i64) -> Result<Option<Held>, StorageError> {
        let mut conn = self.conn.clone();
        let token = self.token();
        let key = self.key(chat);
        let set: Option<String> = redis::cmd("SET")
            .arg(&key)
            .arg(&token)
            .arg("NX")
            .arg("PX")
            .arg(LEASE_MS)
            .query_async(&mut conn)
            .await?;
        if set.is_none() {
            return Ok(None);
        }
        let renew = self.renew.clone();
        let renewing = token.clone();
        let renewal = tokio::spawn(async move {
            let mut tick = tokio::time::interval(RENEW_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                let kept: Result<i64, _> = renew
                    .key(&key)
                    .arg(&renewing)
                    .arg(LEASE_MS)
                    .invoke_async(&mut conn)
                    .await;
                match kept {
                    Ok(1) => {}
                    Ok(_) => {
                        log::warn!("a chat lease expired while its update was handled");
                        return;
                    }
                    Err(e) => log::warn!("renewing a chat lease failed: {e}"),
                }
            }
        });
        Ok(Some(Held {
            chat,
            token,
            renewal,
        }))
    }

    /// Gives the lease back, if it is still this acquisition's.
    pub async fn release(&self, held: Held) -> Result<(), StorageError> {
        held.renewal.abort();
        let mut conn = self.conn.clone();
        let _: i64 = self
            .release
            .key(self.key(held.chat))
            .arg(&held.token)
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }
}
