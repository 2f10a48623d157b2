#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds everything (tests included),
# runs ctest (unit and integration tests against the real binary), then the web tests if
# web/ exists. Prints ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
ops/install.sh
ops/build.sh -DSWITCHBOARD_TESTS=ON -DSWITCHBOARD_BENCHMARKS=ON
status=0
(cd build && ctest --output-on-failure -j 2 --timeout 300) || status=$?
if [ -f web/package.json ]; then
  (cd web && npm test && SWITCHBOARD_BIN="$PWD/../build/switchboard" npm run test:e2e) || status=$?
fi
exit $status
