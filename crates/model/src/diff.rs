//! Two scans compared: what was added, removed and changed.

use serde::{Deserialize, Serialize};

use crate::finding::{RuleCode, Severity};
use crate::graph::EdgeKind;
use crate::key::NodeKey;
use crate::legal::LegalStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Removed,
    Unchanged,
    Changed,
}

/// One item of one category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub change: Change,
    pub key: String,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingRef {
    pub rule: RuleCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    pub entry: String,
    pub subject: String,
}

/// An edge in a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeRef {
    pub from: NodeKey,
    pub kind: EdgeKind,
    pub to: NodeKey,
}

/// What changed in an item present in both scans (a finding's legal status
/// or severity on the two dates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<(LegalStatus, LegalStatus)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<(Severity, Severity)>,
}

/// The diff format's name and version.
pub const DIFF_FORMAT: &str = "transfermap-diff";
/// 2: typed changes and finding references; stable finding keys.
pub const DIFF_FORMAT_VERSION: u32 = 2;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Diff {
    pub format: String,
    pub version: u32,
    pub before: Side,
    pub after: Side,
    pub flows: Vec<Item>,
    pub providers: Vec<Item>,
    pub sites: Vec<Item>,
    pub subprocessors: Vec<Item>,
    pub findings: Vec<Item>,
    /// Every node of both graphs with its change, for the diagram.
    pub nodes: Vec<Item>,
    /// Every edge `from|kind|to` of both graphs with its change.
    pub edges: Vec<Item>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Side {
    pub domain: String,
    pub as_of: chrono::NaiveDate,
    pub scanned: chrono::DateTime<chrono::Utc>,
    pub findings: usize,
}
