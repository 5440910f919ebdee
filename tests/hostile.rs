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
    for f in ["transfer-map.dot", "transfer-map-detail.dot"] {
        assert!(
            !run.file(f).contains("digraph pwned"),
            "DOT injection survived in {f}"
        );
    }
    let detail = run.file("transfer-map-detail.svg");
    assert!(detail.contains("<svg") && detail.trim_end().ends_with("</svg>"));
    let report = run.file("report.md");
    assert!(
        report.contains("hostile-test"),
        "the hostile TXT should be shown as evidence"
    );
    // Markup from DNS is shown as text: every `<`, `&` and `]` of it is
    // backslash-escaped (CommonMark), so none can open a tag or a link.
    for raw in ["<script>", "<img", "<b>", "](javascript:"] {
        for (i, _) in report.match_indices(raw) {
            assert!(
                report[..i].ends_with('\\'),
                "report.md contains raw `{raw}` at {i}"
            );
        }
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
        "--fail-on",
        "info",
    ]);
    // Nothing was observed: a failed scan (exit 3), never "no path found",
    // and --fail-on does not pass on it.
    assert_eq!(run.code(), 3, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_eq!(scan["status"], "failed");
    let mx = scan["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["record_type"] == "MX")
        .expect("MX evidence");
    assert_eq!(mx["outcome"]["status"], "timeout", "{mx:#?}");
    assert!(
        scan["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["unknown"]["kind"] == "inbound-mail"),
        "{:#?}",
        scan["gaps"]
    );
    // An unanswered MX question is not "no MX record".
    assert!(
        !scan["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == "no-mx")
    );
    let report = run.file("report.md");
    assert!(report.contains("Failed scan"), "{report}");
    assert!(
        !report.contains("No path from the organisation"),
        "{report}"
    );
    assert!(run.stdout().contains("FAILED"), "{}", run.stdout());
    drop(udp);
}

#[test]
fn names_outside_the_served_zones_are_refused_evidence() {
    let dns = DnsFixture::start(&zones("own-servers"));
    let run = scan_live(&dns, "not-served.example", &[]);
    assert_eq!(run.code(), 3, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_eq!(scan["status"], "failed");
    let statuses: Vec<String> = scan["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "dns")
        .map(|e| e["outcome"]["status"].as_str().unwrap().to_string())
        .collect();
    assert!(!statuses.is_empty());
    assert!(statuses.iter().all(|s| s != "answer"), "{statuses:?}");
    assert!(
        findings(&scan).is_empty(),
        "nothing was found, so nothing is claimed"
    );
}

#[test]
fn servfail_from_upstream_is_recorded_not_fatal() {
    let server = ServfailServer::start();
    let resolver = server.addr.to_string();
    let run = run(&[
        "scan",
        "example.se",
        "--resolver",
        &resolver,
        "--timeout",
        "1",
    ]);
    assert_eq!(run.code(), 3, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_eq!(scan["status"], "failed");
    let mx = scan["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["record_type"] == "MX")
        .expect("MX evidence");
    assert_eq!(mx["outcome"]["status"], "serv-fail", "{mx:#?}");
    assert!(run.file("report.md").contains("SERVFAIL"));
    assert!(findings(&scan).iter().all(|f| f["country"].is_null()));
}

/// A zone with records too large for UDP: the resolver must retry over
/// TCP, and the oversized text must stay bounded in every output.
#[test]
fn answers_too_large_for_udp_come_over_tcp_and_stay_bounded() {
    let dir = tempfile::tempdir().unwrap();
    // A 16 KB SPF record (64 networks, each string under 255 bytes) and a
    // ~60 KB TXT record of hostile text.
    let nets: Vec<String> = (0..64).map(|i| format!("ip4:62.20.{i}.0/24")).collect();
    let mut spf_strings = vec!["\"v=spf1 \"".to_string()];
    for chunk in nets.chunks(8) {
        spf_strings.push(format!("\"{} \"", chunk.join(" ")));
    }
    spf_strings.push("\"-all\"".into());
    let padding = "<script>\\\"]; } x".repeat(12);
    let big: Vec<String> = (0..330).map(|i| format!("\"{i:03}{padding}\"")).collect();
    let zone = format!(
        "$ORIGIN large.example.\n$TTL 3600\n@ IN SOA ns hostmaster 1 3600 900 1209600 3600\n@ IN NS ns\nns IN A 62.20.151.2\n\
@ IN MX 10 mail\nmail IN A 62.20.151.25\n@ IN TXT {}\nbig IN TXT {}\n_dmarc IN CNAME big\n",
        spf_strings.join(" "),
        big.join(" ")
    );
    std::fs::write(dir.path().join("large.example.zone"), zone).unwrap();
    let dns = DnsFixture::start(dir.path());
    let run = scan_live(&dns, "large.example", &[]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_evidence_complete(&scan);
    // The whole SPF record arrived (it cannot over UDP): all 64 networks.
    let authorised = scan["collection"]["spf"]["root"]["authorises"]
        .as_array()
        .unwrap();
    assert_eq!(authorised.len(), 64, "SPF record incomplete");
    // The big record was fetched and recorded too.
    let big = scan["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "_dmarc.large.example")
        .expect("DMARC evidence");
    let text_len: usize = big["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().len())
        .sum();
    assert!(
        text_len > 60_000,
        "the large TXT did not arrive whole ({text_len} bytes)"
    );
    // Outputs stay bounded and inert.
    let report = run.file("report.md");
    assert!(
        report.len() < 200_000,
        "report.md is {} bytes",
        report.len()
    );
    assert!(!report.contains("<script>"));
    let dot = run.file("transfer-map-detail.dot");
    assert!(run.file("transfer-map.svg").contains("</svg>"));
    assert!(run.file("transfer-map-detail.svg").contains("</svg>"));
    assert!(dot.len() < 200_000);
}

#[test]
fn redirect_chains_are_followed_and_loops_stopped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("redirect.example.zone"),
        "$ORIGIN redirect.example.\n$TTL 3600\n@ IN SOA ns hostmaster 1 3600 900 1209600 3600\n@ IN NS ns\nns IN A 62.20.151.2\n\
@ IN MX 10 mail\nmail IN A 62.20.151.25\n\
@ IN TXT \"v=spf1 redirect=r1.redirect.example\"\n\
r1 IN TXT \"v=spf1 redirect=r2.redirect.example\"\n\
r2 IN TXT \"v=spf1 ip4:62.20.151.0/24 redirect=r1.redirect.example\"\n",
    )
    .unwrap();
    let dns = DnsFixture::start(dir.path());
    let run = scan_live(&dns, "redirect.example", &[]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    let root = &scan["collection"]["spf"]["root"];
    assert_eq!(root["children"][0]["reached_by"], "redirect");
    assert_eq!(
        root["children"][0]["children"][0]["domain"],
        "r2.redirect.example"
    );
    let problems = serde_json::to_string(&scan["problems"]).unwrap();
    assert!(problems.contains("redirect loop"), "{problems}");
    // The network behind the chain is mapped.
    let edges = scan["graph"]["edges"].as_array().unwrap();
    assert!(edges.iter().any(|e| e["to"] == "range:62.20.151.0/24"));
}

#[test]
fn the_html_report_and_mermaid_of_a_hostile_zone_are_inert() {
    let dns = DnsFixture::start(&zones("hostile"));
    let run = scan_live(&dns, "hostile.example", &["--format", "json,html,mermaid"]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let html = run.file("report.html");
    for raw in ["<script>", "<img", "<b>bold"] {
        assert!(!html.contains(raw), "report.html contains raw `{raw}`");
    }
    assert!(
        html.contains("&lt;script&gt;"),
        "the hostile text is shown, escaped"
    );
    let mmd = run.file("transfer-map.mmd");
    assert!(mmd.starts_with("flowchart LR"));
    for line in mmd.lines().skip(1) {
        // Every label stays inside its quotes: an even number of quote marks.
        assert_eq!(line.matches('"').count() % 2, 0, "{line}");
        assert!(!line.contains('<'), "{line}");
    }
}
