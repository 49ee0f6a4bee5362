#!/usr/bin/env bash
# What sealing personal content costs (docs/privacy.md), measured in one run on this machine:
#   (1) durable intake (POST /v1/requests, 16 connections, mutual TLS) with encryption on (this
#       tree: AES-256-GCM per event, a wrapped data key row per request) side by side with the
#       build of PREVIOUS (before encryption: the content stored in clear), A B A B;
#   (2) reads of one request (GET /v1/requests/{id}, 16 connections): this tree records each read
#       durably in the access log before answering, the previous build only reads;
#   (3) a check that the runs did what they claim: a submitted identifier counted in the files of
#       each data directory (0 with encryption on).
# Rewrites its section of docs/performance.md (between the privacy markers).
#
#   Scripts/bench/privacy.sh [PREVIOUS [SECONDS]]
#       PREVIOUS  a git revision without encryption (default: the commit before the Sealing module)
#       SECONDS   per phase (default 20)
# PREV_SCRATCH keeps the previous build between runs (it takes minutes).
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
previous="${1:-$(git log --format=%H --diff-filter=A -1 -- Sources/Sealing/AESGCM.swift)~1}"
secs="${2:-20}"
doc="${BENCH_DOC:-docs/performance.md}"
conns=16
say() { printf '== %s\n' "$*" >&2; }

Scripts/install-deps.sh gcc python3 >&2
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
base=/tmp
[[ "$(stat -f -c %T /tmp)" != tmpfs ]] || { base="$root/var"; mkdir -p "$base"; }
work="$(mktemp -d "$base/pocd-privacy-bench.XXXXXX")"
pids=()
cleanup() {
    for p in ${pids[@]+"${pids[@]}"}; do kill -KILL "$p" 2>/dev/null || true; done
    git -C "$root" worktree remove --force "$work/prev" 2>/dev/null || true
    [[ "${BENCH_KEEP:-0}" == 1 ]] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

say "release builds: this tree, and $previous in a temporary worktree"
swift build -c release --product pocd >&2
bin="$(swift build -c release --show-bin-path)"
prev_scratch="${PREV_SCRATCH:-$work/prev-build}"
git worktree add --detach "$work/prev" "$previous" >&2
(cd "$work/prev" && swift build -c release --product pocd --scratch-path "$prev_scratch" >&2)
prev_pocd="$(cd "$work/prev" && swift build -c release --scratch-path "$prev_scratch" --show-bin-path)/pocd"
gcc -O2 -pthread -o "$work/loadgen" Scripts/bench/loadgen.c -lssl -lcrypto
Scripts/pki.sh "$work/pki" --server pocd.vn --client officer.vn.alice --client officer.de.bob >&2
pki="$work/pki"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
marker="bench-$(python3 -c 'import uuid; print(uuid.uuid4().hex[:12])')@example.org"
python3 - "$root/Config/request.example.json" "$marker" >"$work/request.json" <<'PY'
import json, sys
body = json.load(open(sys.argv[1]))
body.pop("id", None)
body["data"][0].setdefault("identifiers", []).append({"type": "email", "value": sys.argv[2]})
print(json.dumps(body, ensure_ascii=False, separators=(",", ":")))
PY

config() {  # DIR PORT: a daemon serving VN and DE, the shipped policy, the default master key
    mkdir -p "$1"
    cat >"$1/directory.yaml" <<'YAML'
contact_points:
  VN: {name: VN, daemon: local, principals: [{identity: officer.vn.alice, role: officer}]}
  DE: {name: DE, daemon: local, principals: [{identity: officer.de.bob, role: officer}]}
YAML
    grep -v '^retention:\|^  after_end:' Config/policy.yaml >"$1/policy.yaml"
    cat >"$1/pocd.yaml" <<YAML
contact_point: [VN, DE]
listen: "127.0.0.1:$2"
tls: {certificate: $pki/pocd.vn.crt, private_key: $pki/pocd.vn.key, client_ca: $pki/ca.crt}
data_dir: data
directory: directory.yaml
policy: policy.yaml
YAML
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
load() {  # PORT METHOD PATH [BODY]: one loadgen phase, prints "rps p99"
    local args=(--url "https://127.0.0.1:$1$3" --method "$2" --cert "$pki/officer.vn.alice.crt" --key "$pki/officer.vn.alice.key"
                --ca "$pki/ca.crt" --connections $conns --duration "$secs")
    [[ -z "${4:-}" ]] || args+=(--body-file "$4")
    "$work/loadgen" "${args[@]}" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(round(d["rps"]), d["p99_ms"], d.get("errors", 0))'
}

declare -A post_rate post_p99 get_rate get_p99 found
for round in 1 2; do
    for which in previous current; do
        port=$(free_port); dir="$work/$which-$round"; config "$dir" "$port"
        [[ "$which" == previous ]] && start "$prev_pocd" "$dir" "$port" || start "$bin/pocd" "$dir" "$port"
        say "intake $which, round $round"
        read -r r q e < <(load "$port" POST /v1/requests "$work/request.json")
        post_rate[$which]="${post_rate[$which]:-} $r"; post_p99[$which]="${post_p99[$which]:-} $q"
        id=$(curl_as officer.vn.alice -H 'Content-Type: application/json' --data-binary "@$work/request.json" \
             "https://127.0.0.1:$port/v1/requests" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
        say "reads $which, round $round"
        read -r r q e < <(load "$port" GET "/v1/requests/$id")
        get_rate[$which]="${get_rate[$which]:-} $r"; get_p99[$which]="${get_p99[$which]:-} $q"
        stop "$pid"
        n=0
        for f in "$dir"/data/events.sqlite*; do n=$((n + $(grep -c -a -F "$marker" "$f" || true))); done
        found[$which]="${found[$which]:-} $n"
        [[ "$which" == current ]] && reads=$(sqlite3 "$dir/data/events.sqlite" "SELECT count(*) FROM events WHERE type = 'content-read'")
    done
done

commit="$(git rev-parse --short HEAD)$(git diff --quiet || echo ' (tree modified)')"
prev_short="$(git rev-parse --short "$previous")"
section=$(python3 - "$commit" "$prev_short" "$secs" "${post_rate[previous]}" "${post_rate[current]}" "${post_p99[previous]}" \
    "${post_p99[current]}" "${get_rate[previous]}" "${get_rate[current]}" "${get_p99[previous]}" "${get_p99[current]}" \
    "${found[previous]}" "${found[current]}" "$reads" <<'PY'
import sys, datetime
(commit, prev, secs, pp, pc, qpp, qpc, gp, gc, qgp, qgc, fp, fc, reads) = sys.argv[1:]
ints = lambda s: [int(x) for x in s.split()]
flts = lambda s: [float(x) for x in s.split()]
pp, pc, gp, gc, fp, fc = map(ints, (pp, pc, gp, gc, fp, fc))
qpp, qpc, qgp, qgc = map(flts, (qpp, qpc, qgp, qgc))
ratio = sum(pc) / sum(pp)
gratio = sum(gc) / sum(gp)
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
met = "met" if ratio >= 0.9 else "**missed**"
j = lambda xs: " / ".join(map(str, xs))
jf = lambda xs: " / ".join(f"{x:.1f}" for x in xs)
print(f"""### Sealing personal content

`Scripts/bench/privacy.sh {prev}` — {now}, commit {commit}, against {prev} (before encryption: content in clear), {secs} s per phase, A B A B, 16 connections.

| measure | encryption off ({prev}) | encryption on ({commit}) | |
|---|---:|---:|---|
| durable intake (requests/s, two rounds) | {j(pp)} | {j(pc)} | {ratio:.2f}×, target ≥ 0.90×: {met} |
| intake p99 (ms) | {jf(qpp)} | {jf(qpc)} | |
| `GET /v1/requests/{{id}}` (reads/s) | {j(gp)} | {j(gc)} | {gratio:.2f}×: each read is now a durable access-log event before the answer |
| read p99 (ms) | {jf(qgp)} | {jf(qgc)} | |
| a submitted identifier, counted in `data/events.sqlite*` after the run | {j(fp)} | {j(fc)} | |

The second round with encryption on recorded {int(reads):,} reads in its access log.""")
PY
)
python3 - "$doc" "$section" <<'PY'
import sys, re
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
block = "<!-- privacy:begin -->\n" + section + "\n<!-- privacy:end -->"
if "<!-- privacy:begin -->" in text:
    text = re.sub(r"<!-- privacy:begin -->.*?<!-- privacy:end -->", lambda m: block, text, flags=re.S)
else:
    text = text.rstrip() + "\n\n" + block + "\n"
open(path, "w").write(text)
PY
echo "$section"
