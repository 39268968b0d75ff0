//! The findings vocabulary of the triage policy: a closed set with stable snake_case ids.
//!
//! The ids are a public interface (CLI, console JSON, reports, FHIR linkIds), so they are
//! spelled out once here and nowhere else in code; everything else refers to the enum.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which part of the policy a finding belongs to; the dialogue asks the groups in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    RedFlag,
    DvtFeature,
    RiskFactor,
    OtherPattern,
    Context,
}

macro_rules! findings {
    ($( $variant:ident = $id:literal, $group:ident, $major:literal; )*) => {
        /// One finding of the policy. Order follows the policy tables. Serialized as its id
        /// (not serde's renaming, which would spell `age_over_60` as `age_over60`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Finding { $( $variant, )* }

        impl Finding {
            /// Every finding, in policy order.
            pub const ALL: &'static [Finding] = &[ $( Finding::$variant, )* ];

            /// The stable id, as in the policy.
            pub fn id(self) -> &'static str {
                match self { $( Finding::$variant => $id, )* }
            }

            pub fn group(self) -> Group {
                match self { $( Finding::$variant => Group::$group, )* }
            }

            /// A major risk factor in the policy's sense (rule S2).
            pub fn is_major_risk(self) -> bool {
                match self { $( Finding::$variant => $major, )* }
            }
        }

        impl FromStr for Finding {
            type Err = UnknownFinding;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $id => Ok(Finding::$variant), )*
                    _ => Err(UnknownFinding(s.to_string())),
                }
            }
        }
    };
}

findings! {
    SuddenBreathlessness = "sudden_breathlessness", RedFlag, false;
    ChestPain = "chest_pain", RedFlag, false;
    CoughingBlood = "coughing_blood", RedFlag, false;
    Fainting = "fainting", RedFlag, false;
    RacingHeart = "racing_heart", RedFlag, false;
    ColdPaleLeg = "cold_pale_leg", RedFlag, false;
    SaddleNumbnessOrIncontinence = "saddle_numbness_or_incontinence", RedFlag, false;

    OneLegSwelling = "one_leg_swelling", DvtFeature, false;
    WholeLegSwelling = "whole_leg_swelling", DvtFeature, false;
    CalfThighPain = "calf_thigh_pain", DvtFeature, false;
    SuddenUnexplainedCramp = "sudden_unexplained_cramp", DvtFeature, false;
    LegWarmth = "leg_warmth", DvtFeature, false;
    LegRedness = "leg_redness", DvtFeature, false;
    HardSoreVeins = "hard_sore_veins", DvtFeature, false;

    RecentBedRest = "recent_bed_rest", RiskFactor, true;
    RecentSurgeryOrInjury = "recent_surgery_or_injury", RiskFactor, true;
    LegInCast = "leg_in_cast", RiskFactor, true;
    ActiveCancer = "active_cancer", RiskFactor, true;
    PreviousClot = "previous_clot", RiskFactor, true;
    PregnantOrPostpartum = "pregnant_or_postpartum", RiskFactor, true;
    LongJourney = "long_journey", RiskFactor, false;
    HormoneTherapy = "hormone_therapy", RiskFactor, false;
    AgeOver60 = "age_over_60", RiskFactor, false;
    Overweight = "overweight", RiskFactor, false;
    HeartDisease = "heart_disease", RiskFactor, false;

    NightCrampBrief = "night_cramp_brief", OtherPattern, false;
    AfterExerciseOrDehydration = "after_exercise_or_dehydration", OtherPattern, false;
    CrampWalkingEasesRest = "cramp_walking_eases_rest", OtherPattern, false;
    ColdFeetPaleSkinChronic = "cold_feet_pale_skin_chronic", OtherPattern, false;
    NumbnessTinglingRadiating = "numbness_tingling_radiating", OtherPattern, false;
    WidespreadCrampsWeakness = "widespread_cramps_weakness", OtherPattern, false;
    BothLegsSwelling = "both_legs_swelling", OtherPattern, false;
    FrequentCramps = "frequent_cramps", OtherPattern, false;

    OnBloodThinners = "on_blood_thinners", Context, false;
}

impl Finding {
    pub fn is_red_flag(self) -> bool {
        self.group() == Group::RedFlag
    }

    /// A leg symptom in the sense of rule S2: a DVT feature or an other-cause pattern.
    pub fn is_leg_symptom(self) -> bool {
        matches!(self.group(), Group::DvtFeature | Group::OtherPattern)
    }

    /// Every valid id, comma-separated, for usage errors.
    pub fn all_ids() -> String {
        Finding::ALL
            .iter()
            .map(|f| f.id())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Finding {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown finding id '{0}'")]
pub struct UnknownFinding(pub String);

/// The answer recorded for one finding. "Not asked" is the absence of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Present,
    Absent,
    Unsure,
}

/// The answers of one person: for each finding, present, absent, unsure, or not asked.
///
/// A fixed array rather than a map: the vocabulary is closed and small, and assessment runs
/// on every step of every conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Findings {
    answers: [Option<Answer>; FINDING_COUNT],
}

impl Default for Findings {
    fn default() -> Self {
        Findings {
            answers: [None; FINDING_COUNT],
        }
    }
}

/// The number of findings in the vocabulary.
pub const FINDING_COUNT: usize = 34;
const _: () = assert!(Finding::ALL.len() == FINDING_COUNT);

impl Findings {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, f: Finding) -> Option<Answer> {
        self.answers[f.index()]
    }

    pub fn set(&mut self, f: Finding, answer: Answer) {
        self.answers[f.index()] = Some(answer);
    }

    /// Forget the answer: the finding becomes "not asked" again.
    pub fn clear(&mut self, f: Finding) {
        self.answers[f.index()] = None;
    }

    pub fn is_present(&self, f: Finding) -> bool {
        self.get(f) == Some(Answer::Present)
    }

    pub fn is_unsure(&self, f: Finding) -> bool {
        self.get(f) == Some(Answer::Unsure)
    }

    /// Findings with the given answer, in policy order.
    pub fn with(&self, answer: Answer) -> impl Iterator<Item = Finding> + '_ {
        Finding::ALL
            .iter()
            .copied()
            .filter(move |f| self.get(*f) == Some(answer))
    }

    pub fn present(&self) -> impl Iterator<Item = Finding> + '_ {
        self.with(Answer::Present)
    }

    pub fn unsure(&self) -> impl Iterator<Item = Finding> + '_ {
        self.with(Answer::Unsure)
    }

    /// Builds findings from lists of present and unsure ids, everything else absent — the
    /// shape of a vignette and of `clotcheck assess`.
    pub fn from_lists(present: &[Finding], unsure: &[Finding]) -> Result<Self, Conflict> {
        let mut out = Findings::new();
        for f in Finding::ALL {
            out.set(*f, Answer::Absent);
        }
        for f in present {
            out.set(*f, Answer::Present);
        }
        for f in unsure {
            if out.is_present(*f) {
                return Err(Conflict(*f));
            }
            out.set(*f, Answer::Unsure);
        }
        Ok(out)
    }
}

/// One finding given as both present and unsure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is given both as present and as unsure")]
pub struct Conflict(pub Finding);

// Serialized as a map of answered findings only, so that state stays small and readable.
impl Serialize for Findings {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let answered: Vec<(Finding, Answer)> = Finding::ALL
            .iter()
            .filter_map(|f| self.get(*f).map(|a| (*f, a)))
            .collect();
        let mut map = s.serialize_map(Some(answered.len()))?;
        for (f, a) in answered {
            map.serialize_entry(&f, &a)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Findings {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<Finding, Answer>::deserialize(d)?;
        let mut out = Findings::new();
        for (f, a) in map {
            out.set(f, a);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_match_serde() {
        for f in Finding::ALL {
            assert_eq!(f.id().parse::<Finding>().unwrap(), *f);
            assert_eq!(serde_json::to_string(f).unwrap(), format!("\"{}\"", f.id()));
        }
        assert!("calf_pain".parse::<Finding>().is_err());
    }

    #[test]
    fn policy_groups_have_the_policy_sizes() {
        let count = |g| Finding::ALL.iter().filter(|f| f.group() == g).count();
        assert_eq!(count(Group::RedFlag), 7);
        assert_eq!(count(Group::DvtFeature), 7);
        assert_eq!(count(Group::RiskFactor), 11);
        assert_eq!(count(Group::OtherPattern), 8);
        assert_eq!(count(Group::Context), 1);
        assert_eq!(Finding::ALL.iter().filter(|f| f.is_major_risk()).count(), 6);
    }

    #[test]
    fn present_and_unsure_conflict() {
        let f = Finding::ChestPain;
        assert_eq!(Findings::from_lists(&[f], &[f]), Err(Conflict(f)));
    }
}
