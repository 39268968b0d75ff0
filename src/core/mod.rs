//! The shared assessment core: findings, rules, advice, the dialogue and its engine.
//!
//! Pure and synchronous: no I/O, no Telegram, no tokio. Everything it says comes from data
//! handed to it ([`Content`]); everything a front end shows comes out of it as
//! front-end-neutral replies.

pub mod advice;
pub mod answers;
pub mod bm25_index;
pub mod commands;
pub mod country;
pub mod detect;
pub mod dialog;
pub mod engine;
pub mod faq;
pub mod fhir;
pub mod findings;
pub mod items;
pub mod location;
pub mod ngrams;
pub mod report;
pub mod rules;
pub mod spell;
pub mod texts;
pub mod topic_model;

use country::Country;
use dialog::Dialog;
use std::collections::BTreeMap;
use texts::Texts;

/// Everything the core needs from the data files, validated by the loader.
#[derive(Debug, Clone)]
pub struct Content {
    pub dialog: Dialog,
    pub countries: Vec<Country>,
    /// ISO codes offered as buttons when the user sets their country.
    pub common_countries: Vec<String>,
    pub languages: BTreeMap<String, Texts>,
    /// Emergency detection over every language's lexicons at once.
    pub detector: detect::Detector,
    /// Each language's FAQ, indexed.
    pub faqs: BTreeMap<String, std::sync::Arc<faq::Faq>>,
    /// Where the FHIR documents' canonical URLs live: a deployment setting, not data
    /// (`fhir::DEFAULT_BASE` until the command line sets it).
    pub fhir_base: String,
}

impl Content {
    /// The wording for a language code, falling back to English (which validation
    /// guarantees), then to any language at all.
    pub fn texts(&self, lang: &str) -> &Texts {
        static EMPTY: std::sync::OnceLock<Texts> = std::sync::OnceLock::new();
        self.languages
            .get(lang)
            .or_else(|| self.languages.get("en"))
            .or_else(|| self.languages.values().next())
            .unwrap_or_else(|| EMPTY.get_or_init(Texts::default))
    }

    /// The country a user typed, by ISO code, name or alias.
    pub fn country_named(&self, typed: &str) -> Option<&Country> {
        self.countries.iter().find(|c| c.is_named(typed))
    }

    /// Emergency detection: every language's lexicons run on every message.
    pub fn detector(&self) -> &detect::Detector {
        &self.detector
    }

    /// The FAQ for a language, falling back to English.
    pub fn faq(&self, lang: &str) -> Option<&faq::Faq> {
        self.faqs
            .get(lang)
            .or_else(|| self.faqs.get("en"))
            .map(|f| f.as_ref())
    }

    /// A country by ISO code, any case.
    pub fn country(&self, iso: &str) -> Option<&Country> {
        self.countries
            .iter()
            .find(|c| c.iso.eq_ignore_ascii_case(iso))
    }
}
