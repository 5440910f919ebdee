#!/usr/bin/env python3
"""Build geodata/asn.mmdb from the @ip-location-db/asn CSV files.

Input: asn-ipv4.csv and asn-ipv6.csv from the npm package @ip-location-db/asn,
rows of `start_ip,end_ip,autonomous_system_number,autonomous_system_organization`
(inclusive ranges).

Output: a MaxMind DB in the GeoLite2-ASN record format
    {"autonomous_system_number": <uint32>, "autonomous_system_organization": <utf8>}
with ip_version 6; IPv4 networks live in the IPv4-compatible subtree ::/96,
which is where MaxMind readers (the Rust `maxminddb` crate, libmaxminddb,
the Python `maxminddb` package) look up IPv4 addresses in an IPv6 database.
As in MaxMind's own databases, the IPv4-mapped range ::ffff:0:0/96 is an alias
of that subtree, so ::ffff:a.b.c.d finds the same record as a.b.c.d.
(2002::/16 is not aliased: the source data has its own 6to4 records.)

Each start-end range is converted to CIDRs with
ipaddress.summarize_address_range. Rows are inserted in file order (sorted by
start address); if two rows overlap, the later row wins for the overlap.

The output is reproducible: the same inputs, the same --source-version and the
same pinned requirements give a byte-identical file. build_epoch is taken from
SOURCE_DATE_EPOCH if set, otherwise from the YYYYMMDDHH part of
--source-version (e.g. 2.3.2026061719 -> 2026-06-17 19:00 UTC), otherwise 0.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import ipaddress
import os
import re
import sys
import time

from mmdb_writer import MMDBWriter, SearchTreeNode
from netaddr import IPSet

DATABASE_TYPE = "transfermap-ASN"


def build_epoch(source_version: str | None) -> int:
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env:
        return int(env)
    if source_version:
        m = re.search(r"(\d{4})(\d{2})(\d{2})(\d{2})$", source_version)
        if m:
            y, mo, d, h = map(int, m.groups())
            return int(dt.datetime(y, mo, d, h, tzinfo=dt.timezone.utc).timestamp())
    return 0


class ReproducibleWriter(MMDBWriter):
    def __init__(self, epoch: int, **kwargs):
        super().__init__(**kwargs)
        self._epoch = epoch

    def _build_meta(self):
        meta = super()._build_meta()
        meta["build_epoch"] = self._epoch
        return meta


def alias_ipv4_mapped(writer: MMDBWriter) -> None:
    """Point ::ffff:0:0/96 at the IPv4 subtree (::/96); call after all inserts."""
    node = writer.tree
    for _ in range(96):
        node = node[0]
        if type(node) is not SearchTreeNode:
            raise SystemExit("no IPv4 subtree at ::/96 to alias")
    ipv4_root = node
    bits = [0] * 80 + [1] * 16
    cur = writer.tree
    for b in bits[:-1]:
        cur = cur.get_or_create(b)
        if type(cur) is not SearchTreeNode:
            raise SystemExit("::ffff:0:0/96 is already covered by IPv6 data; cannot alias")
    if cur[bits[-1]] is not None:
        raise SystemExit("::ffff:0:0/96 already has data; cannot alias")
    cur[bits[-1]] = ipv4_root


def load(writer: MMDBWriter, path: str, version: int, records: dict) -> tuple[int, int]:
    rows = cidrs = 0
    with open(path, newline="", encoding="utf-8") as f:
        for lineno, row in enumerate(csv.reader(f), 1):
            if not row:
                continue
            if len(row) != 4:
                raise SystemExit(f"{path}:{lineno}: expected 4 fields, got {len(row)}")
            start = ipaddress.ip_address(row[0])
            end = ipaddress.ip_address(row[1])
            if start.version != version or end.version != version:
                raise SystemExit(f"{path}:{lineno}: not IPv{version}: {row[0]}-{row[1]}")
            asn = int(row[2])
            if not 0 <= asn <= 0xFFFFFFFF:
                raise SystemExit(f"{path}:{lineno}: ASN out of uint32 range: {asn}")
            org = row[3]
            key = (asn, org)
            rec = records.get(key)
            if rec is None:
                rec = {"autonomous_system_number": asn}
                if org:
                    rec["autonomous_system_organization"] = org
                records[key] = rec
            nets = [str(n) for n in ipaddress.summarize_address_range(start, end)]
            writer.insert_network(IPSet(nets), rec)
            rows += 1
            cidrs += len(nets)
    return rows, cidrs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ipv4-csv", required=True)
    ap.add_argument("--ipv6-csv", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--source-version", default=None,
                    help="version of @ip-location-db/asn, recorded in the metadata description")
    args = ap.parse_args()

    epoch = build_epoch(args.source_version)
    src = "@ip-location-db/asn"
    if args.source_version:
        src += f"@{args.source_version}"
    writer = ReproducibleWriter(
        epoch,
        ip_version=6,
        ipv4_compatible=True,
        database_type=DATABASE_TYPE,
        languages=["en"],
        description={
            "en": f"IP to ASN built by transfermap from {src} "
                  "(RouteViews, NRO/RIR statistics and DB-IP IP to ASN Lite, CC BY 4.0)"
        },
        int_type="u32",
    )

    t0 = time.monotonic()
    records: dict = {}
    r4, c4 = load(writer, args.ipv4_csv, 4, records)
    t1 = time.monotonic()
    print(f"IPv4: {r4} ranges -> {c4} CIDRs ({t1 - t0:.1f}s)", file=sys.stderr)
    r6, c6 = load(writer, args.ipv6_csv, 6, records)
    t2 = time.monotonic()
    print(f"IPv6: {r6} ranges -> {c6} CIDRs ({t2 - t1:.1f}s)", file=sys.stderr)
    print(f"distinct (asn, org) records: {len(records)}", file=sys.stderr)
    alias_ipv4_mapped(writer)

    tmp = args.output + ".tmp"
    writer.to_db_file(tmp)
    os.replace(tmp, args.output)
    t3 = time.monotonic()
    print(f"wrote {args.output} ({os.path.getsize(args.output)} bytes, {t3 - t2:.1f}s)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
