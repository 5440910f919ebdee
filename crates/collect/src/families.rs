//! The record families beyond MX, SPF and DMARC that show where mail and
//! accounts go: DKIM selectors, MTA-STS, TLS-RPT, the discovery names of
//! Microsoft 365 (Teams/Skype, Intune, autodiscover) and TXT verification
//! tokens that reveal SaaS sign-ups.

use transfermap_model::evidence::EvidenceLog;
pub use transfermap_model::families::{
    DiscoveryName, DkimSelector, Families, TenantHost, TlsReportDestination, TlsRptFault,
    VerificationToken,
};
use transfermap_model::records::{Lookup, QueryResult, RecordData, RecordType, canonical_name};

/// DKIM selectors probed, and why each is on the list. A selector is only
/// found when it is asked for by name; these are the ones providers hand
/// out by default, so a hit names the provider that signs the domain's mail.
pub const DKIM_SELECTORS: &[(&str, &str)] = &[
    ("selector1", "Microsoft 365"),
    ("selector2", "Microsoft 365"),
    ("google", "Google Workspace"),
    ("k1", "Mailchimp / Mandrill"),
    ("k2", "Mailchimp"),
    ("mandrill", "Mandrill"),
    ("s1", "SendGrid"),
    ("s2", "SendGrid"),
    ("mte1", "Mandrill (Mailchimp Transactional)"),
    ("hs1", "HubSpot"),
    ("zendesk1", "Zendesk"),
    ("default", "many (generic default)"),
];

/// Names below the domain that Microsoft 365 and others ask clients to use.
/// Clients (Outlook, Teams, enrolled devices) connect to whatever they
/// point at, carrying user names, credentials and device data.
pub const DISCOVERY_NAMES: &[&str] = &[
    "lyncdiscover",
    "sip",
    "enterpriseenrollment",
    "enterpriseregistration",
    "msoid",
];

/// SRV names clients look up: Teams/Skype federation and SIP, and
/// `_autodiscover._tcp`, which some domains publish instead of an
/// `autodiscover` CNAME (RFC 6186 style service location for Outlook).
pub const SRV_NAMES: &[&str] = &["_sip._tls", "_sipfederationtls._tcp", "_autodiscover._tcp"];

/// Exchange Online's inbound host for a domain: `contoso.se` receives at
/// `contoso-se.mail.protection.outlook.com` (Microsoft's documented MX
/// target for a custom domain). The host exists once the domain is set up
/// in a Microsoft 365 tenant, whatever the MX points at.
pub fn exchange_online_host(domain: &str) -> String {
    format!("{}.mail.protection.outlook.com", domain.replace('.', "-"))
}

/// Whether the domain's records point at Microsoft 365 at all: a DKIM
/// selector or autodiscover delegated to Microsoft, an SPF include of
/// Exchange Online Protection, or an `MS=` token. Only then is the tenant
/// host asked (a question about a name the domain does not publish).
pub fn points_at_microsoft(f: &Families, spf_includes: &[String], autodiscover: &[String]) -> bool {
    let ms_name = |n: &str| {
        n.ends_with(".onmicrosoft.com")
            || n.ends_with(".dkim.mail.microsoft")
            || n == "autodiscover.outlook.com"
            || n.ends_with(".outlook.com")
    };
    f.dkim.iter().any(|d| d.aliases.iter().any(|a| ms_name(a)))
        || autodiscover.iter().any(|a| ms_name(a))
        || f.discovery
            .iter()
            .any(|d| d.targets.iter().any(|t| t == "autodiscover.outlook.com"))
        || spf_includes
            .iter()
            .any(|i| i == "spf.protection.outlook.com")
        || f.tokens.iter().any(|t| t.prefix.eq_ignore_ascii_case("MS"))
}

/// TXT values that look like a verification token even when no fingerprint
/// knows the vendor: they are reported as unknown, not ignored. A token is
/// `prefix=value` or `prefix:value` with a short name-like prefix and a
/// value without spaces (`MS=ms123`, `docusign=1b0a…`, `brevo-code:ab12`),
/// or a single word mentioning verification (`ZOOM_verify_…`). Mail policy
/// records (SPF, DMARC, DKIM, MTA-STS, TLS-RPT) are not tokens.
///
/// `pub` for the fuzz targets (`fuzz/`), which feed it arbitrary TXT text.
pub fn looks_like_token(txt: &str) -> Option<String> {
    let t = txt.trim();
    let lower = t.to_ascii_lowercase();
    let policy = [
        "v=spf1",
        "v=dmarc1",
        "v=dkim1",
        "v=stsv1",
        "v=tlsrptv1",
        "v=bimi1",
    ];
    if t.is_empty() || t.len() > 512 || policy.iter().any(|p| lower.starts_with(p)) {
        return None;
    }
    let name_like = |p: &str| {
        (2..=64).contains(&p.len())
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            && !p.eq_ignore_ascii_case("v")
    };
    if let Some((prefix, value)) = t.split_once(['=', ':']) {
        let value = value.trim();
        if name_like(prefix) && !value.is_empty() && !value.contains(char::is_whitespace) {
            return Some(prefix.to_string());
        }
        return None;
    }
    (lower.contains("verif") && !t.contains(char::is_whitespace))
        .then(|| t.split('_').take(2).collect::<Vec<_>>().join("_"))
        .filter(|p| name_like(p))
}

/// Collect every family; `apex_txt` is the domain's TXT answer (already
/// asked for SPF).
pub async fn collect<L: Lookup>(
    dns: &mut L,
    log: &mut EvidenceLog,
    domain: &str,
    apex_txt: &QueryResult,
) -> Families {
    let mut f = Families::default();
    // Everything below is independent: ask it together, then read in order.
    let mut questions: Vec<(String, RecordType)> = DKIM_SELECTORS
        .iter()
        .map(|(s, _)| (format!("{s}._domainkey.{domain}"), RecordType::Txt))
        .collect();
    questions.push((format!("_mta-sts.{domain}"), RecordType::Txt));
    questions.push((format!("mta-sts.{domain}"), RecordType::Cname));
    questions.push((format!("_smtp._tls.{domain}"), RecordType::Txt));
    for n in DISCOVERY_NAMES {
        questions.push((format!("{n}.{domain}"), RecordType::Cname));
    }
    for n in SRV_NAMES {
        questions.push((format!("{n}.{domain}"), RecordType::Srv));
    }
    let answers = dns.query_many(log, &questions).await;
    let mut answers = answers.into_iter();

    for (selector, _) in DKIM_SELECTORS {
        let Some(a) = answers.next() else { break };
        let name = format!("{selector}._domainkey.{domain}");
        let aliases = cname_chain(&a.records, &name);
        let has_key = a.txt().any(|t| {
            let t = t.to_ascii_lowercase();
            t.contains("p=")
                && (t.starts_with("v=dkim1") || t.contains("k=rsa") || t.contains("k=ed25519"))
        });
        if aliases.is_empty() && !has_key {
            continue;
        }
        if f.tenant.is_none() {
            f.tenant = aliases.iter().find_map(|t| tenant_of(t));
        }
        f.dkim.push(DkimSelector {
            selector: selector.to_string(),
            name,
            aliases,
            has_key,
            evidence: a.evidence,
        });
    }

    if let Some(a) = answers.next() {
        f.mta_sts = a
            .txt()
            .find(|t| t.to_ascii_lowercase().starts_with("v=stsv1"))
            .map(|t| (t.to_string(), a.evidence));
    }
    if let Some(a) = answers.next() {
        let name = format!("mta-sts.{domain}");
        let targets = cname_chain(&a.records, &name);
        if !targets.is_empty() {
            f.mta_sts_host = Some(DiscoveryName {
                name,
                targets,
                evidence: a.evidence,
            });
        }
    }
    if let Some(a) = answers.next()
        && let Some(txt) = a
            .txt()
            .find(|t| t.to_ascii_lowercase().starts_with("v=tlsrptv1"))
    {
        f.tls_rpt_destinations = parse_tls_rpt(txt, &mut f.problems);
        f.tls_rpt = Some((txt.to_string(), a.evidence));
    }
    for n in DISCOVERY_NAMES {
        let Some(a) = answers.next() else { break };
        let name = format!("{n}.{domain}");
        let targets = cname_chain(&a.records, &name);
        if !targets.is_empty() {
            f.discovery.push(DiscoveryName {
                name,
                targets,
                evidence: a.evidence,
            });
        }
    }
    for n in SRV_NAMES {
        let Some(a) = answers.next() else { break };
        let targets: Vec<String> = a
            .records
            .iter()
            .filter_map(|r| match r {
                RecordData::Srv { target, .. } if !target.is_empty() => Some(target.clone()),
                _ => None,
            })
            .collect();
        if !targets.is_empty() {
            f.discovery.push(DiscoveryName {
                name: format!("{n}.{domain}"),
                targets,
                evidence: a.evidence,
            });
        }
    }
    for txt in apex_txt.txt() {
        if let Some(prefix) = looks_like_token(txt) {
            f.tokens.push(VerificationToken {
                prefix,
                record: txt.to_string(),
                evidence: apex_txt.evidence,
            });
        }
    }
    f
}

/// The CNAME targets met from `name`, in order (loop-safe, bounded).
fn cname_chain(records: &[RecordData], name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = canonical_name(name);
    for _ in 0..super::MAX_CNAME_HOPS {
        let next = records.iter().find_map(|r| match r {
            RecordData::Cname { owner, target } if *owner == current => Some(target.clone()),
            _ => None,
        });
        match next {
            Some(t) if !out.contains(&t) && t != canonical_name(name) => {
                out.push(t.clone());
                current = t;
            }
            _ => break,
        }
    }
    out
}

/// `selector1-contoso-se._domainkey.contoso.onmicrosoft.com` → `contoso.onmicrosoft.com`.
fn tenant_of(target: &str) -> Option<String> {
    let rest = target.strip_suffix(".onmicrosoft.com")?;
    let tenant = rest.rsplit('.').next()?;
    (!tenant.is_empty()).then(|| format!("{tenant}.onmicrosoft.com"))
}

/// RFC 8460 `rua=` destinations.
///
/// `pub` for the fuzz targets (`fuzz/`), which feed it arbitrary TXT text.
pub fn parse_tls_rpt(txt: &str, problems: &mut Vec<TlsRptFault>) -> Vec<TlsReportDestination> {
    let mut out = Vec::new();
    for tag in txt.split(';').map(str::trim) {
        let Some((k, v)) = tag.split_once('=') else {
            continue;
        };
        if !k.trim().eq_ignore_ascii_case("rua") {
            continue;
        }
        for uri in v.split(',').map(str::trim).filter(|u| !u.is_empty()) {
            let lower = uri.to_ascii_lowercase();
            let parsed = if let Some(rest) = lower.strip_prefix("mailto:") {
                rest.rsplit_once('@')
                    .map(|(_, d)| (canonical_name(d), true))
            } else if let Some(rest) = lower.strip_prefix("https://") {
                rest.split(['/', ':', '?'])
                    .next()
                    .map(|h| (canonical_name(h), false))
            } else {
                None
            };
            match parsed.filter(|(h, _)| valid_host(h)) {
                Some((host, is_mail)) => out.push(TlsReportDestination {
                    uri: uri.to_string(),
                    host,
                    is_mail,
                }),
                None => problems.push(TlsRptFault::UnusableAddress {
                    uri: uri.to_string(),
                }),
            }
        }
    }
    out
}

fn valid_host(h: &str) -> bool {
    !h.is_empty()
        && h.contains('.')
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || !c.is_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_from_dkim_cname() {
        assert_eq!(
            tenant_of("selector1-bollebygd-se._domainkey.bollebygd.onmicrosoft.com").as_deref(),
            Some("bollebygd.onmicrosoft.com")
        );
        assert_eq!(tenant_of("k1.mcsv.net"), None);
    }

    #[test]
    fn tokens_are_recognised_by_shape() {
        assert_eq!(looks_like_token("MS=ms12345678").as_deref(), Some("MS"));
        assert_eq!(
            looks_like_token("google-site-verification=abc").as_deref(),
            Some("google-site-verification")
        );
        assert_eq!(
            looks_like_token("atlassian-domain-verification=xyz").as_deref(),
            Some("atlassian-domain-verification")
        );
        assert_eq!(
            looks_like_token("docusign=1b0a6754-49b1-4db5-8540-d2c12664b289").as_deref(),
            Some("docusign")
        );
        assert_eq!(
            looks_like_token("brevo-code:ab12cd").as_deref(),
            Some("brevo-code")
        );
        assert_eq!(
            looks_like_token("ZOOM_verify_abcDEF").as_deref(),
            Some("ZOOM_verify")
        );
        assert_eq!(looks_like_token("v=spf1 -all"), None);
        assert_eq!(looks_like_token("v=DKIM1; k=rsa; p=abc"), None);
        assert_eq!(looks_like_token("some free text"), None);
        assert_eq!(looks_like_token("hostile-test: \"double quotes\" x"), None);
    }

    #[test]
    fn tls_rpt_destinations() {
        let mut problems = Vec::new();
        let d = parse_tls_rpt(
            "v=TLSRPTv1; rua=mailto:tls@Example.se,https://reports.example.net/v1/tlsrpt, mailto:<b>@x",
            &mut problems,
        );
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].host.as_str(), d[0].is_mail), ("example.se", true));
        assert_eq!(
            (d[1].host.as_str(), d[1].is_mail),
            ("reports.example.net", false)
        );
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn cname_chains_stop_at_loops() {
        let r = vec![
            RecordData::Cname {
                owner: "a.x".into(),
                target: "b.x".into(),
            },
            RecordData::Cname {
                owner: "b.x".into(),
                target: "a.x".into(),
            },
        ];
        assert_eq!(cname_chain(&r, "a.x"), vec!["b.x".to_string()]);
    }
}
