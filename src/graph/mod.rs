//! Stage 2b: the transfer graph — who and what the data can reach.
//!
//! Nodes have stable keys (`host:mx1.example.se`, `provider:microsoft-ireland`)
//! so two scans can be compared. Every node and edge lists the evidence it
//! rests on; [`TransferGraph::check_evidence`] enforces that invariant.

mod build;

use std::collections::HashMap;

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::{Deserialize, Serialize};

use crate::evidence::EvidenceId;

pub use build::{BuildOptions, build};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    Organisation,
    /// Where the traversal starts: the organisation's e-mail and mailboxes.
    PersonalData,
    Domain,
    Host,
    Address,
    /// A network named in SPF (`ip4:`/`ip6:`).
    AddressRange,
    /// An autonomous system and its holder.
    Network,
    Service,
    Provider,
    Site,
    Country,
    /// A third country's law that can compel access (CLOUD Act, FISA 702).
    Regime,
    /// A part of the organisation's own mail system, from its model
    /// (mail filter, mail server, archive, backup …).
    Component,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    /// The organisation holds the personal data.
    Holds,
    /// MX: inbound mail is delivered to the host.
    DeliversTo,
    /// The domain's SPF policy: outbound mail may be sent from there.
    SendsVia,
    /// An SPF record authorises a network, host or included record.
    Authorises,
    /// DMARC reports are mailed there (`detail`: rua = metadata, ruf = content).
    ReportsTo,
    /// Users' clients or devices connect there (autodiscover, Teams/Skype,
    /// Intune enrolment, Entra device registration).
    ClientAccess,
    /// The domain is verified at a SaaS service (TXT token): staff accounts
    /// under the domain live there.
    HasAccountsAt,
    /// A service stores data at rest at a site (declared).
    Stores,
    /// A service processes or replicates data at a site (declared).
    ProcessesIn,
    /// A provider's published sub-processor works for a service (declared).
    SubProcesses,
    /// Mail passes from one part of the organisation's system to the next (model).
    FlowsTo,
    ResolvesTo,
    AliasOf,
    /// A host or record belongs to a service (fingerprint).
    PartOf,
    AnnouncedBy,
    OperatedBy,
    /// A company is owned by its parent.
    OwnedBy,
    /// Physical location: geolocated address, or a declared site's country.
    LocatedIn,
    /// The network's holder is registered in a country (registry data).
    RegisteredIn,
    IncorporatedIn,
    SubjectTo,
}

impl EdgeKind {
    /// Edges along which personal data itself moves.
    pub fn carries_data(self) -> bool {
        matches!(
            self,
            EdgeKind::DeliversTo
                | EdgeKind::SendsVia
                | EdgeKind::Authorises
                | EdgeKind::ReportsTo
                | EdgeKind::ClientAccess
                | EdgeKind::HasAccountsAt
                | EdgeKind::Stores
                | EdgeKind::ProcessesIn
                | EdgeKind::SubProcesses
                | EdgeKind::FlowsTo
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            EdgeKind::Holds => "holds",
            EdgeKind::DeliversTo => "delivers to",
            EdgeKind::SendsVia => "sends via",
            EdgeKind::Authorises => "authorises",
            EdgeKind::ReportsTo => "reports to",
            EdgeKind::ClientAccess => "client access",
            EdgeKind::HasAccountsAt => "has accounts at",
            EdgeKind::Stores => "stores in",
            EdgeKind::ProcessesIn => "processes in",
            EdgeKind::SubProcesses => "sub-processor",
            EdgeKind::FlowsTo => "passes to",
            EdgeKind::ResolvesTo => "resolves to",
            EdgeKind::AliasOf => "alias of",
            EdgeKind::PartOf => "part of",
            EdgeKind::AnnouncedBy => "announced by",
            EdgeKind::OperatedBy => "operated by",
            EdgeKind::OwnedBy => "owned by",
            EdgeKind::LocatedIn => "located in",
            EdgeKind::RegisteredIn => "registered in",
            EdgeKind::IncorporatedIn => "incorporated in",
            EdgeKind::SubjectTo => "subject to",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub key: String,
    pub kind: NodeKind,
    pub label: String,
    /// For countries, sites, providers and regimes: the ISO country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    pub evidence: Vec<EvidenceId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    pub kind: EdgeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub evidence: Vec<EvidenceId>,
}

#[derive(Debug, Clone, Default)]
pub struct TransferGraph {
    pub graph: DiGraph<Node, Edge>,
    index: HashMap<String, NodeIndex>,
}

/// The serialised form: nodes, and edges between node keys.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GraphData {
    pub nodes: Vec<Node>,
    pub edges: Vec<EdgeData>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EdgeData {
    pub from: String,
    pub to: String,
    #[serde(flatten)]
    pub edge: Edge,
}

impl TransferGraph {
    /// Add a node, or add evidence to the node with the same key.
    pub fn node(
        &mut self,
        key: String,
        kind: NodeKind,
        label: impl Into<String>,
        country: Option<String>,
        evidence: &[EvidenceId],
    ) -> NodeIndex {
        if let Some(&ix) = self.index.get(&key) {
            merge(&mut self.graph[ix].evidence, evidence);
            return ix;
        }
        let ix = self.graph.add_node(Node {
            key: key.clone(),
            kind,
            label: label.into(),
            country,
            evidence: evidence.to_vec(),
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
        evidence: &[EvidenceId],
    ) -> EdgeIndex {
        let existing = self
            .graph
            .edges_connecting(from, to)
            .find(|e| e.weight().kind == kind && e.weight().detail == detail)
            .map(|e| e.id());
        if let Some(ix) = existing {
            merge(&mut self.graph[ix].evidence, evidence);
            return ix;
        }
        self.graph.add_edge(
            from,
            to,
            Edge {
                kind,
                detail,
                evidence: evidence.to_vec(),
            },
        )
    }

    /// Is there already an edge of this kind from `from` to `to`?
    pub fn has_edge(&self, from: NodeIndex, to: NodeIndex, kind: EdgeKind) -> bool {
        self.graph
            .edges_connecting(from, to)
            .any(|e| e.weight().kind == kind)
    }

    pub fn find(&self, key: &str) -> Option<NodeIndex> {
        self.index.get(key).copied()
    }

    /// Every node and edge must rest on evidence. Returns the keys that don't.
    pub fn check_evidence(&self) -> Vec<String> {
        let mut missing: Vec<String> = self
            .graph
            .node_weights()
            .filter(|n| n.evidence.is_empty())
            .map(|n| n.key.clone())
            .collect();
        for e in self.graph.edge_references() {
            if e.weight().evidence.is_empty() {
                missing.push(format!(
                    "{} -[{}]-> {}",
                    self.graph[e.source()].key,
                    e.weight().kind.label(),
                    self.graph[e.target()].key
                ));
            }
        }
        missing
    }

    pub fn to_data(&self) -> GraphData {
        GraphData {
            nodes: self.graph.node_weights().cloned().collect(),
            edges: self
                .graph
                .edge_references()
                .map(|e| EdgeData {
                    from: self.graph[e.source()].key.clone(),
                    to: self.graph[e.target()].key.clone(),
                    edge: e.weight().clone(),
                })
                .collect(),
        }
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
                &n.evidence,
            );
        }
        for e in &data.edges {
            if let (Some(a), Some(b)) = (g.find(&e.from), g.find(&e.to)) {
                g.edge(a, b, e.edge.kind, e.edge.detail.clone(), &e.edge.evidence);
            }
        }
        g
    }
}

fn merge(into: &mut Vec<EvidenceId>, more: &[EvidenceId]) {
    for id in more {
        if !into.contains(id) {
            into.push(*id);
        }
    }
}
