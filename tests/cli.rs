//! The command line as a user meets it: the offline example, the as-of
//! date, languages, and friendly errors with exit code 2.

mod common;

use common::*;

fn example_zone(which: &str) -> String {
    example(&format!("bollebygd/{which}")).display().to_string()
}

#[test]
fn bollebygd_before_stays_in_sweden() {
    let run = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &example_zone("before"),
    ]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_evidence_complete(&scan);
    let all = occurrences(&scan);
    assert!(all.iter().all(|f| f["country"].is_null()), "{all:#?}");
    // Its own servers are not in the maps: reported as unknown hosts.
    assert!(all.iter().all(|f| f["rule"] == "TM110"), "{all:#?}");
    assert!(all.iter().any(|f| f["subject"] == "host:mx1.bollebygd.se"));
    assert!(run.file("transfer-map.svg").contains("<svg"));
}

#[test]
fn as_of_date_shows_what_the_law_made_of_the_same_routing() {
    let zones = example_zone("after");
    let y2021 = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &zones,
        "--as-of",
        "2021-05-01",
    ]);
    let y2026 = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &zones,
        "--as-of",
        "2026-11-25",
    ]);
    assert_eq!(y2021.code(), 0, "stderr: {}", y2021.stderr());
    assert_eq!(y2026.code(), 0, "stderr: {}", y2026.stderr());
    let legal_status = |run: &Run| {
        let scan = run.scan();
        let f = findings(&scan)
            .into_iter()
            .find(|f| f["rule"] == "TM103" && f["country"] == "US")
            .expect("legal finding");
        f["status"].clone()
    };
    let before = legal_status(&y2021);
    let after = legal_status(&y2026);
    // 2021: Privacy Shield void since Schrems II, the DPF not yet adopted.
    assert_eq!(before["status"], "no-adequacy", "{before:#?}");
    assert!(before["ended"].as_str().unwrap().contains("Privacy Shield"));
    // 2026: the DPF applies to Microsoft as a certified organisation.
    assert_eq!(after["status"], "adequate-if", "{after:#?}");
    assert_eq!(after["met"], true);
    assert!(y2021.file("report.md").contains("Privacy Shield"));
}

#[test]
fn swedish_report_and_diagram() {
    let run = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &example_zone("after"),
        "--lang",
        "sv",
    ]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let report = run.file("report.md");
    assert!(report.starts_with("# Överföringskarta: bollebygd.se"));
    assert!(report.contains("## Vägar, steg för steg"));
    assert!(report.contains("USA"));
    assert!(!report.contains("Förenta staterna"));
    let board = run.file("transfer-map.dot");
    assert!(board.contains("Organisationens brevlådor"), "{board}");
    assert!(board.contains("USA"), "{board}");
    assert!(run.file("transfer-map-detail.dot").contains("Tredjeland"));
}

#[test]
fn fail_on_severity_sets_exit_code() {
    let zones = example_zone("after");
    let run = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &zones,
        "--fail-on",
        "medium",
    ]);
    assert_eq!(run.code(), 1, "stderr: {}", run.stderr());
    // The outputs are still written.
    assert!(run.scan()["findings"].as_array().unwrap().len() > 1);
}

#[test]
fn bad_input_is_a_clear_error_with_exit_code_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["scan", "not a domain", "--zone-file", "/nonexistent"],
            "not a valid domain name",
        ),
        (
            &["scan", "example.se", "--zone-file", "/nonexistent/x.zone"],
            "cannot read zone file",
        ),
        (
            &["scan", "example.se", "--as-of", "2021-13-01"],
            "invalid value",
        ),
        (
            &["scan", "example.se", "--customer-country", "Sweden"],
            "not a two-letter country code",
        ),
        (
            &["scan", "example.se", "--geoip-asn", "/nonexistent.mmdb"],
            "cannot open asn database",
        ),
    ];
    for (args, message) in cases {
        let run = run(args);
        assert_eq!(run.code(), 2, "{args:?}: {}", run.stderr());
        assert!(run.stderr().contains(message), "{args:?}: {}", run.stderr());
        assert!(
            !run.stderr().contains("panicked"),
            "{args:?}: {}",
            run.stderr()
        );
    }
}

#[test]
fn broken_zone_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.example.zone");
    std::fs::write(
        &path,
        "$ORIGIN broken.example.\n@ IN SOA ns hostmaster (1 2 3 4\n@ IN MX notanumber mail\n",
    )
    .unwrap();
    let run = run(&[
        "scan",
        "broken.example",
        "--zone-file",
        path.to_str().unwrap(),
    ]);
    assert_eq!(run.code(), 2, "stderr: {}", run.stderr());
    assert!(
        run.stderr().contains("broken.example.zone"),
        "{}",
        run.stderr()
    );
}

#[test]
fn maps_check_reports_file_line_and_field() {
    let ok = std::process::Command::new(env!("CARGO_BIN_EXE_transfermap"))
        .args(["maps", "check"])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("maps OK"));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[provider]]\nid = \"x\"\nname = \"X\"\ncountry = \"US\"\nparent = \"nobody\"\nsource = \"https://example.org\"\nchecked = \"2026-01-01\"\n",
    )
    .unwrap();
    // On its own, the directory lacks countries as well as the parent.
    let alone = std::process::Command::new(env!("CARGO_BIN_EXE_transfermap"))
        .args(["maps", "check", "--alone"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(alone.status.code(), Some(2));
    let err = String::from_utf8_lossy(&alone.stderr);
    assert!(
        err.contains("bad.toml:5: field `parent`: unknown provider `nobody`"),
        "{err}"
    );
    assert!(
        err.contains("bad.toml:4: field `country`: unknown country `US`"),
        "{err}"
    );
    // On top of the built-in maps, US exists; the parent still does not.
    let layered = std::process::Command::new(env!("CARGO_BIN_EXE_transfermap"))
        .args(["maps", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(layered.status.code(), Some(2));
    let err = String::from_utf8_lossy(&layered.stderr);
    assert!(
        err.contains("bad.toml:5: field `parent`: unknown provider `nobody`"),
        "{err}"
    );
    assert!(!err.contains("unknown country `US`"), "{err}");
}

#[test]
fn unicode_domains_are_queried_as_punycode_and_shown_in_unicode() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("xn--rksmrgs-5wao1o.se.zone"),
        "$ORIGIN xn--rksmrgs-5wao1o.se.\n$TTL 3600\n@ IN SOA ns hostmaster 1 3600 900 1209600 3600\n@ IN NS ns\nns IN A 62.20.151.2\n@ IN MX 10 mail\nmail IN A 62.20.151.25\n",
    )
    .unwrap();
    let zones = dir.path().display().to_string();
    let run = run(&["scan", "Räksmörgås.se", "--zone-file", &zones]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_eq!(scan["domain"], "xn--rksmrgs-5wao1o.se");
    assert_eq!(scan["display_domain"], "räksmörgås.se");
    assert!(scan["evidence"][0]["name"] == "xn--rksmrgs-5wao1o.se");
    assert!(
        run.file("report.md")
            .starts_with("# Transfer map: räksmörgås.se")
    );
    assert!(run.stdout().contains("räksmörgås.se"));
    assert!(
        scan["graph"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["from"] == "addr:62.20.151.25" && e["to"] == "country:SE")
    );
}

#[test]
fn spf_check_explains_the_verdict_with_evidence() {
    let zones = example_zone("after");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_transfermap"))
        .args([
            "spf",
            "check",
            "--ip",
            "40.107.22.71",
            "--sender",
            "info@bollebygd.se",
            "--zone-file",
            &zones,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("result:      pass"), "{text}");
    assert!(text.contains("ip4:40.107.0.0/16"), "{text}");
    assert!(
        text.contains("E1 DNS spf.protection.outlook.com TXT"),
        "{text}"
    );

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_transfermap"))
        .args([
            "spf",
            "check",
            "--ip",
            "192.0.2.1",
            "--sender",
            "info@bollebygd.se",
            "--zone-file",
            &zones,
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("result:      fail"));

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_transfermap"))
        .args(["spf", "check", "--ip", "not-an-ip", "--sender", "x@y.se"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn explain_filters_paths_and_rejudges_an_old_date() {
    let scan_run = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &example_zone("after"),
        "--as-of",
        "2026-11-25",
    ]);
    assert_eq!(scan_run.code(), 0, "stderr: {}", scan_run.stderr());
    let file = scan_run.out.path().join("scan.json").display().to_string();
    let explain = |extra: &[&str]| {
        let mut args = vec!["explain", file.as_str()];
        args.extend_from_slice(extra);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_transfermap"))
            .args(&args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let us = explain(&[
        "--rule",
        "TM103",
        "--country",
        "US",
        "--provider",
        "microsoft",
    ]);
    // One finding: Microsoft Corporation's law, met at every entry point
    // (the MX host, autodiscover, SPF), each path with its evidence.
    assert!(us.contains("1 of"), "{us}");
    assert!(us.contains("[3] → United States (US)"), "{us}");
    assert!(
        us.contains("Microsoft Ireland Operations Ltd —owned by→ Microsoft Corporation"),
        "{us}"
    );
    assert!(
        us.contains("maps/providers/microsoft.toml"),
        "evidence cites the map entry: {us}"
    );
    assert!(us.contains("recipient is certified"), "{us}");
    let old = explain(&["--rule", "third-country-law", "--as-of", "2021-05-01"]);
    assert!(old.contains("Privacy Shield"), "{old}");
    let none = explain(&["--country", "CN"]);
    assert!(none.contains(": 0 of"), "{none}");
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_transfermap"))
        .args(["explain", "/nonexistent.json"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// The registers of the invalidated Safe Harbour and Privacy Shield
/// frameworks are history; a provider's entity facts cannot rest on them.
#[test]
fn a_retired_framework_register_is_no_source_for_an_entity() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("old.toml"),
        "[[provider]]\nid = \"oldco\"\nname = \"Old Co\"\ncountry = \"US\"\nsource = \"https://safeharbor.export.gov/companyinfo.aspx?id=1\"\nchecked = \"2026-01-01\"\n\n\
[[provider]]\nid = \"shieldco\"\nname = \"Shield Co\"\ncountry = \"US\"\nsource = \"https://www.privacyshield.gov/participant?id=a2zt0000000\"\nchecked = \"2026-01-01\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_transfermap"))
        .args(["maps", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("old.toml:1: field `source`: the Safe Harbour list"),
        "{err}"
    );
    assert!(
        err.contains("old.toml:8: field `source`: the Privacy Shield list"),
        "{err}"
    );
    // The shipped maps pass, so Microsoft Corporation no longer rests on one.
    let shipped = std::process::Command::new(env!("CARGO_BIN_EXE_transfermap"))
        .args(["maps", "check"])
        .output()
        .unwrap();
    assert!(
        shipped.status.success(),
        "{}",
        String::from_utf8_lossy(&shipped.stderr)
    );
}

/// The severity table the report prints is the one docs/guide.md
/// publishes, in both languages: the word means the same in both places.
#[test]
fn the_severity_table_in_the_report_is_the_guides() {
    let guide = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/guide.md"),
    )
    .unwrap();
    for lang in ["en", "sv"] {
        let run = run(&[
            "scan",
            "bollebygd.se",
            "--zone-file",
            &example_zone("after"),
            "--format",
            "md",
            "--lang",
            lang,
        ]);
        let report = run.file("report.md");
        let start = report
            .find("| Legal status \\ data")
            .or_else(|| report.find("| Rättsläge \\ uppgifter"))
            .expect("severity table");
        let rows: Vec<&str> = report[start..].lines().take(5).collect();
        assert_eq!(rows.len(), 5);
        for row in rows {
            assert!(
                guide.contains(&format!("  {row}")),
                "{lang}: not in the guide: {row}"
            );
        }
    }
}

/// What a user trips on: a country by name, a country that matches
/// nothing, `scan` with nothing to scan, and a model the report names.
#[test]
fn small_things_a_user_trips_on() {
    let exe = env!("CARGO_BIN_EXE_transfermap");
    let after = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &example_zone("after"),
        "--format",
        "json",
    ]);
    let scan = after.out.path().join("scan.json");
    let explain = |country: &str| {
        std::process::Command::new(exe)
            .args(["explain"])
            .arg(&scan)
            .args(["--country", country])
            .output()
            .unwrap()
    };
    let by_code = explain("US");
    for name in ["United States", "usa", "USA"] {
        let by_name = explain(name);
        assert!(by_name.status.success());
        assert_eq!(by_name.stdout, by_code.stdout, "{name}");
    }
    let sweden = explain("Sweden");
    assert!(sweden.status.success());
    assert!(
        String::from_utf8_lossy(&sweden.stderr).contains("in the EU/EEA"),
        "{}",
        String::from_utf8_lossy(&sweden.stderr)
    );
    let unknown = explain("XX");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("not a country the knowledge base knows")
    );
    // Nothing to scan: say how to give domains.
    let empty = std::process::Command::new(exe)
        .arg("scan")
        .output()
        .unwrap();
    assert_eq!(empty.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&empty.stderr).contains("--domains-file"));
    // The model is in Scope and in the command that reproduces the scan.
    let model = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/bollebygd/model-before.toml")
        .display()
        .to_string();
    let before = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &example_zone("before"),
        "--model",
        &model,
        "--format",
        "json,md",
    ]);
    assert_eq!(before.code(), 0, "{}", before.stderr());
    let report = before.file("report.md");
    assert!(
        report.contains("- Organisation's model: Bollebygds kommun"),
        "{report}"
    );
    let reproduce = report.split("```sh\n").nth(1).unwrap();
    assert!(
        reproduce.contains(&format!("--model {model}")),
        "{reproduce}"
    );
    assert_eq!(before.scan()["model"]["name"], "Bollebygds kommun");
}
