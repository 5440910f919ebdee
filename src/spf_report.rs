//! `transfermap spf check`: one SPF verdict, explained.
//!
//! [`spf_check_report`] runs RFC 7208 `check_host()` for a client address
//! and a sender — against the system resolver, one DNS server, or zone
//! files served on loopback — and returns an [`SpfCheckReport`]: the
//! result, the deciding term, the chain of records consulted and the DNS
//! evidence behind each, printable with [`SpfCheckReport::to_text`].

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use transfermap_dns::zone_server::{ZoneError, ZoneServer, expand_zone_paths};
use transfermap_dns::{DnsClient, DnsSetupError, ResolverChoice, canonical_name};
use transfermap_model::evidence::EvidenceLog;
use transfermap_model::records::Lookup;
use transfermap_spf::check::{
    DNS_TERM_LIMIT, Reach, SpfVerdict, VOID_LOOKUP_LIMIT, check_host, mail_from_identity,
};

/// What to check, and where to ask.
#[derive(Debug, Clone)]
pub struct SpfCheckOptions {
    /// The SMTP client's address.
    pub ip: IpAddr,
    /// The MAIL FROM address (`alice@example.se`); a bare domain stands for
    /// `postmaster@` it; empty means a null reverse path, checked as
    /// `postmaster@` the HELO name (RFC 7208 §2.4).
    pub sender: String,
    /// The HELO/EHLO name, for `%{h}` (and for an empty sender).
    pub helo: Option<String>,
    pub resolver: ResolverChoice,
    /// Zone files (or directories of `*.zone`) to serve on loopback; when
    /// given, `resolver` is ignored.
    pub zone_files: Vec<PathBuf>,
    /// How long to wait for one DNS answer.
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum SpfCheckError {
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Dns(#[from] DnsSetupError),
    #[error(transparent)]
    Zone(#[from] ZoneError),
}

/// A verdict with its inputs and the evidence it cites.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpfCheckReport {
    pub ip: IpAddr,
    /// The domain whose policy was evaluated.
    pub domain: String,
    /// The identity checked, `local@domain`.
    pub sender: String,
    pub helo: Option<String>,
    pub resolver: String,
    pub verdict: SpfVerdict,
    pub evidence: EvidenceLog,
}

pub async fn spf_check_report(opts: &SpfCheckOptions) -> Result<SpfCheckReport, SpfCheckError> {
    let helo = opts
        .helo
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty());
    let sender = opts.sender.trim();
    if sender.is_empty() && helo.is_none() {
        return Err(SpfCheckError::Input(
            "an empty sender is checked as postmaster@ the HELO name: give --helo".into(),
        ));
    }
    let (domain, sender) = mail_from_identity(sender, helo.unwrap_or(""));
    let domain = ascii_domain(&domain)?;
    let sender = match sender.rsplit_once('@') {
        Some((local, _)) => format!("{local}@{domain}"),
        None => sender,
    };

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
    let verdict = check_host(&mut dns, &mut log, opts.ip, &domain, &sender, helo).await;
    if let Some(s) = server {
        s.shutdown().await;
    }
    Ok(SpfCheckReport {
        ip: opts.ip,
        domain,
        sender,
        helo: helo.map(str::to_string),
        resolver: dns.resolver_label().to_string(),
        verdict,
        evidence: log,
    })
}

/// Unicode domains become their ASCII (punycode) form; others are kept as
/// written (SPF allows more characters than host names do).
fn ascii_domain(domain: &str) -> Result<String, SpfCheckError> {
    let domain = domain.trim().trim_end_matches('.');
    if domain.is_empty() {
        return Err(SpfCheckError::Input("the sender has no domain".into()));
    }
    if domain.is_ascii() {
        return Ok(canonical_name(domain));
    }
    transfermap_dns::names::normalise_domain(domain)
        .map_err(|e| SpfCheckError::Input(e.to_string()))
}

impl SpfCheckReport {
    /// The report as plain text: result, deciding term, explanation, the
    /// records consulted (indented by include/redirect depth) and one line
    /// per DNS question.
    pub fn to_text(&self) -> String {
        let v = &self.verdict;
        let mut out = String::new();
        let helo = self
            .helo
            .as_deref()
            .map(|h| format!(", HELO {h}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "SPF check (RFC 7208 check_host) of {} sending as {}{helo}",
            self.ip, self.sender
        );
        let _ = writeln!(out, "  domain:      {}", self.domain);
        let _ = writeln!(out, "  result:      {}", v.result);
        match &v.matched {
            Some(m) => {
                let _ = writeln!(out, "  matched:     {m}");
            }
            None => {
                let _ = writeln!(out, "  matched:     no mechanism");
            }
        }
        if let Some(exp) = &v.explanation {
            let _ = writeln!(out, "  explanation: {exp}");
        }
        if let Some(reason) = &v.reason {
            let _ = writeln!(out, "  why:         {reason}");
        }
        let _ = writeln!(
            out,
            "  limits:      {} of {DNS_TERM_LIMIT} DNS-querying terms, {} of {VOID_LOOKUP_LIMIT} void lookups",
            v.dns_terms, v.void_lookups
        );
        let _ = writeln!(out, "\nRecords consulted:");
        if v.records.is_empty() {
            let _ = writeln!(out, "  (none)");
        }
        for r in &v.records {
            let how = match r.reached_by {
                Reach::Start => String::new(),
                Reach::Include => "include → ".into(),
                Reach::Redirect => "redirect → ".into(),
            };
            let record = match &r.record {
                Some(text) => format!("\"{}\"", text.escape_debug()),
                None => "no single SPF record".into(),
            };
            let _ = writeln!(
                out,
                "  {}{how}{}: {record} [{}]",
                "  ".repeat(r.depth),
                r.domain,
                r.evidence
            );
        }
        let _ = writeln!(out, "\nEvidence (resolver {}):", self.resolver);
        for id in &v.evidence {
            if let Some(e) = self.evidence.get(*id) {
                let _ = writeln!(out, "  {id} {}", e.summary(&[]));
            }
        }
        out
    }
}

impl std::fmt::Display for SpfCheckReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
    }
}
