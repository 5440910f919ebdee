//! The whole pipeline for one domain: collect → graph → analyse, into a
//! [`Scan`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};

use transfermap_collect::geo::Geolocator;
use transfermap_collect::{self as collect};
use transfermap_dns::names::{BadDomain, display_domain, normalise_domain};
use transfermap_dns::zone_server::{ZoneError, ZoneServer, expand_zone_paths};
use transfermap_dns::{DnsClient, DnsRun, DnsSetupError, ResolverChoice};
use transfermap_engine::analyse::{self, gaps};
use transfermap_engine::graph::{self, BuildOptions, TransferGraph};
use transfermap_maps::KnowledgeBase;
use transfermap_maps::org::OrgModel;
use transfermap_model::evidence::EvidenceLog;
use transfermap_model::records::Lookup;
use transfermap_model::scan::{MapsInfo, SCAN_FORMAT, SCAN_FORMAT_VERSION, Scan};

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Domain(#[from] BadDomain),
    #[error(transparent)]
    Dns(#[from] DnsSetupError),
    #[error(transparent)]
    Zone(#[from] ZoneError),
    #[error("{0}")]
    Recording(String),
    /// A node or edge cites evidence the scan does not hold: a bug, and the
    /// scan is not written rather than written with a claim it cannot back.
    #[error("the scan of {domain} is not consistent (this is a bug): {}", .problems.join("; "))]
    Evidence {
        domain: String,
        problems: Vec<String>,
    },
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
    pub model: Option<Arc<OrgModel>>,
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
    // Invariant 2: every node and edge cites evidence the scan holds.
    let dangling = graph.check_evidence(log.items.len());
    if !dangling.is_empty() {
        return Err(ScanError::Evidence {
            domain,
            problems: dangling,
        });
    }
    let analysis = analyse::analyse(&graph, kb, &collection, ctx.as_of);
    let gaps = gaps::gaps(&domain, &log.items);
    let status = gaps::status(&gaps, &log.items);
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
        model: ctx
            .model
            .as_deref()
            .map(|m| transfermap_model::scan::ModelInfo {
                file: m.file.clone(),
                name: m.name.clone(),
                dpia: m.dpia.clone(),
            }),
        started: collection.started,
        finished: Utc::now(),
        maps: MapsInfo {
            origin: kb.origin.clone(),
            files: kb.files.clone(),
        },
        geodata: geo.databases(),
        queries: dns.queries_asked(),
        status,
        gaps,
        problems: collection.problems.clone(),
        flows: analysis.flows,
        findings: analysis.findings,
        destinations: analysis.destinations,
        countries: analysis.countries,
        parties: analysis.parties,
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
        transfermap_dns::DEFAULT_IN_FLIGHT,
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

/// Judge a finished scan again for another date (no DNS): findings,
/// destinations, countries and parties as of `as_of`.
pub fn reanalyse(scan: &mut Scan, kb: &KnowledgeBase, as_of: NaiveDate) {
    let graph = TransferGraph::from_data(&scan.graph);
    let analysis = analyse::analyse(&graph, kb, &scan.collection, as_of);
    scan.findings = analysis.findings;
    scan.destinations = analysis.destinations;
    scan.countries = analysis.countries;
    scan.parties = analysis.parties;
    scan.flows = analysis.flows;
    scan.as_of = as_of;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cctld_gives_the_customer_country() {
        let kb = KnowledgeBase::embedded().unwrap();
        assert_eq!(country_of_tld("bollebygd.se", &kb).as_deref(), Some("SE"));
        assert_eq!(country_of_tld("example.co.uk", &kb).as_deref(), Some("GB"));
        assert_eq!(country_of_tld("example.com", &kb), None);
    }
}
