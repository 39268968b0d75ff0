//! The baseline of the load benchmark: a bare teloxide bot on the same transport, with no
//! storage and no logic. Any message gets a reply with one inline button; a press is answered
//! and the message edited. Built as `echo-bench`; used only by `cargo bench --bench load`.

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

fn keyboard() -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("press", "x")]])
}

#[tokio::main]
async fn main() {
    let token = std::env::var("TELOXIDE_TOKEN").expect("TELOXIDE_TOKEN");
    let mut bot = Bot::new(token);
    if let Ok(url) = std::env::var("TELOXIDE_API_URL") {
        bot = bot.set_api_url(url.parse().expect("a URL"));
    }
    let handler = dptree::entry()
        .branch(
            Update::filter_message().endpoint(|bot: Bot, msg: Message| async move {
                bot.send_message(msg.chat.id, "echo")
                    .reply_markup(keyboard())
                    .await?;
                respond(())
            }),
        )
        .branch(Update::filter_callback_query().endpoint(
            |bot: Bot, q: CallbackQuery| async move {
                bot.answer_callback_query(q.id.clone()).await?;
                if let Some(m) = q.regular_message() {
                    bot.edit_message_text(m.chat.id, m.id, format!("pressed {}", q.id.0))
                        .reply_markup(keyboard())
                        .await?;
                }
                respond(())
            },
        ));
    Dispatcher::builder(bot, handler)
        .default_handler(|_| async {})
        .enable_ctrlc_handler()
        .build()
        .dispatch()
        .await;
}
