//! The TLS-RPT record parser (RFC 8460 §3) on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use transfermap_collect::families::parse_tls_rpt;

fuzz_target!(|text: &str| {
    let mut problems = Vec::new();
    let destinations = parse_tls_rpt(text, &mut problems);
    // One destination or one problem per URI, never more.
    let uris = text.matches(',').count() + text.matches(';').count() + 1;
    assert!(destinations.len() + problems.len() <= uris);
    for d in &destinations {
        assert!(text.contains(d.uri.as_str()), "{:?} not in {text:?}", d.uri);
        let lower = d.uri.to_ascii_lowercase();
        assert_eq!(d.is_mail, lower.starts_with("mailto:"));
        assert!(d.is_mail || lower.starts_with("https://"));
        assert!(!d.host.is_empty() && d.host.contains('.'));
        assert_eq!(d.host, d.host.to_ascii_lowercase());
        assert!(!d.host.contains(['/', '@', ' ', ';', ',']));
    }
});
