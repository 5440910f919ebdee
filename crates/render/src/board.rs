//! The board-level map: who holds the mail and under which law, on one
//! page. At most about a dozen nodes, in five columns: the mailboxes → the
//! services the data reaches (SPF senders summarised by vendor) → the
//! contracting entity → its parent and the law it is under → the third
//! countries, coloured by their legal status on the date. The detailed map
//! (every host, network and record) is [`crate::dot`]'s, in the appendix.
//!
//! The picture names no host or domain, only services, companies and
//! countries, so municipalities with the same setup get the same text, and
//! Graphviz lays each distinct picture out once per run
//! ([`crate::graphviz::layout_cached`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::dot::quote;
use transfermap_model::Lang;
use transfermap_model::finding::Basis;
use transfermap_model::graph::{EdgeKind, NodeKind};
use transfermap_model::key::NodeKey;
use transfermap_model::legal::{Condition, LegalStatus};
use transfermap_model::scan::Scan;

/// The most vendors drawn; the rest become one "more services" node.
const MAX_SERVICES: usize = 4;
/// The most third countries drawn; the rest become one node.
const MAX_COUNTRIES: usize = 3;
/// The most nodes on the map, legend aside: readable on A4.
pub const MAX_NODES: usize = 12;

/// The services of one vendor.
struct Group {
    names: Vec<String>,
    roles: BTreeSet<Role>,
    provider: Option<String>,
    rank: u8,
}

/// One service on the board and what the organisation uses it for.
#[derive(Default)]
struct Service {
    roles: BTreeSet<Role>,
    provider: Option<String>,
    /// Ranked before others: the mailboxes, then gateways.
    rank: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Mailboxes,
    Gateway,
    Sends,
    Reports,
    ClientAccess,
    Accounts,
}

impl Role {
    fn word(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Role::Mailboxes, Lang::En) => "mailboxes",
            (Role::Mailboxes, Lang::Sv) => "brevlådor",
            (Role::Gateway, Lang::En) => "mail filter",
            (Role::Gateway, Lang::Sv) => "e-postfilter",
            (Role::Sends, Lang::En) => "sends mail",
            (Role::Sends, Lang::Sv) => "skickar e-post",
            (Role::Reports, Lang::En) => "reports",
            (Role::Reports, Lang::Sv) => "rapporter",
            (Role::ClientAccess, Lang::En) => "client access",
            (Role::ClientAccess, Lang::Sv) => "klientåtkomst",
            (Role::Accounts, Lang::En) => "accounts",
            (Role::Accounts, Lang::Sv) => "konton",
        }
    }
}

/// The text of a DOT label from lines, each wrapped and escaped.
fn label(lines: &[String]) -> String {
    let inner: Vec<String> = lines
        .iter()
        .filter(|l| !l.is_empty())
        .flat_map(|l| wrap(l, WRAP))
        .map(|l| {
            let q = quote(&l);
            q[1..q.len() - 1].to_string()
        })
        .collect();
    format!("\"{}\"", inner.join("\\n"))
}

/// Characters on one line of a node, so that five columns fit A4.
const WRAP: usize = 34;

/// Break a line at spaces so that no piece is much longer than `width`.
fn wrap(line: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in line.split(' ') {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A short statement of a legal status, for a node.
pub fn short_status(status: &LegalStatus, lang: Lang) -> &'static str {
    use Lang::*;
    match (status, lang) {
        (LegalStatus::EuEea, En) => "EU/EEA",
        (LegalStatus::EuEea, Sv) => "EU/EES",
        (LegalStatus::Adequate { .. }, En) => "adequacy decision",
        (LegalStatus::Adequate { .. }, Sv) => "adekvansbeslut",
        (LegalStatus::Interim { .. }, En) => "interim bridge: not a transfer",
        (LegalStatus::Interim { .. }, Sv) => "övergångsregel: ingen överföring",
        (
            LegalStatus::AdequateIf {
                condition: Condition::CertifiedUnder { .. },
                met,
                ..
            },
            _,
        ) => match (met, lang) {
            (Some(true), En) => "DPF: recipient certified",
            (Some(true), Sv) => "DPF: mottagaren certifierad",
            (Some(false), En) => "DPF: not certified: SCCs + TIA",
            (Some(false), Sv) => "DPF: ej certifierad: SCC + TIA",
            (None, En) => "DPF: certification not recorded: check",
            (None, Sv) => "DPF: certifiering ej känd: kontrollera",
        },
        (LegalStatus::AdequateIf { .. }, En) => "adequacy in part: check the recipient",
        (LegalStatus::AdequateIf { .. }, Sv) => "adekvans delvis: kontrollera mottagaren",
        (LegalStatus::NoAdequacy { .. }, En) => "no adequacy: SCCs + TIA",
        (LegalStatus::NoAdequacy { .. }, Sv) => "inget adekvansbeslut: SCC + TIA",
    }
}

fn fill(status: &LegalStatus) -> &'static str {
    match status.demand() {
        0 => "#e8f1fb",
        1 | 2 => "#eef7e8",
        3 => "#fff6e0",
        _ => "#fdecea",
    }
}

/// The board-level map of a scan, as DOT text.
pub fn board(scan: &Scan, lang: Lang) -> String {
    let t = |en: &'static str, sv: &'static str| match lang {
        Lang::En => en,
        Lang::Sv => sv,
    };
    // Who runs each service, from the graph (service → operated by).
    let label_of = scan.graph.labels();
    let kind_of: BTreeMap<&NodeKey, NodeKind> =
        scan.graph.nodes.iter().map(|n| (&n.key, n.kind)).collect();
    let mut operator: BTreeMap<&str, &str> = BTreeMap::new();
    for e in &scan.graph.edges {
        if e.edge.kind == EdgeKind::OperatedBy
            && kind_of.get(&e.from) == Some(&NodeKind::Service)
            && let (Some(s), Some(p)) = (label_of.get(&e.from), label_of.get(&e.to))
        {
            operator.entry(s).or_insert(p);
        }
    }
    // The services and their roles, from the flows.
    let mut services: BTreeMap<String, Service> = BTreeMap::new();
    let mut unattributed = 0usize;
    for f in &scan.flows {
        let role = match f.kind {
            EdgeKind::DeliversTo => None,
            EdgeKind::SendsVia | EdgeKind::Authorises => Some(Role::Sends),
            EdgeKind::ReportsTo => Some(Role::Reports),
            EdgeKind::ClientAccess => Some(Role::ClientAccess),
            EdgeKind::HasAccountsAt => Some(Role::Accounts),
            _ => continue,
        };
        unattributed += f.unattributed;
        match role {
            None => {
                if let Some(m) = &f.mailbox {
                    let s = services.entry(m.service.clone()).or_default();
                    s.roles.insert(Role::Mailboxes);
                    s.rank = 0;
                    s.provider = m.provider.clone();
                }
                for g in &f.gateways {
                    if f.mailbox.as_ref().is_some_and(|m| &m.service == g) {
                        continue;
                    }
                    let s = services.entry(g.clone()).or_insert_with(|| Service {
                        rank: 1,
                        ..Service::default()
                    });
                    s.roles.insert(Role::Gateway);
                }
            }
            Some(role) => {
                for name in &f.services {
                    let s = services.entry(name.clone()).or_insert_with(|| Service {
                        rank: 2,
                        ..Service::default()
                    });
                    s.roles.insert(role);
                }
            }
        }
    }
    for (name, s) in services.iter_mut() {
        if s.provider.is_none() {
            s.provider = operator.get(name.as_str()).map(|p| p.to_string());
        }
    }
    // Parties by name: their parent and laws, as the analysis recorded them.
    let party_by_name: BTreeMap<&str, &transfermap_model::scan::Party> =
        scan.parties.iter().map(|p| (p.name.as_str(), p)).collect();
    let party_by_key: BTreeMap<&NodeKey, &transfermap_model::scan::Party> =
        scan.parties.iter().map(|p| (&p.key, p)).collect();
    // Services that lead to a third country rank before those that do not.
    let mut reaching: BTreeSet<String> = BTreeSet::new();
    for f in &scan.findings {
        if f.country.is_none() {
            continue;
        }
        for p in f.parties().into_iter().filter_map(|k| party_by_key.get(k)) {
            reaching.insert(p.name.clone());
            if let Some(parent) = &p.parent {
                reaching.insert(parent.clone());
            }
        }
    }
    // SPF senders and other services are summarised by the company that
    // runs them: one box per vendor, its services named in it.
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for (name, s) in &services {
        let key = s.provider.clone().unwrap_or_else(|| name.clone());
        let g = groups.entry(key).or_insert_with(|| Group {
            names: Vec::new(),
            roles: BTreeSet::new(),
            provider: s.provider.clone(),
            rank: s.rank,
        });
        g.names.push(name.clone());
        g.roles.extend(s.roles.iter().copied());
        g.rank = g.rank.min(s.rank);
    }
    let mut order: Vec<Group> = groups.into_values().collect();
    order.sort_by_key(|g| {
        let reaches = g.provider.as_ref().is_some_and(|p| reaching.contains(p));
        (g.rank, !reaches, g.names.first().cloned())
    });
    // As many vendors as fit in MAX_NODES with their companies and the
    // countries; the rest are summed up in one box.
    let company_count = |groups: &[Group]| {
        let mut set = BTreeSet::new();
        for g in groups {
            if let Some(p) = &g.provider {
                set.insert(p.clone());
                if let Some(parent) = party_by_name.get(p.as_str()).and_then(|q| q.parent.clone()) {
                    set.insert(parent);
                }
            }
        }
        set.len()
    };
    let country_count = scan
        .destinations
        .iter()
        .map(|d| d.country.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    let country_nodes =
        country_count.min(MAX_COUNTRIES) + usize::from(country_count > MAX_COUNTRIES);
    let mut take = order.len().min(MAX_SERVICES);
    while take > 1 {
        let more = usize::from(take < order.len() || unattributed > 0);
        let n = 1 + take + more + company_count(&order[..take]) + country_nodes.max(1);
        if n <= MAX_NODES {
            break;
        }
        take -= 1;
    }
    let shown: Vec<&Group> = order.iter().take(take).collect();
    let hidden: usize = order.iter().skip(take).map(|g| g.names.len()).sum();

    let mut dot = String::new();
    let _ = writeln!(
        dot,
        "digraph board {{\n  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, nodesep=0.25, ranksep=0.45, pad=0.2];\n  node [fontname=\"Helvetica\", fontsize=11, shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", margin=\"0.12,0.06\"];\n  edge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\"];"
    );
    let _ = writeln!(
        dot,
        "  org [label={}, shape=folder, fillcolor=\"#e8f1fb\"];",
        label(&[t("The organisation's mailboxes", "Organisationens brevlådor").to_string()])
    );
    // Companies: contracting entity → parent.
    let mut companies: BTreeMap<String, (usize, Vec<String>, String)> = BTreeMap::new();
    let company_id =
        |name: &str, companies: &mut BTreeMap<String, (usize, Vec<String>, String)>| {
            let n = companies.len();
            companies
                .entry(name.to_string())
                .or_insert_with(|| {
                    let p = party_by_name.get(name);
                    let country = p
                        .and_then(|p| p.country.as_deref())
                        .map(|c| scan.country_name(c, lang))
                        .unwrap_or_default();
                    let laws = p.map(|p| p.laws.clone()).unwrap_or_default();
                    (n, laws, country)
                })
                .0
        };
    let mut edges: BTreeSet<(String, String, String, &'static str)> = BTreeSet::new();
    for (i, s) in shown.iter().enumerate() {
        let roles: Vec<&str> = s.roles.iter().map(|r| r.word(lang)).collect();
        let name = if s.names.len() > 3 {
            match lang {
                Lang::En => format!(
                    "{}, {} and {} more",
                    s.names[0],
                    s.names[1],
                    s.names.len() - 2
                ),
                Lang::Sv => format!(
                    "{}, {} och {} till",
                    s.names[0],
                    s.names[1],
                    s.names.len() - 2
                ),
            }
        } else {
            s.names.join(", ")
        };
        let style = if s.roles.contains(&Role::Mailboxes) {
            ", penwidth=2"
        } else {
            ""
        };
        let _ = writeln!(
            dot,
            "  s{i} [label={}{style}];",
            label(&[name, roles.join(", ")])
        );
        let flow = if s.roles.contains(&Role::Mailboxes) {
            t("mail is stored", "e-post lagras")
        } else {
            ""
        };
        edges.insert(("org".into(), format!("s{i}"), flow.into(), "bold"));
        if let Some(p) = &s.provider {
            let c = company_id(p, &mut companies);
            edges.insert((
                format!("s{i}"),
                format!("c{c}"),
                t("run by", "drivs av").into(),
                "dashed",
            ));
            if let Some(parent) = party_by_name.get(p.as_str()).and_then(|q| q.parent.clone()) {
                let pc = company_id(&parent, &mut companies);
                edges.insert((
                    format!("c{c}"),
                    format!("c{pc}"),
                    t("owned by", "ägs av").into(),
                    "dashed",
                ));
            }
        }
    }
    // Counts are left to the report's tables: a picture without them is
    // the same for every organisation with the same setup.
    if hidden > 0 || unattributed > 0 {
        let mut lines = Vec::new();
        if hidden > 0 {
            lines.push(t("More services", "Fler tjänster").to_string());
        }
        if unattributed > 0 {
            lines.push(
                t(
                    "hosts or networks not identified",
                    "värdar eller nät som inte identifierats",
                )
                .to_string(),
            );
        }
        lines.push(t("see the detailed map", "se den detaljerade kartan").to_string());
        let _ = writeln!(
            dot,
            "  more [label={}, style=\"rounded,dashed\"];",
            label(&lines)
        );
        edges.insert(("org".into(), "more".into(), String::new(), "bold"));
    }
    // Third countries: the destinations, most demanding status first.
    let mut by_country: BTreeMap<&str, &LegalStatus> = BTreeMap::new();
    for d in &scan.destinations {
        let e = by_country.entry(d.country.as_str()).or_insert(&d.status);
        if d.status.demand() > e.demand() {
            *e = &d.status;
        }
    }
    // Countries a third country's law reaches first (the legal exposure),
    // then by how much their status asks.
    let by_law: BTreeSet<&str> = scan
        .findings
        .iter()
        .filter(|f| f.basis == Basis::Legal)
        .flat_map(|f| f.occurrences().filter_map(|o| o.country))
        .collect();
    let mut countries: Vec<(&str, &LegalStatus)> = by_country.into_iter().collect();
    countries.sort_by_key(|(c, s)| (!by_law.contains(c), u8::MAX - s.demand(), c.to_string()));
    let shown_countries: Vec<(&str, &LegalStatus)> =
        countries.iter().take(MAX_COUNTRIES).copied().collect();
    let hidden_countries = countries.len().saturating_sub(MAX_COUNTRIES);
    // The hidden countries share one node, reached the same ways.
    let country_ix: BTreeMap<&str, String> = countries
        .iter()
        .enumerate()
        .map(|(i, (c, _))| {
            let id = if i < MAX_COUNTRIES {
                format!("k{i}")
            } else {
                "kmore".to_string()
            };
            (*c, id)
        })
        .collect();
    let service_ix: BTreeMap<&str, usize> = shown
        .iter()
        .enumerate()
        .flat_map(|(i, g)| g.names.iter().map(move |n| (n.as_str(), i)))
        .collect();
    // How each country is reached: through a company's law (or what it
    // declares), or through the servers of a service on the path — from
    // the findings, whose paths carry the evidence.
    for f in &scan.findings {
        for o in f.occurrences().filter(|o| !o.is_artefact()) {
            let party = o
                .party
                .and_then(|k| party_by_key.get(k))
                .filter(|p| companies.contains_key(&p.name));
            let Some(to) = o.country.and_then(|c| country_ix.get(c)).cloned() else {
                continue;
            };
            let (how, style) = match f.basis {
                Basis::Legal => (t("its law reaches", "dess lag når"), "solid"),
                Basis::Declared => (t("declared location", "uppgiven plats"), "solid"),
                Basis::Measured => (t("servers located", "servrar belägna"), "solid"),
                Basis::Organisation => (
                    t("the organisation's model", "organisationens modell"),
                    "solid",
                ),
            };
            let via_service = o
                .path
                .iter()
                .find_map(|h| label_of.get(&h.to).and_then(|l| service_ix.get(l)).copied());
            // A law reaches through the company that is under it: the
            // parent, when a subsidiary is under it only through the parent.
            let subject_of_law = |p: &transfermap_model::scan::Party| {
                p.parent
                    .as_ref()
                    .filter(|pp| companies.get(*pp).is_some_and(|(_, l, _)| *l == p.laws))
                    .map(|pp| companies[pp].0)
                    .unwrap_or(companies[&p.name].0)
            };
            let from = match (f.basis, party, via_service) {
                (Basis::Legal, Some(p), _) => format!("c{}", subject_of_law(p)),
                // A law reached only through a network's holder is in the
                // detailed map, not here.
                (Basis::Legal, None, _) => continue,
                (Basis::Declared, Some(p), _) => format!("c{}", companies[&p.name].0),
                (_, _, Some(i)) => format!("s{i}"),
                (_, Some(p), None) => format!("c{}", companies[&p.name].0),
                (_, None, None) => "org".to_string(),
            };
            edges.insert((from, to, how.into(), style));
        }
    }
    for (name, (i, laws, country)) in &companies {
        // A subsidiary is under its parent's law through the parent: say it
        // once, on the parent.
        let parent_on_board = party_by_name
            .get(name.as_str())
            .and_then(|p| p.parent.as_ref())
            .and_then(|pp| companies.get(pp));
        let laws = match parent_on_board {
            Some((_, parent_laws, _)) if parent_laws == laws => &Vec::new(),
            _ => laws,
        };
        let mut lines = vec![name.clone()];
        if !country.is_empty() {
            lines.push(country.clone());
        }
        if !laws.is_empty() {
            let short: Vec<String> = laws
                .iter()
                .map(|l| l.split(" (").next().unwrap_or(l).to_string())
                .collect();
            lines.push(short.join(", "));
        }
        let fill = if laws.is_empty() {
            "#ffffff"
        } else {
            "#fdecea"
        };
        let _ = writeln!(
            dot,
            "  c{i} [label={}, fillcolor=\"{fill}\"];",
            label(&lines)
        );
    }
    for (i, (code, status)) in shown_countries.iter().enumerate() {
        // The most demanding status leads; say so when others differ.
        let statuses = scan
            .destinations
            .iter()
            .filter(|d| d.country == *code)
            .count();
        let mut state = short_status(status, lang).to_string();
        if statuses > 1 {
            state.push_str(t(" (for some recipients)", " (för vissa mottagare)"));
        }
        let _ = writeln!(
            dot,
            "  k{i} [label={}, shape=ellipse, fillcolor=\"{}\"];",
            label(&[scan.country_name(code, lang), state]),
            fill(status)
        );
    }
    if hidden_countries > 0 {
        let _ = writeln!(
            dot,
            "  kmore [label={}, shape=ellipse, style=\"dashed\"];",
            label(&[
                t("More third countries", "Fler tredjeländer").to_string(),
                t(
                    "see the destinations table",
                    "se tabellen över mottagarländer"
                )
                .to_string(),
            ])
        );
    }
    if countries.is_empty() {
        let _ = writeln!(
            dot,
            "  none [label={}, shape=ellipse, fillcolor=\"#e8f1fb\"];",
            label(&[t(
                "No path to a third country was found",
                "Ingen väg till tredjeland hittades"
            )
            .to_string()])
        );
    }
    // One line per pair of nodes, its reasons joined.
    let mut lines: BTreeMap<(String, String), (Vec<String>, &str)> = BTreeMap::new();
    for (from, to, text, style) in edges {
        let e = lines.entry((from, to)).or_insert((Vec::new(), style));
        if !text.is_empty() && !e.0.contains(&text) {
            e.0.push(text);
        }
    }
    for ((from, to), (texts, style)) in &lines {
        let width = if *style == "bold" {
            ", penwidth=1.6"
        } else {
            ""
        };
        let style = if *style == "bold" { "solid" } else { style };
        let _ = writeln!(
            dot,
            "  {from} -> {to} [label={}, style={style}{width}];",
            label(&[texts.join(", ")])
        );
    }
    // The legend, under the picture: every shape and line style used.
    let legend = [
        t(
            "Folder: the organisation. Box: a service or a company; red: under a third country's law.",
            "Mapp: organisationen. Ruta: en tjänst eller ett företag; röd: lyder under ett tredjelands lag.",
        ),
        t(
            "Oval: a third country, coloured by its legal status on the date (red: safeguards needed; yellow: to check; green: covered).",
            "Oval: ett tredjeland, färgat efter rättsläget på datumet (rött: skyddsåtgärder krävs; gult: kontrollera; grönt: täckt).",
        ),
        t(
            "Thick line: personal data flows. Dashed: who runs or owns it. Thin: how a country is reached.",
            "Tjock linje: personuppgifter flödar. Streckad: vem som driver eller äger. Tunn: hur landet nås.",
        ),
    ];
    let legend: Vec<String> = legend
        .iter()
        .map(|l| {
            let q = quote(l);
            q[1..q.len() - 1].to_string()
        })
        .collect();
    let _ = writeln!(
        dot,
        "  label=\"{}\\l\"; labelloc=b; labeljust=l; fontsize=9;",
        legend.join("\\l")
    );
    dot.push_str("}\n");
    dot
}
