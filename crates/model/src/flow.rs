//! One way personal data leaves the mailboxes, and what it reaches.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::graph::EdgeKind;
use crate::key::NodeKey;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    /// How the data goes: delivers-to, sends-via, reports-to, client-access.
    pub kind: EdgeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The node it goes to first.
    pub entry: NodeKey,
    pub services: BTreeSet<String>,
    pub providers: BTreeSet<String>,
    /// Countries where servers on the flow are geolocated.
    pub located: BTreeSet<String>,
    /// Countries of sites where providers declare the data is stored or processed.
    pub declared: BTreeSet<String>,
    /// Hosts, tokens, included SPF records and SPF networks reached that no
    /// map entry explains: unknown is not EU-only.
    pub unattributed: usize,
}
