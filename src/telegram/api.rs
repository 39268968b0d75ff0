//! The few Bot API calls the handlers make, behind one small type, so the rate limiter can be
//! switched on or off at run time without making every handler generic (teloxide's erased
//! requester is not `Send`). It is also the one place where calls could be retried.

use teloxide::RequestError;
use teloxide::adaptors::Throttle;
use teloxide::payloads::{
    AnswerCallbackQuerySetters, EditMessageReplyMarkupSetters, EditMessageTextSetters,
    SendMessageSetters,
};
use teloxide::prelude::*;
use teloxide::types::{CallbackQueryId, InlineKeyboardMarkup, MessageId, ParseMode};

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
