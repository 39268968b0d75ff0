//! The few Bot API calls the handlers make, behind one small type, so the rate limiter can be
//! switched on or off at run time without making every handler generic (teloxide's erased
//! requester is not `Send`).
//!
//! Every call goes through a bounded retry with backoff: 429 waits `retry_after`; server
//! errors, proxies' error pages, timeouts and dropped connections are tried again up to
//! [`RETRIES`] times. A request that timed out may have been delivered: a retry can repeat a
//! message (replies are at-least-once). Client errors (400, 403 blocked…) are not retried.
//! A request is built once and every try sends it by reference (`send_ref`): nothing of it
//! is copied per try.

use teloxide::RequestError;
use teloxide::adaptors::Throttle;
use teloxide::payloads::{
    AnswerCallbackQuerySetters, AnswerInlineQuerySetters, EditMessageReplyMarkupSetters,
    EditMessageTextSetters, SendDocumentSetters, SendMessageSetters,
};
use teloxide::prelude::*;
use teloxide::types::{CallbackQueryId, InlineKeyboardMarkup, MessageId, ParseMode};
use teloxide::types::{InlineQueryId, InlineQueryResult, InputFile, ReplyMarkup};

/// Retries after the first attempt.
pub const RETRIES: u32 = 4;
/// The first backoff; it doubles on each retry.
pub const BACKOFF: std::time::Duration = std::time::Duration::from_millis(100);
/// The longest `retry_after` honoured before giving up on a call.
pub const MAX_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// How long to wait before trying a failed call again, or `None` when it must not be.
pub fn retry_delay(e: &RequestError, attempt: u32) -> Option<std::time::Duration> {
    let backoff = BACKOFF * 2u32.saturating_pow(attempt);
    match e {
        RequestError::RetryAfter(s) => Some(s.duration()).filter(|d| *d <= MAX_RETRY_AFTER),
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            Some(backoff)
        }
        RequestError::Api(teloxide::ApiError::Unknown(description)) => {
            let client_error = ["Bad Request", "Forbidden", "Unauthorized", "Not Found"]
                .iter()
                .any(|p| description.starts_with(p));
            (!client_error).then_some(backoff)
        }
        _ => None,
    }
}

/// Runs `call` until it succeeds, fails for good, or the retries are spent.
async fn retried<T, F, Fut>(what: &'static str, mut call: F) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, RequestError>>,
{
    let mut attempt = 0;
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(e) => match retry_delay(&e, attempt).filter(|_| attempt < RETRIES) {
                Some(delay) => {
                    log::warn!(
                        "{what} failed ({}); retry {} in {} ms",
                        super::describe(&e),
                        attempt + 1,
                        delay.as_millis()
                    );
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                None => return Err(e),
            },
        }
    }
}

#[derive(Clone)]
pub enum Api {
    Plain(Bot),
    Throttled(Throttle<Bot>),
}

macro_rules! with_bot {
    ($api:expr, $b:ident => $body:expr) => {
        match $api {
            Api::Plain($b) => $body,
            Api::Throttled($b) => $body,
        }
    };
}

impl Api {
    /// Sends an HTML message; returns its id.
    pub async fn send_html(
        &self,
        chat: ChatId,
        html: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<MessageId, RequestError> {
        with_bot!(self, b => {
            let mut r = b.send_message(chat, html).parse_mode(ParseMode::Html);
            if let Some(k) = keyboard {
                r = r.reply_markup(k);
            }
            Ok(retried("sendMessage", || r.send_ref()).await?.id)
        })
    }

    /// Sends an HTML message with any reply markup (a reply keyboard, or its removal); returns
    /// its id.
    pub async fn send_html_markup(
        &self,
        chat: ChatId,
        html: String,
        markup: ReplyMarkup,
    ) -> Result<MessageId, RequestError> {
        with_bot!(self, b => {
            let r = b
                .send_message(chat, html)
                .parse_mode(ParseMode::Html)
                .reply_markup(markup);
            Ok(retried("sendMessage", || r.send_ref()).await?.id)
        })
    }

    /// Sends plain text with a keyboard (a report: it must read the same when forwarded).
    pub async fn send_plain(
        &self,
        chat: ChatId,
        text: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<MessageId, RequestError> {
        with_bot!(self, b => {
            let mut r = b.send_message(chat, text);
            if let Some(k) = keyboard {
                r = r.reply_markup(k);
            }
            Ok(retried("sendMessage", || r.send_ref()).await?.id)
        })
    }

    /// Sends a file made in memory.
    pub async fn send_document(
        &self,
        chat: ChatId,
        name: &str,
        bytes: Vec<u8>,
        caption: &str,
    ) -> Result<MessageId, RequestError> {
        retried("sendDocument", || async {
            with_bot!(self, b => Ok(b
                .send_document(chat, InputFile::memory(bytes.clone()).file_name(name.to_string()))
                .caption(caption.to_string())
                .await?
                .id))
        })
        .await
    }

    /// Answers an inline query for this user only, never cached.
    pub async fn answer_inline_personal(
        &self,
        id: InlineQueryId,
        results: Vec<InlineQueryResult>,
    ) -> Result<(), RequestError> {
        with_bot!(self, b => {
            let r = b
                .answer_inline_query(id, results)
                .is_personal(true)
                .cache_time(0);
            retried("answerInlineQuery", || r.send_ref()).await.map(|_| ())
        })
    }

    /// Sends plain text (no parse mode: nothing to escape).
    pub async fn send_text(&self, chat: ChatId, text: &str) -> Result<MessageId, RequestError> {
        with_bot!(self, b => {
            let r = b.send_message(chat, text);
            Ok(retried("sendMessage", || r.send_ref()).await?.id)
        })
    }

    /// Replaces a message's text and keyboard. An edit that changes nothing is not an error.
    pub async fn edit_html(
        &self,
        chat: ChatId,
        message: MessageId,
        html: String,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<(), RequestError> {
        let result = with_bot!(self, b => {
            let mut r = b.edit_message_text(chat, message, html).parse_mode(ParseMode::Html);
            if let Some(k) = keyboard {
                r = r.reply_markup(k);
            }
            retried("editMessageText", || r.send_ref()).await.map(|_| ())
        });
        match result {
            Err(RequestError::Api(teloxide::ApiError::MessageNotModified)) => Ok(()),
            other => other,
        }
    }

    /// Takes the buttons off a message.
    pub async fn clear_keyboard(
        &self,
        chat: ChatId,
        message: MessageId,
    ) -> Result<(), RequestError> {
        with_bot!(self, b => {
            let r = b
                .edit_message_reply_markup(chat, message)
                .reply_markup(InlineKeyboardMarkup::default());
            retried("editMessageReplyMarkup", || r.send_ref()).await.map(|_| ())
        })
    }

    /// Answers a button press, with a short notice when there is something to say.
    pub async fn answer(
        &self,
        id: CallbackQueryId,
        notice: Option<&str>,
    ) -> Result<(), RequestError> {
        with_bot!(self, b => {
            let mut r = b.answer_callback_query(id);
            if let Some(n) = notice {
                r = r.text(n);
            }
            retried("answerCallbackQuery", || r.send_ref()).await.map(|_| ())
        })
    }
}
