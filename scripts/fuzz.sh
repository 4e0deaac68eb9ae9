#!/usr/bin/env bash
# Fuzzes every libFuzzer target for SECONDS each (default 30), one after the other:
#   scripts/fuzz.sh [SECONDS] [TARGET...]        targets: codec command http (default: all)
# Builds the fuzz preset first. New inputs go to build/fuzz/corpus/<target> (kept between runs); the seeds in
# tests/fuzz/corpus are read, never written. A finding stops with a non-zero exit and a crash-* file in build/fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(codec command http)
./scripts/build.sh fuzz "${targets[@]/%/_fuzz}" >/dev/null
for t in "${targets[@]}"; do
  work="build/fuzz/corpus/$t"
  mkdir -p "$work"
  echo "fuzz: $t for ${seconds}s" >&2
  # -rss_limit_mb: the http target keeps a growing store; -timeout: one input may take at most 10 s.
  # The http target's store, caches and views keep what inputs write, so libFuzzer's per-input leak check (a full
  # LeakSanitizer scan whenever an input allocates more than it frees) cannot tell a leak from state and slowed it
  # ~15-fold; leaks are still checked at exit, and in every test of the suite under the same sanitizers.
  leaks=1
  [[ "$t" == "http" ]] && leaks=0
  (cd build/fuzz && "./bin/${t}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
     -detect_leaks="$leaks" -print_final_stats=1 "corpus/$t" "../../tests/fuzz/corpus/$t" 2>"fuzz-$t.log") || {
    tail -60 "build/fuzz/fuzz-$t.log" >&2
    echo "fuzz: $t found a problem; see build/fuzz/fuzz-$t.log and build/fuzz/crash-*" >&2
    exit 1
  }
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "build/fuzz/fuzz-$t.log" | tr '\n' ' ' >&2
  echo >&2
done
