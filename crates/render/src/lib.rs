//! Stage 4: draw what the analysis found. Renderers decide nothing: this
//! crate depends on the data model alone, so it can only present what a
//! [`Scan`] (or a diff, or a summary) says — no knowledge base, no DNS.
//! Everything that came from outside is made visible ([`text::visible`])
//! and escaped for the format it is written into.

pub mod board;
pub mod diff;
pub mod dot;
pub mod explain;
pub mod graphviz;
pub mod html;
pub mod legal;
pub mod localise;
pub mod markdown;
pub mod mermaid;
pub mod register;
pub mod summary;
pub mod sweden;
pub mod text;
pub mod words;

use std::io::Write;
use std::path::Path;

use transfermap_model::Lang;
use transfermap_model::scan::{Scan, scan_json};

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "Graphviz `dot` could not draw the diagram ({0}).\n  transfer-map.dot was written; install Graphviz (Debian/Ubuntu: `apt-get install graphviz`, macOS: `brew install graphviz`) and run `dot -Tsvg transfer-map.dot -o transfer-map.svg`"
    )]
    Graphviz(String),
    #[error(
        "the diagram was left out: {0}. transfer-map.dot was written; the report lists every path"
    )]
    DiagramOmitted(String),
    #[error("cannot serialise the scan: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write the transfer register: {0}")]
    Register(String),
}

/// When a written file is flushed to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flush {
    /// Before the file is renamed into place: a single scan's few files.
    Each,
    /// Not per file; the caller flushes the whole output once at the end
    /// ([`flush_filesystem`]). A batch writes thousands of files, and an
    /// fsync each made the DNS work wait on the disk. Renaming still makes
    /// every file appear whole, so an interrupted run leaves only complete
    /// files; only a power cut before the final flush can lose recent ones,
    /// and `--resume` rescans a domain whose `scan.json` does not parse.
    Later,
}

/// Write a file so that a reader never sees half of it: write a temporary
/// file beside it, flush it to disk, then rename it into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RenderError> {
    write_atomic_with(path, bytes, Flush::Each)
}

/// [`write_atomic`], with the flush chosen by the caller.
pub fn write_atomic_with(path: &Path, bytes: &[u8], flush: Flush) -> Result<(), RenderError> {
    let err = |source| RenderError::Write {
        path: path.display().to_string(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        if flush == Flush::Each {
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}

/// Flush everything written to the filesystem that holds `dir`: one call
/// for a whole batch instead of one fsync per file.
pub fn flush_filesystem(dir: &Path) -> Result<(), RenderError> {
    let err = |source| RenderError::Write {
        path: dir.display().to_string(),
        source,
    };
    let handle = std::fs::File::open(dir).map_err(err)?;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: syncfs only reads the descriptor, which `handle` keeps open.
        if unsafe { libc::syncfs(handle.as_raw_fd()) } != 0 {
            return Err(err(std::io::Error::last_os_error()));
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        // No syncfs: flush the directory itself; the files' data follows
        // the operating system's own write-back.
        handle.sync_all().map_err(err)?;
    }
    Ok(())
}

/// The files a scan can be written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// `scan.json`
    Json,
    /// `report.md`
    Markdown,
    /// `transfer-map.dot` (the board-level map) and `transfer-map-detail.dot`
    Dot,
    /// `transfer-map.svg`, the board-level map (needs Graphviz)
    Svg,
    /// `transfer-map.png`, the board-level map (needs Graphviz)
    Png,
    /// `transfer-map-detail.svg`, every host, network and record (needs
    /// Graphviz); also drawn in report.html's appendix
    Detail,
    /// `transfer-map.mmd` (Mermaid flowchart)
    Mermaid,
    /// `report.html`: one self-contained file, diagram embedded, prints as an annex
    Html,
    /// `transfer-register.csv` and `transfer-register.xlsx`: one row per
    /// recipient, country and kind of data
    Register,
}

impl Format {
    pub const ALL: [Format; 9] = [
        Format::Register,
        Format::Json,
        Format::Markdown,
        Format::Dot,
        Format::Svg,
        Format::Png,
        Format::Detail,
        Format::Mermaid,
        Format::Html,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            Format::Json => "scan.json",
            Format::Markdown => "report.md",
            Format::Dot => "transfer-map.dot",
            Format::Svg => "transfer-map.svg",
            Format::Png => "transfer-map.png",
            Format::Detail => "transfer-map-detail.svg",
            Format::Mermaid => "transfer-map.mmd",
            Format::Html => "report.html",
            Format::Register => REGISTER_CSV,
        }
    }
}

impl Format {
    /// Whether writing this format runs Graphviz (the report page inlines
    /// the SVG).
    pub fn needs_graphviz(self) -> bool {
        matches!(
            self,
            Format::Svg | Format::Png | Format::Html | Format::Detail
        )
    }
}

/// What [`write_outputs`] did.
#[derive(Debug, Default)]
pub struct Written {
    pub files: Vec<&'static str>,
    /// Set when the diagram could not be drawn or was left out; everything
    /// else was written.
    pub svg_error: Option<RenderError>,
    /// Set when the detailed map could not be drawn or was left out.
    pub detail_error: Option<RenderError>,
}

/// The transfer register's files, written with the `register` format.
pub const REGISTER_CSV: &str = "transfer-register.csv";
pub const REGISTER_XLSX: &str = "transfer-register.xlsx";

/// The detailed map's DOT file, written with the `dot` format.
pub const DETAIL_DOT: &str = "transfer-map-detail.dot";

/// Write the chosen formats of a scan into `dir` (created if missing), each
/// file atomically. `scan.json` is written first, before any rendering, so
/// that a scan is never lost to a diagram that takes too long; Graphviz
/// runs last, bounded in time and size ([`graphviz`]).
pub fn write_outputs(
    scan: &Scan,
    lang: Lang,
    dir: &Path,
    formats: &[Format],
    flush: Flush,
) -> Result<Written, RenderError> {
    let write_atomic = |path: &Path, bytes: &[u8]| write_atomic_with(path, bytes, flush);
    std::fs::create_dir_all(dir).map_err(|source| RenderError::Write {
        path: dir.display().to_string(),
        source,
    })?;
    let mut written = Written::default();
    let wants = |f: Format| formats.contains(&f);
    if wants(Format::Json) {
        write_atomic(&dir.join(Format::Json.file_name()), &scan_json(scan)?)?;
        written.files.push(Format::Json.file_name());
    }
    // Everything after scan.json names things in the report's language.
    let localised = localise::scan(scan, lang);
    let scan: &Scan = &localised;
    let report =
        (wants(Format::Markdown) || wants(Format::Html)).then(|| markdown::report(scan, lang));
    if let Some(report) = report.as_ref().filter(|_| wants(Format::Markdown)) {
        write_atomic(&dir.join(Format::Markdown.file_name()), report.as_bytes())?;
        written.files.push(Format::Markdown.file_name());
    }
    if wants(Format::Register) {
        let rows = register::rows(scan, lang);
        write_atomic(&dir.join(REGISTER_CSV), &register::csv(&rows, lang)?)?;
        written.files.push(REGISTER_CSV);
        write_atomic(&dir.join(REGISTER_XLSX), &register::xlsx(&rows, lang)?)?;
        written.files.push(REGISTER_XLSX);
    }
    if wants(Format::Mermaid) {
        write_atomic(
            &dir.join(Format::Mermaid.file_name()),
            mermaid::to_mermaid(scan, lang).as_bytes(),
        )?;
        written.files.push(Format::Mermaid.file_name());
    }
    // The board-level map: small, and the same for every organisation with
    // the same setup, so each distinct picture is laid out once per run.
    let mut board_svg = None;
    if wants(Format::Dot) || wants(Format::Svg) || wants(Format::Png) || wants(Format::Html) {
        let text = board::board(scan, lang);
        if wants(Format::Dot) {
            write_atomic(&dir.join(Format::Dot.file_name()), text.as_bytes())?;
            written.files.push(Format::Dot.file_name());
        }
        if wants(Format::Svg) || wants(Format::Html) {
            match graphviz::layout_cached(&text, graphviz::Output::Svg) {
                Ok(bytes) => {
                    if wants(Format::Svg) {
                        write_atomic(&dir.join(Format::Svg.file_name()), &bytes)?;
                        written.files.push(Format::Svg.file_name());
                    }
                    board_svg = Some(bytes);
                }
                Err(e) => written.svg_error = Some(e),
            }
        }
        if wants(Format::Png) && written.svg_error.is_none() {
            match graphviz::layout_cached(&text, graphviz::Output::Png) {
                Ok(bytes) => {
                    write_atomic(&dir.join(Format::Png.file_name()), &bytes)?;
                    written.files.push(Format::Png.file_name());
                }
                Err(e) => written.svg_error = Some(e),
            }
        }
    }
    // The detailed map: every host, network and record of this domain.
    let mut detail_svg = None;
    if wants(Format::Dot) || wants(Format::Detail) {
        let diagram = dot::diagram(scan, lang);
        if wants(Format::Dot) {
            write_atomic(&dir.join(DETAIL_DOT), diagram.text.as_bytes())?;
            written.files.push(DETAIL_DOT);
        }
        if wants(Format::Detail) {
            let drawn = match &diagram.too_large {
                Some(why) => Err(RenderError::DiagramOmitted(why.clone())),
                None => graphviz::layout(&diagram.text, graphviz::Output::Svg),
            };
            match drawn {
                Ok(bytes) => {
                    write_atomic(&dir.join(Format::Detail.file_name()), &bytes)?;
                    written.files.push(Format::Detail.file_name());
                    detail_svg = Some(bytes);
                }
                Err(e) => written.detail_error = Some(e),
            }
        }
    }
    if let Some(report) = report.as_ref().filter(|_| wants(Format::Html)) {
        let title = format!("{} — {}", markdown::shown_domain(scan), scan.as_of);
        let caption = match (&written.svg_error, lang) {
            (None, Lang::En) => format!(
                "{}: who holds the mail, under which law, and the third countries it can reach on {}. Every host and record is in the detailed map.",
                markdown::shown_domain(scan),
                scan.as_of
            ),
            (None, Lang::Sv) => format!(
                "{}: vem som har e-posten, under vilken lag, och de tredjeländer den kan nå den {}. Varje värd och post finns i den detaljerade kartan.",
                markdown::shown_domain(scan),
                scan.as_of
            ),
            (Some(e), _) => e.to_string(),
        };
        let detail = match (&detail_svg, &written.detail_error, lang) {
            (Some(svg), _, _) => html::Detail::Drawn(svg),
            (None, Some(e), _) => html::Detail::Omitted(e.to_string()),
            (None, None, Lang::En) => html::Detail::Omitted(format!(
                "The detailed map was not drawn in this run; it is in {DETAIL_DOT} (draw it with `dot -Tsvg {DETAIL_DOT}`, or scan with --format including `detail`)."
            )),
            (None, None, Lang::Sv) => html::Detail::Omitted(format!(
                "Den detaljerade kartan ritades inte i den här körningen; den finns i {DETAIL_DOT} (rita den med `dot -Tsvg {DETAIL_DOT}`, eller skanna med --format som innehåller `detail`)."
            )),
        };
        let page = html::page(
            &title,
            report,
            board_svg.as_deref().map(|b| b.as_slice()),
            &caption,
            Some(&detail),
            lang,
        );
        write_atomic(&dir.join(Format::Html.file_name()), page.as_bytes())?;
        written.files.push(Format::Html.file_name());
    }
    Ok(written)
}
