//! Where the geolocation databases come from, so that the binary works from
//! any directory and after `cargo install`:
//!
//! 1. a file given with `--geoip-registry`, `--geoip-country`, `--geoip-asn`;
//! 2. else the file of that name in `$TRANSFERMAP_GEODATA`, when set;
//! 3. else the database shipped in `geodata/`, built into the binary.
//!
//! A file the user names is checked when it is opened
//! ([`GeoDatabase::open`]): a corrupt file, or a database of the wrong kind,
//! is refused.

use std::path::{Path, PathBuf};

use transfermap_collect::geo::{GeoDatabase, GeoError, Geolocator, Role};

/// The shipped databases, built into the binary (see `geodata/README.md`).
pub const BUILT_IN: [(Role, &str, &[u8]); 3] = [
    (
        Role::Registry,
        "registry-country.mmdb",
        include_bytes!("../geodata/registry-country.mmdb"),
    ),
    (
        Role::Geolocated,
        "geolocated-country.mmdb",
        include_bytes!("../geodata/geolocated-country.mmdb"),
    ),
    (Role::Asn, "asn.mmdb", include_bytes!("../geodata/asn.mmdb")),
];

/// The environment variable naming a directory of databases.
pub const ENV_DIR: &str = "TRANSFERMAP_GEODATA";

/// Files the user chose, by role; `None` for the default.
#[derive(Debug, Default, Clone)]
pub struct GeoChoice {
    pub registry: Option<PathBuf>,
    pub geolocated: Option<PathBuf>,
    pub asn: Option<PathBuf>,
}

impl GeoChoice {
    fn given(&self, role: Role) -> Option<&Path> {
        match role {
            Role::Registry => self.registry.as_deref(),
            Role::Geolocated => self.geolocated.as_deref(),
            Role::Asn => self.asn.as_deref(),
        }
    }
}

/// Open the three databases.
pub fn open(choice: &GeoChoice) -> Result<Geolocator, GeoError> {
    let dir = std::env::var_os(ENV_DIR).map(PathBuf::from);
    let mut opened = Vec::new();
    for (role, file, bytes) in BUILT_IN {
        let db = match (choice.given(role), &dir) {
            (Some(path), _) => GeoDatabase::open(role, path)?,
            (None, Some(dir)) => GeoDatabase::open(role, &dir.join(file))?,
            (None, None) => GeoDatabase::built_in(role, file, bytes)?,
        };
        opened.push(db);
    }
    let asn = opened.pop().expect("three databases");
    let geolocated = opened.pop().expect("three databases");
    let registry = opened.pop().expect("three databases");
    Ok(Geolocator {
        registry,
        geolocated,
        asn,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every country the shipped databases can name has a name and a
    /// membership record in the maps: a geolocated or registry country is
    /// never shown as a bare code, and never judged without its status.
    #[test]
    fn the_maps_know_every_country_the_shipped_databases_name() {
        let kb = transfermap_maps::KnowledgeBase::embedded().expect("shipped maps");
        for (role, file, bytes) in BUILT_IN {
            if role == Role::Asn {
                continue;
            }
            let db = GeoDatabase::built_in(role, file, bytes).expect("shipped database");
            let codes = db.country_codes();
            assert!(codes.len() > 200, "{file}: {} countries", codes.len());
            let unknown: Vec<&String> = codes
                .iter()
                .filter(|c| !kb.countries.contains_key(c.as_str()))
                .collect();
            assert!(
                unknown.is_empty(),
                "{file} names countries the maps lack: {unknown:?}"
            );
        }
    }

    /// The shipped databases pass the checks a user's file must pass.
    #[test]
    fn the_built_in_databases_verify_and_fit_their_roles() {
        for (role, file, bytes) in BUILT_IN {
            let db = GeoDatabase::built_in(role, file, bytes).unwrap();
            db.check().unwrap_or_else(|e| panic!("{file}: {e}"));
        }
    }
}
