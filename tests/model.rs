//! Organisation models: what DNS cannot see, merged with basis "declared by
//! the organisation".

mod common;

use common::*;

fn model(name: &str) -> String {
    example(&format!("bollebygd/{name}")).display().to_string()
}

#[test]
fn the_before_model_reproduces_the_server_room_and_explains_the_hosts() {
    let zones = example("bollebygd/before").display().to_string();
    let run = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &zones,
        "--model",
        &model("model-before.toml"),
    ]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_evidence_complete(&scan);
    let nodes: Vec<&str> = scan["graph"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["key"].as_str())
        .collect();
    for c in [
        "firewalls",
        "load-balancers",
        "mail-filter",
        "mail-servers",
        "storage",
        "archive",
        "backup",
        "nodes",
        "dns-servers",
    ] {
        assert!(
            nodes.contains(&format!("component:{c}").as_str()),
            "missing {c}"
        );
    }
    let edges = scan["graph"]["edges"].as_array().unwrap();
    let has = |from: &str, kind: &str, to: &str| {
        edges
            .iter()
            .any(|e| e["from"] == from && e["kind"] == kind && e["to"] == to)
    };
    assert!(has(
        "component:mail-filter",
        "flows-to",
        "component:mail-servers"
    ));
    assert!(has(
        "host:mx1.bollebygd.se",
        "part-of",
        "component:load-balancers"
    ));
    // The model names who runs the MX hosts: no longer unknown.
    let all = findings(&scan);
    assert!(
        all.iter().all(|f| f["subject"] != "host:mx1.bollebygd.se"),
        "{all:#?}"
    );
    assert!(all.iter().all(|f| f["country"].is_null()), "{all:#?}");
    // The model's evidence names the file and the organisation's source.
    let ev = scan["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["entry"] == "component")
        .unwrap()
        .clone();
    assert!(ev["file"].as_str().unwrap().ends_with("model-before.toml"));
    assert!(ev["source"].as_str().unwrap().contains("Riskbedömning"));
}

#[test]
fn a_modelled_site_abroad_is_a_finding_declared_by_the_organisation() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("model.toml");
    std::fs::write(
        &file,
        "[organisation]\nname = \"Testkommun\"\nsource = \"IT inventory 2026\"\nchecked = \"2026-01-01\"\n\n\
[[component]]\nid = \"backup\"\nname = \"Offsite backup\"\nkind = \"backup\"\nreceives_from = [\"mailboxes\"]\n\
operator = \"Example Backup Inc.\"\noperator_country = \"US\"\nsites = [{ name = \"Backup vault, Virginia\", country = \"US\" }]\n",
    )
    .unwrap();
    let zones = example("bollebygd/before").display().to_string();
    let file_arg = file.display().to_string();
    let run = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &zones,
        "--model",
        &file_arg,
    ]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    let all = findings(&scan);
    let site = with_rule(&all, "TM102");
    assert_eq!(site.len(), 1, "{all:#?}");
    assert_eq!(site[0]["basis"], "organisation");
    assert_eq!(site[0]["subject"], "site:model:backup-vault--virginia");
    let law = with_rule(&all, "TM103");
    assert!(law.iter().any(|f| f["subject"] == "operator:example-backup-inc-" && f["basis"] == "organisation"), "{law:#?}");
    assert!(
        run.file("report.md")
            .contains("declared by the organisation")
    );
}

#[test]
fn a_broken_model_names_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("model.toml");
    std::fs::write(
        &file,
        "[organisation]\nname = \"X\"\nsource = \"s\"\nchecked = \"2026-01-01\"\n\n[[component]]\nid = \"a\"\nname = \"A\"\nkind = \"teleporter\"\nreceives_from = [\"nowhere\"]\nprovider = \"no-such-provider\"\n",
    )
    .unwrap();
    let zones = example("bollebygd/before").display().to_string();
    let file_arg = file.display().to_string();
    let run = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &zones,
        "--model",
        &file_arg,
    ]);
    assert_eq!(run.code(), 2);
    let err = run.stderr();
    assert!(err.contains("model.toml:6: field `kind`"), "{err}");
    assert!(err.contains("unknown provider `no-such-provider`"), "{err}");
    assert!(err.contains("unknown component `nowhere`"), "{err}");
}

#[test]
fn a_planned_state_is_judged_before_any_dns_changes() {
    // Today's DNS (own servers) with a model of the target (Exchange Online):
    // the legal exposure of the plan shows before the MX record moves.
    let zones = example("bollebygd/before").display().to_string();
    let run = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &zones,
        "--model",
        &model("model-after.toml"),
        "--as-of",
        "2021-05-01",
    ]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    let all = findings(&scan);
    let planned = with_rule(&all, "TM103")
        .into_iter()
        .find(|f| f["entry"] == "component:exchange-online-tenant")
        .expect("the planned tenant reaches US law");
    assert_eq!(planned["status"]["status"], "no-adequacy");
    assert!(path_nodes(planned).contains(&"provider:microsoft-ireland".to_string()));
    assert!(
        run.file("report.md")
            .contains("Microsoft Ireland Operations Ltd")
    );
}

/// The DPIA facts a scan cannot observe go into the model; the report's
/// annex follows the EDPB's six steps with them, and the transfer register
/// gives each recipient its declared role and transfer tool.
#[test]
fn dpia_facts_from_the_model_reach_the_annex_and_the_register() {
    let base = std::fs::read_to_string(model("model-after.toml")).unwrap();
    // Illustrative values for the test, not any municipality's statements.
    let text = base.replacen(
        "checked = \"2026-11-25\"\n",
        "checked = \"2026-11-25\"\npurpose = \"Municipal e-mail\"\n",
        1,
    ) + "\n[dpia]\ndata_categories = [\"contact details\", \"case correspondence\"]\n\
special_categories = \"health data in social services mail\"\n\
secrecy = \"OSL 26 kap.\"\ndata_subjects = [\"residents\", \"staff\"]\n\
tia_reference = \"TIA-2021-04\"\nsupplementary_measures = [\"sensitivity labels\"]\n\
residual_risk = \"accepted by the board\"\nreview_date = \"2027-06-01\"\n\n\
[[dpia.recipient]]\nparty = \"microsoft-ireland\"\nrole = \"processor\"\ntransfer_tool = \"scc\"\nscc_module = 3\n\n\
[[dpia.recipient]]\nparty = \"Microsoft Corporation\"\nrole = \"sub-processor\"\ntransfer_tool = \"dpf\"\n";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("model.toml");
    std::fs::write(&file, text).unwrap();
    let zones = example("bollebygd/after").display().to_string();
    let run = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &zones,
        "--model",
        &file.display().to_string(),
        "--format",
        "json,md,register",
    ]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_eq!(scan["model"]["dpia"]["purpose"], "Municipal e-mail");
    let report = run.file("report.md");
    let annex = report
        .split("## DPIA annex: the six steps of EDPB Recommendations 01/2020")
        .nth(1)
        .expect("annex");
    let annex = annex.split("\n## ").next().unwrap();
    for want in [
        "purpose: Municipal e-mail",
        "contact details; case correspondence",
        "OSL 26 kap.",
        "microsoft-ireland (processor): standard contractual clauses",
        "TIA-2021-04",
        "sensitivity labels",
        "microsoft-ireland (module 3)",
        "Review date: 2027-06-01",
    ] {
        assert!(annex.contains(want), "{want}: {annex}");
    }
    assert!(!annex.contains("to fill in"), "{annex}");
    let csv = run.file("transfer-register.csv");
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
    assert!(!rows.is_empty());
    let us = rows
        .iter()
        .find(|r| &r[0] == "Microsoft Corporation" && r[2].contains("(US)"))
        .expect("a US row");
    assert_eq!(&us[1], "sub-processor");
    assert!(us[6].contains("Data Privacy Framework"), "{us:?}");
    assert!(us[9].starts_with('E'), "evidence IDs: {us:?}");
    // A row per recipient, country and kind of data, not per SPF network
    // or entry point: the networks a map names go under their service or
    // vendor, the others are listed in one "not identified" row a country.
    let mut seen = std::collections::BTreeSet::new();
    for r in &rows {
        assert!(
            r[0].parse::<std::net::IpAddr>().is_err() && !r[0].contains('/')
                || r[0].starts_with("not identified"),
            "a network as recipient: {r:?}"
        );
        assert!(
            seen.insert((r[0].to_string(), r[2].to_string(), r[4].to_string())),
            "repeated row: {r:?}"
        );
    }
    assert!(
        rows.iter().any(|r| r[3].contains(", ")),
        "entry points listed together: {rows:?}"
    );
    // The spreadsheet is a real XLSX (a zip with a worksheet).
    let xlsx = std::fs::read(run.out.path().join("transfer-register.xlsx")).unwrap();
    assert!(xlsx.starts_with(b"PK"));
    // Without the [dpia] section the annex says what is still to fill in.
    let plain = run_without_dpia(&zones);
    assert!(plain.contains("**to fill in**"), "{plain}");
}

fn run_without_dpia(zones: &str) -> String {
    let r = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        zones,
        "--format",
        "md",
    ]);
    r.file("report.md")
}
