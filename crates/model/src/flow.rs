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
    /// Countries where servers on the flow are geolocated.
    pub located: BTreeSet<String>,
    /// Countries of sites where providers declare the data is stored or processed.
    pub declared: BTreeSet<String>,
    /// Hosts, tokens, included SPF records and SPF networks reached that no
    /// map entry explains: unknown is not EU-only.
    pub unattributed: usize,
}
