//! The systematic description of the mail flows: for every way personal
//! data leaves the organisation's mailboxes, what it reaches — services,
//! providers, and the countries of servers and declared sites. This is
//! what a report shows even when there is no finding: silence is not
//! "EU only" unless the flows were seen.

use std::collections::{BTreeSet, HashSet, VecDeque};

use petgraph::Direction;
use petgraph::visit::EdgeRef;

use super::unknowns::Attribution;
use crate::graph::{EdgeKind, NodeKind, TransferGraph};
pub use transfermap_model::flow::Flow;

/// One `Flow` per data-carrying edge out of the personal data.
pub fn flows(graph: &TransferGraph, attribution: &Attribution) -> Vec<Flow> {
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
                located: BTreeSet::new(),
                declared: BTreeSet::new(),
                unattributed: 0,
            };
            let mut seen = HashSet::from([e.target()]);
            let mut queue = VecDeque::from([e.target()]);
            while let Some(n) = queue.pop_front() {
                let node = &g[n];
                match node.kind {
                    NodeKind::Service => {
                        flow.services.insert(node.label.clone());
                    }
                    NodeKind::Provider => {
                        flow.providers.insert(node.label.clone());
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
                    if seen.insert(x.target()) {
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
