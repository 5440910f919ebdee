//! TM101–TM108: a path from the personal data ends in a third country —
//! an address geolocated there, a declared site there — or at a company
//! under a third country's law, or a network holder registered there.

use chrono::NaiveDate;
use petgraph::Direction;
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use super::paths::PathTree;
use super::{Judged, legal, out_edges};
use crate::graph::{EdgeKind, NodeKind, TransferGraph};
use transfermap_maps::KnowledgeBase;
use transfermap_model::finding::{Basis, Finding, Hop, Note, RuleCode};
use transfermap_model::key::NodeKey;

/// What kind of last step reaches the third country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Terminal {
    /// An address or SPF network geolocated there (measured).
    Located,
    /// A declared site there.
    Site,
    /// A company incorporated there (its law applies).
    Incorporated,
    /// A network holder registered there.
    Registered,
}

/// Every terminal edge reached from one entry gives one finding, with the
/// cheapest path to it.
pub(crate) fn findings(
    graph: &TransferGraph,
    kb: &KnowledgeBase,
    tree: &PathTree,
    as_of: NaiveDate,
) -> Vec<Judged> {
    let g = &graph.graph;
    let mut out = Vec::new();
    for &n in tree.reached.values() {
        let mut edges: Vec<_> = g.edges_directed(n, Direction::Outgoing).collect();
        edges.sort_by(|a, b| {
            (a.weight().kind, &g[a.target()].key).cmp(&(b.weight().kind, &g[b.target()].key))
        });
        for e in edges {
            let Some((how, country)) = terminal(graph, kb, e.id(), as_of) else {
                continue;
            };
            let path = tree.path_to(graph, n, Some(e.id()));
            let rule = classify(&path, how);
            if let Some(j) = judge(graph, kb, rule, country, path, n, as_of) {
                out.push(j);
            }
        }
    }
    out
}

/// Is this edge the last step into a third country? Returns how, and the country.
fn terminal(
    graph: &TransferGraph,
    kb: &KnowledgeBase,
    e: EdgeIndex,
    as_of: NaiveDate,
) -> Option<(Terminal, String)> {
    let g = &graph.graph;
    let (from, to) = g.edge_endpoints(e)?;
    let NodeKey::Country(country) = &g[to].key else {
        return None;
    };
    if kb.in_eea(country, as_of) {
        return None;
    }
    let how = match (g[e].kind, g[from].kind) {
        (EdgeKind::LocatedIn, NodeKind::Address | NodeKind::AddressRange) => Terminal::Located,
        (EdgeKind::LocatedIn, NodeKind::Site) => Terminal::Site,
        (EdgeKind::IncorporatedIn, NodeKind::Provider) => Terminal::Incorporated,
        (EdgeKind::RegisteredIn, _) => Terminal::Registered,
        _ => return None,
    };
    Some((how, country.clone()))
}

/// The rule for a path: what enters it (the first hop) and how it ends.
fn classify(path: &[Hop], terminal: Terminal) -> RuleCode {
    let first = path.first();
    if let Some(h) = first.filter(|h| h.edge == EdgeKind::ReportsTo) {
        let detail = h.detail.as_deref().unwrap_or("");
        return if detail.starts_with("ruf") {
            RuleCode::Tm106
        } else {
            RuleCode::Tm107
        };
    }
    if path.iter().any(|h| h.edge == EdgeKind::SubProcesses) && terminal == Terminal::Incorporated {
        return RuleCode::Tm105;
    }
    // A company reached only through the network an address is announced
    // by hosts the server; it is not the provider of the service, and an
    // AS number alone gives it no place in the contract chain.
    if terminal == Terminal::Incorporated && path.iter().any(|h| h.edge == EdgeKind::AnnouncedBy) {
        return RuleCode::Tm111;
    }
    match terminal {
        Terminal::Located if first.is_some_and(|h| h.edge == EdgeKind::SendsVia) => RuleCode::Tm108,
        Terminal::Located => RuleCode::Tm101,
        Terminal::Site => RuleCode::Tm102,
        Terminal::Incorporated => RuleCode::Tm103,
        Terminal::Registered => RuleCode::Tm104,
    }
}

fn judge(
    graph: &TransferGraph,
    kb: &KnowledgeBase,
    rule: RuleCode,
    country: String,
    path: Vec<Hop>,
    subject: NodeIndex,
    as_of: NaiveDate,
) -> Option<Judged> {
    let g = &graph.graph;
    let regimes: Vec<String> = if g[subject].kind == NodeKind::Provider {
        out_edges(graph, subject, EdgeKind::SubjectTo)
            .filter_map(|e| match &g[e.target()].key {
                NodeKey::Regime(id) => Some(id.clone()),
                _ => None,
            })
            .collect()
    } else {
        Vec::new()
    };
    let recipients = legal::recipients(graph, &path, subject);
    let status = legal::status_for(kb, &country, as_of, &recipients);
    let note = match (rule, &g[subject].key) {
        (RuleCode::Tm105, NodeKey::Subprocessor(_)) => {
            let function = g
                .edges_directed(subject, Direction::Incoming)
                .find(|e| e.weight().kind == EdgeKind::SubProcesses)
                .and_then(|e| e.weight().detail.clone())
                .unwrap_or_default();
            Some(Note::Subprocessor {
                name: g[subject].label.clone(),
                function,
            })
        }
        _ => None,
    };
    let r = rule.rule();
    Some(Judged {
        finding: Finding {
            id: String::new(),
            rule,
            severity: r.severity,
            basis: basis_of(&path),
            country: Some(country),
            regimes,
            entry: path.first()?.to.clone(),
            subject: g[subject].key.clone(),
            path,
            status: Some(status),
            as_of,
            note,
        },
        recipients,
    })
}

/// The kind of knowledge the last step rests on.
fn basis_of(path: &[Hop]) -> Basis {
    let Some(last) = path.last() else {
        return Basis::Measured;
    };
    if matches!(last.from, NodeKey::ModelSite(_) | NodeKey::Operator(_)) {
        return Basis::Organisation;
    }
    let through_site = path
        .iter()
        .any(|h| matches!(h.to, NodeKey::Site(_) | NodeKey::ModelSite(_)));
    match last.edge {
        EdgeKind::LocatedIn if through_site || matches!(last.from, NodeKey::Site(_)) => {
            Basis::Declared
        }
        EdgeKind::LocatedIn => Basis::Measured,
        EdgeKind::IncorporatedIn if path.iter().any(|h| h.edge == EdgeKind::SubProcesses) => {
            Basis::Declared
        }
        _ => Basis::Legal,
    }
}
