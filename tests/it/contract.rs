//! The repository carries its own copy of the clinical contract (`clinical/`, `docs/`), so a
//! clone with nothing beside it builds and tests. Where the upstream copy exists beside the
//! project (`../shared/`), the two must be identical: an update there reaches the product
//! through a visible sync (copy the file, then fix what the tests say).

use crate::support::{project, shared};

/// In-repo path → path under `../shared/`.
const FILES: &[(&str, &str)] = &[
    ("clinical/triage-policy.md", "clinical/triage-policy.md"),
    (
        "clinical/content-corrections.md",
        "clinical/content-corrections.md",
    ),
    (
        "clinical/review-2026-12-02.md",
        "clinical/review-2026-12-02.md",
    ),
    (
        "clinical/emergency-numbers.md",
        "clinical/emergency-numbers.md",
    ),
    ("clinical/vignettes.toml", "clinical/vignettes.toml"),
    ("clinical/faq-topics.md", "clinical/faq-topics.md"),
    ("docs/DESIGN.md", "design/DESIGN.md"),
];

#[test]
fn the_in_repo_contract_is_complete() {
    for (ours, _) in FILES {
        let text = std::fs::read_to_string(project(ours))
            .unwrap_or_else(|e| panic!("{ours}: cannot read the in-repo copy: {e}"));
        assert!(!text.trim().is_empty(), "{ours} is empty");
    }
}

#[test]
fn the_in_repo_contract_matches_the_shared_one() {
    if !shared("").is_dir() {
        // Straight to stderr, past the test harness's capture, so the skip is seen.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED contract::the_in_repo_contract_matches_the_shared_one: no ../shared beside the project"
        );
        return;
    }
    let mut differ = Vec::new();
    for (ours, theirs) in FILES {
        let upstream = shared(theirs);
        let Ok(upstream_text) = std::fs::read_to_string(&upstream) else {
            differ.push(format!(
                "{ours}: ../shared/{theirs} is missing or unreadable"
            ));
            continue;
        };
        let ours_text = std::fs::read_to_string(project(ours)).unwrap_or_default();
        if ours_text != upstream_text {
            let line = ours_text
                .lines()
                .zip(upstream_text.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| ours_text.lines().count().min(upstream_text.lines().count()))
                + 1;
            differ.push(format!(
                "{ours} differs from ../shared/{theirs} (first at line {line}): copy it over and fix what the tests then say"
            ));
        }
    }
    // A file added upstream must be copied too.
    if let Ok(dir) = std::fs::read_dir(shared("clinical")) {
        for entry in dir.flatten() {
            let name = format!("clinical/{}", entry.file_name().to_string_lossy());
            if !FILES.iter().any(|(_, theirs)| *theirs == name) {
                differ.push(format!(
                    "../shared/{name} has no copy in the repository: copy it and list it here"
                ));
            }
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

#[test]
fn the_code_stamps_the_policy_version_of_the_contract() {
    let policy = std::fs::read_to_string(project("clinical/triage-policy.md")).unwrap();
    let version = policy
        .lines()
        .find_map(|l| l.strip_prefix("Policy version: **"))
        .and_then(|rest| rest.split("**").next())
        .expect("clinical/triage-policy.md states its version");
    assert_eq!(
        clotcheck::core::rules::POLICY_VERSION,
        version,
        "the code implements another policy version than clinical/triage-policy.md"
    );
}
