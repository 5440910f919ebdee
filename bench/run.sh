#!/usr/bin/env bash
# Build transfermap (release) and time it against its peers on one
# authoritative DNS server in a network namespace, in one run.
#
# usage: bench/run.sh [N]          N synthetic municipality domains (default 290; 13 more
#                                  pathological ones are always added)
#   RUNS=1        timed runs per row (median shown)            } passed to
#   DELAY_MS=0    latency added to every answer (delay proxy)  } harness/peers.sh
#   PEERS="checkdmarc dnsperf dnsperf-cd"   peer rows ("" = transfermap only)
#   FORMATS="json json,md,dot all"   one transfermap row each: scan.json only,
#                 everything but the SVG, and the default (all four outputs);
#                 the last two differ by the cost of Graphviz
#   ROUNDS=1      rounds of all rows, one after another on the same server;
#                 each round gives its own ratios, and the median of those
#                 is reported: a ratio of two runs made minutes apart swings
#                 with the machine's load, one of runs made seconds apart
#                 much less
#   KEEP=1        keep the working directory (zones, logs, outputs)
# Needs root (network namespace, NSD); installs NSD, dnsperf, dig, tcpdump
# (apt) and checkdmarc (pip) when missing.
set -u
. "$(dirname "$0")/lib.sh"
n=${1:-290}
formats=${FORMATS:-json json,md,dot all}
peers=${PEERS-checkdmarc dnsperf dnsperf-cd}
export RUNS=${RUNS:-1} DELAY_MS=${DELAY_MS:-0}

build_release
case " $formats " in *" all "*|*svg*) need_graphviz ;; esac
cd "$root"
dir=$(mktemp -d -t tmbench.XXXXXX)
trap '"$harness/stop.sh" "$dir" >/dev/null 2>&1; if [ -n "${KEEP:-}" ]; then echo "# kept $dir"; else rm -rf "$dir"; fi' EXIT
"$harness/serve.sh" "$dir" "$n" || exit 1

rows="$dir/rows.tsv"
rounds=${ROUNDS:-1}
for round in $(seq 1 "$rounds"); do
  [ "$rounds" -gt 1 ] && echo "# round $round of $rounds"
  first=1
  for f in $formats; do
    name=$(row_name "$f")
    if [ -n "$first" ]; then
      # The peers run once a round, in its first invocation; later ones add a row each.
      TOOL_NAME=$name PEERS=$peers "$harness/peers.sh" "$dir" "$(tool_command "$f")" \
        | grep -v '^# rows also in'
      [ "$round" = 1 ] && printf 'round\t%s\n' "$(head -n 1 "$dir/results.tsv")" > "$rows"
    else
      TOOL_NAME=$name PEERS="" "$harness/peers.sh" "$dir" "$(tool_command "$f")" \
        | grep -vE '^# (20[0-9][0-9]-|NSD |rows also in|scanners query)|^tool +domains'
    fi
    tail -n +2 "$dir/results.tsv" | sed "s/^/$round\t/" >> "$rows"
    check_outputs "$dir/out-$name" "$dir/$name.log"
    first=""
  done
done

# The table again with the ratios, measured in this one run.
python3 - "$rows" <<'PY'
import csv, statistics, sys
all_rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
num = lambda r, k: float(r[k]) if r[k] not in ("", "-") else None
rounds = sorted({int(r["round"]) for r in all_rows})
# The table shows the last round; with several rounds, the ratio to
# checkdmarc is the median of each round's own ratio.
rows = [r for r in all_rows if int(r["round"]) == rounds[-1]]
by = {r["tool"]: r for r in rows}
def round_ratios(tool):
    out = []
    for n in rounds:
        of = {r["tool"]: r for r in all_rows if int(r["round"]) == n}
        if tool in of and "checkdmarc" in of:
            out.append(num(of["checkdmarc"], "wall_s") / max(num(of[tool], "wall_s"), 0.001))
    return out
print("\n| tool | domains | wall s | queries | q/dom | queries/s | errors | peak MB |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print("| " + " | ".join(r[k] for k in ("tool", "domains", "wall_s", "queries", "q_per_domain", "qps", "errors", "peak_MB")) + " |")
cd, ref = by.get("checkdmarc"), by.get("dnsperf")
print()
for r in rows:
    if not r["tool"].startswith("tm-"):
        continue
    wall, qpd, qps = num(r, "wall_s"), num(r, "q_per_domain"), num(r, "qps")
    parts = []
    if cd and len(rounds) > 1:
        rs = round_ratios(r["tool"])
        parts.append(f"{statistics.median(rs):.1f}x faster than checkdmarc (median of {len(rs)} rounds:"
                     f" {' '.join(f'{x:.1f}' for x in rs)})")
    elif cd:
        parts.append(f"{num(cd, 'wall_s') / max(wall, 0.001):.1f}x faster than checkdmarc")
        parts.append(f"{qpd} q/dom = {qpd / num(cd, 'q_per_domain'):.2f}x checkdmarc's {cd['q_per_domain']}")
    if ref:
        parts.append(f"{qpd / num(ref, 'q_per_domain'):.2f}x dnsperf's reference set ({ref['q_per_domain']})")
        parts.append(f"wall {wall / num(ref, 'wall_s'):.0f}x dnsperf's, query rate {100 * qps / num(ref, 'qps'):.1f}% of dnsperf's")
    print(f"# {r['tool']}: " + ("; ".join(parts) or f"{wall} s, {qpd} q/dom"))
nosvg, alls = by.get("tm-json+md+dot"), by.get("tm-all")
if nosvg and alls:
    d = num(alls, "wall_s") - num(nosvg, "wall_s")
    print(f"# html, svg and the transfer register over json+md+dot: {d:.2f} s = {1000 * d / int(alls['domains']):.1f} ms per domain,"
          f" {100 * d / num(alls, 'wall_s'):.0f}% of the default run")
PY
