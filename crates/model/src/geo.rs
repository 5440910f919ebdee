//! What the geolocation databases said about an address, each fact with
//! its evidence. A registry country (where a network's holder is
//! registered) and a geolocated country (where the address is believed to
//! be) are kept apart.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::evidence::EvidenceId;

/// Metadata of a database, for the scan's provenance section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DatabaseInfo {
    /// What it is used for: `registry-country`, `geolocated-country` or `asn`.
    pub role: String,
    /// The database file.
    pub file: String,
    /// The type the database declares, e.g. `GeoLite2-Country`.
    pub database_type: String,
    /// When it was built, as it says.
    pub build_date: String,
}

/// What the databases say about one address, each fact with its evidence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GeoFacts {
    /// Where the holder of the address's network is registered (ISO
    /// code); `null` when the database does not say.
    pub registry_country: Option<Fact<String>>,
    /// Where the address is believed to be (ISO code); `null` when the
    /// database does not say.
    pub geolocated_country: Option<Fact<String>>,
    /// The autonomous system that announces the address; `null` when the
    /// database does not say.
    pub asn: Option<Fact<AsnInfo>>,
    /// Where the database places the networks just before and after the
    /// one holding this address: a lone address placed elsewhere than its
    /// neighbours may be a database artefact.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub neighbours: Vec<Fact<String>>,
}

/// Where the geolocation database places the addresses of a whole network
/// (an SPF `ip4:`/`ip6:` range): every database network inside it, summed
/// per country.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RangeGeo {
    /// Each country with its share of the range's addresses, largest first.
    pub shares: Vec<CountryShare>,
    /// Share of the range the database places nowhere (no country), in percent.
    pub unplaced_pct: f64,
    /// The database's networks read inside the range.
    pub networks_read: usize,
    /// Reading stopped at the bound before the whole range was read: the
    /// shares are of the part read.
    pub truncated: bool,
    /// The lookup (a `geo-range` evidence item).
    pub evidence: EvidenceId,
}

/// One country's part of a range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CountryShare {
    /// ISO code.
    pub country: String,
    /// Percent of the range's addresses the database places there.
    pub pct: f64,
}

/// A value and the lookup that gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "Fact_of_{T}")]
pub struct Fact<T> {
    /// The value found.
    pub value: T,
    /// The lookup that found it.
    pub evidence: EvidenceId,
}

/// An autonomous system: the network that announces an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AsnInfo {
    /// Its number (`8075`).
    pub number: u32,
    /// The organisation that holds it, as the database names it.
    pub holder: String,
}

/// The first and last address of a network: a network can straddle
/// locations, and sampling both ends shows it when the databases split it.
pub fn network_ends(net: &IpNet) -> Vec<IpAddr> {
    let first = net.network();
    let last = net.broadcast();
    if first == last {
        vec![first]
    } else {
        vec![first, last]
    }
}
