//! Stage 4: draw what the analysis found. Renderers decide nothing; they
//! only present the scan. Everything that came from DNS is escaped for the
//! format it is written into.

pub mod dot;
pub mod markdown;

use std::io::Write;
use std::path::Path;

use crate::scan::Scan;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "Graphviz `dot` could not draw the SVG ({0}).\n  transfer-map.dot was written; install Graphviz (Debian/Ubuntu: `apt-get install graphviz`, macOS: `brew install graphviz`) and run `dot -Tsvg transfer-map.dot -o transfer-map.svg`"
    )]
    Graphviz(String),
    #[error("cannot serialise the scan: {0}")]
    Json(#[from] serde_json::Error),
}

/// Write a file so that a reader never sees half of it: write a temporary
/// file beside it, flush it to disk, then rename it into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RenderError> {
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
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}

pub fn scan_json(scan: &Scan) -> Result<Vec<u8>, RenderError> {
    let mut out = serde_json::to_vec_pretty(scan)?;
    out.push(b'\n');
    Ok(out)
}

/// Read a `scan.json` back, checking its format and version.
pub fn read_scan(text: &str) -> Result<Scan, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let format = value.get("format").and_then(|v| v.as_str()).unwrap_or("");
    if format != crate::scan::SCAN_FORMAT {
        return Err(format!("not a transfermap scan (format is `{format}`)"));
    }
    let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
    if version != u64::from(crate::scan::SCAN_FORMAT_VERSION) {
        return Err(format!(
            "scan format version {version} is not supported (this build reads version {})",
            crate::scan::SCAN_FORMAT_VERSION
        ));
    }
    serde_json::from_value(value).map_err(|e| format!("malformed scan: {e}"))
}
