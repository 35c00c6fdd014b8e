"""The one HTTP client every stage that touches the network uses.

Limits on body size, redirects and time are always on. A failure of one URL is
returned as data (:class:`FetchResult` with ``error``), never raised.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests

from citecheck import __version__

DEFAULT_USER_AGENT = (
    f"citecheck/{__version__} (+https://github.com/citecheck/citecheck; citation audit)"
)


@dataclass(frozen=True)
class HttpConfig:
    """Politeness and safety limits. Defaults are the CLI's defaults."""

    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 60.0  #: total seconds per URL, redirects and body included
    max_bytes: int = 10 * 1024 * 1024  #: decompressed body cap
    max_redirects: int = 10
    concurrency: int = 32
    per_host: int = 2
    allow_private: bool = False
    verify_tls: bool = True


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

    @property
    def content_type(self) -> str | None:
        value = self.headers.get("content-type")
        return value.split(";")[0].strip().lower() if value else None


class HttpClient:
    """A ``requests.Session`` with caps. Pass a session in to share or fake it."""

    def __init__(
        self, config: HttpConfig | None = None, session: requests.Session | None = None
    ) -> None:
        self.config = config or HttpConfig()
        self.session = session or requests.Session()
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=max(10, self.config.concurrency),
            pool_maxsize=max(10, self.config.concurrency),
            max_retries=0,
        )
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = self.config.user_agent

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
        while True:
            if urlsplit(current).scheme not in ("http", "https"):
                return FetchResult(
                    url, current, redirects=tuple(chain), elapsed=time.monotonic() - start,
                    error="unsupported-scheme", error_text=f"unsupported scheme in {current}",
                )
            remaining = cfg.deadline - (time.monotonic() - start)
            if remaining <= 0:
                return FetchResult(
                    url, current, redirects=tuple(chain), elapsed=time.monotonic() - start,
                    error="timeout", error_text=f"deadline of {cfg.deadline:g}s exceeded",
                )
            try:
                resp = self.session.get(
                    current,
                    params=params if not chain else None,
                    headers=headers,
                    stream=True,
                    allow_redirects=False,
                    timeout=(min(cfg.connect_timeout, remaining), min(cfg.read_timeout, remaining)),
                    verify=cfg.verify_tls,
                )
            except requests.exceptions.RequestException as exc:
                code, text = classify_exception(exc)
                return FetchResult(
                    url, current, redirects=tuple(chain), elapsed=time.monotonic() - start,
                    error=code, error_text=text,
                )
            if params and not chain:
                current = resp.url
            location = resp.headers.get("location")
            if follow_redirects and resp.is_redirect and location:
                resp.close()
                chain.append((current, resp.status_code))
                seen.add(current)
                nxt = urljoin(current, location)
                if nxt in seen:
                    return FetchResult(
                        url, nxt, status_code=resp.status_code, redirects=tuple(chain),
                        elapsed=time.monotonic() - start, error="redirect-loop",
                        error_text=f"redirect loop at {nxt}",
                    )
                if len(chain) > cfg.max_redirects:
                    return FetchResult(
                        url, nxt, status_code=resp.status_code, redirects=tuple(chain),
                        elapsed=time.monotonic() - start, error="too-many-redirects",
                        error_text=f"more than {cfg.max_redirects} redirects",
                    )
                current = nxt
                continue
            return self._read(url, current, resp, chain, start, cap)

    def _read(
        self,
        url: str,
        final: str,
        resp: requests.Response,
        chain: list[tuple[str, int]],
        start: float,
        cap: int,
    ) -> FetchResult:
        body = bytearray()
        truncated = False
        error = error_text = None
        try:
            for chunk in resp.iter_content(chunk_size=64 * 1024):
                body.extend(chunk)
                if len(body) > cap:
                    del body[cap:]
                    truncated = True
                    break
                if time.monotonic() - start > self.config.deadline:
                    error, error_text = "timeout", f"deadline of {self.config.deadline:g}s exceeded"
                    break
        except requests.exceptions.RequestException as exc:
            error, error_text = classify_exception(exc)
        finally:
            resp.close()
        raw = resp.raw
        version = {10: "HTTP/1.0", 11: "HTTP/1.1"}.get(getattr(raw, "version", 11), "HTTP/1.1")
        raw_headers: tuple[tuple[str, str], ...] = ()
        if getattr(raw, "headers", None) is not None:
            raw_headers = tuple(raw.headers.items())
        return FetchResult(
            url,
            final,
            status_code=resp.status_code,
            headers={k.lower(): v for k, v in resp.headers.items()},
            body=bytes(body),
            redirects=tuple(chain),
            elapsed=time.monotonic() - start,
            truncated=truncated,
            error=error,
            error_text=error_text,
            raw_headers=raw_headers,
            http_version=version,
        )


def classify_exception(exc: BaseException) -> tuple[str, str]:
    """Map a requests exception to a stable error code and a one-line text."""
    text = str(exc).splitlines()[0][:300] if str(exc) else exc.__class__.__name__
    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout)):
        return "timeout", text
    if isinstance(exc, requests.exceptions.Timeout):
        return "timeout", text
    if isinstance(exc, requests.exceptions.SSLError):
        return "tls-error", text
    if isinstance(exc, requests.exceptions.ConnectionError):
        lowered = text.lower()
        if "name or service not known" in lowered or "nodename nor servname" in lowered or (
            "failed to resolve" in lowered or "temporary failure in name resolution" in lowered
        ):
            return "dns-error", text
        if "reset" in lowered or "broken pipe" in lowered or "protocolerror" in lowered:
            return "connection-reset", text
        if "refused" in lowered:
            return "connection-refused", text
        return "connection-error", text
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return "decoding-error", text
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "connection-reset", text
    return "request-error", text
