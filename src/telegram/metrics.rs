//! Counts for safety monitoring, without personal data: outcomes per urgency, emergencies
//! tapped and typed, FAQ answers and misses, blocked users, failures. Each count is also a log
//! line at info; the webhook server can expose them over HTTP.

use crate::core::engine::{Kind, Reply, Screen, State};
use crate::core::texts::Texts;
use std::sync::atomic::{AtomicU64, Ordering};

macro_rules! counters {
    ($( $name:ident ),* $(,)?) => {
        /// Every counter, by name.
        #[derive(Default)]
        pub struct Counters { $( pub $name: AtomicU64, )* }

        impl Counters {
            pub const fn new() -> Self {
                Counters { $( $name: AtomicU64::new(0), )* }
            }

            /// (name, value) of every counter.
            pub fn snapshot(&self) -> Vec<(&'static str, u64)> {
                vec![ $( (stringify!($name), self.$name.load(Ordering::Relaxed)), )* ]
            }
        }
    };
}

counters!(
    outcome_emergency,
    outcome_urgent,
    outcome_soon,
    outcome_self_care,
    emergency_tapped,
    emergency_typed,
    emergency_help_shown,
    faq_answered,
    faq_unsure,
    not_understood,
    blocked_users,
    storage_errors,
    api_errors,
    updates_handled,
    updates_repeated,
    updates_malformed,
    updates_dropped,
    updates_released,
    check_ins_scheduled,
    check_ins_sent,
    check_ins_retried,
);

pub static COUNTERS: Counters = Counters::new();

/// Adds one to a counter and says so in the log.
pub fn count(counter: &AtomicU64, what: &str) {
    counter.fetch_add(1, Ordering::Relaxed);
    log::info!("count: {what}");
}

/// Counts what one step did, from the state before and after it and its replies.
/// What [`record`] compares a step's result with: whether the emergency was shown, and the
/// check's node (a new outcome is counted once).
pub struct Before {
    emergency: bool,
    node: Option<String>,
}

impl Before {
    pub fn of(state: &State) -> Before {
        Before {
            emergency: matches!(state.screen.base(), Screen::Emergency(_)),
            node: state.check.node.clone(),
        }
    }
}

pub fn record(before: &Before, after: &State, replies: &[Reply], t: &Texts) {
    let c = &COUNTERS;
    c.updates_handled.fetch_add(1, Ordering::Relaxed);
    if !before.emergency
        && let Some(e) = after.screen.undo()
    {
        if e.typed {
            count(&c.emergency_typed, "emergency typed");
        } else {
            count(&c.emergency_tapped, "emergency tapped");
        }
    }
    for r in replies {
        match r.kind {
            Kind::Outcome => {
                // A follow-up after advice shown early is not a second outcome.
                if let Some(o) = &r.outcome
                    && before.node != after.check.node
                    && !r.followup
                {
                    let counter = match o.urgency.id() {
                        "emergency" => &c.outcome_emergency,
                        "urgent" => &c.outcome_urgent,
                        "soon" => &c.outcome_soon,
                        _ => &c.outcome_self_care,
                    };
                    count(counter, &format!("outcome {}", o.urgency.id()));
                }
            }
            Kind::Emergency if r.outcome.is_none() => {
                count(&c.emergency_help_shown, "emergency help shown")
            }
            Kind::Faq if r.faq.is_some() => count(&c.faq_answered, "faq answered"),
            Kind::Faq
                if r.lines
                    .first()
                    .is_some_and(|l| l.text == t.get("msg.faq_unsure")) =>
            {
                count(&c.faq_unsure, "faq unsure")
            }
            Kind::Error
                if r.lines
                    .first()
                    .is_some_and(|l| l.text == t.get("msg.didnt_understand")) =>
            {
                count(&c.not_understood, "message not understood")
            }
            _ => {}
        }
    }
}
