//! The HTML report as a person sees it: opened in headless Chromium, no
//! console errors, the diagram and the findings table present, and a
//! screenshot kept under the test's output folder.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it). Set
//! TRANSFERMAP_SKIP_BROWSER=1 to skip on a machine without it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

fn chromium() -> Option<PathBuf> {
    if std::env::var_os("TRANSFERMAP_SKIP_BROWSER").is_some() {
        return None;
    }
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .map(|c| Path::new("/usr/bin").join(c))
        .find(|p| p.exists());
    assert!(
        found.is_some(),
        "headless Chromium is needed (Debian: apt-get install chromium); set TRANSFERMAP_SKIP_BROWSER=1 to skip"
    );
    found
}

/// Run Chromium headless on a file; returns (stdout, console lines).
fn open(browser: &Path, page: &Path, extra: &[&str]) -> (String, Vec<String>) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

#[test]
fn console_errors_are_detected() {
    // The check below must be able to fail: a page with an error is caught.
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("broken.html");
    std::fs::write(
        &page,
        "<html><body><script>console.error('x'); missing();</script></body></html>",
    )
    .unwrap();
    let (_, console) = open(&browser, &page, &["--dump-dom"]);
    assert!(
        console
            .iter()
            .any(|l| l.contains("Uncaught ReferenceError")),
        "{console:?}"
    );
}

#[test]
fn the_html_report_loads_cleanly_with_diagram_and_findings() {
    let Some(browser) = chromium() else { return };
    let zones = example("bollebygd/after").display().to_string();
    let run = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &zones,
        "--format",
        "json,html",
        "--lang",
        "sv",
    ]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    let page = run.out.path().join("report.html");
    let (dom, console) = open(&browser, &page, &["--dump-dom"]);
    assert!(console.is_empty(), "console messages: {console:?}");
    assert!(
        dom.contains("<figure class=\"map\" id=\"transfer-map\"><svg"),
        "no diagram in the page"
    );
    assert!(
        dom.contains("<th>Regel</th>"),
        "no findings table in the page"
    );
    assert!(dom.contains("USA"));
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("report-sv.png");
    let _ = std::fs::remove_file(&shot);
    let arg = format!("--screenshot={}", shot.display());
    open(&browser, &page, &[&arg, "--window-size=1280,2400"]);
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 10_000,
        "screenshot missing or empty ({size} bytes) at {}",
        shot.display()
    );
}

/// The national view: summary.html loads cleanly, has a row and a link per
/// municipality, sorts by a column, and shows concentration by role.
#[test]
fn the_national_summary_page_sorts_and_links_every_report() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let zones = dir.path().join("zones");
    std::fs::create_dir_all(&zones).unwrap();
    let shared = example("bollebygd/after");
    for e in std::fs::read_dir(&shared).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), zones.join(e.file_name())).unwrap();
    }
    // A second organisation without any mail record: an error row.
    std::fs::write(
        zones.join("tyst.se.zone"),
        "$ORIGIN tyst.se.\n$TTL 3600\n@ IN SOA ns hostmaster 1 3600 900 1209600 3600\n@ IN NS ns\nns IN A 62.20.151.2\n",
    )
    .unwrap();
    let list = dir.path().join("domains.csv");
    std::fs::write(
        &list,
        "name,domain\nBollebygds kommun,bollebygd.se\nTysta kommun,tyst.se\n",
    )
    .unwrap();
    let run = run(&[
        "scan",
        "--domains-file",
        &list.display().to_string(),
        "--zone-file",
        &zones.display().to_string(),
        "--format",
        "json,md,html",
    ]);
    let page = run.out.path().join("summary.html");
    let (dom, console) = open(&browser, &page, &["--dump-dom"]);
    assert!(console.is_empty(), "console messages: {console:?}");
    assert!(
        dom.contains("<a href=\"bollebygd.se/report.html\">Bollebygds kommun</a>"),
        "{dom}"
    );
    assert!(run.out.path().join("bollebygd.se/report.html").is_file());
    assert!(
        dom.contains("no mail records"),
        "a domain without mail records is an error"
    );
    assert!(dom.contains("Microsoft Ireland Operations Ltd"));
    assert!(dom.contains("Concentration"));
    // It opens with what the national view says in short, then the map
    // and the concentration, then the long table.
    assert!(
        dom.contains("The one organisation scanned has its mailboxes with Microsoft Ireland Operations Ltd (1)."),
        "{dom}"
    );
    assert!(dom.contains("the law of a third country reaches the mailbox content"));
    assert!(dom.contains("1 could not be scanned (failed or error)."));
    let at = |s: &str| dom.find(s).unwrap_or_else(|| panic!("{s} not in the page"));
    assert!(at("In short") < at("id=\"map\""));
    assert!(at("id=\"map\"") < at("Concentration"));
    assert!(at("Concentration") < at("<h2 id=\"every\">Every organisation</h2>"));
    assert!(at("<h2 id=\"every\">") < at("<table id=\"domains\""));
    // The map of Sweden's municipalities: Bollebygd (placed by its name)
    // in the colour of the law over its mailboxes, the rest blank, the
    // organisation that is no municipality counted as not placed.
    let bollebygd = dom
        .split("<path ")
        .find(|p| p.contains("data-code=\"1443\""))
        .expect("Bollebygd on the map");
    assert!(bollebygd.contains("fill=\"#c0392b\""), "{bollebygd}");
    assert!(
        bollebygd.contains("<title>Bollebygd (bollebygd.se): mailbox content within reach of a third country's law (United States)</title>"),
        "{bollebygd}"
    );
    assert_eq!(dom.matches("<path ").count(), 290);
    assert!(dom.contains("not in this run: 289"), "legend");
    assert!(
        dom.contains("1 of the run's domains could not be placed"),
        "the organisation that is no municipality"
    );
    // Sorted by organisation, descending then ascending, from the link.
    let sorted = format!("{}#sort=0", page.display());
    let (dom, console) = open(&browser, Path::new(&sorted), &["--dump-dom"]);
    assert!(console.is_empty(), "{console:?}");
    let b = dom.find("Bollebygds kommun</a>").unwrap();
    let t = dom.find("Tysta kommun").unwrap();
    assert!(b < t, "ascending by name");
    assert!(dom.contains("aria-sort=\"ascending\""));
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(run.out.path().join("summary.json")).unwrap(),
    )
    .unwrap();
    let tyst = summary["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["domain"] == "tyst.se")
        .unwrap();
    assert_eq!(tyst["status"], "error");
    assert_eq!(
        summary["concentration"]["mailbox"]["Microsoft Ireland Operations Ltd"][0],
        "bollebygd.se"
    );
}
