//! The few Bot API calls the handlers make, behind one small type, so the rate limiter can be
//! switched on or off at run time without making every handler generic (teloxide's erased
//! requester is not `Send`). It is also the one place where calls could be retried.

use teloxide::RequestError;
use teloxide::adaptors::Throttle;
use teloxide::payloads::{
    AnswerCallbackQuerySetters, AnswerInlineQuerySetters, EditMessageReplyMarkupSetters,
    EditMessageTextSetters, SendDocumentSetters, SendMessageSetters,
};
use teloxide::prelude::*;
use teloxide::types::{CallbackQueryId, InlineKeyboardMarkup, MessageId, ParseMode};
use teloxide::types::{InlineQueryId, InlineQueryResult, InputFile};

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
            Ok(r.await?.id)
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
            let mut r = b.send_message(chat, text.clone());
            if let Some(k) = keyboard.clone() {
                r = r.reply_markup(k);
            }
            Ok(r.await?.id)
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
        with_bot!(self, b => Ok(b
            .send_document(chat, InputFile::memory(bytes.clone()).file_name(name.to_string()))
            .caption(caption.to_string())
            .await?
            .id))
    }

    /// Answers an inline query for this user only, never cached.
    pub async fn answer_inline_personal(
        &self,
        id: InlineQueryId,
        results: Vec<InlineQueryResult>,
    ) -> Result<(), RequestError> {
        with_bot!(self, b => b
            .answer_inline_query(id.clone(), results.clone())
            .is_personal(true)
            .cache_time(0)
            .await
            .map(|_| ()))
    }

    /// Sends plain text (no parse mode: nothing to escape).
    pub async fn send_text(&self, chat: ChatId, text: &str) -> Result<MessageId, RequestError> {
        with_bot!(self, b => Ok(b.send_message(chat, text.to_string()).await?.id))
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
            r.await.map(|_| ())
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
        with_bot!(self, b => b
            .edit_message_reply_markup(chat, message)
            .reply_markup(InlineKeyboardMarkup::default())
            .await
            .map(|_| ()))
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
                r = r.text(n.to_string());
            }
            r.await.map(|_| ())
        })
    }
}
