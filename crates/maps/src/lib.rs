//! Stage 2a: the knowledge base — countries, adequacy decisions, legal
//! regimes, providers, services, sites, declarations and fingerprints —
//! read from TOML files in `maps/`, validated on load.
//!
//! The shipped maps are embedded in the binary so the tool runs from any
//! directory; `--maps DIR` reads another directory instead.

mod model;
pub mod org;
mod validate;

use foldhash::HashMap;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use include_dir::{Dir, include_dir};

pub use model::*;

use transfermap_model::evidence::MapEntry;

static SHIPPED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../maps");

/// One problem in the maps, located precisely enough to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapsProblem {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for MapsProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(
                f,
                "{}:{}: field `{}`: {}",
                self.file, self.line, self.field, self.message
            )
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MapsError {
    #[error("cannot read maps directory {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the maps are not valid:\n{}", .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<MapsProblem>),
}

/// A TOML file's name (relative to the maps directory) and text.
struct MapFile {
    name: String,
    text: String,
}

/// The loaded, validated knowledge base.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    /// Where the maps came from: `embedded` or a directory.
    pub origin: String,
    pub files: Vec<String>,
    pub countries: BTreeMap<String, Country>,
    pub adequacy: Vec<Adequacy>,
    pub regimes: BTreeMap<String, Regime>,
    pub providers: BTreeMap<String, Provider>,
    pub services: BTreeMap<String, Service>,
    pub sites: BTreeMap<String, Site>,
    pub declarations: Vec<Declaration>,
    pub fingerprints: Vec<Fingerprint>,
    pub subprocessors: Vec<Subprocessor>,
    /// References waiting for every file to be read.
    references_pending: Vec<model::Reference>,
    /// `fingerprints` by the name each pattern names, built on first use.
    fingerprint_index: std::sync::OnceLock<FingerprintIndex>,
}

/// Fingerprints by the lower-cased name their pattern names (`*.suffix`
/// by `suffix`): every name of every domain is matched against them, and
/// trying each of some hundreds in turn was a few per cent of a batch.
#[derive(Debug, Clone, Default)]
struct FingerprintIndex {
    exact: HashMap<String, Vec<usize>>,
    below: HashMap<String, Vec<usize>>,
    /// How many fingerprints it was built over.
    len: usize,
}

impl FingerprintIndex {
    fn new(fingerprints: &[Fingerprint]) -> Self {
        let mut index = FingerprintIndex {
            len: fingerprints.len(),
            ..Default::default()
        };
        for (i, f) in fingerprints.iter().enumerate() {
            let mut pattern = f.pattern.as_str();
            if f.kind == FingerprintKind::TxtPrefix {
                pattern = pattern.trim_end_matches(['=', ':', '_']);
            }
            match pattern.strip_prefix("*.") {
                Some(suffix) => index.below.entry(suffix.to_ascii_lowercase()),
                None => index.exact.entry(pattern.to_ascii_lowercase()),
            }
            .or_default()
            .push(i);
        }
        index
    }

    /// Indices of the fingerprints that may match `value`, in map order.
    fn candidates(&self, value: &str) -> Vec<usize> {
        let name = value.trim_end_matches('.').to_ascii_lowercase();
        let mut out: Vec<usize> = self.exact.get(&name).cloned().unwrap_or_default();
        for (dot, _) in name.match_indices('.') {
            if let Some(v) = self.below.get(&name[dot + 1..]) {
                out.extend(v);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl KnowledgeBase {
    /// The fingerprints that recognise `value` as a name of `kind`
    /// ([`Fingerprint::matches`]), in the order of the maps.
    pub fn fingerprints_matching<'a>(
        &'a self,
        kind: FingerprintKind,
        value: &'a str,
    ) -> impl Iterator<Item = &'a Fingerprint> + 'a {
        let index = self
            .fingerprint_index
            .get_or_init(|| FingerprintIndex::new(&self.fingerprints));
        // A knowledge base changed after its first lookup is searched whole.
        let candidates: Vec<usize> = if index.len == self.fingerprints.len() {
            index.candidates(value)
        } else {
            (0..self.fingerprints.len()).collect()
        };
        candidates
            .into_iter()
            .map(|i| &self.fingerprints[i])
            .filter(move |f| f.matches(kind, value))
    }

    /// The maps shipped inside the binary.
    pub fn embedded() -> Result<Self, MapsError> {
        let mut files = Vec::new();
        collect_embedded(&SHIPPED, &mut files);
        Self::from_files("embedded", files)
    }

    /// The maps in `dir` alone (every `*.toml`, recursively).
    pub fn from_dir(dir: &Path) -> Result<Self, MapsError> {
        let mut files = Vec::new();
        collect_dir(dir, dir, &mut files)?;
        Self::from_files(&dir.display().to_string(), files)
    }

    /// The shipped maps with the user's directory on top: an entry in `dir`
    /// with the id (or, for declarations, fingerprints and sub-processors,
    /// the key) of a shipped one replaces it; everything else is added.
    /// This is how an organisation adds its contracted mail filter or
    /// corrects an entry without copying the whole knowledge base.
    pub fn embedded_with(dir: &Path) -> Result<Self, MapsError> {
        let mut shipped = Vec::new();
        collect_embedded(&SHIPPED, &mut shipped);
        let mut own = Vec::new();
        collect_dir(dir, dir, &mut own)?;
        Self::from_layers(&format!("embedded + {}", dir.display()), vec![shipped, own])
    }

    fn from_files(origin: &str, files: Vec<MapFile>) -> Result<Self, MapsError> {
        Self::from_layers(origin, vec![files])
    }

    fn from_layers(origin: &str, layers: Vec<Vec<MapFile>>) -> Result<Self, MapsError> {
        let mut kb = KnowledgeBase {
            origin: origin.to_string(),
            ..Default::default()
        };
        let mut problems = Vec::new();
        for mut files in layers {
            files.sort_by(|a, b| a.name.cmp(&b.name));
            // Duplicates are errors within a layer; a later layer overrides.
            let mut layer = KnowledgeBase::default();
            for file in &files {
                layer.files.push(file.name.clone());
                match model::parse_file(&file.name, &file.text) {
                    Ok(parsed) => validate::merge(&mut layer, parsed, &mut problems),
                    Err(p) => problems.push(p),
                }
            }
            kb.overlay(layer);
        }
        validate::check_references(&kb, &mut problems);
        validate::check_membership(&kb, &mut problems);
        if problems.is_empty() {
            Ok(kb)
        } else {
            Err(MapsError::Invalid(problems))
        }
    }

    /// Put `layer` on top of `self`.
    fn overlay(&mut self, layer: KnowledgeBase) {
        self.files.extend(layer.files);
        self.countries.extend(layer.countries);
        self.regimes.extend(layer.regimes);
        self.providers.extend(layer.providers);
        self.services.extend(layer.services);
        self.sites.extend(layer.sites);
        let ids: Vec<&String> = layer.adequacy.iter().map(|a| &a.id).collect();
        self.adequacy.retain(|a| !ids.contains(&&a.id));
        self.adequacy.extend(layer.adequacy);
        let keys: Vec<(&String, &String)> = layer
            .declarations
            .iter()
            .map(|d| (&d.service, &d.customers))
            .collect();
        self.declarations
            .retain(|d| !keys.contains(&(&d.service, &d.customers)));
        self.declarations.extend(layer.declarations);
        let keys: Vec<(FingerprintKind, String)> = layer
            .fingerprints
            .iter()
            .map(|f| (f.kind, f.pattern.to_ascii_lowercase()))
            .collect();
        self.fingerprints
            .retain(|f| !keys.contains(&(f.kind, f.pattern.to_ascii_lowercase())));
        self.fingerprints.extend(layer.fingerprints);
        let keys: Vec<(&String, &String)> = layer
            .subprocessors
            .iter()
            .map(|s| (&s.provider, &s.name))
            .collect();
        self.subprocessors
            .retain(|s| !keys.contains(&(&s.provider, &s.name)));
        self.subprocessors.extend(layer.subprocessors);
        self.references_pending.extend(layer.references_pending);
    }

    /// Every provider's, service's and sub-processor's name that a Swedish
    /// report words differently (`name` → `name_sv`; a sub-processor as
    /// the graph names it, with its function).
    pub fn swedish_names(&self) -> Vec<(String, String)> {
        let providers = self.providers.values().map(|p| (&p.name, &p.name_sv));
        let services = self.services.values().map(|s| (&s.name, &s.name_sv));
        let named = providers
            .chain(services)
            .filter_map(|(en, sv)| Some((en.clone(), sv.clone()?)));
        let subprocessors = self
            .subprocessors
            .iter()
            .filter_map(|s| Some((s.label(), s.label_sv()?)));
        named
            .chain(subprocessors)
            .filter(|(en, sv)| en != sv)
            .collect()
    }

    pub fn country_name(&self, code: &str, lang: transfermap_model::Lang) -> String {
        match self.countries.get(code) {
            Some(c) => match lang {
                transfermap_model::Lang::En => c.name_en.clone(),
                transfermap_model::Lang::Sv => c.name_sv.clone(),
            },
            None => code.to_string(),
        }
    }

    /// Is `code` in the EU or EEA on `date`? Unknown countries are not.
    pub fn in_eea(&self, code: &str, date: NaiveDate) -> bool {
        self.countries.get(code).is_some_and(|c| {
            c.eu.as_ref().is_some_and(|p| p.contains(date))
                || c.eea.as_ref().is_some_and(|p| p.contains(date))
        })
    }

    /// Adequacy decisions for `code` in force on `date`.
    pub fn adequacy_on(&self, code: &str, date: NaiveDate) -> Vec<&Adequacy> {
        self.adequacy
            .iter()
            .filter(|a| a.country == code && a.period().contains(date))
            .collect()
    }

    /// The most recent adequacy decision for `code` that ended before `date`.
    pub fn adequacy_ended_before(&self, code: &str, date: NaiveDate) -> Option<&Adequacy> {
        self.adequacy
            .iter()
            .filter(|a| a.country == code && a.until.is_some_and(|u| u < date))
            .max_by_key(|a| a.until)
    }

    /// The chain of a provider and its parents, the provider first (loop-safe).
    pub fn provider_chain(&self, id: &str) -> Vec<&Provider> {
        let mut out: Vec<&Provider> = Vec::new();
        let mut next = self.providers.get(id);
        while let Some(p) = next {
            if out.iter().any(|q| q.id == p.id) {
                break;
            }
            out.push(p);
            next = p
                .parent
                .as_deref()
                .and_then(|parent| self.providers.get(parent));
        }
        out
    }

    /// Whether the provider (or a parent) is DPF-certified on `date`:
    /// `None` when no certification is recorded anywhere in its chain (the
    /// maps know nothing either way), `Some(false)` when recorded periods
    /// miss the date.
    pub fn dpf_certified_on(&self, id: &str, date: NaiveDate) -> Option<bool> {
        let mut recorded = self
            .provider_chain(id)
            .into_iter()
            .filter_map(|p| p.dpf_certified.as_ref())
            .peekable();
        recorded.peek()?;
        Some(recorded.any(|c| c.covers(date)))
    }

    /// Evidence item describing a map entry.
    pub fn entry_evidence(origin: &Origin, entry: &str, id: &str) -> MapEntry {
        MapEntry {
            file: origin.file.clone(),
            line: origin.line,
            entry: entry.to_string(),
            entry_id: id.to_string(),
            source: origin.source.clone(),
            checked: origin.checked,
        }
    }
}

fn collect_embedded(dir: &Dir<'static>, out: &mut Vec<MapFile>) {
    for file in dir.files() {
        if file.path().extension().is_some_and(|e| e == "toml") {
            out.push(MapFile {
                name: format!("maps/{}", file.path().to_string_lossy().replace('\\', "/")),
                text: String::from_utf8_lossy(file.contents()).into_owned(),
            });
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out);
    }
}

fn collect_dir(root: &Path, dir: &Path, out: &mut Vec<MapFile>) -> Result<(), MapsError> {
    let read_err = |source| MapsError::Read {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        if path.is_dir() {
            collect_dir(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).map_err(|source| MapsError::Read {
                path: path.clone(),
                source,
            })?;
            // Named with the folder given, so that an error or a piece of
            // evidence says which file on disk it is.
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let name = root.join(rel).to_string_lossy().replace('\\', "/");
            out.push(MapFile { name, text });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index finds exactly what trying every fingerprint finds, in the
    /// same order, for names made from every shipped pattern: the name
    /// itself, a name below it, the suffix alone, other case, a final dot.
    #[test]
    fn indexed_fingerprints_match_as_trying_each() {
        let kb = KnowledgeBase::embedded().unwrap();
        let kinds = [
            FingerprintKind::Mx,
            FingerprintKind::SpfInclude,
            FingerprintKind::Cname,
            FingerprintKind::Host,
            FingerprintKind::Asn,
            FingerprintKind::DmarcReceiver,
            FingerprintKind::TxtPrefix,
        ];
        let mut names: Vec<String> = vec!["".into(), ".".into(), "a..b".into()];
        for f in &kb.fingerprints {
            let bare = f.pattern.trim_start_matches("*.");
            names.push(bare.to_string());
            names.push(format!("mx1.{bare}"));
            names.push(format!("x.{}.", bare.to_ascii_uppercase()));
            names.push(format!("not{bare}"));
            names.push(f.pattern.trim_end_matches(['=', ':', '_']).to_string());
        }
        let mut found = 0;
        for name in &names {
            for kind in kinds {
                let tried: Vec<&Fingerprint> = kb
                    .fingerprints
                    .iter()
                    .filter(|f| f.matches(kind, name))
                    .collect();
                let indexed: Vec<&Fingerprint> = kb.fingerprints_matching(kind, name).collect();
                assert_eq!(
                    tried.iter().map(|f| &f.pattern).collect::<Vec<_>>(),
                    indexed.iter().map(|f| &f.pattern).collect::<Vec<_>>(),
                    "{kind:?} {name}"
                );
                found += indexed.len();
            }
        }
        assert!(found > kb.fingerprints.len(), "{found}");
    }

    /// A shipped name that carries a description in brackets
    /// (`Zendesk (help desk, support e-mail)`, `… (legal entity not
    /// identified)`) is English prose; a Swedish report needs its own
    /// wording, so every such name has a `name_sv`, and it differs where
    /// the bracket holds words rather than an abbreviation or a domain.
    #[test]
    fn every_shipped_name_with_a_description_has_a_swedish_name() {
        let kb = KnowledgeBase::embedded().unwrap();
        let names = kb
            .providers
            .values()
            .map(|p| (&p.origin, &p.name, &p.name_sv))
            .chain(
                kb.services
                    .values()
                    .map(|s| (&s.origin, &s.name, &s.name_sv)),
            );
        let mut missing = Vec::new();
        let mut checked = 0;
        for (origin, name, sv) in names {
            match sv {
                Some(sv) => {
                    checked += 1;
                    assert!(
                        !sv.trim().is_empty(),
                        "{}:{}: empty name_sv",
                        origin.file,
                        origin.line
                    );
                    assert_eq!(
                        sv.matches('(').count(),
                        sv.matches(')').count(),
                        "{}:{}: unbalanced brackets in {sv:?}",
                        origin.file,
                        origin.line
                    );
                }
                None if name.contains('(') => {
                    missing.push(format!("{}:{}: {name}", origin.file, origin.line))
                }
                None => {}
            }
        }
        // A sub-processor's function is the provider's English words.
        for s in &kb.subprocessors {
            if s.function_sv.as_deref().is_none_or(|f| f.trim().is_empty()) {
                missing.push(format!(
                    "{}:{}: function of {}",
                    s.origin.file, s.origin.line, s.name
                ));
            }
        }
        assert!(
            missing.is_empty(),
            "names without name_sv:\n{}",
            missing.join("\n")
        );
        assert!(checked > 100, "{checked}");
    }
}
