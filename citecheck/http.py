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

import asyncio
import base64
import codecs
import concurrent.futures
import dataclasses
import email.utils
import functools
import inspect
import ipaddress
import os
import random
import re
import socket
import ssl
import threading
import time
import urllib.request
import weakref
import zlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import urlencode, urljoin, urlsplit

from citecheck import __version__

R = TypeVar("R")

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
    #: keep the undecoded bytes in FetchResult.raw_body and the headers as sent in
    #: raw_headers (what WARC records need; ``citecheck check`` writes none)
    keep_raw: bool = True

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
        return self.verdict(host, addresses)

    def cached(self, host: str) -> list[str] | None:
        """The addresses of ``host`` if known without a lookup (a literal, or fresh)."""
        host = host.strip("[]").lower()
        if _is_ip_literal(host):
            return [host]
        with self._lock:
            hit = self._cache.get(host)
        if hit and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        return None

    def verdict(self, host: str, addresses: list[str]) -> str | None:
        """The first of ``addresses`` (raises AddressRefused if any is refused)."""
        host = host.strip("[]").lower()
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
    """At most ``limit`` requests in flight per host (held per request, not per
    chain); the semaphores live on the clients' event loop."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._sems: dict[str, asyncio.Semaphore] = {}

    def get(self, host: str) -> asyncio.Semaphore:
        sem = self._sems.get(host)
        if sem is None:
            sem = self._sems[host] = asyncio.Semaphore(self.limit)
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


#: the decoder of a body sent as is (it keeps no state: one serves every response)
_IDENTITY = _Decoder("")


# ------------------------------------------------------------- event loop


class _LoopThread:
    """One event loop (uvloop when installed) in a daemon thread, shared by every
    client: the synchronous :meth:`HttpClient.fetch` hands its coroutine over and
    waits, so it can be called from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                self._loop = _new_loop()
                self._pid = os.getpid()
                ready = threading.Event()
                thread = threading.Thread(target=self._run, args=(self._loop, ready),
                                          name="citecheck-http", daemon=True)
                thread.start()
                ready.wait()
            return self._loop

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, R]) -> R:
        loop = self.loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            coro.close()
            raise RuntimeError("HttpClient.fetch called from its own event loop: await afetch")
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        try:
            return future.result()
        except BaseException:  # Ctrl-C in the waiting thread: the request stops too
            future.cancel()
            raise


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # not on every platform (Windows): the stdlib loop
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()  # type: ignore[no-any-return]


_LOOP = _LoopThread()


def run_async(coro: Coroutine[Any, Any, R]) -> R:
    """Run ``coro`` on the clients' event loop and wait for its result (for a
    runner that drives :meth:`HttpClient.afetch` itself)."""
    return _LOOP.run(coro)


def submit_async(coro: Coroutine[Any, Any, R]) -> concurrent.futures.Future[R]:
    """Start ``coro`` on the clients' event loop; its future (cancel() stops it)."""
    return asyncio.run_coroutine_threadsafe(coro, _LOOP.loop)


# ----------------------------------------------------------------- client


class HttpClient:
    """An aiohttp client with caps, on the shared event loop.

    :meth:`afetch` is the coroutine; :meth:`fetch` its synchronous,
    thread-safe twin. ``sleep`` (sync or async), ``resolve`` and ``rng`` are
    collaborators tests can swap. ``method="POST"`` with ``data`` (a form,
    sent url-encoded) is for Save Page Now: the same caps, guard and deadline,
    but a POST is asked once (never retried: it is not idempotent), so a 429
    comes back with its ``Retry-After`` for the caller to report.
    """

    def __init__(
        self,
        config: HttpConfig | None = None,
        *,
        sleep: Callable[[float], Any] | None = None,
        resolve: Resolver = system_resolve,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config or HttpConfig()
        self.sleep = sleep
        self.guard = AddressGuard(self.config.allow_private, resolve)
        self.slots = HostSlots(self.config.per_host)
        self.rng = rng or random.Random()
        #: hosts whose last page timed out on its second try too: no second tries
        self._hanging: set[str] = set()
        self._aio: Any = None  # the aiohttp.ClientSession, made on the loop
        # proxies from the environment, read once: aiohttp's trust_env reads the
        # environment and ~/.netrc again on every request (most of its CPU time)
        self._proxies = {k: v for k, v in urllib.request.getproxies().items()
                         if k in ("http", "https")}
        self._no_proxy = {"no": os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""}
        self._proxy_of: dict[tuple[str, str], str | None] = {}
        #: the CA bundle named in the environment (verifying clients only)
        self._bundle = (os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
                        or os.environ.get("SSL_CERT_FILE")) if self.config.verify_tls else None
        self._ssl: Any = None  # the bundle's context, made on the first https request
        self._timeouts: Any = None  # the aiohttp.ClientTimeout while the deadline is far
        self._base_headers = {"User-Agent": self.config.user_agent,
                              # only what _Decoder can undo: the cap counts decompressed bytes
                              "Accept-Encoding": "gzip, deflate"}

    def close(self) -> None:
        if self._aio is not None:
            aio, self._aio = self._aio, None
            _LOOP.run(aio.close())

    def fetch(
        self,
        url: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        max_bytes: int | None = None,
        follow_redirects: bool = True,
        method: str = "GET",
        data: dict[str, str] | None = None,
    ) -> FetchResult:
        """GET (or POST ``data``) ``url``, following up to ``max_redirects`` redirects by hand."""
        return _LOOP.run(self.afetch(url, params=params, headers=headers, max_bytes=max_bytes,
                                     follow_redirects=follow_redirects, method=method,
                                     data=data))

    async def afetch(
        self,
        url: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        max_bytes: int | None = None,
        follow_redirects: bool = True,
        method: str = "GET",
        data: dict[str, str] | None = None,
    ) -> FetchResult:
        """The coroutine behind :meth:`fetch` (on the loop of :func:`run_async`)."""
        cfg = self.config
        state = _State(url, time.monotonic(), method.upper(), data)
        try:
            # a backstop a little past the deadline: the body reader stops at the
            # deadline itself and keeps what it has
            return await _within(
                self._fetch(state, params, headers,
                            cfg.max_bytes if max_bytes is None else max_bytes, follow_redirects),
                cfg.deadline + _GRACE)
        except _DeadlineReached:
            return state.fail("timeout", f"deadline of {cfg.deadline:g}s exceeded",
                              state.current, attempts=max(1, state.attempts),
                              waited=state.waited)

    async def _fetch(self, state: _State, params: dict[str, str] | None,
                     headers: dict[str, str] | None, cap: int,
                     follow_redirects: bool) -> FetchResult:
        cfg = self.config
        chain = state.chain
        url = state.url
        if params:
            sep = "&" if urlsplit(url).query else ("" if url.endswith("?") else "?")
            state.current = url.split("#", 1)[0] + sep + urlencode(params)
        seen: set[str] = set()
        cookies = _Cookies()  # set by one hop, sent on the next (bot walls, sessions)
        while True:
            current = state.current
            try:
                parts = urlsplit(current)
                parts.port  # noqa: B018 - raises on a port out of range
            except ValueError as exc:  # "http://[::1": data, not a crash
                return state.fail("invalid-url", f"{exc} in {current}", current)
            if not parts.scheme:  # "junk": not a URL at all
                return state.fail("invalid-url", f"not a URL: {current}", current)
            if parts.scheme not in ("http", "https"):
                return state.fail("unsupported-scheme", f"unsupported scheme in {current}",
                                  current)
            hostname = parts.hostname  # a property that parses again on each call
            if not hostname or _BAD_HOST.search(hostname):
                return state.fail("invalid-url", f"no valid host in {current}", current)
            try:
                address = await self._check_host(hostname)
            except AddressRefused as exc:
                return state.fail("private-address", str(exc), current)
            except (socket.gaierror, UnicodeError) as exc:
                return state.fail("dns-error", f"cannot resolve {hostname}: {exc}", current)
            state.address = address
            hop = await self._attempts(state, hostname, headers, cap, cookies)
            resp, result = hop.response, hop.result
            if result is not None:  # an error, or a finished (read) response
                if hop.whole:  # read with this fetch's url, chain and counts already
                    return result
                return _with(result, url=url, redirects=tuple(chain),
                             elapsed=time.monotonic() - state.start, address=address,
                             attempts=state.attempts, waited=state.waited)
            assert resp is not None
            location = resp.headers.get("location")
            if follow_redirects and resp.status in _REDIRECTS and location:
                resp.release()
                chain.append((current, resp.status))
                seen.add(current)
                nxt = urljoin(current, location.strip())
                if nxt in seen:
                    return state.fail("redirect-loop", f"redirect loop at {nxt}", nxt,
                                      status_code=resp.status)
                if len(chain) > cfg.max_redirects:
                    return state.fail("too-many-redirects",
                                      f"more than {cfg.max_redirects} redirects", nxt,
                                      status_code=resp.status)
                if resp.status == 303 or (resp.status in (301, 302) and state.method == "POST"):
                    state.method, state.data = "GET", None  # as browsers do
                state.current = nxt
                continue
            # a redirect we were asked not to follow: its body is the answer
            return await self._read(current, resp, state.start, cap, url=url,
                                    redirects=tuple(chain), address=address)

    async def _check_host(self, host: str) -> str | None:
        """The guard's answer; a name not looked up yet is resolved off the loop."""
        hit = self.guard.cached(host)
        if hit is not None:
            return self.guard.verdict(host, hit)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.guard.check, host)

    # -- one hop, with retries

    async def _attempts(self, state: _State, host: str, headers: dict[str, str] | None,
                        cap: int, cookies: _Cookies) -> _Hop:
        """One hop, asked again while worth it; ``state`` says how many times and
        how long it paused."""
        cfg = self.config
        current = state.current
        start = state.start
        waited = 0.0
        attempt = 0
        timeouts = 0
        while True:
            attempt += 1
            state.attempts, state.waited = attempt, waited
            remaining = cfg.deadline - (time.monotonic() - start)
            if remaining <= 0:
                state.attempts = attempt - 1
                return _Hop(result=FetchResult(
                    current, current, error="timeout",
                    error_text=f"deadline of {cfg.deadline:g}s exceeded"))
            async with self.slots.get(host):
                hop = await self._once(state, headers, cap, remaining, cookies)
            outcome = hop.result
            if hop.response is not None or (outcome is not None and outcome.status_code):
                self._hanging.discard(host)  # it answers (again)
            if state.method != "GET":  # not idempotent: asked once, the answer as it came
                if hop.response is not None and hop.response.status in RETRY_STATUSES:
                    return _Hop(result=await self._read_whole(state, hop.response, cap),
                                whole=True)
                return hop
            retry_after: float | None = None
            if hop.response is not None:
                code = hop.response.status
                if code not in RETRY_STATUSES:
                    return hop
                retry_after = parse_retry_after(hop.response.headers.get("retry-after"))
            elif outcome is not None and outcome.error == "timeout":
                if timeouts == 0 and host not in self._hanging and (
                        cfg.deadline - (time.monotonic() - start) > 0.1):
                    # a slow page gets one more try, at once, within the deadline
                    timeouts += 1
                    continue
                if timeouts:  # its second try timed out too: the host hangs, its
                    self._hanging.add(host)  # other pages get one try each
                return hop
            elif outcome is not None and outcome.error not in RETRY_ERRORS:
                return hop
            # worth another try: how long to wait?
            pause = retry_after if retry_after is not None else backoff_delay(
                attempt - 1 - timeouts, cfg.backoff, cfg.backoff_max, self.rng)
            left = cfg.deadline - (time.monotonic() - start)
            give_up = (attempt - timeouts > cfg.retries or waited + pause > cfg.max_retry_wait
                       or pause >= left)
            if give_up:
                if hop.response is not None:
                    return _Hop(result=await self._read_whole(state, hop.response, cap),
                                whole=True)
                return hop
            if hop.response is not None:
                hop.response.release()
            await self._pause(pause)
            waited += pause

    async def _pause(self, seconds: float) -> None:
        if self.sleep is None:
            await asyncio.sleep(seconds)
            return
        done = self.sleep(seconds)
        if inspect.isawaitable(done):
            await done

    async def _session(self) -> Any:
        if self._aio is None:
            import aiohttp

            # aiohttp's own verifying context unless a CA bundle is named; that one
            # is made on the first https request (loading a bundle costs ~50 ms of
            # CPU, which a run of plain-http URLs need not pay)
            connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=60,
                                             ssl=bool(self.config.verify_tls),
                                             enable_cleanup_closed=True)
            self._aio = aiohttp.ClientSession(
                connector=connector, auto_decompress=False, trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(), skip_auto_headers=("User-Agent",),
                max_line_size=16 * 1024, max_field_size=16 * 1024)
            weakref.finalize(self, _close_later, self._aio)
        return self._aio

    async def _once(self, state: _State, headers: dict[str, str] | None, cap: int,
                    remaining: float, cookies: _Cookies) -> _Hop:
        aiohttp, URL = _aiohttp()
        current = state.current
        cfg = self.config
        session = await self._session()
        merged = dict(self._base_headers)
        if headers:
            merged.update(headers)
        try:
            target = URL(current)
            if target.user is not None:  # credentials in the URL: Basic auth, not the URL
                creds = f"{target.user}:{target.password or ''}".encode("latin-1", "replace")
                merged["Authorization"] = "Basic " + base64.b64encode(creds).decode("ascii")
                target = target.with_user(None)
            if cookies.jar is not None:
                jar = cookies.jar.filter_cookies(target)
                if jar:
                    merged["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in jar.items())
            proxy = self._proxy(target.scheme, target.host or "")
            extra: dict[str, Any] = {}
            if self._bundle and target.scheme == "https":
                if self._ssl is None:
                    self._ssl = ssl.create_default_context(cafile=self._bundle)
                extra["ssl"] = self._ssl
            resp = await session.request(state.method, target, data=state.data, headers=merged,
                                         allow_redirects=False, proxy=proxy,
                                         timeout=self._timeout(remaining), **extra)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as exc:
            code, text = classify_exception(exc)
            return _Hop(result=FetchResult(current, current, error=code, error_text=text))
        if proxy is None:
            # the name may have resolved differently for the connection than for
            # the guard (DNS rebinding): check where we really are
            peer = _peer_address(resp)
            why = check_address(peer, cfg.allow_private) if peer else None
            if why:
                resp.release()
                return _Hop(result=FetchResult(current, current, error="private-address",
                                               error_text=f"connected to {why}"))
        if "set-cookie" in resp.headers:
            if cookies.jar is None:
                cookies.jar = aiohttp.CookieJar(unsafe=True)
            cookies.jar.update_cookies(resp.cookies, resp.url)
        if resp.status in RETRY_STATUSES or resp.status in _REDIRECTS:
            return _Hop(response=resp)
        return _Hop(result=await self._read_whole(state, resp, cap), whole=True)

    def _timeout(self, remaining: float) -> Any:
        """The socket timeouts of one request (one object while the deadline is far)."""
        cfg = self.config
        connect, read = min(cfg.connect_timeout, remaining), min(cfg.read_timeout, remaining)
        cached = self._timeouts
        if cached is not None and cached.sock_connect == connect and cached.sock_read == read:
            return cached
        timeout = _aiohttp()[0].ClientTimeout(total=None, sock_connect=connect, sock_read=read)
        if remaining >= cfg.connect_timeout and remaining >= cfg.read_timeout:
            self._timeouts = timeout
        return timeout

    async def _read_whole(self, state: _State, resp: Any, cap: int) -> FetchResult:
        """:meth:`_read` of the last hop, with the fetch's url, chain, address and counts."""
        return await self._read(state.current, resp, state.start, cap, url=state.url,
                                redirects=tuple(state.chain), address=state.address,
                                attempts=max(1, state.attempts), waited=state.waited)

    def _proxy(self, scheme: str, host: str) -> str | None:
        """The proxy for ``scheme://host`` (``HTTP(S)_PROXY`` less ``NO_PROXY``), or None."""
        if not self._proxies:
            return None
        key = (scheme, host)
        if key not in self._proxy_of:
            proxy = self._proxies.get(scheme)
            bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
            if proxy and bypass(host, self._no_proxy):
                proxy = None
            self._proxy_of[key] = proxy
        return self._proxy_of[key]

    # -- body

    async def _read(self, final: str, resp: Any, start: float, cap: int, *,
                    url: str | None = None, redirects: tuple[tuple[str, int], ...] = (),
                    address: str | None = None, attempts: int = 1,
                    waited: float = 0.0) -> FetchResult:
        aiohttp = _aiohttp()[0]
        body = bytearray()
        raw_kept = bytearray()
        truncated = False
        error = error_text = None
        keep_raw = self.config.keep_raw
        try:
            encoding = resp.headers.get("content-encoding")
            decoder = _Decoder(encoding) if encoding else _IDENTITY
        except ValueError as exc:
            decoder = _Decoder("")
            error, error_text = "decoding-error", str(exc)
        content = resp.content
        try:
            while True:
                # readany returns what has arrived: a body trickling in byte by
                # byte cannot hold a read past the deadline
                chunk = content.read_nowait(_CHUNK)  # what has arrived, without a timer
                if not chunk and not content.at_eof():
                    left = start + self.config.deadline - time.monotonic()
                    chunk = await _within(content.readany(), left)
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
        except _DeadlineReached:
            error, error_text = "timeout", f"deadline of {self.config.deadline:g}s exceeded"
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            error, error_text = classify_exception(exc)
        finally:
            if truncated or error:
                resp.close()  # the rest is not wanted: the connection cannot be reused
            else:
                resp.release()
        version = getattr(resp, "version", None)
        return FetchResult(
            final if url is None else url,
            final,
            status_code=resp.status,
            headers={k.lower(): v for k, v in resp.headers.items()},
            body=bytes(body),
            elapsed=time.monotonic() - start,
            truncated=truncated,
            error=error,
            error_text=error_text,
            raw_headers=tuple((k.decode("latin-1"), v.decode("latin-1"))
                              for k, v in (resp.raw_headers or ())) if keep_raw else (),
            http_version=f"HTTP/{version.major}.{version.minor}" if version else "HTTP/1.1",
            raw_body=bytes(raw_kept) if keep_raw else None,
            redirects=redirects,
            address=address,
            attempts=attempts,
            waited=waited,
        )


_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_BAD_HOST = re.compile(r"[\x00-\x20\s]")  #: whitespace or a control character in a host
_GRACE = 0.1  #: seconds past the deadline before a fetch is cut whole (see afetch)


class _DeadlineReached(Exception):
    """The body reader reached the fetch's deadline (it keeps what it read)."""


async def _within(aw: Coroutine[Any, Any, R], seconds: float) -> R:
    """``await aw``, raising :class:`_DeadlineReached` after ``seconds``."""
    if seconds <= 0:
        aw.close()
        raise _DeadlineReached
    timeout = getattr(asyncio, "timeout", None)
    try:
        if timeout is None:  # Python 3.10
            return await asyncio.wait_for(aw, seconds)
        async with timeout(seconds):
            return await aw
    except asyncio.TimeoutError:
        raise _DeadlineReached from None


def _close_later(session: Any) -> None:
    """Close a dropped client's aiohttp session on the loop (no 'unclosed' warning)."""
    loop = _LOOP._loop
    if loop is None or loop.is_closed() or session.closed:
        return
    try:
        asyncio.run_coroutine_threadsafe(session.close(), loop)
    except RuntimeError:  # the loop is shutting down with the interpreter
        pass


def _peer_address(resp: Any) -> str | None:
    """The IP address the response came from (None when unknown, e.g. mocked).

    A small body may be read whole, and the connection handed back to the pool,
    before :meth:`session.get` returns: the response's protocol still knows."""
    try:
        conn = resp.connection
        transport = conn.transport if conn is not None else None
        if transport is None:
            transport = getattr(getattr(resp, "_protocol", None), "transport", None)
        peer = transport.get_extra_info("peername") if transport is not None else None
        return str(peer[0]) if peer else None
    except (OSError, AttributeError, IndexError, TypeError):
        return None


class _State:
    """Where one fetch is: updated as it goes, read when the deadline cuts it."""

    __slots__ = ("url", "start", "current", "chain", "attempts", "waited", "address",
                 "method", "data")

    def __init__(self, url: str, start: float, method: str = "GET",
                 data: dict[str, str] | None = None) -> None:
        self.method = method
        self.data = data
        self.address: str | None = None
        self.url = url
        self.start = start
        self.current = url
        self.chain: list[tuple[str, int]] = []
        self.attempts = 0
        self.waited = 0.0

    def fail(self, code: str, text: str, at: str, **extra: Any) -> FetchResult:
        return FetchResult(self.url, at, redirects=tuple(self.chain),
                           elapsed=time.monotonic() - self.start, error=code, error_text=text,
                           **extra)


class _Cookies:
    """Cookies of one fetch (its redirect chain), made only if a hop sets one."""

    __slots__ = ("jar",)

    def __init__(self) -> None:
        self.jar: Any = None


class _Hop:
    """One hop's outcome: an unread response (a redirect or a retryable status),
    or a result (an error, or a read response; ``whole`` when it already carries
    the fetch's url, chain, address and counts)."""

    __slots__ = ("response", "result", "whole")

    def __init__(self, response: Any = None, result: FetchResult | None = None,
                 whole: bool = False) -> None:
        self.response = response
        self.result = result
        self.whole = whole


@functools.lru_cache(maxsize=1)
def _aiohttp() -> tuple[Any, Any]:
    """``aiohttp`` and ``yarl.URL``, imported on the first request (not at start-up)."""
    import aiohttp
    from yarl import URL

    return aiohttp, URL


def _with(result: FetchResult, **changes: Any) -> FetchResult:
    return dataclasses.replace(result, **changes)


def classify_exception(exc: BaseException) -> tuple[str, str]:
    """Map an aiohttp exception to a stable error code and a one-line text."""
    full = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    text = _short_text(full)
    lowered = repr(exc).lower() + " " + full.lower()
    causes = _causes(exc)
    if any(isinstance(e, (asyncio.TimeoutError, socket.timeout)) for e in causes):
        return "timeout", text if str(exc) else "timed out"
    if any(isinstance(e, ssl.SSLError) or "certificate" in type(e).__name__.lower()
           or type(e).__name__ == "ClientSSLError" for e in causes):
        return "tls-error", text
    names = {type(e).__name__ for e in causes}
    if "LineTooLong" in names:
        return "bad-response", f"bad response: header line too long ({full})"[:300]
    if names & {"HttpProcessingError", "BadStatusLine", "LineTooLong", "BadHttpMessage",
                "InvalidHeader", "TransferEncodingError", "ContentLengthError"} and not (
            names & {"ClientPayloadError"}):
        return "bad-response", f"bad response: {full}"[:300]
    if "ClientResponseError" in names:
        return "bad-response", f"bad response: {full}"[:300]
    if any(isinstance(e, socket.gaierror) for e in causes) or "ClientConnectorDNSError" in names:
        return "dns-error", text
    if "InvalidURL" in names or "InvalidUrlClientError" in names or isinstance(exc, ValueError):
        return "invalid-url", text
    if any(isinstance(e, ConnectionRefusedError) for e in causes):
        return "connection-refused", text
    if names & {"ServerDisconnectedError", "ClientPayloadError"} or any(
            isinstance(e, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError))
            for e in causes):
        return "connection-reset", text
    if "timed out" in lowered:
        return "timeout", text
    if "refused" in lowered:
        return "connection-refused", text
    if "reset" in lowered or "broken pipe" in lowered or "disconnected" in lowered:
        return "connection-reset", text
    if names & {"ClientConnectionError", "ClientConnectorError", "ClientOSError"} or isinstance(
            exc, OSError):
        return "connection-error", text
    return "request-error", text


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps (causes, contexts, ``os_error``), a few levels deep."""
    seen: list[BaseException] = [exc]
    for err in seen:
        if len(seen) >= 12:
            break
        inner = [err.__cause__, err.__context__, getattr(err, "os_error", None), *err.args]
        seen.extend(e for e in inner if isinstance(e, BaseException) and e not in seen)
    return seen


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
