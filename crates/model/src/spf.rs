//! The SPF include tree as found: which record led to which network or
//! host, with the DNS answer behind every step.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::evidence::{EvidenceId, EvidenceIds};

/// How an SPF record was reached from the one above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SpfReach {
    /// An `include:` term.
    Include,
    /// A `redirect=` modifier.
    Redirect,
}

impl SpfReach {
    pub fn as_str(self) -> &'static str {
        match self {
            SpfReach::Include => "include",
            SpfReach::Redirect => "redirect",
        }
    }
}

/// RFC 7208 §4.6.4: at most 10 terms that cause DNS queries.
pub const RFC_LOOKUP_LIMIT: usize = 10;

/// Who an SPF record authorises, as found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum Authorised {
    /// An `ip4:`/`ip6:` network.
    Network(#[schemars(with = "crate::schema::IpNetText")] IpNet),
    /// The addresses of a host (`a`), to be resolved.
    Host(String),
    /// The mail exchangers of a domain (`mx`), to be resolved.
    MailExchangers(String),
}

/// One SPF record in the tree.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SpfNode {
    /// The domain whose TXT record this is.
    pub domain: String,
    /// How this record was reached: `null` for the scanned domain's own.
    pub reached_by: Option<SpfReach>,
    /// The SPF record. When receivers could not evaluate it (a syntax
    /// error anywhere is a permerror, RFC 7208 §4.6) it authorises nothing
    /// and the reason is among `problems`.
    pub record: Option<String>,
    /// The networks, hosts and mail exchangers the record names itself.
    pub authorises: Vec<Authorised>,
    /// The records it includes or redirects to, in order.
    pub children: Vec<SpfNode>,
    /// The DNS answers that hold the record.
    pub evidence: EvidenceIds,
    /// Faults of this record (no record, a loop, a syntax error …).
    pub problems: Vec<String>,
}

/// The whole tree and its counts.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SpfTree {
    /// The scanned domain's own SPF record, with everything below it.
    pub root: SpfNode,
    /// DNS-querying terms met, counted as RFC 7208 §4.6.4 counts them.
    pub lookup_terms: usize,
    /// The evidence of the record where the 11th querying term was met;
    /// `null` within the limit.
    pub limit_exceeded_at: Option<EvidenceId>,
    /// True when the hard cap stopped the walk.
    pub truncated: bool,
}

impl SpfTree {
    /// Every record of the tree, the root first.
    pub fn nodes(&self) -> Vec<&SpfNode> {
        let mut out = Vec::new();
        let mut stack = vec![&self.root];
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(n.children.iter().rev());
        }
        out
    }
}
