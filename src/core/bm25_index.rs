//! BM25 ranking over postings built once at load time.
//!
//! The `bm25` crate reads the words (its tokenizer, stemmer and stop words) and weighs each
//! word of a document (k1 = 1.2, b = 0.75, the length fitted to the corpus); that is kept. Its
//! own scorer is not: for every query it gathers the matching documents in a hash set and, for
//! each document and query word, computes the word's IDF again (a logarithm) and looks the word
//! up in the document — a third of a confident FAQ answer's cost. Here each word's postings
//! hold the document's weight already multiplied by the IDF, so a query is one hash lookup per
//! word and one addition per posting. The scores are the crate's, to the bit: the same
//! products, added in the same order.

use bm25::{Embedder, EmbedderBuilder, Language};
use std::collections::HashMap;

/// The documents' postings: for each hashed word, the documents that hold it with the word's
/// IDF times its weight there.
pub struct Bm25Index {
    embedder: Embedder,
    postings: HashMap<u32, Vec<(u32, f32)>>,
    documents: usize,
}

impl Bm25Index {
    pub fn new(language: Language, documents: &[String]) -> Bm25Index {
        let corpus: Vec<&str> = documents.iter().map(String::as_str).collect();
        let embedder = EmbedderBuilder::<u32>::with_fit_to_corpus(language, &corpus).build();
        // Per word: each document holding it once, with the word's weight there (a word
        // repeated in a document has the same weight at each place).
        let mut weights: HashMap<u32, Vec<(u32, f32)>> = HashMap::new();
        for (doc, text) in documents.iter().enumerate() {
            let embedding = embedder.embed(text);
            let mut seen: Vec<u32> = Vec::new();
            for token in embedding.iter() {
                if seen.contains(&token.index) {
                    continue;
                }
                seen.push(token.index);
                weights
                    .entry(token.index)
                    .or_default()
                    .push((doc as u32, token.value));
            }
        }
        let n = documents.len() as f32;
        let postings = weights
            .into_iter()
            .map(|(word, docs)| {
                // The crate's IDF: ln(1 + (N - n + 0.5) / (n + 0.5)).
                let holding = docs.len() as f32;
                let idf = (1f32 + ((n - holding + 0.5) / (holding + 0.5))).ln();
                let docs = docs.into_iter().map(|(d, v)| (d, idf * v)).collect();
                (word, docs)
            })
            .collect();
        Bm25Index {
            embedder,
            postings,
            documents: documents.len(),
        }
    }

    /// Each document's score for `query`, by index; 0 for a document sharing no word with it.
    pub fn scores(&self, query: &str) -> Vec<f32> {
        let mut scores = vec![0f32; self.documents];
        // Every word of the query counts, repeats included, as in the crate.
        for token in self.embedder.embed(query).iter() {
            for (doc, weight) in self.postings.get(&token.index).into_iter().flatten() {
                scores[*doc as usize] += *weight;
            }
        }
        scores
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bm25::{Document, SearchEngineBuilder};

    /// The same scores as the crate's own search engine, for every document it returns.
    #[test]
    fn scores_equal_the_crates() {
        let docs: Vec<String> = [
            "how is a blood clot in the leg diagnosed",
            "what is a deep vein thrombosis",
            "can a clot cause cramps in the calf calf",
            "blood thinners stop the clot from growing",
            "walking and stretching help ordinary cramps",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let index = Bm25Index::new(Language::English, &docs);
        let engine = SearchEngineBuilder::<usize>::with_documents(
            Language::English,
            docs.iter()
                .enumerate()
                .map(|(i, d)| Document::new(i, d.clone())),
        )
        .build();
        for query in [
            "clot calf cramps",
            "diagnosed clot clot",
            "thinners",
            "nothing shared here",
        ] {
            let ours = index.scores(query);
            let theirs = engine.search(query, None);
            for r in &theirs {
                assert_eq!(ours[r.document.id].to_bits(), r.score.to_bits(), "{query}");
            }
            let matched = ours.iter().filter(|s| **s > 0.0).count();
            assert_eq!(matched, theirs.len(), "{query}");
        }
    }
}
