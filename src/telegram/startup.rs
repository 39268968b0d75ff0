//! Start-up calls. The ones the bot needs are tried until they answer, backing off, each
//! failure logged by kind; the optional ones a few times, in the background. Nothing here
//! panics, whatever the Bot API answers — or when it does not answer at all.

use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::time::Duration;
use teloxide::RequestError;
use tokio::sync::watch;

/// The first wait before a needed call is tried again; it doubles up to [`MAX_BACKOFF`].
const BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(15);
/// Tries of an optional call.
const OPTIONAL_TRIES: u32 = 3;

/// SIGINT or SIGTERM received.
#[derive(Clone)]
pub struct Stop(Arc<watch::Receiver<bool>>);

impl Stop {
    /// Watches for SIGINT and SIGTERM from now on.
    pub fn on_signals() -> Stop {
        let (tx, rx) = watch::channel(false);
        tokio::spawn(async move {
            let term = async {
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = term => log::info!("SIGTERM received"),
                _ = tokio::signal::ctrl_c() => log::info!("SIGINT received"),
            }
            let _ = tx.send(true);
        });
        Stop(Arc::new(rx))
    }

    pub async fn wait(&self) {
        let mut rx = (*self.0).clone();
        let _ = rx.wait_for(|stopped| *stopped).await;
    }
}

/// `getMe` refused: the token is wrong; trying again cannot help.
pub fn token_refused(e: &RequestError) -> bool {
    matches!(e, RequestError::Api(teloxide::ApiError::InvalidToken))
}

/// A client error (a bad URL, a refused token): trying again cannot help.
pub fn client_error(e: &RequestError) -> bool {
    token_refused(e)
        || matches!(e, RequestError::Api(teloxide::ApiError::Unknown(d)) if d.starts_with("Bad Request"))
}

/// Tries a call the bot needs until it answers, backing off. `Ok(None)` when a stop was
/// asked for meanwhile; an error only when the answer says trying again cannot help.
pub async fn required<T, R>(
    what: &str,
    stop: &Stop,
    fatal: impl Fn(&RequestError) -> bool,
    call: impl Fn() -> R,
) -> anyhow::Result<Option<T>>
where
    R: IntoFuture<Output = Result<T, RequestError>>,
{
    let mut delay = BACKOFF;
    loop {
        let result = tokio::select! {
            r = call().into_future() => r,
            _ = stop.wait() => return Ok(None),
        };
        match result {
            Ok(v) => return Ok(Some(v)),
            Err(e) if fatal(&e) => {
                anyhow::bail!("{what} failed: {}", super::describe(&e));
            }
            Err(e) => {
                log::warn!(
                    "{what} failed ({}); the bot serves once it answers; trying again in {} ms",
                    super::describe(&e),
                    delay.as_millis()
                );
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stop.wait() => return Ok(None),
                }
                delay = (delay * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Tries an optional call a few times, backing off; a failure is logged and left.
pub async fn optional<T, R, F>(what: &str, call: F)
where
    F: Fn() -> R,
    R: IntoFuture<Output = Result<T, RequestError>>,
    R::IntoFuture: Future,
{
    let mut delay = Duration::from_secs(1);
    for attempt in 1..=OPTIONAL_TRIES {
        match call().into_future().await {
            Ok(_) => return,
            Err(e) if attempt == OPTIONAL_TRIES || super::api::retry_delay(&e, 0).is_none() => {
                log::warn!(
                    "{what} failed ({}); left as it is (optional)",
                    super::describe(&e)
                );
                return;
            }
            Err(e) => {
                log::info!(
                    "{what} failed ({}); trying again in {} s",
                    super::describe(&e),
                    delay.as_secs()
                );
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
        }
    }
}
