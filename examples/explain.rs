//! Shows how emergency detection reads a message: each mention and whether its context kept
//! it. For people editing `dialogs/*/emergency.toml`: `cargo run --example explain -- "text"`.
fn main() {
    let content = clotcheck::data::load_embedded().expect("valid data");
    for text in std::env::args().skip(1) {
        println!("{text}");
        for line in content.detector().explain(&text) {
            println!("  {line}");
        }
    }
}
