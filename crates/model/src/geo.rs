//! What the geolocation databases said about an address, each fact with
//! its evidence. A registry country (where a network's holder is
//! registered) and a geolocated country (where the address is believed to
//! be) are kept apart.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::evidence::EvidenceId;

/// Metadata of a database, for the scan's provenance section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseInfo {
    pub role: String,
    pub file: String,
    pub database_type: String,
    pub build_date: String,
}

/// What the databases say about one address, each fact with its evidence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeoFacts {
    pub registry_country: Option<Fact<String>>,
    pub geolocated_country: Option<Fact<String>>,
    pub asn: Option<Fact<AsnInfo>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact<T> {
    pub value: T,
    pub evidence: EvidenceId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsnInfo {
    pub number: u32,
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
