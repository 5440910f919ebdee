//! What a scan did not observe: every question that failed (timeout,
//! SERVFAIL, REFUSED, an unreadable answer, the query cap) and every
//! geolocation lookup that could not be made, each with what it leaves
//! unknown. A scan with any gap is `partial`, never `ok`.

use transfermap_model::evidence::{Evidence, Observation};
use transfermap_model::records::RecordType;
use transfermap_model::scan::{Gap, GapCause, ScanStatus, Unobserved};

/// Discovery names below the domain that clients connect to.
const CLIENT_NAMES: &[&str] = &[
    "autodiscover",
    "lyncdiscover",
    "sip",
    "enterpriseenrollment",
    "enterpriseregistration",
    "msoid",
    "_sip._tls",
    "_sipfederationtls._tcp",
    "_autodiscover._tcp",
];

/// The gaps of one domain's evidence, in the order asked; a question asked
/// again and answered is not a gap.
pub fn gaps(domain: &str, evidence: &[Evidence]) -> Vec<Gap> {
    let mut out: Vec<Gap> = Vec::new();
    for e in evidence {
        match &e.observed {
            Observation::Dns(d) if d.outcome.is_failure() => {
                let answered_later = evidence.iter().any(|x| {
                    x.id > e.id
                        && matches!(&x.observed, Observation::Dns(y)
                            if y.name == d.name && y.record_type == d.record_type && !y.outcome.is_failure())
                });
                if answered_later
                    || out
                        .iter()
                        .any(|g| g.asked == d.name && g.record_type == Some(d.record_type))
                {
                    continue;
                }
                out.push(Gap {
                    asked: d.name.clone(),
                    record_type: Some(d.record_type),
                    outcome: d.outcome.label(),
                    cause: GapCause::Dns {
                        outcome: d.outcome.clone(),
                    },
                    unknown: unobserved(domain, &d.name, d.record_type),
                    evidence: e.id,
                });
            }
            Observation::Geo(g) if g.error.is_some() => {
                if out
                    .iter()
                    .any(|x| x.asked == g.address && x.record_type.is_none())
                {
                    continue;
                }
                out.push(Gap {
                    asked: g.address.clone(),
                    record_type: None,
                    outcome: format!("{} database: {}", g.role, g.error.as_deref().unwrap_or("")),
                    cause: GapCause::Geolocation {
                        role: g.role.to_string(),
                        error: g.error.clone().unwrap_or_default(),
                    },
                    unknown: Unobserved::Geolocation(g.address.clone()),
                    evidence: e.id,
                });
            }
            _ => {}
        }
    }
    out
}

/// What the answer to `name`/`rtype` would have shown.
fn unobserved(domain: &str, name: &str, rtype: RecordType) -> Unobserved {
    let below = |prefix: &str| name == format!("{prefix}.{domain}");
    if name == domain {
        return match rtype {
            RecordType::Mx => Unobserved::InboundMail,
            RecordType::Txt => Unobserved::SpfPolicyAndTokens,
            _ => Unobserved::HostAddresses(name.to_string()),
        };
    }
    if below("_dmarc") {
        return Unobserved::DmarcReceivers;
    }
    if let Some((_, receiver)) = name.split_once("._report._dmarc.") {
        return Unobserved::ReportAuthorisation(receiver.to_string());
    }
    if let Some((selector, _)) = name.split_once("._domainkey.") {
        return Unobserved::DkimSigner(selector.to_string());
    }
    if below("_mta-sts") || below("mta-sts") || below("_smtp._tls") {
        return Unobserved::TlsReporting;
    }
    if CLIENT_NAMES.iter().any(|n| below(n)) {
        return Unobserved::ClientAccess(name.to_string());
    }
    match rtype {
        RecordType::Txt => Unobserved::SpfInclude(name.to_string()),
        RecordType::Mx => Unobserved::MailExchangersOf(name.to_string()),
        RecordType::A | RecordType::Aaaa | RecordType::Cname => {
            Unobserved::HostAddresses(name.to_string())
        }
        _ => Unobserved::Other(name.to_string()),
    }
}

/// `ok` without gaps; `failed` when the domain's MX and its own TXT record
/// (the inbound route and the SPF policy) both went unobserved, or nothing
/// at all was answered; `partial` otherwise.
pub fn status(gaps: &[Gap], evidence: &[Evidence]) -> ScanStatus {
    if gaps.is_empty() {
        return ScanStatus::Ok;
    }
    let lost = |u: &Unobserved| gaps.iter().any(|g| &g.unknown == u);
    let answered = evidence
        .iter()
        .any(|e| matches!(&e.observed, Observation::Dns(d) if !d.outcome.is_failure()));
    if !answered || (lost(&Unobserved::InboundMail) && lost(&Unobserved::SpfPolicyAndTokens)) {
        ScanStatus::Failed
    } else {
        ScanStatus::Partial
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_say_what_they_leave_unknown() {
        let d = "x.se";
        assert_eq!(
            unobserved(d, "x.se", RecordType::Mx),
            Unobserved::InboundMail
        );
        assert_eq!(
            unobserved(d, "_spf.vendor.example", RecordType::Txt),
            Unobserved::SpfInclude("_spf.vendor.example".into())
        );
        assert_eq!(
            unobserved(d, "selector1._domainkey.x.se", RecordType::Txt),
            Unobserved::DkimSigner("selector1".into())
        );
        assert_eq!(
            unobserved(d, "x.se._report._dmarc.rua.example", RecordType::Txt),
            Unobserved::ReportAuthorisation("rua.example".into())
        );
        assert_eq!(
            unobserved(d, "autodiscover.x.se", RecordType::A),
            Unobserved::ClientAccess("autodiscover.x.se".into())
        );
        assert_eq!(
            unobserved(d, "mx1.x.se", RecordType::Aaaa),
            Unobserved::HostAddresses("mx1.x.se".into())
        );
    }
}
