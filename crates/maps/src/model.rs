//! The entries of the knowledge base, as read from TOML.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::MapsProblem;

/// Where an entry was read and what backs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub file: String,
    pub line: usize,
    pub source: String,
    pub checked: NaiveDate,
    pub note: Option<String>,
}

/// A validity interval; `until` is the last day it applies (inclusive).
impl Subprocessor {
    /// How a report names it: the company and, in brackets, its function.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.function)
    }

    /// [`Self::label`] in Swedish, when the maps word the function so.
    pub fn label_sv(&self) -> Option<String> {
        Some(format!("{} ({})", self.name, self.function_sv.as_ref()?))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

impl Period {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && self.until.is_none_or(|u| date <= u)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    pub code: String,
    pub name_en: String,
    pub name_sv: String,
    pub eu: Option<Period>,
    pub eea: Option<Period>,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdequacyScope {
    /// The whole country.
    All,
    /// Only organisations certified under a framework (e.g. the EU–US DPF).
    Certified,
    /// Part of the country's sector (e.g. Canada: commercial organisations).
    Partial,
    /// Not an adequacy decision: an interim provision under which a
    /// transmission is not treated as a transfer to a third country (the
    /// EU–UK Trade and Cooperation Agreement's bridge of 2021).
    Interim,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adequacy {
    pub id: String,
    pub country: String,
    pub decision: String,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
    pub scope: AdequacyScope,
    pub framework: Option<String>,
    pub origin: Origin,
}

impl Adequacy {
    pub fn period(&self) -> Period {
        Period {
            from: self.from,
            until: self.until,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regime {
    pub id: String,
    pub country: String,
    pub name: String,
    pub from: Option<NaiveDate>,
    pub summary_en: String,
    pub summary_sv: String,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certification {
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
    pub source: String,
    pub checked: NaiveDate,
    pub note: Option<String>,
}

impl Certification {
    /// Whether the certification covers `date` (both ends included).
    pub fn covers(&self, date: NaiveDate) -> bool {
        Period {
            from: self.from,
            until: self.until,
        }
        .contains(date)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub id: String,
    pub name: String,
    /// The name as a Swedish report shows it, when the name carries an
    /// English description (`Zendesk (help desk, support e-mail)`).
    pub name_sv: Option<String>,
    /// Where the legal entity is incorporated; `None` only when the entity
    /// is unverified (no primary source names it).
    pub country: Option<String>,
    pub parent: Option<String>,
    pub regimes: Vec<String>,
    pub dpf_certified: Option<Certification>,
    /// What could not be verified from a primary source: `entity` (the
    /// legal entity, its country or parent) and/or `location` (where data
    /// is kept). The vendor is still recognised and named as such.
    pub unverified: Vec<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub id: String,
    pub name: String,
    /// The name as a Swedish report shows it (see `Provider::name_sv`).
    pub name_sv: Option<String>,
    pub provider: String,
    pub carries: String,
    /// The service holds the organisation's mailboxes (Exchange Online,
    /// Gmail): mail delivered to it is at rest there, and a filter in
    /// front of it is a gateway.
    pub mailbox: bool,
    /// What the service does for an organisation (`library system`,
    /// `newsletters`, `mail filtering`), in English and Swedish.
    pub purpose: Option<String>,
    pub purpose_sv: Option<String>,
    /// Where the vendor declares the data is kept, as it says it
    /// (`Sweden`, `EU/EEA`), or `not declared`.
    pub data_location: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub id: String,
    pub operator: String,
    pub city: String,
    pub country: String,
    pub region: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    pub service: String,
    /// `SE` (customers in one country), `EU` (any EU/EEA customer) or `*`.
    pub customers: String,
    pub stores_in: Vec<String>,
    pub processes_in: Vec<String>,
    pub origin: Origin,
}

/// A sub-processor a provider publishes for its services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subprocessor {
    /// The provider whose list names it.
    pub provider: String,
    pub name: String,
    /// Where it processes, as the provider's list says.
    pub country: String,
    /// Where the legal entity is incorporated, when a source names it
    /// (its law is what reaches the data, not the processing country's).
    pub incorporated: Option<String>,
    pub function: String,
    /// `function` in Swedish, for a Swedish report (the list's own words
    /// stay in `function`).
    pub function_sv: Option<String>,
    /// The services it works for; empty means all of the provider's services.
    pub services: Vec<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FingerprintKind {
    Mx,
    SpfInclude,
    Cname,
    Host,
    Asn,
    DmarcReceiver,
    /// A TXT verification token's prefix (before `=`), e.g. `MS`.
    TxtPrefix,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "id")]
pub enum FingerprintTarget {
    Service(String),
    Provider(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub kind: FingerprintKind,
    pub pattern: String,
    pub target: FingerprintTarget,
    pub origin: Origin,
}

impl Fingerprint {
    /// `*.suffix` matches names below `suffix`; anything else matches exactly.
    pub fn matches(&self, kind: FingerprintKind, value: &str) -> bool {
        // A `host` pattern recognises a name wherever it is met (MX, CNAME, host).
        let host_like = matches!(
            kind,
            FingerprintKind::Mx | FingerprintKind::Cname | FingerprintKind::Host
        );
        if kind != self.kind && !(self.kind == FingerprintKind::Host && host_like) {
            return false;
        }
        // Compared in place, without lower-cased copies: this runs for every
        // name of every domain against every fingerprint of its kind.
        let value = value.trim_end_matches('.').as_bytes();
        let mut pattern = self.pattern.as_str();
        if self.kind == FingerprintKind::TxtPrefix {
            // Vendors document the start of the record (`docusign=`,
            // `ZOOM_verify_`); the collector keeps the prefix without it.
            pattern = pattern.trim_end_matches(['=', ':', '_']);
        }
        match pattern.strip_prefix("*.") {
            Some(suffix) => {
                let suffix = suffix.as_bytes();
                let Some(dot) = value.len().checked_sub(suffix.len() + 1) else {
                    return false;
                };
                value[dot] == b'.' && value[dot + 1..].eq_ignore_ascii_case(suffix)
            }
            None => value.eq_ignore_ascii_case(pattern.as_bytes()),
        }
    }
}

/// A reference from one entry to another, checked after all files are read.
#[derive(Debug, Clone)]
pub struct Reference {
    pub to: RefKind,
    pub id: String,
    pub file: String,
    pub line: usize,
    pub field: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    Country,
    Provider,
    Service,
    Site,
    Regime,
}

/// One parsed file: its entries and the references they make.
#[derive(Debug, Default)]
pub struct ParsedFile {
    pub countries: Vec<Country>,
    pub adequacy: Vec<Adequacy>,
    pub regimes: Vec<Regime>,
    pub providers: Vec<Provider>,
    pub services: Vec<Service>,
    pub sites: Vec<Site>,
    pub declarations: Vec<Declaration>,
    pub fingerprints: Vec<Fingerprint>,
    pub subprocessors: Vec<Subprocessor>,
    pub references: Vec<Reference>,
}

// ---- the TOML layout ----------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    country: Vec<Spanned<RawCountry>>,
    #[serde(default)]
    adequacy: Vec<Spanned<RawAdequacy>>,
    #[serde(default)]
    regime: Vec<Spanned<RawRegime>>,
    #[serde(default)]
    provider: Vec<Spanned<RawProvider>>,
    #[serde(default)]
    service: Vec<Spanned<RawService>>,
    #[serde(default)]
    site: Vec<Spanned<RawSite>>,
    #[serde(default)]
    declaration: Vec<Spanned<RawDeclaration>>,
    #[serde(default)]
    fingerprint: Vec<Spanned<RawFingerprint>>,
    #[serde(default)]
    subprocessor: Vec<Spanned<RawSubprocessor>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubprocessor {
    provider: Spanned<String>,
    name: String,
    country: Spanned<String>,
    incorporated: Option<Spanned<String>>,
    function: String,
    function_sv: Option<String>,
    #[serde(default)]
    services: Vec<Spanned<String>>,
    source: String,
    checked: NaiveDate,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCountry {
    code: String,
    name_en: String,
    name_sv: String,
    eu: Option<Period>,
    eea: Option<Period>,
    source: String,
    checked: NaiveDate,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAdequacy {
    id: String,
    country: Spanned<String>,
    decision: String,
    from: NaiveDate,
    until: Option<NaiveDate>,
    scope: AdequacyScope,
    framework: Option<String>,
    source: String,
    checked: NaiveDate,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegime {
    id: String,
    country: Spanned<String>,
    name: String,
    from: Option<NaiveDate>,
    summary_en: String,
    summary_sv: String,
    source: String,
    checked: NaiveDate,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvider {
    id: String,
    name: String,
    name_sv: Option<String>,
    country: Option<Spanned<String>>,
    parent: Option<Spanned<String>>,
    #[serde(default)]
    regimes: Vec<Spanned<String>>,
    dpf_certified: Option<Certification>,
    #[serde(default)]
    unverified: Vec<String>,
    source: String,
    checked: NaiveDate,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    id: String,
    name: String,
    name_sv: Option<String>,
    provider: Spanned<String>,
    carries: String,
    #[serde(default)]
    mailbox: bool,
    purpose: Option<String>,
    purpose_sv: Option<String>,
    data_location: Option<String>,
    source: String,
    checked: NaiveDate,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    id: String,
    operator: Spanned<String>,
    city: String,
    country: Spanned<String>,
    region: Option<String>,
    source: String,
    checked: NaiveDate,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeclaration {
    service: Spanned<String>,
    customers: String,
    #[serde(default)]
    stores_in: Vec<Spanned<String>>,
    #[serde(default)]
    processes_in: Vec<Spanned<String>>,
    source: String,
    checked: NaiveDate,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFingerprint {
    kind: FingerprintKind,
    pattern: String,
    service: Option<Spanned<String>>,
    provider: Option<Spanned<String>>,
    source: String,
    checked: NaiveDate,
    note: Option<String>,
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map(|t| t.bytes().filter(|b| *b == b'\n').count() + 1)
        .unwrap_or(1)
}

pub(super) fn parse_file(name: &str, text: &str) -> Result<ParsedFile, MapsProblem> {
    let raw: RawFile = toml::from_str(text).map_err(|e| MapsProblem {
        file: name.to_string(),
        line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
        field: String::new(),
        message: e.message().trim().to_string(),
    })?;
    let mut out = ParsedFile::default();
    let origin =
        |span: std::ops::Range<usize>, source: &str, checked, note: &Option<String>| Origin {
            file: name.to_string(),
            line: line_of(text, span.start),
            source: source.to_string(),
            checked,
            note: note.clone(),
        };
    let mut refs: Vec<Reference> = Vec::new();
    let mut reference = |to, id: &Spanned<String>, field| {
        refs.push(Reference {
            to,
            id: id.get_ref().clone(),
            file: name.to_string(),
            line: line_of(text, id.span().start),
            field,
        })
    };

    for c in raw.country {
        let span = c.span();
        let c = c.into_inner();
        out.countries.push(Country {
            origin: origin(span, &c.source, c.checked, &c.note),
            code: c.code,
            name_en: c.name_en,
            name_sv: c.name_sv,
            eu: c.eu,
            eea: c.eea,
        });
    }
    for a in raw.adequacy {
        let span = a.span();
        let a = a.into_inner();
        reference(RefKind::Country, &a.country, "country");
        out.adequacy.push(Adequacy {
            origin: origin(span, &a.source, a.checked, &a.note),
            id: a.id,
            country: a.country.into_inner(),
            decision: a.decision,
            from: a.from,
            until: a.until,
            scope: a.scope,
            framework: a.framework,
        });
    }
    for r in raw.regime {
        let span = r.span();
        let r = r.into_inner();
        reference(RefKind::Country, &r.country, "country");
        out.regimes.push(Regime {
            origin: origin(span, &r.source, r.checked, &r.note),
            id: r.id,
            country: r.country.into_inner(),
            name: r.name,
            from: r.from,
            summary_en: r.summary_en,
            summary_sv: r.summary_sv,
        });
    }
    for p in raw.provider {
        let span = p.span();
        let p = p.into_inner();
        if let Some(c) = &p.country {
            reference(RefKind::Country, c, "country");
        }
        if let Some(parent) = &p.parent {
            reference(RefKind::Provider, parent, "parent");
        }
        for r in &p.regimes {
            reference(RefKind::Regime, r, "regimes");
        }
        out.providers.push(Provider {
            origin: origin(span, &p.source, p.checked, &p.note),
            id: p.id,
            name: p.name,
            name_sv: p.name_sv,
            country: p.country.map(Spanned::into_inner),
            parent: p.parent.map(Spanned::into_inner),
            regimes: p.regimes.into_iter().map(Spanned::into_inner).collect(),
            dpf_certified: p.dpf_certified,
            unverified: p.unverified,
        });
    }
    for s in raw.service {
        let span = s.span();
        let s = s.into_inner();
        reference(RefKind::Provider, &s.provider, "provider");
        out.services.push(Service {
            origin: origin(span, &s.source, s.checked, &s.note),
            id: s.id,
            name: s.name,
            name_sv: s.name_sv,
            provider: s.provider.into_inner(),
            carries: s.carries,
            mailbox: s.mailbox,
            purpose: s.purpose,
            purpose_sv: s.purpose_sv,
            data_location: s.data_location,
        });
    }
    for s in raw.site {
        let span = s.span();
        let s = s.into_inner();
        reference(RefKind::Provider, &s.operator, "operator");
        reference(RefKind::Country, &s.country, "country");
        out.sites.push(Site {
            origin: origin(span, &s.source, s.checked, &s.note),
            id: s.id,
            operator: s.operator.into_inner(),
            city: s.city,
            country: s.country.into_inner(),
            region: s.region,
        });
    }
    for d in raw.declaration {
        let span = d.span();
        let d = d.into_inner();
        reference(RefKind::Service, &d.service, "service");
        for s in d.stores_in.iter() {
            reference(RefKind::Site, s, "stores_in");
        }
        for s in d.processes_in.iter() {
            reference(RefKind::Site, s, "processes_in");
        }
        out.declarations.push(Declaration {
            origin: origin(span, &d.source, d.checked, &d.note),
            service: d.service.into_inner(),
            customers: d.customers,
            stores_in: d.stores_in.into_iter().map(Spanned::into_inner).collect(),
            processes_in: d
                .processes_in
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
        });
    }
    for f in raw.fingerprint {
        let span = f.span();
        let f = f.into_inner();
        let line = line_of(text, span.start);
        let target = match (&f.service, &f.provider) {
            (Some(s), None) => {
                reference(RefKind::Service, s, "service");
                FingerprintTarget::Service(s.get_ref().clone())
            }
            (None, Some(p)) => {
                reference(RefKind::Provider, p, "provider");
                FingerprintTarget::Provider(p.get_ref().clone())
            }
            _ => {
                return Err(MapsProblem {
                    file: name.to_string(),
                    line,
                    field: "service".into(),
                    message: "a fingerprint names exactly one of `service` or `provider`".into(),
                });
            }
        };
        out.fingerprints.push(Fingerprint {
            origin: origin(span, &f.source, f.checked, &f.note),
            kind: f.kind,
            pattern: f.pattern,
            target,
        });
    }
    for sp in raw.subprocessor {
        let span = sp.span();
        let sp = sp.into_inner();
        reference(RefKind::Provider, &sp.provider, "provider");
        reference(RefKind::Country, &sp.country, "country");
        if let Some(c) = &sp.incorporated {
            reference(RefKind::Country, c, "incorporated");
        }
        for s in &sp.services {
            reference(RefKind::Service, s, "services");
        }
        out.subprocessors.push(Subprocessor {
            origin: origin(span, &sp.source, sp.checked, &sp.note),
            provider: sp.provider.into_inner(),
            name: sp.name,
            country: sp.country.into_inner(),
            incorporated: sp.incorporated.map(Spanned::into_inner),
            function: sp.function,
            function_sv: sp.function_sv,
            services: sp.services.into_iter().map(Spanned::into_inner).collect(),
        });
    }
    out.references = refs;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(kind: FingerprintKind, pattern: &str) -> Fingerprint {
        Fingerprint {
            kind,
            pattern: pattern.into(),
            target: FingerprintTarget::Service("s".into()),
            origin: Origin {
                file: "f".into(),
                line: 1,
                source: "https://example.org".into(),
                checked: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                note: None,
            },
        }
    }

    #[test]
    fn wildcard_matches_below_the_suffix_only() {
        let f = fp(FingerprintKind::Mx, "*.mail.protection.outlook.com");
        assert!(f.matches(
            FingerprintKind::Mx,
            "bollebygd-se.mail.protection.outlook.com."
        ));
        assert!(f.matches(FingerprintKind::Mx, "X.MAIL.PROTECTION.OUTLOOK.COM"));
        assert!(!f.matches(FingerprintKind::Mx, "mail.protection.outlook.com"));
        assert!(!f.matches(
            FingerprintKind::Mx,
            "evilmail.protection.outlook.com.example"
        ));
        assert!(!f.matches(FingerprintKind::Cname, "x.mail.protection.outlook.com"));
        // A label that only ends like the suffix is not below it.
        assert!(!f.matches(FingerprintKind::Mx, "evilmail.protection.outlook.com"));
        // Shorter than the suffix, empty, or not ASCII: no match, no panic.
        assert!(!f.matches(FingerprintKind::Mx, "com"));
        assert!(!f.matches(FingerprintKind::Mx, ""));
        assert!(!f.matches(FingerprintKind::Mx, "ö.mail.protection.outlook.cöm"));
        assert!(f.matches(FingerprintKind::Mx, "ö.mail.protection.outlook.com"));
    }

    #[test]
    fn host_patterns_match_any_host_name() {
        let f = fp(FingerprintKind::Host, "autodiscover.outlook.com");
        assert!(f.matches(FingerprintKind::Cname, "autodiscover.outlook.com"));
        assert!(f.matches(FingerprintKind::Mx, "autodiscover.outlook.com"));
        assert!(!f.matches(FingerprintKind::Asn, "autodiscover.outlook.com"));
    }

    #[test]
    fn token_patterns_may_carry_the_documented_separator() {
        for pattern in ["docusign=", "docusign", "DocuSign:"] {
            let f = fp(FingerprintKind::TxtPrefix, pattern);
            assert!(
                f.matches(FingerprintKind::TxtPrefix, "docusign"),
                "{pattern}"
            );
            assert!(
                !f.matches(FingerprintKind::TxtPrefix, "docusign-x"),
                "{pattern}"
            );
        }
        let zoom = fp(FingerprintKind::TxtPrefix, "ZOOM_verify_");
        assert!(zoom.matches(FingerprintKind::TxtPrefix, "ZOOM_verify"));
        assert!(!zoom.matches(FingerprintKind::TxtPrefix, "ZOOM"));
    }

    #[test]
    fn periods_include_both_ends() {
        let p = Period {
            from: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            until: NaiveDate::from_ymd_opt(2020, 12, 31),
        };
        assert!(p.contains(NaiveDate::from_ymd_opt(2020, 12, 31).unwrap()));
        assert!(!p.contains(NaiveDate::from_ymd_opt(2021, 1, 1).unwrap()));
        assert!(!p.contains(NaiveDate::from_ymd_opt(2019, 12, 31).unwrap()));
    }
}
