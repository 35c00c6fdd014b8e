"""A fast simulated web for benchmarks: asyncio, keep-alive, N loopback hosts.

Run as a separate process so it is never the bottleneck of what it measures:

    python bench/simserver.py --hosts 20 --latency 0.05 --first-ip 127.0.2.1

It prints one JSON line ``{"hosts": ["http://127.0.2.1:PORT", ...]}`` when
ready and serves until killed. Every ``/page/...`` path answers 200 with a
small HTML page after ``latency`` seconds; everything else is a 404 (so
soft-404 probes see a proper "not found"). ``/stats`` gives request counts.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import math
import random
import socket
import sys
from typing import Any

PAGE = (
    "<!doctype html><html><head><meta charset=utf-8><title>Statement {n}</title></head>"
    "<body><h1>Statement {n}</h1>" + "<p>The ministry published a statement on security "
    "cooperation and regional stability.</p>" * 8 + "</body></html>"
)


class Realistic:
    """The realistic web of issue 13, decided by a seed: per request a
    log-normal latency (median 150 ms, p95 1.5 s, drawn again for every
    attempt), 3% of hosts hanging (they read the request and never answer),
    2% of pages 404, 2% answering 429 (Retry-After: 1) once, 1% 503 once.
    ``truth(host_index, n)`` is what a checker should report for a page."""

    MEDIAN, P95 = 0.15, 1.5

    def __init__(self, seed: int, hosts: int) -> None:
        self.seed = seed
        rng = random.Random(seed)
        self.hanging = set(rng.sample(range(hosts), max(1, round(hosts * 0.03))))
        self.sigma = math.log(self.P95 / self.MEDIAN) / 1.6449
        self.asked: dict[str, int] = {}

    def kind(self, n: int) -> str:
        r = random.Random(f"{self.seed}/kind/{n}").random()
        return "404" if r < 0.02 else "429" if r < 0.04 else "503" if r < 0.05 else "ok"

    def truth(self, host_index: int, n: int) -> str:
        if host_index in self.hanging:
            return "inconclusive"
        return "dead" if self.kind(n) == "404" else "ok"

    def latency(self, path: str, attempt: int) -> float:
        rng = random.Random(f"{self.seed}/latency/{path}/{attempt}")
        return rng.lognormvariate(math.log(self.MEDIAN), self.sigma)

    async def answer(self, host_index: int, path: str) -> tuple[bytes, bytes, bytes]:
        """(status, extra headers, body) after the latency; never, for a hanging host."""
        attempt = self.asked.get(path, 0)
        self.asked[path] = attempt + 1
        if host_index in self.hanging:
            await asyncio.sleep(3600)
        await asyncio.sleep(self.latency(path, attempt))
        if not path.startswith("/page/"):
            return b"404 Not Found", b"", b"not found"
        n = int(path[6:].split("?")[0] or 0)
        kind = self.kind(n)
        if kind == "404":
            return b"404 Not Found", b"", b"<html><title>Not found</title></html>"
        if kind == "429" and attempt == 0:
            return b"429 Too Many Requests", b"Retry-After: 1\r\n", b"slow down"
        if kind == "503" and attempt == 0:
            return b"503 Service Unavailable", b"", b"try again"
        return b"200 OK", b"", PAGE.format(n=n).encode()


class Server:
    def __init__(self, latency: float, realistic: Realistic | None = None) -> None:
        self.latency = latency
        self.realistic = realistic
        self.requests = 0
        self.inflight = 0
        self.peak = 0

    def handler(self, host_index: int) -> Any:
        return lambda reader, writer: self.handle(reader, writer, host_index)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     host_index: int = 0) -> None:
        # asyncio sets TCP_NODELAY on TCP transports already, and each answer
        # is one write; set it here too so the benchmark never measures a
        # delayed ACK (~40 ms per kept-alive request) instead of a checker
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                line = head.split(b"\r\n", 1)[0].decode("latin-1")
                parts = line.split(" ")
                path = parts[1] if len(parts) > 1 else "/"
                self.requests += 1
                self.inflight += 1
                self.peak = max(self.peak, self.inflight)
                extra = b""
                try:
                    if self.realistic is not None and path != "/stats":
                        status, extra, body = await self.realistic.answer(host_index, path)
                    elif self.latency:
                        await asyncio.sleep(self.latency)
                finally:
                    self.inflight -= 1
                if self.realistic is not None and path != "/stats":
                    pass
                elif path.startswith("/page/"):
                    body = PAGE.format(n=path[6:]).encode()
                    status = b"200 OK"
                elif path == "/stats":
                    body = json.dumps({"requests": self.requests, "peak": self.peak}).encode()
                    status = b"200 OK"
                else:
                    body = b"not found"
                    status = b"404 Not Found"
                close = b"connection: close" in head.lower()
                writer.write(
                    b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html; charset=utf-8\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n" + extra
                    + (b"Connection: close\r\n" if close else b"") + b"\r\n" + body
                )
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()


async def main(hosts: int, latency: float, first_ip: str, realistic: int | None = None) -> None:
    server = Server(latency, Realistic(realistic, hosts) if realistic is not None else None)
    base = ipaddress.IPv4Address(first_ip)
    urls = []
    servers = []
    for i in range(hosts):
        ip = str(base + i)
        srv = await asyncio.start_server(server.handler(i), ip, 0, backlog=1024)
        servers.append(srv)
        port = srv.sockets[0].getsockname()[1]
        urls.append(f"http://{ip}:{port}")
    print(json.dumps({"hosts": urls}), flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--first-ip", default="127.0.2.1")
    parser.add_argument("--realistic", type=int, metavar="SEED",
                        help="the realistic web (see Realistic), decided by SEED")
    args = parser.parse_args()
    try:
        asyncio.run(main(args.hosts, args.latency, args.first_ip, args.realistic))
    except KeyboardInterrupt:
        sys.exit(0)
