#!/usr/bin/env bash
# Crash proof: kill -9 pocd at a random moment under intake load, ROUNDS times, and show that
# no request whose 201 a client received is lost, that the hash chain stays intact, and that
# the daemon restarts and serves again.
#
#   Scripts/reliability/crash.sh [ROUNDS]            (default 100; SCRATCH=.build-rel for the build folder)
#
# One release pocd serves VN and DE (one CA, a throwaway PKI and config in a temp folder; the
# data folder under var/ so that fsync reaches the real disk). Each round:
#   1. crash_client.py POSTs Config/request.example.json (without its "id") from 8 keep-alive
#      mutual-TLS connections and appends the id of every 201 to a file as the answer arrives;
#   2. pocd is killed with SIGKILL after a delay drawn uniformly from 0.2–3 s after the load began;
#   3. the client is stopped; while pocd is down every id recorded so far (all rounds) is looked
#      up in the store with a read-only sqlite3 (which leaves the WAL for pocd to recover);
#   4. pocd is restarted on the same data (restart = launch → "pocd serving" in its log, and
#      → first /healthz answered); `pocd audit verify` must print "N events OK"; every id
#      recorded in this round is read back through the API (GET /v1/requests/{id} → 200).
# At the end every id of every round is read back through the API once more, pocd is stopped
# with SIGTERM and the chain verified again. Any missing id, broken chain, failed start or
# unexpected answer fails the run (exit 1) and keeps the work folder for inspection.
# Writes its section of docs/reliability.md (between the crash markers).
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
rounds="${1:-100}"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [ROUNDS]" >&2; exit 2; }
scratch="${SCRATCH:-.build}"
connections="${CONNECTIONS:-8}"
Scripts/install-deps.sh >/dev/null
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release --product pocd --scratch-path "$scratch" >/dev/null
bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/pocd-crash.XXXXXX")"
mkdir -p var
data="$root/var/reliability-crash.$$"
mkdir -p "$data"
pid=""; client=""; ok=0
cleanup() {
    for p in $pid $client; do kill -9 "$p" 2>/dev/null || true; done
    if ((ok)); then
        rm -rf "$tmp" "$data"
    else
        echo "crash.sh: FAILED — kept $tmp (pki, config, logs, ids) and $data (the store)" >&2
    fi
}
trap cleanup EXIT
fail() { echo "crash.sh: FAIL: $*" >&2; exit 1; }

Scripts/pki.sh "$tmp/pki" --server pocd.vn --client officer.vn.alice --client officer.de.bob
cat >"$tmp/directory.yaml" <<YAML
contact_points:
  VN: {name: "Viet Nam", daemon: local, principals: [{identity: officer.vn.alice, role: officer}]}
  DE: {name: "Germany", daemon: local, principals: [{identity: officer.de.bob, role: officer}]}
YAML
cp Config/policy.yaml "$tmp/policy.yaml"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/pocd.yaml" <<YAML
contact_point: [VN, DE]
listen: "127.0.0.1:$port"
tls: {certificate: pki/pocd.vn.crt, private_key: pki/pocd.vn.key, client_ca: pki/ca.crt, min_version: "1.3"}
data_dir: $data
directory: directory.yaml
policy: policy.yaml
YAML
"$bin/pocd" check-config --config "$tmp/pocd.yaml" >/dev/null
python3 - "$tmp/request.json" <<'PY'
import json, sys
r = json.load(open("Config/request.example.json")); del r["id"]
open(sys.argv[1], "w").write(json.dumps(r))
PY
url="https://127.0.0.1:$port"
tls=(--cert "$tmp/pki/officer.vn.alice.crt" --key "$tmp/pki/officer.vn.alice.key" --ca "$tmp/pki/ca.crt")
ns() { date +%s%N; }
store_q() { sqlite3 -readonly "$data/events.sqlite" "$1"; }

# start_pocd N: launches pocd (log $tmp/pocd.N.log), sets pid, serving_ms (launch → "pocd serving")
# and healthz_ms (launch → first 200 from /healthz over mutual TLS).
start_pocd() {
    local log="$tmp/pocd.$1.log" t0 line
    t0=$(ns)
    "$bin/pocd" --config "$tmp/pocd.yaml" >"$log" 2>&1 &
    pid=$!
    until grep -q "pocd serving" "$log"; do
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "pocd did not start (round $1)"; }
        (( ($(ns) - t0) < 60000000000 )) || fail "pocd did not serve within 60 s (round $1)"
        sleep 0.005
    done
    serving_ms=$(( ($(ns) - t0) / 1000000 ))
    until curl -sf -o /dev/null --max-time 5 --cacert "$tmp/pki/ca.crt" --cert "$tmp/pki/officer.vn.alice.crt" \
            --key "$tmp/pki/officer.vn.alice.key" "$url/healthz"; do
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "pocd exited after serving (round $1)"; }
        (( ($(ns) - t0) < 60000000000 )) || fail "pocd did not answer /healthz within 60 s (round $1)"
        sleep 0.005
    done
    healthz_ms=$(( ($(ns) - t0) / 1000000 ))
    line=$(grep "replayed the event log" "$log" | tail -1)
    replayed_requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$line")
    replayed_events=$(sed -n 's/.*events=\([0-9]*\).*/\1/p' <<<"$line")
    replay_source=$(sed -n 's/.*source=\([a-z]*\).*/\1/p' <<<"$line")
}

audit() {  # prints the audit line; fails unless it is "N events OK"
    local out
    out=$("$bin/pocd" audit verify --config "$tmp/pocd.yaml" 2>&1) || fail "audit verify: $out"
    [[ "$out" =~ ^[0-9]+\ events\ OK$ ]] || fail "audit verify printed: $out"
    echo "$out"
}

: >"$tmp/ids.all"
printf "round\tdelay_s\tcreated\tsent\tclient_errors\tstatuses\tstore_requests\tstore_events\trestart_ms\thealthz_ms\treplay_source\taudit\n" >"$tmp/rounds.tsv"
start_pocd 0
first_start_ms=$serving_ms
echo "pocd $pid serving on $url (data $data); $rounds rounds" >&2
run_start=$(date +%s)

for round in $(seq 1 "$rounds"); do
    delay=$(python3 -c 'import random; print(f"{random.uniform(0.2, 3.0):.3f}")')
    rm -f "$tmp/ready" "$tmp/stats"
    : >"$tmp/ids.$round"
    python3 Scripts/reliability/crash_client.py load --url "$url" "${tls[@]}" --body "$tmp/request.json" \
        --ids "$tmp/ids.$round" --ready "$tmp/ready" --stats "$tmp/stats" --connections "$connections" \
        2>"$tmp/client.$round.err" &
    client=$!
    for _ in $(seq 3000); do [[ -e "$tmp/ready" ]] && break; sleep 0.01; done
    [[ -e "$tmp/ready" ]] || fail "the load client did not start (round $round)"
    sleep "$delay"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
    pid=""
    kill -TERM "$client"
    wait "$client" || fail "the load client failed (round $round): $(cat "$tmp/client.$round.err")"
    client=""
    [[ -s "$tmp/stats" ]] || fail "no client summary (round $round)"

    # While pocd is down: every id recorded in any round must be in the store.
    cat "$tmp/ids.$round" >>"$tmp/ids.all"
    created=$(wc -l <"$tmp/ids.$round")
    dups=$(sort "$tmp/ids.all" | uniq -d | wc -l)
    ((dups == 0)) || fail "$dups ids were answered 201 twice"
    store_q "select distinct request_id from events where type='submitted'" | sort >"$tmp/store.ids"
    store_requests=$(wc -l <"$tmp/store.ids")
    store_events=$(store_q "select count(*) from events")
    sort "$tmp/ids.all" | comm -23 - "$tmp/store.ids" >"$tmp/missing.$round"
    missing=$(wc -l <"$tmp/missing.$round")
    if ((missing > 0)); then
        head -5 "$tmp/missing.$round" >&2
        fail "round $round: $missing ids answered 201 are not in the store"
    fi

    # Restart on the same data; it must replay exactly what is stored, verify, and serve.
    start_pocd "$round"
    [[ "$replayed_requests" == "$store_requests" ]] ||
        fail "round $round: pocd replayed $replayed_requests requests, the store holds $store_requests"
    # From the projection (committed with the events) the log line counts 0 events replayed.
    [[ "$replay_source" == projection || "$replayed_events" == "$store_events" ]] ||
        fail "round $round: pocd replayed $replayed_events events, the store holds $store_events"
    audit_line=$(audit)
    (( ${audit_line%% *} >= store_events )) || fail "round $round: audit saw ${audit_line%% *} events, the store had $store_events"
    if ((created > 0)); then
        python3 Scripts/reliability/crash_client.py get --url "$url" "${tls[@]}" --ids "$tmp/ids.$round" \
            --connections 4 >"$tmp/get.$round" || fail "round $round: API read-back: $(cat "$tmp/get.$round")"
    fi
    read -r sent cerr statuses < <(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(s["sent"], sum(s["errors"].values()), ",".join(f"{k}:{v}" for k, v in sorted(s["status"].items())) or "-")' "$tmp/stats")
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$round" "$delay" "$created" "$sent" "$cerr" "$statuses" \
        "$store_requests" "$store_events" "$serving_ms" "$healthz_ms" "$replay_source" "$audit_line" >>"$tmp/rounds.tsv"
    printf "round %3d/%d: killed after %ss, %5d × 201 recorded, 0 missing, store %d requests, restart %d ms (healthz %d ms), %s\n" \
        "$round" "$rounds" "$delay" "$created" "$store_requests" "$serving_ms" "$healthz_ms" "$audit_line" >&2
done

# Final check: every id of every round through the API, then a clean stop and a last audit.
total=$(wc -l <"$tmp/ids.all")
python3 Scripts/reliability/crash_client.py get --url "$url" "${tls[@]}" --ids "$tmp/ids.all" --connections 4 \
    >"$tmp/get.final" || fail "final API read-back: $(cat "$tmp/get.final")"
final_ok=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ok"])' "$tmp/get.final")
kill -TERM "$pid"
wait "$pid" || fail "pocd did not exit 0 on SIGTERM: $(tail -3 "$tmp/pocd.$rounds.log")"
pid=""
final_audit=$(audit)
final_requests=$(store_q "select count(distinct request_id) from events where type='submitted'")
final_events=$(store_q "select count(*) from events")
sort "$tmp/ids.all" | comm -23 - <(store_q "select distinct request_id from events where type='submitted'" | sort) >"$tmp/missing.final"
final_missing=$(wc -l <"$tmp/missing.final")
((final_missing == 0)) || fail "$final_missing ids missing after the final stop"
db_mb=$(du -sm "$data" | cut -f1)
expected_lines=(-e "replayed the event log" -e "pocd serving" -e "stopping: no new connections" -e "\] stopped$")
unexpected=$(cat "$tmp"/pocd.*.log | grep -v "${expected_lines[@]}" | grep -c . || true)
grep -v "${expected_lines[@]}" "$tmp"/pocd.*.log | head -20 >"$tmp/unexpected.log" || true
elapsed=$(( $(date +%s) - run_start ))

summary=$(python3 - "$tmp/rounds.tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
def pct(xs, q):
    xs = sorted(xs); return xs[min(len(xs) - 1, max(0, round(q * len(xs) + 0.5) - 1))]
r = [int(x["restart_ms"]) for x in rows]; h = [int(x["healthz_ms"]) for x in rows]
d = [float(x["delay_s"]) for x in rows]; c = [int(x["created"]) for x in rows]
src = {}
for x in rows: src[x["replay_source"]] = src.get(x["replay_source"], 0) + 1
statuses = {}
for x in rows:
    for kv in x["statuses"].split(","):
        if ":" in kv: k, v = kv.split(":"); statuses[k] = statuses.get(k, 0) + int(v)
print(f"restart_p50={pct(r,.5)} restart_p99={pct(r,.99)} restart_max={max(r)} healthz_p50={pct(h,.5)} healthz_max={max(h)} "
      f"delay_min={min(d):.2f} delay_max={max(d):.2f} created_min={min(c)} created_max={max(c)} "
      f"sources={'/'.join(f'{k}:{v}' for k,v in sorted(src.items()))} "
      f"statuses={','.join(f'{k}:{v}' for k,v in sorted(statuses.items()))} "
      f"sent={sum(int(x['sent']) for x in rows)} client_errors={sum(int(x['client_errors']) for x in rows)}")
PY
)
val() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$summary"; }
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo ", Sources or Package.swift modified")"
cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
fs="$(df -T "$root/var" | awk 'NR==2 {print $2 " on " $1}')"
section=$(cat <<MD
<!-- crash:begin -->
### Crash: \`kill -9\` under intake load

\`Scripts/reliability/crash.sh $rounds\` (with \`SCRATCH=$scratch\`) — $(date -u +%Y-%m-%dT%H:%MZ), commit $commit;
$(nproc) cores ($cpu), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM, $(. /etc/os-release; echo "$PRETTY_NAME"), store on $fs
(SQLite WAL, \`synchronous=FULL\`), $(swift --version 2>/dev/null | head -1 | sed 's/ (.*//'), $(openssl version | cut -d' ' -f1-2). $elapsed s in all.

| measure | figure |
|---|---:|
| rounds (each: load, \`kill -9\` at a uniform 0.2–3 s, restart) | $rounds |
| kill delay after the load began, min / max | $(val delay_min) / $(val delay_max) s |
| POSTs sent / 201 answers recorded (ids) | $(val sent) / **$total** |
| 201s recorded per round, min / max | $(val created_min) / $(val created_max) |
| answers by status (before each kill) | $(val statuses) |
| client-side errors (connections reset or refused by the kill, counted, expected) | $(val client_errors) |
| **recorded ids missing from the store** (every id, every round, read-only \`sqlite3\` while pocd was down) | **0** |
| recorded ids read back through the API after the restart (every id of the round, then all $total at the end) | $final_ok / $total → 200 |
| \`pocd audit verify\` after each restart | $rounds × "N events OK" (last: "$final_audit" after the final SIGTERM stop) |
| replay after restart agrees with the store (requests and events) | $rounds / $rounds rounds (replay source: $(val sources)) |
| restart, launch → \`pocd serving\`: p50 / p99 / max | $(val restart_p50) / $(val restart_p99) / $(val restart_max) ms |
| restart, launch → first \`/healthz\` 200 over mutual TLS: p50 / max | $(val healthz_p50) / $(val healthz_max) ms |
| first start on the empty store | $first_start_ms ms |
| requests / events in the store at the end | $final_requests / $final_events ($db_mb MB) |
| log lines other than replay / serving / stop | $unexpected |

$( ((final_requests > total)) && echo "The store holds $((final_requests - total)) more requests than ids recorded: requests that were committed but whose 201 never reached the client because the daemon died first (allowed: nothing was promised for them; a client that must know sends its own "id" and retries, and the retry is answered 200)." )
<!-- crash:end -->
MD
)
echo "$section"
python3 Scripts/reliability/write_section.py docs/reliability.md crash <<<"$section"
cp "$tmp/rounds.tsv" var/reliability-crash-last.tsv   # per round: delay, 201s, store size, restart times, audit
[[ -s "$tmp/unexpected.log" ]] && { echo "log lines other than replay/serving:" >&2; cat "$tmp/unexpected.log" >&2; }
ok=1
