#!/usr/bin/env bash
# (c) The deadline queue at 1,000,000 open requests: RSS, the time to rebuild on restart,
# and alert lateness while 10,000 deadlines fall due within one minute under intake load.
#
#   Scripts/bench/deadlines.sh [OPEN [DUE]]      (defaults 1000000 and 10000)
#   KEEP_DATA=DIR keeps the run's files (the store after the restart) for profiling.
#
# Seeds a store as pocd would write it (poc-store-bench seed: submitted + delivered events
# and each request's projection row), starts a release pocd on it, drives POST intake at
# concurrency 16 with the loadgen while the due deadlines fire, and reads lateness two ways:
# from the escalation events' recorded time (timer → decision), and as an SSE subscriber
# receives the alerts (timer → durable event → stream). Then restarts pocd to time the rebuild.
# Writes its section of docs/performance.md (between the deadlines markers).
set -euo pipefail
cd "$(dirname "$0")/../.."
open_total="${1:-1000000}"
due_count="${2:-10000}"
scratch="${SCRATCH:-.build}"
Scripts/install-deps.sh >/dev/null
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release --scratch-path "$scratch" --product pocd >/dev/null
swift build -c release --scratch-path "$scratch" --product poc-store-bench >/dev/null
bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)"
work="$(pwd)/var/bench-deadlines.$$"
mkdir -p "$work"
pid=""; load=""; sse=""
cleanup() { for p in $pid $load $sse; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
gcc -O2 -pthread -o "$work/loadgen" Scripts/bench/loadgen.c -lssl -lcrypto
Scripts/pki.sh "$work/pki" --server pocd.vn --client officer.vn.alice --client supervisor.de.eva
cat >"$work/directory.yaml" <<YAML
contact_points:
  VN: {name: VN, daemon: local, principals: [{identity: officer.vn.alice, role: officer}]}
  DE: {name: DE, daemon: local, principals: [{identity: supervisor.de.eva, role: supervisor}]}
YAML
cp Config/policy.yaml "$work/policy.yaml"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/pocd.yaml" <<YAML
contact_point: [VN, DE]
listen: "127.0.0.1:$port"
tls: {certificate: pki/pocd.vn.crt, private_key: pki/pocd.vn.key, client_ca: pki/ca.crt}
data_dir: data
directory: directory.yaml
policy: policy.yaml
YAML
python3 - "$work/request.json" <<'PY'
import json, sys
r = json.load(open("Config/request.example.json")); del r["id"]
open(sys.argv[1], "w").write(json.dumps(r))
PY
ms() { date +%s%3N; }
rss() { awk -v k="$2" '$1==k":" {printf "%.0f", $2/1024}' "/proc/$1/status"; }

echo "seeding $((open_total - due_count)) requests with far deadlines ..." >&2
seed1=$("$bin/poc-store-bench" seed "$work/data" --requests $((open_total - due_count)) --priority routine 2>/dev/null)
due_from=$(( $(ms) + 40000 ))
seed2=$("$bin/poc-store-bench" seed "$work/data" --requests "$due_count" --priority emergency --due-from "$due_from" --due-spread 60000 2>/dev/null)
db_size=$(du -sm "$work/data" | cut -f1)

start_pocd() {  # sets pid and started_ms
    local t0; t0=$(ms)
    "$bin/pocd" --config "$work/pocd.yaml" >>"$work/pocd.log" 2>&1 &
    pid=$!
    until grep -q "pocd serving" <(tail -n 3 "$work/pocd.log"); do
        kill -0 "$pid" 2>/dev/null || { tail -5 "$work/pocd.log" >&2; exit 1; }
        sleep 0.02
    done
    started_ms=$(( $(ms) - t0 ))
}
start_pocd
first_start_ms=$started_ms
first_replay=$(grep "replayed the event log" "$work/pocd.log" | tail -1 | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')
rss_after_start=$(rss "$pid" VmRSS)
now=$(ms)
[[ "$now" -lt "$due_from" ]] || { echo "pocd took too long to start: the deadlines passed before it served" >&2; exit 1; }
window=$(( (due_from + 60000 + 8000 - now) / 1000 ))
python3 Scripts/bench/sse_lateness.py --url "https://127.0.0.1:$port" --cert "$work/pki/supervisor.de.eva.crt" \
    --key "$work/pki/supervisor.de.eva.key" --ca "$work/pki/ca.crt" --due-from "$due_from" --seconds "$window" >"$work/sse.out" &
sse=$!
"$work/loadgen" --url "https://127.0.0.1:$port/v1/requests" --method POST --body-file "$work/request.json" \
    --cert "$work/pki/officer.vn.alice.crt" --key "$work/pki/officer.vn.alice.key" --ca "$work/pki/ca.crt" \
    --connections 16 --duration "$window" >"$work/load.out" &
load=$!
wait "$load"; load=""
wait "$sse"; sse=""
rss_after_load=$(rss "$pid" VmRSS)
rss_peak=$(rss "$pid" VmHWM)
kill -TERM "$pid"; wait "$pid" || true; pid=""
lateness=$("$bin/poc-store-bench" lateness "$work/data" --due-from "$due_from")
start_pocd
restart_ms=$started_ms
restart_replay=$(grep "replayed the event log" "$work/pocd.log" | tail -1 | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')
requests_after=$(grep "replayed the event log" "$work/pocd.log" | tail -1 | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
rss_after_restart=$(rss "$pid" VmRSS)
kill -TERM "$pid"; wait "$pid" || true; pid=""
grep -E "replayed the event log|projection|rebuilding" "$work/pocd.log" | cut -c1-300 >&2
# KEEP_DATA=DIR keeps the store after the run (for profiling a restart), e.g. KEEP_DATA=var/deadlines-data
if [[ -n "${KEEP_DATA:-}" ]]; then rm -rf "$KEEP_DATA"; cp -a "$work" "$KEEP_DATA"; echo "kept the run in $KEEP_DATA" >&2; fi

field() { sed -n "s/.*$1[=\":]*\([0-9.]*\).*/\1/p" <<<"$2" | head -1; }
intake_rps=$(python3 -c "import json,sys; d=json.loads(open('$work/load.out').read().strip().splitlines()[-1]); print(round(d['rps']))")
intake_p99=$(python3 -c "import json,sys; d=json.loads(open('$work/load.out').read().strip().splitlines()[-1]); print(d['p99_ms'])")
meets() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { if ((op=="<=" && v<=t) || (op==">=" && v>=t)) print "met"; else print "**missed**" }'; }
ev_p99=$(field p99_ms "$lateness")
section=$(cat <<MD
<!-- deadlines:begin -->
### (c) The deadline queue at $(printf "%'d" "$open_total") open requests

\`Scripts/bench/deadlines.sh $open_total $due_count\` — $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)$(git diff --quiet || echo " (tree modified)").
The store was seeded with $(printf "%'d" "$open_total") open requests (${db_size} MB on disk), $(printf "%'d" "$due_count") of them emergency requests whose acknowledgement fell due evenly over one minute, while 16 connections submitted new requests ($intake_rps requests/s, p99 ${intake_p99} ms).

| measure | figure | target | |
|---|---:|---:|---|
| RSS after start (issue 17: ≤ 300 MB at 1M) | ${rss_after_start} MB | ≤ 300 MB | $(meets "$rss_after_start" 300 "<=") |
| RSS at the end of the minute, $(printf "%'d" "${requests_after:-0}") requests open (peak, the start's included) | ${rss_after_load} MB (${rss_peak} MB) | ≤ 300 MB | $(meets "$rss_peak" 300 "<=") |
| rebuild on start: reading the store (log) / start to serving | ${first_replay} s / $(awk "BEGIN{printf \"%.2f\", $first_start_ms/1000}") s | ≤ 3 s | $(meets "$(awk "BEGIN{print $first_start_ms/1000}")" 3 "<=") |
| rebuild on restart after the run ($(printf "%'d" "${requests_after:-0}") requests) | ${restart_replay} s / $(awk "BEGIN{printf \"%.2f\", $restart_ms/1000}") s (RSS ${rss_after_restart} MB) | ≤ 3 s | $(meets "$(awk "BEGIN{print $restart_ms/1000}")" 3 "<=") |
| lateness, deadline → escalation event recorded: p50 / p99 / max | $(field p50_ms "$lateness") / ${ev_p99} / $(field max_ms "$lateness") ms ($(field escalations "$lateness") escalations) | p99 ≤ 5 ms | $(meets "$ev_p99" 5 "<=") |
| lateness, deadline → alert received over SSE: p50 / p99 / max | $(field p50_ms "$(cat "$work/sse.out")") / $(field p99_ms "$(cat "$work/sse.out")") / $(field max_ms "$(cat "$work/sse.out")") ms ($(field alerts "$(cat "$work/sse.out")") alerts) | | |

Lateness is measured from the deadline (an instant recorded in the request) to the time the
escalation event carries (when the Desk decided, just before the group commit), and to the
moment the alert reached a subscriber of \`/v1/alerts/stream\` (after its fsync).
<!-- deadlines:end -->
MD
)
echo "$section"
doc=docs/performance.md
[[ -f "$doc" ]] || printf "# Performance\n\n" >"$doc"
python3 - "$doc" "$section" <<'PY'
import re, sys
doc, section = sys.argv[1], sys.argv[2]
text = open(doc).read()
pattern = re.compile(r"<!-- deadlines:begin -->.*?<!-- deadlines:end -->", re.S)
text = pattern.sub(lambda m: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
open(doc, "w").write(text)
PY
