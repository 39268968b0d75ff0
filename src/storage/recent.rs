//! The rows of the chats this process read or wrote last, kept beside the SQLite connection:
//! every update reads its chat's state and then writes it, so the next update's read can be
//! answered from what was written instead of querying and decoding it again.
//!
//! The rows are kept as they load (the health state without preferences, the preferences on
//! their own, each with its `updated_at`), and a read applies the same expiry and the same
//! composition ([`super::compose`]) as a read from the file: a cached read returns exactly
//! what the query would. Whatever may have changed the file is never answered from here: the
//! rows are dropped when another connection has committed (`PRAGMA data_version`), when a
//! save fails or its transaction rolls back, on `/forget`, and when they expire (the purge
//! drops them with the rows in the file).

use super::{ChatState, Expiry, compose};
use crate::core::engine::Prefs;
use std::collections::HashMap;

/// At most this many chats are kept; when a new one would go past it, all are dropped (the
/// chats in a conversation come back at their next read). Each is a few hundred bytes.
const CAPACITY: usize = 4096;

/// One chat's two rows as they load, each with the time it was written; `None` for a row
/// that is not in the file. The inner `None` of `prefs` is a row that does not load.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    pub state: Option<(ChatState, i64)>,
    pub prefs: Option<(Option<Prefs>, i64)>,
}

impl Rows {
    /// What a read at `now` returns: the rows still fresh, composed as a read from the file.
    pub fn view(&self, now: i64, expiry: Expiry) -> Option<ChatState> {
        let state = self
            .state
            .as_ref()
            .filter(|(_, at)| fresh(*at, now, expiry.state.as_secs()))
            .map(|(s, _)| s.clone());
        let prefs = self
            .prefs
            .as_ref()
            .filter(|(_, at)| fresh(*at, now, expiry.prefs.as_secs()))
            .map(|(p, _)| p.clone());
        compose(state, prefs)
    }

    fn any_fresh(&self, now: i64, expiry: Expiry) -> bool {
        self.state
            .as_ref()
            .is_some_and(|(_, at)| fresh(*at, now, expiry.state.as_secs()))
            || self
                .prefs
                .as_ref()
                .is_some_and(|(_, at)| fresh(*at, now, expiry.prefs.as_secs()))
    }
}

/// The rule of the queries: a row is fresh while `updated_at > now - expiry`.
fn fresh(at: i64, now: i64, expiry_secs: u64) -> bool {
    at > now - expiry_secs as i64
}

/// What one successful save put in the file: the health state as it will load, and the
/// preferences row as it will load when the save wrote one (`None`: that row was left as it
/// was).
pub struct Written {
    pub state: ChatState,
    pub prefs: Option<Option<Prefs>>,
    pub at: i64,
}

#[derive(Default)]
pub struct Recent {
    chats: HashMap<i64, Rows>,
    /// `PRAGMA data_version` when the rows were last known to match the file.
    data_version: Option<i64>,
}

impl Recent {
    /// Drops every chat when the file was committed to by another connection since the last
    /// look (`version` is the connection's current `PRAGMA data_version`).
    pub fn check(&mut self, version: i64) {
        if self.data_version != Some(version) {
            self.chats.clear();
            self.data_version = Some(version);
        }
    }

    pub fn get(&self, chat: i64) -> Option<&Rows> {
        self.chats.get(&chat)
    }

    /// Keeps the rows just read from the file.
    pub fn insert(&mut self, chat: i64, rows: Rows) {
        if self.chats.len() >= CAPACITY && !self.chats.contains_key(&chat) {
            self.chats.clear();
        }
        self.chats.insert(chat, rows);
    }

    /// Records a committed save. The rows are kept only when both are known: a chat not
    /// read before, whose save left its preferences row alone, is read from the file next.
    pub fn saved(&mut self, chat: i64, w: Written) {
        let state = Some((w.state, w.at));
        match (self.chats.get_mut(&chat), w.prefs) {
            (Some(rows), prefs) => {
                rows.state = state;
                if let Some(p) = prefs {
                    rows.prefs = Some((p, w.at));
                }
            }
            (None, Some(p)) => self.insert(
                chat,
                Rows {
                    state,
                    prefs: Some((p, w.at)),
                },
            ),
            (None, None) => {}
        }
    }

    /// Forgets a chat: its save failed, or it was removed.
    pub fn forget(&mut self, chat: i64) {
        self.chats.remove(&chat);
    }

    /// Drops the chats whose rows have all expired (with the purge of the file).
    pub fn purge(&mut self, now: i64, expiry: Expiry) {
        self.chats.retain(|_, rows| rows.any_fresh(now, expiry));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.chats.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn expiry() -> Expiry {
        Expiry {
            state: Duration::from_secs(10),
            prefs: Duration::from_secs(100),
        }
    }

    fn at(node: &str) -> ChatState {
        let mut s = ChatState::default();
        s.engine.check.node = Some(node.into());
        s
    }

    fn prefs(country: &str) -> Prefs {
        Prefs {
            country: Some(country.into()),
            ..Prefs::default()
        }
    }

    #[test]
    fn a_view_applies_the_expiry_and_the_preferences_as_a_read_from_the_file() {
        let rows = Rows {
            state: Some((at("risk"), 1000)),
            prefs: Some((Some(prefs("AU")), 1000)),
        };
        let now = rows.view(1005, expiry()).unwrap();
        assert_eq!(now.engine.check.node.as_deref(), Some("risk"));
        assert_eq!(now.engine.prefs.country.as_deref(), Some("AU"));
        // The answers expire first; the preferences stay.
        let later = rows.view(1010, expiry()).unwrap();
        assert_eq!(later.engine.check.node, None);
        assert_eq!(later.engine.prefs.country.as_deref(), Some("AU"));
        assert_eq!(rows.view(1100, expiry()), None);
    }

    #[test]
    fn a_save_of_a_chat_not_read_is_kept_only_with_its_preferences() {
        let mut r = Recent::default();
        let written = |prefs| Written {
            state: at("risk"),
            prefs,
            at: 5,
        };
        r.saved(1, written(None));
        assert!(r.get(1).is_none(), "its preferences row is unknown");
        r.saved(2, written(Some(Some(prefs("DE")))));
        assert!(r.get(2).is_some());
        // A read chat keeps the preferences it had when a save leaves them alone.
        r.saved(2, written(None));
        let v = r.get(2).unwrap().view(6, expiry()).unwrap();
        assert_eq!(v.engine.prefs.country.as_deref(), Some("DE"));
    }

    #[test]
    fn another_writer_drops_everything_and_the_purge_drops_what_expired() {
        let mut r = Recent::default();
        r.check(1);
        r.insert(
            1,
            Rows {
                state: Some((at("risk"), 0)),
                prefs: None,
            },
        );
        r.insert(
            2,
            Rows {
                state: Some((at("risk"), 50)),
                prefs: None,
            },
        );
        r.purge(20, expiry());
        assert!(r.get(1).is_none() && r.get(2).is_some());
        r.check(1);
        assert_eq!(r.len(), 1, "the same data version keeps the rows");
        r.check(2);
        assert_eq!(r.len(), 0);
    }
}
