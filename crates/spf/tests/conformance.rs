//! RFC 7208 conformance: the OpenSPF test suite, run through `check_host()`.
//!
//! `tests/conformance/spf/rfc7208-tests.yml` is the suite as distributed
//! (with its LICENSE and CHANGES beside it), unmodified. Each YAML document
//! has `zonedata` and `tests`; the zone data is served by the project's
//! authoritative hickory-server on loopback, and every test runs
//! `check_host()` against it through a real `DnsClient`, exactly as a live
//! check would. Deviations, if any, are listed in `docs/spf-conformance.md`
//! and in `KNOWN_DEVIATIONS` below; every other test must give one of its
//! listed results (and its explanation, when one is given).
//!
//! Zone data, as the suite's own driver reads it:
//! - `SPF` entries are served as TXT, unless the name has a `TXT` entry
//!   (RFC 7208 dropped the SPF RR type);
//! - `TIMEOUT` makes the server never answer for that name, except for
//!   the record types listed before it;
//! - `NONE` is no record.
//!
//! YAML crate: `yaml-rust2` — maintained, pure Rust, YAML 1.2, and it loads
//! a multi-document stream into an untyped tree, which suits the suite's
//! mixed shapes (a record is a string, a list of strings or a
//! `[preference, host]` pair; a zone entry is a map or the bare word
//! `TIMEOUT`) better than deserialising into fixed types.

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, PTR, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use yaml_rust2::{Yaml, YamlLoader};

use transfermap_dns::zone_server::{Silence, ZoneServer};
use transfermap_dns::{DnsClient, ResolverChoice};
use transfermap_model::evidence::EvidenceLog;
use transfermap_model::spf::Authorised;
use transfermap_spf::check::{MatchedTerm, SpfResult, check_host, mail_from_identity};

/// Tests allowed to fail, with the reason (keep in step with docs/spf-conformance.md).
/// None today; the list stays so that a deviation is written down, not hidden.
const KNOWN_DEVIATIONS: &[(&str, &str)] = &[];

/// Long enough for loopback, short enough that the suite's timeouts are quick.
const RESOLVER_TIMEOUT: Duration = Duration::from_millis(750);

struct Case {
    name: String,
    helo: String,
    host: IpAddr,
    mailfrom: String,
    results: Vec<SpfResult>,
    explanation: Option<String>,
}

struct Scenario {
    description: String,
    cases: Vec<Case>,
    records: Vec<Record>,
    silence: Silence,
}

fn suite_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/spf/rfc7208-tests.yml")
}

fn text(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A zone-data name as labels, taken as written (it may hold any character).
fn name(text: &str) -> Name {
    let text = text.strip_suffix('.').unwrap_or(text);
    if text.is_empty() {
        return Name::root();
    }
    Name::from_labels(text.split('.').map(str::as_bytes))
        .unwrap_or_else(|e| panic!("zone data name `{text}`: {e}"))
}

fn txt_strings(value: &Yaml) -> Vec<String> {
    match value {
        Yaml::Array(parts) => parts.iter().filter_map(text).collect(),
        other => vec![text(other).unwrap_or_default()],
    }
}

fn load_scenarios() -> Vec<Scenario> {
    let source = std::fs::read_to_string(suite_path()).expect("read the SPF suite");
    let docs = YamlLoader::load_from_str(&source).expect("the SPF suite is YAML");
    docs.iter().map(scenario).collect()
}

fn scenario(doc: &Yaml) -> Scenario {
    let description = text(&doc["description"]).unwrap_or_default();
    let mut cases = Vec::new();
    for (name, test) in doc["tests"].as_hash().expect("tests") {
        let name = text(name).expect("test name");
        let results = match &test["result"] {
            Yaml::Array(list) => list.iter().filter_map(text).collect(),
            one => vec![text(one).expect("result")],
        }
        .iter()
        .map(|r| SpfResult::from_name(r).unwrap_or_else(|| panic!("{name}: result {r}")))
        .collect();
        let host = text(&test["host"]).expect("host");
        cases.push(Case {
            host: host
                .parse()
                .unwrap_or_else(|e| panic!("{name}: host {host}: {e}")),
            helo: text(&test["helo"]).unwrap_or_default(),
            mailfrom: text(&test["mailfrom"]).unwrap_or_default(),
            explanation: text(&test["explanation"]),
            results,
            name,
        });
    }

    let mut records = Vec::new();
    let mut silence = Silence::default();
    for (owner, entries) in doc["zonedata"].as_hash().expect("zonedata") {
        let owner_text = text(owner).expect("zone data name");
        let owner = name(&owner_text);
        let entries = entries.as_vec().expect("zone data entries");
        let has_txt = entries.iter().any(|e| {
            e.as_hash()
                .is_some_and(|h| h.contains_key(&Yaml::from_str("TXT")))
        });
        let mut answered: HashSet<RecordType> = HashSet::new();
        for entry in entries {
            if text(entry).as_deref() == Some("TIMEOUT") {
                // The suite's driver: a type with records before TIMEOUT is
                // answered; any other question about the name times out.
                silence.add(&owner, answered.iter().copied());
                break;
            }
            let map = entry.as_hash().expect("zone data entry");
            for (rtype, value) in map {
                let rtype = text(rtype).expect("record type");
                if text(value).as_deref() == Some("NONE") {
                    continue;
                }
                let data = match rtype.as_str() {
                    "TXT" => RData::TXT(TXT::new(txt_strings(value))),
                    "SPF" if !has_txt => RData::TXT(TXT::new(txt_strings(value))),
                    "SPF" => continue,
                    "A" => RData::A(A(text(value).unwrap().parse().expect("A address"))),
                    "AAAA" => {
                        RData::AAAA(AAAA(text(value).unwrap().parse().expect("AAAA address")))
                    }
                    "MX" => {
                        let pair = value.as_vec().expect("MX [preference, host]");
                        RData::MX(MX::new(
                            pair[0].as_i64().expect("MX preference") as u16,
                            name(&text(&pair[1]).unwrap_or_default()),
                        ))
                    }
                    "PTR" => RData::PTR(PTR(name(&text(value).unwrap()))),
                    "CNAME" => RData::CNAME(CNAME(name(&text(value).unwrap()))),
                    other => panic!("{owner_text}: record type {other} not handled"),
                };
                answered.insert(data.record_type());
                records.push(Record::from_rdata(owner.clone(), 300, data));
            }
        }
    }
    Scenario {
        description,
        cases,
        records,
        silence,
    }
}

/// The term that decided a verdict, through the includes that matched.
fn innermost(m: Option<&MatchedTerm>) -> Option<&str> {
    let mut m = m?;
    while let Some(inner) = m.inner.as_deref() {
        m = inner;
    }
    Some(m.term.as_str())
}

fn is_network_term(term: &str) -> bool {
    let t = term.trim_start_matches('+').to_ascii_lowercase();
    t.starts_with("ip4:") || t.starts_with("ip6:")
}

struct Outcome {
    scenario: String,
    case: String,
    ok: bool,
    detail: String,
}

async fn run_scenario(s: &Scenario) -> Vec<Outcome> {
    let server =
        ZoneServer::start_zones(vec![(Name::root(), s.records.clone())], s.silence.clone())
            .await
            .expect("zone server");
    let mut out = Vec::new();
    for case in &s.cases {
        let mut dns = DnsClient::new(ResolverChoice::Server(server.addr()), RESOLVER_TIMEOUT)
            .expect("dns client");
        let mut log = EvidenceLog::default();
        let (domain, sender) = mail_from_identity(&case.mailfrom, &case.helo);
        let verdict = check_host(
            &mut dns,
            &mut log,
            case.host,
            &domain,
            &sender,
            Some(&case.helo),
        )
        .await;
        for id in &verdict.evidence {
            assert!(
                log.get(*id).is_some(),
                "{}: evidence {id} missing",
                case.name
            );
        }
        // The map's tree walk reads the same records with the same grammar:
        // an address check_host() passes through an ip4/ip6 term must be
        // inside a network the walk authorises.
        // (Macros need a message to expand: the walk does not follow them.)
        let macros = verdict
            .records
            .iter()
            .any(|r| r.record.as_deref().is_some_and(|t| t.contains('%')));
        let walk_ok = match innermost(verdict.matched.as_ref()) {
            Some(term) if verdict.result == SpfResult::Pass && is_network_term(term) && !macros => {
                let mut walk_log = EvidenceLog::default();
                let tree = transfermap_spf::walk(&mut dns, &mut walk_log, &domain).await;
                tree.nodes().iter().any(|n| {
                    n.authorises
                        .iter()
                        .any(|a| matches!(a, Authorised::Network(net) if net.contains(&case.host)))
                })
            }
            _ => true,
        };
        let result_ok = case.results.contains(&verdict.result) && walk_ok;
        let explanation_ok = match case.explanation.as_deref() {
            None => true,
            // The suite's driver sets "DEFAULT" as the explanation used when no exp= applies.
            Some("DEFAULT") => verdict.explanation.is_none(),
            Some(want) => verdict.explanation.as_deref() == Some(want),
        };
        let expected: Vec<&str> = case.results.iter().map(|r| r.as_str()).collect();
        let queries: Vec<String> = verdict
            .evidence
            .iter()
            .filter_map(|id| log.get(*id))
            .map(|e| format!("\n      {} {}", e.id, e.summary(&[])))
            .collect();
        out.push(Outcome {
            scenario: s.description.clone(),
            case: case.name.clone(),
            ok: result_ok && explanation_ok,
            detail: format!(
                "host {} mailfrom {:?} helo {:?}: got {} (explanation {:?}; reason {:?}), want {:?} (explanation {:?}){}{}",
                case.host,
                case.mailfrom,
                case.helo,
                verdict.result,
                verdict.explanation,
                verdict.reason,
                expected,
                case.explanation,
                if walk_ok { "" } else { "\n      the tree walk does not authorise this address" },
                queries.concat()
            ),
        });
    }
    server.shutdown().await;
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc7208_conformance_suite() {
    let scenarios = load_scenarios();
    assert!(scenarios.len() >= 15, "the suite has its documents");
    let mut outcomes = Vec::new();
    for s in &scenarios {
        outcomes.extend(run_scenario(s).await);
    }
    let total = outcomes.len();
    assert!(total >= 150, "the suite has its tests ({total})");

    let deviation = |case: &str| KNOWN_DEVIATIONS.iter().find(|(name, _)| *name == case);
    let unexpected: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| !o.ok && deviation(&o.case).is_none())
        .collect();
    let stale: Vec<&str> = KNOWN_DEVIATIONS
        .iter()
        .filter(|(name, _)| outcomes.iter().any(|o| o.case == *name && o.ok))
        .map(|(name, _)| *name)
        .collect();

    let mut report = String::from("RFC 7208 conformance, per document:\n");
    for s in &scenarios {
        let mine: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.scenario == s.description)
            .collect();
        let passed = mine.iter().filter(|o| o.ok).count();
        report.push_str(&format!(
            "  {passed:>3}/{:<3} {}\n",
            mine.len(),
            s.description
        ));
    }
    let passed = outcomes.iter().filter(|o| o.ok).count();
    report.push_str(&format!(
        "  {passed} of {total} pass; known deviations: {}\n",
        KNOWN_DEVIATIONS.len()
    ));
    if !unexpected.is_empty() || !stale.is_empty() {
        report.push_str("failures:\n");
        for o in &unexpected {
            report.push_str(&format!("  [{}] {}: {}\n", o.scenario, o.case, o.detail));
        }
        for name in &stale {
            report.push_str(&format!(
                "  {name} is listed as a known deviation but now passes\n"
            ));
        }
        panic!("{report}");
    }
    eprintln!("{report}");
}
