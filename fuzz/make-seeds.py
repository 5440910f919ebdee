#!/usr/bin/env python3
"""Regenerate the fuzz corpus seeds (fuzz/corpus/<target>/) from the fixtures.

    python3 fuzz/make-seeds.py            # text, DNS and model seeds
    python3 fuzz/make-seeds.py --scans    # also scan.json seeds (runs scans)

Sources:
  * TXT records of the zone fixtures (tests/zones/**/*.zone,
    examples/bollebygd/*/*.zone) -> spf_record, dmarc, tls_rpt, txt_token;
  * SPF/TXT data of the RFC 7208 suite
    (crates/spf/tests/conformance/spf/rfc7208-tests.yml, needs PyYAML)
    -> spf_record, txt_token;
  * DNS answers in wire format, built here from the zone fixtures' records
    and the suite's TXT data, plus a few crafted ones (empty TXT record,
    NXDOMAIN, EDNS, truncation) -> decode_answer;
  * the organisation models examples/bollebygd/model-*.toml and small
    variants -> org_model;
  * with --scans: scan.json of offline scans of the fixtures -> scan_json.

Each seed is one file named by the SHA-1 of its content, as libFuzzer names
its own. The script only adds files; delete a corpus directory first to
start it afresh.
"""

import glob
import hashlib
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def write_seed(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


# --- zone files (the subset of RFC 1035 master-file syntax the fixtures use)


def tokens(text):
    """(line_starts_with_owner, [token]) per logical record; quoted tokens are
    returned as bytes, others as str."""
    out, current, depth, owner_first = [], [], 0, False
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and depth == 0:
            if current:
                out.append((owner_first, current))
                current = []
            owner_first = c not in " \t\n;"
            at_line_start = False
        if c == "\n":
            at_line_start = depth == 0
            i += 1
        elif c in " \t":
            i += 1
        elif c == ";":
            while i < n and text[i] != "\n":
                i += 1
        elif c == "(":
            depth += 1
            i += 1
        elif c == ")":
            depth -= 1
            i += 1
        elif c == '"':
            i += 1
            buf = bytearray()
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    if text[i + 1 : i + 4].isdigit() and len(text[i + 1 : i + 4]) == 3:
                        buf.append(int(text[i + 1 : i + 4]) & 0xFF)  # decimal (RFC 1035)
                        i += 4
                        continue
                    buf += text[i + 1].encode()
                    i += 2
                    continue
                buf += text[i].encode()
                i += 1
            i += 1
            current.append(bytes(buf))
        else:
            j = i
            while j < n and text[j] not in " \t\n;()\"":
                j += 1
            current.append(text[i:j])
            i = j
    if current:
        out.append((owner_first, current))
    return out


TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28, "SRV": 33}


def read_zone(path):
    """[(owner, type, ttl, rdata tokens)] with absolute owner names."""
    text = open(path, encoding="utf-8").read()
    origin, ttl, owner, records = ".", 3600, None, []

    def absolute(name):
        if name == "@":
            return origin
        return name if name.endswith(".") else f"{name}.{origin}"

    for owner_first, toks in tokens(text):
        if toks[0] == "$ORIGIN":
            origin = toks[1]
            continue
        if toks[0] == "$TTL":
            ttl = int(toks[1])
            continue
        if owner_first:
            owner = absolute(toks.pop(0))
        rttl = ttl
        while toks and isinstance(toks[0], str) and (toks[0].isdigit() or toks[0] == "IN"):
            t = toks.pop(0)
            if t.isdigit():
                rttl = int(t)
        rtype = toks.pop(0)
        if rtype == "TXT":
            rdata = [t if isinstance(t, bytes) else t.encode() for t in toks]
        elif rtype in ("NS", "CNAME"):
            rdata = [absolute(t) for t in toks]
        else:
            rdata = toks
        records.append((owner.lower(), rtype, rttl, rdata, absolute))
    return records


# --- DNS wire format (RFC 1035 §4)


class Wire:
    def __init__(self, compress=True):
        self.buf = bytearray()
        self.names = {}
        self.compress = compress

    def name(self, name):
        labels = [l for l in name.rstrip(".").split(".") if l] if name != "." else []
        for k in range(len(labels)):
            suffix = ".".join(labels[k:]).lower()
            if self.compress and suffix in self.names:
                self.buf += struct.pack(">H", 0xC000 | self.names[suffix])
                return
            if len(self.buf) < 0x3FFF:
                self.names[suffix] = len(self.buf)
            label = labels[k].encode()
            self.buf += bytes([len(label)]) + label
        self.buf += b"\0"


def rdata_bytes(w, rtype, rdata, absolute):
    """Append RDATA (with its length) to the wire."""
    at = len(w.buf)
    w.buf += b"\0\0"
    if rtype == "A":
        w.buf += bytes(int(x) for x in rdata[0].split("."))
    elif rtype == "AAAA":
        import ipaddress

        w.buf += ipaddress.IPv6Address(rdata[0]).packed
    elif rtype in ("NS", "CNAME"):
        w.name(rdata[0])
    elif rtype == "MX":
        w.buf += struct.pack(">H", int(rdata[0]))
        w.name(absolute(rdata[1]))
    elif rtype == "SRV":
        w.buf += struct.pack(">HHH", int(rdata[0]), int(rdata[1]), int(rdata[2]))
        w.name(absolute(rdata[3]))
    elif rtype == "SOA":
        w.name(absolute(rdata[0]))
        w.name(absolute(rdata[1]))
        w.buf += struct.pack(">IIIII", *(int(x) for x in rdata[2:7]))
    elif rtype == "TXT":
        for s in rdata:
            s = s if isinstance(s, bytes) else s.encode()
            w.buf += bytes([len(s)]) + s
    elif rtype == "EMPTY":
        pass
    else:
        raise ValueError(rtype)
    struct.pack_into(">H", w.buf, at, len(w.buf) - at - 2)


def message(msg_id, qname, qtype, answers=(), authority=(), rcode=0, edns=None,
            flags=0x8500, opcode=0, compress=True):
    """answers/authority: [(owner, type, ttl, rdata, absolute)]."""
    w = Wire(compress)
    arcount = 1 if edns is not None else 0
    flags = flags | (opcode << 11) | rcode
    w.buf += struct.pack(">HHHHHH", msg_id, flags, 1, len(answers), len(authority), arcount)
    w.name(qname)
    w.buf += struct.pack(">HH", TYPES.get(qtype, 16), 1)
    for owner, rtype, ttl, rdata, absolute in list(answers) + list(authority):
        w.name(owner)
        w.buf += struct.pack(">HHI", TYPES.get(rtype, 16), 1, ttl)
        rdata_bytes(w, rtype, rdata, absolute)
    if edns is not None:
        # OPT: root owner, UDP size in CLASS, DO bit in TTL (RFC 6891).
        w.buf += b"\0" + struct.pack(">HHIH", 41, edns, 0x8000, 0)
    return bytes(w.buf)


def rel(name):
    return lambda n: n if n.endswith(".") else f"{n}.{name}"


# --- the seeds


def zone_files():
    return sorted(
        glob.glob(os.path.join(ROOT, "tests", "zones", "**", "*.zone"), recursive=True)
        + glob.glob(os.path.join(ROOT, "examples", "bollebygd", "*", "*.zone"))
    )


def text_seeds(txts):
    for t in txts:
        lower = t.lower().lstrip()
        write_seed("txt_token", t)
        if "spf1" in lower:
            write_seed("spf_record", t)
        if lower.replace(" ", "").startswith("v=dmarc1"):
            write_seed("dmarc", t)
        if "rua=" in lower.replace(" ", ""):
            write_seed("tls_rpt", t)


def conformance_txts():
    try:
        import yaml
    except ImportError:
        print("PyYAML missing: skipping the RFC 7208 suite", file=sys.stderr)
        return []
    path = os.path.join(ROOT, "crates", "spf", "tests", "conformance", "spf", "rfc7208-tests.yml")
    out = []
    for doc in yaml.safe_load_all(open(path, encoding="utf-8")):
        for records in (doc or {}).get("zonedata", {}).values():
            for r in records:
                if not isinstance(r, dict):
                    continue
                for k in ("SPF", "TXT"):
                    v = r.get(k)
                    if isinstance(v, str):
                        out.append([v])
                    elif isinstance(v, list):
                        out.append([s for s in v if isinstance(s, str)])
    return out


HANDWRITTEN_TEXT = [
    # RFC 7489 §6.3 tags, URIs with size limits, odd spacing and case.
    "v=DMARC1; p=none; sp=quarantine; pct=50; rua=mailto:agg@x.example!10m, mailto:b@Y.Example; "
    "ruf=mailto:fail@z.example; fo=1:d; adkim=s; aspf=r; ri=86400; rf=afrf",
    "v = DMARC1 ;p=reject;rua=mailto:a@b.example,https://not-mail.example/;ruf=",
    "V=dmarc1; p=reject; rua=mailto:@nolocal.example; ruf=mailto:x@; np=none; psd=n; t=y",
    # RFC 8460 §3 examples and variants.
    "v=TLSRPTv1; rua=mailto:reports@example.com",
    "v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt",
    "v=TLSRPTv1;rua=mailto:a@b.example,https://c.example:8443/x?y=z, mailto:bad, ftp://d.example",
    # Tokens.
    "google-site-verification=abcDEF0123_-xyz",
    "apple-domain-verification=QWERTY",
    "facebook-domain-verification=0123456789abcdef",
    "_github-challenge-org=1234567890",
    "v=BIMI1; l=https://example.com/logo.svg",
    "MS=ms99999999",
    # SPF edge cases (RFC 7208 §4.6, §7 macros).
    "v=spf1 a/24//64 mx:%{d}/16 ptr:%{ir}.%{v}._spf.%{d2} exists:%{l1r+-}.%{o}._spf.example -all",
    "v=spf1 ip6:2001:db8::/32 ip4:192.0.2.0/24 include:_spf.example.com redirect=_spf.example.net",
    "v=spf1 exp=explain._spf.%{d} -all moo.cow-far_out=man:dog/cat ?all",
]


def dns_seeds():
    msg_id = 0x1000
    n = 0
    for path in zone_files():
        records = read_zone(path)
        by = {}
        for r in records:
            by.setdefault((r[0], r[1]), []).append(r)
        soa = next((r for r in records if r[1] == "SOA"), None)
        for (owner, rtype), rrset in sorted(by.items(), key=lambda kv: kv[0]):
            msg_id += 1
            answers = list(rrset)
            qtype = rtype
            if rtype == "CNAME":
                # An A question answered through the chain, where the zone has it.
                qtype = "A"
                target = rrset[0][3][0].lower()
                answers += by.get((target, "A"), [])
            edns = 1232 if n % 2 == 0 else None
            write_seed("decode_answer", message(msg_id, owner, qtype, answers, edns=edns,
                                                compress=n % 3 != 0))
            n += 1
        if soa is not None:
            # NXDOMAIN with the SOA in the authority section (RFC 2308).
            write_seed("decode_answer", message(msg_id + 1, "missing." + soa[0], "TXT",
                                                authority=[soa], rcode=3, edns=1232))
            # NODATA.
            write_seed("decode_answer", message(msg_id + 2, soa[0], "SRV", authority=[soa]))
    # The suite's TXT data, as answers (lists of strings, empty lists, bytes
    # that are not UTF-8).
    for i, strings in enumerate(conformance_txts()[:60]):
        enc = [s.encode("utf-8") for s in strings]
        if any(len(s) > 255 for s in enc):
            continue
        rr = ("example.com.", "TXT", 300, enc, rel("example.com."))
        write_seed("decode_answer", message(0x2000 + i, "example.com.", "TXT", [rr], edns=4096))
    absolute = rel("example.")
    # RDLENGTH 0 beside an SPF record: the decode_answer retry as UPDATE.
    empty = ("null.example.", "EMPTY", 300, [], absolute)
    spf = ("null.example.", "TXT", 300, [b"v=spf1 ip4:192.0.2.5 -all"], absolute)
    write_seed("decode_answer", message(0x3001, "null.example.", "TXT", [empty, spf]))
    write_seed("decode_answer", message(0x3002, "null.example.", "TXT", [spf, empty], edns=1232))
    # Truncated (TC), SERVFAIL, a NOTIFY opcode, a message cut short.
    write_seed("decode_answer", message(0x3003, "big.example.", "TXT", flags=0x8700))
    write_seed("decode_answer", message(0x3004, "fail.example.", "A", rcode=2))
    write_seed("decode_answer", message(0x3005, "n.example.", "SOA", opcode=4))
    whole = message(0x3006, "cut.example.", "TXT", [spf])
    write_seed("decode_answer", whole[: len(whole) - 7])


MINIMAL_MODEL = """[organisation]
name = "Testkommun"
source = "IT inventory 2026"
checked = "2026-01-01"

[[component]]
id = "backup"
name = "Offsite backup"
kind = "backup"
receives_from = ["mailboxes"]
hosts = ["backup.example.se."]
operator = "Example Backup Inc."
operator_country = "US"
sites = [{ name = "Backup vault, Virginia", country = "US" }]
note = "a note"
"""

BROKEN_MODEL = """[organisation]
name = "X"
source = "s"
checked = "2026-01-01"

[[component]]
id = "a"
name = "A"
kind = "teleporter"
receives_from = ["nowhere"]
provider = "no-such-provider"
operator = "Y"

[[component]]
id = "a"
name = "A again"
kind = "other"
"""


def model_seeds():
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "bollebygd", "model-*.toml"))):
        write_seed("org_model", open(path, "rb").read())
    write_seed("org_model", MINIMAL_MODEL)
    write_seed("org_model", BROKEN_MODEL)
    write_seed("org_model", '[organisation]\nname = "N"\nsource = "S"\nchecked = 2026-01-01\n')


def scan_seeds():
    """scan.json of offline scans of the fixtures (builds transfermap)."""
    runs = [
        ("bollebygd.se", "examples/bollebygd/after", []),
        ("bollebygd.se", "examples/bollebygd/before", ["--model", "examples/bollebygd/model-before.toml"]),
        ("egenkommun.se", "tests/zones/own-servers", []),
        ("sandkommun.se", "tests/zones/us-sender", []),
        ("hostile.example", "tests/zones/hostile", []),
        ("familjekommun.se", "tests/zones/provider-families", []),
    ]
    for domain, zones, extra in runs:
        with tempfile.TemporaryDirectory() as out:
            cmd = ["cargo", "run", "--quiet", "--release", "--", "scan", domain, "--zone-file", zones,
                   "--format", "json", "--out", out, "--as-of", "2026-01-01", *extra]
            subprocess.run(cmd, cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
            path = os.path.join(out, "scan.json")
            if os.path.exists(path):
                write_seed("scan_json", open(path, "rb").read())
            else:
                print(f"no scan.json from {' '.join(cmd)}", file=sys.stderr)
    # Near misses of the format check.
    write_seed("scan_json", '{"format":"transfermap-scan","version":2}')
    write_seed("scan_json", '{"format":"transfermap-scan","version":1}')
    write_seed("scan_json", '{"format":"something-else","version":2}')


def main():
    txts = []
    for path in zone_files():
        for _, rtype, _, rdata, _ in read_zone(path):
            if rtype == "TXT":
                txts.append(b"".join(rdata).decode("utf-8", "surrogateescape"))
    txts += ["".join(s) for s in conformance_txts()]
    txts += HANDWRITTEN_TEXT
    text_seeds(txts)
    dns_seeds()
    model_seeds()
    if "--scans" in sys.argv[1:]:
        scan_seeds()
    for target in sorted(os.listdir(CORPUS)):
        print(f"{target}: {len(os.listdir(os.path.join(CORPUS, target)))} seeds")


if __name__ == "__main__":
    main()
