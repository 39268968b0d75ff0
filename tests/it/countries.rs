//! The emergency number for where the user is: every country of the table, in the console and
//! in Telegram; the guess from Telegram's language tag; the fallback; /country by button and
//! by typed name.

use crate::fake_telegram::{Call, FakeTelegram, buttons};
use crate::support::{Console, pending, text_of};
use crate::telegram::{BotProcess, Person, unescape};
use clotcheck::core::country::Country;
use clotcheck::data;

fn countries() -> Vec<Country> {
    data::load_embedded().unwrap().countries
}

/// How the call line names the number ("Call 15 (SAMU) now").
fn call_line(c: &Country) -> String {
    match &c.service {
        Some(s) => format!("Call {} ({s}) now for an ambulance.", c.ambulance),
        None => format!("Call {} now for an ambulance.", c.ambulance),
    }
}

#[test]
fn console_every_country_gets_its_number_first_in_the_emergency_advice() {
    for c in countries() {
        let (mut console, _) = Console::start(&["--country", &c.iso]);
        let r = console.text("I can't breathe");
        let text = text_of(&r[0]);
        let body = text.trim_start_matches("What you wrote sounds like an emergency.\n\n");
        assert!(body.starts_with(&call_line(&c)), "{}: {text}", c.iso);
        assert_eq!(
            text.contains("If that number does not work where you are"),
            !c.confirmed,
            "{}: the fallback line only beside numbers that need a second source",
            c.iso
        );
        assert!(
            !text.contains("/country"),
            "{}: a chosen country needs no offer",
            c.iso
        );
        console.finish();
    }
}

#[test]
fn console_country_by_typed_code_and_name() {
    let (mut c, _) = Console::start(&[]);
    for (typed, iso_number) in [
        ("au", "000"),
        ("Japan", "119"),
        ("india", "112"),
        ("England", "999"),
        ("the Netherlands", "112"),
        ("USA", "911"),
        ("Türkiye", "112"),
        ("turkey", "112"),
        ("Deutschland", "112"),
        ("new zealand", "111"),
        ("Kolumbien", "123"),
        ("colombia", "123"),
        ("CO", "123"),
        ("Chile", "131"),
        ("Perú", "116"),
        ("República Dominicana", "911"),
        ("Dominikanische Republik", "911"),
        ("Estados Unidos", "911"),
        ("Vereinigtes Königreich", "999"),
    ] {
        c.text("/country");
        let r = c.text(typed);
        assert!(
            text_of(&r[0]).contains(&format!("Your emergency number is now {iso_number}")),
            "{typed}: {r:?}"
        );
    }
    // Not a country: said so, and the picker stays.
    c.text("/country");
    let r = c.text("Atlantis");
    assert!(text_of(&r[0]).contains("I don't have a number for that place"));
    assert!(r[0]["options"].as_array().unwrap().len() > 5);
    c.finish();
}

#[test]
fn console_country_by_button_then_back_where_the_user_was() {
    let (mut c, _) = Console::start(&[]);
    c.choose(&[1]);
    c.choose(&[1]); // at the first question
    let picker = c.text("/country");
    let options = pending(&picker)["options"].as_array().unwrap().clone();
    let australia = options
        .iter()
        .position(|o| o["label"] == "Australia")
        .unwrap()
        + 1;
    let r = c.choose(&[australia]);
    assert!(text_of(&r[0]).contains("000 (Australia)"));
    assert!(
        text_of(pending(&r)).contains("short of breath"),
        "back at the question"
    );
    let r = c.choose(&[1]); // Yes: breathless
    assert!(text_of(&r[0]).starts_with("Call 000 now"));
}

#[test]
fn console_unknown_country_gets_the_fallback_and_an_offer() {
    let (mut c, first) = Console::start(&[]);
    assert!(text_of(&first[0]).contains("Send /country"));
    let r = c.text("my chest hurts");
    let text = text_of(&r[0]);
    assert!(
        text.contains("Call your local emergency number now. 112 works on mobile phones in the EU")
    );
    assert!(text.contains("Send /country"));
    c.finish();
}

#[test]
fn console_germany_urgent_advice_names_116_117() {
    let (mut c, first) = Console::start(&["--country", "DE"]);
    let end = crate::support::walk_to_advice(&mut c, first, &["leg_redness".into()], &[]);
    assert_eq!(end["outcome"]["urgency"], "urgent");
    let text = text_of(&end);
    assert!(
        text.contains("116 117") && text.contains("Call 112 at once"),
        "{text}"
    );
}

/// Types `words` as `p` and returns the bot's emergency message with its text unescaped: the
/// Telegram tests here all read the call line out of that one message.
async fn typed_emergency(p: &Person<'_>, words: &str) -> (Call, String) {
    let calls = p.say(words).await;
    let emergency = calls
        .into_iter()
        .find(|x| x.text().contains("sounds like an emergency"))
        .unwrap();
    let text = unescape(emergency.text());
    (emergency, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_every_country_by_typed_code_gets_its_number_and_a_copy_button() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    for (i, c) in countries().iter().enumerate() {
        let p = Person::new(&tg, 5000 + i as i64);
        p.say("/start").await;
        p.say("/country").await;
        p.say(&c.iso).await;
        let (emergency, text) = typed_emergency(&p, "I can't breathe").await;
        assert!(
            text.contains(&format!("<b>{}</b>", call_line(c))),
            "{}: {text}",
            c.iso
        );
        let copy =
            emergency.body["reply_markup"]["inline_keyboard"][0][0]["copy_text"]["text"].as_str();
        assert_eq!(copy, Some(c.ambulance.as_str()), "{}", c.iso);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_guesses_the_country_from_the_language_tag_and_says_so() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    let p = Person::new(&tg, 6001);
    tg.set_language(p.chat, "en-AU");
    p.say("/start").await;
    let welcome = p.screen();
    assert!(welcome.starts_with("Call 000 now"), "{welcome}");
    assert!(welcome.contains("I guessed Australia from your Telegram settings"));
    assert!(
        welcome.contains("911 in North America"),
        "the fallback beside the guess"
    );
    assert!(p.labels().iter().any(|l| l.contains("Set my country")));
    // Setting it by button removes the guess.
    p.press("Set my country").await;
    p.press("New Zealand").await;
    let (emergency, text) = typed_emergency(&p, "I fainted").await;
    assert!(
        text.contains("<b>Call 111 now for an ambulance.</b>"),
        "{text}"
    );
    assert!(!text.contains("I guessed"));
    assert!(
        !buttons(&emergency.body["reply_markup"])
            .iter()
            .any(|(l, _)| l.contains("Set my country"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_without_a_region_gets_the_fallback_and_the_country_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let tg = FakeTelegram::start().await;
    let bot = crate::restart::on_sqlite(&tg, &dir);
    let p = Person::new(&tg, 6002);
    p.say("/start").await;
    assert!(p.screen().starts_with("Call your local emergency number"));
    p.say("/country").await;
    p.say("japan").await;
    crate::restart::wait_saved(&tg, &dir, p.chat).await;
    drop(bot);
    // A new process: the country is a preference, kept.
    let _bot = crate::restart::on_sqlite(&tg, &dir);
    let calls = p.say("my wife collapsed").await;
    assert!(
        calls
            .iter()
            .any(|c| unescape(c.text()).contains("<b>Call 119 now for an ambulance.</b>"))
    );
}
