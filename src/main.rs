//! `transfermap`: the command line. It parses arguments, calls the
//! library, prints, and maps outcomes to exit codes:
//!
//! - 0: done, and every domain was observed completely;
//! - 1: a finding at or above `--fail-on` (for `diff`: a new finding
//!   matching `--fail-on-new`);
//! - 2: a usage or input error (bad arguments, unreadable files, bad maps);
//! - 3: a domain was only partly observed, or not at all (questions
//!   failed): what they would have shown is unknown, so no gate passes;
//! - 130: interrupted (many domains; `--resume` goes on).

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

use transfermap::Lang;
use transfermap::batch::{self, BatchOptions, Progress, Role, RowStatus, Target};
use transfermap::dns::ResolverChoice;
use transfermap::dns::names::normalise_domain;
use transfermap::engine::diff::NewFindingGate;
use transfermap::geodata::{self, GeoChoice};
use transfermap::maps::KnowledgeBase;
use transfermap::model::finding::{RuleCode, Severity};
use transfermap::model::scan::{Scan, ScanStatus, read_scan};
use transfermap::render::markdown::{label_of, party_labels, shown_domain};
use transfermap::render::text::plain as printable;
use transfermap::render::{self, Format, words};
use transfermap::scan::{DnsSource, ScanContext, reanalyse, scan_domain};

/// A batch allocates and frees many short-lived strings and vectors on
/// several threads (answers, evidence, rendered text); glibc's allocator
/// spent about a sixth of a batch's time in `malloc` and `free`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit status of a scan that did not observe everything it asked about.
const EXIT_INCOMPLETE: u8 = 3;

#[derive(Parser)]
#[command(
    name = "transfermap",
    version,
    about = "Map where personal data in an organisation's e-mail can leave the EU/EEA",
    long_about = "transfermap reads a mail domain's DNS (MX, SPF, DMARC, DKIM, autodiscover and \
the other discovery names, verification tokens), geolocates every server, recognises providers \
from a curated knowledge base, and reports every path by which e-mail can reach a third country \
or a third country's law — each with its evidence.\n\n\
Outputs: scan.json (written first), report.md, report.html, transfer-map.dot/.svg \
(and on request .png and a Mermaid .mmd).\n\n\
Exit codes: 0 done and complete; 1 a finding at or above --fail-on; 2 a usage or input error; \
3 a domain was only partly observed (some DNS questions failed) or not at all; 130 interrupted."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan mail domains and write the transfer map, the report and scan.json.
    #[command(after_help = "Examples:\n  \
  transfermap scan example.se --out out/example\n  \
  transfermap scan bollebygd.se --zone-file examples/bollebygd/after --out out/after\n  \
  transfermap scan bollebygd.se --zone-file examples/bollebygd/after --as-of 2021-05-01 --lang sv\n  \
  transfermap scan --domains-file kommuner.csv --out out/all\n\n\
Exit codes: 0 done and complete; 1 a finding at or above --fail-on; 2 a usage or input error; \
3 a domain was only partly observed (some DNS questions failed) or not at all; 130 interrupted.")]
    Scan(Box<ScanArgs>),
    /// Show the paths of a saved scan, hop by hop with their evidence and
    /// sources — all of them, or those matching the filters.
    #[command(after_help = "Examples:\n  \
  transfermap explain out/after/scan.json --country US\n  \
  transfermap explain out/after/scan.json --rule TM103 --as-of 2021-05-01\n  \
  transfermap explain out/after/scan.json --provider microsoft")]
    Explain(ExplainArgs),
    /// Compare two scans (e.g. before and after a migration, or today and a
    /// planned model): flows, providers, sites, sub-processors and findings
    /// added, removed and changed.
    #[command(after_help = "Examples:\n  \
  transfermap diff out/before/scan.json out/after/scan.json --out out/diff\n  \
  transfermap diff last-month.json today.json --out out/diff --fail-on-new high")]
    Diff(DiffArgs),
    /// Check SPF (RFC 7208): may an address send mail for a sender?
    #[command(after_help = "Examples:\n  \
  transfermap spf check --ip 40.107.22.71 --sender info@bollebygd.se\n  \
  transfermap spf check --ip 62.20.151.25 --sender kommun@example.se --zone-file zones/")]
    Spf {
        #[command(subcommand)]
        command: SpfCommand,
    },
    /// Work with the knowledge base (maps/).
    Maps {
        #[command(subcommand)]
        command: MapsCommand,
    },
}

#[derive(Subcommand)]
enum MapsCommand {
    /// Validate a maps directory on top of the built-in maps (default: the
    /// built-in maps alone). Errors name the file, line and field.
    Check {
        /// Directory of *.toml files to check.
        dir: Option<PathBuf>,
        /// Check DIR on its own, without the built-in maps under it.
        #[arg(long)]
        alone: bool,
    },
}

#[derive(Args)]
struct DiffArgs {
    /// The earlier scan.json.
    before: PathBuf,
    /// The later scan.json.
    after: PathBuf,
    /// Directory for diff.json, diff.md, diff.html, diff.dot and diff.svg.
    #[arg(long, value_name = "DIR", default_value = "transfermap-diff")]
    out: PathBuf,
    #[arg(long, value_enum, default_value = "en")]
    lang: LangArg,
    /// Exit with status 1 when the later scan adds a finding of this rule
    /// (TM103, third-country-law) or of this severity or worse (high, medium,
    /// low, info) — for scheduled re-scans.
    #[arg(long = "fail-on-new", value_name = "RULE|SEVERITY", value_parser = parse_gate)]
    fail_on_new: Option<NewFindingGate>,
}

#[derive(Args)]
struct ExplainArgs {
    /// A scan.json written by `transfermap scan`.
    scan: PathBuf,
    /// Only paths that reach this country: an ISO code (US) or a name in
    /// English or Swedish (United States, USA, Kina).
    #[arg(long)]
    country: Option<String>,
    /// Only this rule (code like TM103, or name like third-country-law).
    #[arg(long, value_parser = parse_rule)]
    rule: Option<RuleCode>,
    /// Only paths through a provider or service whose name or id contains this.
    #[arg(long)]
    provider: Option<String>,
    /// Judge the legal status again as of this date, YYYY-MM-DD (no DNS is asked).
    #[arg(long = "as-of", value_name = "DATE", value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Read the knowledge base with these maps on top (as for scan).
    #[arg(long, value_name = "DIR")]
    maps: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "en")]
    lang: LangArg,
}

#[derive(Subcommand)]
enum SpfCommand {
    /// Evaluate check_host() for one client address and sender, and show
    /// every record consulted with its DNS evidence.
    Check(SpfCheckArgs),
}

#[derive(Args)]
struct SpfCheckArgs {
    /// The SMTP client's IP address.
    #[arg(long)]
    ip: IpAddr,
    /// MAIL FROM address (a bare domain means postmaster@domain; "" means postmaster@HELO).
    #[arg(long)]
    sender: String,
    /// HELO/EHLO name (for %{h}, and required when --sender is empty).
    #[arg(long)]
    helo: Option<String>,
    /// Ask this DNS server (IP, or IP:PORT; port 53 if left out) instead of the system's resolver.
    #[arg(long, value_name = "IP[:PORT]", conflicts_with = "zone_files", value_parser = parse_server)]
    resolver: Option<SocketAddr>,
    /// Serve these zone files (or directories of *.zone) on loopback and ask them.
    #[arg(long = "zone-file", value_name = "PATH")]
    zone_files: Vec<PathBuf>,
    /// Seconds to wait for one DNS answer (0.05 to 60). A question is asked
    /// twice: the second time sooner when the server has been answering
    /// quickly (about four round trips), and the second try waits this long.
    #[arg(long, value_name = "SECONDS", default_value_t = 3.0, value_parser = parse_timeout)]
    timeout: f64,
}

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    En,
    Sv,
}

impl From<LangArg> for Lang {
    fn from(arg: LangArg) -> Self {
        match arg {
            LangArg::En => Lang::En,
            LangArg::Sv => Lang::Sv,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    High,
    Medium,
    Low,
    Info,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum FormatArg {
    Json,
    Md,
    Html,
    Dot,
    Svg,
    Png,
    Detail,
    Register,
    Mermaid,
}

#[derive(Args)]
struct ScanArgs {
    /// The mail domain(s), e.g. bollebygd.se (Unicode names are accepted).
    /// With more than one (or with --domains-file), each domain gets its own
    /// folder under --out, plus summary.html/csv/json/md across them.
    #[arg(value_name = "DOMAIN")]
    domains: Vec<String>,

    /// Scan every domain in FILE: one a line, CSV `name,domain`, or a CSV
    /// whose header has a `domain` (or `mail_domain`) column, and optionally
    /// `name` and `municipality_code` (a Swedish kommunkod, which places the
    /// organisation on summary.html's map of Sweden; without one it is
    /// placed by its name or its domain where these fit one municipality).
    #[arg(long = "domains-file", value_name = "FILE")]
    domains_file: Option<PathBuf>,

    /// Domains scanned at the same time (many domains; 1 to 4096).
    #[arg(long, value_name = "N", default_value_t = 64,
          value_parser = clap::value_parser!(u16).range(1..=4096))]
    concurrency: u16,

    /// DNS questions in flight at most, across all domains (1 to 65535).
    #[arg(long = "max-in-flight", value_name = "N", default_value_t = 256,
          value_parser = clap::value_parser!(u16).range(1..))]
    max_in_flight: u16,

    /// Skip domains whose outputs are already in --out (after an interrupted run).
    #[arg(long)]
    resume: bool,

    /// Save every DNS answer of the run to FILE, so that --replay can
    /// reproduce the scan exactly later (e.g. when a DPIA is re-checked).
    #[arg(long, value_name = "FILE", conflicts_with = "replay")]
    record: Option<PathBuf>,

    /// Answer every DNS question from a recording made with --record
    /// instead of asking DNS.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["resolver", "zone_files"])]
    replay: Option<PathBuf>,

    /// Outputs to write, comma-separated: json (scan.json), md (report.md),
    /// html (report.html: both maps inlined, prints as an annex), dot
    /// (transfer-map.dot, the board-level map, and transfer-map-detail.dot),
    /// svg and png (the board-level map), detail (transfer-map-detail.svg,
    /// every host and record), register (transfer-register.csv and .xlsx:
    /// one row per recipient, country and kind of data), mermaid (transfer-map.mmd).
    /// [default: json,md,html,dot,svg,register,detail for one domain;
    /// json,md,html,dot,svg,register for many, where each detailed map is
    /// left as DOT: add `detail` to draw them too]
    #[arg(long, value_enum, value_delimiter = ',')]
    format: Vec<FormatArg>,

    /// Ask this DNS server (IP, or IP:PORT; port 53 if left out) instead of the system's resolver.
    #[arg(long, value_name = "IP[:PORT]", value_parser = parse_server)]
    resolver: Option<SocketAddr>,

    /// Serve these zone files (or every *.zone in a directory) from a DNS
    /// server on loopback and scan against it — for offline, repeatable
    /// scans. Give it once per file or directory.
    #[arg(long = "zone-file", value_name = "PATH")]
    zone_files: Vec<PathBuf>,

    /// Directory for the outputs (one folder per domain when many).
    #[arg(long, value_name = "DIR", default_value = "transfermap-out")]
    out: PathBuf,

    /// Judge the legal status as of this date (YYYY-MM-DD), e.g. 2021-05-01
    /// to see the situation after Schrems II and before the Data Privacy Framework.
    #[arg(long = "as-of", value_name = "DATE", value_parser = parse_date)]
    as_of: Option<NaiveDate>,

    /// Language of report.md, report.html, the maps, the transfer register, the
    /// terminal lines and (many domains) summary.md and summary.html; scan.json,
    /// summary.json and summary.csv are in English whatever the language.
    #[arg(long, value_enum, default_value = "en")]
    lang: LangArg,

    /// The organisation's country (ISO code), which selects the providers'
    /// data-location statements that apply. Default: from the domain's ccTLD.
    #[arg(long = "customer-country", value_name = "CC")]
    customer_country: Option<String>,

    /// Add the maps in DIR (e.g. your contracted mail filter, an archive
    /// service) on top of the built-in knowledge base; an entry with the id
    /// of a built-in one replaces it.
    #[arg(long, value_name = "DIR")]
    maps: Option<PathBuf>,

    /// Merge the organisation's own model (TOML): what DNS cannot see — mail
    /// filter, mail servers, archive, backup, support — with sites and
    /// operators. Also describes a planned state (e.g. the target of a move).
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,

    /// Use only the maps in --maps DIR, not the built-in ones.
    #[arg(long = "maps-alone", requires = "maps")]
    maps_alone: bool,

    /// Geolocated-country database (.mmdb: DB-IP, GeoLite2/GeoIP2 Country or
    /// City). Default: $TRANSFERMAP_GEODATA/geolocated-country.mmdb when that
    /// variable is set, else the database built into the binary.
    #[arg(long = "geoip-country", value_name = "FILE")]
    geoip_country: Option<PathBuf>,

    /// Registry-country database (.mmdb): where the network holder is
    /// registered. Default as for --geoip-country (registry-country.mmdb).
    #[arg(long = "geoip-registry", value_name = "FILE")]
    geoip_registry: Option<PathBuf>,

    /// ASN database (.mmdb, GeoLite2-ASN layout). Default as for
    /// --geoip-country (asn.mmdb).
    #[arg(long = "geoip-asn", value_name = "FILE")]
    geoip_asn: Option<PathBuf>,

    /// Seconds to wait for one DNS answer (0.05 to 60). A question is asked
    /// twice: the second time sooner when the server has been answering
    /// quickly (about four round trips), and the second try waits this long.
    #[arg(long, value_name = "SECONDS", default_value_t = 3.0, value_parser = parse_timeout)]
    timeout: f64,

    /// Seconds Graphviz may take to lay out one diagram (1 to 3600). A
    /// diagram that takes longer is left out with a note; scan.json and the
    /// report are written first either way.
    #[arg(long = "dot-timeout", value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    dot_timeout: u64,

    /// Exit with status 1 when a finding of this severity or worse exists
    /// (for scheduled re-scans). A partial or failed scan exits with 3.
    #[arg(long = "fail-on", value_enum, value_name = "SEVERITY")]
    fail_on: Option<FailOn>,
}

/// A DNS server: `192.0.2.53`, `192.0.2.53:5353`, `::1` or `[::1]:5353`.
fn parse_server(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    text.trim_matches(['[', ']'])
        .parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| {
            "expected an IP address, optionally with a port (192.0.2.53 or 192.0.2.53:53)".into()
        })
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        format!(
            "expected a date as YYYY-MM-DD, e.g. 2021-05-01 (got `{}`)",
            printable(text)
        )
    })
}

fn parse_timeout(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if (0.05..=60.0).contains(&s) => Ok(s),
        _ => Err("expected a number of seconds from 0.05 to 60, e.g. 3".into()),
    }
}

fn parse_rule(text: &str) -> Result<RuleCode, String> {
    RuleCode::parse(text).ok_or_else(|| {
        let codes: Vec<&str> = RuleCode::ALL.iter().map(|r| r.as_str()).collect();
        format!("expected a rule code ({}) or its name", codes.join(", "))
    })
}

fn parse_gate(text: &str) -> Result<NewFindingGate, String> {
    NewFindingGate::parse(text).ok_or_else(|| {
        format!(
            "`{}` is neither a rule (e.g. TM103) nor a severity (high, medium, low, info)",
            printable(text)
        )
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => run_scan(*args),
        Command::Maps {
            command: MapsCommand::Check { dir, alone },
        } => maps_check(dir.as_deref(), alone),
        Command::Spf {
            command: SpfCommand::Check(args),
        } => run_spf_check(args),
        Command::Explain(args) => run_explain(args),
        Command::Diff(args) => run_diff(args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {}", printable_lines(&message));
            ExitCode::from(2)
        }
    }
}

/// Every line made safe for the terminal, the line breaks kept.
fn printable_lines(text: &str) -> String {
    text.lines().map(printable).collect::<Vec<_>>().join("\n")
}

fn read_scan_file(path: &Path) -> Result<Scan, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    read_scan(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn run_diff(args: DiffArgs) -> Result<ExitCode, String> {
    let lang = Lang::from(args.lang);
    let before = read_scan_file(&args.before)?;
    let after = read_scan_file(&args.after)?;
    let diff = transfermap::engine::diff::diff(&before, &after);
    let written = render::diff::write_diff_outputs(&diff, Some((&before, &after)), lang, &args.out)
        .map_err(|e| e.to_string())?;
    let (b, a) = match lang {
        Lang::En => ("Before", "After"),
        Lang::Sv => ("Före", "Efter"),
    };
    println!(
        "{b}: {}.",
        printable(&render::diff::side_sentence(&before, lang))
    );
    println!(
        "{a}: {}.",
        printable(&render::diff::side_sentence(&after, lang))
    );
    let md = render::diff::to_markdown(&diff, lang);
    for line in md
        .lines()
        .filter(|l| l.starts_with("Findings:") || l.starts_with("Fynd:"))
    {
        println!("{line}");
    }
    println!(
        "{} {}: {}",
        if lang == Lang::Sv {
            "utdata i"
        } else {
            "outputs in"
        },
        args.out.display(),
        written.files.join(", ")
    );
    if let Some(e) = written.svg_error {
        eprintln!("warning: {e}");
    }
    if let Some(gate) = args.fail_on_new {
        let new = transfermap::engine::diff::new_findings_matching(&diff, &after, gate);
        if !new.is_empty() {
            match lang {
                Lang::En => eprintln!("{} new finding(s) match --fail-on-new", new.len()),
                Lang::Sv => eprintln!("{} nya fynd motsvarar --fail-on-new", new.len()),
            }
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run_explain(args: ExplainArgs) -> Result<ExitCode, String> {
    let mut scan = read_scan_file(&args.scan)?;
    if let Some(date) = args.as_of {
        let kb = load_maps(args.maps.as_deref(), false)?;
        reanalyse(&mut scan, &kb, date);
    }
    let lang = Lang::from(args.lang);
    // The knowledge base names the countries; read it once, if needed.
    let kb = match &args.country {
        Some(_) => Some(load_maps(args.maps.as_deref(), false)?),
        None => None,
    };
    let country = match (&args.country, &kb) {
        (Some(c), Some(kb)) => Some(resolve_country(kb, c)?),
        _ => None,
    };
    let filter = render::explain::Filter {
        country: country.clone(),
        rule: args.rule,
        provider: args.provider,
    };
    let (out, matched) = render::explain::explain(&scan, &filter, lang);
    print!("{out}");
    if matched == 0 {
        let mut why = String::from("no finding matches these filters");
        if let (Some(c), Some(kb)) = (&country, &kb) {
            if kb.in_eea(c, scan.as_of) {
                why = format!(
                    "no finding names {c}: it is in the EU/EEA on {}, and a path there is no transfer",
                    scan.as_of
                );
            } else {
                why = format!("no path of this scan reaches {c} (with the other filters given)");
            }
        }
        eprintln!("note: {why}");
    }
    Ok(ExitCode::SUCCESS)
}

/// A country given by its ISO code or its English or Swedish name.
fn resolve_country(kb: &transfermap::maps::KnowledgeBase, given: &str) -> Result<String, String> {
    let g = given.trim();
    let code = g.to_ascii_uppercase();
    if kb.countries.contains_key(&code) {
        return Ok(code);
    }
    let norm = |s: &str| s.trim().to_lowercase();
    if let Some((code, _)) = kb
        .countries
        .iter()
        .find(|(_, c)| norm(&c.name_en) == norm(g) || norm(&c.name_sv) == norm(g))
    {
        return Ok(code.clone());
    }
    Err(format!(
        "`{}` is not a country the knowledge base knows: give an ISO 3166 code (e.g. US, GB) or a name in English or Swedish (e.g. United States, USA, Kina)",
        printable(g)
    ))
}

fn run_spf_check(args: SpfCheckArgs) -> Result<ExitCode, String> {
    let opts = transfermap::spf_report::SpfCheckOptions {
        ip: args.ip,
        sender: args.sender,
        helo: args.helo,
        resolver: args
            .resolver
            .map_or(ResolverChoice::System, ResolverChoice::Server),
        zone_files: args.zone_files,
        timeout: Duration::from_secs_f64(args.timeout),
    };
    let runtime = runtime()?;
    let report = runtime
        .block_on(transfermap::spf_report::spf_check_report(&opts))
        .map_err(|e| e.to_string())?;
    // DNS text is attacker-controlled: nothing invisible reaches the terminal.
    for line in report.to_string().lines() {
        println!("{}", printable(line));
    }
    Ok(ExitCode::SUCCESS)
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    // Writing a domain's outputs runs on the blocking pool (it waits for
    // Graphviz). The pool's default of 512 threads would, in a batch, start
    // one per domain in flight, each with its own allocator heap and
    // stack; a few per core keep the CPUs busy and the memory warm.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(cores * 4)
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

fn load_maps(dir: Option<&Path>, alone: bool) -> Result<KnowledgeBase, String> {
    match (dir, alone) {
        (Some(d), true) => KnowledgeBase::from_dir(d),
        (Some(d), false) => KnowledgeBase::embedded_with(d),
        (None, _) => KnowledgeBase::embedded(),
    }
    .map_err(|e| e.to_string())
}

fn maps_check(dir: Option<&Path>, alone: bool) -> Result<ExitCode, String> {
    let kb = load_maps(dir, alone)?;
    println!(
        "maps OK ({}): {} files, {} countries, {} adequacy decisions, {} regimes, {} providers, {} services, {} sites, {} declarations, {} fingerprints, {} sub-processors",
        kb.origin,
        kb.files.len(),
        kb.countries.len(),
        kb.adequacy.len(),
        kb.regimes.len(),
        kb.providers.len(),
        kb.services.len(),
        kb.sites.len(),
        kb.declarations.len(),
        kb.fingerprints.len(),
        kb.subprocessors.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn formats(args: &[FormatArg]) -> Vec<Format> {
    args.iter()
        .map(|f| match f {
            FormatArg::Json => Format::Json,
            FormatArg::Md => Format::Markdown,
            FormatArg::Dot => Format::Dot,
            FormatArg::Svg => Format::Svg,
            FormatArg::Png => Format::Png,
            FormatArg::Mermaid => Format::Mermaid,
            FormatArg::Html => Format::Html,
            FormatArg::Detail => Format::Detail,
            FormatArg::Register => Format::Register,
        })
        .collect()
}

fn run_scan(args: ScanArgs) -> Result<ExitCode, String> {
    let lang = Lang::from(args.lang);
    render::graphviz::set_timeout(Duration::from_secs(args.dot_timeout));
    let customer_country = args
        .customer_country
        .as_ref()
        .map(|c| c.trim().to_ascii_uppercase());
    if let Some(c) = &customer_country
        && (c.len() != 2 || !c.chars().all(|x| x.is_ascii_alphabetic()))
    {
        return Err(format!(
            "--customer-country `{}` is not a two-letter country code",
            printable(c)
        ));
    }
    let mut targets: Vec<Target> = args
        .domains
        .iter()
        .map(|d| Target {
            name: None,
            domain: d.clone(),
            code: None,
        })
        .collect();
    if let Some(file) = &args.domains_file {
        targets.extend(batch::read_domains_file(file).map_err(|e| e.to_string())?);
    }
    if targets.is_empty() && args.domains_file.is_none() {
        return Err(
            "give a mail domain (transfermap scan example.se), several, or a list of them with --domains-file FILE (one a line, or CSV); `transfermap scan --help` shows every option"
                .into(),
        );
    }
    let many = targets.len() > 1 || args.domains_file.is_some();
    // A single domain's name is checked before anything is set up.
    if !many {
        normalise_domain(&targets[0].domain).map_err(|e| e.to_string())?;
    }
    let formats = if args.format.is_empty() {
        // A DPO scanning one domain wants the detailed map drawn; a batch of
        // hundreds keeps each one as DOT and draws the board-level maps.
        let mut default = vec![
            Format::Json,
            Format::Markdown,
            Format::Html,
            Format::Dot,
            Format::Svg,
            Format::Register,
        ];
        if !many {
            default.push(Format::Detail);
        }
        default
    } else {
        formats(&args.format)
    };
    let kb = Arc::new(load_maps(args.maps.as_deref(), args.maps_alone)?);
    let model = match &args.model {
        Some(file) => Some(Arc::new(
            transfermap::maps::org::OrgModel::load(file, &kb).map_err(|e| e.to_string())?,
        )),
        None => None,
    };
    let geo = Arc::new(
        geodata::open(&GeoChoice {
            registry: args.geoip_registry.clone(),
            geolocated: args.geoip_country.clone(),
            asn: args.geoip_asn.clone(),
        })
        .map_err(|e| {
            format!(
                "{e}\n  (--geoip-registry, --geoip-country and --geoip-asn take your own .mmdb files; {} names a directory holding registry-country.mmdb, geolocated-country.mmdb and asn.mmdb; without either the built-in databases are used)",
                geodata::ENV_DIR
            )
        })?,
    );
    let as_of = args
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let runtime = runtime()?;
    let resolver = args
        .resolver
        .map_or(ResolverChoice::System, ResolverChoice::Server);
    let timeout = Duration::from_secs_f64(args.timeout);
    let source = match &args.replay {
        Some(file) => DnsSource::replay(file),
        None => runtime.block_on(DnsSource::open(
            resolver,
            &args.zone_files,
            timeout,
            usize::from(args.max_in_flight),
        )),
    }
    .map_err(|e| e.to_string())?;
    if let Some(file) = &args.record {
        if file.is_dir() {
            return Err(format!(
                "--record {}: that is a directory; give the file to write the answers to, e.g. {}",
                file.display(),
                file.join("answers.jsonl").display()
            ));
        }
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        source
            .run
            .record_to(file)
            .map_err(|e| format!("cannot write the recording {}: {e}", file.display()))?;
    }
    let ctx = Arc::new(ScanContext {
        kb: kb.clone(),
        geo,
        as_of,
        customer_country,
        zone_files: source.zone_files.clone(),
        model,
    });
    let threshold = args.fail_on.map(|f| match f {
        FailOn::High => Severity::High,
        FailOn::Medium => Severity::Medium,
        FailOn::Low => Severity::Low,
        FailOn::Info => Severity::Info,
    });
    let result = if many {
        let opts = BatchOptions {
            out: args.out.clone(),
            formats,
            lang,
            concurrency: usize::from(args.concurrency),
            resume: args.resume,
        };
        runtime.block_on(run_many(targets, &source, ctx, opts, threshold))
    } else {
        runtime.block_on(run_one(
            &targets[0].domain,
            &source,
            &ctx,
            &args.out,
            &formats,
            lang,
            threshold,
        ))
    };
    if args.record.is_some() {
        match source.run.finish_recording() {
            Ok(Some(path)) => eprintln!("transfermap: DNS answers recorded in {}", path.display()),
            Ok(None) => {}
            Err(e) => eprintln!("warning: the recording could not be completed: {e}"),
        }
    }
    runtime.block_on(source.close());
    result
}

async fn run_one(
    domain: &str,
    source: &DnsSource,
    ctx: &ScanContext,
    out: &Path,
    formats: &[Format],
    lang: Lang,
    threshold: Option<Severity>,
) -> Result<ExitCode, String> {
    match lang {
        Lang::En => eprintln!("transfermap: scanning {} …", printable(domain)),
        Lang::Sv => eprintln!("transfermap: skannar {} …", printable(domain)),
    }
    let mut dns = source.run.client();
    let scan = scan_domain(&mut dns, ctx, domain)
        .await
        .map_err(|e| e.to_string())?;
    let (queries, evidence, nodes, findings) = (
        scan.queries,
        scan.evidence.len(),
        scan.graph.nodes.len(),
        scan.findings.len(),
    );
    match lang {
        Lang::En => eprintln!(
            "transfermap: {queries} DNS queries, {evidence} evidence items, {nodes} nodes, {findings} findings"
        ),
        Lang::Sv => eprintln!(
            "transfermap: {queries} DNS-frågor, {evidence} belägg, {nodes} noder, {findings} fynd"
        ),
    }
    let written = render::write_outputs(&scan, lang, out, formats, render::Flush::Each)
        .map_err(|e| e.to_string())?;
    print_summary(&scan, lang, out, &written.files);
    if let Some(e) = written.svg_error {
        // Everything else is written; the diagram can be drawn later from the DOT file.
        eprintln!("warning: {e}");
    }
    if let Some(t) = threshold
        && scan.findings.iter().any(|f| f.severity <= t)
    {
        return Ok(ExitCode::from(1));
    }
    if scan.status != ScanStatus::Ok {
        return Ok(ExitCode::from(EXIT_INCOMPLETE));
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_many(
    targets: Vec<Target>,
    source: &DnsSource,
    ctx: Arc<ScanContext>,
    opts: BatchOptions,
    threshold: Option<Severity>,
) -> Result<ExitCode, String> {
    std::fs::create_dir_all(&opts.out)
        .map_err(|e| format!("cannot create output directory {}: {e}", opts.out.display()))?;
    let out = opts.out.clone();
    let lang = opts.lang;
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "\ntransfermap: interrupted — finishing the domains in progress (Ctrl-C again to stop at once)"
            );
            flag.store(true, Ordering::Relaxed);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let bar = indicatif::ProgressBar::new(targets.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} domains  {elapsed}  {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut warned = Vec::new();
    // Without a terminal (a log, CI) the bar is hidden: a line every tenth.
    let plain = !std::io::IsTerminal::is_terminal(&std::io::stderr());
    let total = targets.len();
    let step = (total / 10).max(1);
    let mut done = 0usize;
    let started = std::time::Instant::now();
    let mut on_progress = |p: Progress<'_>| match p {
        Progress::Started { .. } => {}
        Progress::Finished { row } => {
            bar.set_message(printable(&row.domain));
            bar.inc(1);
            done += 1;
            if plain && (done.is_multiple_of(step) || done == total) {
                let secs = started.elapsed().as_secs_f64();
                match lang {
                    Lang::En => eprintln!("scanned {done}/{total} domains ({secs:.1} s)"),
                    Lang::Sv => eprintln!(
                        "skannade {done}/{total} domäner ({} s)",
                        format!("{secs:.1}").replace('.', ",")
                    ),
                }
            }
        }
        Progress::Warning(w) => warned.push(w),
    };
    let summary = batch::scan_many(
        targets,
        source.run.clone(),
        ctx,
        Arc::new(opts),
        cancel,
        &mut on_progress,
    )
    .await;
    bar.finish_and_clear();
    for w in warned.iter().take(5) {
        eprintln!("warning: {}", printable(w));
    }
    if warned.len() > 5 {
        eprintln!("warning: … and {} more", warned.len() - 5);
    }
    batch::write_summary(&summary, &out, lang).map_err(|e| e.to_string())?;
    let count = |s: RowStatus| summary.domains.iter().filter(|d| d.status == s).count();
    let with_transfer = summary
        .domains
        .iter()
        .filter(|d| !d.countries.is_empty())
        .count();
    let (n, ok, partial, failed, error, sent) = (
        summary.domains.len(),
        count(RowStatus::Ok),
        count(RowStatus::Partial),
        count(RowStatus::Failed),
        count(RowStatus::Error),
        summary.queries_sent,
    );
    match lang {
        Lang::En => println!(
            "{n} domains: {ok} complete, {partial} partial, {failed} failed, {error} with errors; {with_transfer} with a path to a third country; {sent} DNS questions sent"
        ),
        Lang::Sv => println!(
            "{n} domäner: {ok} fullständiga, {partial} delvis, {failed} misslyckade, {error} med fel; {with_transfer} med en väg till ett tredjeland; {sent} DNS-frågor skickade"
        ),
    }
    for d in summary
        .domains
        .iter()
        .filter(|d| d.status != RowStatus::Ok)
        .take(10)
    {
        let why = render::summary::row_error(d, lang).unwrap_or_else(|| {
            d.gaps
                .first()
                .map(|g| render::words::gap_short(g, lang))
                .unwrap_or_default()
        });
        let status = match (lang, d.status) {
            (Lang::Sv, RowStatus::Partial) => "delvis",
            (Lang::Sv, RowStatus::Failed) => "misslyckad",
            (Lang::Sv, RowStatus::Error) => "fel",
            (Lang::Sv, RowStatus::Ok) => "fullständig",
            (Lang::En, s) => s.as_str(),
        };
        println!(
            "  {}: {} — {}",
            status,
            printable(&d.domain),
            printable(&why)
        );
    }
    // The companies most organisations depend on for their mailboxes and
    // gateways; sub-processors and senders are on the summary pages.
    let localised = render::localise::summary(&summary, lang);
    for role in [Role::Mailbox, Role::Gateway] {
        let top = localised.ranked(role);
        if top.is_empty() {
            continue;
        }
        let shown: Vec<String> = top
            .iter()
            .take(3)
            .map(|(who, n)| format!("{} {n}", printable(who)))
            .collect();
        let rest = top.len().saturating_sub(3);
        let more = match (rest, lang) {
            (0, _) => String::new(),
            (n, Lang::En) => format!(", {n} more"),
            (n, Lang::Sv) => format!(", {n} till"),
        };
        println!("  {}: {}{more}", role.words(lang), shown.join(", "));
    }
    let files = "summary.md, summary.html, summary.csv, summary.json";
    match lang {
        Lang::En => println!("summary in {}: {files}", out.display()),
        Lang::Sv => println!("sammanställning i {}: {files}", out.display()),
    }
    if summary.interrupted {
        match lang {
            Lang::En => println!("interrupted: run again with --resume to scan the rest"),
            Lang::Sv => println!("avbruten: kör igen med --resume för att skanna resten"),
        }
        return Ok(ExitCode::from(130));
    }
    if let Some(t) = threshold
        && summary
            .domains
            .iter()
            .any(|d| d.worst.is_some_and(|w| w <= t))
    {
        return Ok(ExitCode::from(1));
    }
    if summary.domains.iter().any(|d| !d.status.is_complete()) {
        return Ok(ExitCode::from(EXIT_INCOMPLETE));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(scan: &Scan, lang: Lang, out: &Path, files: &[&str]) {
    let sv = lang == Lang::Sv;
    let t = |en: &'static str, sv_text: &'static str| if sv { sv_text } else { en };
    println!(
        "{} — {} {}",
        printable(shown_domain(scan)),
        t("as of", "rättsläge per"),
        scan.as_of
    );
    match scan.status {
        ScanStatus::Ok if scan.findings.is_empty() => println!(
            "  {}",
            t(
                "no path to a third country or a third country's law was found",
                "ingen väg till ett tredjeland eller ett tredjelands lag hittades"
            )
        ),
        ScanStatus::Ok => {}
        ScanStatus::Partial => println!(
            "  {}: {} {}",
            t("PARTIAL", "OFULLSTÄNDIG"),
            scan.gaps.len(),
            t(
                "question(s) or lookup(s) failed; what they would have shown is unknown",
                "fråga/frågor eller uppslag misslyckades; vad de skulle ha visat är okänt"
            )
        ),
        ScanStatus::Failed => println!(
            "  {}: {} ({} {})",
            t("FAILED", "MISSLYCKAD"),
            t(
                "too little was observed to judge the domain",
                "för lite observerades för att bedöma domänen"
            ),
            scan.gaps.len(),
            t(
                "question(s) or lookup(s) failed",
                "fråga/frågor eller uppslag misslyckades"
            )
        ),
    }
    for g in scan.gaps.iter().take(10) {
        let asked = match g.record_type {
            Some(t) => format!("{} {t}", g.asked),
            None => g.asked.clone(),
        };
        println!(
            "  {}: {} ({}): {}",
            if lang == Lang::Sv {
                "ej observerat"
            } else {
                "not observed"
            },
            printable(&asked),
            printable(&render::words::gap_cause(g, lang)),
            printable(&render::markdown::unobserved(&g.unknown, lang))
        );
    }
    for f in &scan.findings {
        let countries = f.countries();
        let country = match countries.as_slice() {
            [] => String::new(),
            [c] => format!(" → {}", scan.country_name(c, lang)),
            many if many.len() <= 6 => format!(" → {}", many.join(", ")),
            many => format!(" → {} (+{})", many[..6].join(", "), many.len() - 6),
        };
        // Whom it is about when a party is named; else where it enters.
        let parties = party_labels(scan, f);
        let what = match parties.as_slice() {
            [] => label_of(scan, &f.entry),
            [_, _, _, _, ..] => format!("{}, … (+{})", parties[..3].join(", "), parties.len() - 3),
            _ => parties.join(", "),
        };
        println!(
            "  {:>4} {} [{}, {}]{}: {}",
            f.id,
            f.rule,
            words::severity(f.severity, lang),
            words::basis(f.basis, lang),
            country,
            printable(&what)
        );
    }
    for p in &scan.problems {
        let said = render::markdown::problem_message(scan, p, lang);
        println!("  problem: {}", printable(&said));
    }
    println!(
        "{} {}: {}",
        if lang == Lang::Sv {
            "utdata i"
        } else {
            "outputs in"
        },
        out.display(),
        files.join(", ")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_without_a_port_is_asked_on_53() {
        assert_eq!(
            parse_server("192.0.2.53").unwrap().to_string(),
            "192.0.2.53:53"
        );
        assert_eq!(parse_server("::1").unwrap().to_string(), "[::1]:53");
        assert_eq!(parse_server("[::1]").unwrap().to_string(), "[::1]:53");
        assert_eq!(parse_server("127.0.0.1:5353").unwrap().port(), 5353);
        assert!(parse_server("ns.example").is_err());
        assert!(parse_server("192.0.2.53:99999").is_err());
    }

    #[test]
    fn dates_say_what_is_expected() {
        assert!(parse_date("2021-05-01").is_ok());
        let e = parse_date("01-05-2021").unwrap_err();
        assert!(e.contains("YYYY-MM-DD"), "{e}");
    }
}
