#!/usr/bin/env python3
"""Latency of `status` on modeld's control socket: one request every INTERVAL seconds on
one connection, until SECONDS have passed or the file STOP exists. Prints
"n p50_ms p99_ms max_ms" on one line. Used by download-vs-peers.sh to compare `status`
while the daemon is idle with `status` during a pull (issue 13: p99 during a pull at
most 2x the idle p99)."""
import os
import socket
import sys
import time

path, seconds, interval = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
stop = sys.argv[4] if len(sys.argv) > 4 else None
conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
conn.connect(path)
reader = conn.makefile("rb")
latencies = []
deadline = time.monotonic() + seconds
while time.monotonic() < deadline and not (stop and os.path.exists(stop)):
    start = time.monotonic()
    conn.sendall(b'{"cmd":"status"}\n')
    if not reader.readline():
        sys.exit("the daemon closed the connection")
    latencies.append((time.monotonic() - start) * 1000)
    time.sleep(interval)
latencies.sort()
if not latencies:
    sys.exit("no request was made")
pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
print(f"{len(latencies)} {pick(0.5):.2f} {pick(0.99):.2f} {latencies[-1]:.2f}")
