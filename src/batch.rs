//! Many domains in one run: a bounded number scanned at once over one
//! shared DNS source and cache, each written to its own folder as soon as
//! it is done, and a summary across all of them — per domain its providers,
//! third-country findings and errors; per provider how many organisations
//! depend on it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::Lang;
use crate::analyse::{Basis, Severity};
use crate::collect::dns::DnsRun;
use crate::render::{self, Format, RenderError};
use crate::scan::{Scan, ScanContext, normalise_domain, scan_domain};

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("cannot read domains file {path}: {message}")]
    DomainsFile { path: PathBuf, message: String },
}

/// One organisation to scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub name: Option<String>,
    pub domain: String,
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
    let (skip, name_col, domain_col) = match header_domain {
        Some(d) => {
            let name = ["name", "municipality_name", "organisation", "organization"]
                .iter()
                .find_map(|h| lower.iter().position(|f| f == h));
            (1, name, d)
        }
        None if first.len() >= 2 => (0, Some(0), 1),
        None => (0, None, 0),
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
            });
        }
    }
    if targets.is_empty() {
        return Err(err("no domains in it".into()));
    }
    Ok(targets)
}

/// One line of the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainRow {
    pub name: Option<String>,
    pub domain: String,
    /// `ok`, `resumed` (outputs from an earlier run reused) or `error`.
    pub status: String,
    pub error: Option<String>,
    pub services: Vec<String>,
    pub providers: Vec<String>,
    /// Third countries any finding reaches.
    pub countries: Vec<String>,
    pub measured: usize,
    pub declared: usize,
    pub legal: usize,
    pub problems: usize,
    pub queries: usize,
    /// The most severe finding, if any.
    pub worst: Option<Severity>,
}

impl DomainRow {
    fn error(target: &Target, message: String) -> Self {
        Self {
            name: target.name.clone(),
            domain: target.domain.clone(),
            status: "error".into(),
            error: Some(message),
            services: Vec::new(),
            providers: Vec::new(),
            countries: Vec::new(),
            measured: 0,
            declared: 0,
            legal: 0,
            problems: 0,
            queries: 0,
            worst: None,
        }
    }

    fn from_scan(target: &Target, scan: &Scan, status: &str) -> Self {
        let mut services = BTreeSet::new();
        let mut providers = BTreeSet::new();
        for f in &scan.flows {
            services.extend(f.services.iter().cloned());
            providers.extend(f.providers.iter().cloned());
        }
        let transfers = scan.findings.iter().filter(|f| !f.country.is_empty());
        let countries: BTreeSet<String> = transfers.clone().map(|f| f.country.clone()).collect();
        let count = |b: Basis| transfers.clone().filter(|f| f.basis == b).count();
        Self {
            name: target.name.clone(),
            domain: crate::render::markdown::shown_domain(scan).to_string(),
            status: status.into(),
            error: None,
            services: services.into_iter().collect(),
            providers: providers.into_iter().collect(),
            countries: countries.into_iter().collect(),
            measured: count(Basis::Measured),
            declared: count(Basis::Declared),
            legal: count(Basis::Legal),
            problems: scan.problems.len(),
            queries: scan.queries,
            worst: scan.findings.iter().map(|f| f.severity).min(),
        }
    }
}

/// The summary across domains.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub format: String,
    pub version: u32,
    pub as_of: chrono::NaiveDate,
    pub resolver: String,
    pub domains: Vec<DomainRow>,
    /// Provider → the domains whose mail reaches it.
    pub providers: BTreeMap<String, Vec<String>>,
    /// Distinct DNS questions sent in the whole run (shared answers once).
    pub queries_sent: usize,
    /// True when the run was interrupted before every domain was scanned.
    pub interrupted: bool,
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
    Summary {
        format: "transfermap-summary".into(),
        version: 1,
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
        Err(e) => return (DomainRow::error(target, e.to_string()), None),
    };
    let dir = opts.out.join(&domain);
    if opts.resume
        && let Ok(text) = std::fs::read_to_string(dir.join("scan.json"))
        && let Ok(scan) = render::read_scan(&text)
    {
        return (DomainRow::from_scan(target, &scan, "resumed"), None);
    }
    let mut dns = run.client();
    let result = scan_domain(&mut dns, ctx, &domain).await;
    dns.forget_below(&domain);
    let scan = match result {
        Ok(scan) => scan,
        Err(e) => return (DomainRow::error(target, e.to_string()), None),
    };
    let row = DomainRow::from_scan(target, &scan, "ok");
    // Graphviz runs a process per diagram: keep that off the DNS threads.
    // Text formats take well under a millisecond of CPU and, without a
    // per-file fsync, no waiting on the disk; handing them to another thread
    // cost more in wake-ups than it saved.
    let kb = ctx.kb.clone();
    let (lang, formats) = (opts.lang, opts.formats.clone());
    let write =
        move || render::write_outputs(&scan, &kb, lang, &dir, &formats, render::Flush::Later);
    let written = if opts.formats.iter().any(|f| f.needs_graphviz()) {
        tokio::task::spawn_blocking(write).await
    } else {
        Ok(write())
    };
    match written {
        Ok(Ok(w)) => (row, w.svg_error),
        Ok(Err(e)) => (DomainRow::error(target, e.to_string()), None),
        Err(e) => (
            DomainRow::error(target, format!("writing outputs stopped: {e}")),
            None,
        ),
    }
}

/// Write `summary.json`, `summary.csv` and `summary.md` into `out`, then
/// flush the run's files to disk in one go (they were written with
/// [`render::Flush::Later`]).
pub fn write_summary(summary: &Summary, out: &Path, lang: Lang) -> Result<(), RenderError> {
    let later = render::Flush::Later;
    let mut json = serde_json::to_vec_pretty(summary)?;
    json.push(b'\n');
    render::write_atomic_with(&out.join("summary.json"), &json, later)?;
    let csv = summary_csv(summary);
    render::write_atomic_with(&out.join("summary.csv"), csv.as_bytes(), later)?;
    let md = summary_markdown(summary, lang);
    render::write_atomic_with(&out.join("summary.md"), md.as_bytes(), later)?;
    render::flush_filesystem(out)
}

fn summary_csv(summary: &Summary) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "name",
        "domain",
        "status",
        "error",
        "providers",
        "services",
        "third_countries",
        "measured",
        "declared",
        "legal",
        "problems",
        "queries",
    ]);
    for r in &summary.domains {
        let _ = w.write_record([
            csv_safe(r.name.as_deref().unwrap_or("")),
            csv_safe(&r.domain),
            r.status.clone(),
            csv_safe(r.error.as_deref().unwrap_or("")),
            csv_safe(&r.providers.join("; ")),
            csv_safe(&r.services.join("; ")),
            r.countries.join(" "),
            r.measured.to_string(),
            r.declared.to_string(),
            r.legal.to_string(),
            r.problems.to_string(),
            r.queries.to_string(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Spreadsheets run cells that start with `=`, `+`, `-` or `@` as formulas;
/// a leading apostrophe keeps text from a domains file inert.
fn csv_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// The words of `summary.md` in each language.
struct SummaryWords {
    title: &'static str,
    as_of: &'static str,
    domains: &'static str,
    scanned: &'static str,
    with_errors: &'static str,
    interrupted: &'static str,
    questions: &'static str,
    providers: &'static str,
    provider: &'static str,
    organisations: &'static str,
    header: &'static str,
    error: &'static str,
}

const SUMMARY_EN: SummaryWords = SummaryWords {
    title: "Transfer map summary",
    as_of: "As of",
    domains: "Domains",
    scanned: "scanned",
    with_errors: "with errors",
    interrupted: "**Interrupted**: not every domain was scanned",
    questions: "questions sent in the run",
    providers: "Providers: how many organisations depend on each",
    provider: "provider",
    organisations: "organisations",
    header: "| organisation | domain | third countries | measured | declared | legal | problems | providers / error |",
    error: "error",
};

const SUMMARY_SV: SummaryWords = SummaryWords {
    title: "Överföringskarta, sammanställning",
    as_of: "Rättsläge per",
    domains: "Domäner",
    scanned: "skannade",
    with_errors: "med fel",
    interrupted: "**Avbruten**: alla domäner skannades inte",
    questions: "frågor skickade under körningen",
    providers: "Leverantörer: hur många organisationer som är beroende av var och en",
    provider: "leverantör",
    organisations: "organisationer",
    header: "| organisation | domän | tredjeländer | uppmätta | uppgivna | rättsliga | problem | leverantörer / fel |",
    error: "fel",
};

fn summary_markdown(summary: &Summary, lang: Lang) -> String {
    use crate::render::markdown::escape;
    use std::fmt::Write;
    let w = match lang {
        Lang::En => &SUMMARY_EN,
        Lang::Sv => &SUMMARY_SV,
    };
    let mut s = String::new();
    let ok = summary
        .domains
        .iter()
        .filter(|d| d.status != "error")
        .count();
    let _ = writeln!(s, "# {}\n", w.title);
    let _ = writeln!(
        s,
        "- {}: **{}**\n- {}: {} ({} {}, {} {}){}\n- DNS: {} ({} {})\n",
        w.as_of,
        summary.as_of,
        w.domains,
        summary.domains.len(),
        ok,
        w.scanned,
        summary.domains.len() - ok,
        w.with_errors,
        if summary.interrupted {
            format!("\n- {}", w.interrupted)
        } else {
            String::new()
        },
        escape(&summary.resolver),
        summary.queries_sent,
        w.questions
    );
    let _ = writeln!(s, "## {}\n", w.providers);
    let _ = writeln!(s, "| {} | {} |\n|---|---:|", w.provider, w.organisations);
    let mut by_count: Vec<(&String, &Vec<String>)> = summary.providers.iter().collect();
    by_count.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    for (p, list) in by_count {
        let _ = writeln!(s, "| {} | {} |", escape(p), list.len());
    }
    let _ = writeln!(s, "\n## {}\n", w.domains);
    let _ = writeln!(s, "{}\n|---|---|---|---:|---:|---:|---:|---|", w.header);
    for r in &summary.domains {
        let last = match &r.error {
            Some(e) => format!("**{}:** {}", w.error, escape(e)),
            None => escape(&r.providers.join(", ")),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            escape(r.name.as_deref().unwrap_or("")),
            escape(&r.domain),
            escape(&r.countries.join(", ")),
            r.measured,
            r.declared,
            r.legal,
            r.problems,
            last
        );
    }
    s
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
                domain: "bollebygd.se".into()
            }]
        );
        assert!(read("\n# nothing\n").is_err());
    }

    #[test]
    fn csv_cells_cannot_become_formulas() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("bollebygd.se"), "bollebygd.se");
    }
}
