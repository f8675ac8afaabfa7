#!/usr/bin/env python3
"""Live-tail measurements for .ci/bench-tail (loopback only).

Usage:
  tail.py latency CALL_BASE TAIL_BASE TOKEN N
      Opens a tail of `probe` on TAIL_BASE, then calls the function N times
      on CALL_BASE (one after another, 40 ms apart: fewer than a tail shows
      a second, so none is sampled out) and prints the delay in
      ms from each call's answer (its invocation's end, as the caller sees
      it) to its event in the tail: "p50 p99 max seen/N".
  hold TAIL_BASE TOKEN K
      Opens K tails of `probe` and reads them until killed; prints how many
      events they received.
"""

import http.client
import json
import signal
import sys
import threading
import time
import urllib.parse


def open_tail(base, token):
    """An open tail of `probe`: its response, once the `ready` event came."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("GET", "/api/v1/functions/probe/logs/tail",
                 headers={"authorization": f"Bearer {token}"})
    response = conn.getresponse()
    assert response.status == 200, response.status
    name, _ = next_event(response)
    assert name == "ready", name
    return response


def next_event(response):
    """The next (name, data) of a server-sent event stream."""
    name, data = "message", []
    while True:
        line = response.readline()
        if not line:
            raise EOFError("the stream ended")
        line = line.decode().rstrip("\n")
        if line == "":
            if data:
                return name, "\n".join(data)
            name = "message"
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())


def latency(call_base, tail_base, token, n):
    tail = open_tail(tail_base, token)
    answered = {}
    seen = {}

    def follow():
        while len(seen) < n:
            name, data = next_event(tail)
            if name == "invocation":
                seen[json.loads(data)["request_id"]] = time.monotonic()

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    url = urllib.parse.urlsplit(call_base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    for _ in range(n):
        conn.request("GET", "/fn/bench/probe/hello")
        response = conn.getresponse()
        response.read()
        answered[response.getheader("fnlab-request-id")] = time.monotonic()
        time.sleep(0.04)
    reader.join(timeout=5)
    delays = sorted((seen[r] - t) * 1000 for r, t in answered.items() if r in seen)
    if not delays:
        print("nan nan nan 0/%d" % n)
        return
    pick = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))]
    print("%.1f %.1f %.1f %d/%d" % (pick(0.5), pick(0.99), delays[-1], len(delays), n))


def hold(tail_base, token, k):
    received = [0]
    tails = [open_tail(tail_base, token) for _ in range(k)]

    def read(tail):
        try:
            while True:
                next_event(tail)
                received[0] += 1
        except Exception:
            pass

    for tail in tails:
        threading.Thread(target=read, args=(tail,), daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: (print(received[0]), sys.exit(0)))
    print("holding", k, "tails", file=sys.stderr, flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "latency":
        latency(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif mode == "hold":
        hold(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(__doc__)
