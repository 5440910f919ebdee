//! The record families beyond MX, SPF and DMARC, as found: DKIM selectors,
//! MTA-STS, TLS-RPT, discovery names and verification tokens.

use serde::{Deserialize, Serialize};

use crate::evidence::EvidenceId;

/// A well-known DKIM selector that the domain uses (a key or a CNAME).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DkimSelector {
    /// The selector, e.g. `selector1`.
    pub selector: String,
    /// The name asked: `<selector>._domainkey.<domain>`.
    pub name: String,
    /// CNAME chain from the selector name, if any.
    pub aliases: Vec<String>,
    /// A DKIM key record was found (at the end of the chain).
    pub has_key: bool,
    /// The answer for the selector name.
    pub evidence: EvidenceId,
}

/// A discovery name (Teams/Skype, Intune, Entra, `mta-sts`) that points
/// somewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DiscoveryName {
    /// The name asked.
    pub name: String,
    /// For SRV names: the targets; for the others: the CNAME chain.
    pub targets: Vec<String>,
    /// The answer for the name.
    pub evidence: EvidenceId,
}

/// A TXT record by which a service verified that the organisation owns
/// the domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VerificationToken {
    /// Up to the first `=` or `:`, e.g. `MS` or `google-site-verification`.
    pub prefix: String,
    /// The whole TXT record.
    pub record: String,
    /// The answer that holds it.
    pub evidence: EvidenceId,
}

/// A TLS-RPT (RFC 8460) report destination: `mailto:` or `https:`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TlsReportDestination {
    /// The URI as published.
    pub uri: String,
    /// The mail domain or web host the reports go to.
    pub host: String,
    /// True for `mailto:`, false for `https:`.
    pub is_mail: bool,
}

/// The answer about a mailbox service's own inbound host for the domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TenantHost {
    /// The name asked.
    pub name: String,
    /// It has addresses.
    pub exists: bool,
    /// The A answer.
    pub evidence: EvidenceId,
}

/// The record families beyond MX, SPF and DMARC.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Families {
    /// The well-known DKIM selectors found (a key or a CNAME).
    pub dkim: Vec<DkimSelector>,
    /// The Microsoft 365 tenant named by a DKIM CNAME (`<tenant>.onmicrosoft.com`).
    pub tenant: Option<String>,
    /// The MTA-STS record (`_mta-sts`) and its evidence; `null` when none.
    pub mta_sts: Option<(String, EvidenceId)>,
    /// Where `mta-sts.<domain>`, which serves the policy, points; `null`
    /// when it points nowhere.
    pub mta_sts_host: Option<DiscoveryName>,
    /// The TLS-RPT record (`_smtp._tls`) and its evidence; `null` when none.
    pub tls_rpt: Option<(String, EvidenceId)>,
    /// Where TLS reports go, from the TLS-RPT record.
    pub tls_rpt_destinations: Vec<TlsReportDestination>,
    /// The discovery names that point somewhere.
    pub discovery: Vec<DiscoveryName>,
    /// The domain's verification tokens.
    pub tokens: Vec<VerificationToken>,
    /// Exchange Online's inbound host for the domain
    /// (`<domain-with-dashes>.mail.protection.outlook.com`), asked when
    /// other records point at Microsoft 365; `null` when not asked. Its
    /// addresses show the domain is set up for Exchange Online mailboxes
    /// even when the MX points at a filter in front of them.
    #[serde(default)]
    pub tenant_host: Option<TenantHost>,
    /// Faults found in these records.
    pub problems: Vec<TlsRptFault>,
}

/// A fault of a TLS-RPT record (RFC 8460). `Display` says it in English;
/// the renderers say it in the report's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "fault", rename_all = "kebab-case")]
pub enum TlsRptFault {
    /// A `rua` address that is neither a `mailto:` nor an `https:` address
    /// of a valid host.
    UnusableAddress { uri: String },
}

impl std::fmt::Display for TlsRptFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TlsRptFault::UnusableAddress { uri } => {
                write!(f, "TLS-RPT: `{uri}` is not a usable report address")
            }
        }
    }
}
