#!/usr/bin/env bash
# The test command: installs the system packages if missing, builds everything, runs every test.
# Unit tests, then end-to-end tests that start real pocd processes on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
swift build --build-tests
swift test --skip-build "$@"
