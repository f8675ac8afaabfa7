# Shared by the benchmarks that compare two ways of serving the probe
# component ($PROBE_WASM, else the one the Rust tests build) (sourced,
# after setup.sh): `measure BIN [VAR=value ...]` starts
# BIN on a fresh SQLite data directory with those variables, uploads the
# probe, warms up for 2 s and measures the requests/s wrk gets on
# GET /fn/bench/probe/hello over `$duration` seconds with `$connections`
# connections, in `rps` (not printed: a subshell could not stop the
# server if the run is interrupted); `median` prints the median of its
# arguments.
apt_install wrk
probe=${PROBE_WASM:-$CARGO_TARGET_DIR/guests/wasm32-wasip2/release/probe.wasm}
[ -f "$probe" ] || { echo "no $probe: run the Rust tests (cargo test --workspace --test invoke) first" >&2; exit 1; }
bench_work=$(mktemp -d /tmp/fnlab-bench.XXXXXX)
server=
stop() { [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; server=; }
trap 'stop; rm -rf "$bench_work"' EXIT

# Starts BIN ($1) with the variables after it and uploads the probe; sets
# `server` and `url` (not in a subshell, so that `stop` can stop it).
start() {
    local bin=$1 port data=$bench_work/data-$RANDOM$RANDOM
    shift
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    env FNLAB_ADDR=127.0.0.1:$port FNLAB_DATA="$data" FNLAB_BUILDS=false \
        FNLAB_DEFAULT_PLAN=pro FNLAB_MAX_CONCURRENCY=256 FNLAB_MAX_FN_REQUESTS_PER_CLIENT=0 RUST_LOG=warn \
        "$@" "$bin" >"$bench_work/server.log" 2>&1 &
    server=$!
    local base=http://127.0.0.1:$port jar=$bench_work/jar-$port
    until curl -fs "$base/healthz" >/dev/null; do
        kill -0 "$server" 2>/dev/null || { cat "$bench_work/server.log" >&2; exit 1; }
        sleep 0.1
    done
    curl -fs -c "$jar" -H 'content-type: application/json' -d '{"username":"bench","password":"measure-the-probe"}' "$base/api/v1/users" >/dev/null
    curl -fs -b "$jar" -c "$jar" -H 'content-type: application/json' -d '{"username":"bench","password":"measure-the-probe"}' "$base/api/v1/login" >/dev/null
    curl -fsS -b "$jar" -X PUT -H 'content-type: application/wasm' --data-binary @"$probe" "$base/api/v1/functions/probe/component" >/dev/null ||
        { echo "$bin refused $probe" >&2; exit 1; }
    url=$base/fn/bench/probe/hello
    curl -fs "$url" >/dev/null
}
url=

# Sets `rps` to the requests/s of a fresh BIN ($1, variables after it).
measure() {
    start "$@" >&2
    wrk -t2 -c"$connections" -d2s "$url" >/dev/null  # warm-up
    rps=$(wrk -t2 -c"$connections" -d"${duration}s" "$url" | awk '/Requests\/sec/ {print $2}')
    stop
}
rps=

median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }
