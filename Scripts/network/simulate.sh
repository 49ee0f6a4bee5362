#!/usr/bin/env bash
# The network proof (issue 18): N pocd daemons, one per country, each in its own network
# namespace, federated over links with the delay, jitter and loss of real long-haul paths,
# with skewed clocks, a partition, kill -9s and connection resets, under a seeded workload of
# officers submitting and answering requests; then checks that the federation held.
#
#   Scripts/network/simulate.sh [N] [--duration SECS] [--seed S] [--ci]
#
#   N           countries (2–20, default 20): VN DE US NG AU JP FR BR KE IN GB CA ZA SG PL MX EG ID IT AR
#   --duration  seconds of workload (default 600)
#   --seed      the seed of every random choice: links, clocks, workload, disruptions (default 1)
#   --ci        4 countries, 60 s, disruptions scaled down; does not write docs/reliability.md
#   BIN=DIR     the folder holding pocd (default: a release build, SCRATCH=.build-rel as crash.sh)
#   KEEP=1      keep the work folder even when every check holds
#
# How (details in each file's header):
#   - namespaces: a hub (a bridge, 10.203.0.1, and the link proxies) and one per country
#     (eth0 10.203.0.10+i, a veth to the bridge; bridge ports isolated, so a country reaches
#     others only through the hub). Nothing is connected to the host's network.
#   - Scripts/pki.sh: a CA, each daemon's certificate and log key, each country's officer and
#     supervisor, the conductor's monitor.sim.
#   - conductor.py (in the hub namespace): configs, linkproxy.py (the impaired links: delay,
#     jitter, loss as a retransmission timeout, cut, reset), the daemons with their clock
#     offsets (POCD_TEST_CLOCK_OFFSET_FILE), officer.py in each country, the disruptions, the
#     drain, what the checks read; checks.py evaluates, report.py writes the table.
# Writes its table between the network markers of docs/reliability.md (unless --ci). Exits 1 if
# a check fails (keeping the work folder: configs, logs, stores, collected.json), 0 if every
# check holds, and 0 with the reason printed if network namespaces cannot be made here.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=Scripts/network

usage() { echo "usage: $0 [N] [--duration SECS] [--seed S] [--ci]" >&2; exit 2; }
countries=20; duration=600; seed=1; ci=0
while (($#)); do
    case "$1" in
        --duration) (($# >= 2)) || usage; duration="$2"; shift 2 ;;
        --seed) (($# >= 2)) || usage; seed="$2"; shift 2 ;;
        --ci) ci=1; countries=4; duration=60; shift ;;
        -h | --help) usage ;;
        [0-9]*) countries="$1"; shift ;;
        *) usage ;;
    esac
done
[[ "$duration" =~ ^[1-9][0-9]*$ ]] || usage
rate=4; drain=180; witness_wait=60
((ci)) && { rate=8; drain=45; witness_wait=30; }

tag="pocnet$$"
hub="$tag-hub"
work=""
conductor=""
ok=0

# can_make_namespaces: network namespaces need root (CAP_SYS_ADMIN) and iproute2.
can_make_namespaces() {
    local why
    command -v ip >/dev/null || { echo "iproute2's ip is not installed"; return 1; }
    why=$(ip netns add "$tag-probe" 2>&1) || { echo "ip netns add failed: $why"; return 1; }
    ip netns del "$tag-probe"
}

# make_network: the hub namespace with the bridge, and one namespace per country wired to it.
make_network() {
    local i=0 code ns
    ip netns add "$hub"
    ip -n "$hub" link set lo up
    ip -n "$hub" link add br0 type bridge
    ip -n "$hub" addr add 10.203.0.1/24 dev br0
    ip -n "$hub" link set br0 up
    for code in $codes; do
        ns="$tag-${code,,}"
        ip netns add "$ns"
        ip -n "$ns" link set lo up
        ip -n "$hub" link add "h-${code,,}" type veth peer name eth0 netns "$ns"
        ip -n "$hub" link set "h-${code,,}" master br0 up
        bridge -n "$hub" link set dev "h-${code,,}" isolated on
        ip -n "$ns" addr add "10.203.0.$((10 + i))/24" dev eth0
        ip -n "$ns" link set eth0 up
        i=$((i + 1))
    done
}

# netem_note: whether this kernel could have impaired the links itself (the proxy is used either way).
netem_note() {
    if ip netns exec "$hub" tc qdisc add dev lo root netem delay 1ms 2>/dev/null; then
        ip netns exec "$hub" tc qdisc del dev lo root
        echo "links impaired by \`linkproxy.py\`; this kernel has \`netem\` too"
    else
        echo "no \`netem\` in this kernel: links impaired by \`linkproxy.py\`"
    fi
}

# remove_network: every process still in our namespaces (by pid), then the namespaces (their
# veths and the bridge go with them).
remove_network() {
    local ns pid
    for ns in $(ip netns list | awk '{print $1}' | grep "^$tag-" || true); do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
}

cleanup() {
    [[ -n "$conductor" ]] && kill "$conductor" 2>/dev/null && wait "$conductor" 2>/dev/null
    remove_network
    [[ -z "$work" ]] && return
    if ((ok)) && [[ -z "${KEEP:-}" ]]; then rm -rf "$work"; elif ((ok)); then echo "simulate.sh: kept $work" >&2; else echo "simulate.sh: FAILED — kept $work (configs, logs, stores, collected.json, report.md)" >&2; fi
}

if ! reason=$(can_make_namespaces); then
    echo "simulate.sh: SKIPPED: cannot make network namespaces here ($reason); the network proof needs root"
    exit 0
fi
codes=$(python3 "$here/simnet.py" countries "$countries")

if [[ -z "${BIN:-}" ]]; then
    scratch="${SCRATCH:-.build-rel}"
    Scripts/install-deps.sh >/dev/null
    command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
    swift build -c release --product pocd --scratch-path "$scratch" >/dev/null
    BIN="$(swift build -c release --scratch-path "$scratch" --show-bin-path)"
fi
BIN="$(cd "$BIN" && pwd)"
[[ -x "$BIN/pocd" ]] || { echo "simulate.sh: no pocd in $BIN" >&2; exit 1; }

trap cleanup EXIT
work="$(mktemp -d "${TMPDIR:-/tmp}/pocnet.XXXXXX")"
make_network
pki_args=(--client monitor.sim)
for code in $codes; do
    c="${code,,}"
    pki_args+=(--server "pocd.$c" --log-key "pocd.$c" --client "officer.$c" --client "supervisor.$c")
done
Scripts/pki.sh "$work/pki" "${pki_args[@]}"

commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo " (Sources modified)")"
cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
title="\`Scripts/network/simulate.sh $countries --duration $duration --seed $seed\` — $(date -u +%Y-%m-%dT%H:%MZ), commit $commit;
$(nproc) cores ($cpu), $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r) ($(netem_note)), pocd from \`$(basename "$BIN")\`, $(openssl version | cut -d' ' -f1-2), Python $(python3 -c 'import platform; print(platform.python_version())')."

echo "simulate.sh: $countries countries ($codes), ${duration} s, seed $seed; work folder $work" >&2
started=$(date +%s)
set +e
ip netns exec "$hub" python3 "$here/conductor.py" --work "$work" --bin "$BIN" --countries "${codes// /,}" \
    --ns-prefix "$tag-" --duration "$duration" --seed "$seed" --rate "$rate" --drain "$drain" \
    --witness-wait "$witness_wait" --title "$title" &
conductor=$!
wait "$conductor"
status=$?
conductor=""
set -e
echo "simulate.sh: $(( $(date +%s) - started )) s (run), exit $status" >&2
# A full run's table goes in the docs whether every check held or not: a failed check is a finding.
((ci)) || [[ ! -s "$work/report.md" ]] || python3 Scripts/reliability/write_section.py docs/reliability.md network <"$work/report.md"
((status == 0)) || exit 1
ok=1
