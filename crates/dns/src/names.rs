//! Domain names as the user gives them and as DNS needs them.

/// Why a domain name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}` is not a valid domain name: {why}")]
pub struct BadDomain {
    /// What was given, made visible (no control or bidi characters).
    pub given: String,
    pub why: String,
}

fn bad(input: &str, why: impl Into<String>) -> BadDomain {
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
    BadDomain {
        given,
        why: why.into(),
    }
}

/// `Bollebygd.SE.` → `bollebygd.se`; Unicode names become punycode.
pub fn normalise_domain(input: &str) -> Result<String, BadDomain> {
    let trimmed = input.trim().trim_end_matches('.');
    if trimmed.is_empty() {
        return Err(bad(
            input,
            "it is empty; give a mail domain such as example.se",
        ));
    }
    if trimmed.contains("://") || trimmed.contains('/') || trimmed.contains('@') {
        return Err(bad(
            input,
            "give the mail domain alone, e.g. example.se (not a URL or an e-mail address)",
        ));
    }
    if trimmed.len() > 253 || trimmed.contains(char::is_whitespace) {
        return Err(bad(input, "it is too long or contains spaces"));
    }
    let name = hickory_proto::rr::Name::from_utf8(trimmed).map_err(|_| {
        bad(
            input,
            "it holds characters a domain name cannot have (letters, digits and hyphens between dots)",
        )
    })?;
    if name.num_labels() < 2 {
        return Err(bad(
            input,
            "a mail domain has at least two labels, e.g. example.se",
        ));
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
        assert!(url.why.contains("not a URL"), "{url}");
        let esc = normalise_domain("x\u{1b}[31m.se").unwrap_err();
        assert!(!esc.to_string().contains('\u{1b}'), "{esc}");
    }
}
