#!/usr/bin/env bash
# The whole suite again on another date: Debian's faketime (libfaketime) shifts the clock of
# the test process and of every pocd, poc, curl and openssl it starts, so a test that passes
# only near the day it was written fails here. Scripts/test.sh runs it after the normal run.
#
#   Scripts/test-faketime.sh                 # 45 days ahead (the default)
#   Scripts/test-faketime.sh '-400 days'     # any faketime offset
#   Scripts/test-faketime.sh '+45 days' EndToEndTests.EscalationEndToEndTests   # one suite
#
# `swift test` itself cannot run under libfaketime (SwiftPM waits on its children through
# Foundation's Process), so this runs the built test bundle directly. Two things are known
# not to follow a faked clock and are handled in the tests that meet them: Go programs
# (Alertmanager) read the real clock, and libfaketime 0.9.10 never fires monotonic Dispatch
# timers (wolfcw/libfaketime#378), which TestSupport's tick covers for the test process.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
command -v faketime >/dev/null || Scripts/install-deps.sh
offset="${1:-+45 days}"
shift || true
bundle="$(swift build --show-bin-path)/ContactPointPackageTests.xctest"
[ -x "$bundle" ] || { echo "error: $bundle is missing: run swift build --build-tests first" >&2; exit 1; }
echo "== the whole suite on a date $offset from today: $(faketime "$offset" date -u +%FT%TZ)" >&2
filter=()
if (($#)); then filter=("$(IFS=,; echo "$*")"); fi
exec faketime "$offset" "$bundle" ${filter[@]+"${filter[@]}"}
