//! The whole pipeline for one domain, and its serialisable result.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::analyse::{self, Finding, Flow};
use crate::collect::dns::{DnsClient, DnsSetupError, ResolverChoice};
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
    pub domain: String,
    pub as_of: NaiveDate,
    pub customer_country: Option<String>,
    pub resolver: String,
    /// Zones served from files, when the scan ran offline.
    pub zone_files: Vec<String>,
    pub started: DateTime<Utc>,
    pub finished: DateTime<Utc>,
    pub maps: MapsInfo,
    pub geodata: Vec<DatabaseInfo>,
    pub queries_sent: usize,
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

/// The country a ccTLD names, if the maps know it (`.se` → `SE`).
pub fn country_of_tld(domain: &str, kb: &KnowledgeBase) -> Option<String> {
    let tld = domain.rsplit('.').next()?.to_ascii_uppercase();
    let code = if tld == "UK" { "GB".to_string() } else { tld };
    kb.countries.contains_key(&code).then_some(code)
}

/// Run the pipeline: collect → graph → analyse.
pub async fn scan(
    opts: &ScanOptions,
    kb: &KnowledgeBase,
    geo: &Geolocator,
) -> Result<Scan, ScanError> {
    let domain = normalise_domain(&opts.domain)?;
    let zone_files = expand_zone_paths(&opts.zone_files)?;
    let server = if zone_files.is_empty() {
        None
    } else {
        Some(ZoneServer::start(&zone_files).await?)
    };
    let choice = match &server {
        Some(s) => ResolverChoice::Server(s.addr()),
        None => opts.resolver,
    };
    let mut dns = DnsClient::new(choice, opts.timeout)?;
    let mut log = EvidenceLog::default();
    let collection = collect::collect_domain(&mut dns, geo, &mut log, &domain).await;
    if let Some(s) = server {
        s.shutdown().await;
    }
    let customer_country = opts
        .customer_country
        .clone()
        .or_else(|| country_of_tld(&domain, kb));
    let graph = graph::build(
        &collection,
        kb,
        &mut log,
        &BuildOptions {
            customer_country: customer_country.clone(),
            as_of: opts.as_of,
        },
    );
    let findings = analyse::analyse(&graph, kb, &collection.problems, opts.as_of);
    let flows = analyse::flows(&graph);
    Ok(Scan {
        format: SCAN_FORMAT.into(),
        version: SCAN_FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        domain,
        as_of: opts.as_of,
        customer_country,
        resolver: collection.resolver.clone(),
        zone_files: zone_files.iter().map(|p| p.display().to_string()).collect(),
        started: collection.started,
        finished: Utc::now(),
        maps: MapsInfo {
            origin: kb.origin.clone(),
            files: kb.files.clone(),
        },
        geodata: geo.databases(),
        queries_sent: collection.queries_sent,
        problems: collection.problems.clone(),
        flows,
        findings,
        graph: graph.to_data(),
        evidence: log.items,
        collection,
    })
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
