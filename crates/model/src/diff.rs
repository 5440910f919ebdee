//! Two scans compared: what was added, removed and changed.

use serde::{Deserialize, Serialize};

use crate::finding::{RuleCode, Severity};
use crate::graph::EdgeKind;
use crate::key::NodeKey;
use crate::legal::LegalStatus;

/// How an item differs between the two scans.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Only in the after scan.
    Added,
    /// Only in the before scan.
    Removed,
    /// In both, the same.
    Unchanged,
    /// In both, with a different legal status or severity.
    Changed,
}

/// One item of one category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Item {
    /// Whether it was added, removed, changed or left as it was.
    pub change: Change,
    /// Its stable key: a node key, `from|kind|to` for an edge or a flow,
    /// `rule|entry|subject|country` for a finding.
    pub key: String,
    /// Its name as shown in reports.
    pub label: String,
    /// For findings: what the finding says, for the renderers to word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<FindingRef>,
    /// For flows and edges: the two ends and the kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edge: Option<EdgeRef>,
    /// For changed items: what changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<ItemChange>,
}

/// A finding in a diff: its rule, country and the labels of where the data
/// enters and what it reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FindingRef {
    /// The finding's rule.
    pub rule: RuleCode,
    /// The third country reached; absent when it is not a transfer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The label of the node where the data enters the path.
    pub entry: String,
    /// The label of the node in, or under the law of, the third country.
    pub subject: String,
    /// The label of the party the finding is about, when one is named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// Every third country its occurrences reach (ISO codes), when more
    /// than `country`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<String>,
}

/// An edge in a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EdgeRef {
    /// The node it starts at.
    pub from: NodeKey,
    /// What the edge means.
    pub kind: EdgeKind,
    /// The node it ends at.
    pub to: NodeKey,
}

/// What changed in an item present in both scans (a finding's legal status
/// or severity on the two dates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ItemChange {
    /// The legal status before and after; absent when it did not change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<(LegalStatus, LegalStatus)>,
    /// The severity before and after; absent when it did not change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<(Severity, Severity)>,
}

/// The diff format's name and version.
pub const DIFF_FORMAT: &str = "transfermap-diff";
/// 2: typed changes and finding references; stable finding keys.
pub const DIFF_FORMAT_VERSION: u32 = 2;

/// Two scans compared, as written to `diff.json`: every category's items
/// of both scans, matched by stable keys.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Diff {
    /// Always `transfermap-diff`.
    pub format: String,
    /// The format version; it changes when the shape of the file changes.
    pub version: u32,
    /// The earlier scan.
    pub before: Side,
    /// The later scan.
    pub after: Side,
    /// The edges along which personal data moves.
    pub flows: Vec<Item>,
    /// The providers reached.
    pub providers: Vec<Item>,
    /// The sites reached.
    pub sites: Vec<Item>,
    /// The providers' published sub-processors reached.
    pub subprocessors: Vec<Item>,
    /// The findings, matched by rule, entry, subject and country.
    pub findings: Vec<Item>,
    /// Every node of both graphs with its change, for the diagram.
    pub nodes: Vec<Item>,
    /// Every edge `from|kind|to` of both graphs with its change.
    pub edges: Vec<Item>,
}

/// One of the two scans compared.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Side {
    /// The domain scanned.
    pub domain: String,
    /// The date its findings were judged on.
    pub as_of: chrono::NaiveDate,
    /// When the scan began (UTC).
    pub scanned: chrono::DateTime<chrono::Utc>,
    /// How many findings it has.
    pub findings: usize,
}
