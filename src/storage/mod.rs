//! Conversation storage for the bot, behind teloxide's `Storage` trait: SQLite (the embedded
//! default), Redis (shared by several instances), memory (tests).
//!
//! Unlike teloxide's stock storages: health state and preferences are kept apart with their
//! own expiry; removing a conversation that does not exist is not an error (so /forget always
//! works); a stored state that no longer loads comes back as a fresh state marked `reset`
//! (the bot apologises and starts again) instead of failing the update; every stored state
//! carries a version for compare-and-set and the id of the last update it handled.

pub mod checkins;
mod codec;
mod legacy;
pub mod memory;
mod recent;
pub mod redis_store;
pub mod sqlite;

pub use codec::{decode_prefs, decode_state, encode_state};

use crate::core::engine::{Prefs, State};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use teloxide::dispatching::dialogue::{ErasedStorage, Storage};

/// What is kept per chat: the engine's state, the message carrying the live keyboard, the
/// last handled update, and the version for compare-and-set. No free text, no names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChatState {
    pub engine: State,
    /// The message whose buttons belong to the pending question.
    pub keyboard: Option<i32>,
    /// The id of the last update applied: an update delivered again is not applied twice.
    pub last_update: Option<u32>,
    /// Incremented by every write; a write succeeds only over the version it was read at.
    pub version: u64,
    /// Set by the storage (never stored) when the stored state could not be loaded.
    pub reset: bool,
}

impl ChatState {
    /// Whether there is any preference worth keeping: a chosen language or country. A
    /// guessed one is worked out again from the next update.
    pub fn has_prefs(&self) -> bool {
        encode_prefs(self).is_some()
    }

    /// Puts stored preferences over a state: only what they hold.
    fn apply(&mut self, prefs: Prefs) {
        let mine = &mut self.engine.prefs;
        if prefs.country.is_some() && !prefs.country_guessed {
            mine.country = prefs.country;
            mine.country_guessed = false;
        }
        if prefs.lang_chosen {
            mine.lang = prefs.lang;
            mine.lang_chosen = true;
        }
    }
}

/// The preferences to keep for `state`, or `None` when nothing was chosen.
pub fn encode_prefs(state: &ChatState) -> Option<String> {
    codec::encode_prefs(&state.engine.prefs)
}

/// Rebuilds a chat's state from what is stored: the health state (if any, and still
/// loadable: this format or the first one) with the preferences over it. A state that no
/// longer loads comes back fresh and marked `reset`, with its preferences.
pub fn decode(state: Option<&str>, prefs: Option<&str>) -> Option<ChatState> {
    compose(state.map(load_state), prefs.map(decode_prefs))
}

/// A stored health state as it loads: this format, the first one, or — when it is neither —
/// a fresh state marked `reset`.
fn load_state(text: &str) -> ChatState {
    decode_state(text)
        .or_else(|| legacy::state(text))
        .unwrap_or_else(|| ChatState {
            reset: true,
            ..ChatState::default()
        })
}

/// A chat's state from its loaded rows: the health state (or a fresh one) with the
/// preferences over it; `None` when neither row exists. A preferences row that does not load
/// (the inner `None`) is there but holds nothing.
fn compose(state: Option<ChatState>, prefs: Option<Option<Prefs>>) -> Option<ChatState> {
    if state.is_none() && prefs.is_none() {
        return None;
    }
    let mut out = state.unwrap_or_default();
    if let Some(Some(p)) = prefs {
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
    Ok(open_with_check_ins(url, expiry).await?.0)
}

/// The storage named by `url` and its check-ins (in the same database). Removing a
/// conversation (/forget, a blocked user) deletes its check-in too.
pub async fn open_with_check_ins(
    url: &StorageUrl,
    expiry: Expiry,
) -> Result<(Arc<ChatStorage>, Arc<dyn checkins::CheckIns>), StorageError> {
    Ok(match url {
        StorageUrl::Memory => {
            let s = memory::MemoryStorage::new(expiry);
            (s.clone().erase(), s)
        }
        StorageUrl::Sqlite(path) => {
            let s = sqlite::SqliteStorage::open(path, expiry).await?;
            (s.clone().erase(), s)
        }
        StorageUrl::Redis(url) => {
            let s = redis_store::RedisStorage::open(url, "clotcheck", expiry).await?;
            (s.clone().erase(), s)
        }
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
    use crate::core::engine::{Screen, Undo};
    use crate::core::findings::{Answer, Finding};

    #[test]
    fn a_state_that_no_longer_loads_comes_back_reset_with_its_prefs() {
        let s = decode(Some("{not json"), Some("-|AU")).unwrap();
        assert!(s.reset);
        assert_eq!(s.engine.prefs.country.as_deref(), Some("AU"));
        let old = r#"{"format":0,"state":{}}"#;
        assert!(decode(Some(old), None).unwrap().reset);
        assert!(decode(Some("2|x"), None).unwrap().reset);
        assert_eq!(decode(None, None), None);
    }

    #[test]
    fn guessed_country_and_language_are_not_preferences() {
        let mut s = ChatState::default();
        s.engine.prefs.country = Some("AU".into());
        s.engine.prefs.country_guessed = true;
        s.engine.prefs.lang = "de".into();
        assert!(!s.has_prefs());
        s.engine.prefs.country_guessed = false;
        assert!(s.has_prefs());
        let back = decode(None, encode_prefs(&s).as_deref()).unwrap();
        assert_eq!(
            back.engine.prefs.lang, "en",
            "the app's language is not kept"
        );
        s.engine.prefs.lang_chosen = true;
        let back = decode(None, encode_prefs(&s).as_deref()).unwrap();
        assert_eq!(back.engine.prefs.lang, "de");
        assert!(back.engine.prefs.lang_chosen);
        assert_eq!(back.engine.prefs.country.as_deref(), Some("AU"));
    }

    #[test]
    fn round_trip() {
        let mut s = ChatState::default();
        let c = &mut s.engine.check;
        c.node = Some("rf_chest".into());
        c.history = vec!["start".into(), "consent".into()];
        c.answers.findings.set(Finding::ALL[0], Answer::Unsure);
        c.answers.findings.set(Finding::ALL[3], Answer::Present);
        c.answers.typed = vec![Finding::ALL[3]];
        c.answers.typed_emergency = true;
        c.consent = true;
        c.ticks = vec![Finding::ALL[5]];
        c.check_in = true;
        s.engine.unanswered = 2;
        s.engine.screen = Screen::Languages {
            under: Box::new(Screen::Topics {
                ids: vec!["a".into(), "b".into()],
                under: Box::new(Screen::CheckIn {
                    level: crate::core::rules::Urgency::SelfCare,
                    under: Box::new(Screen::Emergency(Undo {
                        findings: vec![Finding::ALL[3]],
                        typed: true,
                    })),
                }),
            }),
        };
        s.keyboard = Some(7);
        s.last_update = Some(42);
        s.version = 3;
        let back = decode(Some(&encode_state(&s)), None).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn the_first_format_still_loads() {
        let old = r#"{"format":1,"state":{"engine":{"version":1,"node":"rf_chest","history":["start","consent"],"answers":{},"typed":[],"typed_emergency":false,"ticks":[],"consent":true,"emergency":null,"country":"AU","country_guessed":false,"lang":"en","picking_country":true},"keyboard":5,"last_update":9,"version":2}}"#;
        let s = decode(
            Some(old),
            Some(r#"{"country":"AU","country_guessed":false,"lang":"en"}"#),
        )
        .unwrap();
        assert!(!s.reset);
        assert_eq!(s.engine.check.node.as_deref(), Some("rf_chest"));
        assert!(s.engine.check.consent);
        assert!(matches!(s.engine.screen, Screen::Countries { .. }));
        assert_eq!(s.engine.prefs.country.as_deref(), Some("AU"));
        assert_eq!(
            (s.keyboard, s.last_update, s.version),
            (Some(5), Some(9), 2)
        );
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
