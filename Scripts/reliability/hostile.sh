#!/usr/bin/env bash
# Hostile clients against a release pocd, each while a well-behaved client keeps submitting.
#
#   Scripts/reliability/hostile.sh            (SCRATCH=.build-rel for the build folder; ATTACKS=a,b to run some)
#
# Run 1: pocd with max_connections 4096 (and `ulimit -n 8192`), other limits at their defaults,
#        against every attack of Scripts/reliability/hostile.py (see its ATTACKS table).
# Run 2: a fresh pocd with the default limits (max_connections 512) against the 2,000 idle
#        connections, to show what the default does.
# The policy puts emergencies in seconds (acknowledge within 1 s, ladder at 0 s / 1 s / 2 s) so
# that alerts fire during the SSE attack. After each run: pocd must still be running and its
# open descriptors back at the baseline. Writes docs/reliability.md between the hostile markers.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
scratch="${SCRATCH:-.build}"
nofile="${NOFILE:-8192}"
max_connections="${MAX_CONNECTIONS:-4096}"
idle="${IDLE_CONNECTIONS:-2000}"
rate="${RATE:-50}"
Scripts/install-deps.sh >/dev/null
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release --product pocd --scratch-path "$scratch" >/dev/null
bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)"
ulimit -n "$nofile"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/pocd-hostile.XXXXXX")"
mkdir -p var
data_root="$root/var/reliability-hostile.$$"
pid=""; ok=0
cleanup() {
    [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null || true
    if ((ok)); then rm -rf "$tmp" "$data_root"; else echo "hostile.sh: FAILED — kept $tmp and $data_root" >&2; fi
}
trap cleanup EXIT
fail() { echo "hostile.sh: FAIL: $*" >&2; exit 1; }

gcc -O2 -pthread -o "$tmp/loadgen" Scripts/bench/loadgen.c -lssl -lcrypto
Scripts/pki.sh "$tmp/pki" --server pocd.vn --client officer.vn.alice --client officer.de.bob --client supervisor.de.eva
cat >"$tmp/directory.yaml" <<YAML
contact_points:
  VN:
    name: "Viet Nam"
    daemon: local
    principals: [{identity: officer.vn.alice, role: officer}]
  DE:
    name: "Germany"
    daemon: local
    principals: [{identity: officer.de.bob, role: officer}, {identity: supervisor.de.eva, role: supervisor}]
YAML
cat >"$tmp/policy.yaml" <<'YAML'
priorities:
  emergency:
    deliver_within: 30s
    acknowledge_within: 1s
    preserve_within: 1h
    preservation_period: 60d
    remind_before_expiry: [14d, 7d, 48h]
    escalation:
      - {after: 0s, level: 1, notify: [officer]}
      - {after: 1s, level: 2, notify: [supervisor, partner]}
      - {after: 2s, level: 3, notify: [supervisor]}
  urgent:
    deliver_within: 15m
    acknowledge_within: 4h
    preserve_within: 24h
    preservation_period: 60d
    remind_before_expiry: [14d, 7d, 48h]
    escalation:
      - {after: 0s, level: 1, notify: [officer]}
      - {after: 4h, level: 2, notify: [supervisor, partner]}
      - {after: 8h, level: 3, notify: [supervisor]}
  routine:
    deliver_within: 1h
    acknowledge_within: 24h
    preserve_within: 72h
    preservation_period: 60d
    remind_before_expiry: [14d, 7d, 48h]
    escalation:
      - {after: 0s, level: 1, notify: [officer]}
      - {after: 24h, level: 2, notify: [supervisor, partner]}
      - {after: 48h, level: 3, notify: [supervisor]}
YAML
python3 - "$tmp" <<'PY'
import json, sys
r = json.load(open("Config/request.example.json")); del r["id"]
open(sys.argv[1] + "/urgent.json", "w").write(json.dumps(r))
r.update(kind="emergency-disclosure", priority="emergency",
         emergency={"facts": "a threat to kill a named person was posted an hour ago",
                    "data_relevance": "the poster's account data identify the author"})
open(sys.argv[1] + "/emergency.json", "w").write(json.dumps(r))
PY

# config NAME LIMITS_YAML: writes $tmp/NAME.yaml (data in $data_root/NAME) on a free port.
config() {
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p "$data_root/$1"
    cat >"$tmp/$1.yaml" <<YAML
contact_point: [VN, DE]
listen: "127.0.0.1:$port"
tls: {certificate: pki/pocd.vn.crt, private_key: pki/pocd.vn.key, client_ca: pki/ca.crt, min_version: "1.3"}
data_dir: $data_root/$1
directory: directory.yaml
policy: policy.yaml
$2
YAML
    "$bin/pocd" check-config --config "$tmp/$1.yaml" >/dev/null
    echo "$port"
}
start_pocd() {  # NAME → pid, log $tmp/NAME.log
    "$bin/pocd" --config "$tmp/$1.yaml" >"$tmp/$1.log" 2>&1 &
    pid=$!
    for _ in $(seq 3000); do
        grep -q "pocd serving" "$tmp/$1.log" && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$tmp/$1.log" >&2; fail "pocd $1 did not start"; }
        sleep 0.01
    done
    fail "pocd $1 did not serve within 30 s"
}
# run_attacks NAME PORT ATTACKS: the attacks against the running pocd, then the end checks.
run_attacks() {
    local name="$1" port="$2"
    python3 Scripts/reliability/hostile.py run --url "https://127.0.0.1:$port" --pki "$tmp/pki" --pid "$pid" \
        --log "$tmp/$name.log" --loadgen "$tmp/loadgen" --body "$tmp/urgent.json" --emergency-body "$tmp/emergency.json" \
        --out "$tmp/$name.json" --attacks "$3" --rate "$rate" --connections "$idle"
    kill -0 "$pid" 2>/dev/null || fail "pocd $name is no longer running: $(tail -5 "$tmp/$name.log")"
    local baseline now
    baseline=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["fds"]["baseline"])' "$tmp/$name.json")
    for _ in $(seq 200); do
        now=$(ls "/proc/$pid/fd" | wc -l)
        ((now <= baseline)) && break
        sleep 0.2
    done
    eval "${name}_fds_baseline=$baseline ${name}_fds_end=$now ${name}_alive=yes"
    eval "${name}_rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$pid/status") ${name}_hwm=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$pid/status")"
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    pid=""
    eval "${name}_exit=$rc"
    ((now <= baseline)) || fail "pocd $name: $now open descriptors at the end, baseline $baseline"
}

all_attacks="baseline,no-cert,foreign-ca,expired,plain-http,garbage,slowloris,huge-header,body-100mib,body-slow-1mib,idle-tcp,idle-tls,sse-nonreader,sse-replay-nonreader"
attacks="${ATTACKS:-$all_attacks}"
port=$(config raised "limits: {max_connections: $max_connections}")
start_pocd raised
echo "run 1: pocd $pid on port $port, max_connections $max_connections, ulimit -n $(ulimit -n)" >&2
run_attacks raised "$port" "$attacks"
default_attacks="${DEFAULT_ATTACKS:-baseline,idle-tcp,idle-tls}"
if [[ -n "$default_attacks" && "$default_attacks" != none ]]; then
    port=$(config default "")
    start_pocd default
    echo "run 2: pocd $pid on port $port, default limits (max_connections 512)" >&2
    run_attacks default "$port" "$default_attacks"
fi

commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo ", Sources or Package.swift modified")"
cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
section=$(cat <<MD
<!-- hostile:begin -->
### Hostile clients

\`Scripts/reliability/hostile.sh\` (with \`SCRATCH=$scratch\`) — $(date -u +%Y-%m-%dT%H:%MZ), commit $commit;
$(nproc) cores ($cpu), $(. /etc/os-release; echo "$PRETTY_NAME"), $(swift --version 2>/dev/null | head -1 | sed 's/ (.*//'), $(openssl version | cut -d' ' -f1-2), Python $(python3 -c 'import sys; print(sys.version.split()[0])') for the attackers.

**Run 1 — limits:** \`max_connections: $max_connections\` (\`ulimit -n $nofile\`); everything else at its default:
\`max_header_bytes\` 16 KiB, \`max_body_bytes\` 1 MiB, \`handshake_timeout\` 10 s, \`header_timeout\` 10 s,
\`body_timeout\` 30 s, \`idle_timeout\` 60 s, \`write_timeout\` 30 s, stream buffer 4 MiB. Well-behaved client:
\`loadgen --rate $rate --connections 4\` POSTing a new urgent preservation request (open loop; latency from the
moment each request was due), from 1 s before each attack to 1 s after it; "errors" counts failed
connections, reads or writes and any answer other than 201.

$(python3 Scripts/reliability/hostile.py table "$tmp/raised.json")

At the end of run 1 pocd was still running (SIGTERM exit status ${raised_exit}), with ${raised_fds_end} open descriptors against a baseline of ${raised_fds_baseline}; RSS ${raised_rss} MB (peak ${raised_hwm} MB).

$(python3 Scripts/reliability/hostile.py details "$tmp/raised.json")
$( [[ -f "$tmp/default.json" ]] && cat <<MD2

**Run 2 — the default \`max_connections: 512\`** (fresh pocd, every limit at its default, same well-behaved client):

$(python3 Scripts/reliability/hostile.py table "$tmp/default.json")

At the end of run 2 pocd was still running (SIGTERM exit status ${default_exit}), with ${default_fds_end} open descriptors against a baseline of ${default_fds_baseline}.

$(python3 Scripts/reliability/hostile.py details "$tmp/default.json")
MD2
)
<!-- hostile:end -->
MD
)
echo "$section"
mkdir -p var/reliability-hostile-last && cp "$tmp"/*.json "$tmp"/*.log var/reliability-hostile-last/ 2>/dev/null || true
python3 Scripts/reliability/write_section.py docs/reliability.md hostile <<<"$section"
ok=1
