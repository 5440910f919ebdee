//! The systematic description of the mail flows: for every way personal
//! data leaves the organisation's mailboxes, what it reaches — services,
//! providers, and the countries of servers and declared sites. This is
//! what a report shows even when there is no finding: silence is not
//! "EU only" unless the flows were seen.

use std::collections::{BTreeSet, HashSet, VecDeque};

use petgraph::Direction;
use petgraph::visit::EdgeRef;
use serde::{Deserialize, Serialize};

use crate::graph::{EdgeKind, NodeKind, TransferGraph};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    /// How the data goes: delivers-to, sends-via, reports-to, client-access.
    pub kind: EdgeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The node it goes to first.
    pub entry: String,
    pub services: BTreeSet<String>,
    pub providers: BTreeSet<String>,
    /// Countries where servers on the flow are geolocated.
    pub located: BTreeSet<String>,
    /// Countries of sites where providers declare the data is stored or processed.
    pub declared: BTreeSet<String>,
    /// Hosts and networks reached that no fingerprint attributes to a service.
    pub unattributed: usize,
}

/// One `Flow` per data-carrying edge out of the personal data.
pub fn flows(graph: &TransferGraph) -> Vec<Flow> {
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
                    NodeKind::Domain if node.key.starts_with("token:") => {
                        let attributed = g
                            .edges_directed(n, Direction::Outgoing)
                            .any(|x| x.weight().kind == EdgeKind::PartOf);
                        if !attributed {
                            flow.unattributed += 1;
                        }
                    }
                    NodeKind::Host | NodeKind::AddressRange => {
                        let attributed = g.edges_directed(n, Direction::Outgoing).any(|x| {
                            matches!(x.weight().kind, EdgeKind::PartOf | EdgeKind::OperatedBy)
                        });
                        let aliased = g
                            .edges_directed(n, Direction::Outgoing)
                            .any(|x| x.weight().kind == EdgeKind::AliasOf);
                        if !attributed && !aliased && node.kind == NodeKind::Host {
                            flow.unattributed += 1;
                        }
                    }
                    _ => {}
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
