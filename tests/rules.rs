//! Each rule on a fixture where it must fire, and where it must not.

mod common;

use common::*;
use serde_json::Value;

fn rules_of(scan: &Value) -> Vec<String> {
    let mut r: Vec<String> = findings(scan)
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    r.sort();
    r.dedup();
    r
}

#[test]
fn own_servers_fire_no_transfer_rule() {
    let dns = DnsFixture::start(&zones("own-servers"));
    let scan = scan_live(&dns, "egenkommun.se", &[]).scan();
    let rules = rules_of(&scan);
    for code in [
        "TM101", "TM102", "TM103", "TM104", "TM105", "TM106", "TM107", "TM108", "TM109", "TM201",
    ] {
        assert!(
            !rules.contains(&code.to_string()),
            "{code} fired: {rules:?}"
        );
    }
}

#[test]
fn exchange_online_fires_exactly_its_rules() {
    let dns = DnsFixture::start(&zones("exo-swedish-tenant"));
    let scan = scan_live(&dns, "testkommun.se", &["--as-of", "2026-01-01"]).scan();
    let rules = rules_of(&scan);
    // Fires: the JP-geolocated IPv6 of the MX (TM101), Microsoft's US law (TM103),
    // reports to its own Exchange Online mailbox (TM107), SPF ranges abroad
    // (TM108), US registry vs EU location (TM109), and the unknown
    // verification token (TM110). AS8075's US registration (TM104) is folded
    // into TM103: its holder is that finding's party.
    for code in ["TM101", "TM103", "TM107", "TM108", "TM109", "TM110"] {
        assert!(
            rules.contains(&code.to_string()),
            "{code} did not fire: {rules:?}"
        );
    }
    // Must not: no declared storage abroad, no failure reports, no SPF
    // overrun, no separate finding for Microsoft's own network.
    for code in ["TM102", "TM104", "TM106", "TM201"] {
        assert!(
            !rules.contains(&code.to_string()),
            "{code} fired: {rules:?}"
        );
    }
    let all = findings(&scan);
    // Sub-processors are reached only through the service they work for.
    for f in with_rule(&all, "TM105") {
        assert!(
            path_nodes(f).contains(&"service:microsoft-entra-id".to_string()),
            "{f:#?}"
        );
        assert_eq!(f["basis"], "declared");
    }
    // Every address registered in the US and placed elsewhere is one
    // note, whichever country each is placed in.
    assert_eq!(with_rule(&all, "TM109").len(), 1, "{all:#?}");
    let every = occurrences(&scan);
    let tm109 = with_rule(&every, "TM109");
    assert!(
        tm109
            .iter()
            .any(|f| { f["note"]["geolocated"] == "SE" && f["note"]["registered"] == "US" })
    );
}

#[test]
fn failure_reports_and_subprocessors_abroad() {
    // ruf to a US-hosted receiver; a user's maps add a sub-processor in the US.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("fel.se.zone"),
        "$ORIGIN fel.se.\n$TTL 3600\n@ IN SOA ns hostmaster 1 3600 900 1209600 3600\n@ IN NS ns\nns IN A 62.20.151.2\n\
@ IN MX 0 fel-se.mail.protection.outlook.com.\n\
_dmarc IN TXT \"v=DMARC1; p=reject; ruf=mailto:forensic@abroad.example\"\n",
    )
    .unwrap();
    let f = "protection.outlook.com.zone";
    let text = std::fs::read_to_string(zones("exo-swedish-tenant").join(f)).unwrap();
    std::fs::write(
        dir.path().join(f),
        text.replace("testkommun-se.mail", "fel-se.mail"),
    )
    .unwrap();
    // The receiver has no MX: mail goes to its own address (implicit MX),
    // which is in a US network (Mailchimp's range, US in both databases).
    std::fs::write(
        dir.path().join("abroad.example.zone"),
        "$ORIGIN abroad.example.\n$TTL 3600\n@ IN SOA ns hostmaster 1 3600 900 1209600 3600\n@ IN NS ns\nns IN A 62.20.151.5\n@ IN A 205.201.131.10\nfel.se._report._dmarc IN TXT \"v=DMARC1\"\n",
    )
    .unwrap();
    let maps = tempfile::tempdir().unwrap();
    std::fs::write(
        maps.path().join("subprocessors.toml"),
        "[[subprocessor]]\nprovider = \"microsoft-corporation\"\nname = \"Example Support Inc.\"\ncountry = \"US\"\nfunction = \"customer support\"\nservices = [\"exchange-online\"]\nsource = \"https://example.org/test-fixture\"\nchecked = \"2026-01-01\"\n",
    )
    .unwrap();
    let dns = DnsFixture::start(dir.path());
    let maps_arg = maps.path().display().to_string();
    let run = scan_live(&dns, "fel.se", &["--maps", &maps_arg]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_evidence_complete(&scan);
    let all = findings(&scan);
    let ruf = with_rule(&all, "TM106");
    assert!(!ruf.is_empty(), "{:?}", rules_of(&scan));
    // Failure reports carry message content; the recipient's DPF standing
    // is not known: to be checked, so medium by the severity table.
    assert_eq!(ruf[0]["data"], "message-content");
    assert_eq!(ruf[0]["severity"], "medium");
    assert!(
        ruf[0]["path"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("ruf")
    );
    let sub = with_rule(&all, "TM105");
    assert_eq!(sub.len(), 1, "{:?}", rules_of(&scan));
    assert_eq!(sub[0]["basis"], "declared");
    assert_eq!(sub[0]["country"], "US");
    assert!(
        sub[0]["path"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["edge"] == "sub-processes")
    );
}

/// A sub-processor's list country is where it processes; the country of
/// its incorporation is a different fact, with a different basis. An Irish
/// company that processes in the US is not "incorporated in the United
/// States", and a US company that processes in Sweden still brings US law.
#[test]
fn subprocessor_processing_country_is_not_its_incorporation() {
    let dns = DnsFixture::start(&zones("exo-swedish-tenant"));
    let maps = tempfile::tempdir().unwrap();
    std::fs::write(
        maps.path().join("subprocessors.toml"),
        "[[subprocessor]]\nprovider = \"microsoft-corporation\"\nname = \"Irish Support Ltd\"\nincorporated = \"IE\"\ncountry = \"US\"\nfunction = \"support\"\nservices = [\"exchange-online\"]\nsource = \"https://example.org/test-fixture\"\nchecked = \"2026-01-01\"\n\n\
[[subprocessor]]\nprovider = \"microsoft-corporation\"\nname = \"US Hosting Inc\"\nincorporated = \"US\"\ncountry = \"SE\"\nfunction = \"hosting\"\nservices = [\"exchange-online\"]\nsource = \"https://example.org/test-fixture\"\nchecked = \"2026-01-01\"\n",
    )
    .unwrap();
    let maps_arg = maps.path().display().to_string();
    let run = scan_live(&dns, "testkommun.se", &["--maps", &maps_arg]);
    let scan = run.scan();
    assert_evidence_complete(&scan);
    let edges = scan["graph"]["edges"].as_array().unwrap();
    let edge = |from: &str, kind: &str| -> Vec<String> {
        edges
            .iter()
            .filter(|e| e["from"] == from && e["kind"] == kind)
            .map(|e| e["to"].as_str().unwrap().to_string())
            .collect()
    };
    let irish = "subprocessor:irish-support-ltd";
    let us = "subprocessor:us-hosting-inc";
    assert_eq!(edge(irish, "incorporated-in"), ["country:IE"]);
    assert_eq!(edge(irish, "processes-in"), ["country:US"]);
    assert_eq!(edge(us, "incorporated-in"), ["country:US"]);
    assert_eq!(edge(us, "processes-in"), ["country:SE"]);
    let node_country = |key: &str| {
        scan["graph"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["key"] == key)
            .map(|n| n["country"].clone())
    };
    assert_eq!(node_country(irish), Some("IE".into()));
    // Each finding is about the party it names, with the basis of its last step.
    let all = findings(&scan);
    let occurrences = |f: &Value| -> Vec<Value> {
        let mut v = vec![f.clone()];
        v.extend(f["also"].as_array().cloned().unwrap_or_default());
        v
    };
    let mut seen = Vec::new();
    for f in with_rule(&all, "TM105") {
        for o in occurrences(f) {
            let path = o["path"].as_array().unwrap();
            let last = path.last().unwrap();
            seen.push((
                last["from"].as_str().unwrap().to_string(),
                last["edge"].as_str().unwrap().to_string(),
                f["basis"].as_str().unwrap().to_string(),
            ));
        }
    }
    assert!(
        seen.contains(&(irish.into(), "processes-in".into(), "declared".into())),
        "{seen:?}"
    );
    assert!(
        seen.contains(&(us.into(), "incorporated-in".into(), "legal".into())),
        "{seen:?}"
    );
    assert!(
        !seen
            .iter()
            .any(|(from, edge, _)| from == irish && edge == "incorporated-in"),
        "{seen:?}"
    );
}

/// The DPF certifies US organisations. Microsoft's Irish contracting
/// entity is not on the list; its US parent is, and that is what the
/// report says.
#[test]
fn a_european_subsidiary_is_never_called_dpf_certified() {
    let dns = DnsFixture::start(&zones("exo-swedish-tenant"));
    let run = scan_live(&dns, "testkommun.se", &["--as-of", "2026-01-01"]);
    let scan = run.scan();
    let party = |key: &str| {
        scan["parties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["key"] == key)
            .cloned()
            .unwrap_or_else(|| panic!("no party {key}"))
    };
    let ireland = party("provider:microsoft-ireland");
    assert_eq!(ireland["dpf"]["state"], "us-parent", "{ireland}");
    assert_eq!(ireland["dpf"]["parent"], "Microsoft Corporation");
    assert_eq!(ireland["dpf"]["certified"], true);
    assert_eq!(
        party("provider:microsoft-corporation")["dpf"]["state"],
        "certified"
    );
    let report = run.file("report.md");
    let row = report
        .lines()
        .find(|l| l.starts_with("| Microsoft Ireland Operations Ltd |"))
        .expect("provider row");
    assert!(row.contains("not a US organisation"), "{row}");
    assert!(!row.ends_with("| yes | — |"), "{row}");
    // On 2021-05-01, between Privacy Shield and the DPF, the parent is not.
    let old = scan_live(&dns, "testkommun.se", &["--as-of", "2021-05-01"]).scan();
    let ireland = old["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "provider:microsoft-ireland")
        .cloned()
        .unwrap();
    assert_eq!(ireland["dpf"]["certified"], false, "{ireland}");
}

/// Severity follows the legal status on the date and the data on the
/// path: Microsoft's US law over the mailboxes is high before the DPF
/// (2021-05-01, SCCs and a TIA needed) and low once its parent is certified.
#[test]
fn severity_follows_the_legal_status_and_the_data() {
    let dns = DnsFixture::start(&zones("exo-swedish-tenant"));
    let severity_of_law = |as_of: &str| {
        let scan = scan_live(&dns, "testkommun.se", &["--as-of", as_of]).scan();
        let all = findings(&scan);
        let law: Vec<&Value> = with_rule(&all, "TM103")
            .into_iter()
            .filter(|f| f["party"] == "provider:microsoft-corporation")
            .collect();
        assert_eq!(law.len(), 1, "{law:#?}");
        assert_eq!(law[0]["data"], "mailbox-content");
        law[0]["severity"].as_str().unwrap().to_string()
    };
    assert_eq!(severity_of_law("2021-05-01"), "high");
    assert_eq!(severity_of_law("2026-01-01"), "low");
}

/// One company on a provider's list for two services, with a function for
/// each: one node, named by the company alone, and every finding about it
/// names the function of the step its own path takes.
#[test]
fn a_subprocessor_listed_twice_is_named_by_each_lists_function() {
    use transfermap::model::finding::{Note, RuleCode};
    use transfermap::model::graph::EdgeKind;
    let dns = DnsFixture::start(&zones("exo-swedish-tenant"));
    let maps = tempfile::tempdir().unwrap();
    let entry = |function: &str, service: &str| {
        format!(
            "[[subprocessor]]\nprovider = \"microsoft-corporation\"\nname = \"Shared Support Inc\"\ncountry = \"US\"\nfunction = \"{function}\"\nservices = [\"{service}\"]\nsource = \"https://example.org/test-fixture\"\nchecked = \"2026-01-01\"\n"
        )
    };
    std::fs::write(
        maps.path().join("subprocessors.toml"),
        format!(
            "{}\n{}",
            entry("mailbox support", "exchange-online"),
            entry("account support", "microsoft-entra-id")
        ),
    )
    .unwrap();
    let maps_arg = maps.path().display().to_string();
    let run = scan_live(&dns, "testkommun.se", &["--maps", &maps_arg]);
    let scan = transfermap::model::scan::read_scan(&run.file("scan.json")).unwrap();
    let key = "subprocessor:shared-support-inc";
    let node = scan
        .graph
        .nodes
        .iter()
        .find(|n| n.key.to_string() == key)
        .expect("the sub-processor's node");
    assert_eq!(node.label, "Shared Support Inc");
    let mut functions = Vec::new();
    for f in scan.findings.iter().filter(|f| f.rule == RuleCode::Tm105) {
        for o in f.occurrences().filter(|o| o.subject.to_string() == key) {
            let step = o
                .path
                .iter()
                .rev()
                .find(|h| h.edge == EdgeKind::SubProcesses)
                .and_then(|h| h.detail.clone())
                .expect("a step to the sub-processor");
            match o.note {
                Some(Note::Subprocessor { function, .. }) => assert_eq!(function, &step),
                other => panic!("{other:?}"),
            }
            functions.push(step);
        }
    }
    functions.sort();
    functions.dedup();
    assert_eq!(functions, ["account support", "mailbox support"]);
}
