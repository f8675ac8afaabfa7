# Installs what Fnlab's build and tests need, each only when missing.
# Sourced by .ci/start and .ci/test; every fact below was found on a
# 2-core Debian machine with Rust 1.95 and no internet but the registries.

set -euo pipefail

FNLAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FNLAB_TOOLS=${FNLAB_TOOLS:-$HOME/.cache/fnlab/tools}
export PATH="$HOME/.cargo/bin:$FNLAB_TOOLS/node_modules/.bin:$PATH"
# leptos reads this at compile time; every script sets it the way
# cargo-leptos does, so that all builds (tests, site, benchmarks) and
# `cargo leptos build` share compiled crates.
export LEPTOS_OUTPUT_NAME=fnlab

# wasm-opt from npm (Debian's binaryen is too old for the Rust 1.95 wasm output).
BINARYEN_VERSION=132.0.0
# The Python runtime's toolchain (PyPI); componentize-js is pinned, with
# its lock file, in guests/javascript/.
COMPONENTIZE_PY_VERSION=0.25.1

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
    local missing=()
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The Rust side: wasm targets and wasm-opt; the wasm-bindgen CLI is
# .ci/site's (below). Neither README command needs cargo-leptos (about 20
# minutes to compile): .ci/site performs its steps. `cargo leptos watch`
# remains the way to develop.
setup_rust() {
    local installed
    installed=$(rustup target list --installed)
    for target in wasm32-unknown-unknown wasm32-wasip2; do
        grep -qx "$target" <<<"$installed" || { say "adding Rust target $target"; rustup target add "$target"; }
    done

    if ! [ -x "$FNLAB_TOOLS/node_modules/.bin/wasm-opt" ]; then
        say "installing wasm-opt (binaryen $BINARYEN_VERSION from npm)"
        mkdir -p "$FNLAB_TOOLS"
        npm install --silent --no-audit --no-fund --prefix "$FNLAB_TOOLS" "binaryen@$BINARYEN_VERSION"
    fi
}

# The target directory outlives clones, and every change of a dependency or
# of a clone's path links new test binaries (200 MB each) beside the old
# ones, which once filled the disk mid-run. Keeps the two newest binaries of
# each name (a crate's program and its unit tests share one) and the two
# newest incremental states of each crate, drops the rest, and
# when under 20 GB stay free, drops all test binaries and incremental state
# (they are rebuilt in minutes; the compiled dependencies stay).
prune_target() {
    local profile=$1
    [ -d "$profile/deps" ] || return 0
    { find "$profile/deps" -maxdepth 1 -type f -perm -u+x ! -name '*.*' -printf '%T@ %p\n'
      find "$profile/incremental" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' 2>/dev/null || true
    } | sort -rn | awk '{ name = $2; sub(/-[0-9a-z]+$/, "", name); if (seen[name]++ >= 2) print $2 }' |
        xargs -r -d '\n' rm -rf
    if [ "$(df --output=avail -k "$profile" | tail -1)" -lt $((20 * 1024 * 1024)) ]; then
        say "under 20 GB free: dropping test binaries and incremental state"
        find "$profile/deps" -maxdepth 1 -type f -perm -u+x ! -name '*.*' -delete
        rm -rf "$profile/incremental"
    fi
}

# Long steps that leave a core idle run beside one another: the server's
# build keeps both cores busy only part of the time (its last crates, and
# the hydrate library's LTO, compile one at a time). `beside NAME CMD...`
# starts CMD in the background with its output in a log; `await_beside
# NAME` waits for it and, on failure, prints the log. A job that needs
# cargo builds in its own target directory (a shared one is locked by
# the other build).
declare -A BESIDE_PID=() BESIDE_LOG=()
beside() {
    local name=$1
    shift
    BESIDE_LOG[$name]=$(mktemp)
    "$@" >"${BESIDE_LOG[$name]}" 2>&1 &
    BESIDE_PID[$name]=$!
}

await_beside() {
    local name=$1
    [ -n "${BESIDE_PID[$name]:-}" ] || return 0
    if ! wait "${BESIDE_PID[$name]}"; then
        cat "${BESIDE_LOG[$name]}" >&2
        say "$name failed (its log is above)"
        return 1
    fi
    rm -f "${BESIDE_LOG[$name]}"
    unset "BESIDE_PID[$name]"
}

# The wasm-bindgen CLI must equal the crate's version in Cargo.lock
# (cargo-leptos, when used, would download it unless it is on PATH).
wasm_bindgen_version() {
    sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p;q}' "$FNLAB_ROOT/Cargo.lock"
}

# Installs that CLI when missing. Compiling it takes about 3 minutes on 2
# cores; .ci/site runs it beside the browser library's build, at a lower
# priority.
# `--locked` would pin dependencies that no longer build. It is optimised
# at level 1, which compiles faster: it runs for a second or two per site
# build, where -O3 would save a fraction of that; and without its default
# TLS (rustls and ring), which only its test runner's downloads use.
wasm_bindgen_install() {
    wasm-bindgen --version 2>/dev/null | grep -q " $1\$" && return
    env -u CARGO_TARGET_DIR CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
        nice -n 10 cargo install wasm-bindgen-cli --version "$1" --no-default-features
}

# The JavaScript and Python toolchains, under $FNLAB_TOOLS where the server
# looks for them (FNLAB_TOOLS): componentize-py in a virtual environment of
# the system's Python (the build sandbox sees /usr only), componentize-js
# from guests/javascript/package-lock.json.
setup_guest_tools() {
    local venv=$FNLAB_TOOLS/python js=$FNLAB_TOOLS/javascript
    # Each install leaves what it installed beside it; the server's build
    # of a runtime reads these too, so new tools rebuild the runtimes.
    if [ "$(cat "$venv/installed-version" 2>/dev/null)" != "$COMPONENTIZE_PY_VERSION" ]; then
        say "installing componentize-py $COMPONENTIZE_PY_VERSION"
        rm -rf "$venv"
        /usr/bin/python3 -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "componentize-py==$COMPONENTIZE_PY_VERSION"
        echo "$COMPONENTIZE_PY_VERSION" >"$venv/installed-version"
    fi
    local lock=$FNLAB_ROOT/guests/javascript/package-lock.json
    if ! cmp -s "$lock" "$js/installed-from.json"; then
        say "installing componentize-js (guests/javascript/package-lock.json)"
        rm -rf "$js"
        mkdir -p "$js"
        cp "$FNLAB_ROOT/guests/javascript/package.json" "$FNLAB_ROOT/guests/javascript/package-lock.json" "$js/"
        # `npm ci` trips over the platform bindings that npm leaves out of
        # the lock file; `npm install` keeps to the locked versions.
        (cd "$js" && npm install --silent --no-audit --no-fund)
        cp "$lock" "$js/installed-from.json"
    fi
}

# Starts a throwaway PostgreSQL server (Debian's postgresql package) on a
# loopback port with trust authentication, in a fresh directory, and exports
# FNLAB_TEST_POSTGRES_URL for the tests. Stopped by stop_test_postgres.
start_test_postgres() {
    local bin port
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    port=${FNLAB_TEST_POSTGRES_PORT:-54329}
    PG_DIR=$(mktemp -d /tmp/fnlab-pg.XXXXXX)
    chmod 755 "$PG_DIR"
    # initdb refuses to run as root: run the server as the postgres user then.
    PG_AS=()
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres "$PG_DIR"
        PG_AS=(runuser -u postgres --)
    fi
    say "starting a test PostgreSQL on port $port"
    "${PG_AS[@]}" "$bin/initdb" -D "$PG_DIR/data" -U fnlab --auth=trust -E UTF8 >/dev/null
    "${PG_AS[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
        -o "-k $PG_DIR -h 127.0.0.1 -p $port -c fsync=off -c max_connections=300" start >/dev/null
    export FNLAB_TEST_POSTGRES_URL="postgres://fnlab@127.0.0.1:$port/postgres"
    PG_BIN=$bin
}

stop_test_postgres() {
    [ -n "${PG_DIR:-}" ] || return 0
    "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=
}
