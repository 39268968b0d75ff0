//! Webhook mode: the project's own axum router, which answers Telegram only *after* the
//! update is handled (teloxide's listener answers before, so a crash would lose an update
//! Telegram thinks delivered). Telegram sends a chat's next update only after the previous one
//! was answered, so answering after handling keeps each chat in order even across several
//! instances; a per-chat lease in Redis and the storage's compare-and-set guard retries and
//! slow instances.
//!
//! - `POST <path of the webhook URL>`: the secret (`X-Telegram-Bot-Api-Secret-Token`) is
//!   checked in constant time *before* the body is read; 401 otherwise.
//! - `GET /healthz`: 200 "ok". `GET /metrics`: the counters, no personal data.
//! - SIGTERM or SIGINT: stop accepting, finish the updates in flight, exit. `deleteWebhook`
//!   is never called: other instances keep serving.

use super::api::Api;
use super::metrics::COUNTERS;
use crate::core::Content;
use crate::storage::ChatStorage;
use crate::storage::redis_store::Lease;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::sync::Arc;
use subtle::ConstantTimeEq;
use teloxide::types::Update;

/// The header Telegram puts the webhook secret in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// The largest update body read (Telegram's are a few KB).
pub const MAX_BODY: usize = 1 << 20;

#[derive(Clone)]
struct Shared {
    api: Api,
    storage: Arc<ChatStorage>,
    content: Arc<Content>,
    secret: Arc<[u8]>,
    lease: Option<Arc<Lease>>,
}

/// Runs the webhook server until SIGTERM or SIGINT.
pub async fn serve(
    api: Api,
    storage: Arc<ChatStorage>,
    content: Arc<Content>,
    lease: Option<Lease>,
    path: &str,
    listen: SocketAddr,
    secret: &str,
) -> anyhow::Result<()> {
    let shared = Shared {
        api,
        storage,
        content,
        secret: Arc::from(secret.as_bytes()),
        lease: lease.map(Arc::new),
    };
    let path = if path.is_empty() { "/" } else { path };
    let app = Router::new()
        .route(path, post(on_update))
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .with_state(shared);
    let listener = tokio::net::TcpListener::bind(listen).await?;
    log::info!(
        "clotcheck is listening for webhooks on {}",
        listener.local_addr()?
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(stop_signal())
        .await?;
    log::info!("clotcheck stopped; updates in flight were finished");
    Ok(())
}

async fn stop_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    log::info!("stopping: finishing the updates in flight");
}

async fn metrics() -> impl IntoResponse {
    let mut out = String::new();
    for (name, value) in COUNTERS.snapshot() {
        out.push_str(&format!("clotcheck_{name} {value}\n"));
    }
    out
}

/// Checks the secret before reading the body, handles the update, then answers.
async fn on_update(State(s): State<Shared>, headers: HeaderMap, request: Request) -> StatusCode {
    let given = headers
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or(&[]);
    if !bool::from(given.ct_eq(&s.secret)) {
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(body) = axum::body::to_bytes(request.into_body(), MAX_BODY).await else {
        return StatusCode::PAYLOAD_TOO_LARGE;
    };
    let update: Update = match serde_json::from_slice(&body) {
        Ok(u) => u,
        Err(_) => {
            // Nothing of it is logged: it may hold what a user typed. Answered, so Telegram
            // does not send it again and again.
            log::warn!("an update that does not parse was ignored");
            return StatusCode::OK;
        }
    };
    let chat = update
        .chat()
        .map(|c| c.id.0)
        .or_else(|| update.from().map(|u| u.id.0 as i64));
    // Another instance handling this chat (a retry arriving early): Telegram will send it again.
    let held = match (&s.lease, chat) {
        (Some(lease), Some(chat)) => match lease.acquire(chat).await {
            Ok(true) => Some(chat),
            Ok(false) => return StatusCode::SERVICE_UNAVAILABLE,
            Err(e) => {
                log::error!("taking the chat lease failed: {e}");
                return StatusCode::SERVICE_UNAVAILABLE;
            }
        },
        _ => None,
    };
    let deps = teloxide::dptree::deps![update, s.api.clone(), s.storage.clone(), s.content.clone()];
    let result = super::schema().dispatch(deps).await;
    if let (Some(lease), Some(chat)) = (&s.lease, held)
        && let Err(e) = lease.release(chat).await
    {
        log::warn!("releasing the chat lease failed: {e}");
    }
    match result {
        std::ops::ControlFlow::Break(Err(e)) => {
            log::error!("update not handled: {}", super::describe_error(e.as_ref()));
            // Not answered with success: Telegram delivers it again.
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::OK,
    }
}
