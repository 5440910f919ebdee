//! TM110: what is on a data flow that no map entry explains — hosts,
//! verification tokens, included SPF records and SPF networks. Unknown is
//! not EU-only, so each is reported, and counted in the flows.
//!
//! [`Attribution`] decides once, for the whole graph, what is explained;
//! the findings and the flow counts both read it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::paths::PathTree;
use super::{note_finding, out_edges};
use crate::graph::{EdgeKind, NodeKind, TransferGraph};
use transfermap_maps::KnowledgeBase;
use transfermap_model::finding::{Finding, Note, RuleCode, Unknown};
use transfermap_model::key::NodeKey;

/// What the maps do not explain, for one graph.
#[derive(Debug, Default)]
pub struct Attribution {
    pub hosts: BTreeSet<NodeIndex>,
    pub tokens: BTreeSet<NodeIndex>,
    /// Included or redirected SPF records of other parties that no
    /// fingerprint explains, neither themselves nor a record above them.
    pub includes: BTreeSet<NodeIndex>,
    /// Networks the maps do not explain, by the SPF record that names them.
    pub networks: BTreeMap<NodeIndex, Vec<NodeIndex>>,
    /// Included SPF records kept by a flattening service (the service's
    /// name): known as a service, but the senders they stand for are not.
    pub flattened: BTreeMap<NodeIndex, String>,
}

impl Attribution {
    /// Is this node one of the unexplained (a network counts by itself)?
    pub fn is_unexplained(&self, n: NodeIndex) -> bool {
        self.hosts.contains(&n)
            || self.tokens.contains(&n)
            || self.includes.contains(&n)
            || self.networks.values().any(|v| v.contains(&n))
            || self.flattened.contains_key(&n)
    }
}

/// Whether a node has its own attribution: a fingerprint names its service
/// or provider, or it is an alias of another name.
fn attributed(graph: &TransferGraph, n: NodeIndex) -> bool {
    graph.graph.edges_directed(n, Direction::Outgoing).any(|e| {
        matches!(
            e.weight().kind,
            EdgeKind::PartOf | EdgeKind::OperatedBy | EdgeKind::AliasOf
        )
    })
}

/// Whether a node's addresses (a host) or the node itself (a network) sit
/// in an autonomous system the maps attribute to an operator.
fn network_operated(graph: &TransferGraph, n: NodeIndex) -> bool {
    let g = &graph.graph;
    let as_operated = |x: NodeIndex| {
        out_edges(graph, x, EdgeKind::AnnouncedBy).any(|a| {
            out_edges(graph, a.target(), EdgeKind::OperatedBy)
                .next()
                .is_some()
        })
    };
    as_operated(n)
        || out_edges(graph, n, EdgeKind::ResolvesTo).any(|e| as_operated(e.target()))
        || g[n].kind == NodeKind::Network
            && out_edges(graph, n, EdgeKind::OperatedBy).next().is_some()
}

/// The holders of the networks a node is in (its own or its addresses').
pub(crate) fn holders(graph: &TransferGraph, n: NodeIndex) -> Vec<String> {
    let g = &graph.graph;
    let mut nodes = vec![n];
    nodes.extend(out_edges(graph, n, EdgeKind::ResolvesTo).map(|e| e.target()));
    nodes
        .into_iter()
        .flat_map(|x| out_edges(graph, x, EdgeKind::AnnouncedBy))
        .map(|a| g[a.target()].label.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

impl Attribution {
    pub fn of(graph: &TransferGraph, kb: &KnowledgeBase) -> Self {
        let g = &graph.graph;
        let mut out = Attribution::default();
        for n in g.node_indices() {
            if !matches!(g[n].key, NodeKey::Spf(_)) {
                continue;
            }
            let flattening =
                out_edges(graph, n, EdgeKind::PartOf).find_map(|e| match &g[e.target()].key {
                    NodeKey::Service(id)
                        if kb
                            .services
                            .get(id)
                            .is_some_and(|s| s.carries == "spf-flattening") =>
                    {
                        Some(g[e.target()].label.clone())
                    }
                    _ => None,
                });
            if let Some(name) = flattening {
                out.flattened.insert(n, name);
            }
        }
        // The scanned domain: its own SPF records (the apex and includes
        // below the domain) are the organisation's, not a vendor's.
        let own = g.node_weights().find_map(|n| match &n.key {
            NodeKey::PersonalData(d) => Some(d.clone()),
            _ => None,
        });
        let is_own = |d: &str| {
            own.as_deref()
                .is_some_and(|o| d == o || d.ends_with(&format!(".{o}")))
        };
        for n in g.node_indices() {
            match (&g[n].key, g[n].kind) {
                (NodeKey::Token(_), _)
                    if out_edges(graph, n, EdgeKind::PartOf).next().is_none() =>
                {
                    out.tokens.insert(n);
                }
                (_, NodeKind::Host) if !attributed(graph, n) && !network_operated(graph, n) => {
                    out.hosts.insert(n);
                }
                _ => {}
            }
        }
        // SPF records, from the root down: a record is explained when it or
        // a record above it (not the organisation's own) is attributed.
        let spf_children = |n: NodeIndex| {
            out_edges(graph, n, EdgeKind::Authorises)
                .map(|e| e.target())
                .filter(|&t| matches!(g[t].key, NodeKey::Spf(_)))
                .collect::<Vec<_>>()
        };
        let roots: Vec<NodeIndex> = g
            .node_indices()
            .filter(|&n| {
                matches!(g[n].key, NodeKey::Spf(_))
                    && g.edges_directed(n, Direction::Incoming)
                        .any(|e| e.weight().kind == EdgeKind::SendsVia)
            })
            .collect();
        let mut stack: Vec<(NodeIndex, bool)> = roots.into_iter().map(|r| (r, false)).collect();
        let mut seen = BTreeSet::new();
        while let Some((n, vouched)) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            let NodeKey::Spf(domain) = &g[n].key else {
                continue;
            };
            let mine = is_own(domain);
            let explained = vouched || (!mine && attributed(graph, n));
            if !mine && !explained {
                out.includes.insert(n);
            }
            if mine {
                let unknown: Vec<NodeIndex> = out_edges(graph, n, EdgeKind::Authorises)
                    .map(|e| e.target())
                    .filter(|&r| g[r].kind == NodeKind::AddressRange)
                    .filter(|&r| !attributed(graph, r) && !network_operated(graph, r))
                    .collect();
                if !unknown.is_empty() {
                    out.networks.insert(n, unknown);
                }
            }
            for c in spf_children(n) {
                stack.push((c, explained));
            }
        }
        out
    }
}

/// The TM110 findings among the nodes reached from one entry.
pub(crate) fn findings(
    graph: &TransferGraph,
    attribution: &Attribution,
    tree: &PathTree,
    as_of: NaiveDate,
) -> Vec<Finding> {
    let g = &graph.graph;
    let mut out = Vec::new();
    for &n in tree.reached.values() {
        let node = &g[n];
        let (what, name, networks, holders) = if attribution.tokens.contains(&n) {
            let prefix = match &node.key {
                NodeKey::Token(_) => node
                    .label
                    .trim_start_matches(transfermap_model::graph::TOKEN_LABEL)
                    .to_string(),
                _ => node.label.clone(),
            };
            (Unknown::Token, prefix, Vec::new(), Vec::new())
        } else if attribution.hosts.contains(&n) {
            (
                Unknown::Host,
                node.label.clone(),
                Vec::new(),
                holders(graph, n),
            )
        } else if let Some(service) = attribution.flattened.get(&n) {
            (
                Unknown::Flattened,
                node.key.value(),
                Vec::new(),
                vec![service.clone()],
            )
        } else if attribution.includes.contains(&n) {
            (Unknown::Include, node.key.value(), Vec::new(), Vec::new())
        } else if let Some(nets) = attribution.networks.get(&n) {
            let names: Vec<String> = nets.iter().map(|&r| g[r].label.clone()).collect();
            let holders: BTreeSet<String> = nets.iter().flat_map(|&r| holders(graph, r)).collect();
            (
                Unknown::Network,
                node.key.value(),
                names,
                holders.into_iter().collect(),
            )
        } else {
            continue;
        };
        let path = tree.path_to(graph, n);
        let note = Note::Unattributed {
            what,
            name,
            networks,
            holders,
        };
        out.extend(note_finding(
            RuleCode::Tm110,
            path,
            node.key.clone(),
            note,
            as_of,
        ));
    }
    out
}
