//! SPF (RFC 7208): who may send mail as the domain.
//!
//! The map needs the *tree* of an SPF record — which include led to which
//! network, with the DNS answer behind every step — not only a pass/fail
//! verdict. Evaluating crates such as `mail-auth` answer `check_host()` but
//! do not hand back that tree with per-term provenance, so the term parser
//! here is our own and deliberately small: it reads the mechanisms that
//! name senders (`include`, `redirect`, `a`, `mx`, `ip4`, `ip6`) and keeps
//! the rest as text.

use std::net::IpAddr;

use hickory_resolver::proto::rr::RecordType;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::dns::DnsClient;
use crate::evidence::{EvidenceId, EvidenceLog};

/// RFC 7208 §4.6.4: at most 10 terms that cause DNS queries.
pub const RFC_LOOKUP_LIMIT: usize = 10;
/// How far the map follows beyond the RFC limit so that it stays complete
/// for real-world records that break it, yet ends on hostile ones.
pub const HARD_LOOKUP_CAP: usize = 40;
pub const MAX_DEPTH: usize = 10;

/// One parsed term of an SPF record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "term", content = "value", rename_all = "kebab-case")]
pub enum SpfTerm {
    Include(String),
    Redirect(String),
    /// `a` or `a:domain` (the domain is the record's own when absent).
    A(String),
    Mx(String),
    Ip4(String),
    Ip6(String),
    All(String),
    /// Anything else (`exists`, `ptr`, `exp=`, unknown modifiers, macros), kept verbatim.
    Other(String),
}

impl SpfTerm {
    fn queries_dns(&self) -> bool {
        matches!(
            self,
            SpfTerm::Include(_) | SpfTerm::Redirect(_) | SpfTerm::A(_) | SpfTerm::Mx(_)
        ) || matches!(self, SpfTerm::Other(t) if is_dns_term(t))
    }
}

fn is_dns_term(t: &str) -> bool {
    let body = t
        .trim_start_matches(['+', '-', '~', '?'])
        .to_ascii_lowercase();
    body.starts_with("exists:") || body == "ptr" || body.starts_with("ptr:")
}

/// Parse the terms of a `v=spf1` record. Returns `None` when the text is not SPF.
pub fn parse_record(text: &str, own_domain: &str) -> Option<Vec<SpfTerm>> {
    let mut words = text.split_ascii_whitespace();
    if !words.next()?.eq_ignore_ascii_case("v=spf1") {
        return None;
    }
    Some(words.map(|w| parse_term(w, own_domain)).collect())
}

fn parse_term(word: &str, own_domain: &str) -> SpfTerm {
    let qualifier_free = word.trim_start_matches(['+', '-', '~', '?']);
    let lower = qualifier_free.to_ascii_lowercase();
    let (name, arg) = match lower.split_once([':', '=']) {
        Some((n, _)) => (
            n.to_string(),
            Some(qualifier_free[n.len() + 1..].to_string()),
        ),
        None => (lower.clone(), None),
    };
    // Strip a CIDR length from a/mx targets: `a:mail.example/24`.
    let target = |arg: Option<String>| {
        let arg = arg.unwrap_or_else(|| own_domain.to_string());
        let host = arg.split('/').next().unwrap_or("").to_string();
        if host.is_empty() {
            own_domain.to_string()
        } else {
            host
        }
    };
    if word.contains('%') {
        // Macros need the message context to expand; recorded, not followed.
        return SpfTerm::Other(word.to_string());
    }
    match (name.as_str(), word.contains('=')) {
        ("include", false) if arg.is_some() => SpfTerm::Include(arg.unwrap_or_default()),
        ("redirect", true) if arg.is_some() => SpfTerm::Redirect(arg.unwrap_or_default()),
        ("a", false) => SpfTerm::A(target(arg)),
        ("mx", false) => SpfTerm::Mx(target(arg)),
        ("ip4", false) if arg.is_some() => SpfTerm::Ip4(arg.unwrap_or_default()),
        ("ip6", false) if arg.is_some() => SpfTerm::Ip6(arg.unwrap_or_default()),
        ("all", false) => SpfTerm::All(word.to_string()),
        _ => SpfTerm::Other(word.to_string()),
    }
}

/// Who an SPF record authorises, as found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum Authorised {
    /// An `ip4:`/`ip6:` network.
    Network(IpNet),
    /// The addresses of a host (`a`), to be resolved.
    Host(String),
    /// The mail exchangers of a domain (`mx`), to be resolved.
    MailExchangers(String),
}

/// One SPF record in the tree.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpfNode {
    pub domain: String,
    /// How this record was reached: `None` for the scanned domain, else `include` or `redirect`.
    pub reached_by: Option<String>,
    pub record: Option<String>,
    pub terms: Vec<SpfTerm>,
    pub authorises: Vec<Authorised>,
    pub children: Vec<SpfNode>,
    pub evidence: Vec<EvidenceId>,
    pub problems: Vec<String>,
}

/// The whole tree and its counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpfTree {
    pub root: SpfNode,
    /// DNS-querying terms met, counted as RFC 7208 §4.6.4 counts them.
    pub lookup_terms: usize,
    /// The evidence of the record where the 11th querying term was met.
    pub limit_exceeded_at: Option<EvidenceId>,
    /// True when the hard cap stopped the walk.
    pub truncated: bool,
}

struct Walk {
    lookup_terms: usize,
    limit_exceeded_at: Option<EvidenceId>,
    truncated: bool,
}

pub async fn collect(dns: &mut DnsClient, log: &mut EvidenceLog, domain: &str) -> SpfTree {
    let mut walk = Walk {
        lookup_terms: 0,
        limit_exceeded_at: None,
        truncated: false,
    };
    let mut chain = vec![domain.to_string()];
    let root = visit(dns, log, domain, None, &mut chain, &mut walk).await;
    SpfTree {
        root,
        lookup_terms: walk.lookup_terms,
        limit_exceeded_at: walk.limit_exceeded_at,
        truncated: walk.truncated,
    }
}

/// Visit one domain's SPF record and, recursively, its includes and redirect.
/// `chain` holds the domains from the root to here, for loop detection.
fn visit<'a>(
    dns: &'a mut DnsClient,
    log: &'a mut EvidenceLog,
    domain: &'a str,
    reached_by: Option<String>,
    chain: &'a mut Vec<String>,
    walk: &'a mut Walk,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = SpfNode> + Send + 'a>> {
    Box::pin(async move {
        let answer = dns.query(log, domain, RecordType::TXT).await;
        let mut node = SpfNode {
            domain: domain.to_string(),
            reached_by,
            record: None,
            terms: Vec::new(),
            authorises: Vec::new(),
            children: Vec::new(),
            evidence: vec![answer.evidence],
            problems: Vec::new(),
        };
        let spf: Vec<&str> = answer
            .txt()
            .filter(|t| t.trim_start().to_ascii_lowercase().starts_with("v=spf1"))
            .filter(|t| parse_record(t, domain).is_some())
            .collect();
        match spf.as_slice() {
            [] => {
                node.problems
                    .push(format!("no SPF record ({})", answer.outcome.label()));
                return node;
            }
            [one] => node.record = Some(one.to_string()),
            many => {
                // RFC 7208 §4.5: more than one record is a permerror; keep the first for the map.
                node.problems
                    .push(format!("{} SPF records (permerror)", many.len()));
                node.record = Some(many[0].to_string());
            }
        }
        node.terms = parse_record(node.record.as_deref().unwrap_or(""), domain).unwrap_or_default();
        // Fetch the records this one includes together; the walk below then
        // finds them in the domain's cache.
        let targets: Vec<(String, RecordType)> = node
            .terms
            .iter()
            .filter_map(|t| match t {
                SpfTerm::Include(d) | SpfTerm::Redirect(d) => Some(super::dns::canonical_name(d)),
                _ => None,
            })
            .filter(|d| !chain.contains(d))
            .take(HARD_LOOKUP_CAP.saturating_sub(walk.lookup_terms))
            .map(|d| (d, RecordType::TXT))
            .collect();
        dns.query_many(log, &targets).await;
        for term in node.terms.clone() {
            if term.queries_dns() {
                walk.lookup_terms += 1;
                if walk.lookup_terms > RFC_LOOKUP_LIMIT && walk.limit_exceeded_at.is_none() {
                    walk.limit_exceeded_at = Some(answer.evidence);
                }
                if walk.lookup_terms > HARD_LOOKUP_CAP {
                    walk.truncated = true;
                    node.problems.push(format!(
                        "stopped after {HARD_LOOKUP_CAP} DNS-querying terms; `{}` not followed",
                        term_text(&term)
                    ));
                    continue;
                }
            }
            let how = if matches!(term, SpfTerm::Redirect(_)) {
                "redirect"
            } else {
                "include"
            };
            match term {
                SpfTerm::Ip4(ref net) | SpfTerm::Ip6(ref net) => match parse_net(net) {
                    Some(n) => node.authorises.push(Authorised::Network(n)),
                    None => node.problems.push(format!("invalid network `{net}`")),
                },
                SpfTerm::A(host) => node.authorises.push(Authorised::Host(host)),
                SpfTerm::Mx(host) => node.authorises.push(Authorised::MailExchangers(host)),
                SpfTerm::Include(target) | SpfTerm::Redirect(target) => {
                    let target = super::dns::canonical_name(&target);
                    if chain.contains(&target) {
                        node.problems.push(format!(
                            "{how} loop: `{target}` is already on the path {}",
                            chain.join(" → ")
                        ));
                        continue;
                    }
                    if chain.len() > MAX_DEPTH {
                        walk.truncated = true;
                        node.problems.push(format!(
                            "{how} of `{target}` deeper than {MAX_DEPTH} levels; not followed"
                        ));
                        continue;
                    }
                    chain.push(target.clone());
                    let child = visit(dns, log, &target, Some(how.to_string()), chain, walk).await;
                    chain.pop();
                    node.children.push(child);
                }
                SpfTerm::All(_) | SpfTerm::Other(_) => {}
            }
        }
        node
    })
}

fn term_text(term: &SpfTerm) -> String {
    match term {
        SpfTerm::Include(d) => format!("include:{d}"),
        SpfTerm::Redirect(d) => format!("redirect={d}"),
        SpfTerm::A(d) => format!("a:{d}"),
        SpfTerm::Mx(d) => format!("mx:{d}"),
        SpfTerm::Ip4(n) => format!("ip4:{n}"),
        SpfTerm::Ip6(n) => format!("ip6:{n}"),
        SpfTerm::All(t) | SpfTerm::Other(t) => t.clone(),
    }
}

/// `ip4:192.0.2.1` is a /32, `ip4:192.0.2.0/24` a network.
fn parse_net(text: &str) -> Option<IpNet> {
    if let Ok(net) = text.parse::<IpNet>() {
        return Some(net.trunc());
    }
    text.parse::<IpAddr>().ok().map(IpNet::from)
}

/// Hosts named by `a`/`mx` terms need address (and MX) lookups; this lists them.
pub fn walk_nodes(node: &SpfNode) -> Vec<&SpfNode> {
    let mut out = vec![node];
    for child in &node.children {
        out.extend(walk_nodes(child));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sender_terms() {
        let terms = parse_record(
            "v=spf1 mx a:mail.example.se/28 ip4:192.0.2.0/24 ip6:2001:db8::/32 include:spf.protection.outlook.com ~all",
            "example.se",
        )
        .expect("spf");
        assert_eq!(terms[0], SpfTerm::Mx("example.se".into()));
        assert_eq!(terms[1], SpfTerm::A("mail.example.se".into()));
        assert_eq!(terms[2], SpfTerm::Ip4("192.0.2.0/24".into()));
        assert_eq!(terms[3], SpfTerm::Ip6("2001:db8::/32".into()));
        assert_eq!(
            terms[4],
            SpfTerm::Include("spf.protection.outlook.com".into())
        );
        assert!(matches!(terms[5], SpfTerm::All(_)));
    }

    #[test]
    fn not_spf_and_macros() {
        assert!(parse_record("v=DMARC1; p=none", "x.se").is_none());
        assert!(parse_record("v=spf10 a", "x.se").is_none());
        let t = parse_record("v=spf1 exists:%{i}._spf.x.se -all", "x.se").expect("spf");
        assert!(matches!(&t[0], SpfTerm::Other(s) if s.contains("%{i}")));
        assert!(t[0].queries_dns());
    }

    #[test]
    fn host_addresses_become_networks() {
        assert_eq!(
            parse_net("192.0.2.7").map(|n| n.to_string()),
            Some("192.0.2.7/32".into())
        );
        assert_eq!(
            parse_net("192.0.2.7/24").map(|n| n.to_string()),
            Some("192.0.2.0/24".into())
        );
        assert_eq!(parse_net("not-an-ip"), None);
    }
}
