//! The faults real data and a tester exposed, one test each: hostile zones,
//! misbehaving servers and bad files. Each would pass unnoticed on a tool
//! that loses answers, misstates a legal status or draws what it cannot see.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// A zone directory built for one test: the given zone texts, plus copies
/// of fixture zones.
fn zone_dir(own: &[(&str, String)], copy_from: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for fixture in copy_from {
        for f in std::fs::read_dir(zones(fixture)).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|x| x == "zone") {
                std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
            }
        }
    }
    for (name, text) in own {
        std::fs::write(dir.path().join(format!("{name}.zone")), text).unwrap();
    }
    dir
}

/// A municipality zone: SOA, NS, and the given records.
fn municipality(domain: &str, records: &str) -> String {
    format!(
        "$ORIGIN {domain}.\n$TTL 300\n@ IN SOA ns1.{domain}. hostmaster.{domain}. 1 3600 900 1209600 300\n\
@ IN NS ns1.{domain}.\nns1 IN A 46.59.40.2\n{records}\n"
    )
}

fn scan_dir(dir: &Path, domain: &str, extra: &[&str]) -> Run {
    let zones = dir.display().to_string();
    let mut args = vec!["scan", domain, "--zone-file", zones.as_str()];
    args.extend_from_slice(extra);
    run(&args)
}

// --- 3. the summary states every status of a country --------------------

#[test]
fn a_country_with_a_certified_and_an_unrecorded_recipient_shows_both() {
    // Exchange Online (Microsoft: DPF certification recorded) and Mailchimp
    // (Intuit: none recorded) both reach the United States.
    let zone = municipality(
        "blandkommun.se",
        "@ IN MX 0 blandkommun-se.mail.protection.outlook.com.\n\
@ IN TXT \"v=spf1 include:spf.protection.outlook.com include:servers.mcsv.net -all\"\n",
    );
    let dir = zone_dir(
        &[("blandkommun.se", zone)],
        &["exo-swedish-tenant", "us-sender"],
    );
    std::fs::remove_file(dir.path().join("testkommun.se.zone")).unwrap();
    std::fs::remove_file(dir.path().join("sandkommun.se.zone")).unwrap();
    let run = scan_dir(dir.path(), "blandkommun.se", &["--as-of", "2026-11-25"]);
    assert!(matches!(run.code(), 0 | 3), "stderr: {}", run.stderr());
    let scan = run.scan();
    let us: Vec<&Value> = scan["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["country"] == "US")
        .collect();
    let met: Vec<&Value> = us.iter().map(|d| &d["status"]["met"]).collect();
    assert_eq!(met.len(), 2, "{us:#?}");
    // The most demanding first: nothing recorded, then certified.
    assert!(met[0].is_null(), "{us:#?}");
    assert_eq!(met[1], true, "{us:#?}");
    let report = run.file("report.md");
    let summary = report.split("## Third countries reached").nth(1).unwrap();
    let summary = summary.split("\n## ").next().unwrap();
    let unrecorded = summary
        .find("no certification of the recipient is recorded")
        .unwrap_or_else(|| panic!("{summary}"));
    let certified = summary
        .find("; the recipient is certified |")
        .unwrap_or_else(|| panic!("{summary}"));
    assert!(unrecorded < certified, "{summary}");
    // The opening sentences never state one status for the whole country:
    // the mailbox provider's own status is named as its own.
    let lead = report.split("## In short").nth(1).unwrap();
    let lead = lead.split("\n## ").next().unwrap();
    assert!(
        lead.contains("Legal status on 2026-11-25 for United States: adequacy only if"),
        "{lead}"
    );
    assert!(lead.contains("; the recipient is certified."), "{lead}");
    let check = lead
        .split("check each recipient's standing")
        .nth(1)
        .expect(lead);
    assert!(
        check.contains("United States (") && check.contains("Intuit"),
        "{lead}"
    );
}

// --- 4. renderers draw what the scan says ---------------------------------

#[test]
fn partial_scope_adequacy_is_not_drawn_as_an_adequate_country() {
    let zones = example("bollebygd/after").display().to_string();
    let run = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &zones,
        "--format",
        "json,dot",
    ]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let dot = run.file("transfer-map-detail.dot");
    // The zone a node is drawn in: the last zone cluster opened before it.
    let zone_of = |key: &str| {
        let at = dot.find(&format!("\"{key}\"")).expect(key);
        let before = &dot[..at];
        let z = before.rfind("subgraph cluster_z").expect("in a zone");
        before[z..].lines().nth(1).unwrap_or("").to_string()
    };
    assert!(
        zone_of("country:KR").contains("some recipients only"),
        "{dot}"
    );
    assert!(
        zone_of("country:US").contains("some recipients only"),
        "{dot}"
    );
    assert!(zone_of("country:JP").contains("Adequate country"), "{dot}");
    let scan = run.scan();
    assert_eq!(scan["countries"]["KR"]["status"]["status"], "adequate-if");
    assert_eq!(
        scan["countries"]["KR"]["status"]["condition"]["kind"],
        "within-scope"
    );
}

// --- 5. diff keys are stable across independent scans ----------------------

#[test]
fn removing_an_unrelated_record_adds_no_finding_to_a_diff() {
    // An unattributed own mail server, reached both as the MX and as the
    // MX of the TLS-RPT receiver. Removing the TLS-RPT record changes which
    // flow reaches the host first, not the host: no finding is new.
    let base = municipality(
        "stabil.se",
        "@ IN MX 10 mx.stabil.se.\nmx IN A 46.59.40.10\n@ IN TXT \"v=spf1 mx -all\"\n\
_dmarc IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc@stabil.se\"\n\
rapport IN MX 10 mx.stabil.se.\n",
    );
    let with_tlsrpt =
        format!("{base}_smtp._tls IN TXT \"v=TLSRPTv1; rua=mailto:tls@rapport.stabil.se\"\n");
    let before = zone_dir(&[("stabil.se", with_tlsrpt)], &[]);
    let after = zone_dir(&[("stabil.se", base)], &[]);
    let a = scan_dir(before.path(), "stabil.se", &["--format", "json"]);
    let b = scan_dir(after.path(), "stabil.se", &["--format", "json"]);
    assert_eq!(a.code(), 0, "{}", a.stderr());
    assert_eq!(b.code(), 0, "{}", b.stderr());
    for (x, y) in [(&a, &b), (&b, &a)] {
        let out = tempfile::tempdir().unwrap();
        let diff = std::process::Command::new(env!("CARGO_BIN_EXE_transfermap"))
            .arg("diff")
            .arg(x.out.path().join("scan.json"))
            .arg(y.out.path().join("scan.json"))
            .args(["--fail-on-new", "low", "--out"])
            .arg(out.path())
            .output()
            .unwrap();
        let md = std::fs::read_to_string(out.path().join("diff.md")).unwrap_or_default();
        assert_eq!(diff.status.code(), Some(0), "{md}");
        let d: Value =
            serde_json::from_str(&std::fs::read_to_string(out.path().join("diff.json")).unwrap())
                .unwrap();
        let changed: Vec<&Value> = d["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["change"] != "unchanged")
            .collect();
        assert!(changed.is_empty(), "{changed:#?}");
        // The flows did change: the diff is not blind.
        assert!(
            d["flows"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["change"] != "unchanged"),
            "{md}"
        );
    }
}

// --- 6. one SPF grammar ------------------------------------------------------

#[test]
fn spf_records_receivers_reject_authorise_nothing() {
    // 12.0.0.0/8 is AT&T's, geolocated in the US: were the broken record
    // read, it would be a US sender (TM108).
    for (name, spf) in [
        ("v6", "v=spf1 ip4:2001:db8::/32 ip4:12.0.0.0/8 -all"),
        ("short", "v=spf1 ip4:1.2.3 ip4:12.0.0.0/8 -all"),
        ("cidr", "v=spf1 ip4:12.0.0.0/33 -all"),
        ("unknown", "v=spf1 foo:bar ip4:12.0.0.0/8 -all"),
        ("after-all", "v=spf1 -all ip4:12.0.0.0/8"),
        (
            "redirect",
            "v=spf1 ip4:192.0.2.1 -all redirect=us.spfkommun.se",
        ),
    ] {
        let zone = municipality(
            "spfkommun.se",
            &format!(
                "@ IN MX 10 mx.spfkommun.se.\nmx IN A 46.59.40.10\n@ IN TXT \"{spf}\"\n\
us IN TXT \"v=spf1 ip4:12.0.0.0/8 -all\"\n"
            ),
        );
        let dir = zone_dir(&[("spfkommun.se", zone)], &[]);
        let run = scan_dir(dir.path(), "spfkommun.se", &["--format", "json"]);
        let scan = run.scan();
        let all = findings(&scan);
        let tm108 = with_rule(&all, "TM108");
        assert!(tm108.is_empty(), "{name}: {tm108:#?}");
        let ranges: Vec<&Value> = scan["graph"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["key"].as_str().unwrap().starts_with("range:12."))
            .collect();
        assert!(ranges.is_empty(), "{name}: {ranges:#?}");
        assert!(
            !scan["problems"].as_array().unwrap().is_empty(),
            "{name}: the reason is recorded"
        );
    }
}

// --- 7. unknown networks are counted and reported ---------------------------

#[test]
fn an_spf_network_no_map_explains_is_unknown_not_eu_only() {
    let zone = municipality(
        "natkommun.se",
        "@ IN MX 10 mx.natkommun.se.\nmx IN A 46.59.40.10\n\
@ IN TXT \"v=spf1 mx ip4:12.0.0.0/8 -all\"\n",
    );
    let dir = zone_dir(&[("natkommun.se", zone)], &[]);
    let run = scan_dir(dir.path(), "natkommun.se", &["--format", "json,md"]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    let all = findings(&scan);
    // Everything not attributed is one finding, each thing its own
    // occurrence with its note.
    let tm110 = with_rule(&all, "TM110");
    assert_eq!(tm110.len(), 1, "{:#?}", findings(&scan));
    let also = tm110[0]["also"].as_array().into_iter().flatten();
    let unknown: Vec<&Value> = std::iter::once(tm110[0])
        .chain(also)
        .map(|o| &o["note"])
        .filter(|n| n["what"] == "network")
        .collect();
    assert_eq!(unknown.len(), 1, "{:#?}", findings(&scan));
    assert_eq!(unknown[0]["networks"][0], "12.0.0.0/8");
    let spf_flow = scan["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["entry"] == "spf:natkommun.se")
        .unwrap();
    assert!(
        spf_flow["unattributed"].as_u64().unwrap() >= 1,
        "{spf_flow:#?}"
    );
}

// --- 8. the binary outside its checkout -------------------------------------

#[test]
fn the_binary_runs_from_any_directory_with_its_built_in_data() {
    let elsewhere = tempfile::tempdir().unwrap();
    let zones = example("bollebygd/after").display().to_string();
    let out = elsewhere.path().join("out");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_transfermap"))
        .current_dir(elsewhere.path())
        .env_remove("TRANSFERMAP_GEODATA")
        .args([
            "scan",
            "bollebygd.se",
            "--zone-file",
            &zones,
            "--format",
            "json",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let scan: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("scan.json")).unwrap()).unwrap();
    assert!(
        scan["geodata"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["file"].as_str().unwrap().ends_with("(built in)"))
    );
    assert!(!findings(&scan).is_empty());
}

// --- 9 and 14. huge answers ---------------------------------------------------

#[test]
fn a_host_with_thousands_of_addresses_is_scanned_and_its_truncation_recorded() {
    let mut records = String::from("@ IN MX 10 many.hugekommun.se.\n@ IN TXT \"v=spf1 mx -all\"\n");
    for i in 0..4000u32 {
        records.push_str(&format!("many IN A 10.{}.{}.1\n", (i >> 8) & 255, i & 255));
    }
    let dir = zone_dir(
        &[("hugekommun.se", municipality("hugekommun.se", &records))],
        &[],
    );
    let run = scan_dir(dir.path(), "hugekommun.se", &["--dot-timeout", "20"]);
    // The in-process server cannot send 4000 records in one message: the
    // scan says so (partial), and everything is still written.
    assert_eq!(run.code(), 3, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_eq!(scan["status"], "partial");
    let gap = scan["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["asked"] == "many.hugekommun.se" && g["record_type"] == "A")
        .unwrap_or_else(|| panic!("{:#?}", scan["gaps"]));
    assert!(
        gap["outcome"].as_str().unwrap().contains("truncated"),
        "{gap}"
    );
    for f in [
        "report.md",
        "report.html",
        "transfer-map.dot",
        "transfer-map-detail.dot",
    ] {
        assert!(run.out.path().join(f).is_file(), "{f}");
    }
    // Drawn with the addresses collapsed into one node.
    let dot = run.file("transfer-map-detail.dot");
    assert!(dot.contains("addresses (many.hugekommun.se)"), "collapsed");
    assert!(dot.len() < 200_000, "{} bytes of DOT", dot.len());
}

// --- 10. incomplete scans look incomplete -----------------------------------

#[test]
fn reaching_the_query_cap_makes_the_scan_partial() {
    let mut records = String::from("@ IN TXT \"v=spf1 -all\"\n");
    for i in 0..500 {
        records.push_str(&format!("@ IN MX {} mx{i}.capkommun.se.\n", i % 100));
    }
    let dir = zone_dir(
        &[("capkommun.se", municipality("capkommun.se", &records))],
        &[],
    );
    // No finding is high; the gate still does not pass on what was not asked.
    let run = scan_dir(
        dir.path(),
        "capkommun.se",
        &["--format", "json", "--fail-on", "high"],
    );
    assert_eq!(run.code(), 3, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_eq!(scan["status"], "partial");
    assert!(
        scan["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["outcome"].as_str().unwrap().contains("cap")),
        "{:#?}",
        scan["gaps"]
    );
}

#[test]
fn a_server_with_nothing_listening_fails_the_scan() {
    // A port that was just free: nothing listens there.
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let resolver = format!("127.0.0.1:{port}");
    let run = run(&[
        "scan",
        "nobody.example",
        "--resolver",
        &resolver,
        "--timeout",
        "0.2",
        "--format",
        "json,md",
    ]);
    assert_eq!(run.code(), 3, "stderr: {}", run.stderr());
    assert_eq!(run.scan()["status"], "failed");
    assert!(
        !run.file("report.md")
            .contains("No path from the organisation")
    );
}

#[test]
fn an_empty_or_foreign_recording_is_not_a_clean_scan() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let e = run(&[
        "scan",
        "bollebygd.se",
        "--replay",
        &empty.display().to_string(),
    ]);
    assert_eq!(e.code(), 2, "stdout: {}", e.stdout());
    assert!(e.stderr().contains("no answers"), "{}", e.stderr());
    // A recording of another domain answers none of this one's questions.
    let recording = dir.path().join("other.jsonl");
    let zones = zones("own-servers").display().to_string();
    let rec = run(&[
        "scan",
        "egenkommun.se",
        "--zone-file",
        &zones,
        "--record",
        &recording.display().to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(rec.code(), 0, "{}", rec.stderr());
    let foreign = run(&[
        "scan",
        "bollebygd.se",
        "--replay",
        &recording.display().to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(foreign.code(), 3, "{}", foreign.stderr());
    assert_eq!(foreign.scan()["status"], "failed");
}

// --- 11. bad knowledge or geodata ---------------------------------------------

#[test]
fn an_empty_knowledge_base_is_refused() {
    let empty = tempfile::tempdir().unwrap();
    let zones = example("bollebygd/after").display().to_string();
    let run = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &zones,
        "--maps",
        &empty.path().display().to_string(),
        "--maps-alone",
    ]);
    assert_eq!(run.code(), 2, "stdout: {}", run.stdout());
    assert!(run.stderr().contains("EU/EEA"), "{}", run.stderr());
}

#[test]
fn a_corrupt_or_wrong_geolocation_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let geodata = Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata");
    // Half of a real database.
    let bytes = std::fs::read(geodata.join("geolocated-country.mmdb")).unwrap();
    let mut cut = bytes[..bytes.len() / 2].to_vec();
    cut.extend_from_slice(&bytes[bytes.len() - 4096..]);
    let corrupt = dir.path().join("corrupt.mmdb");
    std::fs::write(&corrupt, cut).unwrap();
    let zones = example("bollebygd/after").display().to_string();
    for (flag, file) in [
        ("--geoip-country", corrupt.clone()),
        ("--geoip-country", geodata.join("asn.mmdb")),
        ("--geoip-asn", geodata.join("geolocated-country.mmdb")),
    ] {
        let run = run(&[
            "scan",
            "bollebygd.se",
            "--zone-file",
            &zones,
            flag,
            &file.display().to_string(),
        ]);
        assert_eq!(run.code(), 2, "{flag} {}: {}", file.display(), run.stdout());
        assert!(
            run.stderr().contains("not a usable") || run.stderr().contains("cannot open"),
            "{}",
            run.stderr()
        );
    }
}

// --- 12. invisible characters ---------------------------------------------

#[test]
fn bidi_controls_from_dns_are_shown_not_obeyed() {
    let zone = municipality(
        "bidikommun.se",
        "@ IN MX 10 mx.bidikommun.se.\nmx IN A 46.59.40.10\n\
@ IN TXT \"v=spf1 mx -all\"\n\
@ IN TXT \"bidi-verification=\u{202e}evil\u{202c}x\"\n",
    );
    let dir = zone_dir(&[("bidikommun.se", zone)], &[]);
    let run = scan_dir(
        dir.path(),
        "bidikommun.se",
        &["--format", "json,md,html,dot,svg,detail,mermaid"],
    );
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    for f in [
        "report.md",
        "report.html",
        "transfer-map.dot",
        "transfer-map.svg",
        "transfer-map-detail.dot",
        "transfer-map-detail.svg",
        "transfer-map.mmd",
    ] {
        let text = run.file(f);
        assert!(!text.contains('\u{202e}'), "{f} holds a raw U+202E");
    }
    assert!(run.file("report.md").contains("U+202E"));
    assert!(!run.stdout().contains('\u{202e}'));
    // An escape sequence in a domain argument is not echoed raw.
    let esc = common::run(&["scan", "x\u{1b}[31m.se"]);
    assert_eq!(esc.code(), 2);
    assert!(!esc.stderr().contains('\u{1b}'), "{:?}", esc.stderr());
}

// --- 15. limits and clear errors --------------------------------------------

#[test]
fn out_of_range_limits_and_bad_paths_are_usage_errors() {
    let zones = example("bollebygd/after").display().to_string();
    for args in [
        vec!["--max-in-flight", "2305843009213693952"],
        vec!["--concurrency", "2305843009213693952"],
        vec!["--concurrency", "0"],
        vec!["--timeout", "0"],
    ] {
        let mut all = vec!["scan", "bollebygd.se", "--zone-file", zones.as_str()];
        all.extend_from_slice(&args);
        let run = run(&all);
        assert_eq!(run.code(), 2, "{args:?}: {}", run.stderr());
        assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let run = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &zones,
        "--record",
        &d,
    ]);
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains(&d), "{}", run.stderr());
    // A broken maps file is named with its folder.
    std::fs::write(dir.path().join("providers.toml"), "[[provider]]\nid = 1\n").unwrap();
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_transfermap"))
        .args(["maps", "check", &d])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("{d}/providers.toml:")), "{stderr}");
}
