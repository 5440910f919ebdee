//! Stage 3: from the organisation's personal data, follow the graph and
//! report every path that reaches a third country or a third country's law.
//!
//! Analysis is a pure function of the graph, the maps and the as-of date:
//! it asks nothing of the network and draws nothing.

mod flows;
pub mod legal;
mod rules;

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};

use chrono::NaiveDate;
use petgraph::Direction;
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::{Deserialize, Serialize};

use crate::collect::DomainProblem;
use crate::evidence::EvidenceId;
use crate::graph::{EdgeKind, NodeKind, TransferGraph};
use crate::maps::KnowledgeBase;
pub use flows::{Flow, flows};
pub use legal::LegalStatus;
pub use rules::{Basis, RULES, Rule, Severity, rule};

/// One step of a path: an edge with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    pub from: String,
    pub to: String,
    pub edge: EdgeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub evidence: Vec<EvidenceId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub id: String,
    pub rule: String,
    pub severity: Severity,
    pub basis: Basis,
    /// ISO code of the third country reached.
    pub country: String,
    /// Legal regimes (CLOUD Act, FISA 702) the reached party is subject to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regimes: Vec<String>,
    /// The node where the data enters the path (the MX host, SPF record, …).
    pub entry: String,
    /// The node that is in, or under the law of, the third country.
    pub subject: String,
    pub path: Vec<Hop>,
    pub status: LegalStatus,
    pub as_of: NaiveDate,
    /// What the finding is about, in one line (e.g. the two countries that disagree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Traverse the graph and return the findings, most severe first.
pub fn analyse(
    graph: &TransferGraph,
    kb: &KnowledgeBase,
    problems: &[DomainProblem],
    as_of: NaiveDate,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let origins: Vec<NodeIndex> = graph
        .graph
        .node_indices()
        .filter(|&n| graph.graph[n].kind == NodeKind::PersonalData)
        .collect();
    let mut seen = BTreeSet::new();
    for origin in origins {
        let entries: Vec<EdgeIndex> = graph
            .graph
            .edges_directed(origin, Direction::Outgoing)
            .filter(|e| e.weight().kind.carries_data())
            .map(|e| e.id())
            .collect();
        for entry in entries {
            for mut f in from_entry(graph, kb, entry, as_of) {
                f.as_of = as_of;
                // Notes about one host or address are made once, whichever flow reaches it.
                let entry = if f.country.is_empty() {
                    String::new()
                } else {
                    f.entry.clone()
                };
                let key = (f.rule.clone(), entry, f.subject.clone(), f.country.clone());
                if seen.insert(key) {
                    findings.push(f);
                }
            }
        }
    }
    findings.extend(domain_findings(graph, problems, as_of));
    findings.sort_by(|a, b| {
        (a.severity, &a.rule, &a.entry, &a.subject)
            .cmp(&(b.severity, &b.rule, &b.entry, &b.subject))
    });
    for (i, f) in findings.iter_mut().enumerate() {
        f.id = format!("F{}", i + 1);
    }
    findings
}

/// Cost of following an edge when choosing the path to show. Attributions
/// through a network's holder are weaker than a service fingerprint and the
/// contract chain, so paths prefer the latter when both exist.
fn cost(kind: EdgeKind) -> u32 {
    match kind {
        EdgeKind::AnnouncedBy | EdgeKind::RegisteredIn => 3,
        _ => 1,
    }
}

/// Cheapest-path search from one data-carrying edge; each terminal edge
/// reached gives one finding, with the cheapest path to it.
fn from_entry(
    graph: &TransferGraph,
    kb: &KnowledgeBase,
    entry: EdgeIndex,
    as_of: NaiveDate,
) -> Vec<Finding> {
    let g = &graph.graph;
    let Some((_, start)) = g.edge_endpoints(entry) else {
        return Vec::new();
    };
    let mut via: HashMap<NodeIndex, EdgeIndex> = HashMap::from([(start, entry)]);
    let mut dist: HashMap<NodeIndex, u32> = HashMap::from([(start, 0)]);
    let mut queue = BinaryHeap::from([Reverse((0u32, start.index()))]);
    let mut done = BTreeSet::new();
    let mut terminals: Vec<(NodeIndex, EdgeIndex)> = Vec::new();
    while let Some(Reverse((d, n))) = queue.pop() {
        let n = NodeIndex::new(n);
        if !done.insert(n) {
            continue;
        }
        for e in g.edges_directed(n, Direction::Outgoing) {
            if terminal(graph, kb, e.id(), as_of).is_some() {
                terminals.push((n, e.id()));
            }
            let next = e.target();
            if g[next].kind == NodeKind::Country {
                continue;
            }
            let nd = d + cost(e.weight().kind);
            if dist.get(&next).is_none_or(|&old| nd < old) {
                dist.insert(next, nd);
                via.insert(next, e.id());
                queue.push(Reverse((nd, next.index())));
            }
        }
    }
    let mut out: Vec<Finding> = terminals
        .into_iter()
        .filter_map(|(n, e)| {
            let (terminal_kind, country) = terminal(graph, kb, e, as_of)?;
            let path = path_to(graph, &via, n, Some(e));
            let rule = classify(&path, terminal_kind);
            Some(finding(graph, kb, rule, country, path, n, as_of))
        })
        .collect();
    out.extend(unknowns(graph, &via, &done));
    out.extend(disagreements(graph, &via, &done));
    out
}

/// What kind of last step reaches the third country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Terminal {
    /// An address geolocated there (measured).
    Located,
    /// A declared site there.
    Site,
    /// A company incorporated there (its law applies).
    Incorporated,
    /// A network holder registered there.
    Registered,
}

/// The rule for a path: what enters it (the first hop) and how it ends.
fn classify(path: &[Hop], terminal: Terminal) -> &'static str {
    let first = path.first();
    let report = first.filter(|h| h.edge == EdgeKind::ReportsTo);
    if let Some(h) = report {
        let detail = h.detail.as_deref().unwrap_or("");
        return if detail.starts_with("ruf") {
            "TM106"
        } else {
            "TM107"
        };
    }
    if path.iter().any(|h| h.edge == EdgeKind::SubProcesses) && terminal == Terminal::Incorporated {
        return "TM105";
    }
    match terminal {
        Terminal::Located if first.is_some_and(|h| h.edge == EdgeKind::SendsVia) => "TM108",
        Terminal::Located => "TM101",
        Terminal::Site => "TM102",
        Terminal::Incorporated => "TM103",
        Terminal::Registered => "TM104",
    }
}

/// TM110: hosts and tokens on a flow that nothing attributes to a known
/// service, provider or network operator. Unknown is not EU-only.
fn unknowns(
    graph: &TransferGraph,
    via: &HashMap<NodeIndex, EdgeIndex>,
    reached: &BTreeSet<NodeIndex>,
) -> Vec<Finding> {
    let g = &graph.graph;
    let mut out = Vec::new();
    for &n in reached {
        let node = &g[n];
        let is_token = node.kind == NodeKind::Domain && node.key.starts_with("token:");
        if node.kind != NodeKind::Host && !is_token {
            continue;
        }
        let out_kinds: Vec<EdgeKind> = g
            .edges_directed(n, Direction::Outgoing)
            .map(|e| e.weight().kind)
            .collect();
        if out_kinds.iter().any(|k| {
            matches!(
                k,
                EdgeKind::PartOf | EdgeKind::OperatedBy | EdgeKind::AliasOf
            )
        }) {
            continue;
        }
        // A host whose addresses sit in a network the maps attribute is known.
        let operated = g.edges_directed(n, Direction::Outgoing).any(|e| {
            e.weight().kind == EdgeKind::ResolvesTo
                && g.edges_directed(e.target(), Direction::Outgoing).any(|a| {
                    a.weight().kind == EdgeKind::AnnouncedBy
                        && g.edges_directed(a.target(), Direction::Outgoing)
                            .any(|o| o.weight().kind == EdgeKind::OperatedBy)
                })
        });
        if operated {
            continue;
        }
        let holders: Vec<String> = g
            .edges_directed(n, Direction::Outgoing)
            .filter(|e| e.weight().kind == EdgeKind::ResolvesTo)
            .flat_map(|e| g.edges_directed(e.target(), Direction::Outgoing))
            .filter(|a| a.weight().kind == EdgeKind::AnnouncedBy)
            .map(|a| g[a.target()].label.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let path = path_to(graph, via, n, None);
        let note = if is_token {
            format!(
                "verification token `{}` of a service the maps do not know",
                node.label.trim_start_matches("verification token ")
            )
        } else if holders.is_empty() {
            format!(
                "{} is not attributed to any known service or operator",
                node.label
            )
        } else {
            format!(
                "{} is in {} — not in the maps; add it to the maps or the organisation model",
                node.label,
                holders.join(", ")
            )
        };
        out.push(simple_finding("TM110", path, n, graph, note));
    }
    out
}

/// TM109: an address whose registry country (the holder's jurisdiction)
/// differs from its geolocated country — said plainly so that neither is
/// mistaken for the other.
fn disagreements(
    graph: &TransferGraph,
    via: &HashMap<NodeIndex, EdgeIndex>,
    reached: &BTreeSet<NodeIndex>,
) -> Vec<Finding> {
    let g = &graph.graph;
    let mut out = Vec::new();
    for &n in reached {
        if g[n].kind != NodeKind::Address {
            continue;
        }
        let located: Option<String> = g
            .edges_directed(n, Direction::Outgoing)
            .find(|e| e.weight().kind == EdgeKind::LocatedIn)
            .and_then(|e| g[e.target()].country.clone());
        let registered: Option<String> = g
            .edges_directed(n, Direction::Outgoing)
            .filter(|e| e.weight().kind == EdgeKind::AnnouncedBy)
            .flat_map(|e| g.edges_directed(e.target(), Direction::Outgoing))
            .find(|e| e.weight().kind == EdgeKind::RegisteredIn)
            .and_then(|e| g[e.target()].country.clone());
        if let (Some(l), Some(r)) = (located, registered)
            && l != r
        {
            let path = path_to(graph, via, n, None);
            let note = format!(
                "{}: geolocated {l}, network holder registered {r}",
                g[n].label
            );
            out.push(simple_finding("TM109", path, n, graph, note));
        }
    }
    out
}

/// A finding that is not a transfer (no country, no legal status).
fn simple_finding(
    code: &'static str,
    path: Vec<Hop>,
    subject: NodeIndex,
    graph: &TransferGraph,
    note: String,
) -> Finding {
    let r = rule(code);
    Finding {
        id: String::new(),
        rule: code.to_string(),
        severity: r.severity,
        basis: r.basis,
        country: String::new(),
        regimes: Vec::new(),
        entry: path.first().map(|h| h.to.clone()).unwrap_or_default(),
        subject: graph.graph[subject].key.clone(),
        path,
        status: LegalStatus::EuEea,
        as_of: NaiveDate::default(),
        note: Some(note),
    }
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
    let country = g[to]
        .country
        .clone()
        .filter(|_| g[to].kind == NodeKind::Country)?;
    if kb.in_eea(&country, as_of) {
        return None;
    }
    let how = match (g[e].kind, g[from].kind) {
        (EdgeKind::LocatedIn, NodeKind::Address | NodeKind::AddressRange) => Terminal::Located,
        (EdgeKind::LocatedIn, NodeKind::Site) => Terminal::Site,
        (EdgeKind::IncorporatedIn, NodeKind::Provider) => Terminal::Incorporated,
        (EdgeKind::RegisteredIn, _) => Terminal::Registered,
        _ => return None,
    };
    Some((how, country))
}

/// The hops from the personal data to `end`, plus the final edge.
fn path_to(
    graph: &TransferGraph,
    via: &HashMap<NodeIndex, EdgeIndex>,
    end: NodeIndex,
    last: Option<EdgeIndex>,
) -> Vec<Hop> {
    let g = &graph.graph;
    let mut edges: Vec<EdgeIndex> = last.into_iter().collect();
    let mut n = end;
    // `via` is a shortest-path tree, so this walk ends; the bound is belt and braces.
    for _ in 0..=g.node_count() {
        let Some(&e) = via.get(&n) else { break };
        edges.push(e);
        let Some((from, _)) = g.edge_endpoints(e) else {
            break;
        };
        if g[from].kind == NodeKind::PersonalData {
            break;
        }
        n = from;
    }
    edges.reverse();
    edges
        .into_iter()
        .filter_map(|e| {
            let (a, b) = g.edge_endpoints(e)?;
            Some(Hop {
                from: g[a].key.clone(),
                to: g[b].key.clone(),
                edge: g[e].kind,
                detail: g[e].detail.clone(),
                evidence: g[e].evidence.clone(),
            })
        })
        .collect()
}

fn finding(
    graph: &TransferGraph,
    kb: &KnowledgeBase,
    rule_code: &'static str,
    country: String,
    path: Vec<Hop>,
    subject: NodeIndex,
    as_of: NaiveDate,
) -> Finding {
    let g = &graph.graph;
    let r = rule(rule_code);
    let regimes: Vec<String> = if g[subject].kind == NodeKind::Provider {
        g.edges_directed(subject, Direction::Outgoing)
            .filter(|e| e.weight().kind == EdgeKind::SubjectTo)
            .map(|e| g[e.target()].key.trim_start_matches("regime:").to_string())
            .collect()
    } else {
        Vec::new()
    };
    let certified = certifications(graph, kb, &path, subject, as_of);
    let status = legal::status_on(kb, &country, as_of, certified.as_deref());
    let note = match r.basis {
        Basis::Declared if rule_code == "TM105" => {
            Some(format!("sub-processor {}", g[subject].label))
        }
        _ => None,
    };
    Finding {
        id: String::new(),
        rule: rule_code.to_string(),
        severity: r.severity,
        basis: basis_of(&path),
        country,
        regimes,
        entry: path.first().map(|h| h.to.clone()).unwrap_or_default(),
        subject: g[subject].key.clone(),
        path,
        status,
        as_of,
        note,
    }
}

/// The kind of knowledge the last step rests on.
fn basis_of(path: &[Hop]) -> Basis {
    let Some(last) = path.last() else {
        return Basis::Measured;
    };
    let through_site = path.iter().any(|h| h.to.starts_with("site:"));
    let modelled = last.from.starts_with("site:model:") || last.from.starts_with("operator:");
    if modelled {
        return Basis::Organisation;
    }
    match last.edge {
        EdgeKind::LocatedIn if through_site || last.from.starts_with("site:") => Basis::Declared,
        EdgeKind::LocatedIn => Basis::Measured,
        EdgeKind::IncorporatedIn if path.iter().any(|h| h.edge == EdgeKind::SubProcesses) => {
            Basis::Declared
        }
        _ => Basis::Legal,
    }
}

/// Frameworks the recipients on the path (or their parents) are certified
/// under on `date`. Recipients: providers on the path, the operators of
/// services on it, and the operator of the subject's network.
///
/// `None` when the maps record no certification at all for any of them:
/// then nothing is known either way, and saying "not certified" would be a
/// claim without evidence. `Some(list)` when at least one is recorded; an
/// empty list then means the recorded certifications do not cover `date`.
fn certifications(
    graph: &TransferGraph,
    kb: &KnowledgeBase,
    path: &[Hop],
    subject: NodeIndex,
    date: NaiveDate,
) -> Option<Vec<String>> {
    let g = &graph.graph;
    let mut nodes: Vec<NodeIndex> = path.iter().filter_map(|h| graph.find(&h.to)).collect();
    nodes.push(subject);
    let mut providers = BTreeSet::new();
    let mut frontier = nodes;
    for _ in 0..3 {
        let mut next = Vec::new();
        for n in frontier {
            if g[n].kind == NodeKind::Provider {
                providers.insert(g[n].key.trim_start_matches("provider:").to_string());
            }
            for e in g.edges_directed(n, Direction::Outgoing) {
                if matches!(
                    e.weight().kind,
                    EdgeKind::OperatedBy | EdgeKind::AnnouncedBy | EdgeKind::PartOf
                ) {
                    next.push(e.target());
                }
            }
        }
        frontier = next;
    }
    let known: Vec<bool> = providers
        .iter()
        .filter_map(|id| kb.dpf_certified_on(id, date))
        .collect();
    if known.is_empty() {
        return None;
    }
    let certified = known.contains(&true);
    Some(if certified {
        vec!["EU-US Data Privacy Framework".to_string()]
    } else {
        Vec::new()
    })
}

fn domain_findings(
    graph: &TransferGraph,
    problems: &[DomainProblem],
    as_of: NaiveDate,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in problems.iter().filter(|p| p.code == "spf-lookup-limit") {
        let data = graph
            .graph
            .node_weights()
            .find(|n| n.kind == NodeKind::PersonalData)
            .map(|n| n.key.clone())
            .unwrap_or_default();
        let spf = graph
            .graph
            .node_weights()
            .find(|n| n.key.starts_with("spf:"))
            .map(|n| n.key.clone())
            .unwrap_or_default();
        out.push(Finding {
            id: String::new(),
            rule: "TM201".into(),
            severity: rule("TM201").severity,
            basis: Basis::Measured,
            country: String::new(),
            regimes: Vec::new(),
            entry: spf.clone(),
            subject: spf.clone(),
            path: vec![Hop {
                from: data,
                to: spf,
                edge: EdgeKind::SendsVia,
                detail: Some(p.message.clone()),
                evidence: p.evidence.clone(),
            }],
            status: LegalStatus::EuEea,
            as_of,
            note: Some(p.message.clone()),
        });
    }
    out
}
