//! Stage 3: from the organisation's personal data, follow the graph and
//! report every path that reaches a third country or a third country's law,
//! and what on the way is not known.
//!
//! Analysis is a pure function of the graph, the maps and the as-of date:
//! it asks nothing of the network and draws nothing. Every legal and party
//! fact a report shows is decided here and written into the scan.
//!
//! One module per rule family: [`transfers`] (TM101–TM108: a path ends in a
//! third country or under its law), [`unknowns`] (TM110), [`disagreements`]
//! (TM109), [`domain`] (TM201). [`legal`] decides statuses, [`parties`] the
//! companies reached, [`flows`] the description of every flow, [`gaps`]
//! what was not observed.

pub mod disagreements;
pub mod domain;
mod flows;
pub mod gaps;
pub mod legal;
pub mod parties;
pub mod paths;
pub mod transfers;
pub mod unknowns;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use petgraph::Direction;
use petgraph::visit::EdgeRef;

use crate::graph::{NodeKind, TransferGraph};
pub use flows::flows;
use transfermap_maps::KnowledgeBase;
use transfermap_model::collection::Collection;
pub use transfermap_model::finding::{Basis, Finding, Hop, Note, RuleCode, Severity};
use transfermap_model::key::NodeKey;
pub use transfermap_model::legal::LegalStatus;
use transfermap_model::scan::{CountryFacts, Destination, Party};

/// What the analysis decides about one scan.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Most severe first, numbered `F1`, `F2`, ….
    pub findings: Vec<Finding>,
    pub destinations: Vec<Destination>,
    pub countries: BTreeMap<String, CountryFacts>,
    pub parties: Vec<Party>,
    /// Every way mail leaves the mailboxes, and what it reaches.
    pub flows: Vec<transfermap_model::flow::Flow>,
}

/// A finding with the recipients its legal status was decided for.
pub(crate) struct Judged {
    pub finding: Finding,
    pub recipients: Vec<NodeKey>,
    /// Possibly a database artefact: shown, but no destination of its own.
    pub artefact: bool,
}

impl Judged {
    /// A finding that is not a transfer: no recipients to judge.
    fn note(finding: Finding) -> Self {
        Judged {
            finding,
            recipients: Vec::new(),
            artefact: false,
        }
    }
}

/// Traverse the graph and decide everything the reports show.
pub fn analyse(
    graph: &TransferGraph,
    kb: &KnowledgeBase,
    collection: &Collection,
    as_of: NaiveDate,
) -> Analysis {
    let attribution = unknowns::Attribution::of(graph, kb);
    let mut judged: Vec<Judged> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut add = |j: Judged, judged: &mut Vec<Judged>| {
        if seen.insert(dedup_key(&j.finding)) {
            judged.push(j);
        }
    };
    let g = &graph.graph;
    let origins: Vec<_> = g
        .node_indices()
        .filter(|&n| g[n].kind == NodeKind::PersonalData)
        .collect();
    for origin in origins {
        // Entries in key order: which entry a note about a shared host is
        // shown under must not depend on the order the graph was built in.
        let mut entries: Vec<_> = g
            .edges_directed(origin, Direction::Outgoing)
            .filter(|e| e.weight().kind.carries_data())
            .map(|e| (g[e.target()].key.clone(), e.weight().detail.clone(), e.id()))
            .collect();
        entries.sort();
        for (_, _, entry) in entries {
            let tree = paths::cheapest_from(graph, entry);
            for j in transfers::findings(graph, kb, collection, &tree, as_of) {
                add(j, &mut judged);
            }
            for f in unknowns::findings(graph, &attribution, &tree, as_of) {
                add(Judged::note(f), &mut judged);
            }
            for f in disagreements::findings(graph, &tree, as_of) {
                add(Judged::note(f), &mut judged);
            }
        }
    }
    for f in domain::findings(graph, collection, as_of) {
        add(Judged::note(f), &mut judged);
    }
    let judged = fold_registrations(graph, judged);
    let groups = merge(judged);
    let mut numbered: Vec<(String, Vec<Judged>)> = Vec::new();
    for (i, group) in groups.into_iter().enumerate() {
        numbered.push((format!("F{}", i + 1), group));
    }
    let destinations = legal::destinations(&numbered);
    let findings: Vec<Finding> = numbered
        .into_iter()
        .map(|(id, group)| joined(id, group))
        .collect();
    Analysis {
        flows: flows(graph, &attribution, kb),
        countries: legal::countries(graph, &findings, kb, as_of),
        parties: parties::parties(graph, kb, as_of),
        destinations,
        findings,
    }
}

/// A network registered in a third country (TM104) says nothing new when
/// its holder is already a finding's party as a provider under that law
/// (TM103) or as the host of a server (TM111): the registration is on that
/// finding's path. Those TM104 findings are dropped; the others stay.
fn fold_registrations(graph: &TransferGraph, judged: Vec<Judged>) -> Vec<Judged> {
    let named: BTreeSet<NodeKey> = judged
        .iter()
        .filter(|j| !j.artefact && matches!(j.finding.rule, RuleCode::Tm103 | RuleCode::Tm111))
        .filter_map(|j| j.finding.party.clone())
        .collect();
    let g = &graph.graph;
    let holder = |key: &NodeKey| -> Vec<NodeKey> {
        let Some(n) = graph.find(key) else {
            return Vec::new();
        };
        g.edges_directed(n, Direction::Outgoing)
            .filter(|e| e.weight().kind == crate::graph::EdgeKind::OperatedBy)
            .map(|e| g[e.target()].key.clone())
            .collect()
    };
    judged
        .into_iter()
        .filter(|j| {
            j.finding.rule != RuleCode::Tm104
                || !holder(&j.finding.subject).iter().any(|p| named.contains(p))
        })
        .collect()
}

/// Findings about one thing are made once, whichever flow reaches it. A
/// transfer is one per entry (each MX host, the SPF policy, each report
/// receiver gets its own path); a note about a host, token, network or
/// address (TM109, TM110) is one per subject.
fn dedup_key(f: &Finding) -> (RuleCode, Option<NodeKey>, NodeKey, Option<String>) {
    let entry = f.country.is_some().then(|| f.entry.clone());
    (f.rule, entry, f.subject.clone(), f.country.clone())
}

/// One finding per thing to decide ([`Finding::key`]). Returns the groups
/// in report order (most severe first), each with its most demanding
/// occurrence first: not a possible artefact, then the highest legal
/// demand, then by country, entry and subject.
fn merge(judged: Vec<Judged>) -> Vec<Vec<Judged>> {
    let mut groups: BTreeMap<String, Vec<Judged>> = BTreeMap::new();
    for j in judged {
        groups.entry(j.finding.key()).or_default().push(j);
    }
    let mut out = join_shared_entries(groups.into_values().collect());
    for g in &mut out {
        // A finding is as severe as its most severe occurrence that is no
        // possible artefact, and carries the most sensitive data of them.
        let real = || g.iter().filter(|j| !j.artefact);
        let severity = real().map(|j| j.finding.severity).min();
        let data = real().filter_map(|j| j.finding.data).min();
        for j in g.iter_mut().filter(|j| !j.artefact) {
            if let Some(s) = severity {
                j.finding.severity = s;
            }
            if data.is_some() {
                j.finding.data = data;
            }
        }
        // Among equals, the inbound mail's path leads (then clients', then
        // the rest): the one a reader follows first, mail into the mailboxes.
        let flow_rank = |j: &Judged| match j.finding.path.first().map(|h| h.edge) {
            Some(crate::graph::EdgeKind::DeliversTo) => 0u8,
            Some(crate::graph::EdgeKind::ClientAccess) => 1,
            _ => 2,
        };
        g.sort_by(|a, b| {
            let demand = |j: &Judged| u8::MAX - j.finding.status.as_ref().map_or(0, |s| s.demand());
            let (fa, fb) = (&a.finding, &b.finding);
            (
                a.artefact,
                demand(a),
                flow_rank(a),
                &fa.country,
                &fa.entry,
                &fa.subject,
            )
                .cmp(&(
                    b.artefact,
                    demand(b),
                    flow_rank(b),
                    &fb.country,
                    &fb.entry,
                    &fb.subject,
                ))
        });
    }
    out.sort_by(|a, b| {
        let (a, b) = (&a[0].finding, &b[0].finding);
        (
            a.severity, a.rule, &a.party, &a.entry, &a.subject, &a.country,
        )
            .cmp(&(
                b.severity, b.rule, &b.party, &b.entry, &b.subject, &b.country,
            ))
    });
    out
}

/// Several parties' findings of one rule can reach the same country
/// through the same entry point: three US senders authorised by one SPF
/// record, two companies' networks in one country. Those are one thing to
/// decide when their legal status asks the same of the organisation, so
/// they become one finding naming every party; a party whose status asks
/// more (or less) keeps its own finding.
fn join_shared_entries(groups: Vec<Vec<Judged>>) -> Vec<Vec<Judged>> {
    // What a group must share with another to join it: its rule, the kind
    // of knowledge and the legal demand of its most demanding occurrence.
    let class = |g: &[Judged]| -> Option<Class> {
        let f = &g.first()?.finding;
        if f.country.is_none() || f.rule == RuleCode::Tm104 {
            // Notes are merged by what they are about; TM104 is one
            // finding per country already.
            return None;
        }
        let real: Vec<&Judged> = g.iter().filter(|j| !j.artefact).collect();
        let of = if real.is_empty() {
            g.iter().collect()
        } else {
            real
        };
        let demand = of
            .iter()
            .filter_map(|j| j.finding.status.as_ref().map(|s| s.demand()))
            .max()?;
        Some((f.rule, f.basis, demand))
    };
    type Class = (RuleCode, Basis, u8);
    let classes: Vec<Option<Class>> = groups.iter().map(|g| class(g)).collect();
    // Union by shared (country, entry), one class at a time.
    let mut root: Vec<usize> = (0..groups.len()).collect();
    fn find(root: &mut [usize], mut i: usize) -> usize {
        while root[i] != i {
            root[i] = root[root[i]];
            i = root[i];
        }
        i
    }
    let mut seen: BTreeMap<(Class, &str, &NodeKey), usize> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        let Some(c) = classes[i] else { continue };
        for j in g {
            let Some(country) = j.finding.country.as_deref() else {
                continue;
            };
            match seen.get(&(c, country, &j.finding.entry)) {
                Some(&other) => {
                    let (a, b) = (find(&mut root, i), find(&mut root, other));
                    root[a.max(b)] = a.min(b);
                }
                None => {
                    seen.insert((c, country, &j.finding.entry), i);
                }
            }
        }
    }
    let roots: Vec<usize> = (0..groups.len()).map(|i| find(&mut root, i)).collect();
    let mut joined: Vec<Vec<Judged>> = (0..groups.len()).map(|_| Vec::new()).collect();
    for (g, r) in groups.into_iter().zip(roots) {
        joined[r].extend(g);
    }
    joined.retain(|g| !g.is_empty());
    joined
}

/// The finding of a group: its first occurrence's, with the others as
/// `also` and their regimes joined.
fn joined(id: String, group: Vec<Judged>) -> Finding {
    let mut members = group.into_iter().map(|j| j.finding);
    let mut first = members.next().expect("groups are never empty");
    first.id = id;
    for f in members {
        for r in f.regimes {
            if !first.regimes.contains(&r) {
                first.regimes.push(r);
            }
        }
        first.also.push(transfermap_model::finding::Occurrence {
            entry: f.entry,
            subject: f.subject,
            country: f.country,
            status: f.status,
            path: f.path,
            note: f.note,
            party: f.party,
        });
    }
    first
}

/// A finding that is not a transfer (no country, no legal status).
pub(crate) fn note_finding(
    rule: RuleCode,
    path: Vec<Hop>,
    subject: NodeKey,
    note: Note,
    as_of: NaiveDate,
) -> Option<Finding> {
    let r = rule.rule();
    Some(Finding {
        id: String::new(),
        rule,
        severity: r.severity,
        basis: r.basis,
        country: None,
        regimes: Vec::new(),
        entry: path.first()?.to.clone(),
        subject,
        party: None,
        path,
        status: None,
        as_of,
        note: Some(note),
        data: None,
        also: Vec::new(),
    })
}

/// Outgoing edges of `n` of one kind.
pub(crate) fn out_edges(
    graph: &TransferGraph,
    n: petgraph::graph::NodeIndex,
    kind: crate::graph::EdgeKind,
) -> impl Iterator<Item = petgraph::graph::EdgeReference<'_, crate::graph::Edge>> {
    graph
        .graph
        .edges_directed(n, Direction::Outgoing)
        .filter(move |e| e.weight().kind == kind)
}
