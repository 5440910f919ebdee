//! Rendering a [`Diff`]: a diagram with added, removed and unchanged parts
//! drawn differently, and a Markdown report (which also feeds the HTML).

use std::fmt::Write;

use super::dot::DotWriter;
use super::markdown::escape;
use crate::legal::describe;
use crate::words;
use transfermap_model::Lang;
use transfermap_model::diff::{Change, Diff, Item};

fn colour(change: Change) -> (&'static str, &'static str) {
    match change {
        Change::Added => ("#2e7d32", "bold"),
        Change::Removed => ("#c62828", "dashed"),
        Change::Changed => ("#ef6c00", "bold"),
        Change::Unchanged => ("#9e9e9e", "solid"),
    }
}

/// The union of both graphs; the colour and style say what changed.
pub fn to_dot(diff: &Diff, lang: Lang) -> String {
    let title = match lang {
        Lang::En => format!(
            "{}: {} (as of {}) → {} (as of {})",
            diff.after.domain,
            diff.before.scanned.format("%Y-%m-%d"),
            diff.before.as_of,
            diff.after.scanned.format("%Y-%m-%d"),
            diff.after.as_of
        ),
        Lang::Sv => format!(
            "{}: {} (per {}) → {} (per {})",
            diff.after.domain,
            diff.before.scanned.format("%Y-%m-%d"),
            diff.before.as_of,
            diff.after.scanned.format("%Y-%m-%d"),
            diff.after.as_of
        ),
    };
    let mut w = DotWriter::digraph("transfermap_diff");
    w.set("rankdir", "LR");
    w.set("label", &title);
    w.set("labelloc", "t");
    w.set("fontname", "Helvetica");
    w.defaults(
        "node",
        &[
            ("fontname", "Helvetica"),
            ("fontsize", "10"),
            ("shape", "box"),
        ],
    );
    w.defaults("edge", &[("fontname", "Helvetica"), ("fontsize", "8")]);
    for n in &diff.nodes {
        let (c, style) = colour(n.change);
        w.node(
            &n.key,
            &[
                ("label", n.label.as_str()),
                ("color", c),
                ("fontcolor", c),
                ("style", style),
                ("tooltip", n.key.as_str()),
            ],
        );
    }
    for e in &diff.edges {
        let Some(edge) = &e.edge else {
            continue;
        };
        let (c, style) = colour(e.change);
        w.edge(
            &edge.from.to_string(),
            &edge.to.to_string(),
            &[
                ("label", edge.kind.label()),
                ("color", c),
                ("fontcolor", c),
                ("style", style),
            ],
        );
    }
    let t = |en: &'static str, sv: &'static str| if lang == Lang::En { en } else { sv };
    w.open(format_args!("cluster_legend"));
    w.set("label", t("Legend", "Teckenförklaring"));
    for (i, (change, text)) in [
        (Change::Added, t("added", "tillkommit")),
        (Change::Removed, t("removed", "borttaget")),
        (Change::Unchanged, t("unchanged", "oförändrat")),
    ]
    .into_iter()
    .enumerate()
    {
        let (c, style) = colour(change);
        w.node(
            &format!("legend:{i}"),
            &[
                ("label", text),
                ("color", c),
                ("fontcolor", c),
                ("style", style),
            ],
        );
    }
    w.close();
    w.finish()
}

fn section(s: &mut String, title: &str, items: &[Item], lang: Lang) {
    let changed: Vec<&Item> = items
        .iter()
        .filter(|i| i.change != Change::Unchanged)
        .collect();
    let unchanged = items.len() - changed.len();
    let _ = writeln!(s, "## {title}\n");
    if changed.is_empty() {
        let _ = writeln!(
            s,
            "{}\n",
            match lang {
                Lang::En => format!("No change ({unchanged} unchanged)."),
                Lang::Sv => format!("Ingen förändring ({unchanged} oförändrade)."),
            }
        );
        return;
    }
    for i in &changed {
        let mark = match (i.change, lang) {
            (Change::Added, Lang::En) => "**added**",
            (Change::Added, Lang::Sv) => "**nya**",
            (Change::Removed, Lang::En) => "**removed**",
            (Change::Removed, Lang::Sv) => "**borttagna**",
            (Change::Changed, Lang::En) => "**changed**",
            (Change::Changed, Lang::Sv) => "**ändrat**",
            (Change::Unchanged, _) => "",
        };
        let mut detail = String::new();
        if let Some(c) = &i.changed {
            if let Some((b, a)) = &c.status {
                let what = if lang == Lang::En {
                    "legal status"
                } else {
                    "rättsläge"
                };
                detail.push_str(&format!(
                    " — {what}: {} → {}",
                    escape(&describe(b, lang)),
                    escape(&describe(a, lang))
                ));
            }
            if let Some((b, a)) = c.severity {
                let what = if lang == Lang::En {
                    "severity"
                } else {
                    "allvarlighetsgrad"
                };
                detail.push_str(&format!(
                    " — {what}: {} → {}",
                    words::severity(b, lang),
                    words::severity(a, lang)
                ));
            }
        }
        let _ = writeln!(s, "- {mark}: {}{detail}", item_label(i));
    }
    let _ = writeln!(
        s,
        "\n{}\n",
        match lang {
            Lang::En => format!("({unchanged} unchanged.)"),
            Lang::Sv => format!("({unchanged} oförändrade.)"),
        }
    );
}

/// An item as one line: a finding by its rule, country and where it enters.
fn item_label(i: &Item) -> String {
    match &i.finding {
        Some(f) => {
            let to = if f.countries.is_empty() {
                f.country
                    .as_deref()
                    .map(|c| format!(" → {c}"))
                    .unwrap_or_default()
            } else {
                format!(" → {}", f.countries.join(", "))
            };
            let what = match &f.party {
                Some(p) => escape(p),
                None if f.subject == f.entry => escape(&f.entry),
                None => format!("{} ({})", escape(&f.entry), escape(&f.subject)),
            };
            format!("{} {}{to}: {what}", f.rule, f.rule.name())
        }
        None => escape(&i.label),
    }
}

/// When a side was scanned, and the date its legal status is judged on.
fn dates(scan: &transfermap_model::scan::Scan, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "scanned {}, legal status as of {}",
            scan.started.format("%Y-%m-%d"),
            scan.as_of
        ),
        Lang::Sv => format!(
            "skannad {}, rättsläge per {}",
            scan.started.format("%Y-%m-%d"),
            scan.as_of
        ),
    }
}

/// One side in a sentence: who holds the mail, the law over it and its
/// status on that side's date, and how many third countries paths reach.
pub fn side_sentence(scan: &transfermap_model::scan::Scan, lang: Lang) -> String {
    use crate::legal::describe;
    let en = lang == Lang::En;
    let mut parts: Vec<String> = Vec::new();
    let holder = scan.mail_holder();
    if let Some((h, entity)) = holder.and_then(|h| Some((h, h.entity?))) {
        let subject = h.law_party.unwrap_or(entity);
        let service = &h.mailbox.service;
        if subject.laws.is_empty() {
            parts.push(if en {
                format!("all mail in {service}, with {}", entity.name)
            } else {
                format!("all e-post i {service}, hos {}", entity.name)
            });
        } else {
            let laws: Vec<&str> = subject
                .laws
                .iter()
                .map(|l| l.split(" (").next().unwrap_or(l))
                .collect();
            let country = subject
                .country
                .as_deref()
                .map(|c| scan.country_name(c, lang))
                .unwrap_or_default();
            let whose = if subject.name == entity.name {
                if en {
                    "which is".to_string()
                } else {
                    "som".to_string()
                }
            } else if en {
                format!("whose {country} parent {} is", subject.name)
            } else {
                format!("vars moderbolag {} ({country})", subject.name)
            };
            parts.push(if en {
                format!(
                    "all mail in {service}, with {}, {whose} under {}",
                    entity.name,
                    laws.join(" and ")
                )
            } else {
                format!(
                    "all e-post i {service}, hos {}, {whose} lyder under {}",
                    entity.name,
                    laws.join(" och ")
                )
            });
            if let Some(d) = h.law_destination {
                parts.push(if en {
                    format!("on {}: {}", scan.as_of, describe(&d.status, lang))
                } else {
                    format!("den {}: {}", scan.as_of, describe(&d.status, lang))
                });
            }
        }
    }
    let mut countries: Vec<&str> = scan
        .destinations
        .iter()
        .map(|d| d.country.as_str())
        .collect();
    countries.sort();
    countries.dedup();
    parts.push(match (countries.len(), en) {
        (0, true) => "no path to a third country".to_string(),
        (0, false) => "ingen väg till tredjeland".to_string(),
        (n, true) => format!(
            "paths reach {n} third {}",
            if n == 1 { "country" } else { "countries" }
        ),
        (n, false) => format!(
            "vägar når {n} {}",
            if n == 1 {
                "tredjeland"
            } else {
                "tredjeländer"
            }
        ),
    });
    let mut text = parts.join("; ");
    if let Some(first) = text.get(..1) {
        text = first.to_uppercase() + &text[1..];
    }
    text
}

pub fn to_markdown(diff: &Diff, lang: Lang) -> String {
    to_markdown_with(diff, None, lang)
}

/// The diff as Markdown; with both scans, it opens with one sentence per
/// side saying what changed for the board.
pub fn to_markdown_with(
    diff: &Diff,
    scans: Option<(
        &transfermap_model::scan::Scan,
        &transfermap_model::scan::Scan,
    )>,
    lang: Lang,
) -> String {
    let mut s = String::new();
    let count = |items: &[Item], c: Change| items.iter().filter(|i| i.change == c).count();
    let (title, before, after) = match lang {
        Lang::En => ("What changed", "Before", "After"),
        Lang::Sv => ("Vad som ändrats", "Före", "Efter"),
    };
    let _ = writeln!(s, "# {title}: {}\n", escape(&diff.after.domain));
    if let Some((b, a)) = scans {
        let _ = writeln!(
            s,
            "**{before}** ({}): {}.\n\n**{after}** ({}): {}.\n",
            dates(b, lang),
            escape(&side_sentence(b, lang)),
            dates(a, lang),
            escape(&side_sentence(a, lang)),
        );
    }
    let _ = writeln!(
        s,
        "- {before}: {} ({} {}, {})\n- {after}: {} ({} {}, {})\n",
        escape(&diff.before.domain),
        if lang == Lang::En {
            "scanned"
        } else {
            "skannad"
        },
        diff.before.scanned.format("%Y-%m-%d"),
        diff.before.as_of,
        escape(&diff.after.domain),
        if lang == Lang::En {
            "scanned"
        } else {
            "skannad"
        },
        diff.after.scanned.format("%Y-%m-%d"),
        diff.after.as_of,
    );
    let f = &diff.findings;
    let _ = writeln!(
        s,
        "{}\n",
        match lang {
            Lang::En => format!(
                "Findings: {} added, {} removed, {} changed, {} unchanged. Flows: {} added, {} removed.",
                count(f, Change::Added),
                count(f, Change::Removed),
                count(f, Change::Changed),
                count(f, Change::Unchanged),
                count(&diff.flows, Change::Added),
                count(&diff.flows, Change::Removed)
            ),
            Lang::Sv => format!(
                "Fynd: {} nya, {} borttagna, {} ändrade, {} oförändrade. Flöden: {} nya, {} borttagna.",
                count(f, Change::Added),
                count(f, Change::Removed),
                count(f, Change::Changed),
                count(f, Change::Unchanged),
                count(&diff.flows, Change::Added),
                count(&diff.flows, Change::Removed)
            ),
        }
    );
    let titles: [(&str, &str, &[Item]); 5] = [
        ("Findings", "Fynd", &diff.findings),
        ("Data flows", "Dataflöden", &diff.flows),
        ("Providers", "Leverantörer", &diff.providers),
        ("Sites", "Platser", &diff.sites),
        ("Sub-processors", "Underbiträden", &diff.subprocessors),
    ];
    for (en, sv, items) in titles {
        section(&mut s, if lang == Lang::En { en } else { sv }, items, lang);
    }
    s
}

/// What [`write_diff_outputs`] wrote.
#[derive(Debug, Default)]
pub struct DiffWritten {
    pub files: Vec<&'static str>,
    /// Set when the diagram could not be drawn; everything else was written.
    pub svg_error: Option<crate::RenderError>,
}

/// Write `diff.json`, `diff.md`, `diff.dot`, `diff.svg` (when Graphviz
/// draws it in time) and `diff.html` into `dir`, each atomically.
pub fn write_diff_outputs(
    diff: &Diff,
    scans: Option<(
        &transfermap_model::scan::Scan,
        &transfermap_model::scan::Scan,
    )>,
    lang: Lang,
    dir: &std::path::Path,
) -> Result<DiffWritten, crate::RenderError> {
    use crate::{RenderError, write_atomic};
    std::fs::create_dir_all(dir).map_err(|source| RenderError::Write {
        path: dir.display().to_string(),
        source,
    })?;
    let mut out = DiffWritten::default();
    let mut json = serde_json::to_vec_pretty(diff)?;
    json.push(b'\n');
    write_atomic(&dir.join("diff.json"), &json)?;
    out.files.push("diff.json");
    // Everything after diff.json names things in the report's language.
    let (localised, localised_scans) = crate::localise::diff(diff, scans, lang);
    let diff: &Diff = &localised;
    let scans = localised_scans.as_ref().map(|(b, a)| (&**b, &**a));
    let md = to_markdown_with(diff, scans, lang);
    write_atomic(&dir.join("diff.md"), md.as_bytes())?;
    out.files.push("diff.md");
    let dot_text = to_dot(diff, lang);
    write_atomic(&dir.join("diff.dot"), dot_text.as_bytes())?;
    out.files.push("diff.dot");
    let svg = if diff.nodes.len() > crate::dot::MAX_DRAWN_NODES
        || diff.edges.len() > crate::dot::MAX_DRAWN_EDGES
    {
        Err(RenderError::DiagramOmitted(format!(
            "{} nodes and {} edges are more than a readable diagram holds",
            diff.nodes.len(),
            diff.edges.len()
        )))
    } else {
        crate::graphviz::layout(&dot_text, crate::graphviz::Output::Svg)
    };
    if let Ok(bytes) = &svg {
        write_atomic(&dir.join("diff.svg"), bytes)?;
        out.files.push("diff.svg");
    }
    let caption = match lang {
        Lang::En => "Green: added · red, dashed: removed · grey: unchanged.",
        Lang::Sv => "Grönt: nya · rött, streckat: borttagna · grått: oförändrade.",
    };
    let mut page = crate::html::page(
        &format!("{} — diff", diff.after.domain),
        &md,
        svg.as_ref().ok().map(|v| v.as_slice()),
        caption,
        None,
        lang,
    );
    // The two board-level maps side by side, each with its dates, after
    // the opening sentences.
    if let Some((b, a)) = scans {
        let figure = |scan: &transfermap_model::scan::Scan, side: &str| {
            let text = crate::board::board(scan, lang);
            match crate::graphviz::layout_cached(&text, crate::graphviz::Output::Svg) {
                Ok(svg) => format!(
                    "<figure class=\"map side\"><figcaption>{}</figcaption>{}</figure>",
                    crate::html::escape(&format!("{side} — {}", dates(scan, lang))),
                    crate::html::inline_svg(&svg)
                ),
                Err(e) => format!("<p>{}</p>", crate::html::escape(&e.to_string())),
            }
        };
        let (bw, aw) = match lang {
            Lang::En => ("Before", "After"),
            Lang::Sv => ("Före", "Efter"),
        };
        let pair = format!(
            "<div class=\"side-by-side\">{}{}</div>",
            figure(b, bw),
            figure(a, aw)
        );
        if let Some(at) = page.find("<h2") {
            page.insert_str(at, &pair);
        }
    }
    write_atomic(&dir.join("diff.html"), page.as_bytes())?;
    out.files.push("diff.html");
    out.svg_error = svg.err();
    Ok(out)
}
