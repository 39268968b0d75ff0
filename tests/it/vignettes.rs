//! Every public vignette, through the core, through `assess --json`, and through a full
//! `console --json` walk of the real binary. None may be under-triaged.

use crate::support::{Console, bin, vignettes, walk};
use clotcheck::core::advice::assess;
use clotcheck::core::country::Place;
use clotcheck::core::findings::{Finding, Findings};
use clotcheck::data;

fn ids(list: &[String]) -> Vec<Finding> {
    list.iter()
        .map(|s| {
            s.parse()
                .unwrap_or_else(|_| panic!("vignette uses unknown id {s}"))
        })
        .collect()
}

#[test]
fn every_vignette_through_the_core() {
    let content = data::load_embedded().expect("shipped data is valid");
    for v in vignettes() {
        let findings = Findings::from_lists(&ids(&v.present), &ids(&v.unsure)).unwrap();
        let a = assess(&findings, false, Place::unknown(), content.texts("en"));
        assert_eq!(a.urgency.id(), v.expect, "vignette {}", v.id);
        assert!(!a.reasons.is_empty(), "vignette {} has no reason", v.id);
    }
}

#[test]
fn every_vignette_through_assess_json() {
    for v in vignettes() {
        let mut cmd = bin();
        cmd.arg("assess").arg("--json").args(&v.present);
        for u in &v.unsure {
            cmd.arg("--unsure").arg(u);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "vignette {}", v.id);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["urgency"], v.expect.as_str(), "vignette {}", v.id);
        assert_eq!(
            json["policy_version"],
            clotcheck::core::rules::POLICY_VERSION
        );
    }
}

#[test]
fn every_vignette_through_a_console_walk() {
    for v in vignettes() {
        let (mut c, first) = Console::start(&[]);
        let end = walk(&mut c, first, &v.present, &v.unsure);
        let urgency = &end["outcome"]["urgency"];
        assert_eq!(urgency, v.expect.as_str(), "vignette {}: {end}", v.id);
        let expected_kind = if v.expect == "emergency" {
            "emergency"
        } else {
            "outcome"
        };
        assert_eq!(end["kind"], expected_kind, "vignette {}", v.id);
        // What the walk recorded is what the person has, no more.
        for f in crate::support::strings(&end["outcome"]["present"]) {
            assert!(
                v.present.contains(&f),
                "vignette {}: {f} recorded but not present",
                v.id
            );
        }
        assert_eq!(c.finish(), 0);
    }
}
