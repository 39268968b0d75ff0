//! The command registry: every command's name, the text that describes it, and where it is
//! offered. The engine parses with it, the console accepts what it lists, and Telegram
//! registers its menu (`setMyCommands`) and its command buttons from it.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Start,
    Check,
    Back,
    Restart,
    Faq,
    Report,
    Emergency,
    Country,
    Language,
    Forget,
    Help,
    Unknown,
}

/// One command of the registry.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub command: Command,
    /// What is typed after the slash.
    pub name: &'static str,
    /// In the bot's command menu (`setMyCommands`), described by `telegram.command.<name>`.
    pub menu: bool,
    /// Also a button under some messages (emergency help, questions, report, country).
    pub button: bool,
}

const fn entry(command: Command, name: &'static str, menu: bool, button: bool) -> Entry {
    Entry {
        command,
        name,
        menu,
        button,
    }
}

/// Every command, in the menu's order.
pub const COMMANDS: &[Entry] = &[
    entry(Command::Start, "start", true, false),
    entry(Command::Check, "check", true, false),
    entry(Command::Faq, "faq", true, true),
    entry(Command::Emergency, "emergency", true, true),
    entry(Command::Report, "report", true, true),
    entry(Command::Country, "country", true, true),
    entry(Command::Language, "language", true, false),
    entry(Command::Forget, "forget", true, false),
    entry(Command::Help, "help", true, false),
    entry(Command::Back, "back", false, false),
    entry(Command::Restart, "restart", false, false),
];

impl Command {
    /// Parses "/name" or "/name@bot" (arguments ignored); `None` when not a command.
    pub fn parse(text: &str) -> Option<Command> {
        let word = text.trim().strip_prefix('/')?.split_whitespace().next()?;
        let name = word.split('@').next().unwrap_or(word);
        Some(
            COMMANDS
                .iter()
                .find(|e| e.name.eq_ignore_ascii_case(name))
                .map_or(Command::Unknown, |e| e.command),
        )
    }

    /// A command by its registered name.
    pub fn named(name: &str) -> Option<Command> {
        COMMANDS.iter().find(|e| e.name == name).map(|e| e.command)
    }

    /// The name typed after the slash; empty for an unknown command.
    pub fn name(self) -> &'static str {
        COMMANDS
            .iter()
            .find(|e| e.command == self)
            .map_or("", |e| e.name)
    }

    /// The text key describing a command of the menu.
    pub fn text_key(self) -> String {
        format!("telegram.command.{}", self.name())
    }

    /// Whether the command is also offered as a button.
    pub fn is_button(self) -> bool {
        COMMANDS.iter().any(|e| e.command == self && e.button)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_to_their_command() {
        for e in COMMANDS {
            assert_eq!(Command::parse(&format!("/{}", e.name)), Some(e.command));
            assert_eq!(
                Command::parse(&format!("/{}@bot x", e.name.to_uppercase())),
                Some(e.command)
            );
            assert_eq!(e.command.name(), e.name);
        }
        assert_eq!(Command::parse("/nope"), Some(Command::Unknown));
        assert_eq!(Command::parse("hello"), None);
    }
}
