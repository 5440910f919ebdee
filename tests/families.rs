//! The provider families of the shipped maps on one zone fixture: each
//! fingerprint kind (MX, SPF include, TXT token, DMARC receiver, DKIM CNAME)
//! recognises its service, legal exposure follows the contracting entity, and
//! what the maps do not know is reported as unknown rather than dropped.

mod common;

use common::*;
use serde_json::Value;

fn node_keys(scan: &Value) -> Vec<String> {
    scan["graph"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["key"].as_str().unwrap().to_string())
        .collect()
}

fn run_families() -> Run {
    let dns = DnsFixture::start(&zones("provider-families"));
    let run = scan_live(
        &dns,
        "familjekommun.se",
        &["--as-of", "2026-11-25", "--format", "json,md"],
    );
    // No provider zone is served: their names are refused, so the scan is
    // partial (exit 3) and says which questions went unanswered.
    assert_eq!(run.code(), 3, "stderr: {}", run.stderr());
    run
}

fn scan_families() -> Value {
    let scan = run_families().scan();
    assert_evidence_complete(&scan);
    assert_eq!(scan["status"], "partial");
    let gaps = scan["gaps"].as_array().unwrap();
    let asked: Vec<&str> = gaps.iter().map(|g| g["asked"].as_str().unwrap()).collect();
    assert!(asked.contains(&"spf.mailjet.com"), "{asked:?}");
    for own in ["familjekommun.se", "_dmarc.familjekommun.se"] {
        assert!(
            !asked.contains(&own),
            "the domain's own records were answered: {asked:?}"
        );
    }
    let include = gaps
        .iter()
        .find(|g| g["asked"] == "spf.mailjet.com")
        .unwrap();
    assert_eq!(include["unknown"]["kind"], "spf-include");
    scan
}

#[test]
fn every_fingerprint_kind_recognises_its_service() {
    let scan = scan_families();
    let keys = node_keys(&scan);
    for (kind, service) in [
        ("mx *.mx.one.com", "one-com-mail"),
        ("spf-include spf.mailjet.com", "mailjet"),
        ("spf-include mail.zendesk.com", "zendesk-support"),
        ("spf-include email.freshdesk.com", "freshdesk"),
        ("txt-prefix docusign=", "docusign-esignature"),
        (
            "txt-prefix atlassian-domain-verification=",
            "atlassian-cloud",
        ),
        ("dmarc-receiver rua.agari.com", "agari-dmarc-protection"),
        (
            "dmarc-receiver rep.dmarcanalyzer.com",
            "mimecast-dmarc-analyzer",
        ),
        ("dmarc-receiver ruf.powerdmarc.com", "powerdmarc"),
        ("dmarc-receiver *.uriports.com", "uriports"),
    ] {
        assert!(
            keys.contains(&format!("service:{service}")),
            "{kind} did not give service:{service}; nodes: {keys:?}"
        );
    }
}

#[test]
fn legal_exposure_follows_the_contracting_entity() {
    let scan = scan_families();
    let all = findings(&scan);
    let through = |rule: &str, service: &str| {
        with_rule(&all, rule)
            .iter()
            .any(|f| path_nodes(f).contains(&format!("service:{service}")))
    };
    // US companies: Mailjet is contracted through Mailgun Technologies, Inc.,
    // DocuSign, Zendesk and Freshdesk directly by their US companies.
    for service in [
        "mailjet",
        "docusign-esignature",
        "zendesk-support",
        "freshdesk",
    ] {
        assert!(through("TM103", service), "no TM103 through {service}");
    }
    // Three US companies' senders in the one SPF record, none with a
    // certification recorded, ask the same: one finding naming each, its
    // other entry points (Zendesk's DKIM key) listed in it.
    let spf = |f: &&Value| {
        std::iter::once(*f)
            .chain(f["also"].as_array().into_iter().flatten())
            .any(|o| o["entry"] == "spf:familjekommun.se")
    };
    let us_senders: Vec<&Value> = with_rule(&all, "TM103")
        .into_iter()
        .filter(|f| f["country"] == "US")
        .filter(spf)
        .collect();
    assert_eq!(us_senders.len(), 1, "{us_senders:#?}");
    let mut parties = vec![us_senders[0]["party"].as_str().unwrap()];
    for o in us_senders[0]["also"].as_array().into_iter().flatten() {
        if let Some(p) = o["party"].as_str()
            && !parties.contains(&p)
        {
            parties.push(p);
        }
    }
    parties.sort_unstable();
    assert_eq!(
        parties,
        [
            "provider:freshworks-inc",
            "provider:mailgun-technologies",
            "provider:zendesk-inc"
        ]
    );
    // Reports have their own rules: failure reports (content) to PowerDMARC
    // (MENAINFOSEC, Inc) give TM106, aggregate reports to Agari (Fortra, LLC)
    // TM107.
    assert!(
        through("TM106", "powerdmarc"),
        "no TM106 through powerdmarc"
    );
    assert!(
        through("TM107", "agari-dmarc-protection"),
        "no TM107 through agari-dmarc-protection"
    );
    // Must not: a Swedish host and two Dutch companies with no third-country
    // regime in the maps (URIports receives failure reports, so TM106 would
    // be the rule to fire if it were wrongly exposed).
    for rule in ["TM103", "TM106", "TM107"] {
        for service in ["one-com-mail", "mimecast-dmarc-analyzer", "uriports"] {
            assert!(!through(rule, service), "{rule} through {service}");
        }
    }
}

#[test]
fn dpf_status_is_claimed_only_from_a_record() {
    // None of the US companies of this fixture has a DPF certification in
    // the maps: their findings must say that nothing is recorded, not that
    // they are uncertified, and still ask for art. 46 safeguards.
    let run = run_families();
    let all = findings(&run.scan());
    let us: Vec<&Value> = all.iter().filter(|f| f["country"] == "US").collect();
    assert!(!us.is_empty());
    for f in us {
        assert_eq!(f["status"]["status"], "adequate-if", "{f}");
        assert!(f["status"]["met"].is_null(), "{f}");
    }
    let report = run.file("report.md");
    assert!(!report.contains("NOT certified"), "{report}");
    assert!(report.contains("no certification of the recipient is recorded"));
    assert!(report.contains("| not recorded |"));
}

#[test]
fn an_unmapped_token_is_reported_not_dropped() {
    let scan = scan_families();
    let all = findings(&scan);
    let unknown: Vec<&str> = with_rule(&all, "TM110")
        .iter()
        .map(|f| f["note"]["name"].as_str().unwrap())
        .collect();
    assert!(
        unknown.iter().any(|n| n.contains("ZOOM_verify")),
        "{unknown:?}"
    );
    // Mapped tokens are known, so they are not among the unknowns.
    for token in ["docusign", "atlassian-domain-verification"] {
        assert!(
            !unknown.iter().any(|n| n.contains(token)),
            "{token} reported unknown: {unknown:?}"
        );
    }
}
