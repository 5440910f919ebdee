//! Rendered outputs of the Bollebygd example as reviewed snapshots
//! (`cargo insta review` after an intended change). Run-specific values —
//! the loopback port, timestamps — are replaced before comparing.

mod common;

use common::*;

/// Replace what differs between runs: the resolver's port and clock times.
fn redact(text: &str, resolver: &str) -> String {
    let text = text.replace(resolver, "127.0.0.1:[port]");
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if line.starts_with("- Scanned: ") || line.starts_with("- Skannad: ") {
            out.push_str(&line[..line.find(':').unwrap_or(0) + 1]);
            out.push_str(" [time]\n");
            continue;
        }
        out.push_str(&redact_timestamps(line));
        out.push('\n');
    }
    out
}

/// `2026-11-25T01:33:10Z` → `[time]`.
fn redact_timestamps(line: &str) -> String {
    let bytes = line.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    let mut out = String::new();
    let mut i = 0;
    while i < line.len() {
        let fits = bytes.len() - i >= shape.len()
            && shape.iter().zip(&bytes[i..]).all(|(s, b)| match s {
                b'd' => b.is_ascii_digit(),
                other => other == b,
            });
        if fits {
            out.push_str("[time]");
            i += shape.len();
        } else {
            let c = line[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn example_run(which: &str, lang: &str) -> Run {
    let zones = example(&format!("bollebygd/{which}")).display().to_string();
    let run = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &zones,
        "--as-of",
        "2026-11-25",
        "--lang",
        lang,
    ]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    run
}

#[test]
fn bollebygd_after_report_en() {
    let run = example_run("after", "en");
    let resolver = run.scan()["resolver"].as_str().unwrap().to_string();
    let report = run.file("report.md").replace(&zone_prefix(), "");
    insta::assert_snapshot!(redact(&report, &resolver));
}

#[test]
fn bollebygd_before_report_sv() {
    let run = example_run("before", "sv");
    let resolver = run.scan()["resolver"].as_str().unwrap().to_string();
    let report = run.file("report.md").replace(&zone_prefix(), "");
    insta::assert_snapshot!(redact(&report, &resolver));
}

#[test]
fn bollebygd_after_dot() {
    let run = example_run("after", "en");
    insta::assert_snapshot!(run.file("transfer-map-detail.dot"));
}

/// The board-level map: services, companies, their law and the third
/// countries, with no host or domain in it.
#[test]
fn bollebygd_after_board() {
    let run = example_run("after", "en");
    let board = run.file("transfer-map.dot");
    assert!(!board.contains("bollebygd"), "{board}");
    insta::assert_snapshot!(board);
}

/// The absolute path to the crate, which the report quotes in its
/// reproduce command; it differs between checkouts.
fn zone_prefix() -> String {
    format!("{}/", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn timestamps_are_redacted() {
    assert_eq!(
        redact_timestamps("at 2026-11-25T01:33:10Z, ok"),
        "at [time], ok"
    );
    assert_eq!(redact_timestamps("2026-11-25 01:33"), "2026-11-25 01:33");
}
