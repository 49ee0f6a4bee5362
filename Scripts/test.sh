#!/usr/bin/env bash
# The test command: installs the system packages if missing, builds everything, runs every test.
# Unit tests, then end-to-end tests that start real pocd processes on loopback; then, when no
# filter is given, the end-to-end tests again with every daemon on PostgreSQL (a throwaway
# cluster, CONTACTPOINT_TEST_STORE=postgresql), and the whole suite again on a date 45 days
# ahead (Scripts/test-faketime.sh), so that no test passes only near the day it was written. Also
# the network proof's small variant (Scripts/network/simulate.sh --ci) and a check of the
# benchmark script (Scripts/bench/run.sh --quick).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
swift build --build-tests
swift test --skip-build "$@"
if (($# == 0)); then
    # The independent evidence-bundle verifier (Python, written from docs/audit.md) and its tests.
    python3 Scripts/testing/test_verify_bundle.py
    # The network proof, small: 4 countries in network namespaces over impaired links, 60 s
    # (Scripts/network/simulate.sh; it prints why and passes where namespaces cannot be made).
    echo "== the network proof, small: 4 countries in network namespaces, 60 s" >&2
    BIN="$(swift build --show-bin-path)" Scripts/network/simulate.sh --ci
    # The benchmark script, so that it cannot rot: 2 s phases on the debug build, no figure written;
    # fails unless every phase is answered, the audit count matches and every process stops cleanly.
    echo "== Scripts/bench/run.sh --quick (a check of the benchmark script)" >&2
    Scripts/bench/run.sh --quick
    echo "== the end-to-end tests again, every daemon on PostgreSQL" >&2
    CONTACTPOINT_TEST_STORE=postgresql swift test --skip-build --filter EndToEndTests
    Scripts/test-faketime.sh '+45 days'
fi
