//! Cheapest paths from one data-carrying edge out of the personal data.
//!
//! Attributions through a network's holder (AnnouncedBy, RegisteredIn) cost
//! more than service fingerprints and the contract chain, so a path shows
//! the contract chain (service → contracting entity → parent) when there
//! is one. Ties are broken by node key, never by the order the graph was
//! built in, so the same facts give the same paths.

use foldhash::{HashMap, HashMapExt};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use petgraph::Direction;
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::graph::{EdgeKind, NodeKind, TransferGraph};
use transfermap_model::finding::Hop;
use transfermap_model::key::NodeKey;

/// The cost of following an edge when choosing the path to show.
fn cost(kind: EdgeKind) -> u32 {
    match kind {
        EdgeKind::AnnouncedBy | EdgeKind::RegisteredIn => 3,
        _ => 1,
    }
}

/// A cheapest-path tree from one entry edge.
pub struct PathTree {
    /// The edge each reached node was reached by.
    via: HashMap<NodeIndex, EdgeIndex>,
    /// Every node reached, by key (countries are not entered).
    pub reached: BTreeMap<NodeKey, NodeIndex>,
}

/// Search from the target of `entry`, which must be an edge out of the
/// personal data.
pub fn cheapest_from(graph: &TransferGraph, entry: EdgeIndex) -> PathTree {
    let g = &graph.graph;
    let mut tree = PathTree {
        via: HashMap::new(),
        reached: BTreeMap::new(),
    };
    let Some((_, start)) = g.edge_endpoints(entry) else {
        return tree;
    };
    let entry_kind = g[entry].kind;
    tree.via.insert(start, entry);
    let mut dist: HashMap<NodeIndex, u32> = HashMap::from_iter([(start, 0)]);
    let mut queue = BinaryHeap::from([Reverse((0u32, g[start].key.clone(), start.index()))]);
    while let Some(Reverse((d, key, n))) = queue.pop() {
        let n = NodeIndex::new(n);
        if tree.reached.contains_key(&key) {
            continue;
        }
        tree.reached.insert(key, n);
        let mut out: Vec<_> = g.edges_directed(n, Direction::Outgoing).collect();
        out.sort_by(|a, b| {
            (a.weight().kind, &g[a.target()].key).cmp(&(b.weight().kind, &g[b.target()].key))
        });
        for e in out {
            let next = e.target();
            if g[next].kind == NodeKind::Country || !e.weight().on_flow(entry_kind) {
                continue;
            }
            let nd = d + cost(e.weight().kind);
            if dist.get(&next).is_none_or(|&old| nd < old) {
                dist.insert(next, nd);
                tree.via.insert(next, e.id());
                queue.push(Reverse((nd, g[next].key.clone(), next.index())));
            }
        }
    }
    tree
}

impl PathTree {
    /// The hops from the personal data to `end` (a terminal edge after it
    /// is one more [`hop`]).
    pub fn path_to(&self, graph: &TransferGraph, end: NodeIndex) -> Vec<Hop> {
        let g = &graph.graph;
        let mut edges: Vec<EdgeIndex> = Vec::new();
        let mut n = end;
        // `via` is a shortest-path tree, so this walk ends; the bound is belt and braces.
        for _ in 0..=g.node_count() {
            let Some(&e) = self.via.get(&n) else { break };
            edges.push(e);
            let Some((from, _)) = g.edge_endpoints(e) else {
                break;
            };
            if g[from].kind == NodeKind::PersonalData {
                break;
            }
            n = from;
        }
        edges.reverse();
        edges.into_iter().filter_map(|e| hop(graph, e)).collect()
    }
}

/// One edge as a step of a path, with its evidence.
pub fn hop(graph: &TransferGraph, e: EdgeIndex) -> Option<Hop> {
    let g = &graph.graph;
    let (a, b) = g.edge_endpoints(e)?;
    Some(Hop {
        from: g[a].key.clone(),
        to: g[b].key.clone(),
        edge: g[e].kind,
        detail: g[e].detail.clone(),
        evidence: g[e].evidence.clone(),
        inference: g[e].inference.clone(),
    })
}
