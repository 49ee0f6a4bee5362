#!/usr/bin/env bash
# ContactPoint benchmarks, side by side with peers in one run, on loopback:
#   (a) durable intake: POST /v1/requests to pocd   vs  Alertmanager 0.25 POST /api/v2/alerts
#                                                   vs  nginx `return 200`  (mutual TLS, keep-alive, 16 connections),
#       with the bytes pocd wrote to disk per request and what each commit wrote (Scripts/bench/walpages.py)
#   (b) full mutual-TLS handshakes per second: pocd GET /healthz vs nginx GET / (a new connection per request)
#   context: keep-alive GETs; a well-behaved submitter (50/s, open loop) alone and while /healthz is polled
#   (d) the event store's group commit (Scripts/bench/store.sh)
#   (e) instructions per request under callgrind, intake and keep-alive GET (Scripts/bench/instructions.sh)
# and rewrites the generated part of docs/performance.md (between its BEGIN/END GENERATED markers).
#
#   Scripts/bench/run.sh            20 s per phase (about 4 minutes, plus the builds); rewrites the page
#   Scripts/bench/run.sh --quick    a check of the script itself (Scripts/test.sh runs it): 2 s per phase on
#                                   the debug build, writes no figure; exits 1 unless every phase was
#                                   answered, no server died, the audit count matches and every process
#                                   stopped cleanly (Scripts/bench/report.py --check)
#   Scripts/bench/run.sh --instructions   phase (e) alone on the release build (about 2 minutes): prints
#                                   instructions.env (intake_ir=…, get_ir=…) and the kept folder with the
#                                   callgrind files; writes no page. For comparing one change with the last.
#
# Environment: SCRATCH (swift build scratch path, default .build), CONFIGURATION (release; debug with --quick),
# POCD_BIN (a pocd built elsewhere, instead of building one: to compare with an earlier commit),
# BENCH_DOC (default docs/performance.md),
# BENCH_KEEP=1 keeps the temporary folder (configs, logs, raw JSON) for a look afterwards.
# Installs missing Debian packages (nginx, prometheus-alertmanager, python3), builds pocd in release and the
# load generator (Scripts/bench/loadgen.c), makes a throwaway PKI, and starts and stops its own processes.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"

secs=20; ctx_secs=5; store_secs=10; ir_requests=300; mode=full
case "${1:-}" in
    --quick) secs=2; ctx_secs=1; store_secs=1; ir_requests=20; mode=quick ;;
    --instructions) mode=instructions ;;
    "") ;;
    *) echo "usage: $0 [--quick | --instructions]" >&2; exit 2 ;;
esac
scratch="${SCRATCH:-.build}"
configuration="${CONFIGURATION:-$([[ $mode == quick ]] && echo debug || echo release)}"
doc="${BENCH_DOC:-docs/performance.md}"
conns=16

say() { printf '== %s\n' "$*" >&2; }

say "system packages"
Scripts/install-deps.sh nginx prometheus-alertmanager python3 gcc valgrind binutils >&2
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"

# Everything lives in a temporary folder under /tmp, unless /tmp is a tmpfs: pocd's fsyncs must reach a disk.
base=/tmp
[[ "$(stat -f -c %T /tmp)" != tmpfs ]] || { base="$root/var"; mkdir -p "$base"; }
work="$(mktemp -d "$base/pocd-bench.XXXXXX")"
res="$work/results"
mkdir -p "$res"
# alive PID: the process runs (a child that died stays a zombie until waited for: that is not alive).
alive() { [[ -r "/proc/$1/stat" && "$(awk '{sub(/^.*\) /, ""); print $1}' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }

pids=()
cleanup() {
    local pid
    for pid in ${pids[@]+"${pids[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in ${pids[@]+"${pids[@]}"}; do
        for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
        if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    done
    if [[ "${BENCH_KEEP:-0}" == 1 ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "$configuration build of pocd (scratch path $scratch) and the load generator"
if [[ -n "${POCD_BIN:-}" ]]; then
    pocd="$POCD_BIN"   # a build made elsewhere (an earlier commit, for a comparison)
else
    swift build -c "$configuration" --product pocd --scratch-path "$scratch" >&2
    pocd="$(swift build -c "$configuration" --scratch-path "$scratch" --show-bin-path)/pocd"
fi
gcc -O2 -pthread -o "$work/loadgen" Scripts/bench/loadgen.c -lssl -lcrypto

say "throwaway PKI in $work/pki"
Scripts/pki.sh "$work/pki" --server pocd.bench --server nginx.bench --server alertmanager.bench --client officer.vn.alice
pki="$work/pki"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
nginx_port=$(free_port); am_port=$(free_port); pocd_port=$(free_port)
while [[ "$am_port" == "$nginx_port" ]]; do am_port=$(free_port); done
while [[ "$pocd_port" == "$nginx_port" || "$pocd_port" == "$am_port" ]]; do pocd_port=$(free_port); done

# ---------------------------------------------------------------- configuration

# Request bodies: the example request without its "id" (so each POST is a new request: 201), and one
# Alertmanager alert whose `request` label is made unique per POST by the load generator.
python3 - "$root/Config/request.example.json" >"$work/request.json" <<'PY'
import json, sys
body = json.load(open(sys.argv[1]))
body.pop("id", None)
print(json.dumps(body, ensure_ascii=False, separators=(",", ":")))
PY
cat >"$work/alert.json" <<'JSON'
[{"labels":{"alertname":"RequestOverdue","contact_point":"DE","priority":"urgent","deadline":"acknowledge","level":"2","request":"@UNIQUE@"},"annotations":{"summary":"VN-A05-2026-0113: the acknowledge deadline was missed","why":"overdue(acknowledge, level: 2)"},"generatorURL":"https://127.0.0.1:8443/v1/requests/2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e"}]
JSON

mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<NGINX
# The reference: a fixed small 200 over mutual TLS, nothing else.
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    keepalive_requests 100000000;
    keepalive_timeout 60s;
    server {
        listen 127.0.0.1:$nginx_port ssl;
        ssl_certificate $pki/nginx.bench.crt;
        ssl_certificate_key $pki/nginx.bench.key;
        ssl_client_certificate $pki/ca.crt;
        ssl_verify_client on;
        ssl_protocols TLSv1.3;
        ssl_session_cache off;      # as pocd: no session cache, no tickets,
        ssl_session_tickets off;    # every handshake is a full one
        location / {
            default_type application/json;
            return 200 '{"status":"ok"}\n';
        }
    }
}
NGINX

mkdir -p "$work/alertmanager"
cat >"$work/alertmanager/alertmanager.yml" <<'YAML'
# Accept and hold alerts; notify nobody (the benchmark measures intake).
route:
  receiver: "null"
  group_wait: 1h
  group_interval: 1h
  repeat_interval: 24h
receivers:
  - name: "null"
YAML
cat >"$work/alertmanager/web.yml" <<YAML
tls_server_config:
  cert_file: $pki/alertmanager.bench.crt
  key_file: $pki/alertmanager.bench.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: $pki/ca.crt
  min_version: TLS13
YAML

# pocd serving VN and DE, both local (as Tests/EndToEndTests' localDirectory, without the unreachable US
# partner): a VN→DE request is stored (submitted) and receipted locally (delivered), two events.
pocd_config() {  # $1 = folder
    mkdir -p "$1"
    cp Config/policy.yaml "$1/policy.yaml"
    cat >"$1/directory.yaml" <<'YAML'
contact_points:
  VN:
    name: "Viet Nam"
    daemon: local
    principals:
      - {identity: officer.vn.alice, role: officer}
      - {identity: supervisor.vn.minh, role: supervisor}
  DE:
    name: "Germany"
    daemon: local
    principals:
      - {identity: officer.de.bob, role: officer}
      - {identity: supervisor.de.eva, role: supervisor}
YAML
    cat >"$1/pocd.yaml" <<YAML
contact_point: [VN, DE]
listen: "127.0.0.1:$pocd_port"
tls:
  certificate: $pki/pocd.bench.crt
  private_key: $pki/pocd.bench.key
  client_ca: $pki/ca.crt
  min_version: "1.3"
data_dir: data
directory: directory.yaml
policy: policy.yaml
YAML
    "$pocd" check-config --config "$1/pocd.yaml" >&2
}
pocd_config "$work/pocd-intake"
pocd_config "$work/pocd-handshake"

if [[ $mode == instructions ]]; then
    say "(e) alone: Scripts/bench/instructions.sh, $ir_requests intake requests, $((ir_requests * 10)) GETs under callgrind"
    pocd_config "$work/pocd-callgrind"
    BENCH_KEEP=1
    Scripts/bench/instructions.sh "$pocd" "$work/pocd-callgrind/pocd.yaml" "https://127.0.0.1:$pocd_port" \
        "$work/request.json" "$work/loadgen" "$pki" "$res" "$ir_requests" >&2
    if [[ -n "${POCD_BIN:-}" ]]; then echo "pocd=$POCD_BIN"
    else echo "commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo ' (Sources modified)')"; fi
    cat "$res/instructions.env"
    echo "callgrind files: $res/instructions-{intake,get}.callgrind"
    exit 0
fi

# ---------------------------------------------------------------- processes

curl_as() { curl -sS -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$pki/ca.crt" \
    --cert "$pki/officer.vn.alice.crt" --key "$pki/officer.vn.alice.key" "$@" 2>/dev/null || true; }

# wait_ready PID URL NAME LOG: until URL answers 200, or fail with the log.
wait_ready() {
    local pid="$1" url="$2" name="$3" log="$4"
    for _ in $(seq 300); do
        [[ "$(curl_as "$url")" == 200 ]] && return 0
        if ! alive "$pid"; then echo "$name did not start:" >&2; tail -20 "$log" >&2; exit 1; fi
        sleep 0.1
    done
    echo "$name did not answer $url within 30 s:" >&2; tail -20 "$log" >&2; exit 1
}

# stop_pid PID NAME: SIGTERM, then `wait` for it, with a watchdog that sends SIGKILL after 30 s; never
# fails (a process may exit at any moment, even before the signal). Records how it ended as
# "NAME_stop=…" in meta.env and sets `stopped`: "exit N after SIGTERM (T s)", "already exited (N)" if it
# had died before, or "killed after 30 s". No polling of /proc: once bash has reaped a child its pid may
# be another process's or thread's (pid_max is 32,768 here), and a look at /proc/PID then says "alive";
# `wait` knows its own child, and the watchdog can only fire while the child is still unreaped.
# forget PID: no longer ours to stop at exit.
forget() {
    local p kept=()
    for p in ${pids[@]+"${pids[@]}"}; do [[ "$p" == "$1" ]] || kept+=("$p"); done
    pids=(${kept[@]+"${kept[@]}"})
}
stop_pid() {
    local pid="$1" name="$2" status=0 started=$SECONDS watchdog
    forget "$pid"
    if ! kill -TERM "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null || status=$?
        stopped="already exited ($status)"
    else
        (sleep 30; kill -KILL "$pid" 2>/dev/null && echo killed >"$work/watchdog.$pid") &
        watchdog=$!
        wait "$pid" 2>/dev/null || status=$?
        kill "$watchdog" 2>/dev/null || true
        wait "$watchdog" 2>/dev/null || true
        if [[ -e "$work/watchdog.$pid" ]]; then
            stopped="killed after 30 s"
        else
            stopped="exit $status after SIGTERM ($((SECONDS - started)) s)"
        fi
    fi
    echo "${name}_stop=$stopped" >>"$res/meta.env"
}

start_nginx() {
    nginx -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" >"$work/nginx/stdout.log" 2>&1 &
    nginx_pid=$!; pids+=("$nginx_pid")
    wait_ready "$nginx_pid" "https://127.0.0.1:$nginx_port/" nginx "$work/nginx/error.log"
}
start_alertmanager() {
    prometheus-alertmanager --config.file="$work/alertmanager/alertmanager.yml" --storage.path="$work/alertmanager/data" \
        --web.listen-address="127.0.0.1:$am_port" --web.config.file="$work/alertmanager/web.yml" \
        --cluster.listen-address= --log.level=warn >"$work/alertmanager/alertmanager.log" 2>&1 &
    am_pid=$!; pids+=("$am_pid")
    wait_ready "$am_pid" "https://127.0.0.1:$am_port/-/ready" alertmanager "$work/alertmanager/alertmanager.log"
}
start_pocd() {  # $1 = folder; sets pocd_pid
    "$pocd" --config "$1/pocd.yaml" >"$1/pocd.log" 2>&1 &
    pocd_pid=$!; pids+=("$pocd_pid")
    wait_ready "$pocd_pid" "https://127.0.0.1:$pocd_port/healthz" pocd "$1/pocd.log"
}

# CPU seconds (user + system) used so far by a process and its direct children (nginx's workers).
clk_tck=$(getconf CLK_TCK)
cpu_of() {
    local pid="$1" total=0 p
    for p in "$pid" $(pgrep -P "$pid" || true); do
        # A process may be gone between the listing and the read: it then counts 0.
        total=$((total + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo "$total"
}
# Busy jiffies of the whole machine (user nice system irq softirq steal), to see who else ran.
busy_jiffies() { awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
status_field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
fds_of() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
# io_written PID: the bytes the process has caused to be written to disk so far (/proc/PID/io).
io_written() { awk '$1 == "write_bytes:" {print $2}' "/proc/$1/io" 2>/dev/null || echo 0; }

# phase NAME PID URL [loadgen options]: runs the load generator against URL, while PID serves it.
# Writes $res/NAME.json (loadgen's line plus server_cpu_s, server_alive, the command) and NAME.stderr.
phase() {
    local name="$1" pid="$2" url="$3"; shift 3
    local args=(--url "$url" --cert "$pki/officer.vn.alice.crt" --key "$pki/officer.vn.alice.key" --ca "$pki/ca.crt" "$@")
    say "$name: loadgen ${args[*]}"
    local c0 c1 m0 m1 alive=true line
    c0=$(cpu_of "$pid"); m0=$(busy_jiffies)
    line=$("$work/loadgen" "${args[@]}" 2>"$res/$name.stderr")
    c1=$(cpu_of "$pid"); m1=$(busy_jiffies)
    alive "$pid" || alive=false
    python3 - "$line" "$(( c1 - c0 ))" "$clk_tck" "$alive" "${args[*]}" "$work" "$(( m1 - m0 ))" >"$res/$name.json" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
r["server_cpu_s"] = int(sys.argv[2]) / int(sys.argv[3])
r["machine_busy_s"] = int(sys.argv[7]) / int(sys.argv[3])
r["server_alive"] = sys.argv[4] == "true"
r["command"] = "loadgen " + sys.argv[5].replace(sys.argv[6], "$work")
print(json.dumps(r))
PY
    echo "   $line" >&2
}

# tls_of NAME PORT: the negotiated protocol, cipher and key exchange, from openssl s_client.
tls_of() {
    local out
    out=$(openssl s_client -connect "127.0.0.1:$2" -CAfile "$pki/ca.crt" -cert "$pki/officer.vn.alice.crt" \
        -key "$pki/officer.vn.alice.key" -verify_return_error -brief </dev/null 2>&1 || true)
    printf '%s: %s\n' "$1" "$(grep -E '^(Protocol version|Ciphersuite|Negotiated TLS1.3 group|Server Temp Key)' <<<"$out" | tr '\n' ';' | sed 's/;$//')"
}

# ---------------------------------------------------------------- the run

{
    echo "mode=$mode"
    echo "secs=$secs"
    echo "ctx_secs=$ctx_secs"
    echo "store_secs=$store_secs"
    echo "connections=$conns"
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "dirty=$(git status --porcelain 2>/dev/null | wc -l)"
    echo "cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
    echo "cores=$(nproc)"
    echo "ram=$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "kernel=$(uname -sr)"
    echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "fs_work=$(df -T "$work" | awk 'NR==2 {print $2" ("$1") on "$7}')"
    echo "openssl=$(openssl version)"
    echo "nginx=$(nginx -v 2>&1 | sed 's/^nginx version: //')"
    echo "alertmanager=$(prometheus-alertmanager --version 2>&1 | head -1)"
    echo "swift=$(swift --version 2>&1 | head -1)"
    echo "gcc=$(gcc --version | head -1)"
    echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$res/meta.env"

say "starting nginx, Alertmanager and pocd (intake instance)"
start_nginx
start_alertmanager
start_pocd "$work/pocd-intake"
{
    tls_of nginx "$nginx_port"
    tls_of alertmanager "$am_port"
    tls_of pocd "$pocd_port"
} >"$res/tls.txt"

# (a) durable intake, keep-alive, 16 connections
phase a-nginx "$nginx_pid" "https://127.0.0.1:$nginx_port/v1/requests" \
    --method POST --body-file "$work/request.json" --connections "$conns" --duration "$secs"
phase a-alertmanager "$am_pid" "https://127.0.0.1:$am_port/api/v2/alerts" \
    --method POST --body-file "$work/alert.json" --unique @UNIQUE@ --connections "$conns" --duration "$secs"
echo "alertmanager_rss_kib=$(status_field "$am_pid" VmHWM)" >>"$res/meta.env"
echo "pocd_intake_rss_before_kib=$(status_field "$pocd_pid" VmRSS)" >>"$res/meta.env"
written_before=$(io_written "$pocd_pid")
phase a-pocd "$pocd_pid" "https://127.0.0.1:$pocd_port/v1/requests" \
    --method POST --body-file "$work/request.json" --connections "$conns" --duration "$secs"
echo "pocd_intake_written_bytes=$(( $(io_written "$pocd_pid") - written_before ))" >>"$res/meta.env"
sleep 1   # let receipts still queued on the Desk reach the log before the count
# what the commits wrote, by table: the WAL (first) and the database copied while pocd is idle
mkdir -p "$work/wal-copy"
cp "$work/pocd-intake/data/events.sqlite-wal" "$work/pocd-intake/data/events.sqlite" "$work/wal-copy/" 2>/dev/null &&
    python3 Scripts/bench/walpages.py "$work/wal-copy" >"$res/walpages.txt" 2>&1 || echo "walpages.py failed" >>"$res/walpages.txt"
rm -rf "$work/wal-copy"
echo "pocd_intake_rss_after_kib=$(status_field "$pocd_pid" VmRSS)" >>"$res/meta.env"
echo "pocd_intake_hwm_kib=$(status_field "$pocd_pid" VmHWM)" >>"$res/meta.env"
# context: a well-behaved submitter (open loop, 50 requests/s) alone, then while 4 connections poll /healthz
phase ctx-pocd-submit-alone "$pocd_pid" "https://127.0.0.1:$pocd_port/v1/requests" \
    --method POST --body-file "$work/request.json" --connections 2 --rate 50 --duration $((ctx_secs * 2))
poll_args=(--url "https://127.0.0.1:$pocd_port/healthz" --cert "$pki/officer.vn.alice.crt"
    --key "$pki/officer.vn.alice.key" --ca "$pki/ca.crt" --connections 4 --duration $((ctx_secs * 2 + 2)))
echo "loadgen ${poll_args[*]}" | sed "s|$work|\$work|g" >"$res/healthz-poll.cmd"
"$work/loadgen" "${poll_args[@]}" >"$res/healthz-poll.out" 2>&1 &
poller=$!; pids+=("$poller")
sleep 1
phase ctx-pocd-submit-polled "$pocd_pid" "https://127.0.0.1:$pocd_port/v1/requests" \
    --method POST --body-file "$work/request.json" --connections 2 --rate 50 --duration $((ctx_secs * 2))
poll_status=0; wait "$poller" || poll_status=$?
forget "$poller"; echo "healthz_poller_stop=exit $poll_status" >>"$res/meta.env"
# how intake scales: 1, 64 and 256 connections (16 is phase (a)), on the same daemon
for c in 1 64 256; do
    phase "scale-pocd-c$c" "$pocd_pid" "https://127.0.0.1:$pocd_port/v1/requests" \
        --method POST --body-file "$work/request.json" --connections "$c" --duration $((ctx_secs * 2))
done
# context: /healthz with every intake request open
phase ctx-pocd-healthz-full "$pocd_pid" "https://127.0.0.1:$pocd_port/healthz" \
    --connections "$conns" --duration "$ctx_secs"
curl -sS --max-time 30 --cacert "$pki/ca.crt" --cert "$pki/officer.vn.alice.crt" --key "$pki/officer.vn.alice.key" \
    "https://127.0.0.1:$pocd_port/healthz" >"$res/healthz-after-intake.json" 2>&1 || true
stop_pid "$pocd_pid" pocd_intake
stop_pid "$am_pid" alertmanager
"$pocd" audit verify --config "$work/pocd-intake/pocd.yaml" >"$res/audit.txt" 2>&1 || echo "exit status $?" >>"$res/audit.txt"
say "audit verify: $(tr '\n' ' ' <"$res/audit.txt")"

# (b) full mutual-TLS handshakes, a fresh pocd (an empty store keeps /healthz cheap; see the doc)
say "starting pocd (handshake instance, empty store)"
start_pocd "$work/pocd-handshake"
phase ctx-pocd-healthz-empty "$pocd_pid" "https://127.0.0.1:$pocd_port/healthz" \
    --connections "$conns" --duration "$ctx_secs"
phase ctx-nginx-get "$nginx_pid" "https://127.0.0.1:$nginx_port/" \
    --connections "$conns" --duration "$ctx_secs"
sleep 1
echo "pocd_hs_rss_before_kib=$(status_field "$pocd_pid" VmRSS)" >>"$res/meta.env"
echo "pocd_hs_fds_before=$(fds_of "$pocd_pid")" >>"$res/meta.env"
phase b-nginx "$nginx_pid" "https://127.0.0.1:$nginx_port/" \
    --new-connection --connections "$conns" --duration "$secs"
phase b-pocd "$pocd_pid" "https://127.0.0.1:$pocd_port/healthz" \
    --new-connection --connections "$conns" --duration "$secs"
sleep 1
echo "pocd_hs_rss_after_kib=$(status_field "$pocd_pid" VmRSS)" >>"$res/meta.env"
echo "pocd_hs_fds_after=$(fds_of "$pocd_pid")" >>"$res/meta.env"
stop_pid "$pocd_pid" pocd_hs
stop_pid "$nginx_pid" nginx

# pocd's own word on the run: every log line above info level, from both instances
for inst in intake handshake; do
    grep -vE '^[^ ]+ (trace|debug|info) ' "$work/pocd-$inst/pocd.log" >"$res/pocd-$inst.notable.log" || true
    wc -l <"$work/pocd-$inst/pocd.log" >"$res/pocd-$inst.lines"
done
cp "$work/nginx/error.log" "$res/nginx-error.log" 2>/dev/null || : >"$res/nginx-error.log"
cp "$work/alertmanager/alertmanager.log" "$res/alertmanager.log" 2>/dev/null || : >"$res/alertmanager.log"

# (d) the store's group commit
say "(d) Scripts/bench/store.sh $store_secs"
SCRATCH="$scratch" CONFIGURATION="$configuration" Scripts/bench/store.sh "$store_secs" >"$res/store.md" 2>"$res/store.stderr" ||
    { echo "store.sh failed:"; tail -20 "$res/store.stderr"; } >>"$res/store.md"

# (e) instructions per request, on a third pocd with an empty store
say "(e) Scripts/bench/instructions.sh: $ir_requests intake requests, $((ir_requests * 10)) GETs under callgrind"
pocd_config "$work/pocd-callgrind"
Scripts/bench/instructions.sh "$pocd" "$work/pocd-callgrind/pocd.yaml" "https://127.0.0.1:$pocd_port" "$work/request.json" \
    "$work/loadgen" "$pki" "$res" "$ir_requests" >"$res/instructions.stdout" 2>"$res/instructions.stderr" ||
    echo "instructions_failed=$(tail -1 "$res/instructions.stderr")" >>"$res/meta.env"

echo "configuration=$configuration" >>"$res/meta.env"
python3 Scripts/bench/report.py "$res" - --summary >&2
if [[ $mode == quick ]]; then
    python3 Scripts/bench/report.py "$res" - --check
else
    python3 Scripts/bench/report.py "$res" - --check >&2 || say "the run had failures: the page says which"
    say "writing $doc"
    python3 Scripts/bench/report.py "$res" "$doc"
fi
