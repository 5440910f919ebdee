//! Domain names as the user gives them and as DNS needs them.

pub use transfermap_model::records::DomainNameFault;

/// Why a domain name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}` is not a valid domain name: {why}")]
pub struct BadDomain {
    /// What was given, made visible (no control or bidi characters).
    pub given: String,
    pub why: DomainNameFault,
}

fn bad(input: &str, why: DomainNameFault) -> BadDomain {
    let given: String = input
        .chars()
        .take(200)
        .map(|c| {
            if c.is_control() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}') {
                format!("<U+{:04X}>", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect();
    BadDomain { given, why }
}

/// `Bollebygd.SE.` → `bollebygd.se`; Unicode names become punycode.
pub fn normalise_domain(input: &str) -> Result<String, BadDomain> {
    let trimmed = input.trim().trim_end_matches('.');
    if trimmed.is_empty() {
        return Err(bad(input, DomainNameFault::Empty));
    }
    if trimmed.contains("://") || trimmed.contains('/') || trimmed.contains('@') {
        return Err(bad(input, DomainNameFault::UrlOrAddress));
    }
    if trimmed.len() > 253 || trimmed.contains(char::is_whitespace) {
        return Err(bad(input, DomainNameFault::TooLongOrSpaces));
    }
    let name = hickory_proto::rr::Name::from_utf8(trimmed)
        .map_err(|_| bad(input, DomainNameFault::BadCharacters))?;
    if name.num_labels() < 2 {
        return Err(bad(input, DomainNameFault::OneLabel));
    }
    Ok(crate::canonical_name(&name.to_ascii()))
}

/// `xn--rksmrgs-5wao1o.se` → `räksmörgås.se`; ASCII names unchanged.
pub fn display_domain(ascii: &str) -> String {
    hickory_proto::rr::Name::from_ascii(ascii)
        .map(|n| n.to_utf8().trim_end_matches('.').to_string())
        .unwrap_or_else(|_| ascii.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalised_and_idn_becomes_punycode() {
        assert_eq!(normalise_domain(" Bollebygd.SE. ").unwrap(), "bollebygd.se");
        assert_eq!(
            normalise_domain("räksmörgås.se").unwrap(),
            "xn--rksmrgs-5wao1o.se"
        );
        assert!(normalise_domain("").is_err());
        assert!(normalise_domain("localhost").is_err());
        assert!(normalise_domain("a b.se").is_err());
        assert!(normalise_domain(&"a".repeat(300)).is_err());
        let url = normalise_domain("https://bollebygd.se/").unwrap_err();
        assert_eq!(url.why, DomainNameFault::UrlOrAddress, "{url}");
        assert!(url.to_string().contains("not a URL"), "{url}");
        let esc = normalise_domain("x\u{1b}[31m.se").unwrap_err();
        assert!(!esc.to_string().contains('\u{1b}'), "{esc}");
    }
}
