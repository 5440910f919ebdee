//! How DNS questions travel: UDP over a few long-lived sockets, with TCP
//! when an answer is truncated, and CNAME chains followed to their end.
//!
//! `hickory-resolver` opens, registers and closes a fresh UDP socket for
//! every question. That is the right default for a stub resolver, but a scan
//! of hundreds of domains asks tens of thousands of questions, and on a fast
//! network the socket work costs more than the answers (see
//! docs/performance.md). This transport keeps a few sockets per server, each
//! with its own random source port, and tells answers apart by a random
//! 16-bit ID *and* the question they echo, so an answer is only accepted for
//! the question it belongs to. Messages are encoded and decoded with
//! `hickory-proto`; only the exchange is ours.
//!
//! A question that gets no answer is asked again after a wait that follows
//! the measured round-trip time (as resolvers do, RFC 6298's smoothing)
//! rather than after the whole `--timeout`: one lost datagram then costs a
//! few round trips, not seconds. An answer to an earlier try still counts.

use foldhash::{HashMap, HashSet, HashSetExt};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hickory_proto::op::{Edns, Header, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, DecodeError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Sockets per server: enough that one socket's queue is never the limit,
/// few enough that setting them up costs nothing.
const SOCKETS_PER_SERVER: usize = 4;

/// CNAMEs followed across answers before giving up (RFC 1034 leaves the
/// bound to the resolver; 8 is what common resolvers use).
const MAX_CHASE: usize = 8;

/// The EDNS buffer size offered: the DNS Flag Day 2020 value, which avoids
/// IP fragmentation.
const EDNS_PAYLOAD: u16 = 1232;

/// The shortest wait before a question is asked again, however fast the
/// server has been: below this, a server's occasional slow answer would
/// draw needless repeats.
const MIN_RETRY_WAIT: Duration = Duration::from_millis(200);

/// The receive buffer asked for on every socket. Answers to hundreds of
/// questions in flight arrive in bursts; with the common default (about
/// 200 KiB, some 200 small datagrams once the kernel's overhead is counted)
/// a burst overflows the buffer and the kernel drops answers, which then
/// cost a retry. The kernel caps the request at `net.core.rmem_max`.
pub const RECV_BUFFER: usize = 4 << 20;

/// Ask for a larger receive buffer; a refusal only means more retries.
pub fn enlarge_recv_buffer(socket: &UdpSocket) {
    let _ = socket2::SockRef::from(socket).set_recv_buffer_size(RECV_BUFFER);
}

/// What one question came to, as the collectors see it.
#[derive(Debug)]
pub enum Reply {
    /// The records of the answer section(s), CNAMEs followed; `code` is the
    /// response code of the last message.
    Answer {
        code: ResponseCode,
        answers: Vec<hickory_proto::rr::Record>,
        authentic_data: bool,
        /// The server cut the answer short even over TCP: `answers` holds
        /// only part of it.
        truncated: bool,
    },
    Timeout,
    Error(String),
}

/// Many questions in flight to one or more servers.
pub struct Transport {
    servers: Vec<SocketAddr>,
    timeout: Duration,
    attempts: usize,
    sockets_per_server: usize,
    lanes: tokio::sync::OnceCell<Result<Vec<Lane>, String>>,
    next: AtomicUsize,
    /// Smoothed round-trip time in microseconds; 0 until the first answer.
    srtt_us: AtomicU64,
}

type Pending = Arc<Mutex<HashMap<u16, Waiting>>>;

struct Waiting {
    /// Which try this entry belongs to. IDs are reused as soon as they are
    /// free, so the ID alone does not say whose entry it is: a try that was
    /// answered (its entry removed by the reader) and dropped a moment
    /// later must not remove the entry of a newer try that drew the same ID.
    try_id: u64,
    question: Query,
    /// The answer, or why it could not be read.
    reply: oneshot::Sender<Result<Message, String>>,
}

/// Numbers every try of every question, run-wide (see [`Waiting::try_id`]).
static NEXT_TRY: AtomicU64 = AtomicU64::new(1);

/// One UDP socket to one server and the task that reads its answers.
struct Lane {
    server: SocketAddr,
    socket: Arc<UdpSocket>,
    pending: Pending,
    reader: JoinHandle<()>,
}

impl Drop for Lane {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Transport {
    /// `attempts` tries over UDP per question. Before the last, a try waits
    /// about four round-trip times (at least [`MIN_RETRY_WAIT`], at most
    /// `timeout`); the last waits `timeout`.
    pub fn new(servers: Vec<SocketAddr>, timeout: Duration, attempts: usize) -> Self {
        Self {
            servers,
            timeout,
            attempts: attempts.max(1),
            sockets_per_server: SOCKETS_PER_SERVER,
            lanes: tokio::sync::OnceCell::new(),
            next: AtomicUsize::new(0),
            srtt_us: AtomicU64::new(0),
        }
    }

    /// The same over `n` sockets per server instead of the default few:
    /// fewer sockets put more questions, and so more of the 16-bit ID space,
    /// on each (the stress test uses one).
    pub fn with_sockets_per_server(mut self, n: usize) -> Self {
        self.sockets_per_server = n.max(1);
        self
    }

    /// How long a try waits before the question is asked again: about four
    /// round trips, with up to half as much again at random so that the
    /// questions of one lost burst are not all asked again in one burst.
    fn retry_wait(&self) -> Duration {
        match self.srtt_us.load(Ordering::Relaxed) {
            // Nothing measured yet: no reason to hurry.
            0 => self.timeout,
            srtt => {
                let base = Duration::from_micros(srtt.saturating_mul(4)).max(MIN_RETRY_WAIT);
                let jitter = base.mul_f64(rand::random::<f64>() / 2.0);
                (base + jitter).min(self.timeout)
            }
        }
    }

    /// Fold one round trip into the smoothed estimate (gain 1/8, RFC 6298).
    /// Concurrent updates may overwrite each other; an estimate is enough.
    fn observe(&self, rtt: Duration) {
        let sample = u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX).max(1);
        let old = self.srtt_us.load(Ordering::Relaxed);
        let new = if old == 0 {
            sample
        } else {
            (old.saturating_mul(7).saturating_add(sample)) / 8
        };
        self.srtt_us.store(new.max(1), Ordering::Relaxed);
    }

    /// Ask `name`/`rtype`, following a CNAME chain the server does not
    /// complete itself.
    pub async fn lookup(&self, name: &Name, rtype: RecordType) -> Reply {
        let mut answers = Vec::new();
        let mut authentic = true;
        let mut truncated = false;
        let mut current = name.clone();
        let mut seen = HashSet::new();
        for _ in 0..=MAX_CHASE {
            let msg = match self.exchange(&current, rtype).await {
                Ok(m) => m,
                Err(Failure::Timeout) if answers.is_empty() => return Reply::Timeout,
                Err(Failure::Error(e)) if answers.is_empty() => return Reply::Error(e),
                // A chain that breaks half-way keeps what it found.
                Err(_) => break,
            };
            authentic &= msg.metadata.authentic_data;
            // TC on an answer that came over TCP: the server could not fit
            // it. Sections are written in order, so when authority or
            // additional records made it in, the answer section is whole
            // (servers also set TC when only glue was cut).
            truncated |=
                msg.metadata.truncation && msg.authorities.is_empty() && msg.additionals.is_empty();
            let code = msg.metadata.response_code;
            let end = chain_end(&msg, &current);
            let kept = own_records(msg.answers, &current, code);
            let found = kept.iter().any(|r| r.record_type() == rtype);
            answers.extend(kept);
            if code != ResponseCode::NoError || found || rtype == RecordType::CNAME {
                return Reply::Answer {
                    code,
                    answers,
                    authentic_data: authentic,
                    truncated,
                };
            }
            match end {
                Some(target) if seen.insert(target.to_lowercase()) => current = target,
                // No alias to follow, or a loop: the caller sees the chain.
                _ => break,
            }
        }
        Reply::Answer {
            code: ResponseCode::NoError,
            answers,
            authentic_data: authentic,
            truncated,
        }
    }

    async fn lanes(&self) -> Result<&[Lane], String> {
        let lanes = self
            .lanes
            .get_or_init(|| async { open_lanes(&self.servers, self.sockets_per_server).await })
            .await;
        match lanes {
            Ok(l) if !l.is_empty() => Ok(l),
            Ok(_) => Err("no DNS server to ask".into()),
            Err(e) => Err(e.clone()),
        }
    }

    /// One question, one answer: UDP with retries, TCP when truncated.
    async fn exchange(&self, name: &Name, rtype: RecordType) -> Result<Message, Failure> {
        let lanes = self.lanes().await.map_err(Failure::Error)?;
        let question = Query::query(name.clone(), rtype);
        let mut last = Failure::Timeout;
        // Every try still waiting: the first answer to any of them counts.
        let mut asked: Vec<Asked<'_>> = Vec::new();
        let first_sent = Instant::now();
        for attempt in 0..self.attempts {
            // Spread questions over the sockets; a retry moves to the next
            // server when there is more than one.
            let pick = self.next.fetch_add(1, Ordering::Relaxed);
            let server = self.servers[attempt % self.servers.len()];
            let of_server: Vec<&Lane> = lanes.iter().filter(|l| l.server == server).collect();
            let lane = of_server[pick % of_server.len()];
            match lane.send(&question).await {
                Ok(a) => asked.push(a),
                Err(f) => {
                    last = f;
                    continue;
                }
            }
            let wait = if attempt + 1 < self.attempts {
                self.retry_wait()
            } else {
                self.timeout
            };
            let Ok((answer, server)) = tokio::time::timeout(wait, first_answer(&mut asked)).await
            else {
                last = Failure::Timeout;
                continue;
            };
            // Karn's rule: a round trip is only measured when there was one try.
            if asked.len() == 1 {
                self.observe(first_sent.elapsed());
            }
            return match answer {
                Ok(msg) if msg.metadata.truncation => {
                    tcp_exchange(server, &question, self.timeout * 2).await
                }
                Ok(msg) => Ok(msg),
                Err(e) => Err(Failure::Error(e)),
            };
        }
        Err(last)
    }
}

/// The first answer to any of the tries, with the server that gave it.
async fn first_answer(asked: &mut [Asked<'_>]) -> (Result<Message, String>, SocketAddr) {
    let waits = asked.iter_mut().map(|a| {
        let server = a.lane.server;
        Box::pin(async move {
            let answer = match (&mut a.reply).await {
                Ok(answer) => answer,
                Err(_) => Err("the answer reader stopped".to_string()),
            };
            (answer, server)
        })
    });
    futures::future::select_all(waits).await.0
}

#[derive(Debug)]
enum Failure {
    Timeout,
    Error(String),
}

async fn open_lanes(servers: &[SocketAddr], per_server: usize) -> Result<Vec<Lane>, String> {
    let mut lanes = Vec::new();
    for &server in servers {
        for _ in 0..per_server {
            let local: SocketAddr = match server.ip() {
                IpAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
                IpAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
            };
            let socket = UdpSocket::bind(local)
                .await
                .map_err(|e| format!("cannot open a UDP socket: {e}"))?;
            enlarge_recv_buffer(&socket);
            // A connected socket only receives datagrams from the server.
            socket
                .connect(server)
                .await
                .map_err(|e| format!("cannot reach {server}: {e}"))?;
            let socket = Arc::new(socket);
            let pending: Pending = Arc::default();
            let reader = tokio::spawn(read_answers(socket.clone(), pending.clone()));
            lanes.push(Lane {
                server,
                socket,
                pending,
                reader,
            });
        }
    }
    Ok(lanes)
}

/// Hand each arriving answer to the question it belongs to; drop the rest.
async fn read_answers(socket: Arc<UdpSocket>, pending: Pending) {
    let mut buf = vec![0u8; 65_535];
    loop {
        let n = match socket.recv(&mut buf).await {
            Ok(n) => n,
            // e.g. ICMP port unreachable on a connected socket: the waiting
            // questions time out and are retried.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        // An answer that does not decode as a whole still names its ID and
        // question; the asker gets the error at once instead of a timeout.
        let Some((id, question)) = question_of(&buf[..n]) else {
            continue;
        };
        let mut waiting = pending.lock().unwrap_or_else(|e| e.into_inner());
        let belongs = waiting
            .get(&id)
            .is_some_and(|w| same_question(&question, &w.question));
        if belongs && let Some(w) = waiting.remove(&id) {
            let msg = decode_answer(&buf[..n]).map_err(|e| format!("unreadable answer: {e}"));
            let _ = w.reply.send(msg);
        }
    }
}

/// One try of a question: its entry among the lane's pending questions,
/// removed when the try is dropped (answered, timed out or abandoned).
struct Asked<'a> {
    lane: &'a Lane,
    id: u16,
    try_id: u64,
    reply: oneshot::Receiver<Result<Message, String>>,
}

impl Drop for Asked<'_> {
    fn drop(&mut self) {
        self.lane.forget(self.id, self.try_id);
    }
}

impl Lane {
    /// Send one try of `question` under a fresh random ID.
    async fn send(&self, question: &Query) -> Result<Asked<'_>, Failure> {
        let (tx, rx) = oneshot::channel();
        let try_id = NEXT_TRY.fetch_add(1, Ordering::Relaxed);
        let id = {
            let mut waiting = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            let mut id: u16 = rand::random();
            while waiting.contains_key(&id) {
                id = rand::random();
            }
            waiting.insert(
                id,
                Waiting {
                    try_id,
                    question: question.clone(),
                    reply: tx,
                },
            );
            id
        };
        let asked = Asked {
            lane: self,
            id,
            try_id,
            reply: rx,
        };
        let bytes = query_message(id, question).map_err(Failure::Error)?;
        if let Err(e) = self.socket.send(&bytes).await {
            return Err(Failure::Error(format!(
                "cannot send to {}: {e}",
                self.server
            )));
        }
        Ok(asked)
    }

    /// Remove the entry of one try, if it is still there and still its own.
    fn forget(&self, id: u16, try_id: u64) {
        let mut waiting = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if waiting.get(&id).is_some_and(|w| w.try_id == try_id) {
            waiting.remove(&id);
        }
    }
}

fn query_message(id: u16, question: &Query) -> Result<Vec<u8>, String> {
    let mut msg = Message::query();
    msg.metadata.id = id;
    msg.metadata.recursion_desired = true;
    // RFC 6840 §5.7: a set AD bit asks a validating resolver to say whether
    // it validated the answer.
    msg.metadata.authentic_data = true;
    msg.add_query(question.clone());
    let mut edns = Edns::new();
    edns.set_max_payload(EDNS_PAYLOAD);
    msg.set_edns(edns);
    msg.to_vec()
        .map_err(|e| format!("cannot encode the question: {e}"))
}

/// Bits of the header's third byte that hold the opcode (RFC 1035 §4.1.1).
const OPCODE_BITS: u8 = 0b0111_1000;

/// Decodes an answer, keeping records that have no data at all.
///
/// A record with RDLENGTH 0 is meaningful only in an UPDATE message
/// (RFC 2136), and `hickory-proto` rejects any other message holding one as
/// a whole. Such a record is broken (or hostile) zone data next to records
/// that matter: an empty TXT record beside a domain's SPF record would
/// otherwise hide the SPF record (the RFC 7208 suite's `null-text` test). So
/// the message is read a second time as if it were an UPDATE, which keeps
/// the empty record (as `RData::Update0`), and the real opcode is put back.
///
/// `pub` for the fuzz targets (`fuzz/`), which feed it arbitrary bytes.
pub fn decode_answer(bytes: &[u8]) -> Result<Message, DecodeError> {
    match Message::from_vec(bytes) {
        Err(DecodeError::InvalidEmptyRecord) if bytes.len() > 2 => {
            let mut copy = bytes.to_vec();
            let opcode = OpCode::from_u8((copy[2] & OPCODE_BITS) >> 3);
            copy[2] = (copy[2] & !OPCODE_BITS) | (u8::from(OpCode::Update) << 3);
            let mut msg = Message::from_vec(&copy)?;
            msg.metadata.op_code = opcode;
            Ok(msg)
        }
        other => other,
    }
}

/// The ID and first question of a response, without decoding the rest.
/// A message that is not a response (QR=0) is nobody's answer.
fn question_of(bytes: &[u8]) -> Option<(u16, Query)> {
    let mut decoder = BinDecoder::new(bytes);
    let header = Header::read(&mut decoder).ok()?;
    if header.metadata.message_type != MessageType::Response {
        return None;
    }
    let question = Query::read(&mut decoder).ok()?;
    Some((header.metadata.id, question))
}

/// The same question in an answer: name (case-insensitively), type, class.
fn same_question(a: &Query, b: &Query) -> bool {
    a.query_type() == b.query_type()
        && a.query_class() == b.query_class()
        && a.name().to_lowercase() == b.name().to_lowercase()
}

/// The records of an answer that belong to the question: those owned by
/// `name` or by a name of the CNAME chain from it. Anything else in the
/// answer section (`outlook.com MX 0 attacker.example` in an answer about
/// `x.example`) is not what was asked, and is dropped. An NXDOMAIN answer
/// keeps only the aliases that lead to the missing name (RFC 6604): data
/// records beside "this name does not exist" contradict it.
fn own_records(
    records: Vec<hickory_proto::rr::Record>,
    name: &Name,
    code: ResponseCode,
) -> Vec<hickory_proto::rr::Record> {
    let mut chain = vec![name.to_lowercase()];
    for _ in 0..=MAX_CHASE {
        let last = chain.last().cloned();
        let next = records.iter().find_map(|r| match &r.data {
            hickory_proto::rr::RData::CNAME(c) if Some(r.name.to_lowercase()) == last => {
                Some(c.0.to_lowercase())
            }
            _ => None,
        });
        match next {
            Some(n) if !chain.contains(&n) => chain.push(n),
            _ => break,
        }
    }
    records
        .into_iter()
        .filter(|r| chain.contains(&r.name.to_lowercase()))
        .filter(|r| code != ResponseCode::NXDomain || r.record_type() == RecordType::CNAME)
        .collect()
}

/// The end of the CNAME chain from `name` inside one message, if any.
fn chain_end(msg: &Message, name: &Name) -> Option<Name> {
    let mut current = name.to_lowercase();
    let mut moved = false;
    for _ in 0..=MAX_CHASE {
        let next = msg.answers.iter().find_map(|r| match &r.data {
            hickory_proto::rr::RData::CNAME(c) if r.name.to_lowercase() == current => {
                Some(c.0.to_lowercase())
            }
            _ => None,
        });
        match next {
            Some(n) => {
                current = n;
                moved = true;
            }
            None => break,
        }
    }
    moved.then_some(current)
}

/// The question again over TCP (RFC 7766), for answers too large for UDP.
async fn tcp_exchange(
    server: SocketAddr,
    question: &Query,
    timeout: Duration,
) -> Result<Message, Failure> {
    let work = async {
        let id: u16 = rand::random();
        let bytes = query_message(id, question).map_err(Failure::Error)?;
        let len =
            u16::try_from(bytes.len()).map_err(|_| Failure::Error("question too long".into()))?;
        let io = |e: std::io::Error| Failure::Error(format!("TCP to {server}: {e}"));
        let mut stream = TcpStream::connect(server).await.map_err(io)?;
        let mut out = Vec::with_capacity(bytes.len() + 2);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&bytes);
        stream.write_all(&out).await.map_err(io)?;
        let mut head = [0u8; 2];
        stream.read_exact(&mut head).await.map_err(io)?;
        let mut body = vec![0u8; usize::from(u16::from_be_bytes(head))];
        stream.read_exact(&mut body).await.map_err(io)?;
        let msg = decode_answer(&body)
            .map_err(|e| Failure::Error(format!("unreadable answer over TCP: {e}")))?;
        let matches = msg.metadata.id == id
            && msg.metadata.message_type == MessageType::Response
            && msg
                .queries
                .first()
                .is_some_and(|q| same_question(q, question));
        if matches {
            Ok(msg)
        } else {
            Err(Failure::Error(
                "the TCP answer is for another question".into(),
            ))
        }
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(r) => r,
        Err(_) => Err(Failure::Timeout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::rdata::A;
    use hickory_proto::rr::{RData, Record};
    use std::str::FromStr;

    #[test]
    fn an_empty_record_does_not_hide_the_rest_of_the_answer() {
        use hickory_proto::rr::rdata::TXT;
        let name = Name::from_str("null.example.").unwrap();
        let mut m = Message::response(7, OpCode::Query);
        m.add_query(Query::query(name.clone(), RecordType::TXT));
        m.add_answer(Record::from_rdata(
            name.clone(),
            60,
            RData::TXT(TXT::new(vec!["v=spf1 +all".into()])),
        ));
        m.add_answer(Record::update0(name, 60, RecordType::TXT));
        let bytes = m.to_vec().unwrap();
        assert!(
            Message::from_vec(&bytes).is_err(),
            "hickory-proto now accepts empty records; decode_answer's second pass can go"
        );
        let msg = decode_answer(&bytes).unwrap();
        assert_eq!(msg.metadata.op_code, OpCode::Query);
        assert_eq!(msg.answers.len(), 2);
        assert!(matches!(&msg.answers[0].data, RData::TXT(t) if t.to_string() == "v=spf1 +all"));
        assert!(matches!(
            msg.answers[1].data,
            RData::Update0(RecordType::TXT)
        ));
    }

    /// A server that first answers with the right ID but another question
    /// (what an off-path attacker guessing IDs would send), then truly.
    async fn tricky_server() -> SocketAddr {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                    return;
                };
                let query = Message::from_vec(&buf[..n]).unwrap();
                let q = query.queries[0].clone();
                let answer = |question: Query, ip: [u8; 4]| {
                    let mut m = Message::response(query.metadata.id, query.metadata.op_code);
                    m.add_query(question.clone());
                    m.add_answer(Record::from_rdata(
                        question.name().clone(),
                        60,
                        RData::A(A::from(std::net::Ipv4Addr::from(ip))),
                    ));
                    m.to_vec().unwrap()
                };
                let forged = Query::query(Name::from_str("evil.example.").unwrap(), RecordType::A);
                socket
                    .send_to(&answer(forged, [6, 6, 6, 6]), from)
                    .await
                    .unwrap();
                socket
                    .send_to(&answer(q, [192, 0, 2, 1]), from)
                    .await
                    .unwrap();
            }
        });
        addr
    }

    #[tokio::test]
    async fn an_answer_counts_only_for_the_question_it_echoes() {
        let server = tricky_server().await;
        let t = Transport::new(vec![server], Duration::from_secs(2), 1);
        let name = Name::from_str("mail.example.").unwrap();
        match t.lookup(&name, RecordType::A).await {
            Reply::Answer { code, answers, .. } => {
                assert_eq!(code, ResponseCode::NoError);
                assert_eq!(answers.len(), 1);
                assert_eq!(answers[0].data.to_string(), "192.0.2.1");
            }
            other => panic!("expected the true answer, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_silent_server_times_out_after_the_attempts() {
        // Bound but never read: questions go nowhere.
        let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let t = Transport::new(
            vec![silent.local_addr().unwrap()],
            Duration::from_millis(100),
            2,
        );
        let name = Name::from_str("mail.example.").unwrap();
        let started = std::time::Instant::now();
        assert!(matches!(
            t.lookup(&name, RecordType::A).await,
            Reply::Timeout
        ));
        assert!(started.elapsed() >= Duration::from_millis(200));
    }

    /// A server that answers `lost.example.` only from its second try on,
    /// and then answers the *first* try's ID (a slow answer arriving after
    /// the question was asked again). Other names are answered at once.
    async fn lossy_server() -> SocketAddr {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            let mut first_try: Option<(Message, SocketAddr)> = None;
            loop {
                let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                    return;
                };
                let query = Message::from_vec(&buf[..n]).unwrap();
                let q = query.queries[0].clone();
                // The slow answer goes where the first try came from.
                let (to_answer, to) = if q.name().to_ascii() == "lost.example." {
                    match first_try.take() {
                        None => {
                            first_try = Some((query, from));
                            continue;
                        }
                        Some(first) => first,
                    }
                } else {
                    (query, from)
                };
                let mut m = Message::response(to_answer.metadata.id, to_answer.metadata.op_code);
                m.add_query(q.clone());
                m.add_answer(Record::from_rdata(
                    q.name().clone(),
                    60,
                    RData::A(A::from(std::net::Ipv4Addr::new(192, 0, 2, 7))),
                ));
                socket.send_to(&m.to_vec().unwrap(), to).await.unwrap();
            }
        });
        addr
    }

    #[tokio::test]
    async fn a_lost_question_is_asked_again_before_the_timeout() {
        let server = lossy_server().await;
        let timeout = Duration::from_secs(5);
        let t = Transport::new(vec![server], timeout, 2);
        // A prompt answer first, so the round-trip time is known.
        let quick = Name::from_str("quick.example.").unwrap();
        assert!(matches!(
            t.lookup(&quick, RecordType::A).await,
            Reply::Answer { .. }
        ));
        assert!(t.retry_wait() < timeout);
        let lost = Name::from_str("lost.example.").unwrap();
        let started = Instant::now();
        match t.lookup(&lost, RecordType::A).await {
            // The answer carries the first try's ID: still accepted.
            Reply::Answer { answers, .. } => {
                assert_eq!(answers.len(), 1);
                assert_eq!(answers[0].data.to_string(), "192.0.2.7");
            }
            other => panic!("expected the answer to the first try, got {other:?}"),
        }
        // Asked again after the retry wait, not after the whole timeout.
        assert!(started.elapsed() < timeout, "{:?}", started.elapsed());
    }

    /// Many questions at once over one socket, so that IDs are freed and
    /// drawn again all the time: every question must get its own answer.
    /// (A try that was answered used to remove, when it was dropped, the
    /// entry of a newer try that had drawn the same ID: that question then
    /// failed with "the answer reader stopped".)
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_answer_is_lost_when_ids_are_reused_under_load() {
        use crate::zone_server::{Silence, ZoneServer};
        use futures::StreamExt;
        const NAMES: u32 = 2_000;
        const QUESTIONS: u32 = 100_000;
        const IN_FLIGHT: usize = 512;
        let origin = Name::from_str("stress.test.").unwrap();
        let records = (0..NAMES)
            .map(|i| {
                Record::from_rdata(
                    Name::from_str(&format!("n{i}.stress.test.")).unwrap(),
                    60,
                    RData::A(A::from(std::net::Ipv4Addr::from(0xC000_0200 + i))),
                )
            })
            .collect();
        let server = ZoneServer::start_zones(vec![(origin, records)], Silence::default())
            .await
            .unwrap();
        let t = Transport::new(vec![server.addr()], Duration::from_secs(5), 3)
            .with_sockets_per_server(1);
        let t = &t;
        let lost: Vec<String> = futures::stream::iter(0..QUESTIONS)
            .map(|q| async move {
                let i = q % NAMES;
                let name = Name::from_str(&format!("n{i}.stress.test.")).unwrap();
                let want = std::net::Ipv4Addr::from(0xC000_0200 + i).to_string();
                match t.lookup(&name, RecordType::A).await {
                    Reply::Answer { answers, .. }
                        if answers.len() == 1 && answers[0].data.to_string() == want =>
                    {
                        None
                    }
                    other => Some(format!("{name}: {other:?}")),
                }
            })
            .buffer_unordered(IN_FLIGHT)
            .filter_map(|x| async move { x })
            .collect()
            .await;
        server.shutdown().await;
        assert!(
            lost.is_empty(),
            "{} of {QUESTIONS} answers lost, e.g. {:?}",
            lost.len(),
            &lost[..lost.len().min(5)]
        );
    }

    /// A server that answers `x.example MX` with its own record plus one
    /// for a name that was not asked, sends a copy of its answer with QR=0
    /// first, and answers `gone.example A` NXDOMAIN with a data record.
    async fn overreaching_server() -> SocketAddr {
        use hickory_proto::rr::rdata::MX;
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                    return;
                };
                let query = Message::from_vec(&buf[..n]).unwrap();
                let q = query.queries[0].clone();
                let mut m = Message::response(query.metadata.id, query.metadata.op_code);
                m.add_query(q.clone());
                let mx = |owner: &str, host: &str| {
                    Record::from_rdata(
                        Name::from_str(owner).unwrap(),
                        60,
                        RData::MX(MX::new(10, Name::from_str(host).unwrap())),
                    )
                };
                if q.name().to_ascii() == "gone.example." {
                    m.metadata.response_code = ResponseCode::NXDomain;
                    m.add_answer(Record::from_rdata(
                        q.name().clone(),
                        60,
                        RData::A(A::from(std::net::Ipv4Addr::new(192, 0, 2, 66))),
                    ));
                } else {
                    m.add_answer(mx("x.example.", "mx.x.example."));
                    m.add_answer(mx("outlook.com.", "attacker.example."));
                }
                // The same message as a query (QR=0): not an answer.
                let mut forged = m.clone();
                forged.metadata.message_type = MessageType::Query;
                socket
                    .send_to(&forged.to_vec().unwrap(), from)
                    .await
                    .unwrap();
                socket.send_to(&m.to_vec().unwrap(), from).await.unwrap();
            }
        });
        addr
    }

    #[tokio::test]
    async fn records_for_names_not_asked_are_dropped() {
        let server = overreaching_server().await;
        let t = Transport::new(vec![server], Duration::from_secs(2), 1);
        let name = Name::from_str("x.example.").unwrap();
        match t.lookup(&name, RecordType::MX).await {
            Reply::Answer { answers, .. } => {
                let shown: Vec<String> = answers
                    .iter()
                    .map(|r| format!("{} {}", r.name, r.data))
                    .collect();
                assert_eq!(shown, ["x.example. 10 mx.x.example."], "{shown:?}");
            }
            other => panic!("expected an answer, got {other:?}"),
        }
        let gone = Name::from_str("gone.example.").unwrap();
        match t.lookup(&gone, RecordType::A).await {
            Reply::Answer { code, answers, .. } => {
                assert_eq!(code, ResponseCode::NXDomain);
                assert!(answers.is_empty(), "{answers:?}");
            }
            other => panic!("expected NXDOMAIN, got {other:?}"),
        }
    }
}
