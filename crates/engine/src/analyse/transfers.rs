//! TM101–TM108: a path from the personal data ends in a third country —
//! an address geolocated there, a declared site there — or at a company
//! under a third country's law, or a network holder registered there.

use foldhash::HashMap;

use chrono::NaiveDate;
use petgraph::Direction;
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use super::paths::PathTree;
use super::{Judged, legal, out_edges};
use crate::graph::{EdgeKind, NodeKind, TransferGraph};
use transfermap_maps::KnowledgeBase;
use transfermap_model::collection::Collection;
use transfermap_model::finding::{
    Artefact, Basis, DataCategory, Finding, Hop, Note, RuleCode, Severity, severity_for,
};
use transfermap_model::key::NodeKey;
use transfermap_model::legal::LegalStatus;

/// What kind of last step reaches the third country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Terminal {
    /// An address or SPF network geolocated there (measured).
    Located,
    /// A declared site there.
    Site,
    /// A company incorporated there (its law applies).
    Incorporated,
    /// A sub-processor processes there, as its provider's list declares.
    Processes,
    /// A network holder registered there.
    Registered,
}

/// Legal statuses already decided, by recipients and country (looked up
/// without a copy of either).
type Statuses = HashMap<Vec<NodeKey>, HashMap<String, LegalStatus>>;

/// Every terminal edge reached from one entry gives one finding, with the
/// cheapest path to it.
pub(crate) fn findings(
    graph: &TransferGraph,
    kb: &KnowledgeBase,
    collection: &Collection,
    tree: &PathTree,
    as_of: NaiveDate,
) -> Vec<Judged> {
    let g = &graph.graph;
    let mut out = Vec::new();
    // A status is the same for the same country and recipients: Microsoft's
    // networks alone reach some thirty countries each, through one record.
    let mut cx = Judging {
        graph,
        kb,
        as_of,
        statuses: Statuses::default(),
    };
    for &n in tree.reached.values() {
        let mut edges: Vec<_> = g.edges_directed(n, Direction::Outgoing).collect();
        edges.sort_by(|a, b| {
            (a.weight().kind, &g[a.target()].key).cmp(&(b.weight().kind, &g[b.target()].key))
        });
        // The path to `n` is the same for each of its terminal edges (a
        // network placed in thirty countries): walked once.
        let mut to_n: Option<Vec<Hop>> = None;
        for e in edges {
            let Some((how, country)) = terminal(graph, kb, e.id(), as_of) else {
                continue;
            };
            let mut path = to_n.get_or_insert_with(|| tree.path_to(graph, n)).clone();
            path.extend(super::paths::hop(graph, e.id()));
            let rule = classify(&path, how);
            let artefact = (how == Terminal::Located)
                .then(|| artefact(graph, kb, collection, n, &country, as_of))
                .flatten();
            if let Some(mut j) = judge(&mut cx, rule, country, path, n) {
                if let Some(why) = artefact {
                    // Reported, plainly, but it asks nothing by itself.
                    j.finding.severity = Severity::Info;
                    j.finding.note = Some(Note::PossibleArtefact { why });
                    j.artefact = true;
                }
                out.push(j);
            }
        }
    }
    out
}

/// Less than this share of an SPF network's addresses in a country, beside
/// a larger share elsewhere, looks like a database artefact.
const TINY_SHARE_PCT: f64 = 1.0;

/// Whether a geolocated country of `n` (an address or SPF network) may be
/// a database artefact: a tiny share of a network, or a lone address the
/// database places apart from its neighbours and its registry.
fn artefact(
    graph: &TransferGraph,
    kb: &KnowledgeBase,
    collection: &Collection,
    n: NodeIndex,
    country: &str,
    as_of: NaiveDate,
) -> Option<Artefact> {
    match &graph.graph[n].key {
        NodeKey::Range(net) => {
            let r = collection.ranges.get(net)?;
            let share = r.shares.iter().find(|s| s.country == country)?;
            let larger = r.shares.iter().any(|s| s.pct > share.pct);
            if share.pct < TINY_SHARE_PCT && larger {
                return Some(Artefact::TinyShare { pct: share.pct });
            }
            // A small network wholly inside one or two database networks
            // is, to the database, one place: judged like a lone address
            // by its first address and that address's neighbours.
            if r.shares.len() == 1 && r.networks_read <= 2 && !r.truncated {
                return lone_address(kb, collection, &net.network(), as_of);
            }
            None
        }
        NodeKey::Address(ip) => lone_address(kb, collection, ip, as_of),
        _ => None,
    }
}

/// A lone address the database places apart: its network's holder is
/// registered in the EU/EEA and the networks on either side of it are
/// placed there.
fn lone_address(
    kb: &KnowledgeBase,
    collection: &Collection,
    ip: &std::net::IpAddr,
    as_of: NaiveDate,
) -> Option<Artefact> {
    let facts = collection.geo.get(ip)?;
    let registered = facts.registry_country.as_ref()?.value.clone();
    let neighbours: Vec<String> = facts.neighbours.iter().map(|f| f.value.clone()).collect();
    let inside = |c: &str| kb.in_eea(c, as_of);
    (inside(&registered) && !neighbours.is_empty() && neighbours.iter().all(|c| inside(c)))
        .then_some(Artefact::LoneAddress {
            registered,
            neighbours,
        })
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
        (EdgeKind::ProcessesIn, NodeKind::Provider) => Terminal::Processes,
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
    if path.iter().any(|h| h.edge == EdgeKind::SubProcesses)
        && matches!(terminal, Terminal::Incorporated | Terminal::Processes)
    {
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
        // Only a sub-processor's edge ends so (above).
        Terminal::Processes => RuleCode::Tm105,
    }
}

/// What judging a path needs beside the path.
struct Judging<'a> {
    graph: &'a TransferGraph,
    kb: &'a KnowledgeBase,
    as_of: NaiveDate,
    statuses: Statuses,
}

fn judge(
    cx: &mut Judging<'_>,
    rule: RuleCode,
    country: String,
    path: Vec<Hop>,
    subject: NodeIndex,
) -> Option<Judged> {
    let (graph, kb, as_of, statuses) = (cx.graph, cx.kb, cx.as_of, &mut cx.statuses);
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
    let known = statuses
        .get(&recipients[..])
        .and_then(|by| by.get(country.as_str()));
    let status = match known {
        Some(s) => s.clone(),
        None => {
            let s = legal::status_for(kb, &country, as_of, &recipients);
            statuses
                .entry(recipients.clone())
                .or_default()
                .insert(country.clone(), s.clone());
            s
        }
    };
    let note = match (rule, &g[subject].key) {
        (RuleCode::Tm105, NodeKey::Subprocessor(_)) => {
            // The function of the step this path takes into the
            // sub-processor: one company can work for two providers, each
            // list naming its own function.
            let on_path = path
                .iter()
                .rev()
                .find(|h| h.edge == EdgeKind::SubProcesses && h.to == g[subject].key)
                .and_then(|h| h.detail.clone());
            let function = on_path
                .or_else(|| {
                    g.edges_directed(subject, Direction::Incoming)
                        .find(|e| e.weight().kind == EdgeKind::SubProcesses)
                        .and_then(|e| e.weight().detail.clone())
                })
                .unwrap_or_default();
            // The maps' entry for this company and function: its name
            // without the function, and the function in Swedish.
            let entry = kb.subprocessors.iter().find(|s| {
                s.function == function
                    && NodeKey::Subprocessor(crate::graph::slug(&s.name)) == g[subject].key
            });
            let name = entry.map_or_else(|| g[subject].label.clone(), |s| s.name.clone());
            let function_sv = entry.and_then(|s| s.function_sv.clone());
            Some(Note::Subprocessor {
                name,
                function,
                function_sv,
            })
        }
        _ => None,
    };
    let data = data_on(kb, &path);
    Some(Judged {
        artefact: false,
        finding: Finding {
            id: String::new(),
            rule,
            severity: severity_for(rule, &status, data),
            data: Some(data),
            basis: basis_of(&path),
            country: Some(country),
            regimes,
            entry: path.first()?.to.clone(),
            subject: g[subject].key.clone(),
            party: party_of(graph, rule, &path, subject),
            path,
            status: Some(status),
            as_of,
            note,
            also: Vec::new(),
        },
        recipients,
    })
}

/// Whom a finding is about (see [`Finding::party`]).
fn party_of(
    graph: &TransferGraph,
    rule: RuleCode,
    path: &[Hop],
    subject: NodeIndex,
) -> Option<NodeKey> {
    let g = &graph.graph;
    match rule {
        RuleCode::Tm103 | RuleCode::Tm111 | RuleCode::Tm104 => {
            return Some(g[subject].key.clone());
        }
        RuleCode::Tm105 => {
            if let Some(h) = path.iter().find(|h| h.edge == EdgeKind::SubProcesses) {
                return Some(h.from.clone());
            }
        }
        _ => {}
    }
    // The provider of the service nearest the end of the path: the one
    // whose servers, networks or sites these are.
    let provider_of = |n: NodeIndex| -> Option<NodeKey> {
        let direct = out_edges(graph, n, EdgeKind::OperatedBy)
            .map(|e| e.target())
            .find(|&t| g[t].kind == NodeKind::Provider);
        if direct.is_some() {
            return direct.map(|t| g[t].key.clone());
        }
        out_edges(graph, n, EdgeKind::PartOf).find_map(|e| {
            out_edges(graph, e.target(), EdgeKind::OperatedBy)
                .map(|o| o.target())
                .find(|&t| g[t].kind == NodeKind::Provider)
                .map(|t| g[t].key.clone())
        })
    };
    std::iter::once(subject)
        .chain(path.iter().rev().filter_map(|h| graph.find(&h.from)))
        .filter(|&n| g[n].kind != NodeKind::Network)
        .find_map(provider_of)
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
        EdgeKind::ProcessesIn => Basis::Declared,
        _ => Basis::Legal,
    }
}

/// The personal data a path carries ([`DataCategory::of_path`]), the
/// mailbox services as the maps name them.
fn data_on(kb: &KnowledgeBase, path: &[Hop]) -> DataCategory {
    DataCategory::of_path(
        path,
        |key| matches!(key, NodeKey::Service(id) if kb.services.get(id).is_some_and(|s| s.mailbox)),
    )
}
