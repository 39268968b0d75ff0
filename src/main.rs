//! The command line: `assess`, `check`, `console`. Exit codes: 0 success, 1 invalid data or
//! runtime failure, 2 usage error.

use clap::{Parser, Subcommand};
use clotcheck::core::advice::assess;
use clotcheck::core::country::Place;
use clotcheck::core::findings::{Finding, Findings};
use clotcheck::storage::{Expiry, StorageUrl};
use clotcheck::{console, data};
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc instead of the system's allocator: every update allocates and frees hundreds of
/// small objects (JSON, HTTP, the rendered messages) from two worker threads, which glibc's
/// malloc serves at a high share of the bot's CPU time (see the README's "Load").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Transparent huge pages off for this process: with them every fresh stretch of the
/// allocator's memory is faulted in and zeroed 2 MiB at a time, which made the bot's resident
/// memory about 17 MB larger under load for no measurable gain in CPU (see the README's
/// "Load").
fn no_huge_pages() {
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integers and touches no memory of
    // ours; a kernel that does not know it returns an error, which changes nothing.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[derive(Parser)]
#[command(
    name = "clotcheck",
    version,
    about = "How urgently do a leg cramp or a swollen calf need a doctor? General information, not a diagnosis."
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

/// Where the user is and what they read: the options `ask` and `console` share.
#[derive(clap::Args)]
struct Locale {
    /// Language: a language of the data (en, de, es)
    #[arg(long, value_name = "CODE", default_value = "en")]
    lang: String,
    /// ISO 3166 code of the country, for the emergency number
    #[arg(long, value_name = "ISO", value_parser = parse_iso)]
    country: Option<String>,
}

/// Where the FHIR documents' canonical URLs live: `run`, `console` and
/// `fhir-questionnaire` share it, so the Questionnaire printed is the one reports name.
#[derive(clap::Args)]
struct FhirBase {
    /// Base of the FHIR canonical URLs (Questionnaire, code systems): an http(s) URL the
    /// deployer controls
    #[arg(long = "fhir-base", value_name = "URL", env = "CLOTCHECK_FHIR_BASE", default_value = clotcheck::core::fhir::DEFAULT_BASE, value_parser = clotcheck::core::fhir::parse_base)]
    url: String,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the Telegram bot (token in TELOXIDE_TOKEN; TELOXIDE_API_URL for another Bot API server)
    Run {
        /// Where conversations are kept: sqlite:PATH, redis://HOST:PORT, or memory (lost on
        /// restart). Default: sqlite:clotcheck.sqlite, or sqlite:$CLOTCHECK_DB
        #[arg(long, value_name = "URL", value_parser = parse_storage)]
        storage: Option<StorageUrl>,
        /// How long answers are kept after the last message (e.g. 24h, 30m, 90s)
        #[arg(long, value_name = "DURATION", env = "CLOTCHECK_STATE_TTL", default_value = "24h", value_parser = parse_duration)]
        state_ttl: std::time::Duration,
        /// Load the dialogue data from DIR instead of the embedded copy
        #[arg(long, value_name = "DIR")]
        dialogs: Option<PathBuf>,
        /// Telegram's rate limits; `off` only against a local test server
        #[arg(long, value_name = "on|off", default_value = "on", value_parser = ["on", "off"])]
        rate_limit: String,
        /// Messages per second this instance sends in all (Telegram allows about 30 per bot: with
        /// several instances, give each its share)
        #[arg(long, value_name = "N", env = "CLOTCHECK_RATE_LIMIT_GLOBAL", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=30))]
        rate_limit_global: u32,
        /// Webhook mode: the public URL Telegram posts to (secret in CLOTCHECK_WEBHOOK_SECRET)
        #[arg(long, value_name = "URL", requires = "listen")]
        webhook_url: Option<url::Url>,
        /// Webhook mode: the address to listen on, e.g. 127.0.0.1:8080
        #[arg(long, value_name = "ADDR", requires = "webhook_url")]
        listen: Option<std::net::SocketAddr>,
        /// Webhook mode: register the webhook (with the secret) at start
        #[arg(long, requires = "webhook_url")]
        set_webhook: bool,
        /// Serve the counters at http://ADDR/metrics, e.g. 127.0.0.1:9464 (not served otherwise)
        #[arg(long, value_name = "ADDR", env = "CLOTCHECK_METRICS_LISTEN")]
        metrics_listen: Option<std::net::SocketAddr>,
        #[command(flatten)]
        fhir_base: FhirBase,
        /// One delay for every check-in ("Check on me later"), instead of the data's per level
        /// (urgent 3h, soon 1 day, self-care 2 days): for tests and demos, e.g. 1s, 2m
        #[arg(long, value_name = "DURATION", env = "CLOTCHECK_CHECK_IN_DELAY", value_parser = parse_duration)]
        check_in_delay: Option<std::time::Duration>,
    },
    /// Register the webhook with its secret (CLOTCHECK_WEBHOOK_SECRET), once, for scaled-out deployments
    SetWebhook { url: url::Url },
    /// Assess a set of findings with the triage rules and print the urgency, reasons and advice
    Assess {
        /// Print one JSON object
        #[arg(long)]
        json: bool,
        /// ISO 3166 code of the country, for the emergency number
        #[arg(long, value_name = "ISO", value_parser = parse_iso)]
        country: Option<String>,
        /// A finding the person is not sure about (repeatable)
        #[arg(long, value_name = "ID")]
        unsure: Vec<String>,
        /// Findings that are present; every other finding counts as absent
        #[arg(value_name = "ID")]
        present: Vec<String>,
    },
    /// Answer a question typed in your own words (emergency first, then the FAQ)
    Ask {
        /// Print one JSON object
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        locale: Locale,
        /// The message
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
    },
    /// Print the FHIR R4 Questionnaire that reports in a language refer to
    FhirQuestionnaire {
        /// Language: en, de or es
        #[arg(long, value_name = "CODE", default_value = "en", value_parser = ["en", "de", "es"])]
        lang: String,
        #[command(flatten)]
        fhir_base: FhirBase,
    },
    /// Validate the dialogue data in DIR, or the embedded data
    Check { dir: Option<PathBuf> },
    /// Run the check in the terminal
    Console {
        /// JSON lines in and out (see DESIGN.md)
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        locale: Locale,
        /// Load the dialogue data from DIR instead of the embedded copy
        #[arg(long, value_name = "DIR")]
        dialogs: Option<PathBuf>,
        #[command(flatten)]
        fhir_base: FhirBase,
        /// One delay for every check-in, instead of the data's per level; a check-in that
        /// comes due while the console runs is printed
        #[arg(long, value_name = "DURATION", env = "CLOTCHECK_CHECK_IN_DELAY", value_parser = parse_duration)]
        check_in_delay: Option<std::time::Duration>,
    },
}

fn parse_iso(s: &str) -> Result<String, String> {
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(s.to_ascii_uppercase())
    } else {
        Err(format!("'{s}' is not a two-letter ISO 3166 country code"))
    }
}

fn main() -> ExitCode {
    no_huge_pages();
    let cli = Cli::parse();
    match cli.command {
        Cmd::SetWebhook { url } => cmd_set_webhook(url),
        Cmd::Run {
            storage,
            state_ttl,
            dialogs,
            rate_limit,
            rate_limit_global,
            webhook_url,
            listen,
            set_webhook,
            metrics_listen,
            fhir_base,
            check_in_delay,
        } => {
            let webhook = match (webhook_url, listen) {
                (Some(url), Some(listen)) => match webhook_secret() {
                    Some(secret) => Some(clotcheck::telegram::WebhookSettings {
                        url,
                        listen,
                        secret,
                        set_webhook,
                    }),
                    None => return no_secret(),
                },
                _ => None,
            };
            let storage = storage.unwrap_or_else(|| {
                let path =
                    std::env::var("CLOTCHECK_DB").unwrap_or_else(|_| "clotcheck.sqlite".into());
                StorageUrl::Sqlite(path.into())
            });
            let expiry = Expiry {
                state: state_ttl,
                ..Expiry::default()
            };
            let content = match load_content(dialogs.as_deref(), fhir_base.url, check_in_delay) {
                Ok(c) => std::sync::Arc::new(c),
                Err(problems) => return invalid_data(&problems),
            };
            cmd_run(
                storage,
                expiry,
                content,
                (rate_limit == "on").then_some(rate_limit_global),
                webhook,
                metrics_listen,
            )
        }
        Cmd::Assess {
            json,
            country,
            unsure,
            present,
        } => cmd_assess(json, country.as_deref(), &present, &unsure),
        Cmd::Check { dir } => cmd_check(dir.as_deref()),
        Cmd::FhirQuestionnaire { lang, fhir_base } => match data::load_embedded() {
            Ok(mut content) => {
                content.fhir_base = fhir_base.url;
                let q = clotcheck::core::fhir::questionnaire(&content, &lang);
                println!("{}", serde_json::to_string_pretty(&q).unwrap_or_default());
                ExitCode::SUCCESS
            }
            Err(problems) => invalid_data(&problems),
        },
        Cmd::Ask { json, locale, text } => cmd_ask(
            json,
            &locale.lang,
            locale.country.as_deref(),
            &text.join(" "),
        ),
        Cmd::Console {
            json,
            locale: Locale { lang, country },
            dialogs,
            fhir_base,
            check_in_delay,
        } => {
            let content = match load_content(dialogs.as_deref(), fhir_base.url, check_in_delay) {
                Ok(c) => c,
                Err(problems) => return invalid_data(&problems),
            };
            if let Err(code) = country_of(&content, country.as_deref()) {
                return code;
            }
            if let Err(code) = lang_of(&content, &lang) {
                return code;
            }
            let settings = console::Settings {
                json,
                country,
                lang,
                wait_for_check_in: check_in_delay.is_some(),
            };
            let stdin = io::BufReader::new(io::stdin());
            match console::run(&content, &settings, stdin, io::stdout().lock()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("clotcheck: {e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// Logging to stderr, `RUST_LOG` honoured (default `info`). teloxide's dispatcher, update
/// listeners and error handlers log whole updates, or the raw JSON of updates they cannot
/// parse, which may hold what a user typed and their name. The bot uses none of them (it
/// polls with its own loop), and they are switched off whatever `RUST_LOG` says.
fn init_logging() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .filter_module("teloxide::dispatching", log::LevelFilter::Off)
        .filter_module("teloxide::update_listeners", log::LevelFilter::Off)
        .filter_module("teloxide::error_handlers", log::LevelFilter::Off)
        .init();
}

fn parse_storage(s: &str) -> Result<StorageUrl, String> {
    s.parse()
}

/// `--check-in-delay`: one delay for every level, over the data's.
/// The data as one run uses it: loaded from `dialogs` (else the embedded files), with the
/// FHIR base and one delay for every check-in when those are set on the command line.
fn load_content(
    dialogs: Option<&std::path::Path>,
    fhir_base: String,
    check_in_delay: Option<std::time::Duration>,
) -> Result<clotcheck::core::Content, data::Problems> {
    let mut content = data::load(dialogs)?;
    content.fhir_base = fhir_base;
    if let Some(d) = check_in_delay {
        content.dialog.check_in = clotcheck::core::dialog::CheckInDelays::all(d);
    }
    Ok(content)
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    match humantime::parse_duration(s) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err("must be more than zero".into()),
        Err(e) => Err(format!("'{s}': {e} (write e.g. 24h, 30m or 90s)")),
    }
}

/// The webhook secret; webhook mode refuses to start without one. `None` when it is missing
/// or not what Telegram accepts as a `secret_token`: 1 to 256 of `A-Z a-z 0-9 _ -` (said
/// on stderr, without the secret). A short one is accepted with a warning.
fn webhook_secret() -> Option<String> {
    let secret = std::env::var("CLOTCHECK_WEBHOOK_SECRET").ok()?;
    if secret.is_empty() {
        return None;
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if secret.len() > 256 || !secret.chars().all(allowed) {
        eprintln!(
            "clotcheck: CLOTCHECK_WEBHOOK_SECRET must be 1 to 256 of A-Z a-z 0-9 _ - (Telegram's rule)"
        );
        return None;
    }
    if secret.len() < 32 {
        eprintln!(
            "clotcheck: warning: CLOTCHECK_WEBHOOK_SECRET has {} characters; use 32 or more (e.g. openssl rand -hex 32)",
            secret.len()
        );
    }
    Some(secret)
}

fn no_secret() -> ExitCode {
    eprintln!(
        "clotcheck: webhook mode needs a secret in CLOTCHECK_WEBHOOK_SECRET (1 to 256 of A-Z a-z 0-9 _ -); refusing to start"
    );
    ExitCode::from(1)
}

fn cmd_set_webhook(url: url::Url) -> ExitCode {
    let token = std::env::var("TELOXIDE_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty());
    let (Some(token), Some(secret)) = (token, webhook_secret()) else {
        eprintln!("clotcheck: set-webhook needs TELOXIDE_TOKEN and CLOTCHECK_WEBHOOK_SECRET");
        return ExitCode::from(1);
    };
    let bot = match clotcheck::telegram::bot(token) {
        Ok(bot) => bot,
        Err(e) => {
            eprintln!("clotcheck: {e}");
            return ExitCode::from(1);
        }
    };
    let Ok(runtime) = tokio::runtime::Runtime::new() else {
        return ExitCode::from(1);
    };
    match runtime.block_on(clotcheck::telegram::set_webhook(&bot, url, &secret)) {
        Ok(()) => {
            println!("webhook registered");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("clotcheck: {e}");
            ExitCode::from(1)
        }
    }
}

fn cmd_run(
    storage: StorageUrl,
    expiry: Expiry,
    content: std::sync::Arc<clotcheck::core::Content>,
    rate_limit: Option<u32>,
    webhook: Option<clotcheck::telegram::WebhookSettings>,
    metrics: Option<std::net::SocketAddr>,
) -> ExitCode {
    // Checked before teloxide, whose `Bot::from_env` panics without it.
    let token = match std::env::var("TELOXIDE_TOKEN") {
        Ok(t) if !t.trim().is_empty() => t,
        _ => {
            eprintln!(
                "clotcheck: TELOXIDE_TOKEN is not set.\n\
                 Create a bot with @BotFather in Telegram (send /newbot), copy the token it gives you, then:\n\
                 \n    export TELOXIDE_TOKEN='123456:ABC...'\n    clotcheck run\n\n\
                 To try the check without Telegram: clotcheck console"
            );
            return ExitCode::from(1);
        }
    };
    init_logging();
    let bot = match clotcheck::telegram::bot(token) {
        Ok(bot) => bot,
        Err(e) => {
            eprintln!("clotcheck: {e}");
            return ExitCode::from(1);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("clotcheck: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let settings = clotcheck::telegram::Settings {
        rate_limit,
        storage,
        expiry,
        webhook,
        metrics,
    };
    match runtime.block_on(clotcheck::telegram::run(bot, content, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clotcheck: {e}");
            ExitCode::from(1)
        }
    }
}

fn invalid_data(problems: &data::Problems) -> ExitCode {
    eprintln!("{problems}");
    eprintln!(
        "clotcheck: the dialogue data has {} problem(s); refusing to start",
        problems.0.len()
    );
    ExitCode::from(1)
}

/// The country of `--country`, or a usage error (exit 2) listing the valid codes when the
/// table has no such code: a silent fallback would hide a wrong number.
fn country_of<'a>(
    content: &'a clotcheck::core::Content,
    iso: Option<&str>,
) -> Result<Option<&'a clotcheck::core::country::Country>, ExitCode> {
    let Some(iso) = iso else {
        return Ok(None);
    };
    match content.country(iso) {
        Some(c) => Ok(Some(c)),
        None => {
            let codes: Vec<&str> = content.countries.iter().map(|c| c.iso.as_str()).collect();
            eprintln!("clotcheck: no emergency numbers for the country code '{iso}'");
            eprintln!("valid codes: {}", codes.join(", "));
            Err(ExitCode::from(2))
        }
    }
}

/// A usage error (exit 2) listing the languages of the data when it has no such language.
fn lang_of(content: &clotcheck::core::Content, lang: &str) -> Result<(), ExitCode> {
    if content.languages.contains_key(lang) {
        return Ok(());
    }
    let codes: Vec<&str> = content.languages.keys().map(String::as_str).collect();
    eprintln!("clotcheck: no language '{lang}' in the data");
    eprintln!("valid codes: {}", codes.join(", "));
    Err(ExitCode::from(2))
}

fn usage(message: &str) -> ExitCode {
    eprintln!("clotcheck: {message}");
    eprintln!("valid ids: {}", Finding::all_ids());
    ExitCode::from(2)
}

fn cmd_assess(
    json: bool,
    country: Option<&str>,
    present: &[String],
    unsure: &[String],
) -> ExitCode {
    let parse = |ids: &[String]| -> Result<Vec<Finding>, String> {
        ids.iter()
            .map(|id| id.parse::<Finding>().map_err(|e| e.to_string()))
            .collect()
    };
    let (present, unsure) = match (parse(present), parse(unsure)) {
        (Ok(p), Ok(u)) => (p, u),
        (Err(e), _) | (_, Err(e)) => return usage(&e),
    };
    let findings = match Findings::from_lists(&present, &unsure) {
        Ok(f) => f,
        Err(e) => return usage(&e.to_string()),
    };
    let content = match data::load_embedded() {
        Ok(c) => c,
        Err(problems) => return invalid_data(&problems),
    };
    let place = match country_of(&content, country) {
        Ok(country) => Place {
            country,
            guessed: false,
        },
        Err(code) => return code,
    };
    let texts = content.texts("en");
    let a = assess(&findings, false, place, texts);
    if json {
        print_line(&a.json().to_string())
    } else {
        print_line(&a.text(texts))
    }
}

/// One line to stdout; exit 1 when it cannot be written.
fn print_line(text: &str) -> ExitCode {
    match writeln!(io::stdout().lock(), "{text}") {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    }
}

fn cmd_ask(json: bool, lang: &str, country: Option<&str>, text: &str) -> ExitCode {
    let content = match data::load_embedded() {
        Ok(c) => c,
        Err(problems) => return invalid_data(&problems),
    };
    let place = match country_of(&content, country) {
        Ok(country) => Place {
            country,
            guessed: false,
        },
        Err(code) => return code,
    };
    if let Err(code) = lang_of(&content, lang) {
        return code;
    }
    let a = clotcheck::core::engine::Engine::new(&content, std::time::SystemTime::now())
        .ask(text, lang, place);
    if json {
        print_line(&serde_json::to_string(&a).unwrap_or_default())
    } else {
        print_line(&a.text(content.faq(lang)))
    }
}

fn cmd_check(dir: Option<&std::path::Path>) -> ExitCode {
    match data::load(dir) {
        Ok(c) => {
            let what = dir
                .map(|d| d.display().to_string())
                .unwrap_or_else(|| "embedded data".into());
            println!(
                "{what}: ok — {} nodes, {} findings asked, {} countries, {} language(s)",
                c.dialog.nodes.len(),
                c.dialog.nodes.iter().map(|n| n.asks.len()).sum::<usize>(),
                c.countries.len(),
                c.languages.len()
            );
            ExitCode::SUCCESS
        }
        Err(problems) => invalid_data(&problems),
    }
}
