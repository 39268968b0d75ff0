//! The Telegram bot end to end: the real binary (`clotcheck run`) against the local fake Bot
//! API, played by simulated users.

use crate::fake_telegram::{Call, FakeTelegram};
use crate::support::{bin, sigterm, vignettes};
use clotcheck::core::Content;
use clotcheck::core::dialog::NodeKind;
use clotcheck::core::findings::Finding;
use clotcheck::data;
use std::io::Read;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};

pub const TOKEN: &str = "987654:SECRET-token-never-logged";

/// The bot process; killed when dropped. Its stderr (the log) is collected.
pub struct BotProcess {
    child: Child,
    log: Arc<Mutex<String>>,
    _dir: Option<tempfile::TempDir>,
}

impl BotProcess {
    /// Starts `clotcheck run` against the fake; unless `args` name a storage, on a fresh
    /// SQLite file of its own.
    pub fn start(api: &str, args: &[&str], rust_log: &str) -> BotProcess {
        Self::start_with_env(api, args, rust_log, &[])
    }

    pub fn start_with_env(
        api: &str,
        args: &[&str],
        rust_log: &str,
        env: &[(&str, &str)],
    ) -> BotProcess {
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let dir = if args.iter().any(|a| a == "--storage") {
            None
        } else {
            let dir = tempfile::tempdir().unwrap();
            args.push("--storage".into());
            args.push(format!(
                "sqlite:{}",
                dir.path().join("bot.sqlite").display()
            ));
            Some(dir)
        };
        if !args.iter().any(|a| a == "--rate-limit") {
            args.push("--rate-limit".into());
            args.push("off".into());
        }
        let mut child = bin()
            .arg("run")
            .args(&args)
            .env("TELOXIDE_TOKEN", TOKEN)
            .env("TELOXIDE_API_URL", api)
            .env("RUST_LOG", rust_log)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("bot starts");
        let log = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stderr.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stdout.take().unwrap()),
        ] {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    log.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }
        BotProcess {
            child,
            log,
            _dir: dir,
        }
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits (up to 5 s) until the log holds `needle`: the log is read by another thread,
    /// a moment behind the bot.
    pub fn wait_log(&self, needle: &str) -> bool {
        for _ in 0..250 {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit code if the process has exited, without waiting.
    pub fn try_exit(&mut self) -> Option<i32> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.code().unwrap_or(-1)),
            _ => None,
        }
    }

    /// Waits for the process to exit (up to 10 s); its exit code.
    pub fn wait_exit(&mut self) -> Option<i32> {
        for _ in 0..100 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        None
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// A user in a private chat with the bot.
pub struct Person<'a> {
    pub tg: &'a FakeTelegram,
    pub chat: i64,
}

impl<'a> Person<'a> {
    pub fn new(tg: &'a FakeTelegram, chat: i64) -> Self {
        Person { tg, chat }
    }

    /// Sends text; waits for the reply that ends with buttons.
    pub async fn say(&self, text: &str) -> Vec<Call> {
        let since = self.tg.call_count();
        self.tg.text(self.chat, text);
        self.tg.wait_keyboard(since, self.chat).await
    }

    /// Opens the chat and accepts the disclaimer: the way into the check that most tests take
    /// before what they are about, written once so the button labels live in one place.
    pub async fn begin_check(&self) {
        self.say("/start").await;
        self.press("Start the check").await;
        self.press("I agree").await;
    }

    /// As [`Person::begin_check`], and checks that the first question (breathing) is on
    /// screen, for tests that go on from there.
    pub async fn at_first_question(&self) {
        self.begin_check().await;
        assert!(self.screen().contains("short of breath"));
    }

    /// Presses the button whose label contains `label` on the current keyboard message.
    pub async fn press(&self, label: &str) -> Vec<Call> {
        let m = self
            .tg
            .keyboard_message(self.chat)
            .expect("a message with buttons");
        let (_, data) = crate::fake_telegram::buttons(&m.markup)
            .into_iter()
            .find(|(l, _)| l.contains(label))
            .unwrap_or_else(|| panic!("no button {label:?} in {}", m.markup));
        let since = self.tg.call_count();
        self.tg.press(self.chat, m.id, &data);
        self.tg.wait_keyboard(since, self.chat).await
    }

    /// The text of the current keyboard message, unescaped.
    pub fn screen(&self) -> String {
        unescape(&self.tg.keyboard_message(self.chat).expect("keyboard").text)
    }

    pub fn labels(&self) -> Vec<String> {
        let m = self.tg.keyboard_message(self.chat).expect("keyboard");
        crate::fake_telegram::buttons(&m.markup)
            .into_iter()
            .map(|(l, _)| l)
            .collect()
    }
}

/// Walks the check by pressing buttons as a truthful person with these findings would; returns
/// the text of the outcome or emergency message.
pub async fn walk(
    p: &Person<'_>,
    content: &Content,
    present: &[Finding],
    unsure: &[Finding],
) -> String {
    let t = content.texts("en");
    p.say("/start").await;
    for _ in 0..60 {
        let labels = p.labels();
        // Advice shown early offers the rest of the check for the summary: go on.
        let more = t.get("label.more_for_summary");
        if labels.iter().any(|l| l == more) {
            p.press(more).await;
            continue;
        }
        if labels
            .iter()
            .any(|l| l.contains("Summary for my doctor") || l.contains("I tapped that by mistake"))
        {
            return p.screen();
        }
        if let Some(l) = labels
            .iter()
            .find(|l| *l == "Start the check" || *l == "I agree")
        {
            let l = l.clone();
            p.press(&l).await;
            continue;
        }
        let screen = p.screen();
        let node = content
            .dialog
            .nodes
            .iter()
            .find(|n| {
                matches!(
                    n.kind,
                    NodeKind::Question | NodeKind::Multi | NodeKind::Item
                ) && screen.contains(t.get(&format!("node.{}", n.id)))
            })
            .unwrap_or_else(|| panic!("no question matches the screen:\n{screen}"));
        if node.kind == NodeKind::Item {
            // Which leg, since when: the vignettes do not say.
            p.press(t.get("label.not_sure")).await;
        } else if node.kind == NodeKind::Multi {
            let mut ticked = false;
            for f in node.asks.iter().filter(|f| present.contains(f)) {
                // The button carries the short label; the message the full wording.
                let key = format!("short.{}", f.id());
                let short = t.get(&key);
                p.press(short).await;
                ticked = true;
                assert!(p.labels().contains(&format!("✅ {short}")), "tick shown");
                assert!(
                    p.screen()
                        .contains(&format!("✅ {}", t.get(&format!("finding.{}", f.id())))),
                    "tick shown in the message"
                );
            }
            p.press(if ticked { "Done" } else { "None of these" }).await;
        } else {
            let f = node.asks[0];
            let label = if present.contains(&f) {
                "Yes"
            } else if unsure.contains(&f) {
                "Not sure"
            } else {
                "No"
            };
            p.press(label).await;
        }
    }
    panic!("the check did not end");
}

fn ids(list: &[String]) -> Vec<Finding> {
    list.iter().map(|s| s.parse().unwrap()).collect()
}

fn urgency_of(screen: &str, content: &Content) -> &'static str {
    let t = content.texts("en");
    for u in ["urgent", "soon", "self_care"] {
        if screen.contains(t.get(&format!("urgency.{u}"))) {
            return match u {
                "urgent" => "urgent",
                "soon" => "soon",
                _ => "self_care",
            };
        }
    }
    if screen.contains("emergency warning sign") {
        return "emergency";
    }
    panic!("no urgency in:\n{screen}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_registers_commands_and_the_emergency_line() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    let calls = tg
        .wait_for(0, |c| {
            ["setMyCommands", "setMyDescription", "setMyShortDescription"]
                .iter()
                .all(|m| c.iter().any(|x| x.method == *m))
        })
        .await;
    let commands = &calls
        .iter()
        .find(|c| c.method == "setMyCommands")
        .unwrap()
        .body["commands"];
    let names: Vec<&str> = commands
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "start",
            "check",
            "faq",
            "emergency",
            "report",
            "country",
            "language",
            "forget",
            "help"
        ]
    );
    for m in ["setMyDescription", "setMyShortDescription"] {
        let body = &calls.iter().find(|c| c.method == m).unwrap().body;
        let text = body.to_string();
        assert!(
            text.contains("112") && text.contains("911") && text.contains("999"),
            "{m}: {text}"
        );
    }
    assert!(
        calls.iter().all(|c| c.token == TOKEN),
        "the configured token is used"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_then_emergency_help_shows_the_number_first_in_bold() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    let p = Person::new(&tg, 1001);
    p.say("/start").await;
    let welcome = p.screen();
    assert!(
        welcome.starts_with("Call your local emergency number"),
        "{welcome}"
    );
    assert_eq!(
        p.labels(),
        [
            "Start the check",
            "🚨 Emergency help",
            "💬 Ask a question",
            "📍 Set my country"
        ]
    );
    let calls = p.press("Emergency help").await;
    assert!(calls.iter().any(|c| c.method == "answerCallbackQuery"));
    let emergency = calls
        .iter()
        .find(|c| {
            c.method == "sendMessage"
                && c.text().contains("<b>Call your local emergency number now")
        })
        .expect("emergency advice");
    assert_eq!(emergency.body["parse_mode"], "HTML");
    assert!(emergency.text().contains("Do not drive yourself"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_tap_on_a_red_flag_gives_the_emergency_at_once() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    let p = Person::new(&tg, 1002);
    p.begin_check().await;
    assert!(p.screen().contains("Step 1 of 16"), "{}", p.screen());
    p.press("No").await;
    assert!(p.screen().contains("Step 2 of 16"));
    let calls = p.press("Yes").await; // chest pain
    let emergency = calls
        .iter()
        .find(|c| c.method == "sendMessage")
        .expect("a new message");
    assert!(
        emergency
            .text()
            .starts_with("<b>Call your local emergency number now"),
        "{}",
        emergency.text()
    );
    assert!(
        emergency
            .text()
            .contains("I may have a blood clot in my lung")
    );
    assert!(p.labels().iter().any(|l| l == "I tapped that by mistake"));
    p.press("I tapped that by mistake").await;
    assert!(p.screen().contains("pain in your chest"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_vignette_walked_with_buttons_reaches_the_core_urgency() {
    let content = data::load_embedded().unwrap();
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    for (i, v) in vignettes().iter().enumerate() {
        let p = Person::new(&tg, 2000 + i as i64);
        let screen = walk(&p, &content, &ids(&v.present), &ids(&v.unsure)).await;
        assert_eq!(
            urgency_of(&screen, &content),
            v.expect,
            "vignette {}:\n{screen}",
            v.id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_select_toggles_are_edited_in_place() {
    let content = data::load_embedded().unwrap();
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    let p = Person::new(&tg, 1003);
    p.begin_check().await;
    for _ in 0..13 {
        p.press("No").await;
    }
    let list = tg.keyboard_message(p.chat).unwrap();
    let t = content.texts("en");
    let calls = p.press(t.get("short.long_journey")).await;
    assert!(
        calls.iter().all(|c| c.method != "sendMessage"),
        "a toggle edits, never sends"
    );
    let after = tg.keyboard_message(p.chat).unwrap();
    assert_eq!(after.id, list.id, "same message");
    assert!(
        p.labels()
            .iter()
            .any(|l| l.starts_with("✅") && l.contains("ourney"))
    );
    p.press(t.get("short.long_journey")).await; // untick
    assert!(!p.labels().iter().any(|l| l.starts_with("✅")));
    p.press(t.get("short.long_journey")).await;
    p.press("Done").await;
    assert!(p.screen().contains(t.get("node.patterns")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_emergency_mid_check() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    let p = Person::new(&tg, 1004);
    p.begin_check().await;
    p.press("No").await;
    let calls = p
        .say("my dad is suddenly really short of breath, could it be a clot?")
        .await;
    let reply = calls.iter().find(|c| c.method == "sendMessage").unwrap();
    assert!(reply.text().contains("sounds like an emergency"));
    assert!(
        reply
            .text()
            .contains("<b>Call your local emergency number now")
    );
    assert!(p.labels().iter().any(|l| l == "That's not what I meant"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stickers_and_photos_get_a_clear_answer_and_the_question_again() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    let p = Person::new(&tg, 1005);
    p.begin_check().await;
    for send in [FakeTelegram::sticker, FakeTelegram::photo] {
        let since = tg.call_count();
        send(&tg, p.chat);
        let calls = tg.wait_keyboard(since, p.chat).await;
        assert!(calls.iter().any(|c| {
            c.text()
                .contains("I can read text, button presses and shared locations only")
        }));
        assert!(p.screen().contains("short of breath"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_stale_buttons_are_explained_and_answered() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    let p = Person::new(&tg, 1006);
    p.begin_check().await;
    let question = tg.keyboard_message(p.chat).unwrap();
    for data in [
        "garbage",
        "o|rf_breath|99",
        "o|risk|0",
        "c|rm",
        "d|rf_breath",
        "o|!|0",
    ] {
        let since = tg.call_count();
        tg.press(p.chat, question.id, data);
        let calls = tg.wait_keyboard(since, p.chat).await;
        let answer = calls
            .iter()
            .find(|c| c.method == "answerCallbackQuery")
            .expect("answered");
        assert!(
            answer.body["text"]
                .as_str()
                .unwrap_or("")
                .contains("earlier question"),
            "{data}"
        );
        assert!(
            p.screen().contains("short of breath"),
            "{data}: current question again"
        );
    }
    // Every press was answered.
    let presses = tg
        .calls()
        .iter()
        .filter(|c| c.method == "answerCallbackQuery")
        .count();
    assert!(presses >= 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_chats_get_only_command_answers() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    let since = tg.call_count();
    tg.group_text(-500, 77, "I have a cramp in my calf");
    tg.group_text(-500, 77, "/check");
    let calls = tg
        .wait_for(since, |c| c.iter().any(|x| x.method == "sendMessage"))
        .await;
    let replies: Vec<&Call> = calls.iter().filter(|c| c.method == "sendMessage").collect();
    assert_eq!(
        replies.len(),
        1,
        "only the command is answered: {replies:?}"
    );
    assert!(replies[0].text().contains("private chat"));
    let since = tg.call_count();
    tg.group_text(-500, 77, "/emergency");
    let calls = tg.wait_method(since, "sendMessage").await;
    assert!(
        calls
            .iter()
            .any(|c| c.text().contains("Call your local emergency number now"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_typed_no_name_and_never_the_token_in_the_logs() {
    let tg = FakeTelegram::start().await;
    let mut bot = BotProcess::start(&tg.url, &[], "trace");
    let p = Person::new(&tg, 1007);
    p.say("/start").await;
    p.say("zebra-phrase-4711 hello").await;
    p.press("Start the check").await;
    p.press("I agree").await;
    p.say("I'm coughing up blood zebra-phrase-4711").await;
    // An update teloxide cannot parse: its raw JSON must not reach the log either.
    let since = tg.call_count();
    tg.push(serde_json::json!({"message": {"message_id": 5, "date": "not-a-date", "chat": {"id": 1007, "type": "private"}, "text": "zebra-phrase-4711 unparsable"}}));
    p.say("/help").await;
    assert!(tg.call_count() > since);
    sigterm(bot.pid());
    bot.wait_exit();
    assert!(bot.wait_log("clotcheck stopped"), "the whole log was read");
    let log = bot.log();
    assert!(!log.is_empty(), "the bot logged something at trace level");
    for secret in [
        "zebra-phrase-4711",
        TOKEN,
        "SECRET-token",
        "alex_private",
        "Private",
        "coughing up blood",
    ] {
        assert!(
            !log.contains(secret),
            "{secret:?} appears in the log:\n{log}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_bot_cleanly() {
    let tg = FakeTelegram::start().await;
    let mut bot = BotProcess::start(&tg.url, &[], "info");
    let p = Person::new(&tg, 1008);
    p.say("/start").await;
    sigterm(bot.pid());
    assert_eq!(bot.wait_exit(), Some(0), "log:\n{}", bot.log());
}

#[test]
fn without_a_token_run_explains_how_to_get_one() {
    let out = bin()
        .arg("run")
        .env_remove("TELOXIDE_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("@BotFather") && stderr.contains("clotcheck console"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_in_own_words_are_answered_in_the_chat() {
    let tg = FakeTelegram::start().await;
    let _bot = BotProcess::start(&tg.url, &[], "info");
    let p = Person::new(&tg, 1009);
    p.say("/start").await;
    // The welcome's "Ask a question" lists the topics.
    p.press("Ask a question").await;
    assert!(
        p.labels()
            .iter()
            .any(|l| l == "How do doctors check for a clot?")
    );
    let calls = p.press("How do doctors check for a clot?").await;
    assert!(calls.iter().any(|c| c.text().contains("ultrasound")));
    // Mid-check, a typed question is answered and the question comes back.
    p.press("Start the check").await;
    p.press("I agree").await;
    let calls = p.say("what are blood thinners for").await;
    assert!(
        calls
            .iter()
            .any(|c| c.method == "sendMessage" && c.text().contains("anticoagulants"))
    );
    assert!(p.screen().contains("short of breath"), "{}", p.screen());
    // Off-topic: a short note of what the bot can do, and the question again.
    let calls = p.say("what's the weather like").await;
    assert!(
        calls
            .iter()
            .any(|c| c.text().contains("Sorry, I didn't understand")
                || c.text().contains("I can answer questions"))
    );
    assert!(p.screen().contains("short of breath"));
}
