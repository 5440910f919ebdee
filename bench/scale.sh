#!/usr/bin/env bash
# Memory and linearity: transfermap alone (no peers) over growing numbers
# of domains, one server per N; wall time and peak resident memory.
#
# usage: bench/scale.sh [N ...]    default: 1000 2000 10000
#   FORMATS="json"  output choices, one row each per N (see run.sh)
#   RUNS=1          timed runs per row (median shown)
#   KEEP=1          keep the working directories
set -u
. "$(dirname "$0")/lib.sh"
sizes=${*:-1000 2000 10000}
formats=${FORMATS:-json}
export RUNS=${RUNS:-1} DELAY_MS=0

build_release
case " $formats " in *" all "*|*svg*) need_graphviz ;; esac
cd "$root"
table=$(mktemp -t tmscale.XXXXXX)
dirs=""
cleanup() {
  for d in $dirs; do
    "$harness/stop.sh" "$d" >/dev/null 2>&1
    if [ -n "${KEEP:-}" ]; then echo "# kept $d"; else rm -rf "$d"; fi
  done
  rm -f "$table"
}
trap cleanup EXIT

for n in $sizes; do
  dir=$(mktemp -d -t tmbench.XXXXXX); dirs="$dirs $dir"
  "$harness/serve.sh" "$dir" "$n" || exit 1
  for f in $formats; do
    name=$(row_name "$f")
    TOOL_NAME=$name PEERS="" "$harness/peers.sh" "$dir" "$(tool_command "$f")" \
      | grep -vE '^# rows also in'
    check_outputs "$dir/out-$name" "$dir/$name.log"
    tail -n +2 "$dir/results.tsv" | sed "s/^/$n\t/" >> "$table"
  done
  "$harness/stop.sh" "$dir" >/dev/null
  [ -n "${KEEP:-}" ] || { rm -rf "$dir"; dirs=${dirs%" $dir"}; }
done

python3 - "$table" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
print("\n| N | row | domains | wall s | ms/domain | queries | q/dom | peak MB | errors |")
print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
base = {}
for n, tool, dom, wall, q, qpd, qps, err, peak in rows:
    per = 1000 * float(wall) / int(dom)
    base.setdefault(tool, per)
    print(f"| {n} | {tool} | {dom} | {wall} | {per:.2f} | {q} | {qpd} | {peak} | {err} |")
print()
for tool, per0 in base.items():
    pers = [1000 * float(w) / int(d) for n, t, d, w, *_ in rows if t == tool]
    print(f"# {tool}: time per domain from {pers[0]:.2f} to {pers[-1]:.2f} ms"
          f" ({pers[-1] / per0:.2f}x the smallest N; 1.00 = linear)")
PY
