#!/bin/bash
# Differential test of src/commands/validation.cpp against real DRF + Django (see drf_oracle.py for what is
# compared and for the differences that are expected). Not part of CI: it needs python3-django and
# python3-djangorestframework. Usage: tests/commands/oracle/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
c++ -std=c++20 -O1 -I"$root/src" -o "$work/probe" "$here/validation_probe.cpp" "$root/src/commands/input.cpp" \
  "$root/src/commands/validation.cpp" "$root/src/events/result.cpp" -lboost_json
/usr/bin/python3 "$here/gen_cases.py" > "$work/cases.jsonl"
/usr/bin/python3 "$here/drf_oracle.py" < "$work/cases.jsonl" > "$work/drf.out"
"$work/probe" < "$work/cases.jsonl" > "$work/cpp.out"
/usr/bin/python3 "$here/compare.py" "$work/cases.jsonl" "$work/drf.out" "$work/cpp.out"
