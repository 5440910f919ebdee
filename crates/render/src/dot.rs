//! The transfer map as a Graphviz diagram: nodes grouped into EU/EEA,
//! adequate country and third country; the findings' paths in red; a legend.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use graphviz_rust::dot_structures::{
    Attribute, Edge as DotEdge, EdgeTy, Graph, Id, Node as DotNode, NodeId, Stmt, Subgraph, Vertex,
};
use graphviz_rust::printer::{DotPrinter, PrinterContext};

use crate::text::visible_cow;
use transfermap_model::Lang;
use transfermap_model::graph::{EdgeKind, NodeKind};
use transfermap_model::key::NodeKey;
use transfermap_model::legal::LegalStatus;
use transfermap_model::scan::Scan;

/// Where a node is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Zone {
    EuEea,
    /// An adequacy decision for the whole country (GDPR art. 45).
    Adequate,
    /// An adequacy decision for some recipients only (the EU–US DPF, a
    /// partial scope): whether it covers the recipient must be checked.
    Conditional,
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
            (Zone::Conditional, Lang::En) => {
                "Adequacy for some recipients only (check the recipient)"
            }
            (Zone::Conditional, Lang::Sv) => {
                "Adekvansbeslut bara för vissa mottagare (kontrollera mottagaren)"
            }
            (Zone::ThirdCountry, Lang::En) => "Third country",
            (Zone::ThirdCountry, Lang::Sv) => "Tredjeland",
            (Zone::Unplaced, _) => "",
        }
    }

    fn colour(self) -> &'static str {
        match self {
            Zone::EuEea => "#e8f1fb",
            Zone::Adequate => "#eef7e8",
            Zone::Conditional => "#fff6e0",
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
    let text = visible_cow(text);
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

fn zone_of_country(scan: &Scan, code: &str) -> Zone {
    match scan.countries.get(code).map(|c| &c.status) {
        Some(LegalStatus::EuEea) => Zone::EuEea,
        Some(LegalStatus::Adequate { .. }) => Zone::Adequate,
        Some(LegalStatus::AdequateIf { .. } | LegalStatus::Interim { .. }) => Zone::Conditional,
        Some(LegalStatus::NoAdequacy { .. }) | None => Zone::ThirdCountry,
    }
}

/// Where a node belongs: its own country (countries, sites, providers,
/// regimes) or, for addresses, the geolocated country.
fn zones(scan: &Scan) -> BTreeMap<String, Zone> {
    let mut located: BTreeMap<String, String> = BTreeMap::new();
    for e in &scan.graph.edges {
        if e.edge.kind == EdgeKind::LocatedIn
            && let NodeKey::Country(c) = &e.to
        {
            located.insert(e.from.to_string(), c.clone());
        }
    }
    scan.graph
        .nodes
        .iter()
        .map(|n| {
            let key = n.key.to_string();
            let code = match n.kind {
                NodeKind::Country | NodeKind::Site | NodeKind::Provider | NodeKind::Regime => {
                    n.country.clone()
                }
                NodeKind::Address | NodeKind::AddressRange => located.get(&key).cloned(),
                _ => None,
            };
            let zone = code.map_or(Zone::Unplaced, |c| zone_of_country(scan, &c));
            (key, zone)
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

/// A node as drawn: a node of the scan, or several collapsed into one.
#[derive(Debug, Clone)]
struct Drawn {
    kind: NodeKind,
    label: String,
    country: Option<String>,
}

fn dot_node(key: &str, n: &Drawn, highlighted: bool) -> DotNode {
    let (shape, fill) = shape(n.kind);
    let mut attrs = vec![
        attr("label", &n.label),
        attr("shape", shape),
        attr("style", "filled"),
        attr("fillcolor", fill),
        attr("tooltip", key),
    ];
    if highlighted {
        attrs.push(attr("color", "#c0392b"));
        attrs.push(attr("penwidth", "2"));
    }
    DotNode::new(node_id(key), attrs)
}

pub(crate) fn edge_stmt(from: &str, to: &str, attrs: Vec<Attribute>) -> Stmt {
    Stmt::Edge(DotEdge {
        ty: EdgeTy::Pair(Vertex::N(node_id(from)), Vertex::N(node_id(to))),
        attributes: attrs,
    })
}

/// More nodes or edges than this (after collapsing) and the picture is
/// left out with a note: Graphviz's layout time grows much faster than the
/// graph, and such a picture could not be read anyway. The report lists
/// every path.
pub const MAX_DRAWN_NODES: usize = 600;
pub const MAX_DRAWN_EDGES: usize = 1500;

/// The DOT text of a scan's diagram, and why it is too large to lay out
/// when it is.
pub struct Diagram {
    pub text: String,
    pub too_large: Option<String>,
}

/// Build the diagram.
pub fn diagram(scan: &Scan, lang: Lang) -> Diagram {
    let (graph, nodes, edges) = graph(scan, lang);
    let mut text = graph.print(&mut PrinterContext::default());
    text.push('\n');
    let too_large = (nodes > MAX_DRAWN_NODES || edges > MAX_DRAWN_EDGES).then(|| {
        format!(
            "{nodes} nodes and {edges} edges are more than a readable diagram holds (at most {MAX_DRAWN_NODES} nodes and {MAX_DRAWN_EDGES} edges)"
        )
    });
    Diagram { text, too_large }
}

/// The diagram, and how many nodes and edges it draws.
fn graph(scan: &Scan, lang: Lang) -> (Graph, usize, usize) {
    let zones = zones(scan);
    // Borrowed keys: a merged finding's occurrences repeat the same steps
    // hundreds of times.
    // (Hashed: the steps number in the thousands, the distinct ones far
    // fewer.)
    let on_path: HashSet<(&NodeKey, &NodeKey)> = scan
        .findings
        .iter()
        .flat_map(|f| f.occurrences().flat_map(|o| o.path.iter()))
        .map(|h| (&h.from, &h.to))
        .collect();
    let on_path_text: Vec<(String, String)> = on_path
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
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
    let view = View::new(scan, &zones, lang);
    let hot_shown: BTreeSet<&str> = on_path_text
        .iter()
        .flat_map(|(a, b)| [view.shown(a), view.shown(b)])
        .collect();
    // Nodes: unplaced at the top level; the others in zone → country →
    // provider clusters, so services sit with the company that runs them.
    let mut tree: BTreeMap<Zone, BTreeMap<String, BTreeMap<String, Vec<Stmt>>>> = BTreeMap::new();
    for (key, node) in &view.nodes {
        let stmt = Stmt::Node(dot_node(key, node, hot_shown.contains(key.as_str())));
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
                Stmt::Attribute(attr("label", &scan.country_name(&country, lang))),
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
    // Edges: collapsed nodes share their edges; each is drawn once (hot wins).
    let mut drawn: BTreeMap<(String, String, EdgeKind), (String, bool, bool)> = BTreeMap::new();
    for e in &scan.graph.edges {
        let hot = on_path.contains(&(&e.from, &e.to));
        let (from, to) = (e.from.to_string(), e.to.to_string());
        let (sf, st) = (view.shown(&from).to_string(), view.shown(&to).to_string());
        let collapsed = sf != from || st != to;
        let mut label = crate::words::edge(e.edge.kind, lang).to_string();
        if let Some(d) = &e.edge.detail
            && !d.starts_with("fingerprint")
            && !collapsed
        {
            label = format!("{label}: {d}");
        }
        // An inferred step says so, and how strongly, on the line itself.
        let inferred = e.edge.inference.is_some();
        if let Some(inf) = &e.edge.inference {
            let word = if lang == Lang::En {
                "inferred"
            } else {
                "slutsats"
            };
            label = format!(
                "{label} ({word}, {})",
                crate::words::strength(inf.strength, lang)
            );
        }
        let slot = drawn
            .entry((sf, st, e.edge.kind))
            .or_insert((label, false, inferred));
        slot.1 |= hot;
    }
    let edge_count = drawn.len();
    for ((from, to, kind), (label, hot, inferred)) in drawn {
        let mut attrs = edge_attrs(kind, &label, hot);
        if inferred {
            attrs.push(attr("style", "dotted"));
        }
        stmts.push(edge_stmt(&from, &to, attrs));
    }
    stmts.push(legend(lang));
    let node_count = view.nodes.len();
    (
        Graph::DiGraph {
            id: Id::Plain("transfermap".into()),
            strict: false,
            stmts,
        },
        node_count,
        edge_count,
    )
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

/// What is drawn: the scan's nodes, with many SPF networks of one record
/// and many addresses of one host each collapsed into one node, and where
/// each drawn node is placed.
struct View {
    nodes: BTreeMap<String, Drawn>,
    /// Original key → drawn key (only for collapsed nodes).
    alias: BTreeMap<String, String>,
    /// Drawn key → (zone, country, provider group).
    place: BTreeMap<String, (Zone, String, Option<String>)>,
}

/// More networks of one SPF record, or addresses of one host, than this
/// are drawn as one node.
const COLLAPSE: usize = 3;

impl View {
    fn new(scan: &Scan, zones: &BTreeMap<String, Zone>, lang: Lang) -> Self {
        let kinds: BTreeMap<&NodeKey, NodeKind> =
            scan.graph.nodes.iter().map(|n| (&n.key, n.kind)).collect();
        // Groups to collapse: the networks an SPF record authorises, the
        // addresses a host resolves to.
        let mut groups: BTreeMap<(&NodeKey, EdgeKind), Vec<&NodeKey>> = BTreeMap::new();
        for e in &scan.graph.edges {
            let member = matches!(
                (e.edge.kind, kinds.get(&e.to)),
                (EdgeKind::Authorises, Some(NodeKind::AddressRange))
                    | (EdgeKind::ResolvesTo, Some(NodeKind::Address))
            );
            if member {
                groups
                    .entry((&e.from, e.edge.kind))
                    .or_default()
                    .push(&e.to);
            }
        }
        let mut alias = BTreeMap::new();
        let mut nodes: BTreeMap<String, Drawn> = BTreeMap::new();
        for ((owner, kind), members) in &groups {
            if members.len() <= COLLAPSE {
                continue;
            }
            let (key, label, node_kind) = match kind {
                EdgeKind::Authorises => (
                    format!("ranges:{owner}"),
                    match lang {
                        Lang::En => format!("{} networks ({})", members.len(), owner.value()),
                        Lang::Sv => format!("{} nät ({})", members.len(), owner.value()),
                    },
                    NodeKind::AddressRange,
                ),
                _ => (
                    format!("addresses:{owner}"),
                    match lang {
                        Lang::En => format!("{} addresses ({})", members.len(), owner.value()),
                        Lang::Sv => format!("{} adresser ({})", members.len(), owner.value()),
                    },
                    NodeKind::Address,
                ),
            };
            for m in members {
                alias.entry(m.to_string()).or_insert_with(|| key.clone());
            }
            nodes.insert(
                key,
                Drawn {
                    kind: node_kind,
                    label,
                    country: None,
                },
            );
        }
        for n in &scan.graph.nodes {
            let key = n.key.to_string();
            if !alias.contains_key(&key) {
                nodes.insert(
                    key,
                    Drawn {
                        kind: n.kind,
                        // A country in the report's language, as its cluster.
                        label: crate::words::node_label(scan, &n.key, lang),
                        country: n.country.clone(),
                    },
                );
            }
        }
        // Services sit with the provider that runs them (the contracting entity).
        let mut runs: BTreeMap<String, String> = BTreeMap::new();
        for e in &scan.graph.edges {
            if e.edge.kind == EdgeKind::OperatedBy
                && matches!(e.from, NodeKey::Service(_))
                && matches!(e.to, NodeKey::Provider(_))
            {
                runs.insert(e.from.to_string(), e.to.to_string());
            }
        }
        let providers_with_services: BTreeSet<&str> = runs.values().map(|s| s.as_str()).collect();
        let mut located: BTreeMap<String, String> = BTreeMap::new();
        for e in &scan.graph.edges {
            if e.edge.kind == EdgeKind::LocatedIn
                && let NodeKey::Country(c) = &e.to
            {
                located.insert(e.from.to_string(), c.clone());
            }
        }
        let collapsed: BTreeSet<&String> = alias.values().collect();
        let mut place = BTreeMap::new();
        for (key, node) in &nodes {
            if collapsed.contains(key) {
                continue; // a collapsed group straddles countries
            }
            let zone = zones.get(key).copied().unwrap_or(Zone::Unplaced);
            let country = match node.kind {
                NodeKind::Address | NodeKind::AddressRange => located.get(key).cloned(),
                _ => node.country.clone(),
            };
            let entry = match (node.kind, country) {
                (NodeKind::Service, _) => runs.get(key).and_then(|p| {
                    let c = nodes.get(p)?.country.clone()?;
                    Some((zone_of_country(scan, &c), c, Some(p.clone())))
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
        item("legend:h", String::new()),
        item(
            "legend:i",
            t(
                "inferred from several records (e.g. the mailboxes behind a gateway)",
                "slutsats av flera poster (t.ex. brevlådorna bakom ett filter)",
            ),
        ),
        item(
            "legend:g",
            t(
                "blue: EU/EEA · green: adequate country · yellow: adequacy for some recipients only · red: third country",
                "blått: EU/EES · grönt: land med adekvansbeslut · gult: adekvansbeslut bara för vissa mottagare · rött: tredjeland",
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
    stmts.push(edge_stmt(
        "legend:h",
        "legend:i",
        vec![attr("penwidth", "1.6"), attr("style", "dotted")],
    ));
    Stmt::Subgraph(Subgraph {
        id: Id::Plain("cluster_legend".into()),
        stmts,
    })
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quoting_neutralises_dot_syntax() {
        assert_eq!(quote(r#"a"b"#), r#""a\"b""#);
        assert_eq!(quote("x\\N\ny"), r#""x\\N<U+000A>y""#);
        assert_eq!(quote("\"]; evil -> x; [\""), r#""\"]; evil -> x; [\"""#);
        assert_eq!(quote("tab\there"), "\"tab<U+0009>here\"");
        assert_eq!(quote("\u{202e}evil"), "\"<U+202E>evil\"");
    }
}
