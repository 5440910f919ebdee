//! The transfer map as a Graphviz diagram: nodes grouped into EU/EEA,
//! adequate country and third country; the findings' paths in red; a legend.

use std::collections::{BTreeMap, BTreeSet};

use graphviz_rust::cmd::{CommandArg, Format};
use graphviz_rust::dot_structures::{
    Attribute, Edge as DotEdge, EdgeTy, Graph, Id, Node as DotNode, NodeId, Stmt, Subgraph, Vertex,
};
use graphviz_rust::printer::{DotPrinter, PrinterContext};

use super::RenderError;
use crate::Lang;
use crate::graph::{EdgeKind, Node, NodeKind};
use crate::maps::{AdequacyScope, KnowledgeBase};
use crate::scan::Scan;

/// Where a node is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Zone {
    EuEea,
    Adequate,
    ThirdCountry,
    /// Not placed: the organisation, names, services, networks.
    Unplaced,
}

impl Zone {
    fn title(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Zone::EuEea, Lang::En) => "EU/EEA",
            (Zone::EuEea, Lang::Sv) => "EU/EES",
            (Zone::Adequate, Lang::En) => "Adequate country (GDPR art. 45)",
            (Zone::Adequate, Lang::Sv) => "Land med adekvansbeslut (art. 45)",
            (Zone::ThirdCountry, Lang::En) => "Third country",
            (Zone::ThirdCountry, Lang::Sv) => "Tredjeland",
            (Zone::Unplaced, _) => "",
        }
    }

    fn colour(self) -> &'static str {
        match self {
            Zone::EuEea => "#e8f1fb",
            Zone::Adequate => "#eef7e8",
            Zone::ThirdCountry => "#fdecea",
            Zone::Unplaced => "#ffffff",
        }
    }
}

/// Quote a string for DOT: the result is a complete `"…"` literal in which
/// nothing from DNS can end the string or inject a Graphviz escape.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars().take(200) {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    if text.chars().count() > 200 {
        out.push('…');
    }
    out.push('"');
    out
}

pub(crate) fn attr(name: &str, value: &str) -> Attribute {
    Attribute(Id::Plain(name.to_string()), Id::Escaped(quote(value)))
}

pub(crate) fn node_id(key: &str) -> NodeId {
    NodeId(Id::Escaped(quote(key)), None)
}

fn zone_of_country(kb: &KnowledgeBase, code: &str, scan: &Scan) -> Zone {
    if kb.in_eea(code, scan.as_of) {
        return Zone::EuEea;
    }
    let whole = kb
        .adequacy_on(code, scan.as_of)
        .iter()
        .any(|a| a.scope != AdequacyScope::Certified);
    if whole {
        Zone::Adequate
    } else {
        Zone::ThirdCountry
    }
}

/// Where a node belongs: its own country (countries, sites, providers,
/// regimes) or, for addresses, the geolocated country.
fn zones(scan: &Scan, kb: &KnowledgeBase) -> BTreeMap<String, Zone> {
    let mut located: BTreeMap<&str, &str> = BTreeMap::new();
    for e in &scan.graph.edges {
        if e.edge.kind == EdgeKind::LocatedIn {
            located.insert(&e.from, e.to.trim_start_matches("country:"));
        }
    }
    scan.graph
        .nodes
        .iter()
        .map(|n| {
            let code = match n.kind {
                NodeKind::Country | NodeKind::Site | NodeKind::Provider | NodeKind::Regime => {
                    n.country.as_deref()
                }
                NodeKind::Address | NodeKind::AddressRange => located.get(n.key.as_str()).copied(),
                _ => None,
            };
            let zone = code.map_or(Zone::Unplaced, |c| zone_of_country(kb, c, scan));
            (n.key.clone(), zone)
        })
        .collect()
}

fn shape(kind: NodeKind) -> (&'static str, &'static str) {
    match kind {
        NodeKind::Organisation => ("doubleoctagon", "#ffffff"),
        NodeKind::PersonalData => ("folder", "#fff4c2"),
        NodeKind::Domain => ("tab", "#ffffff"),
        NodeKind::Host => ("box", "#ffffff"),
        NodeKind::Address => ("ellipse", "#ffffff"),
        NodeKind::AddressRange => ("ellipse", "#f5f5f5"),
        NodeKind::Network => ("hexagon", "#ffffff"),
        NodeKind::Service => ("component", "#ffffff"),
        NodeKind::Provider => ("house", "#ffffff"),
        NodeKind::Site => ("box3d", "#ffffff"),
        NodeKind::Country => ("note", "#ffffff"),
        NodeKind::Regime => ("octagon", "#ffffff"),
        NodeKind::Component => ("box", "#eef3e8"),
    }
}

fn dot_node(n: &Node, highlighted: bool) -> DotNode {
    let (shape, fill) = shape(n.kind);
    let mut attrs = vec![
        attr("label", &n.label),
        attr("shape", shape),
        attr("style", "filled"),
        attr("fillcolor", fill),
        attr("tooltip", &n.key),
    ];
    if highlighted {
        attrs.push(attr("color", "#c0392b"));
        attrs.push(attr("penwidth", "2"));
    }
    DotNode::new(node_id(&n.key), attrs)
}

pub(crate) fn edge_stmt(from: &str, to: &str, attrs: Vec<Attribute>) -> Stmt {
    Stmt::Edge(DotEdge {
        ty: EdgeTy::Pair(Vertex::N(node_id(from)), Vertex::N(node_id(to))),
        attributes: attrs,
    })
}

/// Build the diagram.
pub fn graph(scan: &Scan, kb: &KnowledgeBase, lang: Lang) -> Graph {
    let zones = zones(scan, kb);
    let on_path: BTreeSet<(&str, &str)> = scan
        .findings
        .iter()
        .flat_map(|f| f.path.iter().map(|h| (h.from.as_str(), h.to.as_str())))
        .collect();
    let hot_nodes: BTreeSet<&str> = on_path.iter().flat_map(|(a, b)| [*a, *b]).collect();

    let title = match lang {
        Lang::En => format!(
            "Where e-mail of {} can go (as of {})",
            super::markdown::shown_domain(scan),
            scan.as_of
        ),
        Lang::Sv => format!(
            "Vart e-post för {} kan gå (per {})",
            super::markdown::shown_domain(scan),
            scan.as_of
        ),
    };
    let mut stmts = vec![
        Stmt::Attribute(attr("rankdir", "LR")),
        Stmt::Attribute(attr("label", &title)),
        Stmt::Attribute(attr("labelloc", "t")),
        Stmt::Attribute(attr("fontname", "Helvetica")),
        // newrank avoids dot's "trouble in init_rank" with nested clusters.
        Stmt::Attribute(attr("newrank", "true")),
        Stmt::GAttribute(graphviz_rust::dot_structures::GraphAttributes::Node(vec![
            attr("fontname", "Helvetica"),
            attr("fontsize", "10"),
        ])),
        Stmt::GAttribute(graphviz_rust::dot_structures::GraphAttributes::Edge(vec![
            attr("fontname", "Helvetica"),
            attr("fontsize", "8"),
        ])),
    ];
    let view = View::new(scan, kb, &zones);
    let hot_shown: BTreeSet<&str> = hot_nodes.iter().map(|k| view.shown(k)).collect();
    // Nodes: unplaced at the top level; the others in zone → country →
    // provider clusters, so services sit with the company that runs them.
    let mut tree: BTreeMap<Zone, BTreeMap<String, BTreeMap<String, Vec<Stmt>>>> = BTreeMap::new();
    for (key, node) in &view.nodes {
        let stmt = Stmt::Node(dot_node(node, hot_shown.contains(key.as_str())));
        match view.place.get(key) {
            Some((zone, country, group)) => tree
                .entry(*zone)
                .or_default()
                .entry(country.clone())
                .or_default()
                .entry(group.clone().unwrap_or_default())
                .or_default()
                .push(stmt),
            None => stmts.push(stmt),
        }
    }
    let mut n = 0usize;
    for (zone, countries) in tree {
        let mut zone_stmts = vec![
            Stmt::Attribute(attr("label", zone.title(lang))),
            Stmt::Attribute(attr("style", "filled,rounded")),
            Stmt::Attribute(attr("fillcolor", zone.colour())),
            Stmt::Attribute(attr("color", "#999999")),
        ];
        for (country, groups) in countries {
            let mut country_stmts = vec![
                Stmt::Attribute(attr("label", &kb.country_name(&country, lang))),
                Stmt::Attribute(attr("style", "rounded,dashed")),
                Stmt::Attribute(attr("color", "#b0b0b0")),
            ];
            for (group, members) in groups {
                if group.is_empty() {
                    country_stmts.extend(members);
                    continue;
                }
                n += 1;
                let label = view
                    .nodes
                    .get(&group)
                    .map(|g| g.label.clone())
                    .unwrap_or_default();
                let mut group_stmts = vec![
                    Stmt::Attribute(attr("label", &label)),
                    Stmt::Attribute(attr("style", "rounded")),
                    Stmt::Attribute(attr("color", "#cfcfcf")),
                ];
                group_stmts.extend(members);
                country_stmts.push(Stmt::Subgraph(Subgraph {
                    id: Id::Plain(format!("cluster_p{n}")),
                    stmts: group_stmts,
                }));
            }
            n += 1;
            zone_stmts.push(Stmt::Subgraph(Subgraph {
                id: Id::Plain(format!("cluster_c{n}")),
                stmts: country_stmts,
            }));
        }
        stmts.push(Stmt::Subgraph(Subgraph {
            id: Id::Plain(format!("cluster_z{}", zone as u8)),
            stmts: zone_stmts,
        }));
    }
    let mut drawn = BTreeSet::new();
    for e in &scan.graph.edges {
        let (from, to) = (view.shown(&e.from), view.shown(&e.to));
        let hot = on_path.contains(&(e.from.as_str(), e.to.as_str()));
        let mut label = e.edge.kind.label().to_string();
        if let Some(d) = &e.edge.detail
            && !d.starts_with("fingerprint")
        {
            label = format!("{label}: {d}");
        }
        // Collapsed ranges share their edges: draw each once (hot wins).
        if from != e.from || to != e.to {
            let any_hot = scan.graph.edges.iter().any(|x| {
                view.shown(&x.from) == from
                    && view.shown(&x.to) == to
                    && x.edge.kind == e.edge.kind
                    && on_path.contains(&(x.from.as_str(), x.to.as_str()))
            });
            if !drawn.insert((from.to_string(), to.to_string(), e.edge.kind)) {
                continue;
            }
            stmts.push(edge_stmt(
                from,
                to,
                edge_attrs(e.edge.kind, &label, any_hot),
            ));
            continue;
        }
        stmts.push(edge_stmt(from, to, edge_attrs(e.edge.kind, &label, hot)));
    }
    stmts.push(legend(lang));
    Graph::DiGraph {
        id: Id::Plain("transfermap".into()),
        strict: false,
        stmts,
    }
}

fn edge_attrs(kind: EdgeKind, label: &str, hot: bool) -> Vec<Attribute> {
    let mut attrs = vec![attr("label", label)];
    if kind.carries_data() {
        attrs.push(attr("penwidth", "1.6"));
    } else {
        attrs.push(attr("style", "dashed"));
        attrs.push(attr("color", "#777777"));
        attrs.push(attr("fontcolor", "#777777"));
    }
    if hot {
        attrs.push(attr("color", "#c0392b"));
        attrs.push(attr("fontcolor", "#c0392b"));
        attrs.push(attr("penwidth", "2.4"));
    }
    attrs
}

/// What is drawn: the graph's nodes, with many SPF networks of one record
/// collapsed into one node, and where each drawn node is placed.
struct View {
    nodes: BTreeMap<String, Node>,
    /// Original key → drawn key (only for collapsed nodes).
    alias: BTreeMap<String, String>,
    /// Drawn key → (zone, country, provider group).
    place: BTreeMap<String, (Zone, String, Option<String>)>,
}

/// More networks than this in one SPF record are drawn as one node.
const COLLAPSE_RANGES: usize = 3;

impl View {
    fn new(scan: &Scan, kb: &KnowledgeBase, zones: &BTreeMap<String, Zone>) -> Self {
        let kinds: BTreeMap<&str, NodeKind> = scan
            .graph
            .nodes
            .iter()
            .map(|n| (n.key.as_str(), n.kind))
            .collect();
        let mut alias = BTreeMap::new();
        let mut by_record: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for e in &scan.graph.edges {
            if e.edge.kind == EdgeKind::Authorises
                && kinds.get(e.to.as_str()) == Some(&NodeKind::AddressRange)
            {
                by_record.entry(&e.from).or_default().push(&e.to);
            }
        }
        let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
        for (record, ranges) in &by_record {
            if ranges.len() <= COLLAPSE_RANGES {
                continue;
            }
            let key = format!("ranges:{record}");
            for r in ranges {
                alias.entry(r.to_string()).or_insert_with(|| key.clone());
            }
            nodes.insert(
                key.clone(),
                Node {
                    key: key.clone(),
                    kind: NodeKind::AddressRange,
                    label: format!(
                        "{} networks ({})",
                        ranges.len(),
                        record.trim_start_matches("spf:")
                    ),
                    country: None,
                    evidence: Vec::new(),
                },
            );
        }
        for n in &scan.graph.nodes {
            if !alias.contains_key(&n.key) {
                nodes.insert(n.key.clone(), n.clone());
            }
        }
        // Services sit with the provider that runs them (the contracting entity).
        let mut runs: BTreeMap<&str, &str> = BTreeMap::new();
        for e in &scan.graph.edges {
            if e.edge.kind == EdgeKind::OperatedBy
                && e.from.starts_with("service:")
                && e.to.starts_with("provider:")
            {
                runs.insert(&e.from, &e.to);
            }
        }
        let providers_with_services: BTreeSet<&str> = runs.values().copied().collect();
        let mut located: BTreeMap<&str, &str> = BTreeMap::new();
        for e in &scan.graph.edges {
            if e.edge.kind == EdgeKind::LocatedIn {
                located.insert(&e.from, e.to.trim_start_matches("country:"));
            }
        }
        let mut place = BTreeMap::new();
        for (key, node) in &nodes {
            if alias.values().any(|a| a == key) {
                continue; // a collapsed group straddles countries
            }
            let zone = zones.get(key).copied().unwrap_or(Zone::Unplaced);
            let country = match node.kind {
                NodeKind::Address | NodeKind::AddressRange => {
                    located.get(key.as_str()).map(|c| c.to_string())
                }
                _ => node.country.clone(),
            };
            let entry = match (node.kind, country) {
                (NodeKind::Service, _) => runs.get(key.as_str()).and_then(|p| {
                    let pn = scan.graph.nodes.iter().find(|n| n.key == *p)?;
                    let c = pn.country.clone()?;
                    Some((zone_of_country(kb, &c, scan), c, Some(p.to_string())))
                }),
                (_, Some(c)) if zone != Zone::Unplaced => {
                    let group = providers_with_services
                        .contains(key.as_str())
                        .then(|| key.clone());
                    Some((zone, c, group))
                }
                _ => None,
            };
            if let Some(e) = entry {
                place.insert(key.clone(), e);
            }
        }
        Self {
            nodes,
            alias,
            place,
        }
    }

    fn shown<'a>(&'a self, key: &'a str) -> &'a str {
        self.alias.get(key).map_or(key, |a| a.as_str())
    }
}

fn legend(lang: Lang) -> Stmt {
    let t = |en: &str, sv: &str| match lang {
        Lang::En => en.to_string(),
        Lang::Sv => sv.to_string(),
    };
    let item = |key: &str, label: String| {
        Stmt::Node(DotNode::new(
            node_id(key),
            vec![
                attr("label", &label),
                attr("shape", "plaintext"),
                attr("fontsize", "9"),
            ],
        ))
    };
    let mut stmts = vec![
        Stmt::Attribute(attr("label", &t("Legend", "Teckenförklaring"))),
        Stmt::Attribute(attr("style", "rounded")),
        Stmt::Attribute(attr("color", "#999999")),
        item("legend:a", String::new()),
        item(
            "legend:b",
            t("personal data flows", "personuppgifter flödar"),
        ),
        item("legend:c", String::new()),
        item(
            "legend:d",
            t(
                "attribution (DNS, geodata, maps)",
                "tillskrivning (DNS, geodata, kartor)",
            ),
        ),
        item("legend:e", String::new()),
        item("legend:f", t("path of a finding", "väg till ett fynd")),
        item(
            "legend:g",
            t(
                "blue: EU/EEA · green: adequate country · red: third country",
                "blått: EU/EES · grönt: adekvat land · rött: tredjeland",
            ),
        ),
    ];
    stmts.push(edge_stmt(
        "legend:a",
        "legend:b",
        vec![attr("penwidth", "1.6")],
    ));
    stmts.push(edge_stmt(
        "legend:c",
        "legend:d",
        vec![attr("style", "dashed"), attr("color", "#777777")],
    ));
    stmts.push(edge_stmt(
        "legend:e",
        "legend:f",
        vec![attr("color", "#c0392b"), attr("penwidth", "2.4")],
    ));
    Stmt::Subgraph(Subgraph {
        id: Id::Plain("cluster_legend".into()),
        stmts,
    })
}

/// The DOT text of the diagram.
pub fn to_dot(scan: &Scan, kb: &KnowledgeBase, lang: Lang) -> String {
    let mut ctx = PrinterContext::default();
    let mut text = graph(scan, kb, lang).print(&mut ctx);
    text.push('\n');
    text
}

/// Lay the DOT out with Graphviz and return PNG.
pub fn to_png(dot: &str) -> Result<Vec<u8>, RenderError> {
    graphviz_rust::exec_dot(dot.to_string(), vec![CommandArg::Format(Format::Png)])
        .map_err(|e| RenderError::Graphviz(e.to_string()))
}

/// Lay the DOT out with Graphviz and return SVG.
pub fn to_svg(dot: &str) -> Result<Vec<u8>, RenderError> {
    graphviz_rust::exec_dot(dot.to_string(), vec![CommandArg::Format(Format::Svg)])
        .map_err(|e| RenderError::Graphviz(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quoting_neutralises_dot_syntax() {
        assert_eq!(quote(r#"a"b"#), r#""a\"b""#);
        assert_eq!(quote("x\\N\ny"), r#""x\\N\ny""#);
        assert_eq!(quote("\"]; evil -> x; [\""), r#""\"]; evil -> x; [\"""#);
        assert_eq!(quote("tab\there"), "\"tab here\"");
    }
}
