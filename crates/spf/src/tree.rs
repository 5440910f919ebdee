//! The SPF include tree behind the transfer map: which record led to which
//! network, host or included record, with the DNS answer behind every step.
//!
//! The walk reads each record with the evaluator's grammar
//! ([`crate::check::parse_record`]) and follows only what a receiver
//! evaluating `check_host()` would act on: a record with a syntax error
//! anywhere authorises nothing (permerror, RFC 7208 §4.6); so do two SPF
//! records at one name (§4.5). Terms after `all` are never tested (§5.1),
//! and `redirect=` is ignored when the record has `all` (§6.1). Only terms
//! qualified `+` (pass) authorise senders: `-ip4:…` names addresses that
//! must *not* send. The walk goes on past the 10-lookup limit, up to
//! [`HARD_LOOKUP_CAP`], so that the map of a real-world record that breaks
//! the limit stays complete; the overrun itself is recorded.

use ipnet::IpNet;

use transfermap_model::evidence::{EvidenceId, EvidenceLog};
use transfermap_model::records::{Lookup, RecordType, canonical_name};
pub use transfermap_model::spf::RFC_LOOKUP_LIMIT;
use transfermap_model::spf::{Authorised, SpfFault, SpfNode, SpfReach, SpfTree};

use crate::check::{Mechanism, Qualifier, SpfRecord, is_spf_record, parse_record};

/// How far the map follows beyond the RFC limit so that it stays complete
/// for real-world records that break it, yet ends on hostile ones.
pub const HARD_LOOKUP_CAP: usize = 40;
/// Includes and redirects followed below the domain's own record.
pub const MAX_DEPTH: usize = 10;

struct Walk {
    lookup_terms: usize,
    limit_exceeded_at: Option<EvidenceId>,
    truncated: bool,
}

/// Walk `domain`'s SPF record and everything it includes or redirects to.
pub async fn walk<L: Lookup>(dns: &mut L, log: &mut EvidenceLog, domain: &str) -> SpfTree {
    let mut state = Walk {
        lookup_terms: 0,
        limit_exceeded_at: None,
        truncated: false,
    };
    let mut chain = vec![canonical_name(domain)];
    let root = visit(dns, log, domain, None, &mut chain, &mut state).await;
    SpfTree {
        root,
        lookup_terms: state.lookup_terms,
        limit_exceeded_at: state.limit_exceeded_at,
        truncated: state.truncated,
    }
}

/// What a record points at that needs another record.
struct Next {
    how: SpfReach,
    target: String,
}

/// Visit one domain's SPF record and, recursively, its includes and redirect.
/// `chain` holds the domains from the root to here, for loop detection.
fn visit<'a, L: Lookup>(
    dns: &'a mut L,
    log: &'a mut EvidenceLog,
    domain: &'a str,
    reached_by: Option<SpfReach>,
    chain: &'a mut Vec<String>,
    walk: &'a mut Walk,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = SpfNode> + Send + 'a>> {
    Box::pin(async move {
        let answer = dns.query(log, domain, RecordType::Txt).await;
        let mut node = SpfNode {
            domain: domain.to_string(),
            reached_by,
            record: None,
            authorises: Vec::new(),
            children: Vec::new(),
            evidence: answer.evidence.into(),
            problems: Vec::new(),
        };
        let spf: Vec<&str> = answer.txt().filter(|t| is_spf_record(t)).collect();
        let text = match spf.as_slice() {
            [] => {
                node.problems.push(SpfFault::NoRecord {
                    outcome: answer.outcome.clone(),
                });
                return node;
            }
            [one] => one.to_string(),
            many => {
                // §4.5: more than one record is a permerror; receivers use none.
                node.problems
                    .push(SpfFault::ManyRecords { count: many.len() });
                return node;
            }
        };
        node.record = Some(text.clone());
        let record = match parse_record(&text) {
            Ok(r) => r,
            Err(e) => {
                node.problems.push(SpfFault::Invalid { syntax: e });
                return node;
            }
        };
        let next = read_terms(&record, domain, &answer.evidence, &mut node, walk);
        // Fetch the records this one leads to together; the walk below then
        // finds them in the client's cache.
        let targets: Vec<(String, RecordType)> = next
            .iter()
            .filter(|n| !chain.contains(&n.target))
            .map(|n| (n.target.clone(), RecordType::Txt))
            .collect();
        dns.query_many(log, &targets).await;
        for Next { how, target } in next {
            if chain.contains(&target) {
                node.problems.push(SpfFault::Loop {
                    how,
                    target,
                    path: chain.clone(),
                });
                continue;
            }
            if chain.len() > MAX_DEPTH {
                walk.truncated = true;
                node.problems.push(SpfFault::TooDeep {
                    how,
                    target,
                    max: MAX_DEPTH,
                });
                continue;
            }
            chain.push(target.clone());
            let child = visit(dns, log, &target, Some(how), chain, walk).await;
            chain.pop();
            node.children.push(child);
        }
        node
    })
}

/// Read one parsed record the way a receiver would: what it authorises
/// (into `node`), and the records it leads to.
fn read_terms(
    record: &SpfRecord,
    domain: &str,
    evidence: &EvidenceId,
    node: &mut SpfNode,
    walk: &mut Walk,
) -> Vec<Next> {
    let mut next = Vec::new();
    let count = |walk: &mut Walk, term: &str, node: &mut SpfNode| -> bool {
        walk.lookup_terms += 1;
        if walk.lookup_terms > RFC_LOOKUP_LIMIT && walk.limit_exceeded_at.is_none() {
            walk.limit_exceeded_at = Some(*evidence);
        }
        if walk.lookup_terms > HARD_LOOKUP_CAP {
            walk.truncated = true;
            node.problems.push(SpfFault::LookupCap {
                cap: HARD_LOOKUP_CAP,
                term: term.to_string(),
            });
            return false;
        }
        true
    };
    let target_of =
        |spec: Option<&crate::check::MacroString>, node: &mut SpfNode, term: &str| match spec {
            None => Some(canonical_name(domain)),
            Some(s) => match s.literal() {
                Some(t) if !t.is_empty() => Some(canonical_name(&t)),
                _ => {
                    node.problems.push(SpfFault::Macros {
                        term: term.to_string(),
                    });
                    None
                }
            },
        };
    let mut has_all = false;
    if let Some(at) = record
        .directives
        .iter()
        .position(|d| d.mechanism == Mechanism::All)
        && at + 1 < record.directives.len()
    {
        let terms = record.directives[at + 1..]
            .iter()
            .map(|d| d.text.clone())
            .collect();
        node.problems.push(SpfFault::AfterAll { terms });
    }
    for d in &record.directives {
        if d.mechanism.queries_dns() && !count(walk, &d.text, node) {
            continue;
        }
        // Only a pass authorises; `-`, `~` and `?` terms name senders that
        // receivers treat as failing or unknown.
        let pass = d.qualifier == Qualifier::Pass;
        match &d.mechanism {
            Mechanism::All => {
                has_all = true;
                // §5.1: terms after `all` are never tested.
                break;
            }
            Mechanism::Ip4 { addr, len } if pass => {
                if let Ok(net) = ipnet::Ipv4Net::new(*addr, *len) {
                    node.authorises
                        .push(Authorised::Network(IpNet::V4(net.trunc())));
                }
            }
            Mechanism::Ip6 { addr, len } if pass => {
                if let Ok(net) = ipnet::Ipv6Net::new(*addr, *len) {
                    node.authorises
                        .push(Authorised::Network(IpNet::V6(net.trunc())));
                }
            }
            Mechanism::A { domain: spec, .. } if pass => {
                if let Some(t) = target_of(spec.as_ref(), node, &d.text) {
                    node.authorises.push(Authorised::Host(t));
                }
            }
            Mechanism::Mx { domain: spec, .. } if pass => {
                if let Some(t) = target_of(spec.as_ref(), node, &d.text) {
                    node.authorises.push(Authorised::MailExchangers(t));
                }
            }
            Mechanism::Include(spec) if pass => {
                if let Some(target) = target_of(Some(spec), node, &d.text) {
                    next.push(Next {
                        how: SpfReach::Include,
                        target,
                    });
                }
            }
            // `exists` and `ptr` cannot be listed without a message;
            // non-pass terms authorise nothing.
            _ => {}
        }
    }
    if let Some(spec) = &record.redirect {
        let text = format!("redirect={}", spec.as_str());
        if has_all {
            // §6.1: a redirect is ignored when the record has `all`.
            node.problems
                .push(SpfFault::RedirectIgnored { redirect: text });
        } else if count(walk, &text, node)
            && let Some(target) = target_of(Some(spec), node, &text)
        {
            next.push(Next {
                how: SpfReach::Redirect,
                target,
            });
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (SpfNode, Vec<Next>, usize) {
        let record = parse_record(text).expect("valid SPF");
        let mut node = SpfNode {
            domain: "x.se".into(),
            reached_by: None,
            record: Some(text.into()),
            authorises: Vec::new(),
            children: Vec::new(),
            evidence: EvidenceId(0).into(),
            problems: Vec::new(),
        };
        let mut walk = Walk {
            lookup_terms: 0,
            limit_exceeded_at: None,
            truncated: false,
        };
        let next = read_terms(&record, "x.se", &EvidenceId(0), &mut node, &mut walk);
        (node, next, walk.lookup_terms)
    }

    #[test]
    fn reads_sender_terms_with_the_evaluators_grammar() {
        let (node, next, lookups) = read(
            "v=spf1 mx a:mail.example.se/28 ip4:192.0.2.0/24 ip6:2001:db8::/32 include:spf.protection.outlook.com ~all",
        );
        assert_eq!(lookups, 3);
        let shown: Vec<String> = node
            .authorises
            .iter()
            .map(|a| match a {
                Authorised::Network(n) => n.to_string(),
                Authorised::Host(h) => format!("a {h}"),
                Authorised::MailExchangers(d) => format!("mx {d}"),
            })
            .collect();
        assert_eq!(
            shown,
            [
                "mx x.se",
                "a mail.example.se",
                "192.0.2.0/24",
                "2001:db8::/32"
            ]
        );
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].target, "spf.protection.outlook.com");
    }

    #[test]
    fn what_receivers_reject_or_ignore_authorises_nothing() {
        // Each is a permerror for check_host(): the walk must not read it either.
        for bad in [
            "v=spf1 ip4:2001:db8::/32 -all",
            "v=spf1 ip4:1.2.3 -all",
            "v=spf1 ip4:192.0.2.0/33 -all",
            "v=spf1 foo:bar -all",
        ] {
            assert!(parse_record(bad).is_err(), "{bad} parses");
        }
        // Terms after `all` are never tested; `redirect` beside `all` is ignored.
        let (node, next, _) = read("v=spf1 -all ip4:192.0.2.1 redirect=other.example");
        assert!(node.authorises.is_empty());
        assert!(next.is_empty());
        assert!(node.problems.contains(&SpfFault::AfterAll {
            terms: vec!["ip4:192.0.2.1".into()]
        }));
        assert!(node.problems.contains(&SpfFault::RedirectIgnored {
            redirect: "redirect=other.example".into()
        }));
        // `-` and `~` name senders that fail.
        let (node, next, _) = read("v=spf1 -ip4:192.0.2.1 ~include:x.example ?a:h.example -all");
        assert!(node.authorises.is_empty());
        assert!(next.is_empty());
        // Without `all`, the redirect is followed.
        let (_, next, _) = read("v=spf1 ip4:192.0.2.1 redirect=other.example");
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].how, SpfReach::Redirect);
    }
}
