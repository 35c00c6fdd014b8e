"""One archive client for the Wayback Machine and any Wayback-compatible archive.

The Internet Archive (the default) and a local pywb, a national web archive or
any other CDX/Memento endpoint go through the same code: a CDX query, parsed
in whichever dialect the archive speaks (:mod:`citecheck.archive.cdx`), and
``ROOT/<timestamp>id_/<url>`` for the raw bytes. Every request goes through
:class:`citecheck.http.HttpClient` (timeouts, size caps), waits for the
archive host's rate limit and honours ``Retry-After``.

Politeness is set by endpoint unless ``rate_per_second`` says otherwise (see
:func:`default_rates`): the Internet Archive's CDX at one request a second,
a loopback or private archive (a local pywb) not throttled at all, any
other archive at :data:`DEFAULT_RATE`. A 429 holds back every request to the
archive host: for its ``Retry-After``, or a minute when it sends none (the
Internet Archive sends none).

What the choice of a snapshot sees: the CDX rows of the page by SURT key
(:func:`url_match_key`), one per distinct capture (the Internet Archive lists
some captures 3-5 times), every distinct capture in the tie window (a second,
paged query when the closest-first answer was cut at its limit), revisit
records given the status of the capture they repeat, at most
:data:`MAX_ROWS` rows read (logged when hit). A replay that the archive
answers with its *own* redirect to the capture it holds (the Internet
Archive's ``X-Archive-Redirect-Reason``, no ``Memento-Datetime``) is followed
and the capture actually served recorded, with its own distance from the
cited date and the choice made again (:meth:`ArchiveClient.fetch_lookup`,
:mod:`citecheck.archive.served`); an archived 301/302 (it has a
``Memento-Datetime``) is the page's own redirect.

Three outcomes per URL, never confused: a snapshot (``FOUND``), an answer that
there is none in the window (``NONE``), or no usable answer at all (``ERROR``:
down, slow, rate limited, garbage). Errors are never cached.

``ArchiveLookup.error`` starts with a stable code: ``rate-limited``,
``archive-unavailable`` (5xx, or a pywb collection that does not exist),
``bad-response`` (wrong status or garbage, or replays that keep serving other
captures than those asked for), ``too-many-pages`` (a paged TimeMap past its
page cap, none of the pages read holding a memento in the window), or the
HTTP client's network codes (``timeout``, ``connection-refused``, ...).

pywb answers an empty ``200`` on ``/COLL/cdx`` for a collection it does not
have, exactly as for a URL it never captured. So the first empty answer of an
endpoint shaped ``BASE/COLL/cdx`` (never the Internet Archive's) is checked
once per client against pywb's list of collections, ``BASE/collinfo.json``;
if the collection is not there, every lookup is an error, not "no snapshot".
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import logging
import math
import re
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Protocol, cast
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from citecheck.archive.cdx import CdxPage, CdxParseError, CdxRow, parse_cdx_page
from citecheck.archive.dates import (
    Period,
    datetime_to_ts,
    distance_days,
    middle,
    period_of,
    ts_to_datetime,
)
from citecheck.archive.ratelimit import RateLimiter
from citecheck.lazy import Deferred
from citecheck.models import ArchiveLookup, LookupStatus, Snapshot
from citecheck.urls import host_in_domains, host_of, normalize_url

if TYPE_CHECKING:
    from citecheck.http import FetchResult, HttpClient

# citecheck.http (and with it requests and urllib3) is imported where a request
# is made: a lookup answered from the cache makes none.

log = logging.getLogger(__name__)

IA_ARCHIVE_URL = "https://web.archive.org/web"
IA_CDX_URL = "https://web.archive.org/cdx/search/cdx"
DEFAULT_RATE = 3.0  #: requests per second to an archive host we know nothing about
#: The Internet Archive's CDX server (``web.archive.org/cdx/*``) allows about 60
#: requests a minute per client IP, averaged over 5 minutes (its staff, relayed by
#: the maintainers of the ``wayback`` package, edgi-govdata-archiving/wayback#137
#: and #153). Over that it answers 429, without ``Retry-After``; a client that
#: ignores the 429s for more than a minute is blocked at the firewall (no
#: connection at all) for an hour, doubled at each new offence. So: at most one
#: CDX request a second, and a minute's pause after any 429 (IA_429_PAUSE).
IA_CDX_RATE = 1.0
IA_REPLAY_RATE = DEFAULT_RATE  #: ``id_`` replays from web.archive.org/web
IA_429_PAUSE = 60.0  #: seconds every request to a host waits after a 429 without Retry-After
UNTHROTTLED = math.inf  #: a loopback or private archive: the user's own machine or network
MAX_ROWS = 5000  #: CDX rows read for one lookup, all queries together
PAGE_ROWS = 1000  #: rows asked per page of the tie-window query
REVISIT_QUERIES = 3  #: CDX queries at most to find what revisits repeat
DEFAULT_WINDOW_DAYS = 365
TIE_DAYS = 3.0  #: captures this close to the best one count as a near tie
CDX_MAX_BYTES = 5 * 1024 * 1024
LISTING_MAX_BYTES = 256 * 1024  #: pywb's collinfo.json: a few names
RETRY_STATUSES = (429, 500, 502, 503, 504)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
_REPLAY_TARGET = re.compile(r"/\d{14}[a-z]{0,2}_?/(https?://.+)$", re.IGNORECASE)
_REPLAY_AT = re.compile(r"/(\d{14})[a-z]{0,2}_?/(https?://.+)$", re.IGNORECASE)


class LookupCache(Protocol):
    """Where lookups are remembered (the pipeline adapts the store to it).

    ``key`` names the archive, the URL and how the question was asked (dates,
    window): a cached answer is reused only for the same question.
    """

    def get_lookup(self, key: str, max_age_seconds: float) -> ArchiveLookup | None: ...

    def put_lookup(self, key: str, lookup: ArchiveLookup) -> None: ...


class EvidenceSink(Protocol):
    """Where fetched bodies are kept as evidence (a :class:`WarcStore`)."""

    def write(self, result: FetchResult) -> object: ...


def derive_cdx_url(archive_url: str) -> str:
    """The CDX endpoint of a Wayback root: the Internet Archive's own, else ``ROOT/cdx``."""
    if host_of(archive_url) == "web.archive.org":
        return IA_CDX_URL
    return archive_url.rstrip("/") + "/cdx"


def is_internet_archive(url: str) -> bool:
    host = host_of(url)
    return host == "archive.org" or host.endswith(".archive.org")


def default_rates(cdx_url: str, archive_url: str | None = None) -> tuple[float, float]:
    """``(CDX, replay)`` requests per second for an archive, by endpoint.

    The Internet Archive: :data:`IA_CDX_RATE` and :data:`IA_REPLAY_RATE`; a
    loopback or private host (both endpoints): unthrottled; else
    :data:`DEFAULT_RATE`.
    """
    if is_internet_archive(cdx_url):
        return IA_CDX_RATE, IA_REPLAY_RATE
    hosts = [host_of(u) for u in (cdx_url, archive_url) if u]
    if hosts and all(_is_private_host(h) for h in hosts):
        return UNTHROTTLED, UNTHROTTLED
    return DEFAULT_RATE, DEFAULT_RATE


def collection_of(cdx_url: str) -> tuple[str, str] | None:
    """``(listing URL, collection name)`` of a pywb-shaped CDX endpoint ``BASE/COLL/cdx``.

    The listing is pywb's ``BASE/collinfo.json``. ``None`` when there is no
    collection to check: the Internet Archive, a root collection (``BASE/cdx``)
    or an endpoint of another shape.
    """
    parts = urlsplit(cdx_url)
    if host_of(cdx_url) == host_of(IA_CDX_URL):
        return None
    segments = parts.path.rstrip("/").split("/")
    if len(segments) < 3 or segments[-1] != "cdx" or not segments[-2]:
        return None
    base = "/".join(segments[:-2]) + "/"
    return urlunsplit((parts.scheme, parts.netloc, base + "collinfo.json", "", "")), unquote(
        segments[-2]
    )


def pywb_collections(body: bytes) -> set[str] | None:
    """The collection names in pywb's ``collinfo.json``; ``None`` if it is not that."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or not ({"fixed", "dynamic"} & set(data)):
        return None
    names: set[str] = set()
    for key in ("fixed", "dynamic"):
        value = data.get(key, [])
        if not isinstance(value, list):
            return None
        names.update(str(name) for name in value)
    return names


def trust_archive_host(
    http: HttpClient, archive_url: str, cdx_url: str | None = None
) -> HttpClient:
    """An HTTP client allowed to reach a loopback or private archive the user configured.

    The address guard keeps URLs *from documents* off private networks; the
    archive root and CDX endpoint come from the user's own configuration (a
    local pywb), so they need no ``--allow-private``. Link-local addresses stay
    refused. A client not made yet (:class:`~citecheck.lazy.Deferred`) stays
    so: the trusted one is made with it, at the first request to the archive.
    """
    hosts = [host_of(u) for u in (archive_url, cdx_url) if u]
    if not any(_is_private_host(h) for h in hosts):
        return http
    if isinstance(http, Deferred) and not http.is_made:
        deferred = http
        return cast("HttpClient", Deferred(lambda: _trusted(deferred.made())))
    return _trusted(http)


def _trusted(http: HttpClient) -> HttpClient:
    """``http``, or a client with its settings that may reach private addresses."""
    config = getattr(http, "config", None)
    if config is None or getattr(config, "allow_private", True):
        return http
    from citecheck.http import HttpClient

    return HttpClient(dataclasses.replace(config, allow_private=True))


def _is_private_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not ip.is_global and not ip.is_link_local


def url_match_key(url: str) -> str:
    """What makes two capture URLs "the same page" for an archive: their SURT key.

    The Internet Archive and pywb index captures by SURT (the ``surt``
    package's canonical form): no scheme, no ``www``, default port, trailing
    slash, path case and query order do not matter. Displayed URLs stay the
    original ones; only the comparison uses the key.
    """
    from surt import surt

    text = url.strip()
    try:
        return str(surt(text if "://" in text else "http://" + text))
    except (ValueError, TypeError, UnicodeError):  # an URL surt cannot read: exact text
        return normalize_url(text)


class ArchiveClient:
    """Lookups, raw replays and domain discovery against one Wayback-style archive."""

    def __init__(
        self,
        http: HttpClient,
        archive_url: str = IA_ARCHIVE_URL,
        cdx_url: str | None = None,
        rate_per_second: float | None = None,
        *,
        limiter: RateLimiter | None = None,
        cache: LookupCache | None = None,
        max_age_seconds: float = 0.0,
        evidence: EvidenceSink | None = None,
        on_evidence: Callable[[object], None] | None = None,
        retries: int = 0,
        max_retry_after: float = 60.0,
        breaker: int = 5,
        backoff: float = 1.0,
        candidate_limit: int = 50,
        tie_days: float = TIE_DAYS,
        max_rows: int = MAX_ROWS,
        page_rows: int = PAGE_ROWS,
        pause_after_429: float = IA_429_PAUSE,
        name: str | None = None,
    ) -> None:
        self.archive_url = archive_url.rstrip("/")
        self.cdx_url = cdx_url or derive_cdx_url(self.archive_url)
        self.http = trust_archive_host(http, self.archive_url, self.cdx_url)
        #: pywb collection to check at the first empty answer (None: nothing to check)
        self.collection = collection_of(self.cdx_url)
        self._collection_checked = self.collection is None
        self._collection_error: str | None = None
        self._collection_lock = threading.Lock()
        #: requests per second: (CDX, replays); one figure when given or a limiter is
        cdx_rate, replay_rate = default_rates(self.cdx_url, self.archive_url)
        if rate_per_second is not None:
            cdx_rate = replay_rate = rate_per_second
        self.rates = (cdx_rate, replay_rate)
        self.limiter = limiter or RateLimiter(replay_rate)
        #: the CDX endpoint's own spacing (None: the limiter's)
        self._cdx_interval = None if limiter is not None or cdx_rate == replay_rate else (
            1.0 / cdx_rate
        )
        self.pause_after_429 = pause_after_429
        self.max_rows = max_rows
        self.page_rows = page_rows
        #: how reports name this archive (``snapshot.archive``)
        self.name = name or self.archive_url
        self.cache = cache
        self.max_age_seconds = max_age_seconds
        self.evidence = evidence
        self.on_evidence = on_evidence
        self.retries = retries
        self.breaker = breaker
        self._failures = 0
        self._failures_lock = threading.Lock()
        self.max_retry_after = max_retry_after
        self.backoff = backoff
        self.candidate_limit = candidate_limit
        self.tie_days = tie_days
        self.last_error: str | None = None
        self._evidence_lock = threading.Lock()

    # ------------------------------------------------------------ addresses

    def replay_url(self, timestamp: str, url: str, *, raw: bool = False) -> str:
        return f"{self.archive_url}/{timestamp}{'id_' if raw else ''}/{url}"

    # ----------------------------------------------------------- requests

    def _get(
        self,
        url: str,
        params: dict[str, str] | None = None,
        *,
        max_bytes: int | None = None,
        follow_redirects: bool = True,
        cdx: bool = False,
    ) -> tuple[FetchResult | None, str | None]:
        """GET through the archive host's rate limit, honouring ``Retry-After``.

        The HTTP client already retries a few times; on top of that a
        ``Retry-After`` holds back *every* request to the archive host, ``retries``
        adds archive-level attempts, and after ``breaker`` consecutive failures
        the archive is not asked again in this run. Returns the result (None if
        not asked) and an error string (``None`` when usable).
        """
        from citecheck.http import parse_retry_after

        host = host_of(url)
        with self._failures_lock:
            if self.breaker and self._failures >= self.breaker:
                return None, (
                    f"archive-unavailable: not asked, {self._failures} consecutive failures "
                    f"of {host} in this run"
                )
        key = f"{host} cdx" if cdx and self._cdx_interval is not None else host
        attempt = 0
        while True:
            self.limiter.acquire(key, self._cdx_interval if cdx else None)
            result = self.http.fetch(
                url, params=params, max_bytes=max_bytes, follow_redirects=follow_redirects
            )
            error = self._failure(result, host)
            if error is None:
                self._count(ok=True)
                return result, None
            retry_after = parse_retry_after(result.headers.get("retry-after"))
            if retry_after is None and result.status_code == 429:
                # no Retry-After (the Internet Archive sends none): going on
                # would get the client blocked, so every request waits a while
                retry_after = min(self.pause_after_429, self.max_retry_after)
                log.warning("%s without Retry-After: no request to %s for %.0fs",
                            error, host, retry_after)
            if retry_after is not None:
                for held in {host, key}:
                    self.limiter.hold_off(held, min(retry_after, self.max_retry_after))
            too_long = retry_after is not None and retry_after > self.max_retry_after
            if attempt >= self.retries or too_long or result.status_code is None:
                self._count(ok=False)
                return result, error
            wait = retry_after if retry_after is not None else self.backoff * 2**attempt
            log.info("%s; retrying in %.1fs", error, wait)
            self.limiter.hold_off(host, wait)
            attempt += 1

    @staticmethod
    def _failure(result: FetchResult, host: str) -> str | None:
        from citecheck.http import parse_retry_after

        if result.error:
            return f"{result.error}: {result.error_text or 'request failed'}"
        status = result.status_code or 0
        if status not in RETRY_STATUSES:
            return None
        code = "rate-limited" if status == 429 else "archive-unavailable"
        detail = f"{code}: HTTP {status} from {host}"
        retry_after = parse_retry_after(result.headers.get("retry-after"))
        if retry_after is not None:
            detail += f" (Retry-After {retry_after:g}s)"
        return detail

    def _count(self, *, ok: bool) -> None:
        with self._failures_lock:
            self._failures = 0 if ok else self._failures + 1

    def _cdx(self, params: dict[str, str]) -> tuple[list[CdxRow] | None, str | None]:
        page, error = self._cdx_page(params)
        return (page.rows if page is not None else None), error

    def _cdx_page(self, params: dict[str, str]) -> tuple[CdxPage | None, str | None]:
        """One CDX query: its page of rows (with the resume key), or the error."""
        if self._collection_error is not None:  # known missing: not asked again
            return None, self._collection_error
        query = {"output": "json", "allowFuzzy": "0", **params}
        result, error = self._get(self.cdx_url, query, max_bytes=CDX_MAX_BYTES, cdx=True)
        if error or result is None:
            return None, error
        if result.status_code != 200:
            return None, f"bad-response: HTTP {result.status_code} from CDX endpoint {self.cdx_url}"
        if result.truncated:
            return None, f"bad-response: CDX answer larger than {CDX_MAX_BYTES} bytes"
        if result.content_type in ("text/html", "application/xhtml+xml"):
            # a CDX endpoint never answers a web page, even an empty one (a portal, a proxy)
            return None, f"bad-response: CDX endpoint {self.cdx_url} answered a web page"
        try:
            page = parse_cdx_page(result.body)
        except CdxParseError as exc:
            return None, f"bad-response: {exc}"
        if page.rows or page.skipped:
            self._collection_checked = True  # captures listed: the collection exists
            return page, None
        # pywb answers "nothing" alike for a URL it never captured and for a
        # collection it does not have: tell the two apart once
        problem = self.check_collection()
        return (None, problem) if problem else (page, None)

    def check_collection(self) -> str | None:
        """Why the CDX endpoint's pywb collection cannot be asked, or ``None``.

        One request to pywb's ``collinfo.json``, once per client; the answer is
        kept for the run. ``None`` also when there is nothing to check (the
        Internet Archive, another kind of server). A failure to ask is returned
        but not kept: the next empty answer checks again.
        """
        if self._collection_checked or self.collection is None:
            return self._collection_error
        with self._collection_lock:
            if self._collection_checked:  # another thread checked meanwhile
                return self._collection_error
            listing, name = self.collection
            result, error = self._get(listing, max_bytes=LISTING_MAX_BYTES)
            if result is None or error is not None:
                return f"{error} (checking that collection {name!r} exists at {listing})"
            names = (
                pywb_collections(result.body)
                if result.status_code == 200 and not result.truncated
                else None
            )
            if names is None:
                log.debug("%s is not a pywb collection list; empty answers are trusted", listing)
            elif name not in names:
                have = ", ".join(sorted(names)[:10]) + (", ..." if len(names) > 10 else "")
                self._collection_error = (
                    f"archive-unavailable: pywb collection {name!r} not found at "
                    f"{listing.removesuffix('collinfo.json')} (collections there: {have or 'none'})"
                )
            self._collection_checked = True
            return self._collection_error

    # -------------------------------------------------------------- lookup

    def lookup(
        self,
        url: str,
        cited_date: str | None = None,
        published: str | None = None,
        window_days: int = DEFAULT_WINDOW_DAYS,
    ) -> ArchiveLookup:
        """The snapshot of ``url`` the author most likely saw, near ``cited_date``.

        The captures within ``window_days`` of the cited date (of the
        publication date when the citation has none) are ranked by distance;
        status-200 captures win, and among near ties (within ``tie_days`` of the
        best) the last one on or before ``published``.
        """
        key = self.lookup_key(url, cited_date, published, window_days)
        if self._collection_error is not None:
            return self._error(url, self._collection_error)
        if self.cache is not None and self.max_age_seconds > 0:
            hit = self.cache.get_lookup(key, self.max_age_seconds)
            if hit is not None:
                # a cached "none" counts only if the collection exists (older
                # versions cached pywb's empty answers for a missing one)
                problem = self.check_collection() if hit.status is LookupStatus.NONE else None
                if problem is not None:
                    return self._error(url, problem)
                return self._named(dataclasses.replace(hit, from_cache=True))
        result = self._lookup(url, cited_date, published, window_days)
        self.remember(result, cited_date, published, window_days)
        return result

    def _named(self, lookup: ArchiveLookup) -> ArchiveLookup:
        """A cached lookup's snapshots name this archive (the cache key is this archive's)."""
        def named(snap: Snapshot) -> Snapshot:
            return snap if snap.archive else dataclasses.replace(snap, archive=self.name)

        return dataclasses.replace(
            lookup, snapshot=named(lookup.snapshot) if lookup.snapshot else None,
            candidates=tuple(named(s) for s in lookup.candidates),
        )

    def _error(self, url: str, error: str) -> ArchiveLookup:
        self.last_error = error
        return ArchiveLookup(url, LookupStatus.ERROR, error=error, checked_at=_now_iso())

    def lookup_key(
        self, url: str, cited_date: str | None, published: str | None, window_days: int
    ) -> str:
        """The cache key: archive, URL and how the question was asked."""
        return "|".join(
            (self.cdx_url, normalize_url(url), cited_date or "", published or "", str(window_days))
        )

    def _lookup(
        self,
        url: str,
        cited_date: str | None,
        published: str | None,
        window_days: int,
        follow: int = 1,
    ) -> ArchiveLookup:
        checked_at = _now_iso()
        period = period_of(cited_date) or period_of(published)
        pub_period = period_of(published)
        params = {"url": url, "limit": str(self.candidate_limit), "sort": "closest"}
        if period is not None:
            target = middle(period)
            if pub_period is not None and pub_period[1] < period[1]:
                target = min(max(target, period[0]), pub_period[1])
            window = timedelta(days=window_days)
            params["closest"] = datetime_to_ts(target)
            params["from"] = datetime_to_ts(period[0] - window)
            params["to"] = datetime_to_ts(period[1] + window)
        else:
            params["closest"] = datetime_to_ts(datetime.now(timezone.utc))
        rows, error = self._cdx(params)
        now = datetime.now(timezone.utc)
        ref = period or (now, now)  # no date known: the closest to today
        if rows is None:
            self.last_error = error
            return ArchiveLookup(url, LookupStatus.ERROR, error=error, checked_at=checked_at)
        want = url_match_key(url)
        read = len(rows)
        full = read >= self.candidate_limit  # cut at the limit: maybe one capture many times
        rows = self._distinct(
            r for r in rows
            if url_match_key(r.original) == want and self._in_window(r, period, window_days)
        )
        if full and period is not None and rows:
            more, error = self._tie_window(url, rows, ref, period, window_days, read)
            if more is None:
                self.last_error = error
                return ArchiveLookup(url, LookupStatus.ERROR, error=error, checked_at=checked_at)
            rows = self._distinct([*rows, *(r for r in more if url_match_key(r.original) == want)])
        rows, error = self._resolve_revisits(url, rows)
        if error is not None:
            self.last_error = error
            return ArchiveLookup(url, LookupStatus.ERROR, error=error, checked_at=checked_at)
        snaps = [self._snapshot(row, ref) for row in rows]
        snaps.sort(key=lambda s: (s.distance_days or 0.0, s.timestamp))
        chosen = choose_snapshot(snaps, published, self.tie_days)
        if chosen is not None:
            return ArchiveLookup(url, LookupStatus.FOUND, snapshot=chosen,
                                 candidates=tuple(snaps), checked_at=checked_at)
        redirect = next((s for s in snaps if s.status_code in REDIRECT_STATUSES), None)
        if redirect is not None and follow > 0:
            # the page was archived as a redirect: look up where it pointed, once
            moved_to, error = self._redirect_target(redirect)
            if error is not None:
                return ArchiveLookup(url, LookupStatus.ERROR, candidates=tuple(snaps),
                                     error=error, checked_at=checked_at)
            if moved_to and url_match_key(moved_to) != want:
                there = self._lookup(moved_to, cited_date, published, window_days, follow - 1)
                return dataclasses.replace(
                    there, url=url, candidates=tuple(snaps) + there.candidates,
                    checked_at=checked_at,
                )
        return ArchiveLookup(url, LookupStatus.NONE, candidates=tuple(snaps), checked_at=checked_at)

    @staticmethod
    def _distinct(rows: Iterable[CdxRow]) -> list[CdxRow]:
        """One row per capture: the Internet Archive lists some 3-5 times (same
        timestamp and digest); a row with a status wins over a ``-`` one."""
        out: dict[tuple[str, str], CdxRow] = {}
        for row in rows:
            key = (row.timestamp, row.digest or "")
            old = out.get(key)
            if old is None or (old.status is None and row.status is not None):
                out[key] = row
        return list(out.values())

    def _tie_window(
        self, url: str, rows: list[CdxRow], ref: Period, period: Period, window_days: int,
        read: int,
    ) -> tuple[list[CdxRow] | None, str | None]:
        """Every capture in the tie window around the closest usable one.

        The closest-first answer was cut at ``candidate_limit`` rows: repeated
        rows of a few captures may fill it, hiding captures a day or two away
        that the tie rule must see. So the window (the best distance plus
        ``tie_days`` on both sides of the cited period) is asked in date order,
        page after page (``showResumeKey``), up to ``max_rows`` rows in all.
        """
        usable = [r for r in rows if r.status is None or 200 <= r.status < 300]
        best = min(distance_days(ts_to_datetime(r.timestamp), ref) for r in (usable or rows))
        span = timedelta(days=min(best + self.tie_days, window_days))
        params = {
            "url": url, "from": datetime_to_ts(period[0] - span),
            "to": datetime_to_ts(period[1] + span), "showResumeKey": "true",
        }
        out: list[CdxRow] = []
        while read < self.max_rows:
            limit = min(self.page_rows, self.max_rows - read)
            page, error = self._cdx_page({**params, "limit": str(limit)})
            if page is None:
                return None, error
            out.extend(page.rows)
            read += len(page.rows) + len(page.skipped)
            if not page.resume_key or len(page.rows) + len(page.skipped) < limit:
                return out, None
            params["resumeKey"] = page.resume_key
        log.warning(
            "%s: stopped reading CDX rows at the cap of %d; captures past it were not seen",
            url, self.max_rows,
        )
        return out, None

    def _resolve_revisits(
        self, url: str, rows: list[CdxRow]
    ) -> tuple[list[CdxRow], str | None]:
        """Revisit rows (status ``-``) with the status of the capture they repeat.

        A revisit record says "same content as the capture with this digest";
        the archive replays it as that response. Its status is taken from a
        row with the same digest, listed here or found by a query per digest
        (at most :data:`REVISIT_QUERIES`). One whose original cannot be found
        keeps no status (it is listed, never chosen).
        """
        known = {r.digest: r.status for r in rows if r.digest and r.status is not None}
        pending = sorted({r.digest for r in rows if r.status is None and r.digest} - set(known))
        for digest in pending[:REVISIT_QUERIES]:
            found, error = self._cdx({"url": url, "filter": f"digest:{digest}", "limit": "20"})
            if found is None:
                return rows, error
            status = next((r.status for r in found if r.digest == digest and r.status), None)
            if status is not None:
                known[digest] = status
        out = []
        for row in rows:
            if row.status is None and row.digest in known:
                row = dataclasses.replace(row, status=known[row.digest])
            elif row.status is None:
                log.info("%s: revisit %s repeats digest %s, not found", url, row.timestamp,
                         row.digest)
            out.append(row)
        return out, None

    def _redirect_target(self, snapshot: Snapshot) -> tuple[str | None, str | None]:
        """Where an archived redirect pointed (the ``Location`` of its raw replay)."""
        raw_url = self.replay_url(snapshot.timestamp, snapshot.url, raw=True)
        result, error = self._replay(raw_url, snapshot.url)
        if result is None or error is not None:
            return None, error
        location = result.headers.get("location")
        if not location:
            return None, None
        archived = _REPLAY_TARGET.search(location)  # the archive rewrote it into a replay URL
        return (archived.group(1) if archived else urljoin(snapshot.url, location)), None

    @staticmethod
    def _in_window(row: CdxRow, period: Period | None, window_days: int) -> bool:
        if period is None:
            return True
        return distance_days(ts_to_datetime(row.timestamp), period) <= window_days

    def _snapshot(self, row: CdxRow, period: Period | None) -> Snapshot:
        return Snapshot(
            url=row.original,
            archive_url=self.replay_url(row.timestamp, row.original),
            timestamp=row.timestamp,
            status_code=row.status,
            digest=row.digest,
            mimetype=row.mimetype,
            distance_days=(
                distance_days(ts_to_datetime(row.timestamp), period) if period is not None else None
            ),
            archive=self.name,
        )

    # --------------------------------------------------------------- fetch

    def fetch_snapshot(self, snapshot: Snapshot) -> Snapshot:
        """The snapshot with its original bytes (``id_`` replay) in ``body``.

        The archive's own redirect to the capture it holds is followed and the
        capture served recorded (timestamp, replay URL); an archived redirect
        is an error here (the snapshot was chosen as a 2xx capture). A failure
        is returned in ``error`` (``body`` stays ``None``), never raised.
        """
        raw_url = self._replay_of(snapshot)
        result, error = self._replay(raw_url, snapshot.url)
        if result is not None and error is None:
            status = result.status_code or 0
            if status in REDIRECT_STATUSES:
                error = (f"bad-response: {raw_url} replays an archived redirect "
                         f"(HTTP {status} to {result.headers.get('location', '?')})")
            elif not 200 <= status < 300:
                error = f"bad-response: HTTP {result.status_code} replaying {raw_url}"
            elif result.truncated:
                error = "bad-response: snapshot larger than the size cap"
        if result is None or error is not None:
            return dataclasses.replace(snapshot, error=error, body=None)
        self._keep_evidence(result)
        changes: dict[str, object] = {"body": result.body, "error": None}
        if snapshot.status_code is None:  # a memento from a TimeMap: its replay tells
            changes["status_code"] = result.status_code
        served = served_timestamp(result)
        if served and served != snapshot.timestamp:  # the archive served a neighbour
            changes["timestamp"] = served
            changes["archive_url"] = self._replay_at(served, snapshot)
            # the listing's digest and distance were the other capture's: the distance
            # is measured again by whoever knows the cited date (fetch_lookup)
            changes["digest"] = None
            changes["distance_days"] = None
        if result.content_type:
            changes["mimetype"] = result.content_type
        return dataclasses.replace(snapshot, **changes)  # type: ignore[arg-type]

    def fetch_lookup(
        self,
        lookup: ArchiveLookup,
        cited_date: str | None = None,
        published: str | None = None,
        window_days: int = DEFAULT_WINDOW_DAYS,
    ) -> ArchiveLookup:
        """The lookup with its snapshot's bytes, as the archive serves them.

        When the replay serves another capture than the one listed (the
        Internet Archive's redirect to a neighbour), the capture served is
        recorded with its distance from the cited date and the choice made
        again over the candidates (:func:`citecheck.archive.served.settle`);
        the lookup cached is then replaced by the one settled. Failures come
        back in the snapshot's ``error``, as from :meth:`fetch_snapshot`.
        """
        from citecheck.archive.served import settle

        settled, changed = settle(lookup, self.fetch_snapshot, self.choosable, cited_date,
                                  published, window_days, self.tie_days)
        if changed:
            self.remember(settled, cited_date, published, window_days)
        return settled

    def choosable(self, snapshot: Snapshot) -> bool:
        """May the snapshot be chosen: a 2xx capture."""
        return snapshot.status_code is not None and 200 <= snapshot.status_code < 300

    def remember(
        self, lookup: ArchiveLookup, cited_date: str | None, published: str | None,
        window_days: int,
    ) -> None:
        """Cache ``lookup`` (this archive's answer) for the question it answers; not an error."""
        if self.cache is None or lookup.status is LookupStatus.ERROR:
            return
        key = self.lookup_key(lookup.url, cited_date, published, window_days)
        self.cache.put_lookup(key, lookup)

    def _replay_of(self, snapshot: Snapshot) -> str:
        """Where the snapshot's original bytes are replayed."""
        return self.replay_url(snapshot.timestamp, snapshot.url, raw=True)

    def _replay_at(self, timestamp: str, snapshot: Snapshot) -> str:
        """The replay URL of the capture of the snapshot's page at ``timestamp``."""
        return self.replay_url(timestamp, snapshot.url)

    def _replay(self, raw_url: str, page_url: str) -> tuple[FetchResult | None, str | None]:
        """GET a raw replay, following only the archive's own redirects (a few at most).

        The answer may still be a 3xx: the capture is an archived redirect.
        """
        for _hop in range(4):
            result, error = self._get(raw_url, follow_redirects=False)
            if result is None or error is not None:
                return result, error
            nxt = archive_hop(result, raw_url, page_url)
            if nxt is None:
                return result, None
            log.debug("%s: the archive redirects to the capture it holds, %s", raw_url, nxt)
            raw_url = nxt
        return None, f"bad-response: the archive kept redirecting replays of {page_url}"

    def _keep_evidence(self, result: FetchResult) -> None:
        if self.evidence is None:
            return
        record = self.evidence.write(result)
        if self.on_evidence is not None:
            with self._evidence_lock:
                self.on_evidence(record)

    # ------------------------------------------------------------ discover

    def discover(
        self,
        domains: Iterable[str],
        around: str | None = None,
        window_days: int = DEFAULT_WINDOW_DAYS,
        limit: int = 50,
    ) -> list[Snapshot]:
        """HTML pages captured with status 200 on ``domains`` (subdomains count) near ``around``.

        One capture per page (the closest to ``around``), closest first. When
        the archive cannot be asked, returns what it has and sets ``last_error``.
        """
        domains = [d.strip().lower().lstrip(".") for d in domains if d and d.strip()]
        period = period_of(around)
        best: dict[str, Snapshot] = {}
        self.last_error = None
        for domain in domains:
            params = {"url": domain, "matchType": "domain", "limit": str(max(limit * 20, 200))}
            if period is not None:
                window = timedelta(days=window_days)
                params["from"] = datetime_to_ts(period[0] - window)
                params["to"] = datetime_to_ts(period[1] + window)
            rows, error = self._cdx(params)
            if rows is None:
                self.last_error = error
                log.warning("archive discovery for %s failed: %s", domain, error)
                continue
            for row in rows:
                if row.status != 200 or "html" not in (row.mimetype or ""):
                    continue
                if not host_in_domains(host_of(row.original), domains):
                    continue
                if not self._in_window(row, period, window_days):
                    continue
                snap = self._snapshot(row, period)
                key = url_match_key(row.original)
                old = best.get(key)
                if old is None or _rank(snap) < _rank(old):
                    best[key] = snap
        return sorted(best.values(), key=_rank)[:limit]


def archive_hop(result: FetchResult, asked: str, page_url: str) -> str | None:
    """The next replay URL when a 3xx is the archive's own redirect, else ``None``.

    The Internet Archive answers an ``id_`` request for a timestamp it does
    not hold exactly with a 302 to the capture it has (``X-Archive-Redirect-Reason:
    found capture at ...``) and no ``Memento-Datetime``. An archived 301/302
    carries the ``Memento-Datetime`` of its capture: the page's own redirect,
    not followed here. Without either header, a redirect to a replay of the
    same page (by SURT) at another timestamp is the archive's own.
    """
    if result.status_code not in REDIRECT_STATUSES:
        return None
    location = result.headers.get("location")
    if not location:
        return None
    target = urljoin(result.final_url or asked, location)
    if "x-archive-redirect-reason" in result.headers:
        return target
    if "memento-datetime" in result.headers:
        return None
    here, there = _REPLAY_AT.search(asked), _REPLAY_AT.search(target)
    if not (here and there) or here.group(1) == there.group(1):
        return None
    return target if url_match_key(there.group(2)) == url_match_key(page_url) else None


def served_timestamp(result: FetchResult) -> str | None:
    """The 14-digit timestamp of the capture a replay served.

    Its ``Memento-Datetime`` when the archive sends one (and it is not in the
    future), else the timestamp in the final replay URL.
    """
    header = result.headers.get("memento-datetime")
    if header:
        try:
            moment = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            log.debug("unreadable Memento-Datetime %r", header)
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            if moment <= datetime.now(timezone.utc) + timedelta(days=1):
                return datetime_to_ts(moment)
            # no capture is from the future: pywb answers a record it cannot
            # read (a damaged WARC) with an empty 200 dated 31 Dec 2999
            log.debug("Memento-Datetime %r is in the future: not a capture's date", header)
    moved = _REPLAY_AT.search(result.final_url or "")
    return moved.group(1) if moved else None


def _rank(snap: Snapshot) -> tuple[float, str]:
    return (snap.distance_days or 0.0, snap.timestamp)


def choose_snapshot(
    snapshots: list[Snapshot], published: str | None, tie_days: float = TIE_DAYS,
    *, unknown_ok: bool = False,
) -> Snapshot | None:
    """The 2xx snapshot to use: the closest, or among near ties the last before publication.

    ``unknown_ok``: a snapshot of unknown status counts too (a TimeMap's
    mementos; their replay tells).
    """
    ok = [
        s for s in snapshots
        if (s.status_code is None and unknown_ok)
        or (s.status_code is not None and 200 <= s.status_code < 300)
    ]
    if not ok:
        return None
    best = min(s.distance_days or 0.0 for s in ok)
    near = [s for s in ok if (s.distance_days or 0.0) <= best + tie_days]
    pub = period_of(published)
    if pub is not None:
        seen = [s for s in near if ts_to_datetime(s.timestamp) <= pub[1]]
        if seen:
            return max(seen, key=lambda s: s.timestamp)
    return min(near, key=_rank)


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
