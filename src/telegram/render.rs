//! From the engine's replies to Telegram messages: HTML with escaping, inline keyboards,
//! button data that fits in 64 bytes and names the screen it belongs to.

use crate::core::commands::Command;
use crate::core::engine::{Action, Kind, Reply};
use crate::core::texts::Texts;
use teloxide::types::{CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup};
use teloxide::utils::html;

/// Telegram's limit for one message.
pub const MAX_MESSAGE: usize = 4096;
/// Telegram's limit for callback data.
pub const MAX_DATA: usize = 64;

/// What a button press asks for, decoded from its callback data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Press {
    /// Option `index` of the pending message whose key was `key`.
    Option { key: String, index: usize },
    /// Done on the multi-select `key`.
    Done { key: String },
    /// A command offered as a button ([`Command::is_button`]), whatever the screen.
    Command(Command),
}

impl Press {
    pub fn encode(&self) -> String {
        match self {
            Press::Option { key, index } => format!("o|{key}|{index}"),
            Press::Done { key } => format!("d|{key}"),
            Press::Command(cmd) => format!("c|{}", cmd.name()),
        }
    }

    /// Parses callback data; `None` for anything forged or from another version.
    pub fn decode(data: &str) -> Option<Press> {
        if data.len() > MAX_DATA {
            return None;
        }
        let mut parts = data.split('|');
        let press = match (parts.next()?, parts.next()?, parts.next()) {
            ("o", key, Some(index)) => Press::Option {
                key: key.to_string(),
                index: index.parse().ok()?,
            },
            ("d", key, None) => Press::Done {
                key: key.to_string(),
            },
            ("c", name, None) => Press::Command(Command::named(name).filter(|c| c.is_button())?),
            _ => return None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(press)
    }
}

/// One message to send: HTML text and its keyboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub html: String,
    pub keyboard: Option<InlineKeyboardMarkup>,
}

/// Renders one reply as one or more messages (split at paragraph boundaries to stay under
/// Telegram's limit), the keyboard on the last. Only the last reply of a turn (`last`) gets
/// answer buttons, bound to its screen's key, and its progress; earlier ones keep their links.
pub fn render(reply: &Reply, last: bool, t: &Texts) -> Vec<Outgoing> {
    let pending = last && !reply.options.is_empty();
    let key = reply.key.as_deref().filter(|_| pending);
    let progress = reply
        .progress
        .filter(|_| pending && reply.kind == Kind::Question);
    let mut paragraphs: Vec<String> = Vec::new();
    if let Some((n, m)) = progress {
        paragraphs.push(format!(
            "<i>{}</i>",
            html::escape(&t.fill(
                "telegram.step",
                &[("n", &n.to_string()), ("m", &m.to_string())]
            ))
        ));
    }
    for line in &reply.lines {
        let text = html::escape(&line.text);
        paragraphs.push(if line.strong {
            format!("<b>{text}</b>")
        } else {
            text
        });
    }
    if reply.multi {
        // The whole wording of each item, as buttons cut long labels short on phones.
        let items: Vec<String> = reply
            .options
            .iter()
            .filter(|o| matches!(o.action, Action::Item(_)))
            .map(|o| {
                format!(
                    "{} {}",
                    if o.ticked { "✅" } else { "▫️" },
                    html::escape(&o.label)
                )
            })
            .collect();
        paragraphs.push(items.join("\n"));
    }
    let keyboard = keyboard(reply, key, t);
    let mut out: Vec<Outgoing> = split(&paragraphs)
        .into_iter()
        .map(|html| Outgoing {
            html,
            keyboard: None,
        })
        .collect();
    if let Some(last) = out.last_mut() {
        last.keyboard = keyboard;
    }
    out
}

/// Joins paragraphs into messages of at most [`MAX_MESSAGE`] characters.
fn split(paragraphs: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for p in paragraphs {
        let p: String = if p.chars().count() > MAX_MESSAGE {
            // A single paragraph over the limit (never in shipped data): cut, never fail.
            p.chars().take(MAX_MESSAGE).collect()
        } else {
            p.clone()
        };
        let extra = if current.is_empty() { 0 } else { 2 };
        if current.chars().count() + extra + p.chars().count() > MAX_MESSAGE {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push_str("\n\n");
        }
        current.push_str(&p);
    }
    if !current.is_empty() || out.is_empty() {
        out.push(current);
    }
    out
}

fn keyboard(reply: &Reply, key: Option<&str>, t: &Texts) -> Option<InlineKeyboardMarkup> {
    let mut rows: Vec<Vec<InlineKeyboardButton>> = Vec::new();
    if let Some(number) = &reply.copy_number {
        rows.push(vec![InlineKeyboardButton::copy_text_button(
            t.fill("telegram.copy", &[("number", number)]),
            CopyTextButton {
                text: number.clone(),
            },
        )]);
    }
    if let Some(key) = key {
        let button = |index: usize, label: String| {
            InlineKeyboardButton::callback(
                label,
                Press::Option {
                    key: key.to_string(),
                    index,
                }
                .encode(),
            )
        };
        let answers: Vec<(usize, &crate::core::engine::OptionView)> = reply
            .options
            .iter()
            .enumerate()
            .filter(|(_, o)| !o.nav)
            .collect();
        let short =
            answers.len() <= 3 && answers.iter().all(|(_, o)| o.label.chars().count() <= 12);
        if short && !answers.is_empty() {
            rows.push(
                answers
                    .iter()
                    .map(|(i, o)| button(*i, o.label.clone()))
                    .collect(),
            );
        } else {
            for (i, o) in &answers {
                // Buttons carry the short label; the full wording is in the message above.
                let short = o.short.as_deref().unwrap_or(&o.label);
                let label = match o.action {
                    Action::Item(_) if o.ticked => format!("✅ {short}"),
                    _ => short.to_string(),
                };
                rows.push(vec![button(*i, label)]);
            }
        }
        if reply.multi {
            rows.push(vec![InlineKeyboardButton::callback(
                format!("✔️ {}", t.get("label.done")),
                Press::Done {
                    key: key.to_string(),
                }
                .encode(),
            )]);
        }
        let navs: Vec<InlineKeyboardButton> = reply
            .options
            .iter()
            .enumerate()
            .filter(|(_, o)| o.nav)
            .map(|(i, o)| button(i, o.label.clone()))
            .collect();
        for chunk in navs.chunks(2) {
            rows.push(chunk.to_vec());
        }
    }
    // Telegram-only buttons.
    let command = |cmd: Command, label: &str| {
        InlineKeyboardButton::callback(t.get(label).to_string(), Press::Command(cmd).encode())
    };
    match reply.kind {
        Kind::Info if is_welcome(reply) => {
            rows.push(vec![command(Command::Emergency, "telegram.emergency")]);
            rows.push(vec![command(Command::Faq, "telegram.ask")]);
        }
        Kind::Outcome => {
            rows.insert(0, vec![command(Command::Report, "telegram.report")]);
            rows.insert(1, vec![command(Command::Faq, "telegram.ask")]);
        }
        _ => {}
    }
    if reply.offer_country {
        rows.push(vec![command(Command::Country, "label.set_country")]);
    }
    for link in &reply.links {
        if let Ok(url) = link.url.parse() {
            rows.push(vec![InlineKeyboardButton::url(link.label.clone(), url)]);
        }
    }
    (!rows.is_empty()).then(|| InlineKeyboardMarkup::new(rows))
}

/// The welcome: an info message whose only option starts the check.
fn is_welcome(reply: &Reply) -> bool {
    reply.kind == Kind::Info
        && reply.options.len() == 1
        && !reply.options[0].nav
        && matches!(reply.options[0].action, Action::Choice(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_data_round_trips_and_rejects_forgeries() {
        let press = Press::Option {
            key: "dvt_sudden_cramp".into(),
            index: 12,
        };
        assert_eq!(Press::decode(&press.encode()), Some(press));
        let done = Press::Done { key: "risk".into() };
        assert_eq!(Press::decode(&done.encode()), Some(done));
        let cmd = Press::Command(Command::Report);
        assert_eq!(Press::decode(&cmd.encode()), Some(cmd));
        for forged in [
            "",
            "x",
            "o|risk",
            "o|risk|-1",
            "o|risk|1|2",
            "c|rm -rf",
            "c|forget",
            "d|a|b",
            &"o|".repeat(40),
        ] {
            assert_eq!(Press::decode(forged), None, "{forged}");
        }
        // The longest node id allowed (24 bytes) with a large index still fits.
        let longest = Press::Option {
            key: "x".repeat(24),
            index: 999,
        };
        assert!(longest.encode().len() <= MAX_DATA);
    }

    #[test]
    fn long_texts_are_split_under_the_limit() {
        let paragraphs: Vec<String> = (0..10)
            .map(|i| format!("{i}{}", "a".repeat(1000)))
            .collect();
        let parts = split(&paragraphs);
        assert!(parts.len() >= 3);
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_MESSAGE));
        assert_eq!(parts.concat().matches('a').count(), 10_000);
    }
}
