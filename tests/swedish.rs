//! `--lang sv` output is Swedish throughout: every output of a scan, a
//! diff and a batch is rendered in Swedish and searched for the English
//! catalogue's phrases (path steps, rule titles, severities, data
//! categories, decision forms, country names, terminal lines). A phrase
//! found means a string that bypasses the Swedish catalogue.

mod common;

use common::*;
use transfermap::Lang;
use transfermap::model::finding::{DataCategory, RuleCode, Severity};
use transfermap::model::graph::EdgeKind;
use transfermap::render::words;

/// The English phrases that must never reach Swedish output.
fn english_phrases() -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for k in EdgeKind::ALL {
        let (en, sv) = (words::edge(k, Lang::En), words::edge(k, Lang::Sv));
        assert_ne!(en, sv, "{k:?} has no Swedish words");
        v.push(en.to_string());
    }
    for r in RuleCode::ALL {
        let (en, sv) = (
            words::rule_title(r, Lang::En),
            words::rule_title(r, Lang::Sv),
        );
        assert_ne!(en, sv, "{r:?} has no Swedish title");
        v.push(en.to_string());
    }
    // The analysis's edge details, as a path step shows them.
    for d in transfermap::model::graph::detail::FIXED {
        v.push(format!("({d})"));
    }
    v.push("(fingerprint ".into());
    v.push("(declared for ".into());
    for c in DataCategory::ALL {
        v.push(words::data_category(c, Lang::En).to_string());
    }
    for s in [Severity::High, Severity::Medium, Severity::Low] {
        v.push(format!("[{},", words::severity(s, Lang::En)));
    }
    v.extend(
        [
            "Commission Implementing Decision",
            "Commission Decision",
            "as amended by",
            "United States",
            "Germany",
            "Ireland Operations Ltd (Ireland)",
            "the recipient is",
            "no adequacy decision",
            "adequacy decision (",
            "In short",
            "Third countries reached",
            "Findings",
            "outputs in",
            " as of ",
            "not stated",
            "to fill in",
            "of its addresses",
            "Förenta staterna",
            "e-mail of",
            " addresses (",
            " networks (",
            "verification token",
            "scanning ",
            "DNS queries",
            "evidence items",
        ]
        .map(String::from),
    );
    v.sort();
    v.dedup();
    v
}

fn check(name: &str, text: &str, phrases: &[String], broken: &mut Vec<String>) {
    for p in phrases {
        // Evidence lines quote DNS and the maps' sources as they are (URLs,
        // record text, notes in English): they are data, not wording.
        for line in text.lines().filter(|l| l.contains(p.as_str())) {
            let data = line.contains("Evidence")
                || line.contains("Belägg")
                || line.contains("http")
                || line.contains(" E") && line.contains(": maps/");
            if !data {
                broken.push(format!(
                    "{name}: `{p}` in: {}",
                    line.chars().take(200).collect::<String>()
                ));
                break;
            }
        }
    }
}

#[test]
fn every_swedish_output_speaks_swedish() {
    let phrases = english_phrases();
    let mut broken = Vec::new();
    // One scan, every format, on a date with a bridge (GB) and no US adequacy.
    for as_of in ["2021-05-01", "2026-11-25"] {
        let run = run(&[
            "scan",
            "bollebygd.se",
            "--zone-file",
            &example("bollebygd/after").display().to_string(),
            "--lang",
            "sv",
            "--as-of",
            as_of,
            "--format",
            "json,md,html,dot,mermaid,register",
        ]);
        assert_eq!(run.code(), 0, "{}", run.stderr());
        check("stdout", &run.stdout(), &phrases, &mut broken);
        check("stderr", &run.stderr(), &phrases, &mut broken);
        for f in [
            "report.md",
            "transfer-map.dot",
            "transfer-map-detail.dot",
            "transfer-map.mmd",
            "transfer-register.csv",
        ] {
            check(f, &run.file(f), &phrases, &mut broken);
        }
    }
    broken.sort();
    broken.dedup();
    assert!(
        broken.is_empty(),
        "English in Swedish output:\n{}",
        broken.join("\n")
    );
    // The check can fail: the English report is full of these phrases.
    let en = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &example("bollebygd/after").display().to_string(),
        "--format",
        "md",
    ]);
    let mut found = Vec::new();
    check(
        "report.md (en)",
        &en.file("report.md"),
        &phrases,
        &mut found,
    );
    assert!(found.len() >= 10, "{found:?}");
}

/// A Swedish scan of `domain` in the fixture `zone`, and its report's
/// list of problems (Markdown's escaped backticks read as backticks).
fn problems_in_swedish(domain: &str, zone: &str) -> (Run, String) {
    let run = run(&[
        "scan",
        domain,
        "--zone-file",
        &zones(zone).display().to_string(),
        "--lang",
        "sv",
        "--format",
        "json,md",
    ]);
    let problems = run
        .file("report.md")
        .split("## Problem under skanningen")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the report lists its problems")
        .replace("\\`", "`");
    (run, problems)
}

#[test]
fn the_problems_of_a_scan_are_said_in_swedish() {
    let (run, problems) = problems_in_swedish("hostile.example", "hostile");
    let terms = run.scan()["collection"]["spf"]["lookup_terms"]
        .as_u64()
        .unwrap();
    assert!(
        problems.contains(&format!(
            "SPF-posten kräver {terms} termer som ställer DNS-frågor"
        )),
        "{problems}"
    );
    assert!(problems.contains("SPF för "), "{problems}");
    for english in ["DNS-querying terms", "SPF of ", "no usable MX record"] {
        assert!(!problems.contains(english), "`{english}` in: {problems}");
    }
}

/// Every fault of an SPF, DMARC or TLS-RPT record is said in Swedish in a
/// Swedish report: none of the English messages scan.json keeps is left
/// in it, and the faults are all there.
#[test]
fn record_faults_are_said_in_swedish() {
    let (run, problems) = problems_in_swedish("faulty.example", "record-faults");
    let scan = run.scan();
    let typed: Vec<&serde_json::Value> = scan["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p.get("fault").is_some())
        .collect();
    let mut kinds: Vec<String> = typed
        .iter()
        .map(|p| {
            let f = &p["fault"];
            let inner = &f["fault"];
            format!(
                "{}/{}",
                f["record"].as_str().unwrap(),
                inner["fault"].as_str().unwrap()
            )
        })
        .collect();
    kinds.sort();
    kinds.dedup();
    for kind in [
        "spf/invalid",
        "spf/many-records",
        "spf/macros",
        "spf/after-all",
        "spf/redirect-ignored",
        "spf/no-record",
        "dmarc/tag-without-value",
        "dmarc/not-mailto",
        "tls-rpt/unusable-address",
    ] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "no {kind} fault in {kinds:?}"
        );
    }
    for p in &typed {
        let english = p["message"].as_str().unwrap();
        assert!(!problems.contains(english), "`{english}` in: {problems}");
    }
    for english in [
        "SPF of ",
        "not valid SPF",
        "receivers",
        "is not a usable",
        "tag without value",
        "uses macros",
        "never tested",
        "no SPF record",
        "unknown mechanism",
        "prefix length from",
    ] {
        assert!(!problems.contains(english), "`{english}` in: {problems}");
    }
    for swedish in [
        "okänd mekanism `frobnicate`",
        "är inte en prefixlängd från 0 till 32",
        "2 SPF-poster",
        "använder makron",
        "termer efter `all` prövas aldrig",
        "används inte: posten har `all`",
        "ingen SPF-post",
        "tagg utan värde: `pct`",
        "är inte en användbar mailto:-adress",
        "är inte en användbar rapportadress",
    ] {
        assert!(problems.contains(swedish), "`{swedish}` not in: {problems}");
    }
}

/// A map name that carries an English description (`Zendesk (help desk,
/// support e-mail)`) is shown in its Swedish wording in every Swedish
/// output of a scan and of a batch's summary; scan.json and summary.json
/// keep the names as the maps write them.
#[test]
fn map_names_are_said_in_swedish() {
    let kb = transfermap::maps::KnowledgeBase::embedded().unwrap();
    let names: Vec<(String, String)> = kb.swedish_names();
    let zone = zones("provider-families").display().to_string();
    let scan_in = |lang: &str| {
        run(&[
            "scan",
            "familjekommun.se",
            "--zone-file",
            &zone,
            "--lang",
            lang,
            "--format",
            "json,md,html,dot,mermaid,register",
        ])
    };
    let en = scan_in("en");
    let sv = scan_in("sv");
    let english_report = en.file("report.md");
    // The names this scan reaches that have a Swedish wording.
    let reached: Vec<&(String, String)> = names
        .iter()
        .filter(|(e, _)| english_report.contains(e.as_str()))
        .collect();
    assert!(reached.len() >= 3, "{reached:?}");
    let mut phrases: Vec<String> = reached.iter().map(|(e, _)| e.clone()).collect();
    phrases.extend(english_phrases());
    let mut broken = Vec::new();
    for f in [
        "report.md",
        "report.html",
        "transfer-map.dot",
        "transfer-map-detail.dot",
        "transfer-map.mmd",
        "transfer-register.csv",
    ] {
        check(f, &sv.file(f), &phrases, &mut broken);
    }
    assert!(broken.is_empty(), "English names:\n{}", broken.join("\n"));
    let report = sv.file("report.md");
    for (_, s) in &reached {
        assert!(
            report.contains(s.as_str()),
            "`{s}` not in the Swedish report"
        );
    }
    // scan.json is data: the names as the maps write them, and the
    // Swedish wording beside them.
    let scan = sv.scan();
    let nodes = scan["graph"]["nodes"].as_array().unwrap();
    for (e, s) in &reached {
        assert!(
            nodes
                .iter()
                .any(|n| n["label"] == e.as_str() && n["label_sv"] == s.as_str()),
            "{e}"
        );
    }

    // A batch's summary pages.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("domains.txt");
    std::fs::write(&file, "familjekommun.se\n").unwrap();
    let file_arg = file.display().to_string();
    let batch = run(&[
        "scan",
        "--domains-file",
        &file_arg,
        "--zone-file",
        &zone,
        "--lang",
        "sv",
        "--format",
        "json",
    ]);
    let summary = batch.summary();
    let row = &summary["domains"][0];
    let english_row = row.to_string();
    let in_row: Vec<&&(String, String)> = reached
        .iter()
        .filter(|(e, _)| english_row.contains(&serde_json::to_string(e).unwrap()))
        .collect();
    assert!(!in_row.is_empty(), "{english_row}");
    for (e, s) in &in_row {
        assert_eq!(summary["names_sv"][e.as_str()], s.as_str());
    }
    // Each page shows some of the row's names (the mailbox service at
    // least), every one of them in its Swedish wording.
    for page in ["summary.md", "summary.html"] {
        let text = batch.file(page);
        let mut shown = 0;
        for (e, s) in &in_row {
            let (e, s) = if page == "summary.html" {
                (html_escaped(e), html_escaped(s))
            } else {
                (e.clone(), s.clone())
            };
            shown += usize::from(text.contains(&s));
            assert!(!text.contains(&e), "`{e}` in {page}");
        }
        assert!(shown >= 1, "no Swedish name in {page}");
    }
}

fn html_escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A sub-processor's function is the provider's English words; a Swedish
/// report shows the maps' Swedish wording of it (in the finding's note,
/// its party and the path step), and scan.json keeps the list's words.
#[test]
fn subprocessor_functions_are_said_in_swedish() {
    let kb = transfermap::maps::KnowledgeBase::embedded().unwrap();
    let zone = zones("exo-swedish-tenant").display().to_string();
    let run = run(&[
        "scan",
        "testkommun.se",
        "--zone-file",
        &zone,
        "--lang",
        "sv",
        "--format",
        "json,md,register,dot",
    ]);
    let report = run.file("report.md");
    // The detailed map draws every step to a sub-processor, also to one
    // in the EU that no finding reaches: each says its function in Swedish.
    let map = run.file("transfer-map-detail.dot");
    let drawn: Vec<_> = kb
        .subprocessors
        .iter()
        .filter(|s| map.contains(&s.name))
        .collect();
    assert!(
        drawn.iter().any(|s| !report.contains(&s.name)),
        "no sub-processor drawn that the report's findings leave out"
    );
    for s in &drawn {
        let sv = s.function_sv.as_deref().unwrap();
        assert!(map.contains(sv), "`{sv}` not in the detailed map");
        assert!(
            sv.contains(&s.function) || !map.contains(&s.function),
            "`{}` in English in the detailed map",
            s.function
        );
    }
    let reached: Vec<_> = kb
        .subprocessors
        .iter()
        .filter(|s| report.contains(&s.name))
        .collect();
    assert!(!reached.is_empty(), "no sub-processor in the report");
    let phrases: Vec<String> = reached.iter().map(|s| s.function.clone()).collect();
    let mut broken = Vec::new();
    check("report.md", &report, &phrases, &mut broken);
    check(
        "transfer-register.csv",
        &run.file("transfer-register.csv"),
        &phrases,
        &mut broken,
    );
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    for s in &reached {
        let sv = s.function_sv.as_deref().unwrap();
        assert!(report.contains(sv), "`{sv}` not in the report");
    }
    let json = run.file("scan.json");
    assert!(
        json.contains(&reached[0].function),
        "scan.json keeps the list's words"
    );
}

/// What a batch could not observe, and why a line is not a domain, are
/// said in Swedish on the summary pages, in the domain's report and on the
/// terminal; summary.json keeps the English words beside the typed causes.
#[test]
fn what_was_not_observed_is_said_in_swedish() {
    // A socket that is open and never answers: every question times out.
    let server = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let resolver = server.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("domains.txt");
    // The silent domain is given Bollebygd's municipality code: the map of
    // Sweden on summary.html speaks Swedish too.
    std::fs::write(
        &file,
        "domain,municipality_code\ntyst.example,1443\nhttps://www.example.se/,\n",
    )
    .unwrap();
    let batch = run(&[
        "scan",
        "--domains-file",
        &file.display().to_string(),
        "--resolver",
        &resolver,
        "--timeout",
        "0.2",
        "--lang",
        "sv",
        "--format",
        "json,md",
    ]);
    let summary = batch.summary();
    let row = |d: &str| summary_row(&summary, d);
    let silent = row("tyst.example");
    assert_eq!(silent["status"], "failed", "{silent:#}");
    let gaps = silent["gaps"].as_array().unwrap();
    assert!(!gaps.is_empty());
    for g in gaps {
        assert_eq!(g["outcome"], "timeout", "{g}");
        assert_eq!(g["cause"]["kind"], "dns", "{g}");
        assert_eq!(g["cause"]["outcome"]["status"], "timeout", "{g}");
    }
    let invalid = row("https://www.example.se/");
    assert_eq!(invalid["error_kind"], "invalid-domain");
    assert_eq!(invalid["name_fault"], "url-or-address");

    let report = batch.file("tyst.example/report.md");
    let pages = [
        ("summary.md", batch.file("summary.md")),
        ("summary.html", batch.file("summary.html")),
        ("report.md", report),
        ("terminal", batch.stdout()),
    ];
    for (name, text) in &pages {
        assert!(text.contains("inget svar i tid"), "{name}:\n{text}");
        assert!(!text.contains("timeout"), "`timeout` in {name}:\n{text}");
    }
    for (name, text) in &pages[..2] {
        assert!(text.contains("ange e-postdomänen ensam"), "{name}:\n{text}");
        assert!(!text.contains("give the mail domain"), "{name}:\n{text}");
    }
    let html = batch.file("summary.html");
    for swedish in [
        "Karta: brevlådornas jurisdiktion",
        "ingen användbar skanning (misslyckad eller fel): 1",
        "inte med i denna körning: 289",
        "Kommungränser: SCB",
        "I korthet",
        "2 kunde inte skannas (misslyckad eller fel).",
    ] {
        assert!(html.contains(swedish), "`{swedish}` not in summary.html");
    }
    for english in ["not in this run", "no usable scan", "Municipal boundaries"] {
        assert!(!html.contains(english), "`{english}` in summary.html");
    }
    // The spreadsheet is for any reader: English, like summary.json.
    let csv = batch.file("summary.csv");
    assert!(csv.contains("/MX: timeout"), "{csv}");
    assert!(
        csv.lines()
            .any(|l| l.starts_with(",tyst.example,") && l.ends_with(",1443,")),
        "the code from the domains file: {csv}"
    );
    drop(server);
}
