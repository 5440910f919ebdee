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
    // AS8075 registered in the US (TM104), reports to its own Exchange Online
    // mailbox (TM107), SPF ranges abroad (TM108), US registry vs EU location (TM109),
    // and the unknown verification token (TM110).
    for code in [
        "TM101", "TM103", "TM104", "TM107", "TM108", "TM109", "TM110",
    ] {
        assert!(
            rules.contains(&code.to_string()),
            "{code} did not fire: {rules:?}"
        );
    }
    // Must not: no declared storage abroad, no failure reports, no SPF overrun.
    for code in ["TM102", "TM106", "TM201"] {
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
    let tm109 = with_rule(&all, "TM109");
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
    assert_eq!(ruf[0]["severity"], "high");
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
