#!/usr/bin/env bash
# What the signed, cosigned log costs (docs/audit.md), measured in one run on this machine:
#   (1) durable intake with checkpoints on (this tree, audit.checkpoint_interval 1s) side by side
#       with the build of PREVIOUS (before the log), A B A B, 16 connections, mutual TLS;
#   (2) `pocd audit verify` on a log of EVENTS events (seeded as pocd writes them): wall time, RSS;
#   (3) a request with 20 events in that log: `pocd audit export`, the bundle's size, and the time
#       of the independent verifier (Scripts/verify-bundle.py).
# Rewrites its section of docs/performance.md (between the audit markers).
#
#   Scripts/bench/audit.sh [PREVIOUS [EVENTS [SECONDS]]]
#       PREVIOUS  a git revision without the log (default: the commit before the AuditLog module)
#       EVENTS    the log's size for (2) and (3) (default 1000000)
#       SECONDS   per intake phase (default 20)
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
previous="${1:-$(git log --format=%H --diff-filter=A -1 -- Sources/AuditLog/Merkle.swift)~1}"
events_total="${2:-1000000}"
secs="${3:-20}"
doc="${BENCH_DOC:-docs/performance.md}"
conns=16
say() { printf '== %s\n' "$*" >&2; }

Scripts/install-deps.sh gcc python3 >&2
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
base=/tmp
[[ "$(stat -f -c %T /tmp)" != tmpfs ]] || { base="$root/var"; mkdir -p "$base"; }
work="$(mktemp -d "$base/pocd-audit-bench.XXXXXX")"
pids=()
cleanup() {
    for p in ${pids[@]+"${pids[@]}"}; do kill -KILL "$p" 2>/dev/null || true; done
    git -C "$root" worktree remove --force "$work/prev" 2>/dev/null || true
    [[ "${BENCH_KEEP:-0}" == 1 ]] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

say "release builds: this tree, and $previous in a temporary worktree"
swift build -c release --product pocd >&2
swift build -c release --product poc-store-bench >&2
bin="$(swift build -c release --show-bin-path)"
# PREV_SCRATCH keeps the previous build between runs (it takes minutes); by default it is temporary.
prev_scratch="${PREV_SCRATCH:-$work/prev-build}"
git worktree add --detach "$work/prev" "$previous" >&2
(cd "$work/prev" && swift build -c release --product pocd --scratch-path "$prev_scratch" >&2)
prev_pocd="$(cd "$work/prev" && swift build -c release --scratch-path "$prev_scratch" --show-bin-path)/pocd"
gcc -O2 -pthread -o "$work/loadgen" Scripts/bench/loadgen.c -lssl -lcrypto
Scripts/pki.sh "$work/pki" --server pocd.vn --client officer.vn.alice --client officer.de.bob --log-key pocd.vn
pki="$work/pki"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
python3 - "$root/Config/request.example.json" >"$work/request.json" <<'PY'
import json, sys
body = json.load(open(sys.argv[1]))
body.pop("id", None)
print(json.dumps(body, ensure_ascii=False, separators=(",", ":")))
PY

# config DIR PORT [audit]: a daemon serving VN and DE in DIR.
config() {
    mkdir -p "$1"
    cat >"$1/directory.yaml" <<'YAML'
contact_points:
  VN: {name: VN, daemon: local, principals: [{identity: officer.vn.alice, role: officer}]}
  DE: {name: DE, daemon: local, principals: [{identity: officer.de.bob, role: officer}]}
YAML
    cp Config/policy.yaml "$1/policy.yaml"
    cat >"$1/pocd.yaml" <<YAML
contact_point: [VN, DE]
listen: "127.0.0.1:$2"
tls: {certificate: $pki/pocd.vn.crt, private_key: $pki/pocd.vn.key, client_ca: $pki/ca.crt}
data_dir: data
directory: directory.yaml
policy: policy.yaml
YAML
    if [[ "${3:-}" == audit ]]; then
        printf 'audit: {log_key: %s, checkpoint_interval: 1s}\n' "$pki/pocd.vn.logkey" >>"$1/pocd.yaml"
    fi
}
curl_as() { curl -sS --max-time 30 --cacert "$pki/ca.crt" --cert "$pki/$1.crt" --key "$pki/$1.key" "${@:2}"; }
start() {  # BIN DIR PORT; sets pid
    "$1" --config "$2/pocd.yaml" >"$2/pocd.log" 2>&1 &
    pid=$!; pids+=("$pid")
    for _ in $(seq 600); do
        [[ "$(curl_as officer.vn.alice -o /dev/null -w '%{http_code}' "https://127.0.0.1:$3/healthz" 2>/dev/null || true)" == 200 ]] && return 0
        kill -0 "$pid" 2>/dev/null || { tail -20 "$2/pocd.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "pocd did not start" >&2; tail -20 "$2/pocd.log" >&2; exit 1
}
stop() { kill -TERM "$1"; wait "$1" 2>/dev/null || true; }

# ------------------------------------------------ (1) intake, previous build vs this one
declare -A rate p99
for round in 1 2; do
    for which in previous current; do
        port=$(free_port); dir="$work/intake-$which-$round"
        if [[ "$which" == previous ]]; then config "$dir" "$port"; start "$prev_pocd" "$dir" "$port"
        else config "$dir" "$port" audit; start "$bin/pocd" "$dir" "$port"; fi
        say "intake $which, round $round"
        line=$("$work/loadgen" --url "https://127.0.0.1:$port/v1/requests" --method POST --body-file "$work/request.json" \
            --cert "$pki/officer.vn.alice.crt" --key "$pki/officer.vn.alice.key" --ca "$pki/ca.crt" \
            --connections $conns --duration "$secs")
        stop "$pid"
        r=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(round(d["rps"]))' "$line")
        q=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["p99_ms"])' "$line")
        rate[$which]="${rate[$which]:-} $r"; p99[$which]="${p99[$which]:-} $q"
        [[ "$which" == previous ]] || grep -c "checkpoint" "$dir/pocd.log" >/dev/null || true
    done
done
checkpoints_signed=$(sqlite3 "$work/intake-current-2/data/events.sqlite" "SELECT count(*) FROM checkpoints")

if [[ "${INTAKE_ONLY:-0}" == 1 ]]; then  # a quick look at (1) alone, no report
    echo "intake: previous ${rate[previous]} / current ${rate[current]}"
    exit 0
fi

# ------------------------------------------------ (2) audit verify at EVENTS events, (3) a 20-event bundle
say "seeding $events_total events ($((events_total / 2)) requests) as pocd writes them"
port=$(free_port); big="$work/big"; config "$big" "$port" audit
mkdir -p "$big/data"
"$bin/poc-store-bench" seed "$big/data" --requests $((events_total / 2)) >&2
start "$bin/pocd" "$big" "$port"
id=$(python3 -c 'import uuid; print(uuid.uuid4())')
python3 - "$work/request.json" "$id" >"$work/one.json" <<'PY'
import json, sys
body = json.load(open(sys.argv[1])); body["id"] = sys.argv[2]
print(json.dumps(body))
PY
base_url="https://127.0.0.1:$port/v1/requests"
curl_as officer.vn.alice -o /dev/null -H 'Content-Type: application/json' --data-binary "@$work/one.json" "$base_url"
curl_as officer.de.bob -o /dev/null -X POST "$base_url/$id/acknowledge"
curl_as officer.de.bob -o /dev/null -H 'Content-Type: application/json' -d '{"provider_reference":"EM-1"}' "$base_url/$id/preserve"
for _ in $(seq 16); do curl_as officer.vn.alice -o /dev/null -H 'Content-Type: application/json' -d '{"days":1}' "$base_url/$id/extend"; done
n=$(curl_as officer.vn.alice "$base_url/$id" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["history"]))')
stop "$pid"   # a last checkpoint at shutdown covers the request
size=$(sqlite3 "$big/data/events.sqlite" "SELECT max(position) FROM events")
say "pocd audit verify on $size events"
/usr/bin/time -f '%e %M' -o "$work/verify.time" "$bin/pocd" audit verify --config "$big/pocd.yaml" >"$work/verify.out"
read -r verify_s verify_kb <"$work/verify.time"
"$bin/pocd" audit export "$id" --config "$big/pocd.yaml" --output "$work/bundle.json" >&2
bundle_bytes=$(stat -c %s "$work/bundle.json")
/usr/bin/time -f '%e' -o "$work/bundle.time" python3 Scripts/verify-bundle.py "$work/bundle.json" >"$work/bundle.out"
bundle_s=$(cat "$work/bundle.time")

# ------------------------------------------------ the report
commit="$(git rev-parse --short HEAD)$(git diff --quiet || echo ' (tree modified)')"
prev_short="$(git rev-parse --short "$previous")"
section=$(python3 - "$commit" "$prev_short" "$secs" "${rate[previous]}" "${rate[current]}" "${p99[previous]}" "${p99[current]}" \
    "$checkpoints_signed" "$size" "$verify_s" "$verify_kb" "$(head -3 "$work/verify.out" | tr '\n' '|')" "$n" "$bundle_bytes" "$bundle_s" \
    "$(cat "$work/bundle.out")" <<'PY'
import sys, datetime
(commit, prev, secs, rp, rc, qp, qc, cps, size, vs, vkb, vout, n, bb, bs, bout) = sys.argv[1:]
rp = [int(x) for x in rp.split()]; rc = [int(x) for x in rc.split()]
qp = [float(x) for x in qp.split()]; qc = [float(x) for x in qc.split()]
ratio = sum(rc) / sum(rp)
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
met = "met" if ratio >= 0.9 else "**missed**"
print(f"""### The signed log's cost

`Scripts/bench/audit.sh {prev} {size}` — {now}, commit {commit}, against {prev} (before the log), {secs} s per phase, A B A B.

| measure | before the log ({prev}) | with checkpoints every 1 s ({commit}) | |
|---|---:|---:|---|
| durable intake, 16 connections (requests/s, two rounds) | {" / ".join(map(str, rp))} | {" / ".join(map(str, rc))} | {ratio:.2f}×, target ≥ 0.90×: {met} |
| intake p99 (ms) | {" / ".join(f"{x:.1f}" for x in qp)} | {" / ".join(f"{x:.1f}" for x in qc)} | |
| checkpoints signed during the second round | | {cps} | |

| on a log of {int(size):,} events | figure |
|---|---:|
| `pocd audit verify` (chain, tree, every checkpoint, projection): wall time / peak RSS | {float(vs):.1f} s / {int(vkb) // 1024} MB |
| a request with {n} events: `pocd audit export` bundle size | {int(bb):,} bytes |
| `Scripts/verify-bundle.py` on it (Python, independent) | {float(bs):.2f} s |

`audit verify` said: `{vout.replace("|", " / ").strip(" /")}`; the verifier said: `{bout.strip()}`.""")
PY
)
python3 - "$doc" "$section" <<'PY'
import sys, re
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
block = "<!-- audit:begin -->\n" + section + "\n<!-- audit:end -->"
if "<!-- audit:begin -->" in text:
    text = re.sub(r"<!-- audit:begin -->.*?<!-- audit:end -->", lambda m: block, text, flags=re.S)
else:
    text = text.rstrip() + "\n\n" + block + "\n"
open(path, "w").write(text)
PY
echo "$section"
