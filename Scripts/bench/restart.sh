#!/usr/bin/env bash
# The start on a kept store, binary against binary: each round starts every BIN in turn on the
# same data (pocd.yaml CONFIG), waits for "replayed the event log", prints the seconds pocd logged
# and the process's CPU time (user + system, from /proc/PID/stat) at that moment, and stops it.
# Alternating binaries on the same minutes is what compares them on this noisy machine.
#
#   Scripts/bench/restart.sh CONFIG ROUNDS BIN [BIN ...]
#
# A store to start on: KEEP_DATA=DIR Scripts/bench/deadlines.sh keeps one (1M seeded requests and
# a minute of intake); point DIR/pocd.yaml's data_dir at DIR/data. Nothing is written but pocd's log.
set -euo pipefail
[[ $# -ge 3 ]] || { echo "usage: $0 CONFIG ROUNDS BIN [BIN ...]" >&2; exit 2; }
config="$1"; rounds="$2"; shift 2
dir="$(cd "$(dirname "$config")" && pwd)"
log="$dir/restart.log"
for ((round = 1; round <= rounds; round++)); do
    for bin in "$@"; do
        : >"$log"
        (cd "$dir" && exec "$bin" --config "$config") >"$log" 2>&1 &
        pid=$!
        for _ in $(seq 6000); do
            grep -q "replayed the event log" "$log" && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.01
        done
        cpu=$(awk '{sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / 100}' "/proc/$pid/stat" 2>/dev/null || echo "?")
        seconds=$(grep -o 'seconds=[0-9.]*' "$log" | head -1 | cut -d= -f2)
        echo "round $round $(basename "$bin"): ${seconds:-no start} s to replay, cpu ${cpu} s"
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
done
