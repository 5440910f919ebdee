//! The record families beyond MX, SPF and DMARC, as found: DKIM selectors,
//! MTA-STS, TLS-RPT, discovery names and verification tokens.

use serde::{Deserialize, Serialize};

use crate::evidence::EvidenceId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DkimSelector {
    pub selector: String,
    pub name: String,
    /// CNAME chain from the selector name, if any.
    pub aliases: Vec<String>,
    /// A DKIM key record was found (at the end of the chain).
    pub has_key: bool,
    pub evidence: EvidenceId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveryName {
    pub name: String,
    /// For SRV names: the targets; for the others: the CNAME chain.
    pub targets: Vec<String>,
    pub evidence: EvidenceId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationToken {
    /// Up to the first `=` or `:`, e.g. `MS` or `google-site-verification`.
    pub prefix: String,
    pub record: String,
    pub evidence: EvidenceId,
}

/// A TLS-RPT (RFC 8460) report destination: `mailto:` or `https:`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsReportDestination {
    pub uri: String,
    /// The mail domain or web host the reports go to.
    pub host: String,
    pub is_mail: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Families {
    pub dkim: Vec<DkimSelector>,
    /// The Microsoft 365 tenant named by a DKIM CNAME (`<tenant>.onmicrosoft.com`).
    pub tenant: Option<String>,
    pub mta_sts: Option<(String, EvidenceId)>,
    pub mta_sts_host: Option<DiscoveryName>,
    pub tls_rpt: Option<(String, EvidenceId)>,
    pub tls_rpt_destinations: Vec<TlsReportDestination>,
    pub discovery: Vec<DiscoveryName>,
    pub tokens: Vec<VerificationToken>,
    pub problems: Vec<String>,
}
