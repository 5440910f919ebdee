//! Compare two scans (or a scan and a planned model): flows, providers,
//! sites, sub-processors and findings added, removed and changed, matched
//! by stable keys — never by position.

use std::collections::{BTreeMap, BTreeSet};

pub use transfermap_model::diff::{
    Change, DIFF_FORMAT, DIFF_FORMAT_VERSION, Diff, EdgeRef, FindingRef, Item, ItemChange, Side,
};
use transfermap_model::finding::{Finding, RuleCode, Severity};
use transfermap_model::graph::NodeKind;
use transfermap_model::key::NodeKey;
use transfermap_model::scan::Scan;

fn side(s: &Scan) -> Side {
    Side {
        domain: s.domain.clone(),
        as_of: s.as_of,
        scanned: s.started,
        findings: s.findings.len(),
    }
}

/// One category of both scans, keyed.
struct Entry {
    label: String,
    finding: Option<FindingRef>,
    edge: Option<EdgeRef>,
    compare: Option<(Option<crate::analyse::LegalStatus>, Severity)>,
}

fn compare(before: &BTreeMap<String, Entry>, after: &BTreeMap<String, Entry>) -> Vec<Item> {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let (change, shown, changed) = match (before.get(k), after.get(k)) {
                (Some(b), Some(a)) => {
                    let changed = match (&b.compare, &a.compare) {
                        (Some((bs, bv)), Some((as_, av))) => {
                            let c = ItemChange {
                                status: match (bs, as_) {
                                    (Some(x), Some(y)) if x != y => Some((x.clone(), y.clone())),
                                    _ => None,
                                },
                                severity: (bv != av).then_some((*bv, *av)),
                            };
                            (c.status.is_some() || c.severity.is_some()).then_some(c)
                        }
                        _ => None,
                    };
                    let change = if changed.is_some() {
                        Change::Changed
                    } else {
                        Change::Unchanged
                    };
                    (change, a, changed)
                }
                (None, Some(a)) => (Change::Added, a, None),
                (Some(b), None) => (Change::Removed, b, None),
                (None, None) => return None,
            };
            Some(Item {
                change,
                key: k.clone(),
                label: shown.label.clone(),
                finding: shown.finding.clone(),
                edge: shown.edge.clone(),
                changed,
            })
        })
        .collect()
}

fn nodes_of(s: &Scan, keep: impl Fn(&NodeKey, NodeKind) -> bool) -> BTreeMap<String, Entry> {
    s.graph
        .nodes
        .iter()
        .filter(|n| keep(&n.key, n.kind))
        .map(|n| {
            (
                n.key.to_string(),
                Entry {
                    label: n.label.clone(),
                    finding: None,
                    edge: None,
                    compare: None,
                },
            )
        })
        .collect()
}

pub fn diff(before: &Scan, after: &Scan) -> Diff {
    let labels: BTreeMap<&NodeKey, &str> = before
        .graph
        .nodes
        .iter()
        .chain(after.graph.nodes.iter())
        .map(|n| (&n.key, n.label.as_str()))
        .collect();
    let label = |k: &NodeKey| {
        labels
            .get(k)
            .map_or_else(|| k.to_string(), |l| l.to_string())
    };
    let edges_of = |s: &Scan, data_only: bool| -> BTreeMap<String, Entry> {
        s.graph
            .edges
            .iter()
            .filter(|e| !data_only || e.edge.kind.carries_data())
            .map(|e| {
                let key = format!("{}|{}|{}", e.from, e.edge.kind.name(), e.to);
                let entry = Entry {
                    label: format!("{} → {}", label(&e.from), label(&e.to)),
                    finding: None,
                    edge: Some(EdgeRef {
                        from: e.from.clone(),
                        kind: e.edge.kind,
                        to: e.to.clone(),
                    }),
                    compare: None,
                };
                (key, entry)
            })
            .collect()
    };
    let findings_of = |s: &Scan| -> BTreeMap<String, Entry> {
        s.findings
            .iter()
            .map(|f: &Finding| {
                let entry = Entry {
                    label: label(&f.subject),
                    finding: Some(FindingRef {
                        rule: f.rule,
                        country: f.country.clone(),
                        entry: label(&f.entry),
                        subject: label(&f.subject),
                        party: match f.parties().as_slice() {
                            [] => None,
                            many => {
                                Some(many.iter().map(|p| label(p)).collect::<Vec<_>>().join(", "))
                            }
                        },
                        countries: match f.countries().as_slice() {
                            [] | [_] => Vec::new(),
                            many => many.iter().map(|c| c.to_string()).collect(),
                        },
                    }),
                    edge: None,
                    compare: Some((f.status.clone(), f.severity)),
                };
                (f.key(), entry)
            })
            .collect()
    };
    let is_provider = |k: &NodeKey, _: NodeKind| matches!(k, NodeKey::Provider(_));
    let is_site = |_: &NodeKey, kind: NodeKind| kind == NodeKind::Site;
    let is_sub = |k: &NodeKey, _: NodeKind| matches!(k, NodeKey::Subprocessor(_));
    Diff {
        format: DIFF_FORMAT.into(),
        version: DIFF_FORMAT_VERSION,
        before: side(before),
        after: side(after),
        flows: compare(&edges_of(before, true), &edges_of(after, true)),
        providers: compare(
            &nodes_of(before, is_provider),
            &nodes_of(after, is_provider),
        ),
        sites: compare(&nodes_of(before, is_site), &nodes_of(after, is_site)),
        subprocessors: compare(&nodes_of(before, is_sub), &nodes_of(after, is_sub)),
        findings: compare(&findings_of(before), &findings_of(after)),
        nodes: compare(
            &nodes_of(before, |_, _| true),
            &nodes_of(after, |_, _| true),
        ),
        edges: compare(&edges_of(before, false), &edges_of(after, false)),
    }
}

/// What `--fail-on-new` matches: a rule, or a severity meaning "this or worse".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewFindingGate {
    Rule(RuleCode),
    AtLeast(Severity),
}

impl NewFindingGate {
    /// A rule code or name, or a severity.
    pub fn parse(text: &str) -> Option<Self> {
        Severity::parse(text)
            .map(NewFindingGate::AtLeast)
            .or_else(|| RuleCode::parse(text).map(NewFindingGate::Rule))
    }
}

/// The findings of `after` the diff calls added that match the gate.
pub fn new_findings_matching<'a>(
    diff: &'a Diff,
    after: &'a Scan,
    gate: NewFindingGate,
) -> Vec<&'a Finding> {
    let added: BTreeSet<&str> = diff
        .findings
        .iter()
        .filter(|i| i.change == Change::Added)
        .map(|i| i.key.as_str())
        .collect();
    after
        .findings
        .iter()
        .filter(|f| added.contains(f.key().as_str()))
        .filter(|f| match gate {
            NewFindingGate::AtLeast(s) => f.severity <= s,
            NewFindingGate::Rule(r) => f.rule == r,
        })
        .collect()
}
