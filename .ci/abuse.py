#!/usr/bin/env python3
"""One attack on a Fnlab server, from 127.0.0.2 (loopback only), for
.ci/bench-abuse: runs until killed and prints what the server answered.

Usage: abuse.py ATTACK PORT [TOKEN]
  slow-bodies   200 connections, each a request that promises 100,000 bytes
                and sends one a second, again once answered
  unread        32 calls of a 20 MiB response, never read
  login-flood   wrong passwords under fresh usernames, 64 at a time
  build-flood   deploys of a Rust function, 16 at a time (needs TOKEN)
  memory        calls that grow memory to the limit, 16 at a time
"""

import asyncio
import collections
import json
import random
import signal
import socket
import sys

ATTACKER = "127.0.0.2"
HOST = "127.0.0.1"
statuses = collections.Counter()


async def connect(port, rcvbuf=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.bind((ATTACKER, 0))
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (HOST, port))
    return await asyncio.open_connection(sock=sock)


def count_answer(answer):
    """Counts an answer by its status code ("closed" when there was none)."""
    statuses[answer.split(b" ", 2)[1].decode() if answer else "closed"] += 1


async def request(port, method, path, body=b"", headers=()):
    """One request on a fresh connection; counts the status."""
    try:
        reader, writer = await connect(port)
        head = f"{method} {path} HTTP/1.1\r\nhost: {HOST}\r\nconnection: close\r\n"
        head += f"content-length: {len(body)}\r\n"
        for name, value in headers:
            head += f"{name}: {value}\r\n"
        writer.write(head.encode() + b"\r\n" + body)
        await writer.drain()
        answer = await reader.read()
        writer.close()
        count_answer(answer)
    except OSError as e:
        statuses[type(e).__name__] += 1


async def slow_body(port):
    while True:
        try:
            reader, writer = await connect(port)
            writer.write(b"POST /fn/mallory/probe/count HTTP/1.1\r\nhost: x\r\n"
                         b"content-length: 100000\r\n\r\n")
            while not reader.at_eof():
                writer.write(b"x")
                await writer.drain()
                try:
                    count_answer(await asyncio.wait_for(reader.read(64), 1))
                    break
                except asyncio.TimeoutError:
                    pass
            writer.close()
        except OSError as e:
            statuses[type(e).__name__] += 1
        # Answered (408, or 429 when over the per-client share): the next
        # slow request a second later, at the attack's pace.
        await asyncio.sleep(1)


async def unread(port):
    while True:
        try:
            reader, writer = await connect(port, rcvbuf=4096)
            writer.write(b"GET /fn/mallory/probe/big?n=5120 HTTP/1.1\r\nhost: x\r\n\r\n")
            await writer.drain()
            statuses["asked, never read"] += 1
            await asyncio.sleep(30)
            writer.close()
        except OSError as e:
            statuses[type(e).__name__] += 1
            await asyncio.sleep(0.2)


async def login_flood(port):
    while True:
        name = f"x{random.randrange(10**9)}"
        body = json.dumps({"username": name, "password": "wrong wrong wrong"}).encode()
        await request(port, "POST", "/api/v1/login", body,
                      [("content-type", "application/json")])


async def build_flood(port, token):
    source = ('fn handle(_request: fnlab::Request) -> fnlab::Response '
              '{ fnlab::Response::text(200, "v%d") }\nfnlab::http!(handle);\n')
    n = 0
    while True:
        n += 1
        draft = json.dumps({"language": "rust", "source": source % n}).encode()
        auth = [("authorization", f"Bearer {token}"), ("content-type", "application/json")]
        await request(port, "PUT", "/api/v1/functions/flood", draft, auth)
        await request(port, "POST", "/api/v1/functions/flood/deploy?wait=false", b"{}", auth)
        await asyncio.sleep(0.05)


async def memory(port):
    while True:
        await request(port, "GET", "/fn/mallory/probe/alloc")


async def main():
    attack, port = sys.argv[1], int(sys.argv[2])
    token = sys.argv[3] if len(sys.argv) > 3 else None
    workers = {
        "slow-bodies": (200, lambda: slow_body(port)),
        "unread": (32, lambda: unread(port)),
        "login-flood": (64, lambda: login_flood(port)),
        "build-flood": (16, lambda: build_flood(port, token)),
        "memory": (16, lambda: memory(port)),
    }
    count, worker = workers[attack]
    tasks = [asyncio.create_task(worker()) for _ in range(count)]
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    for task in tasks:
        task.cancel()
    print(" ".join(f"{k}:{v}" for k, v in sorted(statuses.items())) or "nothing")


asyncio.run(main())
