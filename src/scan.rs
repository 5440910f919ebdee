//! The whole pipeline for one domain, and its serialisable result.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::analyse::{self, Finding, Flow};
use crate::collect::dns::{DnsClient, DnsRun, DnsSetupError, ResolverChoice};
use crate::collect::geo::{DatabaseInfo, Geolocator};
use crate::collect::zone_server::{ZoneError, ZoneServer, expand_zone_paths};
use crate::collect::{self, Collection, DomainProblem};
use crate::evidence::{Evidence, EvidenceLog};
use crate::graph::{self, BuildOptions, GraphData, TransferGraph};
use crate::maps::KnowledgeBase;

/// Name and version of the `scan.json` format. Bump the version when a
/// field changes meaning or disappears.
pub const SCAN_FORMAT: &str = "transfermap-scan";
pub const SCAN_FORMAT_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("`{0}` is not a valid domain name: {1}")]
    Domain(String, String),
    #[error(transparent)]
    Dns(#[from] DnsSetupError),
    #[error(transparent)]
    Zone(#[from] ZoneError),
    #[error("{0}")]
    Recording(String),
}

pub struct ScanOptions {
    pub domain: String,
    pub resolver: ResolverChoice,
    /// Zone files to serve from an in-process server; when given, `resolver` is ignored.
    pub zone_files: Vec<PathBuf>,
    pub timeout: Duration,
    pub as_of: NaiveDate,
    pub customer_country: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MapsInfo {
    pub origin: String,
    pub files: Vec<String>,
}

/// Everything one scan found, as written to `scan.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scan {
    pub format: String,
    pub version: u32,
    pub tool_version: String,
    /// The domain as queried (ASCII; IDN labels in punycode).
    pub domain: String,
    /// The domain as people write it (IDN labels in Unicode).
    #[serde(default)]
    pub display_domain: String,
    pub as_of: NaiveDate,
    pub customer_country: Option<String>,
    pub resolver: String,
    /// Zones served from files, when the scan ran offline.
    pub zone_files: Vec<String>,
    pub started: DateTime<Utc>,
    pub finished: DateTime<Utc>,
    pub maps: MapsInfo,
    pub geodata: Vec<DatabaseInfo>,
    /// Distinct DNS questions this domain needed (answered from the run's cache or asked).
    pub queries: usize,
    pub problems: Vec<DomainProblem>,
    /// Every way e-mail leaves the mailboxes, and what it reaches.
    pub flows: Vec<Flow>,
    pub findings: Vec<Finding>,
    pub graph: GraphData,
    pub evidence: Vec<Evidence>,
    pub collection: Collection,
}

impl Scan {
    pub fn evidence(&self, id: crate::evidence::EvidenceId) -> Option<&Evidence> {
        self.evidence.get(id.0).filter(|e| e.id == id)
    }
}

/// `Bollebygd.SE.` → `bollebygd.se`; Unicode names become punycode.
pub fn normalise_domain(input: &str) -> Result<String, ScanError> {
    let trimmed = input.trim().trim_end_matches('.');
    if trimmed.is_empty() || trimmed.len() > 253 || trimmed.contains(char::is_whitespace) {
        return Err(ScanError::Domain(
            input.into(),
            "empty, too long or contains spaces".into(),
        ));
    }
    let name = hickory_resolver::proto::rr::Name::from_utf8(trimmed)
        .map_err(|e| ScanError::Domain(input.into(), e.to_string()))?;
    if name.num_labels() < 2 {
        return Err(ScanError::Domain(
            input.into(),
            "a mail domain has at least two labels, e.g. example.se".into(),
        ));
    }
    Ok(collect::dns::canonical_name(&name.to_ascii()))
}

/// `xn--rksmrgs-5wao1o.se` → `räksmörgås.se`; ASCII names unchanged.
pub fn display_domain(ascii: &str) -> String {
    hickory_resolver::proto::rr::Name::from_ascii(ascii)
        .map(|n| n.to_utf8().trim_end_matches('.').to_string())
        .unwrap_or_else(|_| ascii.to_string())
}

/// The country a ccTLD names, if the maps know it (`.se` → `SE`).
pub fn country_of_tld(domain: &str, kb: &KnowledgeBase) -> Option<String> {
    let tld = domain.rsplit('.').next()?.to_ascii_uppercase();
    let code = if tld == "UK" { "GB".to_string() } else { tld };
    kb.countries.contains_key(&code).then_some(code)
}

/// Where the answers come from, set up once for a run.
pub struct DnsSource {
    pub run: DnsRun,
    /// The in-process server for `--zone-file`; stops when dropped.
    pub server: Option<ZoneServer>,
    /// The zone files served, as given.
    pub zone_files: Vec<String>,
}

impl DnsSource {
    /// Start the zone server when zone files are given, else use `resolver`.
    pub async fn open(
        resolver: ResolverChoice,
        zone_files: &[PathBuf],
        timeout: Duration,
        in_flight: usize,
    ) -> Result<Self, ScanError> {
        let files = expand_zone_paths(zone_files)?;
        let server = if files.is_empty() {
            None
        } else {
            Some(ZoneServer::start(&files).await?)
        };
        let choice = match &server {
            Some(s) => ResolverChoice::Server(s.addr()),
            None => resolver,
        };
        Ok(Self {
            run: DnsRun::new(choice, timeout, in_flight)?,
            server,
            zone_files: files.iter().map(|p| p.display().to_string()).collect(),
        })
    }

    /// Answer from a recording made with `--record`.
    pub fn replay(path: &std::path::Path) -> Result<Self, ScanError> {
        let answers = DnsRun::read_recording(path).map_err(ScanError::Recording)?;
        Ok(Self {
            run: DnsRun::replay(answers),
            server: None,
            zone_files: Vec::new(),
        })
    }

    pub async fn close(self) {
        if let Some(s) = self.server {
            s.shutdown().await;
        }
    }
}

/// What every domain of a run shares besides DNS.
pub struct ScanContext {
    pub kb: Arc<KnowledgeBase>,
    pub geo: Arc<Geolocator>,
    pub as_of: NaiveDate,
    /// Fixed customer country; `None` means: from each domain's ccTLD.
    pub customer_country: Option<String>,
    pub zone_files: Vec<String>,
    /// The organisation's own model (`--model`), merged into the graph.
    pub model: Option<Arc<crate::maps::org::OrgModel>>,
}

/// Run the pipeline for one domain: collect → graph → analyse.
pub async fn scan_domain(
    dns: &mut DnsClient,
    ctx: &ScanContext,
    domain: &str,
) -> Result<Scan, ScanError> {
    let domain = normalise_domain(domain)?;
    let (kb, geo) = (ctx.kb.as_ref(), ctx.geo.as_ref());
    let mut log = EvidenceLog::default();
    let collection = collect::collect_domain(dns, geo, &mut log, &domain).await;
    let customer_country = ctx
        .customer_country
        .clone()
        .or_else(|| country_of_tld(&domain, kb));
    let graph = graph::build(
        &collection,
        kb,
        &mut log,
        &BuildOptions {
            model: ctx.model.as_deref(),
            customer_country: customer_country.clone(),
            as_of: ctx.as_of,
        },
    );
    let findings = analyse::analyse(&graph, kb, &collection.problems, ctx.as_of);
    let flows = analyse::flows(&graph);
    Ok(Scan {
        format: SCAN_FORMAT.into(),
        version: SCAN_FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        display_domain: display_domain(&domain),
        domain,
        as_of: ctx.as_of,
        customer_country,
        resolver: collection.resolver.clone(),
        zone_files: ctx.zone_files.clone(),
        started: collection.started,
        finished: Utc::now(),
        maps: MapsInfo {
            origin: kb.origin.clone(),
            files: kb.files.clone(),
        },
        geodata: geo.databases(),
        queries: collection.queries,
        problems: collection.problems.clone(),
        flows,
        findings,
        graph: graph.to_data(),
        evidence: log.items,
        collection,
    })
}

/// Scan one domain from scratch (its own DNS source).
pub async fn scan(
    opts: &ScanOptions,
    kb: Arc<KnowledgeBase>,
    geo: Arc<Geolocator>,
) -> Result<Scan, ScanError> {
    let domain = normalise_domain(&opts.domain)?;
    let source = DnsSource::open(
        opts.resolver,
        &opts.zone_files,
        opts.timeout,
        crate::collect::dns::DEFAULT_IN_FLIGHT,
    )
    .await?;
    let ctx = ScanContext {
        kb,
        geo,
        as_of: opts.as_of,
        customer_country: opts.customer_country.clone(),
        zone_files: source.zone_files.clone(),
        model: None,
    };
    let mut dns = source.run.client();
    let result = scan_domain(&mut dns, &ctx, &domain).await;
    source.close().await;
    result
}

/// Re-run the analysis of a finished scan for another date (no DNS).
pub fn reanalyse(scan: &Scan, kb: &KnowledgeBase, as_of: NaiveDate) -> Vec<Finding> {
    let graph = TransferGraph::from_data(&scan.graph);
    analyse::analyse(&graph, kb, &scan.problems, as_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalised_and_idn_becomes_punycode() {
        assert_eq!(normalise_domain(" Bollebygd.SE. ").unwrap(), "bollebygd.se");
        assert_eq!(
            normalise_domain("räksmörgås.se").unwrap(),
            "xn--rksmrgs-5wao1o.se"
        );
        assert!(normalise_domain("").is_err());
        assert!(normalise_domain("localhost").is_err());
        assert!(normalise_domain("a b.se").is_err());
        assert!(normalise_domain(&"a".repeat(300)).is_err());
    }

    #[test]
    fn cctld_gives_the_customer_country() {
        let kb = KnowledgeBase::embedded().unwrap();
        assert_eq!(country_of_tld("bollebygd.se", &kb).as_deref(), Some("SE"));
        assert_eq!(country_of_tld("example.co.uk", &kb).as_deref(), Some("GB"));
        assert_eq!(country_of_tld("example.com", &kb), None);
    }
}
