//! Webhook mode: the project's own axum router, which answers Telegram only *after* the
//! update is handled (teloxide's listener answers before, so a crash would lose an update
//! Telegram thinks delivered). Telegram sends a chat's next update only after the previous one
//! was answered, so answering after handling keeps each chat in order even across several
//! instances; a per-chat lease in Redis and the storage's compare-and-set guard retries and
//! slow instances.
//!
//! - `POST <path of the webhook URL>`: the secret (`X-Telegram-Bot-Api-Secret-Token`) is
//!   checked in constant time *before* the body is read; 401 otherwise.
//! - `GET /healthz`: 200 "ok". The counters (`/metrics`) are not on this listener: they have
//!   their own address (`--metrics-listen`, see [`serve_metrics`]).
//! - Slow or greedy clients: a request's headers must arrive within [`HEADER_TIMEOUT`] and its
//!   body within [`BODY_TIMEOUT`] (408), bodies over [`MAX_BODY`] are refused (413), and at
//!   most [`MAX_CONNECTIONS`] connections are served at once (more are closed at once).
//! - SIGTERM or SIGINT: stop accepting, finish the updates in flight (for at most
//!   [`SHUTDOWN_GRACE`]), exit. `deleteWebhook` is never called: other instances keep serving.

use super::api::Api;
use super::metrics::COUNTERS;
use super::startup::Stop;
use crate::core::Content;
use crate::storage::ChatStorage;
use crate::storage::redis_store::Lease;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use subtle::ConstantTimeEq;
use teloxide::types::Update;

/// The header Telegram puts the webhook secret in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// The largest update body read (Telegram's are a few KB).
pub const MAX_BODY: usize = 1 << 20;
/// The longest a client may take to send a request's headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a client may take to send a request's body, once its headers are in.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// The most connections served at once. Telegram opens at most `max_connections` (40 by
/// default, 100 at most) per bot.
pub const MAX_CONNECTIONS: usize = 256;
/// How long a stop waits for the updates in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

#[derive(Clone)]
struct Shared {
    handlers: super::Handlers,
    secret: Arc<[u8]>,
    lease: Option<Arc<Lease>>,
}

/// Runs the webhook server until SIGTERM or SIGINT.
#[allow(clippy::too_many_arguments)]
pub async fn serve(
    api: Api,
    storage: Arc<ChatStorage>,
    check_ins: super::CheckInStore,
    content: Arc<Content>,
    lease: Option<Lease>,
    path: &str,
    listen: SocketAddr,
    secret: &str,
    stop: Stop,
) -> anyhow::Result<()> {
    let shared = Shared {
        handlers: super::Handlers {
            api,
            storage,
            check_ins,
            content,
        },
        secret: Arc::from(secret.as_bytes()),
        lease: lease.map(Arc::new),
    };
    let path = if path.is_empty() { "/" } else { path };
    let app = Router::new()
        .route(path, post(on_update))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(shared);
    let listener = tokio::net::TcpListener::bind(listen).await?;
    log::info!(
        "clotcheck is listening for webhooks on {}",
        listener.local_addr()?
    );
    serve_connections(listener, app, stop).await;
    Ok(())
}

/// Serves HTTP/1.1 connections (Telegram's) with a header timeout and a connection limit,
/// until `stop`; then lets the requests in flight finish, for at most [`SHUTDOWN_GRACE`].
async fn serve_connections(listener: tokio::net::TcpListener, app: Router, stop: Stop) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    log::warn!("accepting a connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.wait() => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            log::debug!("a connection was closed: {MAX_CONNECTIONS} are open already");
            continue;
        };
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let stopping = tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        log::debug!("a webhook connection ended: {e}");
                    }
                    false
                }
                _ = stop.wait() => true,
            };
            if stopping {
                connection.as_mut().graceful_shutdown();
                let _ = connection.await;
            }
            drop(slot);
        });
    }
    log::info!("stopping: finishing the updates in flight");
    let all = MAX_CONNECTIONS as u32;
    match tokio::time::timeout(SHUTDOWN_GRACE, slots.acquire_many(all)).await {
        Ok(_) => log::info!("clotcheck stopped; updates in flight were finished"),
        Err(_) => log::warn!(
            "clotcheck stopped after {} s with updates still in flight; Telegram will send them again",
            SHUTDOWN_GRACE.as_secs()
        ),
    }
}

/// Serves the counters (`GET /metrics`) and `GET /healthz` on their own address, loopback
/// unless configured otherwise: counts only, no personal data, but not for the public.
pub async fn serve_metrics(listen: SocketAddr, stop: Stop) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen for metrics on {listen}: {e}"))?;
    log::info!("metrics on http://{}/metrics", listener.local_addr()?);
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok" }));
    tokio::spawn(async move { serve_connections(listener, app, stop).await });
    Ok(())
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
    let body = tokio::time::timeout(
        BODY_TIMEOUT,
        axum::body::to_bytes(request.into_body(), MAX_BODY),
    )
    .await;
    let body = match body {
        Err(_) => return StatusCode::REQUEST_TIMEOUT,
        Ok(Err(_)) => return StatusCode::PAYLOAD_TOO_LARGE,
        Ok(Ok(body)) => body,
    };
    // Nothing of a malformed update is logged but its kind: it may hold what a user typed.
    // Answered, so Telegram does not send it again and again.
    let received = serde_json::from_slice::<serde_json::Value>(&body)
        .map(|v| super::polling::receive(&v))
        .unwrap_or(super::polling::Received::Malformed {
            id: None,
            kind: "unknown",
            from: None,
        });
    let update: Update = match received {
        super::polling::Received::Update(u) => *u,
        super::polling::Received::Malformed { id, kind, from } => {
            super::metrics::count(&COUNTERS.updates_malformed, "malformed update skipped");
            match id {
                Some(id) => log::warn!("update {id} ({kind}) does not parse; skipped"),
                None => log::warn!("an update ({kind}) that does not parse was skipped"),
            }
            if let Some(from) = from {
                super::polling::answer_unreadable(&s.handlers.api, &s.handlers.content, from).await;
            }
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
            Ok(Some(held)) => Some(held),
            Ok(None) => return StatusCode::SERVICE_UNAVAILABLE,
            Err(e) => {
                log::error!("taking the chat lease failed: {e}");
                return StatusCode::SERVICE_UNAVAILABLE;
            }
        },
        _ => None,
    };
    let result = s.handlers.dispatch(&update).await;
    if let (Some(lease), Some(held)) = (&s.lease, held)
        && let Err(e) = lease.release(held).await
    {
        log::warn!("releasing the chat lease failed: {e}");
    }
    match result {
        Err(e) => {
            log::error!("update not handled: {}", super::describe_error(e.as_ref()));
            // Not answered with success: Telegram delivers it again.
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::OK,
    }
}
