//! A regression test on real data: the mail DNS of 149 Swedish
//! municipalities (tests/realworld/README.md), served by the in-process
//! zone server and scanned in one batch. It fails when attribution falls
//! below what the maps reached, or when a rule of the evidence discipline
//! is broken anywhere in the corpus.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::Value;

/// What the maps and the inference reached on this corpus (2026-12-01);
/// a change that lowers one of these is a regression.
const MIN_SPF_INCLUDES_ATTRIBUTED: f64 = 96.0;
const MIN_MX_HOSTS_ATTRIBUTED_EXCEPT_OWN: f64 = 100.0;
const MIN_TOKENS_ATTRIBUTED: f64 = 100.0;
const MIN_DKIM_TARGETS_ATTRIBUTED: f64 = 99.0;
const MIN_MAILBOX_NAMED_BEHIND_GATEWAY: f64 = 95.0;

fn corpus() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/realworld")
}

/// The median report holds at most this many findings.
const MAX_MEDIAN_FINDINGS: usize = 10;

/// A board-level map holds at most this many nodes (legend aside).
const MAX_BOARD_NODES: usize = 12;

struct Corpus {
    domains: Vec<String>,
    scans: Vec<(String, Value)>,
}

fn scan_corpus() -> Corpus {
    let dns = DnsFixture::start(&corpus().join("zones"));
    let list = corpus().join("domains.txt").display().to_string();
    let resolver = dns.addr().to_string();
    let run = run(&[
        "scan",
        "--domains-file",
        &list,
        "--resolver",
        &resolver,
        "--format",
        "json,dot",
    ]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    // Every board-level map stays small enough to read on A4.
    let mut boards = BTreeSet::new();
    for d in std::fs::read_to_string(corpus().join("domains.txt"))
        .unwrap()
        .lines()
    {
        let d = d.trim();
        if d.is_empty() {
            continue;
        }
        let board = std::fs::read_to_string(run.out.path().join(d).join("transfer-map.dot"))
            .unwrap_or_else(|e| panic!("{d}: {e}"));
        let nodes = board
            .lines()
            .filter(|l| {
                l.contains(" [label=") && !l.contains("->") && !l.trim_start().starts_with("legend")
            })
            .count();
        assert!(
            nodes <= MAX_BOARD_NODES,
            "{d}: {nodes} nodes on the board-level map\n{board}"
        );
        boards.insert(board);
    }
    eprintln!("{} distinct board-level maps for the corpus", boards.len());
    let domains: Vec<String> = std::fs::read_to_string(corpus().join("domains.txt"))
        .unwrap()
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let scans = domains
        .iter()
        .map(|d| {
            let text = std::fs::read_to_string(run.out.path().join(d).join("scan.json"))
                .unwrap_or_else(|e| panic!("{d}: {e}"));
            (d.clone(), serde_json::from_str(&text).unwrap())
        })
        .collect();
    Corpus { domains, scans }
}

/// Whether a node is attributed: a fingerprint made it part of a service or
/// run by a company.
fn attributed(scan: &Value, key: &str) -> bool {
    scan["graph"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["from"] == key && (e["kind"] == "part-of" || e["kind"] == "operated-by"))
}

/// How much a legal status asks of the organisation, as the analysis
/// ranks it (`LegalStatus::demand`).
fn demand(status: &Value) -> Option<u8> {
    Some(
        match (status["status"].as_str()?, status["met"].as_bool()) {
            ("eu-eea", _) => 0,
            ("adequate" | "interim", _) => 1,
            ("adequate-if", Some(true)) => 2,
            ("adequate-if", None) => 3,
            ("adequate-if", Some(false)) => 4,
            _ => 5,
        },
    )
}

fn pct(n: usize, of: usize) -> f64 {
    if of == 0 {
        100.0
    } else {
        (n as f64 * 1000.0 / of as f64).round() / 10.0
    }
}

/// The registrable name of a host under .se and other two-label zones.
fn registrable(host: &str) -> String {
    let labels: Vec<&str> = host.trim_end_matches('.').rsplit('.').take(2).collect();
    labels.into_iter().rev().collect::<Vec<_>>().join(".")
}

#[test]
fn the_real_swedish_corpus_stays_attributed_and_honest() {
    let c = scan_corpus();
    let own: BTreeSet<&str> = c.domains.iter().map(String::as_str).collect();
    let (mut mx, mut mx_ok) = (0, 0);
    let (mut spf, mut spf_ok) = (0, 0);
    let (mut tokens, mut tokens_ok) = (0, 0);
    let (mut dkim, mut dkim_ok) = (0, 0);
    let (mut gateway_cases, mut mailbox_named) = (0, 0);
    let mut broken: Vec<String> = Vec::new();
    let mut unnamed: Vec<String> = Vec::new();
    for (d, s) in &c.scans {
        assert_eq!(s["status"], "ok", "{d}: {}", s["gaps"]);
        let coll = &s["collection"];
        for m in coll["mx"]["exchangers"].as_array().into_iter().flatten() {
            let host = m["host"].as_str().unwrap();
            if m["implicit"] == true || own.contains(registrable(host).as_str()) {
                continue;
            }
            mx += 1;
            mx_ok += attributed(s, &format!("host:{host}")) as usize;
        }
        // Every include and redirect, at any depth: attributed, under an
        // attributed include, or reported as unknown (TM110).
        let flagged: BTreeSet<String> = occurrences(s)
            .into_iter()
            .filter(|f| f["rule"] == "TM110")
            .map(|f| f["subject"].as_str().unwrap().to_string())
            .collect();
        let mut stack = vec![(&coll["spf"]["root"], false)];
        while let Some((node, above)) = stack.pop() {
            for ch in node["children"].as_array().into_iter().flatten() {
                let key = format!("spf:{}", ch["domain"].as_str().unwrap());
                let ok = attributed(s, &key);
                spf += 1;
                spf_ok += ok as usize;
                if !ok && !above && !ch["record"].is_null() && !flagged.contains(&key) {
                    broken.push(format!(
                        "{d}: unknown SPF include {key} not reported (TM110)"
                    ));
                }
                stack.push((ch, above || ok));
            }
        }
        for t in coll["families"]["tokens"].as_array().into_iter().flatten() {
            tokens += 1;
            let key = format!(
                "token:{}",
                t["prefix"].as_str().unwrap_or("").to_lowercase()
            );
            tokens_ok += attributed(s, &key) as usize;
        }
        for k in coll["families"]["dkim"].as_array().into_iter().flatten() {
            if let Some(target) = k["aliases"].as_array().and_then(|a| a.last()) {
                dkim += 1;
                dkim_ok += attributed(s, &format!("host:{}", target.as_str().unwrap())) as usize;
            }
        }
        // Behind a gateway, where DKIM or autodiscover shows a mailbox
        // service, the inbound flow names it.
        let flows = s["flows"].as_array().unwrap();
        let inbound: Vec<&Value> = flows
            .iter()
            .filter(|f| f["kind"] == "delivers-to")
            .collect();
        let shown_elsewhere = flows.iter().any(|f| {
            let kind = f["kind"].as_str().unwrap();
            let dkim_or_clients =
                (kind == "sends-via" && !f["detail"].is_null()) || kind == "client-access";
            dkim_or_clients
                && f["services"].as_array().unwrap().iter().any(|x| {
                    x == "Exchange Online" || x.as_str().unwrap().starts_with("Google Workspace")
                })
        });
        let behind_gateway = inbound
            .iter()
            .any(|f| f["gateways"].as_array().is_some_and(|g| !g.is_empty()));
        if behind_gateway && shown_elsewhere {
            gateway_cases += 1;
            if inbound.iter().all(|f| f["mailbox"].is_null()) {
                unnamed.push(d.clone());
            } else {
                mailbox_named += 1;
            }
        }
        // A flow never passes through the organisation into its own data.
        for f in flows
            .iter()
            .filter(|f| f["kind"] == "sends-via" && f["detail"].is_null())
        {
            let services = f["services"].as_array().unwrap();
            if services
                .iter()
                .any(|x| x.as_str().unwrap().contains("domain verification"))
            {
                broken.push(format!(
                    "{d}: the SPF flow reaches a verification token's service"
                ));
            }
        }
        // An inferred mailbox rests on DKIM, autodiscover, the tenant host
        // or SPF, never on a token; a weak one on SPF alone.
        for e in s["graph"]["edges"].as_array().unwrap() {
            let Some(inf) = e["inference"].as_object() else {
                continue;
            };
            let signals: Vec<&str> = inf["signals"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap())
                .collect();
            if signals.is_empty() || (inf["strength"] != "weak" && signals == ["spf-include"]) {
                broken.push(format!("{d}: inferred {} on {signals:?}", e["to"]));
            }
        }
        // No legal finding rests on an AS number: a company reached through
        // the network an address is announced by is TM111, not TM103.
        for f in occurrences(s) {
            let via_as = f["path"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["edge"] == "announced-by");
            if via_as && ["TM103", "TM105"].contains(&f["rule"].as_str().unwrap()) {
                broken.push(format!(
                    "{d}: {} reaches {} through an AS",
                    f["rule"], f["subject"]
                ));
            }
        }
        // Never two findings of one rule that reach the same country
        // through the same entry point and ask the same of the
        // organisation: those are one thing to decide.
        let mut met: BTreeSet<(String, String, String, u8)> = BTreeSet::new();
        for f in s["findings"].as_array().unwrap() {
            let Some(demand) = demand(&f["status"]) else {
                continue;
            };
            let also = f["also"].as_array().into_iter().flatten();
            let mut own: BTreeSet<(String, String, String, u8)> = BTreeSet::new();
            for o in std::iter::once(f).chain(also) {
                if let (Some(c), Some(e)) = (o["country"].as_str(), o["entry"].as_str()) {
                    own.insert((f["rule"].to_string(), c.into(), e.into(), demand));
                }
            }
            for k in own {
                if !met.insert(k.clone()) {
                    broken.push(format!(
                        "{d}: two findings {} to {} through {}",
                        k.0, k.1, k.2
                    ));
                }
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    // One finding per thing to decide: a report a board can read.
    let mut counts: Vec<usize> = c
        .scans
        .iter()
        .map(|(_, s)| s["findings"].as_array().unwrap().len())
        .collect();
    counts.sort_unstable();
    let median = counts[counts.len() / 2];
    eprintln!(
        "findings per domain: median {median}, max {}",
        counts[counts.len() - 1]
    );
    assert!(
        median <= MAX_MEDIAN_FINDINGS,
        "median {median} findings per domain"
    );
    let figures = format!(
        "MX (except own) {}/{} = {:.1}%, SPF includes {}/{} = {:.1}%, tokens {}/{} = {:.1}%, DKIM {}/{} = {:.1}%, mailbox behind a gateway {}/{} = {:.1}%",
        mx_ok,
        mx,
        pct(mx_ok, mx),
        spf_ok,
        spf,
        pct(spf_ok, spf),
        tokens_ok,
        tokens,
        pct(tokens_ok, tokens),
        dkim_ok,
        dkim,
        pct(dkim_ok, dkim),
        mailbox_named,
        gateway_cases,
        pct(mailbox_named, gateway_cases)
    ) + &format!(" (not named: {unnamed:?})");
    eprintln!("{figures}");
    assert!(
        pct(mx_ok, mx) >= MIN_MX_HOSTS_ATTRIBUTED_EXCEPT_OWN,
        "{figures}"
    );
    assert!(pct(spf_ok, spf) >= MIN_SPF_INCLUDES_ATTRIBUTED, "{figures}");
    assert!(pct(tokens_ok, tokens) >= MIN_TOKENS_ATTRIBUTED, "{figures}");
    assert!(
        pct(dkim_ok, dkim) >= MIN_DKIM_TARGETS_ATTRIBUTED,
        "{figures}"
    );
    assert!(gateway_cases >= 25, "{figures}");
    assert!(
        pct(mailbox_named, gateway_cases) >= MIN_MAILBOX_NAMED_BEHIND_GATEWAY,
        "{figures}"
    );
}
