//! Organisation models: what DNS cannot see — the internal mail filter,
//! mail servers, archive, backup, support contracts — with their sites and
//! operators, declared by the organisation itself (`--model FILE.toml`).
//!
//! ```toml
//! [organisation]
//! name = "Bollebygds kommun"
//! source = "Riskbedömning avseende Exchange online, 2021"
//! checked = "2021-05-01"
//!
//! [[component]]
//! id = "mail-filter"
//! name = "Mail filter (mejltvätt)"
//! kind = "mail-filter"
//! receives_from = ["load-balancers"]     # "mailboxes" or other component ids
//! hosts = ["mx1.bollebygd.se"]          # DNS names this component answers as
//! operator = "Bollebygds kommun"        # or provider = "<maps provider id>"
//! operator_country = "SE"
//! sites = [{ name = "Server room, Bollebygd", country = "SE" }]
//! ```

use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use super::{KnowledgeBase, MapsProblem};

pub const COMPONENT_KINDS: &[&str] = &[
    "firewall",
    "load-balancer",
    "mail-filter",
    "mail-server",
    "storage",
    "archive",
    "backup",
    "dns-server",
    "compute",
    "support",
    "cloud-service",
    "other",
];

/// Kinds whose sites hold data at rest.
pub const STORING_KINDS: &[&str] = &[
    "mail-server",
    "storage",
    "archive",
    "backup",
    "cloud-service",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgModel {
    /// The file it was read from, as given.
    pub file: String,
    pub name: String,
    pub source: String,
    pub checked: NaiveDate,
    pub components: Vec<Component>,
    /// What the organisation declares for its DPIA.
    pub dpia: Option<transfermap_model::dpia::Dpia>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub receives_from: Vec<String>,
    pub hosts: Vec<String>,
    pub operator: Option<String>,
    pub operator_country: Option<String>,
    pub provider: Option<String>,
    pub sites: Vec<ModelSite>,
    pub note: Option<String>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSite {
    pub name: String,
    pub country: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    organisation: RawOrganisation,
    #[serde(default)]
    component: Vec<Spanned<RawComponent>>,
    dpia: Option<transfermap_model::dpia::Dpia>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrganisation {
    name: String,
    source: String,
    checked: NaiveDate,
    /// Accepted here too, as people write it first: goes to `[dpia]`.
    purpose: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComponent {
    id: String,
    name: String,
    kind: String,
    #[serde(default)]
    receives_from: Vec<String>,
    #[serde(default)]
    hosts: Vec<String>,
    operator: Option<String>,
    operator_country: Option<String>,
    provider: Option<String>,
    #[serde(default)]
    sites: Vec<ModelSite>,
    note: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("cannot read organisation model {path}: {message}")]
    Read { path: String, message: String },
    #[error("the organisation model is not valid:\n{}", .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<MapsProblem>),
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map(|t| t.bytes().filter(|b| *b == b'\n').count() + 1)
        .unwrap_or(1)
}

impl OrgModel {
    /// Read and validate a model against the knowledge base (provider ids
    /// and countries must exist; component references must resolve).
    pub fn load(path: &Path, kb: &KnowledgeBase) -> Result<Self, ModelError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ModelError::Read {
            path: file.clone(),
            message: e.to_string(),
        })?;
        Self::parse(&file, &text, kb)
    }

    pub fn parse(file: &str, text: &str, kb: &KnowledgeBase) -> Result<Self, ModelError> {
        let problem = |line: usize, field: &str, message: String| MapsProblem {
            file: file.to_string(),
            line,
            field: field.to_string(),
            message,
        };
        let raw: RawModel = toml::from_str(text).map_err(|e| {
            ModelError::Invalid(vec![problem(
                e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
                "",
                e.message().trim().to_string(),
            )])
        })?;
        let mut problems = Vec::new();
        let mut components = Vec::new();
        for c in raw.component {
            let line = line_of(text, c.span().start);
            let c = c.into_inner();
            if !COMPONENT_KINDS.contains(&c.kind.as_str()) {
                problems.push(problem(
                    line,
                    "kind",
                    format!("`{}` is not one of {}", c.kind, COMPONENT_KINDS.join(", ")),
                ));
            }
            if let Some(p) = &c.provider
                && !kb.providers.contains_key(p)
            {
                problems.push(problem(
                    line,
                    "provider",
                    format!("unknown provider `{p}` (not in the maps)"),
                ));
            }
            if c.provider.is_some() && c.operator.is_some() {
                problems.push(problem(
                    line,
                    "operator",
                    "give either `provider` (from the maps) or `operator` with `operator_country`"
                        .into(),
                ));
            }
            if c.operator.is_some() != c.operator_country.is_some() {
                problems.push(problem(
                    line,
                    "operator_country",
                    "`operator` and `operator_country` go together".into(),
                ));
            }
            let countries = c
                .operator_country
                .iter()
                .chain(c.sites.iter().map(|s| &s.country));
            for cc in countries {
                if !kb.countries.contains_key(cc) {
                    problems.push(problem(line, "country", format!("unknown country `{cc}`")));
                }
            }
            components.push(Component {
                id: c.id,
                name: c.name,
                kind: c.kind,
                receives_from: c.receives_from,
                hosts: c
                    .hosts
                    .iter()
                    .map(|h| transfermap_model::records::canonical_name(h))
                    .collect(),
                operator: c.operator,
                operator_country: c.operator_country,
                provider: c.provider,
                sites: c.sites,
                note: c.note,
                line,
            });
        }
        let ids: Vec<&str> = components.iter().map(|c| c.id.as_str()).collect();
        for (i, c) in components.iter().enumerate() {
            if ids[..i].contains(&c.id.as_str()) {
                problems.push(problem(
                    c.line,
                    "id",
                    format!("duplicate component id `{}`", c.id),
                ));
            }
            for from in &c.receives_from {
                if from != "mailboxes" && !ids.contains(&from.as_str()) {
                    problems.push(problem(
                        c.line,
                        "receives_from",
                        format!("unknown component `{from}` (or \"mailboxes\")"),
                    ));
                }
            }
        }
        let mut dpia = raw.dpia;
        if let Some(purpose) = raw.organisation.purpose {
            let d = dpia.get_or_insert_with(Default::default);
            if d.purpose.is_none() {
                d.purpose = Some(purpose);
            }
        }
        for r in dpia.iter().flat_map(|d| d.recipients.iter()) {
            let line = text
                .find(&format!("\"{}\"", r.party))
                .map_or(1, |at| line_of(text, at));
            if let Some(m) = r.scc_module
                && !(1..=4).contains(&m)
            {
                problems.push(problem(
                    line,
                    "scc_module",
                    format!("{m} is not a module of Decision (EU) 2021/914 (1 to 4)"),
                ));
            }
            if r.scc_module.is_some()
                && r.transfer_tool != Some(transfermap_model::dpia::TransferTool::Scc)
            {
                problems.push(problem(
                    line,
                    "scc_module",
                    "given, but the transfer tool is not `scc`".into(),
                ));
            }
        }
        if !problems.is_empty() {
            return Err(ModelError::Invalid(problems));
        }
        Ok(OrgModel {
            file: file.to_string(),
            name: raw.organisation.name,
            source: raw.organisation.source,
            checked: raw.organisation.checked,
            components,
            dpia,
        })
    }
}
