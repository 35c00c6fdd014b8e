"""A simulated web on loopback addresses, for every helper's tests.

Each *host* is a name (``"gov"``, ``"news"``) or a literal loopback address
(``"127.0.0.9"``) that gets its own threaded HTTP server on its own
``127.0.0.x`` address (Linux routes all of 127.0.0.0/8 to loopback, no setup
needed). A host serves a route table: ``path -> (status, headers, body)`` or a
handler callable for faults (delays, resets, redirects, huge bodies, gzip
bombs, ...). Unmatched paths get a plain 404 unless a fallback is set.

Usage in a test::

    def test_something(simweb):
        base = simweb.host("gov")                  # http://127.0.0.2:PORT
        simweb.route("gov", "/a", body="<p>hi</p>")
        simweb.route("gov", "/old", status=301, headers={"Location": "/a"})
        simweb.route("gov", "/slow", handler=delay(0.2, body=b"late"))
        simweb.route("gov", "/x", handler=sequence([(429, {"Retry-After": "1"}, b""), 200]))
        tls_base = simweb.host("gov", tls=True)    # https://127.0.0.2:PORT2, same routes

``simweb`` is function-scoped (fresh routes per test); ``simweb_session`` is
one shared web for session-scoped fixtures (give its hosts unique names).
The TLS endpoints use a certificate issued at test time by a throwaway CA
(``trustme``): clients that do not trust ``simweb.ca_pem`` see a TLS error,
exactly like a self-signed site. Nothing here knows about citecheck.
"""

from __future__ import annotations

import gzip
import io
import ipaddress
import socket
import ssl
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Union
from urllib.parse import parse_qs, urlsplit

import pytest

Body = Union[bytes, str, Iterable[bytes], None]  # noqa: UP007 (runtime alias, py3.10)
#: What a handler may return: a Response, (status, headers, body), a bare
#: status, a body (bytes/str), or None when it wrote (or dropped) the reply itself.
HandlerResult = Any
Handler = Callable[["Request"], HandlerResult]


# ---------------------------------------------------------------- records


@dataclass
class Response:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Body = b""


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it."""

    host: str  #: the simweb host name
    method: str
    path: str  #: with query string
    headers: dict[str, str]
    body: bytes
    at: float  #: time.monotonic() on arrival
    tls: bool


@dataclass
class _Route:
    response: Response | None = None
    handler: Handler | None = None
    methods: tuple[str, ...] | None = None


# --------------------------------------------------------------- handlers
# Generic fault makers: each returns a handler for ``simweb.route(..., handler=)``.


def _coerce(result: HandlerResult) -> Response | None:
    if result is None or isinstance(result, Response):
        return result
    if isinstance(result, int):
        return Response(result)
    if isinstance(result, (bytes, str)):
        return Response(200, {}, result)
    if isinstance(result, tuple):
        status, *rest = result
        headers = rest[0] if rest else {}
        body = rest[1] if len(rest) > 1 else b""
        return Response(status, dict(headers or {}), body)
    raise TypeError(f"handler returned {type(result).__name__}")


def delay(seconds: float, status: int = 200, body: Body = b"",
          headers: dict | None = None) -> Handler:
    """Answer after ``seconds`` (the wait is cut short when the web stops)."""

    def handler(req: Request) -> Response:
        req.stopping.wait(seconds)
        return Response(status, dict(headers or {}), body)

    return handler


def hang() -> Handler:
    """Accept the request and never answer (until the web stops)."""

    def handler(req: Request) -> None:
        req.stopping.wait()
        req.drop()

    return handler


def sequence(responses: Sequence[HandlerResult], then: HandlerResult = None) -> Handler:
    """Answer the n-th request with ``responses[n]``; afterwards with ``then``
    (default: the last one again). Items are anything a handler may return."""
    lock = threading.Lock()
    count = [0]

    def handler(req: Request) -> HandlerResult:
        with lock:
            n = count[0]
            count[0] += 1
        if n < len(responses):
            item = responses[n]
        else:
            item = then if then is not None else responses[-1]
        return item(req) if callable(item) else item

    return handler


def redirect(location: str, status: int = 302) -> Handler:
    def handler(req: Request) -> Response:
        return Response(status, {"Location": location}, b"")

    return handler


def reset_after(nbytes: int, declared: int | None = None, status: int = 200,
                headers: dict | None = None) -> Handler:
    """Send headers (Content-Length ``declared``), ``nbytes`` of body, then a TCP RST."""

    def handler(req: Request) -> None:
        total = declared if declared is not None else max(nbytes * 10, 1024)
        hdrs = {"Content-Type": "text/html", **(headers or {}), "Content-Length": str(total)}
        req.start(status, hdrs)
        req.write(b"x" * nbytes)
        req.reset()

    return handler


def drip(chunk: bytes, interval: float, count: int, status: int = 200) -> Handler:
    """Send ``count`` chunks ``interval`` seconds apart (a slow-loris body)."""

    def handler(req: Request) -> None:
        req.start(status, {"Content-Type": "text/plain", "Content-Length": str(len(chunk) * count)})
        for _ in range(count):
            if not req.write(chunk) or req.stopping.wait(interval):
                return

    return handler


def stream_bytes(size: int, content_type: str = "application/octet-stream",
                 chunk: int = 256 * 1024, fill: bytes = b"a") -> Handler:
    """A body of ``size`` bytes generated on the fly (never held in memory)."""

    def handler(req: Request) -> Response:
        return Response(200, {"Content-Type": content_type, "Content-Length": str(size)},
                        _generate(size, chunk, fill))

    return handler


def _generate(size: int, chunk: int, fill: bytes) -> Iterator[bytes]:
    block = (fill * (chunk // len(fill) + 1))[:chunk]
    sent = 0
    while sent < size:
        part = block[: min(chunk, size - sent)]
        sent += len(part)
        yield part


@lru_cache(maxsize=8)
def gzip_bomb_bytes(decompressed_size: int) -> bytes:
    """Gzip of ``decompressed_size`` zero bytes (100 MB -> ~100 KB), made once."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = io.BytesIO()
    block = bytes(1024 * 1024)
    left = decompressed_size
    while left > 0:
        n = min(left, len(block))
        out.write(comp.compress(block[:n]))
        left -= n
    out.write(comp.flush())
    return out.getvalue()


def gzip_bomb(decompressed_size: int = 100 * 1024 * 1024,
              content_type: str = "text/html") -> Handler:
    """``Content-Encoding: gzip`` body that inflates to ``decompressed_size`` bytes."""
    gzip_bomb_bytes(decompressed_size)  # made now, not while a client waits

    def handler(req: Request) -> Response:
        return Response(200, {"Content-Type": content_type, "Content-Encoding": "gzip"},
                        gzip_bomb_bytes(decompressed_size))

    return handler


def gzipped(body: bytes | str, content_type: str = "text/html; charset=utf-8",
            status: int = 200) -> Response:
    """A normal gzip-encoded response."""
    raw = body.encode() if isinstance(body, str) else body
    return Response(status, {"Content-Type": content_type, "Content-Encoding": "gzip"},
                    gzip.compress(raw))


# ---------------------------------------------------------------- server


class Request:
    """What a handler gets: the request and low-level ways to answer."""

    def __init__(self, h: _RequestHandler, body: bytes) -> None:
        self._h = h
        self.method: str = h.command
        self.path: str = h.path
        parts = urlsplit(h.path)
        self.route_path: str = parts.path
        self.query: dict[str, list[str]] = parse_qs(parts.query, keep_blank_values=True)
        self.headers: dict[str, str] = {k.lower(): v for k, v in h.headers.items()}
        self.body = body
        self.host: str = h.server.simhost  # type: ignore[attr-defined]
        self.tls: bool = h.server.tls  # type: ignore[attr-defined]
        self.stopping: threading.Event = h.server.stopping  # type: ignore[attr-defined]
        self.base_url: str = h.server.base_url  # type: ignore[attr-defined]
        self._started = False

    def start(self, status: int, headers: dict[str, str]) -> None:
        """Send the status line and headers (then :meth:`write` the body)."""
        h = self._h
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.end_headers()
        self._started = True

    def write(self, data: bytes) -> bool:
        """Write body bytes; False if the client went away."""
        try:
            self._h.wfile.write(data)
            self._h.wfile.flush()
            return True
        except (OSError, ValueError):
            self._h.close_connection = True
            return False

    def reset(self) -> None:
        """Abort the connection with a TCP RST."""
        conn = self._h.connection
        try:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.drop()

    def drop(self) -> None:
        """Close the connection without (further) answer."""
        self._h.close_connection = True
        self._h.dropped = True
        try:
            self._h.connection.close()
        except OSError:
            pass


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body are written separately: without TCP_NODELAY every
    # kept-alive request would wait ~40 ms for a delayed ACK (Nagle)
    disable_nagle_algorithm = True
    server_version = "simweb/1.0"
    sys_version = ""
    dropped = False

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionError, BrokenPipeError, ssl.SSLError, OSError, ValueError):
            self.close_connection = True

    def finish(self) -> None:
        try:
            super().finish()
        except (OSError, ValueError):
            pass

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        web: SimWeb = self.server.web  # type: ignore[attr-defined]
        req = Request(self, body)
        web._record(req)
        web._enter(req.host)
        try:
            route = web._find(req.host, req.path, req.method)
            if route is None:
                resp: Response | None = Response(404, {"Content-Type": "text/plain"}, b"Not Found")
            elif route.handler is not None:
                resp = _coerce(route.handler(req))
            else:
                resp = route.response
            if resp is None or self.dropped:
                if not req._started and not self.dropped:
                    req.drop()
                return
            self._send(resp)
        finally:
            web._leave(req.host)

    def _send(self, resp: Response) -> None:
        headers = {k.title(): v for k, v in resp.headers.items()}
        body = resp.body
        if isinstance(body, str):
            body = body.encode("utf-8")
            headers.setdefault("Content-Type", "text/html; charset=utf-8")
        if body is None:
            body = b""
        self.send_response(resp.status)
        head_only = self.command == "HEAD"
        if isinstance(body, (bytes, bytearray)):
            headers.setdefault("Content-Length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            if not head_only:
                self.wfile.write(body)
            return
        chunked = "Content-Length" not in headers
        if chunked:
            headers["Transfer-Encoding"] = "chunked"
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if head_only:
            return
        try:
            for part in body:
                if not part:
                    continue
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                else:
                    self.wfile.write(part)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except (OSError, ValueError):
            self.close_connection = True

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # client went away, TLS handshake refused, ...


@lru_cache(maxsize=1)
def _ca() -> Any:
    import trustme

    return trustme.CA()


class SimWeb:
    """A set of loopback HTTP(S) servers, one per host name, with route tables."""

    def __init__(self, first_ip: str = "127.0.0.2") -> None:
        self._next_ip = ipaddress.IPv4Address(first_ip)
        self._ips: dict[str, str] = {}
        self._servers: dict[tuple[str, bool], _Server] = {}
        self._routes: dict[str, dict[str, _Route]] = {}
        self._fallback: dict[str, _Route] = {}
        self._lock = threading.Lock()
        self._inflight: dict[str, int] = {}
        self._peak: dict[str, int] = {}
        self.requests: list[RequestRecord] = []
        self.stopping = threading.Event()
        self._ca_file: str | None = None

    # -- hosts

    def ip(self, name: str) -> str:
        """The loopback address of host ``name`` (allocated on first use)."""
        with self._lock:
            if name not in self._ips:
                try:
                    ip = str(ipaddress.IPv4Address(name))
                except ValueError:
                    ip = str(self._next_ip)
                    self._next_ip += 1
                    while str(self._next_ip) in self._ips.values():
                        self._next_ip += 1
                self._ips[name] = ip
                self._routes.setdefault(name, {})
            return self._ips[name]

    def host(self, name: str, tls: bool = False) -> str:
        """Base URL (no trailing slash) of host ``name``, starting its server if needed."""
        ip = self.ip(name)
        key = (name, tls)
        with self._lock:
            server = self._servers.get(key)
            if server is None:
                server = self._start(name, ip, tls)
                self._servers[key] = server
        return server.base_url  # type: ignore[attr-defined,no-any-return]

    def url(self, name: str, path: str = "/", tls: bool = False) -> str:
        return self.host(name, tls) + (path if path.startswith("/") else "/" + path)

    def _start(self, name: str, ip: str, tls: bool) -> _Server:
        server = _Server((ip, 0), _RequestHandler)
        port = server.server_address[1]
        scheme = "https" if tls else "http"
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            _ca().issue_cert(ip, "localhost").configure_cert(ctx)
            server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                            do_handshake_on_connect=False)
        server.web = self  # type: ignore[attr-defined]
        server.simhost = name  # type: ignore[attr-defined]
        server.tls = tls  # type: ignore[attr-defined]
        server.stopping = self.stopping  # type: ignore[attr-defined]
        server.base_url = f"{scheme}://{ip}:{port}"  # type: ignore[attr-defined]
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  name=f"simweb-{name}-{scheme}", daemon=True)
        thread.start()
        return server

    @property
    def ca_pem(self) -> str:
        """Path of a PEM file with the CA that signed the TLS endpoints' certificates."""
        if self._ca_file is None:
            import tempfile

            fd, path = tempfile.mkstemp(prefix="simweb-ca-", suffix=".pem")
            with open(fd, "wb") as fh:
                fh.write(_ca().cert_pem.bytes())
            self._ca_file = path
        return self._ca_file

    # -- routes

    def route(self, host: str, path: str, status: int = 200, body: Body = b"",
              headers: dict[str, str] | None = None, handler: Handler | None = None,
              methods: Sequence[str] | None = None, content_type: str | None = None) -> str:
        """Serve ``path`` (exact; include ``?query`` to match a query too) on ``host``.

        Returns the full URL (http). ``body`` may be bytes, str (sent as UTF-8
        HTML unless ``content_type``/headers say otherwise) or an iterable of
        bytes (streamed). ``handler(request)`` overrides the static response.
        """
        self.ip(host)
        hdrs = dict(headers or {})
        if content_type:
            hdrs["Content-Type"] = content_type
        route = _Route(Response(status, hdrs, body), handler,
                       tuple(m.upper() for m in methods) if methods else None)
        with self._lock:
            self._routes[host][path] = route
        return self.url(host, path)

    def fallback(self, host: str, status: int = 404, body: Body = b"Not Found",
                 headers: dict[str, str] | None = None, handler: Handler | None = None) -> None:
        """What ``host`` answers for paths that have no route (default: plain 404)."""
        self.ip(host)
        self._fallback[host] = _Route(Response(status, dict(headers or {}), body), handler)

    def pages(self, host: str, pages: dict[str, Body],
              content_type: str = "text/html; charset=utf-8") -> None:
        """Many static 200 routes at once."""
        for path, body in pages.items():
            self.route(host, path, body=body, content_type=content_type)

    def _find(self, host: str, path: str, method: str) -> _Route | None:
        routes = self._routes.get(host, {})
        route = routes.get(path) or routes.get(urlsplit(path).path)
        if route is not None and route.methods and method not in route.methods:
            return _Route(Response(405, {"Allow": ", ".join(route.methods)}, b""))
        return route or self._fallback.get(host)

    # -- observation

    def _record(self, req: Request) -> None:
        rec = RequestRecord(req.host, req.method, req.path, req.headers, req.body,
                            time.monotonic(), req.tls)
        with self._lock:
            self.requests.append(rec)

    def _enter(self, host: str) -> None:
        with self._lock:
            n = self._inflight.get(host, 0) + 1
            self._inflight[host] = n
            self._peak[host] = max(self._peak.get(host, 0), n)

    def _leave(self, host: str) -> None:
        with self._lock:
            self._inflight[host] -= 1

    def hits(self, host: str, path: str | None = None,
             since: float | None = None) -> list[RequestRecord]:
        """Requests ``host`` received (optionally only for ``path``, query ignored,
        and only from ``since``, a :meth:`mark`: a shared web sees other tests too)."""
        with self._lock:
            return [r for r in self.requests if r.host == host
                    and (path is None or urlsplit(r.path).path == path or r.path == path)
                    and (since is None or r.at >= since)]

    def mark(self) -> float:
        """A point in time for ``hits(..., since=...)``."""
        return time.monotonic()

    def peak_inflight(self, host: str) -> int:
        """The most requests ``host`` was handling at the same time."""
        return self._peak.get(host, 0)

    def reset(self) -> None:
        """Forget routes and recorded requests (servers stay up)."""
        with self._lock:
            for table in self._routes.values():
                table.clear()
            self._fallback.clear()
            self.requests.clear()
            self._peak.clear()

    def close(self) -> None:
        self.stopping.set()
        for server in list(self._servers.values()):
            server.shutdown()
            server.server_close()
        self._servers.clear()
        if self._ca_file:
            import os

            try:
                os.unlink(self._ca_file)
            except OSError:
                pass

    def __enter__(self) -> SimWeb:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------- fixtures


@pytest.fixture
def simweb() -> Iterator[SimWeb]:
    """A fresh simulated web for one test (addresses 127.0.0.2 upwards)."""
    web = SimWeb()
    try:
        yield web
    finally:
        web.close()


@pytest.fixture(scope="session")
def simweb_session() -> Iterator[SimWeb]:
    """One simulated web shared by session-scoped fixtures (addresses 127.0.0.100 upwards)."""
    web = SimWeb(first_ip="127.0.0.100")
    try:
        yield web
    finally:
        web.close()
