//! TM201: findings about the domain itself, not a transfer (an SPF record
//! that needs more DNS lookups than receivers allow).

use chrono::NaiveDate;

use crate::graph::{EdgeKind, TransferGraph};
use transfermap_model::collection::{Collection, ProblemCode};
use transfermap_model::evidence::EvidenceIds;
use transfermap_model::finding::{Basis, Finding, Hop, Note, RuleCode};
use transfermap_model::key::NodeKey;
use transfermap_model::spf::RFC_LOOKUP_LIMIT;

pub(crate) fn findings(
    graph: &TransferGraph,
    collection: &Collection,
    as_of: NaiveDate,
) -> Vec<Finding> {
    let g = &graph.graph;
    let mut out = Vec::new();
    let data = g.node_weights().find_map(|n| match &n.key {
        k @ NodeKey::PersonalData(_) => Some(k.clone()),
        _ => None,
    });
    let spf = data.as_ref().and_then(|d| match d {
        NodeKey::PersonalData(domain) => Some(NodeKey::Spf(domain.clone())),
        _ => None,
    });
    let (Some(data), Some(spf)) = (data, spf) else {
        return out;
    };
    for p in &collection.problems {
        if p.code != ProblemCode::SpfLookupLimit {
            continue;
        }
        let terms = collection.spf.lookup_terms;
        let Some(evidence) = EvidenceIds::from_slice(&p.evidence) else {
            continue;
        };
        let r = RuleCode::Tm201.rule();
        out.push(Finding {
            id: String::new(),
            rule: RuleCode::Tm201,
            severity: r.severity,
            basis: Basis::Measured,
            country: None,
            regimes: Vec::new(),
            entry: spf.clone(),
            subject: spf.clone(),
            party: None,
            path: vec![Hop {
                from: data.clone(),
                to: spf.clone(),
                edge: EdgeKind::SendsVia,
                detail: None,
                evidence,
                inference: None,
            }],
            status: None,
            as_of,
            note: Some(Note::LookupLimit {
                terms,
                limit: RFC_LOOKUP_LIMIT,
            }),
            data: None,
            also: Vec::new(),
        });
    }
    out
}
