//! The rules: stable codes, severity, basis, and one line of explanation in
//! English and Swedish. Codes never change meaning; new rules get new codes.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    pub fn label(self, lang: crate::Lang) -> &'static str {
        use crate::Lang::*;
        match (self, lang) {
            (Severity::High, En) => "high",
            (Severity::Medium, En) => "medium",
            (Severity::Low, En) => "low",
            (Severity::Info, En) => "info",
            (Severity::High, Sv) => "hög",
            (Severity::Medium, Sv) => "medel",
            (Severity::Low, Sv) => "låg",
            (Severity::Info, Sv) => "info",
        }
    }
}

/// The three kinds of knowledge a finding can rest on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// From DNS answers and geolocation databases.
    Measured,
    /// From what a provider states (maps, with source and date).
    Declared,
    /// From the law a party is subject to.
    Legal,
    /// Declared by the organisation itself (its model).
    Organisation,
}

impl Basis {
    pub fn label(self, lang: crate::Lang) -> &'static str {
        use crate::Lang::*;
        match (self, lang) {
            (Basis::Measured, En) => "measured",
            (Basis::Declared, En) => "declared",
            (Basis::Legal, En) => "legal",
            (Basis::Organisation, En) => "declared by the organisation",
            (Basis::Organisation, Sv) => "uppgiven av organisationen",
            (Basis::Measured, Sv) => "uppmätt",
            (Basis::Declared, Sv) => "uppgiven",
            (Basis::Legal, Sv) => "rättslig",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub basis: Basis,
    pub title_en: &'static str,
    pub title_sv: &'static str,
}

impl Rule {
    pub fn title(&self, lang: crate::Lang) -> &'static str {
        match lang {
            crate::Lang::En => self.title_en,
            crate::Lang::Sv => self.title_sv,
        }
    }
}

pub const RULES: &[Rule] = &[
    Rule {
        code: "TM101",
        name: "address-outside-eea",
        severity: Severity::High,
        basis: Basis::Measured,
        title_en: "A server the data reaches is geolocated outside the EU/EEA",
        title_sv: "En server som uppgifterna når är geolokaliserad utanför EU/EES",
    },
    Rule {
        code: "TM102",
        name: "declared-site-outside-eea",
        severity: Severity::High,
        basis: Basis::Declared,
        title_en: "The provider declares storage or processing outside the EU/EEA",
        title_sv: "Leverantören uppger lagring eller behandling utanför EU/EES",
    },
    Rule {
        code: "TM103",
        name: "third-country-law",
        severity: Severity::Medium,
        basis: Basis::Legal,
        title_en: "A provider on the path is under a third country's law (e.g. CLOUD Act, FISA 702)",
        title_sv: "En leverantör på vägen lyder under ett tredjelands lag (t.ex. CLOUD Act, FISA 702)",
    },
    Rule {
        code: "TM104",
        name: "network-operator-third-country",
        severity: Severity::Low,
        basis: Basis::Legal,
        title_en: "The network's holder is registered outside the EU/EEA (operator's jurisdiction, not the server's location)",
        title_sv: "Nätets innehavare är registrerad utanför EU/EES (operatörens jurisdiktion, inte serverns plats)",
    },
    Rule {
        code: "TM105",
        name: "subprocessor-third-country",
        severity: Severity::Medium,
        basis: Basis::Declared,
        title_en: "A sub-processor the provider publishes for the service is in a third country",
        title_sv: "Ett underbiträde som leverantören anger för tjänsten finns i ett tredjeland",
    },
    Rule {
        code: "TM106",
        name: "failure-reports-third-country",
        severity: Severity::High,
        basis: Basis::Measured,
        title_en: "DMARC failure reports (ruf: headers and content) go to a third country or a third country's law",
        title_sv: "DMARC-felrapporter (ruf: huvuden och innehåll) går till ett tredjeland eller ett tredjelands lag",
    },
    Rule {
        code: "TM107",
        name: "report-metadata-third-country",
        severity: Severity::Medium,
        basis: Basis::Measured,
        title_en: "Aggregate reports (DMARC rua, TLS-RPT: sender addresses, volumes) go to a third country or a third country's law",
        title_sv: "Sammanställda rapporter (DMARC rua, TLS-RPT: avsändaradresser, volymer) går till ett tredjeland eller ett tredjelands lag",
    },
    Rule {
        code: "TM108",
        name: "spf-sender-third-country",
        severity: Severity::Medium,
        basis: Basis::Measured,
        title_en: "The SPF record authorises senders geolocated outside the EU/EEA: outbound mail may leave from there",
        title_sv: "SPF-posten tillåter avsändare geolokaliserade utanför EU/EES: utgående e-post kan skickas därifrån",
    },
    Rule {
        code: "TM109",
        name: "registry-geolocation-disagree",
        severity: Severity::Info,
        basis: Basis::Measured,
        title_en: "Registry and geolocated country differ: the first is the network holder's jurisdiction, the second the believed location",
        title_sv: "Registerland och geolokaliserat land skiljer sig: det första är nätinnehavarens jurisdiktion, det andra den troliga platsen",
    },
    Rule {
        code: "TM110",
        name: "unattributed-host",
        severity: Severity::Low,
        basis: Basis::Measured,
        title_en: "A host or token on a data flow is not attributed to any known provider: unknown is not EU-only",
        title_sv: "En värd eller token i ett dataflöde kan inte knytas till någon känd leverantör: okänt är inte enbart EU",
    },
    Rule {
        code: "TM201",
        name: "spf-lookup-limit",
        severity: Severity::Info,
        basis: Basis::Measured,
        title_en: "The SPF record needs more than 10 DNS lookups (RFC 7208 §4.6.4): receivers may reject it",
        title_sv: "SPF-posten kräver fler än 10 DNS-uppslag (RFC 7208 §4.6.4): mottagare kan avvisa den",
    },
];

/// The rule with this code. Codes come from this module only.
pub fn rule(code: &str) -> &'static Rule {
    RULES.iter().find(|r| r.code == code).unwrap_or(&RULES[0])
}
