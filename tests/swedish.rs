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

#[test]
fn the_problems_of_a_scan_are_said_in_swedish() {
    let run = run(&[
        "scan",
        "hostile.example",
        "--zone-file",
        &zones("hostile").display().to_string(),
        "--lang",
        "sv",
        "--format",
        "json,md",
    ]);
    let md = run.file("report.md");
    let problems = md
        .split("## Problem under skanningen")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the report lists its problems");
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
