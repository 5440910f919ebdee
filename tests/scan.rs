//! End to end: zone files served by a real DNS server on loopback, the real
//! binary, real geodata and the shipped maps.

mod common;

use common::*;

#[test]
fn exchange_online_swedish_tenant_is_legal_exposure_without_foreign_storage() {
    let dns = DnsFixture::start(&zones("exo-swedish-tenant"));
    let run = scan_live(&dns, "testkommun.se", &["--as-of", "2026-01-01"]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_evidence_complete(&scan);
    let findings = occurrences(&scan);

    // Legal exposure: a path from the inbound mail host through Exchange
    // Online and Microsoft Ireland to Microsoft Corporation (US).
    let legal = with_rule(&findings, "TM103");
    let via_mx = legal
        .iter()
        .find(|f| f["entry"] == "host:testkommun-se.mail.protection.outlook.com")
        .expect("a legal finding entering at the MX host");
    assert_eq!(via_mx["country"], "US");
    assert_eq!(via_mx["basis"], "legal");
    assert_eq!(via_mx["subject"], "provider:microsoft-corporation");
    let regimes: Vec<&str> = via_mx["regimes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    assert!(regimes.contains(&"us-cloud-act"), "regimes: {regimes:?}");
    let nodes = path_nodes(via_mx);
    assert!(
        nodes.contains(&"service:exchange-online".to_string()),
        "path: {nodes:?}"
    );
    assert!(
        nodes.contains(&"provider:microsoft-ireland".to_string()),
        "path: {nodes:?}"
    );
    // DPF in force on 2026-01-01 and Microsoft certified.
    assert_eq!(via_mx["status"]["status"], "adequate-if");
    assert_eq!(via_mx["status"]["met"], true);

    // No declared storage outside the EU/EEA; the declared sites are Swedish.
    assert!(with_rule(&findings, "TM102").is_empty(), "{findings:#?}");
    let stores: Vec<&str> = scan["graph"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "stores")
        .filter_map(|e| e["to"].as_str())
        .collect();
    assert!(
        stores.contains(&"site:microsoft-sweden-central-gavle"),
        "stores: {stores:?}"
    );
    assert!(
        stores.iter().all(|s| s.contains("sweden")),
        "stores: {stores:?}"
    );

    // The registry country (US) is the operator's jurisdiction, never the
    // MX's location: the MX's IPv4 addresses are geolocated in SE and NL.
    let located: Vec<(&str, &str)> = scan["graph"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["kind"] == "located-in"
                && e["from"]
                    .as_str()
                    .is_some_and(|f| f.starts_with("addr:52.101."))
        })
        .map(|e| (e["from"].as_str().unwrap(), e["to"].as_str().unwrap()))
        .collect();
    assert!(
        located.contains(&("addr:52.101.80.7", "country:SE")),
        "{located:?}"
    );
    assert!(
        located.contains(&("addr:52.101.73.20", "country:NL")),
        "{located:?}"
    );
    assert!(
        with_rule(&findings, "TM104")
            .iter()
            .all(|f| path_nodes(f).iter().any(|n| n.starts_with("as:")))
    );
}

#[test]
fn spf_include_of_a_us_sender_is_a_measured_third_country_path() {
    let dns = DnsFixture::start(&zones("us-sender"));
    let run = scan_live(&dns, "sandkommun.se", &[]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_evidence_complete(&scan);
    let findings = findings(&scan);
    let measured: Vec<_> = with_rule(&findings, "TM108")
        .into_iter()
        .filter(|f| f["country"] == "US")
        .filter(|f| path_nodes(f).contains(&"spf:servers.mcsv.net".to_string()))
        .collect();
    assert!(
        !measured.is_empty(),
        "no measured US path via Mailchimp: {findings:#?}"
    );
    let f = measured[0];
    assert_eq!(f["basis"], "measured");
    assert_eq!(f["entry"], "spf:sandkommun.se");
    assert_eq!(f["path"][0]["edge"], "sends-via");
    // Inbound mail stays in Sweden: no transfer enters through the MX hosts.
    assert!(
        findings
            .iter()
            .filter(|f| !f["country"].is_null())
            .all(|f| !f["entry"].as_str().unwrap_or("").starts_with("host:")),
        "{findings:#?}"
    );
    // Measured only: a geolocated sender, not inbound delivery (TM101).
    assert!(with_rule(&findings, "TM101").is_empty());
}

#[test]
fn own_swedish_servers_have_no_third_country_finding() {
    let dns = DnsFixture::start(&zones("own-servers"));
    let run = scan_live(&dns, "egenkommun.se", &[]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_evidence_complete(&scan);
    let all = findings(&scan);
    let transfers: Vec<_> = all.iter().filter(|f| !f["country"].is_null()).collect();
    assert!(transfers.is_empty(), "{transfers:#?}");
    // The own servers sit in a Swedish ISP's network that no map names:
    // reported as unknown (TM110), not passed over in silence.
    let unknown = with_rule(&all, "TM110");
    assert!(
        unknown
            .iter()
            .any(|f| f["subject"] == "host:mail.egenkommun.se"
                || f["subject"].as_str().unwrap().starts_with("host:")),
        "{all:#?}"
    );
    // Hosts in a network whose holder is known but not in the maps, and
    // the record's own networks: each says what it is.
    assert!(unknown.iter().all(|f| f["note"]["kind"] == "unattributed"));
    assert!(
        unknown
            .iter()
            .any(|f| f["note"]["what"] == "host"
                && !f["note"]["holders"].as_array().unwrap().is_empty()),
        "{unknown:#?}"
    );
    // Not silence by accident: the servers were found and placed in Sweden.
    let edges = scan["graph"]["edges"].as_array().unwrap();
    assert!(edges.iter().any(|e| e["kind"] == "delivers-to"));
    assert!(
        edges
            .iter()
            .any(|e| e["kind"] == "located-in" && e["to"] == "country:SE")
    );
    assert!(
        run.file("report.md")
            .contains("No path from the organisation's e-mail")
    );
}

#[test]
fn evidence_records_resolver_time_and_dnssec_flag() {
    let dns = DnsFixture::start(&zones("own-servers"));
    let run = scan_live(&dns, "egenkommun.se", &[]);
    let scan = run.scan();
    let mx = scan["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "dns" && e["record_type"] == "MX" && e["name"] == "egenkommun.se")
        .expect("MX evidence");
    assert_eq!(mx["resolver"], dns.addr().to_string());
    assert_eq!(mx["outcome"]["status"], "answer");
    assert_eq!(mx["dnssec_authenticated"], false);
    assert!(mx["at"].as_str().unwrap().starts_with("20"));
    assert!(mx["records"][0].as_str().unwrap().contains(" MX "));
}

#[test]
fn declared_storage_outside_the_eea_is_a_declared_finding() {
    // The user's own maps directory: the shipped maps plus a declaration
    // that US customers' Exchange Online data is stored in a US site.
    let maps = tempfile::tempdir().unwrap();
    copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("maps"),
        maps.path(),
    );
    std::fs::write(
        maps.path().join("test-declaration.toml"),
        r#"
[[site]]
id = "test-us-site"
operator = "microsoft-corporation"
city = "Quincy"
country = "US"
source = "https://example.org/test-fixture"
checked = "2026-01-01"

[[declaration]]
service = "exchange-online"
customers = "US"
stores_in = ["test-us-site"]
source = "https://example.org/test-fixture"
checked = "2026-01-01"
"#,
    )
    .unwrap();
    let dns = DnsFixture::start(&zones("exo-swedish-tenant"));
    let maps_arg = maps.path().display().to_string();
    let run = scan_live(
        &dns,
        "testkommun.se",
        &["--maps", &maps_arg, "--customer-country", "US"],
    );
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_evidence_complete(&scan);
    let findings = findings(&scan);
    let declared = with_rule(&findings, "TM102");
    assert!(!declared.is_empty(), "{findings:#?}");
    let f = declared[0];
    assert_eq!(f["basis"], "declared");
    assert_eq!(f["subject"], "site:test-us-site");
    assert!(
        f["path"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["edge"] == "stores")
    );
    // The declaration's map entry is the evidence of the storage hop.
    let hop = f["path"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["edge"] == "stores")
        .unwrap();
    let ev = hop["evidence"][0].as_u64().unwrap() as usize;
    assert_eq!(scan["evidence"][ev]["kind"], "map");
    // Named with the folder it was read from, so the file on disk is found.
    let file = scan["evidence"][ev]["file"].as_str().unwrap();
    assert!(file.ends_with("/test-declaration.toml"), "{file}");
    assert!(std::path::Path::new(file).is_file(), "{file}");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn users_own_maxmind_databases_are_read_in_their_layout() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let country = fixtures.join("maxmind-country.mmdb").display().to_string();
    let asn = fixtures.join("maxmind-asn.mmdb").display().to_string();
    let dns = DnsFixture::start(&zones("exo-swedish-tenant"));
    let run = scan_live(
        &dns,
        "testkommun.se",
        &[
            "--geoip-country",
            &country,
            "--geoip-registry",
            &country,
            "--geoip-asn",
            &asn,
        ],
    );
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_evidence_complete(&scan);
    let edges = scan["graph"]["edges"].as_array().unwrap();
    let has = |from: &str, kind: &str, to: &str| {
        edges
            .iter()
            .any(|e| e["from"] == from && e["kind"] == kind && e["to"] == to)
    };
    // `country.iso_code` is the location, `registered_country.iso_code` the holder's registry.
    assert!(has("addr:52.101.80.7", "located-in", "country:DE"));
    assert!(has("addr:52.101.80.7", "announced-by", "as:64500"));
    assert!(has("as:64500", "registered-in", "country:CA"));
    let dbs = scan["geodata"].as_array().unwrap();
    assert!(
        dbs.iter()
            .any(|d| d["database_type"] == "GeoIP2-Country" && d["role"] == "geolocated-country")
    );
    assert!(dbs.iter().any(|d| d["database_type"] == "GeoLite2-ASN"));
    let report = run.file("report.md");
    assert!(
        report.contains(r"Example Holder \<b\>\&amp;\</b\>"),
        "holder name escaped"
    );
}

#[test]
fn microsoft_365_beyond_mail_is_mapped() {
    let dns = DnsFixture::start(&zones("exo-swedish-tenant"));
    let run = scan_live(&dns, "testkommun.se", &[]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    assert_evidence_complete(&scan);
    let fam = &scan["collection"]["families"];
    // DKIM CNAMEs reveal the tenant.
    assert_eq!(fam["tenant"], "testkommun.onmicrosoft.com");
    let selectors: Vec<&str> = fam["dkim"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["selector"].as_str())
        .collect();
    assert_eq!(selectors, ["selector1", "selector2"]);
    assert!(fam["dkim"][0]["has_key"].as_bool().unwrap());

    let flows = scan["flows"].as_array().unwrap();
    let flow = |entry: &str| {
        flows
            .iter()
            .find(|f| f["entry"] == entry)
            .unwrap_or_else(|| panic!("no flow to {entry}"))
    };
    let services = |f: &serde_json::Value| -> Vec<String> {
        f["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        services(flow("host:enterpriseenrollment.testkommun.se"))
            .iter()
            .any(|s| s.contains("Intune"))
    );
    assert!(
        services(flow("host:lyncdiscover.testkommun.se"))
            .iter()
            .any(|s| s.contains("Teams"))
    );
    assert!(
        services(flow("host:sipfed.online.lync.com"))
            .iter()
            .any(|s| s.contains("Teams"))
    );
    assert!(
        services(flow("dkim:selector1._domainkey.testkommun.se"))
            .iter()
            .any(|s| s == "Exchange Online")
    );
    // Verification tokens: a known vendor is attributed, an unknown one is
    // counted, not dropped.
    assert!(
        services(flow("token:ms"))
            .iter()
            .any(|s| s.contains("Entra"))
    );
    let unknown = flow("token:acme-domain-verification");
    assert_eq!(unknown["unattributed"], 1);
    assert_eq!(unknown["kind"], "has-accounts-at");
    // TLS-RPT reports are a report flow.
    assert!(
        flows
            .iter()
            .any(|f| f["kind"] == "reports-to"
                && f["detail"].as_str().unwrap().starts_with("TLS-RPT"))
    );
    // The legal path from Teams: Microsoft Ireland → Microsoft Corporation (US).
    let teams_legal = with_rule(&occurrences(&scan), "TM103")
        .into_iter()
        .any(|f| f["entry"] == "host:lyncdiscover.testkommun.se");
    assert!(teams_legal);
}

#[test]
fn dmarc_reports_to_an_outside_receiver_are_checked_for_authorisation() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rapport.se.zone"),
        "$ORIGIN rapport.se.\n$TTL 3600\n@ IN SOA ns hostmaster 1 3600 900 1209600 3600\n@ IN NS ns\nns IN A 62.20.151.2\n\
@ IN MX 10 mail\nmail IN A 62.20.151.25\n\
_dmarc IN TXT \"v=DMARC1; p=none; sp=quarantine; pct=50; rua=mailto:agg@receiver.example,mailto:d@rapport.se; ruf=mailto:f@other.example\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("receiver.example.zone"),
        "$ORIGIN receiver.example.\n$TTL 3600\n@ IN SOA ns hostmaster 1 3600 900 1209600 3600\n@ IN NS ns\nns IN A 62.20.151.3\n\
@ IN MX 10 mx\nmx IN A 62.20.151.26\nrapport.se._report._dmarc IN TXT \"v=DMARC1\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("other.example.zone"),
        "$ORIGIN other.example.\n$TTL 3600\n@ IN SOA ns hostmaster 1 3600 900 1209600 3600\n@ IN NS ns\nns IN A 62.20.151.4\n@ IN MX 10 mx\nmx IN A 62.20.151.27\n",
    )
    .unwrap();
    let dns = DnsFixture::start(dir.path());
    let run = scan_live(&dns, "rapport.se", &[]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let scan = run.scan();
    let dmarc = &scan["collection"]["dmarc"];
    let dest = |d: &str| {
        dmarc["destinations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["domain"] == d)
            .unwrap()
            .clone()
    };
    assert_eq!(dest("receiver.example")["authorised"], true);
    assert_eq!(dest("other.example")["authorised"], false);
    assert_eq!(dest("rapport.se")["authorised"], serde_json::Value::Null);
    assert_eq!(dest("other.example")["kind"], "failure");
    let tags: Vec<&str> = dmarc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t[0].as_str())
        .collect();
    assert_eq!(tags, ["p", "sp", "pct", "rua", "ruf"]);
    assert!(
        run.file("report.md")
            .contains("receiver does not accept reports")
    );
}
