//! The policy's report items: asked once after the signs of a clot in the leg when any leg
//! symptom is present, shown in the clinician summary, the console's JSON and the FHIR
//! document — and never used by a rule. Like finding ids, their ids and values are a public
//! interface, spelled once here.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Item {
    /// Which leg.
    AffectedSide,
    /// Since when.
    SymptomOnset,
}

impl Item {
    pub const ALL: &'static [Item] = &[Item::AffectedSide, Item::SymptomOnset];

    pub fn id(self) -> &'static str {
        match self {
            Item::AffectedSide => "affected_side",
            Item::SymptomOnset => "symptom_onset",
        }
    }

    /// The answers the policy allows, in its order.
    pub fn values(self) -> &'static [&'static str] {
        match self {
            Item::AffectedSide => &["left", "right", "both", "not_sure"],
            Item::SymptomOnset => &["today", "days_1_3", "days_4_14", "over_2_weeks", "not_sure"],
        }
    }
}

impl FromStr for Item {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Item::ALL
            .iter()
            .copied()
            .find(|i| i.id() == s)
            .ok_or_else(|| format!("unknown report item '{s}'"))
    }
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Item {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_values_match_the_policy() {
        for i in Item::ALL {
            assert_eq!(i.id().parse::<Item>().unwrap(), *i);
            assert!(i.values().contains(&"not_sure"));
        }
        assert_eq!(Item::AffectedSide.values().len(), 4);
        assert_eq!(Item::SymptomOnset.values().len(), 5);
    }
}
