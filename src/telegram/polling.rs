//! Long polling, the project's own (teloxide's dispatcher and polling listener are not used):
//!
//! - **Malformed updates are skipped alone.** `getUpdates` is read as raw JSON and each update
//!   parsed on its own: one that does not parse (an `update_id` that is not a
//!   number, a message teloxide cannot read) is logged by its kind only — never its JSON,
//!   which may hold what a user typed and their name — and confirmed; the updates after it
//!   are served.
//! - **Fair, bounded intake.** Each chat has its own queue and worker, so a chat whose replies
//!   are slow (rate limits, a flood of messages) holds up no other chat, and fetching never
//!   waits for a queue. A queue holds at most [`QUEUE`] updates; beyond that a chat's messages
//!   are dropped (button presses are still acknowledged) and the chat gets one short notice.
//!   Every text that would wait goes through emergency detection first: a typed emergency is
//!   never dropped (unless another is already first in the queue) and goes to the front of
//!   its chat's queue.
//! - **At least once.** An update is confirmed to Telegram (the `offset` of the next
//!   `getUpdates`) only once it has been handled — its replies sent and its state saved — or
//!   deliberately dropped. A handler that failed on a transient error (the Bot API down) is
//!   tried again, without holding up other chats; a restart in between gets the update again
//!   from Telegram, and the state's last handled update id keeps it from being applied twice.
//!   Two bounds keep an update that cannot be handled from hiding the ones behind it: when more
//!   than [`HOLD_WINDOW`] updates have arrived after the oldest unconfirmed one, or it has waited
//!   [`MAX_HOLD`], the offset moves past it (it is still handled, but a crash from then on would
//!   lose it; this is logged and counted).

use super::api::Api;
use super::metrics;
use crate::core::Content;
use crate::storage::ChatStorage;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use teloxide::prelude::*;
use teloxide::types::{UpdateId, UpdateKind};
use tokio::sync::Notify;

/// The most updates waiting in one chat's queue (besides the one being handled).
pub const QUEUE: usize = 8;
/// The most updates fetched after the oldest unconfirmed one before the offset moves past it.
pub const HOLD_WINDOW: u32 = 50;
/// The longest an update holds the offset back.
pub const MAX_HOLD: Duration = Duration::from_secs(60);
/// The longest wait before polling again while updates being handled hold the offset back
/// (Telegram then answers at once with them all again): polling waits for them to be handled,
/// and this bounds how long a new update waits meanwhile. Measured: fetching the held updates
/// again every 10 ms cost a fifth of the CPU per update under load.
const HOLD_PAUSE: Duration = Duration::from_millis(50);
/// Seconds a `getUpdates` waits for updates when there are none (teloxide's default).
const POLL_TIMEOUT: u32 = 10;
/// Tries of a handler that failed on a transient error, after the first.
const HANDLER_RETRIES: u32 = 4;
/// The first wait before a failed handler is tried again; it doubles each time.
const HANDLER_BACKOFF: Duration = Duration::from_secs(1);
/// How long a stop waits for the updates being handled.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// The update kinds the handlers serve.
const ALLOWED: [&str; 3] = ["message", "callback_query", "inline_query"];

/// A `getUpdates` request.
#[derive(Debug, Clone, Serialize)]
struct RawGetUpdates {
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<i64>,
    limit: u8,
    timeout: u32,
    allowed_updates: [&'static str; 3],
}

/// A `getUpdates` answer, its updates left as raw JSON borrowed from the body: an update
/// sent again (the offset held back) is only scanned for its id, and a new one parsed once.
#[derive(Deserialize)]
struct Answer<'a> {
    ok: bool,
    #[serde(borrow, default)]
    result: Vec<&'a RawValue>,
    #[serde(default)]
    error_code: Option<u16>,
    #[serde(default)]
    parameters: Option<AnswerParameters>,
}

#[derive(Deserialize)]
struct AnswerParameters {
    #[serde(default)]
    retry_after: Option<u64>,
}

/// Only the id of an update.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow, default)]
    update_id: Option<&'a RawValue>,
}

/// Why a `getUpdates` failed, without anything of the request (its URL holds the token).
enum Failure {
    Network,
    Telegram {
        code: Option<u16>,
        retry_after: Option<u64>,
    },
    Unreadable,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Network => f.write_str("network error"),
            Failure::Telegram {
                code: Some(code), ..
            } => write!(f, "Telegram answered {code}"),
            Failure::Telegram { code: None, .. } => f.write_str("Telegram answered an error"),
            Failure::Unreadable => f.write_str("an answer that is not Telegram's JSON"),
        }
    }
}

/// An update as received: parsed, or only its id (when it has a readable one), its kind and
/// who to answer.
pub enum Received {
    Update(Box<Update>),
    Malformed {
        id: Option<u32>,
        kind: &'static str,
        from: Option<Sender>,
    },
}

/// Who sent a message that does not parse, when it came from a private chat: enough to tell
/// them it could not be read, nothing of what it says.
pub struct Sender {
    pub chat: i64,
    pub language: Option<String>,
}

/// The private chat and language of a message that does not parse, when its JSON has them.
fn sender(value: &Value) -> Option<Sender> {
    let m = value.get("message")?;
    let chat = m.get("chat")?;
    if chat.get("type")?.as_str()? != "private" {
        return None;
    }
    Some(Sender {
        chat: chat.get("id")?.as_i64()?,
        language: m
            .get("from")
            .and_then(|f| f.get("language_code"))
            .and_then(|l| l.as_str())
            .map(str::to_owned),
    })
}

/// Tells a person that their message could not be read (a location without its coordinates,
/// a message a broken client sent): a clear answer instead of silence.
pub async fn answer_unreadable(api: &Api, content: &Content, from: Sender) {
    let t = content.texts(super::locale::language(from.language.as_deref()));
    if let Err(e) = api
        .send_text(ChatId(from.chat), t.get("telegram.unreadable"))
        .await
    {
        log::debug!(
            "answering an unreadable message failed: {}",
            super::describe(&e)
        );
    }
}

/// The kinds of update Telegram sends, for log lines that name a kind and nothing else.
const KINDS: &[&str] = &[
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
];

/// An update's id from its raw JSON, also when a broken Bot API sends it as a string.
fn raw_update_id(raw: &RawValue) -> Option<u32> {
    let head: Head<'_> = serde_json::from_str(raw.get()).ok()?;
    let text = head.update_id?.get();
    text.trim_matches('"').trim().parse().ok()
}

/// An update's id, also when a broken Bot API sends it as a string.
fn update_id(value: &Value) -> Option<u32> {
    match &value["update_id"] {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Parses one update of a `getUpdates` answer. Nothing of a malformed one is kept but its id
/// and kind.
pub fn receive(value: &Value) -> Received {
    let id = update_id(value);
    let kind = value
        .as_object()
        .and_then(|o| {
            o.keys()
                .find_map(|k| KINDS.iter().find(|known| **known == k.as_str()).copied())
        })
        .unwrap_or("unknown");
    // Through text: teloxide's `Update` reads field names borrowed from the input.
    let parsed = serde_json::to_string(value)
        .ok()
        .and_then(|text| serde_json::from_str::<Update>(&text).ok());
    match parsed {
        Some(u) if !matches!(u.kind, UpdateKind::Error(_)) => Received::Update(Box::new(u)),
        _ => Received::Malformed {
            id,
            kind,
            from: sender(value),
        },
    }
}

/// Parses one update of a `getUpdates` answer from its raw JSON.
fn receive_raw(raw: &RawValue) -> Received {
    match serde_json::from_str::<Update>(raw.get()) {
        Ok(u) if !matches!(u.kind, UpdateKind::Error(_)) => Received::Update(Box::new(u)),
        // The slow way, for its kind: only for an update that does not parse.
        _ => match serde_json::from_str::<Value>(raw.get()) {
            Ok(v) => receive(&v),
            Err(_) => Received::Malformed {
                id: None,
                kind: "unknown",
                from: None,
            },
        },
    }
}

/// One chat's waiting updates.
#[derive(Default)]
struct ChatQueue {
    queue: VecDeque<Update>,
    /// A worker is handling this chat's updates.
    running: bool,
    /// The chat was told its messages are coming too fast (reset when the queue empties).
    told: bool,
}

/// Which updates are waiting to be confirmed.
#[derive(Default)]
struct Ledger {
    /// Accepted and not yet handled or dropped, with when they arrived.
    open: BTreeMap<u32, Instant>,
    /// The offset never goes below this (updates released before they were handled).
    floor: Option<u32>,
    /// The newest update id seen.
    newest: Option<u32>,
}

impl Ledger {
    /// The offset to confirm: the oldest open update, or past the newest seen.
    fn offset(&self) -> Option<i64> {
        let next = self.newest.map(|n| i64::from(n) + 1);
        let oldest = self.open.keys().next().map(|id| i64::from(*id));
        let floor = self.floor.map(i64::from);
        match (oldest.or(next), floor) {
            (Some(o), Some(f)) => Some(o.max(f)),
            (o, f) => o.or(f),
        }
    }

    /// Whether updates being handled hold the offset back.
    fn holding(&self) -> bool {
        self.offset() != self.newest.map(|n| i64::from(n) + 1)
    }

    /// Moves the offset past updates that held it too long or hid too many behind them.
    fn release_stuck(&mut self) {
        let Some(newest) = self.newest else { return };
        let floor = self.floor.unwrap_or(0);
        let stuck = self.open.iter().find(|(id, _)| **id >= floor);
        let Some((oldest, since)) = stuck.map(|(id, t)| (*id, *t)) else {
            return;
        };
        if newest.saturating_sub(oldest) >= HOLD_WINDOW || since.elapsed() >= MAX_HOLD {
            let released = self.open.range(floor..=newest).count();
            self.floor = Some(newest + 1);
            metrics::count(
                &metrics::COUNTERS.updates_released,
                "updates confirmed before they were handled",
            );
            log::warn!(
                "{released} update(s) confirmed to Telegram before they were handled (a long backlog); they are still being handled"
            );
        }
    }
}

/// The polling loop and the chats' queues.
pub struct Intake {
    bot: Bot,
    api: Api,
    content: Arc<Content>,
    handlers: super::Handlers,
    chats: Mutex<HashMap<i64, ChatQueue>>,
    ledger: Mutex<Ledger>,
    /// An update was handled or dropped.
    settled: Notify,
    stopping: flag::Flag,
}

/// A one-way flag that tasks can wait on.
mod flag {
    use std::sync::atomic::{AtomicBool, Ordering};
    use tokio::sync::Notify;

    #[derive(Default)]
    pub struct Flag {
        set: AtomicBool,
        notify: Notify,
    }

    impl Flag {
        pub fn set(&self) {
            self.set.store(true, Ordering::SeqCst);
            self.notify.notify_waiters();
        }
        pub fn is_set(&self) -> bool {
            self.set.load(Ordering::SeqCst)
        }
        pub async fn wait(&self) {
            loop {
                let notified = self.notify.notified();
                if self.is_set() {
                    return;
                }
                notified.await;
            }
        }
    }
}

impl Intake {
    pub fn new(
        bot: Bot,
        api: Api,
        storage: Arc<ChatStorage>,
        check_ins: super::CheckInStore,
        content: Arc<Content>,
    ) -> Arc<Self> {
        Arc::new(Intake {
            bot,
            api: api.clone(),
            content: content.clone(),
            handlers: super::Handlers {
                api,
                storage,
                check_ins,
                content,
            },
            chats: Mutex::new(HashMap::new()),
            ledger: Mutex::new(Ledger::default()),
            settled: Notify::new(),
            stopping: Default::default(),
        })
    }

    /// Asks the loop to stop: no more fetching; the updates being handled are finished.
    pub fn stop(&self) {
        self.stopping.set();
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn chats(&self) -> std::sync::MutexGuard<'_, HashMap<i64, ChatQueue>> {
        self.chats.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Polls until [`Intake::stop`], then finishes what is being handled and confirms it.
    pub async fn run(self: Arc<Self>) {
        let mut errors = 0u32;
        while !self.stopping.is_set() {
            let offset = {
                let mut l = self.ledger();
                l.release_stuck();
                l.offset()
            };
            let request = RawGetUpdates {
                offset,
                limit: 100,
                timeout: POLL_TIMEOUT,
                allowed_updates: ALLOWED,
            };
            let batch = tokio::select! {
                r = self.poll(&request) => r,
                _ = self.stopping.wait() => break,
            };
            match batch {
                Ok(_) => {
                    errors = 0;
                    // Updates still being handled hold the offset back, and Telegram would
                    // send them all again at once: wait until they are handled (the next
                    // poll then confirms them and waits for new ones), or [`HOLD_PAUSE`], so
                    // that new updates wait little and a slow chat holds up no one.
                    let deadline = tokio::time::Instant::now() + HOLD_PAUSE;
                    loop {
                        let settled = self.settled.notified();
                        let mut settled = std::pin::pin!(settled);
                        settled.as_mut().enable();
                        if !self.ledger().holding() || self.stopping.is_set() {
                            break;
                        }
                        if tokio::time::timeout_at(deadline, settled).await.is_err() {
                            break;
                        }
                    }
                }
                Err(e) => {
                    errors += 1;
                    let delay =
                        Duration::from_millis(250) * 2u32.saturating_pow(errors.min(7)).min(120);
                    let delay = match &e {
                        Failure::Telegram {
                            retry_after: Some(secs),
                            ..
                        } => Duration::from_secs(*secs),
                        _ => delay,
                    };
                    let delay = delay.min(Duration::from_secs(60));
                    log::warn!(
                        "getUpdates failed ({e}); trying again in {} ms",
                        delay.as_millis()
                    );
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = self.stopping.wait() => break,
                    }
                }
            }
        }
        self.finish().await;
    }

    /// Waits (a bounded time) for the updates being handled, then confirms what was handled.
    async fn finish(&self) {
        let deadline = tokio::time::Instant::now() + STOP_GRACE;
        loop {
            let settled = self.settled.notified();
            let busy = self.chats().values().any(|c| c.running);
            if !busy {
                break;
            }
            if tokio::time::timeout_at(deadline, settled).await.is_err() {
                log::warn!(
                    "stopping with updates still being handled; Telegram will send them again"
                );
                break;
            }
        }
        let offset = self.ledger().offset();
        if let Some(offset) = offset {
            let confirm = RawGetUpdates {
                offset: Some(offset),
                limit: 1,
                timeout: 0,
                allowed_updates: ALLOWED,
            };
            if let Err(e) = self.fetch(&confirm).await {
                log::warn!(
                    "confirming the handled updates failed ({e}); Telegram will send them again"
                );
            }
        }
    }

    /// Calls `getUpdates`; the body of Telegram's answer, as received (not copied).
    async fn fetch(&self, request: &RawGetUpdates) -> Result<impl AsRef<[u8]> + use<>, Failure> {
        let mut url = self.bot.api_url();
        url.path_segments_mut()
            .map_err(|_| Failure::Network)?
            .push(&format!("bot{}", self.bot.token()))
            .push("getUpdates");
        let body = serde_json::to_vec(request).map_err(|_| Failure::Unreadable)?;
        // Errors are not shown: they name the URL, which holds the token.
        let response = self
            .bot
            .client()
            .post(url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|_| Failure::Network)?;
        response.bytes().await.map_err(|_| Failure::Network)
    }

    /// One `getUpdates`; (updates received, of which new).
    async fn poll(self: &Arc<Self>, request: &RawGetUpdates) -> Result<(usize, usize), Failure> {
        let body = self.fetch(request).await?;
        let answer: Answer<'_> =
            serde_json::from_slice(body.as_ref()).map_err(|_| Failure::Unreadable)?;
        if !answer.ok {
            return Err(Failure::Telegram {
                code: answer.error_code,
                retry_after: answer.parameters.and_then(|p| p.retry_after),
            });
        }
        let received = answer.result.len();
        Ok((received, self.accept_batch(&answer.result)))
    }

    /// Takes the new updates of a batch; returns how many were new.
    fn accept_batch(self: &Arc<Self>, values: &[&RawValue]) -> usize {
        let mut fresh = 0;
        for value in values {
            let id = {
                let mut l = self.ledger();
                // Without a readable id: Telegram numbers updates one after another.
                let id = raw_update_id(value).or_else(|| l.newest.map(|n| n + 1));
                let Some(id) = id else {
                    log::warn!("an update without a readable id was skipped");
                    continue;
                };
                if l.newest.is_some_and(|n| id <= n) {
                    continue; // Already accepted: Telegram sends it until it is confirmed.
                }
                l.newest = Some(id);
                id
            };
            fresh += 1;
            match receive_raw(value) {
                Received::Malformed { kind, from, .. } => {
                    metrics::count(
                        &metrics::COUNTERS.updates_malformed,
                        "malformed update skipped",
                    );
                    log::warn!("update {id} ({kind}) does not parse; skipped");
                    if let Some(from) = from {
                        let (api, content) = (self.api.clone(), self.content.clone());
                        tokio::spawn(async move { answer_unreadable(&api, &content, from).await });
                    }
                }
                Received::Update(mut update) => {
                    update.id = UpdateId(id);
                    self.accept(*update);
                }
            }
        }
        self.settled.notify_waiters();
        fresh
    }

    /// Puts an update in its chat's queue, or drops it when the queue is full.
    fn accept(self: &Arc<Self>, update: Update) {
        let id = update.id.0;
        let key = update
            .chat()
            .map(|c| c.id.0)
            .or_else(|| update.from().map(|u| u.id.0 as i64))
            .unwrap_or(0);
        let mut chats = self.chats();
        let chat = chats.entry(key).or_default();
        // Only an update that would wait can be dropped: those are checked for an emergency
        // here (the others go through emergency detection first in the engine).
        let emergency = chat.running && self.is_emergency(&update);
        let full = chat.running && chat.queue.len() >= QUEUE;
        // A typed emergency is dropped only when another is already first in the queue.
        let coalesced = emergency && chat.queue.front().is_some_and(|u| self.is_emergency(u));
        if full && (!emergency || coalesced) {
            let notify = !chat.told;
            chat.told = true;
            drop(chats);
            self.drop_update(update, notify);
            return;
        }
        self.ledger().open.insert(id, Instant::now());
        if emergency {
            // Before everything else this chat has waiting: after other emergencies only.
            let at = chat
                .queue
                .iter()
                .position(|u| !self.is_emergency(u))
                .unwrap_or(chat.queue.len());
            chat.queue.insert(at, update);
        } else {
            chat.queue.push_back(update);
        }
        if !chat.running {
            chat.running = true;
            let me = self.clone();
            tokio::spawn(async move { me.work(key).await });
        }
    }

    /// Whether an update is text that reports an emergency, in any language the bot has.
    fn is_emergency(&self, update: &Update) -> bool {
        let UpdateKind::Message(m) = &update.kind else {
            return false;
        };
        let Some(text) = m.text() else { return false };
        !text.starts_with('/') && self.content.detector().detect(text).is_emergency()
    }

    /// A chat sends faster than it can be answered: the update is dropped (a button press is
    /// still acknowledged), and the first time the chat is told.
    fn drop_update(self: &Arc<Self>, update: Update, notify: bool) {
        metrics::count(
            &metrics::COUNTERS.updates_dropped,
            "update dropped: its chat sends too fast",
        );
        let api = self.api.clone();
        let content = self.content.clone();
        tokio::spawn(async move {
            match &update.kind {
                UpdateKind::CallbackQuery(q) => {
                    if let Err(e) = api.answer(q.id.clone(), None).await {
                        log::debug!(
                            "acknowledging a dropped press failed: {}",
                            super::describe(&e)
                        );
                    }
                }
                UpdateKind::Message(m) if notify && m.chat.is_private() => {
                    let lang = m
                        .from
                        .as_ref()
                        .and_then(|u| u.language_code.as_deref())
                        .and_then(|l| l.split(['-', '_']).next())
                        .unwrap_or("en");
                    let t = content.texts(lang);
                    if let Err(e) = api.send_text(m.chat.id, t.get("telegram.too_fast")).await {
                        log::debug!(
                            "telling a chat to slow down failed: {}",
                            super::describe(&e)
                        );
                    }
                }
                _ => {}
            }
        });
    }

    /// Handles a chat's updates one at a time, in order, until its queue is empty.
    async fn work(self: Arc<Self>, key: i64) {
        loop {
            let next = {
                let mut chats = self.chats();
                let Some(chat) = chats.get_mut(&key) else {
                    return;
                };
                match chat.queue.pop_front() {
                    Some(u) if !self.stopping.is_set() => Some(u),
                    _ => {
                        chat.running = false;
                        if chat.queue.is_empty() {
                            chats.remove(&key);
                        }
                        None
                    }
                }
            };
            let Some(update) = next else {
                self.settled.notify_waiters();
                return;
            };
            let id = update.id.0;
            if self.handle(update).await {
                self.ledger().open.remove(&id);
            }
            self.settled.notify_waiters();
        }
    }

    /// Runs the handlers on one update, trying again after transient failures. True when
    /// the update is settled (handled, or failed for good); false when it is left for
    /// Telegram to send again (the bot is stopping).
    async fn handle(&self, update: Update) -> bool {
        let mut attempt = 0;
        loop {
            match self.handlers.dispatch(&update).await {
                Ok(true) => return true,
                Ok(false) => {
                    log::debug!("ignored update {} of an unhandled kind", update.id.0);
                    return true;
                }
                Err(e) => {
                    metrics::count(&metrics::COUNTERS.api_errors, "update failed");
                    let transient = e
                        .downcast_ref::<teloxide::RequestError>()
                        .is_some_and(|re| super::api::retry_delay(re, 0).is_some());
                    let what = super::describe_error(e.as_ref());
                    if !transient {
                        log::error!("update {} not handled: {what}", update.id.0);
                        return true;
                    }
                    if self.stopping.is_set() {
                        log::error!(
                            "update {} not handled: {what}; Telegram will send it again",
                            update.id.0
                        );
                        return false;
                    }
                    if attempt >= HANDLER_RETRIES {
                        log::error!(
                            "update {} not handled after {} tries: {what}; given up",
                            update.id.0,
                            attempt + 1
                        );
                        return true;
                    }
                    let delay = HANDLER_BACKOFF * 2u32.pow(attempt);
                    log::warn!(
                        "update {} not handled: {what}; trying again in {} s",
                        update.id.0,
                        delay.as_secs()
                    );
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = self.stopping.wait() => return false,
                    }
                    attempt += 1;
                }
            }
        }
    }
}
