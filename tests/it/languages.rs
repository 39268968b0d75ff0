//! German and Spanish: the whole check in each language reaches the same urgency for every
//! vignette; switching language mid-check keeps the answers; unknown languages fall back to
//! English; Telegram takes the app's language; the validator catches a missing translation.

use crate::fake_telegram::FakeTelegram;
use crate::support::{Console, bin, pending, text_of, vignettes, walk};
use crate::telegram::{BotProcess, Person};

#[test]
fn every_vignette_reaches_its_urgency_in_german_and_spanish() {
    for lang in ["de", "es"] {
        for v in vignettes() {
            let (mut c, first) = Console::start(&["--lang", lang]);
            let end = walk(&mut c, first, &v.present, &v.unsure);
            assert_eq!(
                end["outcome"]["urgency"],
                v.expect.as_str(),
                "{lang} {}",
                v.id
            );
            c.finish();
        }
    }
}

#[test]
fn the_welcome_says_the_translation_awaits_review_and_offers_english() {
    let (c, first) = Console::start(&["--lang", "de"]);
    let text = text_of(&first[0]);
    assert!(text.contains("Rufen Sie"), "{text}");
    assert!(
        text.contains("fachliche Prüfung") && text.contains("/language"),
        "{text}"
    );
    c.finish();
    let (c, first) = Console::start(&["--lang", "es"]);
    assert!(text_of(&first[0]).contains("/language"));
    c.finish();
    let (c, first) = Console::start(&[]);
    assert!(
        !text_of(&first[0]).contains("/language"),
        "English needs no note"
    );
    c.finish();
}

#[test]
fn switching_language_mid_check_keeps_the_answers() {
    let (mut c, _) = Console::start(&["--lang", "en"]);
    c.choose(&[1]);
    c.choose(&[1]);
    c.choose(&[2]); // no breathlessness
    c.choose(&[3]); // not sure about chest pain
    let picker = c.text("/language");
    let options = pending(&picker)["options"].as_array().unwrap().clone();
    let deutsch = options
        .iter()
        .position(|o| o["label"].as_str().unwrap().starts_with("Deutsch"))
        .unwrap()
        + 1;
    let r = c.choose(&[deutsch]);
    let q = text_of(pending(&r)).to_string();
    assert!(q.contains("Blut"), "the same question, in German: {q}");
    let r = c.text("/report");
    let text = text_of(&r[0]);
    assert!(
        text.contains("Brust"),
        "the answer given in English is still there: {text}"
    );
    c.finish();
}

#[test]
fn typed_answers_and_emergencies_in_each_language() {
    let (mut c, _) = Console::start(&["--lang", "de"]);
    c.choose(&[1]);
    c.choose(&[1]);
    let r = c.text("nein");
    assert!(
        text_of(pending(&r)).contains("Brust"),
        "typed no answers in German"
    );
    let r = c.text("ich kriege keine luft mehr");
    assert_eq!(r[0]["kind"], "emergency");
    c.finish();
    let (mut c, _) = Console::start(&["--lang", "es"]);
    c.choose(&[1]);
    c.choose(&[1]);
    let r = c.text("no");
    assert!(
        text_of(pending(&r)).contains("pecho"),
        "typed no answers in Spanish"
    );
    let r = c.text("mi madre está tosiendo sangre");
    assert_eq!(r[0]["kind"], "emergency");
    c.finish();
}

#[test]
fn an_unknown_language_is_a_usage_error_and_ask_speaks_each_language() {
    let out = bin().args(["console", "--lang", "fr"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin()
        .args(["ask", "--json", "--lang", "es", "no puedo respirar"])
        .output()
        .unwrap();
    let a: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(a["emergency"], true);
    assert!(a["answer"].as_str().unwrap().contains("112"));
}

#[test]
fn a_missing_translation_is_reported_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("dialogs");
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(crate::support::project("dialogs"))
        .arg(&dir)
        .status()
        .unwrap();
    assert!(status.success());
    let path = dir.join("de/dialog.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("rf_blood = "))
        .unwrap()
        .to_string();
    std::fs::write(&path, text.replace(&format!("{line}\n"), "")).unwrap();
    // And a placeholder dropped in Spanish.
    let es = dir.join("es/texts.toml");
    let text = std::fs::read_to_string(&es).unwrap();
    let safety = text
        .lines()
        .find(|l| l.starts_with("safety_net = "))
        .unwrap()
        .to_string();
    std::fs::write(
        &es,
        text.replace(&safety, &safety.replace("{number}", "112")),
    )
    .unwrap();
    let out = bin().arg("check").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("missing translation of 'node.rf_blood' into 'de'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("es/texts.toml:")
            && stderr.contains("'advice.safety_net' has placeholders"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_speaks_the_apps_language_and_language_changes_it() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    let p = Person::new(&tg, 9001);
    tg.set_language(p.chat, "es-MX");
    p.say("/start").await;
    assert!(
        p.screen().contains("Marque") || p.screen().contains("Llame"),
        "{}",
        p.screen()
    );
    assert!(
        p.labels().iter().any(|l| l.contains("Empezar")
            || l.contains("Comenzar")
            || l.contains("prueba")
            || l.contains("comprobación")),
        "{:?}",
        p.labels()
    );
    p.say("/language").await;
    p.press("English").await;
    assert!(p.screen().starts_with("Call"), "{}", p.screen());
    // An app language the bot does not speak: English.
    let q = Person::new(&tg, 9002);
    tg.set_language(q.chat, "fr");
    q.say("/start").await;
    assert!(q.screen().starts_with("Call your local emergency number"));
}
