#!/usr/bin/env bash
# Sets up, builds (release) and runs teamlogd on ./data. On an empty data dir it first creates a demo organizer
# with an admin team and prints its API token and a curl line to try. Extra arguments go to teamlogd; the data
# dir and the address the demo is created for and the curl line names follow them (--data-dir, --listen,
# --public-url, or their TEAMLOG_* variables).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh release
bin=build/release/bin
data=${TEAMLOG_DATA_DIR:-./data}
listen=${TEAMLOG_LISTEN:-127.0.0.1:8080}
public=${TEAMLOG_PUBLIC_URL:-}
prev=""
for arg in "$@"; do
  case "$prev" in
    --data-dir) data=$arg ;;
    --listen) listen=$arg ;;
    --public-url) public=$arg ;;
  esac
  case "$arg" in
    --data-dir=*) data=${arg#--data-dir=} ;;
    --listen=*) listen=${arg#--listen=} ;;
    --public-url=*) public=${arg#--public-url=} ;;
  esac
  prev=$arg
done
url=${public:-http://$listen}
if [[ ! -d "$data" ]] || [[ -z "$(ls -A "$data" 2>/dev/null)" ]]; then
  "$bin/teamlogctl" --data-dir "$data" init --organizer demo --admin-email admin@example.com \
    --organizer-name "Demo organizer" --admin-name "Admin" --print-curl --listen-url "$url"
fi
# The variable, not the flag: a --data-dir among the arguments (the same dir) must not be given twice.
TEAMLOG_DATA_DIR="$data" exec "$bin/teamlogd" "$@"
