#!/usr/bin/env bash
# Build every fuzz target, then run each for N seconds (default 20) over its
# committed corpus (fuzz/corpus/<target>). Fails when any target finds a
# crash, a hang (one input over 10 s) or runs out of memory; the input that
# did it is left in fuzz/artifacts/<target>/.
#
#   fuzz/run-all.sh [SECONDS]
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# New inputs a run finds go to fuzz/target/work/<target>, not into the
# committed corpus; see fuzz/README.md for adding them deliberately.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-20}"
case "$seconds" in
  '' | *[!0-9]*) echo "run-all.sh: SECONDS must be a number, not \`$seconds\`" >&2; exit 2 ;;
esac

# One build for all targets (release, debug assertions, AddressSanitizer).
cargo +nightly fuzz build

failed=""
for target in $(cargo +nightly fuzz list); do
  work="target/work/$target"
  log="target/work/$target.log"
  mkdir -p "$work" "corpus/$target"
  echo "fuzz: $target for ${seconds}s"
  # -timeout: an input taking over 10 s is a hang; -rss_limit_mb: memory.
  if ! cargo +nightly fuzz run "$target" "$work" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 2>"$log"; then
    {
      grep -m1 -A4 -E 'panicked at|ERROR: libFuzzer|ERROR: AddressSanitizer' "$log" || true
      sed -n '/Failing input/,/^Minimize/p' "$log"
      echo "fuzz: the whole output is in fuzz/$log"
    } >&2
    failed="$failed $target"
  else
    grep -E '^Done' "$log" || true
  fi
done

if [ -n "$failed" ]; then
  echo "fuzz: FAILED:$failed (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz: every target ran ${seconds}s without a crash"
