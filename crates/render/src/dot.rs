//! The transfer map as a Graphviz diagram: nodes grouped into EU/EEA,
//! adequate country and third country; the findings' paths in red; a legend.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::collections::BTreeMap;

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
    quote_into(&mut out, text);
    out
}

/// [`quote`], appended to `out`.
fn quote_into(out: &mut String, text: &str) {
    out.push('"');
    // Printable ASCII without a quote or backslash is written as it is.
    if text.len() <= 200
        && text
            .bytes()
            .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
    {
        out.push_str(text);
        out.push('"');
        return;
    }
    let text = visible_cow(text);
    let mut chars = text.chars();
    for c in chars.by_ref().take(200) {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    if chars.next().is_some() {
        out.push('…');
    }
    out.push('"');
}

/// A DOT document written straight as text, one statement a line and two
/// spaces a level. Every node id, attribute value and label goes through
/// [`quote`]; only names fixed in this crate (attribute names, subgraph
/// ids) are written as they are. Written directly rather than through a
/// syntax tree: building and printing a tree of small strings cost more
/// than the rest of the detailed map together.
pub(crate) struct DotWriter {
    out: String,
    depth: usize,
}

/// Attributes of one statement: name (fixed here) and value (quoted).
pub(crate) type Attrs<'a> = [(&'static str, &'a str)];

impl DotWriter {
    /// Start `digraph id {`; `id` is a fixed name.
    pub(crate) fn digraph(id: &'static str) -> Self {
        let mut out = String::with_capacity(8 * 1024);
        out.push_str("digraph ");
        out.push_str(id);
        out.push_str(" {");
        Self { out, depth: 1 }
    }

    fn line(&mut self) {
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn attrs(&mut self, attrs: &Attrs) {
        if attrs.is_empty() {
            return;
        }
        self.out.push('[');
        for (i, (name, value)) in attrs.iter().enumerate() {
            if i > 0 {
                self.out.push(' ');
            }
            self.out.push_str(name);
            self.out.push('=');
            quote_into(&mut self.out, value);
        }
        self.out.push(']');
    }

    /// An attribute of the graph or subgraph being written: `name="value"`.
    pub(crate) fn set(&mut self, name: &'static str, value: &str) {
        self.line();
        self.out.push_str(name);
        self.out.push('=');
        quote_into(&mut self.out, value);
    }

    /// Defaults for every node (`what` = "node") or edge ("edge").
    pub(crate) fn defaults(&mut self, what: &'static str, attrs: &Attrs) {
        self.line();
        self.out.push_str(what);
        self.attrs(attrs);
    }

    pub(crate) fn node(&mut self, id: &str, attrs: &Attrs) {
        self.line();
        quote_into(&mut self.out, id);
        self.attrs(attrs);
    }

    pub(crate) fn edge(&mut self, from: &str, to: &str, attrs: &Attrs) {
        self.line();
        quote_into(&mut self.out, from);
        self.out.push_str(" -> ");
        quote_into(&mut self.out, to);
        if !attrs.is_empty() {
            self.out.push(' ');
            self.attrs(attrs);
        }
    }

    /// Open `subgraph id {`; `id` is made here (`cluster_…`), not from DNS.
    pub(crate) fn open(&mut self, id: std::fmt::Arguments) {
        use std::fmt::Write as _;
        self.line();
        let _ = write!(self.out, "subgraph {id} {{");
        self.depth += 1;
    }

    pub(crate) fn close(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        self.line();
        self.out.push('}');
    }

    /// Close the graph; the text ends with a newline.
    pub(crate) fn finish(mut self) -> String {
        self.depth = 0;
        self.line();
        self.out.push_str("}\n");
        self.out
    }
}

fn zone_of_country(scan: &Scan, code: &str) -> Zone {
    match scan.countries.get(code).map(|c| &c.status) {
        Some(LegalStatus::EuEea) => Zone::EuEea,
        Some(LegalStatus::Adequate { .. }) => Zone::Adequate,
        Some(LegalStatus::AdequateIf { .. } | LegalStatus::Interim { .. }) => Zone::Conditional,
        Some(LegalStatus::NoAdequacy { .. }) | None => Zone::ThirdCountry,
    }
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
    /// Where it is placed: its own country (countries, sites, providers,
    /// regimes) or, for addresses, the geolocated one.
    zone: Zone,
    /// The country it is drawn in: its own, or for addresses the
    /// geolocated one.
    country: Option<String>,
}

fn write_node(w: &mut DotWriter, key: &str, n: &Drawn, highlighted: bool) {
    let (shape, fill) = shape(n.kind);
    let common = [
        ("label", n.label.as_str()),
        ("shape", shape),
        ("style", "filled"),
        ("fillcolor", fill),
        ("tooltip", key),
    ];
    if highlighted {
        let [a, b, c, d, e] = common;
        w.node(
            key,
            &[a, b, c, d, e, ("color", "#c0392b"), ("penwidth", "2")],
        );
    } else {
        w.node(key, &common);
    }
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
    let (text, nodes, edges) = graph(scan, lang);
    let too_large = (nodes > MAX_DRAWN_NODES || edges > MAX_DRAWN_EDGES).then(|| {
        format!(
            "{nodes} nodes and {edges} edges are more than a readable diagram holds (at most {MAX_DRAWN_NODES} nodes and {MAX_DRAWN_EDGES} edges)"
        )
    });
    Diagram { text, too_large }
}

/// The diagram's DOT text, and how many nodes and edges it draws.
fn graph(scan: &Scan, lang: Lang) -> (String, usize, usize) {
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
    let mut w = DotWriter::digraph("transfermap");
    w.set("rankdir", "LR");
    w.set("label", &title);
    w.set("labelloc", "t");
    w.set("fontname", "Helvetica");
    // newrank avoids dot's "trouble in init_rank" with nested clusters.
    w.set("newrank", "true");
    w.defaults("node", &[("fontname", "Helvetica"), ("fontsize", "10")]);
    w.defaults("edge", &[("fontname", "Helvetica"), ("fontsize", "8")]);
    let view = View::new(scan, lang);
    let mut hot_shown: HashSet<&str> = HashSet::new();
    for (a, b) in &on_path {
        for k in [a, b] {
            if let Some(text) = view.text.get(*k) {
                hot_shown.insert(view.shown(text));
            }
        }
    }
    // Nodes: unplaced at the top level; the others in zone → country →
    // provider clusters, so services sit with the company that runs them.
    type Members<'a> = Vec<(&'a str, &'a Drawn)>;
    let mut tree: BTreeMap<Zone, BTreeMap<&str, BTreeMap<&str, Members>>> = BTreeMap::new();
    for (key, node) in &view.nodes {
        match view.place.get(key) {
            Some((zone, country, group)) => tree
                .entry(*zone)
                .or_default()
                .entry(country.as_str())
                .or_default()
                .entry(group.as_deref().unwrap_or_default())
                .or_default()
                .push((key.as_str(), node)),
            None => write_node(&mut w, key, node, hot_shown.contains(key.as_str())),
        }
    }
    // Clusters are numbered in the order they close: a country's number
    // comes after its provider groups'.
    let mut n = 0usize;
    for (zone, countries) in tree {
        w.open(format_args!("cluster_z{}", zone as u8));
        w.set("label", zone.title(lang));
        w.set("style", "filled,rounded");
        w.set("fillcolor", zone.colour());
        w.set("color", "#999999");
        for (country, groups) in countries {
            let providers = groups.keys().filter(|g| !g.is_empty()).count();
            w.open(format_args!("cluster_c{}", n + providers + 1));
            w.set("label", &scan.country_name(country, lang));
            w.set("style", "rounded,dashed");
            w.set("color", "#b0b0b0");
            for (group, members) in groups {
                if !group.is_empty() {
                    n += 1;
                    w.open(format_args!("cluster_p{n}"));
                    w.set(
                        "label",
                        view.nodes.get(group).map_or("", |g| g.label.as_str()),
                    );
                    w.set("style", "rounded");
                    w.set("color", "#cfcfcf");
                }
                for (key, node) in members {
                    write_node(&mut w, key, node, hot_shown.contains(key));
                }
                if !group.is_empty() {
                    w.close();
                }
            }
            n += 1;
            w.close();
        }
        w.close();
    }
    // Edges: collapsed nodes share their edges; each is drawn once (hot wins).
    let mut drawn: BTreeMap<(&str, &str, EdgeKind), (String, bool, bool)> = BTreeMap::new();
    for e in &scan.graph.edges {
        let hot = on_path.contains(&(&e.from, &e.to));
        let (Some(from), Some(to)) = (view.text.get(&e.from), view.text.get(&e.to)) else {
            continue;
        };
        let (sf, st) = (view.shown(from), view.shown(to));
        let collapsed = sf != from || st != to;
        let slot = drawn.entry((sf, st, e.edge.kind)).or_insert_with(|| {
            let mut label = crate::words::edge(e.edge.kind, lang).to_string();
            if let Some(d) = &e.edge.detail
                && !d.starts_with(transfermap_model::graph::detail::FINGERPRINT_PREFIX)
                && !collapsed
            {
                label.push_str(": ");
                label.push_str(d);
            }
            // An inferred step says so, and how strongly, on the line itself.
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
            (label, false, e.edge.inference.is_some())
        });
        slot.1 |= hot;
    }
    let edge_count = drawn.len();
    for ((from, to, kind), (label, hot, inferred)) in &drawn {
        write_edge(&mut w, from, to, *kind, label, *hot, *inferred);
    }
    legend(&mut w, lang);
    let node_count = view.nodes.len();
    (w.finish(), node_count, edge_count)
}

fn write_edge(
    w: &mut DotWriter,
    from: &str,
    to: &str,
    kind: EdgeKind,
    label: &str,
    hot: bool,
    inferred: bool,
) {
    let mut attrs: Vec<(&'static str, &str)> = Vec::with_capacity(8);
    attrs.push(("label", label));
    if kind.carries_data() {
        attrs.push(("penwidth", "1.6"));
    } else {
        attrs.push(("style", "dashed"));
        attrs.push(("color", "#777777"));
        attrs.push(("fontcolor", "#777777"));
    }
    if hot {
        attrs.push(("color", "#c0392b"));
        attrs.push(("fontcolor", "#c0392b"));
        attrs.push(("penwidth", "2.4"));
    }
    if inferred {
        attrs.push(("style", "dotted"));
    }
    w.edge(from, to, &attrs);
}

/// What is drawn: the scan's nodes, with many SPF networks of one record
/// and many addresses of one host each collapsed into one node, and where
/// each drawn node is placed.
struct View<'a> {
    /// Every node's key as text, made once (edges name the same nodes
    /// many times).
    text: HashMap<&'a NodeKey, String>,
    nodes: BTreeMap<String, Drawn>,
    /// Original key → drawn key (only for collapsed nodes).
    alias: HashMap<String, String>,
    /// Drawn key → (zone, country, provider group).
    place: HashMap<String, (Zone, String, Option<String>)>,
}

/// More networks of one SPF record, or addresses of one host, than this
/// are drawn as one node.
const COLLAPSE: usize = 3;

impl<'a> View<'a> {
    fn new(scan: &'a Scan, lang: Lang) -> Self {
        let mut text: HashMap<&NodeKey, String> = HashMap::with_capacity(scan.graph.nodes.len());
        for n in &scan.graph.nodes {
            text.entry(&n.key).or_insert_with(|| n.key.to_string());
        }
        let kinds: HashMap<&NodeKey, NodeKind> =
            scan.graph.nodes.iter().map(|n| (&n.key, n.kind)).collect();
        // Groups to collapse: the networks an SPF record authorises, the
        // addresses a host resolves to.
        let mut groups: BTreeMap<(&NodeKey, EdgeKind), Vec<&NodeKey>> = BTreeMap::new();
        // Where addresses are, and the provider that runs each service
        // (the contracting entity); the last edge of each wins.
        let mut located: HashMap<&NodeKey, &str> = HashMap::new();
        let mut runs: HashMap<&NodeKey, &NodeKey> = HashMap::new();
        for e in &scan.graph.edges {
            // An edge may name a node the graph does not list (a scan read
            // back from a file): it is still drawn, as Graphviz would.
            for k in [&e.from, &e.to] {
                text.entry(k).or_insert_with(|| k.to_string());
            }
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
            if e.edge.kind == EdgeKind::LocatedIn
                && let NodeKey::Country(c) = &e.to
            {
                located.insert(&e.from, c);
            }
            if e.edge.kind == EdgeKind::OperatedBy
                && matches!(e.from, NodeKey::Service(_))
                && matches!(e.to, NodeKey::Provider(_))
            {
                runs.insert(&e.from, &e.to);
            }
        }
        let mut alias: HashMap<String, String> = HashMap::new();
        let mut nodes: BTreeMap<String, Drawn> = BTreeMap::new();
        let mut collapsed: HashSet<String> = HashSet::new();
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
                alias.entry(text[*m].clone()).or_insert_with(|| key.clone());
            }
            collapsed.insert(key.clone());
            nodes.insert(
                key,
                Drawn {
                    kind: node_kind,
                    label,
                    // A collapsed group straddles countries.
                    zone: Zone::Unplaced,
                    country: None,
                },
            );
        }
        for n in &scan.graph.nodes {
            let key = &text[&n.key];
            if alias.contains_key(key) {
                continue;
            }
            let country = match n.kind {
                NodeKind::Address | NodeKind::AddressRange => {
                    located.get(&n.key).map(|c| c.to_string())
                }
                _ => n.country.clone(),
            };
            let zone = match n.kind {
                NodeKind::Country
                | NodeKind::Site
                | NodeKind::Provider
                | NodeKind::Regime
                | NodeKind::Address
                | NodeKind::AddressRange => country
                    .as_deref()
                    .map_or(Zone::Unplaced, |c| zone_of_country(scan, c)),
                _ => Zone::Unplaced,
            };
            nodes.insert(
                key.clone(),
                Drawn {
                    kind: n.kind,
                    // A country in the report's language, as its cluster.
                    label: crate::words::node_label(scan, &n.key, lang),
                    zone,
                    country,
                },
            );
        }
        let providers_with_services: HashSet<&str> =
            runs.values().map(|p| text[*p].as_str()).collect();
        let run_by: HashMap<&str, &str> = runs
            .iter()
            .map(|(s, p)| (text[*s].as_str(), text[*p].as_str()))
            .collect();
        let mut place = HashMap::new();
        for (key, node) in &nodes {
            if collapsed.contains(key) {
                continue;
            }
            let entry = match (node.kind, &node.country) {
                (NodeKind::Service, _) => run_by.get(key.as_str()).and_then(|p| {
                    let c = nodes.get(*p)?.country.clone()?;
                    Some((zone_of_country(scan, &c), c, Some(p.to_string())))
                }),
                (_, Some(c)) if node.zone != Zone::Unplaced => {
                    let group = providers_with_services
                        .contains(key.as_str())
                        .then(|| key.clone());
                    Some((node.zone, c.clone(), group))
                }
                _ => None,
            };
            if let Some(e) = entry {
                place.insert(key.clone(), e);
            }
        }
        Self {
            text,
            nodes,
            alias,
            place,
        }
    }

    fn shown<'s>(&'s self, key: &'s str) -> &'s str {
        self.alias.get(key).map_or(key, |a| a.as_str())
    }
}

fn legend(w: &mut DotWriter, lang: Lang) {
    let t = |en: &'static str, sv: &'static str| match lang {
        Lang::En => en,
        Lang::Sv => sv,
    };
    w.open(format_args!("cluster_legend"));
    w.set("label", t("Legend", "Teckenförklaring"));
    w.set("style", "rounded");
    w.set("color", "#999999");
    let items = [
        ("legend:a", ""),
        (
            "legend:b",
            t("personal data flows", "personuppgifter flödar"),
        ),
        ("legend:c", ""),
        (
            "legend:d",
            t(
                "attribution (DNS, geodata, maps)",
                "tillskrivning (DNS, geodata, kartor)",
            ),
        ),
        ("legend:e", ""),
        ("legend:f", t("path of a finding", "väg till ett fynd")),
        ("legend:h", ""),
        (
            "legend:i",
            t(
                "inferred from several records (e.g. the mailboxes behind a gateway)",
                "slutsats av flera poster (t.ex. brevlådorna bakom ett filter)",
            ),
        ),
        (
            "legend:g",
            t(
                "blue: EU/EEA · green: adequate country · yellow: adequacy for some recipients only · red: third country",
                "blått: EU/EES · grönt: land med adekvansbeslut · gult: adekvansbeslut bara för vissa mottagare · rött: tredjeland",
            ),
        ),
    ];
    for (key, label) in items {
        w.node(
            key,
            &[("label", label), ("shape", "plaintext"), ("fontsize", "9")],
        );
    }
    w.edge("legend:a", "legend:b", &[("penwidth", "1.6")]);
    w.edge(
        "legend:c",
        "legend:d",
        &[("style", "dashed"), ("color", "#777777")],
    );
    w.edge(
        "legend:e",
        "legend:f",
        &[("color", "#c0392b"), ("penwidth", "2.4")],
    );
    w.edge(
        "legend:h",
        "legend:i",
        &[("penwidth", "1.6"), ("style", "dotted")],
    );
    w.close();
}

#[cfg(test)]
mod tests {
    use super::{DotWriter, quote};

    #[test]
    fn the_writer_lays_out_statements_and_quotes_every_value() {
        let mut w = DotWriter::digraph("g");
        w.set("label", "a \"title\"");
        w.defaults("node", &[("fontsize", "10")]);
        w.open(format_args!("cluster_x{}", 1));
        w.set("style", "rounded");
        w.node(
            "n\"]; x -> y; [\"",
            &[("label", "line\nbreak"), ("shape", "box")],
        );
        w.close();
        w.edge("a", "b", &[]);
        w.edge("a", "c", &[("color", "#c0392b")]);
        assert_eq!(
            w.finish(),
            concat!(
                "digraph g {\n",
                "  label=\"a \\\"title\\\"\"\n",
                "  node[fontsize=\"10\"]\n",
                "  subgraph cluster_x1 {\n",
                "    style=\"rounded\"\n",
                "    \"n\\\"]; x -> y; [\\\"\"[label=\"line<U+000A>break\" shape=\"box\"]\n",
                "  }\n",
                "  \"a\" -> \"b\"\n",
                "  \"a\" -> \"c\" [color=\"#c0392b\"]\n",
                "}\n"
            )
        );
    }

    #[test]
    fn quoting_neutralises_dot_syntax() {
        assert_eq!(quote(r#"a"b"#), r#""a\"b""#);
        assert_eq!(quote("x\\N\ny"), r#""x\\N<U+000A>y""#);
        assert_eq!(quote("\"]; evil -> x; [\""), r#""\"]; evil -> x; [\"""#);
        assert_eq!(quote("tab\there"), "\"tab<U+0009>here\"");
        assert_eq!(quote("\u{202e}evil"), "\"<U+202E>evil\"");
    }
}
