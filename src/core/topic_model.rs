//! A small classifier of questions into FAQ topics, learned when the FAQ is loaded from the
//! topics' own example questions: multinomial naive Bayes over stemmed words and word pairs,
//! each feature weighted by how few topics use it.
//!
//! Why beside BM25: BM25 scores each example on its own and so cannot tell which words set one
//! topic apart from its neighbours ("what *else* causes cramps" against "can clots cause
//! cramps"); a model of all of a topic's examples together learns that from the data, with no
//! word list to keep.

use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::FxHashMap as HashMap;

/// Additive smoothing of the word counts.
const ALPHA: f32 = 0.3;
/// Naive Bayes is overconfident (it counts every feature as independent evidence): its
/// log-probabilities are divided by this before they are fused with the lexical scores, so
/// that one shared word pair cannot outvote them. Chosen on the tuning sets.
const TEMPERATURE: f32 = 15.0;

pub struct TopicModel {
    stemmer: Option<Stemmer>,
    /// Feature → its id.
    ids: HashMap<String, u32>,
    /// Per feature: its weight (log of topics / topics using it, plus one).
    weight: Vec<f32>,
    /// Per topic, per feature: log P(feature | topic).
    log_p: Vec<Vec<f32>>,
    /// Per topic: log P(unseen feature | topic) — the smoothing floor.
    topics: usize,
}

impl std::fmt::Debug for TopicModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TopicModel")
            .field("features", &self.ids.len())
            .finish()
    }
}

impl TopicModel {
    /// Learns from `examples[t]`, the normalised questions of topic `t` (words separated by
    /// spaces). `stemmer` names the language ("english", "german", "spanish").
    pub fn new(examples: &[Vec<String>], stemmer: Option<&str>) -> TopicModel {
        let stemmer = stemmer.and_then(|s| {
            Some(Stemmer::create(match s {
                "english" => Algorithm::English,
                "german" => Algorithm::German,
                "spanish" => Algorithm::Spanish,
                "french" => Algorithm::French,
                "italian" => Algorithm::Italian,
                "portuguese" => Algorithm::Portuguese,
                "dutch" => Algorithm::Dutch,
                _ => return None,
            }))
        });
        let mut model = TopicModel {
            stemmer,
            ids: HashMap::default(),
            weight: Vec::new(),
            log_p: Vec::new(),
            topics: examples.len(),
        };
        let mut counts: Vec<HashMap<u32, f32>> = vec![HashMap::default(); examples.len()];
        for (t, texts) in examples.iter().enumerate() {
            for text in texts {
                for f in model.features(text) {
                    let next = model.ids.len() as u32;
                    let id = *model.ids.entry(f).or_insert(next);
                    *counts[t].entry(id).or_default() += 1.0;
                }
            }
        }
        let n = model.ids.len();
        let mut used_by = vec![0.0f32; n];
        for c in &counts {
            for id in c.keys() {
                used_by[*id as usize] += 1.0;
            }
        }
        let topics = examples.len().max(1) as f32;
        model.weight = used_by.iter().map(|u| (topics / u).ln() + 1.0).collect();
        for c in &counts {
            let total: f32 = c.iter().map(|(id, k)| k * model.weight[*id as usize]).sum();
            let denominator = total + ALPHA * n as f32;
            let mut row = vec![(ALPHA / denominator).ln(); n];
            for (id, k) in c {
                row[*id as usize] = ((k * model.weight[*id as usize] + ALPHA) / denominator).ln();
            }
            model.log_p.push(row);
        }
        model
    }

    /// The words (stemmed) and adjacent word pairs of a normalised text.
    fn features(&self, text: &str) -> Vec<String> {
        let stems: Vec<String> = text
            .split_whitespace()
            .map(|w| match &self.stemmer {
                Some(s) if !w.starts_with('q') || w.len() < 3 => s.stem(w).into_owned(),
                _ => w.to_string(),
            })
            .collect();
        let mut out = stems.clone();
        out.extend(stems.windows(2).map(|p| format!("{} {}", p[0], p[1])));
        out
    }

    /// The probability of each topic for a normalised message; `None` when the message has
    /// no word the model knows.
    pub fn probabilities(&self, text: &str) -> Option<Vec<f32>> {
        let known: Vec<u32> = self
            .features(text)
            .iter()
            .filter_map(|f| self.ids.get(f).copied())
            .collect();
        if known.is_empty() || self.topics == 0 {
            return None;
        }
        let logits: Vec<f32> = self
            .log_p
            .iter()
            .map(|row| {
                known
                    .iter()
                    .map(|id| self.weight[*id as usize] * row[*id as usize])
                    .sum::<f32>()
                    / TEMPERATURE
            })
            .collect();
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exp: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
        let sum: f32 = exp.iter().sum();
        Some(exp.into_iter().map(|e| e / sum).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_that_sets_a_topic_apart_decides() {
        let model = TopicModel::new(
            &[
                vec![
                    "can clots cause cramps".into(),
                    "do clots give cramps".into(),
                ],
                vec![
                    "what else causes cramps".into(),
                    "other causes of cramps".into(),
                ],
            ],
            Some("english"),
        );
        let p = model
            .probabilities("what else could cause my cramps")
            .unwrap();
        assert!(p[1] > p[0], "{p:?}");
        let p = model.probabilities("can a clot cause a cramp").unwrap();
        assert!(p[0] > p[1], "{p:?}");
        assert!(model.probabilities("weather tomorrow").is_none());
    }
}
