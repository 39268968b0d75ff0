//! One screen at a time: a picker opened over another picker replaces it, so its buttons are
//! the ones that work; and a language the person chose outlives their answers. In the
//! console and in Telegram.

use crate::fake_telegram::FakeTelegram;
use crate::support::{Console, pending, text_of};
use crate::telegram::{BotProcess, Person, unescape};

/// The 1-based number of the option whose label starts with `label`.
fn option(messages: &[serde_json::Value], label: &str) -> usize {
    pending(messages)["options"]
        .as_array()
        .unwrap()
        .iter()
        .position(|o| o["label"].as_str().unwrap().starts_with(label))
        .unwrap_or_else(|| panic!("no option {label} in {messages:?}"))
        + 1
}

#[test]
fn console_country_picker_opened_over_the_language_picker_sets_the_country() {
    let (mut c, _) = Console::start(&[]);
    c.text("/language");
    let picker = c.text("/country");
    let germany = option(&picker, "Germany");
    let replies = c.choose(&[germany]);
    let text: String = replies.iter().map(text_of).collect();
    assert!(
        text.contains("Germany") && text.contains("112"),
        "{replies:?}"
    );
    assert!(
        replies.iter().all(|r| r["kind"] != "error"),
        "no error: {replies:?}"
    );
    // The welcome is shown again, not the language list.
    let shown = text_of(pending(&replies));
    assert!(shown.starts_with("Call 112"), "{shown}");
    assert_eq!(c.finish(), 0);
}

#[test]
fn console_a_chosen_language_outlives_the_answers() {
    let (mut c, _) = Console::start(&[]);
    c.choose(&[1]);
    c.choose(&[1]);
    let picker = c.text("/language");
    c.choose(&[option(&picker, "Deutsch")]);
    // The answers go; the language stays.
    let welcome = c.text("/start");
    let text = text_of(&welcome[0]);
    assert!(text.contains("Rufen Sie"), "{text}");
    assert_eq!(c.finish(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_country_buttons_shown_over_the_language_buttons_work() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &["--storage", "memory"], "info");
    let p = Person::new(&tg, 9101);
    p.say("/start").await;
    p.say("/language").await;
    p.say("/country").await;
    let calls = p.press("Germany").await;
    let said: String = calls.iter().map(|c| unescape(c.text())).collect();
    assert!(said.contains("Germany") && said.contains("112"), "{said}");
    assert!(
        !said.contains("earlier question"),
        "not a stale press: {said}"
    );
    assert!(p.screen().starts_with("Call 112"), "{}", p.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_a_chosen_language_survives_the_answers_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let storage = crate::restart::sqlite_arg(&dir);
    let tg = FakeTelegram::start().await;
    let args = ["--storage", storage.as_str(), "--state-ttl", "2s"];
    let _bot = BotProcess::start(&tg.url, &args, "info");
    let p = Person::new(&tg, 9102);
    tg.set_language(p.chat, "en-GB");
    p.begin_check().await;
    p.say("/language").await;
    p.press("Deutsch").await;
    crate::restart::wait_saved(&tg, &dir, p.chat).await;
    // The answers expire; the chosen language does not, whatever the app is set to.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    p.say("/start").await;
    assert!(p.screen().contains("Rufen Sie"), "{}", p.screen());
}
