#!/usr/bin/env bash
# Install the Debian/Ubuntu packages ContactPoint needs, only those that are missing.
#   libssl-dev, libsqlite3-dev   the system OpenSSL 3 and SQLite the code links against
#   openssl, sqlite3, curl       the CLIs the test PKI, the tamper test and end-to-end tests drive
#   prometheus-alertmanager      a real Alertmanager 0.25 the alert-receiver test pushes to
#   prometheus                   promtool, which checks a live /metrics scrape
#   faketime                     runs the whole suite on another date (Scripts/test-faketime.sh)
#   libpq-dev, postgresql        the PostgreSQL client library the store links against, and the
#                                server the PostgreSQL tests run throwaway clusters of
#   chromium, python3-pip        the headless browser the dashboard tests drive, and pip for:
# PyPI (only if missing): playwright (drives Debian's chromium, presenting a client certificate;
#   no browser download), cryptography (the independent evidence-bundle verifier).
# Extra package names may be given as arguments (the benchmarks add nginx, wrk, ...).
set -euo pipefail
wanted=(libssl-dev libsqlite3-dev libpq-dev openssl sqlite3 curl pkg-config prometheus-alertmanager prometheus faketime postgresql chromium python3-pip "$@")
missing=()
for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}" >&2
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq || true
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
for module in playwright cryptography; do
    python3 -c "import $module" 2>/dev/null && continue
    echo "installing from PyPI: $module" >&2
    python3 -m pip install --quiet "$module" 2>/dev/null || python3 -m pip install --quiet --break-system-packages "$module"
done
command -v swift >/dev/null || [ -x /opt/swift/usr/bin/swift ] || {
    echo "error: the Swift 6 toolchain is not installed (https://swift.org/install)" >&2; exit 1; }
