//! One way personal data leaves the mailboxes, and what it reaches.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::graph::EdgeKind;
use crate::key::NodeKey;

/// One way personal data leaves the mailboxes, and what it reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Flow {
    /// How the data goes: delivers-to, sends-via, reports-to, client-access.
    pub kind: EdgeKind,
    /// The first edge's detail, e.g. `rua` or `ruf` for reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The node it goes to first.
    pub entry: NodeKey,
    /// The services reached (names from the maps).
    pub services: BTreeSet<String>,
    /// The companies that run them (names).
    pub providers: BTreeSet<String>,
    /// Companies whose networks carry the flow without running a service
    /// on it that the maps know: hosting or network operators, named so
    /// and never as the provider of the service.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub network_operators: BTreeSet<String>,
    /// For inbound mail: the mailbox service the mail ends up in, when the
    /// records show it (the MX host itself, or a service behind a gateway).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox: Option<Mailbox>,
    /// For inbound mail: the filter or gateway the MX points at when it is
    /// not the mailbox service (a service's name, or the host names).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub gateways: BTreeSet<String>,
    /// Countries where servers on the flow are geolocated.
    pub located: BTreeSet<String>,
    /// Countries of sites where providers declare the data is stored or processed.
    pub declared: BTreeSet<String>,
    /// Hosts, tokens, included SPF records and SPF networks reached that no
    /// map entry explains: unknown is not EU-only.
    pub unattributed: usize,
}

/// Where inbound mail ends up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Mailbox {
    /// The mailbox service (its name in the maps).
    pub service: String,
    /// The company that runs it (its name in the maps).
    pub provider: Option<String>,
    /// How it is known: `null` when the MX points at it directly; the
    /// inference when it sits behind a gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inferred: Option<crate::graph::Inference>,
}
