//! Running Graphviz's `dot`, bounded: a legal but huge answer (a host with
//! thousands of addresses, an SPF record of thousands of networks) can make
//! `dot` run for many minutes, and one such domain must not stall a batch.
//! Each layout is killed after [`timeout`]; its output is read whole.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::RenderError;

/// What `dot` is asked to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Output {
    Svg,
    Png,
}

/// The default limit on one layout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

static TIMEOUT_MS: AtomicU64 = AtomicU64::new(30_000);

/// Set the limit on one layout for the rest of the process (`--dot-timeout`).
pub fn set_timeout(limit: Duration) {
    let ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX).max(1);
    TIMEOUT_MS.store(ms, Ordering::Relaxed);
}

/// The limit on one layout.
pub fn timeout() -> Duration {
    Duration::from_millis(TIMEOUT_MS.load(Ordering::Relaxed))
}

/// Lay `dot_text` out, or say why not (not installed, failed, too slow).
pub fn layout(dot_text: &str, output: Output) -> Result<Vec<u8>, RenderError> {
    let format = match output {
        Output::Svg => "-Tsvg",
        Output::Png => "-Tpng",
    };
    let mut child = Command::new("dot")
        .arg(format)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| RenderError::Graphviz(format!("cannot run `dot`: {e}")))?;
    let mut stdin = child.stdin.take();
    let input = dot_text.as_bytes().to_vec();
    let writer = std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            let _ = s.write_all(&input);
        }
        // Dropping stdin closes it, so `dot` sees the end of its input.
        drop(stdin);
    });
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut out);
        }
        out
    });
    let mut stderr = child.stderr.take();
    let errors = std::thread::spawn(move || {
        let mut out = String::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.take(4096).read_to_string(&mut out);
        }
        out
    });
    let limit = timeout();
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= limit => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = writer.join();
                let _ = reader.join();
                let _ = errors.join();
                return Err(RenderError::DiagramOmitted(format!(
                    "Graphviz took longer than {} s and was stopped",
                    limit.as_secs_f64()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(RenderError::Graphviz(format!("waiting for `dot`: {e}"))),
        }
    };
    let _ = writer.join();
    let out = reader.join().unwrap_or_default();
    let err = errors.join().unwrap_or_default();
    if !status.success() || out.is_empty() {
        let why = err.lines().next().unwrap_or("no output").trim().to_string();
        return Err(RenderError::Graphviz(format!("`dot` failed: {why}")));
    }
    Ok(out)
}

/// How many distinct pictures a run keeps laid out.
const CACHE_ENTRIES: usize = 512;

type Cache = Mutex<HashMap<(Output, String), Arc<Vec<u8>>>>;

fn cache() -> &'static Cache {
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// [`layout`], but each distinct text is laid out once per run: board-level
/// maps name services, companies and countries only, so municipalities
/// with the same setup share one picture. Failures are not kept.
pub fn layout_cached(dot_text: &str, output: Output) -> Result<Arc<Vec<u8>>, RenderError> {
    let key = (output, dot_text.to_string());
    if let Some(hit) = cache().lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(hit);
    }
    let bytes = Arc::new(layout(dot_text, output)?);
    if let Ok(mut c) = cache().lock() {
        if c.len() >= CACHE_ENTRIES {
            c.clear();
        }
        c.insert(key, bytes.clone());
    }
    Ok(bytes)
}
