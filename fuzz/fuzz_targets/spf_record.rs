//! The SPF record grammar (RFC 7208 §4.6, §12) on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use transfermap_spf::check::{is_spf_record, parse_record};

fuzz_target!(|text: &str| {
    let Ok(record) = parse_record(text) else {
        return;
    };
    assert!(is_spf_record(text), "parsed a record without `v=spf1`");
    // Every space-separated word after `v=spf1` is exactly one term: a
    // directive, `redirect=`, `exp=` or an unknown modifier.
    let words: Vec<&str> = text[6..].split(' ').filter(|w| !w.is_empty()).collect();
    let terms = record.directives.len()
        + record.unknown_modifiers.len()
        + usize::from(record.redirect.is_some())
        + usize::from(record.exp.is_some());
    assert_eq!(terms, words.len(), "terms and words differ for {text:?}");
    // A directive keeps its term as written, in order.
    let mut rest = words.iter();
    for d in &record.directives {
        assert!(
            rest.any(|w| *w == d.text),
            "directive {:?} is not a word of {text:?} (or out of order)",
            d.text
        );
    }
    // Parsing is a function of the text.
    assert_eq!(parse_record(text).as_ref(), Ok(&record));
});
