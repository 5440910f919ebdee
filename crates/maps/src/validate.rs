//! Checks that make the knowledge base trustworthy: unique ids, sources
//! and check dates on every entry, sane periods, and references that resolve.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::model::{AdequacyScope, Origin, ParsedFile, RefKind};
use super::{KnowledgeBase, MapsProblem};

const CARRIES: &[&str] = &[
    "mail-content",
    "mail-sending",
    "reports",
    "identity",
    // An SPF include whose record is rewritten by a service so that it
    // stays under the lookup limit: it hides which senders it stands for.
    "spf-flattening",
    "other",
];

fn problem(origin: &Origin, field: &str, message: String) -> MapsProblem {
    MapsProblem {
        file: origin.file.clone(),
        line: origin.line,
        field: field.to_string(),
        message,
    }
}

fn check_origin(origin: &Origin, problems: &mut Vec<MapsProblem>) {
    if !origin.source.starts_with("https://") && !origin.source.starts_with("http://") {
        problems.push(problem(
            origin,
            "source",
            format!(
                "`{}` is not a URL; every entry needs the URL of its source",
                origin.source
            ),
        ));
    }
    let today = chrono::Utc::now().date_naive();
    if origin.checked > today {
        problems.push(problem(
            origin,
            "checked",
            format!("{} is in the future", origin.checked),
        ));
    }
}

/// Registers of transfer frameworks the CJEU struck down: their pages may
/// still be read for history, never as the source of a provider's current
/// incorporation or status.
fn retired_register(url: &str) -> Option<&'static str> {
    let host = url
        .split("://")
        .nth(1)?
        .split(['/', '?', '#'])
        .next()?
        .to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    match host {
        "safeharbor.export.gov" => Some("the Safe Harbour list (invalidated 2015-10-06)"),
        "privacyshield.gov" => Some("the Privacy Shield list (invalidated 2020-07-16)"),
        _ => None,
    }
}

fn check_country_code(origin: &Origin, field: &str, code: &str, problems: &mut Vec<MapsProblem>) {
    if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
        problems.push(problem(
            origin,
            field,
            format!("`{code}` is not an ISO 3166-1 alpha-2 code (two capital letters)"),
        ));
    }
}

fn check_period(
    origin: &Origin,
    from: NaiveDate,
    until: Option<NaiveDate>,
    problems: &mut Vec<MapsProblem>,
) {
    if let Some(u) = until.filter(|u| *u < from) {
        problems.push(problem(
            origin,
            "until",
            format!("{u} is before `from` {from}"),
        ));
    }
}

fn unique(
    seen: &mut BTreeSet<String>,
    what: &str,
    id: &str,
    origin: &Origin,
    problems: &mut Vec<MapsProblem>,
) {
    if !seen.insert(format!("{what}:{id}")) {
        problems.push(problem(origin, "id", format!("duplicate {what} id `{id}`")));
    }
}

/// Add one file's entries, checking each on its own.
pub(super) fn merge(kb: &mut KnowledgeBase, file: ParsedFile, problems: &mut Vec<MapsProblem>) {
    let mut seen: BTreeSet<String> = kb
        .countries
        .keys()
        .map(|k| format!("country:{k}"))
        .chain(kb.regimes.keys().map(|k| format!("regime:{k}")))
        .chain(kb.providers.keys().map(|k| format!("provider:{k}")))
        .chain(kb.services.keys().map(|k| format!("service:{k}")))
        .chain(kb.sites.keys().map(|k| format!("site:{k}")))
        .chain(kb.adequacy.iter().map(|a| format!("adequacy:{}", a.id)))
        .collect();
    for c in file.countries {
        check_origin(&c.origin, problems);
        check_country_code(&c.origin, "code", &c.code, problems);
        for p in [&c.eu, &c.eea].into_iter().flatten() {
            check_period(&c.origin, p.from, p.until, problems);
        }
        unique(&mut seen, "country", &c.code, &c.origin, problems);
        kb.countries.insert(c.code.clone(), c);
    }
    for a in file.adequacy {
        check_origin(&a.origin, problems);
        check_period(&a.origin, a.from, a.until, problems);
        if a.scope == AdequacyScope::Certified && a.framework.is_none() {
            problems.push(problem(
                &a.origin,
                "framework",
                "scope \"certified\" needs the framework organisations certify under".into(),
            ));
        }
        unique(&mut seen, "adequacy", &a.id, &a.origin, problems);
        kb.adequacy.push(a);
    }
    for r in file.regimes {
        check_origin(&r.origin, problems);
        unique(&mut seen, "regime", &r.id, &r.origin, problems);
        kb.regimes.insert(r.id.clone(), r);
    }
    for p in file.providers {
        check_origin(&p.origin, problems);
        if let Some(register) = retired_register(&p.origin.source) {
            problems.push(problem(
                &p.origin,
                "source",
                format!(
                    "{register} is no source for a current fact about the entity; cite a current primary source (a company register, an annual filing, the DPF List) and keep the history in the note"
                ),
            ));
        }
        if let Some(c) = &p.country {
            check_country_code(&p.origin, "country", c, problems);
        }
        if let Some(c) = &p.dpf_certified
            && !c.source.starts_with("https://")
        {
            problems.push(problem(
                &p.origin,
                "dpf_certified.source",
                "needs an https URL".into(),
            ));
        }
        if p.country.is_none() && !p.unverified.iter().any(|u| u == "entity") {
            problems.push(problem(
                &p.origin,
                "country",
                "missing: where the entity is incorporated (leave it out only with unverified = [\"entity\"])".into(),
            ));
        }
        for u in &p.unverified {
            if !["entity", "location"].contains(&u.as_str()) {
                problems.push(problem(
                    &p.origin,
                    "unverified",
                    format!("`{u}` is not one of entity, location"),
                ));
            }
        }
        unique(&mut seen, "provider", &p.id, &p.origin, problems);
        kb.providers.insert(p.id.clone(), p);
    }
    for s in file.services {
        check_origin(&s.origin, problems);
        if let Some(l) = &s.data_location
            && l.trim().is_empty()
        {
            problems.push(problem(
                &s.origin,
                "data_location",
                "empty; write `not declared` when the vendor does not say".into(),
            ));
        }
        if !CARRIES.contains(&s.carries.as_str()) {
            problems.push(problem(
                &s.origin,
                "carries",
                format!("`{}` is not one of {}", s.carries, CARRIES.join(", ")),
            ));
        }
        unique(&mut seen, "service", &s.id, &s.origin, problems);
        kb.services.insert(s.id.clone(), s);
    }
    for s in file.sites {
        check_origin(&s.origin, problems);
        unique(&mut seen, "site", &s.id, &s.origin, problems);
        kb.sites.insert(s.id.clone(), s);
    }
    for d in file.declarations {
        check_origin(&d.origin, problems);
        let c = d.customers.as_str();
        if c != "EU" && c != "*" {
            check_country_code(&d.origin, "customers", c, problems);
        }
        kb.declarations.push(d);
    }
    for f in file.fingerprints {
        check_origin(&f.origin, problems);
        if f.pattern.trim().is_empty() {
            problems.push(problem(&f.origin, "pattern", "empty pattern".into()));
        }
        kb.fingerprints.push(f);
    }
    for sp in file.subprocessors {
        check_origin(&sp.origin, problems);
        if sp.name.trim().is_empty() {
            problems.push(problem(
                &sp.origin,
                "name",
                "empty sub-processor name".into(),
            ));
        }
        kb.subprocessors.push(sp);
    }
    kb.references_pending.extend(file.references);
}

/// After every file is read: every reference must name an existing entry.
pub(super) fn check_references(kb: &KnowledgeBase, problems: &mut Vec<MapsProblem>) {
    for r in &kb.references_pending {
        let (exists, what) = match r.to {
            RefKind::Country => (kb.countries.contains_key(&r.id), "country"),
            RefKind::Provider => (kb.providers.contains_key(&r.id), "provider"),
            RefKind::Service => (kb.services.contains_key(&r.id), "service"),
            RefKind::Site => (kb.sites.contains_key(&r.id), "site"),
            RefKind::Regime => (kb.regimes.contains_key(&r.id), "regime"),
        };
        if !exists {
            problems.push(MapsProblem {
                file: r.file.clone(),
                line: r.line,
                field: r.field.to_string(),
                message: format!("unknown {what} `{}`", r.id),
            });
        }
    }
}

/// The EU member states (as of 2020-02-01) and the other EEA states. A
/// knowledge base that does not place them in the EU/EEA would judge every
/// one of them a third country; it is refused.
const EU: &[&str] = &[
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];
const EEA_ONLY: &[&str] = &["IS", "LI", "NO"];

pub(super) fn check_membership(kb: &KnowledgeBase, problems: &mut Vec<MapsProblem>) {
    let missing: Vec<&str> = EU
        .iter()
        .filter(|c| kb.countries.get(**c).is_none_or(|x| x.eu.is_none()))
        .chain(
            EEA_ONLY
                .iter()
                .filter(|c| kb.countries.get(**c).is_none_or(|x| x.eea.is_none())),
        )
        .copied()
        .collect();
    if !missing.is_empty() {
        problems.push(MapsProblem {
            file: "(the knowledge base as a whole)".into(),
            line: 0,
            field: "country".into(),
            message: format!(
                "no EU/EEA membership for {}: without it they would be judged third countries. \
                 Keep the built-in maps under yours (leave out --maps-alone), or add [[country]] \
                 entries with `eu`/`eea` periods",
                missing.join(", ")
            ),
        });
    }
}
