//! The TXT verification-token classifier on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use transfermap_collect::families::looks_like_token;

fuzz_target!(|text: &str| {
    let Some(prefix) = looks_like_token(text) else {
        return;
    };
    let t = text.trim();
    // The vendor prefix is how the value starts, name-like and short.
    assert!(t.starts_with(&prefix), "{prefix:?} does not start {text:?}");
    assert!((2..=64).contains(&prefix.len()), "{prefix:?}");
    assert!(
        prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    );
    assert!(t.len() <= 512);
    // Mail policy records are never tokens.
    let lower = t.to_ascii_lowercase();
    for policy in ["v=spf1", "v=dmarc1", "v=dkim1", "v=stsv1", "v=tlsrptv1"] {
        assert!(!lower.starts_with(policy), "{text:?} is a policy record");
    }
});
