//! Stage one of loading: the serde shape of the files, with source spans kept so that every
//! problem found later can be reported as `file:line`.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFlow {
    pub format: Spanned<u32>,
    pub version: Spanned<String>,
    pub start: Spanned<String>,
    pub check: Spanned<String>,
    /// Delays of a check-in after an outcome, per level (humantime durations).
    pub check_in: Option<Spanned<RawCheckIn>>,
    #[serde(default, rename = "node")]
    pub nodes: Vec<RawNode>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheckIn {
    pub urgent: Spanned<String>,
    pub soon: Spanned<String>,
    pub self_care: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNode {
    pub id: Spanned<String>,
    pub kind: Spanned<RawKind>,
    #[serde(default)]
    pub asks: Vec<Spanned<String>>,
    #[serde(default)]
    pub next: Option<Spanned<String>>,
    #[serde(default)]
    pub options: Vec<RawOption>,
    /// The report item of an `item` node.
    #[serde(default)]
    pub item: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawKind {
    Info,
    Consent,
    Question,
    Multi,
    Outcome,
    Item,
    Advice,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOption {
    pub id: Spanned<String>,
    pub label: Spanned<String>,
    #[serde(default)]
    pub present: Vec<Spanned<String>>,
    #[serde(default)]
    pub unsure: Vec<Spanned<String>>,
    #[serde(default)]
    pub nav: bool,
    #[serde(default)]
    pub next: Option<Spanned<String>>,
    /// The value an option of an `item` node records.
    #[serde(default)]
    pub value: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCountries {
    pub format: Spanned<u32>,
    /// ISO codes offered as buttons.
    #[serde(default)]
    pub common: Vec<Spanned<String>>,
    #[serde(default, rename = "country")]
    pub countries: Vec<RawCountry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCountry {
    pub iso: Spanned<String>,
    pub name: Spanned<String>,
    pub ambulance: Spanned<String>,
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub also: Vec<Spanned<String>>,
    #[serde(default)]
    pub advice_line: Option<Spanned<String>>,
    /// The ambulance label still needs a second source.
    #[serde(default)]
    pub check: bool,
    /// The advice line still needs a second source: it is left out.
    #[serde(default)]
    pub advice_check: bool,
    pub source: Spanned<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// A language's FAQ.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFaq {
    pub format: Spanned<u32>,
    #[serde(default, rename = "topic")]
    pub topics: Vec<RawTopic>,
    #[serde(default)]
    pub synonyms: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub domain: RawDomain,
    pub matching: RawMatching,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMatching {
    pub stemmer: Spanned<String>,
    #[serde(default)]
    pub denials: Vec<String>,
    #[serde(default)]
    pub all_clear: Vec<String>,
    #[serde(default)]
    pub clause_denials: Vec<String>,
    #[serde(default)]
    pub intent: Vec<String>,
    #[serde(default)]
    pub define: Vec<String>,
    #[serde(default)]
    pub topic_switch: Vec<String>,
    #[serde(default)]
    pub articles: Vec<String>,
    #[serde(default)]
    pub signs: Vec<String>,
    #[serde(default)]
    pub mechanism: Vec<String>,
    #[serde(default)]
    pub compare: Vec<String>,
    #[serde(default)]
    pub either: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDomain {
    #[serde(default)]
    pub words: Vec<String>,
    #[serde(default)]
    pub weak: Vec<String>,
    /// Phrases that say a message is about something else (a word's spelling or translation,
    /// a pet): with one, no topic answers.
    #[serde(default)]
    pub elsewhere: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTopic {
    pub id: Spanned<String>,
    pub title: Spanned<String>,
    #[serde(default)]
    pub questions: Vec<String>,
    pub answer: Spanned<String>,
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub defines: Vec<String>,
    #[serde(default)]
    pub signs_of: Vec<String>,
    #[serde(default)]
    pub mechanism_of: Vec<String>,
    #[serde(default)]
    pub comparison_of: Vec<String>,
    #[serde(default)]
    pub asked_by: Vec<String>,
}

/// A language file: nested tables of texts and of word lists, each leaf with its span.
#[derive(Debug, Default)]
pub struct TextTree(pub BTreeMap<String, Spanned<TextNode>>);

#[derive(Debug)]
pub enum TextNode {
    Text(String),
    List(Vec<String>),
    Number(i64),
    Table(TextTree),
}

impl<'de> Deserialize<'de> for TextTree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(TreeVisitor)
    }
}

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = TextTree;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a table of texts")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TextTree, A::Error> {
        let mut out = BTreeMap::new();
        while let Some((k, v)) = map.next_entry::<String, Spanned<TextNode>>()? {
            out.insert(k, v);
        }
        Ok(TextTree(out))
    }
}

impl<'de> Deserialize<'de> for TextNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = TextNode;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a text, a list of texts, or a table")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<TextNode, E> {
        Ok(TextNode::Text(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<TextNode, E> {
        Ok(TextNode::Number(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TextNode, A::Error> {
        let mut out = Vec::new();
        while let Some(s) = seq.next_element::<String>()? {
            out.push(s);
        }
        Ok(TextNode::List(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TextNode, A::Error> {
        TreeVisitor.visit_map(map).map(TextNode::Table)
    }
}

/// A language's emergency lexicons and context triggers (`<lang>/emergency.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEmergency {
    pub format: Spanned<u32>,
    /// Context category → trigger phrases.
    pub context: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    /// Red-flag id (or "other") → its lexicon.
    #[serde(default)]
    pub sign: BTreeMap<Spanned<String>, RawSign>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSign {
    #[serde(default)]
    pub phrases: Vec<Spanned<String>>,
    #[serde(default)]
    pub pairs: Vec<Spanned<String>>,
    #[serde(default)]
    pub sudden_pairs: Vec<Spanned<String>>,
    #[serde(default)]
    pub thinner_pairs: Vec<Spanned<String>>,
    #[serde(default)]
    pub unless: Vec<Spanned<String>>,
    #[serde(default)]
    pub idioms: Vec<Spanned<String>>,
    #[serde(default)]
    pub exertion: bool,
    #[serde(default)]
    pub event: bool,
}
