#!/usr/bin/env python3
"""A user-space TCP proxy that adds a fixed one-way delay in each direction, for benchmarking
`ferry pull` over a long link where netem is not available (issue 14). bench/delay_proxy.cc is
its C++ twin (same model, command line and outputs), which bench/net_bench.sh uses when it is
built: on a 2-core machine this one's CPU (~2 s per 128 MB relayed) is taken from the pull it
measures. This one stays as the fallback for a tree built without tests.

  delay_proxy.py --listen 127.0.0.1:0 --upstream 127.0.0.1:8080 [--delay-ms 25]
                 [--handshake-rtt 1] [--status FILE] [--port-file FILE]

Model: every connection is a delay line in each direction. Bytes read at time t are written
out at t + delay, in order, while the next bytes keep being read: throughput is preserved
(not stop-and-wait), only latency is added, so one round trip costs 2 x delay. A new
connection's first bytes wait --handshake-rtt extra round trips (default 1), as a real TCP
handshake would cost before the client can send (the proxy itself accepts at once). Upstream
is connected at once (it is on loopback).

Bytes are counted each way (client->server "up", server->client "down") over all
connections, with the number of connections; they are printed at exit (SIGTERM / SIGINT) and,
with --status, rewritten to FILE as one JSON line whenever a connection closes (so a benchmark
reads the counters between runs without stopping the proxy). --port-file receives the port
actually listened on (for --listen ...:0).

Backpressure: when a side's write buffer passes 8 MiB, reading from the other side pauses
until it drains, so a slow reader does not make the proxy buffer without bound.
"""
import argparse
import asyncio
import collections
import json
import os
import signal
import sys

HIGH_WATER = 8 << 20


class Counters:
    def __init__(self, status_path):
        self.up = 0
        self.down = 0
        self.connections = 0
        self.open = 0
        self.status_path = status_path

    def as_json(self):
        return json.dumps({"up_bytes": self.up, "down_bytes": self.down,
                           "connections": self.connections, "open": self.open})

    def write_status(self):
        if not self.status_path:
            return
        tmp = self.status_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(self.as_json() + "\n")
        os.replace(tmp, self.status_path)


class DelayLine:
    """Writes what `push` receives to `transport` `delay` seconds later, in order."""

    def __init__(self, loop, delay, first_extra):
        self.loop = loop
        self.delay = delay
        self.first_extra = first_extra  # added to the first chunk only (the handshake)
        self.queue = collections.deque()
        self.transport = None
        self.timer = None
        self.closing = False

    def push(self, data):
        extra, self.first_extra = self.first_extra, 0.0
        due = self.loop.time() + self.delay + extra
        if self.queue:
            due = max(due, self.queue[-1][0])  # never overtake earlier bytes
        self.queue.append((due, data))
        self._arm()

    def close_after_drain(self):
        self.closing = True
        self._arm()

    def _arm(self):
        if self.timer is not None or self.transport is None:
            return
        if self.queue:
            self.timer = self.loop.call_at(self.queue[0][0], self._drain)
        elif self.closing:
            # HTTP needs no half-close: once one side is done and its bytes are delivered,
            # the other socket is closed too.
            self.transport.close()

    def _drain(self):
        self.timer = None
        now = self.loop.time()
        while self.queue and self.queue[0][0] <= now:
            _, data = self.queue.popleft()
            if not self.transport.is_closing():
                self.transport.write(data)
        self._arm()

    def attach(self, transport):
        self.transport = transport
        self._arm()


class Side(asyncio.Protocol):
    """One socket of a proxied connection; `out` is the delay line towards the other socket."""

    def __init__(self, pair, name):
        self.pair = pair
        self.name = name
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.set_write_buffer_limits(high=HIGH_WATER)

    def data_received(self, data):
        self.pair.forward(self.name, data)

    def eof_received(self):
        self.pair.eof(self.name)
        return False  # asyncio closes this socket; connection_lost follows

    def connection_lost(self, exc):
        self.pair.lost(self.name)

    def pause_writing(self):
        self.pair.pause_reading_from(self.pair.other(self.name))

    def resume_writing(self):
        self.pair.resume_reading_from(self.pair.other(self.name))


class Pair:
    def __init__(self, loop, delay, handshake, counters):
        self.counters = counters
        self.client = Side(self, "client")
        self.server = Side(self, "server")
        # client -> server carries the handshake's cost; the answer then follows normally.
        self.to_server = DelayLine(loop, delay, handshake)
        self.to_client = DelayLine(loop, delay, 0.0)
        self.closed = set()

    def other(self, name):
        return "server" if name == "client" else "client"

    def side(self, name):
        return self.client if name == "client" else self.server

    def forward(self, name, data):
        if name == "client":
            self.counters.up += len(data)
            self.to_server.push(data)
        else:
            self.counters.down += len(data)
            self.to_client.push(data)

    def eof(self, name):
        (self.to_server if name == "client" else self.to_client).close_after_drain()

    def lost(self, name):
        if name in self.closed:
            return
        self.closed.add(name)
        # Deliver what is still in flight towards the other side, then close it.
        (self.to_server if name == "client" else self.to_client).close_after_drain()
        if len(self.closed) == 2:
            self.counters.open -= 1
            self.counters.write_status()

    def pause_reading_from(self, name):
        t = self.side(name).transport
        if t is not None and not t.is_closing():
            t.pause_reading()

    def resume_reading_from(self, name):
        t = self.side(name).transport
        if t is not None and not t.is_closing():
            t.resume_reading()


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", default="127.0.0.1:0")
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--delay-ms", type=float, default=25.0, help="one-way delay (default 25)")
    ap.add_argument("--handshake-rtt", type=float, default=1.0,
                    help="round trips a new connection's first bytes wait (default 1)")
    ap.add_argument("--status")
    ap.add_argument("--port-file")
    a = ap.parse_args()
    loop = asyncio.get_running_loop()
    delay = a.delay_ms / 1000.0
    handshake = a.handshake_rtt * 2 * delay
    counters = Counters(a.status)
    up_host, up_port = a.upstream.rsplit(":", 1)

    def factory():
        pair = Pair(loop, delay, handshake, counters)
        counters.connections += 1
        counters.open += 1

        async def connect_upstream():
            try:
                t, _ = await loop.create_connection(lambda: pair.server, up_host, int(up_port))
            except OSError as e:
                print("delay_proxy: upstream %s: %s" % (a.upstream, e), file=sys.stderr)
                if pair.client.transport is not None:
                    pair.client.transport.close()
                return
            pair.to_server.attach(t)

        class ClientSide(Side):
            def connection_made(self, transport):
                super().connection_made(transport)
                pair.to_client.attach(transport)
                loop.create_task(connect_upstream())

        pair.client = ClientSide(pair, "client")
        return pair.client

    host, port = a.listen.rsplit(":", 1)
    server = await loop.create_server(factory, host, int(port), reuse_address=True, backlog=1024)
    actual = server.sockets[0].getsockname()[1]
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % actual)
        os.replace(a.port_file + ".tmp", a.port_file)
    print("delay_proxy: listening on %s:%d -> %s, %.1f ms each way" %
          (host, actual, a.upstream, a.delay_ms), file=sys.stderr, flush=True)
    counters.write_status()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    counters.write_status()
    print("delay_proxy: " + counters.as_json(), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
