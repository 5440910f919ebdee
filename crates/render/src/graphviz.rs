//! Running Graphviz's `dot`, bounded: a legal but huge answer (a host with
//! thousands of addresses, an SPF record of thousands of networks) can make
//! `dot` run for many minutes, and one such domain must not stall a batch.
//! Each layout is killed after [`timeout`]; its output is read whole.

use foldhash::{HashMap, HashMapExt};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
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
    run_dot(dot_text, output)
}

/// One bounded `dot` process over `dot_text` (one graph or several).
fn run_dot(dot_text: &str, output: Output) -> Result<Vec<u8>, RenderError> {
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
/// The most pictures one `dot` process lays out.
const BATCH: usize = 48;

type Cache = Mutex<HashMap<(Output, String), Arc<Vec<u8>>>>;

fn cache() -> &'static Cache {
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// A picture waiting for a layout, and where its result goes.
struct Job {
    text: String,
    output: Output,
    reply: mpsc::Sender<Result<Arc<Vec<u8>>, RenderError>>,
}

/// The queue of small pictures: a few threads (one per core), each with
/// its own long-lived `dot` ([`Resident`]) that lays out one SVG after
/// another. Starting `dot` (loading its plugins and fonts) costs several
/// times more than laying out a board-level map, so a run pays it once per
/// worker, not once per domain. Each picture is still bounded in time:
/// one that takes too long gets its process killed, and the next picture
/// starts a new one. PNGs, rarely asked for, are laid out many to a
/// process.
fn queue() -> &'static Mutex<mpsc::Sender<Job>> {
    static QUEUE: std::sync::OnceLock<Mutex<mpsc::Sender<Job>>> = std::sync::OnceLock::new();
    QUEUE.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
        for _ in 0..workers {
            let rx = rx.clone();
            std::thread::spawn(move || {
                let mut resident: Option<Resident> = None;
                loop {
                    let jobs = {
                        let Ok(rx) = rx.lock() else { return };
                        let Ok(first) = rx.recv() else { return };
                        let mut jobs = vec![first];
                        while jobs.len() < BATCH {
                            match rx.try_recv() {
                                Ok(j) => jobs.push(j),
                                Err(_) => break,
                            }
                        }
                        jobs
                    };
                    run_jobs(jobs, &mut resident);
                }
            });
        }
        Mutex::new(tx)
    })
}

fn run_jobs(jobs: Vec<Job>, resident: &mut Option<Resident>) {
    let (svgs, pngs): (Vec<Job>, Vec<Job>) =
        jobs.into_iter().partition(|j| j.output == Output::Svg);
    for job in svgs {
        let _ = job
            .reply
            .send(lay_out_resident(resident, &job.text).map(Arc::new));
    }
    if pngs.is_empty() {
        return;
    }
    let texts: Vec<&str> = pngs.iter().map(|j| j.text.as_str()).collect();
    match layout_many(&texts, Output::Png) {
        Ok(outs) => {
            for (j, out) in pngs.iter().zip(outs) {
                let _ = j.reply.send(Ok(Arc::new(out)));
            }
        }
        // One picture that `dot` refuses must not cost the others theirs.
        Err(_) => {
            for j in &pngs {
                let _ = j.reply.send(layout(&j.text, Output::Png).map(Arc::new));
            }
        }
    }
}

/// One SVG from the worker's resident `dot`, starting it when needed. A
/// picture it cannot finish (a syntax error ends `dot`; a crash) is laid
/// out again alone, which gives the real reason; one that takes too long
/// is left out, as with [`layout`].
fn lay_out_resident(resident: &mut Option<Resident>, text: &str) -> Result<Vec<u8>, RenderError> {
    if resident
        .as_ref()
        .is_none_or(|r| r.laid_out >= RESIDENT_PICTURES)
    {
        *resident = Resident::start().ok();
    }
    let Some(dot) = resident.as_mut() else {
        return layout(text, Output::Svg);
    };
    match dot.lay_out(text, timeout()) {
        Ok(svg) => Ok(svg),
        Err(Stop::TooSlow) => {
            *resident = None;
            Err(RenderError::DiagramOmitted(format!(
                "Graphviz took longer than {} s and was stopped",
                timeout().as_secs_f64()
            )))
        }
        Err(Stop::Ended) => {
            *resident = None;
            layout(text, Output::Svg)
        }
    }
}

/// Pictures one resident `dot` lays out before it is replaced, so that
/// nothing it keeps between graphs can grow without bound.
const RESIDENT_PICTURES: usize = 2_000;

/// Why a resident `dot` gave no picture.
enum Stop {
    TooSlow,
    Ended,
}

/// A `dot -Tsvg` that reads graph after graph from one pipe. `dot` writes
/// each graph's SVG as soon as it is laid out; after every picture a tiny
/// numbered end-mark graph is sent, whose title shows where the picture's
/// output ends (an SVG's text is escaped, so the mark cannot appear in a
/// picture's output).
struct Resident {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    chunks: mpsc::Receiver<Vec<u8>>,
    pending: Vec<u8>,
    serial: u64,
    laid_out: usize,
}

impl Resident {
    fn start() -> Result<Self, RenderError> {
        let mut child = Command::new("dot")
            .arg("-Tsvg")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| RenderError::Graphviz(format!("cannot run `dot`: {e}")))?;
        let stdin = child.stdin.take().expect("stdin was piped");
        let mut stdout = child.stdout.take().expect("stdout was piped");
        let (tx, chunks) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match stdout.read(&mut buf) {
                    Ok(0) | Err(_) => {
                        let _ = tx.send(Vec::new());
                        return;
                    }
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        Ok(Resident {
            child,
            stdin,
            chunks,
            pending: Vec::new(),
            serial: 0,
            laid_out: 0,
        })
    }

    fn lay_out(&mut self, text: &str, limit: Duration) -> Result<Vec<u8>, Stop> {
        self.serial += 1;
        self.laid_out += 1;
        let name = format!("transfermap_end_{}", self.serial);
        let input = format!("{text}\ndigraph {name} {{}}\n");
        if self.stdin.write_all(input.as_bytes()).is_err() || self.stdin.flush().is_err() {
            return Err(Stop::Ended);
        }
        let title = format!("<title>{name}</title>");
        let deadline = Instant::now() + limit;
        // Where the search for the title starts: the output arrives in
        // chunks, and each is searched once, not the whole picture again.
        let (mut searched, mut title_at) = (0, None);
        loop {
            if title_at.is_none() {
                let from = searched.min(self.pending.len());
                title_at = find(&self.pending[from..], title.as_bytes()).map(|at| from + at);
                searched = self.pending.len().saturating_sub(title.len());
            }
            if let Some(at) = title_at
                && let Some(close) = find(&self.pending[at..], b"</svg>")
            {
                let mut end = at + close + b"</svg>".len();
                while self.pending.get(end).is_some_and(u8::is_ascii_whitespace) {
                    end += 1;
                }
                // The end mark's own SVG starts at the last XML declaration
                // before its title.
                let mark = rfind(&self.pending[..at], b"<?xml").unwrap_or(0);
                let picture = self.pending[..mark].to_vec();
                self.pending.drain(..end);
                return if find(&picture, b"<svg").is_some() {
                    Ok(picture)
                } else {
                    Err(Stop::Ended)
                };
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Stop::TooSlow);
            }
            match self.chunks.recv_timeout(left) {
                Ok(chunk) if chunk.is_empty() => return Err(Stop::Ended),
                Ok(chunk) => self.pending.extend_from_slice(&chunk),
                Err(mpsc::RecvTimeoutError::Timeout) => return Err(Stop::TooSlow),
                Err(mpsc::RecvTimeoutError::Disconnected) => return Err(Stop::Ended),
            }
        }
    }
}

impl Drop for Resident {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::rfind(haystack, needle)
}

/// Lay several graphs out in one `dot` run; the outputs in input order.
fn layout_many(texts: &[&str], output: Output) -> Result<Vec<Vec<u8>>, RenderError> {
    if texts.len() == 1 {
        return Ok(vec![layout(texts[0], output)?]);
    }
    let all = run_dot(&texts.concat(), output)?;
    let marker: &[u8] = match output {
        Output::Svg => b"<?xml",
        Output::Png => b"\x89PNG\r\n\x1a\n",
    };
    let mut starts: Vec<usize> = all
        .windows(marker.len())
        .enumerate()
        .filter(|(_, w)| *w == marker)
        .map(|(i, _)| i)
        .collect();
    if starts.len() != texts.len() {
        return Err(RenderError::Graphviz(format!(
            "`dot` wrote {} pictures for {} graphs",
            starts.len(),
            texts.len()
        )));
    }
    starts.push(all.len());
    Ok(starts
        .windows(2)
        .map(|w| all[w[0]..w[1]].to_vec())
        .collect())
}

/// [`layout`], but each distinct text is laid out once per run, and the
/// layouts of a batch share `dot` processes ([`queue`]): board-level maps
/// name services, companies and countries only, so organisations with the
/// same setup share one picture. Failures are not kept. For small
/// pictures only: a large one would hold up the others in its process.
pub fn layout_cached(dot_text: &str, output: Output) -> Result<Arc<Vec<u8>>, RenderError> {
    let key = (output, dot_text.to_string());
    if let Some(hit) = cache().lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(hit);
    }
    let (reply, answer) = mpsc::channel();
    let sent = queue().lock().ok().is_some_and(|q| {
        q.send(Job {
            text: dot_text.to_string(),
            output,
            reply,
        })
        .is_ok()
    });
    let bytes = if sent {
        answer
            .recv()
            .map_err(|_| RenderError::Graphviz("the layout queue stopped".into()))??
    } else {
        Arc::new(layout(dot_text, output)?)
    };
    if let Ok(mut c) = cache().lock() {
        if c.len() >= CACHE_ENTRIES {
            c.clear();
        }
        c.insert(key, bytes.clone());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Several graphs in one `dot` run come back split, each its own
    /// picture, in order; the queue gives every caller its own.
    #[test]
    fn graphs_laid_out_together_come_back_apart() {
        let texts: Vec<String> = (0..5)
            .map(|i| format!("digraph g{i} {{ n{i} [label=\"picture {i}\"]; }}\n"))
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let outs = layout_many(&refs, Output::Svg).expect("dot is installed");
        assert_eq!(outs.len(), 5);
        for (i, svg) in outs.iter().enumerate() {
            let svg = String::from_utf8_lossy(svg);
            assert!(svg.contains(&format!("picture {i}")), "{svg}");
            assert_eq!(svg.matches("<svg").count(), 1);
            assert!(svg.trim_end().ends_with("</svg>"));
        }
        let handles: Vec<_> = texts
            .iter()
            .cloned()
            .map(|t| std::thread::spawn(move || layout_cached(&t, Output::Svg)))
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            let svg = h.join().unwrap().expect("laid out");
            assert!(String::from_utf8_lossy(&svg).contains(&format!("picture {i}")));
        }
        // One broken graph among good ones: the good ones are still drawn.
        let (tx, rx) = mpsc::channel();
        let jobs = vec![
            Job {
                text: texts[0].clone(),
                output: Output::Svg,
                reply: tx.clone(),
            },
            Job {
                text: "digraph { ] }".into(),
                output: Output::Svg,
                reply: tx,
            },
        ];
        run_jobs(jobs, &mut None);
        let results: Vec<_> = rx.iter().collect();
        assert!(results[0].is_ok());
        assert!(results[1].is_err());
    }

    /// One resident `dot` gives each picture its own SVG, in turn; a graph
    /// it cannot read ends it, with the reason, and the next picture gets
    /// a new one; a picture over the time limit is left out.
    #[test]
    fn a_resident_dot_lays_out_picture_after_picture() {
        let mut resident = None;
        for i in 0..4 {
            let svg = lay_out_resident(
                &mut resident,
                &format!("digraph g {{ n [label=\"p{i}\"] }}"),
            )
            .expect("laid out");
            let svg = String::from_utf8(svg).unwrap();
            assert_eq!(svg.matches("<svg").count(), 1, "{svg}");
            assert!(svg.contains(&format!(">p{i}<")), "{svg}");
            assert!(!svg.contains("transfermap_end_"), "{svg}");
        }
        let pid = resident.as_ref().map(|r: &Resident| r.child.id());
        assert_eq!(
            resident.as_ref().map(|r| r.laid_out),
            Some(4),
            "one process for all four"
        );
        let err = lay_out_resident(&mut resident, "digraph { ] }").unwrap_err();
        assert!(matches!(err, RenderError::Graphviz(_)), "{err}");
        assert!(err.to_string().contains("syntax"), "{err}");
        let svg = lay_out_resident(&mut resident, "digraph g { after }").expect("a new process");
        assert!(String::from_utf8_lossy(&svg).contains(">after<"));
        assert_ne!(resident.as_ref().map(|r| r.child.id()), pid);
        let dot = resident.as_mut().unwrap();
        assert!(matches!(
            dot.lay_out("digraph g { slow }", Duration::ZERO),
            Err(Stop::TooSlow)
        ));
    }
}
