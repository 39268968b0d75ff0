//! The check-in scheduler of `run` (polling and webhook mode): every [`TICK`] it claims the
//! check-ins that are due from the storage and sends each into its chat
//! ([`super::handlers::deliver_check_in`]).
//!
//! Delivered once: a claim moves the check-in to the end of a lease
//! ([`crate::storage::checkins::LEASE`]) in one atomic step, so another instance sharing the
//! storage does not claim it too; after sending it is deleted. A send that fails (the Bot
//! API down, the storage unreadable) puts it back for [`RETRY`] later; an instance killed in
//! between leaves it to come due again when the lease ends. A user who blocked the bot (403)
//! has their conversation and check-in deleted; one the Bot API refuses for another reason
//! (a chat that no longer exists) is dropped rather than tried for ever. With Redis, the per-chat lease of the webhook
//! mode is taken while sending, so a check-in and an update of the same chat are not handled
//! at the same time by two instances.

use super::api::Api;
use super::handlers::{Undelivered, deliver_check_in};
use super::metrics;
use super::startup::Stop;
use crate::core::Content;
use crate::storage::ChatStorage;
use crate::storage::checkins::{CheckIns, Claimed, LEASE, now_ms};
use crate::storage::redis_store::Lease;
use std::sync::Arc;
use std::time::Duration;

/// How often the storage is asked for due check-ins.
pub const TICK: Duration = Duration::from_secs(1);
/// How long a check-in that could not be sent waits before it is tried again.
pub const RETRY: Duration = Duration::from_secs(30);
/// The most check-ins claimed at once.
const BATCH: usize = 16;

/// Everything the scheduler needs.
pub struct Scheduler {
    pub api: Api,
    pub storage: Arc<ChatStorage>,
    pub check_ins: Arc<dyn CheckIns>,
    pub content: Arc<Content>,
    /// The per-chat lease (Redis), when several instances may share the storage.
    pub lease: Option<Lease>,
}

impl Scheduler {
    /// Runs until `stop`.
    pub async fn run(self, stop: Stop) {
        loop {
            tokio::select! {
                _ = stop.wait() => return,
                _ = tokio::time::sleep(TICK) => {}
            }
            let claimed = match self.check_ins.claim(now_ms(), LEASE, BATCH).await {
                Ok(c) => c,
                Err(e) => {
                    log::warn!("reading the due check-ins failed: {e}");
                    continue;
                }
            };
            for c in claimed {
                self.send(c).await;
            }
        }
    }

    async fn send(&self, c: Claimed) {
        let chat = c.check_in.chat;
        let later = now_ms() + RETRY.as_millis() as i64;
        let held = match &self.lease {
            Some(lease) => match lease.acquire(chat).await {
                Ok(Some(held)) => Some(held),
                // The chat is being handled elsewhere: soon again.
                Ok(None) => {
                    self.settle(chat, c.token, Some(now_ms() + 2_000)).await;
                    return;
                }
                Err(e) => {
                    log::warn!("taking the chat lease for a check-in failed: {e}");
                    self.settle(chat, c.token, Some(later)).await;
                    return;
                }
            },
            None => None,
        };
        match deliver_check_in(&self.api, &self.storage, &self.content, &c.check_in).await {
            Ok(()) => {
                metrics::count(&metrics::COUNTERS.check_ins_sent, "check-in sent");
                self.settle(chat, c.token, None).await;
            }
            // Deleted with the conversation.
            Err(Undelivered::Gone) => {}
            Err(Undelivered::Refused(why)) => {
                log::warn!("a check-in was refused by the Bot API ({why}); dropped");
                self.settle(chat, c.token, None).await;
            }
            Err(Undelivered::Later(why)) => {
                log::warn!("a check-in could not be sent ({why}); trying again later");
                metrics::count(&metrics::COUNTERS.check_ins_retried, "check-in retried");
                self.settle(chat, c.token, Some(later)).await;
            }
        }
        if let (Some(lease), Some(held)) = (&self.lease, held)
            && let Err(e) = lease.release(held).await
        {
            log::warn!("releasing the chat lease failed: {e}");
        }
    }

    /// Deletes the claimed check-in (`None`) or puts it back for `at`. If this fails, the
    /// claim's lease runs out and the check-in is due again.
    async fn settle(&self, chat: i64, token: i64, at: Option<i64>) {
        let result = match at {
            None => self.check_ins.done(chat, token).await,
            Some(at) => self.check_ins.retry(chat, token, at).await,
        };
        if let Err(e) = result {
            log::warn!("updating a claimed check-in failed: {e}");
        }
    }
}
