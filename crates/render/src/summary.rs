//! The summaries of a run over many domains: `summary.csv` and
//! `summary.md` (the JSON is the [`Summary`] itself).

use crate::markdown::escape;
use transfermap_model::Lang;
use transfermap_model::summary::{RowStatus, Summary};

/// `summary.csv`: one row per domain.
pub fn summary_csv(summary: &Summary) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "name",
        "domain",
        "status",
        "not_observed",
        "error",
        "mailbox",
        "mailbox_inferred",
        "gateways",
        "providers",
        "services",
        "third_countries",
        "measured",
        "declared",
        "legal",
        "problems",
        "queries",
    ]);
    for r in &summary.domains {
        let _ = w.write_record([
            csv_safe(r.name.as_deref().unwrap_or("")),
            csv_safe(&r.domain),
            r.status.as_str().to_string(),
            csv_safe(&r.gaps.join("; ")),
            csv_safe(r.error.as_deref().unwrap_or("")),
            csv_safe(r.mailbox.as_deref().unwrap_or("")),
            r.mailbox_inferred.map_or("", strength_name).to_string(),
            csv_safe(&r.gateways.join("; ")),
            csv_safe(&r.providers.join("; ")),
            csv_safe(&r.services.join("; ")),
            r.countries.join(" "),
            r.measured.to_string(),
            r.declared.to_string(),
            r.legal.to_string(),
            r.problems.to_string(),
            r.queries.to_string(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn strength_name(s: transfermap_model::graph::Strength) -> &'static str {
    use transfermap_model::graph::Strength;
    match s {
        Strength::Strong => "strong",
        Strength::Medium => "medium",
        Strength::Weak => "weak",
    }
}

/// Spreadsheets run cells that start with `=`, `+`, `-` or `@` as formulas;
/// a leading apostrophe keeps text from a domains file inert.
pub fn csv_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// The words of `summary.md` in each language.
struct SummaryWords {
    title: &'static str,
    as_of: &'static str,
    domains: &'static str,
    complete: &'static str,
    partial: &'static str,
    failed: &'static str,
    with_errors: &'static str,
    incomplete: &'static str,
    interrupted: &'static str,
    questions: &'static str,
    providers: &'static str,
    provider: &'static str,
    organisations: &'static str,
    header: &'static str,
    error: &'static str,
}

const SUMMARY_EN: SummaryWords = SummaryWords {
    title: "Transfer map summary",
    as_of: "As of",
    domains: "Domains",
    complete: "complete",
    partial: "partial",
    failed: "failed",
    with_errors: "with errors",
    incomplete: "**Not everything was observed** for the domains marked partial or failed: what their failed questions would have shown is unknown, and unknown is not EU-only. Scan them again.",
    interrupted: "**Interrupted**: not every domain was scanned",
    questions: "questions sent in the run",
    providers: "Providers: how many organisations depend on each",
    provider: "provider",
    organisations: "organisations",
    header: "| organisation | domain | status | mailboxes | gateway | third countries | measured | declared | legal | problems | providers / error / not observed |",
    error: "error",
};

const SUMMARY_SV: SummaryWords = SummaryWords {
    title: "Överföringskarta, sammanställning",
    as_of: "Rättsläge per",
    domains: "Domäner",
    complete: "fullständiga",
    partial: "ofullständiga",
    failed: "misslyckade",
    with_errors: "med fel",
    incomplete: "**Allt observerades inte** för domänerna markerade ofullständig eller misslyckad: vad deras misslyckade frågor skulle ha visat är okänt, och okänt betyder inte att uppgifterna stannar inom EU/EES. Skanna dem igen.",
    interrupted: "**Avbruten**: alla domäner skannades inte",
    questions: "frågor skickade under körningen",
    providers: "Leverantörer: hur många organisationer som är beroende av var och en",
    provider: "leverantör",
    organisations: "organisationer",
    header: "| organisation | domän | status | brevlådor | filter | tredjeländer | uppmätta | uppgivna | rättsliga | problem | leverantörer / fel / ej observerat |",
    error: "fel",
};

/// `summary.md`, in the chosen language.
pub fn summary_markdown(summary: &Summary, lang: Lang) -> String {
    use std::fmt::Write;
    let w = match lang {
        Lang::En => &SUMMARY_EN,
        Lang::Sv => &SUMMARY_SV,
    };
    let mut s = String::new();
    let count = |st: RowStatus| summary.domains.iter().filter(|d| d.status == st).count();
    let _ = writeln!(s, "# {}\n", w.title);
    let _ = writeln!(
        s,
        "- {}: **{}**\n- {}: {} ({} {}, {} {}, {} {}, {} {}){}\n- DNS: {} ({} {})\n",
        w.as_of,
        summary.as_of,
        w.domains,
        summary.domains.len(),
        count(RowStatus::Ok),
        w.complete,
        count(RowStatus::Partial),
        w.partial,
        count(RowStatus::Failed),
        w.failed,
        count(RowStatus::Error),
        w.with_errors,
        if summary.interrupted {
            format!("\n- {}", w.interrupted)
        } else {
            String::new()
        },
        escape(&summary.resolver),
        summary.queries_sent,
        w.questions
    );
    if summary.domains.iter().any(|d| d.status != RowStatus::Ok) {
        let _ = writeln!(s, "{}\n", w.incomplete);
    }
    let _ = writeln!(s, "## {}\n", w.providers);
    let _ = writeln!(s, "| {} | {} |\n|---|---:|", w.provider, w.organisations);
    let mut by_count: Vec<(&String, &Vec<String>)> = summary.providers.iter().collect();
    by_count.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    for (p, list) in by_count {
        let _ = writeln!(s, "| {} | {} |", escape(p), list.len());
    }
    let _ = writeln!(s, "\n## {}\n", w.domains);
    let _ = writeln!(
        s,
        "{}\n|---|---|---|---|---|---|---:|---:|---:|---:|---|",
        w.header
    );
    for r in &summary.domains {
        let mut last = match &r.error {
            Some(e) => format!("**{}:** {}", w.error, escape(e)),
            None => escape(&r.providers.join(", ")),
        };
        if !r.gaps.is_empty() {
            last.push_str(&format!(" — {}", escape(&r.gaps.join("; "))));
        }
        let status = match (r.status, lang) {
            (RowStatus::Ok, _) => "ok",
            (RowStatus::Partial, Lang::En) => "**partial**",
            (RowStatus::Partial, Lang::Sv) => "**ofullständig**",
            (RowStatus::Failed, Lang::En) => "**failed**",
            (RowStatus::Failed, Lang::Sv) => "**misslyckad**",
            (RowStatus::Error, Lang::En) => "**error**",
            (RowStatus::Error, Lang::Sv) => "**fel**",
        };
        // The mailbox service, and how strongly a gateway hides it.
        let mailbox = match (&r.mailbox, r.mailbox_inferred, lang) {
            (Some(m), None, _) => escape(m),
            (Some(m), Some(st), Lang::En) => {
                format!("{} (inferred, {})", escape(m), strength_name(st))
            }
            (Some(m), Some(st), Lang::Sv) => format!(
                "{} (slutsats, {})",
                escape(m),
                match st {
                    transfermap_model::graph::Strength::Strong => "stark",
                    transfermap_model::graph::Strength::Medium => "medelstark",
                    transfermap_model::graph::Strength::Weak => "svag",
                }
            ),
            (None, _, _) => "—".to_string(),
        };
        let gateway = if r.gateways.is_empty() {
            "—".to_string()
        } else {
            escape(&r.gateways.join(", "))
        };
        let _ = writeln!(
            s,
            "| {} | {} | {status} | {mailbox} | {gateway} | {} | {} | {} | {} | {} | {} |",
            escape(r.name.as_deref().unwrap_or("")),
            escape(&r.domain),
            escape(&r.countries.join(", ")),
            r.measured,
            r.declared,
            r.legal,
            r.problems,
            last
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_cannot_become_formulas() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("bollebygd.se"), "bollebygd.se");
    }
}
