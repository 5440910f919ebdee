#!/usr/bin/env python3
"""Look up addresses in the bundled databases (a check/debugging aid).

usage: python3 geodata/lookup.py [--check] IP_OR_NETWORK ...

Prints, per address: registry country (registry-country.mmdb), geolocated
country (geolocated-country.mmdb) and ASN/organisation (asn.mmdb), each with
the matching network. With --check, also asserts a few known values and exits
non-zero if the databases look broken (used by refresh.sh).
"""

import ipaddress
import os
import sys

import maxminddb

HERE = os.path.dirname(os.path.abspath(__file__))

# address -> (registry country, geolocated country or None, ASN)
CHECKS = {
    "40.107.22.71": ("US", "NL", 8075),
    "20.91.0.1": ("US", "SE", 8075),
    "2a01:111:f400::1": ("US", None, 8075),
}


def open_dbs():
    return tuple(
        maxminddb.open_database(os.path.join(HERE, name))
        for name in ("registry-country.mmdb", "geolocated-country.mmdb", "asn.mmdb")
    )


def fmt(rec, prefix, ip):
    net = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
    return rec, str(net)


def lookup(dbs, ip):
    out = []
    for db in dbs:
        rec, prefix = db.get_with_prefix_len(ip)
        out.append(fmt(rec, prefix, ip))
    return out


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    dbs = open_dbs()
    if check:
        for ip, (reg, geo, asn) in CHECKS.items():
            (r, _), (g, _), (a, _) = lookup(dbs, ip)
            ok = (r or {}).get("country_code") == reg and (a or {}).get("autonomous_system_number") == asn
            if geo is not None:
                ok = ok and (g or {}).get("country_code") == geo
            print(f"check {ip}: {'ok' if ok else 'FAILED'} registry={r} geolocated={g} asn={a}")
            if not ok:
                return 1
    for arg in args:
        ip = str(ipaddress.ip_network(arg, strict=False).network_address) if "/" in arg else arg
        (r, rn), (g, gn), (a, an) = lookup(dbs, ip)
        asn = f"AS{a['autonomous_system_number']} {a.get('autonomous_system_organization', '')}" if a else "-"
        print(f"{arg}\tregistry={(r or {}).get('country_code', '-')} ({rn})"
              f"\tgeolocated={(g or {}).get('country_code', '-')} ({gn})\t{asn} ({an})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
