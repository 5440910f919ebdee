# Shared by bench/run.sh and bench/scale.sh; sourced, not run.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
harness="$root/bench/harness"

# Build transfermap in release mode and set $bin to the binary, as a path
# relative to the repository root when it is under it (peers.sh runs the
# tool command from the current directory, which is the root).
build_release() {
  (cd "$root" && cargo build --release --locked --quiet) || { echo "cargo build --release failed" >&2; exit 1; }
  local target=${CARGO_TARGET_DIR:-target}
  case $target in "$root"/*) target=${target#"$root"/} ;; esac
  bin="$target/release/transfermap"
  [ -x "$root/$bin" ] || [ -x "$bin" ] || { echo "no binary at $bin" >&2; exit 1; }
}

# The default output set draws SVGs with Graphviz; without `dot` that row
# would time only the error path, so install it as the harness installs NSD.
need_graphviz() {
  command -v dot >/dev/null 2>&1 && return 0
  echo "# installing graphviz (dot) for the SVG row" >&2
  { apt-get update -qq && apt-get install -y -qq graphviz; } >/dev/null 2>&1 \
    || { echo "Graphviz (dot) is missing and could not be installed; run with FORMATS=json" >&2; exit 1; }
}

# The tool command for one output choice: "json" (scan.json only), "all"
# (the default: json, md, dot, svg) or a --format list such as json,md,dot.
tool_command() {
  local cmd="$bin scan --resolver {resolver} --domains-file {domains} --out {out}"
  case $1 in
    all) echo "$cmd" ;;
    *) echo "$cmd --format $1" ;;
  esac
}

# Row name for an output choice: tm-json, tm-all, tm-json+md+dot.
row_name() { echo "tm-${1//,/+}"; }

# What a finished run wrote: statuses, SVGs drawn, mailboxes found, a few rows.
check_outputs() {
  local out=$1 log=$2
  python3 - "$out" "$log" <<'PY'
import collections, glob, json, os, sys
out, log = sys.argv[1], sys.argv[2]
try:
    s = json.load(open(os.path.join(out, "summary.json")))
except Exception as e:
    print(f"#   no summary.json in {out}: {e}")
    sys.exit(0)
rows = s["domains"]
status = collections.Counter(r["status"] for r in rows)
scans = len(glob.glob(os.path.join(out, "*", "scan.json")))
svgs = len(glob.glob(os.path.join(out, "*", "transfer-map.svg")))
with_provider = sum(1 for r in rows if r["providers"])
third = sum(1 for r in rows if r["countries"])
print(f"#   {len(rows)} domains in summary.json ({', '.join(f'{k} {v}' for k, v in sorted(status.items()))});"
      f" {scans} scan.json, {svgs} transfer-map.svg; {with_provider} with a known provider,"
      f" {third} with a third-country path; {s['queries_sent']} questions sent")
# Who the domains depend on for their mailboxes (sub-processors are in
# "providers" too, and would crowd the line).
top = sorted(s.get("concentration", {}).get("mailbox", {}).items(), key=lambda kv: (-len(kv[1]), kv[0]))[:4]
print("#   mailboxes: " + ("; ".join(f"{p} {len(d)}" for p, d in top) or "none known"))
for r in [r for r in rows if r["providers"]][:3]:
    print(f"#   e.g. {r['domain']}: mailbox {r.get('mailbox') or '?'}, {len(r['providers'])} companies"
          f" -> {' '.join(r['countries']) or '-'} ({r['queries']} questions)")
for r in [r for r in rows if r["status"] == "error"][:3]:
    print(f"#   error: {r['domain']}: {r['error']}")
PY
  if grep -q 'could not draw the SVG' "$log" 2>/dev/null; then
    echo "#   Graphviz failed on some diagrams (see $log): $(grep -c 'could not draw the SVG' "$log") listed" \
         "$(sed -n 's/^warning: … and \([0-9]*\) more$/+ \1 more/p' "$log")"
  fi
}
