//! The country from a shared location: the engine's `Location` input (a chosen country, kept
//! as a preference; the generic numbers and the picker at sea), the console's `/location`,
//! and Telegram end to end — the location button beside the picker and the welcome in private
//! chats only, locations, venues, live locations, bad coordinates — with the coordinates
//! never in the log, the replies or the database.

use crate::fake_telegram::{Call, FakeTelegram, reply_buttons};
use crate::support::{Console, sigterm, text_of};
use crate::telegram::{BotProcess, Person, unescape};
use clotcheck::core::Content;
use clotcheck::core::engine::{Command, Engine, Input, Kind, Locate, Prefs, Reply, Screen, State};
use clotcheck::data;
use std::time::Duration;

fn content() -> Content {
    data::load_embedded().expect("shipped data is valid")
}

fn text(replies: &[Reply]) -> String {
    replies
        .iter()
        .map(Reply::text)
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn at(country: Option<&str>) -> Input {
    Input::Location {
        country: country.map(str::to_string),
    }
}

/// A conversation begun with `country` chosen (not guessed), as most engine tests here need
/// before the location they send.
fn started_in(engine: &Engine, country: &str) -> State {
    let mut state = State::default();
    state.prefs.country = Some(country.into());
    engine.step(&mut state, Input::Start);
    state
}

// ---- the engine -------------------------------------------------------------------------------

#[test]
fn a_location_sets_a_chosen_country_that_is_kept_as_a_preference() {
    let content = content();
    let engine = Engine::new(&content, std::time::SystemTime::now());
    let mut state = State::default();
    // Guessed from the app's settings first: the location replaces the guess.
    state.prefs.country = Some("GB".into());
    state.prefs.country_guessed = true;
    engine.step(&mut state, Input::Start);
    let replies = engine.step(&mut state, at(Some("CO")));
    let said = text(&replies);
    assert!(said.contains("Colombia") && said.contains("123"), "{said}");
    assert_eq!(replies[0].locate, Some(Locate::Withdraw));
    assert_eq!(state.prefs.country.as_deref(), Some("CO"));
    assert!(
        !state.prefs.country_guessed,
        "a shared location is a choice"
    );
    // What storage keeps for longer than the answers.
    assert_eq!(state.prefs.chosen().country.as_deref(), Some("CO"));
    // The welcome comes back with the new number.
    let last = replies.last().unwrap();
    assert!(last.text().starts_with("Call 123"), "{}", last.text());
    assert_eq!(
        last.locate, None,
        "nothing left to offer: the country is set"
    );
}

#[test]
fn a_location_closes_the_picker_and_shows_what_was_pending() {
    let content = content();
    let engine = Engine::new(&content, std::time::SystemTime::now());
    let mut state = State::default();
    engine.step(&mut state, Input::Start);
    engine.step(&mut state, Input::Choose(vec![0]));
    engine.step(&mut state, Input::Choose(vec![0])); // consent: the first question
    let question = state.clone();
    let picker = engine.step(&mut state, Input::Command(Command::Country));
    assert_eq!(picker.last().unwrap().locate, Some(Locate::Offer));
    let replies = engine.step(&mut state, at(Some("DE")));
    assert!(text(&replies).contains("Germany"));
    assert_eq!(state.screen, question.screen);
    assert_eq!(state.check, question.check, "the answers are untouched");
    assert!(replies.last().unwrap().text().contains("short of breath"));
    // In an emergency, the advice comes back with the new number first.
    let mut state = State::default();
    engine.step(&mut state, Input::Text("I'm coughing up blood".into()));
    let replies = engine.step(&mut state, at(Some("ES")));
    let last = replies.last().unwrap();
    assert_eq!(last.kind, Kind::Emergency);
    assert!(last.lines[0].text.contains("112"), "{}", last.text());
}

#[test]
fn at_sea_or_outside_the_table_the_generic_numbers_and_the_picker() {
    let content = content();
    let engine = Engine::new(&content, std::time::SystemTime::now());
    let fallback = content.texts("en").get("number.fallback").to_string();
    // "AQ": a country code the numbers table has no row for.
    for country in [None, Some("AQ")] {
        let mut state = started_in(&engine, "FR");
        let replies = engine.step(&mut state, at(country));
        let said = text(&replies);
        assert!(said.contains(&fallback), "{said}");
        assert!(matches!(state.screen, Screen::Countries { .. }));
        let picker = replies.last().unwrap();
        assert!(picker.options.iter().any(|o| o.label == "Germany"));
        assert_eq!(picker.locate, Some(Locate::Offer));
        assert_eq!(state.prefs.country.as_deref(), Some("FR"), "kept as it was");
    }
}

#[test]
fn impossible_coordinates_get_a_clear_answer_and_change_nothing() {
    let content = content();
    let engine = Engine::new(&content, std::time::SystemTime::now());
    let mut state = started_in(&engine, "DE");
    let before = state.clone();
    let replies = engine.step(&mut state, Input::BadLocation);
    assert_eq!(replies[0].kind, Kind::Error);
    assert!(replies[0].text().contains("not a place on the map"));
    assert_eq!(state, before);
    assert!(replies.last().unwrap().text().starts_with("Call 112"));
}

#[test]
fn the_welcome_offers_the_location_only_while_the_country_is_unknown_or_guessed() {
    let content = content();
    let engine = Engine::new(&content, std::time::SystemTime::now());
    for (country, guessed, offered) in [
        (None, false, true),
        (Some("GB"), true, true),
        (Some("GB"), false, false),
    ] {
        let mut state = State {
            prefs: Prefs {
                country: country.map(str::to_string),
                country_guessed: guessed,
                ..Prefs::default()
            },
            ..State::default()
        };
        let welcome = engine.step(&mut state, Input::Start);
        assert_eq!(
            welcome[0].locate == Some(Locate::Offer),
            offered,
            "{country:?} guessed={guessed}"
        );
    }
}

#[test]
fn the_location_button_fits_a_phone_in_every_language() {
    let content = content();
    for lang in ["en", "de", "es"] {
        let t = content.texts(lang);
        let label = t.get("telegram.share_location");
        assert!(label.chars().count() <= 32, "{lang}: {label}");
        assert!(label.starts_with('📍'), "{lang}: {label}");
    }
}

fn any_input() -> impl proptest::strategy::Strategy<Value = Input> {
    use proptest::prelude::*;
    prop_oneof![
        4 => proptest::collection::vec(0usize..14, 1..2).prop_map(Input::Choose),
        1 => Just(Input::Start),
        2 => prop_oneof![
            Just(Command::Country),
            Just(Command::Language),
            Just(Command::Faq),
            Just(Command::Back),
            Just(Command::Restart),
            Just(Command::Emergency),
            Just(Command::Forget),
        ]
        .prop_map(Input::Command),
        1 => prop_oneof![Just("I'm coughing up blood"), Just("what is a dvt")]
            .prop_map(|t| Input::Text(t.to_string())),
        2 => prop_oneof![Just(Some("DE")), Just(Some("CO")), Just(Some("AQ")), Just(None)]
            .prop_map(|c: Option<&str>| at(c)),
        1 => Just(Input::BadLocation),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// A location is accepted on any screen: a country of the table is set as chosen and the
    /// screen under any picker comes back (the welcome when there was none); at sea the picker
    /// over the same screen, the country kept; impossible coordinates change nothing.
    #[test]
    fn a_location_on_any_screen(inputs in proptest::collection::vec(any_input(), 1..30)) {
        let content = content();
        let engine = Engine::new(&content, std::time::SystemTime::now());
        let mut state = State::default();
        engine.step(&mut state, Input::Start);
        for input in inputs {
            let before = state.clone();
            let replies = engine.step(&mut state, input.clone());
            match &input {
                Input::Location { country: Some(iso) } if iso != "AQ" => {
                    proptest::prop_assert_eq!(state.prefs.country.as_deref(), Some(iso.as_str()));
                    proptest::prop_assert!(!state.prefs.country_guessed);
                    let base = before.screen.base().clone();
                    if base != Screen::Idle {
                        proptest::prop_assert_eq!(&state.screen, &base);
                        proptest::prop_assert_eq!(&state.check, &before.check);
                    }
                    let shown = engine.pending(&state);
                    proptest::prop_assert!(shown.is_some(), "a screen is shown");
                    proptest::prop_assert_eq!(replies.last(), shown.as_ref());
                }
                Input::Location { .. } => {
                    let picker = matches!(state.screen, Screen::Countries { .. });
                    proptest::prop_assert!(picker, "the picker");
                    proptest::prop_assert_eq!(state.screen.base(), before.screen.base());
                    proptest::prop_assert_eq!(&state.prefs, &before.prefs);
                }
                Input::BadLocation => proptest::prop_assert_eq!(&state, &before),
                _ => {}
            }
        }
    }
}

// ---- the console ------------------------------------------------------------------------------

#[test]
fn console_location_command_sets_the_country() {
    let (mut c, _) = Console::start(&[]);
    let replies = c.text("/location 52.52 13.405");
    let said: String = replies.iter().map(text_of).collect();
    assert!(said.contains("Germany") && said.contains("112"), "{said}");
    assert!(!said.contains("52.52"), "the point is not echoed");
    let replies = c.text("/location 30 -40");
    assert!(text_of(&replies[0]).contains("112 works"));
    let replies = c.text("/location 95 0");
    assert_eq!(replies[0]["kind"], "error");
    let replies = c.text("/location here");
    assert_eq!(replies[0]["kind"], "error");
    assert_eq!(c.finish(), 0);
}

// ---- Telegram ---------------------------------------------------------------------------------

/// Coordinates with digits no message of the bot contains: what must never be logged, stored
/// or echoed.
const BOGOTA: (f64, f64) = (4.7109876, -74.0721234);
const BERLIN: (f64, f64) = (52.5200987, 13.4049876);
const MADRID: (f64, f64) = (40.4167654, -3.7037654);
const AT_SEA: (f64, f64) = (30.0123456, -40.0123456);
const SECRETS: &[&str] = &[
    "4.7109876",
    "74.0721234",
    "52.5200987",
    "13.4049876",
    "40.4167654",
    "3.7037654",
    "30.0123456",
    "40.0123456",
    "Hidden Cafe",
];

/// The message with a reply keyboard among `calls`, and whether its button shares the
/// location.
fn location_offer(calls: &[Call]) -> Option<&Call> {
    calls.iter().find(|c| {
        c.method == "sendMessage" && reply_buttons(&c.body["reply_markup"]).iter().any(|b| b.1)
    })
}

/// Waits for the bot's answer to a location: the messages up to the next keyboard (the screen
/// shown again) and any location offer sent after it.
async fn answer(tg: &FakeTelegram, since: usize, chat: i64) -> Vec<Call> {
    tg.wait_keyboard(since, chat).await;
    // The location button, when offered, follows the screen: give it a moment.
    tokio::time::sleep(Duration::from_millis(300)).await;
    tg.calls()[since..].to_vec()
}

fn said(calls: &[Call]) -> String {
    calls
        .iter()
        .filter(|c| c.method == "sendMessage")
        .map(|c| unescape(c.text()))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_a_shared_location_sets_the_country_and_nothing_keeps_the_point() {
    let tg = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bot.sqlite");
    let storage = format!("sqlite:{}", db.display());
    let mut bot = BotProcess::start(&tg.url, &["--storage", &storage], "trace");
    let p = Person::new(&tg, 2001);

    // The welcome, country unknown: the location button comes with it.
    let since = tg.call_count();
    tg.text(p.chat, "/start");
    let calls = answer(&tg, since, p.chat).await;
    let offer = location_offer(&calls).expect("the welcome offers the location button");
    let markup = &offer.body["reply_markup"];
    assert_eq!(markup["one_time_keyboard"], true);
    assert_eq!(markup["resize_keyboard"], true);
    assert_eq!(
        reply_buttons(markup),
        vec![("📍 Share my location".to_string(), true)]
    );
    assert!(unescape(offer.text()).contains("keep only the country"));

    // The picker: its buttons, then the location button with a message saying what it is for.
    let since = tg.call_count();
    tg.text(p.chat, "/country");
    let calls = answer(&tg, since, p.chat).await;
    let picker = calls
        .iter()
        .position(|c| c.has_callback_buttons())
        .expect("the picker");
    let offer = calls
        .iter()
        .position(|c| location_offer(std::slice::from_ref(c)).is_some())
        .expect("the location button");
    assert!(
        picker < offer,
        "the button's message comes last, next to it"
    );

    // Bogotá: Colombia and 123, the reply keyboard removed.
    let since = tg.call_count();
    tg.location(p.chat, BOGOTA.0, BOGOTA.1);
    let calls = answer(&tg, since, p.chat).await;
    let set = calls
        .iter()
        .find(|c| c.text().contains("Colombia"))
        .expect("the country named");
    assert!(set.text().contains("123"), "{}", set.text());
    assert_eq!(set.body["reply_markup"]["remove_keyboard"], true);
    assert!(location_offer(&calls).is_none(), "not offered again");
    assert!(p.screen().starts_with("Call 123"), "{}", p.screen());

    // At sea: the generic numbers, the picker and the button again.
    let since = tg.call_count();
    tg.location(p.chat, AT_SEA.0, AT_SEA.1);
    let calls = answer(&tg, since, p.chat).await;
    assert!(said(&calls).contains("112 works on mobile phones"));
    assert!(p.labels().iter().any(|l| l == "Germany"), "the picker");
    assert!(location_offer(&calls).is_some());

    // A venue: its location counts.
    let since = tg.call_count();
    tg.venue(p.chat, BERLIN.0, BERLIN.1, "Hidden Cafe");
    let calls = answer(&tg, since, p.chat).await;
    assert!(said(&calls).contains("Germany"), "{}", said(&calls));
    assert!(said(&calls).contains("112"));

    // Out of range: a clear answer; the country stays Germany.
    let since = tg.call_count();
    tg.location(p.chat, 95.5, 13.4);
    let calls = answer(&tg, since, p.chat).await;
    assert!(said(&calls).contains("not a place on the map"));
    assert!(p.screen().starts_with("Call 112"), "{}", p.screen());

    // No coordinates at all: Telegram never sends this. Read as a message of an unknown
    // kind, it gets the plain note of what the bot reads; the next message is answered.
    let since = tg.call_count();
    tg.push(
        serde_json::json!({"message": {"message_id": 7, "date": 1_700_000_000,
        "chat": {"id": p.chat, "type": "private"}, "from": crate::fake_telegram::user(p.chat),
        "location": {"horizontal_accuracy": 30.0}}}),
    );
    let calls = tg
        .wait_for(since, |calls| {
            calls
                .iter()
                .any(|c| c.method == "sendMessage" && c.text().contains("I can read text"))
        })
        .await;
    assert!(
        said(&calls).contains("shared locations only"),
        "{}",
        said(&calls)
    );
    p.say("/start").await;
    assert!(p.screen().starts_with("Call 112"), "{}", p.screen());

    // A live location: its first position counts once; its moves (edits) get no answer.
    let since = tg.call_count();
    tg.live_location(p.chat, MADRID.0, MADRID.1, 900);
    let calls = answer(&tg, since, p.chat).await;
    assert!(said(&calls).contains("Spain"), "{}", said(&calls));
    let since = tg.call_count();
    for _ in 0..3 {
        tg.live_location_moved(p.chat, BOGOTA.0, BOGOTA.1);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    p.say("/emergency").await;
    let calls = tg.calls()[since..].to_vec();
    assert!(!said(&calls).contains("Colombia"), "{}", said(&calls));
    assert!(
        said(&calls).contains("Call 112"),
        "still Spain: {}",
        said(&calls)
    );

    // Nothing of the points in what the bot said.
    let all = said(&tg.calls());
    for secret in SECRETS {
        assert!(!all.contains(secret), "{secret} echoed");
    }

    sigterm(bot.pid());
    bot.wait_exit();
    assert!(bot.wait_log("clotcheck stopped"), "the whole log was read");
    let log = bot.log();
    assert!(!log.is_empty());
    for secret in SECRETS {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
    // The database: the country chosen, kept as a preference; no point anywhere in its files.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let prefs: String = conn
            .query_row(
                "SELECT prefs FROM preference WHERE chat_id = ?1",
                [p.chat],
                |r| r.get(0),
            )
            .unwrap();
        assert!(prefs.contains("ES"), "{prefs}");
        let mut stmt = conn
            .prepare("SELECT state FROM conversation UNION ALL SELECT prefs FROM preference")
            .unwrap();
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for row in &rows {
            for secret in SECRETS {
                assert!(!row.contains(secret), "{secret} stored: {row}");
            }
        }
    }
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let raw = String::from_utf8_lossy(&bytes);
        for secret in SECRETS {
            assert!(!raw.contains(secret), "{secret} in the database files");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_groups_get_no_location_button_and_their_locations_are_left_alone() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    let since = tg.call_count();
    tg.group_location(-600, 88, BERLIN.0, BERLIN.1);
    tg.group_text(-600, 88, "/country");
    tg.group_text(-600, 88, "/emergency");
    tg.wait_for(since, |c| {
        c.iter()
            .filter(|x| x.method == "sendMessage" && x.chat() == Some(-600))
            .count()
            >= 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let calls: Vec<Call> = tg.calls()[since..]
        .iter()
        .filter(|c| c.chat() == Some(-600))
        .cloned()
        .collect();
    assert!(location_offer(&calls).is_none(), "{calls:?}");
    assert!(
        calls.iter().all(|c| !c.text().contains("Germany")),
        "the group's location is not read"
    );
    assert_eq!(
        calls.iter().filter(|c| c.method == "sendMessage").count(),
        2,
        "only the commands are answered: {calls:?}"
    );
    // The same person in a private chat does get the button.
    let p = Person::new(&tg, 88);
    let since = tg.call_count();
    tg.text(p.chat, "/country");
    let calls = answer(&tg, since, p.chat).await;
    assert!(location_offer(&calls).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_a_location_sets_the_country_and_a_live_locations_moves_are_acknowledged_only() {
    use crate::webhook::{deliver, one_instance};
    let tg = FakeTelegram::start().await;
    let (_dir, _bot, port) = one_instance(&tg, &[]).await;
    let chat = 9301;
    let mut message = serde_json::json!({
        "message_id": 900, "date": 1_700_000_000,
        "chat": { "id": chat, "type": "private", "first_name": "Alex" },
        "from": crate::fake_telegram::user(chat),
        "location": { "latitude": BOGOTA.0, "longitude": BOGOTA.1, "live_period": 900 },
    });
    let first = tg.stamp(serde_json::json!({ "message": message.clone() }));
    assert_eq!(deliver(port, &first).await, 200);
    let answered = said(&tg.calls());
    assert!(
        answered.contains("Colombia") && answered.contains("123"),
        "{answered}"
    );
    // Unlike polling, a webhook gets edits too: each move is acknowledged and not answered.
    let sent = tg.count("sendMessage");
    message["edit_date"] = serde_json::json!(1_700_000_060);
    message["location"] =
        serde_json::json!({ "latitude": BERLIN.0, "longitude": BERLIN.1, "live_period": 900 });
    for _ in 0..3 {
        let moved = tg.stamp(serde_json::json!({ "edited_message": message.clone() }));
        assert_eq!(deliver(port, &moved).await, 200);
    }
    assert_eq!(tg.count("sendMessage"), sent, "no answer to a move");
    let since = tg.call_count();
    let emergency = tg.stamp(tg.text_update(chat, "/emergency"));
    assert_eq!(deliver(port, &emergency).await, 200);
    let answer = said(&tg.calls()[since..]);
    assert!(answer.contains("Call 123"), "still Colombia: {answer}");
}
