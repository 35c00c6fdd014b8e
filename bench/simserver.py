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
import socket
import sys

PAGE = (
    "<!doctype html><html><head><meta charset=utf-8><title>Statement {n}</title></head>"
    "<body><h1>Statement {n}</h1>" + "<p>The ministry published a statement on security "
    "cooperation and regional stability.</p>" * 8 + "</body></html>"
)


class Server:
    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.requests = 0
        self.inflight = 0
        self.peak = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
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
                try:
                    if self.latency:
                        await asyncio.sleep(self.latency)
                finally:
                    self.inflight -= 1
                if path.startswith("/page/"):
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
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n"
                    + (b"Connection: close\r\n" if close else b"") + b"\r\n" + body
                )
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()


async def main(hosts: int, latency: float, first_ip: str) -> None:
    server = Server(latency)
    base = ipaddress.IPv4Address(first_ip)
    urls = []
    servers = []
    for i in range(hosts):
        ip = str(base + i)
        srv = await asyncio.start_server(server.handle, ip, 0, backlog=1024)
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
    args = parser.parse_args()
    try:
        asyncio.run(main(args.hosts, args.latency, args.first_ip))
    except KeyboardInterrupt:
        sys.exit(0)
