//! Hostile and broken DNS: every trap ends in a recorded problem and a
//! partial result; nothing panics; outputs stay well-formed and escaped.

mod common;

use common::*;

#[test]
fn hostile_zone_ends_in_recorded_problems_and_inert_outputs() {
    let dns = DnsFixture::start(&zones("hostile"));
    let run = scan_live(&dns, "hostile.example", &[]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_evidence_complete(&scan);

    let problems: Vec<String> = scan["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p["code"].as_str().unwrap(),
                p["message"].as_str().unwrap()
            )
        })
        .collect();
    let has = |needle: &str| problems.iter().any(|p| p.contains(needle));
    assert!(has("include loop"), "{problems:#?}");
    assert!(
        has("missing.hostile.example: no SPF record (NXDOMAIN)"),
        "{problems:#?}"
    );
    assert!(has("spf-lookup-limit"), "{problems:#?}");
    assert!(has("not a usable mailto"), "{problems:#?}");
    // The 10-lookup overrun is a finding about the domain, and the map went on.
    assert_eq!(with_rule(&findings(&scan), "TM201").len(), 1);
    let spf_tree = &scan["collection"]["spf"];
    assert!(spf_tree["lookup_terms"].as_u64().unwrap() > 10);
    let children = spf_tree["root"]["children"].as_array().unwrap();
    assert!(
        children
            .iter()
            .any(|c| c["domain"] == "s12.hostile.example"),
        "mapping stopped early"
    );

    // The CNAME loop behind an MX ends as a problem on that host.
    let a = &scan["collection"]["hosts"]["a.hostile.example"];
    assert!(
        a["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p.as_str().unwrap().contains("CNAME loop")),
        "{a:#?}"
    );

    // The valid MX is still mapped to Sweden.
    let edges = scan["graph"]["edges"].as_array().unwrap();
    assert!(
        edges
            .iter()
            .any(|e| e["from"] == "addr:31.209.177.25" && e["to"] == "country:SE")
    );

    // Outputs: DOT was laid out, the SVG is XML, the report has no live markup.
    let svg = run.file("transfer-map.svg");
    assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
    let dot = run.file("transfer-map.dot");
    assert!(!dot.contains("digraph pwned"), "DOT injection survived");
    let report = run.file("report.md");
    assert!(
        report.contains("hostile-test"),
        "the hostile TXT should be shown as evidence"
    );
    for raw in ["<script>", "<img", "<b>", "](javascript:"] {
        assert!(!report.contains(raw), "report.md contains raw `{raw}`");
    }
}

#[test]
fn a_server_that_never_answers_is_a_timeout_not_a_hang() {
    // A UDP socket that reads nothing and a TCP listener that accepts nothing.
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = udp.local_addr().unwrap().port();
    let _tcp = std::net::TcpListener::bind(("127.0.0.1", port));
    let resolver = format!("127.0.0.1:{port}");
    let run = run(&[
        "scan",
        "silent.example",
        "--resolver",
        &resolver,
        "--timeout",
        "0.3",
    ]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    let mx = scan["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["record_type"] == "MX")
        .expect("MX evidence");
    assert_eq!(mx["outcome"]["status"], "timeout", "{mx:#?}");
    assert!(
        scan["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == "no-mx")
    );
    drop(udp);
}

#[test]
fn names_outside_the_served_zones_are_refused_evidence() {
    let dns = DnsFixture::start(&zones("own-servers"));
    let run = scan_live(&dns, "not-served.example", &[]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    let statuses: Vec<String> = scan["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "dns")
        .map(|e| e["outcome"]["status"].as_str().unwrap().to_string())
        .collect();
    assert!(!statuses.is_empty());
    assert!(statuses.iter().all(|s| s != "answer"), "{statuses:?}");
    assert!(findings(&scan).is_empty());
}
