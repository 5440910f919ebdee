//! Findings: one path from the personal data to a third country or a third
//! country's law (or a fact about the domain itself), with its rule,
//! severity, basis and legal status.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::evidence::EvidenceIds;
use crate::graph::EdgeKind;
use crate::key::NodeKey;
use crate::legal::LegalStatus;

/// One step of a path: an edge with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Hop {
    /// The node the step starts at.
    pub from: NodeKey,
    /// The node the step ends at.
    pub to: NodeKey,
    /// The kind of the edge taken.
    pub edge: EdgeKind,
    /// The edge's detail, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The evidence the edge rests on.
    pub evidence: EvidenceIds,
    /// When the step is inferred rather than observed: how, and how strongly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inference: Option<crate::graph::Inference>,
}

/// One path from the personal data to a third country or a third
/// country's law, or a fact about the domain itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    /// `F1`, `F2`, … in the order of the report. Not stable across scans:
    /// the rule, `entry`, `subject` and `country` together are.
    pub id: String,
    /// The rule that found it.
    pub rule: RuleCode,
    /// How serious it is.
    pub severity: Severity,
    /// The kind of knowledge it rests on.
    pub basis: Basis,
    /// ISO code of the third country reached; absent for findings that are
    /// not a transfer (TM109, TM110, TM201).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Legal regimes (CLOUD Act, FISA 702) the reached party is subject to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regimes: Vec<String>,
    /// The node where the data enters the path (the MX host, SPF record, …).
    pub entry: NodeKey,
    /// The node that is in, or under the law of, the third country.
    pub subject: NodeKey,
    /// The steps from the personal data to `subject`, each with its evidence.
    pub path: Vec<Hop>,
    /// The legal status of the transfer on `as_of`; absent when the finding
    /// is not a transfer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<LegalStatus>,
    /// The date the status is judged on.
    pub as_of: NaiveDate,
    /// What the finding is about, beyond its path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Note>,
}

impl Finding {
    /// The key a finding keeps across scans (its `F` number does not),
    /// made of facts that do not depend on the rest of the scan: for a
    /// transfer the rule, where the data enters, what it reaches and the
    /// country; for a note about one thing (TM109, TM110, TM201) the rule
    /// and that thing — which flow it was first met on is not part of it.
    pub fn key(&self) -> String {
        match &self.country {
            Some(c) => format!("{}|{}|{}|{c}", self.rule, self.entry, self.subject),
            None => format!("{}|{}", self.rule, self.subject),
        }
    }
}

/// What a finding is about, as facts (the renderers word them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Note {
    /// TM105: the sub-processor reached.
    Subprocessor {
        /// Its name, as the provider publishes it.
        name: String,
        /// What it does for the service, as the provider publishes it.
        function: String,
    },
    /// TM109: the address, where it is geolocated and where its network's
    /// holder is registered.
    Disagreement {
        /// The IP address.
        address: String,
        /// The country it is geolocated in (ISO code).
        geolocated: String,
        /// The country its network's holder is registered in (ISO code).
        registered: String,
    },
    /// TM110: something on a flow that no map entry explains.
    Unattributed {
        /// What kind of thing it is.
        what: Unknown,
        /// The host name, token prefix or SPF record.
        name: String,
        /// For `network`: the networks of the record `name` that nothing
        /// explains.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        networks: Vec<String>,
        /// Holders of the networks it is in, when known.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        holders: Vec<String>,
    },
    /// TM201: the SPF record's DNS-querying terms, and the limit.
    LookupLimit {
        /// The DNS-querying terms counted.
        terms: usize,
        /// The most RFC 7208 allows (10).
        limit: usize,
    },
}

/// What kind of thing is not attributed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Unknown {
    /// A host name.
    Host,
    /// A verification token.
    Token,
    /// SPF `ip4:`/`ip6:` networks of one record.
    Network,
    /// An included SPF record.
    Include,
}

/// How serious a finding is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Personal data itself reaches a third country.
    High,
    /// Personal data may reach a third country or its law, or metadata does.
    Medium,
    /// An indirect exposure (a network operator's law), or something no
    /// map entry explains.
    Low,
    /// For information: not a transfer by itself.
    Info,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }

    /// `high`, `medium`, `low` or `info`, any case.
    pub fn parse(text: &str) -> Option<Self> {
        Severity::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// The kinds of knowledge a finding can rest on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
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

/// The stable code of a rule. Codes never change meaning; new rules get new codes.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum RuleCode {
    /// TM101 address-outside-eea: a server the data reaches is geolocated outside the EU/EEA.
    #[serde(rename = "TM101")]
    Tm101,
    /// TM102 declared-site-outside-eea: the provider declares storage or processing outside the
    /// EU/EEA.
    #[serde(rename = "TM102")]
    Tm102,
    /// TM103 third-country-law: a provider on the path is under a third country's law (CLOUD
    /// Act, FISA 702).
    #[serde(rename = "TM103")]
    Tm103,
    /// TM104 network-operator-third-country: the network's holder is registered outside the
    /// EU/EEA (its jurisdiction, not the server's location).
    #[serde(rename = "TM104")]
    Tm104,
    /// TM105 subprocessor-third-country: a sub-processor the provider publishes is in a third
    /// country.
    #[serde(rename = "TM105")]
    Tm105,
    /// TM106 failure-reports-third-country: DMARC failure reports (`ruf`: headers and content)
    /// reach a third country or its law.
    #[serde(rename = "TM106")]
    Tm106,
    /// TM107 report-metadata-third-country: aggregate reports (DMARC `rua`, TLS-RPT: metadata)
    /// reach a third country or its law.
    #[serde(rename = "TM107")]
    Tm107,
    /// TM108 spf-sender-third-country: the SPF record authorises senders geolocated outside the
    /// EU/EEA.
    #[serde(rename = "TM108")]
    Tm108,
    /// TM109 registry-geolocation-disagree: the registry and geolocated country of an address
    /// differ.
    #[serde(rename = "TM109")]
    Tm109,
    /// TM110 unattributed-host: a host, token, SPF record or network on a data flow is not
    /// attributed to any known provider; unknown is not EU-only.
    #[serde(rename = "TM110")]
    Tm110,
    /// TM111 hosted-by-third-country-company: a server on the path is hosted on the network of
    /// a company under a third country's law (the hosting or network operator, not the
    /// service's provider).
    #[serde(rename = "TM111")]
    Tm111,
    /// TM201 spf-lookup-limit: the SPF record needs more than 10 DNS lookups (RFC 7208).
    #[serde(rename = "TM201")]
    Tm201,
}

/// A rule's fixed facts: its code, name, default severity and basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub code: RuleCode,
    pub name: &'static str,
    pub severity: Severity,
    pub basis: Basis,
}

impl RuleCode {
    pub const ALL: [RuleCode; 12] = [
        RuleCode::Tm101,
        RuleCode::Tm102,
        RuleCode::Tm103,
        RuleCode::Tm104,
        RuleCode::Tm105,
        RuleCode::Tm106,
        RuleCode::Tm107,
        RuleCode::Tm108,
        RuleCode::Tm109,
        RuleCode::Tm110,
        RuleCode::Tm111,
        RuleCode::Tm201,
    ];

    pub fn rule(self) -> Rule {
        match self {
            RuleCode::Tm101 => Rule {
                code: self,
                name: "address-outside-eea",
                severity: Severity::High,
                basis: Basis::Measured,
            },
            RuleCode::Tm102 => Rule {
                code: self,
                name: "declared-site-outside-eea",
                severity: Severity::High,
                basis: Basis::Declared,
            },
            RuleCode::Tm103 => Rule {
                code: self,
                name: "third-country-law",
                severity: Severity::Medium,
                basis: Basis::Legal,
            },
            RuleCode::Tm104 => Rule {
                code: self,
                name: "network-operator-third-country",
                severity: Severity::Low,
                basis: Basis::Legal,
            },
            RuleCode::Tm105 => Rule {
                code: self,
                name: "subprocessor-third-country",
                severity: Severity::Medium,
                basis: Basis::Declared,
            },
            RuleCode::Tm106 => Rule {
                code: self,
                name: "failure-reports-third-country",
                severity: Severity::High,
                basis: Basis::Measured,
            },
            RuleCode::Tm107 => Rule {
                code: self,
                name: "report-metadata-third-country",
                severity: Severity::Medium,
                basis: Basis::Measured,
            },
            RuleCode::Tm108 => Rule {
                code: self,
                name: "spf-sender-third-country",
                severity: Severity::Medium,
                basis: Basis::Measured,
            },
            RuleCode::Tm109 => Rule {
                code: self,
                name: "registry-geolocation-disagree",
                severity: Severity::Info,
                basis: Basis::Measured,
            },
            RuleCode::Tm111 => Rule {
                code: self,
                name: "hosted-by-third-country-company",
                severity: Severity::Low,
                basis: Basis::Legal,
            },
            RuleCode::Tm110 => Rule {
                code: self,
                name: "unattributed-host",
                severity: Severity::Low,
                basis: Basis::Measured,
            },
            RuleCode::Tm201 => Rule {
                code: self,
                name: "spf-lookup-limit",
                severity: Severity::Info,
                basis: Basis::Measured,
            },
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RuleCode::Tm101 => "TM101",
            RuleCode::Tm102 => "TM102",
            RuleCode::Tm103 => "TM103",
            RuleCode::Tm104 => "TM104",
            RuleCode::Tm105 => "TM105",
            RuleCode::Tm106 => "TM106",
            RuleCode::Tm107 => "TM107",
            RuleCode::Tm108 => "TM108",
            RuleCode::Tm109 => "TM109",
            RuleCode::Tm110 => "TM110",
            RuleCode::Tm111 => "TM111",
            RuleCode::Tm201 => "TM201",
        }
    }

    pub fn name(self) -> &'static str {
        self.rule().name
    }

    /// A code (`TM103`, any case) or a name (`third-country-law`).
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        RuleCode::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(t) || r.name().eq_ignore_ascii_case(t))
    }
}

impl fmt::Display for RuleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_read_back() {
        for r in RuleCode::ALL {
            assert_eq!(RuleCode::parse(r.as_str()), Some(r));
            assert_eq!(RuleCode::parse(r.name()), Some(r));
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{r}\""));
        }
        assert_eq!(RuleCode::parse("tm103"), Some(RuleCode::Tm103));
        assert_eq!(RuleCode::parse("TM999"), None);
    }
}
