//! Shows how the FAQ reads a question: the words as the index sees them, the topic it would
//! answer with, its score and margin, and the topics it would offer. For people editing
//! `dialogs/*/faq.toml`: `cargo run --example faqdebug -- en "text" …`.
fn main() {
    let content = clotcheck::data::load_embedded().expect("valid data");
    let mut args = std::env::args().skip(1);
    let lang = args.next().expect("a language: en, de or es");
    let faq = content.faq(&lang).expect("a language of the data");
    let id = |i: usize| faq.topics[i].id.clone();
    for text in args {
        let m = faq.search(&text);
        println!("{text}");
        println!("  read as: {}", faq.normalize(&text));
        println!(
            "  answer: {:?}, score {:.3}, margin {:.3}, offered {:?}",
            m.topic.map(id),
            m.score,
            m.margin,
            m.suggestions.iter().map(|i| id(*i)).collect::<Vec<_>>()
        );
    }
}
