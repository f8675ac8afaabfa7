"""Ten thousand functions on one node (run by .ci/bench-many).

Starts Fnlab's release binary on a fresh SQLite data directory, measures
a warm function with 10 functions deployed, deploys the rest (users of
100 functions each; the components are `variants` copies of the probe,
each with its own custom section: distinct components that each compile,
as users' functions do), calls a fraction of them in a random mix, then
measures the same warm function again, and the server's resident memory
when idle after each phase. Prints the figures as a Markdown table.

Usage: many.py FNLAB PROBE [functions] [called] [variants] [seconds]
"""

import concurrent.futures
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

FNLAB, PROBE = sys.argv[1], sys.argv[2]
FUNCTIONS = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
CALLED = int(sys.argv[4]) if len(sys.argv) > 4 else 1_000
VARIANTS = int(sys.argv[5]) if len(sys.argv) > 5 else 200
SECONDS = int(sys.argv[6]) if len(sys.argv) > 6 else 10
PER_USER = 100
PASSWORD = "ten-thousand-functions"


def say(message):
    print(f"\033[1m==> {message}\033[0m", file=sys.stderr, flush=True)


def variant(probe, n):
    """The probe with a custom section holding n: another component."""
    name = b"fnlab-variant"
    payload = bytes([len(name)]) + name + n.to_bytes(4, "little")
    return probe + bytes([0, len(payload)]) + payload


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss(pid):
    """Resident memory, MiB: in all, anonymous, file-backed, shared."""
    with open(f"/proc/{pid}/status") as status:
        text = status.read()
    return [int(re.search(rf"{field}:\s+(\d+) kB", text).group(1)) / 1024
            for field in ("VmRSS", "RssAnon", "RssFile", "RssShmem")]


def resident(figures):
    total, anon, file, shmem = figures
    return f"{total:.0f} MiB ({anon:.0f} anonymous, {file:.0f} file, {shmem:.0f} shared)"


class User:
    """One account, signed in, with its own cookies."""

    def __init__(self, base, name):
        self.base, self.name = base, name
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        credentials = json.dumps({"username": name, "password": PASSWORD}).encode()
        self.send("POST", "/api/v1/users", credentials, "application/json")
        self.send("POST", "/api/v1/login", credentials, "application/json")

    def send(self, method, path, body, content_type):
        request = urllib.request.Request(
            self.base + path, data=body, method=method, headers={"content-type": content_type}
        )
        with self.opener.open(request, timeout=120) as response:
            return response.read()

    def deploy(self, function, component):
        self.send("PUT", f"/api/v1/functions/{function}/component", component, "application/wasm")


def wrk(url, seconds, connections=16, script=None):
    """Requests/s and p99 (ms) that wrk measures; fails on any non-2xx."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        command[1:1] = ["-s", script]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out:
        sys.exit(f"non-2xx answers:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rps, p99


def metric(base, name):
    text = urllib.request.urlopen(f"{base}/metrics", timeout=10).read().decode()
    found = re.search(rf"^{name}(?:{{[^}}]*}})? ([\d.e+]+)$", text, re.M)
    return float(found.group(1)) if found else float("nan")


def main():
    probe = open(PROBE, "rb").read()
    components = [variant(probe, n) for n in range(VARIANTS)]
    work = tempfile.mkdtemp(prefix="fnlab-many.")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(
        os.environ,
        FNLAB_ADDR=f"127.0.0.1:{port}",
        FNLAB_DATA=f"{work}/data",
        FNLAB_BUILDS="false",
        FNLAB_DEFAULT_PLAN="pro",
        FNLAB_MAX_CONCURRENCY="256",
        FNLAB_MAX_FN_REQUESTS_PER_CLIENT="0",
        FNLAB_LOGINS_PER_CLIENT_PER_MINUTE="0",
        FNLAB_CHANGES_PER_CLIENT_PER_MINUTE="0",
        FNLAB_METRICS_FROM="127.0.0.1",
        RUST_LOG="warn",
    )
    log = open(f"{work}/server.log", "w")
    server = subprocess.Popen([FNLAB], env=env, stdout=log, stderr=log)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    sys.exit(open(f"{work}/server.log").read())
                time.sleep(0.1)
        run(base, server.pid, components, work)
    finally:
        server.terminate()
        server.wait()
        subprocess.run(["rm", "-rf", work])


def run(base, pid, components, work):
    users = [None] * ((FUNCTIONS + PER_USER - 1) // PER_USER)

    def function(i):
        """User and function name of function i; signs the user up first."""
        u = i // PER_USER
        if users[u] is None:
            users[u] = User(base, f"user{u}")
        return users[u], f"f{i % PER_USER}"

    def url(i):
        user, name = function(i)
        return f"{base}/fn/{user.name}/{name}/hello"

    def deploy(i):
        user, name = function(i)
        user.deploy(name, components[i % len(components)])

    def idle_rss():
        # Idle: past the server's next hand-back of freed heap memory
        # (every 30 s).
        time.sleep(35)
        return rss(pid)

    rows = []
    say("deploying 10 functions")
    for i in range(10):
        deploy(i)
    for i in range(10):
        urllib.request.urlopen(url(i), timeout=30).read()
    rss_small = idle_rss()
    wrk(url(0), 2)
    small = wrk(url(0), SECONDS)
    say(f"a warm function among 10: {small[0]:.0f} req/s, p99 {small[1]:.2f} ms")

    # Every user signs up first (one at a time), then the uploads run on
    # four threads; the first upload of each variant compiles it.
    for u in range(len(users)):
        function(u * PER_USER)
    say(f"deploying {FUNCTIONS - 10} more functions ({len(components)} distinct components)")
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for done, _ in enumerate(pool.map(deploy, range(10, FUNCTIONS)), start=11):
            if done % 1000 == 0:
                say(f"{done} functions deployed, {time.time() - started:.0f} s")
    deployed_in = time.time() - started

    # The mix: random calls to CALLED functions spread over the users,
    # one in each run of `step`, shifted by one each time so that every
    # component is among them.
    script = f"{work}/mix.lua"
    step = max(1, FUNCTIONS // CALLED)
    paths = [url(k * step + k % step)[len(base):] for k in range(min(CALLED, FUNCTIONS))]
    with open(script, "w") as lua:
        lua.write("paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n")
        lua.write("request = function() return wrk.format(nil, paths[math.random(#paths)]) end\n")
    say(f"calling {len(paths)} of them in a random mix for {2 * SECONDS} s")
    mix = wrk(base + "/", 2 * SECONDS, script=script)
    wrk(url(0), 2)
    large = wrk(url(0), SECONDS)
    say(f"a warm function among {FUNCTIONS}: {large[0]:.0f} req/s, p99 {large[1]:.2f} ms")
    rss_large = idle_rss()
    programs = metric(base, "fnlab_programs_in_memory")
    code_mib = metric(base, "fnlab_program_code_bytes") / (1 << 20)

    rows.append(("functions deployed", "10", f"{FUNCTIONS:,}"))
    rows.append(("resident memory when idle", resident(rss_small), resident(rss_large)))
    rows.append((
        "a warm function, wrk -t2 -c16",
        f"{small[0]:,.0f} req/s, p99 {small[1]:.2f} ms",
        f"{large[0]:,.0f} req/s, p99 {large[1]:.2f} ms",
    ))
    print()
    print(f"{FUNCTIONS:,} functions of {len(users)} users, {len(components)} distinct components; "
          f"deployed in {deployed_in:.0f} s; the mix ({len(paths)} functions, random, "
          f"{2 * SECONDS} s): {mix[0]:,.0f} req/s, p99 {mix[1]:.2f} ms; after it "
          f"{programs:.0f} programs in memory holding {code_mib:.0f} MiB of native code; "
          f"{os.cpu_count()} cores shared with wrk, {time.strftime('%Y-%m-%d')}")
    print("| | 10 functions | many functions |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


main()
