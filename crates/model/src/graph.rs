//! The transfer graph in its serialised form: nodes with stable keys, and
//! edges between keys. Every node and edge lists the evidence it rests on.

use serde::{Deserialize, Serialize};

use crate::evidence::EvidenceIds;
use crate::key::NodeKey;

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

    /// The name `scan.json` uses (`delivers-to`).
    pub fn name(self) -> &'static str {
        match self {
            EdgeKind::Holds => "holds",
            EdgeKind::DeliversTo => "delivers-to",
            EdgeKind::SendsVia => "sends-via",
            EdgeKind::Authorises => "authorises",
            EdgeKind::ReportsTo => "reports-to",
            EdgeKind::ClientAccess => "client-access",
            EdgeKind::HasAccountsAt => "has-accounts-at",
            EdgeKind::Stores => "stores",
            EdgeKind::ProcessesIn => "processes-in",
            EdgeKind::SubProcesses => "sub-processes",
            EdgeKind::FlowsTo => "flows-to",
            EdgeKind::ResolvesTo => "resolves-to",
            EdgeKind::AliasOf => "alias-of",
            EdgeKind::PartOf => "part-of",
            EdgeKind::AnnouncedBy => "announced-by",
            EdgeKind::OperatedBy => "operated-by",
            EdgeKind::OwnedBy => "owned-by",
            EdgeKind::LocatedIn => "located-in",
            EdgeKind::RegisteredIn => "registered-in",
            EdgeKind::IncorporatedIn => "incorporated-in",
            EdgeKind::SubjectTo => "subject-to",
        }
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
    pub key: NodeKey,
    pub kind: NodeKind,
    pub label: String,
    /// For countries, sites, providers and regimes: the ISO country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    pub evidence: EvidenceIds,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    pub kind: EdgeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub evidence: EvidenceIds,
}

/// The serialised form: nodes, and edges between node keys.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GraphData {
    pub nodes: Vec<Node>,
    pub edges: Vec<EdgeData>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EdgeData {
    pub from: NodeKey,
    pub to: NodeKey,
    #[serde(flatten)]
    pub edge: Edge,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_names_are_the_serialised_ones() {
        for k in [
            EdgeKind::DeliversTo,
            EdgeKind::SendsVia,
            EdgeKind::IncorporatedIn,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.name());
        }
    }
}
