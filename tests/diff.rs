//! Before and after: the Bollebygd move, compared by stable keys.

mod common;

use common::*;

fn scan_example(which: &str, model: &str) -> Run {
    let zones = example(&format!("bollebygd/{which}")).display().to_string();
    let model = example(&format!("bollebygd/{model}")).display().to_string();
    let run = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &zones,
        "--model",
        &model,
        "--as-of",
        "2021-05-01",
        "--format",
        "json",
    ]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    run
}

fn diff(before: &Run, after: &Run, extra: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_transfermap"))
        .arg("diff")
        .arg(before.out.path().join("scan.json"))
        .arg(after.out.path().join("scan.json"))
        .arg("--out")
        .arg(out.path())
        .args(extra)
        .output()
        .unwrap();
    validate_outputs(out.path());
    (output, out)
}

#[test]
fn the_move_to_exchange_online_adds_us_law_and_removes_the_server_room() {
    let before = scan_example("before", "model-before.toml");
    let after = scan_example("after", "model-after.toml");
    let (output, out) = diff(&before, &after, &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let d = read_diff_file(&out.path().join("diff.json"));
    let items = |cat: &str, change: &str| -> Vec<String> {
        d[cat]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["change"] == change)
            .map(|i| i["key"].as_str().unwrap().to_string())
            .collect()
    };
    // Providers: Microsoft added; the municipality's own operation removed.
    assert!(items("providers", "added").contains(&"provider:microsoft-corporation".to_string()));
    assert!(
        items("sites", "removed")
            .iter()
            .any(|k| k.contains("server-room"))
    );
    assert!(items("sites", "added").contains(&"site:microsoft-sweden-central-gavle".to_string()));
    // Findings: the legal exposure is new.
    assert!(
        items("findings", "added")
            .iter()
            .any(|k| k.starts_with("TM103|") && k.ends_with("|provider:microsoft-corporation"))
    );
    assert!(
        items("findings", "removed").is_empty()
            || items("findings", "removed")
                .iter()
                .all(|k| k.starts_with("TM11"))
    );
    // The mailboxes' flow to the server room's firewalls is gone.
    assert!(
        items("flows", "removed")
            .iter()
            .any(|k| k.contains("component:firewalls"))
    );
    // Outputs in both languages' form and a diagram.
    let md = std::fs::read_to_string(out.path().join("diff.md")).unwrap();
    assert!(
        md.contains("**added**: TM103 third-country-law → US"),
        "{md}"
    );
    let dot = std::fs::read_to_string(out.path().join("diff.dot")).unwrap();
    assert!(
        dot.contains("#2e7d32") && dot.contains("#c62828"),
        "added and removed drawn differently"
    );
    let html = std::fs::read_to_string(out.path().join("diff.html")).unwrap();
    assert!(html.contains("<svg"));
    // The headline: one sentence per side, then the two board-level maps.
    let head = md.split("\n- ").next().unwrap();
    assert!(head.contains("**Before** (scanned "), "{head}");
    assert!(head.contains("No path to a third country."), "{head}");
    assert!(
        head.contains("All mail in Exchange Online, with Microsoft Ireland Operations Ltd, whose United States parent Microsoft Corporation is under CLOUD Act"),
        "{head}"
    );
    assert!(md.find("**After**").unwrap() < md.find("Findings:").unwrap());
    assert_eq!(
        html.matches("<figure class=\"map side\">").count(),
        2,
        "two board maps"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("Before: No path to a third country."),
        "{stdout}"
    );
}

#[test]
fn two_scans_of_the_same_zones_have_no_change_and_fail_on_new_gates_scheduled_rescans() {
    // Two independent scans (not a file diffed against itself): evidence
    // numbers, times and paths are made afresh each time.
    let after = scan_example("after", "model-after.toml");
    let again = scan_example("after", "model-after.toml");
    let (output, out) = diff(&after, &again, &["--fail-on-new", "high", "--lang", "sv"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let d = read_diff_file(&out.path().join("diff.json"));
    for cat in ["flows", "providers", "sites", "findings"] {
        assert!(
            d[cat]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["change"] == "unchanged"),
            "{cat}"
        );
    }
    assert!(
        std::fs::read_to_string(out.path().join("diff.md"))
            .unwrap()
            .contains("Ingen förändring")
    );

    let before = scan_example("before", "model-before.toml");
    let (gate, _) = diff(&before, &after, &["--fail-on-new", "TM103"]);
    assert_eq!(
        gate.status.code(),
        Some(1),
        "a new TM103 must fail the gate"
    );
    let (ok, _) = diff(&before, &after, &["--fail-on-new", "TM102"]);
    assert_eq!(ok.status.code(), Some(0), "no new TM102");
    let (bad, _) = diff(&before, &after, &["--fail-on-new", "sometimes"]);
    assert_eq!(bad.status.code(), Some(2));
}
