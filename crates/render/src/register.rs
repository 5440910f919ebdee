//! The transfer register: one row per recipient, country and kind of
//! data, with the recipient's role, the entry points its paths start at, the legal status on the date, the
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
use transfermap_model::graph::EdgeKind;
use transfermap_model::key::NodeKey;
use transfermap_model::scan::Scan;

/// One row of the register.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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

impl Row {
    /// The cells, in the order of [`header`].
    pub fn cells(&self) -> [&str; 10] {
        [
            &self.recipient,
            &self.role,
            &self.country,
            &self.entry,
            &self.data,
            &self.status,
            &self.transfer_tool,
            &self.subprocessors,
            &self.findings,
            &self.evidence,
        ]
    }
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
    // Labels looked up once: a merged finding can have hundreds of occurrences.
    let labels = scan.graph.labels();
    let label_of = |k: &NodeKey| {
        labels
            .get(k)
            .map_or_else(|| k.to_string(), |l| l.to_string())
    };
    // The service an SPF record belongs to, as the maps recognised it.
    let part_of: BTreeMap<&NodeKey, &NodeKey> = scan
        .graph
        .edges
        .iter()
        .filter(|e| e.edge.kind == EdgeKind::PartOf && matches!(e.to, NodeKey::Service(_)))
        .map(|e| (&e.from, &e.to))
        .collect();
    let is_mailbox = |k: &NodeKey| {
        matches!(k, NodeKey::Service(_)) && labels.get(k).is_some_and(|l| mailboxes.contains(l))
    };
    let mut by: BTreeMap<(String, String, &str), Gathered> = BTreeMap::new();
    for f in &scan.findings {
        for o in f.occurrences().filter(|o| !o.is_artefact()) {
            let (Some(country), Some(status)) = (o.country, o.status) else {
                continue;
            };
            let who_key = if f.rule == RuleCode::Tm104 {
                o.subject
            } else {
                o.party
                    .or_else(|| sender(o.path, o.entry, &part_of))
                    .unwrap_or(o.subject)
            };
            // Networks no map names are one row per country and kind of
            // data, the networks listed in it, not a row each.
            let unnamed = matches!(who_key, NodeKey::Range(_) | NodeKey::Address(_));
            let recipient = if unnamed {
                if en {
                    "not identified".to_string()
                } else {
                    "inte identifierad".to_string()
                }
            } else {
                label_of(who_key)
            };
            let entry = label_of(o.entry);
            let data = words::data_category(DataCategory::of_path(o.path, is_mailbox), lang);
            let key = (recipient.clone(), country.to_string(), data);
            let gathered = by.entry(key).or_insert_with(|| {
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
                Gathered {
                    row: Row {
                        recipient: recipient.clone(),
                        role,
                        country: format!("{} ({country})", scan.country_name(country, lang)),
                        entry: String::new(),
                        data: data.to_string(),
                        status: describe(status, lang),
                        transfer_tool: tool,
                        subprocessors,
                        findings: String::new(),
                        evidence: String::new(),
                    },
                    ..Gathered::default()
                }
            });
            add_new(&mut gathered.findings, f.id.clone());
            add_new(&mut gathered.entries, entry);
            if unnamed {
                add_new(&mut gathered.networks, label_of(who_key));
            }
            for id in o.path.iter().flat_map(|h| h.evidence.iter()) {
                add_new(&mut gathered.evidence, id);
            }
        }
    }
    by.into_values().map(Gathered::into_row).collect()
}

/// A row and what is gathered for it from the occurrences, each list in
/// the order first met.
#[derive(Default)]
struct Gathered {
    row: Row,
    findings: Vec<String>,
    entries: Vec<String>,
    /// The networks of a "not identified" row.
    networks: Vec<String>,
    evidence: Vec<transfermap_model::evidence::EvidenceId>,
}

impl Gathered {
    fn into_row(self) -> Row {
        let mut row = self.row;
        if !self.networks.is_empty() {
            row.recipient = format!("{}: {}", row.recipient, self.networks.join(", "));
        }
        row.entry = self.entries.join(", ");
        row.findings = self.findings.join(" ");
        row.evidence = self
            .evidence
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        row
    }
}

fn add_new<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Who a path without a contracting party reaches: the last service or
/// company on it, else the service whose SPF record it passes through,
/// else the last SPF record included from another domain. A register row
/// per SPF network (Microsoft's 40, Google's 20) would bury the decision
/// (which vendor may send the organisation's mail) under its addresses;
/// the networks stay in the evidence.
fn sender<'a>(
    path: &'a [transfermap_model::finding::Hop],
    entry: &NodeKey,
    part_of: &BTreeMap<&'a NodeKey, &'a NodeKey>,
) -> Option<&'a NodeKey> {
    let nodes = || path.iter().rev().map(|h| &h.to);
    nodes()
        .find(|k| {
            matches!(
                k,
                NodeKey::Service(_)
                    | NodeKey::Provider(_)
                    | NodeKey::Subprocessor(_)
                    | NodeKey::Operator(_)
            )
        })
        .or_else(|| nodes().find_map(|k| part_of.get(k).copied()))
        .or_else(|| nodes().find(|k| matches!(k, NodeKey::Spf(_)) && *k != entry))
}

/// A cell as text a spreadsheet shows as text: no control characters and
/// no formula (DNS data is attacker-controlled).
fn cell(text: &str) -> String {
    crate::summary::csv_safe(&visible(text))
}

/// `transfer-register.csv` of [`rows`].
pub fn csv(rows: &[Row], lang: Lang) -> Result<Vec<u8>, crate::RenderError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| crate::RenderError::Register(e.to_string());
    w.write_record(header(lang)).map_err(err)?;
    for r in rows {
        w.write_record(r.cells().map(cell)).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| crate::RenderError::Register(e.to_string()))
}

/// `transfer-register.xlsx`: the same rows, with a frozen, filterable header.
pub fn xlsx(rows: &[Row], lang: Lang) -> Result<Vec<u8>, crate::RenderError> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| crate::RenderError::Register(e.to_string());
    let mut book = Workbook::new();
    // A register is a few kilobytes of text: the fastest deflate level
    // costs a few per cent in size and a third of the time.
    book.set_zip_compression_level(1);
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
        // The cells below take the column's format: naming it per cell
        // would hash the whole format once for every cell.
        sheet.set_column_format(c, &wrap).map_err(err)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = (i + 1) as u32;
        for (c, text) in r.cells().iter().enumerate() {
            // Written as strings: never read as a formula.
            sheet
                .write_string(row, c as u16, visible(text))
                .map_err(err)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(err)?;
    sheet.autofilter(0, 0, rows.len() as u32, 9).map_err(err)?;
    book.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(xlsx: &[u8], name: &str) -> String {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
        let mut text = String::new();
        zip.by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    /// The value of `attr="…"` in an XML element's text.
    /// (`element` is the text after the element's name and its space.)
    fn attr(element: &str, attr: &str) -> Option<String> {
        let element = format!(" {element}");
        let start = element.find(&format!(" {attr}=\""))? + attr.len() + 3;
        Some(element[start..start + element[start..].find('"')?].to_owned())
    }

    #[test]
    fn every_cell_of_the_spreadsheet_wraps_and_the_header_is_bold() {
        let row = Row {
            recipient: "Microsoft Ireland Operations Ltd".into(),
            role: "processor".into(),
            country: "United States".into(),
            entry: "MX".into(),
            data: "mailbox content".into(),
            status: "=HYPERLINK(\"x\")".into(),
            transfer_tool: String::new(),
            subprocessors: "a\nb".into(),
            findings: "TM103".into(),
            evidence: "E1".into(),
        };
        let xlsx = xlsx(&[row.clone(), row], Lang::En).unwrap();
        let sheet = part(&xlsx, "xl/worksheets/sheet1.xml");
        let styles = part(&xlsx, "xl/styles.xml");
        let xfs = &styles[styles.find("<cellXfs").unwrap()..styles.find("</cellXfs>").unwrap()];
        let xf: Vec<&str> = xfs.split("<xf ").skip(1).collect();
        let fonts: Vec<&str> = styles.split("<font>").skip(1).collect();
        // (wraps, bold) of a cell's (`s`) or a column's (`style`) format.
        let style_of = |element: &str, name: &str| -> (bool, bool) {
            let s: usize = attr(element, name).map_or(0, |s| s.parse().unwrap());
            let font: usize = attr(xf[s], "fontId").unwrap().parse().unwrap();
            (
                xf[s].contains("wrapText=\"1\""),
                fonts[font].contains("<b/>"),
            )
        };
        let cells: Vec<&str> = sheet.split("<c ").skip(1).collect();
        // 10 header cells, 9 filled cells in each of two rows (the empty one is left out).
        assert_eq!(cells.len(), 10 + 2 * 9, "{sheet}");
        for cell in cells {
            let header = attr(cell, "r").unwrap().ends_with('1');
            assert_eq!(style_of(cell, "s"), (true, header), "{cell}");
            // Text is written as text: no cell holds a formula.
            assert!(!cell.contains("<f>"), "{cell}");
        }
        // The columns' own format wraps too, for what a user types in.
        for col in sheet.split("<col ").skip(1) {
            assert!(style_of(col, "style").0, "{col}");
        }
    }
}
