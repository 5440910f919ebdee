//! The summaries of a run over many domains: `summary.csv` and
//! `summary.md` (the JSON is the [`Summary`] itself).

use std::collections::BTreeMap;

use crate::markdown::escape;
use transfermap_model::Lang;
use transfermap_model::finding::Basis;
use transfermap_model::summary::{DomainRow, Role, RowError, RowStatus, Summary};

/// Why a row has no scan, in `lang`. The message after the kind is the
/// library's, in English, except where the kind says it all.
pub fn row_error(r: &DomainRow, lang: Lang) -> Option<String> {
    let message = r.error.as_deref()?;
    if lang == Lang::En {
        return Some(message.to_string());
    }
    Some(match r.error_kind {
        Some(RowError::NoMailRecords) => "inga e-postposter: domänen publicerar ingen MX-, SPF- eller DMARC-post, så det finns inget att bedöma (är det organisationens e-postdomän?)".to_string(),
        Some(RowError::InvalidDomain) => match r.name_fault {
            Some(fault) => format!(
                "`{}` är inte ett giltigt domännamn: {}",
                r.domain,
                crate::words::domain_name_fault(fault, lang)
            ),
            None => format!("inte ett domännamn ({message})"),
        },
        Some(RowError::ScanFailed) => format!("skanningen kunde inte göras ({message})"),
        Some(RowError::WritingFailed) => format!("utdata kunde inte skrivas ({message})"),
        None => message.to_string(),
    })
}

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
        "contracting_entity",
        "law_party",
        "mailbox_laws",
        "content_under_third_country_law",
        "mailbox_legal_status",
        "countries_measured",
        "countries_declared",
        "countries_legal",
        "unattributed",
        "worst_severity",
        "code",
        "mailbox_law_country",
    ]);
    for r in &summary.domains {
        let _ = w.write_record([
            csv_safe(r.name.as_deref().unwrap_or("")),
            csv_safe(&r.domain),
            r.status.as_str().to_string(),
            csv_safe(
                &r.gaps
                    .iter()
                    .map(|g| crate::words::gap_short(g, Lang::En))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
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
            csv_safe(r.contracting_entity.as_deref().unwrap_or("")),
            csv_safe(r.law_party.as_deref().unwrap_or("")),
            csv_safe(&r.mailbox_laws.join("; ")),
            r.content_under_third_country_law.to_string(),
            r.mailbox_status
                .as_ref()
                .map_or("", |st| crate::board::short_status(st, Lang::En))
                .to_string(),
            by_basis(r, Basis::Measured),
            by_basis(r, Basis::Declared),
            by_basis(r, Basis::Legal),
            r.unattributed.to_string(),
            r.worst.map_or("", |w| w.as_str()).to_string(),
            csv_safe(r.code.as_deref().unwrap_or("")),
            r.mailbox_law_country.clone().unwrap_or_default(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn by_basis(r: &transfermap_model::summary::DomainRow, b: Basis) -> String {
    r.countries_by_basis
        .get(&b)
        .map(|v| v.join(" "))
        .unwrap_or_default()
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
    concentration: &'static str,
    company: &'static str,
    more: &'static str,
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
    concentration: "Concentration: how many organisations depend on each company, by role",
    company: "company or service",
    more: "more",
    providers: "Every company reached, sub-processors included: how many organisations each",
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
    concentration: "Koncentration: hur många organisationer som är beroende av varje företag, per roll",
    company: "företag eller tjänst",
    more: "till",
    providers: "Alla företag som nås, underbiträden inräknade: hur många organisationer för vart och ett",
    provider: "leverantör",
    organisations: "organisationer",
    header: "| organisation | domän | status | brevlådor | filter | tredjeländer | uppmätta | uppgivna | rättsliga | problem | leverantörer / fel / ej observerat |",
    error: "fel",
};

/// `summary.md`, in the chosen language.
pub fn summary_markdown(summary: &Summary, lang: Lang) -> String {
    use std::fmt::Write;
    let localised = crate::localise::summary(summary, lang);
    let summary: &Summary = &localised;
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
    let _ = writeln!(
        s,
        "## {}\n\n{}\n",
        if lang == Lang::En {
            "In short"
        } else {
            "I korthet"
        },
        headline(summary, lang)
            .iter()
            .map(|sentence| escape(sentence))
            .collect::<Vec<_>>()
            .join(" ")
    );
    // Who the organisations depend on, by what the company does for them:
    // a sub-processor is not a provider the organisation chose.
    let _ = writeln!(s, "## {}\n", w.concentration);
    for role in Role::ALL {
        let list = summary.ranked(role);
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            "### {}\n\n| {} | {} |\n|---|---:|",
            role.words(lang),
            w.company,
            w.organisations
        );
        for (who, n) in list.iter().take(12) {
            let _ = writeln!(s, "| {} | {n} |", escape(who));
        }
        if list.len() > 12 {
            let _ = writeln!(s, "\n{} {}", list.len() - 12, w.more);
        }
        s.push('\n');
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
        let mut last = match row_error(r, lang) {
            Some(e) => format!("**{}:** {}", w.error, escape(&e)),
            None => escape(&r.providers.join(", ")),
        };
        if !r.gaps.is_empty() {
            let gaps: Vec<String> = r
                .gaps
                .iter()
                .map(|g| crate::words::gap_short(g, lang))
                .collect();
            last.push_str(&format!(" — {}", escape(&gaps.join("; "))));
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

/// The national view's opening sentences, in the page's language: where
/// the organisations' mailboxes are, how many are within reach of a third
/// country's law and what the legal status on the date is, and what is not
/// known. `summary` is already in that language's names.
pub fn headline(summary: &Summary, lang: Lang) -> Vec<String> {
    let en = lang == Lang::En;
    let rows = &summary.domains;
    let scanned: Vec<&DomainRow> = rows
        .iter()
        .filter(|r| !matches!(r.status, RowStatus::Error | RowStatus::Failed))
        .collect();
    let mut out = Vec::new();
    // The first three by count; the rest as how many organisations are
    // with others, or (`more_names`: an organisation can have several, as
    // with gateways) as how many more names there are.
    let list_of = |items: &[(String, usize)], more_names: bool| -> String {
        let shown: Vec<String> = items
            .iter()
            .take(3)
            .map(|(who, n)| format!("{who} ({n})"))
            .collect();
        let rest: usize = if more_names {
            items.len().saturating_sub(3)
        } else {
            items.iter().skip(3).map(|(_, n)| n).sum()
        };
        let and = if en { " and " } else { " och " };
        match (shown.as_slice(), rest) {
            ([], _) => String::new(),
            ([one], 0) => one.clone(),
            (many, 0) => {
                let (last, first) = many.split_last().unwrap_or((&many[0], &[]));
                format!("{}{and}{last}", first.join(", "))
            }
            (many, r) if more_names && en => format!("{}, and {r} more", many.join(", ")),
            (many, r) if more_names => format!("{}, och {r} till", many.join(", ")),
            (many, r) if en => format!("{}, and {r} with others", many.join(", ")),
            (many, r) => format!("{}, och {r} hos andra", many.join(", ")),
        }
    };
    let list = |items: &[(String, usize)]| list_of(items, false);
    let by_count = |mut v: Vec<(String, usize)>| {
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    };
    let ranked = |role: Role| -> Vec<(String, usize)> {
        summary
            .ranked(role)
            .into_iter()
            .map(|(who, n)| (who.to_string(), n))
            .collect()
    };
    // Where the mailboxes are: by contracting entity (a failed scan or an
    // error row has none).
    let entities = ranked(Role::Mailbox);
    let unknown = scanned
        .iter()
        .filter(|r| r.contracting_entity.is_none() && r.mailbox.is_none())
        .count();
    let n = scanned.len();
    if !entities.is_empty() {
        let with = list(&entities);
        out.push(match (en, n) {
            (true, 1) => format!("The one organisation scanned has its mailboxes with {with}."),
            (true, _) => {
                format!("Of the {n} organisations scanned, the mailboxes are with {with}.")
            }
            (false, 1) => format!("Den skannade organisationen har brevlådorna hos {with}."),
            (false, _) => {
                format!("Av de {n} skannade organisationerna har brevlådorna hos {with}.")
            }
        });
    }
    // The filters and gateways in front of the mailboxes: processors of
    // every inbound message too.
    let behind = scanned.iter().filter(|r| !r.gateways.is_empty()).count();
    if behind > 0 {
        let with = list_of(&ranked(Role::Gateway), true);
        out.push(if en {
            format!(
                "For {behind} of them inbound mail first passes a mail filter or gateway: {with}."
            )
        } else {
            format!(
                "För {behind} av dem passerar inkommande e-post först ett e-postfilter: {with}."
            )
        });
    }
    // Within reach of a third country's law, by country, and the status.
    let mut laws: BTreeMap<String, usize> = BTreeMap::new();
    let mut statuses: BTreeMap<&'static str, usize> = BTreeMap::new();
    for r in scanned.iter().filter(|r| r.content_under_third_country_law) {
        let country = r.mailbox_law_country.as_ref().map_or_else(
            || {
                if en {
                    "a third country"
                } else {
                    "ett tredjeland"
                }
                .to_string()
            },
            |c| {
                summary.country_names.get(c).map_or(c.clone(), |names| {
                    if en {
                        names.en.clone()
                    } else {
                        names.sv.clone()
                    }
                })
            },
        );
        *laws.entry(country).or_default() += 1;
        if let Some(st) = &r.mailbox_status {
            *statuses
                .entry(crate::board::short_status(st, lang))
                .or_default() += 1;
        }
    }
    let reached: usize = laws.values().sum();
    if reached > 0 {
        let laws = by_count(laws.into_iter().collect());
        let statuses = by_count(
            statuses
                .into_iter()
                .map(|(s, n)| (s.to_string(), n))
                .collect(),
        );
        out.push(if en {
            format!(
                "For {reached} of them the law of a third country reaches the mailbox content, through the provider or its parent: {}. The legal status on {} for that country: {}.",
                list(&laws),
                summary.as_of,
                list(&statuses)
            )
        } else {
            format!(
                "För {reached} av dem når ett tredjelands lag brevlådornas innehåll, genom leverantören eller dess moderbolag: {}. Rättsläget den {} för det landet: {}.",
                list(&laws),
                summary.as_of,
                list(&statuses)
            )
        });
    }
    let not_scanned = rows.len() - n;
    if unknown > 0 || not_scanned > 0 {
        out.push(match (en, unknown, not_scanned) {
            (true, u, 0) => format!("For {u} no mailbox provider is recognised (own servers, or one the maps do not know): unknown is not EU-only."),
            (true, 0, f) => format!("{f} could not be scanned (failed or error)."),
            (true, u, f) => format!("For {u} no mailbox provider is recognised (own servers, or one the maps do not know), and {f} could not be scanned (failed or error): unknown is not EU-only."),
            (false, u, 0) => format!("För {u} känns ingen leverantör av brevlådorna igen (egna servrar, eller en som kunskapsbasen inte känner): okänt betyder inte att uppgifterna stannar inom EU/EES."),
            (false, 0, f) => format!("{f} kunde inte skannas (misslyckad eller fel)."),
            (false, u, f) => format!("För {u} känns ingen leverantör av brevlådorna igen (egna servrar, eller en som kunskapsbasen inte känner), och {f} kunde inte skannas (misslyckad eller fel): okänt betyder inte att uppgifterna stannar inom EU/EES."),
        });
    }
    out.push(if en {
        "Each organisation's report says what it must do: the transfer tool per recipient, a transfer impact assessment where needed, and what a scan cannot know.".to_string()
    } else {
        "Varje organisations rapport säger vad den behöver göra: överföringsverktyg per mottagare, en bedömning av överföringen (TIA) där det behövs, och det en skanning inte kan veta.".to_string()
    });
    out
}

/// `summary.html`: the national view — one self-contained page with a
/// sortable table that links to every report, and how many organisations
/// depend on each company, per role, as bars.
pub fn summary_html(summary: &Summary, lang: Lang) -> String {
    use crate::html::escape as h;
    let localised = crate::localise::summary(summary, lang);
    let summary: &Summary = &localised;
    let en = lang == Lang::En;
    let t = |e: &'static str, v: &'static str| if en { e } else { v };
    let mut body = String::new();
    body.push_str(&format!(
        "<h1>{}</h1>\n<p>{} <strong>{}</strong> · {} {} · {} {}</p>\n",
        t(
            "Transfer map: all organisations",
            "Överföringskarta: alla organisationer"
        ),
        t("Legal status as of", "Rättsläge per"),
        summary.as_of,
        summary.domains.len(),
        t("domains", "domäner"),
        summary.queries_sent,
        t("DNS questions", "DNS-frågor"),
    ));
    let incomplete = summary
        .domains
        .iter()
        .filter(|d| !d.status.is_complete())
        .count();
    if incomplete > 0 || summary.interrupted {
        body.push_str(&format!(
            "<p class=\"warn\">{} {}</p>\n",
            incomplete,
            t(
                "domains were not fully observed (partial, failed or error): unknown is not EU-only.",
                "domäner observerades inte fullständigt (ofullständig, misslyckad eller fel): okänt betyder inte att uppgifterna stannar inom EU/EES."
            )
        ));
    }
    body.push_str(&format!(
        "<section class=\"headline\"><h2>{}</h2>\n<p>{}</p></section>\n",
        t("In short", "I korthet"),
        headline(summary, lang)
            .iter()
            .map(|sentence| h(sentence))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    // The map and who the organisations depend on come before the long
    // table: they are what a reader of the national view looks for first.
    body.push_str(&crate::sweden::choropleth(summary, lang));
    body.push_str(&concentration_html(summary, lang));
    let heads = [
        t("Organisation", "Organisation"),
        t("Status", "Status"),
        t("Mailboxes", "Brevlådor"),
        t("Gateway", "Filter"),
        t("Contracting entity", "Avtalspart"),
        t("Law over it", "Lag som gäller den"),
        t(
            "Third-country law reaches mailbox content",
            "Tredjelands lag når brevlådornas innehåll",
        ),
        t("Legal status on the date", "Rättsläge på datumet"),
        t("Third countries: measured", "Tredjeländer: uppmätta"),
        t("declared", "uppgivna"),
        t("legal", "rättsliga"),
        t("Unattributed", "Okända"),
        t("Worst severity", "Högsta allvarlighetsgrad"),
    ];
    body.push_str(&format!(
        "<h2 id=\"every\">{}</h2>\n<p>{}</p>\n",
        t("Every organisation", "Alla organisationer"),
        t(
            "Click a column's heading to sort by it; each organisation links to its report.",
            "Klicka på en kolumns rubrik för att sortera efter den; varje organisation länkar till sin rapport."
        )
    ));
    body.push_str("<table id=\"domains\" class=\"sortable\">\n<thead><tr>");
    for (i, head) in heads.iter().enumerate() {
        body.push_str(&format!(
            "<th data-col=\"{i}\" tabindex=\"0\">{}</th>",
            h(head)
        ));
    }
    body.push_str("</tr></thead>\n<tbody>\n");
    for r in &summary.domains {
        let name = r.name.clone().unwrap_or_else(|| r.domain.clone());
        // Each domain's folder sits next to the summary.
        let link = match &r.folder {
            Some(dir) if r.status != RowStatus::Error => format!(
                "<a href=\"{}/report.html\">{}</a>",
                h(&url_path(dir)),
                h(&name)
            ),
            _ => h(&name),
        };
        let word = match r.status {
            RowStatus::Ok => "ok",
            RowStatus::Partial => t("partial", "delvis"),
            RowStatus::Failed => t("failed", "misslyckad"),
            RowStatus::Error => t("error", "fel"),
        };
        // A partial or failed row says what was not observed: the first
        // gap and how many more (the domain's report lists them all).
        let status = match (row_error(r, lang), r.gaps.as_slice()) {
            (Some(e), _) => format!("{word} — {e}"),
            (None, [only]) => {
                format!("{word} — {}", crate::words::gap_short(only, lang))
            }
            (None, [first, rest @ ..]) => format!(
                "{word} — {} {} {} {}",
                crate::words::gap_short(first, lang),
                t("and", "och"),
                rest.len(),
                t("more", "till")
            ),
            (None, []) => word.to_string(),
        };
        let mailbox = match (&r.mailbox, r.mailbox_inferred) {
            (Some(m), Some(s)) => {
                format!(
                    "{m} ({}: {})",
                    t("inferred", "slutsats"),
                    crate::words::strength(s, lang)
                )
            }
            (Some(m), None) => m.clone(),
            (None, _) => "—".into(),
        };
        // The laws' short names; the reports cite them in full.
        let laws: Vec<&str> = r
            .mailbox_laws
            .iter()
            .map(|l| l.split(" (").next().unwrap_or(l))
            .collect();
        let law = match &r.law_party {
            Some(p) => format!("{p}: {}", laws.join(", ")),
            None => "—".into(),
        };
        let yes_no = if r.content_under_third_country_law {
            t("yes", "ja")
        } else {
            t("no", "nej")
        };
        let status_cell = r
            .mailbox_status
            .as_ref()
            .map_or("—", |s| crate::board::short_status(s, lang));
        let worst = r.worst.map_or("—", |w| crate::words::severity(w, lang));
        let cells = [
            link,
            h(&status),
            h(&mailbox),
            h(&dash(&r.gateways.join(", "))),
            h(r.contracting_entity.as_deref().unwrap_or("—")),
            h(&law),
            h(yes_no),
            h(status_cell),
            h(&dash(&by_basis(r, Basis::Measured))),
            h(&dash(&by_basis(r, Basis::Declared))),
            h(&dash(&by_basis(r, Basis::Legal))),
            r.unattributed.to_string(),
            h(worst),
        ];
        body.push_str(&format!(
            "<tr class=\"{}\">{}</tr>\n",
            r.status.as_str(),
            cells
                .iter()
                .map(|c| format!("<td>{c}</td>"))
                .collect::<String>()
        ));
    }
    body.push_str("</tbody></table>\n");
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{SUMMARY_STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n<script>{SORT_SCRIPT}</script>\n</body>\n</html>\n",
        if en { "en" } else { "sv" },
        h(t(
            "Transfer map: all organisations",
            "Överföringskarta: alla organisationer"
        )),
    )
}

/// The bars of `summary.html`: how many organisations depend on each
/// company, per role.
fn concentration_html(summary: &Summary, lang: Lang) -> String {
    use crate::html::escape as h;
    let t = |e: &'static str, v: &'static str| if lang == Lang::En { e } else { v };
    let mut body = String::new();
    body.push_str(&format!(
        "<h2>{}</h2>\n",
        t(
            "Concentration: how many organisations depend on each company",
            "Koncentration: hur många organisationer som är beroende av varje företag"
        )
    ));
    let total = summary.domains.len().max(1);
    for role in Role::ALL {
        let list = summary.ranked(role);
        if list.is_empty() {
            continue;
        }
        body.push_str(&format!(
            "<h3>{}</h3>\n<div class=\"bars\" role=\"list\">\n",
            h(role.words(lang))
        ));
        for (who, n) in list.iter().take(12) {
            let pct = (*n as f64 / total as f64 * 100.0).min(100.0);
            body.push_str(&format!(
                "<div class=\"bar\" role=\"listitem\"><span class=\"who\">{}</span><span class=\"track\"><span class=\"fill\" style=\"width:{pct:.1}%\"></span></span><span class=\"n\">{n}</span></div>\n",
                h(who)
            ));
        }
        if list.len() > 12 {
            body.push_str(&format!(
                "<p class=\"more\">{} {}</p>\n",
                list.len() - 12,
                t("more", "till")
            ));
        }
        body.push_str("</div>\n");
    }
    body
}

fn dash(s: &str) -> String {
    if s.is_empty() {
        "—".into()
    } else {
        s.to_string()
    }
}

/// A domain as a relative URL path: only the characters a domain folder
/// can hold pass; anything else is percent-encoded.
fn url_path(domain: &str) -> String {
    domain
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

const SUMMARY_STYLE: &str = r#"
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1d2430; margin: 0; }
main { margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.5rem; }
table { border-collapse: collapse; font-size: .82rem; width: 100%; }
th, td { border: 1px solid #d9dde3; padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #f3f5f8; cursor: pointer; position: sticky; top: 0; }
th[aria-sort="ascending"]::after { content: " ▲"; }
th[aria-sort="descending"]::after { content: " ▼"; }
tr.partial td, tr.failed td, tr.error td { background: #fff6e0; }
.warn { background: #fff6e0; padding: .4rem .6rem; }
.headline p { font-size: 1rem; max-width: 60rem; }
.bars { max-width: 900px; }
.bar { display: flex; align-items: center; gap: .5rem; margin: .15rem 0; }
.bar .who { flex: 0 0 22rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bar .track { flex: 1; background: #eef1f5; height: .9rem; }
.bar .fill { display: block; height: 100%; background: #3b6ea5; }
.bar .n { flex: 0 0 3rem; text-align: right; }
figure.sweden { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; margin: 0; }
figure.sweden svg { height: 640px; max-height: 90vh; width: auto; }
figure.sweden path { stroke: #fff; stroke-width: .4; }
figure.sweden figcaption { flex: 1 1 18rem; max-width: 32rem; }
.legend { list-style: none; padding: 0; }
.legend li { margin: .2rem 0; }
.swatch { display: inline-block; width: .9rem; height: .9rem; margin-right: .45rem; vertical-align: -.1rem; border: 1px solid #999; }
@media print { th { position: static; } figure.sweden { break-inside: avoid; } figure.sweden svg { height: 22cm; } }
"#;

/// Sorting by a column on click (or Enter): numbers as numbers, text as text.
const SORT_SCRIPT: &str = r#"
(function () {
  var table = document.getElementById("domains");
  if (!table) { return; }
  var heads = table.querySelectorAll("th");
  function sortBy(col, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var asc = th.getAttribute("aria-sort") !== "ascending";
    rows.sort(function (a, b) {
      var x = a.cells[col].textContent.trim(), y = b.cells[col].textContent.trim();
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny) && String(nx) === x && String(ny) === y) ? nx - ny : x.localeCompare(y, document.documentElement.lang);
      return asc ? c : -c;
    });
    heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    rows.forEach(function (r) { body.appendChild(r); });
  }
  heads.forEach(function (th) {
    var col = parseInt(th.getAttribute("data-col"), 10);
    th.addEventListener("click", function () { sortBy(col, th); });
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sortBy(col, th); } });
  });
  // A link can carry its order: summary.html#sort=11 (column 11, ascending).
  var m = /^#sort=(\d+)$/.exec(location.hash);
  if (m && heads[+m[1]]) { sortBy(+m[1], heads[+m[1]]); }
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn row(domain: &str, entity: Option<&str>, gateways: &[&str]) -> DomainRow {
        serde_json::from_value(serde_json::json!({
            "name": null, "domain": domain, "status": "ok", "error": null,
            "services": [], "providers": [], "countries": [], "measured": 0,
            "declared": 0, "legal": 0, "problems": 0, "queries": 0, "worst": null,
            "contracting_entity": entity, "gateways": gateways
        }))
        .unwrap()
    }

    #[test]
    fn the_headline_counts_mailboxes_gateways_and_the_unrecognised() {
        let mut summary: Summary = serde_json::from_value(serde_json::json!({
            "format": "transfermap-summary", "version": 6, "as_of": "2026-12-01",
            "resolver": "x", "domains": [], "providers": {}, "queries_sent": 0,
            "interrupted": false
        }))
        .unwrap();
        summary.domains = vec![
            row("a.se", Some("Microsoft Ireland Operations Ltd"), &["VIPRE"]),
            row("b.se", Some("Microsoft Ireland Operations Ltd"), &[]),
            row("c.se", Some("Google Ireland Limited"), &["VIPRE", "Halon"]),
            row("d.se", None, &[]),
            row("e.se", None, &["mx1.e.se", "mx2.e.se"]),
        ];
        summary.concentration = transfermap_model::summary::concentration(&summary.domains);
        let en = headline(&summary, Lang::En).join(" ");
        assert!(
            en.contains("Of the 5 organisations scanned, the mailboxes are with Microsoft Ireland Operations Ltd (2) and Google Ireland Limited (1)."),
            "{en}"
        );
        assert!(
            en.contains("For 3 of them inbound mail first passes a mail filter or gateway: VIPRE (2), Halon (1), mx1.e.se (1), and 1 more."),
            "{en}"
        );
        assert!(
            en.contains("For 2 no mailbox provider is recognised"),
            "{en}"
        );
        // Nothing recorded about a third country's law: no sentence claims one.
        assert!(!en.contains("third country reaches"), "{en}");
        let sv = headline(&summary, Lang::Sv).join(" ");
        assert!(
            sv.contains("För 3 av dem passerar inkommande e-post först ett e-postfilter: VIPRE (2), Halon (1), mx1.e.se (1), och 1 till."),
            "{sv}"
        );
    }

    #[test]
    fn csv_cells_cannot_become_formulas() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("bollebygd.se"), "bollebygd.se");
    }
}
