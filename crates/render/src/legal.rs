//! The words for a legal status, in each language. The status itself is
//! decided by the analysis; this only says it.

use transfermap_model::Lang;
use transfermap_model::legal::{Condition, LegalStatus};

/// One line saying the status and what it asks of the organisation.
pub fn describe(status: &LegalStatus, lang: Lang) -> String {
    use Lang::*;
    match (status, lang) {
        (LegalStatus::EuEea, En) => "inside the EU/EEA".into(),
        (LegalStatus::EuEea, Sv) => "inom EU/EES".into(),
        (LegalStatus::Adequate { decision, .. }, En) => format!("adequacy decision ({decision})"),
        (LegalStatus::Adequate { decision, .. }, Sv) => {
            format!("adekvansbeslut ({})", crate::words::decision(decision, Sv))
        }
        (LegalStatus::Interim { provision, until, .. }, En) => {
            let till = until.map(|d| format!(" until {d}")).unwrap_or_default();
            format!(
                "no adequacy decision, but not treated as a transfer to a third country{till} under an interim provision ({provision}); prepare art. 46 safeguards for the time after it"
            )
        }
        (LegalStatus::Interim { provision, until, .. }, Sv) => {
            let till = until.map(|d| format!(" till och med {d}")).unwrap_or_default();
            format!(
                "inget adekvansbeslut, men räknas inte som överföring till tredjeland{till} enligt en övergångsbestämmelse ({}); förbered lämpliga skyddsåtgärder enligt artikel 46 för tiden därefter",
                crate::words::decision(provision, Sv)
            )
        }
        (
            LegalStatus::AdequateIf {
                decision,
                condition,
                met,
                ..
            },
            En,
        ) => {
            let (cond, state) = match condition {
                Condition::CertifiedUnder { framework } => (
                    format!("the recipient is certified under {framework}"),
                    match met {
                        Some(true) => "the recipient is certified",
                        Some(false) => "the recipient is NOT certified: art. 46 safeguards needed",
                        None => {
                            "no certification of the recipient is recorded in the maps: check the list of certified organisations; until then art. 46 safeguards are needed"
                        }
                    },
                ),
                Condition::WithinScope => (
                    "the recipient is within its limited scope".to_string(),
                    match met {
                        Some(true) => "the recipient is within it",
                        Some(false) => "the recipient is outside it: art. 46 safeguards needed",
                        None => "whether the recipient is within that scope is not known: check it",
                    },
                ),
            };
            format!("adequacy only if {cond} ({decision}); {state}")
        }
        (
            LegalStatus::AdequateIf {
                decision,
                condition,
                met,
                ..
            },
            Sv,
        ) => {
            let (cond, state) = match condition {
                Condition::CertifiedUnder { framework } => (
                    format!("mottagaren är certifierad enligt {framework}"),
                    match met {
                        Some(true) => "mottagaren är certifierad",
                        Some(false) => {
                            "mottagaren är INTE certifierad: lämpliga skyddsåtgärder enligt artikel 46 (t.ex. standardavtalsklausuler) krävs"
                        }
                        None => {
                            "ingen certifiering av mottagaren finns registrerad i kunskapsbasen: kontrollera listan över certifierade organisationer; till dess krävs lämpliga skyddsåtgärder enligt artikel 46"
                        }
                    },
                ),
                Condition::WithinScope => (
                    "mottagaren omfattas av beslutets begränsade tillämpningsområde".to_string(),
                    match met {
                        Some(true) => "mottagaren omfattas",
                        Some(false) => {
                            "mottagaren omfattas inte: lämpliga skyddsåtgärder enligt artikel 46 krävs"
                        }
                        None => "det är inte känt om mottagaren omfattas – kontrollera",
                    },
                ),
            };
            format!(
                "adekvansbeslut endast om {cond} ({}); {state}",
                crate::words::decision(decision, Sv)
            )
        }
        (LegalStatus::NoAdequacy { ended, ended_on }, En) => match (ended, ended_on) {
            (Some(d), Some(on)) => format!(
                "no adequacy decision ({d} applied until {on}): art. 46 safeguards and a transfer impact assessment needed"
            ),
            _ => "no adequacy decision: art. 46 safeguards and a transfer impact assessment needed"
                .into(),
        },
        (LegalStatus::NoAdequacy { ended, ended_on }, Sv) => match (ended, ended_on) {
            (Some(d), Some(on)) => format!(
                "inget adekvansbeslut ({} gällde till och med {on}): lämpliga skyddsåtgärder enligt artikel 46 (t.ex. standardavtalsklausuler) och en bedömning av överföringen (TIA) krävs",
                crate::words::decision(d, Sv)
            ),
            _ => "inget adekvansbeslut: lämpliga skyddsåtgärder enligt artikel 46 (t.ex. standardavtalsklausuler) och en bedömning av överföringen (TIA) krävs".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_recorded_is_not_called_not_certified() {
        let unknown = LegalStatus::AdequateIf {
            decision: "Commission Implementing Decision (EU) 2023/1795".into(),
            adequacy_id: "us-dpf".into(),
            condition: Condition::CertifiedUnder {
                framework: "EU-US Data Privacy Framework".into(),
            },
            met: None,
        };
        let text = describe(&unknown, Lang::En);
        assert!(
            text.contains("no certification of the recipient is recorded"),
            "{text}"
        );
        assert!(!text.contains("NOT certified"), "{text}");
        let korea = LegalStatus::AdequateIf {
            decision: "d".into(),
            adequacy_id: "kr".into(),
            condition: Condition::WithinScope,
            met: None,
        };
        assert!(describe(&korea, Lang::Sv).contains("det är inte känt om mottagaren omfattas"));
    }
}
