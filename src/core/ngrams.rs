//! Character n-gram similarity: TF-IDF vectors of the character trigrams of a text (words
//! padded with a space), compared by cosine. It tolerates what word matching cannot: a typo
//! inside a word, an inflection the stemmer misses, a German compound ("Wadenkrämpfe" shares
//! most trigrams with "Krämpfe in der Wade").

use rustc_hash::FxHashMap as HashMap;

/// The trigrams of `text` with their counts.
fn grams(text: &str) -> HashMap<String, f32> {
    let mut out: HashMap<String, f32> = HashMap::default();
    for w in text.split_whitespace() {
        let padded: Vec<char> = std::iter::once(' ')
            .chain(w.chars())
            .chain(std::iter::once(' '))
            .collect();
        for g in padded.windows(3) {
            *out.entry(g.iter().collect()).or_default() += 1.0;
        }
    }
    out
}

/// An index of documents, each a sparse unit vector.
#[derive(Debug, Clone, Default)]
pub struct NgramIndex {
    idf: HashMap<String, f32>,
    /// Trigram → (document, weight in its unit vector).
    postings: HashMap<String, Vec<(u32, f32)>>,
    docs: usize,
}

impl NgramIndex {
    pub fn new(documents: &[String]) -> NgramIndex {
        let counted: Vec<HashMap<String, f32>> = documents.iter().map(|d| grams(d)).collect();
        let mut df: HashMap<&str, f32> = HashMap::default();
        for g in &counted {
            for k in g.keys() {
                *df.entry(k.as_str()).or_default() += 1.0;
            }
        }
        let n = documents.len().max(1) as f32;
        let idf: HashMap<String, f32> = df
            .iter()
            .map(|(k, d)| (k.to_string(), (1.0 + n / d).ln()))
            .collect();
        let mut postings: HashMap<String, Vec<(u32, f32)>> = HashMap::default();
        for (i, g) in counted.iter().enumerate() {
            let weights: Vec<(&String, f32)> = g.iter().map(|(k, c)| (k, c * idf[k])).collect();
            let norm = weights
                .iter()
                .map(|(_, w)| w * w)
                .sum::<f32>()
                .sqrt()
                .max(1e-6);
            for (k, w) in weights {
                postings
                    .entry(k.clone())
                    .or_default()
                    .push((i as u32, w / norm));
            }
        }
        NgramIndex {
            idf,
            postings,
            docs: documents.len(),
        }
    }

    /// The cosine similarity of `text` with every document.
    pub fn similarities(&self, text: &str) -> Vec<f32> {
        let mut out = vec![0.0; self.docs];
        let q = grams(text);
        let weights: Vec<(&String, f32)> = q
            .iter()
            .filter_map(|(k, c)| self.idf.get(k).map(|idf| (k, c * idf)))
            .collect();
        // Unknown trigrams still count in the query's length: a message mostly about
        // something else is less similar.
        let unknown: f32 = q
            .iter()
            .filter(|(k, _)| !self.idf.contains_key(*k))
            .map(|(_, c)| c * c)
            .sum();
        let norm = (weights.iter().map(|(_, w)| w * w).sum::<f32>() + unknown)
            .sqrt()
            .max(1e-6);
        for (k, w) in weights {
            for (d, dw) in &self.postings[k] {
                out[*d as usize] += w / norm * dw;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_keeps_most_of_the_similarity() {
        let index = NgramIndex::new(&["how is a clot treated".into(), "who is at risk".into()]);
        let s = index.similarities("how is a clott treeted");
        assert!(s[0] > 0.5 && s[0] > 2.0 * s[1], "{s:?}");
    }
}
