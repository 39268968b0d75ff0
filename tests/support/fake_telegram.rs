//! A local fake of the Telegram Bot API, enough for clotcheck: long polling, messages, edits,
//! callback answers, the set-up calls. It records every call, keeps a model of each chat's
//! messages, and lets a test play users (texts, button presses, stickers, photos, groups).
//! The real binary talks to it through `TELOXIDE_API_URL`.
//!
//! Shared by the integration tests and the load benchmark (included with `#[path]`).

#![allow(dead_code)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// The bot's own user id, as `getMe` reports it.
pub const BOT_ID: i64 = 4_242;

/// One recorded Bot API call.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub body: Value,
    /// The token in the URL, to check the bot used the one it was given.
    pub token: String,
}

impl Call {
    pub fn chat(&self) -> Option<i64> {
        self.body["chat_id"].as_i64()
    }

    pub fn text(&self) -> &str {
        self.body["text"].as_str().unwrap_or("")
    }

    /// The callback buttons of the call's keyboard, as (label, data).
    pub fn buttons(&self) -> Vec<(String, String)> {
        buttons(&self.body["reply_markup"])
    }

    pub fn has_callback_buttons(&self) -> bool {
        !self.buttons().is_empty()
    }
}

/// (label, callback data) of every callback button in a reply markup.
pub fn buttons(markup: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for row in markup["inline_keyboard"].as_array().into_iter().flatten() {
        for b in row.as_array().into_iter().flatten() {
            if let Some(data) = b["callback_data"].as_str() {
                out.push((
                    b["text"].as_str().unwrap_or("").to_string(),
                    data.to_string(),
                ));
            }
        }
    }
    out
}

/// The buttons of a reply keyboard (under the typing field), as (label, whether it shares
/// the user's location).
pub fn reply_buttons(markup: &Value) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for row in markup["keyboard"].as_array().into_iter().flatten() {
        for b in row.as_array().into_iter().flatten() {
            // A button is an object, or (older form) just its text.
            let label = b["text"].as_str().or(b.as_str()).unwrap_or("");
            out.push((label.to_string(), b["request_location"] == true));
        }
    }
    out
}

/// A message the bot has in a chat, with edits applied.
#[derive(Debug, Clone)]
pub struct BotMessage {
    pub id: i64,
    pub text: String,
    pub markup: Value,
}

/// A fault to inject into the next calls of a method.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// 429 Too Many Requests with `retry_after` seconds.
    RetryAfter(u64),
    /// A server error with Telegram's JSON body (error_code 500). Sent with HTTP status 200:
    /// teloxide sleeps 10 s after any HTTP 5xx before reporting it, which would only slow
    /// the tests; `BadGateway` uses a real 502.
    ServerError,
    /// A proxy's error page: 502 with an HTML body.
    BadGateway,
    /// The connection is dropped with no response (a reset, or a timeout's end).
    Reset,
    /// 403: the user blocked the bot.
    Blocked,
    /// 200 with a body that is not JSON (a captive portal, a broken proxy).
    Garbage,
    /// The call is answered normally, but only after this many milliseconds.
    Delay(u64),
}

#[derive(Default)]
struct World {
    /// `getUpdates` calls answered (they are not recorded in `calls`).
    polls: usize,
    /// Faults to inject, per method name, consumed in order.
    faults: HashMap<String, Vec<Fault>>,
    /// Updates not yet acknowledged by an offset.
    queue: Vec<Value>,
    /// Every update ever pushed, by id, for redelivery.
    sent: HashMap<i64, Value>,
    /// Updates to deliver again whatever the offset: Telegram repeating an update whose
    /// confirmation it never got.
    redeliver: Vec<Value>,
    next_update: i64,
    next_message: i64,
    calls: Vec<Call>,
    chats: HashMap<i64, Vec<BotMessage>>,
    /// Telegram's `language_code` per user (default "en").
    languages: HashMap<i64, String>,
    /// When the first getUpdates arrived (start-up measurements).
    first_poll: Option<std::time::Instant>,
    /// Per chat: how many messages with buttons the bot has sent or edited (cheap waiting
    /// for many users at once).
    keyboards: HashMap<i64, usize>,
    /// When each update was handed to the bot, by update id.
    delivered: HashMap<i64, std::time::Instant>,
}

struct Inner {
    world: Mutex<World>,
    updates: Notify,
    calls: Notify,
}

pub struct FakeTelegram {
    pub url: String,
    inner: Arc<Inner>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeTelegram {
    /// Starts the server on a free local port.
    pub async fn start() -> FakeTelegram {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener)
    }

    /// Starts the server on `port` (a Bot API that comes up after the bot).
    pub async fn start_on(port: u16) -> FakeTelegram {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        Self::serve(listener)
    }

    fn serve(listener: tokio::net::TcpListener) -> FakeTelegram {
        let inner = Arc::new(Inner {
            world: Mutex::new(World {
                next_update: 1,
                next_message: 1,
                ..World::default()
            }),
            updates: Notify::new(),
            calls: Notify::new(),
        });
        let app = Router::new()
            .route("/{bot}/{method}", post(handle))
            .with_state(inner.clone());
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeTelegram { url, inner, server }
    }

    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.inner.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues an update (its `update_id` is assigned here) and returns the id.
    pub fn push(&self, mut update: Value) -> i64 {
        let id = {
            let mut w = self.world();
            let id = w.next_update;
            w.next_update += 1;
            update["update_id"] = json!(id);
            w.sent.insert(id, update.clone());
            w.queue.push(update);
            id
        };
        self.inner.updates.notify_waiters();
        id
    }

    /// Queues an update whose `update_id` is a string ("17"), as a Bot API that breaks its
    /// format might send; no library can read it as an update. Returns the id.
    pub fn push_malformed(&self, mut update: Value) -> i64 {
        let id = {
            let mut w = self.world();
            let id = w.next_update;
            w.next_update += 1;
            update["update_id"] = json!(id.to_string());
            w.sent.insert(id, update.clone());
            w.queue.push(update);
            id
        };
        self.inner.updates.notify_waiters();
        id
    }

    /// No more injected faults.
    pub fn clear_faults(&self) {
        self.world().faults.clear();
    }

    /// The next `count` calls of `method` fail with `fault`.
    pub fn fail(&self, method: &str, fault: Fault, count: usize) {
        let mut w = self.world();
        let list = w.faults.entry(method.to_string()).or_default();
        list.extend(std::iter::repeat_n(fault, count));
    }

    /// How many calls of `method` were made (faulty ones included).
    pub fn count(&self, method: &str) -> usize {
        self.world()
            .calls
            .iter()
            .filter(|c| c.method == method)
            .count()
    }

    /// How many `getUpdates` calls the bot made.
    pub fn polls(&self) -> usize {
        self.world().polls
    }

    /// When the bot first polled for updates.
    pub fn first_poll(&self) -> Option<std::time::Instant> {
        self.world().first_poll
    }

    /// When update `id` was handed to the bot.
    pub fn delivered_at(&self, id: i64) -> Option<std::time::Instant> {
        self.world().delivered.get(&id).copied()
    }

    /// How many messages with buttons the bot has sent or edited in `chat`.
    pub fn keyboards(&self, chat: i64) -> usize {
        self.world().keyboards.get(&chat).copied().unwrap_or(0)
    }

    /// Waits until the bot has sent or edited more than `seen` messages with buttons in
    /// `chat`; returns the new count. O(1) per wake-up, for load tests with many users.
    pub async fn wait_keyboards(&self, chat: i64, seen: usize) -> usize {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let notified = self.inner.calls.notified();
            let now = self.keyboards(chat);
            if now > seen {
                return now;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("timed out waiting for chat {chat}");
            }
        }
    }

    /// Forgets recorded calls (long load runs).
    pub fn clear_calls(&self) {
        self.world().calls.clear();
    }

    /// Delivers update `id` once more, whatever offset the bot has confirmed.
    pub fn redeliver(&self, id: i64) {
        {
            let mut w = self.world();
            let update = w.sent.get(&id).cloned().expect("an update that was sent");
            w.redeliver.push(update);
        }
        self.inner.updates.notify_waiters();
    }

    /// The id of the newest update pushed.
    pub fn last_update_id(&self) -> i64 {
        self.world().next_update - 1
    }

    pub fn calls(&self) -> Vec<Call> {
        self.world().calls.clone()
    }

    pub fn call_count(&self) -> usize {
        self.world().calls.len()
    }

    /// The bot's messages in a chat, oldest first, with edits applied.
    pub fn messages(&self, chat: i64) -> Vec<BotMessage> {
        self.world().chats.get(&chat).cloned().unwrap_or_default()
    }

    /// The newest message in the chat that has callback buttons.
    pub fn keyboard_message(&self, chat: i64) -> Option<BotMessage> {
        self.messages(chat)
            .into_iter()
            .rev()
            .find(|m| !buttons(&m.markup).is_empty())
    }

    /// Waits until the calls made after the first `since` satisfy `done`; returns them.
    pub async fn wait_for(&self, since: usize, done: impl Fn(&[Call]) -> bool) -> Vec<Call> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let notified = self.inner.calls.notified();
            {
                let w = self.world();
                let new = &w.calls[since.min(w.calls.len())..];
                if done(new) {
                    return new.to_vec();
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let w = self.world();
                let new: Vec<String> = w.calls[since.min(w.calls.len())..]
                    .iter()
                    .map(|c| format!("{} {}", c.method, c.body))
                    .collect();
                panic!("timed out waiting for the bot; calls since: {new:#?}");
            }
        }
    }

    /// Waits until the bot has called `method` at least once after `since`.
    pub async fn wait_method(&self, since: usize, method: &str) -> Vec<Call> {
        self.wait_for(since, |calls| calls.iter().any(|c| c.method == method))
            .await
    }

    /// Waits for the bot's answer to an action in `chat` that ends with a keyboard (a question,
    /// an outcome, an emergency): the calls up to and including the one with buttons.
    pub async fn wait_keyboard(&self, since: usize, chat: i64) -> Vec<Call> {
        self.wait_for(since, |calls| {
            calls.iter().any(|c| {
                c.chat() == Some(chat)
                    && matches!(c.method.as_str(), "sendMessage" | "editMessageText")
                    && c.has_callback_buttons()
            })
        })
        .await
    }

    // ---- users ----------------------------------------------------------------------------

    /// Sets the `language_code` Telegram reports for a user ("en-AU", "de").
    pub fn set_language(&self, user: i64, code: &str) {
        self.world().languages.insert(user, code.to_string());
    }

    fn user(&self, id: i64) -> Value {
        let mut u = user(id);
        if let Some(code) = self.world().languages.get(&id) {
            u["language_code"] = json!(code);
        }
        u
    }

    fn private_message(&self, chat: i64) -> Value {
        let mut m = private_message(chat);
        m["from"] = self.user(chat);
        m
    }

    /// A text message from a private chat (chat id = user id).
    pub fn text(&self, chat: i64, text: &str) -> i64 {
        let update = self.text_update(chat, text);
        self.push(update)
    }

    /// The update of a text message, not queued (webhook tests post it themselves).
    pub fn text_update(&self, chat: i64, text: &str) -> Value {
        let mut message = self.private_message(chat);
        message["text"] = json!(text);
        mark_command(&mut message, text);
        json!({ "message": message })
    }

    /// Gives an update its id (and records it) without queueing it.
    pub fn stamp(&self, mut update: Value) -> Value {
        let mut w = self.world();
        let id = w.next_update;
        w.next_update += 1;
        update["update_id"] = json!(id);
        w.sent.insert(id, update.clone());
        update
    }

    /// A press on a button of the bot's message `message_id`.
    pub fn press(&self, chat: i64, message_id: i64, data: &str) -> i64 {
        let update = self.press_update(chat, message_id, data);
        self.push(update)
    }

    /// The update of a button press, not queued.
    pub fn press_update(&self, chat: i64, message_id: i64, data: &str) -> Value {
        let text = self
            .messages(chat)
            .into_iter()
            .find(|m| m.id == message_id)
            .map(|m| m.text)
            .unwrap_or_default();
        let id = self.world().next_update;
        json!({
            "callback_query": {
                "id": format!("cq{id}"),
                "from": self.user(chat),
                "message": {
                    "message_id": message_id,
                    "date": 1_700_000_000,
                    "chat": private_chat(chat),
                    "from": bot_user(),
                    "text": text,
                },
                "chat_instance": format!("ci{chat}"),
                "data": data,
            }
        })
    }

    /// An inline query from `user` (typed after the bot's name in any chat).
    pub fn inline_query(&self, user: i64, query: &str) -> i64 {
        let id = self.world().next_update;
        let from = self.user(user);
        self.push(json!({
            "inline_query": { "id": format!("iq{id}"), "from": from, "query": query, "offset": "" }
        }))
    }

    pub fn sticker(&self, chat: i64) -> i64 {
        let mut message = self.private_message(chat);
        message["sticker"] = json!({
            "file_id": "sticker1", "file_unique_id": "s1", "type": "regular",
            "width": 512, "height": 512, "is_animated": false, "is_video": false
        });
        self.push(json!({ "message": message }))
    }

    pub fn photo(&self, chat: i64) -> i64 {
        let mut message = self.private_message(chat);
        message["photo"] =
            json!([{ "file_id": "photo1", "file_unique_id": "p1", "width": 90, "height": 90 }]);
        self.push(json!({ "message": message }))
    }

    /// A location shared from a private chat (the attachment menu, or a `request_location`
    /// button).
    pub fn location(&self, chat: i64, latitude: f64, longitude: f64) -> i64 {
        let mut message = self.private_message(chat);
        message["location"] = json!({ "latitude": latitude, "longitude": longitude });
        self.push(json!({ "message": message }))
    }

    /// A live location's first message (`live_period` in seconds); returns the message's
    /// update id. Its later positions come with [`FakeTelegram::live_location_moved`].
    pub fn live_location(&self, chat: i64, latitude: f64, longitude: f64, period: u32) -> i64 {
        let mut message = self.private_message(chat);
        message["message_id"] = json!(900);
        message["location"] = json!({
            "latitude": latitude, "longitude": longitude,
            "horizontal_accuracy": 12.5, "live_period": period, "heading": 90
        });
        self.push(json!({ "message": message }))
    }

    /// A live location moving: Telegram sends it as an `edited_message` of the first one.
    pub fn live_location_moved(&self, chat: i64, latitude: f64, longitude: f64) -> i64 {
        let mut message = self.private_message(chat);
        message["message_id"] = json!(900);
        message["edit_date"] = json!(1_700_000_060);
        message["location"] = json!({
            "latitude": latitude, "longitude": longitude,
            "horizontal_accuracy": 8.0, "live_period": 900, "heading": 180
        });
        self.push(json!({ "edited_message": message }))
    }

    /// A venue (a place chosen from a list): for backward compatibility Telegram sets the
    /// message's `location` too.
    pub fn venue(&self, chat: i64, latitude: f64, longitude: f64, title: &str) -> i64 {
        let mut message = self.private_message(chat);
        let location = json!({ "latitude": latitude, "longitude": longitude });
        message["venue"] =
            json!({ "location": location, "title": title, "address": "Somewhere 1" });
        message["location"] = location;
        self.push(json!({ "message": message }))
    }

    /// A location message in a group chat.
    pub fn group_location(&self, group: i64, from: i64, latitude: f64, longitude: f64) -> i64 {
        self.push(json!({ "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": { "id": group, "type": "group", "title": "Family" },
            "from": user(from),
            "location": { "latitude": latitude, "longitude": longitude },
        }}))
    }

    /// A text message in a group chat `group` (negative id) from user `from`.
    pub fn group_text(&self, group: i64, from: i64, text: &str) -> i64 {
        let mut message = json!({
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": { "id": group, "type": "group", "title": "Family" },
            "from": user(from),
            "text": text,
        });
        mark_command(&mut message, text);
        self.push(json!({ "message": message }))
    }
}

/// Marks a text that starts with `/` as Telegram does, with a `bot_command` entity over the
/// first word (its length in UTF-16 units): private and group messages alike need it for the
/// bot to see a command.
fn mark_command(message: &mut Value, text: &str) {
    if text.starts_with('/') {
        let len = text
            .split_whitespace()
            .next()
            .unwrap_or("")
            .encode_utf16()
            .count();
        message["entities"] = json!([{"type": "bot_command", "offset": 0, "length": len}]);
    }
}

pub fn user(id: i64) -> Value {
    json!({ "id": id, "is_bot": false, "first_name": "Alex", "last_name": "Private", "username": "alex_private", "language_code": "en" })
}

fn bot_user() -> Value {
    json!({ "id": BOT_ID, "is_bot": true, "first_name": "clotcheck", "username": "clotcheck_bot" })
}

fn private_chat(id: i64) -> Value {
    json!({ "id": id, "type": "private", "first_name": "Alex", "last_name": "Private", "username": "alex_private" })
}

fn private_message(chat: i64) -> Value {
    json!({
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": private_chat(chat),
        "from": user(chat),
    })
}

/// Method names are case-insensitive; teloxide sends "SendMessage". Recorded as the docs
/// spell them ("sendMessage").
fn ok(result: Value) -> axum::Json<Value> {
    axum::Json(json!({ "ok": true, "result": result }))
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    Path((bot, method)): Path<(String, String)>,
    body: Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut method = method;
    if let Some(first) = method.get(..1) {
        method = first.to_ascii_lowercase() + &method[1..];
    }
    let fault = {
        let mut w = inner.world.lock().unwrap_or_else(|e| e.into_inner());
        w.faults
            .get_mut(&method)
            .and_then(|list| (!list.is_empty()).then(|| list.remove(0)))
    };
    if let Some(fault) = fault {
        {
            let mut w = inner.world.lock().unwrap_or_else(|e| e.into_inner());
            // Recorded as an attempt, not as a message the user saw.
            let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let body = json!({ "fault": format!("{fault:?}"), "request": request });
            w.calls.push(Call {
                method: method.clone(),
                body,
                token: String::new(),
            });
        }
        inner.calls.notify_waiters();
        let status = |code: u16| axum::http::StatusCode::from_u16(code).unwrap();
        if let Fault::Delay(ms) = fault {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            return handle_ok(inner, bot, method, body).await.into_response();
        }
        return match fault {
            Fault::RetryAfter(secs) => (status(429), axum::Json(json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after", "parameters": {"retry_after": secs}}))).into_response(),
            Fault::ServerError => (status(200), axum::Json(json!({"ok": false, "error_code": 500, "description": "Internal Server Error"}))).into_response(),
            Fault::BadGateway => (status(502), "<html><body>502 Bad Gateway</body></html>").into_response(),
            Fault::Delay(_) => unreachable!("answered above"),
            Fault::Garbage => (status(200), "<html><body>Please log in</body></html>").into_response(),
            Fault::Blocked => (status(403), axum::Json(json!({"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}))).into_response(),
            // Ends the connection with no response: the client sees a reset. (resume_unwind,
            // not panic!, so no panic message is printed.)
            Fault::Reset => std::panic::resume_unwind(Box::new("connection reset")),
        };
    }
    handle_ok(inner, bot, method, body).await.into_response()
}

async fn handle_ok(
    inner: Arc<Inner>,
    bot: String,
    method: String,
    body: Bytes,
) -> axum::Json<Value> {
    // JSON, or multipart for uploads (kept as text, with its chat id lifted out).
    let body: Value = serde_json::from_slice(&body).unwrap_or_else(|_| {
        let raw = String::from_utf8_lossy(&body).to_string();
        let chat = raw
            .split("name=\"chat_id\"")
            .nth(1)
            .and_then(|rest| rest.trim_start_matches(['\r', '\n']).lines().next())
            .and_then(|l| l.trim().parse::<i64>().ok());
        json!({ "chat_id": chat, "multipart": raw })
    });
    let token = bot.strip_prefix("bot").unwrap_or(&bot).to_string();
    if method == "getUpdates" {
        inner.world.lock().unwrap_or_else(|e| e.into_inner()).polls += 1;
        return ok(get_updates(&inner, &body).await);
    }
    let response = {
        let mut w = inner.world.lock().unwrap_or_else(|e| e.into_inner());
        w.calls.push(Call {
            method: method.clone(),
            body: body.clone(),
            token,
        });
        respond(&mut w, &method, &body)
    };
    inner.calls.notify_waiters();
    response
}

async fn get_updates(inner: &Inner, body: &Value) -> Value {
    let offset = body["offset"].as_i64().unwrap_or(0);
    let timeout = body["timeout"].as_u64().unwrap_or(0).min(5);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    loop {
        let notified = inner.updates.notified();
        {
            let mut w = inner.world.lock().unwrap_or_else(|e| e.into_inner());
            if w.first_poll.is_none() {
                w.first_poll = Some(std::time::Instant::now());
            }
            // An offset acknowledges every update before it.
            w.queue.retain(|u| update_id(u) >= offset);
            if !w.queue.is_empty() || !w.redeliver.is_empty() || timeout == 0 {
                let mut updates = std::mem::take(&mut w.redeliver);
                let mut queued = w.queue.clone();
                queued.sort_by_key(update_id);
                updates.extend(queued);
                let now = std::time::Instant::now();
                for u in &updates {
                    w.delivered.entry(update_id(u)).or_insert(now);
                }
                return json!(updates);
            }
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return json!([]);
        }
    }
}

/// An update's id, also when it was sent as a string.
fn update_id(u: &Value) -> i64 {
    match &u["update_id"] {
        Value::String(s) => s.parse().unwrap_or(0),
        v => v.as_i64().unwrap_or(0),
    }
}

fn respond(w: &mut World, method: &str, body: &Value) -> axum::Json<Value> {
    let chat = body["chat_id"].as_i64().unwrap_or(0);
    // Buttons that request something from the user are for private chats only (the Bot API
    // documents them so; the exact error text here is the fake's own).
    if chat < 0 && reply_buttons(&body["reply_markup"]).iter().any(|(_, l)| *l) {
        return axum::Json(
            json!({ "ok": false, "error_code": 400, "description": "Bad Request: a request_location button is available in private chats only" }),
        );
    }
    if matches!(method, "sendMessage" | "editMessageText")
        && !buttons(&body["reply_markup"]).is_empty()
    {
        *w.keyboards.entry(chat).or_default() += 1;
    }
    match method {
        "getMe" => ok(json!({
            "id": BOT_ID, "is_bot": true, "first_name": "clotcheck", "username": "clotcheck_bot",
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false,
            "has_main_web_app": false
        })),
        "getWebhookInfo" => {
            ok(json!({ "url": "", "has_custom_certificate": false, "pending_update_count": 0 }))
        }
        "deleteWebhook"
        | "setWebhook"
        | "setMyCommands"
        | "setMyDescription"
        | "setMyShortDescription"
        | "answerCallbackQuery"
        | "answerInlineQuery" => ok(json!(true)),
        "sendDocument" => {
            let id = w.next_message;
            w.next_message += 1;
            ok(message_json(chat, id, ""))
        }
        "sendMessage" => {
            let id = w.next_message;
            w.next_message += 1;
            let message = BotMessage {
                id,
                text: body["text"].as_str().unwrap_or("").to_string(),
                markup: body["reply_markup"].clone(),
            };
            w.chats.entry(chat).or_default().push(message);
            ok(message_json(chat, id, body["text"].as_str().unwrap_or("")))
        }
        "editMessageText" | "editMessageReplyMarkup" => {
            let id = body["message_id"].as_i64().unwrap_or(0);
            let Some(m) = w
                .chats
                .get_mut(&chat)
                .and_then(|ms| ms.iter_mut().find(|m| m.id == id))
            else {
                return axum::Json(
                    json!({ "ok": false, "error_code": 400, "description": "Bad Request: message to edit not found" }),
                );
            };
            if method == "editMessageText" {
                m.text = body["text"].as_str().unwrap_or("").to_string();
            }
            m.markup = body["reply_markup"].clone();
            let text = m.text.clone();
            ok(message_json(chat, id, &text))
        }
        _ => axum::Json(
            json!({ "ok": false, "error_code": 404, "description": "Not Found: method not found" }),
        ),
    }
}

fn message_json(chat: i64, id: i64, text: &str) -> Value {
    json!({
        "message_id": id,
        "date": 1_700_000_000,
        "chat": if chat < 0 { json!({ "id": chat, "type": "group", "title": "Family" }) } else { private_chat(chat) },
        "from": bot_user(),
        "text": text,
    })
}
