//! Loading the data in `dialogs/`: embedded at build time, or read from a directory for
//! editing. Two stages, as ripgrep parses its flags: the raw serde shape ([`raw`]), then a
//! validated [`Bundle`] the engine can trust — or every problem found, each as
//! `file:line: message`.
//!
//! This module does the reading; the core it feeds never touches a file.

mod emergency;
pub mod raw;
mod validate;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// The files that make up the data, relative to the data directory.
pub const FILES: &[&str] = &[
    "flow.toml",
    "countries.toml",
    "en/texts.toml",
    "en/dialog.toml",
    "en/faq.toml",
    "en/emergency.toml",
    "en/words.txt",
    "de/texts.toml",
    "de/dialog.toml",
    "de/faq.toml",
    "de/emergency.toml",
    "de/words.txt",
    "es/texts.toml",
    "es/dialog.toml",
    "es/faq.toml",
    "es/emergency.toml",
    "es/words.txt",
];

/// The languages, and the files that hold each one's wording.
pub const LANGUAGES: &[(&str, &[&str])] = &[
    ("en", &["en/texts.toml", "en/dialog.toml"]),
    ("de", &["de/texts.toml", "de/dialog.toml"]),
    ("es", &["es/texts.toml", "es/dialog.toml"]),
];

/// Texts a front end needs besides the core's and the engine's; checked like them.
pub const FRONT_END_KEYS: &[&str] = &[
    "telegram.ask",
    "telegram.emergency",
    "telegram.report",
    "telegram.copy",
    "telegram.step",
    "telegram.non_text",
    "telegram.share_location",
    "telegram.location_hint",
    "telegram.stale",
    "telegram.group",
    "telegram.share",
    "telegram.share_title",
    "telegram.share_description",
    "telegram.share_nothing_title",
    "telegram.share_nothing",
    "telegram.fhir_caption",
    "telegram.too_long",
    "telegram.error",
    "telegram.reset",
    "telegram.description",
    "telegram.short_description",
];

/// The data as shipped, embedded so the binary runs from any directory.
const EMBEDDED: &[(&str, &str)] = &[
    ("flow.toml", include_str!("../../dialogs/flow.toml")),
    (
        "countries.toml",
        include_str!("../../dialogs/countries.toml"),
    ),
    ("en/texts.toml", include_str!("../../dialogs/en/texts.toml")),
    (
        "en/dialog.toml",
        include_str!("../../dialogs/en/dialog.toml"),
    ),
    ("en/faq.toml", include_str!("../../dialogs/en/faq.toml")),
    (
        "en/emergency.toml",
        include_str!("../../dialogs/en/emergency.toml"),
    ),
    ("en/words.txt", include_str!("../../dialogs/en/words.txt")),
    ("de/texts.toml", include_str!("../../dialogs/de/texts.toml")),
    (
        "de/dialog.toml",
        include_str!("../../dialogs/de/dialog.toml"),
    ),
    ("de/faq.toml", include_str!("../../dialogs/de/faq.toml")),
    (
        "de/emergency.toml",
        include_str!("../../dialogs/de/emergency.toml"),
    ),
    ("de/words.txt", include_str!("../../dialogs/de/words.txt")),
    ("es/texts.toml", include_str!("../../dialogs/es/texts.toml")),
    (
        "es/dialog.toml",
        include_str!("../../dialogs/es/dialog.toml"),
    ),
    ("es/faq.toml", include_str!("../../dialogs/es/faq.toml")),
    (
        "es/emergency.toml",
        include_str!("../../dialogs/es/emergency.toml"),
    ),
    ("es/words.txt", include_str!("../../dialogs/es/words.txt")),
];

pub use crate::core::Content as Bundle;

/// One problem in the data, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based; 0 when the problem concerns the file as a whole.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

/// Every problem found, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// The embedded data, validated. It never changes while the program runs, so it is validated
/// once and handed out as clones (the indexes inside are shared).
pub fn load_embedded() -> Result<Bundle, Problems> {
    static ONCE: std::sync::OnceLock<Result<Bundle, Problems>> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let files = EMBEDDED
            .iter()
            .map(|(name, text)| (name.to_string(), text.to_string()))
            .collect();
        validate::validate(&files, "")
    })
    .clone()
}

/// The data in `dir`, validated; problems name files as `dir/name`.
pub fn load_dir(dir: &Path) -> Result<Bundle, Problems> {
    let shown = dir.display().to_string();
    if !dir.is_dir() {
        return Err(Problems(vec![Problem {
            file: shown,
            line: 0,
            message: "no such directory, or it cannot be read".into(),
        }]));
    }
    let mut files = BTreeMap::new();
    let mut problems = Vec::new();
    for name in FILES {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(text) => {
                files.insert(name.to_string(), text);
            }
            Err(e) => problems.push(Problem {
                file: format!("{}/{name}", shown.trim_end_matches('/')),
                line: 0,
                message: format!("cannot read: {e}"),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    validate::validate(&files, &shown)
}

/// Files given in memory (name → text), validated: what the loader makes of any input.
pub fn load_files(files: &BTreeMap<String, String>) -> Result<Bundle, Problems> {
    validate::validate(files, "")
}

/// The embedded files, name → text.
pub fn embedded_files() -> BTreeMap<String, String> {
    EMBEDDED
        .iter()
        .map(|(name, text)| (name.to_string(), text.to_string()))
        .collect()
}

/// Embedded data unless a directory is given.
pub fn load(dir: Option<&Path>) -> Result<Bundle, Problems> {
    match dir {
        Some(d) => load_dir(d),
        None => load_embedded(),
    }
}
