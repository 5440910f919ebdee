//! What collection found about one domain: plain data, the input of
//! graph building and part of `scan.json`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::dmarc::DmarcRecord;
use crate::evidence::EvidenceId;
use crate::families::Families;
use crate::geo::{GeoFacts, RangeGeo};
use crate::spf::SpfTree;

/// A mail exchanger named by an MX record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MailExchanger {
    /// The MX preference: lower is tried first.
    pub preference: u16,
    /// The host name that receives the mail.
    pub host: String,
    /// The MX answer that names it.
    pub evidence: EvidenceId,
    /// No MX record: mail goes to the domain's own address (RFC 5321 §5.1).
    #[serde(default)]
    pub implicit: bool,
}

/// The MX lookup of one domain.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MxSet {
    /// The domain asked about.
    pub domain: String,
    /// Its mail exchangers, as the MX answer lists them.
    pub exchangers: Vec<MailExchanger>,
    /// The MX answer.
    pub evidence: EvidenceId,
    /// The MX question was answered (with records, no data or NXDOMAIN).
    /// When it failed, nothing is known about the domain's mail exchangers:
    /// an empty list then does not mean "no MX".
    pub answered: bool,
}

/// A name resolved to addresses, CNAMEs followed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HostResolution {
    /// `(alias, target, evidence)` for each CNAME met, in order.
    pub aliases: Vec<(String, String, EvidenceId)>,
    /// The name the addresses belong to (the end of the CNAME chain).
    pub canonical: String,
    /// `(address, evidence)` for each A and AAAA record of that name.
    #[schemars(with = "Vec<(crate::schema::IpAddrText, EvidenceId)>")]
    pub addresses: Vec<(IpAddr, EvidenceId)>,
    /// What stopped the resolution (a CNAME loop, too long a chain).
    pub problems: Vec<String>,
}

/// A problem about the domain as a whole (not a transfer): e.g. an SPF
/// record that breaks the RFC 7208 lookup limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DomainProblem {
    /// What kind of problem.
    pub code: ProblemCode,
    /// The problem in words (English).
    pub message: String,
    /// The fault itself, for a fault of one record (SPF, DMARC, TLS-RPT);
    /// renderings in another language word it from this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<RecordFault>,
    /// The evidence that shows it (empty when no single answer does).
    pub evidence: Vec<EvidenceId>,
}

/// The fault of one record behind a [`DomainProblem`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "record", rename_all = "kebab-case")]
pub enum RecordFault {
    /// A fault of the SPF record of `domain` (the scanned domain's, or one
    /// its record leads to).
    Spf {
        /// The domain whose record it is.
        domain: String,
        /// The fault.
        fault: crate::spf::SpfFault,
    },
    /// A fault of the DMARC record.
    Dmarc { fault: crate::dmarc::DmarcFault },
    /// A fault of the TLS-RPT record.
    TlsRpt { fault: crate::families::TlsRptFault },
}

/// The fixed openings of problem messages, which renderers say again in
/// the report's language.
pub const NO_MX_FOR: &str = "no usable MX record for ";

/// What kind of problem: a stable code, as `scan.json` spells it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemCode {
    /// More DNS-querying SPF terms than RFC 7208 allows.
    SpfLookupLimit,
    /// A fault in one SPF record of the tree (no record, a loop, a syntax error …).
    SpfProblem,
    /// No MX record that receives mail.
    NoMx,
    /// A fault in the DMARC record (a malformed tag or report address …).
    DmarcProblem,
    /// A fault in the TLS-RPT record.
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

/// What collection, the first stage of a scan, found about the domain:
/// DNS answers and geolocation, before any interpretation.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Collection {
    /// The domain collected (ASCII).
    pub domain: String,
    /// The DNS server asked, as in the scan.
    pub resolver: String,
    /// When collection began (UTC).
    pub started: DateTime<Utc>,
    /// When collection ended (UTC).
    pub finished: DateTime<Utc>,
    /// The domain's MX: where inbound mail goes.
    pub mx: MxSet,
    /// The domain's SPF policy and every record it includes.
    pub spf: SpfTree,
    /// The DMARC record; `null` when the domain publishes none.
    pub dmarc: Option<DmarcRecord>,
    /// The answer to the `_dmarc` question, record or not.
    pub dmarc_evidence: EvidenceId,
    /// `autodiscover.<domain>` resolved: where mail clients are set up from.
    pub autodiscover: HostResolution,
    /// DKIM, MTA-STS, TLS-RPT, discovery names, verification tokens.
    pub families: Families,
    /// MX sets of report receivers' domains and of SPF `mx` terms.
    pub other_mx: BTreeMap<String, MxSet>,
    /// Every host name met, resolved.
    pub hosts: BTreeMap<String, HostResolution>,
    /// Geolocation of every address and of both ends of every SPF network.
    #[schemars(with = "BTreeMap<crate::schema::IpAddrText, GeoFacts>")]
    pub geo: BTreeMap<IpAddr, GeoFacts>,
    /// Where the geolocation database places the whole of each SPF
    /// network: every database network inside it, per country.
    #[serde(default)]
    #[schemars(with = "BTreeMap<crate::schema::IpNetText, RangeGeo>")]
    pub ranges: BTreeMap<ipnet::IpNet, RangeGeo>,
    /// Problems of the domain's configuration found while collecting.
    pub problems: Vec<DomainProblem>,
    /// Distinct DNS questions this domain needed (answered from the run's cache or asked).
    pub queries: usize,
}
