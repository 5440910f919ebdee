//! The summary of a run over many domains: per domain its providers,
//! third-country findings and status; per provider how many organisations
//! depend on it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::finding::Severity;
use crate::scan::ScanStatus;

/// One organisation to scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub name: Option<String>,
    pub domain: String,
    /// The organisation's official code, when the domains file has one (a
    /// Swedish municipality's four-digit kommunkod, e.g. `1443`).
    pub code: Option<String>,
}

/// One line of the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DomainRow {
    /// The organisation's name from the domains file; `null` without one.
    pub name: Option<String>,
    /// The domain as people write it.
    pub domain: String,
    /// The organisation's official code from the domains file (a Swedish
    /// municipality's kommunkod); absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Its folder of outputs, under the run's output directory (the domain
    /// as DNS spells it); absent when nothing was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    /// How its scan ended.
    pub status: RowStatus,
    /// The outputs are an earlier run's, reused by `--resume`.
    #[serde(default)]
    pub resumed: bool,
    /// Why there is no scan, for status `error`, in English; `null` otherwise.
    pub error: Option<String>,
    /// What kind of error, for status `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<RowError>,
    /// Why the line is not a domain name, for error kind `invalid-domain`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_fault: Option<crate::records::DomainNameFault>,
    /// What was not observed, when the status is partial or failed: the
    /// scan's gaps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<crate::scan::Gap>,
    /// The services its mail reaches.
    pub services: Vec<String>,
    /// The companies that run them.
    pub providers: Vec<String>,
    /// The mailbox service inbound mail ends up in, when the records show
    /// it (behind a gateway too: then `mailbox_inferred` says how strongly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox: Option<String>,
    /// How strong the inference of the mailbox behind a gateway is
    /// (`strong`, `medium`, `weak`); absent when the MX shows it directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox_inferred: Option<crate::graph::Strength>,
    /// The filter or gateway in front of the mailboxes, when there is one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// Third countries any finding reaches.
    pub countries: Vec<String>,
    /// Transfer findings from DNS and geolocation (measured).
    pub measured: usize,
    /// Transfer findings from what providers state (declared).
    pub declared: usize,
    /// Transfer findings from the law a party is under (legal).
    pub legal: usize,
    /// Problems of the domain's own configuration.
    pub problems: usize,
    /// Distinct DNS questions the domain needed.
    pub queries: usize,
    /// The most severe finding, if any.
    pub worst: Option<Severity>,
    /// The company that runs the mailbox service (the contracting entity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contracting_entity: Option<String>,
    /// The company whose law reaches it: the entity itself or its parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub law_party: Option<String>,
    /// The third-country laws over the mailbox provider (itself or a parent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mailbox_laws: Vec<String>,
    /// The country of that law (ISO code, e.g. `US`): the mailbox's
    /// jurisdiction beyond the EU/EEA; absent when no such law is recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox_law_country: Option<String>,
    /// Whether a finding says a third country's law reaches the mailbox content.
    #[serde(default)]
    pub content_under_third_country_law: bool,
    /// The legal status on the date for the country of that law, for that
    /// party; absent when no such law is recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox_status: Option<crate::legal::LegalStatus>,
    /// Third countries reached, by the basis of the findings that reach them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub countries_by_basis: BTreeMap<crate::finding::Basis, Vec<String>>,
    /// Hosts, tokens, includes and networks on the flows that no map entry explains.
    #[serde(default)]
    pub unattributed: usize,
    /// The companies that send mail for the domain (SPF, DKIM).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub senders: Vec<String>,
    /// The companies that receive its DMARC and TLS reports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub report_receivers: Vec<String>,
}

/// Why a domain has no scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RowError {
    /// The domain publishes no MX, SPF or DMARC record: nothing to judge.
    NoMailRecords,
    /// The line is not a domain name.
    InvalidDomain,
    /// The scan could not be made (the message says why).
    ScanFailed,
    /// The outputs could not be written.
    WritingFailed,
}

/// How one domain's scan ended.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum RowStatus {
    /// Everything asked was observed.
    Ok,
    /// Some questions or lookups failed (see `gaps`).
    Partial,
    /// Too little was observed to judge the domain.
    Failed,
    /// No scan: the domain name is invalid, or its outputs could not be written.
    Error,
}

impl From<ScanStatus> for RowStatus {
    fn from(s: ScanStatus) -> Self {
        match s {
            ScanStatus::Ok => RowStatus::Ok,
            ScanStatus::Partial => RowStatus::Partial,
            ScanStatus::Failed => RowStatus::Failed,
        }
    }
}

impl RowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Ok => "ok",
            RowStatus::Partial => "partial",
            RowStatus::Failed => "failed",
            RowStatus::Error => "error",
        }
    }

    /// Whether the domain was observed completely.
    pub fn is_complete(self) -> bool {
        self == RowStatus::Ok
    }
}

/// What an organisation depends on a company for.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Runs the mailboxes (after the gateway look-through).
    Mailbox,
    /// Filters inbound mail in front of the mailboxes.
    Gateway,
    /// Sends mail for the domain.
    Sender,
    /// Receives its DMARC or TLS reports.
    ReportReceiver,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Mailbox,
        Role::Gateway,
        Role::Sender,
        Role::ReportReceiver,
    ];

    pub fn words(self, lang: crate::Lang) -> &'static str {
        use crate::Lang::*;
        match (self, lang) {
            (Role::Mailbox, En) => "mailboxes",
            (Role::Mailbox, Sv) => "brevlådor",
            (Role::Gateway, En) => "mail filter or gateway",
            (Role::Gateway, Sv) => "e-postfilter",
            (Role::Sender, En) => "sends mail",
            (Role::Sender, Sv) => "skickar e-post",
            (Role::ReportReceiver, En) => "receives reports",
            (Role::ReportReceiver, Sv) => "tar emot rapporter",
        }
    }
}

/// Per role, each company or service and the domains that depend on it in
/// that role: the mailbox's contracting entity (or the mailbox service when
/// no entity is known), the gateways, the senders, the report receivers.
pub fn concentration(domains: &[DomainRow]) -> BTreeMap<Role, BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<Role, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for row in domains {
        let mut add = |role: Role, who: &str| {
            let v = out
                .entry(role)
                .or_default()
                .entry(who.to_string())
                .or_default();
            if !v.contains(&row.domain) {
                v.push(row.domain.clone());
            }
        };
        if let Some(e) = row.contracting_entity.as_deref().or(row.mailbox.as_deref()) {
            add(Role::Mailbox, e);
        }
        for g in &row.gateways {
            add(Role::Gateway, g);
        }
        for s in &row.senders {
            add(Role::Sender, s);
        }
        for r in &row.report_receivers {
            add(Role::ReportReceiver, r);
        }
    }
    out
}

impl Summary {
    /// The companies or services of one role, most depended on first (then
    /// by name), each with how many organisations depend on it.
    pub fn ranked(&self, role: Role) -> Vec<(&str, usize)> {
        let mut list: Vec<(&str, usize)> = self
            .concentration
            .get(&role)
            .map(|by| by.iter().map(|(k, v)| (k.as_str(), v.len())).collect())
            .unwrap_or_default();
        list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        list
    }
}

/// The summary format's name and version.
pub const SUMMARY_FORMAT: &str = "transfermap-summary";
/// 2: typed row status (ok, partial, failed, error), `resumed`, `gaps`.
/// 3: the mailbox's contracting entity, its law and status, countries by
/// basis, unattributed, senders and report receivers; concentration by role.
/// 4: the Swedish names of the companies and services named (`names_sv`).
/// 5: a row's kind of error (`error_kind`).
/// 6: a row's gaps are the scan's gaps (question, record type, typed
/// cause, what is unknown, evidence), no longer one English line each;
/// an invalid domain's fault is typed (`name_fault`); the organisation's
/// code (`code`), the country of the law over the mailbox
/// (`mailbox_law_country`) and the countries' names (`country_names`).
pub const SUMMARY_FORMAT_VERSION: u32 = 6;

/// A country's name in each language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CountryNames {
    /// In English.
    pub en: String,
    /// In Swedish.
    pub sv: String,
}

/// The summary across domains.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Summary {
    /// Always `transfermap-summary`.
    pub format: String,
    /// The format version; it changes when the shape of the file changes.
    pub version: u32,
    /// The date the findings were judged on.
    pub as_of: chrono::NaiveDate,
    /// The DNS server asked, or what answered instead.
    pub resolver: String,
    /// One row per domain, in the order given.
    pub domains: Vec<DomainRow>,
    /// Provider → the domains whose mail reaches it.
    pub providers: BTreeMap<String, Vec<String>>,
    /// Per role (mailbox, gateway, sender, report receiver): company or
    /// service → the domains that depend on it in that role.
    #[serde(default)]
    pub concentration: BTreeMap<Role, BTreeMap<String, Vec<String>>>,
    /// The Swedish names of the companies and services named above, where
    /// the maps give one (a name with an English description); a Swedish
    /// rendering shows them, the file keeps the names as the scans do.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub names_sv: BTreeMap<String, String>,
    /// The names of the countries the rows give by code, in English and
    /// Swedish.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub country_names: BTreeMap<String, CountryNames>,
    /// Distinct DNS questions sent in the whole run (shared answers once).
    pub queries_sent: usize,
    /// True when the run was interrupted before every domain was scanned.
    pub interrupted: bool,
}
