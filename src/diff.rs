//! Compare two scans (or a scan and a planned model): flows, providers,
//! sites, sub-processors and findings added, removed and changed, matched
//! by stable node keys — never by position.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::analyse::{Finding, Severity};
use crate::graph::{EdgeKind, NodeKind};
use crate::scan::Scan;

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
    /// For changed items: what changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

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

fn side(s: &Scan) -> Side {
    Side {
        domain: s.domain.clone(),
        as_of: s.as_of,
        scanned: s.started,
        findings: s.findings.len(),
    }
}

/// The key a finding keeps across scans (its `F` number does not).
pub fn finding_key(f: &Finding) -> String {
    format!("{}|{}|{}|{}", f.rule, f.entry, f.subject, f.country)
}

fn compare<T>(
    before: &BTreeMap<String, T>,
    after: &BTreeMap<String, T>,
    label: impl Fn(&T) -> String,
    detail: impl Fn(&T, &T) -> Option<String>,
) -> Vec<Item> {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .map(|k| match (before.get(k), after.get(k)) {
            (Some(b), Some(a)) => {
                let d = detail(b, a);
                Item {
                    change: if d.is_some() {
                        Change::Changed
                    } else {
                        Change::Unchanged
                    },
                    key: k.clone(),
                    label: label(a),
                    detail: d,
                }
            }
            (None, Some(a)) => Item {
                change: Change::Added,
                key: k.clone(),
                label: label(a),
                detail: None,
            },
            (Some(b), None) => Item {
                change: Change::Removed,
                key: k.clone(),
                label: label(b),
                detail: None,
            },
            (None, None) => unreachable!("key comes from one of the maps"),
        })
        .collect()
}

pub fn diff(before: &Scan, after: &Scan) -> Diff {
    let nodes_of = |s: &Scan, kind: Option<NodeKind>, prefix: &str| -> BTreeMap<String, String> {
        s.graph
            .nodes
            .iter()
            .filter(|n| kind.is_none_or(|k| n.kind == k) && n.key.starts_with(prefix))
            .map(|n| (n.key.clone(), n.label.clone()))
            .collect()
    };
    let same = |_: &String, _: &String| None;
    let providers = compare(
        &nodes_of(before, Some(NodeKind::Provider), "provider:"),
        &nodes_of(after, Some(NodeKind::Provider), "provider:"),
        |l: &String| l.clone(),
        same,
    );
    let sites = compare(
        &nodes_of(before, Some(NodeKind::Site), ""),
        &nodes_of(after, Some(NodeKind::Site), ""),
        |l: &String| l.clone(),
        same,
    );
    let subprocessors = compare(
        &nodes_of(before, None, "subprocessor:"),
        &nodes_of(after, None, "subprocessor:"),
        |l: &String| l.clone(),
        same,
    );
    let labels: BTreeMap<String, String> = before
        .graph
        .nodes
        .iter()
        .chain(after.graph.nodes.iter())
        .map(|n| (n.key.clone(), n.label.clone()))
        .collect();
    let edges_of = |s: &Scan, data_only: bool| -> BTreeMap<String, String> {
        s.graph
            .edges
            .iter()
            .filter(|e| !data_only || e.edge.kind.carries_data())
            .map(|e| {
                let key = format!("{}|{}|{}", e.from, kind_name(e.edge.kind), e.to);
                let label = format!(
                    "{} —{}→ {}",
                    labels.get(&e.from).unwrap_or(&e.from),
                    e.edge.kind.label(),
                    labels.get(&e.to).unwrap_or(&e.to)
                );
                (key, label)
            })
            .collect()
    };
    let flows = compare(
        &edges_of(before, true),
        &edges_of(after, true),
        |l: &String| l.clone(),
        same,
    );
    let edges = compare(
        &edges_of(before, false),
        &edges_of(after, false),
        |l: &String| l.clone(),
        same,
    );
    let nodes = compare(
        &nodes_of(before, None, ""),
        &nodes_of(after, None, ""),
        |l: &String| l.clone(),
        same,
    );
    let findings_of = |s: &Scan| -> BTreeMap<String, Finding> {
        s.findings
            .iter()
            .map(|f| (finding_key(f), f.clone()))
            .collect()
    };
    let findings = compare(
        &findings_of(before),
        &findings_of(after),
        |f: &Finding| {
            let r = crate::analyse::rule(&f.rule);
            let to = if f.country.is_empty() {
                String::new()
            } else {
                format!(" → {}", f.country)
            };
            let entry = labels.get(&f.entry).unwrap_or(&f.entry);
            let subject = labels.get(&f.subject).unwrap_or(&f.subject);
            if subject == entry {
                format!("{} {}{}: {}", f.rule, r.name, to, entry)
            } else {
                format!("{} {}{}: {} ({})", f.rule, r.name, to, entry, subject)
            }
        },
        |b: &Finding, a: &Finding| {
            let mut changes = Vec::new();
            if b.status != a.status {
                changes.push(format!(
                    "legal status: {} → {}",
                    b.status.describe(crate::Lang::En),
                    a.status.describe(crate::Lang::En)
                ));
            }
            if b.severity != a.severity {
                changes.push(format!("severity: {:?} → {:?}", b.severity, a.severity));
            }
            (!changes.is_empty()).then(|| changes.join("; "))
        },
    );
    Diff {
        format: "transfermap-diff".into(),
        version: 1,
        before: side(before),
        after: side(after),
        flows,
        providers,
        sites,
        subprocessors,
        findings,
        nodes,
        edges,
    }
}

fn kind_name(kind: EdgeKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// `--fail-on-new`: a rule code, or a severity meaning "this or worse".
pub fn new_findings_matching<'a>(diff: &'a Diff, after: &'a Scan, what: &str) -> Vec<&'a Finding> {
    let added: BTreeSet<&str> = diff
        .findings
        .iter()
        .filter(|i| i.change == Change::Added)
        .map(|i| i.key.as_str())
        .collect();
    let severity = match what.to_ascii_lowercase().as_str() {
        "high" => Some(Severity::High),
        "medium" => Some(Severity::Medium),
        "low" => Some(Severity::Low),
        "info" => Some(Severity::Info),
        _ => None,
    };
    after
        .findings
        .iter()
        .filter(|f| added.contains(finding_key(f).as_str()))
        .filter(|f| match severity {
            Some(s) => f.severity <= s,
            None => {
                f.rule.eq_ignore_ascii_case(what)
                    || crate::analyse::rule(&f.rule)
                        .name
                        .eq_ignore_ascii_case(what)
            }
        })
        .collect()
}
