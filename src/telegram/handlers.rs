//! The dispatch of updates and its small handlers. Each turns one update into one engine step,
//! sends the replies, and saves the new state.
//!
//! ```text
//! user:  /start
//! bot:   Call your local emergency number now if any of these is happening: …
//!        [Start the check] [💬 Ask a question] [🚨 Emergency help]
//! user:  <Start the check>            → consent, edited in place
//! user:  <I agree>                    → "Step 1 of 16 — Are you suddenly short of breath…?"
//! user:  <Yes>
//! bot:   Call 999 now for an ambulance. Do not drive yourself. …  [📋 Copy 999]
//!        [I tapped that by mistake] [↺ Start over]
//! ```

use super::HandlerResult;
use super::api::Api;
use super::errors::{describe, gone};
use super::render::{MAX_MESSAGE, Outgoing, Press, render};
use crate::core::Content;
use crate::core::commands::Command;
use crate::core::engine::{
    Action, Effect, Engine, Input, Kind, Locate, Reply, State, Turn as Step,
};
use crate::storage::checkins::{CheckIn, CheckIns, now_ms};
use crate::storage::{ChatState, ChatStorage};
use std::sync::Arc;
use std::time::SystemTime;
use teloxide::dispatching::dialogue::Dialogue;
use teloxide::prelude::*;
use teloxide::types::{
    ButtonRequest, ChatId, InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResult,
    InlineQueryResultArticle, InputMessageContent, InputMessageContentText, KeyboardButton,
    KeyboardMarkup, KeyboardRemove, Location, MessageId, ReplyMarkup, UpdateKind,
};

type ChatDialogue = Dialogue<ChatState, ChatStorage>;

/// What the handlers work with besides the update; made once.
#[derive(Clone)]
pub struct Handlers {
    pub api: Api,
    pub storage: Arc<ChatStorage>,
    pub check_ins: CheckInStore,
    pub content: Arc<Content>,
}

impl Handlers {
    /// Hands an update to its handler; `Ok(false)` when the bot serves no update of its kind.
    ///
    /// A plain `match` on the kind, the update borrowed: no handler tree to copy the update
    /// and its message out of for every step of the way. Dialogues are made here rather than
    /// with teloxide's `enter_dialogue`, which loads the state first and silently drops the
    /// update when the storage fails: the handlers load it themselves and tell the user.
    pub async fn dispatch(
        &self,
        update: &Update,
    ) -> Result<bool, Box<dyn std::error::Error + Send + Sync>> {
        let (bot, content, id) = (&self.api, &*self.content, update.id.0);
        match &update.kind {
            UpdateKind::InlineQuery(q) => on_inline_query(bot, q, &self.storage, content).await?,
            UpdateKind::Message(msg) if msg.chat.is_private() => {
                let d = ChatDialogue::new(self.storage.clone(), msg.chat.id);
                let handled = if msg.text().is_some() {
                    on_text(bot, &d, msg, id, content, &self.check_ins).await
                } else if shared_place(msg).is_some() {
                    on_location(bot, &d, msg, id, content).await
                } else {
                    on_other_message(bot, &d, msg, id, content).await
                };
                unless_gone(handled, &d).await?
            }
            UpdateKind::Message(msg) => on_group_message(bot, msg, content).await?,
            UpdateKind::CallbackQuery(q) => match q.regular_message() {
                Some(m) if m.chat.is_private() => {
                    let d = ChatDialogue::new(self.storage.clone(), m.chat.id);
                    let handled = on_button(bot, &d, q, m, id, content, &self.check_ins).await;
                    unless_gone(handled, &d).await?
                }
                _ => on_foreign_button(bot, q).await?,
            },
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The check-ins of the storage, as the handlers get them.
#[derive(Clone)]
pub struct CheckInStore(pub Arc<dyn CheckIns>);

/// Everything a handler needs besides the update.
struct Turn<'a> {
    bot: &'a Api,
    content: &'a Content,
    chat: ChatId,
    /// Where check-ins are kept; `None` where none can be asked for (groups).
    check_ins: Option<&'a CheckInStore>,
}

impl<'a> Turn<'a> {
    fn new(bot: &'a Api, content: &'a Content, chat: ChatId) -> Self {
        Turn {
            bot,
            content,
            chat,
            check_ins: None,
        }
    }

    fn with_check_ins(mut self, check_ins: &'a CheckInStore) -> Self {
        self.check_ins = Some(check_ins);
        self
    }
}

/// The language the user's Telegram app is set to.
fn app_language(msg: &Message) -> Option<&str> {
    msg.from.as_ref().and_then(|u| u.language_code.as_deref())
}

impl Turn<'_> {
    /// The engine at this moment: the clock goes in, the date of a report comes out.
    fn engine(&self) -> Engine<'_> {
        Engine::new(self.content, SystemTime::now())
    }

    /// Sends the replies as new messages; returns the id of the last message with options.
    async fn send(
        &self,
        state: &ChatState,
        replies: &[Reply],
    ) -> Result<Option<MessageId>, teloxide::RequestError> {
        let mut keyboard_message = None;
        // Reply keyboards (sharing a location) exist in private chats only.
        let private = self.chat.is_user();
        for (i, reply) in replies.iter().enumerate() {
            let last = i + 1 == replies.len();
            let outgoing = self.outgoing(state, reply, last);
            let count = outgoing.len();
            for (j, out) in outgoing.into_iter().enumerate() {
                let has_keyboard = out.keyboard.is_some() && !reply.options.is_empty();
                let withdraw = private
                    && reply.locate == Some(Locate::Withdraw)
                    && reply.options.is_empty()
                    && j + 1 == count;
                let sent = if withdraw {
                    // The country is set: the location button goes. A message carries one
                    // markup, so this one gives up its copy button (the number is in its text).
                    let remove = ReplyMarkup::KeyboardRemove(KeyboardRemove::new());
                    self.bot
                        .send_html_markup(self.chat, out.html, remove)
                        .await?
                } else {
                    self.send_one(out).await?
                };
                if has_keyboard {
                    keyboard_message = Some(sent);
                }
            }
            if private && reply.locate == Some(Locate::Offer) {
                self.offer_location(state).await?;
            }
        }
        Ok(keyboard_message)
    }

    /// The button that shares the person's location, under the typing field (an inline
    /// keyboard cannot ask for a location), with a short message saying what it is for.
    async fn offer_location(&self, state: &ChatState) -> Result<(), teloxide::RequestError> {
        let t = self.content.texts(&state.engine.prefs.lang);
        let button =
            KeyboardButton::new(t.get("telegram.share_location")).request(ButtonRequest::Location);
        let keyboard = KeyboardMarkup::new(vec![vec![button]])
            .resize_keyboard()
            .one_time_keyboard();
        let html = teloxide::utils::html::escape(t.get("telegram.location_hint"));
        self.bot
            .send_html_markup(self.chat, html, ReplyMarkup::Keyboard(keyboard))
            .await?;
        Ok(())
    }

    async fn send_one(&self, out: Outgoing) -> Result<MessageId, teloxide::RequestError> {
        self.bot.send_html(self.chat, out.html, out.keyboard).await
    }

    /// The messages for one reply: the reply carries its key and progress.
    fn outgoing(&self, state: &ChatState, reply: &Reply, last: bool) -> Vec<Outgoing> {
        render(reply, last, self.content.texts(&state.engine.prefs.lang))
    }

    /// Edits `message` in place to show `reply`; false when it cannot be done in one message.
    async fn edit(
        &self,
        state: &ChatState,
        message: MessageId,
        reply: &Reply,
    ) -> Result<bool, teloxide::RequestError> {
        let out = self.outgoing(state, reply, true);
        let Ok([one]) = <[Outgoing; 1]>::try_from(out) else {
            return Ok(false);
        };
        self.bot
            .edit_html(self.chat, message, one.html, one.keyboard)
            .await?;
        Ok(true)
    }

    /// Takes the buttons off an earlier question so they cannot be pressed again by mistake.
    async fn clear_keyboard(&self, message: MessageId) {
        if let Err(e) = self.bot.clear_keyboard(self.chat, message).await {
            log::debug!("could not clear an old keyboard: {}", describe(&e));
        }
    }
}

/// The state for an update, or `None` when the update needs no more work: it was applied
/// already (a redelivery), the stored state could not be read (the user is told), or the
/// stored state no longer loads (the user gets an apology and the welcome).
async fn begin(
    turn: &Turn<'_>,
    dialogue: &ChatDialogue,
    update: u32,
    language: Option<&str>,
) -> Result<Option<ChatState>, teloxide::RequestError> {
    let mut state = match dialogue.get().await {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => {
            super::metrics::count(
                &super::metrics::COUNTERS.storage_errors,
                "storage read failed",
            );
            log::error!("reading a conversation failed: {e}");
            let t = turn.content.texts("en");
            turn.bot
                .send_text(turn.chat, t.get("telegram.error"))
                .await?;
            return Ok(None);
        }
    };
    if state.last_update.is_some_and(|last| update <= last) {
        super::metrics::COUNTERS
            .updates_repeated
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        log::info!("update {update} was applied already; skipped");
        return Ok(None);
    }
    super::locale::apply(&mut state.engine.prefs, language, turn.content);
    if state.reset {
        log::info!("a stored conversation no longer loads; starting it again");
        let mut fresh = ChatState {
            engine: State {
                prefs: state.engine.prefs.clone(),
                ..State::default()
            },
            ..ChatState::default()
        };
        let t = turn.content.texts(&fresh.engine.prefs.lang);
        let mut replies = vec![info(t.get("telegram.reset"))];
        replies.extend(turn.engine().step(&mut fresh.engine, Input::Start));
        finish(turn, dialogue, fresh, update, &replies).await?;
        return Ok(None);
    }
    Ok(Some(state))
}

/// One engine step, counted for safety monitoring.
fn step(turn: &Turn<'_>, state: &mut ChatState, input: Input) -> Step {
    let before = super::metrics::Before::of(&state.engine);
    let step = turn.engine().turn(&mut state.engine, input);
    let t = turn.content.texts(&state.engine.prefs.lang);
    super::metrics::record(&before, &state.engine, &step.replies, t);
    step
}

/// A user who blocked the bot: stop sending and delete their conversation.
async fn unless_gone(result: HandlerResult, dialogue: &ChatDialogue) -> HandlerResult {
    match result {
        Err(e) if gone(e.as_ref()) => {
            super::metrics::count(
                &super::metrics::COUNTERS.blocked_users,
                "user blocked the bot; conversation deleted",
            );
            if let Err(e) = dialogue.exit().await {
                log::error!("deleting the conversation of a user who blocked the bot failed: {e}");
            }
            Ok(())
        }
        other => other,
    }
}

/// Sends the replies, then saves the state with the update marked as applied. In that
/// order: a crash in between repeats a reply (at-least-once) but never advances twice.
async fn finish(
    turn: &Turn<'_>,
    dialogue: &ChatDialogue,
    mut state: ChatState,
    update: u32,
    replies: &[Reply],
) -> Result<(), teloxide::RequestError> {
    if let Some(k) = turn.send(&state, replies).await? {
        state.keyboard = Some(k.0);
    }
    save(turn, dialogue, state, update).await
}

async fn save(
    turn: &Turn<'_>,
    dialogue: &ChatDialogue,
    mut state: ChatState,
    update: u32,
) -> Result<(), teloxide::RequestError> {
    state.last_update = Some(update);
    if let Err(e) = dialogue.update(state).await {
        super::metrics::count(
            &super::metrics::COUNTERS.storage_errors,
            "storage write failed",
        );
        log::error!("saving a conversation failed: {e}");
        let t = turn.content.texts("en");
        turn.bot
            .send_text(turn.chat, t.get("telegram.error"))
            .await?;
    }
    Ok(())
}

/// Text and commands in a private chat: one engine step.
async fn on_text(
    bot: &Api,
    dialogue: &ChatDialogue,
    msg: &Message,
    update: u32,
    content: &Content,
    check_ins: &CheckInStore,
) -> HandlerResult {
    let turn = Turn::new(bot, content, msg.chat.id).with_check_ins(check_ins);
    let Some(mut state) = begin(&turn, dialogue, update, app_language(msg)).await? else {
        return Ok(());
    };
    let text = msg.text().unwrap_or_default();
    if text.chars().count() > MAX_MESSAGE {
        // Telegram never sends more than 4096 characters; anything longer is not a person.
        let t = content.texts(&state.engine.prefs.lang);
        bot.send_text(msg.chat.id, t.get("telegram.too_long"))
            .await?;
        return Ok(save(&turn, dialogue, state, update).await?);
    }
    let input = match Command::parse(text) {
        Some(cmd) => Input::Command(cmd),
        None => Input::Text(text.to_string()),
    };
    let step = step(&turn, &mut state, input);
    conclude(&turn, dialogue, state, update, step).await
}

/// After a step: what its effect asks for, then the replies, then the state saved. A report
/// goes out as plain text with its share button and the FHIR document.
async fn conclude(
    turn: &Turn<'_>,
    dialogue: &ChatDialogue,
    mut state: ChatState,
    update: u32,
    mut step: Step,
) -> HandlerResult {
    match step.effect {
        Some(Effect::Forget) => return forget(turn, state, dialogue, &step.replies).await,
        Some(Effect::ScheduleCheckIn { due_in, level }) => {
            let c = CheckIn {
                chat: turn.chat.0,
                due: now_ms().saturating_add(due_in.as_millis() as i64),
                level,
                lang: state.engine.prefs.lang.clone(),
                country: state.engine.prefs.country.clone(),
            };
            let kept = match turn.check_ins {
                Some(store) => store.0.schedule(c).await.map_err(|e| e.to_string()),
                None => Err("no check-in storage".into()),
            };
            if let Err(e) = kept {
                // Not kept: the person is told, and may press again.
                log::error!("keeping a check-in failed: {e}");
                state.engine.check.check_in = false;
                let t = turn.content.texts(&state.engine.prefs.lang);
                step.replies = vec![Reply::new(Kind::Error, t.get("telegram.error"))];
            } else {
                super::metrics::count(
                    &super::metrics::COUNTERS.check_ins_scheduled,
                    "check-in scheduled",
                );
            }
        }
        Some(Effect::CancelCheckIns) => {
            if let Some(store) = turn.check_ins
                && let Err(e) = store.0.cancel(turn.chat.0).await
            {
                log::error!("cancelling a check-in failed: {e}");
                let t = turn.content.texts(&state.engine.prefs.lang);
                step.replies = vec![Reply::new(Kind::Error, t.get("telegram.error"))];
            }
        }
        Some(Effect::Rejected) | None => {}
    }
    if let Some(report) = step.replies.iter().find(|r| r.kind == Kind::Report) {
        send_report(turn, report, &state.engine.prefs.lang).await?;
        save(turn, dialogue, state, update).await?;
        return Ok(());
    }
    finish(turn, dialogue, state, update, &step.replies).await?;
    Ok(())
}

/// /forget: everything stored about the user goes, state and preferences at once; then the
/// confirmation (which says the chat history itself stays in Telegram). Nothing is saved.
async fn forget(
    turn: &Turn<'_>,
    state: ChatState,
    dialogue: &ChatDialogue,
    replies: &[Reply],
) -> HandlerResult {
    if let Err(e) = dialogue.exit().await {
        log::error!("forgetting a conversation failed: {e}");
        let t = turn.content.texts(&state.engine.prefs.lang);
        turn.bot
            .send_text(turn.chat, t.get("telegram.error"))
            .await?;
        return Ok(());
    }
    turn.send(&state, replies).await?;
    Ok(())
}

/// The place a message shares: a location, or a venue's location.
fn shared_place(msg: &Message) -> Option<&Location> {
    msg.venue().map(|v| &v.location).or_else(|| msg.location())
}

/// A shared location or venue (a live location's first position; its later positions come
/// as edits, which are not handled): the country it lies in, worked out here, goes to the
/// engine. The coordinates go no further: not into the state, the storage or the logs.
async fn on_location(
    bot: &Api,
    dialogue: &ChatDialogue,
    msg: &Message,
    update: u32,
    content: &Content,
) -> HandlerResult {
    let turn = Turn::new(bot, content, msg.chat.id);
    let Some(mut state) = begin(&turn, dialogue, update, app_language(msg)).await? else {
        return Ok(());
    };
    let input = match shared_place(msg)
        .map(|l| crate::core::location::country_at(l.latitude, l.longitude))
    {
        Some(Ok(country)) => Input::Location {
            country: country.map(str::to_string),
        },
        _ => Input::BadLocation,
    };
    let step = step(&turn, &mut state, input);
    conclude(&turn, dialogue, state, update, step).await
}

/// Stickers, photos, voice…: say what the bot can read, then the question again.
async fn on_other_message(
    bot: &Api,
    dialogue: &ChatDialogue,
    msg: &Message,
    update: u32,
    content: &Content,
) -> HandlerResult {
    let turn = Turn::new(bot, content, msg.chat.id);
    let Some(mut state) = begin(&turn, dialogue, update, app_language(msg)).await? else {
        return Ok(());
    };
    let t = content.texts(&state.engine.prefs.lang);
    let mut replies = vec![info(t.get("telegram.non_text"))];
    replies.extend(turn.engine().step(&mut state.engine, Input::Show));
    finish(&turn, dialogue, state, update, &replies).await?;
    Ok(())
}

/// In groups, health questions are not asked: commands get a pointer to a private chat, and
/// /emergency the emergency advice. Other messages are left alone.
async fn on_group_message(bot: &Api, msg: &Message, content: &Content) -> HandlerResult {
    let Some(cmd) = msg.text().and_then(Command::parse) else {
        return Ok(());
    };
    let t = content.texts("en");
    if cmd == Command::Emergency {
        let turn = Turn::new(bot, content, msg.chat.id);
        let mut scratch = ChatState::default();
        let replies: Vec<Reply> = turn
            .engine()
            .step(&mut scratch.engine, Input::Command(Command::Emergency))
            .into_iter()
            .filter(|r| r.kind == Kind::Emergency)
            .collect();
        turn.send(&scratch, &replies).await?;
    } else {
        bot.send_text(msg.chat.id, t.get("telegram.group")).await?;
    }
    Ok(())
}

/// A button press in a private chat, on `message`.
async fn on_button(
    bot: &Api,
    dialogue: &ChatDialogue,
    q: &CallbackQuery,
    message: &Message,
    update: u32,
    content: &Content,
    check_ins: &CheckInStore,
) -> HandlerResult {
    let turn = Turn::new(bot, content, message.chat.id).with_check_ins(check_ins);
    let pressed_on = message.id;
    let Some(mut state) = begin(&turn, dialogue, update, q.from.language_code.as_deref()).await?
    else {
        // Already applied (or reset): only make sure the spinner stops.
        if let Err(e) = bot.answer(q.id.clone(), None).await {
            log::debug!("acknowledging a repeated press failed: {}", describe(&e));
        }
        return Ok(());
    };
    let t = content.texts(&state.engine.prefs.lang);
    let press = q.data.as_deref().and_then(Press::decode);
    let answered = matches!(press, Some(Press::Option { .. } | Press::Done { .. }));
    let input = match press {
        Some(Press::Command(cmd)) => Input::Command(cmd),
        Some(Press::Option { key, index }) => Input::Press { key, index },
        Some(Press::Done { key }) => Input::Submit { key },
        // Forged or from another version: a press on no screen, which the engine rejects.
        None => Input::Submit { key: String::new() },
    };
    // "Check on me later" leaves the outcome and its buttons as they are.
    let offer = match &input {
        Input::Press { key, index } => {
            let e = turn.engine();
            e.key(&state.engine).as_ref() == Some(key)
                && e.options(&state.engine).get(*index).map(|o| o.action) == Some(Action::CheckIn)
        }
        _ => false,
    };
    let step = step(&turn, &mut state, input);
    if step.effect == Some(Effect::Rejected) {
        // Stale or forged: a short explanation, then the screen shown now.
        bot.answer(q.id.clone(), Some(t.get("telegram.stale")))
            .await?;
        if let Some(old) = state.keyboard.filter(|k| *k != pressed_on.0) {
            turn.clear_keyboard(MessageId(old)).await;
        }
        finish(&turn, dialogue, state, update, &step.replies).await?;
        return Ok(());
    }
    bot.answer(q.id.clone(), None).await?;
    // The next question (or a toggled list) replaces the one pressed, to keep the chat short;
    // results and errors arrive as new messages.
    let replies = &step.replies;
    let in_place = answered
        && step.effect.is_none()
        && matches!(replies.as_slice(), [r] if matches!(r.kind, Kind::Question | Kind::Info) && !r.options.is_empty());
    if in_place && turn.edit(&state, pressed_on, &replies[0]).await? {
        state.keyboard = Some(pressed_on.0);
        save(&turn, dialogue, state, update).await?;
        return Ok(());
    }
    if answered && !offer {
        turn.clear_keyboard(pressed_on).await;
    }
    conclude(&turn, dialogue, state, update, step).await
}

/// A button on a message that is not in a private chat (or has no message): acknowledged.
async fn on_foreign_button(bot: &Api, q: &CallbackQuery) -> HandlerResult {
    bot.answer(q.id.clone(), None).await?;
    Ok(())
}

/// The report as plain text (it must read the same when forwarded) with the share button,
/// then the FHIR document.
async fn send_report(
    turn: &Turn<'_>,
    report: &Reply,
    lang: &str,
) -> Result<(), teloxide::RequestError> {
    let t = turn.content.texts(lang);
    let share = InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::switch_inline_query(
        t.get("telegram.share"),
        SHARE_QUERY,
    )]]);
    turn.bot
        .send_plain(turn.chat, report.text(), Some(share))
        .await?;
    if let Some(fhir) = &report.fhir {
        let bytes = serde_json::to_vec_pretty(fhir).unwrap_or_default();
        turn.bot
            .send_document(
                turn.chat,
                "clotcheck-summary-fhir.json",
                bytes,
                t.get("telegram.fhir_caption"),
            )
            .await?;
    }
    Ok(())
}

/// What the share button types after the bot's name in the chosen chat.
pub const SHARE_QUERY: &str = "summary";

/// Inline mode: the user's own latest summary, for them alone (`is_personal`, never cached).
/// Inline queries carry no chat: the state is read by the user's id, which is their private
/// chat's id.
async fn on_inline_query(
    bot: &Api,
    q: &InlineQuery,
    storage: &Arc<ChatStorage>,
    content: &Content,
) -> HandlerResult {
    let app_lang = super::locale::language(q.from.language_code.as_deref());
    let state = storage
        .clone()
        .get_dialogue(ChatId(q.from.id.0 as i64))
        .await
        .ok()
        .flatten()
        .filter(|s| !s.reset);
    let engine = Engine::new(content, SystemTime::now());
    let summary = state.as_ref().and_then(|s| engine.summary(&s.engine));
    let t = content.texts(
        state
            .as_ref()
            .filter(|_| summary.is_some())
            .map(|s| s.engine.prefs.lang.as_str())
            .unwrap_or(app_lang),
    );
    let article = match summary {
        Some(r) => InlineQueryResultArticle::new(
            "summary",
            t.get("telegram.share_title"),
            InputMessageContent::Text(InputMessageContentText::new(r.text)),
        )
        .description(t.get("telegram.share_description")),
        None => InlineQueryResultArticle::new(
            "nothing",
            t.get("telegram.share_nothing_title"),
            InputMessageContent::Text(InputMessageContentText::new(
                t.get("telegram.share_nothing"),
            )),
        ),
    };
    bot.answer_inline_personal(q.id.clone(), vec![InlineQueryResult::Article(article)])
        .await?;
    Ok(())
}

/// Why a check-in was not delivered.
pub enum Undelivered {
    /// The user blocked the bot: their conversation and check-in were deleted.
    Gone,
    /// Try again later (the Bot API unreachable or failing, the storage failing).
    Later(String),
    /// The Bot API refused it for good (a chat that no longer exists…): dropped, not retried.
    Refused(String),
}

/// Sends a due check-in into its chat: the conversation is read (or started afresh in the
/// check-in's language and country when it expired), the engine asks how the leg is now, the
/// question is sent and the state saved, so that its buttons work. Nothing is sent when two
/// check-ins in a row went unanswered.
pub async fn deliver_check_in(
    bot: &Api,
    storage: &Arc<ChatStorage>,
    content: &Content,
    c: &CheckIn,
) -> Result<(), Undelivered> {
    let turn = Turn::new(bot, content, ChatId(c.chat));
    let dialogue = ChatDialogue::new(storage.clone(), turn.chat);
    let mut state = dialogue
        .get()
        .await
        .map_err(|e| Undelivered::Later(e.to_string()))?
        .unwrap_or_default();
    if state.reset {
        state = ChatState {
            engine: State {
                prefs: state.engine.prefs.clone(),
                ..State::default()
            },
            ..ChatState::default()
        };
    }
    let prefs = &mut state.engine.prefs;
    if !prefs.lang_chosen && content.languages.contains_key(&c.lang) {
        prefs.lang = c.lang.clone();
    }
    if prefs.country.is_none() && c.country.is_some() {
        // As it was when the check-in was asked for; not a new preference.
        prefs.country = c.country.clone();
        prefs.country_guessed = true;
    }
    let step = turn
        .engine()
        .turn(&mut state.engine, Input::CheckInDue(c.level));
    if step.replies.is_empty() {
        return Ok(());
    }
    match turn.send(&state, &step.replies).await {
        Ok(Some(k)) => state.keyboard = Some(k.0),
        Ok(None) => {}
        Err(e) if gone(&e) => {
            super::metrics::count(
                &super::metrics::COUNTERS.blocked_users,
                "user blocked the bot; conversation and check-in deleted",
            );
            if let Err(e) = dialogue.exit().await {
                log::error!("deleting the conversation of a user who blocked the bot failed: {e}");
            }
            return Err(Undelivered::Gone);
        }
        Err(e @ teloxide::RequestError::Api(_)) => return Err(Undelivered::Refused(describe(&e))),
        Err(e) => return Err(Undelivered::Later(describe(&e))),
    }
    let keyboard = state.keyboard;
    for _ in 0..3 {
        let Err(e) = dialogue.update(state).await else {
            return Ok(());
        };
        let conflict = matches!(
            e.downcast_ref::<crate::storage::StorageError>(),
            Some(crate::storage::StorageError::Conflict)
        );
        if !conflict {
            // Sent: its buttons may then be answered as stale; it is not sent again.
            log::warn!("saving a conversation after its check-in failed: {e}");
            return Ok(());
        }
        // An update of the chat was saved in between: the check-in over what it left.
        state = match dialogue.get().await {
            Ok(s) => s.unwrap_or_default(),
            Err(e) => {
                log::warn!("reading a conversation after its check-in failed: {e}");
                return Ok(());
            }
        };
        turn.engine()
            .turn(&mut state.engine, Input::CheckInDue(c.level));
        state.keyboard = keyboard;
    }
    log::warn!("a conversation kept changing while its check-in was saved; not saved");
    Ok(())
}

fn info(text: &str) -> Reply {
    Reply::new(Kind::Info, text)
}
