//! The Telegram front end (`clotcheck run`): a thin translation of the engine's replies into
//! chat messages, on teloxide's dispatcher with one dptree handler tree.
//!
//! Privacy: nothing a user typed or answered is logged, at any level, and never the token.
//! teloxide's default handler (which logs whole updates) is replaced, and its dispatcher's
//! log of updates it cannot parse (raw JSON) is switched off in `main.rs`.

pub mod api;
mod handlers;
pub mod metrics;
pub mod render;
pub mod webhook;

use crate::core::Content;
use crate::storage::{Expiry, StorageUrl};
use api::Api;
use std::sync::Arc;
use teloxide::adaptors::throttle::Limits;
use teloxide::prelude::*;
use teloxide::types::BotCommand;

pub use handlers::schema;

pub type HandlerResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// How `run` is configured.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Telegram's rate limits through teloxide's `Throttle`; off only against a local fake.
    pub rate_limit: bool,
    pub storage: StorageUrl,
    pub expiry: Expiry,
    /// Webhook mode instead of long polling.
    pub webhook: Option<WebhookSettings>,
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

/// Registers the webhook with its secret (`clotcheck set-webhook`, `run --set-webhook`).
pub async fn set_webhook(bot: &Bot, url: url::Url, secret: &str) -> anyhow::Result<()> {
    use teloxide::payloads::SetWebhookSetters;
    bot.set_webhook(url)
        .secret_token(secret.to_string())
        .await
        .map_err(|e| anyhow::anyhow!("setWebhook failed: {}", describe(&e)))?;
    Ok(())
}

/// The kind of a handler error, without user data.
pub fn describe_error(e: &(dyn std::error::Error + Send + Sync + 'static)) -> String {
    match e.downcast_ref::<teloxide::RequestError>() {
        Some(re) => describe(re),
        None => "storage or internal error".into(),
    }
}

/// A description of a request error that carries no user data: the kind of error only.
pub fn describe(e: &teloxide::RequestError) -> String {
    use teloxide::RequestError as E;
    match e {
        E::Api(api) => format!("Telegram API error: {api}"),
        E::MigrateToChatId(_) => "chat migrated".into(),
        E::RetryAfter(s) => format!("rate limited for {}s", s.seconds()),
        E::Network(_) => "network error".into(),
        E::InvalidJson { .. } => "invalid JSON in a Telegram response".into(),
        E::Io(_) => "I/O error".into(),
    }
}

/// Runs the bot until SIGINT or SIGTERM.
pub async fn run(bot: Bot, content: Arc<Content>, settings: Settings) -> anyhow::Result<()> {
    let storage = crate::storage::open(&settings.storage, settings.expiry)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the storage: {e}"))?;
    let api = if settings.rate_limit {
        // Telegram's published limits: about one message a second per chat, 20 a minute in
        // groups, 30 a second overall.
        let limits = Limits {
            messages_per_sec_chat: 1,
            messages_per_min_chat: 20,
            messages_per_min_channel_or_supergroup: 20,
            messages_per_sec_overall: 30,
        };
        Api::Throttled(bot.clone().throttle(limits))
    } else {
        Api::Plain(bot.clone())
    };
    announce(&bot, &content).await;
    if let Some(w) = settings.webhook {
        if w.set_webhook {
            set_webhook(&bot, w.url.clone(), &w.secret).await?;
        }
        let lease = match &settings.storage {
            StorageUrl::Redis(url) => Some(
                crate::storage::redis_store::Lease::open(url, "clotcheck")
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot open the chat leases: {e}"))?,
            ),
            _ => None,
        };
        return webhook::serve(
            api,
            storage,
            content,
            lease,
            w.url.path(),
            w.listen,
            &w.secret,
        )
        .await;
    }

    let error_handler = Arc::new(|e: Box<dyn std::error::Error + Send + Sync>| async move {
        metrics::count(&metrics::COUNTERS.api_errors, "update failed");
        match e.downcast_ref::<teloxide::RequestError>() {
            Some(re) => log::error!("update not handled: {}", describe(re)),
            None => log::error!("update not handled: storage or internal error"),
        }
    });
    // The dispatcher polls with the plain bot; replies go through `api`.
    let mut dispatcher = Dispatcher::builder(bot, schema())
        .dependencies(dptree::deps![content, storage, api])
        .default_handler(|upd| async move {
            log::debug!("ignored update {} of an unhandled kind", upd.id.0);
        })
        .error_handler(error_handler)
        .enable_ctrlc_handler()
        .build();

    let token = dispatcher.shutdown_token();
    tokio::spawn(async move {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            term.recv().await;
            log::info!("SIGTERM received, finishing the updates in flight");
            if let Ok(done) = token.shutdown() {
                done.await;
            }
        }
    });
    log::info!("clotcheck is running");
    dispatcher.dispatch().await;
    log::info!("clotcheck stopped");
    Ok(())
}

/// Registers the commands and the descriptions (with the emergency line). A failure here is
/// logged and does not stop the bot: answering users matters more.
async fn announce(bot: &Bot, content: &Content) {
    for (lang, t) in &content.languages {
        announce_in(bot, lang, t).await;
    }
}

/// Commands and descriptions in one language (English also as the default for all).
async fn announce_in(bot: &Bot, lang: &str, t: &crate::core::texts::Texts) {
    let code = (lang != "en").then(|| lang.to_string());
    let commands: Vec<BotCommand> = [
        "start",
        "check",
        "faq",
        "emergency",
        "report",
        "country",
        "language",
        "forget",
        "help",
    ]
    .iter()
    .map(|c| BotCommand::new(*c, t.get(&format!("telegram.command.{c}"))))
    .collect();
    let mut request = bot.set_my_commands(commands);
    if let Some(c) = &code {
        request = request.language_code(c.clone());
    }
    if let Err(e) = request.await {
        log::warn!("setMyCommands failed: {}", describe(&e));
    }
    let mut request = bot
        .set_my_description()
        .description(t.get("telegram.description"));
    if let Some(c) = &code {
        request = request.language_code(c.clone());
    }
    if let Err(e) = request.await {
        log::warn!("setMyDescription failed: {}", describe(&e));
    }
    let mut request = bot
        .set_my_short_description()
        .short_description(t.get("telegram.short_description"));
    if let Some(c) = &code {
        request = request.language_code(c.clone());
    }
    if let Err(e) = request.await {
        log::warn!("setMyShortDescription failed: {}", describe(&e));
    }
}
