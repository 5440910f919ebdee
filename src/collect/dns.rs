//! The one place that asks DNS questions.
//!
//! Every question goes through [`DnsClient::query`], which records the
//! answer (or the failure) as evidence, caches it for the rest of the run,
//! and counts queries against a hard cap so a hostile zone cannot make a
//! scan run forever.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};

use crate::evidence::{DnsAnswer, DnsOutcome, EvidenceId, EvidenceLog, Observation};

/// Upper bound on DNS questions for one domain. The RFC 7208 limits keep an
/// honest SPF tree far below this; the cap is for hostile or broken zones.
pub const DEFAULT_MAX_QUERIES: usize = 400;

/// The data of one answer record, reduced to what the collectors use.
#[derive(Debug, Clone, PartialEq, Eq)]
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

#[derive(Debug, thiserror::Error)]
pub enum DnsSetupError {
    #[error("could not read the system resolver configuration: {0}")]
    SystemConfig(String),
    #[error("could not build the DNS resolver: {0}")]
    Build(String),
}

/// Where questions go.
#[derive(Debug, Clone, Copy)]
pub enum ResolverChoice {
    /// The system's configuration (`/etc/resolv.conf`).
    System,
    /// One server at `IP:PORT`, over UDP with TCP fallback.
    Server(SocketAddr),
}

pub struct DnsClient {
    resolver: TokioResolver,
    label: String,
    cache: HashMap<(String, RecordType), QueryResult>,
    queries: usize,
    max_queries: usize,
}

impl DnsClient {
    pub fn new(choice: ResolverChoice, timeout: Duration) -> Result<Self, DnsSetupError> {
        let provider = TokioRuntimeProvider::default();
        let (mut builder, label) = match choice {
            ResolverChoice::System => {
                let (config, _) = hickory_resolver::system_conf::read_system_conf()
                    .map_err(|e| DnsSetupError::SystemConfig(e.to_string()))?;
                let servers: Vec<String> = config
                    .name_servers()
                    .iter()
                    .map(|ns| ns.ip.to_string())
                    .collect();
                let label = format!("system resolver ({})", servers.join(", "));
                (
                    hickory_resolver::Resolver::builder_with_config(config, provider),
                    label,
                )
            }
            ResolverChoice::Server(addr) => {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                let ns = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
                let config = ResolverConfig::from_name_servers(vec![ns]);
                (
                    hickory_resolver::Resolver::builder_with_config(config, provider),
                    addr.to_string(),
                )
            }
        };
        let opts: &mut ResolverOpts = builder.options_mut();
        opts.timeout = timeout;
        opts.attempts = 2;
        opts.edns0 = true;
        opts.ndots = 0;
        opts.preserve_intermediates = true;
        opts.try_tcp_on_error = true;
        let resolver = builder
            .build()
            .map_err(|e| DnsSetupError::Build(e.to_string()))?;
        Ok(Self {
            resolver,
            label,
            cache: HashMap::new(),
            queries: 0,
            max_queries: DEFAULT_MAX_QUERIES,
        })
    }

    pub fn with_max_queries(mut self, max: usize) -> Self {
        self.max_queries = max;
        self
    }

    pub fn resolver_label(&self) -> &str {
        &self.label
    }

    /// Questions actually sent (cache hits not counted).
    pub fn queries_sent(&self) -> usize {
        self.queries
    }

    /// Ask one question. Never fails: every outcome, including "refused to
    /// ask because the query cap is reached", is returned and recorded.
    pub async fn query(
        &mut self,
        log: &mut EvidenceLog,
        name: &str,
        record_type: RecordType,
    ) -> QueryResult {
        let name = canonical_name(name);
        let key = (name.clone(), record_type);
        if let Some(hit) = self.cache.get(&key) {
            return hit.clone();
        }
        let (outcome, records, shown, ad) = if self.queries >= self.max_queries {
            let reason = format!("query cap of {} reached; not asked", self.max_queries);
            (DnsOutcome::Error(reason), Vec::new(), Vec::new(), None)
        } else {
            self.queries += 1;
            self.ask(&name, record_type).await
        };
        let evidence = log.record(Observation::Dns(DnsAnswer {
            name: name.clone(),
            record_type: record_type.to_string(),
            outcome: outcome.clone(),
            records: shown,
            resolver: self.label.clone(),
            dnssec_authenticated: ad,
        }));
        let result = QueryResult {
            outcome,
            records,
            evidence,
        };
        self.cache.insert(key, result.clone());
        result
    }

    async fn ask(
        &self,
        name: &str,
        record_type: RecordType,
    ) -> (DnsOutcome, Vec<RecordData>, Vec<String>, Option<bool>) {
        let fqdn = match dns_name(name) {
            Ok(n) => n,
            Err(e) => {
                return (
                    DnsOutcome::Error(format!("not a valid DNS name: {e}")),
                    Vec::new(),
                    Vec::new(),
                    None,
                );
            }
        };
        match self.resolver.lookup(fqdn, record_type).await {
            Ok(lookup) => {
                let ad = Some(lookup.message().metadata.authentic_data);
                let mut records = Vec::new();
                let mut shown = Vec::new();
                for record in lookup.answers() {
                    let owner = canonical_name(&name_text(&record.name));
                    shown.push(format!("{owner} {} {}", record.record_type(), record.data));
                    records.push(reduce(&owner, &record.data));
                }
                (DnsOutcome::Answer, records, shown, ad)
            }
            Err(e) => (outcome_of(&e), Vec::new(), Vec::new(), None),
        }
    }
}

fn outcome_of(e: &NetError) -> DnsOutcome {
    match e {
        NetError::Dns(DnsError::NoRecordsFound(nr)) => {
            if nr.response_code == ResponseCode::NXDomain {
                DnsOutcome::NxDomain
            } else {
                DnsOutcome::NoData
            }
        }
        NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail)) => DnsOutcome::ServFail,
        NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused)) => DnsOutcome::Refused,
        NetError::Dns(DnsError::ResponseCode(ResponseCode::NXDomain)) => DnsOutcome::NxDomain,
        NetError::Timeout => DnsOutcome::Timeout,
        other => {
            let text = other.to_string();
            if text.contains("timed out") {
                DnsOutcome::Timeout
            } else {
                DnsOutcome::Error(text)
            }
        }
    }
}

fn reduce(owner: &str, data: &RData) -> RecordData {
    match data {
        RData::A(a) => RecordData::A(a.0),
        RData::AAAA(a) => RecordData::Aaaa(a.0),
        RData::CNAME(c) => RecordData::Cname {
            owner: owner.to_string(),
            target: canonical_name(&name_text(&c.0)),
        },
        RData::PTR(ptr) => RecordData::Ptr(canonical_name(&name_text(&ptr.0))),
        RData::MX(mx) => RecordData::Mx {
            preference: mx.preference,
            exchange: canonical_name(&name_text(&mx.exchange)),
        },
        RData::TXT(txt) => {
            // RFC 7208 §3.3: the strings of one TXT record are joined without spaces.
            let joined: Vec<u8> = txt
                .txt_data
                .iter()
                .flat_map(|s| s.iter().copied())
                .collect();
            RecordData::Txt(String::from_utf8_lossy(&joined).into_owned())
        }
        other => RecordData::Other(other.to_string()),
    }
}

/// The wire name for `name`. Host names (and Unicode ones, via IDNA) go
/// through `from_utf8`; an ASCII name that IDNA rejects is still a legal DNS
/// name — SPF targets may hold any visible character (RFC 7208 §7.1), even
/// spaces after macro expansion — and is sent label by label as it is.
fn dns_name(name: &str) -> Result<Name, String> {
    Name::from_utf8(format!("{name}.")).or_else(|e| {
        if name.is_ascii() && !name.is_empty() {
            Name::from_labels(name.split('.').map(str::as_bytes)).map_err(|e| e.to_string())
        } else {
            Err(e.to_string())
        }
    })
}

/// A name from an answer in the spelling [`DnsClient::query`] takes back:
/// Unicode for IDN names, and the labels as they are (not the backslash
/// escapes of presentation format) for names with other characters.
fn name_text(name: &Name) -> String {
    let utf8 = name.to_utf8();
    if !utf8.contains('\\') {
        return utf8;
    }
    name.iter()
        .map(|label| String::from_utf8_lossy(label).into_owned())
        .collect::<Vec<_>>()
        .join(".")
}

/// Lower case, no trailing dot: the one spelling used for names everywhere.
pub fn canonical_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// True when `addr` is a literal IP address rather than a name.
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    text.parse().ok()
}
