//! The validator on deliberately broken copies of the shipped data: one per kind of problem,
//! each asserting the message and its `file:line`.

use crate::support::{bin, project};
use std::path::{Path, PathBuf};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A copy of `dialogs/` with the given (file, old, new) edits applied.
struct Broken {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Broken {
    fn new(edits: &[(&str, &str, &str)]) -> Broken {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("dialogs");
        copy_dir(&project("dialogs"), &dir);
        for (file, old, new) in edits {
            let path = dir.join(file);
            let text = std::fs::read_to_string(&path).unwrap();
            assert_eq!(
                text.matches(old).count(),
                1,
                "edit target {old:?} not unique in {file}"
            );
            std::fs::write(&path, text.replacen(old, new, 1)).unwrap();
        }
        Broken { _tmp: tmp, dir }
    }

    /// 1-based line of the first occurrence of `needle` in `file`.
    fn line_of(&self, file: &str, needle: &str) -> usize {
        let text = std::fs::read_to_string(self.dir.join(file)).unwrap();
        let at = text
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in {file}"));
        text[..at].matches('\n').count() + 1
    }

    fn check(&self) -> (i32, String, String) {
        let out = bin().arg("check").arg(&self.dir).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    }

    /// `check` fails, reporting `message` at `file:line`.
    fn expect(&self, file: &str, line: usize, message: &str) {
        let (code, _, stderr) = self.check();
        assert_eq!(code, 1, "{stderr}");
        let located = format!("{}/{file}:{line}: ", self.dir.display());
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&located) && l.contains(message)),
            "expected `{located}…{message}` in:\n{stderr}"
        );
    }
}

#[test]
fn shipped_data_passes_with_one_summary_line() {
    for args in [
        vec!["check"],
        vec!["check", project("dialogs").to_str().unwrap()],
    ] {
        let out = bin().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(stdout.lines().count(), 1, "{stdout}");
        assert!(stdout.contains("ok"));
    }
}

#[test]
fn unknown_target() {
    let b = Broken::new(&[("flow.toml", "next = \"rf_chest\"", "next = \"rf_chset\"")]);
    b.expect(
        "flow.toml",
        b.line_of("flow.toml", "next = \"rf_chset\""),
        "unknown target 'rf_chset'",
    );
}

#[test]
fn unreachable_node() {
    let b = Broken::new(&[
        (
            "flow.toml",
            "[[node]]\nid = \"outcome\"",
            "[[node]]\nid = \"orphan\"\nkind = \"info\"\noptions = [{ id = \"go\", label = \"start\", next = \"outcome\" }]\n\n[[node]]\nid = \"outcome\"",
        ),
        ("en/dialog.toml", "[node]\n", "[node]\norphan = \"x\"\n"),
    ]);
    b.expect(
        "flow.toml",
        b.line_of("flow.toml", "id = \"orphan\""),
        "node 'orphan' is unreachable",
    );
}

#[test]
fn node_with_no_way_forward() {
    let b = Broken::new(&[(
        "flow.toml",
        "options = [{ id = \"again\", label = \"start_again\", nav = true, next = \"welcome\" }]",
        "options = []",
    )]);
    b.expect(
        "flow.toml",
        b.line_of("flow.toml", "id = \"declined\""),
        "node 'declined' has no way forward",
    );
}

#[test]
fn unknown_finding_id() {
    let b = Broken::new(&[(
        "flow.toml",
        "asks = [\"leg_warmth\"]",
        "asks = [\"leg_hotness\"]",
    )]);
    b.expect(
        "flow.toml",
        b.line_of("flow.toml", "asks = [\"leg_hotness\"]"),
        "unknown finding id 'leg_hotness'",
    );
}

#[test]
fn finding_never_asked() {
    let b = Broken::new(&[("flow.toml", "  \"heart_disease\",\n", "")]);
    b.expect(
        "flow.toml",
        b.line_of("flow.toml", "id = \"rf_breath\""),
        "finding 'heart_disease' is never asked",
    );
}

#[test]
fn finding_skipped_on_some_paths() {
    // "Yes" to one-leg swelling jumps over the pain question.
    let b = Broken::new(&[(
        "flow.toml",
        "present = [\"one_leg_swelling\"], next = \"dvt_whole_leg\"",
        "present = [\"one_leg_swelling\"], next = \"dvt_sudden_cramp\"",
    )]);
    b.expect(
        "flow.toml",
        b.line_of("flow.toml", "id = \"rf_breath\""),
        "finding 'whole_leg_swelling' is never asked",
    );
    let b = Broken::new(&[(
        "flow.toml",
        "{ id = \"no\", label = \"no\" },\n  { id = \"unsure\", label = \"not_sure\", unsure = [\"one_leg_swelling\"] },",
        "{ id = \"no\", label = \"no\", next = \"dvt_sudden_cramp\" },\n  { id = \"unsure\", label = \"not_sure\", unsure = [\"one_leg_swelling\"] },",
    )]);
    b.expect(
        "flow.toml",
        b.line_of("flow.toml", "id = \"rf_breath\""),
        "finding 'calf_thigh_pain' is skipped on some paths",
    );
}

#[test]
fn duplicate_id() {
    let b = Broken::new(&[("flow.toml", "id = \"dvt_red\"", "id = \"dvt_warm\"")]);
    let second = {
        let text = std::fs::read_to_string(b.dir.join("flow.toml")).unwrap();
        let first = text.find("id = \"dvt_warm\"").unwrap();
        let at = first + 1 + text[first + 1..].find("id = \"dvt_warm\"").unwrap();
        text[..at].matches('\n').count() + 1
    };
    b.expect("flow.toml", second, "duplicate node id 'dvt_warm'");
}

#[test]
fn text_over_4096_characters() {
    let long = format!(
        "rf_blood = \"{}\"",
        "Are you coughing up blood? ".repeat(200)
    );
    let b = Broken::new(&[(
        "en/dialog.toml",
        "rf_blood = \"Are you coughing up blood?\"",
        &long,
    )]);
    b.expect(
        "en/dialog.toml",
        b.line_of("en/dialog.toml", "rf_blood ="),
        "text 'node.rf_blood' is 5400 characters, over Telegram's 4096",
    );
}

#[test]
fn id_over_24_bytes() {
    let b = Broken::new(&[(
        "flow.toml",
        "{ id = \"start\", label = \"start\"",
        "{ id = \"start_the_check_right_now_please\", label = \"start\"",
    )]);
    b.expect(
        "flow.toml",
        b.line_of("flow.toml", "start_the_check_right_now_please"),
        "option id 'start_the_check_right_now_please' must be 1 to 24 bytes",
    );
}

#[test]
fn red_flag_that_does_not_act_on_one_tap() {
    let b = Broken::new(&[(
        "flow.toml",
        "id = \"rf_heart\"\nkind = \"question\"",
        "id = \"rf_heart\"\nkind = \"multi\"",
    )]);
    let line = b.line_of("flow.toml", "asks = [\"racing_heart\"]");
    b.expect(
        "flow.toml",
        line,
        "red flag 'racing_heart' does not act on one tap",
    );
}

#[test]
fn toml_syntax_error_is_located() {
    let b = Broken::new(&[("en/texts.toml", "[advice.soon]", "[advice.soon")]);
    b.expect(
        "en/texts.toml",
        b.line_of("en/texts.toml", "[advice.soon"),
        "",
    );
}

#[test]
fn malformed_emergency_number() {
    let b = Broken::new(&[(
        "countries.toml",
        "ambulance = \"000\"",
        "ambulance = \"0-0\"",
    )]);
    b.expect(
        "countries.toml",
        b.line_of("countries.toml", "ambulance = \"0-0\""),
        "'0-0' is not a well-formed emergency short number",
    );
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let b = Broken::new(&[
        (
            "flow.toml",
            "asks = [\"leg_warmth\"]",
            "asks = [\"leg_hotness\"]",
        ),
        ("countries.toml", "iso = \"JP\"", "iso = \"Japan\""),
        (
            "en/texts.toml",
            "disclaimer = \"This is general",
            "disclaimer_x = \"This is general",
        ),
    ]);
    b.expect(
        "flow.toml",
        b.line_of("flow.toml", "leg_hotness"),
        "unknown finding id",
    );
    b.expect(
        "countries.toml",
        b.line_of("countries.toml", "Japan"),
        "not an ISO 3166 alpha-2 code",
    );
    b.expect("en/texts.toml", 1, "missing text 'advice.disclaimer'");
}

#[test]
fn missing_directory_is_a_clear_error() {
    let out = bin()
        .args(["check", "/nonexistent/dialogs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/nonexistent/dialogs: no such directory"),
        "{stderr}"
    );
}

#[test]
fn console_refuses_to_start_on_invalid_data() {
    let b = Broken::new(&[("flow.toml", "next = \"rf_chest\"", "next = \"nowhere\"")]);
    let out = bin()
        .arg("console")
        .arg("--dialogs")
        .arg(&b.dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown target 'nowhere'"));
    assert!(out.stdout.is_empty(), "nothing shown to a user");
}

#[test]
fn malformed_emergency_lexicon_patterns_are_located() {
    let b = Broken::new(&[
        ("de/emergency.toml", "\"ohnmacht*\",", "\"ohn*macht\","),
        ("es/emergency.toml", "[sign.fainting]", "[sign.desmayo]"),
        ("en/emergency.toml", "\"in>ing\"", "\"in=ing\""),
    ]);
    b.expect(
        "en/emergency.toml",
        b.line_of("en/emergency.toml", "\"in=ing\""),
        "must be a spoken ending, '>' and its written form",
    );
    b.expect(
        "de/emergency.toml",
        b.line_of("de/emergency.toml", "\"ohn*macht\""),
        "'*' only at a word's start or end",
    );
    b.expect(
        "es/emergency.toml",
        b.line_of("es/emergency.toml", "[sign.desmayo]"),
        "'desmayo' is not a red flag",
    );
}

#[test]
fn a_word_list_with_something_that_is_not_a_word_is_located() {
    let b = Broken::new(&[("en/words.txt", "\nchest\n", "\nChest pain\n")]);
    b.expect(
        "en/words.txt",
        b.line_of("en/words.txt", "Chest pain"),
        "'Chest pain' is not one lower-case word",
    );
}

#[test]
fn check_in_delays_must_be_durations_in_range_and_in_order() {
    let b = Broken::new(&[("flow.toml", "urgent = \"3h\"", "urgent = \"three hours\"")]);
    b.expect(
        "flow.toml",
        b.line_of("flow.toml", "urgent = \"three hours\""),
        "the check-in delay for 'urgent' is not a duration",
    );
    let b = Broken::new(&[(
        "flow.toml",
        "self_care = \"2days\"",
        "self_care = \"30days\"",
    )]);
    b.expect(
        "flow.toml",
        b.line_of("flow.toml", "self_care = \"30days\""),
        "must be between 1 minute and 14 days",
    );
    let b = Broken::new(&[("flow.toml", "soon = \"1day\"", "soon = \"1h\"")]);
    b.expect(
        "flow.toml",
        b.line_of("flow.toml", "urgent = \"3h\""),
        "must not be longer for a more urgent level",
    );
}

/// A term a FAQ topic explains that no question could name is reported at its topic.
#[test]
fn a_defined_term_outside_the_domain_is_located() {
    let b = Broken::new(&[(
        "en/faq.toml",
        "defines = [\"D-dimer\"]",
        "defines = [\"D-dimer\", \"zebra crossing\"]",
    )]);
    let line = b.line_of("en/faq.toml", "id = \"diagnosis\"");
    b.expect("en/faq.toml", line, "defines 'zebra crossing'");
}

/// Likewise a term whose signs a topic tells.
#[test]
fn a_term_whose_signs_are_told_outside_the_domain_is_located() {
    let b = Broken::new(&[(
        "en/faq.toml",
        "signs_of = [\"pulmonary embolism\", \"lung\"]",
        "signs_of = [\"pulmonary embolism\", \"lung\", \"zebra crossing\"]",
    )]);
    let line = b.line_of("en/faq.toml", "id = \"pulmonary_embolism\"");
    b.expect("en/faq.toml", line, "signs_of 'zebra crossing'");
}

/// And a term of which a topic tells how the one brings about the other.
#[test]
fn a_mechanism_term_outside_the_domain_is_located() {
    let b = Broken::new(&[(
        "de/faq.toml",
        "mechanism_of = [\"Blutgerinnsel\", \"Krampf\"]",
        "mechanism_of = [\"Blutgerinnsel\", \"Zebrastreifen\"]",
    )]);
    let line = b.line_of("de/faq.toml", "id = \"how_clots_cause_cramps\"");
    b.expect("de/faq.toml", line, "mechanism_of 'zebrastreifen'");
}

/// A sign with more pairs than the detector reads is reported, not cut short in silence
/// (the pairs read last would be lost: the blood-thinner ones).
#[test]
fn a_sign_with_too_many_pairs_is_located() {
    let many: Vec<String> = (0..clotcheck::core::detect::MAX_PAIRS + 1)
        .map(|i| format!("\"word{i} + other{i}\""))
        .collect();
    let b = Broken::new(&[(
        "en/emergency.toml",
        "[sign.chest_pain]\n",
        &format!("[sign.chest_pain]\nsudden_pairs = [{}]\n", many.join(", ")),
    )]);
    let line = b.line_of("en/emergency.toml", "[sign.chest_pain]");
    b.expect("en/emergency.toml", line, "pairs; at most");
}
