//! The legal status of a transfer on a date, decided once by the analysis
//! and only shown by the renderers.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What an adequacy decision that covers only part of a country asks of
/// the recipient.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Condition {
    /// The recipient (or its parent) is certified under a framework, e.g.
    /// the EU–US Data Privacy Framework.
    CertifiedUnder {
        /// The framework's name.
        framework: String,
    },
    /// The recipient is within the decision's limited scope (e.g. the
    /// Republic of Korea: organisations under its data protection act).
    WithinScope,
}

/// The legal status of a transfer to a country on a date (GDPR chapter V).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum LegalStatus {
    /// Inside the EU/EEA: not a transfer under GDPR chapter V.
    EuEea,
    /// An adequacy decision covers the whole country.
    Adequate {
        /// The decision, e.g. `Commission Implementing Decision (EU) 2023/1795`.
        decision: String,
        /// The decision's id in the maps (`adequacy.toml`).
        adequacy_id: String,
    },
    /// No adequacy decision, but an interim provision of Union law says a
    /// transmission to the country is not a transfer to a third country
    /// while it applies (the EU–UK Trade and Cooperation Agreement,
    /// art. FINPROV.10A, from 2021-01-01 until the UK adequacy decision).
    Interim {
        /// The provision, e.g. `EU–UK Trade and Cooperation Agreement, Article FINPROV.10A`.
        provision: String,
        /// The entry's id in the maps (`adequacy.toml`).
        adequacy_id: String,
        /// The last day it applies, when the maps give one.
        until: Option<NaiveDate>,
    },
    /// An adequacy decision covers only part (e.g. certified organisations).
    AdequateIf {
        /// The decision, e.g. `Commission Implementing Decision (EU) 2023/1795`.
        decision: String,
        /// The decision's id in the maps (`adequacy.toml`).
        adequacy_id: String,
        /// What the decision asks of the recipient.
        condition: Condition,
        /// Whether the recipient meets the condition, when the maps know
        /// (`null`: nothing is recorded about it, so it is not known).
        met: Option<bool>,
    },
    /// No adequacy decision: art. 46 safeguards (SCCs, BCRs) and a transfer
    /// impact assessment are needed.
    NoAdequacy {
        /// The latest decision that no longer applies, e.g. Privacy Shield.
        ended: Option<String>,
        /// The date it stopped applying.
        ended_on: Option<NaiveDate>,
    },
}

impl LegalStatus {
    /// Whether a transfer needs its own safeguards (SCCs/BCRs + TIA).
    pub fn needs_safeguards(&self) -> bool {
        match self {
            LegalStatus::EuEea | LegalStatus::Adequate { .. } | LegalStatus::Interim { .. } => {
                false
            }
            LegalStatus::AdequateIf { met, .. } => *met != Some(true),
            LegalStatus::NoAdequacy { .. } => true,
        }
    }

    /// How much the status asks of the organisation: higher asks more.
    /// Summaries lead with the most demanding status of a country, so that
    /// one certified recipient never stands for all of them.
    pub fn demand(&self) -> u8 {
        match self {
            LegalStatus::EuEea => 0,
            LegalStatus::Adequate { .. } | LegalStatus::Interim { .. } => 1,
            LegalStatus::AdequateIf {
                met: Some(true), ..
            } => 2,
            // Not known: it has to be checked, and until then safeguards apply.
            LegalStatus::AdequateIf { met: None, .. } => 3,
            LegalStatus::AdequateIf {
                met: Some(false), ..
            } => 4,
            LegalStatus::NoAdequacy { .. } => 5,
        }
    }

    /// Whether the status is an adequacy decision covering the whole country
    /// (drawn as an adequate country); a conditional one is not.
    pub fn is_whole_adequacy(&self) -> bool {
        matches!(self, LegalStatus::Adequate { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_asks_more_than_certified_and_less_than_none() {
        let dpf = |met| LegalStatus::AdequateIf {
            decision: "d".into(),
            adequacy_id: "a".into(),
            condition: Condition::CertifiedUnder {
                framework: "EU-US Data Privacy Framework".into(),
            },
            met,
        };
        let none = LegalStatus::NoAdequacy {
            ended: None,
            ended_on: None,
        };
        assert!(dpf(Some(true)).demand() < dpf(None).demand());
        assert!(dpf(None).demand() < dpf(Some(false)).demand());
        assert!(dpf(Some(false)).demand() < none.demand());
        assert!(LegalStatus::EuEea.demand() < dpf(Some(true)).demand());
        assert!(!dpf(None).is_whole_adequacy());
    }
}
