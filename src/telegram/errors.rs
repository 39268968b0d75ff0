//! Errors described for the logs by kind only: a request error can carry the text of a
//! message, and nothing a user typed may be logged.

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

/// Whether Telegram says the user can no longer be reached (blocked the bot, deleted).
pub fn gone(e: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    use teloxide::ApiError as A;
    matches!(
        e.downcast_ref::<teloxide::RequestError>(),
        Some(teloxide::RequestError::Api(
            A::BotBlocked | A::UserDeactivated | A::BotKicked
        ))
    )
}
