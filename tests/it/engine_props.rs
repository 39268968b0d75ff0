//! Property tests: the rules are monotone, and no input sequence panics the engine, strands
//! it without a way forward, or leaves a reported red flag without the emergency advice.

use clotcheck::core::engine::{Command, Engine, Input, State};
use clotcheck::core::findings::{Answer, Finding, Findings};
use clotcheck::core::rules::triage;
use clotcheck::data;
use clotcheck::storage::{ChatState, decode, encode_prefs, encode_state};
use proptest::prelude::*;

fn any_answer() -> impl Strategy<Value = Option<Answer>> {
    prop_oneof![
        Just(None),
        Just(Some(Answer::Absent)),
        Just(Some(Answer::Present)),
        Just(Some(Answer::Unsure)),
    ]
}

fn any_findings() -> impl Strategy<Value = Findings> {
    proptest::collection::vec(any_answer(), Finding::ALL.len()).prop_map(|answers| {
        let mut f = Findings::new();
        for (finding, a) in Finding::ALL.iter().zip(answers) {
            if let Some(a) = a {
                f.set(*finding, a);
            }
        }
        f
    })
}

fn any_finding() -> impl Strategy<Value = Finding> {
    (0..Finding::ALL.len()).prop_map(|i| Finding::ALL[i])
}

proptest! {
    #[test]
    fn adding_a_finding_never_lowers_the_urgency(base in any_findings(), extra in any_finding(), typed in any::<bool>()) {
        let before = triage(&base, typed).urgency;
        let mut more = base.clone();
        more.set(extra, Answer::Present);
        prop_assert!(triage(&more, typed).urgency >= before);
    }

    #[test]
    fn unsure_instead_of_no_never_lowers_the_urgency(base in any_findings(), extra in any_finding()) {
        let mut no = base.clone();
        no.set(extra, Answer::Absent);
        let mut unsure = base;
        unsure.set(extra, Answer::Unsure);
        prop_assert!(triage(&unsure, false).urgency >= triage(&no, false).urgency);
    }
}

fn any_command() -> impl Strategy<Value = Command> {
    prop_oneof![
        Just(Command::Start),
        Just(Command::Check),
        Just(Command::Back),
        Just(Command::Restart),
        Just(Command::Faq),
        Just(Command::Report),
        Just(Command::Emergency),
        Just(Command::Country),
        Just(Command::Language),
        Just(Command::Forget),
        Just(Command::Help),
        Just(Command::Unknown),
    ]
}

fn any_input() -> impl Strategy<Value = Input> {
    prop_oneof![
        4 => proptest::collection::vec(0usize..20, 0..4).prop_map(Input::Choose),
        1 => Just(Input::Start),
        1 => any_finding().prop_map(Input::Toggle),
        1 => Just(Input::Done),
        1 => any_command().prop_map(Input::Command),
        1 => prop_oneof![
            Just(clotcheck::core::rules::Urgency::Urgent),
            Just(clotcheck::core::rules::Urgency::Soon),
            Just(clotcheck::core::rules::Urgency::SelfCare),
        ]
        .prop_map(Input::CheckInDue),
        1 => prop_oneof![
            Just("yes".to_string()),
            Just("no".to_string()),
            Just("not sure".to_string()),
            Just("I can't breathe".to_string()),
            Just("heart attack".to_string()),
            Just("no chest pain".to_string()),
            ".{0,40}",
        ].prop_map(Input::Text),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn no_input_sequence_panics_or_strands_the_engine(inputs in proptest::collection::vec(any_input(), 1..60)) {
        let content = data::load_embedded().unwrap();
        let engine = Engine::new(&content, std::time::SystemTime::now());
        let mut state = State::default();
        engine.step(&mut state, Input::Start);
        for input in inputs {
            let replies = engine.step(&mut state, input.clone());
            // A third check-in in a row that nobody answered is not sent: no reply, by design.
            if !matches!(input, Input::CheckInDue(_)) {
                prop_assert!(!replies.is_empty(), "no reply to {input:?}");
            }
            // A way forward: whatever is pending has options.
            if state.check.node.is_some() {
                let p = engine.pending(&state);
                prop_assert!(p.as_ref().is_some_and(|p| !p.options.is_empty()), "stranded after {input:?}: {state:?}");
            }
            // A red flag on record always shows the emergency advice.
            if state.check.answers.findings.present().any(|f| f.is_red_flag()) || state.check.answers.typed_emergency {
                prop_assert!(state.screen.undo().is_some(), "red flag without emergency after {input:?}");
            }
            // Any outcome shown is the rules' verdict on the recorded answers.
            for r in &replies {
                if let Some(o) = &r.outcome {
                    prop_assert_eq!(o.urgency, triage(&state.check.answers.findings, state.check.answers.typed_emergency).urgency);
                }
            }
            // The state survives storage.
            // The state survives storage, with the preferences chosen (kept apart).
            let stored = ChatState { engine: state.clone(), ..ChatState::default() };
            let prefs = encode_prefs(&stored);
            let back = decode(Some(&encode_state(&stored)), prefs.as_deref()).unwrap();
            prop_assert_eq!(&back.engine.screen, &state.screen);
            prop_assert_eq!(&back.engine.check, &state.check);
            prop_assert_eq!(&back.engine.prefs, &state.prefs.chosen());
        }
    }
}

fn mutate(text: &str, edits: &[(usize, u8, String)]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for (at, kind, junk) in edits {
        if lines.is_empty() {
            break;
        }
        let i = at % lines.len();
        match kind % 4 {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => lines[i].push_str(junk),
            _ => {
                let cut = lines[i]
                    .char_indices()
                    .nth(lines[i].chars().count() / 2)
                    .map(|(b, _)| b)
                    .unwrap_or(0);
                lines[i].truncate(cut);
            }
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// Arbitrary edits to the shipped files never panic the loader: it answers with the data
    /// or with problems, each located.
    #[test]
    fn arbitrary_dialogue_files_never_panic_the_loader(
        file in 0usize..data::FILES.len(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), ".{0,12}"), 1..8),
        replace_with in proptest::option::of(".{0,200}"),
    ) {
        let mut files = data::embedded_files();
        let names: Vec<String> = files.keys().cloned().collect();
        assert_eq!(names.len(), data::FILES.len(), "every data file can be picked");
        let name = &names[file];
        let text = files[name].clone();
        let new = match replace_with {
            Some(any_text) => any_text,
            None => mutate(&text, &edits),
        };
        files.insert(name.clone(), new);
        match data::load_files(&files) {
            Ok(_) => {}
            Err(problems) => {
                prop_assert!(!problems.0.is_empty());
                for p in &problems.0 {
                    prop_assert!(!p.message.is_empty());
                    prop_assert!(!p.file.is_empty());
                }
            }
        }
    }

    /// Arbitrary button data never panics the decoder, and what it accepts encodes back the same.
    #[test]
    fn arbitrary_button_data_never_panics(data in ".{0,80}") {
        use clotcheck::telegram::render::Press;
        if let Some(p) = Press::decode(&data) {
            prop_assert_eq!(Press::decode(&p.encode()), Some(p));
        }
    }

    /// Whatever state random inputs reach, the Telegram rendering of what is pending stays
    /// within Telegram's limits: messages under 4096 characters, button data under 64 bytes.
    #[test]
    fn rendering_stays_within_telegram_limits(inputs in proptest::collection::vec(any_input(), 1..40)) {
        use clotcheck::telegram::render::{MAX_DATA, MAX_MESSAGE, render};
        let content = data::load_embedded().unwrap();
        let engine = Engine::new(&content, std::time::SystemTime::now());
        let mut state = State::default();
        let t = content.texts("en");
        for input in inputs {
            let replies = engine.step(&mut state, input);
            for (i, r) in replies.iter().enumerate() {
                for out in render(r, i + 1 == replies.len(), t) {
                    prop_assert!(out.html.chars().count() <= MAX_MESSAGE);
                    if let Some(k) = &out.keyboard {
                        for row in &k.inline_keyboard {
                            for b in row {
                                if let teloxide::types::InlineKeyboardButtonKind::CallbackData(d) = &b.kind {
                                    prop_assert!(d.len() <= MAX_DATA, "{d}");
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What pressing a button must have done, judged by what it says: its action, the findings
/// it records and the screen it leads to.
fn check_press(
    content: &clotcheck::core::Content,
    before: &State,
    option: &clotcheck::core::engine::OptionView,
    after: &State,
    replies: &[clotcheck::core::engine::Reply],
) -> Result<(), TestCaseError> {
    use clotcheck::core::engine::{Action, Kind, Screen};
    let emergency = matches!(after.screen.base(), Screen::Emergency(_));
    match option.action {
        Action::Country(i) => {
            prop_assert_eq!(
                after.prefs.country.as_deref(),
                Some(content.countries[i].iso.as_str())
            );
            let picker = matches!(after.screen, Screen::Countries { .. });
            prop_assert!(!picker);
        }
        Action::Language(i) => {
            let code = content.languages.keys().nth(i).unwrap();
            prop_assert_eq!(&after.prefs.lang, code);
            prop_assert!(after.prefs.lang_chosen);
            let picker = matches!(after.screen, Screen::Languages { .. });
            prop_assert!(!picker);
        }
        // Back to what was under the picker — or, with nothing under it (after /forget), the
        // welcome.
        Action::BackToCheck if matches!(before.screen.base(), Screen::Idle) => {
            prop_assert_eq!(after.screen.base(), &Screen::Question)
        }
        Action::BackToCheck => prop_assert_eq!(after.screen.base(), before.screen.base()),
        Action::CheckIn => {
            // One check-in for the outcome; the outcome stays shown.
            prop_assert!(after.check.check_in);
            prop_assert_eq!(&after.screen, &before.screen);
            prop_assert_eq!(&after.check.answers, &before.check.answers);
        }
        Action::CheckInReply(a) => {
            let check_in = matches!(after.screen, Screen::CheckIn { .. });
            prop_assert!(!check_in);
            if a == clotcheck::core::engine::CheckInAnswer::Worse {
                prop_assert!(after.check.history.is_empty());
                prop_assert_eq!(&after.screen, &Screen::Question);
            } else {
                prop_assert_eq!(after.screen.base(), before.screen.base());
            }
        }
        Action::Topic(i) => {
            let id = &content.faq(&before.prefs.lang).unwrap().topics[i].id;
            prop_assert!(
                replies.iter().any(|r| r.faq.as_ref() == Some(id)),
                "no answer {}",
                id
            );
        }
        Action::Undo => {
            prop_assert!(!emergency);
            prop_assert!(replies.iter().any(|r| r.kind == Kind::Info));
        }
        Action::Restart => {
            prop_assert!(after.check.history.is_empty());
            prop_assert!(after.check.answers.findings.present().next().is_none());
            prop_assert_eq!(&after.screen, &Screen::Question);
        }
        Action::Back => prop_assert!(
            after.check.history.len() < before.check.history.len()
                || after.check.node != before.check.node
        ),
        Action::Item(f) => prop_assert_eq!(
            after.check.ticks.contains(&f),
            !before.check.ticks.contains(&f)
        ),
        Action::Choice(_) => {
            for f in &option.findings {
                prop_assert_eq!(
                    after.check.answers.findings.get(*f),
                    Some(Answer::Present),
                    "{:?}",
                    f
                );
            }
            for f in &option.unsure {
                prop_assert_eq!(
                    after.check.answers.findings.get(*f),
                    Some(Answer::Unsure),
                    "{:?}",
                    f
                );
            }
            // A red flag tapped shows the emergency at once.
            prop_assert_eq!(emergency, option.findings.iter().any(|f| f.is_red_flag()));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// Whatever came before, in any order: every button of the screen shown carries the
    /// state's key, and pressing it is accepted and does what it says.
    #[test]
    fn every_button_shown_is_accepted_and_does_what_it_says(
        steps in proptest::collection::vec((any_input(), any::<prop::sample::Index>()), 1..40)
    ) {
        use clotcheck::core::engine::Effect;
        let content = data::load_embedded().unwrap();
        let engine = Engine::new(&content, std::time::SystemTime::now());
        let mut state = State::default();
        engine.step(&mut state, Input::Start);
        for (input, pick) in steps {
            let turn = engine.turn(&mut state, input.clone());
            // The screen shown is the last reply with options: its key is the state's.
            if let Some(shown) = turn.replies.last().filter(|r| !r.options.is_empty()) {
                prop_assert_eq!(&shown.key, &engine.key(&state), "after {:?}", input);
            }
            let Some(shown) = engine.pending(&state) else { continue };
            prop_assert_eq!(&shown.key, &engine.key(&state));
            if shown.options.is_empty() {
                continue;
            }
            let index = pick.index(shown.options.len());
            let before = state.clone();
            let press = Input::Press { key: shown.key.clone().unwrap(), index };
            let turn = engine.turn(&mut state, press);
            prop_assert!(turn.effect != Some(Effect::Rejected), "{:?} rejected", shown.options[index].label);
            prop_assert!(
                !turn.replies.iter().any(|r| r.kind == clotcheck::core::engine::Kind::Error),
                "{:?} answered with an error", shown.options[index].label
            );
            check_press(&content, &before, &shown.options[index], &state, &turn.replies)?;
            // A press with the key of a screen no longer shown is rejected and changes nothing
            // (with nothing shown, the welcome comes).
            if engine.key(&state) != shown.key {
                let now = state.clone();
                let stale = Input::Press { key: shown.key.clone().unwrap(), index };
                prop_assert_eq!(engine.turn(&mut state, stale).effect, Some(Effect::Rejected));
                if now.screen != clotcheck::core::engine::Screen::Idle {
                    prop_assert_eq!(&state, &now);
                }
            }
        }
    }
}
