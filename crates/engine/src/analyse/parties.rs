//! The companies the data reaches — providers from the maps and operators
//! from the organisation's model — with their country, parent, the law
//! they are under and their DPF certification on the date. Decided here so
//! that a report never looks anything up.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use petgraph::visit::EdgeRef;

use crate::graph::{EdgeKind, NodeKind, TransferGraph};
use transfermap_maps::KnowledgeBase;
use transfermap_model::key::NodeKey;
use transfermap_model::scan::{Dpf, Party};

pub fn parties(graph: &TransferGraph, kb: &KnowledgeBase, as_of: NaiveDate) -> Vec<Party> {
    let g = &graph.graph;
    let mut out = Vec::new();
    for n in g.node_indices() {
        let node = &g[n];
        if node.kind != NodeKind::Provider || matches!(node.key, NodeKey::Subprocessor(_)) {
            continue;
        }
        let mapped = match &node.key {
            NodeKey::Provider(id) => kb.providers.get(id),
            _ => None,
        };
        let (parent, laws, dpf) = match mapped {
            Some(p) => {
                let parent = p
                    .parent
                    .as_deref()
                    .and_then(|pid| kb.providers.get(pid))
                    .map(|pp| pp.name.clone());
                let laws: Vec<String> = kb
                    .provider_chain(&p.id)
                    .iter()
                    .flat_map(|q| q.regimes.iter())
                    .filter_map(|r| kb.regimes.get(r).map(|r| r.name.clone()))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                (parent, laws, dpf_of(kb, &p.id, as_of))
            }
            None => (None, Vec::new(), Dpf::NotApplicable),
        };
        // Sub-processors published for the services this party runs.
        let services: Vec<_> = g
            .edges_directed(n, petgraph::Direction::Incoming)
            .filter(|e| e.weight().kind == EdgeKind::OperatedBy)
            .map(|e| e.source())
            .filter(|&s| g[s].kind == NodeKind::Service)
            .collect();
        let subprocessors: Vec<String> = services
            .iter()
            .flat_map(|&s| g.edges_directed(s, petgraph::Direction::Outgoing))
            .filter(|e| e.weight().kind == EdgeKind::SubProcesses)
            .map(|e| g[e.target()].label.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        out.push(Party {
            key: node.key.clone(),
            name: node.label.clone(),
            country: node.country.clone(),
            parent,
            laws,
            dpf,
            in_maps: mapped.is_some(),
            subprocessors,
        });
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// The DPF certifies US organisations: a party's own record counts when it
/// is one; otherwise its nearest US parent's does.
fn dpf_of(kb: &KnowledgeBase, id: &str, as_of: NaiveDate) -> Dpf {
    let chain = kb.provider_chain(id);
    let Some(me) = chain.first() else {
        return Dpf::NotApplicable;
    };
    let on = |p: &transfermap_maps::Provider| p.dpf_certified.as_ref().map(|c| c.covers(as_of));
    if me.country.as_deref() == Some("US") || me.dpf_certified.is_some() {
        return match on(me) {
            Some(true) => Dpf::Certified,
            Some(false) => Dpf::NotCertified,
            None => Dpf::NotRecorded,
        };
    }
    match chain[1..]
        .iter()
        .find(|p| p.country.as_deref() == Some("US"))
    {
        Some(parent) => Dpf::UsParent {
            parent: parent.name.clone(),
            certified: on(parent),
        },
        None => Dpf::NotApplicable,
    }
}
