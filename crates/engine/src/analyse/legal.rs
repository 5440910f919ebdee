//! Legal status of a destination on a date: EU/EEA, adequacy decision,
//! adequacy only for certified recipients, or none. Decided here once per
//! destination; the renderers only say it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use petgraph::Direction;
use petgraph::visit::EdgeRef;

use super::Judged;
use crate::graph::{EdgeKind, NodeKind, TransferGraph};
use transfermap_model::finding::{Finding, Hop};
use transfermap_model::key::NodeKey;
use transfermap_model::scan::{CountryFacts, Destination};

use transfermap_maps::{AdequacyScope, KnowledgeBase};
pub use transfermap_model::legal::{Condition, LegalStatus};

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
    if let Some(a) = decisions.iter().find(|a| a.scope == AdequacyScope::Interim) {
        return LegalStatus::Interim {
            provision: a.decision.clone(),
            adequacy_id: a.id.clone(),
            until: a.until,
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
            AdequacyScope::Certified => Condition::CertifiedUnder { framework },
            _ => Condition::WithinScope,
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

/// The status of a transfer to `country` for these recipients: the DPF
/// condition is met when any of them (or a parent) is certified on the
/// date; it is not known when the maps record nothing for any of them.
pub fn status_for(
    kb: &KnowledgeBase,
    country: &str,
    date: NaiveDate,
    recipients: &[NodeKey],
) -> LegalStatus {
    let known: Vec<bool> = recipients
        .iter()
        .filter_map(|k| match k {
            NodeKey::Provider(id) => kb.dpf_certified_on(id, date),
            _ => None,
        })
        .collect();
    let certified = if known.is_empty() {
        None
    } else if known.contains(&true) {
        Some(vec![DPF.to_string()])
    } else {
        Some(Vec::new())
    };
    status_on(kb, country, date, certified.as_deref())
}

const DPF: &str = "EU-US Data Privacy Framework";

/// The parties a path's legal status is decided for: the parties on the
/// path, the operators of the services and hosts on it, and the operator of
/// the subject's network.
pub fn recipients(
    graph: &TransferGraph,
    path: &[Hop],
    subject: petgraph::graph::NodeIndex,
) -> Vec<NodeKey> {
    let g = &graph.graph;
    let mut frontier: Vec<_> = path.iter().filter_map(|h| graph.find(&h.to)).collect();
    frontier.push(subject);
    let mut parties = BTreeSet::new();
    // Each node once: services and hosts on a path share their operators.
    let mut seen: BTreeSet<petgraph::graph::NodeIndex> = BTreeSet::new();
    for _ in 0..3 {
        let mut next = Vec::new();
        for n in frontier {
            if !seen.insert(n) {
                continue;
            }
            if g[n].kind == NodeKind::Provider {
                parties.insert(g[n].key.clone());
            }
            for e in g.edges_directed(n, Direction::Outgoing) {
                if matches!(
                    e.weight().kind,
                    EdgeKind::OperatedBy | EdgeKind::AnnouncedBy | EdgeKind::PartOf
                ) {
                    next.push(e.target());
                }
            }
        }
        frontier = next;
    }
    parties.into_iter().collect()
}

/// One destination per third country and distinct status, the most
/// demanding status of a country first: one certified recipient never
/// stands for the others.
pub(crate) fn destinations(groups: &[(String, Vec<Judged>)]) -> Vec<Destination> {
    let mut by: BTreeMap<(String, u8, String), Destination> = BTreeMap::new();
    let members = groups
        .iter()
        .flat_map(|(id, g)| g.iter().map(move |j| (id, j)));
    for (id, j) in members.filter(|(_, j)| !j.artefact) {
        let f = &j.finding;
        let (Some(country), Some(status)) = (&f.country, &f.status) else {
            continue;
        };
        // Within a country, higher demand first; the status's JSON orders ties.
        let key = (
            country.clone(),
            u8::MAX - status.demand(),
            serde_json::to_string(status).unwrap_or_default(),
        );
        let d = by.entry(key).or_insert_with(|| Destination {
            country: country.clone(),
            status: status.clone(),
            recipients: Vec::new(),
            rules: Vec::new(),
            findings: Vec::new(),
        });
        for r in &j.recipients {
            if !d.recipients.contains(r) {
                d.recipients.push(r.clone());
            }
        }
        if !d.rules.contains(&f.rule) {
            d.rules.push(f.rule);
        }
        if !d.findings.contains(id) {
            d.findings.push(id.clone());
        }
    }
    let mut out: Vec<Destination> = by.into_values().collect();
    for d in &mut out {
        d.recipients.sort();
        d.rules.sort();
    }
    out
}

/// Every country the scan names, with its names and its status on the
/// date for a recipient about whom nothing is known.
pub(crate) fn countries(
    graph: &TransferGraph,
    findings: &[Finding],
    kb: &KnowledgeBase,
    as_of: NaiveDate,
) -> BTreeMap<String, CountryFacts> {
    let codes: BTreeSet<String> = graph
        .graph
        .node_weights()
        .filter_map(|n| n.country.clone())
        .chain(findings.iter().filter_map(|f| f.country.clone()))
        .collect();
    codes
        .into_iter()
        .map(|code| {
            let facts = CountryFacts {
                name_en: kb.country_name(&code, transfermap_model::Lang::En),
                name_sv: kb.country_name(&code, transfermap_model::Lang::Sv),
                status: status_on(kb, &code, as_of, None),
            };
            (code, facts)
        })
        .collect()
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
    }

    #[test]
    fn united_kingdom_leaves_and_gets_adequacy() {
        let kb = kb();
        assert_eq!(
            status_on(&kb, "GB", date("2020-12-31"), None),
            LegalStatus::EuEea
        );
        // The Trade and Cooperation Agreement's bridge: not a transfer to a
        // third country, though no adequacy decision exists yet.
        for d in ["2021-01-01", "2021-05-01", "2021-06-27"] {
            match status_on(&kb, "GB", date(d), None) {
                LegalStatus::Interim {
                    provision, until, ..
                } => {
                    assert!(provision.contains("Trade and Cooperation Agreement"), "{d}");
                    assert_eq!(until, Some(date("2021-06-27")));
                }
                other => panic!("{d}: {other:?}"),
            }
            assert!(!status_on(&kb, "GB", date(d), None).needs_safeguards());
        }
        for d in ["2021-06-28", "2021-07-01", "2026-12-01"] {
            assert!(
                matches!(
                    status_on(&kb, "GB", date(d), None),
                    LegalStatus::Adequate { .. }
                ),
                "{d}"
            );
        }
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
