//! `report.md`: summary, findings table, and each path hop by hop with its
//! evidence — in English or Swedish.

use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeSet;
use std::fmt::Write;

use crate::legal::describe;
use crate::words;
use transfermap_model::Lang;
use transfermap_model::evidence::EvidenceId;
use transfermap_model::finding::{Artefact, Finding, Hop, Note};
use transfermap_model::graph::EdgeKind;
use transfermap_model::key::NodeKey;
use transfermap_model::legal::LegalStatus;
use transfermap_model::scan::{Dpf, Scan, ScanStatus, Unobserved};

/// Escape text for Markdown (and the HTML a Markdown renderer may pass
/// through): nothing from DNS can open a link, a tag, a table cell or a
/// code span, and it stays on one line.
pub fn escape(text: &str) -> String {
    // Host names, labels and codes are short printable ASCII with nothing
    // to escape: copied whole.
    let plain = |b: u8| (0x20..0x7f).contains(&b) && !b"\\`*_[]#|~&<>".contains(&b);
    if text.len() <= 500 && text.bytes().all(plain) {
        return text.to_owned();
    }
    let shown = crate::text::visible_cow(text);
    let mut out = String::with_capacity(shown.len() + 8);
    for (n, c) in shown.chars().enumerate() {
        if n == 500 {
            out.push('…');
            break;
        }
        match c {
            // A backslash escapes any ASCII punctuation in CommonMark; the
            // text stays readable as plain text too. Parentheses, quotes
            // and `!` need none: with `[` and `]` escaped no link or image
            // can form.
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' | '&' | '<' | '>' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
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
    findings: &'static str,
    none: &'static str,
    paths: &'static str,
    status: &'static str,
    basis: &'static str,
    severity: &'static str,
    country: &'static str,
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
    party: &'static str,
    entries: &'static str,
    countries: &'static str,
    more: &'static str,
    other_statuses: &'static str,
    route: &'static str,
    reaches: &'static str,
    artefact_only: &'static str,
    tiny_share: &'static str,
    evidence_also: &'static str,
    mailboxes: &'static str,
    mailbox_unknown: &'static str,
    behind: &'static str,
    on_network: &'static str,
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
    findings: "Findings",
    none: "No path from the organisation's e-mail reaches a third country or a third country's law in what was observed.",
    paths: "Paths, hop by hop",
    status: "Legal status",
    basis: "Basis",
    severity: "Severity",
    country: "Country",
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
    party: "Party",
    entries: "Entry points",
    countries: "Countries",
    more: "more",
    other_statuses: "another legal status applies to some of its countries; see the finding",
    route: "Route",
    reaches: "then",
    artefact_only: " — possibly a database artefact only (see the route)",
    tiny_share: "†: possibly a database artefact: so small a share of the network's addresses is placed there; not a reason for safeguards by itself",
    evidence_also: "Also (shown above, or in scan.json)",
    mailboxes: "Mailboxes",
    mailbox_unknown: "not known: no record shows whether the MX host keeps the mail or passes it on",
    behind: "behind the gateway",
    on_network: "on the network of",
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
    findings: "Fynd",
    none: "Ingen väg från organisationens e-post når ett tredjeland eller ett tredjelands lag i det som observerades.",
    paths: "Vägar, steg för steg",
    status: "Rättsläge",
    basis: "Underlag",
    severity: "Allvarlighetsgrad",
    country: "Land",
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
    flows_intro: "Alla vägar som personuppgifter kan lämna brevlådorna på enligt DNS, och vad de når. Värdar som inget fingeravtryck knyter till en känd tjänst räknas som okända: okänt betyder inte att uppgifterna stannar inom EU/EES.",
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
    party: "Part",
    entries: "Ingångar",
    countries: "Länder",
    more: "till",
    other_statuses: "för några av dess länder gäller ett annat rättsläge; se fyndet",
    route: "Väg",
    reaches: "sedan",
    artefact_only: " — möjligen bara ett fel i databasen (se vägen)",
    tiny_share: "†: möjligen ett fel i databasen: så liten andel av nätets adresser placeras där; inte i sig ett skäl för skyddsåtgärder",
    evidence_also: "Även (ovan, eller i scan.json)",
    mailboxes: "Brevlådor",
    mailbox_unknown: "okänt: ingen post visar om MX-värden behåller posten eller skickar den vidare",
    behind: "bakom filtret",
    on_network: "på nätet hos",
};

/// A problem of the scan in the report's language. The collection writes
/// its messages in English; the renderers say each again from the scan's
/// own data: the fixed forms, and a record's fault from its typed form.
pub fn problem_message(
    scan: &Scan,
    p: &transfermap_model::collection::DomainProblem,
    lang: Lang,
) -> String {
    use transfermap_model::collection::{ProblemCode, RecordFault};
    if lang == Lang::En {
        return p.message.clone();
    }
    if let Some(fault) = &p.fault {
        let said = crate::words::record_fault(fault, lang);
        return match fault {
            RecordFault::Spf { domain, .. } => format!("SPF för {domain}: {said}"),
            RecordFault::Dmarc { .. } => format!("DMARC: {said}"),
            RecordFault::TlsRpt { .. } => said,
        };
    }
    match p.code {
        ProblemCode::SpfLookupLimit => format!(
            "SPF-posten kräver {} termer som ställer DNS-frågor; RFC 7208 §4.6.4 tillåter {} (mottagare svarar permerror)",
            scan.collection.spf.lookup_terms,
            transfermap_model::spf::RFC_LOOKUP_LIMIT
        ),
        ProblemCode::NoMx => match p
            .message
            .strip_prefix(transfermap_model::collection::NO_MX_FOR)
        {
            Some(domain) => format!("ingen användbar MX-post för {domain}"),
            None => p.message.clone(),
        },
        _ => p.message.clone(),
    }
}

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
/// The labels of a finding's parties, first seen first.
pub fn party_labels(scan: &Scan, f: &Finding) -> Vec<String> {
    f.parties().iter().map(|p| label_of(scan, p)).collect()
}

pub fn label_of(scan: &Scan, key: &NodeKey) -> String {
    scan.label_of(key)
}

/// A regime's name, from its node in the graph.
pub fn regime_name(scan: &Scan, id: &str) -> String {
    scan.label_of(&NodeKey::Regime(id.to_string()))
}

fn evidence_line(scan: &Scan, id: EvidenceId) -> String {
    match scan.evidence(id) {
        Some(e) => format!("{id}: {}", escape(&e.summary(&scan.geodata))),
        None => format!("{id}: (missing)"),
    }
}

/// Render the report.
pub fn report(scan: &Scan, lang: Lang) -> String {
    let w = words(lang);
    let mut s = String::new();
    let _ = writeln!(s, "# {}: {}\n", w.title, escape(shown_domain(scan)));
    lead(&mut s, scan, lang);
    destinations_table(&mut s, scan, lang);
    completeness(&mut s, scan, lang);
    flows(&mut s, scan, lang);
    parties(&mut s, scan, lang);
    table(&mut s, scan, lang);
    dpia_annex(&mut s, scan, lang);
    paths(&mut s, scan, lang);

    let _ = writeln!(s, "## {}\n", w.problems);
    if scan.problems.is_empty() {
        let _ = writeln!(s, "{}\n", w.no_problems);
    }
    for p in &scan.problems {
        let ev: Vec<String> = p.evidence.iter().map(|e| e.to_string()).collect();
        let _ = writeln!(
            s,
            "- `{}` {} ({})",
            p.code.as_str(),
            escape(&problem_message(scan, p, lang)),
            ev.join(", ")
        );
    }
    if !scan.problems.is_empty() {
        s.push('\n');
    }
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
    if let Some(m) = &scan.model {
        let _ = writeln!(
            s,
            "- {}: {} (`{}`)",
            if lang == Lang::En {
                "Organisation's model"
            } else {
                "Organisationens modell"
            },
            escape(&m.name),
            escape(&m.file)
        );
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

    severity_table(&mut s, lang);
    let _ = writeln!(s, "## {}\n", w.reproduce);
    let mut cmd = format!("transfermap scan {} --as-of {}", scan.domain, scan.as_of);
    // A named server is part of what was scanned; the system's resolver
    // is the default and needs no flag.
    if scan.zone_files.is_empty() && scan.resolver.parse::<std::net::SocketAddr>().is_ok() {
        cmd.push_str(&format!(" --resolver {}", scan.resolver));
    }
    for z in &scan.zone_files {
        cmd.push_str(&format!(" --zone-file {}", shell_word(z)));
    }
    if let Some(m) = &scan.model {
        cmd.push_str(&format!(" --model {}", shell_word(&m.file)));
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

/// Whether everything was observed; if not, what was not and what that
/// leaves unknown. Shown before the summary: a partial scan's silence is
/// not "EU only".
fn completeness(s: &mut String, scan: &Scan, lang: Lang) {
    let (title, intro) = match (scan.status, lang) {
        (ScanStatus::Ok, _) => return,
        (ScanStatus::Partial, Lang::En) => (
            "Partial scan: not everything was observed",
            "These questions or lookups failed. What they would have shown is unknown — unknown is not EU-only — and the findings below may be incomplete. Scan again, or check these records by hand.",
        ),
        (ScanStatus::Partial, Lang::Sv) => (
            "Ofullständig skanning: allt kunde inte observeras",
            "Dessa frågor eller uppslag misslyckades. Vad de skulle ha visat är okänt – okänt betyder inte att uppgifterna stannar inom EU/EES – och fynden nedan kan vara ofullständiga. Skanna igen, eller kontrollera posterna för hand.",
        ),
        (ScanStatus::Failed, Lang::En) => (
            "Failed scan: too little was observed to judge the domain",
            "The domain's MX and its own TXT records (or every question) went unanswered. No conclusion about transfers can be drawn from this scan.",
        ),
        (ScanStatus::Failed, Lang::Sv) => (
            "Misslyckad skanning: för lite observerades för att bedöma domänen",
            "Domänens MX och dess egna TXT-poster (eller alla frågor) blev obesvarade. Inga slutsatser om överföringar kan dras av denna skanning.",
        ),
    };
    let _ = writeln!(s, "## {title}\n\n{intro}\n");
    for g in &scan.gaps {
        let asked = match g.record_type {
            Some(t) => format!("{} {t}", g.asked),
            None => g.asked.clone(),
        };
        let _ = writeln!(
            s,
            "- {} — {} ({}): {}",
            escape(&asked),
            escape(&crate::words::gap_cause(g, lang)),
            g.evidence,
            escape(&unobserved(&g.unknown, lang))
        );
    }
    s.push('\n');
}

/// What a gap leaves unknown, in words.
pub fn unobserved(u: &Unobserved, lang: Lang) -> String {
    match (u, lang) {
        (Unobserved::InboundMail, Lang::En) => "where inbound mail goes (MX)".into(),
        (Unobserved::InboundMail, Lang::Sv) => "vart inkommande e-post går (MX)".into(),
        (Unobserved::SpfPolicyAndTokens, Lang::En) => {
            "who may send as the domain (SPF) and which services it is verified at".into()
        }
        (Unobserved::SpfPolicyAndTokens, Lang::Sv) => {
            "vem som får skicka i domänens namn (SPF) och vilka tjänster den är verifierad hos"
                .into()
        }
        (Unobserved::SpfInclude(n), Lang::En) => {
            format!("the senders the SPF record {n} authorises")
        }
        (Unobserved::SpfInclude(n), Lang::Sv) => format!("avsändarna som SPF-posten {n} tillåter"),
        (Unobserved::DmarcReceivers, Lang::En) => "where DMARC reports go".into(),
        (Unobserved::DmarcReceivers, Lang::Sv) => "vart DMARC-rapporter går".into(),
        (Unobserved::ReportAuthorisation(r), Lang::En) => {
            format!("whether {r} accepts the domain's reports")
        }
        (Unobserved::ReportAuthorisation(r), Lang::Sv) => {
            format!("om {r} tar emot domänens rapporter")
        }
        (Unobserved::DkimSigner(sel), Lang::En) => format!("who signs with DKIM selector {sel}"),
        (Unobserved::DkimSigner(sel), Lang::Sv) => {
            format!("vem som signerar med DKIM-väljaren {sel}")
        }
        (Unobserved::TlsReporting, Lang::En) => "MTA-STS and where TLS reports go".into(),
        (Unobserved::TlsReporting, Lang::Sv) => "MTA-STS och vart TLS-rapporter går".into(),
        (Unobserved::ClientAccess(n), Lang::En) => format!("where clients connect ({n})"),
        (Unobserved::ClientAccess(n), Lang::Sv) => format!("vart klienter ansluter ({n})"),
        (Unobserved::MailExchangersOf(d), Lang::En) => format!("the mail servers of {d}"),
        (Unobserved::MailExchangersOf(d), Lang::Sv) => format!("e-postservrarna för {d}"),
        (Unobserved::HostAddresses(h), Lang::En) => {
            format!("the addresses of {h}: where it is and whose network it is in")
        }
        (Unobserved::HostAddresses(h), Lang::Sv) => {
            format!("adresserna för {h}: var den finns och i vems nät")
        }
        (Unobserved::Geolocation(a), Lang::En) => {
            format!("where {a} is located and who holds its network")
        }
        (Unobserved::Geolocation(a), Lang::Sv) => {
            format!("var {a} finns och vem som innehar dess nät")
        }
        (Unobserved::Other(n), Lang::En) => format!("what {n} would have shown"),
        (Unobserved::Other(n), Lang::Sv) => format!("vad {n} skulle ha visat"),
    }
}

/// What the absence of findings means, given how much was observed.
fn none_found(scan: &Scan, lang: Lang) -> &'static str {
    match (scan.status, lang) {
        (ScanStatus::Ok, _) => words(lang).none,
        (ScanStatus::Partial, Lang::En) => {
            "No path reaches a third country or a third country's law in what was observed — but not everything was observed (see above): this is not a finding that the data stays in the EU/EEA."
        }
        (ScanStatus::Partial, Lang::Sv) => {
            "Ingen väg når ett tredjeland eller ett tredjelands lag i det som observerades – men allt observerades inte (se ovan): detta betyder inte att uppgifterna stannar inom EU/EES."
        }
        (ScanStatus::Failed, Lang::En) => "No conclusion: too little was observed (see above).",
        (ScanStatus::Failed, Lang::Sv) => "Ingen slutsats: för lite observerades (se ovan).",
    }
}

/// The companies the data reaches: country, parent, the laws they are
/// under, their EU–US Data Privacy Framework certification on the date, and
/// the sub-processors they publish — as the analysis recorded them.
fn parties(s: &mut String, scan: &Scan, lang: Lang) {
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
    if scan.parties.is_empty() {
        let _ = writeln!(s, "{none}\n");
        return;
    }
    let _ = writeln!(
        s,
        "| | {h_country} | {h_parent} | {h_law} | {h_dpf} | {h_subs} |\n|---|---|---|---|---|---|"
    );
    let dash = || "—".to_string();
    for p in &scan.parties {
        // "no" only where a recorded certification misses the date; without
        // any record the maps know nothing either way.
        let dpf = match &p.dpf {
            Dpf::NotApplicable => "—".to_string(),
            Dpf::Certified => yes.to_string(),
            Dpf::NotCertified => no.to_string(),
            Dpf::NotRecorded => unrecorded.to_string(),
            Dpf::UsParent { parent, certified } => {
                let state = match certified {
                    Some(true) => yes,
                    Some(false) => no,
                    None => unrecorded,
                };
                match lang {
                    Lang::En => format!(
                        "not a US organisation (the DPF does not certify it); US parent {}: {state}",
                        escape(parent)
                    ),
                    Lang::Sv => format!(
                        "inte en amerikansk organisation (DPF certifierar den inte); amerikanska moderbolaget {}: {state}",
                        escape(parent)
                    ),
                }
            }
        };
        let country = p
            .country
            .as_deref()
            .map(|c| format!("{} ({c})", scan.country_name(c, lang)))
            .unwrap_or_else(dash);
        let list = |v: &[String], sep: &str| {
            if v.is_empty() { dash() } else { v.join(sep) }
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            escape(&p.name),
            escape(&country),
            escape(p.parent.as_deref().unwrap_or("—")),
            escape(&list(&p.laws, ", ")),
            dpf,
            escape(&list(&p.subprocessors, "; "))
        );
    }
    s.push('\n');
}

fn countries(scan: &Scan, codes: &std::collections::BTreeSet<String>, lang: Lang) -> String {
    if codes.is_empty() {
        return "—".into();
    }
    let names: Vec<String> = codes
        .iter()
        .map(|c| format!("{} ({c})", scan.country_name(c, lang)))
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

fn flows(s: &mut String, scan: &Scan, lang: Lang) {
    let w = words(lang);
    let _ = writeln!(s, "## {}\n\n{}\n", w.flows, w.flows_intro);
    if scan.flows.is_empty() {
        let _ = writeln!(s, "{}\n", w.no_problems);
        return;
    }
    let _ = writeln!(
        s,
        "| {} | {} | {} | {} | {} | {} | {} | {} |\n|---|---|---|---|---|---|---|---|",
        w.flow, w.to, w.mailboxes, w.services, w.providers, w.located, w.declared, w.unattributed
    );
    for f in &scan.flows {
        let detail = || escape(f.detail.as_deref().unwrap_or(""));
        let kind = match f.kind {
            EdgeKind::DeliversTo => w.inbound.to_string(),
            EdgeKind::SendsVia if f.detail.is_some() => {
                format!("{} ({})", w.outbound_dkim, detail())
            }
            EdgeKind::SendsVia => w.outbound.to_string(),
            EdgeKind::ReportsTo => format!("{} ({})", w.reports, detail()),
            EdgeKind::ClientAccess => match &f.detail {
                Some(_) => format!("{} ({})", w.clients, detail()),
                None => w.clients.to_string(),
            },
            EdgeKind::HasAccountsAt => format!("{} ({})", w.accounts, detail()),
            other => words::edge(other, lang).to_string(),
        };
        // Where inbound mail ends up: the mailbox service, and how that is
        // known when a gateway stands in front of it.
        let mailbox = match (&f.mailbox, f.kind) {
            (Some(m), _) => {
                let who = match &m.provider {
                    Some(p) => format!("{} ({p})", m.service),
                    None => m.service.clone(),
                };
                match &m.inferred {
                    Some(inf) => {
                        format!("{}; {}", escape(&who), escape(&words::inference(inf, lang)))
                    }
                    None => escape(&who),
                }
            }
            (None, EdgeKind::DeliversTo) if !f.gateways.is_empty() => w.mailbox_unknown.to_string(),
            _ => "—".to_string(),
        };
        let behind_gateway = f.mailbox.as_ref().is_some_and(|m| m.inferred.is_some());
        let mailbox = if f.gateways.is_empty() || !behind_gateway {
            mailbox
        } else {
            let gateways: Vec<&str> = f.gateways.iter().map(String::as_str).collect();
            format!("{mailbox} ({}: {})", w.behind, escape(&gateways.join(", ")))
        };
        // A network's holder carries the flow; it is not its provider.
        let mut providers = list(&f.providers);
        if !f.network_operators.is_empty() {
            providers = format!(
                "{providers} ({}: {})",
                w.on_network,
                list(&f.network_operators)
            );
        }
        let _ = writeln!(
            s,
            "| {kind} | {} | {mailbox} | {} | {providers} | {} | {} | {} |",
            escape(&label_of(scan, &f.entry)),
            list(&f.services),
            countries(scan, &f.located, lang),
            countries(scan, &f.declared, lang),
            f.unattributed
        );
    }
    s.push('\n');
}

/// A finding's country as shown (`—` when it is not a transfer).
fn country_cell(scan: &Scan, country: Option<&str>, lang: Lang) -> String {
    match country {
        Some(c) => format!("{} ({c})", scan.country_name(c, lang)),
        None => "—".to_string(),
    }
}

/// At most `max` items, then how many more.
fn some_of(items: &[String], max: usize, lang: Lang) -> String {
    if items.len() <= max {
        return items.join(", ");
    }
    format!(
        "{} (+{} {})",
        items[..max].join(", "),
        items.len() - max,
        words(lang).more
    )
}

/// The distinct notes of a finding's occurrences, but for possible
/// artefacts (shown beside the step they are about).
fn notes(f: &Finding) -> Vec<&Note> {
    let mut out: Vec<&Note> = Vec::new();
    for n in f.occurrences().filter_map(|o| o.note) {
        if !matches!(n, Note::PossibleArtefact { .. }) && !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// The distinct legal statuses of a finding's occurrences.
fn statuses(f: &Finding) -> Vec<&LegalStatus> {
    let mut out: Vec<&LegalStatus> = Vec::new();
    for st in f.occurrences().filter_map(|o| o.status) {
        if !out.contains(&st) {
            out.push(st);
        }
    }
    out
}

fn table(s: &mut String, scan: &Scan, lang: Lang) {
    let w = words(lang);
    let _ = writeln!(s, "## {}\n", w.findings);
    if scan.findings.is_empty() {
        let _ = writeln!(s, "{}\n", none_found(scan, lang));
        return;
    }
    let _ = writeln!(
        s,
        "| ID | {} | {} | {} | {} | {} | {} | {} |\n|---|---|---|---|---|---|---|---|",
        w.rule, w.severity, w.basis, w.party, w.countries, w.entries, w.status
    );
    for f in &scan.findings {
        let notes = notes(f);
        let mut last = match (&f.status, notes.first()) {
            (Some(st), _) => describe(st, lang),
            (None, Some(n)) if notes.len() > 1 => {
                format!("{} (+{} {})", words::note(n, lang), notes.len() - 1, w.more)
            }
            (None, Some(n)) => words::note(n, lang),
            (None, None) => "—".to_string(),
        };
        if statuses(f).len() > 1 {
            last = format!("{last} ({})", w.other_statuses);
        }
        let parties = party_labels(scan, f);
        let tm104 = f.rule == transfermap_model::finding::RuleCode::Tm104;
        let party = match parties.as_slice() {
            // Several networks' holders: name each network's.
            _ if tm104 && f.sole_party().is_none() => {
                let mut holders: Vec<String> = Vec::new();
                for o in f.occurrences() {
                    let l = label_of(scan, o.subject);
                    if !holders.contains(&l) {
                        holders.push(l);
                    }
                }
                some_of(&holders, 4, lang)
            }
            [] => "—".to_string(),
            many => some_of(many, 4, lang),
        };
        let countries: Vec<String> = f
            .countries()
            .iter()
            .map(|c| country_cell(scan, Some(c), lang))
            .collect();
        let countries = if countries.is_empty() {
            "—".to_string()
        } else {
            some_of(&countries, 6, lang)
        };
        let entries: Vec<String> = f.entries().iter().map(|e| label_of(scan, e)).collect();
        let _ = writeln!(
            s,
            "| [{id}](#{anchor}) | {} {} | {} | {} | {} | {} | {} | {} |",
            f.rule,
            f.rule.name(),
            match f.data {
                Some(d) => format!(
                    "{} · {}",
                    words::severity(f.severity, lang),
                    words::data_category(d, lang)
                ),
                None => words::severity(f.severity, lang).to_string(),
            },
            words::basis(f.basis, lang),
            escape(&party),
            escape(&countries),
            escape(&some_of(&entries, 3, lang)),
            escape(&last),
            id = f.id,
            anchor = f.id.to_lowercase(),
        );
    }
    s.push('\n');
}

/// Most evidence items written out per step; the rest are named by ID.
const EVIDENCE_PER_STEP: usize = 3;

/// A step's evidence: each item in full the first time the finding cites
/// it, by ID after that, and no more than [`EVIDENCE_PER_STEP`] in full.
fn evidence_lines(
    s: &mut String,
    scan: &Scan,
    hop: &Hop,
    shown: &mut BTreeSet<EvidenceId>,
    lang: Lang,
) {
    let w = words(lang);
    let mut again: Vec<String> = Vec::new();
    let mut written = 0;
    for id in hop.evidence.iter() {
        if written < EVIDENCE_PER_STEP && shown.insert(id) {
            let _ = writeln!(s, "   - {}: {}", w.evidence, evidence_line(scan, id));
            written += 1;
        } else {
            again.push(id.to_string());
        }
    }
    if !again.is_empty() {
        let _ = writeln!(s, "   - {}: {}", w.evidence_also, again.join(", "));
    }
}

/// The steps occurrences share, and the last step of each with its note.
type Route<'a> = (&'a [Hop], Vec<(&'a Hop, Option<&'a Note>)>);

fn hop_line(scan: &Scan, hop: &Hop, lang: Lang) -> String {
    let mut edge = words::edge(hop.edge, lang).to_string();
    if let Some(d) = &hop.detail {
        edge = format!("{edge} ({})", escape(&words::detail(d, lang)));
    }
    let name = |k: &NodeKey| escape(&words::node_label(scan, k, lang));
    format!(
        "{} —*{}*→ {}",
        name(&hop.from),
        with_inference(edge, hop, lang),
        name(&hop.to)
    )
}

/// An edge's words, and how it was inferred when it was.
fn with_inference(edge: String, hop: &Hop, lang: Lang) -> String {
    match &hop.inference {
        Some(inf) => format!("{edge}; {}", escape(&words::inference(inf, lang))),
        None => edge,
    }
}

/// A hash of a path's steps (their ends and kinds): equal steps hash equal.
fn steps_hash(steps: &[Hop]) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut h = foldhash::fast::FixedState::default().build_hasher();
    for step in steps {
        step.from.hash(&mut h);
        step.to.hash(&mut h);
        step.edge.hash(&mut h);
    }
    h.finish()
}

fn paths(s: &mut String, scan: &Scan, lang: Lang) {
    let w = words(lang);
    if scan.findings.is_empty() {
        return;
    }
    let _ = writeln!(s, "## {}\n", w.paths);
    for f in &scan.findings {
        let _ = writeln!(s, "### {}\n", f.id);
        let _ = writeln!(
            s,
            "**{} {}** — {}\n",
            f.rule,
            f.rule.name(),
            words::rule_title(f.rule, lang)
        );
        let parties = party_labels(scan, f);
        if !parties.is_empty() {
            let _ = writeln!(s, "- {}: {}", w.party, escape(&parties.join(", ")));
        }
        let statuses = statuses(f);
        match (f.countries().as_slice(), statuses.as_slice()) {
            ([], _) => {}
            ([c], [st]) => {
                let _ = writeln!(
                    s,
                    "- {}: {} ({})",
                    w.country,
                    escape(&scan.country_name(c, lang)),
                    escape(c)
                );
                let _ = writeln!(s, "- {}: {}", w.status, escape(&describe(st, lang)));
            }
            (_, _) => {
                // One line per country with its status: a merged finding
                // never lets one country's status stand for another's.
                let _ = writeln!(s, "- {}:", w.countries);
                // Each country and status once, in first-seen order, and
                // whether only a possible artefact places the data there
                // (then the line says so).
                let mut seen: Vec<(&str, &LegalStatus, bool)> = Vec::new();
                for o in f.occurrences() {
                    let (Some(c), Some(st)) = (o.country, o.status) else {
                        continue;
                    };
                    match seen.iter_mut().find(|(sc, sst, _)| *sc == c && *sst == st) {
                        Some((_, _, artefact)) => *artefact &= o.is_artefact(),
                        None => seen.push((c, st, o.is_artefact())),
                    }
                }
                for (c, st, artefact) in seen {
                    let _ = writeln!(
                        s,
                        "  - {} ({}): {}{}",
                        escape(&scan.country_name(c, lang)),
                        escape(c),
                        escape(&describe(st, lang)),
                        if artefact { w.artefact_only } else { "" }
                    );
                }
            }
        }
        let entries: Vec<String> = f.entries().iter().map(|e| label_of(scan, e)).collect();
        let _ = writeln!(s, "- {}: {}", w.entries, escape(&entries.join(", ")));
        for note in notes(f) {
            let _ = writeln!(s, "- {}", escape(&words::note(note, lang)));
        }
        if let Some(n @ Note::PossibleArtefact { .. }) = &f.note
            && f.also.is_empty()
        {
            let _ = writeln!(s, "- {}", escape(&words::note(n, lang)));
        }
        let _ = writeln!(
            s,
            "- {}: {} · {}: {}",
            w.basis,
            words::basis(f.basis, lang),
            w.severity,
            words::severity(f.severity, lang)
        );
        if !f.regimes.is_empty() {
            let names: Vec<String> = f.regimes.iter().map(|id| regime_name(scan, id)).collect();
            let _ = writeln!(s, "- {}: {}", w.subject_to, escape(&names.join(", ")));
        }
        s.push('\n');
        // Occurrences that share all but their last step are shown once,
        // with their last steps listed: a range geolocated in many
        // countries is one route, not many.
        // (Found by a hash of the prefix's steps: a merged finding has
        // hundreds of occurrences.)
        let mut routes: Vec<Route<'_>> = Vec::new();
        let mut by_prefix: HashMap<u64, Vec<usize>> = HashMap::new();
        for o in f.occurrences() {
            let Some((last, prefix)) = o.path.split_last() else {
                continue;
            };
            let candidates = by_prefix.entry(steps_hash(prefix)).or_default();
            match candidates.iter().find(|&&r| routes[r].0 == prefix) {
                Some(&r) => routes[r].1.push((last, o.note)),
                None => {
                    candidates.push(routes.len());
                    routes.push((prefix, vec![(last, o.note)]));
                }
            }
        }
        let many = routes.len() > 1;
        let mut shown = BTreeSet::new();
        for (n, (prefix, lasts)) in routes.iter().enumerate() {
            if many {
                let _ = writeln!(s, "{} {}:\n", w.route, n + 1);
            }
            // The first steps a route shares with an earlier one are named,
            // not repeated: Microsoft's 40 SPF networks are 40 routes that
            // differ in their last one or two steps.
            let (same_as, shared) = routes[..n]
                .iter()
                .enumerate()
                .map(|(m, (p, _))| {
                    (
                        m,
                        p.iter()
                            .zip(prefix.iter())
                            .take_while(|(a, b)| a == b)
                            .count(),
                    )
                })
                .max_by_key(|&(m, k)| (k, std::cmp::Reverse(m)))
                .filter(|&(_, k)| k >= 2)
                .unwrap_or((0, 0));
            if shared > 0 {
                let _ = writeln!(s, "{}\n", same_steps(shared, same_as + 1, lang));
            }
            for (i, hop) in prefix.iter().enumerate().skip(shared) {
                let _ = writeln!(s, "{}. {}", i + 1, hop_line(scan, hop, lang));
                evidence_lines(s, scan, hop, &mut shown, lang);
            }
            let step = prefix.len() + 1;
            // Last steps from the same node, by the same kind of edge on the
            // same evidence (a network geolocated in many countries) are one
            // line.
            let mut groups: Vec<Vec<(&Hop, Option<&Note>)>> = Vec::new();
            for &(hop, note) in lasts {
                match groups.iter_mut().find(|g| {
                    let h = g[0].0;
                    h.from == hop.from
                        && h.edge == hop.edge
                        && h.evidence == hop.evidence
                        && h.inference == hop.inference
                }) {
                    Some(g) => g.push((hop, note)),
                    None => groups.push(vec![(hop, note)]),
                }
            }
            for group in &groups {
                let (mut line, tiny) = if group.len() == 1 {
                    (hop_line(scan, group[0].0, lang), false)
                } else {
                    grouped_line(scan, group, lang)
                };
                if group.len() == 1
                    && lasts.len() > 1
                    && let Some(n @ Note::PossibleArtefact { .. }) = group[0].1
                {
                    line = format!("{line} — {}", escape(&words::note(n, lang)));
                }
                if lasts.len() == 1 || prefix.is_empty() {
                    let _ = writeln!(s, "{step}. {line}");
                } else {
                    let _ = writeln!(s, "{step}. ({}) {line}", w.reaches);
                }
                if tiny {
                    let _ = writeln!(s, "   - {}", w.tiny_share);
                }
                evidence_lines(s, scan, group[0].0, &mut shown, lang);
            }
            s.push('\n');
        }
    }
}

/// "Steps 1–3 as in route 2." for a route's first steps.
fn same_steps(steps: usize, route: usize, lang: Lang) -> String {
    match (lang, steps) {
        (Lang::En, 1) => format!("Step 1 as in route {route}."),
        (Lang::En, _) => format!("Steps 1–{steps} as in route {route}."),
        (Lang::Sv, 1) => format!("Steg 1 som i väg {route}."),
        (Lang::Sv, _) => format!("Steg 1–{steps} som i väg {route}."),
    }
}

/// Several last steps from one node by one kind of edge, as one line:
/// `40.107.0.0/16 —located in→ India (4.30 % …); Mexico (1.95 % …)`.
fn grouped_line(scan: &Scan, group: &[(&Hop, Option<&Note>)], lang: Lang) -> (String, bool) {
    let first = group[0].0;
    let name = |k: &NodeKey| escape(&words::node_label(scan, k, lang));
    let mut tiny = false;
    let ends: Vec<String> = group
        .iter()
        .map(|(hop, note)| {
            let mut end = name(&hop.to);
            if let Some(d) = &hop.detail {
                end = format!("{end} ({})", escape(&words::detail(d, lang)));
            }
            match note {
                // A small share is marked, and explained once below the line.
                Some(Note::PossibleArtefact {
                    why: Artefact::TinyShare { .. },
                }) => {
                    end.push_str(" †");
                    tiny = true;
                }
                Some(n @ Note::PossibleArtefact { .. }) => {
                    end = format!("{end} — {}", escape(&words::note(n, lang)));
                }
                _ => {}
            }
            end
        })
        .collect();
    let edge = with_inference(words::edge(first.edge, lang).to_string(), first, lang);
    let line = format!("{} —*{edge}*→ {}", name(&first.from), ends.join("; "));
    (line, tiny)
}

/// The opening: three to six plain sentences a board can act on — who
/// holds the mail, under which law, the legal status on the date, and
/// what the organisation must do — all from what the analysis decided.
fn lead(s: &mut String, scan: &Scan, lang: Lang) {
    let en = lang == Lang::En;
    let t = |e: &str, v: &str| if en { e.to_string() } else { v.to_string() };
    let _ = writeln!(s, "## {}\n", t("In short", "I korthet"));
    let domain = escape(shown_domain(scan));
    let mut out: Vec<String> = Vec::new();
    match scan.status {
        ScanStatus::Ok => {}
        ScanStatus::Partial => out.push(t(
            "**The scan is partial**: some questions went unanswered (see below), so what follows may be incomplete — unknown is not EU-only.",
            "**Skanningen är ofullständig**: vissa frågor blev obesvarade (se nedan), så det som följer kan vara ofullständigt – okänt betyder inte att uppgifterna stannar inom EU/EES.",
        )),
        ScanStatus::Failed => out.push(t(
            "**The scan failed**: too little was observed to judge the domain; no conclusion can be drawn from it.",
            "**Skanningen misslyckades**: för lite observerades för att bedöma domänen; inga slutsatser kan dras av den.",
        )),
    }
    let inbound = scan.flows.iter().find(|f| f.kind == EdgeKind::DeliversTo);
    let mailbox = inbound.and_then(|f| f.mailbox.as_ref());
    match (inbound, mailbox) {
        (Some(f), Some(m)) => {
            let who = m
                .provider
                .as_deref()
                .map(|p| {
                    let c = scan
                        .party_named(p)
                        .and_then(|q| q.country.as_deref())
                        .map(|c| format!(" ({})", scan.country_name(c, lang)))
                        .unwrap_or_default();
                    format!("{}{c}", escape(p))
                })
                .unwrap_or_else(|| t("a provider the knowledge base does not name", "en leverantör som kunskapsbasen inte namnger"));
            let gateways: Vec<String> = f.gateways.iter().map(|g| escape(g)).collect();
            let sentence = match (&m.inferred, en) {
                (None, true) => format!(
                    "Inbound mail for {domain} is delivered to **{}**, run by {who}.",
                    escape(&m.service)
                ),
                (None, false) => format!(
                    "Inkommande e-post till {domain} levereras till **{}**, som drivs av {who}.",
                    escape(&m.service)
                ),
                (Some(inf), true) => format!(
                    "Inbound mail for {domain} passes {} and is then, by {} evidence in the domain's own records ({}), stored in **{}**, run by {who}.",
                    gateways.join(", "),
                    words::strength(inf.strength, lang),
                    escape(&words::signals(inf, lang)),
                    escape(&m.service)
                ),
                (Some(inf), false) => format!(
                    "Inkommande e-post till {domain} passerar {} och lagras sedan, enligt {} belägg i domänens egna poster ({}), i **{}**, som drivs av {who}.",
                    gateways.join(", "),
                    words::strength(inf.strength, lang),
                    escape(&words::signals(inf, lang)),
                    escape(&m.service)
                ),
            };
            out.push(sentence);
        }
        (Some(f), None) => {
            let at: Vec<String> = f.gateways.iter().map(|g| escape(g)).collect();
            out.push(if en {
                format!(
                    "Where inbound mail for {domain} is stored is not shown by its DNS: the MX points at {}, and no other record names the mailbox service.",
                    if at.is_empty() { "hosts no map entry explains".to_string() } else { at.join(", ") }
                )
            } else {
                format!(
                    "Var inkommande e-post till {domain} lagras framgår inte av dess DNS: MX pekar på {}, och ingen annan post namnger brevlådetjänsten.",
                    if at.is_empty() { "värdar som ingen kartpost förklarar".to_string() } else { at.join(", ") }
                )
            });
        }
        (None, _) => out.push(t(
            "The domain publishes no usable mail server (MX): where its mail goes cannot be judged from DNS.",
            "Domänen publicerar ingen användbar e-postserver (MX): vart dess e-post går kan inte bedömas utifrån DNS.",
        )),
    }
    // The law over the mailbox provider, through its parent when it has one.
    let holder = scan.mail_holder();
    match (
        holder.and_then(|h| h.entity),
        holder.and_then(|h| h.law_party),
    ) {
        (Some(p), None) => out.push(if en {
            format!(
                "No third country's law over {} is recorded in the knowledge base.",
                escape(&p.name)
            )
        } else {
            format!(
                "Kunskapsbasen har ingen uppgift om att ett tredjelands lag gäller {}.",
                escape(&p.name)
            )
        }),
        (Some(p), Some(subject)) => {
            let laws = escape(&subject.laws.join(", "));
            let country = subject
                .country
                .as_deref()
                .map(|c| scan.country_name(c, lang))
                .unwrap_or_default();
            let via = if subject.name != p.name {
                if en {
                    format!(
                        "{} is owned by {} ({country}), which is",
                        escape(&p.name),
                        escape(&subject.name)
                    )
                } else {
                    format!(
                        "{} ägs av {} ({country}), som",
                        escape(&p.name),
                        escape(&subject.name)
                    )
                }
            } else if en {
                format!("{} is", escape(&p.name))
            } else {
                escape(&p.name)
            };
            out.push(if en {
                format!("{via} under {laws}: that law can reach the mail content wherever it is stored.")
            } else {
                format!("{via} lyder under {laws}: den lagen kan nå e-postens innehåll var det än lagras.")
            });
            // The status for that country, for this recipient.
            if let Some(d) = holder.and_then(|h| h.law_destination) {
                out.push(if en {
                    format!(
                        "Legal status on {} for {country}: {}.",
                        scan.as_of,
                        escape(&describe(&d.status, lang))
                    )
                } else {
                    format!(
                        "Rättsläget den {} för {country}: {}.",
                        scan.as_of,
                        escape(&describe(&d.status, lang))
                    )
                });
            }
        }
        (None, _) => {}
    }
    // Every third country, and what they ask.
    let mut countries: Vec<&str> = Vec::new();
    for d in &scan.destinations {
        if !countries.contains(&d.country.as_str()) {
            countries.push(&d.country);
        }
    }
    let names = |codes: &[&str]| {
        let mut v: Vec<String> = codes
            .iter()
            .take(6)
            .map(|c| scan.country_name(c, lang))
            .collect();
        if codes.len() > 6 {
            v.push(if en {
                format!("{} more", codes.len() - 6)
            } else {
                format!("{} till", codes.len() - 6)
            });
        }
        escape(&v.join(", "))
    };
    if countries.is_empty() {
        out.push(none_found(scan, lang).to_string());
    } else {
        out.push(if en {
            format!(
                "Altogether, paths reach {} third {} ({}); the table below gives each one's legal status and basis.",
                countries.len(),
                if countries.len() == 1 { "country" } else { "countries" },
                names(&countries)
            )
        } else {
            format!(
                "Sammanlagt når vägar {} {} ({}); tabellen nedan ger rättsläget och underlaget för vart och ett.",
                countries.len(),
                if countries.len() == 1 { "tredjeland" } else { "tredjeländer" },
                names(&countries)
            )
        });
    }
    use transfermap_model::finding::Demand;
    let with = |want: Demand| {
        let mut v: Vec<&str> = Vec::new();
        for d in &scan.destinations {
            if Demand::of(&d.status) == want && !v.contains(&d.country.as_str()) {
                v.push(&d.country);
            }
        }
        v
    };
    let (safeguards, check) = (with(Demand::Safeguards), with(Demand::Check));
    let mut todo: Vec<String> = Vec::new();
    if !safeguards.is_empty() {
        todo.push(if en {
            format!("put art. 46 safeguards (e.g. standard contractual clauses) in place and carry out a transfer impact assessment (TIA) for {}", names(&safeguards))
        } else {
            format!("se till att lämpliga skyddsåtgärder enligt artikel 46 (t.ex. standardavtalsklausuler) finns och gör en bedömning av överföringen (TIA) för {}", names(&safeguards))
        });
    }
    if !check.is_empty() {
        // Name the recipients whose standing is not known, per country.
        let items: Vec<String> = check
            .iter()
            .take(6)
            .map(|c| {
                let whom: Vec<String> = scan
                    .destinations
                    .iter()
                    .filter(|d| d.country == *c && Demand::of(&d.status) == Demand::Check)
                    .flat_map(|d| d.recipients.iter())
                    .map(|k| scan.label_of(k))
                    .take(3)
                    .collect();
                let name = scan.country_name(c, lang);
                if whom.is_empty() {
                    escape(&name)
                } else {
                    escape(&format!("{name} ({})", whom.join(", ")))
                }
            })
            .collect();
        todo.push(if en {
            format!("check each recipient's standing — certified under the EU–US Data Privacy Framework, or within the decision's scope — in {}", items.join("; "))
        } else {
            format!("kontrollera varje mottagares ställning – certifierad enligt EU–US Data Privacy Framework, eller inom beslutets tillämpningsområde – i {}", items.join("; "))
        });
    }
    todo.push(t(
        "fill in what a scan cannot know: purpose, data categories (including special categories and data under secrecy), contracts, transfer tools and the sub-processors' terms",
        "fyll i det en skanning inte kan veta: ändamål, kategorier av uppgifter (även känsliga uppgifter och uppgifter som omfattas av sekretess), avtal, överföringsverktyg och underbiträdenas villkor",
    ));
    out.push(if en {
        format!("To do: {}.", todo.join("; "))
    } else {
        format!("Att göra: {}.", todo.join("; "))
    });
    let _ = writeln!(s, "{}\n", out.join(" "));
}

/// The destinations: one row per third country and distinct status, the
/// most demanding first, with who it is reached through and on what basis.
fn destinations_table(s: &mut String, scan: &Scan, lang: Lang) {
    let en = lang == Lang::En;
    let _ = writeln!(
        s,
        "## {}\n",
        if en {
            "Third countries reached"
        } else {
            "Tredjeländer som nås"
        }
    );
    if scan.destinations.is_empty() {
        let _ = writeln!(s, "{}\n", none_found(scan, lang));
        return;
    }
    let (h_country, h_status, h_through, h_basis, h_findings) = if en {
        (
            "Country",
            "Legal status on the date",
            "Reached through",
            "Basis",
            "Findings",
        )
    } else {
        (
            "Land",
            "Rättsläge på datumet",
            "Nås genom",
            "Underlag",
            "Fynd",
        )
    };
    let _ = writeln!(
        s,
        "| {h_country} | {h_status} | {h_through} | {h_basis} | {h_findings} |\n|---|---|---|---|---|"
    );
    let mut rows: Vec<&transfermap_model::scan::Destination> = scan.destinations.iter().collect();
    // Most demanding first; the United States' law first among equals is
    // not assumed: ties go by name.
    rows.sort_by_key(|d| {
        (
            u8::MAX - d.status.demand(),
            scan.country_name(&d.country, lang),
        )
    });
    for d in rows {
        let through: Vec<String> = d
            .recipients
            .iter()
            .map(|k| escape(&scan.label_of(k)))
            .collect();
        let mut bases: Vec<&str> = scan
            .findings
            .iter()
            .filter(|f| d.findings.contains(&f.id))
            .map(|f| words::basis(f.basis, lang))
            .collect();
        bases.sort();
        bases.dedup();
        let _ = writeln!(
            s,
            "| {} ({}) | {} | {} | {} | {} |",
            escape(&scan.country_name(&d.country, lang)),
            escape(&d.country),
            escape(&describe(&d.status, lang)),
            if through.is_empty() {
                "—".to_string()
            } else {
                through.join(", ")
            },
            bases.join(", "),
            d.findings
                .iter()
                .map(|f| format!("[{f}](#{})", f.to_lowercase()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    s.push('\n');
}

/// How severity is decided: the legal status on the date against the data
/// on the path ([`transfermap_model::finding::severity_for`]), shown in
/// every report so the word means the same thing to every reader.
fn severity_table(s: &mut String, lang: Lang) {
    use transfermap_model::finding::{DataCategory, Demand, severity_table};
    let en = lang == Lang::En;
    let _ = writeln!(
        s,
        "## {}

{}
",
        if en {
            "How severity is decided"
        } else {
            "Hur allvarlighetsgraden bestäms"
        },
        if en {
            "A transfer finding's severity follows from the legal status on the date and the personal data on the path. A law reached only through a network's holder or its registration (TM104, TM111) is at most low; notes (TM109, TM110, TM201) keep their rule's severity."
        } else {
            "Ett överföringsfynds allvarlighetsgrad följer av rättsläget på datumet och vilka personuppgifter vägen bär. En lag som bara nås genom ett näts innehavare eller dess registrering (TM104, TM111) är högst låg; noteringar (TM109, TM110, TM201) behåller sin regels allvarlighetsgrad."
        }
    );
    let row_name = |d: Demand| match (d, en) {
        (Demand::Safeguards, true) => "No adequacy, or not certified: safeguards and a TIA needed",
        (Demand::Safeguards, false) => {
            "Inget adekvansbeslut, eller ej certifierad: skyddsåtgärder och TIA krävs"
        }
        (Demand::Check, true) => "Adequacy only for some recipients, not known which: check",
        (Demand::Check, false) => {
            "Adekvansbeslut bara för vissa mottagare, okänt vilka: kontrollera"
        }
        (Demand::Covered, true) => "Adequacy decision, certified recipient, or interim bridge",
        (Demand::Covered, false) => "Adekvansbeslut, certifierad mottagare eller övergångsregel",
    };
    let col = |c: DataCategory| words::data_category(c, lang);
    let _ = writeln!(
        s,
        "| {} | {} | {} | {} | {} |\n|---|---|---|---|---|",
        if en {
            "Legal status \\ data"
        } else {
            "Rättsläge \\ uppgifter"
        },
        col(DataCategory::MailboxContent),
        col(DataCategory::MessageContent),
        col(DataCategory::AccountData),
        col(DataCategory::Metadata)
    );
    for d in Demand::ALL {
        let cells: Vec<&str> = DataCategory::ALL
            .iter()
            .map(|&c| words::severity(severity_table(d, c), lang))
            .collect();
        let _ = writeln!(s, "| {} | {} |", row_name(d), cells.join(" | "));
    }
    s.push('\n');
}

/// The DPIA annex, in the six steps of EDPB Recommendations 01/2020 on
/// supplementary measures: for each, what the scan established and what
/// the organisation has declared or must still fill in.
fn dpia_annex(s: &mut String, scan: &Scan, lang: Lang) {
    let en = lang == Lang::En;
    let dpia = scan.model.as_ref().and_then(|m| m.dpia.as_ref());
    let todo = if en {
        "**to fill in**"
    } else {
        "**att fylla i**"
    };
    let given = |v: Option<&String>| v.map_or_else(|| todo.to_string(), |x| escape(x));
    let list = |v: &[String]| {
        if v.is_empty() {
            todo.to_string()
        } else {
            escape(&v.join("; "))
        }
    };
    let _ = writeln!(
        s,
        "## {}\n\n{}\n",
        if en {
            "DPIA annex: the six steps of EDPB Recommendations 01/2020"
        } else {
            "Bilaga till konsekvensbedömningen: de sex stegen i EDPB:s rekommendationer 01/2020"
        },
        if en {
            "What the scan established (measured, declared by providers, legal), and what the organisation declares in its model (`[dpia]`) or must still fill in. The transfer register (transfer-register.csv / .xlsx) has one row per recipient and path."
        } else {
            "Vad skanningen har fastställt (uppmätt, uppgivet av leverantörer, rättsligt) och vad organisationen anger i sin modell (`[dpia]`) eller ännu måste fylla i. Överföringsregistret (transfer-register.csv / .xlsx) har en rad per mottagare och väg."
        }
    );
    let countries: Vec<String> = {
        let mut v: Vec<String> = Vec::new();
        for d in &scan.destinations {
            let n = scan.country_name(&d.country, lang);
            if !v.contains(&n) {
                v.push(n);
            }
        }
        v
    };
    let parties: Vec<String> = scan.parties.iter().map(|p| p.name.clone()).collect();
    let laws: Vec<String> = {
        let mut v: Vec<String> = scan.parties.iter().flat_map(|p| p.laws.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    let d = |f: fn(&transfermap_model::dpia::Dpia) -> Option<&String>| dpia.and_then(f);
    // 1. Know your transfers.
    let _ = writeln!(
        s,
        "1. **{}** — {}: {} {}, {} {}. {}: {} {}; {} {}; {} {}; {} {}; {} {}.",
        if en {
            "Know your transfers"
        } else {
            "Känn till era överföringar"
        },
        if en { "the scan" } else { "skanningen" },
        scan.flows.len(),
        if en {
            "flows out of the mailboxes"
        } else {
            "flöden ut från brevlådorna"
        },
        countries.len(),
        if en {
            "third countries reached"
        } else {
            "tredjeländer som nås"
        },
        if en { "Declared" } else { "Angivet" },
        if en { "purpose:" } else { "ändamål:" },
        given(d(|x| x.purpose.as_ref())),
        if en {
            "data categories:"
        } else {
            "kategorier av uppgifter:"
        },
        dpia.map_or_else(|| todo.to_string(), |x| list(&x.data_categories)),
        if en {
            "special categories (art. 9/10):"
        } else {
            "känsliga uppgifter (art. 9/10):"
        },
        given(d(|x| x.special_categories.as_ref())),
        if en {
            "data under secrecy (OSL):"
        } else {
            "uppgifter som omfattas av sekretess (OSL):"
        },
        given(d(|x| x.secrecy.as_ref())),
        if en {
            "data subjects:"
        } else {
            "registrerade:"
        },
        dpia.map_or_else(|| todo.to_string(), |x| list(&x.data_subjects)),
    );
    // 2. The transfer tool.
    let mut tools: Vec<String> = Vec::new();
    for r in dpia.iter().flat_map(|x| x.recipients.iter()) {
        let tool = r
            .transfer_tool
            .map_or_else(|| todo.to_string(), |t| t.words(lang).to_string());
        tools.push(format!(
            "{} ({}): {tool}",
            escape(&r.party),
            r.role.words(lang)
        ));
    }
    let _ = writeln!(
        s,
        "2. **{}** — {}: {}. {}: {}.",
        if en {
            "Identify the transfer tool"
        } else {
            "Fastställ överföringsverktyget"
        },
        if en {
            "the legal status of each country on the date is in *Third countries reached*; recipients"
        } else {
            "rättsläget för varje land på datumet finns under *Tredjeländer som nås*; mottagare"
        },
        if parties.is_empty() {
            "—".to_string()
        } else {
            escape(&parties.join(", "))
        },
        if en {
            "Declared tools per recipient"
        } else {
            "Angivna verktyg per mottagare"
        },
        if tools.is_empty() {
            todo.to_string()
        } else {
            tools.join("; ")
        },
    );
    // 3. The third country's law.
    let _ = writeln!(
        s,
        "3. **{}** — {}: {}. {}: {}.",
        if en {
            "Assess the law of the third country"
        } else {
            "Bedöm tredjelandets lagstiftning"
        },
        if en {
            "laws the recipients are under (knowledge base)"
        } else {
            "lagar som mottagarna lyder under (kunskapsbasen)"
        },
        if laws.is_empty() {
            "—".to_string()
        } else {
            escape(&laws.join(", "))
        },
        if en {
            "Transfer impact assessment (TIA)"
        } else {
            "Bedömning av överföringen (TIA)"
        },
        given(d(|x| x.tia_reference.as_ref())),
    );
    // 4. Supplementary measures.
    let _ = writeln!(
        s,
        "4. **{}** — {}. {}: {}.",
        if en {
            "Supplementary measures"
        } else {
            "Kompletterande åtgärder"
        },
        if en {
            "a scan cannot observe them"
        } else {
            "en skanning kan inte observera dem"
        },
        if en { "Declared" } else { "Angivna" },
        dpia.map_or_else(|| todo.to_string(), |x| list(&x.supplementary_measures)),
    );
    // 5. Procedural steps.
    let sccs: Vec<String> = dpia
        .iter()
        .flat_map(|x| x.recipients.iter())
        .filter(|r| r.transfer_tool == Some(transfermap_model::dpia::TransferTool::Scc))
        .map(|r| match r.scc_module {
            Some(m) => format!(
                "{} ({} {m})",
                escape(&r.party),
                if en { "module" } else { "modul" }
            ),
            None => format!(
                "{} ({})",
                escape(&r.party),
                if en {
                    "module not stated"
                } else {
                    "modul ej angiven"
                }
            ),
        })
        .collect();
    let _ = writeln!(
        s,
        "5. **{}** — {}: {}.",
        if en {
            "Procedural steps"
        } else {
            "Formella steg"
        },
        if en {
            "standard contractual clauses in place"
        } else {
            "standardavtalsklausuler som används"
        },
        if sccs.is_empty() {
            todo.to_string()
        } else {
            sccs.join("; ")
        },
    );
    // 6. Re-evaluate.
    let review = dpia
        .and_then(|x| x.review_date)
        .map_or_else(|| todo.to_string(), |r| r.to_string());
    let _ = writeln!(
        s,
        "6. **{}** — {}: `transfermap diff` {} `--fail-on-new high`. {}: {}. {}: {}.\n",
        if en {
            "Re-evaluate at appropriate intervals"
        } else {
            "Utvärdera på nytt med lämpliga intervall"
        },
        if en {
            "re-scan and compare with this scan"
        } else {
            "skanna igen och jämför med denna skanning"
        },
        if en { "with" } else { "med" },
        if en {
            "Review date"
        } else {
            "Datum för omprövning"
        },
        review,
        if en {
            "Residual risk"
        } else {
            "Kvarstående risk"
        },
        given(d(|x| x.residual_risk.as_ref())),
    );
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escaping_keeps_markup_out() {
        assert_eq!(
            escape("<script>alert(1)</script>"),
            "\\<script\\>alert(1)\\</script\\>"
        );
        assert_eq!(escape("a|b\nc"), "a\\|b\\<U+000A\\>c");
        assert_eq!(escape("\u{202e}x"), "\\<U+202E\\>x");
        assert_eq!(escape("[x](http://e)"), "\\[x\\](http://e)");
        assert_eq!(escape("AT&T"), "AT\\&T");
    }
}
