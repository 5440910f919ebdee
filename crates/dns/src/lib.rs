//! The one place that asks DNS questions.
//!
//! A run (one domain or hundreds) shares one [`DnsRun`]: the resolver, one
//! answer cache, and a bound on questions in flight. Concurrent asks for
//! the same name and type are coalesced, so a provider's SPF tree is
//! resolved once per run, not once per domain. Each domain asks through its
//! own [`DnsClient`], which copies every answer it uses into that domain's
//! evidence log (with the time the answer came) and counts the domain's
//! questions against a hard cap, so a hostile zone cannot make a scan run
//! forever.

use foldhash::{HashMap, HashMapExt};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::{OnceCell, Semaphore};

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{Name, RData, RecordType as WireType};

use transport::{Reply, Transport};

use transfermap_model::evidence::{DnsAnswer, DnsOutcome, EvidenceLog, Observation};
pub use transfermap_model::records::{
    Lookup, QueryResult, RecordData, RecordType, canonical_name, parse_ip,
};

pub mod names;
pub mod transport;
#[cfg(feature = "zone-server")]
pub mod zone_server;

/// Upper bound on DNS questions for one domain. The RFC 7208 limits keep an
/// honest SPF tree far below this; the cap is for hostile or broken zones.
pub const DEFAULT_MAX_QUERIES: usize = 400;

#[derive(Debug, thiserror::Error)]
pub enum DnsSetupError {
    #[error("could not read the system resolver configuration: {0}")]
    SystemConfig(String),
    #[error("could not build the DNS resolver: {0}")]
    Build(String),
}

/// Where questions go.
#[derive(Debug, Clone, Copy)]
pub enum ResolverChoice {
    /// The system's configuration (`/etc/resolv.conf`).
    System,
    /// One server at `IP:PORT`, over UDP with TCP fallback.
    Server(SocketAddr),
}

/// One answer as received: what the evidence of every domain that uses it
/// is made from, and what `--record` saves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawAnswer {
    pub name: String,
    pub record_type: RecordType,
    pub outcome: DnsOutcome,
    pub records: Vec<RecordData>,
    /// The records in presentation format, e.g. `example.se MX 10 mx1.example.se.`.
    pub shown: Vec<String>,
    pub dnssec_authenticated: Option<bool>,
    pub resolver: String,
    pub at: DateTime<Utc>,
}

/// A DNS question: the name (canonical) and the record type.
type Question = (String, RecordType);

enum Backend {
    Network(Transport),
    /// Answers recorded by an earlier run (`--replay`).
    Replay(HashMap<(String, RecordType), RawAnswer>),
}

struct RunInner {
    backend: Backend,
    label: String,
    timeout: Duration,
    cache: Mutex<HashMap<Question, Arc<OnceCell<RawAnswer>>>>,
    in_flight: Semaphore,
    sent: AtomicUsize,
    /// `--record`: every answer, appended as one JSON line when it arrives.
    recorder: Mutex<Option<Recorder>>,
}

struct Recorder {
    path: PathBuf,
    partial: PathBuf,
    out: BufWriter<File>,
}

/// The DNS side of one run, shared by every domain in it. Cheap to clone.
#[derive(Clone)]
pub struct DnsRun {
    inner: Arc<RunInner>,
}

/// Default bound on questions in flight at once.
pub const DEFAULT_IN_FLIGHT: usize = 256;

impl DnsRun {
    pub fn new(
        choice: ResolverChoice,
        timeout: Duration,
        in_flight: usize,
    ) -> Result<Self, DnsSetupError> {
        let (servers, label) = match choice {
            ResolverChoice::System => {
                let (config, _) = hickory_resolver::system_conf::read_system_conf()
                    .map_err(|e| DnsSetupError::SystemConfig(e.to_string()))?;
                let servers: Vec<SocketAddr> = config
                    .name_servers()
                    .iter()
                    .map(|ns| {
                        let port = ns.connections.first().map_or(53, |c| c.port);
                        SocketAddr::new(ns.ip, port)
                    })
                    .collect();
                if servers.is_empty() {
                    return Err(DnsSetupError::SystemConfig(
                        "no name server is configured".into(),
                    ));
                }
                let shown: Vec<String> = servers.iter().map(|s| s.ip().to_string()).collect();
                (servers, format!("system resolver ({})", shown.join(", ")))
            }
            ResolverChoice::Server(addr) => (vec![addr], addr.to_string()),
        };
        let transport = Transport::new(servers, timeout, 2);
        Ok(Self::with_backend(
            Backend::Network(transport),
            label,
            timeout,
            in_flight,
        ))
    }

    /// Save every answer of the run to `path` (JSON lines). The file is
    /// written as `path.partial` and renamed by [`DnsRun::finish_recording`],
    /// so a complete recording is never confused with an interrupted one.
    pub fn record_to(&self, path: &Path) -> std::io::Result<()> {
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        let out = BufWriter::new(File::create(&partial)?);
        let mut rec = self
            .inner
            .recorder
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *rec = Some(Recorder {
            path: path.to_path_buf(),
            partial,
            out,
        });
        Ok(())
    }

    /// Flush the recording and move it into place.
    pub fn finish_recording(&self) -> std::io::Result<Option<PathBuf>> {
        let mut rec = self
            .inner
            .recorder
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let Some(mut r) = rec.take() else {
            return Ok(None);
        };
        r.out.flush()?;
        r.out.get_ref().sync_all()?;
        std::fs::rename(&r.partial, &r.path)?;
        Ok(Some(r.path))
    }

    /// Read a recording made with `--record`.
    pub fn read_recording(path: &Path) -> Result<Vec<RawAnswer>, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let answers: Vec<RawAnswer> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|e| {
                    format!(
                        "{}:{}: not a recorded DNS answer: {e}",
                        path.display(),
                        i + 1
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        if answers.is_empty() {
            return Err(format!(
                "{} holds no answers: a recording is made with `transfermap scan … --record FILE`",
                path.display()
            ));
        }
        Ok(answers)
    }

    /// Answer from a recording instead of the network: the scan sees exactly
    /// the answers the recorded run saw, including its failures.
    pub fn replay(answers: Vec<RawAnswer>) -> Self {
        let label = answers
            .first()
            .map(|a| format!("replay of {}", a.resolver))
            .unwrap_or_else(|| "replay".into());
        let map = answers
            .into_iter()
            .map(|a| ((a.name.clone(), a.record_type), a))
            .collect();
        Self::with_backend(Backend::Replay(map), label, Duration::from_secs(1), 1)
    }

    fn with_backend(backend: Backend, label: String, timeout: Duration, in_flight: usize) -> Self {
        Self {
            inner: Arc::new(RunInner {
                backend,
                label,
                timeout,
                cache: Mutex::new(HashMap::new()),
                in_flight: Semaphore::new(in_flight.max(1)),
                sent: AtomicUsize::new(0),
                recorder: Mutex::new(None),
            }),
        }
    }

    pub fn resolver_label(&self) -> &str {
        &self.inner.label
    }

    /// Questions actually sent to DNS in this run (cache hits not counted).
    pub fn queries_sent(&self) -> usize {
        self.inner.sent.load(Ordering::Relaxed)
    }

    /// A client for one domain.
    pub fn client(&self) -> DnsClient {
        DnsClient {
            run: self.clone(),
            local: HashMap::new(),
            asked: 0,
            max_queries: DEFAULT_MAX_QUERIES,
        }
    }

    /// Every answer of the run, in a stable order (for `--record`).
    pub fn recorded(&self) -> Vec<RawAnswer> {
        let cache = self.inner.cache.lock().unwrap_or_else(|e| e.into_inner());
        let mut all: Vec<RawAnswer> = cache.values().filter_map(|c| c.get().cloned()).collect();
        all.sort_by(|a, b| (&a.name, &a.record_type).cmp(&(&b.name, &b.record_type)));
        all
    }

    /// The answer to one question: from the run's cache, or asked once
    /// however many domains want it at the same time.
    pub async fn fetch(&self, name: &str, record_type: RecordType) -> RawAnswer {
        let cell = {
            let mut cache = self.inner.cache.lock().unwrap_or_else(|e| e.into_inner());
            cache
                .entry((name.to_string(), record_type))
                .or_insert_with(|| Arc::new(OnceCell::new()))
                .clone()
        };
        let answer = cell
            .get_or_init(|| self.ask(name, record_type))
            .await
            .clone();
        // A failure is not an answer: whoever asks later asks again (one
        // lost datagram for a provider's SPF include must not blank that
        // provider for every later domain). Those who asked at the same
        // moment share it; the failure is in their evidence either way.
        if answer.outcome.is_failure() && !matches!(self.inner.backend, Backend::Replay(_)) {
            let mut cache = self.inner.cache.lock().unwrap_or_else(|e| e.into_inner());
            let key = (name.to_string(), record_type);
            if cache.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
                cache.remove(&key);
            }
        }
        answer
    }

    async fn ask(&self, name: &str, record_type: RecordType) -> RawAnswer {
        let inner = &self.inner;
        let (outcome, records, shown, ad) = match &inner.backend {
            Backend::Replay(map) => match map.get(&(name.to_string(), record_type)) {
                Some(a) => return a.clone(),
                None => (
                    DnsOutcome::Error("not in the recording".into()),
                    Vec::new(),
                    Vec::new(),
                    None,
                ),
            },
            Backend::Network(transport) => {
                let _permit = inner.in_flight.acquire().await;
                // Each attempt and the TCP fallback time out on their own;
                // this bounds the whole question, CNAME chase included.
                let limit = inner.timeout * 8 + Duration::from_secs(1);
                inner.sent.fetch_add(1, Ordering::Relaxed);
                let asked = ask_network(transport, name, record_type);
                match tokio::time::timeout(limit, asked).await {
                    Ok(answer) => answer,
                    Err(_) => (DnsOutcome::Timeout, Vec::new(), Vec::new(), None),
                }
            }
        };
        let answer = RawAnswer {
            name: name.to_string(),
            record_type,
            outcome,
            records,
            shown,
            dnssec_authenticated: ad,
            resolver: inner.label.clone(),
            at: Utc::now(),
        };
        let mut rec = inner.recorder.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = rec.as_mut()
            && let Ok(line) = serde_json::to_string(&answer)
        {
            // A failed write loses the recording, not the scan.
            let _ = writeln!(r.out, "{line}");
        }
        answer
    }
}

/// One domain's view of the run: its questions, cap and evidence.
pub struct DnsClient {
    run: DnsRun,
    local: HashMap<(String, RecordType), QueryResult>,
    asked: usize,
    max_queries: usize,
}

impl DnsClient {
    /// A client with a run of its own (one domain, one resolver).
    pub fn new(choice: ResolverChoice, timeout: Duration) -> Result<Self, DnsSetupError> {
        Ok(DnsRun::new(choice, timeout, DEFAULT_IN_FLIGHT)?.client())
    }

    pub fn with_max_queries(mut self, max: usize) -> Self {
        self.max_queries = max;
        self
    }

    /// Drop from the run's cache the answers this domain asked for names at
    /// or below `domain`: once that domain is done no other domain is likely
    /// to ask them, and a run over thousands of domains must not keep them
    /// all. Shared provider names (outside every scanned domain) stay cached
    /// for the whole run. Only this domain's own questions are looked at, so
    /// the cost does not grow with the cache (a scan of the whole cache per
    /// domain would make long runs quadratic, with the cache locked meanwhile).
    pub fn forget_below(&self, domain: &str) {
        let suffix = format!(".{domain}");
        let mut cache = self
            .run
            .inner
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for key in self.local.keys() {
            if key.0 == domain || key.0.ends_with(&suffix) {
                cache.remove(key);
            }
        }
    }
}

impl Lookup for DnsClient {
    fn resolver_label(&self) -> &str {
        self.run.resolver_label()
    }

    fn queries_asked(&self) -> usize {
        self.asked
    }

    /// Ask one question. Never fails: every outcome, including "refused to
    /// ask because the query cap is reached", is returned and recorded.
    async fn query(
        &mut self,
        log: &mut EvidenceLog,
        name: &str,
        record_type: RecordType,
    ) -> QueryResult {
        self.query_many(log, &[(name.to_string(), record_type)])
            .await
            .pop()
            .expect("one question, one answer")
    }

    /// Ask several questions at once; the answers are recorded in the order
    /// asked, so evidence numbers do not depend on which answer came first.
    async fn query_many(
        &mut self,
        log: &mut EvidenceLog,
        questions: &[(String, RecordType)],
    ) -> Vec<QueryResult> {
        let keys: Vec<(String, RecordType)> = questions
            .iter()
            .map(|(n, t)| (canonical_name(n), *t))
            .collect();
        let mut fresh: Vec<(String, RecordType)> = Vec::new();
        for key in &keys {
            if !self.local.contains_key(key) && !fresh.contains(key) {
                fresh.push(key.clone());
            }
        }
        let room = self.max_queries.saturating_sub(self.asked);
        let (allowed, refused) = fresh.split_at(fresh.len().min(room));
        self.asked += allowed.len();
        let answers =
            futures::future::join_all(allowed.iter().map(|(n, t)| self.run.fetch(n, *t))).await;
        for ((name, rtype), raw) in allowed.iter().zip(answers) {
            let result = record(log, raw);
            self.local.insert((name.clone(), *rtype), result);
        }
        for (name, rtype) in refused {
            let raw = RawAnswer {
                name: name.clone(),
                record_type: *rtype,
                outcome: DnsOutcome::QueryCap(self.max_queries),
                records: Vec::new(),
                shown: Vec::new(),
                dnssec_authenticated: None,
                resolver: self.run.resolver_label().to_string(),
                at: Utc::now(),
            };
            let result = record(log, raw);
            self.local.insert((name.clone(), *rtype), result);
        }
        keys.iter()
            .map(|k| self.local.get(k).cloned().expect("answered above"))
            .collect()
    }
}

fn record(log: &mut EvidenceLog, raw: RawAnswer) -> QueryResult {
    let evidence = log.record_at(
        Observation::Dns(DnsAnswer {
            name: raw.name,
            record_type: raw.record_type,
            outcome: raw.outcome.clone(),
            records: raw.shown,
            resolver: raw.resolver,
            dnssec_authenticated: raw.dnssec_authenticated,
        }),
        raw.at,
    );
    QueryResult {
        outcome: raw.outcome,
        records: raw.records,
        evidence,
    }
}

async fn ask_network(
    transport: &Transport,
    name: &str,
    record_type: RecordType,
) -> (DnsOutcome, Vec<RecordData>, Vec<String>, Option<bool>) {
    let fqdn = match dns_name(name) {
        Ok(n) => n,
        Err(e) => {
            return (
                DnsOutcome::Error(format!("not a valid DNS name: {e}")),
                Vec::new(),
                Vec::new(),
                None,
            );
        }
    };
    match transport.lookup(&fqdn, wire_type(record_type)).await {
        Reply::Answer {
            code,
            answers,
            authentic_data,
            truncated,
        } => {
            let mut records = Vec::new();
            let mut shown = Vec::new();
            let mut of_type = false;
            for record in &answers {
                let owner = canonical_name(&name_text(&record.name));
                let data = match &record.data {
                    RData::Update0(_) => "(no data)".to_string(),
                    data => data.to_string(),
                };
                shown.push(format!("{owner} {} {data}", record.record_type()));
                records.push(reduce(&owner, &record.data));
                of_type |= record.record_type() == wire_type(record_type);
            }
            let outcome = match code {
                // Part of an answer is kept, and said to be part.
                ResponseCode::NoError if truncated => DnsOutcome::Truncated(records.len()),
                ResponseCode::NoError if of_type => DnsOutcome::Answer,
                // Only aliases, or nothing: the name has no such record.
                ResponseCode::NoError => DnsOutcome::NoData,
                ResponseCode::NXDomain => DnsOutcome::NxDomain,
                ResponseCode::ServFail => DnsOutcome::ServFail,
                ResponseCode::Refused => DnsOutcome::Refused,
                other => DnsOutcome::Error(format!("the server answered {other}")),
            };
            (outcome, records, shown, Some(authentic_data))
        }
        Reply::Timeout => (DnsOutcome::Timeout, Vec::new(), Vec::new(), None),
        Reply::Error(e) => (DnsOutcome::Error(e), Vec::new(), Vec::new(), None),
    }
}

/// The wire type of a question.
pub fn wire_type(t: RecordType) -> WireType {
    match t {
        RecordType::A => WireType::A,
        RecordType::Aaaa => WireType::AAAA,
        RecordType::Cname => WireType::CNAME,
        RecordType::Mx => WireType::MX,
        RecordType::Txt => WireType::TXT,
        RecordType::Srv => WireType::SRV,
        RecordType::Ptr => WireType::PTR,
    }
}

fn reduce(owner: &str, data: &RData) -> RecordData {
    match data {
        RData::A(a) => RecordData::A(a.0),
        RData::AAAA(a) => RecordData::Aaaa(a.0),
        RData::CNAME(c) => RecordData::Cname {
            owner: owner.to_string(),
            target: canonical_name(&name_text(&c.0)),
        },
        RData::PTR(ptr) => RecordData::Ptr(canonical_name(&name_text(&ptr.0))),
        RData::MX(mx) => RecordData::Mx {
            preference: mx.preference,
            exchange: canonical_name(&name_text(&mx.exchange)),
        },
        RData::TXT(txt) => {
            // RFC 7208 §3.3: the strings of one TXT record are joined without spaces.
            let joined: Vec<u8> = txt
                .txt_data
                .iter()
                .flat_map(|s| s.iter().copied())
                .collect();
            RecordData::Txt(String::from_utf8_lossy(&joined).into_owned())
        }
        // A TXT record with no strings at all (RDLENGTH 0, kept by the
        // transport's lenient decoding): an empty text, not an SPF record.
        RData::Update0(WireType::TXT) => RecordData::Txt(String::new()),
        RData::Update0(rtype) => RecordData::Other(format!("{rtype} record without data")),
        RData::SRV(srv) => RecordData::Srv {
            priority: srv.priority,
            port: srv.port,
            target: canonical_name(&name_text(&srv.target)),
        },
        other => RecordData::Other(other.to_string()),
    }
}

/// The wire name for `name`. Host names (and Unicode ones, via IDNA) go
/// through `from_utf8`; an ASCII name that IDNA rejects is still a legal DNS
/// name — SPF targets may hold any visible character (RFC 7208 §7.1), even
/// spaces after macro expansion — and is sent label by label as it is.
fn dns_name(name: &str) -> Result<Name, String> {
    Name::from_utf8(format!("{name}.")).or_else(|e| {
        if name.is_ascii() && !name.is_empty() {
            Name::from_labels(name.split('.').map(str::as_bytes)).map_err(|e| e.to_string())
        } else {
            Err(e.to_string())
        }
    })
}

/// A name from an answer in the spelling [`DnsClient::query`] takes back:
/// Unicode for IDN names, and the labels as they are (not the backslash
/// escapes of presentation format) for names with other characters.
fn name_text(name: &Name) -> String {
    let utf8 = name.to_utf8();
    if !utf8.contains('\\') {
        return utf8;
    }
    name.iter()
        .map(|label| String::from_utf8_lossy(label).into_owned())
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::Message;
    use hickory_proto::rr::rdata::TXT;
    use hickory_proto::rr::{RData, Record};

    /// A server that answers SERVFAIL to the first question for each name,
    /// and properly from then on: one bad moment upstream.
    async fn fails_once() -> SocketAddr {
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        tokio::spawn(async move {
            let mut seen = std::collections::HashSet::new();
            let mut buf = vec![0u8; 4096];
            loop {
                let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                    return;
                };
                let query = Message::from_vec(&buf[..n]).unwrap();
                let q = query.queries[0].clone();
                let mut m = Message::response(query.metadata.id, query.metadata.op_code);
                m.add_query(q.clone());
                if seen.insert(q.name().to_ascii()) {
                    m.metadata.response_code = ResponseCode::ServFail;
                } else {
                    m.add_answer(Record::from_rdata(
                        q.name().clone(),
                        60,
                        RData::TXT(TXT::new(vec!["v=spf1 ip4:192.0.2.0/24 -all".into()])),
                    ));
                }
                socket.send_to(&m.to_vec().unwrap(), from).await.unwrap();
            }
        });
        addr
    }

    #[tokio::test]
    async fn a_failure_is_not_kept_as_the_answer_for_the_rest_of_the_run() {
        let server = fails_once().await;
        let run = DnsRun::new(ResolverChoice::Server(server), Duration::from_secs(2), 8).unwrap();
        let (mut first, mut second) = (run.client(), run.client());
        let mut log = EvidenceLog::default();
        let a = first
            .query(&mut log, "spf.vendor.example", RecordType::Txt)
            .await;
        assert_eq!(a.outcome, DnsOutcome::ServFail);
        // A later domain that needs the same provider record asks again.
        let b = second
            .query(&mut log, "spf.vendor.example", RecordType::Txt)
            .await;
        assert_eq!(
            b.outcome,
            DnsOutcome::Answer,
            "the failure was served from the cache"
        );
        assert_eq!(b.txt().next(), Some("v=spf1 ip4:192.0.2.0/24 -all"));
        // An answer, once had, is shared.
        let sent = run.queries_sent();
        let c = run
            .client()
            .query(&mut log, "spf.vendor.example", RecordType::Txt)
            .await;
        assert_eq!(c.outcome, DnsOutcome::Answer);
        assert_eq!(run.queries_sent(), sent);
    }
}
