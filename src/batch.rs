//! Many domains in one run: a bounded number scanned at once over one
//! shared DNS source and cache, each written to its own folder as soon as
//! it is done, and a summary across all of them — per domain its providers,
//! third-country findings and errors; per provider how many organisations
//! depend on it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::scan::{ScanContext, scan_domain};
use transfermap_dns::DnsRun;
use transfermap_dns::names::normalise_domain;
use transfermap_model::Lang;
use transfermap_model::finding::Basis;
use transfermap_model::graph::EdgeKind;
use transfermap_model::scan::{Scan, read_scan};
pub use transfermap_model::summary::{
    CountryNames, DomainRow, Role, RowError, RowStatus, SUMMARY_FORMAT, SUMMARY_FORMAT_VERSION,
    Summary, Target,
};
use transfermap_render::{self as render, Format, RenderError};

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("cannot read domains file {path}: {message}")]
    DomainsFile { path: PathBuf, message: String },
}

/// Read a domains file: one domain a line, or CSV `name,domain`, or a CSV
/// with a header naming a `domain` (or `mail_domain`) column and optionally
/// a `name` column. Blank lines and lines starting with `#` are skipped.
pub fn read_domains_file(path: &Path) -> Result<Vec<Target>, BatchError> {
    let err = |message: String| BatchError::DomainsFile {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let joined = lines.join("\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(joined.as_bytes());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.map(|r| r.iter().map(|f| f.trim().to_string()).collect()))
        .collect::<Result<_, _>>()
        .map_err(|e| err(e.to_string()))?;
    let Some(first) = rows.first() else {
        return Err(err("no domains in it".into()));
    };
    let lower: Vec<String> = first.iter().map(|f| f.to_ascii_lowercase()).collect();
    let header_domain = ["domain", "mail_domain", "mail_domain_candidate"]
        .iter()
        .find_map(|h| lower.iter().position(|f| f == h));
    let column = |names: &[&str]| names.iter().find_map(|h| lower.iter().position(|f| f == h));
    let (skip, name_col, domain_col, code_col) = match header_domain {
        Some(d) => (
            1,
            column(&["name", "municipality_name", "organisation", "organization"]),
            d,
            column(&["code", "municipality_code", "kommunkod"]),
        ),
        None if first.len() >= 2 => (0, Some(0), 1, None),
        None => (0, None, 0, None),
    };
    let mut targets = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, row) in rows.iter().enumerate().skip(skip) {
        let Some(domain) = row.get(domain_col).filter(|d| !d.is_empty()) else {
            return Err(err(format!("row {}: no domain", i + 1)));
        };
        if seen.insert(domain.to_ascii_lowercase()) {
            targets.push(Target {
                name: name_col
                    .and_then(|c| row.get(c))
                    .filter(|n| !n.is_empty())
                    .cloned(),
                domain: domain.clone(),
                code: code_col
                    .and_then(|c| row.get(c))
                    .filter(|n| !n.is_empty())
                    .cloned(),
            });
        }
    }
    if targets.is_empty() {
        return Err(err("no domains in it".into()));
    }
    Ok(targets)
}

/// The row of a domain that could not be scanned at all.
fn row_error(target: &Target, kind: RowError, message: String) -> DomainRow {
    DomainRow {
        name: target.name.clone(),
        domain: target.domain.clone(),
        code: target.code.clone(),
        folder: None,
        status: RowStatus::Error,
        resumed: false,
        error: Some(message),
        error_kind: Some(kind),
        name_fault: None,
        gaps: Vec::new(),
        services: Vec::new(),
        providers: Vec::new(),
        mailbox: None,
        mailbox_inferred: None,
        gateways: Vec::new(),
        countries: Vec::new(),
        measured: 0,
        declared: 0,
        legal: 0,
        problems: 0,
        queries: 0,
        worst: None,
        contracting_entity: None,
        law_party: None,
        mailbox_laws: Vec::new(),
        mailbox_law_country: None,
        content_under_third_country_law: false,
        mailbox_status: None,
        countries_by_basis: BTreeMap::new(),
        unattributed: 0,
        senders: Vec::new(),
        report_receivers: Vec::new(),
    }
}

/// The row of a scanned domain: its status is the scan's own, so a partial
/// scan is never counted as complete.
pub fn row_from_scan(target: &Target, scan: &Scan, resumed: bool) -> DomainRow {
    let mut services = BTreeSet::new();
    let mut providers = BTreeSet::new();
    for f in &scan.flows {
        services.extend(f.services.iter().cloned());
        providers.extend(f.providers.iter().cloned());
    }
    let inbound = scan
        .flows
        .iter()
        .filter(|f| f.kind == transfermap_model::graph::EdgeKind::DeliversTo);
    let mailbox = inbound.clone().find_map(|f| f.mailbox.clone());
    let gateways: BTreeSet<String> = inbound.flat_map(|f| f.gateways.iter().cloned()).collect();
    let transfers = scan.findings.iter().filter(|f| f.country.is_some());
    // The destinations, not the findings: a country that may only be a
    // database artefact is no destination.
    let countries: BTreeSet<String> = scan
        .destinations
        .iter()
        .map(|d| d.country.clone())
        .collect();
    let count = |b: Basis| transfers.clone().filter(|f| f.basis == b).count();
    // The mailbox's contracting entity, and the company whose law reaches
    // it (itself, or its parent), as the analysis recorded them.
    let holder = scan.mail_holder();
    let entity = holder.and_then(|h| h.entity);
    let law_party = holder.and_then(|h| h.law_party);
    let mailbox_status = holder
        .and_then(|h| h.law_destination)
        .map(|d| d.status.clone());
    let mailbox_law_country = holder
        .and_then(|h| h.law_destination)
        .map(|d| d.country.clone());
    let mut countries_by_basis: BTreeMap<Basis, Vec<String>> = BTreeMap::new();
    for f in &scan.findings {
        for o in f.occurrences().filter(|o| !o.is_artefact()) {
            if let Some(c) = o.country {
                let v = countries_by_basis.entry(f.basis).or_default();
                if !v.iter().any(|x| x == c) {
                    v.push(c.to_string());
                }
            }
        }
    }
    for v in countries_by_basis.values_mut() {
        v.sort();
    }
    let of_kind = |kinds: &[EdgeKind]| -> Vec<String> {
        let set: BTreeSet<String> = scan
            .flows
            .iter()
            .filter(|f| kinds.contains(&f.kind))
            .flat_map(|f| f.providers.iter().cloned())
            .collect();
        set.into_iter().collect()
    };
    // A domain without any mail record has nothing to judge: an error to
    // look at (is it the mail domain?), never "no path".
    let c = &scan.collection;
    let no_mail = scan.status == transfermap_model::scan::ScanStatus::Ok
        && c.mx.exchangers.iter().all(|e| e.implicit)
        && c.spf.root.record.is_none()
        && c.dmarc.is_none();
    DomainRow {
        name: target.name.clone(),
        code: target.code.clone(),
        domain: render::markdown::shown_domain(scan).to_string(),
        folder: Some(scan.domain.clone()),
        status: if no_mail { RowStatus::Error } else { scan.status.into() },
        resumed,
        error: no_mail.then(|| {
            "no mail records: the domain publishes no MX, SPF or DMARC record, so there is nothing to judge (is it the organisation's mail domain?)".to_string()
        }),
        error_kind: no_mail.then_some(RowError::NoMailRecords),
        name_fault: None,
        gaps: scan.gaps.clone(),
        services: services.into_iter().collect(),
        providers: providers.into_iter().collect(),
        mailbox_inferred: mailbox
            .as_ref()
            .and_then(|m| m.inferred.as_ref())
            .map(|i| i.strength),
        mailbox: mailbox.map(|m| m.service),
        gateways: gateways.into_iter().collect(),
        countries: countries.into_iter().collect(),
        measured: count(Basis::Measured),
        declared: count(Basis::Declared),
        legal: count(Basis::Legal),
        problems: scan.problems.len(),
        queries: scan.queries,
        worst: scan.findings.iter().map(|f| f.severity).min(),
        contracting_entity: entity.map(|p| p.name.clone()),
        law_party: law_party.map(|p| p.name.clone()),
        mailbox_laws: law_party.map(|p| p.laws.clone()).unwrap_or_default(),
        mailbox_law_country,
        content_under_third_country_law: scan.findings.iter().any(|f| {
            f.basis == Basis::Legal
                && f.data == Some(transfermap_model::finding::DataCategory::MailboxContent)
                && f.rule != transfermap_model::finding::RuleCode::Tm104
                && f.rule != transfermap_model::finding::RuleCode::Tm111
        }),
        mailbox_status,
        countries_by_basis,
        unattributed: scan.flows.iter().map(|f| f.unattributed).sum(),
        senders: of_kind(&[EdgeKind::SendsVia, EdgeKind::Authorises]),
        report_receivers: of_kind(&[EdgeKind::ReportsTo]),
    }
}

pub struct BatchOptions {
    pub out: PathBuf,
    pub formats: Vec<Format>,
    pub lang: Lang,
    /// Domains scanned at the same time.
    pub concurrency: usize,
    /// Reuse a domain's outputs when its `scan.json` is already there.
    pub resume: bool,
}

/// What the caller hears while the batch runs.
pub enum Progress<'a> {
    Started { total: usize },
    Finished { row: &'a DomainRow },
    Warning(String),
}

/// Scan every target. Stops starting new domains once `cancel` is set, and
/// returns the rows of the domains finished by then.
pub async fn scan_many(
    targets: Vec<Target>,
    run: DnsRun,
    ctx: Arc<ScanContext>,
    opts: Arc<BatchOptions>,
    cancel: Arc<AtomicBool>,
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Summary {
    progress(Progress::Started {
        total: targets.len(),
    });
    let permits = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let mut tasks: JoinSet<(usize, DomainRow, Option<RenderError>)> = JoinSet::new();
    let mut rows: Vec<Option<DomainRow>> = vec![None; targets.len()];
    let mut interrupted = false;
    for (i, target) in targets.iter().cloned().enumerate() {
        // Collect whatever finished while waiting for a free slot.
        let permit = loop {
            if cancel.load(Ordering::Relaxed) {
                break None;
            }
            tokio::select! {
                p = permits.clone().acquire_owned() => break p.ok(),
                Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                    record(done, &mut rows, progress);
                }
            }
        };
        let Some(permit) = permit else {
            interrupted = true;
            break;
        };
        let (run, ctx, opts) = (run.clone(), ctx.clone(), opts.clone());
        tasks.spawn(async move {
            let (row, svg_error) = one_domain(&target, run, &ctx, &opts).await;
            drop(permit);
            (i, row, svg_error)
        });
    }
    while let Some(done) = tasks.join_next().await {
        record(done, &mut rows, progress);
    }
    let domains: Vec<DomainRow> = rows.into_iter().flatten().collect();
    let mut providers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in &domains {
        for p in &row.providers {
            providers
                .entry(p.clone())
                .or_default()
                .push(row.domain.clone());
        }
    }
    let concentration = transfermap_model::summary::concentration(&domains);
    // The Swedish wording of the names the rows use, for a Swedish page.
    let mut named: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for row in &domains {
        named.extend(
            row.services
                .iter()
                .chain(&row.providers)
                .chain(&row.gateways)
                .chain(&row.senders)
                .chain(&row.report_receivers)
                .chain(&row.mailbox)
                .chain(&row.contracting_entity)
                .chain(&row.law_party)
                .map(String::as_str),
        );
    }
    let names_sv = ctx
        .kb
        .swedish_names()
        .into_iter()
        .filter(|(en, _)| named.contains(en.as_str()))
        .collect();
    // Each country once, however many rows name it.
    let codes: BTreeSet<&String> = domains
        .iter()
        .flat_map(|r| r.countries.iter().chain(&r.mailbox_law_country))
        .collect();
    let country_names = codes
        .into_iter()
        .map(|c| {
            let names = CountryNames {
                en: ctx.kb.country_name(c, Lang::En),
                sv: ctx.kb.country_name(c, Lang::Sv),
            };
            (c.clone(), names)
        })
        .collect();
    Summary {
        format: SUMMARY_FORMAT.into(),
        country_names,
        concentration,
        names_sv,
        version: SUMMARY_FORMAT_VERSION,
        as_of: ctx.as_of,
        resolver: run.resolver_label().to_string(),
        domains,
        providers,
        queries_sent: run.queries_sent(),
        interrupted,
    }
}

fn record(
    done: Result<(usize, DomainRow, Option<RenderError>), tokio::task::JoinError>,
    rows: &mut [Option<DomainRow>],
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) {
    match done {
        Ok((i, row, svg_error)) => {
            if let Some(e) = svg_error {
                progress(Progress::Warning(format!("{}: {e}", row.domain)));
            }
            progress(Progress::Finished { row: &row });
            rows[i] = Some(row);
        }
        // A panic in one domain's task must not take the others with it;
        // the row is missing and the summary says how many finished.
        Err(e) => progress(Progress::Warning(format!("a domain's scan stopped: {e}"))),
    }
}

async fn one_domain(
    target: &Target,
    run: DnsRun,
    ctx: &ScanContext,
    opts: &BatchOptions,
) -> (DomainRow, Option<RenderError>) {
    let domain = match normalise_domain(&target.domain) {
        Ok(d) => d,
        Err(e) => {
            let mut row = row_error(target, RowError::InvalidDomain, e.to_string());
            row.name_fault = Some(e.why);
            return (row, None);
        }
    };
    let dir = opts.out.join(&domain);
    if opts.resume
        && let Some(scan) = finished_earlier(&dir, &opts.formats)
    {
        return (row_from_scan(target, &scan, true), None);
    }
    let mut dns = run.client();
    let result = scan_domain(&mut dns, ctx, &domain).await;
    dns.forget_below(&domain);
    let scan = match result {
        Ok(scan) => scan,
        Err(e) => return (row_error(target, RowError::ScanFailed, e.to_string()), None),
    };
    let row = row_from_scan(target, &scan, false);
    // Graphviz runs a process per diagram: keep that off the DNS threads.
    // Text formats take well under a millisecond of CPU and, without a
    // per-file fsync, no waiting on the disk; handing them to another thread
    // cost more in wake-ups than it saved.
    let (lang, formats) = (opts.lang, opts.formats.clone());
    let write = move || render::write_outputs(&scan, lang, &dir, &formats, render::Flush::Later);
    let written = if opts.formats.iter().any(|f| f.needs_graphviz()) {
        tokio::task::spawn_blocking(write).await
    } else {
        Ok(write())
    };
    match written {
        Ok(Ok(w)) => (row, w.svg_error),
        Ok(Err(e)) => (
            row_error(target, RowError::WritingFailed, e.to_string()),
            None,
        ),
        Err(e) => (
            row_error(
                target,
                RowError::WritingFailed,
                format!("writing outputs stopped: {e}"),
            ),
            None,
        ),
    }
}

/// A domain's outputs from an earlier run, when they are all there:
/// `scan.json` reads back, and every requested text output exists. The
/// diagrams may be missing (Graphviz may have been stopped or absent).
fn finished_earlier(dir: &Path, formats: &[Format]) -> Option<Scan> {
    let text = std::fs::read_to_string(dir.join(Format::Json.file_name())).ok()?;
    let scan = read_scan(&text).ok()?;
    let complete = formats
        .iter()
        .filter(|f| !matches!(f, Format::Svg | Format::Png))
        .all(|f| dir.join(f.file_name()).is_file());
    complete.then_some(scan)
}

/// Write `summary.json`, `summary.csv` and `summary.md` into `out`, then
/// flush the run's files to disk in one go (they were written with
/// [`render::Flush::Later`]).
pub fn write_summary(summary: &Summary, out: &Path, lang: Lang) -> Result<(), RenderError> {
    let later = render::Flush::Later;
    let mut json = serde_json::to_vec_pretty(summary)?;
    json.push(b'\n');
    render::write_atomic_with(&out.join("summary.json"), &json, later)?;
    let csv = render::summary::summary_csv(summary);
    render::write_atomic_with(&out.join("summary.csv"), csv.as_bytes(), later)?;
    let md = render::summary::summary_markdown(summary, lang);
    render::write_atomic_with(&out.join("summary.md"), md.as_bytes(), later)?;
    let html = render::summary::summary_html(summary, lang);
    render::write_atomic_with(&out.join("summary.html"), html.as_bytes(), later)?;
    render::flush_filesystem(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<Target>, BatchError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.txt");
        std::fs::write(&path, text).unwrap();
        read_domains_file(&path)
    }

    #[test]
    fn plain_lines_csv_and_headers() {
        let t = read("# comment\nbollebygd.se\n\nExample.SE\nbollebygd.se\n").unwrap();
        assert_eq!(
            t.iter().map(|t| t.domain.as_str()).collect::<Vec<_>>(),
            ["bollebygd.se", "Example.SE"]
        );
        let t = read("Bollebygds kommun,bollebygd.se\n\"Borås, stad\",boras.se\n").unwrap();
        assert_eq!(t[1].name.as_deref(), Some("Borås, stad"));
        assert_eq!(t[1].domain, "boras.se");
        let t = read("municipality_code,municipality_name,mail_domain_candidate\n1443,Bollebygds kommun,bollebygd.se\n").unwrap();
        assert_eq!(
            t,
            vec![Target {
                name: Some("Bollebygds kommun".into()),
                domain: "bollebygd.se".into(),
                code: Some("1443".into()),
            }]
        );
        assert!(read("\n# nothing\n").is_err());
    }
}
