//! The view: a [`State`] shown as a [`Reply`]. Reads the state, never changes it; the
//! options of a screen come from one place ([`Engine::options`]), so what a button says and
//! what pressing it does cannot drift apart.

use super::Engine;
use super::reply::CheckInAnswer;
use super::reply::{Action, Kind, Locate, OptionView, Outcome, Reply};
use super::state::{
    CHECK_IN_KEY, COUNTRY_KEY, EMERGENCY_KEY, FAQ_KEY, LANGUAGE_KEY, Screen, State,
};
use crate::core::advice::{Line, assess, call_lines, closing_lines, fallback_note, number_phrase};
use crate::core::country::Place;
use crate::core::dialog::{Node, NodeIx, NodeKind};
use crate::core::findings::Finding;
use crate::core::rules::{Urgency, triage};
use crate::core::texts::Texts;

/// Texts the engine looks up; the loader refuses a language without them.
pub const ENGINE_KEYS: &[&str] = &[
    "label.back",
    "label.restart",
    "label.mistake",
    "label.mistake_typed",
    "label.done",
    "label.back_to_check",
    "msg.why",
    "msg.didnt_understand",
    "msg.choose_one",
    "msg.out_of_range",
    "msg.none_with_items",
    "msg.nav_with_items",
    "msg.nothing_pending",
    "msg.nothing_to_undo",
    "msg.malformed",
    "msg.typed_emergency",
    "msg.emergency_intro",
    "msg.emergency_signs",
    "msg.early_more",
    "msg.after_early",
    "msg.emergency_lung",
    "msg.emergency_limb",
    "msg.emergency_cauda",
    "msg.help",
    "msg.forgotten",
    "msg.multi_hint",
    "msg.choose_hint",
    "msg.undone",
    "msg.set_country",
    "msg.country_prompt",
    "msg.country_set",
    "msg.country_unknown",
    "msg.location_set",
    "msg.location_unknown",
    "msg.location_invalid",
    "msg.off_topic",
    "msg.faq_unsure",
    "msg.faq_prompt",
    "msg.language_prompt",
    "msg.language_set",
    "language_name",
    "label.set_country",
    "checkin.label.offer",
    "checkin.label.better",
    "checkin.label.same",
    "checkin.label.worse",
    "checkin.label.stop",
    "checkin.scheduled",
    "checkin.already",
    "checkin.ask.urgent",
    "checkin.ask.soon",
    "checkin.ask.self_care",
    "checkin.better",
    "checkin.same_book",
    "checkin.same_urgent",
    "checkin.worse",
    "checkin.stopped",
    "checkin.unit.second",
    "checkin.unit.seconds",
    "checkin.unit.minute",
    "checkin.unit.minutes",
    "checkin.unit.hour",
    "checkin.unit.hours",
    "checkin.unit.day",
    "checkin.unit.days",
];

/// A delay in words ("3 hours", "1 day"): the largest whole unit.
pub fn when(d: std::time::Duration, t: &Texts) -> String {
    let s = d.as_secs().max(1);
    let (n, unit) = [(86_400, "day"), (3_600, "hour"), (60, "minute")]
        .into_iter()
        .find(|(u, _)| s >= *u && s.is_multiple_of(*u))
        .map_or((s, "second"), |(u, name)| (s / u, name));
    let key = if n == 1 {
        format!("checkin.unit.{unit}")
    } else {
        format!("checkin.unit.{unit}s")
    };
    t.fill(&key, &[("n", &n.to_string())])
}

/// Word and phrase lists the engine and detector use.
pub const ENGINE_LISTS: &[&str] = &[
    "words.yes",
    "words.no",
    "words.unsure",
    "checkin.words.better",
    "checkin.words.same",
    "checkin.words.worse",
    "checkin.words.stop",
];

impl<'a> Engine<'a> {
    pub(super) fn texts(&self, state: &State) -> &'a Texts {
        self.content.texts(&state.prefs.lang)
    }

    pub fn place(&self, state: &State) -> Place<'a> {
        Place {
            country: state
                .prefs
                .country
                .as_deref()
                .and_then(|c| self.content.country(c)),
            guessed: state.prefs.country_guessed,
        }
    }

    pub(super) fn dialog_node(&self, ix: NodeIx) -> &'a Node {
        self.content.dialog.node(ix)
    }

    /// The check's node, whatever the screen.
    fn node(&self, state: &State) -> Option<NodeIx> {
        let id = state.check.node.as_deref()?;
        self.content.dialog.find(id)
    }

    /// The check's node, when its question is the screen shown.
    pub(super) fn current(&self, state: &State) -> Option<NodeIx> {
        match state.screen {
            Screen::Question => self.node(state),
            _ => None,
        }
    }

    /// What the buttons of the screen shown belong to: the node id, or the key of the
    /// emergency, a picker or the topics. A press carrying another key is stale.
    pub fn key(&self, state: &State) -> Option<String> {
        match &state.screen {
            Screen::Idle => None,
            Screen::Question => state.check.node.clone(),
            Screen::Emergency(_) => Some(EMERGENCY_KEY.into()),
            Screen::Countries { .. } => Some(COUNTRY_KEY.into()),
            Screen::Languages { .. } => Some(LANGUAGE_KEY.into()),
            Screen::Topics { .. } => Some(FAQ_KEY.into()),
            Screen::CheckIn { .. } => Some(CHECK_IN_KEY.into()),
        }
    }

    /// Whether the screen shown is a multi-select (its items toggle; Done submits).
    pub fn is_multi(&self, state: &State) -> bool {
        self.current(state)
            .is_some_and(|ix| self.dialog_node(ix).kind == NodeKind::Multi)
    }

    /// "Step n of m" for the pending question: questions answered so far plus one, and the
    /// fewest questions left on the way to an outcome.
    pub fn progress(&self, state: &State) -> Option<(usize, usize)> {
        let ix = self.current(state)?;
        let asks = |i: NodeIx| {
            matches!(
                self.dialog_node(i).kind,
                NodeKind::Question | NodeKind::Multi
            )
        };
        if !asks(ix) {
            return None;
        }
        let done = state
            .check
            .history
            .iter()
            .filter_map(|id| self.content.dialog.find(id))
            .filter(|i| asks(*i))
            .count();
        // Fewest question nodes from here to an outcome, counting this one: relax edges
        // until stable (the graph is small and acyclic in its forward edges).
        let d = &self.content.dialog;
        let mut dist = vec![usize::MAX; d.nodes.len()];
        dist[ix] = 1;
        let mut changed = true;
        while changed {
            changed = false;
            for i in 0..d.nodes.len() {
                if dist[i] == usize::MAX {
                    continue;
                }
                for next in d.nodes[i]
                    .choices
                    .iter()
                    .filter(|c| !c.nav)
                    .filter_map(|c| c.next)
                {
                    let via = dist[i] + usize::from(asks(next));
                    if via < dist[next] {
                        dist[next] = via;
                        changed = true;
                    }
                }
            }
        }
        let left = (0..d.nodes.len())
            .filter(|i| d.nodes[*i].kind == NodeKind::Outcome)
            .map(|i| dist[i])
            .min()
            .filter(|l| *l != usize::MAX);
        Some((done + 1, done + left?))
    }

    /// The options of the screen shown, in order: what each button says and does.
    pub fn options(&self, state: &State) -> Vec<OptionView> {
        let t = self.texts(state);
        let back_to_check = || OptionView::nav(t.get("label.back_to_check"), Action::BackToCheck);
        let mut out = Vec::new();
        match &state.screen {
            Screen::Idle => {}
            Screen::Emergency(undo) => {
                let mistake = if undo.typed {
                    "label.mistake_typed"
                } else {
                    "label.mistake"
                };
                out.push(OptionView::nav(t.get(mistake), Action::Undo));
                out.push(OptionView::nav(t.get("label.restart"), Action::Restart));
            }
            Screen::Languages { .. } => {
                for (i, texts) in self.content.languages.values().enumerate() {
                    let mut label = texts.get("language_name").to_string();
                    if texts.has("translation.review") {
                        label.push_str(" (beta)");
                    }
                    out.push(OptionView::plain(label, Action::Language(i)));
                }
                out.push(back_to_check());
            }
            Screen::Countries { .. } => {
                for iso in &self.content.common_countries {
                    if let Some(i) = self.content.countries.iter().position(|c| &c.iso == iso) {
                        let name = self.content.countries[i].name.clone();
                        out.push(OptionView::plain(name, Action::Country(i)));
                    }
                }
                out.push(back_to_check());
            }
            Screen::CheckIn { .. } => {
                for a in CheckInAnswer::ALL {
                    let label = t.get(&format!("checkin.label.{}", a.id())).to_string();
                    out.push(OptionView::plain(label, Action::CheckInReply(a)));
                }
            }
            Screen::Topics { ids, .. } => {
                if let Some(faq) = self.content.faq(&state.prefs.lang) {
                    for id in ids {
                        if let Some(i) = faq.find(id) {
                            let title = faq.topics[i].title.clone();
                            out.push(OptionView::plain(title, Action::Topic(i)));
                        }
                    }
                }
                out.push(back_to_check());
            }
            Screen::Question => {
                let Some(ix) = self.current(state) else {
                    return out;
                };
                let node = self.dialog_node(ix);
                if node.kind == NodeKind::Multi {
                    for f in &node.asks {
                        let short = format!("short.{}", f.id());
                        out.push(OptionView {
                            findings: vec![*f],
                            ticked: state.check.ticks.contains(f),
                            short: t.has(&short).then(|| t.get(&short).to_string()),
                            ..OptionView::plain(
                                t.get(&format!("finding.{}", f.id())),
                                Action::Item(*f),
                            )
                        });
                    }
                }
                let advice = node.kind == NodeKind::Advice;
                if node.kind != NodeKind::Outcome {
                    for (ci, c) in node.choices.iter().enumerate() {
                        out.push(OptionView {
                            // The early advice's way on records nothing.
                            findings: if advice {
                                Vec::new()
                            } else {
                                c.present.clone()
                            },
                            unsure: if advice { Vec::new() } else { c.unsure.clone() },
                            nav: c.nav,
                            ..OptionView::plain(
                                t.get(&format!("label.{}", c.label)),
                                Action::Choice(ci),
                            )
                        });
                    }
                }
                if node.kind != NodeKind::Info && node.kind != NodeKind::Consent {
                    out.push(OptionView::nav(t.get("label.back"), Action::Back));
                    out.push(OptionView::nav(t.get("label.restart"), Action::Restart));
                }
                // Last, so that the outcome's other options keep their numbers.
                if node.kind == NodeKind::Outcome && self.check_in_level(state).is_some() {
                    out.push(OptionView::nav(
                        t.get("checkin.label.offer"),
                        Action::CheckIn,
                    ));
                }
            }
        }
        out
    }

    /// The screen shown, with its options, key and progress; `None` when nothing is pending.
    pub fn pending(&self, state: &State) -> Option<Reply> {
        let t = self.texts(state);
        let mut r = match &state.screen {
            Screen::Idle => return None,
            Screen::Languages { .. } => {
                let mut r = Reply::new(Kind::Question, t.get("msg.language_prompt"));
                if t.has("translation.review") {
                    r.push_line(t.get("translation.review"));
                }
                r
            }
            Screen::Countries { .. } => {
                let mut r = Reply::new(Kind::Question, t.get("msg.country_prompt"));
                r.locate = Some(Locate::Offer);
                r
            }
            Screen::Topics { ids, .. } => {
                let all = self
                    .content
                    .faq(&state.prefs.lang)
                    .is_some_and(|f| ids.len() == f.topics.len());
                Reply::new(
                    Kind::Faq,
                    t.get(if all {
                        "msg.faq_prompt"
                    } else {
                        "msg.faq_unsure"
                    }),
                )
            }
            Screen::CheckIn { level, .. } => {
                let place = self.place(state);
                let number = number_phrase(place, t);
                let mut r = Reply::new(
                    Kind::Question,
                    t.get(&format!("checkin.ask.{}", level.id())),
                );
                r.lines.push(Line {
                    text: t.fill("advice.safety_net", &[("number", &number)]),
                    strong: true,
                });
                if place.country.is_some() && place.needs_fallback() {
                    r.push_line(fallback_note(place, t));
                }
                r.copy_number = place.country.map(|c| c.ambulance.clone());
                r
            }
            Screen::Emergency(_) => {
                let mut r = self.outcome_reply(state, true);
                self.offer_country(state, &mut r);
                r
            }
            Screen::Question => self.question(state)?,
        };
        r.options = self.options(state);
        r.multi = self.is_multi(state);
        r.key = self.key(state);
        r.progress = self.progress(state);
        Some(r)
    }

    /// The check's pending node without its options.
    fn question(&self, state: &State) -> Option<Reply> {
        let t = self.texts(state);
        let ix = self.current(state)?;
        let node = self.dialog_node(ix);
        match node.kind {
            NodeKind::Outcome if self.advice_shown(state) => {
                return Some(self.followup_reply(state));
            }
            NodeKind::Outcome => return Some(self.outcome_reply(state, false)),
            NodeKind::Advice => {
                // The result cannot change any more: show it now, then offer the rest.
                let mut r = self.outcome_reply(state, false);
                r.push_line(t.get("msg.early_more"));
                return Some(r);
            }
            _ => {}
        }
        let number = number_phrase(self.place(state), t);
        let mut r = Reply::new(
            if node.kind == NodeKind::Info {
                Kind::Info
            } else {
                Kind::Question
            },
            t.fill(&format!("node.{}", node.id), &[("number", &number)]),
        );
        if node.kind == NodeKind::Info && ix == self.content.dialog.start {
            let place = self.place(state);
            r.copy_number = place.country.map(|c| c.ambulance.clone());
            if t.has("translation.review") {
                r.push_line(t.get("translation.review"));
            }
            if place.country.is_some() && place.needs_fallback() {
                r.lines.insert(
                    1,
                    Line {
                        text: fallback_note(place, t),
                        strong: false,
                    },
                );
            }
            self.offer_country(state, &mut r);
            if r.offer_country {
                r.locate = Some(Locate::Offer);
            }
        }
        Some(r)
    }

    /// Where the country is unknown or guessed: a line saying how to set it, and the flag
    /// that lets a front end offer a button.
    pub(super) fn offer_country(&self, state: &State, r: &mut Reply) {
        let place = self.place(state);
        if place.country.is_none() || place.guessed {
            r.offer_country = true;
            r.push_line(self.texts(state).get("msg.set_country"));
        }
    }

    /// The answer of an FAQ topic.
    pub(super) fn answer(&self, state: &State, topic: usize) -> Option<Reply> {
        let faq = self.content.faq(&state.prefs.lang)?;
        let t = faq.topics.get(topic)?;
        // "{number}": the emergency number of the person's country, when it is known.
        let number = number_phrase(self.place(state), self.texts(state));
        let mut r = Reply::new(
            Kind::Faq,
            crate::core::texts::fill(&t.answer, &[("number", &number)]),
        );
        r.faq = Some(t.id.clone());
        Some(r)
    }

    /// The emergency help (/emergency): the number first, every red flag, what to tell the
    /// call handler.
    pub(super) fn emergency_help(&self, state: &State) -> Reply {
        let t = self.texts(state);
        let place = self.place(state);
        let mut r = Reply::new(Kind::Emergency, t.get("msg.emergency_intro"));
        r.lines.extend(call_lines(place, t));
        r.push_line(t.get("advice.emergency.no_drive"));
        for key in [
            "msg.emergency_signs",
            "msg.emergency_lung",
            "msg.emergency_limb",
            "msg.emergency_cauda",
        ] {
            r.push_line(t.get(key));
        }
        r.links
            .push(crate::core::advice::link(t, crate::core::advice::PE_PAGE));
        r.copy_number = place.country.map(|c| c.ambulance.clone());
        self.offer_country(state, &mut r);
        r
    }

    /// The country just set, with its number.
    pub(super) fn country_set(&self, state: &State, index: usize) -> Option<Reply> {
        let c = self.content.countries.get(index)?;
        let t = self.texts(state);
        let number = match &c.service {
            Some(s) => format!("{} {s}", c.ambulance),
            None => c.ambulance.clone(),
        };
        let mut r = Reply::new(
            Kind::Info,
            t.fill(
                "msg.country_set",
                &[("number", &number), ("country", &c.name)],
            ),
        );
        if !c.confirmed {
            r.push_line(t.get("number.unconfirmed"));
        }
        r.copy_number = Some(c.ambulance.clone());
        r.locate = Some(Locate::Withdraw);
        Some(r)
    }

    /// The summary of the answers for a clinician, dated now; `None` when nothing was
    /// answered.
    pub fn summary(&self, state: &State) -> Option<crate::core::report::Report> {
        let answers = &state.check.answers;
        if !answers.any() {
            return None;
        }
        let complete = self
            .node(state)
            .is_some_and(|ix| self.dialog_node(ix).kind == NodeKind::Outcome);
        let authored = humantime::format_rfc3339_seconds(self.now).to_string();
        Some(crate::core::report::report(
            self.content,
            answers,
            self.place(state),
            &state.prefs.lang,
            complete,
            &authored,
            env!("CARGO_PKG_VERSION"),
        ))
    }

    pub(super) fn nothing(&self, state: &State) -> Reply {
        Reply::new(Kind::Info, self.texts(state).get("msg.nothing_pending"))
    }

    /// The result of the answers so far: the emergency advice, or the end of the check.
    fn outcome_reply(&self, state: &State, emergency: bool) -> Reply {
        let t = self.texts(state);
        let place = self.place(state);
        let answers = &state.check.answers;
        let a = assess(&answers.findings, answers.typed_emergency, place, t);
        let why = std::iter::once(t.get("msg.why").to_string())
            .chain(
                // Plain words only: rule ids belong to the report and the JSON outputs.
                a.reasons.iter().map(|r| format!("• {}", r.text)),
            )
            .collect::<Vec<_>>()
            .join("\n");
        let why = Line {
            text: why,
            strong: false,
        };
        let heading = Line {
            text: t.get(&format!("urgency.{}", a.urgency.id())).to_string(),
            strong: true,
        };
        let emergency = emergency || a.urgency == Urgency::Emergency;
        let mut lines = Vec::new();
        if emergency {
            // The number comes first ("Call 999 now for an ambulance" says the urgency in
            // words); the reasons after the advice.
            lines.extend(a.advice.lines.iter().cloned());
            lines.push(why);
        } else {
            // A red flag the person was not sure about: its emergency line leads.
            let lead = a.advice.lead.min(a.advice.lines.len());
            lines.extend(a.advice.lines[..lead].iter().cloned());
            lines.push(heading);
            lines.push(why);
            lines.extend(a.advice.lines[lead..].iter().cloned());
        }
        let mut r = Reply::new(
            if emergency {
                Kind::Emergency
            } else {
                Kind::Outcome
            },
            "",
        );
        r.lines = lines;
        r.outcome = Some(Outcome {
            urgency: a.urgency,
            present: answers.findings.present().collect(),
            unsure: answers.findings.unsure().collect(),
            reasons: a.reasons,
            items: answers.items.clone(),
            policy_version: a.policy_version,
        });
        r.links = a.advice.links;
        r.copy_number = a.advice.number;
        r
    }

    /// No later answer can change the result: every red flag is answered (only one could
    /// raise it further) and it is already urgent.
    pub(super) fn result_is_final(&self, state: &State) -> bool {
        let answers = &state.check.answers;
        let flags_answered = Finding::ALL
            .iter()
            .filter(|f| f.is_red_flag())
            .all(|f| answers.findings.get(*f).is_some());
        flags_answered
            && triage(&answers.findings, answers.typed_emergency).urgency == Urgency::Urgent
    }

    /// The level a check-in would follow up, on an outcome below emergency; `None` on an
    /// emergency, which is followed by a call, not a message.
    pub(super) fn check_in_level(&self, state: &State) -> Option<Urgency> {
        let answers = &state.check.answers;
        let level = triage(&answers.findings, answers.typed_emergency).urgency;
        self.content.dialog.check_in.after(level).map(|_| level)
    }

    /// The safety net with the person's number, standing out.
    pub(super) fn safety_net(&self, state: &State) -> Line {
        let t = self.texts(state);
        let number = number_phrase(self.place(state), t);
        Line {
            text: t.fill("advice.safety_net", &[("number", &number)]),
            strong: true,
        }
    }

    /// Whether the early advice was shown on the way here.
    fn advice_shown(&self, state: &State) -> bool {
        state.check.history.iter().any(|id| {
            self.content
                .dialog
                .find(id)
                .is_some_and(|ix| self.dialog_node(ix).kind == NodeKind::Advice)
        })
    }

    /// The end of a check whose advice was shown early: the level, that the answers are in
    /// the summary, and what later answers add (the bleeding warning), with the safety net.
    fn followup_reply(&self, state: &State) -> Reply {
        let mut r = self.outcome_reply(state, false);
        let t = self.texts(state);
        let place = self.place(state);
        let answers = &state.check.answers;
        let urgency = r.outcome.as_ref().map_or(Urgency::SelfCare, |o| o.urgency);
        let mut lines = vec![
            Line {
                text: t.get(&format!("urgency.{}", urgency.id())).to_string(),
                strong: true,
            },
            Line {
                text: t.get("msg.after_early").to_string(),
                strong: false,
            },
        ];
        lines.extend(closing_lines(urgency, &answers.findings, place, t));
        r.lines = lines;
        r.links = Vec::new();
        r.followup = true;
        r
    }
}
