//! `Scan`: everything one scan found, as written to `scan.json` — the
//! exchange format between commands.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::collection::{Collection, DomainProblem};
use crate::evidence::{DnsOutcome, Evidence, EvidenceId};
use crate::finding::{Finding, RuleCode};
use crate::flow::Flow;
use crate::geo::DatabaseInfo;
use crate::graph::GraphData;
use crate::key::NodeKey;
use crate::legal::LegalStatus;
use crate::records::RecordType;

/// Name and version of the `scan.json` format. Bump the version when a
/// field changes meaning or disappears.
pub const SCAN_FORMAT: &str = "transfermap-scan";

/// 2: typed legal conditions and notes, a status and the gaps of what was
/// not observed, destinations, countries and parties decided by the analysis.
/// 3: a party's DPF standing (`dpf`, its own or its US parent's), the
/// interim legal status, sub-processors' processing and incorporation apart.
/// 4: a merged finding's occurrences (`also`) write only the steps after
/// those they share with an earlier one (`like`, `same`).
/// 5: a finding can be about several parties; each occurrence names its
/// own (`also[].party`, written where it changes). A geolocation lookup
/// names its database by role only; `geodata` has its file, type and date.
/// 6: a provider's or service's node carries its Swedish name
/// (`graph.nodes[].label_sv`) when the maps give one.
/// 7: a step to a sub-processor carries its function in Swedish
/// (`graph.edges[].detail_sv`); the faults of SPF, DMARC and TLS-RPT
/// records are typed (`problems` of the SPF tree's records and of the
/// DMARC record; a problem's `fault`), each with its English `message`.
/// 8: a gap's cause is typed (`gaps[].cause`: the DNS outcome, or the
/// database that could not answer), beside its English `outcome`.
pub const SCAN_FORMAT_VERSION: u32 = 8;

/// The organisation's model a scan merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ModelInfo {
    /// The file, as given on the command line.
    pub file: String,
    /// The organisation's name in it.
    pub name: String,
    /// What it declares for the DPIA (`[dpia]`), when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpia: Option<crate::dpia::Dpia>,
}

/// Which knowledge base (maps) the scan used.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MapsInfo {
    /// Where the maps came from: `embedded` (built into the tool) or a directory.
    pub origin: String,
    /// The map files read, relative to the maps directory.
    pub files: Vec<String>,
}

/// Everything one scan found, as written to `scan.json`.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Scan {
    /// Always `transfermap-scan`.
    pub format: String,
    /// The format version; it changes when the shape of the file changes.
    pub version: u32,
    /// The transfermap version that wrote the file.
    pub tool_version: String,
    /// The domain as queried (ASCII; IDN labels in punycode).
    pub domain: String,
    /// The domain as people write it (IDN labels in Unicode).
    #[serde(default)]
    pub display_domain: String,
    /// The date whose law the findings are judged by (adequacy decisions,
    /// certifications).
    pub as_of: NaiveDate,
    /// The organisation's country (ISO code), which selects the providers'
    /// data-location statements that apply: given, or from the domain's
    /// country-code TLD; `null` when neither says.
    pub customer_country: Option<String>,
    /// The DNS server asked (`IP:port`), or what answered instead (zone
    /// files, a replayed recording).
    pub resolver: String,
    /// Zones served from files, when the scan ran offline.
    pub zone_files: Vec<String>,
    /// The organisation's model merged into the scan (`--model`): its
    /// file as given and its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelInfo>,
    /// When collection began (UTC).
    pub started: DateTime<Utc>,
    /// When the scan was complete (UTC).
    pub finished: DateTime<Utc>,
    /// The knowledge base used.
    pub maps: MapsInfo,
    /// The geolocation databases used.
    pub geodata: Vec<DatabaseInfo>,
    /// Distinct DNS questions this domain needed (answered from the run's cache or asked).
    pub queries: usize,
    /// `ok` only when every question was answered and every lookup made;
    /// `partial` or `failed` otherwise, with the `gaps`.
    pub status: ScanStatus,
    /// What was not observed: each failed question or lookup, and what it
    /// leaves unknown. Unknown is not EU-only.
    pub gaps: Vec<Gap>,
    /// Problems of the domain's own configuration that are not transfers
    /// (an SPF record over the lookup limit, no MX, …).
    pub problems: Vec<DomainProblem>,
    /// Every way e-mail leaves the mailboxes, and what it reaches.
    pub flows: Vec<Flow>,
    /// Every path to a third country or a third country's law, and the
    /// notes about the domain, in report order.
    pub findings: Vec<Finding>,
    /// Every third country reached, once per distinct legal status, the
    /// most demanding first within a country.
    pub destinations: Vec<Destination>,
    /// Every country the scan names: its names and its status on `as_of`
    /// for a recipient about whom nothing is known.
    pub countries: BTreeMap<String, CountryFacts>,
    /// The companies the data reaches, with the law they are under.
    pub parties: Vec<Party>,
    /// The transfer graph: every node and edge, each with its evidence.
    pub graph: GraphData,
    /// Every observation the scan rests on; item `n` has id `n`.
    pub evidence: Vec<Evidence>,
    /// What collection found, before any interpretation.
    pub collection: Collection,
}

/// Whether a scan saw everything it asked about.
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
pub enum ScanStatus {
    /// Every question answered, every lookup made.
    Ok,
    /// Some questions or lookups failed: what they would have shown is unknown.
    Partial,
    /// Too little was observed to judge the domain (its MX and its own TXT
    /// record, or every question, failed).
    Failed,
}

impl ScanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ScanStatus::Ok => "ok",
            ScanStatus::Partial => "partial",
            ScanStatus::Failed => "failed",
        }
    }
}

/// One thing that was asked and not observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Gap {
    /// The question (`name`/`type`) or, for a geolocation lookup, the address.
    pub asked: String,
    /// The record type asked for; absent for a geolocation lookup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_type: Option<RecordType>,
    /// How it ended (`timeout`, `SERVFAIL`, `error: …`), in English.
    pub outcome: String,
    /// How it ended, typed: what `outcome` says in words.
    pub cause: GapCause,
    /// What the answer would have shown.
    pub unknown: Unobserved,
    /// The evidence item that records the failure.
    pub evidence: EvidenceId,
}

/// Why a question or lookup gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum GapCause {
    /// The DNS question ended this way (a failure: timeout, SERVFAIL,
    /// REFUSED, the query cap, a truncated answer, another error).
    Dns {
        /// How the question ended.
        outcome: DnsOutcome,
    },
    /// The geolocation database of this role could not answer.
    Geolocation {
        /// The database's role (`geolocated-country`, `registry-country`,
        /// `asn`).
        role: String,
        /// The database reader's message.
        error: String,
    },
}

/// What a failed question or lookup leaves unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", content = "name", rename_all = "kebab-case")]
pub enum Unobserved {
    /// The domain's MX: where inbound mail goes.
    InboundMail,
    /// The domain's own TXT records: its SPF policy and verification tokens.
    SpfPolicyAndTokens,
    /// An included or redirected SPF record: the senders it authorises.
    SpfInclude(String),
    /// `_dmarc`: where DMARC reports go.
    DmarcReceivers,
    /// Whether a report receiver accepts the domain's reports.
    ReportAuthorisation(String),
    /// A DKIM selector: who signs the domain's mail.
    DkimSigner(String),
    /// MTA-STS or TLS-RPT: where TLS reports go.
    TlsReporting,
    /// A discovery name (autodiscover, Teams, Intune): where clients connect.
    ClientAccess(String),
    /// The MX of another domain (a report receiver's, an SPF `mx` term's).
    MailExchangersOf(String),
    /// A host's addresses: where it is and who runs its network.
    HostAddresses(String),
    /// A geolocation database could not answer for an address.
    Geolocation(String),
    /// Anything else (the name asked).
    Other(String),
}

/// One third country reached under one legal status, and what reaches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Destination {
    /// The third country (ISO code).
    pub country: String,
    /// The legal status of the transfers there on `as_of`.
    pub status: LegalStatus,
    /// The parties on the paths whose certification (or its absence)
    /// decided the status.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<NodeKey>,
    /// The rules of the findings that reach it.
    pub rules: Vec<RuleCode>,
    /// The findings (`F` ids) with this country and status.
    pub findings: Vec<String>,
}

/// A country as the scan names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CountryFacts {
    /// Its name in English.
    pub name_en: String,
    /// Its name in Swedish.
    pub name_sv: String,
    /// Its status on `as_of` for a recipient about whom nothing is known
    /// (an adequacy decision that covers only some recipients is not an
    /// adequate country).
    pub status: LegalStatus,
}

/// A company the data reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Party {
    /// Its node in the graph (`provider:`, `subprocessor:` or `operator:`).
    pub key: NodeKey,
    /// Its legal name.
    pub name: String,
    /// Where it is incorporated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Its parent company, when the maps name one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The regimes it is under, itself or through a parent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub laws: Vec<String>,
    /// Where it stands under the EU–US Data Privacy Framework on `as_of`.
    pub dpf: Dpf,
    /// Whether the maps describe it (an operator from the organisation's
    /// model is not in the maps).
    pub in_maps: bool,
    /// The sub-processors it publishes for the services reached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subprocessors: Vec<String>,
}

/// A party's standing under the EU–US Data Privacy Framework on a date.
/// The DPF certifies US organisations only: a European subsidiary is never
/// "certified"; what counts for the US law reaching it is its US parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Dpf {
    /// A US organisation on the DPF List on the date.
    Certified,
    /// A US organisation whose recorded certification misses the date.
    NotCertified,
    /// A US organisation about which the maps record nothing.
    NotRecorded,
    /// Not a US organisation, with a US parent: the parent's certification
    /// (`null`: nothing recorded about it).
    UsParent {
        /// The US parent's name.
        parent: String,
        /// Whether the parent is certified on the date.
        certified: Option<bool>,
    },
    /// Neither a US organisation nor owned by one, or not in the maps.
    NotApplicable,
}

/// Who holds the inbound mail and which third country's law reaches it,
/// read from what the analysis recorded (flows, parties, destinations).
#[derive(Debug, Clone, Copy)]
pub struct MailHolder<'a> {
    /// The mailbox service inbound mail ends up in.
    pub mailbox: &'a crate::flow::Mailbox,
    /// The company that runs it (the contracting entity), when named.
    pub entity: Option<&'a Party>,
    /// The company whose third-country law reaches it: the entity itself,
    /// or its parent when the entity is under that law only through it.
    pub law_party: Option<&'a Party>,
    /// The destination of that law's country decided for that party (or,
    /// failing that, the country's first destination).
    pub law_destination: Option<&'a Destination>,
}

impl Scan {
    /// A party by its name.
    pub fn party_named(&self, name: &str) -> Option<&Party> {
        self.parties.iter().find(|p| p.name == name)
    }

    /// The inbound mail's mailbox, its contracting entity and the law over it.
    pub fn mail_holder(&self) -> Option<MailHolder<'_>> {
        let mailbox = self
            .flows
            .iter()
            .filter(|f| f.kind == crate::graph::EdgeKind::DeliversTo)
            .find_map(|f| f.mailbox.as_ref())?;
        let entity = mailbox
            .provider
            .as_deref()
            .and_then(|p| self.party_named(p));
        let law_party = entity
            .map(|e| {
                e.parent
                    .as_deref()
                    .and_then(|p| self.party_named(p))
                    .filter(|p| !p.laws.is_empty())
                    .unwrap_or(e)
            })
            .filter(|p| !p.laws.is_empty());
        let law_destination = law_party.and_then(|p| {
            let code = p.country.as_deref()?;
            let of_country = || self.destinations.iter().filter(move |d| d.country == code);
            of_country()
                .find(|d| d.recipients.contains(&p.key))
                .or_else(|| of_country().next())
        });
        Some(MailHolder {
            mailbox,
            entity,
            law_party,
            law_destination,
        })
    }

    /// The country's name in `lang` (the code when the scan does not name it).
    pub fn country_name(&self, code: &str, lang: crate::Lang) -> String {
        match self.countries.get(code) {
            Some(c) => match lang {
                crate::Lang::En => c.name_en.clone(),
                crate::Lang::Sv => c.name_sv.clone(),
            },
            None => code.to_string(),
        }
    }

    /// The label of the node with this key (the key itself if there is none).
    pub fn label_of(&self, key: &NodeKey) -> String {
        self.graph
            .node(key)
            .map(|n| n.label.clone())
            .unwrap_or_else(|| key.to_string())
    }

    pub fn evidence(&self, id: EvidenceId) -> Option<&Evidence> {
        self.evidence.get(id.0).filter(|e| e.id == id)
    }
}

pub fn scan_json(scan: &Scan) -> Result<Vec<u8>, serde_json::Error> {
    // Compact: a scan is read by programs (explain, diff, jq), and in a run
    // over hundreds of domains indenting cost a fifth of the engine's time.
    // The buffer is sized for a typical scan so it is not regrown per domain.
    let mut out = Vec::with_capacity(64 * 1024);
    serde_json::to_writer(&mut out, scan)?;
    out.push(b'\n');
    Ok(out)
}

/// Read a `scan.json` back, checking its format and version.
pub fn read_scan(text: &str) -> Result<Scan, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let format = value.get("format").and_then(|v| v.as_str()).unwrap_or("");
    if format != SCAN_FORMAT {
        return Err(format!("not a transfermap scan (format is `{format}`)"));
    }
    let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
    if version != u64::from(SCAN_FORMAT_VERSION) {
        return Err(format!(
            "scan format version {version} is not supported (this build reads version {})",
            SCAN_FORMAT_VERSION
        ));
    }
    serde_json::from_value(value).map_err(|e| format!("malformed scan: {e}"))
}
