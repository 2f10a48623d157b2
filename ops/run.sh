#!/usr/bin/env bash
# Installs what is missing, builds, and starts the server on its embedded default
# (RocksDB under ./data, port 8080). Arguments are passed to switchboard, e.g.
#   ops/run.sh --admin-email admin@example.com --admin-password 'a long passphrase'
set -euo pipefail
cd "$(dirname "$0")/.."
ops/install.sh
ops/build.sh -DSWITCHBOARD_TESTS=OFF -DSWITCHBOARD_BENCHMARKS=OFF
exec ./build/switchboard "$@"
