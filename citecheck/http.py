"""The one HTTP client every stage that touches the network uses.

Limits on body size, redirects and time are always on. A failure of one URL is
returned as data (:class:`FetchResult` with ``error``), never raised.

What it does for every request:

* only ``http``/``https``; at most ``max_redirects`` redirects, followed by
  hand so the whole chain is kept and every hop passes the address guard;
* an address guard against server-side request forgery: link-local and
  cloud-metadata addresses (169.254.0.0/16, fe80::/10, and names resolving to
  them) are always refused; private and loopback ones unless ``allow_private``;
* retries with exponential backoff and jitter on connection errors, 429 and
  502/503/504, honouring ``Retry-After`` (seconds or HTTP date) within a cap
  on the total wait;
* at most ``per_host`` requests in flight to one host at a time;
* the body is read raw (``decode_content=False``) and decompressed here, so
  the cap counts *decompressed* bytes and a gzip bomb stops at the cap; the
  raw bytes are kept in :attr:`FetchResult.raw_body` for WARC records.

:func:`decode_body` turns a body into text with the right character set.
"""

from __future__ import annotations

import codecs
import email.utils
import functools
import heapq
import http.client
import ipaddress
import os
import random
import re
import socket
import threading
import time
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
import urllib3.connection

from citecheck import __version__

DEFAULT_USER_AGENT = (
    f"citecheck/{__version__} (+https://github.com/citecheck/citecheck; citation audit)"
)

#: status codes worth asking again for (after a pause)
RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: error codes (see :func:`classify_exception`) worth asking again for
RETRY_ERRORS = frozenset({"connection-reset", "connection-refused", "connection-error"})

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class HttpConfig:
    """Politeness and safety limits. Defaults are the CLI's defaults."""

    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 60.0  #: total seconds per URL, redirects, retries and body included
    max_bytes: int = 10 * 1024 * 1024  #: decompressed body cap
    max_redirects: int = 10
    concurrency: int = 32
    per_host: int = 2
    allow_private: bool = False
    verify_tls: bool = True
    retries: int = 2  #: extra attempts after the first one
    backoff: float = 0.5  #: first backoff in seconds; doubles each retry, with jitter
    backoff_max: float = 8.0  #: longest single pause without a Retry-After
    max_retry_wait: float = 30.0  #: cap on the total pause per URL (Retry-After included)
    keep_raw: bool = True  #: keep the undecoded bytes in FetchResult.raw_body

    @classmethod
    def from_timeout(cls, timeout: float, **kwargs: Any) -> HttpConfig:
        """The CLI's single ``--timeout``: read timeout (connect at most 10 s); the
        deadline per URL is three times it (at least 5 s more)."""
        return cls(connect_timeout=min(10.0, timeout), read_timeout=timeout,
                   deadline=max(timeout * 3, timeout + 5), **kwargs)


@dataclass(frozen=True)
class FetchResult:
    """What one fetch gave: the final response, the chain, or the error."""

    url: str
    final_url: str
    status_code: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    redirects: tuple[tuple[str, int], ...] = ()  #: (url, status) of each hop
    elapsed: float = 0.0
    truncated: bool = False  #: body stopped at max_bytes
    error: str | None = None  #: error code: timeout, connection-error, ...
    error_text: str | None = None  #: human text of the error
    raw_headers: tuple[tuple[str, str], ...] = ()  #: as sent, for WARC records
    http_version: str = "HTTP/1.1"
    raw_body: bytes | None = field(default=None, repr=False)  #: undecoded bytes, if kept
    attempts: int = 1  #: requests made for the last hop (1 + retries)
    waited: float = 0.0  #: seconds spent pausing between retries
    address: str | None = None  #: IP address of the final host, when resolved

    @property
    def content_type(self) -> str | None:
        value = self.headers.get("content-type")
        return value.split(";")[0].strip().lower() if value else None


# ------------------------------------------------------------ address guard


class AddressRefused(Exception):
    """The host is (or resolves to) an address the guard refuses."""


def _is_link_local(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_link_local


def _is_private(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global


@functools.lru_cache(maxsize=4096)
def check_address(ip_text: str, allow_private: bool) -> str | None:
    """Why ``ip_text`` is refused, or None if it may be fetched (memoised: it runs
    twice per request, and ``ipaddress``' checks cost tens of microseconds)."""
    ip = ipaddress.ip_address(ip_text.split("%", 1)[0])
    if _is_link_local(ip):
        return f"{ip_text} is a link-local or cloud-metadata address"
    if not allow_private and _is_private(ip):
        return f"{ip_text} is a private, loopback or reserved address (see --allow-private)"
    return None


Resolver = Callable[[str], list[str]]


def system_resolve(host: str) -> list[str]:
    """All addresses ``host`` resolves to (raises socket.gaierror)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


@functools.lru_cache(maxsize=4096)
def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


class AddressGuard:
    """Decides per host, caching name lookups for ``ttl`` seconds."""

    def __init__(self, allow_private: bool, resolve: Resolver = system_resolve,
                 ttl: float = 60.0) -> None:
        self.allow_private = allow_private
        self.resolve = resolve
        self.ttl = ttl
        self._cache: dict[str, tuple[float, list[str]]] = {}
        self._lock = threading.Lock()

    def check(self, host: str) -> str | None:
        """The first address ``host`` has (raises AddressRefused or socket.gaierror)."""
        host = host.strip("[]").lower()
        addresses = [host] if _is_ip_literal(host) else self._lookup(host)
        for address in addresses:
            why = check_address(address, self.allow_private)
            if why:
                raise AddressRefused(why if address == host else f"{host} resolves to {why}")
        return addresses[0] if addresses else None

    def _lookup(self, host: str) -> list[str]:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(host)
        if hit and now - hit[0] < self.ttl:
            return hit[1]
        addresses = self.resolve(host)
        with self._lock:
            self._cache[host] = (now, addresses)
        return addresses


# --------------------------------------------------------------- per host


class HostSlots:
    """At most ``limit`` requests in flight per host (held per request, not per chain)."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._sems: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    def get(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            sem = self._sems.get(host)
            if sem is None:
                sem = self._sems[host] = threading.BoundedSemaphore(self.limit)
            return sem


# ---------------------------------------------------------------- retries


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with "equal jitter": between half and all of base*2^attempt."""
    step = min(cap, base * (2 ** attempt))
    return step / 2 + rng.uniform(0, step / 2)


# ---------------------------------------------------------- decompression


class _Decoder:
    """Incremental Content-Encoding decoder with a bound on output per call."""

    def __init__(self, encoding: str) -> None:
        self.names = [e.strip().lower() for e in encoding.split(",") if e.strip()]
        self.names = [n for n in self.names if n != "identity"]
        if len(self.names) > 1:
            raise ValueError(f"stacked content encodings not supported: {encoding}")
        self.name = self.names[0] if self.names else ""
        if self.name not in ("", "gzip", "x-gzip", "deflate"):
            raise ValueError(f"unsupported content encoding: {self.name}")
        self._obj: Any = None
        self._first = True
        self._new()

    def _new(self) -> None:
        if self.name in ("gzip", "x-gzip"):
            self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.name == "deflate":
            self._obj = zlib.decompressobj()
        self._first = True

    def feed(self, data: bytes, limit: int) -> bytes:
        """Decompress ``data`` giving at most ``limit`` bytes (the rest is dropped)."""
        if not self.name:
            return data[:limit]
        out = bytearray()
        while data and len(out) < limit:
            try:
                piece = self._obj.decompress(data, limit - len(out))
            except zlib.error:
                if self.name == "deflate" and self._first:
                    # servers sending raw deflate without the zlib wrapper
                    self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._first = False
                    continue
                raise
            self._first = False
            out.extend(piece)
            if self._obj.unconsumed_tail:
                data = self._obj.unconsumed_tail
            elif self._obj.eof and self._obj.unused_data:
                data = self._obj.unused_data.lstrip(b"\x00")  # next gzip member
                if data:
                    self._new()
            else:
                data = b""
        return bytes(out)


# --------------------------------------------------------------- deadline


class _Watchdog:
    """One thread that shuts down sockets whose request outlived its deadline.

    A socket timeout bounds each ``recv``, not the whole response head: a
    server trickling its status line and headers a byte a second would hold a
    request for ever. Arming costs a heap push; nothing runs per byte.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, socket.socket]] = []
        self._armed: set[int] = set()
        self._cond = threading.Condition()
        self._ids = 0
        self._thread: threading.Thread | None = None

    def arm(self, when: float, sock: socket.socket) -> int:
        with self._cond:
            self._ids += 1
            heapq.heappush(self._heap, (when, self._ids, sock))
            self._armed.add(self._ids)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="citecheck-deadline",
                                                daemon=True)
                self._thread.start()
            self._cond.notify()
            return self._ids

    def disarm(self, token: int) -> bool:
        """Stop watching; False if the deadline had already passed (socket shut)."""
        with self._cond:
            if token in self._armed:
                self._armed.discard(token)
                return True
            return False

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][1] not in self._armed:
                    heapq.heappop(self._heap)  # finished in time
                if not self._heap:
                    self._cond.wait()
                    continue
                when, token, sock = self._heap[0]
                delay = when - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                heapq.heappop(self._heap)
                self._armed.discard(token)
                try:  # the plain socket's shutdown, also under TLS: the reader sees EOF
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass


_WATCHDOG = _Watchdog()
_DEADLINE = threading.local()  #: .at: monotonic deadline of this thread's request


class _DeadlineConnectionMixin:
    """Bounds the wait for the status line and headers by the request's deadline."""

    sock: socket.socket | None

    def getresponse(self) -> Any:
        when = getattr(_DEADLINE, "at", None)
        if when is None or self.sock is None:
            return super().getresponse()  # type: ignore[misc]
        token = _WATCHDOG.arm(when, self.sock)
        try:
            response = super().getresponse()  # type: ignore[misc]
        except Exception:
            if not _WATCHDOG.disarm(token):
                raise TimeoutError("deadline exceeded while reading the headers") from None
            raise
        if not _WATCHDOG.disarm(token):  # cut short: the head read so far is partial
            response.close()
            raise TimeoutError("deadline exceeded while reading the headers")
        return response


class _DeadlineHTTPConnection(_DeadlineConnectionMixin, urllib3.connection.HTTPConnection):
    pass


class _DeadlineHTTPSConnection(_DeadlineConnectionMixin, urllib3.connection.HTTPSConnection):
    pass


class _DeadlineHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _DeadlineHTTPConnection


class _DeadlineHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


class _DeadlineAdapter(requests.adapters.HTTPAdapter):
    """An adapter whose connections honour :data:`_DEADLINE` (see :class:`_Watchdog`)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {  # type: ignore[assignment]
            "http": _DeadlineHTTPPool, "https": _DeadlineHTTPSPool}


# ----------------------------------------------------------------- client


class HttpClient:
    """A ``requests.Session`` with caps. Pass a session in to share or fake it.

    ``sleep``, ``resolve`` and ``rng`` are collaborators tests can swap.
    """

    def __init__(
        self,
        config: HttpConfig | None = None,
        session: requests.Session | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        resolve: Resolver = system_resolve,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config or HttpConfig()
        self.session = session or requests.Session()
        pool = max(10, self.config.concurrency)
        adapter = _DeadlineAdapter(
            pool_connections=max(100, pool), pool_maxsize=pool, max_retries=0
        )
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = self.config.user_agent
        # only what _Decoder can undo: the body cap counts decompressed bytes
        self.session.headers["Accept-Encoding"] = "gzip, deflate"
        self.sleep = sleep
        trust_env = self.session.trust_env
        self._env_proxies = trust_env and bool(urllib.request.getproxies())
        self._verify: bool | str = self.config.verify_tls
        if self.config.verify_tls and trust_env:
            self._verify = (os.environ.get("REQUESTS_CA_BUNDLE")
                            or os.environ.get("CURL_CA_BUNDLE") or True)
        self.guard = AddressGuard(self.config.allow_private, resolve)
        self.slots = HostSlots(self.config.per_host)
        self.rng = rng or random.Random()

    def close(self) -> None:
        self.session.close()

    def fetch(
        self,
        url: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        max_bytes: int | None = None,
        follow_redirects: bool = True,
    ) -> FetchResult:
        """GET ``url``, following up to ``max_redirects`` redirects by hand."""
        cfg = self.config
        cap = cfg.max_bytes if max_bytes is None else max_bytes
        start = time.monotonic()
        chain: list[tuple[str, int]] = []
        current = url
        seen: set[str] = set()
        cookies = _Cookies()  # set by one hop, sent on the next (bot walls, sessions)

        def fail(code: str, text: str, at: str, **extra: Any) -> FetchResult:
            return FetchResult(url, at, redirects=tuple(chain), elapsed=time.monotonic() - start,
                               error=code, error_text=text, **extra)

        while True:
            try:
                parts = urlsplit(current)
                parts.port  # noqa: B018 - raises on a port out of range
            except ValueError as exc:  # "http://[::1": data, not a crash
                return fail("invalid-url", f"{exc} in {current}", current)
            if not parts.scheme:  # "junk": not a URL at all
                return fail("invalid-url", f"not a URL: {current}", current)
            if parts.scheme not in ("http", "https"):
                return fail("unsupported-scheme", f"unsupported scheme in {current}", current)
            if not parts.hostname or any(c.isspace() or ord(c) < 32 for c in parts.hostname):
                return fail("invalid-url", f"no valid host in {current}", current)
            try:
                address = self.guard.check(parts.hostname)
            except AddressRefused as exc:
                return fail("private-address", str(exc), current)
            except (socket.gaierror, UnicodeError) as exc:
                return fail("dns-error", f"cannot resolve {parts.hostname}: {exc}", current)
            hop = self._attempts(current, params if not chain else None, headers, start, cap,
                                 cookies)
            resp, result = hop.response, hop.result
            if result is not None:  # an error, or a finished (read) response
                return _with(result, url=url, redirects=tuple(chain),
                             elapsed=time.monotonic() - start, address=address)
            assert resp is not None
            if params and not chain:
                current = resp.url
            location = resp.headers.get("location")
            if follow_redirects and resp.is_redirect and location:
                resp.close()
                chain.append((current, resp.status_code))
                seen.add(current)
                nxt = urljoin(current, location.strip())
                if nxt in seen:
                    return fail("redirect-loop", f"redirect loop at {nxt}", nxt,
                                status_code=resp.status_code)
                if len(chain) > cfg.max_redirects:
                    return fail("too-many-redirects", f"more than {cfg.max_redirects} redirects",
                                nxt, status_code=resp.status_code)
                current = nxt
                continue
            # a redirect we were asked not to follow: its body is the answer
            return _with(self._read(current, resp, start, cap), url=url, redirects=tuple(chain),
                         elapsed=time.monotonic() - start, address=address)

    # -- one hop, with retries

    def _attempts(self, current: str, params: dict[str, str] | None,
                  headers: dict[str, str] | None, start: float, cap: int,
                  cookies: _Cookies) -> _Hop:
        cfg = self.config
        waited = 0.0
        attempt = 0
        host = (urlsplit(current).hostname or "").lower()
        while True:
            attempt += 1
            remaining = cfg.deadline - (time.monotonic() - start)
            if remaining <= 0:
                return _Hop(result=FetchResult(
                    current, current, error="timeout", attempts=attempt - 1, waited=waited,
                    error_text=f"deadline of {cfg.deadline:g}s exceeded"))
            slot = self.slots.get(host)
            with slot:
                hop = self._once(current, params, headers, start, cap, remaining, cookies)
            outcome = hop.result
            retry_after: float | None = None
            if hop.response is not None:
                code = hop.response.status_code
                if code not in RETRY_STATUSES or hop.response.is_redirect:
                    return hop
                retry_after = parse_retry_after(hop.response.headers.get("retry-after"))
            elif outcome is not None and outcome.error not in RETRY_ERRORS:
                return _Hop(result=_with(outcome, attempts=attempt, waited=waited))
            # worth another try: how long to wait?
            pause = retry_after if retry_after is not None else backoff_delay(
                attempt - 1, cfg.backoff, cfg.backoff_max, self.rng)
            left = cfg.deadline - (time.monotonic() - start)
            give_up = (attempt > cfg.retries or waited + pause > cfg.max_retry_wait
                       or pause >= left)
            if give_up:
                if hop.response is not None:
                    return _Hop(result=_with(self._read(current, hop.response, start, cap),
                                             attempts=attempt, waited=waited))
                assert outcome is not None
                return _Hop(result=_with(outcome, attempts=attempt, waited=waited))
            if hop.response is not None:
                hop.response.close()
            self.sleep(pause)
            waited += pause

    def _once(self, current: str, params: dict[str, str] | None,
              headers: dict[str, str] | None, start: float, cap: int,
              remaining: float, cookies: _Cookies) -> _Hop:
        cfg = self.config
        # The adapter is called directly: Session.send with allow_redirects=False
        # would read a redirect's whole body (unbounded) to look for the next hop.
        try:
            # Prepared by hand too: Session.prepare_request re-reads the
            # environment and ~/.netrc on every call (a third of the CPU time).
            session = self.session
            prep = requests.PreparedRequest()
            merged = dict(session.headers)
            if headers:
                merged.update(headers)
            prep.prepare_method("GET")
            prep.prepare_url(current, params)
            prep.prepare_headers(merged)
            if cookies.jar is not None:
                prep.prepare_cookies(cookies.jar)
            prep.prepare_body(None, None)
            if "@" in current:  # credentials in the URL (a no-op otherwise: it re-parses it)
                prep.prepare_auth(None, current)
            proxies: dict[str, str] = {}
            if self._env_proxies:
                proxies = dict(session.merge_environment_settings(
                    prep.url, {}, True, cfg.verify_tls, None)["proxies"])
            _DEADLINE.at = start + cfg.deadline
            try:
                resp = session.get_adapter(prep.url or current).send(
                    prep,
                    stream=True,
                    timeout=(min(cfg.connect_timeout, remaining),
                             min(cfg.read_timeout, remaining)),
                    # a CA bundle path is checked on disk per request: only for https
                    verify=self._verify if current.startswith("https:") else True,
                    proxies=proxies,
                )
            finally:
                _DEADLINE.at = None
            if not proxies:
                # the name may have resolved differently for the connection than
                # for the guard (DNS rebinding): check where we really are
                peer = _peer_address(resp)
                why = check_address(peer, cfg.allow_private) if peer else None
                if why:
                    resp.close()
                    return _Hop(result=FetchResult(
                        current, current, error="private-address",
                        error_text=f"connected to {why}"))
            if "set-cookie" in resp.headers:
                if cookies.jar is None:
                    cookies.jar = requests.cookies.RequestsCookieJar()
                requests.cookies.extract_cookies_to_jar(cookies.jar, prep, resp.raw)
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as exc:
            code, text = classify_exception(exc)
            if time.monotonic() - start >= cfg.deadline:  # the watchdog cut it short
                code, text = "timeout", f"deadline of {cfg.deadline:g}s exceeded"
            return _Hop(result=FetchResult(current, current, error=code, error_text=text))
        if resp.status_code in RETRY_STATUSES or resp.is_redirect:
            return _Hop(response=resp)
        return _Hop(result=self._read(current, resp, start, cap))

    # -- body

    def _read(self, final: str, resp: requests.Response, start: float, cap: int) -> FetchResult:
        body = bytearray()
        raw_kept = bytearray()
        truncated = False
        error = error_text = None
        keep_raw = self.config.keep_raw
        try:
            decoder = _Decoder(resp.headers.get("content-encoding", ""))
        except ValueError as exc:
            decoder = _Decoder("")
            error, error_text = "decoding-error", str(exc)
        raw = resp.raw
        # read1 returns what has arrived: a body trickling in byte by byte
        # cannot hold a read past the deadline (read(n) waits for n bytes)
        read = getattr(raw, "read1", None) or raw.read
        try:
            while True:
                chunk = read(_CHUNK, decode_content=False)
                if not chunk:
                    break
                if keep_raw:
                    raw_kept.extend(chunk)
                room = cap - len(body)
                piece = decoder.feed(chunk, room + 1)
                body.extend(piece)
                if len(body) > cap:
                    del body[cap:]
                    truncated = True
                    break
                if keep_raw and len(raw_kept) > cap:
                    truncated = True  # incompressible stream larger than the cap
                    break
                if time.monotonic() - start > self.config.deadline:
                    error, error_text = "timeout", f"deadline of {self.config.deadline:g}s exceeded"
                    break
        except zlib.error as exc:
            error, error_text = "decoding-error", f"bad {decoder.name} body: {exc}"
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError,
                OSError) as exc:
            error, error_text = classify_exception(exc)
        finally:
            resp.close()
        version = {10: "HTTP/1.0", 11: "HTTP/1.1"}.get(getattr(raw, "version", 11), "HTTP/1.1")
        raw_headers: tuple[tuple[str, str], ...] = ()
        if getattr(raw, "headers", None) is not None:
            raw_headers = tuple(raw.headers.items())
        return FetchResult(
            final,
            final,
            status_code=resp.status_code,
            headers={k.lower(): v for k, v in resp.headers.items()},
            body=bytes(body),
            elapsed=time.monotonic() - start,
            truncated=truncated,
            error=error,
            error_text=error_text,
            raw_headers=raw_headers,
            http_version=version,
            raw_body=bytes(raw_kept) if keep_raw else None,
        )


def _peer_address(resp: requests.Response) -> str | None:
    """The IP address the response came from (None when unknown, e.g. mocked)."""
    try:
        conn = getattr(resp.raw, "connection", None) or getattr(resp.raw, "_connection", None)
        sock = getattr(conn, "sock", None)
        return str(sock.getpeername()[0]) if sock is not None else None
    except (OSError, AttributeError, IndexError, TypeError):
        return None


class _Cookies:
    """Cookies of one fetch (its redirect chain), made only if a hop sets one."""

    __slots__ = ("jar",)

    def __init__(self) -> None:
        self.jar: requests.cookies.RequestsCookieJar | None = None


@dataclass
class _Hop:
    response: requests.Response | None = None  #: a redirect or retryable status, unread
    result: FetchResult | None = None  #: an error or a read response


def _with(result: FetchResult, **changes: Any) -> FetchResult:
    import dataclasses

    return dataclasses.replace(result, **changes)


def classify_exception(exc: BaseException) -> tuple[str, str]:
    """Map a requests/urllib3 exception to a stable error code and a one-line text."""
    full = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    text = _short_text(full)
    lowered = repr(exc).lower() + " " + full.lower()
    timeouts = (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, socket.timeout)
    if isinstance(exc, timeouts):
        return "timeout", text
    if isinstance(exc, (requests.exceptions.SSLError, urllib3.exceptions.SSLError)):
        return "tls-error", text
    bad = _bad_response(exc)
    if bad is not None:  # the server answered, but not in HTTP: it did not reset
        return "bad-response", bad
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return "decoding-error", text
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError,
                        urllib3.exceptions.ProtocolError, ConnectionResetError)):
        if "timed out" in lowered:
            return "timeout", text
        return "connection-reset", text
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.URLRequired,
                        requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema)):
        return "invalid-url", text
    if isinstance(exc, requests.exceptions.RequestException) and not isinstance(
        exc, requests.exceptions.ConnectionError
    ):
        return "request-error", text
    if isinstance(exc, (requests.exceptions.ConnectionError, urllib3.exceptions.HTTPError,
                        OSError)):
        if "certificate" in lowered or "ssl" in lowered:
            return "tls-error", text
        if ("name or service not known" in lowered or "nodename nor servname" in lowered
                or "failed to resolve" in lowered or "name resolution" in lowered
                or "no address associated" in lowered or "getaddrinfo" in lowered):
            return "dns-error", text
        if "timed out" in lowered:
            return "timeout", text
        if "refused" in lowered:
            return "connection-refused", text
        if "reset" in lowered or "broken pipe" in lowered or "aborted" in lowered:
            return "connection-reset", text
        if "remotedisconnected" in lowered or "without response" in lowered:
            return "connection-reset", text
        return "connection-error", text
    return "request-error", text


def _bad_response(exc: BaseException) -> str | None:
    """The text of an http.client parse failure (too many headers, a line too
    long, a garbled status line) wrapped in ``exc``, or None."""
    seen: list[BaseException] = [exc]
    for err in seen:  # breadth first through args and causes, a few levels deep
        if (isinstance(err, http.client.HTTPException)
                and not isinstance(err, (http.client.RemoteDisconnected,
                                         http.client.IncompleteRead))):
            return f"bad response: {err or type(err).__name__}"[:300]
        if len(seen) < 12:
            seen.extend(a for a in (*err.args, err.__cause__, err.__context__)
                        if isinstance(a, BaseException) and a not in seen)
    return None


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")
_CERT = re.compile(r"(certificate verify failed[^'\")]*|wrong version number|"
                   r"hostname mismatch[^'\")]*|sslv3 alert[^'\")]*)", re.IGNORECASE)
_TIMEOUT = re.compile(r"((?:read|connect(?:ion)?) timed out[^'\"]*?(?:=[\d.]+\))?)", re.IGNORECASE)
_RESOLVE = re.compile(r"(Failed to resolve '[^']+')")
_BROKEN = re.compile(r"(Connection reset by peer|Connection aborted|Remote end closed connection"
                     r"[^'\")]*|IncompleteRead\([^)]*\))")


def _short_text(text: str) -> str:
    """The useful part of urllib3's nested messages: 'Connection refused', ..."""
    for pattern in (_CERT, _RESOLVE, _TIMEOUT, _BROKEN, _ERRNO):
        m = pattern.search(text)
        if m:
            return m.group(1).strip().rstrip(".,;:")[:300]
    return text[:300]


# --------------------------------------------------------------- charsets

_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE
)
_XML_DECL = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)""")
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)
#: labels browsers read as a superset (WHATWG Encoding Standard)
_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "euc-cn": "gb18030",
    "iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252",
    "ascii": "cp1252", "iso-8859-9": "cp1254", "tis-620": "cp874", "ks_c_5601-1987": "euc-kr",
    "shift_jis": "cp932", "x-sjis": "cp932", "windows-31j": "cp932",
}


def _codec(label: str | None) -> str | None:
    """Python codec name for a charset label, or None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _SUPERSETS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def sniff_charset(body: bytes, content_type: str | None = None) -> tuple[str | None, str]:
    """The declared charset of a body and where it came from: header, bom, meta or none."""
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        codec = _codec(m.group(1)) if m else None
        if codec:
            return codec, "header"
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return name, "bom"
    head = body[:4096]
    found = _XML_DECL.match(head) or _META_CHARSET.search(head)
    codec = _codec(found.group(1).decode("ascii", "replace")) if found else None
    if codec:
        return codec, "meta"
    return None, "none"


#: the encoding undeclared Western text most likely is (what browsers assume)
_PREFERRED = "cp1252"


def detect_charset(body: bytes) -> str | None:
    """Guess the charset of undeclared bytes with charset-normalizer."""
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(body[:200_000])
    best = matches.best()
    if best is None:
        return None
    # on a tie (same chaos and coherence, e.g. cp1250 vs cp1252 for French or
    # German text) charset-normalizer's order is arbitrary: prefer the web's default
    for match in matches:
        if (match.chaos, match.coherence) == (best.chaos, best.coherence) and (
                _PREFERRED in match.could_be_from_charset):
            return _PREFERRED
    return _codec(best.encoding)


def decode_bytes(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Text of ``body`` and the codec used: declared (header, BOM, meta) or detected.

    A declaration the bytes contradict (they do not decode) falls back to
    detection. Undecodable leftovers become U+FFFD rather than an error.
    """
    declared, _where = sniff_charset(body, content_type)
    if declared:
        try:
            text = body.decode(declared)
            if declared == "utf-8" and text.startswith("\ufeff"):
                text = text[1:]
            return text, declared
        except UnicodeDecodeError:
            pass
    guessed = detect_charset(body) or declared or "utf-8"
    return body.decode(guessed, errors="replace"), guessed


def decode_body(result: FetchResult) -> tuple[str, str]:
    """Text of a fetched body and its encoding (see :func:`decode_bytes`)."""
    return decode_bytes(result.body, result.headers.get("content-type"))
