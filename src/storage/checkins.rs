//! Check-ins the person asked for ("Check on me later"), kept in the same storage as the
//! conversation: per chat at most one, holding the chat id, the due time, the level, the
//! language and the country — nothing else.
//!
//! Delivered once: a scheduler **claims** due check-ins atomically (each backend in one
//! statement or script), which moves their due time to the end of a lease; then it sends, and
//! **acknowledges** ([`CheckIns::done`]) the claim. If sending fails it puts the check-in back
//! for later ([`CheckIns::retry`]); if the instance dies in between, the lease runs out and
//! the check-in is due again. The claim's token is the due time it set: a check-in scheduled
//! anew meanwhile (a newer outcome) is neither deleted nor moved by an old claim. Two
//! instances sharing Redis never claim the same check-in. A crash after sending and before the
//! acknowledgement sends it again (at least once); nothing else does.

use super::StorageError;
use crate::core::rules::Urgency;
use futures_util::future::BoxFuture;
use std::time::Duration;

/// One check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckIn {
    pub chat: i64,
    /// When it is due, in milliseconds since the Unix epoch.
    pub due: i64,
    /// The level of the outcome it follows up.
    pub level: Urgency,
    /// The language of the conversation when it was asked for.
    pub lang: String,
    /// The country (ISO code), when known.
    pub country: Option<String>,
}

/// A check-in claimed for sending: the token acknowledges or puts back this claim only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub check_in: CheckIn,
    pub token: i64,
}

/// How long a claimed check-in is held by the instance sending it before it is due again.
pub const LEASE: Duration = Duration::from_secs(60);

/// The check-ins of a storage. Every method is one atomic step in the storage.
pub trait CheckIns: Send + Sync {
    /// Keeps `c`, replacing any check-in of its chat.
    fn schedule(&self, c: CheckIn) -> BoxFuture<'_, Result<(), StorageError>>;
    /// Deletes the chat's check-in, if any.
    fn cancel(&self, chat: i64) -> BoxFuture<'_, Result<(), StorageError>>;
    /// Claims up to `limit` check-ins due at `now` (ms): each is due again at `now + lease`
    /// unless acknowledged or put back.
    fn claim(
        &self,
        now: i64,
        lease: Duration,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Claimed>, StorageError>>;
    /// Deletes a claimed check-in: it was sent (or is dropped). Only this claim's.
    fn done(&self, chat: i64, token: i64) -> BoxFuture<'_, Result<(), StorageError>>;
    /// Puts a claimed check-in back, due at `at` (ms). Only this claim's.
    fn retry(&self, chat: i64, token: i64, at: i64) -> BoxFuture<'_, Result<(), StorageError>>;
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The stored form of what a check-in holds besides its chat and due time:
/// `level|lang|country` (`-` for no country).
pub(super) fn encode(c: &CheckIn) -> String {
    format!(
        "{}|{}|{}",
        c.level.id(),
        c.lang,
        c.country.as_deref().unwrap_or("-")
    )
}

pub(super) fn decode(chat: i64, due: i64, text: &str) -> Option<CheckIn> {
    let mut f = text.split('|');
    let (level, lang, country) = (f.next()?, f.next()?, f.next()?);
    Some(CheckIn {
        chat,
        due,
        level: level_of(level)?,
        lang: lang.to_string(),
        country: (country != "-").then(|| country.to_string()),
    })
}

pub(super) fn level_of(id: &str) -> Option<Urgency> {
    match id {
        "urgent" => Some(Urgency::Urgent),
        "soon" => Some(Urgency::Soon),
        "self_care" => Some(Urgency::SelfCare),
        _ => None,
    }
}
