#!/usr/bin/env bash
# The PostgreSQL backend and the pair on it (docs/operations.md, "Running a pair"), measured in
# one run on this machine:
#   (1) durable intake (POST /v1/requests, 16 connections, mutual TLS, keep-alive): pocd on
#       SQLite, pocd on a local PostgreSQL 15 (fsync on, synchronous_commit on) and Alertmanager
#       0.25 (which holds alerts in memory), side by side, two rounds, with p50 and p99;
#   (2) failover: two pocd on that PostgreSQL (lease 10 s) under a steady load of emergency
#       requests on a compressed ladder (level 1 at 2 s, 2 at 8 s, 3 at 14 s), the leader killed
#       with SIGKILL KILLS times (default 20) and brought back as the standby; the time from the
#       kill to the other daemon's /healthz saying "leader", then every acknowledged request
#       looked up in the database and every escalation counted at a real webhook receiver
#       (distinct idempotency keys, and raw deliveries).
# Rewrites its sections of docs/performance.md and docs/reliability.md (between the
# `postgresql` markers).
#
#   Scripts/bench/postgresql.sh [SECONDS [KILLS]]      SECONDS per intake phase (default 15)
# BENCH_KEEP=1 keeps the temporary folder (configs, logs, the receiver's record).
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
secs="${1:-15}"
kills="${2:-20}"
perf_doc="${BENCH_DOC:-docs/performance.md}"
rel_doc="${BENCH_RELIABILITY_DOC:-docs/reliability.md}"
conns=16
say() { printf '== %s\n' "$*" >&2; }

Scripts/install-deps.sh gcc python3 >&2
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
base=/tmp
[[ "$(stat -f -c %T /tmp)" != tmpfs ]] || { base="$root/var"; mkdir -p "$base"; }
work="$(mktemp -d "$base/pocd-pg-bench.XXXXXX")"
chmod 711 "$work"
pids=()
as_pg() { if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
    for p in ${pids[@]+"${pids[@]}"}; do kill -KILL "$p" 2>/dev/null || true; done
    [[ -f "$work/pg/postmaster.pid" ]] && kill -INT "$(head -1 "$work/pg/postmaster.pid")" 2>/dev/null || true
    sleep 1
    [[ "${BENCH_KEEP:-0}" == 1 ]] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

say "release build of pocd, the load generator, a throwaway PKI"
swift build -c release --product pocd >&2
pocd="$(swift build -c release --show-bin-path)/pocd"
gcc -O2 -pthread -o "$work/loadgen" Scripts/bench/loadgen.c -lssl -lcrypto
Scripts/pki.sh "$work/pki" --server pocd.vn --server alertmanager.bench --server webhook.bench --client officer.vn.alice >&2
pki="$work/pki"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

say "a PostgreSQL cluster in $work/pg (fsync on), as the postgres user"
pg_port=$(free_port)
python3 -c 'import secrets; print(secrets.token_hex(16))' >"$work/pgpass"
mkdir -p "$work/pg"
if [[ "$(id -u)" == 0 ]]; then chown postgres "$work/pg" "$work/pgpass"; fi
as_pg "$pgbin/initdb" -D "$work/pg" -U pocd -E UTF8 --auth-local=trust --auth-host=scram-sha-256 --pwfile="$work/pgpass" >/dev/null
touch "$work/pg.log"; [[ "$(id -u)" == 0 ]] && chown postgres "$work/pg.log"
as_pg "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$work/pg' -c fsync=on -c synchronous_commit=on -c max_connections=200" start >&2
[[ "$(id -u)" == 0 ]] && chown root "$work/pgpass"
chmod 600 "$work/pgpass"
psql_() { "$pgbin/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$work/pg" -p "$pg_port" -U pocd "$@"; }
psql_ -d postgres -c "CREATE DATABASE intake1" -c "CREATE DATABASE intake2" -c "CREATE DATABASE pair"

request_body() {  # PRIORITY KIND: the example request without its id
    python3 - "$root/Config/request.example.json" "$1" "$2" <<'PY'
import json, sys
body = json.load(open(sys.argv[1]))
body.pop("id", None)
body["priority"], body["kind"] = sys.argv[2], sys.argv[3]
if sys.argv[3] == "emergency-disclosure":
    body["emergency"] = {"facts": "a threat to a named person was posted an hour ago", "data_relevance": "the account data identify the poster"}
print(json.dumps(body, ensure_ascii=False, separators=(",", ":")))
PY
}
request_body urgent preservation >"$work/request.json"

config() {  # DIR PORT POLICY [STORE-YAML]
    mkdir -p "$1"
    cat >"$1/directory.yaml" <<'YAML'
contact_points:
  VN: {name: VN, daemon: local, principals: [{identity: officer.vn.alice, role: officer}]}
  DE: {name: DE, daemon: local, principals: [{identity: officer.de.bob, role: officer}]}
YAML
    cp "$3" "$1/policy.yaml"
    cat >"$1/pocd.yaml" <<YAML
contact_point: [VN, DE]
listen: "127.0.0.1:$2"
tls: {certificate: $pki/pocd.vn.crt, private_key: $pki/pocd.vn.key, client_ca: $pki/ca.crt}
data_dir: data
directory: directory.yaml
policy: policy.yaml
${4:-}
YAML
}
pg_store() {  # DATABASE
    printf 'store:\n  postgresql:\n    url: "postgresql://pocd@127.0.0.1:%s/%s?sslmode=disable"\n    password_file: %s\n' "$pg_port" "$1" "$work/pgpass"
}
curl_as() { curl -sS --max-time 10 --cacert "$pki/ca.crt" --cert "$pki/officer.vn.alice.crt" --key "$pki/officer.vn.alice.key" "$@"; }
start() {  # DIR PORT; sets pid
    "$pocd" --config "$1/pocd.yaml" >>"$1/pocd.log" 2>&1 &
    pid=$!; pids+=("$pid")
    for _ in $(seq 600); do
        [[ "$(curl_as -o /dev/null -w '%{http_code}' "https://127.0.0.1:$2/healthz" 2>/dev/null || true)" == 200 ]] && return 0
        kill -0 "$pid" 2>/dev/null || { tail -20 "$1/pocd.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "pocd in $1 did not answer" >&2; exit 1
}
stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
load() {  # URL BODY: one loadgen phase, prints "rps p50 p99 errors"
    "$work/loadgen" --url "$1" --method POST --body-file "$2" --cert "$pki/officer.vn.alice.crt" \
        --key "$pki/officer.vn.alice.key" --ca "$pki/ca.crt" --connections $conns --duration "$secs" ${3:+--unique "$3"} |
        python3 -c 'import json,sys; d=json.load(sys.stdin); print(round(d["rps"]), d["p50_ms"], d["p99_ms"], d.get("errors", 0))'
}

# ---------------------------------------------------------------- (1) intake, side by side
say "Alertmanager 0.25 (alerts in memory)"
am_port=$(free_port)
mkdir -p "$work/am"
printf 'route:\n  receiver: "null"\n  group_wait: 1h\nreceivers:\n  - name: "null"\n' >"$work/am/am.yml"
printf 'tls_server_config:\n  cert_file: %s\n  key_file: %s\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: %s\n' \
    "$pki/alertmanager.bench.crt" "$pki/alertmanager.bench.key" "$pki/ca.crt" >"$work/am/web.yml"
prometheus-alertmanager --config.file="$work/am/am.yml" --web.config.file="$work/am/web.yml" --storage.path="$work/am/data" \
    --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= >"$work/am/log" 2>&1 &
am_pid=$!; pids+=("$am_pid")
for _ in $(seq 100); do curl_as -o /dev/null "https://127.0.0.1:$am_port/-/ready" 2>/dev/null && break; sleep 0.1; done
echo '[{"labels":{"alertname":"RequestOverdue","contact_point":"DE","priority":"urgent","request":"@UNIQUE@"},"annotations":{"summary":"overdue"}}]' >"$work/alert.json"

declare -A rate p50 p99
for round in 1 2; do
    for which in sqlite postgresql alertmanager; do
        say "intake: $which, round $round"
        case "$which" in
            sqlite) port=$(free_port); config "$work/sqlite-$round" "$port" Config/policy.yaml; start "$work/sqlite-$round" "$port"
                    read -r r a b e < <(load "https://127.0.0.1:$port/v1/requests" "$work/request.json"); stop "$pid" ;;
            postgresql) port=$(free_port); config "$work/pg-$round" "$port" Config/policy.yaml "$(pg_store "intake$round")"; start "$work/pg-$round" "$port"
                    read -r r a b e < <(load "https://127.0.0.1:$port/v1/requests" "$work/request.json"); stop "$pid" ;;
            alertmanager) read -r r a b e < <(load "https://127.0.0.1:$am_port/api/v2/alerts" "$work/alert.json" @UNIQUE@) ;;
        esac
        rate[$which]="${rate[$which]:-} $r"; p50[$which]="${p50[$which]:-} $a"; p99[$which]="${p99[$which]:-} $b"
        [[ "$e" == 0 ]] || say "  $e errors"
    done
done
stop "$am_pid"
pg_events=$(( $(psql_ -d intake1 -c "SELECT count(*) FROM events") + $(psql_ -d intake2 -c "SELECT count(*) FROM events") ))

# ---------------------------------------------------------------- (2) failover under load
say "the pair: two pocd on one PostgreSQL, a webhook receiver, a steady load, $kills kills of the leader"
hook_port=$(free_port)
python3 - "$hook_port" "$pki" "$work/received.jsonl" >"$work/hook.log" 2>&1 <<'PY' &
import http.server, json, ssl, sys, threading
port, pki, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lock = threading.Lock()
f = open(out, "a", buffering=1)
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            f.write(json.dumps({"key": self.headers.get("X-ContactPoint-Event-ID"), "body": json.loads(body)}) + "\n")
        self.send_response(204); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(f"{pki}/webhook.bench.crt", f"{pki}/webhook.bench.key")
s.socket = ctx.wrap_socket(s.socket, server_side=True)
s.serve_forever()
PY
pids+=("$!")
python3 - Scripts/bench/../../Sources/TestSupport/PocdProcess.swift >"$work/ladder.yaml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
policy = re.search(r'secondsPolicy = """\n(.*?)\n\s*"""', text, re.S).group(1)
policy = "\n".join(line[8:] for line in policy.split("\n"))
policy = policy.replace("{after: 2s, level: 2", "{after: 6s, level: 2").replace("{after: 4s, level: 3", "{after: 12s, level: 3")
print(policy)
PY
hooks="alerts:
  webhooks:
    - {name: pager, url: \"https://127.0.0.1:$hook_port/hooks\"}"
port_a=$(free_port); port_b=$(free_port)
config "$work/pair-a" "$port_a" "$work/ladder.yaml" "$(pg_store pair)
$hooks"
start "$work/pair-a" "$port_a"; pid_a=$pid
config "$work/pair-b" "$port_b" "$work/ladder.yaml" "$(pg_store pair)
$hooks
audit: {log_key: $work/pair-a/data/log.key}
encryption: {keys: [{id: default, file: $work/pair-a/data/master-keys/default.key}]}"
start "$work/pair-b" "$port_b"; pid_b=$pid
request_body emergency emergency-disclosure >"$work/emergency.json"

# The submitter: 4 requests per second, to either daemon (the other when one cannot be reached,
# as poc does); every 201's id is recorded.
python3 - "$port_a" "$port_b" "$pki" "$work/emergency.json" "$work/acknowledged.txt" "$work/stop-load" >"$work/submitter.log" 2>&1 <<'PY' &
import http.client, json, os, ssl, sys, time, uuid
pa, pb, pki, body_file, out, stop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
body = json.load(open(body_file))
ctx = ssl.create_default_context(cafile=f"{pki}/ca.crt")
ctx.load_cert_chain(f"{pki}/officer.vn.alice.crt", f"{pki}/officer.vn.alice.key")
f = open(out, "a", buffering=1)
i, sent, failed = 0, 0, 0
while not os.path.exists(stop):
    t = time.time()
    body["id"] = str(uuid.uuid4())
    for port in ([pa, pb] if i % 2 == 0 else [pb, pa]):
        try:
            c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
            c.request("POST", "/v1/requests", json.dumps(body), {"Content-Type": "application/json"})
            r = c.getresponse(); r.read(); c.close()
            if r.status == 201:
                f.write(body["id"] + "\n"); sent += 1
            else:
                failed += 1; print("answer", r.status, file=sys.stderr)
            break
        except (ConnectionRefusedError, ConnectionResetError, ssl.SSLError, OSError) as e:
            failed += 1; print("unreachable", port, e, file=sys.stderr)
    i += 1
    time.sleep(max(0, 0.25 - (time.time() - t)))
print("acknowledged", sent, "failed attempts", failed)
PY
load_pid=$!; pids+=("$load_pid")
role() { curl_as "https://127.0.0.1:$1/healthz" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin).get("role",""))' 2>/dev/null || true; }
for _ in $(seq 100); do [[ "$(role "$port_a")" == leader ]] && break; sleep 0.1; done
takeovers=()
for k in $(seq "$kills"); do
    sleep 4
    if [[ "$(role "$port_a")" == leader ]]; then lp=$pid_a; ld=pair-a; lport=$port_a; sport=$port_b; else lp=$pid_b; ld=pair-b; lport=$port_b; sport=$port_a; fi
    t0=$(date +%s.%N)
    kill -KILL "$lp"; wait "$lp" 2>/dev/null || true
    t=""
    for _ in $(seq 600); do
        if [[ "$(role "$sport")" == leader ]]; then t=$(python3 -c "import time; print(round(time.time() - $t0, 2))"); break; fi
        sleep 0.05
    done
    [[ -n "$t" ]] || { say "kill $k: no new leader within 30 s"; t=30; }
    takeovers+=("$t")
    say "kill $k: the other daemon leads after $t s"
    start "$work/$ld" "$lport"
    if [[ "$ld" == pair-a ]]; then pid_a=$pid; else pid_b=$pid; fi
done
touch "$work/stop-load"; wait "$load_pid" || true
say "waiting for the last ladders (14 s) and the outbox to drain"
sleep 16
leader_port=$port_a; [[ "$(role "$port_a")" == leader ]] || leader_port=$port_b
for _ in $(seq 600); do
    depth=$(curl_as "https://127.0.0.1:$leader_port/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["outbox_depth"])')
    [[ "$depth" == 0 ]] && break; sleep 0.1
done
psql_ -d pair -c "SELECT request_id FROM events WHERE type = 'submitted'" >"$work/stored.txt"
psql_ -d pair -c "SELECT request_id || ':' || (payload::jsonb ->> 'deadline') || ':' || (payload::jsonb ->> 'level') FROM events WHERE type = 'escalated'" >"$work/escalated.txt"
stop "$pid_a"; stop "$pid_b"

commit="$(git rev-parse --short HEAD)$(git diff --quiet || echo ' (tree modified)')"
python3 - "$commit" "$secs" "$kills" "$perf_doc" "$rel_doc" "$work" "$pg_events" \
    "${rate[sqlite]}" "${rate[postgresql]}" "${rate[alertmanager]}" "${p50[sqlite]}" "${p50[postgresql]}" "${p50[alertmanager]}" \
    "${p99[sqlite]}" "${p99[postgresql]}" "${p99[alertmanager]}" "${takeovers[*]}" <<'PY'
import collections, datetime, json, re, statistics, sys
(commit, secs, kills, perf_doc, rel_doc, work, pg_events, rs, rp, ra, ms, mp, ma, qs, qp, qa, takeovers) = sys.argv[1:]
ints = lambda s: [int(x) for x in s.split()]
flts = lambda s: [float(x) for x in s.split()]
rs, rp, ra = ints(rs), ints(rp), ints(ra)
ms, mp, ma, qs, qp, qa, takeovers = map(flts, (ms, mp, ma, qs, qp, qa, takeovers))
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
j = lambda xs: " / ".join(f"{x:,}" for x in xs)
jf = lambda xs: " / ".join(f"{x:.1f}" for x in xs)
acknowledged = [l.strip() for l in open(f"{work}/acknowledged.txt") if l.strip()]
stored = set(l.strip() for l in open(f"{work}/stored.txt") if l.strip())
lost = [i for i in acknowledged if i not in stored]
escalated = collections.Counter(l.strip() for l in open(f"{work}/escalated.txt") if l.strip())
deliveries = [json.loads(l) for l in open(f"{work}/received.jsonl")]
firing = [d for d in deliveries if d["body"].get("status") == "firing" and d["body"].get("deadline") == "acknowledge"]
keys = collections.defaultdict(set)
raw = collections.Counter()
for d in firing:
    k = f'{d["body"]["request_id"]}:{d["body"]["level"]}'
    keys[k].add(d["key"]); raw[k] += 1
expected = [f"{i}:{lvl}" for i in acknowledged for lvl in (1, 2, 3)]
missed = [k for k in expected if not keys.get(k)]
doubled = [k for k, v in keys.items() if len(v) > 1]
doubled_in_log = [k for k, v in escalated.items() if v > 1]  # by request, deadline and level
missing_in_log = [f"{i}:acknowledge:{lvl}" for i in acknowledged for lvl in (1, 2, 3) if escalated[f"{i}:acknowledge:{lvl}"] == 0]
retried = sum(raw.values()) - sum(len(v) for v in keys.values())
summary = submitter = open(f"{work}/submitter.log").read().strip().splitlines()[-1]
perf = f"""### Intake on PostgreSQL

`Scripts/bench/postgresql.sh {secs} {kills}` — {now}, commit {commit}, {secs} s per phase, two rounds, 16 connections, mutual TLS, keep-alive; PostgreSQL 15 on this machine, `fsync = on`, `synchronous_commit = on`.

| | pocd on SQLite | pocd on PostgreSQL | Alertmanager 0.25 (memory) |
|---|---:|---:|---:|
| durable intake (requests/s, two rounds) | {j(rs)} | {j(rp)} | {j(ra)} |
| p50 (ms) | {jf(ms)} | {jf(mp)} | {jf(ma)} |
| p99 (ms) | {jf(qs)} | {jf(qp)} | {jf(qa)} |

PostgreSQL ÷ SQLite {sum(rp)/sum(rs):.2f}×; PostgreSQL ÷ Alertmanager {sum(rp)/sum(ra):.2f}×. The PostgreSQL databases held {int(pg_events):,} events after the two runs (each request is two events: submitted, delivered)."""
rel = f"""### Failover of a pair on PostgreSQL

`Scripts/bench/postgresql.sh {secs} {kills}` — {now}, commit {commit}: two pocd on one local PostgreSQL 15 (lease 10 s), emergency requests submitted at 4/s to either daemon (the other when one cannot be reached), a compressed ladder (level 1 at 2 s, 2 at 8 s, 3 at 14 s) notifying a real HTTPS webhook receiver; the leader killed with SIGKILL {kills} times, 4 s apart, each time restarted as the standby.

| measure | result |
|---|---|
| time from `kill -9` to the other daemon's `/healthz` saying `leader` | min {min(takeovers):.2f} s, median {statistics.median(takeovers):.2f} s, max {max(takeovers):.2f} s (lease 10 s) |
| requests answered `201` | {len(acknowledged)} ({summary}) |
| of them missing from the database | **{len(lost)}** |
| escalations expected (3 per request) | {len(expected)} |
| missed at the receiver | **{len(missed)}** |
| notified twice (two idempotency keys for one request and level) | **{len(doubled)}** |
| escalations missing from the log | **{len(missing_in_log)}** |
| recorded twice in the log (same request, deadline and level) | **{len(doubled_in_log)}** of {sum(escalated.values())} escalation events (acknowledge and, for requests older than 30 s, preserve) |
| deliveries repeated with the same key (an answer lost when a leader died) | {retried} |"""
for path, tag, section in ((perf_doc, "postgresql", perf), (rel_doc, "postgresql", rel)):
    text = open(path).read()
    block = f"<!-- {tag}:begin -->\n{section}\n<!-- {tag}:end -->"
    if f"<!-- {tag}:begin -->" in text:
        text = re.sub(rf"<!-- {tag}:begin -->.*?<!-- {tag}:end -->", lambda m: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    open(path, "w").write(text)
print(perf); print(); print(rel)
PY
