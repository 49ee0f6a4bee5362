#!/usr/bin/env bash
# Group-commit figure: appends/s of the event store with 1 and with 16 concurrent writers,
# beside plain write(4 KiB)+fsync/s on the same disk, in one run.
#   Scripts/bench/store.sh [seconds-per-run]      (default 10)
# Runs on the disk of the project's var/ folder (not /tmp, which may be tmpfs). Prints a
# Markdown table; Scripts/bench/run.sh copies it into docs/performance.md. SCRATCH is the
# swift build scratch path (default .build), CONFIGURATION the build (default release).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-10}"
Scripts/install-deps.sh >/dev/null
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
scratch="${SCRATCH:-.build}"   # swift build scratch path (run.sh passes its own)
configuration="${CONFIGURATION:-release}"   # run.sh --quick passes debug
swift build -c "$configuration" --product poc-store-bench --scratch-path "$scratch" >/dev/null
bin="$(swift build -c "$configuration" --scratch-path "$scratch" --show-bin-path)/poc-store-bench"
work="var/bench-store.$$"
rm -rf "$work"; mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
fs=$(df -T "$work" | awk 'NR==2 {print $2" on "$7}')
fsync=$("$bin" fsync "$work/raw" --seconds "$secs")
one=$("$bin" append "$work/one" --writers 1 --seconds "$secs")
many=$("$bin" append "$work/many" --writers 16 --seconds "$secs")
verify=$("$bin" verify "$work/many")
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
echo "| measurement ($secs s each, $fs) | per second | note |"
echo "|---|---:|---|"
echo "| plain write(4 KiB) + fsync | $(field fsyncs_per_s "$fsync") | the disk's durable-write ceiling for one writer |"
echo "| store appends, 1 writer | $(field appends_per_s "$one") | one commit (WAL fsync) per append |"
echo "| store appends, 16 writers | $(field appends_per_s "$many") | $(field commits_per_s "$many") commits/s, $(field events_per_commit "$many") appends per commit (largest group $(field largest_group "$many")) |"
echo
echo "chain after the 16-writer run: $verify"
