//! DMARC (RFC 7489) as found: where aggregate (`rua`) and failure (`ruf`)
//! reports go.

use serde::{Deserialize, Serialize};

use crate::evidence::EvidenceId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDestination {
    pub kind: ReportKind,
    pub address: String,
    /// The mailbox's domain, lower case: where the report mail is delivered.
    pub domain: String,
    /// For a receiver outside the domain: whether it publishes the RFC 7489
    /// §7.1 record (`<domain>._report._dmarc.<receiver>`) accepting the
    /// reports. Without it, report senders must not send there.
    #[serde(default)]
    pub authorised: Option<bool>,
    #[serde(default)]
    pub authorisation_evidence: Option<EvidenceId>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DmarcRecord {
    pub record: String,
    pub policy: Option<String>,
    /// Every tag as published (`p`, `sp`, `pct`, `adkim`, `aspf`, `fo`, `rf`, `ri`, …).
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    pub destinations: Vec<ReportDestination>,
    pub evidence: EvidenceId,
    pub problems: Vec<String>,
}
