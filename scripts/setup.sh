#!/usr/bin/env bash
# Installs the Debian 12 packages teamlog needs to build, test and benchmark, if any are missing, and the browser
# tests' node module (playwright-core, pinned in tests/package-lock.json) into tests/node_modules.
# Idempotent: with everything present it changes nothing and does not touch the network.
set -euo pipefail

packages=(
  g++ cmake ninja-build lld pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev
  librocksdb-dev libspdlog-dev catch2 libssl-dev libcurl4-openssl-dev libgoogle-perftools-dev
  curl python3 wrk gnuplot-nox
  clang-14 libclang-rt-14-dev
  python3-aiosmtpd chromium nodejs
)
# npm comes with Debian's nodejs as its own package, and inside NodeSource's nodejs (which conflicts with it).
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null; then sudo=(sudo); else
      echo "setup: missing packages (${missing[*]}) and not root; run as root or install them" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "setup: done" >&2
fi

# playwright-core as the lock file pins it; it drives Debian's chromium (no browser download: --ignore-scripts).
tests_dir="$(cd "$(dirname "$0")/../tests" && pwd)"
pinned=$(grep -A1 '"node_modules/playwright-core"' "$tests_dir/package-lock.json" | sed -n 's/.*"version": "\(.*\)".*/\1/p')
installed=$(sed -n 's/^ *"version": "\(.*\)",$/\1/p' "$tests_dir/node_modules/playwright-core/package.json" 2>/dev/null || true)
if [[ "$installed" != "$pinned" ]]; then
  echo "setup: npm ci in tests/ (playwright-core $pinned)" >&2
  (cd "$tests_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
fi
