//! From a triage result to what the user reads: the reasons in plain words and the advice the
//! policy requires for the level reached ("What each level's advice must contain").

use super::country::Place;
use super::findings::{Answer, Finding, Findings, Group};
use super::rules::{POLICY_VERSION, Rule, S1_PATTERNS, Triage, Urgency, triage};
use super::texts::Texts;
use serde::Serialize;

/// A reason for the level reached, as DESIGN.md shapes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub finding: Option<Finding>,
    pub rule: Rule,
    pub text: String,
}

/// One paragraph of advice. `strong` marks what a front end must make stand out (the
/// emergency number); front ends decide how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub text: String,
    pub strong: bool,
}

/// An official information page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub label: String,
    pub url: String,
}

/// The advice for one result, front-end neutral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Advice {
    pub lines: Vec<Line>,
    /// How many of the first `lines` come before the level's heading: the emergency line for a
    /// red flag the person was not sure about leads the message.
    #[serde(skip)]
    pub lead: usize,
    pub links: Vec<Link>,
    /// The number a front end may offer to copy (the ambulance number), when known.
    pub number: Option<String>,
}

impl Advice {
    /// Plain text: paragraphs separated by blank lines, then the links.
    pub fn plain(&self) -> String {
        let mut out: Vec<String> = self.lines.iter().map(|l| l.text.clone()).collect();
        for link in &self.links {
            out.push(format!("{}: {}", link.label, link.url));
        }
        out.join("\n\n")
    }

    fn push(&mut self, text: String) {
        self.lines.push(Line {
            text,
            strong: false,
        });
    }

    fn push_strong(&mut self, text: String) {
        self.lines.push(Line { text, strong: true });
    }
}

/// The complete result of an assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub urgency: Urgency,
    pub reasons: Vec<Reason>,
    pub advice: Advice,
    pub policy_version: &'static str,
}

impl Assessment {
    /// The machine form `assess --json` prints (a stable interface).
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "urgency": self.urgency,
            "reasons": self.reasons,
            "advice": self.advice.plain(),
            "policy_version": self.policy_version,
        })
    }

    /// The urgency, the reasons in plain words (rule ids are in the JSON only), the advice.
    pub fn text(&self, t: &Texts) -> String {
        let mut text = format!(
            "{}\n\n{}\n",
            t.get(&format!("urgency.{}", self.urgency.id())),
            t.get("msg.why")
        );
        for r in &self.reasons {
            text.push_str(&format!("  • {}\n", r.text));
        }
        text.push('\n');
        text.push_str(&self.advice.plain());
        text
    }
}

/// Evaluates the rules and words the result for the given place and language.
pub fn assess(findings: &Findings, typed_emergency: bool, place: Place, t: &Texts) -> Assessment {
    let result = triage(findings, typed_emergency);
    Assessment {
        urgency: result.urgency,
        reasons: reasons(&result, t),
        advice: advice(&result, findings, place, t),
        policy_version: POLICY_VERSION,
    }
}

/// The plain name of a finding in the given language.
pub fn finding_text(f: Finding, t: &Texts) -> String {
    t.get(&format!("finding.{}", f.id())).to_string()
}

fn reasons(result: &Triage, t: &Texts) -> Vec<Reason> {
    result
        .firings
        .iter()
        .map(|firing| {
            let key = match (firing.rule, firing.finding) {
                (Rule::S2, Some(f)) if f.is_major_risk() => "reason.S2.risk".to_string(),
                (Rule::S2, _) => "reason.S2.symptom".to_string(),
                (rule, _) => format!("reason.{}", rule.id()),
            };
            let name = firing
                .finding
                .map(|f| finding_text(f, t))
                .unwrap_or_default();
            Reason {
                finding: firing.finding,
                rule: firing.rule,
                text: t.fill(&key, &[("finding", &name)]),
            }
        })
        .collect()
}

/// The number to name in sentences like "call {number}": the ambulance number, or a phrase
/// for "your local emergency number" when the country is unknown.
pub fn number_phrase(place: Place, t: &Texts) -> String {
    match place.country {
        Some(c) => c.ambulance.clone(),
        None => t.get("number.unknown_phrase").to_string(),
    }
}

/// The first lines of emergency advice: the number, first and strong, and the fallback line
/// where the number is unknown, guessed or not yet confirmed.
pub fn call_lines(place: Place, t: &Texts) -> Vec<Line> {
    let mut lines = Vec::new();
    match place.country {
        Some(c) => {
            let number = match &c.service {
                Some(s) => format!("{} ({s})", c.ambulance),
                None => c.ambulance.clone(),
            };
            lines.push(Line {
                text: t.fill("number.call_now", &[("number", &number)]),
                strong: true,
            });
            if place.needs_fallback() {
                lines.push(Line {
                    text: fallback_note(place, t),
                    strong: false,
                });
            }
        }
        None => lines.push(Line {
            text: t.get("number.fallback").to_string(),
            strong: true,
        }),
    }
    lines
}

/// The line beside a number that may be wrong: a guessed country says it was guessed; an
/// unconfirmed number gives the generic numbers.
pub fn fallback_note(place: Place, t: &Texts) -> String {
    match place.country {
        Some(c) if place.guessed => t.fill("number.guessed", &[("country", &c.name)]),
        _ => t.get("number.unconfirmed").to_string(),
    }
}

fn advice(result: &Triage, findings: &Findings, place: Place, t: &Texts) -> Advice {
    let number = number_phrase(place, t);
    let num = [("number", number.as_str())];
    let mut a = Advice {
        number: place.country.map(|c| c.ambulance.clone()),
        ..Advice::default()
    };
    let advice_line = place.country.and_then(|c| c.advice_line.as_deref());

    match result.urgency {
        Urgency::Emergency => {
            a.lines.extend(call_lines(place, t));
            a.push(t.get("advice.emergency.no_drive").to_string());
            for key in call_handler_keys(result) {
                a.push(t.get(key).to_string());
            }
        }
        Urgency::Urgent => {
            // Not sure about a red flag: that sign, named, and the emergency line first.
            let unsure_flags: Vec<Finding> = result
                .firings
                .iter()
                .filter(|f| f.rule == Rule::U3)
                .filter_map(|f| f.finding)
                .filter(|f| f.is_red_flag())
                .collect();
            for f in &unsure_flags {
                let sign = t.get(&format!("sign.{}", f.id())).to_string();
                a.push_strong(t.fill(
                    "advice.urgent.unsure_flag",
                    &[("sign", &sign), ("number", &number)],
                ));
            }
            let hours_matter = unsure_flags.iter().any(|f| {
                matches!(
                    f,
                    Finding::ColdPaleLeg | Finding::SaddleNumbnessOrIncontinence
                )
            });
            if hours_matter {
                let text = match advice_line {
                    Some(line) => t.fill("advice.urgent.now_line", &[("line", line), num[0]]),
                    None => t.fill("advice.urgent.now_doctor", &num),
                };
                a.push_strong(text);
            }
            a.lead = a.lines.len();
            match advice_line {
                Some(line) => a.push(t.fill("advice.urgent.today_line", &[("line", line)])),
                None => a.push(t.get("advice.urgent.today_doctor").to_string()),
            }
            a.push(t.get("advice.urgent.ed").to_string());
            if result.firings.iter().any(|f| f.rule == Rule::U2) {
                a.push(t.get("advice.urgent.midwife").to_string());
            }
            a.push(t.get("advice.urgent.tests").to_string());
        }
        Urgency::Soon => {
            for f in S1_PATTERNS {
                if result.firings.iter().any(|x| x.finding == Some(*f)) {
                    a.push(t.get(&format!("advice.soon.cause.{}", f.id())).to_string());
                }
            }
            if result.firings.iter().any(|f| f.rule == Rule::S2) {
                a.push(t.get("advice.soon.major_risk").to_string());
            }
            a.push(t.get("advice.soon.book").to_string());
            a.push(t.get("advice.watch").to_string());
        }
        Urgency::SelfCare => {
            a.push(t.get("advice.self_care.intro").to_string());
            a.push(t.get("advice.self_care.cramp").to_string());
            a.push(t.get("advice.painkillers").to_string());
            if findings.present().any(|f| f.group() == Group::RiskFactor) {
                a.push(t.get("advice.self_care.prevention").to_string());
            }
            a.push(t.get("advice.watch").to_string());
        }
    }
    a.links = links(result, t);
    a.lines
        .extend(closing_lines(result.urgency, findings, place, t));
    a
}

/// What every result ends with: the safety net (below emergency), the bleeding warning when
/// it applies, the disclaimer and the policy version.
pub fn closing_lines(urgency: Urgency, findings: &Findings, place: Place, t: &Texts) -> Vec<Line> {
    let number = number_phrase(place, t);
    let num = [("number", number.as_str())];
    let mut a = Advice::default();
    if urgency != Urgency::Emergency {
        a.push_strong(t.fill("advice.safety_net", &num));
        if place.needs_fallback() && place.country.is_some() {
            a.push(fallback_note(place, t));
        }
    }
    if needs_bleeding_warning(findings) {
        a.push(t.fill("advice.bleeding", &num));
    }
    a.push(t.get("advice.disclaimer").to_string());
    a.push(t.fill("advice.policy", &[("version", POLICY_VERSION)]));
    a.lines
}

/// "Not sure" about taking a blood thinner counts as taking one, for the bleeding warning.
pub fn needs_bleeding_warning(findings: &Findings) -> bool {
    matches!(
        findings.get(Finding::OnBloodThinners),
        Some(Answer::Present | Answer::Unsure)
    )
}

/// The official page on pulmonary embolism: for the five lung and heart signs.
pub const PE_PAGE: &str = "https://www.nhs.uk/conditions/pulmonary-embolism/";
/// The official page on DVT: for leg signs, and the signs to watch for.
pub const DVT_PAGE: &str = "https://www.nhs.uk/conditions/deep-vein-thrombosis-dvt/";

/// Whether a red flag is one of the five lung and heart signs (the pulmonary-embolism page and
/// the "clot in my lung" script fit it).
pub fn is_lung_sign(f: Finding) -> bool {
    f.is_red_flag()
        && !matches!(
            f,
            Finding::ColdPaleLeg | Finding::SaddleNumbnessOrIncontinence
        )
}

pub fn link(t: &Texts, url: &str) -> Link {
    Link {
        label: t.get("advice.more_info").to_string(),
        url: url.to_string(),
    }
}

/// Links that fit the signs behind the result: the pulmonary-embolism page for a lung or
/// heart sign, the DVT page for leg signs and the signs to watch for; none for a cold pale leg
/// or numbness between the legs (the table lists no official page for them) or a typed
/// emergency that names no sign.
fn links(result: &Triage, t: &Texts) -> Vec<Link> {
    let mut urls: Vec<&str> = Vec::new();
    for firing in &result.firings {
        let url = match firing.finding {
            Some(f) if is_lung_sign(f) => Some(PE_PAGE),
            Some(f) if f.is_red_flag() => None,
            Some(_) => Some(DVT_PAGE),
            None if firing.rule == Rule::C1 => Some(DVT_PAGE),
            None => None,
        };
        if let Some(url) = url
            && !urls.contains(&url)
        {
            urls.push(url);
        }
    }
    if result.urgency != Urgency::Emergency && !urls.contains(&DVT_PAGE) {
        // Every level below emergency lists the leg signs to watch for.
        urls.push(DVT_PAGE);
    }
    urls.into_iter().map(|u| link(t, u)).collect()
}

/// What to tell the call handler, once per kind, in the order the red flags were found.
fn call_handler_keys(result: &Triage) -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = Vec::new();
    for firing in &result.firings {
        let key = match (firing.rule, firing.finding) {
            (Rule::E1, Some(Finding::ColdPaleLeg)) => "advice.emergency.tell_limb",
            (Rule::E1, Some(Finding::SaddleNumbnessOrIncontinence)) => {
                "advice.emergency.tell_cauda"
            }
            (Rule::E1, Some(_)) => "advice.emergency.tell_lung",
            _ => "advice.emergency.tell_typed",
        };
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}
