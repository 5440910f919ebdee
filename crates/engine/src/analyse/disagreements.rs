//! TM109: an address whose registry country (the network holder's
//! jurisdiction) differs from its geolocated country — said plainly so that
//! neither is mistaken for the other.

use chrono::NaiveDate;
use petgraph::visit::EdgeRef;

use super::paths::PathTree;
use super::{note_finding, out_edges};
use crate::graph::{EdgeKind, NodeKind, TransferGraph};
use transfermap_model::finding::{Finding, Note, RuleCode};

pub(crate) fn findings(graph: &TransferGraph, tree: &PathTree, as_of: NaiveDate) -> Vec<Finding> {
    let g = &graph.graph;
    let mut out = Vec::new();
    for &n in tree.reached.values() {
        if g[n].kind != NodeKind::Address {
            continue;
        }
        let located =
            out_edges(graph, n, EdgeKind::LocatedIn).find_map(|e| g[e.target()].country.clone());
        let registered = out_edges(graph, n, EdgeKind::AnnouncedBy)
            .flat_map(|e| out_edges(graph, e.target(), EdgeKind::RegisteredIn))
            .find_map(|e| g[e.target()].country.clone());
        if let (Some(l), Some(r)) = (located, registered)
            && l != r
        {
            let note = Note::Disagreement {
                address: g[n].label.clone(),
                geolocated: l,
                registered: r,
            };
            let path = tree.path_to(graph, n);
            out.extend(note_finding(
                RuleCode::Tm109,
                path,
                g[n].key.clone(),
                note,
                as_of,
            ));
        }
    }
    out
}
