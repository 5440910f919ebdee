//! `transfermap explain`: the findings of a saved scan that match a
//! filter, each path hop by hop with its evidence and sources, as text for
//! a terminal.

use std::fmt::Write;

use crate::legal::describe;
use crate::markdown::{label_of, shown_domain};
use crate::text::plain;
use crate::words;
use transfermap_model::Lang;
use transfermap_model::finding::{Finding, RuleCode};
use transfermap_model::scan::Scan;

/// Which findings to show; every given filter must match.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// ISO code of the third country reached.
    pub country: Option<String>,
    pub rule: Option<RuleCode>,
    /// Part of a provider's or service's name, or its id, anywhere on the path.
    pub provider: Option<String>,
}

impl Filter {
    pub fn matches(&self, f: &Finding, scan: &Scan) -> bool {
        if let Some(c) = &self.country
            && !f.countries().iter().any(|x| x.eq_ignore_ascii_case(c))
        {
            return false;
        }
        if let Some(r) = self.rule
            && f.rule != r
        {
            return false;
        }
        if let Some(p) = &self.provider {
            let needle = p.to_lowercase();
            let on_path = f
                .occurrences()
                .flat_map(|o| o.path.iter())
                .flat_map(|h| [&h.from, &h.to])
                .chain(f.occurrences().filter_map(|o| o.party))
                .any(|key| {
                    let is_party = key.is_party()
                        || matches!(key, transfermap_model::key::NodeKey::Service(_));
                    is_party
                        && (key.to_string().to_lowercase().contains(&needle)
                            || label_of(scan, key).to_lowercase().contains(&needle))
                });
            if !on_path {
                return false;
            }
        }
        true
    }
}

/// The explanation of every matching finding. Returns the text and how
/// many findings matched.
pub fn explain(scan: &Scan, filter: &Filter, lang: Lang) -> (String, usize) {
    let localised = crate::localise::scan(scan, lang);
    let scan: &Scan = &localised;
    let mut s = String::new();
    let matching: Vec<&Finding> = scan
        .findings
        .iter()
        .filter(|f| filter.matches(f, scan))
        .collect();
    let (domain, n, of) = (
        plain(shown_domain(scan)),
        matching.len(),
        scan.findings.len(),
    );
    let _ = match lang {
        Lang::En => writeln!(
            s,
            "{domain} — as of {}: {n} of {of} findings match",
            scan.as_of
        ),
        Lang::Sv => writeln!(
            s,
            "{domain} — rättsläge per {}: {n} av {of} fynd matchar",
            scan.as_of
        ),
    };
    for f in &matching {
        let _ = writeln!(
            s,
            "\n{} {} {} [{}, {}]",
            f.id,
            f.rule,
            f.rule.name(),
            words::severity(f.severity, lang),
            words::basis(f.basis, lang)
        );
        let _ = writeln!(s, "  {}", words::rule_title(f.rule, lang));
        let parties = crate::markdown::party_labels(scan, f);
        if !parties.is_empty() {
            let _ = writeln!(s, "  {}", plain(&parties.join(", ")));
        }
        if let Some(note) = &f.note {
            let _ = writeln!(s, "  {}", plain(&words::note(note, lang)));
        }
        let many = !f.also.is_empty();
        for (n, o) in f.occurrences().enumerate() {
            if let (Some(c), Some(st)) = (o.country, o.status) {
                let _ = writeln!(
                    s,
                    "  {}→ {} ({}): {}",
                    if many {
                        format!("[{}] ", n + 1)
                    } else {
                        String::new()
                    },
                    plain(&scan.country_name(c, lang)),
                    plain(c),
                    describe(st, lang)
                );
            } else if many {
                let _ = writeln!(s, "  [{}]", n + 1);
            }
            if n > 0
                && let Some(note) = o.note
            {
                let _ = writeln!(s, "  {}", plain(&words::note(note, lang)));
            }
            for (i, hop) in o.path.iter().enumerate() {
                let mut detail = hop
                    .detail
                    .as_deref()
                    .map(|d| format!(" ({})", plain(d)))
                    .unwrap_or_default();
                if let Some(inf) = &hop.inference {
                    detail = format!("{detail} [{}]", plain(&words::inference(inf, lang)));
                }
                let _ = writeln!(
                    s,
                    "  {}. {} —{}{}→ {}",
                    i + 1,
                    plain(&label_of(scan, &hop.from)),
                    crate::words::edge(hop.edge, lang),
                    detail,
                    plain(&label_of(scan, &hop.to))
                );
                for id in hop.evidence.iter() {
                    let line = scan
                        .evidence(id)
                        .map(|e| e.summary(&scan.geodata))
                        .unwrap_or_else(|| match lang {
                            Lang::En => "(missing)".into(),
                            Lang::Sv => "(saknas)".into(),
                        });
                    let _ = writeln!(s, "       {id}: {}", plain(&line));
                }
            }
        }
    }
    (s, matching.len())
}
