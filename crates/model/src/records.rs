//! DNS questions and answers as the collectors and SPF see them, and the
//! one seam through which they ask: [`Lookup`]. The `dns` crate implements
//! it over the network; nothing else here touches it.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use crate::evidence::{DnsOutcome, EvidenceId, EvidenceLog};

/// The record types the tool asks for. Serialised as DNS spells them
/// (`"MX"`, `"AAAA"`), as in recordings and evidence.
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
pub enum RecordType {
    /// An IPv4 address.
    A,
    /// An IPv6 address.
    #[serde(rename = "AAAA")]
    Aaaa,
    /// An alias: the name stands for another.
    #[serde(rename = "CNAME")]
    Cname,
    /// A mail exchanger: where the domain's mail is delivered.
    #[serde(rename = "MX")]
    Mx,
    /// Text: SPF, DMARC, TLS-RPT, DKIM keys, verification tokens.
    #[serde(rename = "TXT")]
    Txt,
    /// A service location (host and port), e.g. for Teams/Skype.
    #[serde(rename = "SRV")]
    Srv,
    /// A reverse lookup: the name of an address.
    #[serde(rename = "PTR")]
    Ptr,
}

impl RecordType {
    pub const ALL: [RecordType; 7] = [
        RecordType::A,
        RecordType::Aaaa,
        RecordType::Cname,
        RecordType::Mx,
        RecordType::Txt,
        RecordType::Srv,
        RecordType::Ptr,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::Aaaa => "AAAA",
            RecordType::Cname => "CNAME",
            RecordType::Mx => "MX",
            RecordType::Txt => "TXT",
            RecordType::Srv => "SRV",
            RecordType::Ptr => "PTR",
        }
    }
}

impl std::fmt::Display for RecordType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RecordType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RecordType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("`{s}` is not a record type this tool asks for"))
    }
}

/// The data of one answer record, reduced to what the collectors use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "UPPERCASE")]
pub enum RecordData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    /// `owner` is an alias of `target`.
    Cname {
        owner: String,
        target: String,
    },
    Mx {
        preference: u16,
        exchange: String,
    },
    Txt(String),
    Srv {
        priority: u16,
        port: u16,
        target: String,
    },
    /// A PTR target (reverse lookups), canonical spelling.
    Ptr(String),
    Other(String),
}

/// The result of one question: the records and the evidence that holds them.
#[derive(Debug, Clone)]
pub struct QueryResult {
    pub outcome: DnsOutcome,
    pub records: Vec<RecordData>,
    pub evidence: EvidenceId,
}

impl QueryResult {
    pub fn txt(&self) -> impl Iterator<Item = &str> {
        self.records.iter().filter_map(|r| match r {
            RecordData::Txt(t) => Some(t.as_str()),
            _ => None,
        })
    }
}

/// Lower case, no trailing dot: the one spelling used for names everywhere.
pub fn canonical_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// True when `addr` is a literal IP address rather than a name.
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    text.parse().ok()
}

/// Asking DNS, as the collectors and the SPF evaluator do it. Every answer
/// is copied into the caller's evidence log, failures included, so that
/// whatever rests on it can cite it.
pub trait Lookup: Send {
    /// The server asked, as evidence and reports name it.
    fn resolver_label(&self) -> &str;

    /// Distinct questions this client needed so far (whether or not a
    /// shared cache already had the answer).
    fn queries_asked(&self) -> usize;

    /// Ask one question. Never fails: every outcome is a [`QueryResult`].
    fn query(
        &mut self,
        log: &mut EvidenceLog,
        name: &str,
        record_type: RecordType,
    ) -> impl Future<Output = QueryResult> + Send;

    /// Ask several questions at once; the answers come back, and are
    /// recorded, in the order asked.
    fn query_many(
        &mut self,
        log: &mut EvidenceLog,
        questions: &[(String, RecordType)],
    ) -> impl Future<Output = Vec<QueryResult>> + Send;
}

/// Why a text given as a mail domain is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DomainNameFault {
    /// Nothing was given.
    Empty,
    /// A URL or an e-mail address was given instead of the domain.
    UrlOrAddress,
    /// Longer than 253 characters, or with spaces inside.
    TooLongOrSpaces,
    /// Characters a domain name cannot have.
    BadCharacters,
    /// A single label (`se`, `localhost`): a mail domain has two or more.
    OneLabel,
}

impl std::fmt::Display for DomainNameFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DomainNameFault::Empty => "it is empty; give a mail domain such as example.se",
            DomainNameFault::UrlOrAddress => {
                "give the mail domain alone, e.g. example.se (not a URL or an e-mail address)"
            }
            DomainNameFault::TooLongOrSpaces => "it is too long or contains spaces",
            DomainNameFault::BadCharacters => {
                "it holds characters a domain name cannot have (letters, digits and hyphens between dots)"
            }
            DomainNameFault::OneLabel => "a mail domain has at least two labels, e.g. example.se",
        })
    }
}
