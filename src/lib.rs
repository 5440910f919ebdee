//! transfermap: where personal data in an organisation's e-mail can leave
//! the EU/EEA.
//!
//! This crate is the pipeline's glue over the workspace's library crates —
//! [`transfermap_dns`] (the only network code), [`transfermap_spf`],
//! [`transfermap_collect`], [`transfermap_maps`], [`transfermap_engine`],
//! [`transfermap_render`], all speaking [`transfermap_model`] — and the
//! `transfermap` command line. See `docs/ARCHITECTURE.md`.

pub mod batch;
pub mod geodata;
pub mod scan;
pub mod spf_report;

pub use transfermap_collect as collect;
pub use transfermap_dns as dns;
pub use transfermap_engine as engine;
pub use transfermap_maps as maps;
pub use transfermap_model as model;
pub use transfermap_model::Lang;
pub use transfermap_render as render;
pub use transfermap_spf as spf;
