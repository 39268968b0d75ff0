//! Check-ins ("Check on me later"): the engine's screens and answers, the storages' claim,
//! acknowledgement and retry, the console, and the real bot against the fake Bot API —
//! delivered once, after a `kill -9` too, cancelled by /forget, dropped for a blocked user.

use crate::fake_telegram::{FakeTelegram, Fault};
use crate::support::{Console, redis_up, text_of};
use crate::telegram::{BotProcess, Person, unescape, walk};
use clotcheck::core::Content;
use clotcheck::core::engine::{
    Action, CHECK_IN_KEY, CheckInAnswer, Command, Effect, Engine, Input, Prefs, Screen, State,
};
use clotcheck::core::rules::Urgency;
use clotcheck::data;
use clotcheck::storage::checkins::{CheckIn, CheckIns, LEASE, now_ms};
use clotcheck::storage::memory::MemoryStorage;
use clotcheck::storage::redis_store::RedisStorage;
use clotcheck::storage::sqlite::SqliteStorage;
use clotcheck::storage::{ChatState, Expiry, decode, encode_state};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

fn content() -> Content {
    data::load_embedded().unwrap()
}

fn engine(c: &Content) -> Engine<'_> {
    Engine::new(c, SystemTime::now())
}

/// Walks the check with every answer "No" (or "None of these"), to the outcome.
fn to_outcome(c: &Content, state: &mut State) {
    let e = engine(c);
    e.step(state, Input::Start);
    for _ in 0..60 {
        let Some(p) = e.pending(state) else {
            panic!("nothing pending")
        };
        if p.outcome.is_some() && p.options.iter().any(|o| o.action == Action::CheckIn) {
            return;
        }
        let pick = p
            .options
            .iter()
            .position(|o| {
                [
                    "Start the check",
                    "I agree",
                    "No",
                    "None of these",
                    "Not sure",
                ]
                .contains(&o.label.as_str())
                    || o.label.contains("More questions")
            })
            .unwrap_or_else(|| panic!("no way on from {:?}", p.text()));
        e.step(state, Input::Choose(vec![pick]));
    }
    panic!("no outcome");
}

fn offer_index(c: &Content, state: &State) -> usize {
    engine(c)
        .options(state)
        .iter()
        .position(|o| o.action == Action::CheckIn)
        .expect("the offer")
}

fn press(c: &Content, state: &mut State, index: usize) -> clotcheck::core::engine::Turn {
    let key = engine(c).key(state).expect("a key");
    engine(c).turn(state, Input::Press { key, index })
}

fn answer(c: &Content, state: &mut State, a: CheckInAnswer) -> clotcheck::core::engine::Turn {
    let i = CheckInAnswer::ALL.iter().position(|x| *x == a).unwrap();
    press(c, state, i)
}

#[test]
fn every_outcome_below_emergency_offers_one_check_in_after_its_levels_delay() {
    let c = content();
    let mut s = State::default();
    to_outcome(&c, &mut s);
    let i = offer_index(&c, &s);
    let turn = press(&c, &mut s, i);
    let Some(Effect::ScheduleCheckIn { due_in, level }) = turn.effect else {
        panic!("scheduled: {turn:?}")
    };
    assert_eq!(Some(due_in), c.dialog.check_in.after(level));
    assert_eq!(
        due_in,
        Duration::from_secs(2 * 24 * 3600),
        "self-care: 2 days"
    );
    let text = turn.replies[0].text();
    assert!(text.contains("in 2 days"), "says when: {text}");
    assert!(text.contains("/forget"), "says how to cancel: {text}");
    assert!(
        text.contains("stands on its own"),
        "not to be relied on: {text}"
    );
    // Pressed again: a clear answer, nothing scheduled twice.
    let i = offer_index(&c, &s);
    let again = press(&c, &mut s, i);
    assert_eq!(again.effect, None);
    assert!(again.replies[0].text().contains("already planned"));
    // Delays per level in the data.
    let d = c.dialog.check_in;
    assert_eq!(d.urgent, Duration::from_secs(3 * 3600));
    assert_eq!(d.soon, Duration::from_secs(24 * 3600));
    assert_eq!(d.after(Urgency::Emergency), None);
}

#[test]
fn check_in_buttons_fit_a_phone_in_every_language() {
    let c = content();
    for lang in c.languages.keys() {
        let mut s = State::default();
        to_outcome(&c, &mut s);
        s.prefs.lang = lang.clone();
        let offer = &engine(&c).options(&s)[offer_index(&c, &s)];
        assert!(offer.label.chars().count() <= 32, "{lang}: {}", offer.label);
        engine(&c).turn(&mut s, Input::CheckInDue(Urgency::Urgent));
        for o in engine(&c).options(&s) {
            assert!(o.label.chars().count() <= 32, "{lang}: {}", o.label);
        }
    }
}

#[test]
fn an_emergency_offers_no_check_in() {
    let c = content();
    let e = engine(&c);
    let mut s = State::default();
    e.step(&mut s, Input::Start);
    e.step(&mut s, Input::Choose(vec![0]));
    e.step(&mut s, Input::Choose(vec![0]));
    // "Yes" to the first red flag.
    e.step(&mut s, Input::Choose(vec![0]));
    assert!(matches!(s.screen, Screen::Emergency(_)));
    assert!(
        !e.options(&s).iter().any(|o| o.action == Action::CheckIn),
        "no check-in after an emergency"
    );
}

#[test]
fn a_due_check_in_asks_how_the_leg_is_with_the_safety_net_and_four_answers() {
    let mut c = content();
    c.dialog.check_in = clotcheck::core::dialog::CheckInDelays::all(Duration::from_secs(1));
    let mut s = State {
        prefs: Prefs {
            lang: "de".into(),
            lang_chosen: true,
            country: Some("DE".into()),
            country_guessed: false,
        },
        ..State::default()
    };
    to_outcome_in_any_language(&c, &mut s);
    let turn = engine(&c).turn(&mut s, Input::CheckInDue(Urgency::Soon));
    let r = &turn.replies[0];
    assert_eq!(r.key.as_deref(), Some(CHECK_IN_KEY));
    assert!(
        r.text().contains("Wie geht es Ihrem Bein jetzt?"),
        "{}",
        r.text()
    );
    assert!(
        r.text().contains("112"),
        "the country's number: {}",
        r.text()
    );
    assert_eq!(r.options.len(), 4);
    for o in &r.options {
        assert!(o.label.chars().count() <= 32, "{}", o.label);
    }
    // Worse: the check again, same language and country.
    let turn = answer(&c, &mut s, CheckInAnswer::Worse);
    assert_eq!(s.prefs.lang, "de");
    assert_eq!(s.prefs.country.as_deref(), Some("DE"));
    assert!(matches!(s.screen, Screen::Question));
    assert_eq!(
        s.check.node.as_deref(),
        Some("rf_breath"),
        "the first question"
    );
    assert!(turn.replies.last().unwrap().key.as_deref() == Some("rf_breath"));
}

fn to_outcome_in_any_language(c: &Content, s: &mut State) {
    // The walk reads English labels; the answers do not depend on the language.
    let lang = std::mem::replace(&mut s.prefs.lang, "en".into());
    to_outcome(c, s);
    s.prefs.lang = lang;
}

#[test]
fn the_same_after_soon_or_self_care_advises_an_appointment_better_closes_stop_cancels() {
    let c = content();
    for (level, expect) in [
        (Urgency::Soon, "book an appointment"),
        (Urgency::SelfCare, "book an appointment"),
        (Urgency::Urgent, "get seen by a doctor today"),
    ] {
        let mut s = State::default();
        to_outcome(&c, &mut s);
        engine(&c).turn(&mut s, Input::CheckInDue(level));
        let turn = answer(&c, &mut s, CheckInAnswer::Same);
        let text = turn.replies[0].text();
        assert!(text.contains(expect), "{level:?}: {text}");
        assert!(
            text.contains("at once if any of these starts"),
            "safety net"
        );
        assert_eq!(turn.effect, None);
    }
    let mut s = State::default();
    to_outcome(&c, &mut s);
    engine(&c).turn(&mut s, Input::CheckInDue(Urgency::Soon));
    let turn = answer(&c, &mut s, CheckInAnswer::Better);
    assert!(turn.replies[0].text().contains("Good to hear"));
    assert!(
        turn.replies[0]
            .text()
            .contains("at once if any of these starts")
    );
    engine(&c).turn(&mut s, Input::CheckInDue(Urgency::Soon));
    let turn = answer(&c, &mut s, CheckInAnswer::Stop);
    assert_eq!(turn.effect, Some(Effect::CancelCheckIns));
    // The outcome's own buttons still work afterwards.
    assert_eq!(engine(&c).key(&s), s.check.node.clone());
}

#[test]
fn never_more_than_two_unanswered_check_ins_in_a_row() {
    let c = content();
    let mut s = State::default();
    to_outcome(&c, &mut s);
    let e = engine(&c);
    assert!(
        !e.turn(&mut s, Input::CheckInDue(Urgency::Soon))
            .replies
            .is_empty()
    );
    assert!(
        !e.turn(&mut s, Input::CheckInDue(Urgency::Soon))
            .replies
            .is_empty()
    );
    assert!(
        e.turn(&mut s, Input::CheckInDue(Urgency::Soon))
            .replies
            .is_empty(),
        "a third unanswered one is not sent"
    );
    // Anything the person does counts as an answer.
    e.turn(&mut s, Input::Command(Command::Help));
    assert!(
        !e.turn(&mut s, Input::CheckInDue(Urgency::Soon))
            .replies
            .is_empty()
    );
}

#[test]
fn check_in_buttons_after_forget_or_expiry_are_stale() {
    let c = content();
    let mut s = State::default();
    to_outcome(&c, &mut s);
    engine(&c).turn(&mut s, Input::CheckInDue(Urgency::Soon));
    let forgot = engine(&c).turn(&mut s, Input::Command(Command::Forget));
    assert_eq!(forgot.effect, Some(Effect::Forget));
    for mut state in [s, State::default()] {
        let turn = engine(&c).turn(
            &mut state,
            Input::Press {
                key: CHECK_IN_KEY.into(),
                index: 0,
            },
        );
        assert_eq!(turn.effect, Some(Effect::Rejected));
    }
    // The offer pressed after the conversation expired: stale too, nothing scheduled.
    let mut fresh = State::default();
    let turn = engine(&c).turn(
        &mut fresh,
        Input::Press {
            key: "outcome".into(),
            index: 0,
        },
    );
    assert_eq!(turn.effect, Some(Effect::Rejected));
}

#[test]
fn a_check_in_screen_and_its_flags_are_stored_and_read_back() {
    let c = content();
    let mut s = ChatState::default();
    to_outcome(&c, &mut s.engine);
    let key = engine(&c).key(&s.engine).unwrap();
    let index = offer_index(&c, &s.engine);
    engine(&c).turn(&mut s.engine, Input::Press { key, index });
    engine(&c).turn(&mut s.engine, Input::CheckInDue(Urgency::Urgent));
    assert!(s.engine.check.check_in);
    assert_eq!(s.engine.unanswered, 1);
    let back = decode(Some(&encode_state(&s)), None).unwrap();
    assert_eq!(back.engine.screen, s.engine.screen);
    assert_eq!(back.engine.check, s.engine.check);
    assert_eq!(back.engine.unanswered, 1);
}

// ---------------------------------------------------------------- storages

fn check_in(chat: i64, due: i64) -> CheckIn {
    CheckIn {
        chat,
        due,
        level: Urgency::Soon,
        lang: "es".into(),
        country: Some("CO".into()),
    }
}

/// What every storage must do with check-ins.
async fn claims<S>(s: Arc<S>, chat: i64)
where
    S: CheckIns + Storage<ChatState, Error = clotcheck::storage::StorageError> + 'static,
{
    let t = now_ms();
    s.cancel(chat).await.unwrap();
    s.schedule(check_in(chat, t + 60_000)).await.unwrap();
    let mine = |v: Vec<clotcheck::storage::checkins::Claimed>| {
        v.into_iter()
            .filter(|c| c.check_in.chat == chat)
            .collect::<Vec<_>>()
    };
    assert!(
        mine(s.claim(t, LEASE, 100).await.unwrap()).is_empty(),
        "not yet due"
    );
    // Due: claimed once, with what it holds.
    let got = mine(s.claim(t + 60_000, LEASE, 100).await.unwrap());
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].check_in.level, Urgency::Soon);
    assert_eq!(got[0].check_in.lang, "es");
    assert_eq!(got[0].check_in.country.as_deref(), Some("CO"));
    assert!(
        mine(s.claim(t + 60_000, LEASE, 100).await.unwrap()).is_empty(),
        "a claimed check-in is not claimed again"
    );
    // Sending failed: put back, due again then.
    s.retry(chat, got[0].token, t + 70_000).await.unwrap();
    assert!(mine(s.claim(t + 69_000, LEASE, 100).await.unwrap()).is_empty());
    let again = mine(s.claim(t + 70_000, LEASE, 100).await.unwrap());
    assert_eq!(again.len(), 1);
    // An instance that died holding it: due again when the lease ends.
    let after_lease = t + 70_000 + LEASE.as_millis() as i64;
    let third = mine(s.claim(after_lease, LEASE, 100).await.unwrap());
    assert_eq!(third.len(), 1, "re-queued after the lease");
    // A stale claim neither deletes nor moves it.
    s.done(chat, again[0].token).await.unwrap();
    s.retry(chat, again[0].token, 0).await.unwrap();
    assert!(mine(s.claim(after_lease, LEASE, 100).await.unwrap()).is_empty());
    // Acknowledged: gone.
    s.done(chat, third[0].token).await.unwrap();
    let far = t + 10 * LEASE.as_millis() as i64;
    assert!(
        mine(s.claim(far, LEASE, 100).await.unwrap()).is_empty(),
        "sent once"
    );
    // Scheduling again replaces: one per chat.
    s.schedule(check_in(chat, t)).await.unwrap();
    s.schedule(check_in(chat, t + 1)).await.unwrap();
    assert_eq!(mine(s.claim(t + 1, LEASE, 100).await.unwrap()).len(), 1);
    // A newer check-in scheduled while an old claim is out is not deleted by it.
    let old = mine(s.claim(far, LEASE, 100).await.unwrap());
    assert_eq!(old.len(), 1);
    s.schedule(check_in(chat, t + 5)).await.unwrap();
    s.done(chat, old[0].token).await.unwrap();
    assert_eq!(mine(s.claim(t + 5, LEASE, 100).await.unwrap()).len(), 1);
    // Cancelled, and deleted with the conversation (/forget, a blocked user).
    s.schedule(check_in(chat, t)).await.unwrap();
    s.cancel(chat).await.unwrap();
    assert!(mine(s.claim(far, LEASE, 100).await.unwrap()).is_empty());
    s.schedule(check_in(chat, t)).await.unwrap();
    s.clone().remove_dialogue(ChatId(chat)).await.unwrap();
    assert!(mine(s.claim(far, LEASE, 100).await.unwrap()).is_empty());
}

#[tokio::test]
async fn memory_check_ins_claim_acknowledge_and_retry() {
    claims(MemoryStorage::new(Expiry::default()), 1).await;
}

#[tokio::test]
async fn sqlite_check_ins_claim_acknowledge_retry_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite");
    let s = SqliteStorage::open(&path, Expiry::default()).await.unwrap();
    claims(s.clone(), 7).await;
    s.schedule(check_in(8, 1)).await.unwrap();
    drop(s);
    // Another process on the same file (a restart, or a second claimer): it is there, and
    // only one claim gets it.
    let a = SqliteStorage::open(&path, Expiry::default()).await.unwrap();
    let b = SqliteStorage::open(&path, Expiry::default()).await.unwrap();
    let t = now_ms();
    let (x, y) = tokio::join!(a.claim(t, LEASE, 10), b.claim(t, LEASE, 10));
    assert_eq!(x.unwrap().len() + y.unwrap().len(), 1);
    // What a check-in holds, and nothing else.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let cols: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('check_in')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(cols, ["chat_id", "due", "level", "lang", "country"]);
}

#[tokio::test]
async fn redis_check_ins_claim_acknowledge_retry_and_two_claimers_get_one_each() {
    if !redis_up() {
        return;
    }
    let prefix = format!("cctest-checkin-{}", std::process::id());
    let url = "redis://127.0.0.1:6379";
    let a = RedisStorage::open(url, &prefix, Expiry::default())
        .await
        .unwrap();
    claims(a.clone(), 11).await;
    let b = RedisStorage::open(url, &prefix, Expiry::default())
        .await
        .unwrap();
    for chat in 20..30 {
        a.schedule(check_in(chat, 1)).await.unwrap();
    }
    let t = now_ms();
    let (x, y) = tokio::join!(a.claim(t, LEASE, 6), b.claim(t, LEASE, 6));
    let (x, y) = (x.unwrap(), y.unwrap());
    let mut chats: Vec<i64> = x.iter().chain(&y).map(|c| c.check_in.chat).collect();
    chats.sort();
    assert_eq!(chats, (20..30).collect::<Vec<_>>(), "each claimed once");
    for c in x.iter().chain(&y) {
        a.done(c.check_in.chat, c.token).await.unwrap();
    }
    let mut conn = redis::Client::open(url).unwrap().get_connection().unwrap();
    let left: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query(&mut conn)
        .unwrap();
    assert!(left.is_empty(), "nothing left behind: {left:?}");
}

// ---------------------------------------------------------------- console

#[test]
fn the_console_offers_a_check_in_and_prints_it_when_due() {
    let (mut con, _) = Console::start(&["--check-in-delay", "1s", "--country", "CO"]);
    con.choose(&[1]);
    let mut r = con.choose(&[1]);
    for _ in 0..60 {
        let p = crate::support::pending(&r);
        let labels: Vec<&str> = p["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["label"].as_str().unwrap())
            .collect();
        if let Some(i) = labels.iter().position(|l| l.contains("Check on me later")) {
            let scheduled = con.choose(&[i + 1]);
            assert!(text_of(&scheduled[0]).contains("in 1 second"));
            // End of input: the console waits for the check-in and prints it.
            let out = con.finish_collecting();
            assert_eq!(
                out.iter()
                    .filter(|m| m["text"]
                        .as_str()
                        .is_some_and(|t| t.contains("How is your leg now")))
                    .count(),
                1,
                "{out:?}"
            );
            assert!(
                out.iter()
                    .any(|m| m["text"].as_str().unwrap_or("").contains("123"))
            );
            return;
        }
        let pick = labels
            .iter()
            .position(|l| {
                ["No", "None of these", "Not sure"].contains(l) || l.contains("More questions")
            })
            .unwrap();
        r = con.choose(&[pick + 1]);
    }
    panic!("no outcome");
}

// ---------------------------------------------------------------- Telegram

fn check_ins_sent(tg: &FakeTelegram, chat: i64) -> usize {
    tg.calls()
        .iter()
        .filter(|c| c.method == "sendMessage" && c.chat() == Some(chat))
        .filter(|c| unescape(c.text()).contains("How is your leg now"))
        .count()
}

async fn wait_check_ins(tg: &FakeTelegram, chat: i64, n: usize, within: Duration) -> bool {
    let until = std::time::Instant::now() + within;
    while std::time::Instant::now() < until {
        if check_ins_sent(tg, chat) >= n {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Presses the button labelled `label` on the newest keyboard and waits for a message
/// containing `expect`; returns its text.
async fn tap(p: &Person<'_>, label: &str, expect: &str) -> String {
    let m = p.tg.keyboard_message(p.chat).expect("a keyboard");
    let (_, data) = crate::fake_telegram::buttons(&m.markup)
        .into_iter()
        .find(|(l, _)| l.contains(label))
        .unwrap_or_else(|| panic!("no {label:?} in {}", m.markup));
    let since = p.tg.call_count();
    p.tg.press(p.chat, m.id, &data);
    let chat = p.chat;
    let calls =
        p.tg.wait_for(since, |c| {
            c.iter()
                .any(|x| x.chat() == Some(chat) && unescape(x.text()).contains(expect))
        })
        .await;
    calls
        .iter()
        .map(|x| unescape(x.text()))
        .find(|t| t.contains(expect))
        .unwrap()
}

/// A person walks to a self-care outcome and asks to be checked on.
async fn ask_for_check_in(p: &Person<'_>, c: &Content) -> String {
    let outcome = walk(p, c, &[], &[]).await;
    assert!(outcome.contains("NO URGENT SIGNS"), "{outcome}");
    tap(p, "Check on me later", "You asked me").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_in_arrives_once_with_its_buttons_and_worse_starts_again() {
    let c = content();
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &["--check-in-delay", "1s"], "info");
    let p = Person::new(&tg, 501);
    p.say("/start").await;
    // A chosen country: kept by the check-in.
    p.say("/country").await;
    p.say("Colombia").await;
    let confirmation = ask_for_check_in(&p, &c).await;
    assert!(confirmation.contains("in 1 second"), "{confirmation}");
    assert!(wait_check_ins(&tg, 501, 1, Duration::from_secs(10)).await);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(check_ins_sent(&tg, 501), 1, "once");
    let screen = p.screen();
    assert!(screen.contains("How is your leg now"));
    assert!(screen.contains("123"), "Colombia's number: {screen}");
    let labels = p.labels();
    for l in [
        "Better",
        "About the same",
        "Worse or something new",
        "Stop check-ins",
    ] {
        assert!(labels.iter().any(|x| x.contains(l)), "{l} in {labels:?}");
    }
    p.press("Worse or something new").await;
    assert!(
        p.screen().contains("short of breath"),
        "the check again: {}",
        p.screen()
    );
    p.press("Yes").await;
    assert!(p.screen().contains("123"), "same country: {}", p.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pressed_twice_one_check_in_and_forget_cancels_it() {
    let c = content();
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &["--check-in-delay", "2s"], "info");
    let p = Person::new(&tg, 502);
    ask_for_check_in(&p, &c).await;
    // The outcome keeps its buttons; the same button again: already planned.
    tap(&p, "Check on me later", "already planned").await;
    assert!(wait_check_ins(&tg, 502, 1, Duration::from_secs(10)).await);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(check_ins_sent(&tg, 502), 1, "scheduled once");

    // /forget before it is due: nothing arrives.
    let p = Person::new(&tg, 503);
    ask_for_check_in(&p, &c).await;
    let since = tg.call_count();
    tg.text(503, "/forget");
    tg.wait_for(since, |c| {
        c.iter().any(|x| {
            x.text()
                .contains("everything kept about you has been deleted")
        })
    })
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(check_ins_sent(&tg, 503), 0, "cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_in_survives_kill_9_and_is_delivered_once_after_restart() {
    let c = content();
    let tg = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let storage = format!("sqlite:{}", dir.path().join("bot.sqlite").display());
    let args = ["--check-in-delay", "3s", "--storage", storage.as_str()];
    let bot = BotProcess::start(&tg.url, &args, "info");
    let p = Person::new(&tg, 504);
    ask_for_check_in(&p, &c).await;
    drop(bot); // SIGKILL, before it is due
    assert_eq!(check_ins_sent(&tg, 504), 0);
    let _bot = BotProcess::start(&tg.url, &args, "info");
    assert!(wait_check_ins(&tg, 504, 1, Duration::from_secs(15)).await);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(check_ins_sent(&tg, 504), 1, "once");
    // And its buttons work in the restarted bot.
    tap(&p, "Better", "Good to hear").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_users_check_in_is_deleted() {
    let c = content();
    let tg = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bot.sqlite");
    let storage = format!("sqlite:{}", path.display());
    let bot = BotProcess::start(
        &tg.url,
        &["--check-in-delay", "2s", "--storage", storage.as_str()],
        "info",
    );
    let p = Person::new(&tg, 505);
    ask_for_check_in(&p, &c).await;
    tg.fail("sendMessage", Fault::Blocked, 1);
    assert!((0..3).any(|_| bot.wait_log("conversation and check-in deleted")));
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(check_ins_sent(&tg, 505), 0, "not sent, not retried");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let left: i64 = conn
        .query_row("SELECT count(*) FROM check_in", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0, "the check-in is deleted");
    let convo: i64 = conn
        .query_row(
            "SELECT count(*) FROM conversation WHERE chat_id = 505",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(convo, 0, "and the conversation");
}

#[test]
fn delays_are_said_in_words_in_each_language() {
    use clotcheck::core::engine::view::when;
    let c = content();
    let (en, de, es) = (c.texts("en"), c.texts("de"), c.texts("es"));
    assert_eq!(when(Duration::from_secs(1), en), "1 second");
    assert_eq!(when(Duration::from_secs(90 * 60), en), "90 minutes");
    assert_eq!(when(Duration::from_secs(3 * 3600), en), "3 hours");
    assert_eq!(when(Duration::from_secs(24 * 3600), en), "1 day");
    assert_eq!(when(Duration::from_secs(2 * 24 * 3600), de), "2 Tagen");
    assert_eq!(when(Duration::from_secs(24 * 3600), es), "1 día");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_in_button_pressed_after_forget_gets_a_clear_answer_and_does_nothing() {
    let c = content();
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &["--check-in-delay", "1s"], "info");
    let p = Person::new(&tg, 506);
    ask_for_check_in(&p, &c).await;
    assert!(wait_check_ins(&tg, 506, 1, Duration::from_secs(10)).await);
    let check_in = tg.keyboard_message(506).unwrap();
    let since = tg.call_count();
    tg.text(506, "/forget");
    tg.wait_for(since, |c| {
        c.iter().any(|x| {
            x.text()
                .contains("everything kept about you has been deleted")
        })
    })
    .await;
    let (_, data) = crate::fake_telegram::buttons(&check_in.markup)
        .into_iter()
        .find(|(l, _)| l.contains("Better"))
        .unwrap();
    let since = tg.call_count();
    tg.press(506, check_in.id, &data);
    let calls = tg
        .wait_for(since, |c| {
            c.iter().any(|x| x.method == "answerCallbackQuery")
        })
        .await;
    let answer = calls
        .iter()
        .find(|x| x.method == "answerCallbackQuery")
        .unwrap();
    assert!(
        answer.body["text"]
            .as_str()
            .unwrap_or("")
            .contains("earlier question"),
        "{}",
        answer.body
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !tg.calls()
            .iter()
            .any(|x| x.chat() == Some(506) && x.text().contains("Good to hear")),
        "nothing done"
    );
}

#[test]
fn text_typed_on_a_check_in_keeps_it_shown_and_an_emergency_still_comes_first() {
    let c = content();
    let mut s = State::default();
    to_outcome(&c, &mut s);
    engine(&c).turn(&mut s, Input::CheckInDue(Urgency::SelfCare));
    let turn = engine(&c).turn(&mut s, Input::Text("a bit better I think".into()));
    assert!(matches!(s.screen, Screen::CheckIn { .. }));
    assert_eq!(
        turn.replies.last().unwrap().key.as_deref(),
        Some(CHECK_IN_KEY),
        "the check-in again, with its buttons"
    );
    engine(&c).turn(&mut s, Input::Text("I suddenly can't breathe".into()));
    assert!(matches!(s.screen, Screen::Emergency(_)), "{:?}", s.screen);
}

#[test]
fn a_check_in_can_be_answered_in_words_in_each_language() {
    let c = content();
    for (lang, text, expect) in [
        ("en", "It's better!", "Good to hear"),
        ("en", "about the same", "book an appointment"),
        ("de", "Etwa gleich", "Termin"),
        ("es", "igual", "pida cita"),
    ] {
        let mut s = State::default();
        to_outcome(&c, &mut s);
        s.prefs.lang = lang.into();
        engine(&c).turn(&mut s, Input::CheckInDue(Urgency::Soon));
        let turn = engine(&c).turn(&mut s, Input::Text(text.into()));
        assert!(
            turn.replies[0].text().contains(expect),
            "{lang} {text}: {}",
            turn.replies[0].text()
        );
        assert!(!matches!(s.screen, Screen::CheckIn { .. }));
    }
    let mut s = State::default();
    to_outcome(&c, &mut s);
    s.prefs.lang = "es".into();
    engine(&c).turn(&mut s, Input::CheckInDue(Urgency::SelfCare));
    engine(&c).turn(&mut s, Input::Text("peor".into()));
    assert_eq!(
        s.check.node.as_deref(),
        Some("rf_breath"),
        "the check again"
    );
    let mut s = State::default();
    to_outcome(&c, &mut s);
    engine(&c).turn(&mut s, Input::CheckInDue(Urgency::SelfCare));
    let turn = engine(&c).turn(&mut s, Input::Text("stop".into()));
    assert_eq!(turn.effect, Some(Effect::CancelCheckIns));
}
