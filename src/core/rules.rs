//! The urgency levels and the rules of the triage policy (`triage-policy.md`, "Rules").
//!
//! This is the only place an urgency is decided. Dialogue files record findings; they never
//! name an urgency.

use super::findings::{Finding, Findings, Group};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The policy version stamped on every outcome and report.
pub const POLICY_VERSION: &str = "2026-12-02.1";

/// Urgency levels, ordered: `Emergency` > `Urgent` > `Soon` > `SelfCare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    SelfCare,
    Soon,
    Urgent,
    Emergency,
}

impl Urgency {
    pub fn id(self) -> &'static str {
        match self {
            Urgency::SelfCare => "self_care",
            Urgency::Soon => "soon",
            Urgency::Urgent => "urgent",
            Urgency::Emergency => "emergency",
        }
    }
}

impl fmt::Display for Urgency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// The policy's rule ids, quoted in every reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Rule {
    E1,
    E2,
    U1,
    U2,
    U3,
    S1,
    S2,
    C1,
}

impl Rule {
    pub const ALL: &'static [Rule] = &[
        Rule::E1,
        Rule::E2,
        Rule::U1,
        Rule::U2,
        Rule::U3,
        Rule::S1,
        Rule::S2,
        Rule::C1,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Rule::E1 => "E1",
            Rule::E2 => "E2",
            Rule::U1 => "U1",
            Rule::U2 => "U2",
            Rule::U3 => "U3",
            Rule::S1 => "S1",
            Rule::S2 => "S2",
            Rule::C1 => "C1",
        }
    }

    pub fn level(self) -> Urgency {
        match self {
            Rule::E1 | Rule::E2 => Urgency::Emergency,
            Rule::U1 | Rule::U2 | Rule::U3 => Urgency::Urgent,
            Rule::S1 | Rule::S2 => Urgency::Soon,
            Rule::C1 => Urgency::SelfCare,
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One rule firing on one finding (or on none, for E2 and C1). The wording is added by
/// `advice`, from the language's texts, so the rules stay language-free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Firing {
    pub rule: Rule,
    pub finding: Option<Finding>,
}

/// The other-cause patterns that alone call for a doctor within days (rule S1).
pub const S1_PATTERNS: &[Finding] = &[
    Finding::CrampWalkingEasesRest,
    Finding::ColdFeetPaleSkinChronic,
    Finding::NumbnessTinglingRadiating,
    Finding::WidespreadCrampsWeakness,
    Finding::BothLegsSwelling,
    Finding::FrequentCramps,
];

/// The result of the rules: the highest level reached and the firings that reached it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Triage {
    pub urgency: Urgency,
    pub firings: Vec<Firing>,
}

/// Evaluates every rule and keeps the highest level with the firings that produced it.
///
/// `typed_emergency` is true when the user typed a report of an emergency that names none of
/// the listed red flags (rule E2).
pub fn triage(findings: &Findings, typed_emergency: bool) -> Triage {
    let mut all: Vec<Firing> = Vec::new();
    let mut fire = |rule, finding| all.push(Firing { rule, finding });

    for f in findings.present() {
        match f.group() {
            Group::RedFlag => fire(Rule::E1, Some(f)),
            Group::DvtFeature => fire(Rule::U1, Some(f)),
            _ => {}
        }
    }
    if typed_emergency {
        fire(Rule::E2, None);
    }
    if findings.is_present(Finding::BothLegsSwelling)
        && findings.is_present(Finding::PregnantOrPostpartum)
    {
        fire(Rule::U2, Some(Finding::BothLegsSwelling));
        fire(Rule::U2, Some(Finding::PregnantOrPostpartum));
    }
    for f in findings.unsure() {
        if matches!(f.group(), Group::RedFlag | Group::DvtFeature) {
            fire(Rule::U3, Some(f));
        }
    }
    for f in S1_PATTERNS {
        if findings.is_present(*f) {
            fire(Rule::S1, Some(*f));
        }
    }
    let major: Vec<Finding> = findings.present().filter(|f| f.is_major_risk()).collect();
    let symptoms: Vec<Finding> = findings.present().filter(|f| f.is_leg_symptom()).collect();
    if !major.is_empty() && !symptoms.is_empty() {
        for f in major.into_iter().chain(symptoms) {
            fire(Rule::S2, Some(f));
        }
    }

    let urgency = all
        .iter()
        .map(|x| x.rule.level())
        .max()
        .unwrap_or(Urgency::SelfCare);
    let mut firings: Vec<Firing> = all
        .into_iter()
        .filter(|x| x.rule.level() == urgency)
        .collect();
    if firings.is_empty() {
        firings.push(Firing {
            rule: Rule::C1,
            finding: None,
        });
    }
    Triage { urgency, firings }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Finding::*;

    fn run(present: &[Finding], unsure: &[Finding]) -> Triage {
        triage(&Findings::from_lists(present, unsure).unwrap(), false)
    }

    fn rules(t: &Triage) -> Vec<(Rule, Option<Finding>)> {
        t.firings.iter().map(|f| (f.rule, f.finding)).collect()
    }

    #[test]
    fn e1_every_red_flag_alone_is_an_emergency() {
        for f in Finding::ALL.iter().filter(|f| f.is_red_flag()) {
            let t = run(&[*f], &[]);
            assert_eq!(t.urgency, Urgency::Emergency, "{f}");
            assert_eq!(rules(&t), vec![(Rule::E1, Some(*f))]);
        }
    }

    #[test]
    fn e2_typed_emergency_without_finding() {
        let t = triage(&Findings::new(), true);
        assert_eq!(t.urgency, Urgency::Emergency);
        assert_eq!(rules(&t), vec![(Rule::E2, None)]);
    }

    #[test]
    fn u1_every_dvt_feature_alone_is_urgent() {
        for f in Finding::ALL
            .iter()
            .filter(|f| f.group() == Group::DvtFeature)
        {
            let t = run(&[*f], &[]);
            assert_eq!(t.urgency, Urgency::Urgent, "{f}");
            assert_eq!(rules(&t), vec![(Rule::U1, Some(*f))]);
        }
    }

    #[test]
    fn u2_both_legs_in_pregnancy() {
        let t = run(&[BothLegsSwelling, PregnantOrPostpartum], &[]);
        assert_eq!(t.urgency, Urgency::Urgent);
        assert_eq!(
            rules(&t),
            vec![
                (Rule::U2, Some(BothLegsSwelling)),
                (Rule::U2, Some(PregnantOrPostpartum))
            ]
        );
        // Either alone is not U2.
        assert_eq!(run(&[PregnantOrPostpartum], &[]).urgency, Urgency::SelfCare);
        assert_eq!(run(&[BothLegsSwelling], &[]).urgency, Urgency::Soon);
    }

    #[test]
    fn u3_unsure_about_any_red_flag_or_dvt_feature() {
        for f in Finding::ALL
            .iter()
            .filter(|f| matches!(f.group(), Group::RedFlag | Group::DvtFeature))
        {
            let t = run(&[], &[*f]);
            assert_eq!(t.urgency, Urgency::Urgent, "{f}");
            assert_eq!(rules(&t), vec![(Rule::U3, Some(*f))]);
        }
        // Unsure about a risk factor or pattern escalates nothing.
        assert_eq!(run(&[], &[ActiveCancer]).urgency, Urgency::SelfCare);
        assert_eq!(run(&[], &[FrequentCramps]).urgency, Urgency::SelfCare);
    }

    #[test]
    fn s1_patterns_that_need_a_check_within_days() {
        for f in S1_PATTERNS {
            let t = run(&[*f], &[]);
            assert_eq!(t.urgency, Urgency::Soon, "{f}");
            assert_eq!(rules(&t), vec![(Rule::S1, Some(*f))]);
        }
        assert_eq!(run(&[NightCrampBrief], &[]).urgency, Urgency::SelfCare);
        assert_eq!(
            run(&[AfterExerciseOrDehydration], &[]).urgency,
            Urgency::SelfCare
        );
    }

    #[test]
    fn s2_major_risk_with_a_leg_symptom() {
        let t = run(&[ActiveCancer, NightCrampBrief], &[]);
        assert_eq!(t.urgency, Urgency::Soon);
        assert_eq!(
            rules(&t),
            vec![
                (Rule::S2, Some(ActiveCancer)),
                (Rule::S2, Some(NightCrampBrief))
            ]
        );
        // A minor risk factor with a symptom, or a major one alone, is not S2.
        assert_eq!(
            run(&[LongJourney, NightCrampBrief], &[]).urgency,
            Urgency::SelfCare
        );
        assert_eq!(run(&[PreviousClot], &[]).urgency, Urgency::SelfCare);
    }

    #[test]
    fn c1_nothing_gives_self_care_with_one_reason_and_no_finding() {
        let t = run(&[], &[]);
        assert_eq!(t.urgency, Urgency::SelfCare);
        assert_eq!(rules(&t), vec![(Rule::C1, None)]);
        let t = triage(&Findings::new(), false);
        assert_eq!(rules(&t), vec![(Rule::C1, None)]);
    }

    #[test]
    fn reasons_are_only_those_of_the_level_reached() {
        let t = run(&[ChestPain, OneLegSwelling, FrequentCramps], &[LegWarmth]);
        assert_eq!(rules(&t), vec![(Rule::E1, Some(ChestPain))]);
    }
}
