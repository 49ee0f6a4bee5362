#!/usr/bin/env bash
# libFuzzer harnesses (Fuzz/) for the three parsers of untrusted input:
#   http-parser        the HTTP/1.1 request parser, fed in pieces
#   request-decoding   JSON, request decoding with treaty validation, action bodies
#   config-loader      pocd.yaml, directory.yaml and policy.yaml
#
#   Scripts/fuzz.sh [SECONDS [NAME...]]     default: 600 seconds each, all three
#
# Built with -sanitize=fuzzer,address. Each run starts from the committed seed corpus in
# Fuzz/Corpus/NAME (new inputs go to var/fuzz/NAME, not into git); a crash leaves its
# reproducer in var/fuzz/crashes/ and the script exits non-zero. Copy a reproducer to
# Fuzz/Regressions/NAME/ and it becomes a regression test (Tests/*/FuzzRegressionTests.swift).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-600}"; shift || true
names=("$@"); [[ ${#names[@]} -gt 0 ]] || names=(http-parser request-decoding config-loader)
Scripts/install-deps.sh >/dev/null
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
swift build --package-path Fuzz -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >/dev/null
bin="$(swift build --package-path Fuzz -c debug --show-bin-path)"
mkdir -p var/fuzz/crashes
status=0
for name in "${names[@]}"; do
    case "$name" in
        http-parser) exe=FuzzHTTPParser ;;
        request-decoding) exe=FuzzRequestDecoding ;;
        config-loader) exe=FuzzConfigLoader ;;
        *) echo "unknown fuzz target $name" >&2; exit 2 ;;
    esac
    mkdir -p "var/fuzz/$name"
    echo "== $name: $secs s" >&2
    if ! "$bin/$exe" "var/fuzz/$name" "Fuzz/Corpus/$name" -max_total_time="$secs" -print_final_stats=1 \
            -artifact_prefix="var/fuzz/crashes/$name-" -rss_limit_mb=4096 2>"var/fuzz/$name.log"; then
        echo "$name: CRASH, see var/fuzz/$name.log and var/fuzz/crashes/" >&2
        status=1
    fi
    grep -E "^(Done|stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb))" "var/fuzz/$name.log" | sed "s/^/$name: /"
done
exit $status
