//! Where the user is, as far as emergency help goes: the numbers to call and the advice line.
//! The table itself is data (`dialogs/countries.toml`); this is its validated shape.

use serde::Serialize;

/// One row of the emergency-numbers table, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Country {
    /// ISO 3166-1 alpha-2, upper case.
    pub iso: String,
    pub name: String,
    /// The number to give first for a suspected clot in the lung.
    pub ambulance: String,
    /// A service name shown beside the number ("SAMU"), when the table has one.
    pub service: Option<String>,
    /// Other numbers that reach emergency services there.
    pub also: Vec<String>,
    /// The non-emergency advice line, as a phrase to call ("NHS 111"); `None` when the table has
    /// none or it still needs a second source.
    pub advice_line: Option<String>,
    /// False while the ambulance label still needs a second source: the number is then shown
    /// with the generic fallback line beside it.
    pub confirmed: bool,
    pub source: String,
    /// Other names people type for it ("UK", "England", "USA").
    pub aliases: Vec<String>,
}

impl Country {
    /// Whether `typed` names this country: its ISO code, name or an alias, ignoring case,
    /// accents, punctuation and a leading "the".
    pub fn is_named(&self, typed: &str) -> bool {
        let typed = fold(typed);
        let typed = typed.strip_prefix("the ").unwrap_or(&typed);
        !typed.is_empty()
            && (fold(&self.iso) == typed
                || fold(&self.name) == typed
                || self.aliases.iter().any(|a| fold(a) == typed))
    }
}

/// Lower case, Latin accents dropped, punctuation as spaces, spaces collapsed.
fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars().flat_map(char::to_lowercase) {
        let base = match ch {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        };
        out.push(base);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The emergency contact the advice is written for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Place<'a> {
    pub country: Option<&'a Country>,
    /// The country was guessed (say, from a language tag), not chosen by the user.
    pub guessed: bool,
}

impl<'a> Place<'a> {
    pub fn known(country: &'a Country) -> Self {
        Place {
            country: Some(country),
            guessed: false,
        }
    }

    pub fn unknown() -> Self {
        Place::default()
    }

    /// Whether the generic fallback line must be shown beside (or instead of) the number.
    pub fn needs_fallback(&self) -> bool {
        match self.country {
            None => true,
            Some(c) => self.guessed || !c.confirmed,
        }
    }
}
