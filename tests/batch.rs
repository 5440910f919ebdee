//! Many domains in one run: concurrency over one shared DNS source, one
//! folder per domain, a summary, errors kept per domain, --resume, and
//! record/replay.

mod common;

use common::*;
use serde_json::Value;

fn fixture_zones() -> Vec<String> {
    ["exo-swedish-tenant", "us-sender", "own-servers", "hostile"]
        .iter()
        .map(|d| zones(d).display().to_string())
        .collect()
}

fn batch_args<'a>(domains_file: &'a str, zone_args: &'a [String]) -> Vec<&'a str> {
    let mut args = vec!["scan", "--domains-file", domains_file];
    for z in zone_args {
        args.push("--zone-file");
        args.push(z.as_str());
    }
    args
}

const DOMAINS: &str = "name,domain\nTestkommun,testkommun.se\nSandkommun,sandkommun.se\nEgenkommun,egenkommun.se\nHostile,hostile.example\nTrasig,\"not a domain\"\n";

/// Scans `DOMAINS` against the fixture zones, with `extra` arguments.
fn scan_domains(extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("domains.csv");
    std::fs::write(&file, DOMAINS).unwrap();
    let zones = fixture_zones();
    let file_arg = file.display().to_string();
    let mut args = batch_args(&file_arg, &zones);
    args.extend_from_slice(extra);
    let run = run(&args);
    // The invalid row was not scanned: the run is incomplete (exit 3), and
    // says so, although every other domain finished.
    assert_eq!(run.code(), 3, "stderr: {}", run.stderr());
    run
}

#[test]
fn a_domains_file_gives_a_folder_per_domain_and_a_summary() {
    let run = scan_domains(&[]);
    for d in [
        "testkommun.se",
        "sandkommun.se",
        "egenkommun.se",
        "hostile.example",
    ] {
        let scan = run.scan_at(&format!("{d}/scan.json"));
        assert_eq!(scan["domain"], d);
        assert_evidence_complete(&scan);
    }
    let summary = run.summary();
    let rows = summary["domains"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    let row = |d: &str| rows.iter().find(|r| r["domain"] == d).unwrap().clone();
    // The failing domain is reported with its error; the others finished.
    assert_eq!(row("not a domain")["status"], "error");
    assert!(
        row("not a domain")["error"]
            .as_str()
            .unwrap()
            .contains("not a valid domain name")
    );
    assert_eq!(row("testkommun.se")["name"], "Testkommun");
    assert!(
        row("testkommun.se")["countries"]
            .as_array()
            .unwrap()
            .contains(&Value::from("US"))
    );
    assert_eq!(row("egenkommun.se")["countries"], serde_json::json!([]));
    // Concentration: which organisations depend on which provider.
    assert_eq!(
        summary["providers"]["Microsoft Corporation"],
        serde_json::json!(["testkommun.se"])
    );
    assert!(run.file("summary.csv").starts_with("name,domain,status"));
    assert!(
        run.file("summary.md")
            .contains("| Microsoft Corporation | 1 |")
    );
}

#[test]
fn the_summary_speaks_the_chosen_language() {
    let run = scan_domains(&["--format", "json", "--lang", "sv"]);
    let md = run.file("summary.md");
    assert!(
        md.starts_with("# Överföringskarta, sammanställning"),
        "{md}"
    );
    assert!(md.contains("| leverantör | organisationer |"), "{md}");
    assert!(md.contains("| Microsoft Corporation | 1 |"), "{md}");
    // Concentration by role, the mailbox first.
    assert!(
        md.contains("### brevlådor\n\n| företag eller tjänst | organisationer |"),
        "{md}"
    );
    // The failing domain's error is labelled in Swedish too; the English
    // headings are gone.
    assert!(md.contains("**fel:**"), "{md}");
    assert!(!md.contains("Providers: how many"), "{md}");
    // So is what the terminal says about the run.
    let out = run.stdout();
    assert!(out.contains("5 domäner: "), "{out}");
    assert!(out.contains("med en väg till ett tredjeland"), "{out}");
    assert!(out.contains("  fel: not a domain"), "{out}");
    assert!(out.contains("sammanställning i "), "{out}");
    assert!(out.contains("  brevlådor: "), "{out}");
    assert!(out.contains("summary.html"), "{out}");
    for english in ["domains:", "complete,", "summary in", "  error:"] {
        assert!(!out.contains(english), "`{english}` in: {out}");
    }
}

#[test]
fn shared_provider_records_are_resolved_once_per_run() {
    // Three tenants of the same provider: its SPF record is asked once.
    let dir = tempfile::tempdir().unwrap();
    let zone_dir = dir.path().join("zones");
    std::fs::create_dir(&zone_dir).unwrap();
    for f in std::fs::read_dir(zones("exo-swedish-tenant")).unwrap() {
        let f = f.unwrap().path();
        if f.file_name().unwrap() != "testkommun.se.zone" {
            std::fs::copy(&f, zone_dir.join(f.file_name().unwrap())).unwrap();
        }
    }
    let template =
        std::fs::read_to_string(zones("exo-swedish-tenant").join("testkommun.se.zone")).unwrap();
    let mut domains = String::new();
    for name in ["testkommun", "alfakommun", "betakommun"] {
        let zone = template.replace("testkommun", name);
        std::fs::write(zone_dir.join(format!("{name}.se.zone")), zone).unwrap();
        domains.push_str(&format!("{name}.se\n"));
    }
    let file = dir.path().join("domains.txt");
    std::fs::write(&file, domains).unwrap();
    let recording = dir.path().join("answers.jsonl");
    let zone_arg = zone_dir.display().to_string();
    let rec_arg = recording.display().to_string();
    let file_arg = file.display().to_string();
    let run = run(&[
        "scan",
        "--domains-file",
        &file_arg,
        "--zone-file",
        &zone_arg,
        "--record",
        &rec_arg,
        "--format",
        "json",
    ]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let recorded = std::fs::read_to_string(&recording).unwrap();
    let spf_asks = recorded
        .lines()
        .filter(|l| {
            l.contains("\"name\":\"spf.protection.outlook.com\"")
                && l.contains("\"record_type\":\"TXT\"")
        })
        .count();
    assert_eq!(
        spf_asks, 1,
        "the provider's SPF record was asked {spf_asks} times"
    );
    // Yet every domain's scan carries it as evidence of its own.
    for name in ["testkommun", "alfakommun", "betakommun"] {
        let scan = run.scan_at(&format!("{name}.se/scan.json"));
        assert!(
            scan["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["name"] == "spf.protection.outlook.com")
        );
        assert!(
            !run.out.path().join(format!("{name}.se/report.md")).exists(),
            "--format json only"
        );
    }
    let summary = run.summary();
    let per_domain: u64 = summary["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["queries"].as_u64().unwrap())
        .sum();
    assert!(
        summary["queries_sent"].as_u64().unwrap() < per_domain,
        "{summary:#?}"
    );
}

#[test]
fn resume_skips_finished_domains() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let file = dir.path().join("domains.txt");
    std::fs::write(&file, "egenkommun.se\nsandkommun.se\n").unwrap();
    let zones = fixture_zones();
    let run_with = |extra: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_transfermap"));
        cmd.args(["scan", "--domains-file"])
            .arg(&file)
            .arg("--out")
            .arg(&out);
        for z in &zones {
            cmd.arg("--zone-file").arg(z);
        }
        cmd.args(extra).output().unwrap()
    };
    assert!(run_with(&["--format", "json"]).status.success());
    let before = std::fs::metadata(out.join("egenkommun.se/scan.json"))
        .unwrap()
        .modified()
        .unwrap();
    let second = run_with(&["--format", "json", "--resume"]);
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let after = std::fs::metadata(out.join("egenkommun.se/scan.json"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after, "a finished domain was scanned again");
    // Reused and rewritten outputs alike match their schemas.
    assert_eq!(validate_outputs(&out), 3, "two scans and the summary");
    let summary = read_summary_file(&out.join("summary.json"));
    assert!(
        summary["domains"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "ok" && d["resumed"] == true)
    );
}

#[test]
fn a_recording_replays_to_the_same_scan() {
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("answers.jsonl").display().to_string();
    let zone = zones("exo-swedish-tenant").display().to_string();
    let live = run(&[
        "scan",
        "testkommun.se",
        "--zone-file",
        &zone,
        "--record",
        &recording,
        "--as-of",
        "2026-01-01",
    ]);
    assert_eq!(live.code(), 0, "stderr: {}", live.stderr());
    let replayed = run(&[
        "scan",
        "testkommun.se",
        "--replay",
        &recording,
        "--as-of",
        "2026-01-01",
    ]);
    assert_eq!(replayed.code(), 0, "stderr: {}", replayed.stderr());
    let (a, b) = (live.scan(), replayed.scan());
    for key in ["findings", "flows", "graph", "collection"] {
        if key == "collection" {
            // Only the timing and the resolver label of the run itself differ.
            for sub in ["mx", "spf", "dmarc", "hosts", "geo", "problems"] {
                assert!(
                    a[key][sub] == b[key][sub],
                    "collection.{sub} differs after replay"
                );
            }
            continue;
        }
        assert!(a[key] == b[key], "{key} differs after replay");
    }
    // The DNS evidence is the recorded answers, times included; geodata
    // and map lookups are made again (at replay time).
    let dns = |s: &Value| -> Vec<Value> {
        s["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "dns")
            .cloned()
            .collect()
    };
    assert!(dns(&a) == dns(&b), "DNS evidence differs after replay");
    assert!(b["resolver"].as_str().unwrap().starts_with("replay of"));
    // A broken recording is an input error.
    std::fs::write(&recording, "{not json\n").unwrap();
    let broken = run(&["scan", "testkommun.se", "--replay", &recording]);
    assert_eq!(broken.code(), 2);
    assert!(
        broken.stderr().contains("answers.jsonl:1"),
        "{}",
        broken.stderr()
    );
}

#[test]
fn a_partial_domain_is_partial_in_every_summary_and_the_run_exits_3() {
    // familjekommun.se's providers are not served: some of its questions
    // are refused. egenkommun.se is complete.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("domains.txt");
    std::fs::write(&file, "familjekommun.se\negenkommun.se\n").unwrap();
    let zones = [zones("provider-families"), zones("own-servers")];
    let (z0, z1) = (
        zones[0].display().to_string(),
        zones[1].display().to_string(),
    );
    let file_arg = file.display().to_string();
    let run = run(&[
        "scan",
        "--domains-file",
        &file_arg,
        "--zone-file",
        &z0,
        "--zone-file",
        &z1,
        "--format",
        "json,md",
    ]);
    assert_eq!(run.code(), 3, "stderr: {}", run.stderr());
    let summary: Value = serde_json::from_str(&run.file("summary.json")).unwrap();
    let row = |d: &str| summary_row(&summary, d);
    assert_eq!(row("familjekommun.se")["status"], "partial");
    assert!(
        !row("familjekommun.se")["gaps"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(row("egenkommun.se")["status"], "ok");
    let csv = run.file("summary.csv");
    let line = csv
        .lines()
        .find(|l| l.contains("familjekommun.se"))
        .unwrap();
    assert!(line.contains(",partial,"), "{line}");
    assert!(line.contains("spf.mailjet.com"), "the gap is named: {line}");
    let md = run.file("summary.md");
    assert!(md.contains("**partial**"), "{md}");
    assert!(md.contains("Not everything was observed"), "{md}");
    assert!(run.stdout().contains("1 partial"), "{}", run.stdout());
    assert!(
        run.stdout().contains("partial: familjekommun.se"),
        "{}",
        run.stdout()
    );
}
