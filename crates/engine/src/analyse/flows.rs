//! The systematic description of the mail flows: for every way personal
//! data leaves the organisation's mailboxes, what it reaches — services,
//! providers, and the countries of servers and declared sites. This is
//! what a report shows even when there is no finding: silence is not
//! "EU only" unless the flows were seen.

use foldhash::{HashSet, HashSetExt};
use std::collections::{BTreeSet, VecDeque};

use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::unknowns::Attribution;
use crate::graph::{EdgeKind, NodeKind, TransferGraph};
use transfermap_maps::KnowledgeBase;
pub use transfermap_model::flow::Flow;

/// One `Flow` per data-carrying edge out of the personal data.
pub fn flows(graph: &TransferGraph, attribution: &Attribution, kb: &KnowledgeBase) -> Vec<Flow> {
    let g = &graph.graph;
    let mut out = Vec::new();
    for origin in g
        .node_indices()
        .filter(|&n| g[n].kind == NodeKind::PersonalData)
    {
        for e in g.edges_directed(origin, Direction::Outgoing) {
            if !e.weight().kind.carries_data() {
                continue;
            }
            let mut flow = Flow {
                kind: e.weight().kind,
                detail: e.weight().detail.clone(),
                entry: g[e.target()].key.clone(),
                services: BTreeSet::new(),
                providers: BTreeSet::new(),
                network_operators: BTreeSet::new(),
                mailbox: None,
                gateways: BTreeSet::new(),
                located: BTreeSet::new(),
                declared: BTreeSet::new(),
                unattributed: 0,
            };
            // Parties reached without passing through a network's holder
            // run a service on the flow; the others only carry it.
            let contracted = parties_by_contract(graph, e.target());
            if e.weight().kind == EdgeKind::DeliversTo {
                inbound(graph, kb, e.target(), &mut flow);
            }
            let mut seen = HashSet::from_iter([e.target()]);
            let mut queue = VecDeque::from([e.target()]);
            while let Some(n) = queue.pop_front() {
                let node = &g[n];
                match node.kind {
                    NodeKind::Service => {
                        flow.services.insert(node.label.clone());
                    }
                    NodeKind::Provider if contracted.contains(&n) => {
                        flow.providers.insert(node.label.clone());
                    }
                    NodeKind::Provider => {
                        flow.network_operators.insert(node.label.clone());
                    }
                    _ => {}
                }
                // A network counts by itself; a record of unexplained
                // networks counts each of them.
                if attribution.is_unexplained(n) {
                    flow.unattributed += 1;
                }
                for x in g.edges_directed(n, Direction::Outgoing) {
                    let target = &g[x.target()];
                    if target.kind == NodeKind::Country {
                        let code = target.country.clone().unwrap_or_default();
                        match (x.weight().kind, node.kind) {
                            (EdgeKind::LocatedIn, NodeKind::Site) => {
                                flow.declared.insert(code);
                            }
                            (EdgeKind::LocatedIn, _) => {
                                flow.located.insert(code);
                            }
                            _ => {}
                        }
                        continue;
                    }
                    // Follow data flows and attributions, but not from a
                    // provider to its parent's other holdings (there are none)
                    // nor from a site back to its operator's other sites.
                    if x.weight().on_flow(e.weight().kind) && seen.insert(x.target()) {
                        queue.push_back(x.target());
                    }
                }
            }
            out.push(flow);
        }
    }
    out.sort_by(|a, b| (a.kind, &a.entry).cmp(&(b.kind, &b.entry)));
    out
}

/// The parties reached from `start` without going through a network's
/// holder (an `announced-by` edge): the providers of the services on the
/// flow, their parents and sub-processors.
fn parties_by_contract(graph: &TransferGraph, start: NodeIndex) -> HashSet<NodeIndex> {
    let g = &graph.graph;
    let mut seen = HashSet::from_iter([start]);
    let mut queue = VecDeque::from([start]);
    let mut out = HashSet::new();
    while let Some(n) = queue.pop_front() {
        if g[n].kind == NodeKind::Provider {
            out.insert(n);
        }
        for x in g.edges_directed(n, Direction::Outgoing) {
            if x.weight().kind == EdgeKind::AnnouncedBy || g[x.target()].kind == NodeKind::Country {
                continue;
            }
            if seen.insert(x.target()) {
                queue.push_back(x.target());
            }
        }
    }
    out
}

/// For an MX host: the mailbox service it is, or the gateway it is and the
/// mailbox service inferred behind it.
fn inbound(graph: &TransferGraph, kb: &KnowledgeBase, host: NodeIndex, flow: &mut Flow) {
    let g = &graph.graph;
    let services = |n: NodeIndex| -> Vec<NodeIndex> {
        let mut out = Vec::new();
        let mut stack = vec![n];
        let mut seen = HashSet::new();
        while let Some(x) = stack.pop() {
            if !seen.insert(x) {
                continue;
            }
            for e in g.edges_directed(x, Direction::Outgoing) {
                match e.weight().kind {
                    EdgeKind::PartOf if g[e.target()].kind == NodeKind::Service => {
                        out.push(e.target())
                    }
                    EdgeKind::AliasOf => stack.push(e.target()),
                    _ => {}
                }
            }
        }
        out
    };
    let provider_of = |s: NodeIndex| {
        g.edges_directed(s, Direction::Outgoing)
            .find(|e| e.weight().kind == EdgeKind::OperatedBy)
            .map(|e| g[e.target()].label.clone())
    };
    let is_mailbox = |s: NodeIndex| {
        g.edges_directed(host, Direction::Outgoing)
            .any(|e| e.target() == s && e.weight().inference.is_some())
    };
    let own: Vec<NodeIndex> = services(host);
    // The mailbox when the MX is it: a service of the host that an inferred
    // edge does not point at (those are behind it).
    let inferred: Vec<_> = g
        .edges_directed(host, Direction::Outgoing)
        .filter(|e| e.weight().inference.is_some())
        .collect();
    if let Some(e) = inferred.first() {
        flow.mailbox = Some(transfermap_model::flow::Mailbox {
            service: g[e.target()].label.clone(),
            provider: provider_of(e.target()),
            inferred: e.weight().inference.clone(),
        });
        let gateway: Vec<String> = own
            .iter()
            .filter(|&&s| !is_mailbox(s))
            .map(|&s| g[s].label.clone())
            .collect();
        if gateway.is_empty() {
            flow.gateways.insert(g[host].label.clone());
        } else {
            flow.gateways.extend(gateway);
        }
    } else if let Some(&s) = own.iter().find(|&&s| mailbox_service(graph, kb, s)) {
        flow.mailbox = Some(transfermap_model::flow::Mailbox {
            service: g[s].label.clone(),
            provider: provider_of(s),
            inferred: None,
        });
    } else {
        // A filter or an unknown host with nothing known behind it.
        let names: Vec<String> = own.iter().map(|&s| g[s].label.clone()).collect();
        if names.is_empty() {
            flow.gateways.insert(g[host].label.clone());
        } else {
            flow.gateways.extend(names);
        }
    }
}

/// Whether a service node holds mailboxes, as the maps say.
pub(crate) fn mailbox_service(graph: &TransferGraph, kb: &KnowledgeBase, s: NodeIndex) -> bool {
    match &graph.graph[s].key {
        transfermap_model::key::NodeKey::Service(id) => {
            kb.services.get(id).is_some_and(|x| x.mailbox)
        }
        _ => false,
    }
}
