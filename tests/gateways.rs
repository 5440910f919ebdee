//! Mail routes past gateways and geolocation shapes, on the `gateways/`
//! zones (tests/zones/README.md) and the invented databases of
//! tests/fixtures/make_geo_shapes.py: the mailbox behind a filter is
//! inferred from DKIM, autodiscover and the tenant host, never from a token
//! alone; a flattening include is said to hide its senders; an SPF network
//! is placed over its whole range; a tiny share and a lone misplaced
//! address are possible database artefacts, not destinations.

mod common;

use common::*;
use serde_json::Value;

fn fixture(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn scan_gateway(domain: &str) -> (Run, Value) {
    let dns = DnsFixture::start(&zones("gateways"));
    let country = fixture("geo-shapes-country.mmdb");
    let asn = fixture("geo-shapes-asn.mmdb");
    let run = scan_live(
        &dns,
        domain,
        &[
            "--as-of",
            "2026-11-25",
            "--format",
            "json,md",
            "--geoip-country",
            &country,
            "--geoip-registry",
            &country,
            "--geoip-asn",
            &asn,
        ],
    );
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_evidence_complete(&scan);
    (run, scan)
}

fn inbound(scan: &Value) -> &Value {
    scan["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "delivers-to")
        .expect("an inbound flow")
}

fn inferred_edges(scan: &Value) -> Vec<&Value> {
    scan["graph"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["inference"].is_null())
        .collect()
}

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str())
        .collect()
}

#[test]
fn a_filter_in_front_of_exchange_online_is_seen_through() {
    let (run, scan) = scan_gateway("gatewaykommun.se");
    let flow = inbound(&scan);
    assert_eq!(flow["entry"], "host:mx1.gatewaykommun.se");
    assert_eq!(strs(&flow["gateways"]), ["mx1.gatewaykommun.se"]);
    let mailbox = &flow["mailbox"];
    assert_eq!(mailbox["service"], "Exchange Online", "{flow:#}");
    assert_eq!(mailbox["inferred"]["rule"], "mailbox-behind-gateway");
    assert_eq!(mailbox["inferred"]["strength"], "strong");
    let signals = strs(&mailbox["inferred"]["signals"]);
    for s in ["dkim", "autodiscover", "tenant-host"] {
        assert!(signals.contains(&s), "{signals:?}");
    }

    // The route is one inferred edge, MX host → the mailbox service, whose
    // evidence is the MX answer and the records it rests on.
    let edges = inferred_edges(&scan);
    assert_eq!(edges.len(), 1, "{edges:#?}");
    let e = edges[0];
    assert_eq!(e["from"], "host:mx1.gatewaykommun.se");
    assert_eq!(e["kind"], "delivers-to");
    assert_eq!(e["to"], "service:exchange-online");
    let cited: Vec<String> = e["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| {
            let i = id.as_u64().unwrap() as usize;
            scan["evidence"][i]["name"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    for name in [
        "gatewaykommun.se",
        "selector1._domainkey.gatewaykommun.se",
        "autodiscover.gatewaykommun.se",
        "gatewaykommun-se.mail.protection.outlook.com",
    ] {
        assert!(cited.iter().any(|c| c == name), "{name} not in {cited:?}");
    }

    // The US-law finding is met behind the filter too, through that step.
    let legal = occurrences(&scan)
        .into_iter()
        .find(|f| f["rule"] == "TM103" && f["entry"] == "host:mx1.gatewaykommun.se")
        .expect("TM103 entering at the filter");
    assert!(
        legal["path"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["inference"]["strength"] == "strong"),
        "{legal:#}"
    );
    let report = run.file("report.md");
    assert!(
        report.contains(
            "inferred: the mailbox behind the gateway (strong: DKIM selector delegated to it"
        ),
        "the report names the inference on the hop"
    );
}

#[test]
fn a_microsoft_token_alone_never_makes_a_mailbox() {
    let (_, scan) = scan_gateway("tokenkommun.se");
    // MS= proves an Entra ID tenant: an accounts flow, nothing more.
    let flows = scan["flows"].as_array().unwrap();
    assert!(
        flows
            .iter()
            .any(|f| f["kind"] == "has-accounts-at" && f["detail"] == "MS")
    );
    assert!(inbound(&scan)["mailbox"].is_null(), "{:#}", inbound(&scan));
    assert!(inferred_edges(&scan).is_empty());
    // The tenant host was asked (a Microsoft sign) and does not exist.
    let tenant = &scan["collection"]["families"]["tenant_host"];
    assert_eq!(tenant["name"], "tokenkommun-se.mail.protection.outlook.com");
    assert_eq!(tenant["exists"], false);
}

#[test]
fn a_flattening_include_is_said_to_hide_its_senders() {
    let (run, scan) = scan_gateway("tokenkommun.se");
    let flattened = occurrences(&scan)
        .into_iter()
        .find(|f| f["rule"] == "TM110" && f["note"]["what"] == "flattened")
        .expect("a TM110 note for the flattening include");
    assert_eq!(flattened["note"]["name"], "k1a2b3c4d5.powerspf.com");
    assert_eq!(flattened["subject"], "spf:k1a2b3c4d5.powerspf.com");
    // The flattening service is known; the senders behind it are not.
    let spf = scan["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "sends-via" && f["detail"].is_null())
        .unwrap();
    assert!(spf["unattributed"].as_u64().unwrap() >= 1, "{spf:#}");
    let report = run.file("report.md");
    assert!(
        report.contains("k1a2b3c4d5.powerspf.com"),
        "report names the include"
    );
}

#[test]
fn autodiscover_published_only_as_srv_shows_the_mailbox() {
    let (_, scan) = scan_gateway("srvkommun.se");
    let flows = scan["flows"].as_array().unwrap();
    let clients = flows
        .iter()
        .find(|f| f["kind"] == "client-access")
        .expect("a client-access flow from the SRV record");
    assert_eq!(clients["detail"], "_autodiscover._tcp.srvkommun.se");
    assert_eq!(strs(&clients["services"]), ["Exchange Online"]);
    let mailbox = &inbound(&scan)["mailbox"];
    assert_eq!(mailbox["service"], "Exchange Online");
    assert_eq!(mailbox["inferred"]["strength"], "medium");
    assert_eq!(strs(&mailbox["inferred"]["signals"]), ["autodiscover"]);
    // SPF `mx` authorises the filter to send; sending from it does not
    // reach the mailboxes behind it.
    let spf = flows.iter().find(|f| f["kind"] == "sends-via").unwrap();
    assert!(strs(&spf["services"]).is_empty(), "{spf:#}");
}

#[test]
fn an_spf_network_is_placed_over_its_whole_range() {
    let (run, scan) = scan_gateway("gatewaykommun.se");
    let range = &scan["collection"]["ranges"]["203.0.113.0/24"];
    let shares: Vec<(String, f64)> = range["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["country"].as_str().unwrap().to_string(),
                s["pct"].as_f64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("US", 50.0),
        ("JP", 25.0),
        ("SE", 12.5),
        ("DE", 6.25),
        ("CA", 3.13),
        ("GB", 1.56),
        ("NO", 0.78),
        ("BR", 0.39),
    ];
    assert_eq!(shares.len(), want.len(), "{shares:?}");
    for ((c, p), (wc, wp)) in shares.iter().zip(want) {
        assert_eq!(c, wc);
        assert!((p - wp).abs() < 0.01, "{c} {p} vs {wp}");
    }
    assert!((range["unplaced_pct"].as_f64().unwrap() - 0.39).abs() < 0.01);
    assert_eq!(range["networks_read"], 8);
    assert_eq!(range["truncated"], false);
    // One located-in edge per country, each saying its share.
    let located: Vec<(&str, &str)> = scan["graph"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["from"] == "range:203.0.113.0/24" && e["kind"] == "located-in")
        .map(|e| (e["to"].as_str().unwrap(), e["detail"].as_str().unwrap()))
        .collect();
    assert_eq!(located.len(), 8, "{located:?}");
    assert!(located.contains(&("country:JP", "geolocated: 25.00% of its addresses")));

    // One TM108 finding for the range: each third country with its own
    // status; Sweden, Germany and Norway are not third countries.
    let tm108 = with_rule(&findings(&scan), "TM108")
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(tm108.len(), 1, "{tm108:#?}");
    let countries: Vec<String> = occurrences(&scan)
        .into_iter()
        .filter(|f| f["rule"] == "TM108")
        .map(|f| f["country"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = countries.clone();
    sorted.sort();
    assert_eq!(sorted, ["BR", "CA", "GB", "JP", "US"], "{countries:?}");
    let report = run.file("report.md");
    assert!(report.contains("geolocated: 50.00% of its addresses"));
}

#[test]
fn tiny_shares_and_lone_misplaced_addresses_are_possible_artefacts() {
    let (run, scan) = scan_gateway("gatewaykommun.se");
    let all = occurrences(&scan);
    // A tiny share of a range: reported, plainly, and no destination.
    let brazil = all
        .iter()
        .find(|f| f["rule"] == "TM108" && f["country"] == "BR")
        .expect("BR is reported");
    assert_eq!(brazil["note"]["kind"], "possible-artefact");
    assert_eq!(brazil["note"]["why"]["kind"], "tiny-share");
    // The lone address: placed in Mexico, registered in Sweden, between
    // networks placed in Sweden.
    let mexico = all
        .iter()
        .find(|f| f["rule"] == "TM101" && f["country"] == "MX")
        .expect("the MX host's placement is reported");
    assert_eq!(mexico["severity"], "info");
    assert_eq!(mexico["note"]["why"]["kind"], "lone-address");
    assert_eq!(mexico["note"]["why"]["registered"], "SE");
    assert_eq!(strs(&mexico["note"]["why"]["neighbours"]), ["SE", "SE"]);
    // Neither asks for safeguards: they are not destinations.
    let destinations: Vec<&str> = scan["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["country"].as_str().unwrap())
        .collect();
    assert!(!destinations.contains(&"BR"), "{destinations:?}");
    assert!(!destinations.contains(&"MX"), "{destinations:?}");
    for c in ["US", "JP", "CA", "GB"] {
        assert!(
            destinations.contains(&c),
            "{c} missing from {destinations:?}"
        );
    }
    let report = run.file("report.md");
    assert!(
        report.contains("possibly a database artefact: the network's holder is registered in SE")
    );
    // The tiny share is marked where its country is named, among the
    // network's other placements, and what the mark means is said once
    // under the line.
    let line = report
        .lines()
        .find(|l| l.contains("Brazil (geolocated: 0.39% of its addresses)"))
        .unwrap_or_else(|| panic!("the Brazil placement: {report}"));
    assert!(
        line.contains("Brazil (geolocated: 0.39% of its addresses) †"),
        "{line}"
    );
    assert!(report.contains("   - †: possibly a database artefact: so small a share"));
}

#[test]
fn reports_and_summaries_name_the_mailbox_behind_the_gateway() {
    let (single, _) = scan_gateway("gatewaykommun.se");
    let report = single.file("report.md");
    let inbound = report
        .lines()
        .find(|l| l.starts_with("| Inbound mail (MX) |"))
        .expect("the inbound row of the flows table");
    assert!(
        inbound.contains("Exchange Online (Microsoft Ireland Operations Ltd); inferred: the mailbox behind the gateway (strong"),
        "{inbound}"
    );
    assert!(
        inbound.contains("behind the gateway: mx1.gatewaykommun.se"),
        "{inbound}"
    );

    // A run over several domains says it per domain, in both summaries.
    let dns = DnsFixture::start(&zones("gateways"));
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("domains.txt");
    std::fs::write(&list, "gatewaykommun.se\ntokenkommun.se\nsrvkommun.se\n").unwrap();
    let country = fixture("geo-shapes-country.mmdb");
    let asn = fixture("geo-shapes-asn.mmdb");
    let resolver = dns.addr().to_string();
    let batch = run(&[
        "scan",
        "--domains-file",
        list.to_str().unwrap(),
        "--resolver",
        &resolver,
        "--format",
        "json",
        "--geoip-country",
        &country,
        "--geoip-registry",
        &country,
        "--geoip-asn",
        &asn,
    ]);
    assert_eq!(batch.code(), 0, "stderr: {}", batch.stderr());
    let csv = batch.file("summary.csv");
    let rows: Vec<&str> = csv.lines().collect();
    assert!(
        rows[0].contains("mailbox,mailbox_inferred,gateways"),
        "{}",
        rows[0]
    );
    let row = |d: &str| rows.iter().find(|r| r.contains(d)).copied().unwrap_or("");
    assert!(
        row("gatewaykommun.se").contains("Exchange Online,strong,mx1.gatewaykommun.se"),
        "{csv}"
    );
    assert!(
        row("srvkommun.se").contains("Exchange Online,medium,filter.srvkommun.se"),
        "{csv}"
    );
    assert!(
        row("tokenkommun.se").contains(",,mx.tokenkommun.se"),
        "{csv}"
    );
    let md = batch.file("summary.md");
    assert!(
        md.contains("| Exchange Online (inferred, strong) | mx1.gatewaykommun.se |"),
        "{md}"
    );
}
