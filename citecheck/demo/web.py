"""A small simulated web for ``citecheck demo``: publishers on loopback addresses.

Each publisher (a *host*) gets its own threaded HTTP server on its own
``127.0.0.x`` address (Linux routes all of 127.0.0.0/8 to loopback) and serves
a fixed table ``path -> (status, headers, body)``; anything else is a plain
404. Nothing here listens beyond loopback. (The tests' fault-injecting web,
``tests/fixtures_simweb.py``, is a larger cousin of this one.)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Page:
    """What one path of a host answers."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/html; charset=utf-8"),)


@dataclass
class _Host:
    ip: str
    server: ThreadingHTTPServer
    thread: threading.Thread
    pages: dict[str, Page] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    server_version = "demo-publisher/1.0"
    pages: dict[str, Page]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        return

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        page = self.server.pages.get(self.path) or Page(  # type: ignore[attr-defined]
            404, b"<!doctype html><title>Not Found</title><h1>Not Found</h1>")
        self.send_response(page.status)
        for name, value in page.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(page.body)

    do_HEAD = do_GET  # noqa: N815


class DemoWeb:
    """Publishers on ``127.0.0.FIRST`` upwards, one port each."""

    def __init__(self, first_ip: int = 101) -> None:
        self._next_ip = first_ip
        self._hosts: dict[str, _Host] = {}

    def host(self, name: str) -> str:
        """Start ``name`` (once) and return its base URL, ``http://127.0.0.x:PORT``."""
        if name not in self._hosts:
            ip = f"127.0.0.{self._next_ip}"
            self._next_ip += 1
            server = ThreadingHTTPServer((ip, 0), _Handler)
            server.daemon_threads = True
            server.pages = {}  # type: ignore[attr-defined]
            thread = threading.Thread(target=server.serve_forever, name=f"demo-{name}",
                                      kwargs={"poll_interval": 0.1}, daemon=True)
            thread.start()
            self._hosts[name] = _Host(ip, server, thread, server.pages)  # type: ignore[attr-defined]
        port = self._hosts[name].server.server_address[1]
        return f"http://{self._hosts[name].ip}:{port}"

    def serve(self, name: str, path: str, page: Page) -> str:
        """Serve ``page`` at ``path`` of host ``name``; returns its URL."""
        base = self.host(name)
        self._hosts[name].pages[path] = page
        return base + path

    def close(self) -> None:
        for host in self._hosts.values():
            host.server.shutdown()
            host.server.server_close()
            host.thread.join(timeout=5)
        self._hosts.clear()
