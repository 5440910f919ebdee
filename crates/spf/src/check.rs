//! RFC 7208 `check_host()`: may this IP address send mail for this domain?
//!
//! [`check_host`] evaluates a domain's SPF policy for one client address and
//! returns an [`SpfVerdict`]: the result (pass, fail, softfail, neutral,
//! none, permerror, temperror), the term that decided it, the `exp=`
//! explanation when one applies, every record consulted and the evidence of
//! every DNS question asked. All DNS goes through a [`Lookup`], so each
//! answer the verdict rests on is in the [`EvidenceLog`].
//!
//! `collect::spf` stays the tree walk behind the transfer map; this module is
//! the verdict a receiving server would reach.
//!
//! Why our own evaluator rather than a crate:
//! - `mail-auth` answers `check_host()` through its own hickory resolver
//!   (only its caches can be swapped), so its DNS answers could not become
//!   evidence.
//! - `viaspf` takes a pluggable lookup trait and would fit technically, but
//!   it is licensed GPL-3.0-or-later; depending on it would decide the
//!   licence of the whole tool, which is not this module's decision.
//! - `decon-spf` parses and builds records but does not evaluate them.
//!
//! Limits (RFC 7208 §4.6.4): at most [`DNS_TERM_LIMIT`] terms that query DNS
//! (`include`, `a`, `mx`, `ptr`, `exists`, `redirect`) per evaluation, at
//! most [`VOID_LOOKUP_LIMIT`] lookups that find nothing, at most
//! [`MX_LIMIT`] MX records per `mx` term (more is a permerror) and at most
//! [`PTR_LIMIT`] PTR names per `ptr` term or `%{p}` (the rest are ignored).
//! The whole record is parsed before any term is evaluated, so a syntax
//! error anywhere is a permerror (§4.6).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::pin::Pin;

use serde::{Deserialize, Serialize};

use transfermap_model::evidence::{DnsOutcome, EvidenceId, EvidenceLog};
use transfermap_model::records::{Lookup, QueryResult, RecordData, RecordType};
use transfermap_model::spf::SpfSyntax;

/// §4.6.4: terms that cause DNS queries, per evaluation.
pub const DNS_TERM_LIMIT: usize = 10;
/// §4.6.4: lookups answering NXDOMAIN or no records, per evaluation.
pub const VOID_LOOKUP_LIMIT: usize = 2;
/// §4.6.4: MX records one `mx` term may look at.
pub const MX_LIMIT: usize = 10;
/// §4.6.4: PTR names one `ptr` term (or `%{p}`) may look at.
pub const PTR_LIMIT: usize = 10;
/// RFC 1035 / §7.3: the longest domain name in dotted form.
const MAX_NAME_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

// ---------------------------------------------------------------------------
// Results

/// The seven results of RFC 7208 §2.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpfResult {
    Pass,
    Fail,
    SoftFail,
    Neutral,
    None,
    PermError,
    TempError,
}

impl SpfResult {
    pub fn as_str(self) -> &'static str {
        match self {
            SpfResult::Pass => "pass",
            SpfResult::Fail => "fail",
            SpfResult::SoftFail => "softfail",
            SpfResult::Neutral => "neutral",
            SpfResult::None => "none",
            SpfResult::PermError => "permerror",
            SpfResult::TempError => "temperror",
        }
    }

    /// Parse the lower-case name (`"softfail"`), as RFC 7208 spells it.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "pass" => SpfResult::Pass,
            "fail" => SpfResult::Fail,
            "softfail" => SpfResult::SoftFail,
            "neutral" => SpfResult::Neutral,
            "none" => SpfResult::None,
            "permerror" => SpfResult::PermError,
            "temperror" => SpfResult::TempError,
            _ => return None,
        })
    }
}

impl fmt::Display for SpfResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a record was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reach {
    /// The domain `check_host()` was asked about.
    Start,
    Include,
    Redirect,
}

/// One record looked up during the evaluation, in the order met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultedRecord {
    pub domain: String,
    pub reached_by: Reach,
    /// Nesting: 0 for the starting domain, +1 per include or redirect.
    pub depth: usize,
    /// The SPF record, or `None` when the domain had none (or several).
    pub record: Option<String>,
    /// The TXT lookup that found it.
    pub evidence: EvidenceId,
}

/// The term that decided the result, in the record of `domain`. For an
/// `include` that matched, `inner` is the term that passed inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchedTerm {
    pub domain: String,
    pub term: String,
    pub inner: Option<Box<MatchedTerm>>,
}

impl fmt::Display for MatchedTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` in the record of {}", self.term, self.domain)?;
        if let Some(inner) = &self.inner {
            write!(f, ", through {inner}")?;
        }
        Ok(())
    }
}

/// What `check_host()` concluded, and everything it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpfVerdict {
    pub result: SpfResult,
    /// The `exp=` explanation, when the result is fail and the deciding
    /// record has an `exp=` whose text could be fetched and expanded.
    pub explanation: Option<String>,
    /// The mechanism that matched; `None` for the default result (no term
    /// matched), none, permerror and temperror.
    pub matched: Option<MatchedTerm>,
    /// Why the result is none, neutral by default, permerror or temperror.
    pub reason: Option<String>,
    pub records: Vec<ConsultedRecord>,
    /// Every DNS question the evaluation used, in order, without repeats.
    pub evidence: Vec<EvidenceId>,
    /// DNS-querying terms evaluated (limit [`DNS_TERM_LIMIT`]).
    pub dns_terms: usize,
    /// Lookups that found nothing (limit [`VOID_LOOKUP_LIMIT`]).
    pub void_lookups: usize,
}

/// RFC 7208 §2.4: the identity checked for a `MAIL FROM`. An empty reverse
/// path stands for `postmaster@` the HELO name. Returns `(domain, sender)`.
pub fn mail_from_identity(mail_from: &str, helo: &str) -> (String, String) {
    let mail_from = mail_from.trim();
    if mail_from.is_empty() {
        return (helo.to_string(), format!("postmaster@{helo}"));
    }
    match mail_from.rsplit_once('@') {
        Some((local, domain)) => {
            let local = if local.is_empty() {
                "postmaster"
            } else {
                local
            };
            (domain.to_string(), format!("{local}@{domain}"))
        }
        None => (mail_from.to_string(), format!("postmaster@{mail_from}")),
    }
}

// ---------------------------------------------------------------------------
// Macro strings (§7)

/// A parsed macro string: a domain-spec, an unknown modifier's value or an
/// explanation text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroString {
    text: String,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(String),
    /// `%%`, `%_`, `%-`: a macro-expand that stands for fixed text.
    Escape(&'static str),
    Macro(Macro),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Macro {
    /// Lower case: s l o d i p h c r t v.
    letter: char,
    /// Upper-case letter: URL-escape the result (§7.3).
    url_escape: bool,
    /// Keep this many right-hand parts (a nonzero DIGIT transformer).
    keep: Option<usize>,
    reverse: bool,
    /// Split on these; empty means `.`.
    delimiters: String,
}

impl MacroString {
    /// The source text, as written in the record.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The text it stands for when it holds no macro (`%%`, `%_` and `%-`
    /// are fixed text); `None` when expanding it needs a message.
    pub fn literal(&self) -> Option<String> {
        let mut out = String::new();
        for t in &self.tokens {
            match t {
                Token::Literal(l) => out.push_str(l),
                Token::Escape(e) => out.push_str(e),
                Token::Macro(_) => return None,
            }
        }
        Some(out)
    }

    fn uses(&self, letter: char) -> bool {
        self.tokens
            .iter()
            .any(|t| matches!(t, Token::Macro(m) if m.letter == letter))
    }
}

/// Where a macro string stands, which decides what is allowed in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MacroPlace {
    /// A domain-spec: no spaces; `c`, `r`, `t` not allowed (§7.1).
    Domain,
    /// An unknown modifier's value: any macro letter, no spaces.
    Modifier,
    /// The text of an explanation TXT record: spaces and `c`, `r`, `t` allowed.
    Explanation,
}

fn parse_macro_string(text: &str, place: MacroPlace) -> Result<MacroString, SpfSyntax> {
    let mut tokens = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            let allowed =
                ('\x21'..='\x7e').contains(&c) || (c == ' ' && place == MacroPlace::Explanation);
            if !allowed {
                return Err(SpfSyntax::MacroCharacter { character: c });
            }
            literal.push(c);
            continue;
        }
        let token = match chars.next() {
            Some('%') => Token::Escape("%"),
            Some('_') => Token::Escape(" "),
            Some('-') => Token::Escape("%20"),
            Some('{') => Token::Macro(parse_macro_body(&mut chars, place)?),
            next => return Err(SpfSyntax::Percent { next }),
        };
        if !literal.is_empty() {
            tokens.push(Token::Literal(std::mem::take(&mut literal)));
        }
        tokens.push(token);
    }
    if !literal.is_empty() {
        tokens.push(Token::Literal(literal));
    }
    Ok(MacroString {
        text: text.to_string(),
        tokens,
    })
}

/// After `%{`: letter, transformers (*DIGIT ["r"]), delimiters, `}`.
fn parse_macro_body(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    place: MacroPlace,
) -> Result<Macro, SpfSyntax> {
    let raw = chars
        .next()
        .ok_or(SpfSyntax::MacroUnclosed { raw: String::new() })?;
    let letter = raw.to_ascii_lowercase();
    let allowed = match place {
        MacroPlace::Domain => "slodiphv",
        MacroPlace::Modifier | MacroPlace::Explanation => "slodiphvcrt",
    };
    if !raw.is_ascii_alphabetic() || !allowed.contains(letter) {
        return Err(SpfSyntax::MacroLetter {
            raw: raw.to_string(),
            explanation_only: "crt".contains(letter) && raw.is_ascii_alphabetic(),
        });
    }
    let mut digits = String::new();
    while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
        digits.push(d);
        chars.next();
    }
    let keep = if digits.is_empty() {
        None
    } else {
        // Too many digits to count means "all parts", like any number above the count.
        let n = digits.parse::<usize>().unwrap_or(usize::MAX);
        if n == 0 {
            return Err(SpfSyntax::MacroZeroParts {
                macro_text: format!("{raw}{digits}"),
            });
        }
        Some(n)
    };
    let mut reverse = false;
    if chars.peek().is_some_and(|c| c.eq_ignore_ascii_case(&'r')) {
        reverse = true;
        chars.next();
    }
    let mut delimiters = String::new();
    loop {
        match chars.next() {
            Some('}') => break,
            Some(d) if ".-+,/_=".contains(d) => delimiters.push(d),
            Some(other) => {
                return Err(SpfSyntax::MacroUnexpected {
                    raw: raw.to_string(),
                    character: other,
                });
            }
            None => {
                return Err(SpfSyntax::MacroUnclosed {
                    raw: raw.to_string(),
                });
            }
        }
    }
    Ok(Macro {
        letter,
        url_escape: raw.is_ascii_uppercase(),
        keep,
        reverse,
        delimiters,
    })
}

/// A domain-spec (§7.1): a macro string that ends in a macro or in
/// `.` toplabel (with an optional trailing dot).
fn parse_domain_spec(text: &str) -> Result<MacroString, SpfSyntax> {
    if text.is_empty() {
        return Err(SpfSyntax::EmptyDomain);
    }
    let spec = parse_macro_string(text, MacroPlace::Domain)?;
    match spec.tokens.last() {
        Some(Token::Literal(tail)) => {
            let tail = tail.strip_suffix('.').unwrap_or(tail);
            match tail.rfind('.') {
                Some(i) if is_toplabel(&tail[i + 1..]) => Ok(spec),
                _ => Err(SpfSyntax::DomainEnd {
                    domain: text.to_string(),
                }),
            }
        }
        _ => Ok(spec),
    }
}

/// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
fn is_toplabel(label: &str) -> bool {
    let b = label.as_bytes();
    if b.is_empty() || !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-') {
        return false;
    }
    if b.contains(&b'-') {
        b[0].is_ascii_alphanumeric() && b[b.len() - 1].is_ascii_alphanumeric()
    } else {
        b.iter().any(u8::is_ascii_alphabetic)
    }
}

/// The values macros expand to (§7.3).
#[derive(Debug, Clone)]
pub struct MacroEnv<'a> {
    /// `s`: the sender, `local@domain`.
    pub sender: &'a str,
    /// `l`
    pub local: &'a str,
    /// `o`
    pub sender_domain: &'a str,
    /// `d`: the domain whose record is being evaluated.
    pub domain: &'a str,
    /// `i`, `c`, `v` (IPv4-mapped IPv6 addresses already made IPv4).
    pub ip: IpAddr,
    /// `h`
    pub helo: &'a str,
    /// `p`: the validated name of `ip`, or `unknown`.
    pub validated: &'a str,
    /// `r`: the receiving host.
    pub receiver: &'a str,
    /// `t`: seconds since the epoch.
    pub now: u64,
}

fn expand(spec: &MacroString, env: &MacroEnv<'_>) -> String {
    let mut out = String::new();
    for token in &spec.tokens {
        match token {
            Token::Literal(s) => out.push_str(s),
            Token::Escape(s) => out.push_str(s),
            Token::Macro(m) => out.push_str(&expand_macro(m, env)),
        }
    }
    out
}

fn expand_macro(m: &Macro, env: &MacroEnv<'_>) -> String {
    let value = match m.letter {
        's' => env.sender.to_string(),
        'l' => env.local.to_string(),
        'o' => env.sender_domain.to_string(),
        'd' => env.domain.to_string(),
        'i' => dotted_ip(env.ip),
        'p' => env.validated.to_string(),
        'v' => match env.ip {
            IpAddr::V4(_) => "in-addr".into(),
            IpAddr::V6(_) => "ip6".into(),
        },
        'h' => env.helo.to_string(),
        'c' => env.ip.to_string(),
        'r' => env.receiver.to_string(),
        't' => env.now.to_string(),
        _ => String::new(),
    };
    let delimiters = if m.delimiters.is_empty() {
        "."
    } else {
        m.delimiters.as_str()
    };
    let mut parts: Vec<&str> = value.split(|c| delimiters.contains(c)).collect();
    if m.reverse {
        parts.reverse();
    }
    if let Some(keep) = m.keep
        && keep < parts.len()
    {
        parts.drain(..parts.len() - keep);
    }
    let joined = parts.join(".");
    if m.url_escape {
        url_escape(&joined)
    } else {
        joined
    }
}

/// §7.3: upper-case macros are URL-escaped; everything outside the
/// unreserved set (ALPHA DIGIT - . _ ~) becomes `%XX`.
fn url_escape(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `i`: dotted quad for IPv4; for IPv6, 32 dot-separated nibbles (upper
/// case, as in the RFC 7208 examples and the conformance suite).
fn dotted_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => nibbles(v6)
            .iter()
            .map(|n| format!("{n:X}"))
            .collect::<Vec<_>>()
            .join("."),
    }
}

fn nibbles(v6: Ipv6Addr) -> Vec<u8> {
    v6.octets().iter().flat_map(|b| [b >> 4, b & 0xf]).collect()
}

/// The reverse-lookup name of an address (`4.3.2.1.in-addr.arpa`).
pub fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let mut parts: Vec<String> = nibbles(v6).iter().map(|n| format!("{n:x}")).collect();
            parts.reverse();
            format!("{}.ip6.arpa", parts.join("."))
        }
    }
}

// ---------------------------------------------------------------------------
// Records (§4.5, §4.6, §5, §6)

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Qualifier {
    Pass,
    Fail,
    SoftFail,
    Neutral,
}

impl Qualifier {
    pub fn result(self) -> SpfResult {
        match self {
            Qualifier::Pass => SpfResult::Pass,
            Qualifier::Fail => SpfResult::Fail,
            Qualifier::SoftFail => SpfResult::SoftFail,
            Qualifier::Neutral => SpfResult::Neutral,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mechanism {
    All,
    Include(MacroString),
    A {
        domain: Option<MacroString>,
        cidr4: u8,
        cidr6: u8,
    },
    Mx {
        domain: Option<MacroString>,
        cidr4: u8,
        cidr6: u8,
    },
    Ptr(Option<MacroString>),
    Ip4 {
        addr: Ipv4Addr,
        len: u8,
    },
    Ip6 {
        addr: Ipv6Addr,
        len: u8,
    },
    Exists(MacroString),
}

impl Mechanism {
    /// §4.6.4: the terms that count against [`DNS_TERM_LIMIT`].
    pub fn queries_dns(&self) -> bool {
        matches!(
            self,
            Mechanism::Include(_)
                | Mechanism::A { .. }
                | Mechanism::Mx { .. }
                | Mechanism::Ptr(_)
                | Mechanism::Exists(_)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub qualifier: Qualifier,
    pub mechanism: Mechanism,
    /// The term as written.
    pub text: String,
}

/// A parsed `v=spf1` record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpfRecord {
    pub directives: Vec<Directive>,
    pub redirect: Option<MacroString>,
    pub exp: Option<MacroString>,
    /// Unknown modifiers: syntax-checked, otherwise ignored (§6).
    pub unknown_modifiers: Vec<(String, MacroString)>,
}

/// §4.5: a record is SPF when it starts with `v=spf1` (any case) followed
/// by a space or the end.
pub fn is_spf_record(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 6 && b[..6].eq_ignore_ascii_case(b"v=spf1") && (b.len() == 6 || b[6] == b' ')
}

/// Parse a whole record; any syntax error anywhere is an error (§4.6).
pub fn parse_record(text: &str) -> Result<SpfRecord, SpfSyntax> {
    if !is_spf_record(text) {
        return Err(SpfSyntax::NotSpf);
    }
    if let Some(c) = text.chars().find(|c| !(' '..='~').contains(c)) {
        return Err(SpfSyntax::Character { character: c });
    }
    let mut record = SpfRecord::default();
    for word in text[6..].split(' ').filter(|w| !w.is_empty()) {
        let in_term = |e| SpfSyntax::InTerm {
            term: word.to_string(),
            inner: Box::new(e),
        };
        match parse_term(word).map_err(in_term)? {
            Term::Directive(d) => record.directives.push(d),
            Term::Redirect(spec) => {
                if record.redirect.replace(spec).is_some() {
                    return Err(SpfSyntax::Twice {
                        modifier: "redirect".into(),
                    });
                }
            }
            Term::Exp(spec) => {
                if record.exp.replace(spec).is_some() {
                    return Err(SpfSyntax::Twice {
                        modifier: "exp".into(),
                    });
                }
            }
            Term::Unknown(name, value) => record.unknown_modifiers.push((name, value)),
        }
    }
    Ok(record)
}

enum Term {
    Directive(Directive),
    Redirect(MacroString),
    Exp(MacroString),
    Unknown(String, MacroString),
}

/// name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
fn is_modifier_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

fn parse_term(word: &str) -> Result<Term, SpfSyntax> {
    if let Some((name, value)) = word.split_once('=')
        && is_modifier_name(name)
    {
        return Ok(match name.to_ascii_lowercase().as_str() {
            "redirect" => Term::Redirect(parse_domain_spec(value)?),
            "exp" => Term::Exp(parse_domain_spec(value)?),
            _ => Term::Unknown(
                name.to_string(),
                parse_macro_string(value, MacroPlace::Modifier)?,
            ),
        });
    }
    let (qualifier, rest) = match word.as_bytes().first() {
        Some(b'+') => (Qualifier::Pass, &word[1..]),
        Some(b'-') => (Qualifier::Fail, &word[1..]),
        Some(b'~') => (Qualifier::SoftFail, &word[1..]),
        Some(b'?') => (Qualifier::Neutral, &word[1..]),
        _ => (Qualifier::Pass, word),
    };
    let split = rest.find([':', '/']).unwrap_or(rest.len());
    let (name, arg) = rest.split_at(split);
    let spec_after_colon = |what: &str| -> Result<MacroString, SpfSyntax> {
        match arg.strip_prefix(':') {
            Some(spec) => parse_domain_spec(spec),
            None => Err(SpfSyntax::NeedsDomain {
                mechanism: what.to_string(),
            }),
        }
    };
    let mechanism = match name.to_ascii_lowercase().as_str() {
        "all" if arg.is_empty() => Mechanism::All,
        "all" => return Err(SpfSyntax::AllArgument),
        "include" => Mechanism::Include(spec_after_colon("include")?),
        "exists" => Mechanism::Exists(spec_after_colon("exists")?),
        "ptr" if arg.is_empty() => Mechanism::Ptr(None),
        "ptr" => Mechanism::Ptr(Some(spec_after_colon("ptr")?)),
        "a" => {
            let (domain, cidr4, cidr6) = parse_host_arg(arg)?;
            Mechanism::A {
                domain,
                cidr4,
                cidr6,
            }
        }
        "mx" => {
            let (domain, cidr4, cidr6) = parse_host_arg(arg)?;
            Mechanism::Mx {
                domain,
                cidr4,
                cidr6,
            }
        }
        "ip4" => {
            let spec = arg.strip_prefix(':').ok_or(SpfSyntax::NeedsAddress {
                mechanism: "ip4".into(),
            })?;
            let (addr, len) = match spec.split_once('/') {
                Some((a, l)) => (a, cidr_length(l, 32)?),
                None => (spec, 32),
            };
            let addr = parse_ip4_strict(addr).ok_or_else(|| SpfSyntax::NotAnAddress {
                text: addr.to_string(),
                version: 4,
            })?;
            Mechanism::Ip4 { addr, len }
        }
        "ip6" => {
            let spec = arg.strip_prefix(':').ok_or(SpfSyntax::NeedsAddress {
                mechanism: "ip6".into(),
            })?;
            let (addr, len) = match spec.split_once('/') {
                Some((a, l)) => (a, cidr_length(l, 128)?),
                None => (spec, 128),
            };
            let addr: Ipv6Addr = addr.parse().map_err(|_| SpfSyntax::NotAnAddress {
                text: addr.to_string(),
                version: 6,
            })?;
            Mechanism::Ip6 { addr, len }
        }
        "" => return Err(SpfSyntax::NoMechanism),
        other => {
            return Err(SpfSyntax::UnknownMechanism {
                mechanism: other.to_string(),
            });
        }
    };
    Ok(Term::Directive(Directive {
        qualifier,
        mechanism,
        text: word.to_string(),
    }))
}

/// The argument of `a` / `mx`: `[":" domain-spec] [ip4-cidr] ["/" ip6-cidr]`.
fn parse_host_arg(arg: &str) -> Result<(Option<MacroString>, u8, u8), SpfSyntax> {
    let (mut body, mut cidr4, mut cidr6) = (arg, None, None);
    if let Some((head, digits)) = trailing_cidr(body) {
        match head.strip_suffix('/') {
            Some(before) => {
                cidr6 = Some(cidr_length(digits, 128)?);
                body = before;
                if let Some((head4, digits4)) = trailing_cidr(body)
                    && !head4.ends_with('/')
                {
                    cidr4 = Some(cidr_length(digits4, 32)?);
                    body = head4;
                }
            }
            None => {
                cidr4 = Some(cidr_length(digits, 32)?);
                body = head;
            }
        }
    }
    let domain = if body.is_empty() {
        None
    } else if let Some(spec) = body.strip_prefix(':') {
        Some(parse_domain_spec(spec)?)
    } else {
        return Err(SpfSyntax::Unexpected {
            text: body.to_string(),
        });
    };
    Ok((domain, cidr4.unwrap_or(32), cidr6.unwrap_or(128)))
}

/// `text` ends in `/` DIGITS: the text before that slash, and the digits.
fn trailing_cidr(text: &str) -> Option<(&str, &str)> {
    let digits_from = text.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits_from == text.len() {
        return None;
    }
    let head = text[..digits_from].strip_suffix('/')?;
    Some((head, &text[digits_from..]))
}

/// A prefix length: decimal, no leading zero, at most `max`.
fn cidr_length(text: &str, max: u8) -> Result<u8, SpfSyntax> {
    let valid = !text.is_empty()
        && text.len() <= 3
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    match text.parse::<u8>() {
        Ok(n) if valid && n <= max => Ok(n),
        _ => Err(SpfSyntax::PrefixLength {
            text: text.to_string(),
            max,
        }),
    }
}

/// ip4-network: four decimal octets, no leading zeros.
fn parse_ip4_strict(text: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty()
            || p.len() > 3
            || !p.bytes().all(|b| b.is_ascii_digit())
            || (p.len() > 1 && p.starts_with('0'))
        {
            return None;
        }
        octets[i] = p.parse().ok()?;
    }
    Some(Ipv4Addr::from(octets))
}

// ---------------------------------------------------------------------------
// Names

/// §4.3: the domain `check_host()` starts from (and each include or
/// redirect target) must be a multi-label name with sane labels and a valid
/// top label; otherwise the result is none.
fn valid_check_domain(domain: &str) -> bool {
    let d = domain.strip_suffix('.').unwrap_or(domain);
    let labels: Vec<&str> = d.split('.').collect();
    d.len() <= MAX_NAME_LEN
        && labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.len() <= MAX_LABEL_LEN)
        && labels.last().is_some_and(|l| is_toplabel(l))
}

/// §7.3 and §4.8: an expanded target made fit for a DNS query — trailing dot
/// dropped, labels removed from the left while longer than 253 characters.
/// `None` when no query can be made from it (an empty or over-long label).
fn dns_target(expanded: &str) -> Option<String> {
    let mut name = expanded.strip_suffix('.').unwrap_or(expanded);
    while name.len() > MAX_NAME_LEN {
        name = &name[name.find('.')? + 1..];
    }
    if name.is_empty()
        || name
            .split('.')
            .any(|l| l.is_empty() || l.len() > MAX_LABEL_LEN)
    {
        return None;
    }
    Some(name.to_string())
}

fn same_or_subdomain(name: &str, domain: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    name == domain || name.ends_with(&format!(".{domain}"))
}

fn in_network(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// §5: an IPv4-mapped IPv6 address is an IPv4 address.
fn normalise(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

// ---------------------------------------------------------------------------
// Evaluation

/// Why evaluation stopped early.
enum Stop {
    Perm(String),
    Temp(String),
}

type Step<T> = Result<T, Stop>;

/// The outcome of one record's evaluation (pass … none); errors are `Stop`.
struct Eval {
    result: SpfResult,
    matched: Option<MatchedTerm>,
    /// The `exp=` of the record that failed, with that record's domain.
    exp: Option<(MacroString, String)>,
    reason: Option<String>,
}

impl Eval {
    fn none(reason: String) -> Self {
        Eval {
            result: SpfResult::None,
            matched: None,
            exp: None,
            reason: Some(reason),
        }
    }
}

enum Match {
    No,
    Yes(Option<MatchedTerm>),
}

struct Ctx<'a, L: Lookup> {
    dns: &'a mut L,
    log: &'a mut EvidenceLog,
    ip: IpAddr,
    sender: String,
    local: String,
    sender_domain: String,
    helo: String,
    receiver: String,
    now: u64,
    dns_terms: usize,
    void_lookups: usize,
    evidence: Vec<EvidenceId>,
    records: Vec<ConsultedRecord>,
}

/// RFC 7208 §4: evaluate `domain`'s SPF policy for a message from `ip`
/// whose identity is `sender` (`local@domain`; for a HELO check
/// `postmaster@helo`). `helo` feeds the `%{h}` macro (`unknown` when not
/// given). Never fails: DNS trouble is a temperror, bad records a permerror.
pub async fn check_host<L: Lookup>(
    dns: &mut L,
    log: &mut EvidenceLog,
    ip: IpAddr,
    domain: &str,
    sender: &str,
    helo: Option<&str>,
) -> SpfVerdict {
    let (local, sender_domain) = match sender.rsplit_once('@') {
        Some((l, d)) => (if l.is_empty() { "postmaster" } else { l }, d),
        None if sender.is_empty() => ("postmaster", domain),
        None => ("postmaster", sender),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut ctx = Ctx {
        dns,
        log,
        ip: normalise(ip),
        sender: format!("{local}@{sender_domain}"),
        local: local.to_string(),
        sender_domain: sender_domain.to_string(),
        helo: helo.unwrap_or("unknown").to_string(),
        receiver: "unknown".to_string(),
        now,
        dns_terms: 0,
        void_lookups: 0,
        evidence: Vec::new(),
        records: Vec::new(),
    };
    let domain = domain.strip_suffix('.').unwrap_or(domain).to_string();
    let (result, matched, reason, explanation) = match ctx
        .check_domain(domain, Reach::Start, 0)
        .await
    {
        Ok(eval) => {
            let explanation = match eval.exp {
                Some((spec, at)) if eval.result == SpfResult::Fail => ctx.explain(&spec, &at).await,
                _ => None,
            };
            (eval.result, eval.matched, eval.reason, explanation)
        }
        Err(Stop::Perm(why)) => (SpfResult::PermError, None, Some(why), None),
        Err(Stop::Temp(why)) => (SpfResult::TempError, None, Some(why), None),
    };
    SpfVerdict {
        result,
        explanation,
        matched,
        reason,
        records: ctx.records,
        evidence: ctx.evidence,
        dns_terms: ctx.dns_terms,
        void_lookups: ctx.void_lookups,
    }
}

type BoxStep<'s, T> = Pin<Box<dyn std::future::Future<Output = Step<T>> + Send + 's>>;

impl<L: Lookup> Ctx<'_, L> {
    async fn query(&mut self, name: &str, rtype: RecordType) -> QueryResult {
        let answer = self.dns.query(self.log, name, rtype).await;
        if !self.evidence.contains(&answer.evidence) {
            self.evidence.push(answer.evidence);
        }
        answer
    }

    fn count_term(&mut self, domain: &str, term: &str) -> Step<()> {
        self.dns_terms += 1;
        if self.dns_terms > DNS_TERM_LIMIT {
            return Err(Stop::Perm(format!(
                "more than {DNS_TERM_LIMIT} terms that query DNS (RFC 7208 §4.6.4); \
                 number {} is `{term}` in the record of {domain}",
                self.dns_terms
            )));
        }
        Ok(())
    }

    fn count_void(&mut self, name: &str, rtype: RecordType) -> Step<()> {
        self.void_lookups += 1;
        if self.void_lookups > VOID_LOOKUP_LIMIT {
            return Err(Stop::Perm(format!(
                "more than {VOID_LOOKUP_LIMIT} lookups found nothing (RFC 7208 §4.6.4); \
                 the last was {name} {rtype}"
            )));
        }
        Ok(())
    }

    fn env<'e>(&'e self, domain: &'e str, validated: &'e str) -> MacroEnv<'e> {
        MacroEnv {
            sender: &self.sender,
            local: &self.local,
            sender_domain: &self.sender_domain,
            domain,
            ip: self.ip,
            helo: &self.helo,
            validated,
            receiver: &self.receiver,
            now: self.now,
        }
    }

    async fn expand(&mut self, spec: &MacroString, domain: &str) -> String {
        let validated = if spec.uses('p') {
            self.validated_name(domain).await
        } else {
            String::new()
        };
        expand(spec, &self.env(domain, &validated))
    }

    fn address_type(&self) -> RecordType {
        match self.ip {
            IpAddr::V4(_) => RecordType::A,
            IpAddr::V6(_) => RecordType::Aaaa,
        }
    }

    /// Addresses of `name` (`rtype` A or AAAA). A DNS failure stops the
    /// evaluation with temperror (§5); no records count as a void lookup
    /// when `count_void`.
    async fn addresses(
        &mut self,
        name: &str,
        rtype: RecordType,
        count_void: bool,
    ) -> Step<Vec<IpAddr>> {
        let answer = self.query(name, rtype).await;
        if answer.outcome.is_failure() {
            return Err(Stop::Temp(format!(
                "{name} {rtype}: {}",
                answer.outcome.label()
            )));
        }
        let found: Vec<IpAddr> = addresses_in(&answer.records, rtype);
        if found.is_empty() && count_void {
            self.count_void(name, rtype)?;
        }
        Ok(found)
    }

    /// The first [`PTR_LIMIT`] names the reverse zone gives for the client
    /// address; a DNS failure yields none (§5.5). The flag says whether the
    /// lookup was void.
    async fn ptr_names(&mut self) -> (Vec<String>, bool) {
        let answer = self.query(&reverse_name(self.ip), RecordType::Ptr).await;
        let names: Vec<String> = answer
            .records
            .iter()
            .filter_map(|r| match r {
                RecordData::Ptr(name) => Some(name.clone()),
                _ => None,
            })
            .take(PTR_LIMIT)
            .collect();
        let void = names.is_empty() && !answer.outcome.is_failure();
        (names, void)
    }

    /// §5.5: does `name` resolve back to the client address? DNS errors make
    /// the name not validated (skipped), never an error.
    async fn validates(&mut self, name: &str) -> bool {
        let Some(target) = dns_target(name) else {
            return false;
        };
        let rtype = self.address_type();
        let answer = self.query(&target, rtype).await;
        addresses_in(&answer.records, rtype).contains(&self.ip)
    }

    /// `%{p}` (§7.3): a validated name of the client, preferring `domain` or
    /// one of its subdomains; `unknown` when there is none.
    async fn validated_name(&mut self, domain: &str) -> String {
        let (names, _) = self.ptr_names().await;
        let mut validated = Vec::new();
        for name in names {
            if self.validates(&name).await {
                validated.push(name);
            }
        }
        validated
            .iter()
            .find(|n| same_or_subdomain(n, domain))
            .or(validated.first())
            .cloned()
            .unwrap_or_else(|| "unknown".to_string())
    }

    /// Expand a mechanism's target (or take the current domain).
    async fn target(&mut self, spec: Option<&MacroString>, domain: &str) -> Option<String> {
        match spec {
            None => dns_target(domain),
            Some(spec) => {
                let expanded = self.expand(spec, domain).await;
                dns_target(&expanded)
            }
        }
    }

    fn check_domain<'s>(
        &'s mut self,
        domain: String,
        reach: Reach,
        depth: usize,
    ) -> BoxStep<'s, Eval> {
        Box::pin(async move {
            if !valid_check_domain(&domain) {
                return Ok(Eval::none(format!(
                    "`{domain}` is not a valid domain name (RFC 7208 §4.3)"
                )));
            }
            let answer = self.query(&domain, RecordType::Txt).await;
            if answer.outcome.is_failure() {
                return Err(Stop::Temp(format!(
                    "TXT lookup of {domain}: {}",
                    answer.outcome.label()
                )));
            }
            let spf: Vec<String> = answer
                .txt()
                .filter(|t| is_spf_record(t))
                .map(str::to_string)
                .collect();
            let consulted = |record: Option<String>| ConsultedRecord {
                domain: domain.clone(),
                reached_by: reach,
                depth,
                record,
                evidence: answer.evidence,
            };
            let text = match spf.as_slice() {
                [] => {
                    self.records.push(consulted(None));
                    let how = match answer.outcome {
                        DnsOutcome::Answer => "no TXT record starting with v=spf1".to_string(),
                        other => other.label(),
                    };
                    return Ok(Eval::none(format!("{domain} has no SPF record ({how})")));
                }
                [one] => one.clone(),
                many => {
                    self.records.push(consulted(None));
                    return Err(Stop::Perm(format!(
                        "{domain} has {} SPF records; there must be one (RFC 7208 §4.5)",
                        many.len()
                    )));
                }
            };
            self.records.push(consulted(Some(text.clone())));
            let record = parse_record(&text)
                .map_err(|e| Stop::Perm(format!("the SPF record of {domain}: {e}")))?;

            for directive in &record.directives {
                if directive.mechanism.queries_dns() {
                    self.count_term(&domain, &directive.text)?;
                }
                let Match::Yes(inner) = self.matches(&directive.mechanism, &domain, depth).await?
                else {
                    continue;
                };
                let result = directive.qualifier.result();
                let exp = match (&record.exp, result) {
                    (Some(spec), SpfResult::Fail) => Some((spec.clone(), domain.clone())),
                    _ => None,
                };
                return Ok(Eval {
                    result,
                    matched: Some(MatchedTerm {
                        domain: domain.clone(),
                        term: directive.text.clone(),
                        inner: inner.map(Box::new),
                    }),
                    exp,
                    reason: None,
                });
            }

            if let Some(spec) = &record.redirect {
                let term = format!("redirect={}", spec.as_str());
                self.count_term(&domain, &term)?;
                let expanded = self.expand(spec, &domain).await;
                let Some(target) = dns_target(&expanded).filter(|t| valid_check_domain(t)) else {
                    return Err(Stop::Perm(format!(
                        "`{term}` in the record of {domain} names `{expanded}`, not a valid domain (RFC 7208 §6.1)"
                    )));
                };
                let inner = self
                    .check_domain(target.clone(), Reach::Redirect, depth + 1)
                    .await?;
                if inner.result == SpfResult::None {
                    return Err(Stop::Perm(format!(
                        "`{term}` in the record of {domain}: {} (RFC 7208 §6.1)",
                        inner
                            .reason
                            .unwrap_or_else(|| format!("{target} has no SPF record"))
                    )));
                }
                return Ok(inner);
            }

            Ok(Eval {
                result: SpfResult::Neutral,
                matched: None,
                exp: None,
                reason: Some(format!(
                    "no term in the record of {domain} matched; the default result is neutral (RFC 7208 §4.7)"
                )),
            })
        })
    }

    fn matches<'s>(
        &'s mut self,
        mechanism: &'s Mechanism,
        domain: &'s str,
        depth: usize,
    ) -> BoxStep<'s, Match> {
        Box::pin(async move {
            let yes = |hit: bool| if hit { Match::Yes(None) } else { Match::No };
            match mechanism {
                Mechanism::All => Ok(Match::Yes(None)),
                Mechanism::Ip4 { addr, len } => {
                    Ok(yes(in_network(self.ip, IpAddr::V4(*addr), *len)))
                }
                Mechanism::Ip6 { addr, len } => {
                    Ok(yes(in_network(self.ip, IpAddr::V6(*addr), *len)))
                }
                Mechanism::A {
                    domain: spec,
                    cidr4,
                    cidr6,
                } => {
                    let Some(target) = self.target(spec.as_ref(), domain).await else {
                        return Ok(Match::No);
                    };
                    let rtype = self.address_type();
                    let len = if rtype == RecordType::A {
                        *cidr4
                    } else {
                        *cidr6
                    };
                    let found = self.addresses(&target, rtype, true).await?;
                    Ok(yes(found.iter().any(|a| in_network(self.ip, *a, len))))
                }
                Mechanism::Mx {
                    domain: spec,
                    cidr4,
                    cidr6,
                } => {
                    let Some(target) = self.target(spec.as_ref(), domain).await else {
                        return Ok(Match::No);
                    };
                    let answer = self.query(&target, RecordType::Mx).await;
                    if answer.outcome.is_failure() {
                        return Err(Stop::Temp(format!(
                            "{target} MX: {}",
                            answer.outcome.label()
                        )));
                    }
                    let mut exchangers: Vec<(u16, String)> = answer
                        .records
                        .iter()
                        .filter_map(|r| match r {
                            RecordData::Mx {
                                preference,
                                exchange,
                            } => Some((*preference, exchange.clone())),
                            _ => None,
                        })
                        .collect();
                    if exchangers.is_empty() {
                        self.count_void(&target, RecordType::Mx)?;
                        return Ok(Match::No);
                    }
                    if exchangers.len() > MX_LIMIT {
                        return Err(Stop::Perm(format!(
                            "{target} has {} MX records; an `mx` term may look at {MX_LIMIT} (RFC 7208 §4.6.4)",
                            exchangers.len()
                        )));
                    }
                    exchangers.sort();
                    let rtype = self.address_type();
                    let len = if rtype == RecordType::A {
                        *cidr4
                    } else {
                        *cidr6
                    };
                    for (_, host) in exchangers {
                        // A null MX (`0 .`) names no host.
                        let Some(host) = dns_target(&host) else {
                            continue;
                        };
                        let found = self.addresses(&host, rtype, false).await?;
                        if found.iter().any(|a| in_network(self.ip, *a, len)) {
                            return Ok(Match::Yes(None));
                        }
                    }
                    Ok(Match::No)
                }
                Mechanism::Ptr(spec) => {
                    let target = match spec {
                        None => domain.to_string(),
                        Some(spec) => self.expand(spec, domain).await,
                    };
                    let (names, void) = self.ptr_names().await;
                    if void {
                        self.count_void(&reverse_name(self.ip), RecordType::Ptr)?;
                    }
                    for name in names {
                        if same_or_subdomain(&name, &target) && self.validates(&name).await {
                            return Ok(Match::Yes(None));
                        }
                    }
                    Ok(Match::No)
                }
                Mechanism::Exists(spec) => {
                    let Some(target) = self.target(Some(spec), domain).await else {
                        return Ok(Match::No);
                    };
                    let found = self.addresses(&target, RecordType::A, true).await?;
                    Ok(yes(!found.is_empty()))
                }
                Mechanism::Include(spec) => {
                    let expanded = self.expand(spec, domain).await;
                    let Some(target) = dns_target(&expanded) else {
                        return Err(Stop::Perm(format!(
                            "`include:{}` in the record of {domain} names `{expanded}`, not a valid domain",
                            spec.as_str()
                        )));
                    };
                    let inner = self
                        .check_domain(target.clone(), Reach::Include, depth + 1)
                        .await?;
                    match inner.result {
                        SpfResult::Pass => Ok(Match::Yes(inner.matched)),
                        SpfResult::None => Err(Stop::Perm(format!(
                            "`include:{}` in the record of {domain}: {} (RFC 7208 §5.2)",
                            spec.as_str(),
                            inner
                                .reason
                                .unwrap_or_else(|| format!("{target} has no SPF record"))
                        ))),
                        _ => Ok(Match::No),
                    }
                }
            }
        })
    }

    /// §6.2: the explanation for a fail. Any trouble (bad name, DNS error,
    /// not exactly one TXT record, non-ASCII or bad macro syntax) means no
    /// explanation; exp lookups do not count against the limits.
    async fn explain(&mut self, spec: &MacroString, domain: &str) -> Option<String> {
        let expanded = self.expand(spec, domain).await;
        let target = dns_target(&expanded)?;
        let answer = self.query(&target, RecordType::Txt).await;
        if answer.outcome != DnsOutcome::Answer {
            return None;
        }
        let texts: Vec<&str> = answer.txt().collect();
        let [text] = texts.as_slice() else {
            return None;
        };
        let text = parse_macro_string(text, MacroPlace::Explanation).ok()?;
        Some(self.expand(&text, domain).await)
    }
}

fn addresses_in(records: &[RecordData], rtype: RecordType) -> Vec<IpAddr> {
    records
        .iter()
        .filter_map(|r| match (r, rtype) {
            (RecordData::A(a), RecordType::A) => Some(IpAddr::V4(*a)),
            (RecordData::Aaaa(a), RecordType::Aaaa) => Some(IpAddr::V6(*a)),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(ip: &str, validated: &'a str) -> MacroEnv<'a> {
        MacroEnv {
            sender: "strong-bad@email.example.com",
            local: "strong-bad",
            sender_domain: "email.example.com",
            domain: "email.example.com",
            ip: ip.parse().unwrap(),
            helo: "mx.example.org",
            validated,
            receiver: "example.net",
            now: 1_400_000_000,
        }
    }

    fn domain_expand(spec: &str, ip: &str) -> String {
        let spec = parse_domain_spec(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
        expand(&spec, &env(ip, "mx.example.org"))
    }

    #[test]
    fn rfc_7208_section_7_4_examples() {
        let v4 = "192.0.2.3";
        for (spec, want) in [
            ("%{s}", "strong-bad@email.example.com"),
            ("%{o}", "email.example.com"),
            ("%{d}", "email.example.com"),
            ("%{d4}", "email.example.com"),
            ("%{d3}", "email.example.com"),
            ("%{d2}", "example.com"),
            ("%{d1}", "com"),
            ("%{dr}", "com.example.email"),
            ("%{d2r}", "example.email"),
            ("%{l}", "strong-bad"),
            ("%{l-}", "strong.bad"),
            ("%{lr}", "strong-bad"),
            ("%{lr-}", "bad.strong"),
            ("%{l1r-}", "strong"),
            ("%{p2}", "example.org"),
            (
                "%{ir}.%{v}._spf.%{d2}",
                "3.2.0.192.in-addr._spf.example.com",
            ),
            ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
            (
                "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
                "bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
            ),
            (
                "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
                "3.2.0.192.in-addr.strong.lp._spf.example.com",
            ),
            (
                "%{d2}.trusted-domains.example.net",
                "example.com.trusted-domains.example.net",
            ),
        ] {
            assert_eq!(domain_expand(spec, v4), want, "{spec}");
        }
        assert_eq!(
            domain_expand("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01"),
            "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com"
        );
    }

    #[test]
    fn explanation_only_letters_and_escapes() {
        let text = parse_macro_string(
            "%{c} via %{r} at %{t}: %{i} is %{v}; 100%% sure%_%-",
            MacroPlace::Explanation,
        )
        .unwrap();
        assert_eq!(
            expand(&text, &env("2001:db8::cb01", "")),
            "2001:db8::cb01 via example.net at 1400000000: 2.0.0.1.0.D.B.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.C.B.0.1 is ip6; 100% sure %20"
        );
        // c, r and t belong to explanations only.
        for spec in ["%{c}.example.com", "%{r}.example.com", "%{t}.example.com"] {
            assert!(parse_domain_spec(spec).is_err(), "{spec}");
        }
    }

    #[test]
    fn upper_case_macros_are_url_escaped() {
        let spec = parse_macro_string("%{L}/%{S}", MacroPlace::Explanation).unwrap();
        let mut e = env("192.0.2.3", "");
        e.local = "~jack&jill=up-a_b3.c";
        e.sender = "a b@x.example";
        assert_eq!(
            expand(&spec, &e),
            "~jack%26jill%3Dup-a_b3.c/a%20b%40x.example"
        );
    }

    #[test]
    fn transformers_and_delimiters() {
        let mut e = env("192.0.2.3", "");
        e.local = "foo-bar+zip+quux";
        let spec = parse_domain_spec("%{l2r+-}.user.%{d2}").unwrap();
        assert_eq!(expand(&spec, &e), "bar.foo.user.example.com");
        let spec = parse_domain_spec("%{l100}.x.example").unwrap();
        assert_eq!(expand(&spec, &e), "foo-bar+zip+quux.x.example");
        let spec = parse_domain_spec("%{l99999999999999999999999r-}.x.example").unwrap();
        assert_eq!(expand(&spec, &e), "bar+zip+quux.foo.x.example");
    }

    #[test]
    fn macro_syntax_errors() {
        for bad in [
            "%",
            "a%",
            "%x.example.com",
            "%(ir).example.com",
            "%{",
            "%{d",
            "%{d2",
            "%{}",
            "%{a}.example.com",
            "%{d0}.example.com",
            "%{d00}.example.com",
            "%{dx}.example.com",
            "%{d2r!}.example.com",
            "%{1}.example.com",
            "foo%.sbl.example.com",
        ] {
            assert!(parse_domain_spec(bad).is_err(), "{bad} should be an error");
        }
        assert!(parse_macro_string("caf\u{e9}", MacroPlace::Explanation).is_err());
        assert!(parse_macro_string("tab\there", MacroPlace::Explanation).is_err());
        assert!(parse_macro_string("two words", MacroPlace::Modifier).is_err());
        assert!(parse_macro_string("two words", MacroPlace::Explanation).is_ok());
    }

    #[test]
    fn domain_spec_must_end_in_macro_or_toplabel() {
        for good in [
            "example.com",
            "example.com.",
            "foo.example.xn--zckzah",
            "foo:bar/baz.example.com",
            "%{d}",
            "%{d}.example.com",
            "mail.example...com",
            "%%",
            "x.1-2",
        ] {
            assert!(parse_domain_spec(good).is_ok(), "{good} should parse");
        }
        for bad in [
            "",
            "foo-bar",
            "museum",
            "museum.",
            "abc.123",
            "111.222.33.44",
            "example.com:8080",
            "example.-com",
            "example.com-",
            "%{d}com",
            "foo.example.com/24",
            "-all",
        ] {
            assert!(parse_domain_spec(bad).is_err(), "{bad} should be an error");
        }
    }

    fn one(term: &str) -> Result<Directive, SpfSyntax> {
        let record = parse_record(&format!("v=spf1 {term}"))?;
        Ok(record.directives.into_iter().next().expect("a directive"))
    }

    #[test]
    fn dual_cidr_lengths() {
        let host = |term: &str| match one(term).map(|d| d.mechanism) {
            Ok(Mechanism::A {
                domain,
                cidr4,
                cidr6,
            })
            | Ok(Mechanism::Mx {
                domain,
                cidr4,
                cidr6,
            }) => Ok((domain.map(|d| d.as_str().to_string()), cidr4, cidr6)),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e),
        };
        assert_eq!(host("a"), Ok((None, 32, 128)));
        assert_eq!(host("a/24"), Ok((None, 24, 128)));
        assert_eq!(host("a//64"), Ok((None, 32, 64)));
        assert_eq!(host("a/24//64"), Ok((None, 24, 64)));
        assert_eq!(host("mx/0"), Ok((None, 0, 128)));
        assert_eq!(
            host("a:foo.example.com/24//0"),
            Ok((Some("foo.example.com".into()), 24, 0))
        );
        assert_eq!(
            host("mx:foo:bar/baz.example.com"),
            Ok((Some("foo:bar/baz.example.com".into()), 32, 128))
        );
        for bad in [
            "a/33",
            "a//129",
            "a/24/64",
            "a/032",
            "a/",
            "a:",
            "a:/24",
            "mx:",
            "a:foo/bar",
            "a24",
        ] {
            assert!(host(bad).is_err(), "{bad} should be an error");
        }
    }

    #[test]
    fn ip_networks_are_strict() {
        assert_eq!(
            one("ip4:192.0.2.0/24").unwrap().mechanism,
            Mechanism::Ip4 {
                addr: Ipv4Addr::new(192, 0, 2, 0),
                len: 24
            }
        );
        assert_eq!(
            one("-ip6:::1.1.1.1/0").unwrap().mechanism,
            Mechanism::Ip6 {
                addr: "::1.1.1.1".parse().unwrap(),
                len: 0
            }
        );
        for bad in [
            "ip4",
            "ip4:",
            "ip4:1.2.3",
            "ip4:1.2.3.4:8080",
            "ip4:1.2.3.4//32",
            "ip4:1.2.3.4/33",
            "ip4:1.2.3.4/032",
            "ip4:01.2.3.4",
            "ip4:256.2.3.4",
            "ip4:1.2.3.4/",
            "ip6",
            "ip6::CAFE::BABE",
            "ip6:::1.1.1.1/129",
            "ip6:::1.1.1.1//33",
            "ip6:1.2.3.4",
        ] {
            assert!(one(bad).is_err(), "{bad} should be an error");
        }
    }

    #[test]
    fn terms_and_modifiers() {
        let r = parse_record("V=SpF1  ~all  moo.cow-far_out=man:dog/cat exp=x.%{d} ").unwrap();
        assert_eq!(r.directives.len(), 1);
        assert_eq!(r.directives[0].qualifier, Qualifier::SoftFail);
        assert_eq!(r.unknown_modifiers.len(), 1);
        assert_eq!(r.exp.as_ref().map(MacroString::as_str), Some("x.%{d}"));
        assert!(parse_record("v=spf1").unwrap().directives.is_empty());
        let quals: Vec<Qualifier> = parse_record("v=spf1 +a -mx ~ptr ?exists:%{i}.x.example all")
            .unwrap()
            .directives
            .iter()
            .map(|d| d.qualifier)
            .collect();
        assert_eq!(
            quals,
            [
                Qualifier::Pass,
                Qualifier::Fail,
                Qualifier::SoftFail,
                Qualifier::Neutral,
                Qualifier::Pass
            ]
        );
        for bad in [
            "v=spf1 ip4:1.2.3.4 -all moo",
            "v=spf1 moo.cow/far_out=man:dog/cat",
            "v=spf1 moo.cow:far_out=man:dog/cat",
            "v=spf1 redirect:t2.example.com",
            "v=spf1 1up=foo",
            "v=spf1 =all",
            "v=spf1 -all.",
            "v=spf1 -all:foobar",
            "v=spf1 -all/8",
            "v=spf1 ptr/0",
            "v=spf1 ptr:",
            "v=spf1 include",
            "v=spf1 include:",
            "v=spf1 include:ip5.example.com/24",
            "v=spf1 exists",
            "v=spf1 exists:mail.example.com/24",
            "v=spf1 exp= -all",
            "v=spf1 exp=-all",
            "v=spf1 ?all redirect=",
            "v=spf1 redirect=a.example redirect=b.example",
            "v=spf1 exp=a.example exp=b.example",
            "v=spf1 -all foo=%abc",
            "v=spf1 a:ctrl.example.com\rptr -all",
            "v=spf1 a:foo.example.com\0",
            "v=spf1 \u{80}a:example.net -all",
            "v=spf1 -",
        ] {
            assert!(parse_record(bad).is_err(), "{bad:?} should be an error");
        }
    }

    #[test]
    fn selecting_spf_records() {
        assert!(is_spf_record("v=spf1"));
        assert!(is_spf_record("v=spf1 -all"));
        assert!(is_spf_record("V=Spf1 -all"));
        assert!(!is_spf_record("v=spf10"));
        assert!(!is_spf_record("v=spf1mx"));
        assert!(!is_spf_record(" v=spf1 -all"));
        assert!(!is_spf_record("\u{96}"));
        assert!(!is_spf_record(""));
    }

    #[test]
    fn names() {
        assert!(valid_check_domain("example.com"));
        assert!(valid_check_domain("example.com."));
        for bad in [
            "A2345678",
            "[1.2.3.5]",
            "a...example.com",
            "example.123",
            "",
            ".",
        ] {
            assert!(!valid_check_domain(bad), "{bad}");
        }
        let long_label = format!("{}.example.com", "a".repeat(64));
        assert!(!valid_check_domain(&long_label));
        assert_eq!(dns_target(&long_label), None);
        assert_eq!(dns_target("mail.example...com"), None);
        assert_eq!(dns_target("example.com."), Some("example.com".into()));
        let o = "somewhat.long.exp.example.com";
        let long = format!("foobar.{}example.com", format!("{o}.").repeat(8));
        let cut = dns_target(&long).unwrap();
        assert_eq!(cut, format!("{}example.com", format!("{o}.").repeat(8)));
        assert!(cut.len() <= MAX_NAME_LEN);
        assert!(same_or_subdomain("mail.Example.com", "example.COM."));
        assert!(same_or_subdomain("example.com", "example.com"));
        assert!(!same_or_subdomain("badexample.com", "example.com"));
    }

    #[test]
    fn addresses_and_identities() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(in_network(ip("1.2.3.4"), ip("1.2.3.0"), 24));
        assert!(in_network(ip("1.2.3.4"), ip("9.9.9.9"), 0));
        assert!(!in_network(ip("1.2.3.4"), ip("1.2.3.5"), 32));
        assert!(!in_network(ip("1.2.3.4"), ip("::"), 0));
        assert!(in_network(
            ip("cafe:babe:8000::1"),
            ip("cafe:babe:8000::"),
            33
        ));
        assert!(!in_network(ip("cafe:babe::1"), ip("cafe:babe:8000::"), 33));
        assert_eq!(normalise(ip("::ffff:1.2.3.4")), ip("1.2.3.4"));
        assert_eq!(normalise(ip("::1.2.3.4")), ip("::1.2.3.4"));
        assert_eq!(reverse_name(ip("192.0.2.3")), "3.2.0.192.in-addr.arpa");
        assert_eq!(
            reverse_name(ip("2001:db8::1")),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        );
        assert_eq!(
            mail_from_identity("a@example.com", "mx.example.org"),
            ("example.com".into(), "a@example.com".into())
        );
        assert_eq!(
            mail_from_identity("", "mx.example.org"),
            ("mx.example.org".into(), "postmaster@mx.example.org".into())
        );
        assert_eq!(
            mail_from_identity("@example.net", "h"),
            ("example.net".into(), "postmaster@example.net".into())
        );
        assert_eq!(
            mail_from_identity("Macro Error@e8.example.com", "h"),
            ("e8.example.com".into(), "Macro Error@e8.example.com".into())
        );
        assert_eq!(SpfResult::from_name("SoftFail"), Some(SpfResult::SoftFail));
        assert_eq!(SpfResult::TempError.to_string(), "temperror");
    }
}
