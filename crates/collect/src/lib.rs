//! Stage 1: gather evidence about a mail domain from DNS and the geodata.
//!
//! This is the only stage that touches the network. Its output,
//! [`Collection`], is plain data; later stages never query anything.

pub mod dmarc;
pub mod families;
pub mod geo;

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use chrono::Utc;

use geo::Geolocator;
pub use transfermap_model::collection::{
    Collection, DomainProblem, HostResolution, MailExchanger, MxSet, ProblemCode, RecordFault,
};
use transfermap_model::evidence::{DnsOutcome, EvidenceLog};
use transfermap_model::geo::network_ends;
use transfermap_model::records::{Lookup, RecordData, RecordType, canonical_name};
use transfermap_model::spf::{Authorised, SpfTree};

/// How many CNAMEs are followed for one name before giving up.
pub const MAX_CNAME_HOPS: usize = 8;

/// Collect everything about `domain`. Never fails: DNS failures become
/// evidence and problems, so a partial result is still a result.
pub async fn collect_domain<L: Lookup>(
    dns: &mut L,
    geo: &Geolocator,
    log: &mut EvidenceLog,
    domain: &str,
) -> Collection {
    let started = Utc::now();
    let domain = canonical_name(domain);
    // The first questions do not depend on each other: ask them together.
    let dmarc_name = format!("_dmarc.{domain}");
    let autodiscover_name = format!("autodiscover.{domain}");
    dns.query_many(
        log,
        &[
            (domain.clone(), RecordType::Mx),
            (domain.clone(), RecordType::Txt),
            (dmarc_name.clone(), RecordType::Txt),
            (autodiscover_name.clone(), RecordType::A),
            (autodiscover_name.clone(), RecordType::Aaaa),
        ],
    )
    .await;
    let mx = collect_mx(dns, log, &domain).await;
    let spf = transfermap_spf::walk(dns, log, &domain).await;

    let dmarc_answer = dns.query(log, &dmarc_name, RecordType::Txt).await;
    let dmarc = dmarc_answer
        .txt()
        .find_map(|t| dmarc::parse(t, dmarc_answer.evidence));

    let autodiscover = resolve_host(dns, log, &autodiscover_name).await;
    let apex_txt = dns.query(log, &domain, RecordType::Txt).await;
    let mut families = families::collect(dns, log, &domain, &apex_txt).await;
    let includes: Vec<String> = spf
        .nodes()
        .iter()
        .filter(|n| n.reached_by.is_some())
        .map(|n| n.domain.clone())
        .collect();
    let auto_targets: Vec<String> = autodiscover.aliases.iter().map(|a| a.1.clone()).collect();
    if families::points_at_microsoft(&families, &includes, &auto_targets) {
        let name = families::exchange_online_host(&domain);
        let answer = dns.query(log, &name, RecordType::A).await;
        let exists = answer.records.iter().any(|r| matches!(r, RecordData::A(_)));
        families.tenant_host = Some(families::TenantHost {
            name,
            exists,
            evidence: answer.evidence,
        });
    }
    let mut dmarc = dmarc;
    if let Some(d) = dmarc.as_mut() {
        dmarc::check_authorisation(dns, log, &domain, d).await;
    }

    let mut other_mx = BTreeMap::new();
    let mut mx_domains: BTreeSet<String> = BTreeSet::new();
    if let Some(d) = &dmarc {
        mx_domains.extend(d.destinations.iter().map(|r| r.domain.clone()));
    }
    for node in spf.nodes() {
        for a in &node.authorises {
            if let Authorised::MailExchangers(d) = a {
                mx_domains.insert(d.clone());
            }
        }
    }
    for d in families.tls_rpt_destinations.iter().filter(|d| d.is_mail) {
        mx_domains.insert(d.host.clone());
    }
    mx_domains.remove(&domain);
    for d in mx_domains {
        let set = collect_mx(dns, log, &d).await;
        other_mx.insert(d, set);
    }

    // Every host name that needs addresses.
    let mut names: BTreeSet<String> = BTreeSet::new();
    names.extend(mx.exchangers.iter().map(|m| m.host.clone()));
    for set in other_mx.values() {
        names.extend(set.exchangers.iter().map(|m| m.host.clone()));
    }
    for node in spf.nodes() {
        for a in &node.authorises {
            if let Authorised::Host(h) = a {
                names.insert(h.clone());
            }
        }
    }
    if let Some(t) = families.tenant_host.as_ref().filter(|t| t.exists) {
        names.insert(t.name.clone());
    }
    for d in &families.discovery {
        if d.name.starts_with('_') {
            names.extend(d.targets.iter().cloned());
        } else {
            names.insert(d.name.clone());
        }
    }
    for d in families.tls_rpt_destinations.iter().filter(|d| !d.is_mail) {
        names.insert(d.host.clone());
    }
    // Ask for every address at once; resolve_host then reads the answers
    // from the domain's cache in order.
    let questions: Vec<(String, RecordType)> = names
        .iter()
        .flat_map(|n| [(n.clone(), RecordType::A), (n.clone(), RecordType::Aaaa)])
        .collect();
    dns.query_many(log, &questions).await;
    let mut hosts = BTreeMap::new();
    for name in names {
        let resolution = resolve_host(dns, log, &name).await;
        hosts.insert(name, resolution);
    }

    let mut ips: Vec<IpAddr> = Vec::new();
    for h in hosts.values().chain(std::iter::once(&autodiscover)) {
        ips.extend(h.addresses.iter().map(|(ip, _)| *ip));
    }
    for node in spf.nodes() {
        for a in &node.authorises {
            if let Authorised::Network(net) = a {
                ips.extend(network_ends(net));
            }
        }
    }
    let geo_facts = geo.locate_all(log, ips);
    let mut ranges = BTreeMap::new();
    for node in spf.nodes() {
        for a in &node.authorises {
            if let Authorised::Network(net) = a
                && !ranges.contains_key(net)
            {
                ranges.insert(*net, geo.locate_range(log, net));
            }
        }
    }

    let mut problems = domain_problems(&spf, dmarc.as_ref(), &mx);
    for p in &families.problems {
        problems.push(DomainProblem {
            code: ProblemCode::TlsRptProblem,
            message: p.to_string(),
            fault: Some(RecordFault::TlsRpt { fault: p.clone() }),
            evidence: families.tls_rpt.iter().map(|t| t.1).collect(),
        });
    }
    Collection {
        domain,
        resolver: dns.resolver_label().to_string(),
        started,
        finished: Utc::now(),
        mx,
        spf,
        dmarc,
        dmarc_evidence: dmarc_answer.evidence,
        autodiscover,
        families,
        other_mx,
        hosts,
        geo: geo_facts,
        ranges,
        problems,
        queries: dns.queries_asked(),
    }
}

async fn collect_mx<L: Lookup>(dns: &mut L, log: &mut EvidenceLog, domain: &str) -> MxSet {
    let answer = dns.query(log, domain, RecordType::Mx).await;
    let mut exchangers: Vec<MailExchanger> = answer
        .records
        .iter()
        .filter_map(|r| match r {
            RecordData::Mx {
                preference,
                exchange,
            } if !exchange.is_empty() => Some(MailExchanger {
                preference: *preference,
                host: exchange.clone(),
                evidence: answer.evidence,
                implicit: false,
            }),
            _ => None,
        })
        .collect();
    exchangers.sort_by(|a, b| (a.preference, &a.host).cmp(&(b.preference, &b.host)));
    exchangers.dedup_by(|a, b| a.host == b.host);
    // A name that exists without MX still receives mail at its own address
    // (RFC 5321 §5.1); a null MX ("." ) means it takes none (RFC 7505).
    let null_mx = answer
        .records
        .iter()
        .any(|r| matches!(r, RecordData::Mx { exchange, .. } if exchange.is_empty()));
    if exchangers.is_empty() && !null_mx && answer.outcome == DnsOutcome::NoData {
        exchangers.push(MailExchanger {
            preference: 0,
            host: domain.to_string(),
            evidence: answer.evidence,
            implicit: true,
        });
    }
    MxSet {
        domain: domain.to_string(),
        exchangers,
        evidence: answer.evidence,
        answered: !answer.outcome.is_failure(),
    }
}

/// Resolve a host's A and AAAA records, following CNAMEs (bounded, loop-safe).
pub async fn resolve_host<L: Lookup>(
    dns: &mut L,
    log: &mut EvidenceLog,
    name: &str,
) -> HostResolution {
    let mut res = HostResolution {
        canonical: canonical_name(name),
        ..Default::default()
    };
    let mut seen = BTreeSet::from([res.canonical.clone()]);
    for hop in 0..=MAX_CNAME_HOPS {
        let current = res.canonical.clone();
        let mut next = None;
        let questions = [
            (current.clone(), RecordType::A),
            (current.clone(), RecordType::Aaaa),
        ];
        let answers = dns.query_many(log, &questions).await;
        for (answer, rtype) in answers.iter().zip([RecordType::A, RecordType::Aaaa]) {
            if answer.outcome.is_failure() {
                res.problems
                    .push(format!("{current} {rtype}: {}", answer.outcome.label()));
            }
            // Walk the chain inside one answer; the resolver may have followed it already.
            let cnames: BTreeMap<&str, &str> = answer
                .records
                .iter()
                .filter_map(|r| match r {
                    RecordData::Cname { owner, target } => Some((owner.as_str(), target.as_str())),
                    _ => None,
                })
                .collect();
            let mut owner = current.clone();
            let mut steps = 0;
            while let Some(target) = cnames.get(owner.as_str()) {
                steps += 1;
                let known = res.aliases.iter().any(|(a, _, _)| *a == owner);
                if !known {
                    res.aliases
                        .push((owner.clone(), target.to_string(), answer.evidence));
                }
                if (!known && !seen.insert(target.to_string())) || steps > MAX_CNAME_HOPS {
                    res.problems.push(format!("CNAME loop at {target}"));
                    return res;
                }
                owner = target.to_string();
            }
            for r in &answer.records {
                let ip = match r {
                    RecordData::A(a) => IpAddr::V4(*a),
                    RecordData::Aaaa(a) => IpAddr::V6(*a),
                    _ => continue,
                };
                if !res.addresses.iter().any(|(x, _)| *x == ip) {
                    res.addresses.push((ip, answer.evidence));
                }
            }
            if owner != current && res.addresses.is_empty() {
                next = Some(owner);
            }
        }
        if next.is_none() && res.addresses.is_empty() {
            // Resolvers drop a CNAME chain they cannot complete (a loop, a
            // dangling target) and report "no data"; ask for the CNAME itself
            // so the chain and its fault are on record.
            let answer = dns.query(log, &current, RecordType::Cname).await;
            let target = answer.records.iter().find_map(|r| match r {
                RecordData::Cname { owner, target } if *owner == current => Some(target.clone()),
                _ => None,
            });
            if let Some(target) = target {
                res.aliases
                    .push((current.clone(), target.clone(), answer.evidence));
                if !seen.insert(target.clone()) {
                    res.problems.push(format!("CNAME loop at {target}"));
                    return res;
                }
                next = Some(target);
            }
        }
        match next {
            Some(target) if hop < MAX_CNAME_HOPS => res.canonical = target,
            Some(target) => {
                res.problems.push(format!(
                    "more than {MAX_CNAME_HOPS} CNAMEs; stopped at {target}"
                ));
                return res;
            }
            None => break,
        }
    }
    if let Some((_, target, _)) = res.aliases.last() {
        res.canonical = target.clone();
    }
    res
}

fn domain_problems(
    spf: &SpfTree,
    dmarc: Option<&dmarc::DmarcRecord>,
    mx: &MxSet,
) -> Vec<DomainProblem> {
    let mut out = Vec::new();
    if let Some(at) = spf.limit_exceeded_at {
        out.push(DomainProblem {
            code: ProblemCode::SpfLookupLimit,
            message: format!(
                "the SPF record needs {} DNS-querying terms; RFC 7208 §4.6.4 allows {} (receivers return permerror)",
                spf.lookup_terms,
                transfermap_model::spf::RFC_LOOKUP_LIMIT
            ),
            fault: None,
            evidence: vec![spf.root.evidence.first(), at],
        });
    }
    for node in spf.nodes() {
        for p in &node.problems {
            out.push(DomainProblem {
                code: ProblemCode::SpfProblem,
                message: format!("SPF of {}: {p}", node.domain),
                fault: Some(RecordFault::Spf {
                    domain: node.domain.clone(),
                    fault: p.clone(),
                }),
                evidence: node.evidence.as_slice().to_vec(),
            });
        }
    }
    if mx.answered && mx.exchangers.iter().all(|m| m.implicit) {
        out.push(DomainProblem {
            code: ProblemCode::NoMx,
            message: format!("{}{}", transfermap_model::collection::NO_MX_FOR, mx.domain),
            fault: None,
            evidence: vec![mx.evidence],
        });
    }
    if let Some(d) = dmarc {
        for p in &d.problems {
            out.push(DomainProblem {
                code: ProblemCode::DmarcProblem,
                message: format!("DMARC: {p}"),
                fault: Some(RecordFault::Dmarc { fault: p.clone() }),
                evidence: vec![d.evidence],
            });
        }
    }
    out
}
