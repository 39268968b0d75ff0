//! Conversation storage for the bot, behind teloxide's `Storage` trait: SQLite (the embedded
//! default), Redis (shared by several instances), memory (tests).
//!
//! Unlike teloxide's stock storages: health state and preferences are kept apart with their
//! own expiry; removing a conversation that does not exist is not an error (so /forget always
//! works); a stored state that no longer loads comes back as a fresh state marked `reset`
//! (the bot apologises and starts again) instead of failing the update; every stored state
//! carries a version for compare-and-set and the id of the last update it handled.

pub mod memory;
pub mod redis_store;
pub mod sqlite;

use crate::core::engine::{STATE_VERSION, State};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use teloxide::dispatching::dialogue::{ErasedStorage, Storage};

/// What is kept per chat: the engine's state, the message carrying the live keyboard, the
/// last handled update, and the version for compare-and-set. No free text, no names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatState {
    pub engine: State,
    /// The message whose buttons belong to the pending question.
    pub keyboard: Option<i32>,
    /// The id of the last update applied: an update delivered again is not applied twice.
    pub last_update: Option<u32>,
    /// Incremented by every write; a write succeeds only over the version it was read at.
    pub version: u64,
    /// Set by the storage (never stored) when the stored state could not be loaded.
    #[serde(skip)]
    pub reset: bool,
}

/// Preferences, kept apart from the health state and for longer: only what the user chose.
/// A country guessed from the app's language tag, or a language taken from the app's
/// settings, is never kept as a preference (it is worked out again from the next update).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prefs {
    pub country: Option<String>,
    pub country_guessed: bool,
    pub lang: String,
    /// The language was chosen (`/language`); otherwise `lang` is not a preference.
    #[serde(default)]
    pub lang_chosen: bool,
}

impl ChatState {
    /// The preferences the user chose, without anything guessed.
    pub fn prefs(&self) -> Prefs {
        let e = &self.engine;
        Prefs {
            country: e.country.clone().filter(|_| !e.country_guessed),
            country_guessed: false,
            lang: if e.lang_chosen {
                e.lang.clone()
            } else {
                State::default().lang
            },
            lang_chosen: e.lang_chosen,
        }
    }

    /// Whether there is any preference worth keeping.
    pub fn has_prefs(&self) -> bool {
        self.prefs() != ChatState::default().prefs()
    }

    /// Puts stored preferences over a state: only what they hold (a chosen country, a chosen
    /// language).
    fn apply(&mut self, prefs: Prefs) {
        if prefs.country.is_some() && !prefs.country_guessed {
            self.engine.country = prefs.country;
            self.engine.country_guessed = false;
        }
        if prefs.lang_chosen {
            self.engine.lang = prefs.lang;
            self.engine.lang_chosen = true;
        }
    }
}

/// The format of a stored record; a record of another format (or another engine state
/// version) is reset, not crashed on.
pub const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Stored {
    format: u32,
    state: ChatState,
}

pub fn encode_state(state: &ChatState) -> String {
    serde_json::to_string(&Stored {
        format: FORMAT,
        state: state.clone(),
    })
    .unwrap_or_default()
}

pub fn encode_prefs(state: &ChatState) -> String {
    serde_json::to_string(&state.prefs()).unwrap_or_default()
}

/// Rebuilds a chat's state from what is stored: the health state (if any, and still
/// loadable) with the preferences over it.
pub fn decode(state: Option<&str>, prefs: Option<&str>) -> Option<ChatState> {
    if state.is_none() && prefs.is_none() {
        return None;
    }
    let mut out = match state {
        None => ChatState::default(),
        Some(text) => match serde_json::from_str::<Stored>(text) {
            Ok(s) if s.format == FORMAT && s.state.engine.version == STATE_VERSION => s.state,
            _ => ChatState {
                reset: true,
                ..ChatState::default()
            },
        },
    };
    if let Some(p) = prefs.and_then(|p| serde_json::from_str::<Prefs>(p).ok()) {
        out.apply(p);
    }
    Some(out)
}

/// How long things are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    /// Health state (answers): 24 hours by default.
    pub state: Duration,
    /// Preferences (country, language): 90 days.
    pub prefs: Duration,
}

impl Default for Expiry {
    fn default() -> Self {
        Expiry {
            state: Duration::from_secs(24 * 3600),
            prefs: Duration::from_secs(90 * 24 * 3600),
        }
    }
}

/// Where conversations are kept, from `--storage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageUrl {
    Memory,
    Sqlite(PathBuf),
    Redis(String),
}

impl FromStr for StorageUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "memory" {
            Ok(StorageUrl::Memory)
        } else if let Some(path) = s.strip_prefix("sqlite:") {
            if path.is_empty() {
                Err("sqlite: needs a path, e.g. sqlite:clotcheck.sqlite".into())
            } else {
                Ok(StorageUrl::Sqlite(PathBuf::from(path)))
            }
        } else if s.starts_with("redis://") || s.starts_with("rediss://") {
            Ok(StorageUrl::Redis(s.to_string()))
        } else {
            Err(format!(
                "'{s}' is not a storage: use memory, sqlite:PATH or redis://HOST:PORT"
            ))
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("Redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("the conversation was changed by another writer")]
    Conflict,
    #[error("the database was written by a newer clotcheck (schema {0})")]
    NewerSchema(i64),
    #[error("storage task failed")]
    Join,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The storage as the bot uses it.
pub type ChatStorage = ErasedStorage<ChatState>;

/// Opens the storage named by `url`; errors here are start-up errors.
pub async fn open(url: &StorageUrl, expiry: Expiry) -> Result<Arc<ChatStorage>, StorageError> {
    Ok(match url {
        StorageUrl::Memory => memory::MemoryStorage::new(expiry).erase(),
        StorageUrl::Sqlite(path) => sqlite::SqliteStorage::open(path, expiry).await?.erase(),
        StorageUrl::Redis(url) => redis_store::RedisStorage::open(url, "clotcheck", expiry)
            .await?
            .erase(),
    })
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_that_no_longer_loads_comes_back_reset_with_its_prefs() {
        let prefs = r#"{"country":"AU","country_guessed":false,"lang":"en"}"#;
        let s = decode(Some("{not json"), Some(prefs)).unwrap();
        assert!(s.reset);
        assert_eq!(s.engine.country.as_deref(), Some("AU"));
        let old = r#"{"format":0,"state":{}}"#;
        assert!(decode(Some(old), None).unwrap().reset);
        assert_eq!(decode(None, None), None);
    }

    #[test]
    fn guessed_country_and_language_are_not_preferences() {
        let mut s = ChatState::default();
        s.engine.country = Some("AU".into());
        s.engine.country_guessed = true;
        s.engine.lang = "de".into();
        assert!(!s.has_prefs(), "{:?}", s.prefs());
        s.engine.country_guessed = false;
        assert!(s.has_prefs());
        assert_eq!(s.prefs().country.as_deref(), Some("AU"));
        assert_eq!(s.prefs().lang, State::default().lang, "the app's language");
        s.engine.lang_chosen = true;
        let back = decode(None, Some(&encode_prefs(&s))).unwrap();
        assert_eq!(back.engine.lang, "de");
        assert!(back.engine.lang_chosen);
        assert_eq!(back.engine.country.as_deref(), Some("AU"));
    }

    #[test]
    fn round_trip() {
        let mut s = ChatState::default();
        s.engine.node = Some("rf_chest".into());
        s.keyboard = Some(7);
        s.last_update = Some(42);
        s.version = 3;
        let back = decode(Some(&encode_state(&s)), None).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn storage_urls() {
        assert_eq!("memory".parse(), Ok(StorageUrl::Memory));
        assert_eq!("sqlite:x.db".parse(), Ok(StorageUrl::Sqlite("x.db".into())));
        assert!(matches!(
            "redis://127.0.0.1:6379".parse(),
            Ok(StorageUrl::Redis(_))
        ));
        assert!("postgres://x".parse::<StorageUrl>().is_err());
        assert!("sqlite:".parse::<StorageUrl>().is_err());
    }
}
