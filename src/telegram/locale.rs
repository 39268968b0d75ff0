//! What a Telegram user's app settings say about them: the language they read, and a guess
//! at their country. Both only fill what the person has not chosen.

use crate::core::Content;
use crate::core::engine::Prefs;

/// Fills what was not chosen from the app's language tag ("de-AT"): the language when the
/// data has it (English otherwise), and the country from the tag's region, as a guess.
pub fn apply(prefs: &mut Prefs, tag: Option<&str>, content: &Content) {
    if !prefs.lang_chosen {
        prefs.lang = tag
            .and_then(|l| l.split(['-', '_']).next())
            .map(str::to_ascii_lowercase)
            .filter(|c| content.languages.contains_key(c))
            .unwrap_or_else(|| "en".into());
    }
    if prefs.country.is_none()
        && let Some(iso) = guess_country(tag).filter(|iso| content.country(iso).is_some())
    {
        // Shown as a guess, with the generic numbers beside it and an offer to set it.
        prefs.country = Some(iso);
        prefs.country_guessed = true;
    }
}

/// The region of a language tag ("en-AU" → "AU"), which says where the user's phone is set
/// up, not where they are: only ever a guess.
pub fn guess_country(tag: Option<&str>) -> Option<String> {
    let region = tag?.split(['-', '_']).nth(1)?;
    (region.len() == 2 && region.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| region.to_ascii_uppercase())
}

/// The language code part of a tag, for someone with nothing stored ("pt-BR" → "pt").
pub fn language(tag: Option<&str>) -> &str {
    tag.and_then(|l| l.split(['-', '_']).next()).unwrap_or("en")
}
