//! SPF (RFC 7208) for transfermap: one grammar for everything that reads
//! an SPF record.
//!
//! - [`check::parse_record`]: the record grammar, strict as receivers are
//!   (a syntax error anywhere is a permerror, §4.6).
//! - [`check::check_host`]: the verdict a receiving server would reach.
//! - [`tree::walk`]: the include tree behind the transfer map — which
//!   record led to which network or host — built from the same parse, so
//!   the map never rests on a record that no receiver reads.
//!
//! Both ask DNS through [`transfermap_model::records::Lookup`]; this crate
//! has no network code of its own.

pub mod check;
pub mod tree;

pub use check::{SpfResult, SpfVerdict, check_host, mail_from_identity, parse_record};
pub use tree::walk;
