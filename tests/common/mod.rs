//! Test harness: an authoritative DNS server on loopback serving the zone
//! files under `tests/zones/`, and the real `transfermap` binary run
//! against it.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use serde_json::Value;
use transfermap::dns::zone_server::{ZoneServer, expand_zone_paths};

pub fn zones(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/zones")
        .join(dir)
}

pub fn example(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(dir)
}

/// A hickory-server on 127.0.0.1 serving one fixture directory. Its own
/// runtime keeps serving while the test runs the binary.
pub struct DnsFixture {
    runtime: tokio::runtime::Runtime,
    server: Option<ZoneServer>,
}

impl DnsFixture {
    pub fn start(dir: &Path) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let files = expand_zone_paths(&[dir.to_path_buf()]).expect("zone files");
        let server = runtime
            .block_on(ZoneServer::start(&files))
            .expect("zone server");
        Self {
            runtime,
            server: Some(server),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.as_ref().expect("running").addr()
    }
}

impl Drop for DnsFixture {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.runtime.block_on(s.shutdown());
        }
    }
}

/// What one run of the binary left behind.
pub struct Run {
    pub output: Output,
    pub out: tempfile::TempDir,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.out.path().join(name))
            .unwrap_or_else(|e| panic!("{name} missing: {e}\nstderr: {}", self.stderr()))
    }

    /// `scan.json`, checked to read back as a scan (the exchange format
    /// between commands must round-trip) and against its schema.
    pub fn scan(&self) -> Value {
        self.scan_at("scan.json")
    }

    /// A `scan.json` under the output folder (`example.se/scan.json` in a
    /// batch), checked like [`Run::scan`].
    pub fn scan_at(&self, name: &str) -> Value {
        read_scan_file(&self.out.path().join(name))
    }

    /// `summary.json` of a batch, checked against its schema.
    pub fn summary(&self) -> Value {
        read_summary_file(&self.out.path().join("summary.json"))
    }
}

/// The committed schemas (`docs/schema/`).
pub fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schema")
}

/// The three files other programs read, each with its committed schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonOutput {
    Scan,
    Diff,
    Summary,
}

impl JsonOutput {
    pub fn name(self) -> &'static str {
        match self {
            JsonOutput::Scan => "scan",
            JsonOutput::Diff => "diff",
            JsonOutput::Summary => "summary",
        }
    }

    fn validator(self) -> &'static jsonschema::Validator {
        static SCAN: OnceLock<jsonschema::Validator> = OnceLock::new();
        static DIFF: OnceLock<jsonschema::Validator> = OnceLock::new();
        static SUMMARY: OnceLock<jsonschema::Validator> = OnceLock::new();
        let cell = match self {
            JsonOutput::Scan => &SCAN,
            JsonOutput::Diff => &DIFF,
            JsonOutput::Summary => &SUMMARY,
        };
        cell.get_or_init(|| {
            let path = schema_dir().join(format!("{}.schema.json", self.name()));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(&schema)
                .unwrap_or_else(|e| panic!("{} is not a valid schema: {e}", path.display()))
        })
    }

    /// Every place where `value` breaks the schema, as `instance path:
    /// message (schema path)`; empty when it conforms.
    pub fn violations(self, value: &Value) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.validator().iter_errors(value) {
            describe(&e, &mut out);
        }
        out
    }

    /// Panic, naming each violation, unless `value` conforms to the schema.
    pub fn check(self, value: &Value, what: &str) {
        let violations = self.violations(value);
        assert!(
            violations.is_empty(),
            "{what} does not match docs/schema/{}.schema.json:\n{}",
            self.name(),
            violations.join("\n")
        );
    }
}

/// One violation as `instance path: message (schema path)`. Where no
/// alternative of a `oneOf`/`anyOf` matched but one of them is the one the
/// value meant (its tag matched, it has the right type), that one's own
/// errors are given instead: `'resolver' is a required property` says
/// more than "not valid under any of the schemas".
fn describe(e: &jsonschema::ValidationError<'_>, out: &mut Vec<String>) {
    use jsonschema::error::ValidationErrorKind as Kind;
    if let Kind::OneOfNotValid { context } | Kind::AnyOf { context } = e.kind() {
        let meant: Vec<_> = context
            .iter()
            .filter(|errors| {
                !errors.iter().any(|b| {
                    matches!(b.kind(), Kind::Constant { .. })
                        || (matches!(b.kind(), Kind::Type { .. })
                            && b.instance_path() == e.instance_path())
                })
            })
            .collect();
        if let [errors] = meant.as_slice()
            && !errors.is_empty()
        {
            for b in errors.iter() {
                describe(b, out);
            }
            return;
        }
    }
    let mut message = e.to_string();
    if message.len() > 300 {
        let cut = (0..=300).rev().find(|i| message.is_char_boundary(*i));
        message.truncate(cut.unwrap_or(0));
        message.push_str(" …");
    }
    let at = e.instance_path().to_string();
    let at = if at.is_empty() { "(top level)" } else { &at };
    out.push(format!("{at}: {message} (schema {})", e.schema_path()));
}

fn read_json(path: &Path) -> (String, Value) {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{} missing: {e}", path.display()));
    let value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    (text, value)
}

/// Check every `scan.json`, `diff.json` and `summary.json` under `dir`
/// (a batch writes one folder per domain) against its schema; returns
/// how many there were.
pub fn validate_outputs(dir: &Path) -> usize {
    let mut count = 0;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            count += validate_outputs(&path);
            continue;
        }
        match path.file_name().and_then(|n| n.to_str()) {
            Some("scan.json") => {
                read_scan_file(&path);
            }
            Some("diff.json") => {
                read_diff_file(&path);
            }
            Some("summary.json") => {
                read_summary_file(&path);
            }
            _ => continue,
        }
        count += 1;
    }
    count
}

/// A `scan.json`: it must read back as a scan and match its schema.
pub fn read_scan_file(path: &Path) -> Value {
    let (text, value) = read_json(path);
    if let Err(e) = transfermap::model::scan::read_scan(&text) {
        panic!("{} does not read back: {e}", path.display());
    }
    JsonOutput::Scan.check(&value, &path.display().to_string());
    value
}

/// A `diff.json`, checked against its schema.
pub fn read_diff_file(path: &Path) -> Value {
    let (_, value) = read_json(path);
    JsonOutput::Diff.check(&value, &path.display().to_string());
    value
}

/// A `summary.json`, checked against its schema.
pub fn read_summary_file(path: &Path) -> Value {
    let (_, value) = read_json(path);
    JsonOutput::Summary.check(&value, &path.display().to_string());
    value
}

pub fn run(args: &[&str]) -> Run {
    let out = tempfile::tempdir().expect("tempdir");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_transfermap"))
        .args(args)
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("run transfermap");
    // Whatever the run wrote for other programs must match its schema.
    validate_outputs(out.path());
    Run { output, out }
}

/// Scan `domain` against a running fixture server, as a live scan would.
pub fn scan_live(fixture: &DnsFixture, domain: &str, extra: &[&str]) -> Run {
    let resolver = fixture.addr().to_string();
    let mut args = vec!["scan", domain, "--resolver", resolver.as_str()];
    args.extend_from_slice(extra);
    run(&args)
}

/// The row of `domain` (as written in the domains file) in a summary.json.
pub fn summary_row<'a>(summary: &'a Value, domain: &str) -> &'a Value {
    summary["domains"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["domain"] == domain))
        .unwrap_or_else(|| panic!("no row for {domain}: {summary:#}"))
}

pub fn findings(scan: &Value) -> Vec<Value> {
    scan["findings"].as_array().cloned().unwrap_or_default()
}

/// Every occurrence of every finding, each as a finding of its own: the
/// finding's rule, severity, basis, party and id, with the occurrence's
/// entry, subject, country, status, path and note.
pub fn occurrences(scan: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for f in findings(scan) {
        let mut first = f.clone();
        if let Some(o) = first.as_object_mut() {
            o.remove("also");
        }
        out.push(first.clone());
        for also in f["also"].as_array().into_iter().flatten() {
            let mut one = first.clone();
            let o = one.as_object_mut().expect("a finding is an object");
            for k in ["entry", "subject", "country", "status", "path", "note"] {
                match also.get(k) {
                    Some(v) => o.insert(k.to_string(), v.clone()),
                    None => o.remove(k),
                };
            }
            out.push(one);
        }
    }
    out
}

pub fn with_rule<'a>(findings: &'a [Value], rule: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["rule"] == rule).collect()
}

/// Node keys a finding's path passes through.
pub fn path_nodes(finding: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let also = finding["also"].as_array().into_iter().flatten();
    let paths = std::iter::once(&finding["path"]).chain(also.map(|o| &o["path"]));
    for hop in paths.filter_map(|p| p.as_array()).flatten() {
        for k in ["from", "to"] {
            if let Some(s) = hop[k].as_str()
                && !out.iter().any(|x| x == s)
            {
                out.push(s.to_string());
            }
        }
    }
    out
}

/// The invariant of every scan: each node, edge and hop rests on evidence
/// that exists in the scan.
pub fn assert_evidence_complete(scan: &Value) {
    let count = scan["evidence"].as_array().expect("evidence").len() as u64;
    let check = |what: String, ids: &Value| {
        let ids = ids
            .as_array()
            .unwrap_or_else(|| panic!("{what}: no evidence list"));
        assert!(!ids.is_empty(), "{what} has no evidence");
        for id in ids {
            let id = id.as_u64().expect("evidence id");
            assert!(id < count, "{what} cites missing evidence E{id}");
        }
    };
    for n in scan["graph"]["nodes"].as_array().expect("nodes") {
        check(format!("node {}", n["key"]), &n["evidence"]);
    }
    for e in scan["graph"]["edges"].as_array().expect("edges") {
        check(format!("edge {} -> {}", e["from"], e["to"]), &e["evidence"]);
    }
    for f in scan["findings"].as_array().expect("findings") {
        let path = f["path"].as_array().expect("path");
        assert!(!path.is_empty(), "finding {} has no path", f["id"]);
        for hop in path {
            check(
                format!("finding {} hop {} -> {}", f["id"], hop["from"], hop["to"]),
                &hop["evidence"],
            );
        }
    }
    // A geolocation lookup names its database by role; the scan says which
    // file, type and build date that role had.
    let roles: Vec<&str> = scan["geodata"]
        .as_array()
        .expect("geodata")
        .iter()
        .map(|d| d["role"].as_str().expect("role"))
        .collect();
    for e in scan["evidence"].as_array().unwrap() {
        if e["kind"] == "geo" || e["kind"] == "geo-range" {
            let role = e["role"].as_str().expect("role");
            assert!(
                roles.contains(&role),
                "E{}: database {role} not in geodata",
                e["id"]
            );
        }
    }
}

/// A DNS server on 127.0.0.1 (UDP) that answers every question with
/// SERVFAIL: a broken upstream, as a real one looks on the wire.
pub struct ServfailServer {
    pub addr: SocketAddr,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServfailServer {
    pub fn start() -> Self {
        use hickory_proto::op::{Message, ResponseCode};
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        socket
            .set_read_timeout(Some(std::time::Duration::from_millis(50)))
            .expect("timeout");
        let addr = socket.local_addr().expect("addr");
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                let Ok((n, peer)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                let Ok(query) = Message::from_vec(&buf[..n]) else {
                    continue;
                };
                let mut reply = Message::response(query.metadata.id, query.metadata.op_code);
                reply.metadata.response_code = ResponseCode::ServFail;
                reply.metadata.recursion_desired = query.metadata.recursion_desired;
                for q in query.queries {
                    reply.add_query(q);
                }
                if let Ok(bytes) = reply.to_vec() {
                    let _ = socket.send_to(&bytes, peer);
                }
            }
        });
        Self {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for ServfailServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
