//! The transfer register: one row per recipient, country and entry point,
//! with its role, the data on the path, the legal status on the date, the
//! transfer tool, the sub-processors and the evidence IDs. What the scan
//! cannot know (role, transfer tool) comes from the organisation's model
//! (`[[dpia.recipient]]`) or is marked as still to be stated. Written as
//! `transfer-register.csv` and `transfer-register.xlsx`.

use std::collections::BTreeMap;

use crate::legal::describe;
use crate::text::visible;
use crate::words;
use transfermap_model::Lang;
use transfermap_model::dpia::Recipient;
use transfermap_model::finding::{DataCategory, RuleCode};
use transfermap_model::key::NodeKey;
use transfermap_model::scan::Scan;

/// One row of the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub recipient: String,
    pub role: String,
    pub country: String,
    pub entry: String,
    pub data: String,
    pub status: String,
    pub transfer_tool: String,
    pub subprocessors: String,
    pub findings: String,
    pub evidence: String,
}

/// The column titles.
pub fn header(lang: Lang) -> [&'static str; 10] {
    match lang {
        Lang::En => [
            "Recipient",
            "Role",
            "Country",
            "Entry point",
            "Personal data",
            "Legal status on the date",
            "Transfer tool",
            "Sub-processors (published)",
            "Findings",
            "Evidence",
        ],
        Lang::Sv => [
            "Mottagare",
            "Roll",
            "Land",
            "Ingång",
            "Personuppgifter",
            "Rättsläge på datumet",
            "Överföringsverktyg",
            "Underbiträden (publicerade)",
            "Fynd",
            "Belägg",
        ],
    }
}

/// The organisation's declaration for a party, by provider id or name.
fn declared<'a>(scan: &'a Scan, key: &NodeKey, name: &str) -> Option<&'a Recipient> {
    let dpia = scan.model.as_ref()?.dpia.as_ref()?;
    let id = match key {
        NodeKey::Provider(id) => Some(id.as_str()),
        _ => None,
    };
    dpia.recipients
        .iter()
        .find(|r| Some(r.party.as_str()) == id || r.party.eq_ignore_ascii_case(name))
}

/// The register's rows, from the analysis's findings.
pub fn rows(scan: &Scan, lang: Lang) -> Vec<Row> {
    let en = lang == Lang::En;
    // Mailbox services, as the analysis named them in the flows.
    let mailboxes: Vec<&str> = scan
        .flows
        .iter()
        .filter_map(|f| f.mailbox.as_ref().map(|m| m.service.as_str()))
        .collect();
    let is_mailbox = |k: &NodeKey| {
        matches!(k, NodeKey::Service(_)) && mailboxes.contains(&scan.label_of(k).as_str())
    };
    let mut by: BTreeMap<(String, String, String), Row> = BTreeMap::new();
    for f in &scan.findings {
        for o in f.occurrences().filter(|o| !o.is_artefact()) {
            let (Some(country), Some(status)) = (o.country, o.status) else {
                continue;
            };
            let who_key = if f.rule == RuleCode::Tm104 {
                o.subject
            } else {
                f.party.as_ref().unwrap_or(o.subject)
            };
            let recipient = scan.label_of(who_key);
            let entry = scan.label_of(o.entry);
            let key = (recipient.clone(), country.to_string(), entry.clone());
            let row = by.entry(key).or_insert_with(|| {
                let decl = declared(scan, who_key, &recipient);
                let role = match (decl, f.rule) {
                    (Some(d), _) => d.role.words(lang).to_string(),
                    (None, RuleCode::Tm104 | RuleCode::Tm111) => if en {
                        "network or hosting operator (no party to the contract)"
                    } else {
                        "nät- eller driftoperatör (ingen avtalspart)"
                    }
                    .to_string(),
                    (None, RuleCode::Tm105) => if en {
                        "sub-processor (published by the provider)"
                    } else {
                        "underbiträde (enligt leverantören)"
                    }
                    .to_string(),
                    (None, _) => if en { "not stated" } else { "ej angiven" }.to_string(),
                };
                let tool = match decl {
                    Some(d) => {
                        let mut t = d
                            .transfer_tool
                            .map(|t| t.words(lang).to_string())
                            .unwrap_or_else(|| if en { "not stated" } else { "ej angivet" }.into());
                        if let Some(m) = d.scc_module {
                            t.push_str(&if en {
                                format!(", module {m}")
                            } else {
                                format!(", modul {m}")
                            });
                        }
                        if let Some(r) = &d.tia_reference {
                            t.push_str(&format!("; TIA: {r}"));
                        }
                        t
                    }
                    None => {
                        let asks = crate::board::short_status(status, lang);
                        if en {
                            format!("not stated (the status asks: {asks})")
                        } else {
                            format!("ej angivet (rättsläget kräver: {asks})")
                        }
                    }
                };
                let subprocessors = scan
                    .parties
                    .iter()
                    .find(|p| &p.key == who_key)
                    .map(|p| p.subprocessors.join("; "))
                    .unwrap_or_default();
                Row {
                    recipient: recipient.clone(),
                    role,
                    country: format!("{} ({country})", scan.country_name(country, lang)),
                    entry: entry.clone(),
                    data: words::data_category(DataCategory::of_path(o.path, is_mailbox), lang)
                        .to_string(),
                    status: describe(status, lang),
                    transfer_tool: tool,
                    subprocessors,
                    findings: String::new(),
                    evidence: String::new(),
                }
            });
            if !row.findings.split(' ').any(|x| x == f.id) {
                if !row.findings.is_empty() {
                    row.findings.push(' ');
                }
                row.findings.push_str(&f.id);
            }
            let mut ids: Vec<String> = row
                .evidence
                .split(' ')
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect();
            for h in o.path {
                for id in h.evidence.iter() {
                    let id = id.to_string();
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
            row.evidence = ids.join(" ");
        }
    }
    by.into_values().collect()
}

/// A cell as text a spreadsheet shows as text: no control characters, and
/// no leading character that would make a spreadsheet read it as a formula
/// (DNS data is attacker-controlled).
fn cell(text: &str) -> String {
    let t = visible(text);
    if t.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{t}")
    } else {
        t
    }
}

/// `transfer-register.csv`.
pub fn csv(scan: &Scan, lang: Lang) -> Result<Vec<u8>, crate::RenderError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| crate::RenderError::Register(e.to_string());
    w.write_record(header(lang)).map_err(err)?;
    for r in rows(scan, lang) {
        w.write_record(
            [
                &r.recipient,
                &r.role,
                &r.country,
                &r.entry,
                &r.data,
                &r.status,
                &r.transfer_tool,
                &r.subprocessors,
                &r.findings,
                &r.evidence,
            ]
            .map(|c| cell(c)),
        )
        .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| crate::RenderError::Register(e.to_string()))
}

/// `transfer-register.xlsx`: the same rows, with a frozen, filterable header.
pub fn xlsx(scan: &Scan, lang: Lang) -> Result<Vec<u8>, crate::RenderError> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| crate::RenderError::Register(e.to_string());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .set_name(if lang == Lang::En {
            "Transfers"
        } else {
            "Överföringar"
        })
        .map_err(err)?;
    let bold = Format::new().set_bold().set_text_wrap();
    let wrap = Format::new().set_text_wrap();
    let widths = [34.0, 24.0, 18.0, 34.0, 22.0, 50.0, 40.0, 40.0, 12.0, 24.0];
    for (c, (title, width)) in header(lang).iter().zip(widths).enumerate() {
        let c = c as u16;
        sheet
            .write_string_with_format(0, c, *title, &bold)
            .map_err(err)?;
        sheet.set_column_width(c, width).map_err(err)?;
    }
    let rows = rows(scan, lang);
    for (i, r) in rows.iter().enumerate() {
        let row = (i + 1) as u32;
        let cells = [
            &r.recipient,
            &r.role,
            &r.country,
            &r.entry,
            &r.data,
            &r.status,
            &r.transfer_tool,
            &r.subprocessors,
            &r.findings,
            &r.evidence,
        ];
        for (c, text) in cells.iter().enumerate() {
            // Written as strings: never read as a formula.
            sheet
                .write_string_with_format(row, c as u16, visible(text), &wrap)
                .map_err(err)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(err)?;
    sheet.autofilter(0, 0, rows.len() as u32, 9).map_err(err)?;
    book.save_to_buffer().map_err(err)
}
