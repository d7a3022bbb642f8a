#!/usr/bin/env bash
# Instructions the sandbox spends per single-issue GET, counted by callgrind: unlike requests/s,
# the count does not depend on what else runs on the machine.
#
#   bench/callgrind-get.sh [JK] [N]
#
# Seeds a demo site once (natively) into target/callgrind-get/seed, then serves a copy of it under
# `valgrind --tool=callgrind` and, over one keep-alive connection (curl), GETs
# /rest/api/3/issue/SHOP-1 .. SHOP-N (every field, as sandbox-load asks) twice: the first pass
# (cold) and the second (warm) are counted apart. Prints instructions per GET for each pass; the
# profiles are left in target/callgrind-get/{cold,warm}.callgrind (see callgrind_annotate).
set -euo pipefail

jk=${1:-target/release/jk}
n=${2:-1000}
work=target/callgrind-get
mkdir -p "$work"
jk=$(realpath "$jk")

# shellcheck source=bench/callgrind-lib.sh
. "$(dirname "$0")/callgrind-lib.sh"
seed_once demo
serve_under_callgrind
# Lift the Jira-like rate limits, as sandbox-load does: the server is what is measured.
curl -sf -u "$auth" -X PUT -H 'content-type: application/json' "$url/_sandbox/limits" \
    -d '{"burst_per_second": 1000000000, "issue_writes": [], "points_per_hour": null}' >/dev/null
{
    for i in $(seq 1 "$n"); do
        echo "url = \"$url/rest/api/3/issue/SHOP-$i\""
        echo "output = /dev/null"
    done
} >"$work/urls"

callgrind_control -z "$pid" >/dev/null 2>&1
curl -sf -u "$auth" --config "$work/urls" -w '%{http_code}\n' | sort | uniq -c >"$work/status-cold"
cold=$(count cold)
callgrind_control -z "$pid" >/dev/null 2>&1
curl -sf -u "$auth" --config "$work/urls" -w '%{http_code}\n' | sort | uniq -c >"$work/status-warm"
warm=$(count warm)
kill "$pid"
wait "$pid" || true

echo "statuses (cold): $(tr -s ' \n' ' ' <"$work/status-cold")"
echo "statuses (warm): $(tr -s ' \n' ' ' <"$work/status-warm")"
echo "cold pass: $cold instructions, $((cold / n)) per GET"
echo "warm pass: $warm instructions, $((warm / n)) per GET"
