#!/usr/bin/env bash
# Sets up, builds (release) and runs teamlogd on ./data. On an empty data dir it first creates a demo organizer
# with an admin team and prints its API token and a curl line to try. Extra arguments go to teamlogd.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh release
bin=build/release/bin
data=${TEAMLOG_DATA_DIR:-./data}
if [[ ! -d "$data" ]] || [[ -z "$(ls -A "$data" 2>/dev/null)" ]]; then
  "$bin/teamlogctl" --data-dir "$data" init --organizer demo --admin-email admin@example.com \
    --organizer-name "Demo organizer" --admin-name "Admin" --print-curl
fi
exec "$bin/teamlogd" --data-dir "$data" "$@"
