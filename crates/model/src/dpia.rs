//! What the organisation declares for its DPIA (konsekvensbedömning) and
//! transfer assessment — the facts a scan cannot observe. Read from the
//! organisation's model (`[dpia]`, `[[dpia.recipient]]`), carried in the
//! scan with basis "declared by the organisation", and shown in the
//! report's annex (EDPB Recommendations 01/2020, six steps) and the
//! transfer register.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The DPIA facts of the organisation. Every field is optional: what is
/// missing is shown as still to be filled in, never guessed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dpia {
    /// Why the personal data is processed (e.g. "the municipality's e-mail").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Categories of personal data in the mail (e.g. contact details,
    /// case correspondence).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_categories: Vec<String>,
    /// Special categories (GDPR art. 9) and data on offences (art. 10) the
    /// mail can hold, in the organisation's words; absent: not stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special_categories: Option<String>,
    /// Data under secrecy (offentlighets- och sekretesslagen, OSL) the mail
    /// can hold; absent: not stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrecy: Option<String>,
    /// Whose data it is (residents, staff, pupils, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_subjects: Vec<String>,
    /// The controller (personuppgiftsansvarig).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
    /// Where the transfer impact assessment is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tia_reference: Option<String>,
    /// Supplementary measures taken (encryption with own keys, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supplementary_measures: Vec<String>,
    /// The residual risk, as the organisation assesses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residual_risk: Option<String>,
    /// When the assessment is to be reviewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_date: Option<NaiveDate>,
    /// The recipients, their role and transfer tool.
    #[serde(default, rename = "recipient", skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<Recipient>,
}

/// One recipient as the organisation's contracts describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    /// The party: a provider id from the maps (`microsoft-ireland`) or its
    /// name as the scan shows it.
    pub party: String,
    /// Its role under the GDPR.
    pub role: Role,
    /// The transfer tool relied on for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_tool: Option<TransferTool>,
    /// For standard contractual clauses: the module (1–4) of Decision (EU) 2021/914.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scc_module: Option<u8>,
    /// Where its transfer impact assessment is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tia_reference: Option<String>,
    /// Anything else the organisation notes about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A recipient's role (GDPR art. 4, 26, 28).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Personuppgiftsansvarig.
    Controller,
    /// Gemensamt personuppgiftsansvarig.
    JointController,
    /// Personuppgiftsbiträde.
    Processor,
    /// Underbiträde.
    SubProcessor,
}

/// The transfer tool of GDPR chapter V relied on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TransferTool {
    /// An adequacy decision (art. 45).
    Adequacy,
    /// The EU–US Data Privacy Framework (Implementing Decision (EU) 2023/1795).
    Dpf,
    /// Standard contractual clauses, Implementing Decision (EU) 2021/914 (art. 46(2)(c)).
    Scc,
    /// Binding corporate rules (art. 47).
    Bcr,
    /// A derogation (art. 49).
    Derogation,
    /// No transfer: the recipient processes inside the EU/EEA only.
    NotATransfer,
}

impl Role {
    pub fn words(self, lang: crate::Lang) -> &'static str {
        use crate::Lang::*;
        match (self, lang) {
            (Role::Controller, En) => "controller",
            (Role::Controller, Sv) => "personuppgiftsansvarig",
            (Role::JointController, En) => "joint controller",
            (Role::JointController, Sv) => "gemensamt personuppgiftsansvarig",
            (Role::Processor, En) => "processor",
            (Role::Processor, Sv) => "personuppgiftsbiträde",
            (Role::SubProcessor, En) => "sub-processor",
            (Role::SubProcessor, Sv) => "underbiträde",
        }
    }
}

impl TransferTool {
    pub fn words(self, lang: crate::Lang) -> &'static str {
        use crate::Lang::*;
        match (self, lang) {
            (TransferTool::Adequacy, En) => "adequacy decision (art. 45)",
            (TransferTool::Adequacy, Sv) => "adekvansbeslut (art. 45)",
            (TransferTool::Dpf, En) => "EU–US Data Privacy Framework (Decision (EU) 2023/1795)",
            (TransferTool::Dpf, Sv) => "EU–US Data Privacy Framework (beslut (EU) 2023/1795)",
            (TransferTool::Scc, En) => "standard contractual clauses (Decision (EU) 2021/914)",
            (TransferTool::Scc, Sv) => "standardavtalsklausuler (beslut (EU) 2021/914)",
            (TransferTool::Bcr, En) => "binding corporate rules (art. 47)",
            (TransferTool::Bcr, Sv) => "bindande företagsbestämmelser (art. 47)",
            (TransferTool::Derogation, En) => "derogation (art. 49)",
            (TransferTool::Derogation, Sv) => "undantag (art. 49)",
            (TransferTool::NotATransfer, En) => "no transfer (EU/EEA only)",
            (TransferTool::NotATransfer, Sv) => "ingen överföring (endast EU/EES)",
        }
    }
}
