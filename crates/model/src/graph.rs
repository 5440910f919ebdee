//! The transfer graph in its serialised form: nodes with stable keys, and
//! edges between keys. Every node and edge lists the evidence it rests on.

use foldhash::{HashMap, HashMapExt};
use serde::{Deserialize, Serialize};

use crate::evidence::EvidenceIds;
use crate::key::NodeKey;

/// What a node stands for, as drawn.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    /// The organisation.
    Organisation,
    /// Where the traversal starts: the organisation's e-mail and mailboxes.
    PersonalData,
    /// A domain name or a record under one: a report domain, an SPF
    /// record, a DKIM selector, a verification token.
    Domain,
    /// A host name.
    Host,
    /// An IP address.
    Address,
    /// A network named in SPF (`ip4:`/`ip6:`).
    AddressRange,
    /// An autonomous system and its holder.
    Network,
    /// A service in the maps (e.g. Exchange Online).
    Service,
    /// A company: a provider, a sub-processor, or an operator from the
    /// organisation's model.
    Provider,
    /// A datacenter site, from the maps or the organisation's model.
    Site,
    /// A country.
    Country,
    /// A third country's law that can compel access (CLOUD Act, FISA 702).
    Regime,
    /// A part of the organisation's own mail system, from its model
    /// (mail filter, mail server, archive, backup …).
    Component,
}

/// What an edge means.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
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
    /// A host name has this address (A/AAAA).
    ResolvesTo,
    /// A name is an alias (CNAME) of another.
    AliasOf,
    /// A host or record belongs to a service (fingerprint).
    PartOf,
    /// An address is announced by an autonomous system (routing data).
    AnnouncedBy,
    /// A host, service, site or component is run by a company
    /// (fingerprint, maps or the organisation's model).
    OperatedBy,
    /// A company is owned by its parent.
    OwnedBy,
    /// Physical location: geolocated address, or a declared site's country.
    LocatedIn,
    /// The network's holder is registered in a country (registry data).
    RegisteredIn,
    /// A company is incorporated in a country.
    IncorporatedIn,
    /// A company is subject to a third country's law (CLOUD Act, FISA 702).
    SubjectTo,
}

impl EdgeKind {
    pub const ALL: [EdgeKind; 21] = [
        EdgeKind::Holds,
        EdgeKind::DeliversTo,
        EdgeKind::SendsVia,
        EdgeKind::Authorises,
        EdgeKind::ReportsTo,
        EdgeKind::ClientAccess,
        EdgeKind::HasAccountsAt,
        EdgeKind::Stores,
        EdgeKind::ProcessesIn,
        EdgeKind::SubProcesses,
        EdgeKind::FlowsTo,
        EdgeKind::ResolvesTo,
        EdgeKind::AliasOf,
        EdgeKind::PartOf,
        EdgeKind::AnnouncedBy,
        EdgeKind::OperatedBy,
        EdgeKind::OwnedBy,
        EdgeKind::LocatedIn,
        EdgeKind::RegisteredIn,
        EdgeKind::IncorporatedIn,
        EdgeKind::SubjectTo,
    ];

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

/// A node of the transfer graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Node {
    /// Its stable key, the same in every scan.
    pub key: NodeKey,
    /// What it stands for.
    pub kind: NodeKind,
    /// Its name as shown in reports.
    pub label: String,
    /// Its name in a Swedish report, when the maps give one (a name that
    /// carries an English description: `Zendesk (help desk, support
    /// e-mail)`). `label` stays the name the rest of the scan uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_sv: Option<String>,
    /// For countries, sites, providers and regimes: the ISO country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The evidence it rests on.
    pub evidence: EvidenceIds,
}

/// How a verification token's node is named (`verification token
/// MS=`): the graph names it so, a renderer words it in its language.
pub const TOKEN_LABEL: &str = "verification token ";

/// The wording of the edge details the analysis writes. scan.json keeps
/// them in English, as data; a renderer says each one in the report's
/// language (`render::words::detail`), so every fixed form is named here
/// and nowhere else.
pub mod detail {
    pub const CONTRACTING_ENTITY: &str = "contracting entity";
    pub const GEOLOCATED: &str = "geolocated";
    pub const DECLARED: &str = "declared";
    pub const DECLARED_BY_ORGANISATION: &str = "declared by the organisation";
    pub const ORGANISATION_MODEL: &str = "organisation model";
    pub const OWN_RECORD: &str = "the organisation's own record";
    pub const BEHIND_GATEWAY: &str = "to the mailboxes behind the gateway (inferred)";

    /// Every fixed detail above, for the renderers' tests.
    pub const FIXED: [&str; 7] = [
        CONTRACTING_ENTITY,
        GEOLOCATED,
        DECLARED,
        DECLARED_BY_ORGANISATION,
        ORGANISATION_MODEL,
        OWN_RECORD,
        BEHIND_GATEWAY,
    ];

    pub const FINGERPRINT_PREFIX: &str = "fingerprint ";
    pub const SHARE_PREFIX: &str = "geolocated: ";
    pub const SHARE_SUFFIX: &str = "% of its addresses";
    pub const CUSTOMERS_PREFIX: &str = "declared for ";
    pub const CUSTOMERS_SUFFIX: &str = " customers";

    /// The fingerprint (map pattern) that matched a name.
    pub fn fingerprint(pattern: &str) -> String {
        format!("{FINGERPRINT_PREFIX}{pattern}")
    }

    /// The share of a network's addresses geolocated in a country.
    pub fn geolocated_share(pct: f64) -> String {
        format!("{SHARE_PREFIX}{pct:.2}{SHARE_SUFFIX}")
    }

    /// Which customers a provider's location statement is for: a country
    /// code, `EU` or `*` (everyone).
    pub fn declared_for(customers: &str) -> String {
        let who = if customers == "*" { "all" } else { customers };
        format!("{CUSTOMERS_PREFIX}{who}{CUSTOMERS_SUFFIX}")
    }
}

/// An edge of the transfer graph, without its ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Edge {
    /// What the edge means.
    pub kind: EdgeKind,
    /// More about it, e.g. `rua` or `ruf` for reports, the fingerprint
    /// that matched for `part-of`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// `detail` in Swedish, when the maps word it (a sub-processor's
    /// function); renderings in Swedish use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_sv: Option<String>,
    /// The evidence it rests on.
    pub evidence: EvidenceIds,
    /// When the edge is inferred rather than observed: the rule, what it
    /// rests on and how strong it is. Absent for observed edges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inference: Option<Inference>,
}

impl Edge {
    /// Whether a flow that left the mailboxes by an edge of kind `entry`
    /// goes on along this edge. Never along `holds`. The mailbox behind a gateway is where
    /// *incoming* mail goes (delivered mail, reports mailed to the domain):
    /// a sending path that reaches the gateway host (SPF `mx`, `a`) does
    /// not go on into the mailboxes.
    pub fn on_flow(&self, entry: EdgeKind) -> bool {
        // A record operated by the organisation itself leads to the
        // organisation, never back through it into its own data.
        if self.kind == EdgeKind::Holds {
            return false;
        }
        match &self.inference {
            Some(i) if i.rule == InferenceRule::MailboxBehindGateway => {
                matches!(entry, EdgeKind::DeliversTo | EdgeKind::ReportsTo)
            }
            _ => true,
        }
    }
}

/// An edge that no single record shows, concluded from several.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Inference {
    /// Which conclusion.
    pub rule: InferenceRule,
    /// How strong the evidence for it is.
    pub strength: Strength,
    /// The kinds of evidence it rests on (their records are the edge's evidence).
    pub signals: Vec<Signal>,
}

/// A conclusion the graph draws from several records.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum InferenceRule {
    /// The MX hosts are a filter or gateway; the domain's other records
    /// name the mailbox service the mail is delivered to behind it.
    MailboxBehindGateway,
}

/// How strong an inference is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Strength {
    /// Independent records agree (e.g. DKIM and autodiscover).
    Strong,
    /// One record that only the mailbox service would need.
    Medium,
    /// A record that a sender alone could explain (an SPF include).
    Weak,
}

/// A kind of record an inference rests on.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Signal {
    /// A DKIM selector delegated to the mailbox service.
    Dkim,
    /// Autodiscover (CNAME or `_autodiscover._tcp` SRV) pointing at it.
    Autodiscover,
    /// The service's own inbound host for the domain exists
    /// (`<domain>.mail.protection.outlook.com`).
    TenantHost,
    /// The SPF record includes the service provider's senders.
    SpfInclude,
}

/// The transfer graph as written: nodes, and edges between node keys.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GraphData {
    /// Every node, each once.
    pub nodes: Vec<Node>,
    /// Every edge between two nodes.
    pub edges: Vec<EdgeData>,
    /// Where each node is in `nodes`, made the first time a node is looked
    /// up by key: a report names each node many times, and a search of the
    /// list each time made writing a report grow with the square of the
    /// graph. Not written; checked on every use, so a list changed after
    /// the index was made is still searched right.
    #[serde(skip)]
    #[schemars(skip)]
    index: std::sync::OnceLock<HashMap<NodeKey, usize>>,
}

impl GraphData {
    pub fn new(nodes: Vec<Node>, edges: Vec<EdgeData>) -> Self {
        Self {
            nodes,
            edges,
            index: std::sync::OnceLock::new(),
        }
    }

    /// The node with this key.
    pub fn node(&self, key: &NodeKey) -> Option<&Node> {
        let index = self.index.get_or_init(|| {
            let mut index = HashMap::with_capacity(self.nodes.len());
            for (i, n) in self.nodes.iter().enumerate() {
                // The first of two nodes with one key, as a search finds.
                index.entry(n.key.clone()).or_insert(i);
            }
            index
        });
        match index.get(key).and_then(|&i| self.nodes.get(i)) {
            Some(n) if &n.key == key => Some(n),
            // Not indexed, or the list changed since: search it.
            _ => self.nodes.iter().find(|n| &n.key == key),
        }
    }

    /// Every node's label by its key, for renderers that name many nodes
    /// (a merged finding can have hundreds of occurrences).
    pub fn labels(&self) -> std::collections::BTreeMap<&NodeKey, &str> {
        self.nodes
            .iter()
            .map(|n| (&n.key, n.label.as_str()))
            .collect()
    }
}

/// An edge from one node to another.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EdgeData {
    /// The node it starts at.
    pub from: NodeKey,
    /// The node it ends at.
    pub to: NodeKey,
    /// Its kind, detail and evidence, beside `from` and `to`.
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

    fn host(name: &str) -> Node {
        Node {
            key: NodeKey::Host(name.into()),
            kind: NodeKind::Host,
            label: format!("label of {name}"),
            label_sv: None,
            country: None,
            evidence: EvidenceIds::one(crate::evidence::EvidenceId(0)),
        }
    }

    #[test]
    fn nodes_are_found_by_key_even_after_the_list_changes() {
        let mut g = GraphData::new(vec![host("a.example"), host("b.example")], Vec::new());
        let b = NodeKey::Host("b.example".into());
        assert_eq!(
            g.node(&b).map(|n| n.label.as_str()),
            Some("label of b.example")
        );
        assert!(g.node(&NodeKey::Host("c.example".into())).is_none());
        // Indexed above; the list changes under the index.
        g.nodes.remove(0);
        g.nodes.push(host("c.example"));
        assert_eq!(
            g.node(&b).map(|n| n.label.as_str()),
            Some("label of b.example")
        );
        let c = NodeKey::Host("c.example".into());
        assert_eq!(
            g.node(&c).map(|n| n.label.as_str()),
            Some("label of c.example")
        );
        assert!(g.node(&NodeKey::Host("a.example".into())).is_none());
        // Read back from JSON, it is indexed afresh.
        let back: GraphData = serde_json::from_str(&serde_json::to_string(&g).unwrap()).unwrap();
        assert_eq!(
            back.node(&c).map(|n| n.label.as_str()),
            Some("label of c.example")
        );
    }
}
