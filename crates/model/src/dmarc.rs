//! DMARC (RFC 7489) as found: where aggregate (`rua`) and failure (`ruf`)
//! reports go.

use serde::{Deserialize, Serialize};

use crate::evidence::EvidenceId;

/// Which DMARC reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ReportKind {
    /// `rua`: aggregate reports (metadata).
    Aggregate,
    /// `ruf`: failure reports (headers, possibly content).
    Failure,
}

impl ReportKind {
    pub fn tag(self) -> &'static str {
        match self {
            ReportKind::Aggregate => "rua",
            ReportKind::Failure => "ruf",
        }
    }
}

/// One address DMARC reports are sent to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReportDestination {
    /// Which reports go there.
    pub kind: ReportKind,
    /// The mailbox (`mailto:` and any size limit removed).
    pub address: String,
    /// The mailbox's domain, lower case: where the report mail is delivered.
    pub domain: String,
    /// For a receiver outside the domain: whether it publishes the RFC 7489
    /// §7.1 record (`<domain>._report._dmarc.<receiver>`) accepting the
    /// reports. Without it, report senders must not send there. `null` for
    /// a receiver within the domain, which needs no such record.
    #[serde(default)]
    pub authorised: Option<bool>,
    /// The answer to that question, when it was asked.
    #[serde(default)]
    pub authorisation_evidence: Option<EvidenceId>,
}

/// The domain's DMARC record (`_dmarc.<domain>`).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DmarcRecord {
    /// The record as published.
    pub record: String,
    /// Its `p=` policy (`none`, `quarantine`, `reject`); `null` without one.
    pub policy: Option<String>,
    /// Every tag as published (`p`, `sp`, `pct`, `adkim`, `aspf`, `fo`, `rf`, `ri`, …).
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// Every `rua` and `ruf` address.
    pub destinations: Vec<ReportDestination>,
    /// The answer that holds the record.
    pub evidence: EvidenceId,
    /// Faults of the record (a tag without a value, an unreadable address …).
    pub problems: Vec<DmarcFault>,
}

/// A fault of a DMARC record. `Display` says it in English; the
/// renderers say it in the report's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "fault", rename_all = "kebab-case")]
pub enum DmarcFault {
    /// A tag without `=` and a value.
    TagWithoutValue { tag: String },
    /// A `rua` or `ruf` address that is not a usable `mailto:` address.
    NotMailto {
        /// The tag (`rua` or `ruf`).
        tag: String,
        /// The address as written.
        uri: String,
    },
}

impl std::fmt::Display for DmarcFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DmarcFault::TagWithoutValue { tag } => write!(f, "tag without value: `{tag}`"),
            DmarcFault::NotMailto { tag, uri } => {
                write!(f, "{tag}: `{uri}` is not a usable mailto: address")
            }
        }
    }
}
