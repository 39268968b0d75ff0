//! The Telegram front end (`clotcheck run`): a thin translation of the engine's replies into
//! chat messages, with one dispatch (a `match` on the update's kind, [`Handlers::dispatch`])
//! fed by the bot's own polling loop ([`polling`]) or webhook route ([`webhook`]).
//!
//! Privacy: nothing a user typed or answered is logged, at any level, and never the token.
//! teloxide's dispatcher (whose default handler logs whole updates, and which logs the raw JSON
//! of updates it cannot parse) is not used, and its logs are switched off in `main.rs`.

pub mod api;
pub mod checkins;
mod errors;
mod handlers;
pub mod locale;
pub mod metrics;
pub mod polling;
pub mod render;
pub mod startup;
pub mod webhook;

use crate::core::Content;
use crate::storage::{Expiry, StorageUrl};
use api::Api;
use std::sync::Arc;
use teloxide::adaptors::throttle::Limits;
use teloxide::prelude::*;
use teloxide::types::BotCommand;

pub use errors::{describe, describe_error};
pub use handlers::{CheckInStore, Handlers};

pub type HandlerResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// How `run` is configured.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Telegram's rate limits through teloxide's `Throttle`, with this instance's messages per
    /// second in all (30, Telegram's limit per bot, or a share of it when several instances
    /// run); `None` (off) only against a local fake.
    pub rate_limit: Option<u32>,
    pub storage: StorageUrl,
    pub expiry: Expiry,
    /// Webhook mode instead of long polling.
    pub webhook: Option<WebhookSettings>,
    /// Where to serve the counters (`/metrics`); not served when `None`.
    pub metrics: Option<std::net::SocketAddr>,
}

/// Webhook mode.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// The public URL Telegram posts to; its path is the route served.
    pub url: url::Url,
    pub listen: std::net::SocketAddr,
    /// From `CLOTCHECK_WEBHOOK_SECRET`; never logged.
    pub secret: String,
    /// Call `setWebhook` at start.
    pub set_webhook: bool,
}

/// The bot for `token`, on the Bot API server in `TELOXIDE_API_URL` when set (teloxide's
/// convention; a local server for tests).
pub fn bot(token: String) -> Result<Bot, String> {
    let bot = Bot::new(token);
    match std::env::var("TELOXIDE_API_URL") {
        Ok(url) => match url.parse() {
            Ok(url) => Ok(bot.set_api_url(url)),
            Err(e) => Err(format!("TELOXIDE_API_URL is not a valid URL: {e}")),
        },
        Err(_) => Ok(bot),
    }
}

/// Registers the webhook with its secret (`clotcheck set-webhook`, `run --set-webhook`).
pub async fn set_webhook(bot: &Bot, url: url::Url, secret: &str) -> anyhow::Result<()> {
    use teloxide::payloads::SetWebhookSetters;
    bot.set_webhook(url)
        .secret_token(secret.to_string())
        .await
        .map_err(|e| anyhow::anyhow!("setWebhook failed: {}", describe(&e)))?;
    Ok(())
}

/// Runs the bot until SIGINT or SIGTERM.
///
/// Start-up never waits for what is optional and never panics: the calls the bot needs
/// (`getMe`, and the webhook check or registration) are tried until they answer, backing off,
/// with a log line each time; the commands and descriptions are registered in the background
/// with a few tries each, while the bot already serves.
pub async fn run(bot: Bot, content: Arc<Content>, settings: Settings) -> anyhow::Result<()> {
    let (storage, check_ins) =
        crate::storage::open_with_check_ins(&settings.storage, settings.expiry)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open the storage: {e}"))?;
    let api = match settings.rate_limit {
        // Telegram's published limits: about one message a second per chat, 20 a minute in
        // groups, 30 a second overall (per bot: shared by all its instances). Telegram sends
        // a chat's next update only after the previous one was answered, so one chat's replies
        // come from one instance at a time and the per-chat limits hold across instances.
        Some(overall) => {
            let limits = Limits {
                messages_per_sec_chat: 1,
                messages_per_min_chat: 20,
                messages_per_min_channel_or_supergroup: 20,
                messages_per_sec_overall: overall,
            };
            Api::Throttled(bot.clone().throttle(limits))
        }
        None => Api::Plain(bot.clone()),
    };
    let stop = startup::Stop::on_signals();
    if let Some(listen) = settings.metrics {
        webhook::serve_metrics(listen, stop.clone()).await?;
    }
    let Some(_) =
        startup::required("getMe", &stop, startup::token_refused, || bot.get_me()).await?
    else {
        return Ok(());
    };
    {
        let (bot, content) = (bot.clone(), content.clone());
        tokio::spawn(async move { announce(&bot, &content).await });
    }
    {
        let lease = open_lease(&settings.storage).await?;
        let scheduler = checkins::Scheduler {
            api: api.clone(),
            storage: storage.clone(),
            check_ins: check_ins.clone(),
            content: content.clone(),
            lease,
        };
        let stop = stop.clone();
        tokio::spawn(scheduler.run(stop));
    }
    let check_ins = handlers::CheckInStore(check_ins);
    if let Some(w) = settings.webhook {
        if w.set_webhook {
            use teloxide::payloads::SetWebhookSetters;
            let registered = startup::required("setWebhook", &stop, startup::client_error, || {
                bot.set_webhook(w.url.clone())
                    .secret_token(w.secret.clone())
            })
            .await?;
            if registered.is_none() {
                return Ok(());
            }
        }
        let lease = open_lease(&settings.storage).await?;
        return webhook::serve(
            api,
            storage,
            check_ins,
            content,
            lease,
            w.url.path(),
            w.listen,
            &w.secret,
            stop,
        )
        .await;
    }

    // Polling needs no webhook set: Telegram refuses getUpdates while one is.
    let Some(info) = startup::required(
        "getWebhookInfo",
        &stop,
        |_| false,
        || bot.get_webhook_info(),
    )
    .await?
    else {
        return Ok(());
    };
    if info.url.is_some() {
        log::info!("a webhook is registered; removing it to poll instead");
        if startup::required("deleteWebhook", &stop, |_| false, || bot.delete_webhook())
            .await?
            .is_none()
        {
            return Ok(());
        }
    }
    let intake = polling::Intake::new(bot, api, storage, check_ins, content);
    {
        let intake = intake.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            stop.wait().await;
            log::info!("stopping: finishing the updates being handled");
            intake.stop();
        });
    }
    log::info!("clotcheck is running");
    intake.run().await;
    log::info!("clotcheck stopped");
    Ok(())
}

/// Registers the commands and the descriptions (with the emergency line), in the background.
/// Each call is tried a few times; a failure is logged and does not stop the bot: answering
/// users matters more.
/// The chat leases, where conversations live in Redis (several instances may share it).
async fn open_lease(
    storage: &StorageUrl,
) -> anyhow::Result<Option<crate::storage::redis_store::Lease>> {
    Ok(match storage {
        StorageUrl::Redis(url) => Some(
            crate::storage::redis_store::Lease::open(url, "clotcheck")
                .await
                .map_err(|e| anyhow::anyhow!("cannot open the chat leases: {e}"))?,
        ),
        _ => None,
    })
}

async fn announce(bot: &Bot, content: &Content) {
    for (lang, t) in &content.languages {
        announce_in(bot, lang, t).await;
    }
}

/// Commands and descriptions in one language (English also as the default for all).
async fn announce_in(bot: &Bot, lang: &str, t: &crate::core::texts::Texts) {
    let code = (lang != "en").then(|| lang.to_string());
    let commands: Vec<BotCommand> = crate::core::commands::COMMANDS
        .iter()
        .filter(|e| e.menu)
        .map(|e| BotCommand::new(e.name, t.get(&e.command.text_key())))
        .collect();
    startup::optional("setMyCommands", || {
        let mut request = bot.set_my_commands(commands.clone());
        if let Some(c) = &code {
            request = request.language_code(c.clone());
        }
        request
    })
    .await;
    startup::optional("setMyDescription", || {
        let mut request = bot
            .set_my_description()
            .description(t.get("telegram.description"));
        if let Some(c) = &code {
            request = request.language_code(c.clone());
        }
        request
    })
    .await;
    startup::optional("setMyShortDescription", || {
        let mut request = bot
            .set_my_short_description()
            .short_description(t.get("telegram.short_description"));
        if let Some(c) = &code {
            request = request.language_code(c.clone());
        }
        request
    })
    .await;
}
