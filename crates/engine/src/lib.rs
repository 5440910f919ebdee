//! The engine: the transfer graph built from a collection and the maps,
//! and the analysis over it — cheapest paths from the personal data to
//! every third country or third country's law, the legal status of each
//! destination on the as-of date, the findings, the flows, and the
//! comparison of two scans.
//!
//! Nothing here can ask DNS: this crate does not depend on the DNS crate,
//! so graph building and analysis are pure functions of their inputs.

pub mod analyse;
pub mod diff;
pub mod graph;
