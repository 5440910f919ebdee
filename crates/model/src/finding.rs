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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// Whom the first occurrence is about: the provider under a third
    /// country's law (TM103, TM111), the service whose published
    /// sub-processors are reached (TM105), the network's holder (TM104), or
    /// the provider of the service the servers belong to (the others).
    /// Absent when no map entry names one. A finding can be about several
    /// parties (several senders' networks in one country through one SPF
    /// record); each occurrence names its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<NodeKey>,
    /// The steps from the personal data to `subject`, each with its evidence.
    pub path: Vec<Hop>,
    /// The legal status of the transfer on `as_of`; absent when the finding
    /// is not a transfer. When the finding has several occurrences, the
    /// most demanding of theirs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<LegalStatus>,
    /// The date the status is judged on.
    pub as_of: NaiveDate,
    /// What the finding is about, beyond its path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Note>,
    /// The personal data on the path (the most sensitive of the
    /// occurrences); with `status` it decides `severity`. Absent for
    /// findings that are not a transfer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataCategory>,
    /// The same thing to decide met elsewhere: other entry points, other
    /// servers or networks, each with its own path and evidence. `entry`,
    /// `subject`, `path` and `note` above are the first of them. As
    /// written, each occurrence's `path` leaves out the first `same` steps
    /// it shares with an earlier occurrence (`like`; [`also_wire`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "also_wire")]
    #[schemars(with = "Vec<also_wire::Wire>")]
    pub also: Vec<Occurrence>,
}

/// How `also` is written: a merged finding's occurrences mostly share
/// their first steps (Microsoft's 40 SPF networks are reached through the
/// same three records, each network placed in up to 30 countries), and
/// writing every path whole made `scan.json` of an Exchange Online domain
/// mostly repetition. Each occurrence names an earlier one (`like`, by
/// its index in `also`; absent: the one just before) and how many leading
/// steps it shares with it (`same`), and writes only the rest; read back,
/// every occurrence has its whole path again.
pub mod also_wire {
    use super::{Hop, LegalStatus, NodeKey, Note, Occurrence};
    use serde::de::Error as _;
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// One occurrence as written: the occurrence, whose `path` holds only
    /// the steps after the `same` shared ones, and where those come from.
    #[derive(Deserialize, schemars::JsonSchema)]
    #[schemars(rename = "WrittenOccurrence")]
    pub struct Wire {
        /// The index in `also` of the earlier occurrence whose first steps
        /// this one shares; absent: the one just before it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub like: Option<usize>,
        /// How many first steps of the path are those of that occurrence
        /// (0, or absent, for none).
        #[serde(default, skip_serializing_if = "is_zero")]
        pub same: usize,
        /// Its legal status on `as_of`, when not that of the occurrence
        /// just before it (none before the first); `null` for none.
        #[serde(default, skip_serializing_if = "Present::absent")]
        pub status: Present<LegalStatus>,
        /// Whom the occurrence is about, when not the party of the one
        /// just before it (none before the first); `null` for no party.
        #[serde(default, skip_serializing_if = "Present::absent")]
        pub party: Present<NodeKey>,
        #[serde(flatten)]
        pub occurrence: Occurrence,
    }

    /// A field written only where it changes from the occurrence before:
    /// there, `null` included (`Some`), or absent (`None`, by `default`).
    /// Most occurrences of a merged finding share their party and legal
    /// status (a status with its decision is some 250 bytes; Microsoft's
    /// networks give thousands of occurrences).
    pub struct Present<T>(pub Option<Option<T>>);

    impl<T> Default for Present<T> {
        fn default() -> Self {
            Present(None)
        }
    }

    impl<T: schemars::JsonSchema> schemars::JsonSchema for Present<T> {
        fn schema_name() -> std::borrow::Cow<'static, str> {
            format!("{}OrNull", T::schema_name()).into()
        }
        fn inline_schema() -> bool {
            true
        }
        fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
            let value = g.subschema_for::<T>();
            schemars::json_schema!({
                "anyOf": [value, { "type": "null" }],
                crate::schema::NULL_WRITTEN: true,
            })
        }
    }

    impl<T> Present<T> {
        fn absent(&self) -> bool {
            self.0.is_none()
        }

        /// The value: the one written, or else the one before.
        fn or_before(self, before: Option<&T>) -> Option<T>
        where
            T: Clone,
        {
            match self.0 {
                Some(v) => v,
                None => before.cloned(),
            }
        }
    }

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for Present<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Option::<T>::deserialize(d).map(|v| Present(Some(v)))
        }
    }

    /// [`Wire`] borrowed from an occurrence, to write it without a copy.
    #[derive(Serialize)]
    struct WireRef<'a> {
        entry: &'a NodeKey,
        subject: &'a NodeKey,
        #[serde(skip_serializing_if = "Option::is_none")]
        country: &'a Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        status: Option<&'a Option<LegalStatus>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        like: Option<usize>,
        #[serde(skip_serializing_if = "is_zero")]
        same: usize,
        path: &'a [Hop],
        #[serde(skip_serializing_if = "Option::is_none")]
        note: &'a Option<Note>,
        #[serde(skip_serializing_if = "Option::is_none")]
        party: Option<&'a Option<NodeKey>>,
    }

    fn is_zero(n: &usize) -> bool {
        *n == 0
    }

    /// How far back an occurrence looks for the one it shares most with:
    /// a merged finding can have thousands of occurrences.
    const LOOK_BACK: usize = 64;

    fn shared(a: &[Hop], b: &[Hop]) -> usize {
        a.iter().zip(b).take_while(|(x, y)| x == y).count()
    }

    pub fn serialize<S: Serializer>(also: &[Occurrence], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(also.len()))?;
        let (mut party_before, mut status_before) = (&None, &None);
        for (i, o) in also.iter().enumerate() {
            // The earlier occurrence sharing the most first steps; the
            // nearest one among equals.
            let most = o.path.len().saturating_sub(1);
            let mut like = None;
            let mut same = 0;
            for j in (i.saturating_sub(LOOK_BACK)..i).rev() {
                let k = shared(&also[j].path, &o.path);
                if k > same {
                    (like, same) = (Some(j), k);
                }
                // All but the last step is as much as two occurrences of
                // one finding share.
                if same >= most {
                    break;
                }
            }
            seq.serialize_element(&WireRef {
                entry: &o.entry,
                subject: &o.subject,
                country: &o.country,
                status: (&o.status != status_before).then_some(&o.status),
                like: like.filter(|&j| j + 1 != i),
                same,
                path: &o.path[same..],
                note: &o.note,
                party: (&o.party != party_before).then_some(&o.party),
            })?;
            (party_before, status_before) = (&o.party, &o.status);
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Occurrence>, D::Error> {
        let wires: Vec<Wire> = Vec::deserialize(d)?;
        let mut out: Vec<Occurrence> = Vec::with_capacity(wires.len());
        for (i, w) in wires.into_iter().enumerate() {
            let before = match w.like {
                Some(j) if j >= i => {
                    return Err(D::Error::custom(format!(
                        "occurrence {i} is like occurrence {j}, which is not before it"
                    )));
                }
                Some(j) => out[j].path.as_slice(),
                None => out.last().map_or(&[][..], |o| o.path.as_slice()),
            };
            if w.same > before.len() {
                return Err(D::Error::custom(format!(
                    "occurrence {i} shares {} steps with one that has {}",
                    w.same,
                    before.len()
                )));
            }
            let mut o = w.occurrence;
            o.path.splice(0..0, before[..w.same].iter().cloned());
            let last = out.last();
            o.party = w.party.or_before(last.and_then(|b| b.party.as_ref()));
            o.status = w.status.or_before(last.and_then(|b| b.status.as_ref()));
            out.push(o);
        }
        Ok(out)
    }
}

/// One more place a finding is met: where the data enters, what it
/// reaches, and the path between them with its evidence. Written only
/// through [`also_wire`] (its status and party where they change), so it
/// has no `Serialize` of its own that would leave them out.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct Occurrence {
    /// The node where the data enters the path.
    pub entry: NodeKey,
    /// The node that is in, or under the law of, the third country.
    pub subject: NodeKey,
    /// ISO code of the third country this occurrence reaches, when a
    /// transfer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Its legal status on `as_of`, when a transfer. As written, only
    /// where it differs from the occurrence before ([`also_wire`]).
    #[serde(skip)]
    pub status: Option<LegalStatus>,
    /// The steps from the personal data to `subject`, each with its
    /// evidence. (As written in a finding's `also`: the steps after the
    /// `same` ones it shares with an earlier occurrence.)
    pub path: Vec<Hop>,
    /// What this occurrence is about, beyond its path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Note>,
    /// Whom this occurrence is about (as [`Finding::party`]). As written,
    /// only where it differs from the occurrence before ([`also_wire`]).
    #[serde(skip)]
    pub party: Option<NodeKey>,
}

/// One occurrence of a finding, borrowed: the first one or one of `also`.
#[derive(Debug, Clone, Copy)]
pub struct OccurrenceRef<'a> {
    pub entry: &'a NodeKey,
    pub subject: &'a NodeKey,
    pub country: Option<&'a str>,
    pub status: Option<&'a LegalStatus>,
    pub path: &'a [Hop],
    pub note: Option<&'a Note>,
    pub party: Option<&'a NodeKey>,
}

impl OccurrenceRef<'_> {
    /// Whether this occurrence may be a database artefact.
    pub fn is_artefact(&self) -> bool {
        matches!(self.note, Some(Note::PossibleArtefact { .. }))
    }
}

impl Finding {
    /// The key a finding keeps across scans (its `F` number does not),
    /// and what findings are merged by: one finding per thing to decide.
    /// For a transfer that is the rule, the kind of knowledge and the
    /// parties ([`Finding::parties`]), so that the countries, servers and
    /// entry points of one party are listed in one finding (TM104: the
    /// country); for a note the rule and what it is about (everything not
    /// attributed is one list; the two countries that disagree). The
    /// analysis then joins parties' findings that share a country and
    /// entry point and ask the same of the organisation; such a finding's
    /// key names all its parties.
    pub fn key(&self) -> String {
        let basis = match self.basis {
            Basis::Measured => "measured",
            Basis::Declared => "declared",
            Basis::Legal => "legal",
            Basis::Organisation => "organisation",
        };
        match (&self.country, &self.note) {
            // Networks registered in a third country are one thing to
            // decide per country: whose networks carry the mail is the
            // list of holders in it, not a finding each.
            (Some(c), _) if self.rule == RuleCode::Tm104 => format!("{}|{basis}|{c}", self.rule),
            (Some(_), _) => {
                let mut parties: Vec<String> =
                    self.parties().iter().map(|p| p.to_string()).collect();
                parties.sort();
                match parties.as_slice() {
                    [] => format!("{}|{basis}|-", self.rule),
                    _ => format!("{}|{basis}|{}", self.rule, parties.join("+")),
                }
            }
            // What the maps do not know is one list to work through.
            (None, Some(Note::Unattributed { .. })) => self.rule.to_string(),
            // Addresses whose network holder is registered in one country
            // and that are placed elsewhere are one note: the registry
            // country is not a location, whichever places they are in.
            (None, Some(Note::Disagreement { registered, .. })) => {
                format!("{}|{registered}", self.rule)
            }
            (None, _) => format!("{}|{}", self.rule, self.subject),
        }
    }

    /// The distinct countries of the occurrences, first seen first.
    pub fn countries(&self) -> Vec<&str> {
        first_seen(self.occurrences().filter_map(|o| o.country))
    }

    /// Every occurrence: the first, then `also`.
    pub fn occurrences(&self) -> impl Iterator<Item = OccurrenceRef<'_>> {
        std::iter::once(OccurrenceRef {
            entry: &self.entry,
            subject: &self.subject,
            country: self.country.as_deref(),
            status: self.status.as_ref(),
            path: &self.path,
            note: self.note.as_ref(),
            party: self.party.as_ref(),
        })
        .chain(self.also.iter().map(|o| OccurrenceRef {
            entry: &o.entry,
            subject: &o.subject,
            country: o.country.as_deref(),
            status: o.status.as_ref(),
            path: &o.path,
            note: o.note.as_ref(),
            party: o.party.as_ref(),
        }))
    }

    /// The distinct parties of the occurrences, first seen first.
    pub fn parties(&self) -> Vec<&NodeKey> {
        first_seen(self.occurrences().filter_map(|o| o.party))
    }

    /// The party every occurrence is about, when there is one.
    pub fn sole_party(&self) -> Option<&NodeKey> {
        let first = self.party.as_ref()?;
        self.also
            .iter()
            .all(|o| o.party.as_ref() == Some(first))
            .then_some(first)
    }

    /// The distinct entry points, first seen first.
    pub fn entries(&self) -> Vec<&NodeKey> {
        first_seen(self.occurrences().map(|o| o.entry))
    }

    /// The distinct subjects, first seen first.
    pub fn subjects(&self) -> Vec<&NodeKey> {
        first_seen(self.occurrences().map(|o| o.subject))
    }
}

/// The distinct items, first seen first (a finding has few distinct
/// countries, entries or parties among many occurrences).
fn first_seen<T: PartialEq>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// What a finding is about, as facts (the renderers word them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Note {
    /// TM105: the sub-processor reached.
    Subprocessor {
        /// Its name, as the provider publishes it.
        name: String,
        /// What it does for the service, as the provider publishes it.
        function: String,
        /// `function` in Swedish, when the maps give it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        function_sv: Option<String>,
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
    /// TM101/TM108: the location may be a database artefact, not a place
    /// the data goes: said so, and not a reason for safeguards by itself.
    PossibleArtefact {
        /// Why it looks like one.
        why: Artefact,
    },
    /// TM201: the SPF record's DNS-querying terms, and the limit.
    LookupLimit {
        /// The DNS-querying terms counted.
        terms: usize,
        /// The most RFC 7208 allows (10).
        limit: usize,
    },
}

/// Why a geolocated country may be a database artefact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Artefact {
    /// The country holds only a tiny share of the SPF network's addresses.
    TinyShare {
        /// Its share, in percent.
        pct: f64,
    },
    /// A lone address placed in the country while its network's holder is
    /// registered in the EU/EEA and the database places the networks on
    /// either side of it in the EU/EEA.
    LoneAddress {
        /// Where the network's holder is registered.
        registered: String,
        /// Where the neighbouring networks are placed.
        neighbours: Vec<String>,
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
    /// An included SPF record rewritten by an SPF flattening service: it
    /// stands for senders it does not name.
    Flattened,
}

impl Unknown {
    pub fn as_str(self) -> &'static str {
        match self {
            Unknown::Host => "host",
            Unknown::Token => "token",
            Unknown::Network => "network",
            Unknown::Include => "include",
            Unknown::Flattened => "flattened",
        }
    }
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

/// What personal data a path carries: with the legal status on the date,
/// it decides a transfer finding's severity ([`severity_for`]).
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
#[serde(rename_all = "kebab-case")]
pub enum DataCategory {
    /// Stored mail: the mailboxes' content (mail delivered to the mailbox
    /// service, clients' access to it).
    MailboxContent,
    /// Messages on their way: inbound mail through a filter, mail sent
    /// through a service, failure reports (ruf: headers and content).
    MessageContent,
    /// Staff accounts at a service the domain is verified at.
    AccountData,
    /// Metadata: aggregate reports (rua), who sends for the domain.
    Metadata,
}

impl DataCategory {
    /// The data on a path, from how it leaves the mailboxes: mail that
    /// reaches a mailbox service (directly or behind a gateway) and
    /// clients' access are the mailboxes' content; other mail and failure
    /// reports are messages on their way; aggregate reports are metadata.
    pub fn of_path(path: &[Hop], is_mailbox: impl Fn(&NodeKey) -> bool) -> DataCategory {
        let reaches_mailbox = || {
            path.iter()
                .any(|h| h.inference.is_some() || is_mailbox(&h.to))
        };
        match path.first() {
            Some(h) if h.edge == EdgeKind::ClientAccess => DataCategory::MailboxContent,
            Some(h) if h.edge == EdgeKind::DeliversTo && reaches_mailbox() => {
                DataCategory::MailboxContent
            }
            Some(h) if h.edge == EdgeKind::ReportsTo => {
                if h.detail.as_deref().is_some_and(|d| d.starts_with("ruf")) {
                    DataCategory::MessageContent
                } else {
                    DataCategory::Metadata
                }
            }
            Some(h) if h.edge == EdgeKind::HasAccountsAt => DataCategory::AccountData,
            // Stored or passed on by the organisation's own components (model).
            Some(h) if matches!(h.edge, EdgeKind::Stores | EdgeKind::FlowsTo) => {
                DataCategory::MailboxContent
            }
            _ => DataCategory::MessageContent,
        }
    }

    pub const ALL: [DataCategory; 4] = [
        DataCategory::MailboxContent,
        DataCategory::MessageContent,
        DataCategory::AccountData,
        DataCategory::Metadata,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DataCategory::MailboxContent => "mailbox-content",
            DataCategory::MessageContent => "message-content",
            DataCategory::AccountData => "account-data",
            DataCategory::Metadata => "metadata",
        }
    }
}

/// How much a legal status asks, in three steps, for the severity table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Demand {
    /// No adequacy, or a recorded certification that misses the date:
    /// art. 46 safeguards and a TIA are needed.
    Safeguards,
    /// Adequacy only if the recipient is certified or within scope, and
    /// nothing is recorded either way: to be checked.
    Check,
    /// An adequacy decision, a certified recipient, or the 2021 UK bridge.
    Covered,
}

impl Demand {
    pub const ALL: [Demand; 3] = [Demand::Safeguards, Demand::Check, Demand::Covered];

    pub fn of(status: &LegalStatus) -> Demand {
        match status {
            LegalStatus::NoAdequacy { .. }
            | LegalStatus::AdequateIf {
                met: Some(false), ..
            } => Demand::Safeguards,
            LegalStatus::AdequateIf { met: None, .. } => Demand::Check,
            _ => Demand::Covered,
        }
    }
}

/// A transfer finding's severity: from the legal status on the date and
/// the data on the path. The table is published in the report and in
/// docs/guide.md. A law reached only through a network's holder or its
/// registration (TM104, TM111) is an indirect exposure: at most low.
pub fn severity_for(rule: RuleCode, status: &LegalStatus, data: DataCategory) -> Severity {
    let s = severity_table(Demand::of(status), data);
    match rule {
        RuleCode::Tm104 | RuleCode::Tm111 => s.max(Severity::Low),
        _ => s,
    }
}

/// One cell of the severity table: what a status asks against the data.
pub fn severity_table(demand: Demand, data: DataCategory) -> Severity {
    use DataCategory::*;
    use Severity::*;
    match (demand, data) {
        (Demand::Safeguards, MailboxContent | MessageContent) => High,
        (Demand::Safeguards, AccountData | Metadata) => Medium,
        (Demand::Check, MailboxContent) => High,
        (Demand::Check, MessageContent | AccountData) => Medium,
        (Demand::Check, Metadata) => Low,
        (Demand::Covered, MailboxContent | MessageContent) => Low,
        (Demand::Covered, AccountData | Metadata) => Info,
    }
}

/// The kinds of knowledge a finding can rest on.
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

    fn hop(from: &str, to: &str) -> Hop {
        Hop {
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
            edge: EdgeKind::Authorises,
            detail: None,
            evidence: EvidenceIds::one(crate::evidence::EvidenceId(1)),
            inference: None,
        }
    }

    #[derive(Serialize, Deserialize)]
    struct Also {
        #[serde(with = "also_wire")]
        also: Vec<Occurrence>,
    }

    /// Occurrences that share their first steps are written once and read
    /// back whole, each with its party and legal status; a `like` or `same` that points nowhere is an error, not
    /// a panic (scan.json is input to `explain` and `diff`).
    #[test]
    fn shared_steps_are_written_once_and_read_back_whole() {
        let base = [hop("data:a.se", "spf:a.se"), hop("spf:a.se", "spf:b.com")];
        let occ = |tail: &[Hop]| Occurrence {
            entry: "spf:a.se".parse().unwrap(),
            subject: "country:US".parse().unwrap(),
            country: Some("US".into()),
            status: Some(LegalStatus::EuEea),
            path: base.iter().cloned().chain(tail.iter().cloned()).collect(),
            note: None,
            party: Some("provider:b".parse().unwrap()),
        };
        let r1 = hop("spf:b.com", "range:192.0.2.0/24");
        let r2 = hop("spf:b.com", "range:198.51.100.0/24");
        let also = vec![
            occ(&[r1.clone(), hop("range:192.0.2.0/24", "country:US")]),
            occ(&[r2.clone(), hop("range:198.51.100.0/24", "country:US")]),
            occ(&[r1.clone(), hop("range:192.0.2.0/24", "country:CA")]),
            Occurrence {
                path: vec![hop("data:a.se", "host:mx.a.se")],
                party: Some("provider:c".parse().unwrap()),
                ..occ(&[])
            },
            Occurrence {
                party: None,
                status: None,
                ..occ(&[])
            },
        ];
        let json = serde_json::to_value(Also { also: also.clone() }).unwrap();
        let wire = json["also"].as_array().unwrap();
        assert!(wire[0].get("same").is_none());
        assert_eq!(wire[1]["same"], 2);
        assert!(wire[1].get("like").is_none(), "the one before: no `like`");
        assert_eq!(wire[2]["like"], 0, "{json}");
        assert_eq!(wire[2]["same"], 3);
        assert_eq!(wire[2]["path"].as_array().unwrap().len(), 1);
        assert!(wire[3].get("same").is_none(), "nothing shared");
        // A party is written where it changes, `null` where it ends.
        assert_eq!(wire[0]["party"], "provider:b");
        assert!(wire[1].get("party").is_none() && wire[2].get("party").is_none());
        assert_eq!(wire[3]["party"], "provider:c");
        assert!(wire[4]["party"].is_null() && wire[4].get("party").is_some());
        // So is a legal status.
        assert_eq!(wire[0]["status"]["status"], "eu-eea");
        assert!((1..4).all(|i| wire[i].get("status").is_none()), "{json}");
        assert!(wire[4]["status"].is_null() && wire[4].get("status").is_some());
        let back: Also = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back.also, also);
        for (at, field, bad) in [
            (1, "same", 99),
            (2, "like", 2),
            (2, "like", 7),
            (0, "same", 1),
        ] {
            let mut broken = json.clone();
            broken["also"][at][field] = bad.into();
            let err = serde_json::from_value::<Also>(broken)
                .err()
                .expect("refused");
            assert!(err.to_string().contains("occurrence"), "{err}");
        }
    }
}
