//! `clotcheck assess`: output shape and exit codes as DESIGN.md fixes them.

use crate::support::bin;
use serde_json::Value;

fn assess(args: &[&str]) -> (i32, Value, String) {
    let out = bin().arg("assess").args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn no_ids_is_self_care_with_one_c1_reason() {
    let (code, json, _) = assess(&["--json"]);
    assert_eq!(code, 0);
    assert_eq!(json["urgency"], "self_care");
    assert_eq!(
        json["reasons"],
        serde_json::json!([{"finding": null, "rule": "C1", "text": json["reasons"][0]["text"]}])
    );
    let advice = json["advice"].as_str().unwrap();
    assert!(advice.contains("not a diagnosis"));
    assert!(
        advice.contains("at once if any of these starts"),
        "safety net"
    );
}

#[test]
fn unknown_id_exits_2_and_lists_the_valid_ids() {
    let (code, _, stderr) = assess(&["--json", "calf_ache"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("calf_ache"));
    assert!(stderr.contains("one_leg_swelling") && stderr.contains("on_blood_thinners"));
    let (code, _, stderr) = assess(&["--unsure", "nope"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("sudden_breathlessness"));
}

#[test]
fn the_same_id_present_and_unsure_exits_2() {
    let (code, _, stderr) = assess(&["leg_warmth", "--unsure", "leg_warmth"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("leg_warmth") && stderr.contains("valid ids"));
}

#[test]
fn emergency_json_names_the_rule_the_finding_and_the_number_first() {
    let (code, json, _) = assess(&[
        "--json",
        "--country",
        "GB",
        "chest_pain",
        "one_leg_swelling",
    ]);
    assert_eq!(code, 0);
    assert_eq!(json["urgency"], "emergency");
    assert_eq!(json["reasons"][0]["rule"], "E1");
    assert_eq!(json["reasons"][0]["finding"], "chest_pain");
    assert_eq!(json["reasons"].as_array().unwrap().len(), 1);
    let advice = json["advice"].as_str().unwrap();
    assert!(advice.starts_with("Call 999 now"), "{advice}");
    assert!(advice.contains("blood clot in my lung"));
    assert!(advice.contains("Do not drive yourself"));
}

#[test]
fn the_country_changes_the_number_and_unknown_gives_the_fallback() {
    for (iso, number) in [
        ("AU", "Call 000"),
        ("JP", "Call 119"),
        ("IN", "Call 112"),
        ("US", "Call 911"),
    ] {
        let (_, json, _) = assess(&["--json", "--country", iso, "fainting"]);
        assert!(
            json["advice"].as_str().unwrap().starts_with(number),
            "{iso}"
        );
    }
    let (_, json, _) = assess(&["--json", "fainting"]);
    let advice = json["advice"].as_str().unwrap();
    assert!(
        advice.contains("local emergency number")
            && advice.contains("112")
            && advice.contains("911")
    );
    let (_, json, _) = assess(&["--json", "--country", "DE", "leg_redness"]);
    assert!(json["advice"].as_str().unwrap().contains("116 117"));
    let (code, _, _) = assess(&["--country", "Germany", "leg_redness"]);
    assert_eq!(
        code, 2,
        "a country that is not an ISO code is a usage error"
    );
}

#[test]
fn blood_thinners_add_the_bleeding_warning_at_every_level() {
    for ids in [
        vec!["chest_pain"],
        vec!["leg_warmth"],
        vec!["frequent_cramps"],
        vec![],
    ] {
        let mut args = vec!["--json", "on_blood_thinners"];
        args.extend(ids.iter());
        let (_, json, _) = assess(&args);
        let advice = json["advice"].as_str().unwrap();
        assert!(advice.contains("bleeding that will not stop"), "{ids:?}");
        assert!(advice.contains("contact the team treating you"), "{ids:?}");
    }
}

#[test]
fn human_output_reads_as_advice() {
    let out = bin().args(["assess", "leg_warmth"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("URGENT"));
    assert!(
        !text.contains("(U1)") && !text.contains("U1"),
        "no rule ids in what a person reads"
    );
    assert!(text.contains("Get seen today"));
}

#[test]
fn latin_america_gets_its_own_numbers() {
    for (iso, number) in [
        ("CO", "123"),
        ("CL", "131"),
        ("EC", "911"),
        ("UY", "911"),
        ("PY", "911"),
        ("CR", "911"),
        ("PA", "911"),
        ("DO", "911"),
        ("SV", "911"),
        ("VE", "911"),
        ("PE", "116"),
        ("BO", "118"),
        ("GT", "123"),
        ("CU", "104"),
        ("PR", "911"),
    ] {
        let (code, json, _) = assess(&["--json", "--country", iso, "chest_pain"]);
        assert_eq!(code, 0, "{iso}");
        let advice = json["advice"].as_str().unwrap();
        assert!(
            advice.starts_with(&format!("Call {number}")),
            "{iso}: {advice}"
        );
        assert!(
            !advice.starts_with("Call your local emergency number"),
            "{iso} gets its own number, not the generic line"
        );
    }
}

#[test]
fn an_unknown_country_code_exits_2_and_lists_the_valid_codes() {
    for args in [
        vec!["assess", "--country", "XX", "chest_pain"],
        vec!["ask", "--country", "XX", "what is a dvt"],
        vec!["console", "--country", "XX"],
    ] {
        let out = bin().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("'XX'"), "{args:?}: {stderr}");
        assert!(
            stderr.contains("valid codes:") && stderr.contains("CO") && stderr.contains("GB"),
            "{args:?}: {stderr}"
        );
    }
}
