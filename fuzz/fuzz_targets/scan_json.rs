//! Reading `scan.json` (model::scan::read_scan) on arbitrary UTF-8.
#![no_main]

use libfuzzer_sys::fuzz_target;
use transfermap_model::scan::{read_scan, scan_json};

fuzz_target!(|text: &str| {
    let Ok(scan) = read_scan(text) else {
        return;
    };
    // Whatever is read can be written, and what is written reads back to
    // the same scan (written byte for byte the same).
    let first = scan_json(&scan).expect("a scan that was read can be written");
    let again = std::str::from_utf8(&first).expect("scan.json is UTF-8");
    let reread = read_scan(again).expect("a written scan reads back");
    let second = scan_json(&reread).expect("write again");
    assert!(first == second, "scan.json does not round-trip");
});
