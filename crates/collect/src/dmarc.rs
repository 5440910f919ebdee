//! DMARC (RFC 7489): where aggregate (`rua`) and failure (`ruf`) reports go.
//!
//! Aggregate reports carry metadata (sender IPs, counts); failure reports can
//! carry message headers and content. Both are personal-data flows to the
//! receivers named here.

pub use transfermap_model::dmarc::{DmarcFault, DmarcRecord, ReportDestination, ReportKind};
use transfermap_model::evidence::{EvidenceId, EvidenceLog};
use transfermap_model::records::{Lookup, RecordType, canonical_name};

/// Parse a DMARC record's tags. Returns `None` when the text is not DMARC.
pub fn parse(text: &str, evidence: EvidenceId) -> Option<DmarcRecord> {
    let mut tags = text.split(';').map(str::trim).filter(|t| !t.is_empty());
    let version = tags.next()?;
    if !version.replace(' ', "").eq_ignore_ascii_case("v=DMARC1") {
        return None;
    }
    let mut record = DmarcRecord {
        record: text.to_string(),
        policy: None,
        tags: Vec::new(),
        destinations: Vec::new(),
        evidence,
        problems: Vec::new(),
    };
    for tag in tags {
        let Some((key, value)) = tag.split_once('=') else {
            record.problems.push(DmarcFault::TagWithoutValue {
                tag: tag.to_string(),
            });
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        record.tags.push((key.clone(), value.trim().to_string()));
        let kind = match key.as_str() {
            "p" => {
                record.policy = Some(value.trim().to_string());
                continue;
            }
            "rua" => ReportKind::Aggregate,
            "ruf" => ReportKind::Failure,
            _ => continue,
        };
        for uri in value.split(',').map(str::trim).filter(|u| !u.is_empty()) {
            match mailto_destination(uri) {
                Some((address, domain)) => record.destinations.push(ReportDestination {
                    kind,
                    address,
                    domain,
                    authorised: None,
                    authorisation_evidence: None,
                }),
                None => record.problems.push(DmarcFault::NotMailto {
                    tag: key.clone(),
                    uri: uri.to_string(),
                }),
            }
        }
    }
    Some(record)
}

/// Check RFC 7489 §7.1 external destination verification for every
/// receiver outside `domain`.
pub async fn check_authorisation<L: Lookup>(
    dns: &mut L,
    log: &mut EvidenceLog,
    domain: &str,
    record: &mut DmarcRecord,
) {
    let outside = |d: &str| d != domain && !d.ends_with(&format!(".{domain}"));
    let questions: Vec<(String, RecordType)> = record
        .destinations
        .iter()
        .filter(|d| outside(&d.domain))
        .map(|d| {
            (
                format!("{domain}._report._dmarc.{}", d.domain),
                RecordType::Txt,
            )
        })
        .collect();
    let answers = dns.query_many(log, &questions).await;
    let mut answers = answers.into_iter();
    for dest in record
        .destinations
        .iter_mut()
        .filter(|d| outside(&d.domain))
    {
        let Some(a) = answers.next() else { break };
        dest.authorised = Some(a.txt().any(|t| {
            t.trim_start()
                .to_ascii_lowercase()
                .replace(' ', "")
                .starts_with("v=dmarc1")
        }));
        dest.authorisation_evidence = Some(a.evidence);
    }
}

/// `mailto:dmarc@example.se!10m` → (`dmarc@example.se`, `example.se`).
fn mailto_destination(uri: &str) -> Option<(String, String)> {
    let rest = uri
        .get(..7)?
        .eq_ignore_ascii_case("mailto:")
        .then(|| &uri[7..])?;
    let address = rest.split('!').next()?.trim();
    let (local, domain) = address.rsplit_once('@')?;
    let domain = canonical_name(domain);
    // RFC 5322 dot-atom for the local part; anything else in a report
    // address is more likely an injection attempt than a mailbox.
    let atext =
        |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c) || !c.is_ascii();
    let valid = !local.is_empty()
        && local.chars().all(atext)
        && !domain.is_empty()
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || !c.is_ascii());
    valid.then(|| (address.to_string(), domain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rua_and_ruf() {
        let r = parse(
            "v=DMARC1; p=quarantine; rua=mailto:a@rua.example.com,mailto:b@Example.SE!10m; ruf=mailto:f@forensic.example.net",
            EvidenceId(0),
        )
        .expect("dmarc");
        assert_eq!(r.policy.as_deref(), Some("quarantine"));
        let got: Vec<_> = r
            .destinations
            .iter()
            .map(|d| (d.kind.tag(), d.domain.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("rua", "rua.example.com"),
                ("rua", "example.se"),
                ("ruf", "forensic.example.net")
            ]
        );
    }

    #[test]
    fn rejects_hostile_addresses() {
        let r = parse(
            "v=DMARC1; p=none; rua=mailto:x@<script>.example, https://x",
            EvidenceId(0),
        )
        .expect("dmarc");
        assert!(r.destinations.is_empty());
        assert_eq!(r.problems.len(), 2);
        assert!(parse("v=spf1 -all", EvidenceId(0)).is_none());
    }
}
