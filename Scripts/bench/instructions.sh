#!/usr/bin/env bash
# Instructions per request, counted by callgrind: a figure that repeats on this noisy, shared machine
# (wall-clock and CPU time move by 20–40 % between runs; instruction counts by well under 1 %).
#
#   Scripts/bench/instructions.sh POCD CONFIG URL BODY LOADGEN PKI OUT REQUESTS
#
# Called by Scripts/bench/run.sh (phase (e)), which builds pocd, the load generator, the PKI and the
# configuration. Runs POCD (release) under `valgrind --tool=callgrind` with its debug sections stripped
# (valgrind 3.19 cannot read Swift 6's DWARF 5), waits for /healthz, and then for each measurement:
# a warm-up of 50 requests, `callgrind_control --zero`, REQUESTS requests (10 × REQUESTS GETs) on one
# keep-alive connection, `callgrind_control --dump`; the dump's total divided by the count is the
# instructions per request (the connection's one handshake amortized: under 2 %), in
# user space and in every thread (the connection's, the Desk's, the store writer's). The kernel's share
# (syscalls, fsync, scheduling) is not counted: `perf` shows it (see docs/performance.md).
#   intake   POST /v1/requests with BODY (a request without its id: each a new request, 201)
#   get      GET /healthz (200)
# Writes OUT/instructions.env (intake_ir=…, get_ir=…, the counts) and OUT/instructions-{intake,get}.txt
# (callgrind_annotate: the functions with the most instructions, self and inclusive) and the raw
# callgrind files OUT/instructions-{intake,get}.callgrind.
set -euo pipefail
[[ $# -eq 8 ]] || { sed -n '2,17p' "$0" >&2; exit 2; }
pocd="$1"; config="$2"; url="$3"; body="$4"; loadgen="$5"; pki="$6"; out="$7"; requests="$8"
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is not installed" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/pocd-callgrind.XXXXXX")"
vg_pid=""
cleanup() {
    if [[ -n "$vg_pid" ]] && kill -0 "$vg_pid" 2>/dev/null; then
        kill -TERM "$vg_pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$vg_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$vg_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

objcopy --strip-debug "$pocd" "$work/pocd"
valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$work/pocd" --config "$config" \
    >"$work/pocd.log" 2>&1 &
vg_pid=$!

tls=(--cacert "$pki/ca.crt" --cert "$pki/officer.vn.alice.crt" --key "$pki/officer.vn.alice.key")
ready=0
for _ in $(seq 600); do
    [[ "$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "${tls[@]}" "$url/healthz" 2>/dev/null)" == 200 ]] && { ready=1; break; }
    kill -0 "$vg_pid" 2>/dev/null || { echo "instructions.sh: pocd under callgrind did not start:" >&2; tail -20 "$work/pocd.log" >&2; exit 1; }
    sleep 0.1
done
((ready)) || { echo "instructions.sh: pocd under callgrind did not answer /healthz within 600 tries:" >&2; tail -20 "$work/pocd.log" >&2; exit 1; }

run_load() {  # $1 = count, then the loadgen options
    local count="$1"; shift
    "$loadgen" --cert "$pki/officer.vn.alice.crt" --key "$pki/officer.vn.alice.key" --ca "$pki/ca.crt" \
        --connections 1 --requests "$count" --timeout 60 "$@"
}
# annotate yes|no DUMP N: the first N functions by instructions (inclusive or self), names demangled.
annotate() {
    callgrind_annotate --inclusive="$1" --threshold=100 "$2" >"$work/annotated" 2>/dev/null
    awk -v n="$3" '/file:function/ {on = 1; getline; next} on && (NF == 0 || ++k > n) {exit} on' "$work/annotated" |
        sed -E 's| \[/[^]]*/([^]/]+)\]$| [\1]|; s|^([ 0-9,]+\([ 0-9.%]+\))  [^ ]*:|\1  |' |
        { if command -v swift-demangle >/dev/null; then swift-demangle --simplified; else cat; fi }
}
# measure NAME loadgen-options...: the instructions per request of NAME, into instructions.env.
measure() {
    local name="$1" requests="$2"; shift 2
    run_load 50 "$@" >/dev/null
    callgrind_control --zero "$vg_pid" >/dev/null
    local line
    line=$(run_load "$requests" "$@")
    callgrind_control --dump="$name" "$vg_pid" >/dev/null
    local dump answered total
    dump=$(ls -t "$work"/callgrind.out.* | head -1)
    answered=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(sum(v for k, v in r["status"].items() if k.startswith("2")))' "$line")
    [[ "$answered" == "$requests" ]] || { echo "instructions.sh: $name: $answered of $requests answered 2xx: $line" >&2; exit 1; }
    total=$(awk '/^(summary|totals):/ {print $2; exit}' "$dump")
    [[ "$total" =~ ^[0-9]+$ ]] || { echo "instructions.sh: $name: no total in $dump" >&2; exit 1; }
    echo "${name}_ir=$((total / requests))" >>"$out/instructions.env"
    # The functions with the most instructions of their own, then with their callees (inclusive).
    { echo "# self"; annotate no "$dump" 40; echo "# inclusive"; annotate yes "$dump" 60; } >"$out/instructions-$name.txt"
    cp "$dump" "$out/instructions-$name.callgrind"   # for callgrind_annotate --tree=caller, kcachegrind
}
echo "intake_requests=$requests" >"$out/instructions.env"
echo "get_requests=$((requests * 10))" >>"$out/instructions.env"
measure intake "$requests" --url "$url/v1/requests" --method POST --body-file "$body"
measure get $((requests * 10)) --url "$url/healthz"
echo "valgrind=$(valgrind --version)" >>"$out/instructions.env"
