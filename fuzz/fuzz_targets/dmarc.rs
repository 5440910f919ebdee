//! The DMARC record parser (RFC 7489 §6.4) on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use transfermap_collect::dmarc::parse;
use transfermap_model::evidence::EvidenceId;

fuzz_target!(|text: &str| {
    let Some(record) = parse(text, EvidenceId(7)) else {
        return;
    };
    assert_eq!(record.record, text);
    assert_eq!(record.evidence, EvidenceId(7));
    assert!(
        text.to_ascii_lowercase()
            .replace(' ', "")
            .contains("v=dmarc1"),
        "DMARC without a version tag: {text:?}"
    );
    // At most one destination per comma-separated URI of the text.
    let uris = text.matches(',').count() + text.matches(';').count() + 1;
    assert!(record.destinations.len() <= uris);
    for d in &record.destinations {
        // The receiving domain is the address's domain, canonical, and
        // an address the text holds (case aside).
        assert!(!d.domain.is_empty());
        assert_eq!(d.domain, d.domain.to_ascii_lowercase());
        assert!(!d.domain.ends_with('.'));
        assert!(d.address.contains('@'));
        assert!(
            text.contains(d.address.as_str()),
            "{:?} is not in {text:?}",
            d.address
        );
        assert!(d.authorised.is_none() && d.authorisation_evidence.is_none());
    }
});
