//! `transfermap`: the command line. It parses arguments, calls the
//! library, prints, and maps errors to exit codes (0 ok, 1 findings at or
//! above `--fail-on`, 2 usage or input error).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

use transfermap::Lang;
use transfermap::analyse::Severity;
use transfermap::collect::dns::ResolverChoice;
use transfermap::collect::geo::{GeoDatabase, Geolocator, Role};
use transfermap::maps::KnowledgeBase;
use transfermap::render::{self, dot, markdown};
use transfermap::scan::{ScanOptions, scan};

#[derive(Parser)]
#[command(
    name = "transfermap",
    version,
    about = "Map where personal data in an organisation's e-mail can leave the EU/EEA",
    long_about = "transfermap reads a mail domain's DNS (MX, SPF, DMARC, autodiscover), \
geolocates every server, recognises providers from a curated knowledge base, and reports \
every path by which e-mail can reach a third country or a third country's law — each \
with its evidence. Outputs: scan.json, transfer-map.dot/.svg and report.md."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan a mail domain and write the transfer map, the report and scan.json.
    #[command(after_help = "Examples:\n  \
  transfermap scan example.se --out out/example\n  \
  transfermap scan bollebygd.se --zone-file examples/bollebygd/after --out out/after\n  \
  transfermap scan bollebygd.se --zone-file examples/bollebygd/after --as-of 2021-05-01 --lang sv")]
    Scan(Box<ScanArgs>),
    /// Work with the knowledge base (maps/).
    Maps {
        #[command(subcommand)]
        command: MapsCommand,
    },
}

#[derive(Subcommand)]
enum MapsCommand {
    /// Validate a maps directory (default: the maps built into this binary).
    Check {
        /// Directory of *.toml files to check.
        dir: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    En,
    Sv,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    High,
    Medium,
    Low,
    Info,
}

#[derive(Args)]
struct ScanArgs {
    /// The mail domain, e.g. bollebygd.se (Unicode names are accepted).
    domain: String,

    /// Ask this DNS server (IP:PORT) instead of the system's resolver.
    #[arg(long, value_name = "IP:PORT")]
    resolver: Option<SocketAddr>,

    /// Serve these zone files (or every *.zone in a directory) from a DNS
    /// server on loopback and scan against it — for offline, repeatable
    /// scans. Give it once per file or directory.
    #[arg(long = "zone-file", value_name = "PATH")]
    zone_files: Vec<PathBuf>,

    /// Directory for scan.json, transfer-map.dot, transfer-map.svg and report.md.
    #[arg(long, value_name = "DIR", default_value = "transfermap-out")]
    out: PathBuf,

    /// Judge the legal status as of this date (YYYY-MM-DD), e.g. 2021-05-01
    /// to see the situation after Schrems II and before the Data Privacy Framework.
    #[arg(long = "as-of", value_name = "DATE")]
    as_of: Option<NaiveDate>,

    /// Language of report.md and the diagram.
    #[arg(long, value_enum, default_value = "en")]
    lang: LangArg,

    /// The organisation's country (ISO code), which selects the providers'
    /// data-location statements that apply. Default: from the domain's ccTLD.
    #[arg(long = "customer-country", value_name = "CC")]
    customer_country: Option<String>,

    /// Read the knowledge base from this directory instead of the built-in maps.
    #[arg(long, value_name = "DIR")]
    maps: Option<PathBuf>,

    /// Geolocated-country database (.mmdb: DB-IP, GeoLite2/GeoIP2 Country or City).
    #[arg(long = "geoip-country", value_name = "FILE")]
    geoip_country: Option<PathBuf>,

    /// Registry-country database (.mmdb): where the network holder is registered.
    #[arg(long = "geoip-registry", value_name = "FILE")]
    geoip_registry: Option<PathBuf>,

    /// ASN database (.mmdb, GeoLite2-ASN layout).
    #[arg(long = "geoip-asn", value_name = "FILE")]
    geoip_asn: Option<PathBuf>,

    /// Seconds to wait for one DNS answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 3.0)]
    timeout: f64,

    /// Exit with status 1 when a finding of this severity or worse exists
    /// (for scheduled re-scans).
    #[arg(long = "fail-on", value_enum, value_name = "SEVERITY")]
    fail_on: Option<FailOn>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => run_scan(*args),
        Command::Maps {
            command: MapsCommand::Check { dir },
        } => maps_check(dir.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn load_maps(dir: Option<&Path>) -> Result<KnowledgeBase, String> {
    match dir {
        Some(d) => KnowledgeBase::from_dir(d),
        None => KnowledgeBase::embedded(),
    }
    .map_err(|e| e.to_string())
}

fn maps_check(dir: Option<&Path>) -> Result<ExitCode, String> {
    let kb = load_maps(dir)?;
    println!(
        "maps OK ({}): {} files, {} countries, {} adequacy decisions, {} regimes, {} providers, {} services, {} sites, {} declarations, {} fingerprints",
        kb.origin,
        kb.files.len(),
        kb.countries.len(),
        kb.adequacy.len(),
        kb.regimes.len(),
        kb.providers.len(),
        kb.services.len(),
        kb.sites.len(),
        kb.declarations.len(),
        kb.fingerprints.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// The shipped geodata: `$TRANSFERMAP_GEODATA`, else the source tree's
/// `geodata/`, else `./geodata`.
fn geodata_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TRANSFERMAP_GEODATA") {
        return PathBuf::from(dir);
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata");
    if built.is_dir() {
        return built;
    }
    PathBuf::from("geodata")
}

fn open_geo(args: &ScanArgs) -> Result<Geolocator, String> {
    let dir = geodata_dir();
    let pick =
        |given: &Option<PathBuf>, file: &str| given.clone().unwrap_or_else(|| dir.join(file));
    let open = |role, path: PathBuf| {
        GeoDatabase::open(role, &path).map_err(|e| {
            format!("{e}\n  (point --geoip-registry/--geoip-country/--geoip-asn at your own .mmdb files, or TRANSFERMAP_GEODATA at a directory holding registry-country.mmdb, geolocated-country.mmdb and asn.mmdb)")
        })
    };
    Ok(Geolocator {
        registry: open(
            Role::Registry,
            pick(&args.geoip_registry, "registry-country.mmdb"),
        )?,
        geolocated: open(
            Role::Geolocated,
            pick(&args.geoip_country, "geolocated-country.mmdb"),
        )?,
        asn: open(Role::Asn, pick(&args.geoip_asn, "asn.mmdb"))?,
    })
}

fn run_scan(args: ScanArgs) -> Result<ExitCode, String> {
    let lang = match args.lang {
        LangArg::En => Lang::En,
        LangArg::Sv => Lang::Sv,
    };
    if !(args.timeout > 0.0 && args.timeout <= 60.0) {
        return Err("--timeout must be between 0 and 60 seconds".into());
    }
    let customer_country = args
        .customer_country
        .as_ref()
        .map(|c| c.trim().to_ascii_uppercase());
    if let Some(c) = &customer_country
        && (c.len() != 2 || !c.chars().all(|x| x.is_ascii_alphabetic()))
    {
        return Err(format!(
            "--customer-country `{c}` is not a two-letter country code"
        ));
    }
    let kb = load_maps(args.maps.as_deref())?;
    let geo = open_geo(&args)?;
    let as_of = args
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let opts = ScanOptions {
        domain: args.domain.clone(),
        resolver: args
            .resolver
            .map_or(ResolverChoice::System, ResolverChoice::Server),
        zone_files: args.zone_files.clone(),
        timeout: Duration::from_secs_f64(args.timeout),
        as_of,
        customer_country,
    };
    eprintln!("transfermap: scanning {} …", args.domain);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let scan = runtime
        .block_on(scan(&opts, &kb, &geo))
        .map_err(|e| e.to_string())?;
    eprintln!(
        "transfermap: {} DNS queries, {} evidence items, {} nodes, {} findings",
        scan.queries_sent,
        scan.evidence.len(),
        scan.graph.nodes.len(),
        scan.findings.len()
    );

    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create output directory {}: {e}", args.out.display()))?;
    let out = |name: &str| args.out.join(name);
    let json = render::scan_json(&scan).map_err(|e| e.to_string())?;
    render::write_atomic(&out("scan.json"), &json).map_err(|e| e.to_string())?;
    let report = markdown::report(&scan, &kb, lang);
    render::write_atomic(&out("report.md"), report.as_bytes()).map_err(|e| e.to_string())?;
    let dot_text = dot::to_dot(&scan, &kb, lang);
    render::write_atomic(&out("transfer-map.dot"), dot_text.as_bytes())
        .map_err(|e| e.to_string())?;
    let svg = dot::to_svg(&dot_text);
    if let Ok(svg) = &svg {
        render::write_atomic(&out("transfer-map.svg"), svg).map_err(|e| e.to_string())?;
    }

    print_summary(&scan, &kb, lang, &args.out, svg.is_ok());
    if let Err(e) = svg {
        // Everything else is written; the diagram can be drawn later from the DOT file.
        eprintln!("warning: {e}");
    }
    let threshold = args.fail_on.map(|f| match f {
        FailOn::High => Severity::High,
        FailOn::Medium => Severity::Medium,
        FailOn::Low => Severity::Low,
        FailOn::Info => Severity::Info,
    });
    if let Some(t) = threshold
        && scan.findings.iter().any(|f| f.severity <= t)
    {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(
    scan: &transfermap::scan::Scan,
    kb: &KnowledgeBase,
    lang: Lang,
    out: &Path,
    with_svg: bool,
) {
    println!("{} — as of {}", scan.domain, scan.as_of);
    if scan.findings.is_empty() {
        println!("  no path to a third country or a third country's law was found");
    }
    for f in &scan.findings {
        let country = if f.country.is_empty() {
            String::new()
        } else {
            format!(" → {}", kb.country_name(&f.country, lang))
        };
        println!(
            "  {:>4} {} [{}, {}]{}: {}",
            f.id,
            f.rule,
            f.severity.label(lang),
            f.basis.label(lang),
            country,
            printable(label_of(scan, &f.entry))
        );
    }
    for p in &scan.problems {
        println!("  problem: {}", printable(&p.message));
    }
    let svg = if with_svg { ", transfer-map.svg" } else { "" };
    println!(
        "outputs in {}: scan.json, report.md, transfer-map.dot{svg}",
        out.display()
    );
}

fn label_of<'a>(scan: &'a transfermap::scan::Scan, key: &'a str) -> &'a str {
    scan.graph
        .nodes
        .iter()
        .find(|n| n.key == key)
        .map_or(key, |n| n.label.as_str())
}

/// Keep terminal control characters from DNS data off the user's terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
