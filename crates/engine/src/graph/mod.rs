//! Stage 2b: the transfer graph — who and what the data can reach.
//!
//! Nodes have stable keys (`host:mx1.example.se`, `provider:microsoft-ireland`)
//! so two scans can be compared. Every node and edge lists the evidence it
//! rests on; [`TransferGraph::check_evidence`] enforces that invariant.

mod build;

use foldhash::HashMap;

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use transfermap_model::evidence::EvidenceIds;
pub use transfermap_model::graph::{Edge, EdgeData, EdgeKind, GraphData, Node, NodeKind};
pub use transfermap_model::key::NodeKey;

pub(crate) use build::slug;
pub use build::{BuildOptions, build};

/// The graph of one scan: petgraph nodes and edges, found by key.
#[derive(Debug, Clone, Default)]
pub struct TransferGraph {
    pub graph: DiGraph<Node, Edge>,
    index: HashMap<NodeKey, NodeIndex>,
}

impl TransferGraph {
    /// Add a node, or add evidence to the node with the same key.
    pub fn node(
        &mut self,
        key: NodeKey,
        kind: NodeKind,
        label: impl Into<String>,
        country: Option<String>,
        evidence: impl Into<EvidenceIds>,
    ) -> NodeIndex {
        let evidence = evidence.into();
        if let Some(&ix) = self.index.get(&key) {
            self.graph[ix].evidence.merge(&evidence);
            return ix;
        }
        let ix = self.graph.add_node(Node {
            key: key.clone(),
            kind,
            label: label.into(),
            label_sv: None,
            country,
            evidence,
        });
        self.index.insert(key, ix);
        ix
    }

    /// Add an edge, or add evidence to the same-kind edge between the same nodes.
    pub fn edge(
        &mut self,
        from: NodeIndex,
        to: NodeIndex,
        kind: EdgeKind,
        detail: Option<String>,
        evidence: impl Into<EvidenceIds>,
    ) -> EdgeIndex {
        let evidence = evidence.into();
        let existing = self
            .graph
            .edges_connecting(from, to)
            .find(|e| e.weight().kind == kind && e.weight().detail == detail)
            .map(|e| e.id());
        if let Some(ix) = existing {
            self.graph[ix].evidence.merge(&evidence);
            return ix;
        }
        self.graph.add_edge(
            from,
            to,
            Edge {
                kind,
                detail,
                detail_sv: None,
                evidence,
                inference: None,
            },
        )
    }

    /// Add an inferred edge: what it rests on is its evidence, and how it
    /// was concluded is its inference.
    pub fn inferred_edge(
        &mut self,
        from: NodeIndex,
        to: NodeIndex,
        kind: EdgeKind,
        detail: Option<String>,
        evidence: EvidenceIds,
        inference: transfermap_model::graph::Inference,
    ) -> EdgeIndex {
        let ix = self.edge(from, to, kind, detail, evidence);
        self.graph[ix].inference = Some(inference);
        ix
    }

    /// Is there already an edge of this kind from `from` to `to`?
    pub fn has_edge(&self, from: NodeIndex, to: NodeIndex, kind: EdgeKind) -> bool {
        self.graph
            .edges_connecting(from, to)
            .any(|e| e.weight().kind == kind)
    }

    pub fn find(&self, key: &NodeKey) -> Option<NodeIndex> {
        self.index.get(key).copied()
    }

    /// Every node and edge rests on evidence (non-empty by construction);
    /// this checks that each item it cites is one of the `known` items of
    /// the scan. Returns what cites evidence that does not exist.
    pub fn check_evidence(&self, known: usize) -> Vec<String> {
        let dangling = |ids: &EvidenceIds| ids.iter().find(|id| id.0 >= known);
        let mut bad: Vec<String> = self
            .graph
            .node_weights()
            .filter_map(|n| dangling(&n.evidence).map(|id| format!("node {} cites {id}", n.key)))
            .collect();
        for e in self.graph.edge_references() {
            if let Some(id) = dangling(&e.weight().evidence) {
                bad.push(format!(
                    "edge {} -[{}]-> {} cites {id}",
                    self.graph[e.source()].key,
                    e.weight().kind.label(),
                    self.graph[e.target()].key
                ));
            }
        }
        bad
    }

    pub fn to_data(&self) -> GraphData {
        GraphData::new(
            self.graph.node_weights().cloned().collect(),
            self.graph
                .edge_references()
                .map(|e| EdgeData {
                    from: self.graph[e.source()].key.clone(),
                    to: self.graph[e.target()].key.clone(),
                    edge: e.weight().clone(),
                })
                .collect(),
        )
    }

    /// Rebuild from the serialised form (e.g. a `scan.json` read back).
    pub fn from_data(data: &GraphData) -> Self {
        let mut g = TransferGraph::default();
        for n in &data.nodes {
            g.node(
                n.key.clone(),
                n.kind,
                n.label.clone(),
                n.country.clone(),
                n.evidence.clone(),
            );
        }
        for e in &data.edges {
            if let (Some(a), Some(b)) = (g.find(&e.from), g.find(&e.to)) {
                let ix = g.edge(
                    a,
                    b,
                    e.edge.kind,
                    e.edge.detail.clone(),
                    e.edge.evidence.clone(),
                );
                g.graph[ix].inference = e.edge.inference.clone();
            }
        }
        g
    }
}
