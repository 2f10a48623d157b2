#!/usr/bin/env bash
# Installs what Switchboard needs on Debian 12 (idempotent: installs only what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(cmake ninja-build ccache g++ pkg-config libcaf-dev librocksdb-dev libboost1.81-dev
  nlohmann-json3-dev prometheus-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev libssl-dev
  libsodium-dev libjemalloc-dev curl libmaxminddb-dev libhowardhinnant-date-dev tzdata chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# web/ builds with Node.js (>= 20: playwright-core needs it) and npm; Debian's packages are
# used only when the machine has no node at all.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The browser apps (widget, console): dependencies from the committed lockfile, then the build.
(cd web && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
