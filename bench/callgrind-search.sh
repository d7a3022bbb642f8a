#!/usr/bin/env bash
# Instructions the sandbox spends per issue on search pages, counted by callgrind: unlike seconds,
# the count does not depend on what else the machine is doing.
#
#   bench/callgrind-search.sh [JK] [PAGES]
#
# Seeds `scale:100000` once (natively) into target/callgrind-search/seed, then serves a copy of it
# under `valgrind --tool=callgrind`, reads one page (not counted), and walks PAGES pages of 100
# `*navigable` issues through POST /rest/api/3/search/jql twice, following nextPageToken: the
# first walk (nothing of it kept yet) and the second (what a walk keeps, kept) are counted apart.
# Prints instructions per issue for each; the profiles stay in target/callgrind-search/.
set -euo pipefail

jk=${1:-target/release/jk}
pages=${2:-100}
work=target/callgrind-search
mkdir -p "$work"
jk=$(realpath "$jk")

# shellcheck source=bench/callgrind-lib.sh
. "$(dirname "$0")/callgrind-lib.sh"
seed_once scale:100000
serve_under_callgrind
# Lift the Jira-like rate limits: the server is what is measured.
curl -sf -u "$auth" -X PUT -H 'content-type: application/json' "$url/_sandbox/limits" \
    -d '{"burst_per_second": null, "issue_writes": null, "points_per_hour": null}' >/dev/null

# Walks up to $1 pages; prints how many issues it saw.
walk() {
    local token="" seen=0 body page
    for _ in $(seq 1 "$1"); do
        body=$(jq -cn --arg t "$token" \
            '{jql: "created <= now()", fields: ["*navigable"], maxResults: 100} + (if $t == "" then {} else {nextPageToken: $t} end)')
        page=$(curl -sf -u "$auth" -H 'content-type: application/json' -d "$body" "$url/rest/api/3/search/jql")
        seen=$((seen + $(jq '.issues | length' <<<"$page")))
        token=$(jq -r '.nextPageToken // ""' <<<"$page")
        [ -n "$token" ] || break
    done
    echo "$seen"
}


walk 1 >/dev/null
callgrind_control -z "$pid" >/dev/null 2>&1
n1=$(walk "$pages")
first=$(count first)
callgrind_control -z "$pid" >/dev/null 2>&1
n2=$(walk "$pages")
second=$(count second)
kill "$pid"
wait "$pid" || true

echo "first walk: $n1 issues, $((first / n1)) instructions per issue"
echo "second walk: $n2 issues, $((second / n2)) instructions per issue"
