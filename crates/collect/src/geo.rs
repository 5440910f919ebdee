//! Geolocation from MaxMind-format (`.mmdb`) databases.
//!
//! Two country facts are kept apart on purpose:
//! - the *registry* country: where the network's holder is registered — a
//!   statement about the operator's jurisdiction, never about the building;
//! - the *geolocated* country: where the address is believed to be.
//!
//! Both the shipped ip-location-db files (`country_code`) and
//! GeoLite2/GeoIP2/DB-IP files (`country.iso_code`, `registered_country`)
//! are read.

use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::DateTime;
use maxminddb::Reader;
use serde::Deserialize;

use ipnet::IpNet;
use transfermap_model::evidence::{EvidenceLog, GeoLookup, GeoRangeLookup, Observation};
pub use transfermap_model::geo::{AsnInfo, CountryShare, DatabaseInfo, Fact, GeoFacts, RangeGeo};

#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error("cannot open {role} database {path}: {message}")]
    Open {
        role: &'static str,
        path: PathBuf,
        message: String,
    },
    #[error(
        "{path} is not a usable {role} database: {message}\n  (a corrupt file, or a database of another kind: the {role} database must hold {wants})"
    )]
    Unusable {
        role: &'static str,
        path: PathBuf,
        message: String,
        wants: &'static str,
    },
}

/// The bytes of a database: read from a file, or built into the binary.
pub enum Source {
    File(Vec<u8>),
    BuiltIn(&'static [u8]),
}

impl AsRef<[u8]> for Source {
    fn as_ref(&self) -> &[u8] {
        match self {
            Source::File(v) => v,
            Source::BuiltIn(b) => b,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Registry,
    Geolocated,
    Asn,
}

impl Role {
    /// What a database for this role must hold.
    fn wants(self) -> &'static str {
        match self {
            Role::Registry => "countries (registered_country, country or country_code)",
            Role::Geolocated => "countries (country or country_code)",
            Role::Asn => "autonomous systems (autonomous_system_number)",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Registry => "registry-country",
            Role::Geolocated => "geolocated-country",
            Role::Asn => "asn",
        }
    }
}

/// A database file with what the evidence needs to say about it.
pub struct GeoDatabase {
    pub role: Role,
    pub path: PathBuf,
    pub name: String,
    /// The role's name as `Arc<str>`, shared by every lookup's evidence.
    shared_role: Arc<str>,
    reader: Reader<Source>,
    /// Answers already read, for the whole run: the same provider addresses
    /// recur in hundreds of domains of a batch.
    memo: Mutex<HashMap<IpAddr, Lookup>>,
    /// Whole-range shares already read: a provider's SPF networks recur
    /// in every domain that includes its record.
    range_memo: Mutex<HashMap<IpNet, RangeShares>>,
    database_type: String,
    build_date: String,
}

/// One lookup's result: (matched network, value, error).
type Lookup = (Option<Arc<str>>, Option<Arc<str>>, Option<String>);

/// One range's placement: (shares, unplaced percent, networks read, truncated).
type RangeShares = (Vec<CountryShare>, f64, usize, bool);

/// More distinct addresses than this in one run and the memo starts over,
/// so a run over many domains keeps a bounded memory.
const MEMO_LIMIT: usize = 50_000;

impl GeoDatabase {
    /// Open a database file, checking it before it is used: the whole
    /// file is verified (search tree, data section, metadata), its type
    /// must fit the role, and its records must hold the field the role
    /// reads. A corrupt file or a database of another kind is refused
    /// rather than answering a third of the lookups.
    pub fn open(role: Role, path: &Path) -> Result<Self, GeoError> {
        let open_err = |message: String| GeoError::Open {
            role: role.label(),
            path: path.to_path_buf(),
            message,
        };
        let bytes = std::fs::read(path).map_err(|e| open_err(e.to_string()))?;
        let reader =
            Reader::from_source(Source::File(bytes)).map_err(|e| open_err(e.to_string()))?;
        let unusable = |message: String| GeoError::Unusable {
            role: role.label(),
            path: path.to_path_buf(),
            message,
            wants: role.wants(),
        };
        verify(&reader).map_err(unusable)?;
        check_kind(role, &reader).map_err(unusable)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Self::with_reader(role, path.to_path_buf(), name, reader))
    }

    /// A database built into the binary (the shipped geodata; its build
    /// checks it, see `tests` of the `transfermap` crate).
    pub fn built_in(role: Role, file: &str, bytes: &'static [u8]) -> Result<Self, GeoError> {
        let reader = Reader::from_source(Source::BuiltIn(bytes)).map_err(|e| GeoError::Open {
            role: role.label(),
            path: PathBuf::from(file),
            message: e.to_string(),
        })?;
        Ok(Self::with_reader(
            role,
            PathBuf::from(file),
            format!("{file} (built in)"),
            reader,
        ))
    }

    /// Check a database as [`GeoDatabase::open`] does (for the built-in ones in tests).
    pub fn check(&self) -> Result<(), String> {
        verify(&self.reader)?;
        check_kind(self.role, &self.reader)
    }

    fn with_reader(role: Role, path: PathBuf, name: String, reader: Reader<Source>) -> Self {
        let database_type = reader.metadata().database_type.clone();
        let build_date = build_date(reader.metadata().build_epoch);
        Self {
            role,
            path,
            shared_role: Arc::from(role.label()),
            name,
            reader,
            memo: Mutex::new(HashMap::new()),
            range_memo: Mutex::new(HashMap::new()),
            database_type,
            build_date,
        }
    }

    pub fn info(&self) -> DatabaseInfo {
        DatabaseInfo {
            role: self.role.label().to_string(),
            file: self.name.clone(),
            database_type: self.database_type.clone(),
            build_date: self.build_date.clone(),
        }
    }

    /// Look one address up; returns (matched network, value, error).
    fn lookup(&self, ip: IpAddr) -> Lookup {
        let mut memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = memo.get(&ip) {
            return hit.clone();
        }
        let found = self.read(ip);
        if memo.len() >= MEMO_LIMIT {
            memo.clear();
        }
        memo.insert(ip, found.clone());
        found
    }

    fn read(&self, ip: IpAddr) -> Lookup {
        // `::ffff:192.0.2.1` is an IPv4 address; not every database maps it.
        let ip = ip.to_canonical();
        let result = match self.reader.lookup(ip) {
            Ok(r) => r,
            Err(e) => return (None, None, Some(e.to_string())),
        };
        let network = result.network().ok().map(|n| Arc::from(n.to_string()));
        let record = match result.decode::<Record>() {
            Ok(Some(record)) => record,
            Ok(None) => return (network, None, None),
            Err(e) => return (network, None, Some(format!("unreadable record: {e}"))),
        };
        let value = match self.role {
            Role::Registry => record
                .registered_country
                .and_then(|c| c.iso_code)
                .or(record.country_code)
                .or(record.country.and_then(|c| c.iso_code)),
            Role::Geolocated => record
                .country_code
                .or(record.country.and_then(|c| c.iso_code)),
            Role::Asn => record.autonomous_system_number.map(|AsNumber(n)| {
                format!(
                    "AS{n} {}",
                    record.autonomous_system_organization.unwrap_or_default()
                )
                .trim_end()
                .to_string()
            }),
        };
        (network, value.map(|v| Arc::from(v.trim())), None)
    }
}

/// The whole file is sound: `maxminddb`'s verification (metadata, search
/// tree, data section). Files without a description (the ip-location-db
/// files shipped here have none) stop that verification at the metadata,
/// before the tree; those are checked by walking every network of the tree
/// and reading its record instead, which is what lookups will do.
fn verify(reader: &Reader<Source>) -> Result<(), String> {
    match reader.verify() {
        Ok(()) => Ok(()),
        Err(maxminddb::MaxMindDbError::InvalidDatabase { message, .. })
            if message.starts_with("description -") =>
        {
            let networks = reader
                .networks(Default::default())
                .map_err(|e| format!("its networks cannot be read: {e}"))?;
            for item in networks {
                let result = item.map_err(|e| format!("its search tree is broken: {e}"))?;
                result
                    .decode::<serde::de::IgnoredAny>()
                    .map_err(|e| format!("a record cannot be read: {e}"))?;
            }
            Ok(())
        }
        Err(e) => Err(format!("it does not verify: {e}")),
    }
}

/// The database's type fits the role, and its first records hold the field
/// the role reads: an ASN database given as the country database (or the
/// other way round) is refused.
fn check_kind(role: Role, reader: &Reader<Source>) -> Result<(), String> {
    let kind = reader.metadata().database_type.to_ascii_lowercase();
    let is_asn = kind.contains("asn") || kind.contains("isp");
    let fits = match role {
        Role::Asn => is_asn,
        Role::Registry | Role::Geolocated => {
            !is_asn && (kind.contains("country") || kind.contains("city"))
        }
    };
    if !fits {
        return Err(format!("its type is `{}`", reader.metadata().database_type));
    }
    let networks = reader
        .networks(Default::default())
        .map_err(|e| format!("its networks cannot be read: {e}"))?;
    let mut read = 0;
    for item in networks.take(64) {
        let result = item.map_err(|e| format!("its search tree is broken: {e}"))?;
        let record = match result.decode::<Record>() {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(e) => return Err(format!("a record cannot be read: {e}")),
        };
        read += 1;
        let has = match role {
            Role::Asn => record.autonomous_system_number.is_some(),
            Role::Registry => {
                record.registered_country.is_some()
                    || record.country_code.is_some()
                    || record.country.is_some()
            }
            Role::Geolocated => record.country_code.is_some() || record.country.is_some(),
        };
        if has {
            return Ok(());
        }
    }
    Err(if read == 0 {
        "it holds no records".to_string()
    } else {
        format!("none of its first {read} records has the field this role reads")
    })
}

/// At most this many database networks are read inside one range.
pub const RANGE_NETWORKS: usize = 20_000;

impl GeoDatabase {
    /// Each country's share of `net` (largest first), the share placed
    /// nowhere, the networks read, and whether reading stopped at the bound.
    fn range_shares(&self, net: &IpNet) -> RangeShares {
        if let Some(hit) = self
            .range_memo
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(net)
        {
            return hit.clone();
        }
        // Read without holding the lock: other domains' ranges go on.
        let found = self.read_range(net);
        let mut memo = self.range_memo.lock().unwrap_or_else(|e| e.into_inner());
        if memo.len() >= MEMO_LIMIT {
            memo.clear();
        }
        memo.insert(*net, found.clone());
        found
    }

    fn read_range(&self, net: &IpNet) -> RangeShares {
        let size = |prefix: u8, bits: u32| 2f64.powi((bits - u32::from(prefix)) as i32);
        let (total, bits) = match net {
            IpNet::V4(n) => (size(n.prefix_len(), 32), 32),
            IpNet::V6(n) => (size(n.prefix_len(), 128), 128),
        };
        let cidr = match ipnetwork::IpNetwork::new(net.network(), net.prefix_len()) {
            Ok(c) => c,
            Err(_) => return (Vec::new(), 100.0, 0, false),
        };
        let mut by: BTreeMap<String, f64> = BTreeMap::new();
        let (mut read, mut truncated) = (0usize, false);
        let mut placed = 0f64;
        if let Ok(within) = self.reader.within(cidr, Default::default()) {
            for item in within {
                if read >= RANGE_NETWORKS {
                    truncated = true;
                    break;
                }
                let Ok(result) = item else { continue };
                read += 1;
                let Ok(found) = result.network() else {
                    continue;
                };
                // The database network may be larger than the range (a /24
                // inside a /16 network): count only the part inside.
                let prefix = found.prefix().max(net.prefix_len());
                let addresses = size(prefix, bits);
                let Ok(Some(record)) = result.decode::<Record>() else {
                    continue;
                };
                let country = record
                    .country_code
                    .or(record.country.and_then(|c| c.iso_code));
                if let Some(c) = country.filter(|c| !c.is_empty()) {
                    *by.entry(c.trim().to_string()).or_default() += addresses;
                    placed += addresses;
                }
            }
        }
        let pct = |x: f64| (x / total * 10_000.0).round() / 100.0;
        let mut shares: Vec<CountryShare> = by
            .into_iter()
            .map(|(country, n)| CountryShare {
                country,
                pct: pct(n),
            })
            .collect();
        shares.sort_by(|a, b| b.pct.total_cmp(&a.pct).then(a.country.cmp(&b.country)));
        (shares, pct((total - placed).max(0.0)), read, truncated)
    }

    /// Every country code the database names, over all its networks (a
    /// check that the maps have a name and a status for each; slow, for
    /// tests and `maps check`, never for a scan).
    pub fn country_codes(&self) -> std::collections::BTreeSet<String> {
        let mut out = std::collections::BTreeSet::new();
        for all in ["0.0.0.0/0", "::/0"] {
            let Ok(cidr) = all.parse::<ipnetwork::IpNetwork>() else {
                continue;
            };
            let Ok(within) = self.reader.within(cidr, Default::default()) else {
                continue;
            };
            for item in within.flatten() {
                if let Ok(Some(record)) = item.decode::<Record>() {
                    let codes = [
                        record.country_code,
                        record.country.and_then(|c| c.iso_code),
                        record.registered_country.and_then(|c| c.iso_code),
                    ];
                    for c in codes.into_iter().flatten() {
                        if !c.trim().is_empty() {
                            out.insert(c.trim().to_string());
                        }
                    }
                }
            }
        }
        out
    }

    /// The last address before and the first after the database network
    /// that holds `ip`.
    fn neighbours(&self, ip: IpAddr) -> Vec<IpAddr> {
        let ip = ip.to_canonical();
        let Ok(result) = self.reader.lookup(ip) else {
            return Vec::new();
        };
        let Ok(net) = result.network() else {
            return Vec::new();
        };
        let Ok(net) = IpNet::new(net.network(), net.prefix()) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        match net {
            IpNet::V4(n) => {
                let (first, last) = (u32::from(n.network()), u32::from(n.broadcast()));
                if let Some(before) = first.checked_sub(1) {
                    out.push(IpAddr::V4(before.into()));
                }
                if let Some(after) = last.checked_add(1) {
                    out.push(IpAddr::V4(after.into()));
                }
            }
            IpNet::V6(n) => {
                let (first, last) = (u128::from(n.network()), u128::from(n.broadcast()));
                if let Some(before) = first.checked_sub(1) {
                    out.push(IpAddr::V6(before.into()));
                }
                if let Some(after) = last.checked_add(1) {
                    out.push(IpAddr::V6(after.into()));
                }
            }
        }
        out
    }
}

fn build_date(epoch: u64) -> String {
    i64::try_from(epoch)
        .ok()
        .and_then(|e| DateTime::from_timestamp(e, 0))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The fields this tool reads, across the supported database layouts.
#[derive(Debug, Deserialize)]
struct Record {
    country_code: Option<String>,
    country: Option<CountryField>,
    registered_country: Option<CountryField>,
    autonomous_system_number: Option<AsNumber>,
    autonomous_system_organization: Option<String>,
}

/// An AS number as any database stores it. MaxMind's files use uint32, but
/// the decoder is strict about integer widths and other writers pick the
/// smallest type that fits (uint16 for AS 64500), so accept every width.
#[derive(Debug)]
struct AsNumber(u32);

impl<'de> Deserialize<'de> for AsNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = AsNumber;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an AS number")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<AsNumber, E> {
                u32::try_from(v).map(AsNumber).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<AsNumber, E> {
                u32::try_from(v).map(AsNumber).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<AsNumber, E> {
                v.trim_start_matches("AS")
                    .parse()
                    .map(AsNumber)
                    .map_err(E::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Debug, Deserialize)]
struct CountryField {
    iso_code: Option<String>,
}

/// The three databases of one run.
pub struct Geolocator {
    pub registry: GeoDatabase,
    pub geolocated: GeoDatabase,
    pub asn: GeoDatabase,
}

impl Geolocator {
    pub fn databases(&self) -> Vec<DatabaseInfo> {
        vec![
            self.registry.info(),
            self.geolocated.info(),
            self.asn.info(),
        ]
    }

    /// Look an address up in all three databases, recording each lookup.
    pub fn locate(&self, log: &mut EvidenceLog, ip: IpAddr) -> GeoFacts {
        let mut facts = GeoFacts::default();
        for db in [&self.registry, &self.geolocated, &self.asn] {
            let (network, value, error) = db.lookup(ip);
            let evidence = log.record(Observation::Geo(GeoLookup {
                address: ip.to_string(),
                role: db.shared_role.clone(),
                network,
                value: value.clone(),
                error,
            }));
            let Some(value) = value.filter(|v| !v.is_empty()).map(|v| v.to_string()) else {
                continue;
            };
            match db.role {
                Role::Registry => facts.registry_country = Some(Fact { value, evidence }),
                Role::Geolocated => facts.geolocated_country = Some(Fact { value, evidence }),
                Role::Asn => facts.asn = parse_asn(&value).map(|value| Fact { value, evidence }),
            }
        }
        // The networks on either side of the address's own: where the
        // database places its neighbours.
        if facts.geolocated_country.is_some() {
            for ip in self.geolocated.neighbours(ip) {
                let (network, value, error) = self.geolocated.lookup(ip);
                let evidence = log.record(Observation::Geo(GeoLookup {
                    address: ip.to_string(),
                    role: self.geolocated.shared_role.clone(),
                    network,
                    value: value.clone(),
                    error,
                }));
                if let Some(v) = value.filter(|v| !v.is_empty()) {
                    facts.neighbours.push(Fact {
                        value: v.to_string(),
                        evidence,
                    });
                }
            }
        }
        facts
    }

    /// Where the geolocation database places a whole network: every
    /// database network inside it, summed per country, recorded as one
    /// evidence item. Bounded: at most [`RANGE_NETWORKS`] database
    /// networks are read (a /8 can hold many thousands).
    pub fn locate_range(&self, log: &mut EvidenceLog, net: &IpNet) -> RangeGeo {
        let db = &self.geolocated;
        let (shares, unplaced, read, truncated) = db.range_shares(net);
        let mut shown: Vec<String> = shares
            .iter()
            .map(|s| format!("{} {:.2}%", s.country, s.pct))
            .collect();
        if unplaced > 0.0 {
            shown.push(format!("- {unplaced:.2}%"));
        }
        let evidence = log.record(Observation::GeoRange(GeoRangeLookup {
            range: net.to_string(),
            role: db.shared_role.clone(),
            shares: shown,
            networks_read: read,
            truncated,
        }));
        RangeGeo {
            shares,
            unplaced_pct: unplaced,
            networks_read: read,
            truncated,
            evidence,
        }
    }

    /// Locate many addresses once each.
    pub fn locate_all(
        &self,
        log: &mut EvidenceLog,
        ips: impl IntoIterator<Item = IpAddr>,
    ) -> BTreeMap<IpAddr, GeoFacts> {
        let mut out = BTreeMap::new();
        for ip in ips {
            out.entry(ip).or_insert_with(|| self.locate(log, ip));
        }
        out
    }
}

fn parse_asn(text: &str) -> Option<AsnInfo> {
    let rest = text.strip_prefix("AS")?;
    let (num, holder) = rest.split_once(' ').unwrap_or((rest, ""));
    Some(AsnInfo {
        number: num.parse().ok()?,
        holder: holder.to_string(),
    })
}
