//! Evidence: what was observed, how and when.
//!
//! Every node, edge and finding in a scan points at evidence items by
//! [`EvidenceId`]. The three kinds mirror the three kinds of knowledge the
//! tool keeps apart: a DNS answer or a geolocation lookup is *measured*, a
//! map entry is *declared* (or a *legal* rule), and the organisation's own
//! model is declared by the organisation.

use crate::geo::DatabaseInfo;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// An evidence item's number: its index in the scan's `evidence` list,
/// stable within one scan.
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
#[serde(transparent)]
pub struct EvidenceId(pub usize);

impl std::fmt::Display for EvidenceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "E{}", self.0)
    }
}

/// The evidence a node, edge or hop rests on: never empty. A claim
/// without evidence cannot be built, and `scan.json` without it does not
/// read back.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct EvidenceIds(Vec<EvidenceId>);

impl EvidenceIds {
    pub fn one(id: EvidenceId) -> Self {
        Self(vec![id])
    }

    /// `first` and then `rest`, each once.
    pub fn new(first: EvidenceId, rest: impl IntoIterator<Item = EvidenceId>) -> Self {
        let mut ids = Self::one(first);
        for id in rest {
            ids.add(id);
        }
        ids
    }

    /// `None` for an empty list.
    pub fn from_slice(ids: &[EvidenceId]) -> Option<Self> {
        let (first, rest) = ids.split_first()?;
        Some(Self::new(*first, rest.iter().copied()))
    }

    pub fn first(&self) -> EvidenceId {
        self.0[0]
    }

    pub fn add(&mut self, id: EvidenceId) {
        if !self.0.contains(&id) {
            self.0.push(id);
        }
    }

    pub fn merge(&mut self, more: &EvidenceIds) {
        for id in more.iter() {
            self.add(id);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = EvidenceId> + '_ {
        self.0.iter().copied()
    }

    pub fn as_slice(&self) -> &[EvidenceId] {
        &self.0
    }
}

impl From<EvidenceId> for EvidenceIds {
    fn from(id: EvidenceId) -> Self {
        Self::one(id)
    }
}

/// A non-empty list of distinct evidence ids.
impl schemars::JsonSchema for EvidenceIds {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "EvidenceIds".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "The evidence items (indexes into `evidence`) this rests on: never empty.",
            "type": "array",
            "items": generator.subschema_for::<EvidenceId>(),
            "minItems": 1,
            "uniqueItems": true,
        })
    }
}

impl<'de> Deserialize<'de> for EvidenceIds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let ids = Vec::<EvidenceId>::deserialize(d)?;
        EvidenceIds::from_slice(&ids)
            .ok_or_else(|| serde::de::Error::custom("a claim without evidence (empty list)"))
    }
}

/// How a DNS query ended. Failures are evidence too: a missing record or a
/// server that never answered is part of what was observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case", tag = "status", content = "detail")]
pub enum DnsOutcome {
    /// The server answered with records.
    Answer,
    /// The name does not exist (RCODE 3).
    NxDomain,
    /// The name exists but has no record of this type.
    NoData,
    /// The server failed to answer (SERVFAIL, RCODE 2).
    ServFail,
    /// The server refused to answer (REFUSED, RCODE 5).
    Refused,
    /// No answer came in time, retries included.
    Timeout,
    /// Not asked: the domain's cap on DNS questions (the number) was reached.
    QueryCap(usize),
    /// The server cut the answer short, even over TCP: only this many
    /// records came, and the rest is unknown.
    Truncated(usize),
    /// Any other failure (the message).
    Error(String),
}

impl DnsOutcome {
    pub fn is_failure(&self) -> bool {
        !matches!(
            self,
            DnsOutcome::Answer | DnsOutcome::NoData | DnsOutcome::NxDomain
        )
    }

    pub fn label(&self) -> String {
        match self {
            DnsOutcome::Answer => "answer".into(),
            DnsOutcome::NxDomain => "NXDOMAIN".into(),
            DnsOutcome::NoData => "no data".into(),
            DnsOutcome::ServFail => "SERVFAIL".into(),
            DnsOutcome::Refused => "REFUSED".into(),
            DnsOutcome::Timeout => "timeout".into(),
            DnsOutcome::QueryCap(n) => format!("not asked: the cap of {n} questions was reached"),
            DnsOutcome::Truncated(n) => format!("truncated by the server: only {n} records came"),
            DnsOutcome::Error(e) => format!("error: {e}"),
        }
    }
}

/// One DNS question and everything its answer said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DnsAnswer {
    /// The name asked about.
    pub name: String,
    /// The record type asked for.
    pub record_type: crate::records::RecordType,
    /// How the question ended.
    pub outcome: DnsOutcome,
    /// The answer records in presentation format, e.g. `MX 10 mx1.example.`.
    pub records: Vec<String>,
    /// The server that answered (`IP:port`).
    pub resolver: String,
    /// The DNSSEC AD ("authentic data") flag of the response, when a response came.
    pub dnssec_authenticated: Option<bool>,
}

/// A whole network looked up in a MaxMind-format database: every database
/// network inside it, summed per country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GeoRangeLookup {
    /// The network looked up, e.g. `40.92.0.0/15`.
    pub range: String,
    /// The database, by what it is used for (`geolocated-country`): its
    /// file, type and build date are the scan's `geodata` entry of that
    /// role.
    pub role: Arc<str>,
    /// Each country and its share of the addresses, largest first, e.g.
    /// `SE 97.30%`; `- 2.70%` for addresses the database places nowhere.
    pub shares: Vec<String>,
    /// How many database networks were read.
    pub networks_read: usize,
    /// Reading stopped at the bound before the whole range was read.
    pub truncated: bool,
}

/// One lookup of an address in a MaxMind-format database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GeoLookup {
    /// The IP address looked up.
    pub address: String,
    // Shared text (`Arc<str>`): a batch records hundreds of thousands of
    // lookups that name the same three databases and the same networks.
    // The database is named by its role only: its file, type and build
    // date, the same for every lookup of a run, were a quarter of
    // `scan.json`'s evidence when written with each.
    /// The database, by what it is used for: `registry-country`,
    /// `geolocated-country` or `asn`; its file, type and build date are the
    /// scan's `geodata` entry of that role.
    pub role: Arc<str>,
    /// The network the database matched, e.g. `40.107.0.0/16`.
    pub network: Option<Arc<str>>,
    /// The value found, e.g. `NL` or `AS8075 Microsoft Corporation`; `null`
    /// when the address is not in the database.
    pub value: Option<Arc<str>>,
    /// Why the database could not answer, when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One entry of the knowledge base (`maps/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MapEntry {
    /// File inside the maps directory, e.g. `providers/microsoft.toml`.
    pub file: String,
    /// The line of the entry in that file.
    pub line: usize,
    /// What kind of entry: `provider`, `service`, `site`, `declaration`, `fingerprint`, …
    pub entry: String,
    /// The entry's id (or, for a fingerprint, its pattern).
    pub entry_id: String,
    /// Where the entry's facts come from (usually the provider's own
    /// published page).
    pub source: String,
    /// When a person last checked the entry against its source.
    pub checked: NaiveDate,
}

/// What was observed: a DNS answer, a geolocation lookup or a map entry,
/// told apart by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Observation {
    /// A DNS question and its answer (measured).
    Dns(DnsAnswer),
    /// A lookup in a geolocation database (measured).
    Geo(GeoLookup),
    /// Every network of a geolocation database inside a range (measured).
    GeoRange(GeoRangeLookup),
    /// An entry of the knowledge base (declared, or a legal rule).
    Map(MapEntry),
}

/// One observation, numbered, with the time it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evidence {
    /// Its number, which nodes, edges and findings cite.
    pub id: EvidenceId,
    /// When it was observed (UTC).
    pub at: DateTime<Utc>,
    /// The observation itself; its fields sit beside `id` and `at`.
    #[serde(flatten)]
    pub observed: Observation,
}

impl Evidence {
    /// One line for reports: what was observed, where it came from. A
    /// geolocation lookup names its database's file from `databases` (the
    /// scan's `geodata`).
    pub fn summary(&self, databases: &[DatabaseInfo]) -> String {
        let file = |role: &str| {
            databases
                .iter()
                .find(|d| d.role == role)
                .map_or_else(|| role.to_string(), |d| d.file.clone())
        };
        match &self.observed {
            Observation::Dns(d) => {
                let data = if d.records.is_empty() {
                    d.outcome.label()
                } else {
                    d.records.join(" | ")
                };
                let ad = match d.dnssec_authenticated {
                    Some(true) => ", DNSSEC AD=1",
                    Some(false) => ", DNSSEC AD=0",
                    None => "",
                };
                format!(
                    "DNS {} {} → {} (resolver {}, {}{})",
                    d.name,
                    d.record_type,
                    data,
                    d.resolver,
                    self.at.format("%Y-%m-%dT%H:%M:%SZ"),
                    ad
                )
            }
            Observation::Geo(g) => format!(
                "{} {} → {} (database {}{})",
                g.role,
                g.address,
                g.value
                    .as_deref()
                    .or(g.error.as_deref())
                    .unwrap_or("not found"),
                file(&g.role),
                g.network
                    .as_deref()
                    .map(|n| format!(", network {n}"))
                    .unwrap_or_default()
            ),
            Observation::GeoRange(r) => format!(
                "{} {} → {} (database {}; {} networks read{})",
                r.role,
                r.range,
                r.shares.join(", "),
                file(&r.role),
                r.networks_read,
                if r.truncated {
                    ", stopped at the bound"
                } else {
                    ""
                }
            ),
            Observation::Map(m) => format!(
                "{}:{} {} `{}` (source {}, checked {})",
                m.file, m.line, m.entry, m.entry_id, m.source, m.checked
            ),
        }
    }
}

/// All evidence of one scan, in the order it was gathered.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EvidenceLog {
    pub items: Vec<Evidence>,
}

impl EvidenceLog {
    pub fn record(&mut self, observed: Observation) -> EvidenceId {
        self.record_at(observed, Utc::now())
    }

    pub fn record_at(&mut self, observed: Observation, at: DateTime<Utc>) -> EvidenceId {
        let id = EvidenceId(self.items.len());
        self.items.push(Evidence { id, at, observed });
        id
    }

    pub fn get(&self, id: EvidenceId) -> Option<&Evidence> {
        self.items.get(id.0)
    }
}
