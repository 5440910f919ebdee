//! The data model of transfermap: evidence, what collection found, the
//! transfer graph in its serialised form, findings with their legal status,
//! flows, and the whole [`scan::Scan`] written to `scan.json`.
//!
//! This crate is plain data (serde) and does no I/O: every other crate of
//! the pipeline speaks in its types, and the renderers depend on nothing
//! else, so they can only draw what a scan says.

pub mod collection;
pub mod diff;
pub mod dmarc;
pub mod dpia;
pub mod evidence;
pub mod families;
pub mod finding;
pub mod flow;
pub mod geo;
pub mod graph;
pub mod key;
pub mod legal;
pub mod records;
pub mod scan;
pub mod schema;
pub mod spf;
pub mod summary;

/// Language of rendered text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Sv,
}
