#!/usr/bin/env bash
# Sets up, builds (the ci preset: warnings are errors) and runs every test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
start=$(date +%s)
./scripts/build.sh ci
echo "test: built in $(( $(date +%s) - start )) s" >&2
ctest --preset ci
