# Shared by bench/callgrind-*.sh (sourced, not run): seed a site once natively, serve a copy of it
# under callgrind, and read instruction counts between zeroings.
#
# The caller sets `jk` (an absolute path) and `work` (a directory under target/).

# Waits for a ready file to appear (up to $2 tenths of a second, 3000 by default).
wait_ready() {
    for _ in $(seq 1 "${2:-3000}"); do
        [ -s "$1" ] && return 0
        sleep 0.1
    done
    echo "the sandbox was not ready in time" >&2
    return 1
}

# Seeds $1 (a `--seed` value) into $work/seed, natively, unless it is there already.
seed_once() {
    [ -e "$work/seed/sandbox.db" ] && return 0
    rm -rf "$work/seed" "$work/seed.json"
    "$jk" sandbox serve --data "$work/seed" --seed "$1" --addr 127.0.0.1:0 \
        --ready-file "$work/seed.json" >/dev/null &
    local seeding=$!
    wait_ready "$work/seed.json"
    kill "$seeding"
    wait "$seeding" || true
}

# Serves a fresh copy of the seed under callgrind; sets `pid`, `url` and `auth`.
serve_under_callgrind() {
    rm -rf "$work/run" "$work/run.json" "$work"/callgrind.out.*
    cp -r "$work/seed" "$work/run"
    valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out.%p" \
        "$jk" sandbox serve --data "$work/run" --addr 127.0.0.1:0 \
        --ready-file "$work/run.json" >/dev/null 2>"$work/valgrind.log" &
    pid=$!
    wait_ready "$work/run.json"
    url=$(jq -r .url "$work/run.json")
    auth="$(jq -r .email "$work/run.json"):$(jq -r .api_token "$work/run.json")"
}

# Instructions since the last zeroing, from a fresh dump, kept as $work/$1.callgrind for
# callgrind_annotate.
count() {
    callgrind_control -d "$pid" >/dev/null 2>&1
    sleep 1
    local f
    f=$(ls -t "$work"/callgrind.out.*.* | head -1)
    cp "$f" "$work/$1.callgrind"
    grep -E '^(summary|totals):' "$f" | head -1 | awk '{print $2}'
}
