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
    pub problems: Vec<SpfFault>,
}

/// A fault of one SPF record in the tree, as a receiver (or the walk that
/// maps the tree) meets it. `Display` says it in English; the renderers
/// say it in the report's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "fault", rename_all = "kebab-case")]
pub enum SpfFault {
    /// The TXT question found no SPF record (how it ended: `outcome`).
    NoRecord {
        outcome: crate::evidence::DnsOutcome,
    },
    /// More than one SPF record: a permerror (RFC 7208 §4.5).
    ManyRecords { count: usize },
    /// The record is not valid SPF: a permerror (RFC 7208 §4.6).
    Invalid { syntax: SpfSyntax },
    /// The term leads back to a record already on the path.
    Loop {
        /// The kind of term.
        how: SpfReach,
        /// The domain it names.
        target: String,
        /// The records from the scanned domain's down to this one.
        path: Vec<String>,
    },
    /// The term leads deeper than the walk follows.
    TooDeep {
        /// The kind of term.
        how: SpfReach,
        /// The domain it names.
        target: String,
        /// How many levels the walk follows.
        max: usize,
    },
    /// The walk's hard cap on DNS-querying terms was reached at `term`.
    LookupCap {
        /// The cap.
        cap: usize,
        /// The first term not followed.
        term: String,
    },
    /// The term's domain is made of macros, which need a message to expand.
    Macros { term: String },
    /// Terms after `all`, which are never tested (RFC 7208 §5.1).
    AfterAll { terms: Vec<String> },
    /// A `redirect=` in a record that has `all` (RFC 7208 §6.1).
    RedirectIgnored { redirect: String },
}

impl std::fmt::Display for SpfFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpfFault::NoRecord { outcome } => write!(f, "no SPF record ({})", outcome.label()),
            SpfFault::ManyRecords { count } => write!(
                f,
                "{count} SPF records (permerror, RFC 7208 §4.5): receivers use none of them"
            ),
            SpfFault::Invalid { syntax } => write!(
                f,
                "the record is not valid SPF (permerror, RFC 7208 §4.6): {syntax}; receivers evaluate none of it"
            ),
            SpfFault::Loop { how, target, path } => write!(
                f,
                "{} loop: `{target}` is already on the path {}",
                how.as_str(),
                path.join(" → ")
            ),
            SpfFault::TooDeep { how, target, max } => write!(
                f,
                "{} of `{target}` deeper than {max} levels; not followed",
                how.as_str()
            ),
            SpfFault::LookupCap { cap, term } => write!(
                f,
                "stopped after {cap} DNS-querying terms; `{term}` not followed"
            ),
            SpfFault::Macros { term } => write!(
                f,
                "`{term}` uses macros, which need a message to expand; not followed"
            ),
            SpfFault::AfterAll { terms } => write!(
                f,
                "terms after `all` are never tested (RFC 7208 §5.1): {}",
                terms.join(" ")
            ),
            SpfFault::RedirectIgnored { redirect } => write!(
                f,
                "`{redirect}` is ignored: the record has `all` (RFC 7208 §6.1)"
            ),
        }
    }
}

/// Why a text is not a valid SPF record (RFC 7208 §4.6, §7): what the
/// parser met. `Display` says it in English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "syntax", rename_all = "kebab-case")]
pub enum SpfSyntax {
    /// The text does not start with `v=spf1`.
    NotSpf,
    /// The record holds a character that is not printable ASCII (§3.1).
    Character { character: char },
    /// A macro string holds a character not allowed there.
    MacroCharacter { character: char },
    /// A `%` followed by something other than `{`, `%`, `_` or `-`
    /// (`null` when the `%` ends the text).
    Percent { next: Option<char> },
    /// An unknown macro letter, or `c`, `r`, `t` outside an explanation.
    MacroLetter {
        /// The letter as written.
        raw: String,
        /// It is `c`, `r` or `t`, allowed only in explanations.
        explanation_only: bool,
    },
    /// A macro that keeps zero parts.
    MacroZeroParts { macro_text: String },
    /// A character a macro cannot hold.
    MacroUnexpected {
        /// The macro's letter as written.
        raw: String,
        /// The character met.
        character: char,
    },
    /// A macro without its closing `}`.
    MacroUnclosed { raw: String },
    /// A domain that is empty.
    EmptyDomain,
    /// A domain that ends neither in a macro nor in a valid top label.
    DomainEnd { domain: String },
    /// A modifier given twice (§6).
    Twice { modifier: String },
    /// A mechanism that needs `:domain` without one.
    NeedsDomain { mechanism: String },
    /// `all` with an argument.
    AllArgument,
    /// A term without a mechanism.
    NoMechanism,
    /// A mechanism RFC 7208 does not define.
    UnknownMechanism { mechanism: String },
    /// Text a term cannot hold.
    Unexpected { text: String },
    /// A prefix length out of range.
    PrefixLength {
        /// The length as written.
        text: String,
        /// The longest allowed (32 or 128).
        max: u8,
    },
    /// `ip4` or `ip6` without `:address`.
    NeedsAddress { mechanism: String },
    /// Not an IPv4 (`version` 4) or IPv6 (6) address.
    NotAnAddress {
        /// The text as written.
        text: String,
        /// 4 or 6.
        version: u8,
    },
    /// The fault `inner` in the term `term`.
    InTerm {
        /// The term as written.
        term: String,
        /// What is wrong with it.
        inner: Box<SpfSyntax>,
    },
}

impl std::fmt::Display for SpfSyntax {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpfSyntax::NotSpf => f.write_str("does not start with `v=spf1`"),
            SpfSyntax::Character { character } => write!(
                f,
                "the record holds {character:?}; SPF records are printable ASCII, terms separated by spaces (§3.1, §4.6.1)"
            ),
            SpfSyntax::MacroCharacter { character } => write!(
                f,
                "character {character:?} is not allowed here (visible ASCII only)"
            ),
            SpfSyntax::Percent { next: Some(c) } => {
                write!(f, "`%{c}`: a `%` must be followed by `{{`, `%`, `_` or `-`")
            }
            SpfSyntax::Percent { next: None } => {
                f.write_str("a `%` at the end must be written `%%`")
            }
            SpfSyntax::MacroLetter {
                raw,
                explanation_only: true,
            } => write!(
                f,
                "macro `%{{{raw}`: the letters c, r and t are allowed only in explanations"
            ),
            SpfSyntax::MacroLetter { raw, .. } => {
                write!(f, "macro `%{{{raw}`: unknown macro letter")
            }
            SpfSyntax::MacroZeroParts { macro_text } => write!(
                f,
                "macro `%{{{macro_text}`: the number of parts must not be zero"
            ),
            SpfSyntax::MacroUnexpected { raw, character } => {
                write!(f, "macro `%{{{raw}…`: unexpected {character:?}")
            }
            SpfSyntax::MacroUnclosed { raw } => {
                write!(f, "macro `%{{{raw}…` is not closed with `}}`")
            }
            SpfSyntax::EmptyDomain => f.write_str("empty domain"),
            SpfSyntax::DomainEnd { domain } => write!(
                f,
                "`{domain}` does not end in a macro or in `.` and a valid top label"
            ),
            SpfSyntax::Twice { modifier } => write!(f, "`{modifier}=` is given twice (§6)"),
            SpfSyntax::NeedsDomain { mechanism } => write!(f, "`{mechanism}` needs `:domain`"),
            SpfSyntax::AllArgument => f.write_str("`all` takes no argument"),
            SpfSyntax::NoMechanism => f.write_str("no mechanism"),
            SpfSyntax::UnknownMechanism { mechanism } => {
                write!(f, "unknown mechanism `{mechanism}`")
            }
            SpfSyntax::Unexpected { text } => write!(f, "unexpected `{text}`"),
            SpfSyntax::PrefixLength { text, max } => {
                write!(f, "`/{text}` is not a prefix length from 0 to {max}")
            }
            SpfSyntax::NeedsAddress { mechanism } => write!(f, "`{mechanism}` needs `:address`"),
            SpfSyntax::NotAnAddress { text, version } => {
                write!(f, "`{text}` is not an IPv{version} address")
            }
            SpfSyntax::InTerm { term, inner } => write!(f, "`{term}`: {inner}"),
        }
    }
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
