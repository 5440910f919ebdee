//! `report.md`: summary, findings table, and each path hop by hop with its
//! evidence — in English or Swedish.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::Lang;
use crate::analyse::{Finding, rule};
use crate::evidence::EvidenceId;
use crate::maps::KnowledgeBase;
use crate::scan::Scan;

/// Escape text for Markdown (and the HTML a Markdown renderer may pass
/// through): nothing from DNS can open a link, a tag, a table cell or a
/// code span, and it stays on one line.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().take(500) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '|' | '!' | '{' | '}' | '~'
            | '"' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    if text.chars().count() > 500 {
        out.push('…');
    }
    out
}

struct Words {
    title: &'static str,
    scope: &'static str,
    as_of: &'static str,
    scanned: &'static str,
    resolver: &'static str,
    offline: &'static str,
    maps: &'static str,
    geodata: &'static str,
    summary: &'static str,
    findings: &'static str,
    none: &'static str,
    paths: &'static str,
    status: &'static str,
    basis: &'static str,
    severity: &'static str,
    country: &'static str,
    entry: &'static str,
    rule: &'static str,
    evidence: &'static str,
    problems: &'static str,
    no_problems: &'static str,
    reading: &'static str,
    reproduce: &'static str,
    subject_to: &'static str,
    attribution: &'static str,
    queries: &'static str,
    files: &'static str,
    built_in: &'static str,
    flows: &'static str,
    flows_intro: &'static str,
    flow: &'static str,
    to: &'static str,
    services: &'static str,
    providers: &'static str,
    located: &'static str,
    declared: &'static str,
    unattributed: &'static str,
    inbound: &'static str,
    outbound: &'static str,
    reports: &'static str,
    clients: &'static str,
    accounts: &'static str,
    outbound_dkim: &'static str,
}

const EN: Words = Words {
    title: "Transfer map",
    scope: "Scope",
    as_of: "Legal status as of",
    scanned: "Scanned",
    resolver: "DNS resolver",
    offline: "Offline: zones served from recorded files",
    maps: "Knowledge base",
    geodata: "Geolocation databases",
    summary: "Summary",
    findings: "Findings",
    none: "No path from the organisation's e-mail reaches a third country or a third country's law in what was observed.",
    paths: "Paths, hop by hop",
    status: "Legal status",
    basis: "Basis",
    severity: "Severity",
    country: "Country",
    entry: "Entry",
    rule: "Rule",
    evidence: "Evidence",
    problems: "Problems met during the scan",
    no_problems: "None.",
    reading: "*Measured* facts come from DNS answers and geolocation databases; *declared* facts from providers' own statements (with source and date); *legal* facts from the law a party is subject to. A registry country describes where a network's holder is registered — its jurisdiction — not where a server stands.",
    reproduce: "How to reproduce",
    subject_to: "subject to",
    attribution: "Geolocation data: IP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0; registry country: IPtoASN (PDDL); ASN: RouteViews, NRO, DB-IP (CC BY 4.0).",
    queries: "queries",
    files: "files",
    built_in: "built in",
    flows: "Mail flows",
    flows_intro: "Every way personal data leaves the mailboxes according to DNS, and what it reaches. Hosts that no fingerprint attributes to a known service are counted as unattributed: unknown is not the same as EU-only.",
    flow: "Flow",
    to: "To",
    services: "Services",
    providers: "Providers",
    located: "Servers geolocated in",
    declared: "Declared storage/processing in",
    unattributed: "Unattributed hosts",
    inbound: "Inbound mail (MX)",
    outbound: "Outbound mail (SPF)",
    reports: "Reports",
    clients: "Clients and devices",
    accounts: "SaaS accounts (verified domain)",
    outbound_dkim: "Outbound mail signed by",
};

const SV: Words = Words {
    title: "Överföringskarta",
    scope: "Omfattning",
    as_of: "Rättsläge per",
    scanned: "Skannad",
    resolver: "DNS-resolver",
    offline: "Offline: zoner från inspelade filer",
    maps: "Kunskapsbas",
    geodata: "Geolokaliseringsdatabaser",
    summary: "Sammanfattning",
    findings: "Fynd",
    none: "Ingen väg från organisationens e-post når ett tredjeland eller ett tredjelands lag i det som observerades.",
    paths: "Vägar, steg för steg",
    status: "Rättsläge",
    basis: "Grund",
    severity: "Allvar",
    country: "Land",
    entry: "Ingång",
    rule: "Regel",
    evidence: "Belägg",
    problems: "Problem under skanningen",
    no_problems: "Inga.",
    reading: "*Uppmätta* uppgifter kommer från DNS-svar och geolokaliseringsdatabaser; *uppgivna* från leverantörernas egna uppgifter (med källa och datum); *rättsliga* från den lag en part lyder under. Ett registerland anger var ett näts innehavare är registrerad — dess jurisdiktion — inte var en server står.",
    reproduce: "Så återskapas resultatet",
    subject_to: "lyder under",
    attribution: "Geolokaliseringsdata: IP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0; registerland: IPtoASN (PDDL); ASN: RouteViews, NRO, DB-IP (CC BY 4.0).",
    queries: "frågor",
    files: "filer",
    built_in: "inbyggd",
    flows: "E-postflöden",
    flows_intro: "Alla vägar personuppgifter lämnar brevlådorna enligt DNS, och vad de når. Värdar som inget fingeravtryck knyter till en känd tjänst räknas som okända: okänt är inte detsamma som enbart EU.",
    flow: "Flöde",
    to: "Till",
    services: "Tjänster",
    providers: "Leverantörer",
    located: "Servrar geolokaliserade i",
    declared: "Uppgiven lagring/behandling i",
    unattributed: "Okända värdar",
    inbound: "Inkommande e-post (MX)",
    outbound: "Utgående e-post (SPF)",
    reports: "Rapporter",
    clients: "Klienter och enheter",
    accounts: "SaaS-konton (verifierad domän)",
    outbound_dkim: "Utgående e-post signerad av",
};

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::Sv => &SV,
    }
}

/// The domain as people write it (Unicode), falling back to the queried form.
pub fn shown_domain(scan: &Scan) -> &str {
    if scan.display_domain.is_empty() {
        &scan.domain
    } else {
        &scan.display_domain
    }
}

/// The label of the node with this key (the key itself if there is none).
pub fn label_of<'a>(scan: &'a Scan, key: &'a str) -> &'a str {
    scan.graph
        .nodes
        .iter()
        .find(|n| n.key == key)
        .map(|n| n.label.as_str())
        .unwrap_or(key)
}

fn evidence_line(scan: &Scan, id: EvidenceId) -> String {
    match scan.evidence(id) {
        Some(e) => format!("{id}: {}", escape(&e.summary())),
        None => format!("{id}: (missing)"),
    }
}

/// Render the report.
pub fn report(scan: &Scan, kb: &KnowledgeBase, lang: Lang) -> String {
    let w = words(lang);
    let mut s = String::new();
    let _ = writeln!(s, "# {}: {}\n", w.title, escape(shown_domain(scan)));
    let _ = writeln!(s, "## {}\n", w.scope);
    let _ = writeln!(s, "- {}: **{}**", w.as_of, scan.as_of);
    let _ = writeln!(
        s,
        "- {}: {} – {}",
        w.scanned,
        scan.started.format("%Y-%m-%d %H:%M:%S UTC"),
        scan.finished.format("%H:%M:%S UTC")
    );
    let _ = writeln!(
        s,
        "- {}: {} ({} {})",
        w.resolver,
        escape(&scan.resolver),
        scan.queries,
        w.queries
    );
    if !scan.zone_files.is_empty() {
        let zones: Vec<String> = scan.zone_files.iter().map(|z| escape(z)).collect();
        let _ = writeln!(s, "- {}: {}", w.offline, zones.join(", "));
    }
    let origin = if scan.maps.origin == "embedded" {
        w.built_in.to_string()
    } else {
        escape(&scan.maps.origin)
    };
    let _ = writeln!(
        s,
        "- {}: {} ({} {})",
        w.maps,
        origin,
        scan.maps.files.len(),
        w.files
    );
    let dbs: Vec<String> = scan
        .geodata
        .iter()
        .map(|d| {
            format!(
                "{} `{}` ({}, {})",
                d.role,
                escape(&d.file),
                escape(&d.database_type),
                d.build_date
            )
        })
        .collect();
    let _ = writeln!(s, "- {}: {}\n", w.geodata, dbs.join("; "));
    let _ = writeln!(s, "{}\n", w.reading);

    summary(&mut s, scan, kb, lang);
    flows(&mut s, scan, kb, lang);
    parties(&mut s, scan, kb, lang);
    table(&mut s, scan, kb, lang);
    paths(&mut s, scan, kb, lang);

    let _ = writeln!(s, "## {}\n", w.problems);
    if scan.problems.is_empty() {
        let _ = writeln!(s, "{}\n", w.no_problems);
    }
    for p in &scan.problems {
        let ev: Vec<String> = p.evidence.iter().map(|e| e.to_string()).collect();
        let _ = writeln!(
            s,
            "- `{}` {} ({})",
            p.code,
            escape(&p.message),
            ev.join(", ")
        );
    }
    if !scan.problems.is_empty() {
        s.push('\n');
    }
    let _ = writeln!(s, "## {}\n", w.reproduce);
    let mut cmd = format!("transfermap scan {} --as-of {}", scan.domain, scan.as_of);
    for z in &scan.zone_files {
        cmd.push_str(&format!(" --zone-file {}", shell_word(z)));
    }
    if lang == Lang::Sv {
        cmd.push_str(" --lang sv");
    }
    let _ = writeln!(s, "```sh\n{cmd}\n```\n");
    let _ = writeln!(s, "{}", w.attribution);
    s
}

/// Quote a path for the reproduce command if it holds anything unusual.
fn shell_word(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''").replace('`', ""))
    }
}

fn summary(s: &mut String, scan: &Scan, kb: &KnowledgeBase, lang: Lang) {
    let w = words(lang);
    let _ = writeln!(s, "## {}\n", w.summary);
    let transfers: Vec<&Finding> = scan
        .findings
        .iter()
        .filter(|f| !f.country.is_empty())
        .collect();
    if transfers.is_empty() {
        let _ = writeln!(s, "{}\n", w.none);
        return;
    }
    let mut by_country: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &transfers {
        by_country.entry(f.country.as_str()).or_default().push(f);
    }
    for (country, list) in by_country {
        let mut rules: Vec<String> = list
            .iter()
            .map(|f| format!("{} ({})", f.rule, f.basis.label(lang)))
            .collect();
        rules.sort();
        rules.dedup();
        let status = list[0].status.describe(lang);
        let _ = writeln!(
            s,
            "- **{}** ({}): {} — {}",
            escape(&kb.country_name(country, lang)),
            escape(country),
            rules.join(", "),
            escape(&status)
        );
    }
    s.push('\n');
}

/// The companies the data reaches: country, parent, the laws they are
/// under, their EU–US Data Privacy Framework certification on the date, and
/// the sub-processors they publish.
fn parties(s: &mut String, scan: &Scan, kb: &KnowledgeBase, lang: Lang) {
    use crate::graph::{EdgeKind, NodeKind};
    let (title, h_country, h_parent, h_law, h_dpf, h_subs, none, yes, no, unrecorded) = match lang {
        Lang::En => (
            "Providers and sub-processors",
            "Country",
            "Parent",
            "Under the law of (itself or a parent)",
            "DPF certified on the date",
            "Sub-processors (published)",
            "No provider is recognised in what was observed.",
            "yes",
            "no",
            "not recorded",
        ),
        Lang::Sv => (
            "Leverantörer och underbiträden",
            "Land",
            "Moderbolag",
            "Lyder under (själv eller via moderbolag)",
            "DPF-certifierad vid datumet",
            "Underbiträden (publicerade)",
            "Ingen leverantör kändes igen i det som observerades.",
            "ja",
            "nej",
            "ej registrerad",
        ),
    };
    let _ = writeln!(s, "## {title}\n");
    let providers: Vec<&crate::graph::Node> = scan
        .graph
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Provider && !n.key.starts_with("subprocessor:"))
        .collect();
    if providers.is_empty() {
        let _ = writeln!(s, "{none}\n");
        return;
    }
    let _ = writeln!(
        s,
        "| | {h_country} | {h_parent} | {h_law} | {h_dpf} | {h_subs} |\n|---|---|---|---|---|---|"
    );
    for p in providers {
        let id = p.key.trim_start_matches("provider:");
        let mapped = kb
            .providers
            .get(id)
            .filter(|_| p.key.starts_with("provider:"));
        let parent = mapped
            .and_then(|m| m.parent.as_deref())
            .and_then(|pid| kb.providers.get(pid))
            .map(|pp| pp.name.clone())
            .unwrap_or_else(|| "—".into());
        let laws: Vec<String> = mapped
            .map(|_| {
                kb.provider_chain(id)
                    .iter()
                    .flat_map(|q| q.regimes.iter())
                    .filter_map(|r| kb.regimes.get(r).map(|r| r.name.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let dpf = match mapped {
            // "no" only where a recorded certification misses the date;
            // without any record the maps know nothing either way.
            Some(_) => match kb.dpf_certified_on(id, scan.as_of) {
                Some(true) => yes,
                Some(false) => no,
                None => unrecorded,
            },
            None => "—",
        };
        let subs: Vec<String> = scan
            .graph
            .edges
            .iter()
            .filter(|e| e.edge.kind == EdgeKind::SubProcesses)
            .filter(|e| {
                scan.graph.edges.iter().any(|x| {
                    x.from == e.from && x.to == p.key && x.edge.kind == EdgeKind::OperatedBy
                })
            })
            .map(|e| label_of(scan, &e.to).to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let country = p
            .country
            .as_deref()
            .map(|c| format!("{} ({c})", kb.country_name(c, lang)))
            .unwrap_or_else(|| "—".into());
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            escape(&p.label),
            escape(&country),
            escape(&parent),
            escape(&if laws.is_empty() {
                "—".to_string()
            } else {
                laws.join(", ")
            }),
            dpf,
            escape(&if subs.is_empty() {
                "—".to_string()
            } else {
                subs.join("; ")
            })
        );
    }
    s.push('\n');
}

fn countries(codes: &std::collections::BTreeSet<String>, kb: &KnowledgeBase, lang: Lang) -> String {
    if codes.is_empty() {
        return "—".into();
    }
    let names: Vec<String> = codes
        .iter()
        .map(|c| format!("{} ({c})", kb.country_name(c, lang)))
        .collect();
    escape(&names.join(", "))
}

fn list(items: &std::collections::BTreeSet<String>) -> String {
    if items.is_empty() {
        "—".into()
    } else {
        escape(&items.iter().cloned().collect::<Vec<_>>().join(", "))
    }
}

fn flows(s: &mut String, scan: &Scan, kb: &KnowledgeBase, lang: Lang) {
    use crate::graph::EdgeKind;
    let w = words(lang);
    let _ = writeln!(
        s,
        "## {}

{}
",
        w.flows, w.flows_intro
    );
    if scan.flows.is_empty() {
        let _ = writeln!(
            s,
            "{}
",
            w.no_problems
        );
        return;
    }
    let _ = writeln!(
        s,
        "| {} | {} | {} | {} | {} | {} | {} |\n|---|---|---|---|---|---|---|",
        w.flow, w.to, w.services, w.providers, w.located, w.declared, w.unattributed
    );
    for f in &scan.flows {
        let kind = match f.kind {
            EdgeKind::DeliversTo => w.inbound.to_string(),
            EdgeKind::SendsVia if f.detail.is_some() => format!(
                "{} ({})",
                w.outbound_dkim,
                escape(f.detail.as_deref().unwrap_or(""))
            ),
            EdgeKind::SendsVia => w.outbound.to_string(),
            EdgeKind::ReportsTo => format!(
                "{} ({})",
                w.reports,
                escape(f.detail.as_deref().unwrap_or(""))
            ),
            EdgeKind::ClientAccess => match &f.detail {
                Some(d) => format!("{} ({})", w.clients, escape(d)),
                None => w.clients.to_string(),
            },
            EdgeKind::HasAccountsAt => format!(
                "{} ({})",
                w.accounts,
                escape(f.detail.as_deref().unwrap_or(""))
            ),
            other => other.label().to_string(),
        };
        let _ = writeln!(
            s,
            "| {kind} | {} | {} | {} | {} | {} | {} |",
            escape(label_of(scan, &f.entry)),
            list(&f.services),
            list(&f.providers),
            countries(&f.located, kb, lang),
            countries(&f.declared, kb, lang),
            f.unattributed
        );
    }
    s.push('\n');
}

fn table(s: &mut String, scan: &Scan, kb: &KnowledgeBase, lang: Lang) {
    let w = words(lang);
    let _ = writeln!(s, "## {}\n", w.findings);
    if scan.findings.is_empty() {
        let _ = writeln!(s, "{}\n", w.none);
        return;
    }
    let _ = writeln!(
        s,
        "| ID | {} | {} | {} | {} | {} | {} |\n|---|---|---|---|---|---|---|",
        w.rule, w.severity, w.basis, w.country, w.entry, w.status
    );
    for f in &scan.findings {
        let country = if f.country.is_empty() {
            "—".to_string()
        } else {
            format!("{} ({})", kb.country_name(&f.country, lang), f.country)
        };
        let _ = writeln!(
            s,
            "| [{id}](#{anchor}) | {} {} | {} | {} | {} | {} | {} |",
            f.rule,
            rule(&f.rule).name,
            f.severity.label(lang),
            f.basis.label(lang),
            escape(&country),
            escape(label_of(scan, &f.entry)),
            if f.country.is_empty() {
                escape(f.note.as_deref().unwrap_or("—"))
            } else {
                escape(&f.status.describe(lang))
            },
            id = f.id,
            anchor = f.id.to_lowercase(),
        );
    }
    s.push('\n');
}

fn paths(s: &mut String, scan: &Scan, kb: &KnowledgeBase, lang: Lang) {
    let w = words(lang);
    if scan.findings.is_empty() {
        return;
    }
    let _ = writeln!(s, "## {}\n", w.paths);
    for f in &scan.findings {
        let r = rule(&f.rule);
        let _ = writeln!(s, "### {}\n", f.id);
        let _ = writeln!(s, "**{} {}** — {}\n", f.rule, r.name, r.title(lang));
        if !f.country.is_empty() {
            let _ = writeln!(
                s,
                "- {}: {} ({})",
                w.country,
                escape(&kb.country_name(&f.country, lang)),
                escape(&f.country)
            );
            let _ = writeln!(s, "- {}: {}", w.status, escape(&f.status.describe(lang)));
        }
        if let Some(note) = &f.note {
            let _ = writeln!(s, "- {}", escape(note));
        }
        let _ = writeln!(
            s,
            "- {}: {} · {}: {}",
            w.basis,
            f.basis.label(lang),
            w.severity,
            f.severity.label(lang)
        );
        if !f.regimes.is_empty() {
            let names: Vec<String> = f
                .regimes
                .iter()
                .map(|id| {
                    kb.regimes
                        .get(id)
                        .map(|r| r.name.clone())
                        .unwrap_or_else(|| id.clone())
                })
                .collect();
            let _ = writeln!(s, "- {}: {}", w.subject_to, escape(&names.join(", ")));
        }
        s.push('\n');
        for (i, hop) in f.path.iter().enumerate() {
            let mut edge = hop.edge.label().to_string();
            if let Some(d) = &hop.detail {
                edge = format!("{edge} ({})", escape(d));
            }
            let _ = writeln!(
                s,
                "{}. {} —*{}*→ {}",
                i + 1,
                escape(label_of(scan, &hop.from)),
                edge,
                escape(label_of(scan, &hop.to))
            );
            for id in &hop.evidence {
                let _ = writeln!(s, "   - {}: {}", w.evidence, evidence_line(scan, *id));
            }
        }
        s.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escaping_keeps_markup_out() {
        assert_eq!(
            escape("<script>alert(1)</script>"),
            "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"
        );
        assert_eq!(escape("a|b\nc"), "a\\|b c");
        assert_eq!(escape("[x](http://e)"), "\\[x\\]\\(http://e\\)");
    }
}
