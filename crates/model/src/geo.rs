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
