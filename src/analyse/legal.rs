//! Legal status of a destination on a date: EU/EEA, adequacy decision,
//! adequacy only for certified recipients, or none.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::maps::{AdequacyScope, KnowledgeBase};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum LegalStatus {
    /// Inside the EU/EEA: not a transfer under GDPR chapter V.
    EuEea,
    /// An adequacy decision covers the whole country.
    Adequate {
        decision: String,
        adequacy_id: String,
    },
    /// An adequacy decision covers only part (e.g. certified organisations).
    AdequateIf {
        decision: String,
        adequacy_id: String,
        condition: String,
        /// Whether the recipient meets the condition, when the maps know
        /// (`None`: no certification of the recipient is recorded).
        met: Option<bool>,
    },
    /// No adequacy decision: art. 46 safeguards (SCCs, BCRs) and a transfer
    /// impact assessment are needed.
    NoAdequacy {
        /// The latest decision that no longer applies, e.g. Privacy Shield.
        ended: Option<String>,
        ended_on: Option<NaiveDate>,
    },
}

/// The status of a transfer to `country` on `date`; `certified_under` lists
/// the frameworks the recipient (or its parent) is certified under on that date.
pub fn status_on(
    kb: &KnowledgeBase,
    country: &str,
    date: NaiveDate,
    certified_under: Option<&[String]>,
) -> LegalStatus {
    if kb.in_eea(country, date) {
        return LegalStatus::EuEea;
    }
    let decisions = kb.adequacy_on(country, date);
    if let Some(a) = decisions.iter().find(|a| a.scope == AdequacyScope::All) {
        return LegalStatus::Adequate {
            decision: a.decision.clone(),
            adequacy_id: a.id.clone(),
        };
    }
    if let Some(a) = decisions.first() {
        let framework = a.framework.clone().unwrap_or_default();
        let met = match a.scope {
            AdequacyScope::Certified => {
                certified_under.map(|list| list.iter().any(|f| same_framework(f, &framework)))
            }
            _ => None,
        };
        let condition = match a.scope {
            AdequacyScope::Certified => format!("{CERTIFIED_UNDER} {framework}"),
            _ => "the recipient is within its partial scope".to_string(),
        };
        return LegalStatus::AdequateIf {
            decision: a.decision.clone(),
            adequacy_id: a.id.clone(),
            condition,
            met,
        };
    }
    let ended = kb.adequacy_ended_before(country, date);
    LegalStatus::NoAdequacy {
        ended: ended.map(|a| a.decision.clone()),
        ended_on: ended.and_then(|a| a.until),
    }
}

/// How `status_on` words a certification condition; `describe` reads it
/// back (the condition is stored as text in scan.json).
const CERTIFIED_UNDER: &str = "recipient certified under";

/// Whether an adequacy condition is a certification.
fn is_certification(condition: &str) -> bool {
    condition.starts_with(CERTIFIED_UNDER)
}

/// Framework names are compared loosely ("DPF" vs "EU-US Data Privacy Framework").
fn same_framework(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        let s = s.to_ascii_lowercase();
        if s.contains("data privacy framework") || s == "dpf" {
            "dpf".to_string()
        } else {
            s
        }
    };
    norm(a) == norm(b)
}

impl LegalStatus {
    /// Whether a transfer needs its own safeguards (SCCs/BCRs + TIA).
    pub fn needs_safeguards(&self) -> bool {
        match self {
            LegalStatus::EuEea | LegalStatus::Adequate { .. } => false,
            LegalStatus::AdequateIf { met, .. } => *met != Some(true),
            LegalStatus::NoAdequacy { .. } => true,
        }
    }

    pub fn describe(&self, lang: crate::Lang) -> String {
        use crate::Lang::*;
        match (self, lang) {
            (LegalStatus::EuEea, En) => "inside the EU/EEA".into(),
            (LegalStatus::EuEea, Sv) => "inom EU/EES".into(),
            (LegalStatus::Adequate { decision, .. }, En) => format!("adequacy decision ({decision})"),
            (LegalStatus::Adequate { decision, .. }, Sv) => format!("adekvansbeslut ({decision})"),
            (LegalStatus::AdequateIf { decision, condition, met, .. }, En) => format!(
                "adequacy only if {condition} ({decision}); {}",
                match met {
                    Some(true) => "the recipient is certified",
                    Some(false) => "the recipient is NOT certified: art. 46 safeguards needed",
                    None if is_certification(condition) => "no certification of the recipient is recorded in the maps: check the list of certified organisations; until then art. 46 safeguards are needed",
                    None => "whether the recipient is within that scope is not known: check it",
                }
            ),
            (LegalStatus::AdequateIf { decision, condition, met, .. }, Sv) => format!(
                "adekvansbeslut endast om {} ({decision}); {}",
                condition
                    .replace(CERTIFIED_UNDER, "mottagaren är certifierad enligt")
                    .replace("the recipient is within its partial scope", "mottagaren omfattas av beslutets begränsade tillämpningsområde"),
                match met {
                    Some(true) => "mottagaren är certifierad",
                    Some(false) => "mottagaren är INTE certifierad: skyddsåtgärder enligt art. 46 krävs",
                    None if is_certification(condition) => "ingen certifiering av mottagaren finns registrerad i kunskapsbasen: kontrollera listan över certifierade organisationer; till dess krävs skyddsåtgärder enligt art. 46",
                    None => "om mottagaren omfattas är okänt: kontrollera",
                }
            ),
            (LegalStatus::NoAdequacy { ended, ended_on }, En) => match (ended, ended_on) {
                (Some(d), Some(on)) => format!(
                    "no adequacy decision ({d} applied until {on}): art. 46 safeguards and a transfer impact assessment needed"
                ),
                _ => "no adequacy decision: art. 46 safeguards and a transfer impact assessment needed".into(),
            },
            (LegalStatus::NoAdequacy { ended, ended_on }, Sv) => match (ended, ended_on) {
                (Some(d), Some(on)) => format!(
                    "inget adekvansbeslut ({d} gällde till och med {on}): skyddsåtgärder enligt art. 46 och en konsekvensbedömning av överföringen krävs"
                ),
                _ => "inget adekvansbeslut: skyddsåtgärder enligt art. 46 och en konsekvensbedömning av överföringen krävs".into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn kb() -> KnowledgeBase {
        KnowledgeBase::embedded().expect("shipped maps are valid")
    }

    #[test]
    fn united_states_over_time() {
        let kb = kb();
        let certified = vec!["EU-US Data Privacy Framework".to_string()];
        let status = |d: &str| status_on(&kb, "US", date(d), Some(&certified));
        // Privacy Shield in force (it was a certification framework too, but
        // the recipient's Privacy Shield certification is not modelled).
        assert!(matches!(
            status("2017-01-01"),
            LegalStatus::AdequateIf {
                met: Some(false),
                ..
            }
        ));
        // After Schrems II, before the DPF.
        match status("2021-05-01") {
            LegalStatus::NoAdequacy { ended, ended_on } => {
                assert!(ended.expect("ended").contains("Privacy Shield"));
                assert_eq!(ended_on, Some(date("2020-07-15")));
            }
            other => panic!("{other:?}"),
        }
        assert!(status("2021-05-01").needs_safeguards());
        // The DPF, certified recipient.
        assert!(matches!(
            status("2024-01-01"),
            LegalStatus::AdequateIf {
                met: Some(true),
                ..
            }
        ));
        assert!(!status("2024-01-01").needs_safeguards());
        // The DPF, recipient not certified.
        let none: Vec<String> = Vec::new();
        let uncertified = status_on(&kb, "US", date("2024-01-01"), Some(&none));
        assert!(matches!(
            uncertified,
            LegalStatus::AdequateIf {
                met: Some(false),
                ..
            }
        ));
        assert!(uncertified.needs_safeguards());
        // The DPF, nothing recorded about the recipient: unknown, not "not
        // certified", and still no adequacy to rely on.
        let unknown = status_on(&kb, "US", date("2024-01-01"), None);
        assert!(matches!(unknown, LegalStatus::AdequateIf { met: None, .. }));
        assert!(unknown.needs_safeguards());
        let text = unknown.describe(crate::Lang::En);
        assert!(
            text.contains("no certification of the recipient is recorded"),
            "{text}"
        );
        assert!(!text.contains("NOT certified"), "{text}");
    }

    #[test]
    fn united_kingdom_leaves_and_gets_adequacy() {
        let kb = kb();
        assert_eq!(
            status_on(&kb, "GB", date("2020-12-31"), None),
            LegalStatus::EuEea
        );
        assert!(matches!(
            status_on(&kb, "GB", date("2021-03-01"), None),
            LegalStatus::NoAdequacy { .. }
        ));
        assert!(matches!(
            status_on(&kb, "GB", date("2021-07-01"), None),
            LegalStatus::Adequate { .. }
        ));
    }

    #[test]
    fn members_and_unknown_countries() {
        let kb = kb();
        assert_eq!(
            status_on(&kb, "SE", date("2026-01-01"), None),
            LegalStatus::EuEea
        );
        assert_eq!(
            status_on(&kb, "NO", date("2026-01-01"), None),
            LegalStatus::EuEea
        );
        // Sweden joined in 1995: before that it was not in the EU (EEA from 1994).
        assert_eq!(
            status_on(&kb, "SE", date("1994-06-01"), None),
            LegalStatus::EuEea
        );
        assert!(!kb.in_eea("SE", date("1993-06-01")));
        assert!(matches!(
            status_on(&kb, "ZZ", date("2026-01-01"), None),
            LegalStatus::NoAdequacy { ended: None, .. }
        ));
        assert!(matches!(
            status_on(&kb, "JP", date("2026-01-01"), None),
            LegalStatus::Adequate { .. }
        ));
    }
}
