//! `spf_check_report`: check_host() against zone files and a code-built
//! zone, and the printable explanation the CLI shows.

use std::net::IpAddr;
use std::time::Duration;

use hickory_proto::rr::rdata::TXT;
use hickory_proto::rr::{Name, RData, Record, RecordType};

use transfermap::dns::ResolverChoice;
use transfermap::dns::zone_server::{Silence, ZoneServer};
use transfermap::spf::check::{Reach, SpfResult};
use transfermap::spf_report::{SpfCheckOptions, spf_check_report};

const ZONE: &str = r#"
$ORIGIN example.se.
$TTL 3600
@        IN SOA ns1.example.se. hostmaster.example.se. ( 1 3600 900 1209600 3600 )
@        IN NS  ns1.example.se.
ns1      IN A   192.0.2.53
@        IN TXT "v=spf1 ip4:192.0.2.0/28 include:_spf.example.se exp=why.%{d} -all"
@        IN TXT "google-site-verification=not-spf"
_spf     IN TXT "v=spf1 mx:mail.example.se ~all"
mail     IN MX  10 mx1.example.se.
mx1      IN A   198.51.100.25
why      IN TXT "%{i} may not send as %{l}@%{o}"
"#;

fn options(ip: &str, sender: &str, zone_dir: &std::path::Path) -> SpfCheckOptions {
    SpfCheckOptions {
        ip: ip.parse().unwrap(),
        sender: sender.into(),
        helo: Some("client.example.net".into()),
        resolver: ResolverChoice::System,
        zone_files: vec![zone_dir.to_path_buf()],
        timeout: Duration::from_secs(2),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_explains_the_verdict_from_zone_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("example.se.zone"), ZONE).unwrap();

    // A match inside an include: pass, with the include chain.
    let report = spf_check_report(&options("198.51.100.25", "alice@Example.SE", dir.path()))
        .await
        .expect("report");
    let v = &report.verdict;
    assert_eq!(v.result, SpfResult::Pass, "{}", report.to_text());
    assert_eq!(report.domain, "example.se");
    assert_eq!(report.sender, "alice@example.se");
    let matched = v.matched.as_ref().expect("matched");
    assert_eq!(matched.term, "include:_spf.example.se");
    assert_eq!(
        matched.inner.as_ref().map(|m| m.term.as_str()),
        Some("mx:mail.example.se")
    );
    assert_eq!(v.records.len(), 2);
    assert_eq!(v.records[1].reached_by, Reach::Include);
    assert_eq!(v.dns_terms, 2);
    let text = report.to_text();
    for want in [
        "result:      pass",
        "`include:_spf.example.se` in the record of example.se, through `mx:mail.example.se` in the record of _spf.example.se",
        "  example.se: \"v=spf1 ip4:192.0.2.0/28",
        "    include → _spf.example.se: \"v=spf1 mx:mail.example.se ~all\"",
        "DNS mx1.example.se A → mx1.example.se A 198.51.100.25",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    // Every evidence line of the verdict is in the log, in order.
    assert_eq!(v.evidence.len(), 4, "{text}");

    // No match: fail, with the exp= explanation expanded.
    let report = spf_check_report(&options("203.0.113.9", "bob@example.se", dir.path()))
        .await
        .expect("report");
    assert_eq!(report.verdict.result, SpfResult::Fail);
    assert_eq!(
        report.verdict.explanation.as_deref(),
        Some("203.0.113.9 may not send as bob@example.se")
    );
    assert_eq!(
        report.verdict.matched.as_ref().map(|m| m.term.as_str()),
        Some("-all")
    );
    assert!(
        report
            .to_text()
            .contains("explanation: 203.0.113.9 may not send")
    );

    // A null reverse path is checked as postmaster@HELO; that name has no SPF here.
    let mut opts = options("192.0.2.1", "", dir.path());
    opts.helo = Some("mail.example.se".into());
    let report = spf_check_report(&opts).await.expect("report");
    assert_eq!(report.sender, "postmaster@mail.example.se");
    assert_eq!(report.verdict.result, SpfResult::None);
    assert!(report.to_text().contains("why:"));

    // An empty sender needs a HELO name.
    let mut opts = options("192.0.2.1", "", dir.path());
    opts.helo = None;
    assert!(spf_check_report(&opts).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_is_a_temperror_with_evidence() {
    let txt = |name: &str, text: &str| {
        Record::from_rdata(
            Name::from_ascii(name).unwrap(),
            300,
            RData::TXT(TXT::new(vec![text.into()])),
        )
    };
    let records = vec![
        txt("ok.example.", "v=spf1 include:slow.example. -all"),
        txt("slow.example.", "v=spf1 +all"),
    ];
    let mut silence = Silence::default();
    silence.add(&Name::from_ascii("slow.example.").unwrap(), [RecordType::A]);
    let server = ZoneServer::start_zones(vec![(Name::root(), records)], silence)
        .await
        .expect("server");
    let opts = SpfCheckOptions {
        ip: "192.0.2.1".parse::<IpAddr>().unwrap(),
        sender: "someone@ok.example".into(),
        helo: None,
        resolver: ResolverChoice::Server(server.addr()),
        zone_files: Vec::new(),
        timeout: Duration::from_millis(300),
    };
    let report = spf_check_report(&opts).await.expect("report");
    server.shutdown().await;
    let v = &report.verdict;
    assert_eq!(v.result, SpfResult::TempError, "{}", report.to_text());
    assert!(
        v.reason.as_deref().unwrap_or("").contains("slow.example"),
        "{:?}",
        v.reason
    );
    let last = report.evidence.get(*v.evidence.last().unwrap()).unwrap();
    assert!(last.summary(&[]).contains("timeout") || last.summary(&[]).contains("error"));
}
