"""Ask the Internet Archive's Save Page Now to capture a URL.

Save Page Now 2: ``POST https://web.archive.org/save`` with ``url=...`` and
``Accept: application/json`` answers a job id; ``GET /save/status/<job>``
says ``pending``, ``success`` (with the capture's timestamp) or ``error``.
Access keys (``CITECHECK_IA_ACCESS_KEY`` / ``CITECHECK_IA_SECRET_KEY``) go in
an ``Authorization: LOW key:secret`` header; they are never logged, returned
or stored. Without keys the request is anonymous (stricter limits); the
answer is then an HTML page, read with waybackpy's knowledge of where Save
Page Now puts the capture (``Content-Location``, ``Link``) and the job id in
the page.

Requests are spaced by a rate limit shared by every thread (default one per
5 seconds: the archive allows about a dozen saves a minute) and 429 answers
report ``rate-limited`` rather than retrying for minutes.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from citecheck.http import FetchResult

from citecheck.archive.ratelimit import RateLimiter
from citecheck.urls import host_of

log = logging.getLogger(__name__)

SAVE_URL = "https://web.archive.org/save"
ARCHIVE_ROOT = "https://web.archive.org/web"
ACCESS_KEY_ENV = "CITECHECK_IA_ACCESS_KEY"
SECRET_KEY_ENV = "CITECHECK_IA_SECRET_KEY"
SAVE_RATE = 0.2  #: requests per second to the Save Page Now host
POLL_INTERVAL = 5.0

_shared_limiter = RateLimiter(SAVE_RATE)
_JOB = re.compile(r"spn2-[0-9a-f]{8,}")


@dataclass(frozen=True)
class SaveResult:
    """What Save Page Now said about one URL."""

    url: str
    ok: bool  #: the capture was requested (or made)
    status: str  #: requested | saved | pending | rate-limited | error
    job_id: str | None = None
    archive_url: str | None = None  #: replay URL once the capture exists
    timestamp: str | None = None
    status_code: int | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SaveKeys:
    """Internet Archive S3-style keys. ``repr`` never shows them."""

    access: str
    secret: str

    def __repr__(self) -> str:
        return "SaveKeys(<hidden>)"

    def header(self) -> str:
        return f"LOW {self.access}:{self.secret}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SaveKeys | None:
        env = os.environ if env is None else env
        access, secret = env.get(ACCESS_KEY_ENV, ""), env.get(SECRET_KEY_ENV, "")
        return cls(access, secret) if access and secret else None


def save_page_now(
    url: str,
    http: Any,
    *,
    keys: SaveKeys | None | bool = True,
    wait: float = 0.0,
    save_url: str = SAVE_URL,
    archive_root: str = ARCHIVE_ROOT,
    limiter: RateLimiter | None = None,
    poll_interval: float = POLL_INTERVAL,
    clock: Any = time.monotonic,
) -> SaveResult:
    """Request a capture of ``url``; with ``wait`` > 0, poll until it exists or time runs out.

    ``http`` is the :class:`~citecheck.http.HttpClient` (its user agent,
    caps and deadline are used; a loopback or private ``save_url`` the user
    configured is trusted as an archive root is). ``keys=True`` reads them
    from the environment; ``None``/``False`` saves anonymously.
    """
    from citecheck.archive.client import trust_archive_host

    http = trust_archive_host(http, save_url)
    resolved = SaveKeys.from_env() if keys is True else (keys or None)
    limiter = limiter or _shared_limiter
    headers = {"Accept": "application/json"}
    if resolved is not None:
        headers["Authorization"] = resolved.header()
    limiter.acquire(host_of(save_url))
    resp, error = _send(http, "POST", save_url.rstrip("/"), headers, data={"url": url})
    if resp is None:
        return SaveResult(url, False, "error", error=error)
    first = _read_answer(url, resp)
    if not first.ok or not first.job_id or wait <= 0:
        return first
    status_url = f"{save_url.rstrip('/')}/status/{first.job_id}"
    deadline = clock() + wait
    result = first
    while clock() < deadline:
        limiter.hold_off(host_of(save_url), poll_interval)
        limiter.acquire(host_of(save_url))
        resp, error = _send(http, "GET", status_url, headers)
        if resp is None:
            return SaveResult(url, True, "requested", job_id=first.job_id, error=error)
        result = _read_status(url, first.job_id, resp, archive_root)
        if result.status != "pending":
            return result
    return result


def _send(
    http: Any, method: str, url: str, headers: dict[str, str], data: dict[str, str] | None = None
) -> tuple[FetchResult | None, str | None]:
    """One request through the client, redirects not followed (the answer is read as it is)."""
    resp = http.fetch(url, headers=headers, follow_redirects=False, max_bytes=_MAX_ANSWER,
                      method=method, data=data)
    if resp.error and resp.status_code is None:
        return None, f"{resp.error}: {resp.error_text}"
    return resp, None


#: bytes of an answer read (its JSON or its page: a job id, a capture's place)
_MAX_ANSWER = 1_000_000


def _json(resp: FetchResult) -> dict[str, Any] | None:
    try:
        data = json.loads(resp.body[:1_000_000])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _read_answer(url: str, resp: FetchResult) -> SaveResult:
    code = resp.status_code or 0  # set: _send returns no result without one
    if code == 429:
        after = resp.headers.get("retry-after")
        detail = "rate-limited: Save Page Now refused more captures for now"
        return SaveResult(url, False, "rate-limited", status_code=code,
                          error=detail + (f" (Retry-After {after}s)" if after else ""))
    if code in (401, 403):
        return SaveResult(url, False, "error", status_code=code,
                          error=f"refused: HTTP {code} (check the access keys)")
    if code >= 400:
        return SaveResult(url, False, "error", status_code=code, error=f"http-{code}")
    data = _json(resp)
    if data is not None:
        if data.get("job_id"):
            return SaveResult(url, True, "requested", job_id=str(data["job_id"]), status_code=code)
        message = str(data.get("message") or data.get("status_ext") or "no job id")[:300]
        return SaveResult(url, False, "error", status_code=code, error=f"save-error: {message}")
    archive_url = _archive_url_from_headers(resp)
    job = _JOB.search(resp.body[:200_000].decode("utf-8", "replace"))
    if archive_url or job:
        ts = _timestamp_of(archive_url)
        return SaveResult(url, True, "saved" if archive_url else "requested",
                          job_id=job.group(0) if job else None, archive_url=archive_url,
                          timestamp=ts, status_code=code)
    return SaveResult(url, False, "error", status_code=code,
                      error="bad-response: no job id or capture in the answer")


def _read_status(url: str, job_id: str, resp: FetchResult, archive_root: str) -> SaveResult:
    data = _json(resp)
    if (resp.status_code or 0) >= 400 or data is None:
        return SaveResult(url, True, "requested", job_id=job_id, status_code=resp.status_code,
                          error=f"bad-response: status check answered HTTP {resp.status_code}")
    status = str(data.get("status", ""))
    if status == "success" and data.get("timestamp"):
        ts = str(data["timestamp"])
        original = str(data.get("original_url") or url)
        return SaveResult(url, True, "saved", job_id=job_id, timestamp=ts,
                          archive_url=f"{archive_root}/{ts}/{original}",
                          status_code=resp.status_code)
    if status == "pending":
        return SaveResult(url, True, "pending", job_id=job_id, status_code=resp.status_code)
    message = str(data.get("message") or data.get("status_ext") or status)[:300]
    return SaveResult(url, False, "error", job_id=job_id, status_code=resp.status_code,
                      error=f"save-error: {message}")


def _archive_url_from_headers(resp: FetchResult) -> str | None:
    """Where the capture is: ``Content-Location``, a ``Link`` memento, then waybackpy's rules."""
    from waybackpy.save_api import WaybackMachineSaveAPI

    location = resp.headers.get("content-location", "")
    if re.match(r"/web/\d{14}/", location):
        return "https://web.archive.org" + location
    mementos = [
        link["url"]
        for link in _header_links(resp.headers.get("link", ""))
        if "memento" in link.get("rel", "").split() and re.search(r"/web/\d{14}", link["url"])
    ]
    if mementos:
        return max(mementos, key=lambda u: _timestamp_of(u) or "")

    parser = WaybackMachineSaveAPI.__new__(WaybackMachineSaveAPI)
    # as sent: waybackpy reads str() of the headers
    parser.headers = dict(resp.raw_headers) or resp.headers  # type: ignore[assignment]
    parser.response_url = resp.final_url or ""
    try:
        return parser.archive_url_parser()
    except Exception:  # noqa: BLE001 - a third-party parser must not stop a run
        return None


def _timestamp_of(archive_url: str | None) -> str | None:
    match = re.search(r"/web/(\d{14})", archive_url or "")
    return match.group(1) if match else None


_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,=]+(?:=(?:\"[^\"]*\"|[^;,]*))?)*)")
_PARAM = re.compile(r";\s*([^;,=\s]+)\s*(?:=\s*(\"[^\"]*\"|[^;,]*))?")


def _header_links(value: str) -> list[dict[str, str]]:
    """An RFC 8288 ``Link`` header as ``{"url": ..., "rel": ..., ...}`` dicts."""
    links = []
    for match in _LINK.finditer(value):
        link = {"url": match.group(1).strip()}
        for name, val in _PARAM.findall(match.group(2)):
            link[name.lower()] = val.strip().strip('"')
        links.append(link)
    return links
