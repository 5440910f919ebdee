//! `transfermap explain`: the findings of a saved scan that match a
//! filter, each path hop by hop with its evidence and sources, as text for
//! a terminal.

use std::fmt::Write;

use crate::Lang;
use crate::analyse::{Finding, rule};
use crate::maps::KnowledgeBase;
use crate::render::markdown::label_of;
use crate::scan::Scan;

/// Which findings to show; every given filter must match.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// ISO code of the third country reached.
    pub country: Option<String>,
    /// Rule code (`TM103`) or name (`third-country-law`).
    pub rule: Option<String>,
    /// Part of a provider's or service's name, or its id, anywhere on the path.
    pub provider: Option<String>,
}

impl Filter {
    pub fn matches(&self, f: &Finding, scan: &Scan) -> bool {
        if let Some(c) = &self.country
            && !f.country.eq_ignore_ascii_case(c)
        {
            return false;
        }
        if let Some(r) = &self.rule {
            let named = rule(&f.rule);
            if !f.rule.eq_ignore_ascii_case(r) && !named.name.eq_ignore_ascii_case(r) {
                return false;
            }
        }
        if let Some(p) = &self.provider {
            let needle = p.to_lowercase();
            let on_path = f.path.iter().flat_map(|h| [&h.from, &h.to]).any(|key| {
                let is_party = key.starts_with("provider:")
                    || key.starts_with("service:")
                    || key.starts_with("subprocessor:");
                is_party
                    && (key.to_lowercase().contains(&needle)
                        || label_of(scan, key).to_lowercase().contains(&needle))
            });
            if !on_path {
                return false;
            }
        }
        true
    }
}

/// Keep terminal control characters from DNS data off the screen.
pub fn plain(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// The explanation of every matching finding. Returns the text and how
/// many findings matched.
pub fn explain(scan: &Scan, kb: &KnowledgeBase, filter: &Filter, lang: Lang) -> (String, usize) {
    let mut s = String::new();
    let matching: Vec<&Finding> = scan
        .findings
        .iter()
        .filter(|f| filter.matches(f, scan))
        .collect();
    let _ = writeln!(
        s,
        "{} — as of {}: {} of {} findings match",
        plain(crate::render::markdown::shown_domain(scan)),
        scan.as_of,
        matching.len(),
        scan.findings.len()
    );
    for f in &matching {
        let r = rule(&f.rule);
        let _ = writeln!(
            s,
            "\n{} {} {} [{}, {}]",
            f.id,
            f.rule,
            r.name,
            f.severity.label(lang),
            f.basis.label(lang)
        );
        let _ = writeln!(s, "  {}", r.title(lang));
        if !f.country.is_empty() {
            let _ = writeln!(
                s,
                "  → {} ({}): {}",
                kb.country_name(&f.country, lang),
                f.country,
                f.status.describe(lang)
            );
        }
        if let Some(note) = &f.note {
            let _ = writeln!(s, "  {}", plain(note));
        }
        for (i, hop) in f.path.iter().enumerate() {
            let detail = hop
                .detail
                .as_deref()
                .map(|d| format!(" ({})", plain(d)))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "  {}. {} —{}{}→ {}",
                i + 1,
                plain(label_of(scan, &hop.from)),
                hop.edge.label(),
                detail,
                plain(label_of(scan, &hop.to))
            );
            for id in &hop.evidence {
                let line = scan
                    .evidence(*id)
                    .map(|e| e.summary())
                    .unwrap_or_else(|| "(missing)".into());
                let _ = writeln!(s, "       {id}: {}", plain(&line));
            }
        }
    }
    (s, matching.len())
}
