#!/usr/bin/env python3
"""Slow-client load for bench/serve_slow_clients_bench.sh (issue 9, item 4).

Keeps N connections to a loopback server, each sending a request head one byte every
INTERVAL seconds (the sends spread evenly over the interval), and reconnects any connection
the server closes, as an attacker would. Runs for DURATION seconds, then prints one line:
"connected=<open at the end> reconnects=<n> refused=<429/503 answers> failed=<connect errors>".
Writes "ready" to READY_FILE once all N are connected the first time.

Usage: serve_slow_clients_drip.py PORT N INTERVAL DURATION READY_FILE
"""
import socket
import sys
import time

HEAD = b"GET /api/sync/manifest HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: "


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setblocking(False)
    s.sendall(HEAD[:1])
    return s


def main():
    port, n, interval, duration = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    ready_file = sys.argv[5]
    socks, sent = [], []
    failed = refused = reconnects = 0
    for _ in range(n):
        try:
            socks.append(connect(port))
            sent.append(1)
        except OSError:
            failed += 1
            socks.append(None)
            sent.append(0)
    with open(ready_file, "w") as f:
        f.write("ready\n")
    end = time.monotonic() + duration
    step = interval / max(n, 1)
    i = 0
    next_send = time.monotonic()
    while time.monotonic() < end:
        s = socks[i]
        try:
            if s is None:
                raise OSError("not connected")
            try:
                data = s.recv(4096)
                if data.startswith(b"HTTP/1.1 429") or data.startswith(b"HTTP/1.1 503"):
                    refused += 1
                raise OSError("closed by the server")  # an answer or EOF: it is over
            except BlockingIOError:
                pass
            byte = HEAD[sent[i]:sent[i] + 1] if sent[i] < len(HEAD) else b"a"
            s.send(byte)
            sent[i] += 1
        except OSError:
            if s is not None:
                s.close()
            try:
                socks[i] = connect(port)
                sent[i] = 1
                reconnects += 1
            except OSError:
                socks[i] = None
                failed += 1
        i = (i + 1) % n
        next_send += step
        delay = next_send - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    connected = sum(1 for s in socks if s is not None)
    print(f"connected={connected} reconnects={reconnects} refused={refused} failed={failed}")
    for s in socks:
        if s is not None:
            s.close()


if __name__ == "__main__":
    main()
