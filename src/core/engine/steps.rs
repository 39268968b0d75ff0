//! The transitions: the only code that changes a [`State`]. Each input moves the screen and
//! the check's progress together, then the screen now shown is rendered once, at the end.

use super::free_text::Route;
use super::reply::{Action, CheckInAnswer, Kind, OptionView, Reply};
use super::state::{Check, Screen, State, Undo};
use super::{Effect, Engine, Input, Turn};
use crate::core::advice::Line;
use crate::core::commands::Command;
use crate::core::dialog::{NodeIx, NodeKind};
use crate::core::findings::{Answer, Finding};
use crate::core::rules::Urgency;

impl Engine<'_> {
    pub(super) fn apply(&self, state: &mut State, input: Input, out: &mut Turn) {
        // Anything the person does answers the check-ins sent so far.
        if !matches!(input, Input::CheckInDue(_)) {
            state.unanswered = 0;
        }
        match input {
            Input::CheckInDue(level) => self.check_in_due(state, level, out),
            Input::Start => self.start(state, out),
            Input::Choose(picks) => self.choose(state, &picks, out),
            Input::Toggle(f) => self.toggle(state, f, out),
            Input::Done => self.done(state, out),
            Input::Press { key, index } => {
                if self.key(state).as_deref() != Some(key.as_str()) {
                    return self.reject(state, out);
                }
                let options = self.options(state);
                match options.get(index).map(|o| o.action) {
                    Some(Action::Item(f)) if self.is_multi(state) => self.toggle(state, f, out),
                    Some(_) => self.choose(state, &[index], out),
                    None => self.reject(state, out),
                }
            }
            Input::Submit { key } => {
                if self.key(state).as_deref() == Some(key.as_str()) && self.is_multi(state) {
                    self.done(state, out)
                } else {
                    self.reject(state, out)
                }
            }
            Input::Text(text) => {
                let route = self.route(state, &text);
                self.follow(state, route, out)
            }
            Input::Command(cmd) => self.command(state, cmd, out),
            Input::Show => self.show_or_start(state, out),
            Input::Location { country } => self.located(state, country, out),
            Input::BadLocation => {
                let t = self.texts(state);
                out.replies
                    .push(Reply::new(Kind::Error, t.get("msg.location_invalid")));
                self.show(state, out);
            }
        }
    }

    /// A shared place: its country becomes the chosen one and the screen shown comes back
    /// (the welcome when nothing was); a place in no country of the table gives the generic
    /// numbers and the country picker, the country kept as it was.
    fn located(&self, state: &mut State, country: Option<String>, out: &mut Turn) {
        let t = self.texts(state);
        let found =
            country.and_then(|iso| self.content.countries.iter().position(|c| c.iso == iso));
        let Some(index) = found else {
            let mut r = Reply::new(Kind::Info, t.get("msg.location_unknown"));
            r.lines.push(Line {
                text: t.get("number.fallback").to_string(),
                strong: true,
            });
            out.replies.push(r);
            self.overlay(state, |under| Screen::Countries { under });
            return self.show(state, out);
        };
        let c = &self.content.countries[index];
        state.prefs.country = Some(c.iso.clone());
        state.prefs.country_guessed = false;
        self.close_overlay(state);
        if let Some(mut r) = self.country_set(state, index) {
            let number = match &c.service {
                Some(s) => format!("{} {s}", c.ambulance),
                None => c.ambulance.clone(),
            };
            r.lines[0].text = t.fill(
                "msg.location_set",
                &[("number", &number), ("country", &c.name)],
            );
            out.replies.push(r);
        }
        self.show_or_start(state, out);
    }

    /// A stale or forged press: nothing changes; the screen shown again (or the welcome).
    fn reject(&self, state: &mut State, out: &mut Turn) {
        out.effect = Some(Effect::Rejected);
        self.show_or_start(state, out);
    }

    /// The screen shown, or the welcome when nothing is.
    fn show_or_start(&self, state: &mut State, out: &mut Turn) {
        match self.pending(state) {
            Some(p) => out.replies.push(p),
            None => self.start(state, out),
        }
    }

    fn show(&self, state: &State, out: &mut Turn) {
        out.replies.extend(self.pending(state));
    }

    fn show_or_nothing(&self, state: &State, out: &mut Turn) {
        let r = self.pending(state).unwrap_or_else(|| self.nothing(state));
        out.replies.push(r);
    }

    /// An error, then the screen shown again (or "nothing pending").
    pub(super) fn error(&self, state: &State, key: &str, out: &mut Turn) {
        let t = self.texts(state);
        match self.pending(state) {
            Some(p) => {
                out.replies.push(Reply::new(Kind::Error, t.get(key)));
                out.replies.push(p);
            }
            None => out
                .replies
                .push(Reply::new(Kind::Error, t.get("msg.nothing_pending"))),
        }
    }

    fn start(&self, state: &mut State, out: &mut Turn) {
        self.reset_check(state);
        state.check.consent = false;
        state.check.node = Some(self.dialog_node(self.content.dialog.start).id.clone());
        state.screen = Screen::Question;
        self.show_or_nothing(state, out);
    }

    fn reset_check(&self, state: &mut State) {
        let consent = state.check.consent;
        state.check = Check {
            consent,
            ..Check::default()
        };
        state.screen = Screen::Idle;
    }

    fn restart(&self, state: &mut State, out: &mut Turn) {
        self.reset_check(state);
        let d = &self.content.dialog;
        let to = if state.check.consent {
            d.check
        } else {
            d.start
        };
        state.check.node = Some(self.dialog_node(to).id.clone());
        state.screen = Screen::Question;
        self.show(state, out);
    }

    /// Closes a picker or the topics: the screen under them comes back.
    fn close_overlay(&self, state: &mut State) {
        state.screen = std::mem::take(&mut state.screen).into_base();
    }

    /// Shows `screen` over the screen under any picker shown now.
    fn overlay(&self, state: &mut State, make: impl FnOnce(Box<Screen>) -> Screen) {
        let base = std::mem::take(&mut state.screen).into_base();
        state.screen = make(Box::new(base));
    }

    fn follow(&self, state: &mut State, route: Route, out: &mut Turn) {
        match route {
            Route::Command(cmd) => self.command(state, cmd, out),
            Route::Emergency(red_flags) => self.typed_emergency(state, &red_flags, out),
            Route::Country(i) => self.set_country(state, i, out),
            Route::CountryUnknown => {
                let t = self.texts(state);
                if let Some(mut picker) = self.pending(state) {
                    picker.lines[0].text = t.get("msg.country_unknown").to_string();
                    out.replies.push(picker);
                }
            }
            Route::Answer(ix, ci) => {
                self.close_overlay(state);
                self.record_choice(state, ix, ci, out)
            }
            Route::Topic(i) => {
                self.close_overlay(state);
                out.replies.extend(self.answer(state, i));
                self.show_or_start(state, out);
            }
            Route::Topics(ids) => {
                self.overlay(state, |under| Screen::Topics { ids, under });
                self.show(state, out);
            }
            Route::Welcome => self.start(state, out),
            Route::CheckIn(answer) => self.check_in_reply(state, answer, out),
            Route::NotUnderstood => {
                if !matches!(state.screen, Screen::CheckIn { .. }) {
                    self.close_overlay(state);
                }
                self.error(state, "msg.didnt_understand", out)
            }
        }
    }

    /// An emergency typed: recorded as if tapped, and the check ends with the emergency advice.
    fn typed_emergency(&self, state: &mut State, red_flags: &[Finding], out: &mut Turn) {
        let mut undo = match std::mem::take(&mut state.screen).into_base() {
            Screen::Emergency(prev) => Undo {
                findings: prev.findings,
                typed: true,
            },
            _ => Undo {
                findings: Vec::new(),
                typed: true,
            },
        };
        let answers = &mut state.check.answers;
        for f in red_flags {
            if !answers.findings.is_present(*f) {
                undo.findings.push(*f);
            }
            answers.findings.set(*f, Answer::Present);
            if !answers.typed.contains(f) {
                answers.typed.push(*f);
            }
        }
        if red_flags.is_empty() {
            answers.typed_emergency = true;
        }
        state.screen = Screen::Emergency(undo);
        if let Some(mut r) = self.pending(state) {
            r.lines.insert(
                0,
                Line {
                    text: self.texts(state).get("msg.typed_emergency").to_string(),
                    strong: false,
                },
            );
            out.replies.push(r);
        }
    }

    fn command(&self, state: &mut State, cmd: Command, out: &mut Turn) {
        let t = self.texts(state);
        match cmd {
            Command::Start => self.start(state, out),
            Command::Check | Command::Restart => self.restart(state, out),
            Command::Back => self.back(state, out),
            Command::Emergency => {
                out.replies.push(self.emergency_help(state));
                self.show(state, out);
            }
            Command::Forget => {
                // Everything goes; the confirmation is in the language it was asked in.
                let lang = std::mem::take(&mut state.prefs.lang);
                *state = State::default();
                state.prefs.lang = lang;
                out.replies
                    .push(Reply::new(Kind::Info, t.get("msg.forgotten")));
                out.effect = Some(Effect::Forget);
            }
            Command::Help | Command::Unknown => {
                out.replies.push(Reply::new(Kind::Info, t.get("msg.help")));
                self.show(state, out);
            }
            Command::Country => {
                self.overlay(state, |under| Screen::Countries { under });
                self.show(state, out);
            }
            Command::Language => {
                self.overlay(state, |under| Screen::Languages { under });
                self.show(state, out);
            }
            Command::Faq => {
                if let Some(faq) = self.content.faq(&state.prefs.lang) {
                    let ids = faq.topics.iter().map(|t| t.id.clone()).collect();
                    self.overlay(state, |under| Screen::Topics { ids, under });
                }
                self.show(state, out);
            }
            Command::Report => self.report(state, out),
        }
    }

    /// The summary for a clinician, dated now.
    fn report(&self, state: &State, out: &mut Turn) {
        let Some(r) = self.summary(state) else {
            let t = self.texts(state);
            out.replies
                .push(Reply::new(Kind::Info, t.get("report.nothing")));
            return self.show(state, out);
        };
        let mut reply = Reply::new(Kind::Report, r.text);
        reply.fhir = Some(r.fhir);
        out.replies.push(reply);
    }

    fn choose(&self, state: &mut State, picks: &[usize], out: &mut Turn) {
        if matches!(state.screen, Screen::Idle) {
            let t = self.texts(state);
            out.replies
                .push(Reply::new(Kind::Error, t.get("msg.nothing_pending")));
            return;
        }
        let options = self.options(state);
        if picks.iter().any(|p| *p >= options.len()) {
            return self.error(state, "msg.out_of_range", out);
        }
        let mut picked: Vec<&OptionView> = Vec::new();
        for p in picks {
            let o = &options[*p];
            if !picked.contains(&o) {
                picked.push(o);
            }
        }
        if !self.is_multi(state) {
            if picked.len() != 1 {
                return self.error(state, "msg.choose_one", out);
            }
            return self.act(state, picked[0].action, out);
        }
        // A multi-select: one navigation option alone, or items, or one plain answer alone.
        if picked.len() == 1 && picked[0].nav {
            return self.act(state, picked[0].action, out);
        }
        if picked.iter().any(|o| o.nav) {
            return self.error(state, "msg.nav_with_items", out);
        }
        let (mut plain, mut items) = (Vec::new(), Vec::new());
        for o in &picked {
            match o.action {
                Action::Choice(ci) => plain.push(ci),
                Action::Item(f) => items.push(f),
                _ => {}
            }
        }
        if !plain.is_empty() && picked.len() > 1 {
            return self.error(state, "msg.none_with_items", out);
        }
        let Some(ix) = self.current(state) else {
            return self.error(state, "msg.nothing_pending", out);
        };
        self.record_multi(state, ix, &items, plain.first().copied(), out);
    }

    fn act(&self, state: &mut State, action: Action, out: &mut Turn) {
        match action {
            Action::Back => self.back(state, out),
            Action::Restart => self.restart(state, out),
            Action::Undo => self.undo(state, out),
            Action::Item(f) => self.toggle(state, f, out),
            Action::Country(i) => self.set_country(state, i, out),
            Action::Language(i) => {
                if let Some(code) = self.content.languages.keys().nth(i) {
                    state.prefs.lang = code.clone();
                    state.prefs.lang_chosen = true;
                }
                self.close_overlay(state);
                let t = self.texts(state);
                out.replies
                    .push(Reply::new(Kind::Info, t.get("msg.language_set")));
                self.show_or_start(state, out);
            }
            Action::BackToCheck => {
                self.close_overlay(state);
                self.show_or_start(state, out);
            }
            Action::Topic(i) => {
                self.close_overlay(state);
                out.replies.extend(self.answer(state, i));
                self.show_or_start(state, out);
            }
            Action::CheckIn => self.ask_check_in(state, out),
            Action::CheckInReply(a) => self.check_in_reply(state, a, out),
            Action::Choice(ci) => {
                let Some(ix) = self.current(state) else {
                    return self.error(state, "msg.nothing_pending", out);
                };
                self.record_choice(state, ix, ci, out);
            }
        }
    }

    /// Sets the country the user chose, closes the picker, and shows what was pending.
    fn set_country(&self, state: &mut State, index: usize, out: &mut Turn) {
        let Some(c) = self.content.countries.get(index) else {
            return self.error(state, "msg.out_of_range", out);
        };
        state.prefs.country = Some(c.iso.clone());
        state.prefs.country_guessed = false;
        self.close_overlay(state);
        out.replies.extend(self.country_set(state, index));
        self.show_or_nothing(state, out);
    }

    fn toggle(&self, state: &mut State, f: Finding, out: &mut Turn) {
        match self.current(state) {
            Some(ix)
                if self.dialog_node(ix).kind == NodeKind::Multi
                    && self.dialog_node(ix).asks.contains(&f) =>
            {
                let ticks = &mut state.check.ticks;
                if let Some(pos) = ticks.iter().position(|x| *x == f) {
                    ticks.remove(pos);
                } else {
                    ticks.push(f);
                }
                self.show(state, out);
            }
            _ => self.error(state, "msg.out_of_range", out),
        }
    }

    fn done(&self, state: &mut State, out: &mut Turn) {
        match self.current(state) {
            Some(ix) if self.dialog_node(ix).kind == NodeKind::Multi => {
                let ticks = std::mem::take(&mut state.check.ticks);
                self.record_multi(state, ix, &ticks, None, out)
            }
            _ => self.error(state, "msg.nothing_pending", out),
        }
    }

    fn record_choice(&self, state: &mut State, ix: NodeIx, ci: usize, out: &mut Turn) {
        let node = self.dialog_node(ix);
        let Some(choice) = node.choices.get(ci) else {
            return self.error(state, "msg.out_of_range", out);
        };
        if choice.nav {
            if let Some(next) = choice.next {
                state.check.node = Some(self.dialog_node(next).id.clone());
            }
            return self.show(state, out);
        }
        let check = &mut state.check;
        if node.kind == NodeKind::Consent {
            check.consent = true;
        }
        if let (Some(item), Some(value)) = (node.item, &choice.value) {
            check.answers.items.insert(item, value.clone());
        }
        let findings = &mut check.answers.findings;
        for f in &node.asks {
            findings.set(*f, Answer::Absent);
        }
        for f in &choice.present {
            findings.set(*f, Answer::Present);
        }
        for f in &choice.unsure {
            findings.set(*f, Answer::Unsure);
        }
        self.advance(state, ix, &choice.present, choice.next, out);
    }

    fn record_multi(
        &self,
        state: &mut State,
        ix: NodeIx,
        items: &[Finding],
        plain: Option<usize>,
        out: &mut Turn,
    ) {
        let node = self.dialog_node(ix);
        let findings = &mut state.check.answers.findings;
        for f in &node.asks {
            findings.set(*f, Answer::Absent);
        }
        let mut next = None;
        if let Some(choice) = plain.and_then(|ci| node.choices.get(ci)) {
            for f in &choice.unsure {
                findings.set(*f, Answer::Unsure);
            }
            next = choice.next;
        }
        for f in items {
            findings.set(*f, Answer::Present);
        }
        state.check.ticks.clear();
        let fallback = node.choices.iter().find_map(|c| c.next);
        self.advance(state, ix, items, next.or(fallback), out);
    }

    /// After recording the answers of node `ix`: the emergency at once if a red flag was
    /// affirmed, otherwise on to the next node.
    fn advance(
        &self,
        state: &mut State,
        ix: NodeIx,
        affirmed: &[Finding],
        next: Option<NodeIx>,
        out: &mut Turn,
    ) {
        let red: Vec<Finding> = affirmed
            .iter()
            .copied()
            .filter(|f| f.is_red_flag())
            .collect();
        if !red.is_empty() {
            state.screen = Screen::Emergency(Undo {
                findings: red,
                typed: false,
            });
            return self.show(state, out);
        }
        if let Some(next) = next.map(|n| self.skip(state, n)) {
            state.check.history.push(self.dialog_node(ix).id.clone());
            state.check.node = Some(self.dialog_node(next).id.clone());
        }
        self.show(state, out);
    }

    /// Where the flow goes from `next`: past nodes that have nothing to do now — a report
    /// item with no leg symptom present or already answered, and the early advice when the
    /// result can still change.
    fn skip(&self, state: &State, mut next: NodeIx) -> NodeIx {
        let answers = &state.check.answers;
        for _ in 0..self.content.dialog.nodes.len() {
            let node = self.dialog_node(next);
            let pass = match node.kind {
                NodeKind::Item => {
                    !answers.findings.present().any(|f| f.is_leg_symptom())
                        || node.item.is_some_and(|i| answers.items.contains_key(&i))
                }
                NodeKind::Advice => !self.result_is_final(state),
                _ => false,
            };
            let onward = node.choices.iter().find(|c| !c.nav).and_then(|c| c.next);
            match (pass, onward) {
                (true, Some(n)) => next = n,
                _ => break,
            }
        }
        next
    }

    fn back(&self, state: &mut State, out: &mut Turn) {
        self.close_overlay(state);
        if matches!(state.screen, Screen::Emergency(_)) {
            return self.undo(state, out);
        }
        let start = &self.dialog_node(self.content.dialog.start).id;
        let check = &mut state.check;
        let prev = match check.history.pop() {
            Some(prev) => prev,
            // After Start over the way back leads to the welcome.
            None if check.node.as_ref().is_some_and(|n| n != start) => start.clone(),
            None => return self.error(state, "msg.nothing_to_undo", out),
        };
        for id in [check.node.as_deref(), Some(prev.as_str())]
            .into_iter()
            .flatten()
        {
            if let Some(ix) = self.content.dialog.find(id) {
                for f in &self.dialog_node(ix).asks {
                    check.answers.clear(*f);
                }
                if let Some(item) = self.dialog_node(ix).item {
                    check.answers.items.remove(&item);
                }
            }
        }
        check.ticks.clear();
        check.node = Some(prev);
        state.screen = Screen::Question;
        self.show(state, out);
    }

    fn undo(&self, state: &mut State, out: &mut Turn) {
        self.close_overlay(state);
        let Screen::Emergency(undo) = std::mem::take(&mut state.screen) else {
            return self.back(state, out);
        };
        for f in &undo.findings {
            state.check.answers.clear(*f);
        }
        if undo.typed {
            state.check.answers.typed_emergency = false;
        }
        state.screen = if state.check.node.is_some() {
            Screen::Question
        } else {
            Screen::Idle
        };
        let t = self.texts(state);
        out.replies
            .push(Reply::new(Kind::Info, t.get("msg.undone")));
        self.show_or_nothing(state, out);
    }

    /// "Check on me later": one check-in for this outcome, after its level's delay.
    fn ask_check_in(&self, state: &mut State, out: &mut Turn) {
        let t = self.texts(state);
        let (Some(level), Some(_)) = (self.check_in_level(state), self.current(state)) else {
            return self.error(state, "msg.out_of_range", out);
        };
        let Some(due_in) = self.content.dialog.check_in.after(level) else {
            return self.error(state, "msg.out_of_range", out);
        };
        if state.check.check_in {
            // Pressed again: nothing is scheduled twice.
            out.replies
                .push(Reply::new(Kind::Info, t.get("checkin.already")));
            return;
        }
        state.check.check_in = true;
        let when = super::view::when(due_in, t);
        out.replies.push(Reply::new(
            Kind::Info,
            t.fill("checkin.scheduled", &[("when", &when)]),
        ));
        out.effect = Some(Effect::ScheduleCheckIn { due_in, level });
    }

    /// A check-in is due: how is the leg now? Over whatever is shown, which comes back after
    /// the answer. Never a third one in a row that nobody answered.
    fn check_in_due(&self, state: &mut State, level: Urgency, out: &mut Turn) {
        if state.unanswered >= 2 {
            return;
        }
        state.unanswered += 1;
        self.overlay(state, |under| Screen::CheckIn { level, under });
        self.show(state, out);
    }

    fn check_in_reply(&self, state: &mut State, answer: CheckInAnswer, out: &mut Turn) {
        let Screen::CheckIn { level, .. } = &state.screen else {
            return self.reject(state, out);
        };
        let level = *level;
        self.close_overlay(state);
        let t = self.texts(state);
        let with_safety_net = |key: &str| {
            let mut r = Reply::new(Kind::Info, t.get(key));
            r.lines.push(self.safety_net(state));
            r
        };
        match answer {
            CheckInAnswer::Better => out.replies.push(with_safety_net("checkin.better")),
            CheckInAnswer::Same => out
                .replies
                .push(with_safety_net(if level == Urgency::Urgent {
                    "checkin.same_urgent"
                } else {
                    "checkin.same_book"
                })),
            CheckInAnswer::Worse => {
                // The check again, in the same language and for the same country.
                out.replies
                    .push(Reply::new(Kind::Info, t.get("checkin.worse")));
                self.restart(state, out);
            }
            CheckInAnswer::Stop => {
                out.replies
                    .push(Reply::new(Kind::Info, t.get("checkin.stopped")));
                out.effect = Some(Effect::CancelCheckIns);
            }
        }
    }
}
