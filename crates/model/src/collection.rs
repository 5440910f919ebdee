//! What collection found about one domain: plain data, the input of
//! graph building and part of `scan.json`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::dmarc::DmarcRecord;
use crate::evidence::EvidenceId;
use crate::families::Families;
use crate::geo::GeoFacts;
use crate::spf::SpfTree;

/// A mail exchanger named by an MX record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailExchanger {
    pub preference: u16,
    pub host: String,
    pub evidence: EvidenceId,
    /// No MX record: mail goes to the domain's own address (RFC 5321 §5.1).
    #[serde(default)]
    pub implicit: bool,
}

/// The MX lookup of one domain.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MxSet {
    pub domain: String,
    pub exchangers: Vec<MailExchanger>,
    pub evidence: EvidenceId,
    /// The MX question was answered (with records, no data or NXDOMAIN).
    /// When it failed, nothing is known about the domain's mail exchangers:
    /// an empty list then does not mean "no MX".
    pub answered: bool,
}

/// A name resolved to addresses, CNAMEs followed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HostResolution {
    /// `(alias, target, evidence)` for each CNAME met, in order.
    pub aliases: Vec<(String, String, EvidenceId)>,
    /// The name the addresses belong to (the end of the CNAME chain).
    pub canonical: String,
    pub addresses: Vec<(IpAddr, EvidenceId)>,
    pub problems: Vec<String>,
}

/// A problem about the domain as a whole (not a transfer): e.g. an SPF
/// record that breaks the RFC 7208 lookup limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainProblem {
    pub code: ProblemCode,
    pub message: String,
    pub evidence: Vec<EvidenceId>,
}

/// What kind of problem: a stable code, as `scan.json` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemCode {
    /// More DNS-querying SPF terms than RFC 7208 allows.
    SpfLookupLimit,
    /// A fault in one SPF record of the tree (no record, a loop, a syntax error …).
    SpfProblem,
    /// No MX record that receives mail.
    NoMx,
    DmarcProblem,
    TlsRptProblem,
    /// The domain's cap on DNS questions was reached: the rest was not asked.
    QueryCap,
}

impl ProblemCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::SpfLookupLimit => "spf-lookup-limit",
            ProblemCode::SpfProblem => "spf-problem",
            ProblemCode::NoMx => "no-mx",
            ProblemCode::DmarcProblem => "dmarc-problem",
            ProblemCode::TlsRptProblem => "tls-rpt-problem",
            ProblemCode::QueryCap => "query-cap",
        }
    }
}

/// Everything stage 1 found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Collection {
    pub domain: String,
    pub resolver: String,
    pub started: DateTime<Utc>,
    pub finished: DateTime<Utc>,
    pub mx: MxSet,
    pub spf: SpfTree,
    pub dmarc: Option<DmarcRecord>,
    pub dmarc_evidence: EvidenceId,
    pub autodiscover: HostResolution,
    /// DKIM, MTA-STS, TLS-RPT, discovery names, verification tokens.
    pub families: Families,
    /// MX sets of report receivers' domains and of SPF `mx` terms.
    pub other_mx: BTreeMap<String, MxSet>,
    /// Every host name met, resolved.
    pub hosts: BTreeMap<String, HostResolution>,
    /// Geolocation of every address and of both ends of every SPF network.
    pub geo: BTreeMap<IpAddr, GeoFacts>,
    pub problems: Vec<DomainProblem>,
    /// Distinct DNS questions this domain needed (answered from the run's cache or asked).
    pub queries: usize,
}
