#!/usr/bin/env bash
# ContactPoint demo: two national 24/7 contact points, Viet Nam and Germany, each with its
# own pocd on loopback (SQLite in a data folder, a throwaway test PKI), federated over
# mutual TLS. Submits a sample preservation request from VN to DE and shows DE's queue.
#
#   Scripts/demo.sh          set up (first run) and (re)start both daemons; leaves them running
#   Scripts/demo.sh stop     stop them
#
# State lives in $DEMO_DIR (default: var/demo); ports are $DEMO_VN_PORT and $DEMO_DE_PORT
# (default 8443 and 9443). A second run rebuilds, restarts the daemons and keeps their data.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
state="${DEMO_DIR:-var/demo}"
mkdir -p "$state"
state="$(cd "$state" && pwd)"
vn_port="${DEMO_VN_PORT:-8443}"
de_port="${DEMO_DE_PORT:-9443}"

stop() {
    for cp in vn de; do
        local pidfile="$state/$cp/pocd.pid"
        if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            kill -TERM "$(cat "$pidfile")"
            for _ in $(seq 150); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.1; done
            if kill -0 "$(cat "$pidfile")" 2>/dev/null; then
                echo "pocd $cp (pid $(cat "$pidfile")) did not stop within 15s; see $state/$cp/pocd.log" >&2
                exit 1
            fi
            echo "stopped pocd $cp (pid $(cat "$pidfile"))"
        fi
        rm -f "$pidfile"
    done
}

if [[ "${1:-}" == "stop" ]]; then stop; exit 0; fi

echo "== 1/5 system packages and a release build (the first build takes a few minutes)"
Scripts/install-deps.sh
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release --product pocd >/dev/null
swift build -c release --product poc >/dev/null
bin="$(swift build -c release --show-bin-path)"

echo "== 2/5 a throwaway PKI: one CA, a daemon and an officer for each contact point"
Scripts/pki.sh "$state/pki" --server pocd.vn --server pocd.de \
    --client officer.vn.alice --client supervisor.vn.minh --client officer.de.bob --client supervisor.de.eva \
    --log-key pocd.vn --log-key pocd.de

echo "== 3/5 configuration for each daemon"
directory() {  # $1 = the local contact point
    local vn_daemon="local" de_daemon="local"
    # Each witnesses the other's log: the partner's log key is in the directory (docs/audit.md).
    [[ "$1" == VN ]] && de_daemon="{url: \"https://127.0.0.1:$de_port\", identity: pocd.de, log_key: \"$(cat "$state/pki/pocd.de.vkey")\"}"
    [[ "$1" == DE ]] && vn_daemon="{url: \"https://127.0.0.1:$vn_port\", identity: pocd.vn, log_key: \"$(cat "$state/pki/pocd.vn.vkey")\"}"
    cat <<YAML
contact_points:
  VN:
    name: "Viet Nam — 24/7 contact point"
    daemon: $vn_daemon
    principals:
      - {identity: officer.vn.alice, role: officer}
      - {identity: supervisor.vn.minh, role: supervisor}
      - {identity: pocd.vn, role: daemon}
  DE:
    name: "Germany — 24/7 contact point"
    daemon: $de_daemon
    principals:
      - {identity: officer.de.bob, role: officer}
      - {identity: supervisor.de.eva, role: supervisor}
      - {identity: pocd.de, role: daemon}
YAML
}
for cp in VN DE; do
    lc="$(tr A-Z a-z <<<"$cp")"
    port="$vn_port"; [[ "$cp" == DE ]] && port="$de_port"
    mkdir -p "$state/$lc"
    directory "$cp" | sed "/identity: pocd.$lc, role: daemon/d" >"$state/$lc/directory.yaml"
    cp Config/policy.yaml "$state/$lc/policy.yaml"
    cat >"$state/$lc/pocd.yaml" <<YAML
contact_point: $cp
listen: "127.0.0.1:$port"
tls:
  certificate: ../pki/pocd.$lc.crt
  private_key: ../pki/pocd.$lc.key
  client_ca: ../pki/ca.crt
  min_version: "1.3"
data_dir: data
directory: directory.yaml
policy: policy.yaml
audit:
  log_key: ../pki/pocd.$lc.logkey
YAML
    "$bin/pocd" check-config --config "$state/$lc/pocd.yaml"
done

echo "== 4/5 starting both daemons (logs: $state/vn/pocd.log, $state/de/pocd.log)"
stop
# The daemons outlive this script, so they must not inherit its caller's descriptors: a
# caller waiting for a pipe or socket of ours to close (a test, CI) would wait forever.
for fd in /proc/$$/fd/*; do
    fd="${fd##*/}"
    if [[ "$fd" -gt 2 && "$fd" -ne 255 ]]; then eval "exec $fd>&-" 2>/dev/null || true; fi
done
for lc in vn de; do
    nohup "$bin/pocd" --config "$state/$lc/pocd.yaml" >>"$state/$lc/pocd.log" 2>&1 </dev/null &
    echo $! >"$state/$lc/pocd.pid"
done
as() {  # $1 = identity, $2 = port, rest = poc arguments
    local identity="$1" port="$2"; shift 2
    POC_CONFIG=/nonexistent "$bin/poc" "$@" --server "https://127.0.0.1:$port" --cert "$state/pki/$identity.crt" \
        --key "$state/pki/$identity.key" --ca "$state/pki/ca.crt"
}

for lc in vn de; do
    port="$vn_port"; who=officer.vn.alice
    [[ "$lc" == de ]] && port="$de_port" && who=officer.de.bob
    for i in $(seq 300); do
        as "$who" "$port" health >/dev/null 2>&1 && break
        kill -0 "$(cat "$state/$lc/pocd.pid")" 2>/dev/null || { echo "pocd $lc did not start:"; tail -5 "$state/$lc/pocd.log"; exit 1; }
        [[ "$i" -lt 300 ]] || { echo "pocd $lc did not answer within 30s; see $state/$lc/pocd.log"; exit 1; }
        sleep 0.1
    done
done

echo "== 5/5 VN's officer submits Config/request.example.json to DE"
as officer.vn.alice "$vn_port" submit Config/request.example.json
for _ in $(seq 100); do
    as officer.de.bob "$de_port" queue --json 2>/dev/null | grep -q 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e && break
    sleep 0.2
done
echo
echo "DE's queue (officer.de.bob at https://127.0.0.1:$de_port):"
as officer.de.bob "$de_port" queue

# The dashboard in a browser: each person's certificate as a PKCS#12 file to import
# (password "demo"; a browser asks which certificate to present the first time).
for who in officer.vn.alice supervisor.vn.minh officer.de.bob supervisor.de.eva; do
    [[ -f "$state/pki/$who.p12" ]] || openssl pkcs12 -export -in "$state/pki/$who.crt" -inkey "$state/pki/$who.key" \
        -certfile "$state/pki/ca.crt" -name "$who" -passout pass:demo -out "$state/pki/$who.p12"
done

cat <<TEXT

Both daemons keep running. The dashboard (docs/dashboard.md): import $state/pki/ca.crt as a
certificate authority and $state/pki/officer.de.bob.p12 (password demo) in your browser, then
open https://127.0.0.1:$de_port/ (the wall: https://127.0.0.1:$de_port/wall).
Try, as DE's officer:
  export POC_SERVER=https://127.0.0.1:$de_port POC_CA=$state/pki/ca.crt \\
         POC_CERT=$state/pki/officer.de.bob.crt POC_KEY=$state/pki/officer.de.bob.key
  $bin/poc show 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e
  $bin/poc acknowledge 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e
  $bin/poc preserve 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e --provider-reference EM-4471
  $bin/poc watch            # alerts as they happen (Ctrl-C to stop)
Then as VN's officer (POC_SERVER=https://127.0.0.1:$vn_port, officer.vn.alice.crt/.key):
  $bin/poc show 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e     # DE's actions arrive here too
  $bin/poc extend 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e --days 30
  $bin/pocd audit verify --config $state/vn/pocd.yaml

Stop both daemons with:  Scripts/demo.sh stop      (DEMO_DIR=$state if you set it)
TEXT
