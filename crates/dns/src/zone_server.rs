//! An authoritative DNS server on loopback, serving recorded zone files.
//!
//! Offline scans and the integration tests use it so that the very same
//! resolver code path runs as in a live scan: real queries over real UDP
//! and TCP sockets, answered by `hickory-server` from the zone files.

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hickory_server::Server;
use hickory_server::net::runtime::Time;
use hickory_server::proto::op::{Header, HeaderCounts, MessageType, Metadata};
use hickory_server::proto::rr::rdata::SOA;
use hickory_server::proto::rr::{LowerName, Name, RData, Record, RecordType};
use hickory_server::proto::serialize::binary::BinEncodable;
use hickory_server::proto::serialize::txt::Parser;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneHandler, ZoneType};

#[derive(Debug, thiserror::Error)]
pub enum ZoneError {
    #[error("cannot read zone file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("zone file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("zone file {path}, line {line}: {message}")]
    ParseAt {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("zone {zone} is given twice (second time in {path})")]
    Duplicate { zone: String, path: PathBuf },
    #[error("no zone files found in {0} (expected files ending in .zone)")]
    EmptyDirectory(PathBuf),
    #[error("cannot open a DNS server socket on loopback: {0}")]
    Bind(std::io::Error),
}

/// Expand the user's `--zone-file` arguments: a directory stands for every
/// `*.zone` file in it, in name order.
pub fn expand_zone_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ZoneError> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|source| ZoneError::Read {
                path: path.clone(),
                source,
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "zone"))
                .collect();
            if found.is_empty() {
                return Err(ZoneError::EmptyDirectory(path.clone()));
            }
            found.sort();
            out.extend(found);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// Names the server never answers, each with the record types it still
/// answers for that name (possibly none).
#[derive(Debug, Clone, Default)]
pub struct Silence {
    names: HashMap<LowerName, HashSet<RecordType>>,
}

impl Silence {
    /// Never answer questions about `name`, except of the `answered` types.
    pub fn add(&mut self, name: &Name, answered: impl IntoIterator<Item = RecordType>) {
        self.names
            .entry(LowerName::from(name))
            .or_default()
            .extend(answered);
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    fn silences(&self, name: &LowerName, rtype: RecordType) -> bool {
        self.names
            .get(name)
            .is_some_and(|answered| !answered.contains(&rtype))
    }
}

/// The catalog, except for silenced names.
struct Responder {
    catalog: Catalog,
    silence: Silence,
}

#[async_trait::async_trait]
impl RequestHandler for Responder {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        response_handle: R,
    ) -> ResponseInfo {
        if let Ok(info) = request.request_info()
            && self
                .silence
                .silences(info.query.name(), info.query.query_type())
        {
            // Nothing is sent: to the client this is a server that never answers.
            let metadata = Metadata::new(
                request.metadata.id,
                MessageType::Response,
                request.metadata.op_code,
            );
            return ResponseInfo::from(Header {
                metadata,
                counts: HeaderCounts::default(),
            });
        }
        self.catalog
            .handle_request::<R, T>(request, response_handle)
            .await
    }
}

/// A running authoritative server. Dropping it stops it.
pub struct ZoneServer {
    addr: SocketAddr,
    zones: Vec<String>,
    server: Server<Responder>,
}

impl ZoneServer {
    /// Load the zone files and start serving them on 127.0.0.1 (UDP and TCP, same port).
    pub async fn start(files: &[PathBuf]) -> Result<Self, ZoneError> {
        let mut catalog = Catalog::new();
        let mut zones = Vec::new();
        for path in files {
            let (origin, handler) = load_zone(path)?;
            let lower = LowerName::from(&origin);
            if catalog.contains(&lower) {
                return Err(ZoneError::Duplicate {
                    zone: origin.to_string(),
                    path: path.clone(),
                });
            }
            zones.push(origin.to_utf8().trim_end_matches('.').to_string());
            catalog.upsert(lower, vec![Arc::new(handler) as Arc<dyn ZoneHandler>]);
        }
        Self::serve(catalog, zones, Silence::default()).await
    }

    /// Serve zones built in code: each origin with its records (a SOA is
    /// added when none is given). The origin may be the root, `.`, to serve
    /// any name from one zone. `silence` lists names never answered.
    pub async fn start_zones(
        zones: Vec<(Name, Vec<Record>)>,
        silence: Silence,
    ) -> Result<Self, ZoneError> {
        let mut catalog = Catalog::new();
        let mut names = Vec::new();
        for (origin, records) in zones {
            let lower = LowerName::from(&origin);
            if catalog.contains(&lower) {
                return Err(ZoneError::Duplicate {
                    zone: origin.to_string(),
                    path: PathBuf::from("(built in code)"),
                });
            }
            let handler =
                zone_from_records(&origin, records).map_err(|message| ZoneError::Parse {
                    path: PathBuf::from(origin.to_string()),
                    message,
                })?;
            names.push(origin.to_utf8().trim_end_matches('.').to_string());
            catalog.upsert(lower, vec![Arc::new(handler) as Arc<dyn ZoneHandler>]);
        }
        Self::serve(catalog, names, silence).await
    }

    async fn serve(
        catalog: Catalog,
        zones: Vec<String>,
        silence: Silence,
    ) -> Result<Self, ZoneError> {
        let (udp, tcp) = bind_pair().await?;
        let addr = udp.local_addr().map_err(ZoneError::Bind)?;
        let mut server = Server::new(Responder { catalog, silence });
        server.register_socket(udp);
        server.register_listener(tcp, Duration::from_secs(5), 64 * 1024);
        Ok(Self {
            addr,
            zones,
            server,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The zones served, e.g. `["bollebygd.se", "outlook.com"]`.
    pub fn zones(&self) -> &[String] {
        &self.zones
    }

    pub async fn shutdown(mut self) {
        let _ = self.server.shutdown_gracefully().await;
    }
}

fn load_zone(path: &Path) -> Result<(Name, InMemoryZoneHandler), ZoneError> {
    let text = std::fs::read_to_string(path).map_err(|source| ZoneError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    // A file without `$ORIGIN` is taken to be named after its zone (`example.se.zone`).
    let fallback = path
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.trim_end_matches(".zone"))
        .and_then(|n| Name::from_utf8(format!("{n}.")).ok());
    let parse_err = |message: String| ZoneError::Parse {
        path: path.to_path_buf(),
        message,
    };
    let parse = |text: &str| {
        Parser::new(text.to_string(), Some(path.to_path_buf()), fallback.clone()).parse()
    };
    let (origin, records) = match parse(&text) {
        Ok(parsed) => parsed,
        Err(e) => {
            let raw = e.to_string();
            let mut message = plain_parse_error(&raw);
            return Err(match first_bad_line(&text, |t| parse(t).is_err()) {
                Some(line) => {
                    let record = text.lines().nth(line - 1).unwrap_or("");
                    if is_idna_error(&raw)
                        && let Some(label) = underscore_inside_label(record)
                    {
                        message = format!(
                            "the label `{label}` has an underscore after its first character: DNS allows it, but the zone-file reader takes `_` only at the start of a label (as in `_dmarc`). Serve this zone with a DNS server (e.g. NSD) and scan with --resolver"
                        );
                    }
                    ZoneError::ParseAt {
                        path: path.to_path_buf(),
                        line,
                        message,
                    }
                }
                None => parse_err(message),
            });
        }
    };
    // A record's data is at most 65,535 bytes on the wire (RDLENGTH is 16
    // bits); hickory accepts a longer TXT from a file and then cannot send
    // it, so the record would vanish from every answer without a word.
    for rrset in records.values() {
        for record in rrset.records_without_rrsigs() {
            let len = record
                .data
                .to_bytes()
                .map(|b| b.len())
                .unwrap_or(usize::MAX);
            if len > usize::from(u16::MAX) {
                return Err(parse_err(format!(
                    "the {} record of {} holds {len} bytes; DNS carries at most 65,535 bytes of data in one record",
                    record.record_type(),
                    record.name
                )));
            }
        }
    }
    let handler =
        InMemoryZoneHandler::new(origin.clone(), records, ZoneType::Primary, AxfrPolicy::Deny)
            .map_err(parse_err)?;
    Ok((origin, handler))
}

/// A label of a zone-file line's names with `_` after its first character
/// (`karlshamn_se` in `_spf.karlshamn_se._d.easydmarc.pro.`): legal in DNS,
/// refused by hickory's zone reader, which runs such labels through IDNA.
fn underscore_inside_label(line: &str) -> Option<String> {
    // Names stand before any quoted text (TXT data is not a name).
    let code = line.split([';', '"']).next().unwrap_or("");
    code.split_whitespace()
        .flat_map(|w| w.split('.'))
        .find(|l| l.is_ascii() && l.len() > 1 && l[1..].contains('_'))
        .map(|l| l.chars().take(63).collect())
}

/// Whether hickory refused a label in IDNA processing.
fn is_idna_error(message: &str) -> bool {
    message.contains("Err(Errors)") || message.contains("Label contains invalid characters")
}

/// hickory's messages, said plainly (its IDNA errors end in `Err(Errors)`).
fn plain_parse_error(message: &str) -> String {
    if is_idna_error(message) {
        return "a name holds characters a domain name cannot have (letters, digits and hyphens between dots)".into();
    }
    message
        .trim_start_matches("proto error: ")
        .trim_start_matches("decoding error: ")
        .to_string()
}

/// The first line at which the file stops parsing: the smallest prefix
/// ending at a record boundary (outside quotes and parentheses) that fails.
/// hickory's parser does not say where it failed, so this finds it.
fn first_bad_line(text: &str, fails: impl Fn(&str) -> bool) -> Option<usize> {
    let mut ends = Vec::new(); // (line number, byte offset after the line)
    let (mut depth, mut quoted, mut offset) = (0i32, false, 0usize);
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let mut escaped = false;
        for c in line.chars() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = !quoted,
                ';' if !quoted => break,
                '(' if !quoted => depth += 1,
                ')' if !quoted => depth -= 1,
                _ => {}
            }
        }
        offset += line.len();
        if depth <= 0 && !quoted {
            ends.push((i + 1, offset));
        }
    }
    // Binary search over record boundaries: prefixes that end before the
    // bad record parse; those that include it do not.
    let (mut lo, mut hi) = (0usize, ends.len());
    if hi == 0 || !fails(&text[..ends[hi - 1].1]) {
        return None;
    }
    while lo + 1 < hi {
        let mid = (lo + hi) / 2;
        if fails(&text[..ends[mid - 1].1]) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(ends[hi - 1].0)
}

/// An in-memory zone from records; a SOA for `origin` is made up when the
/// records have none (it is needed for negative answers).
fn zone_from_records(origin: &Name, records: Vec<Record>) -> Result<InMemoryZoneHandler, String> {
    let mut handler =
        InMemoryZoneHandler::empty(origin.clone(), ZoneType::Primary, AxfrPolicy::Deny);
    let serial = 1;
    if !records.iter().any(|r| r.record_type() == RecordType::SOA) {
        let soa = SOA::new(
            Name::from_labels(["ns", "invalid"]).map_err(|e| e.to_string())?,
            Name::from_labels(["hostmaster", "invalid"]).map_err(|e| e.to_string())?,
            serial,
            3600,
            600,
            86400,
            60,
        );
        handler.upsert_mut(
            Record::from_rdata(origin.clone(), 3600, RData::SOA(soa)),
            serial,
        );
    }
    for record in records {
        if !origin.zone_of(&record.name) {
            return Err(format!("{} is not in zone {origin}", record.name));
        }
        // An identical record given twice is kept once, as DNS does.
        handler.upsert_mut(record, serial);
    }
    Ok(handler)
}

/// UDP and TCP on the same free loopback port; retried because the UDP port
/// the kernel picks may be taken for TCP.
async fn bind_pair() -> Result<(tokio::net::UdpSocket, tokio::net::TcpListener), ZoneError> {
    let mut last = None;
    for _ in 0..20 {
        let udp = tokio::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(ZoneError::Bind)?;
        crate::transport::enlarge_recv_buffer(&udp);
        let port = udp.local_addr().map_err(ZoneError::Bind)?.port();
        match tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) => last = Some(e),
        }
    }
    Err(ZoneError::Bind(last.unwrap_or_else(|| {
        std::io::Error::other("no free port pair found")
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<(Name, InMemoryZoneHandler), ZoneError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.example.zone");
        std::fs::write(&path, text).unwrap();
        load_zone(&path)
    }

    const HEAD: &str =
        "$ORIGIN bad.example.\n$TTL 300\n@ IN SOA ns h (\n 1 2 3 4 5 )\n@ IN MX 10 mx\n";

    #[test]
    fn a_zone_file_error_names_the_line_and_says_it_plainly() {
        let err = load(&format!(
            "{HEAD}mx IN A 192.0.2.1\nbad IN A 999.1.2.3\nok IN A 192.0.2.2\n"
        ))
        .err()
        .expect("refused");
        let text = err.to_string();
        assert!(text.contains("line 7"), "{text}");
        let err = load(&format!("{HEAD}x IN MX 10 \u{202e}mx\n"))
            .err()
            .expect("refused");
        let text = err.to_string();
        assert!(!text.contains("Err(Errors)"), "{text}");
        assert!(text.contains("line 6"), "{text}");
    }

    #[test]
    fn an_underscore_inside_a_label_is_named_with_what_to_do() {
        // A real hosted-SPF name (EasyDMARC): valid DNS, refused by the reader.
        let err = load(&format!(
            "{HEAD}_spf.karlshamn_se._d IN TXT \"v=spf1 include:_x.a_b.example -all\"\n"
        ))
        .err()
        .expect("refused");
        let text = err.to_string();
        assert!(text.contains("line 6"), "{text}");
        assert!(text.contains("`karlshamn_se`"), "{text}");
        assert!(text.contains("--resolver"), "{text}");
        // A leading underscore is fine, and quoted text is not a name.
        assert!(
            load(&format!(
                "{HEAD}_dmarc IN TXT \"v=DMARC1; p=none; x=a_b\"\n"
            ))
            .is_ok()
        );
        assert_eq!(underscore_inside_label("x IN TXT \"a_b.c_d\""), None);
        assert_eq!(underscore_inside_label("é_x.example. IN A 192.0.2.1"), None);
    }

    #[test]
    fn a_record_too_large_for_dns_is_refused_not_dropped() {
        let chunk = format!("\"{}\"", "a".repeat(255));
        let strings = vec![chunk; 260].join(" ");
        let err = load(&format!("{HEAD}big IN TXT ( {strings} )\n"))
            .err()
            .expect("refused");
        assert!(err.to_string().contains("65,535"), "{err}");
    }
}
