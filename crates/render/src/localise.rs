//! The maps' names in the report's language.
//!
//! A name in the maps can carry an English description (`Zendesk (help
//! desk, support e-mail)`, `… (legal entity not identified)`); the maps
//! then give the Swedish wording too, and the graph keeps it beside the
//! name (`Node::label_sv`). `scan.json` and `summary.json` keep the names
//! as the rest of the scan uses them; the analysis copied them into flows,
//! parties, notes and summary rows, so a Swedish rendering replaces every
//! copy here, once, before any renderer reads the scan. A verification
//! token's node, which the graph names in English, is worded here too.

use std::borrow::Cow;
use std::collections::BTreeMap;

use foldhash::HashMap;
use transfermap_model::Lang;
use transfermap_model::finding::Note;
use transfermap_model::graph::{EdgeKind, TOKEN_LABEL};
use transfermap_model::key::NodeKey;
use transfermap_model::scan::Scan;
use transfermap_model::summary::Summary;

/// English name → Swedish name.
type Names<'a> = HashMap<&'a str, &'a str>;

fn swap(names: &Names<'_>, name: &mut String) {
    if let Some(sv) = names.get(name.as_str()) {
        *name = (*sv).to_string();
    }
}

fn swap_all<'a>(names: &Names<'_>, list: impl IntoIterator<Item = &'a mut String>) {
    for n in list {
        swap(names, n);
    }
}

fn swap_set(names: &Names<'_>, set: &mut std::collections::BTreeSet<String>) {
    if set.iter().any(|n| names.contains_key(n.as_str())) {
        *set = std::mem::take(set)
            .into_iter()
            .map(|mut n| {
                swap(names, &mut n);
                n
            })
            .collect();
    }
}

fn swap_keys<V>(names: &Names<'_>, map: &mut BTreeMap<String, V>) {
    if map.keys().any(|n| names.contains_key(n.as_str())) {
        *map = std::mem::take(map)
            .into_iter()
            .map(|(mut n, v)| {
                swap(names, &mut n);
                (n, v)
            })
            .collect();
    }
}

fn swap_note(names: &Names<'_>, note: &mut Note) {
    match note {
        Note::Unattributed { holders, .. } => swap_all(names, holders.iter_mut()),
        Note::Subprocessor { name, .. } => swap(names, name),
        _ => {}
    }
}

/// A sub-processor's function, as the provider's list words it → in
/// Swedish: the graph's step to the sub-processor carries both.
fn functions(scan: &Scan) -> HashMap<&str, &str> {
    scan.graph
        .edges
        .iter()
        .filter(|e| e.edge.kind == EdgeKind::SubProcesses)
        .filter_map(|e| Some((e.edge.detail.as_deref()?, e.edge.detail_sv.as_deref()?)))
        .collect()
}

/// The scan as a report in `lang` names things: itself when there is
/// nothing to change.
pub fn scan(scan: &Scan, lang: Lang) -> Cow<'_, Scan> {
    if lang == Lang::En {
        return Cow::Borrowed(scan);
    }
    let names: Names<'_> = scan
        .graph
        .nodes
        .iter()
        .filter_map(|n| Some((n.label.as_str(), n.label_sv.as_deref()?)))
        .filter(|(en, sv)| en != sv)
        .collect();
    let tokens = |n: &transfermap_model::graph::Node| {
        matches!(n.key, NodeKey::Token(_)) && n.label.starts_with(TOKEN_LABEL)
    };
    let functions = functions(scan);
    if names.is_empty() && functions.is_empty() && !scan.graph.nodes.iter().any(tokens) {
        return Cow::Borrowed(scan);
    }
    let mut out = scan.clone();
    for n in &mut out.graph.nodes {
        if let Some(sv) = &n.label_sv {
            n.label.clone_from(sv);
        } else if tokens(n) {
            n.label = format!("verifieringstoken {}", &n.label[TOKEN_LABEL.len()..]);
        }
    }
    for f in &mut out.flows {
        swap_set(&names, &mut f.services);
        swap_set(&names, &mut f.providers);
        swap_set(&names, &mut f.network_operators);
        swap_set(&names, &mut f.gateways);
        if let Some(m) = &mut f.mailbox {
            swap(&names, &mut m.service);
            swap_all(&names, m.provider.as_mut());
        }
    }
    for p in &mut out.parties {
        swap(&names, &mut p.name);
        swap_all(&names, p.parent.as_mut());
        swap_all(&names, p.subprocessors.iter_mut());
    }
    // The step to a sub-processor names its function.
    let function = |kind: EdgeKind, detail: &mut Option<String>| {
        if kind == EdgeKind::SubProcesses
            && let Some(sv) = detail.as_deref().and_then(|d| functions.get(d))
        {
            *detail = Some((*sv).to_string());
        }
    };
    for e in &mut out.graph.edges {
        if let Some(sv) = &e.edge.detail_sv {
            e.edge.detail = Some(sv.clone());
        }
    }
    for f in &mut out.findings {
        if let Some(n) = &mut f.note {
            swap_note(&names, n);
        }
        for hop in &mut f.path {
            function(hop.edge, &mut hop.detail);
        }
        for o in &mut f.also {
            if let Some(n) = &mut o.note {
                swap_note(&names, n);
            }
            for hop in &mut o.path {
                function(hop.edge, &mut hop.detail);
            }
        }
    }
    Cow::Owned(out)
}

/// The summary as its rendering in `lang` names things.
pub fn summary(summary: &Summary, lang: Lang) -> Cow<'_, Summary> {
    if lang == Lang::En || summary.names_sv.is_empty() {
        return Cow::Borrowed(summary);
    }
    let names: Names<'_> = summary
        .names_sv
        .iter()
        .map(|(en, sv)| (en.as_str(), sv.as_str()))
        .collect();
    let mut out = summary.clone();
    for row in &mut out.domains {
        swap_all(&names, row.services.iter_mut());
        swap_all(&names, row.providers.iter_mut());
        swap_all(&names, row.mailbox.as_mut());
        swap_all(&names, row.gateways.iter_mut());
        swap_all(&names, row.contracting_entity.as_mut());
        swap_all(&names, row.law_party.as_mut());
        swap_all(&names, row.senders.iter_mut());
        swap_all(&names, row.report_receivers.iter_mut());
    }
    swap_keys(&names, &mut out.providers);
    for by_role in out.concentration.values_mut() {
        swap_keys(&names, by_role);
    }
    Cow::Owned(out)
}

/// The two scans a diff compares, each as a rendering in a language names things.
pub type ScanPair<'a> = Option<(Cow<'a, Scan>, Cow<'a, Scan>)>;

/// The diff as its rendering in `lang` names things, from the two scans'
/// Swedish names; and the two scans themselves.
pub fn diff<'a>(
    diff: &'a transfermap_model::diff::Diff,
    scans: Option<(&'a Scan, &'a Scan)>,
    lang: Lang,
) -> (Cow<'a, transfermap_model::diff::Diff>, ScanPair<'a>) {
    let Some((before, after)) = scans.filter(|_| lang != Lang::En) else {
        return (
            Cow::Borrowed(diff),
            scans.map(|(b, a)| (Cow::Borrowed(b), Cow::Borrowed(a))),
        );
    };
    let by_key: HashMap<String, &str> = before
        .graph
        .nodes
        .iter()
        .chain(&after.graph.nodes)
        .filter_map(|n| Some((n.key.to_string(), n.label_sv.as_deref()?)))
        .collect();
    let scans = Some((scan(before, lang), scan(after, lang)));
    if by_key.is_empty() {
        return (Cow::Borrowed(diff), scans);
    }
    let mut out = diff.clone();
    for list in [
        &mut out.flows,
        &mut out.providers,
        &mut out.sites,
        &mut out.subprocessors,
        &mut out.findings,
        &mut out.nodes,
        &mut out.edges,
    ] {
        for item in list.iter_mut() {
            if let Some(sv) = by_key.get(&item.key) {
                item.label = (*sv).to_string();
            }
        }
    }
    (Cow::Owned(out), scans)
}
