#!/usr/bin/env bash
# Sets up, builds and runs every test:
#   1. the ci preset (gcc, warnings are errors): the whole suite;
#   2. the fuzz preset (clang, address + undefined sanitizers): the whole suite again, the fuzz targets over their
#      seed corpora, then each fuzz target for TEAMLOG_FUZZ_SECONDS (default 30);
#   3. the tsan preset: the event store, group-commit and projection tests under the thread sanitizer.
# TEAMLOG_TEST_QUICK=1 runs step 1 only (a developer's inner loop).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
stage() { echo "== test: $* ($(( $(date +%s) - start )) s so far)" >&2; }
start=$(date +%s)

stage "ci build"
./scripts/build.sh ci
stage "ci suite"
ctest --preset ci
[[ "${TEAMLOG_TEST_QUICK:-0}" == "1" ]] && exit 0

stage "fuzz build (clang, address + undefined sanitizers)"
./scripts/build.sh fuzz
stage "the suite under address + undefined sanitizers"
ctest --preset fuzz
stage "fuzzing"
./scripts/fuzz.sh "${TEAMLOG_FUZZ_SECONDS:-30}"

stage "tsan build"
./scripts/build.sh tsan events_test domain_test
stage "event store, group commit and projections under the thread sanitizer"
ctest --preset tsan
stage "done"
