"""Lookups in a Memento TimeMap endpoint (RFC 7089): a national web archive, an aggregator.

Given as ``--archive-url memento:URL``: the TimeMap of a cited page is
``URL`` followed by the page's URL (``memento:https://example.org/timemap/link/``
asks ``https://example.org/timemap/link/https://cited.example/page``), in
link format (RFC 7089 section 5.1, the ``application/link-format`` of RFC
6690). Each ``rel="memento"`` link (``first memento``, ``last memento``...)
with a ``datetime`` is a capture; the best is chosen with the same rule as
for CDX rows (:func:`~citecheck.archive.client.choose_snapshot`).

A paged TimeMap (the Memento aggregator's, pywb's and others' for pages
with many captures) links its other pages with ``rel="next"`` and
``rel="prev"``: they are read too, each once (a loop guard), through the same
rate limit, skipping pages whose ``from``/``until`` lie wholly outside the
window, up to :data:`MAX_PAGES` pages (logged when hit); the nearest memento
over all pages read wins. A page that cannot be read, or the cap, leaves the
lookup an error rather than "none" when no memento was found on the others.

A 404 TimeMap means the endpoint holds no mementos of the page (how
aggregators answer), not an error. A TimeMap says nothing of a memento's
HTTP status: the chosen one is replayed (``id_`` form when its URI is
Wayback-shaped) and a replay that is not a 2xx is an error there, never a
silent success.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urldefrag, urljoin

from citecheck.archive.client import (
    CDX_MAX_BYTES,
    DEFAULT_WINDOW_DAYS,
    ArchiveClient,
    _now_iso,
    choose_snapshot,
    url_match_key,
)
from citecheck.archive.dates import Period, datetime_to_ts, distance_days, period_of
from citecheck.models import ArchiveLookup, LookupStatus, Snapshot

log = logging.getLogger(__name__)

PREFIX = "memento:"
MAX_PAGES = 20  #: TimeMap pages read for one lookup: the first and those it links to
_WAYBACK_SHAPED = re.compile(r"^(.*/)(\d{14})(?:[a-z]{2}_)?/(https?://.+)$", re.IGNORECASE)
#: one link of a link-format document: <URI> then ;-separated parameters
_LINK = re.compile(r'\s*<([^>]*)>((?:\s*;\s*[^;,"]+(?:=(?:"[^"]*"|[^;,"]*))?)*)\s*(?:,|$)')
_PARAM = re.compile(r'\s*;\s*([^;=,"\s]+)\s*(?:=\s*(?:"([^"]*)"|([^;,"]*)))?')


class TimeMapError(ValueError):
    """The TimeMap endpoint answered something that is not a link-format TimeMap."""


@dataclass(frozen=True)
class Link:
    uri: str
    params: dict[str, str]

    @property
    def rels(self) -> set[str]:
        return set(self.params.get("rel", "").lower().split())


def parse_links(text: str) -> list[Link]:
    """The links of a link-format document (RFC 6690 / RFC 8288 ``Link`` syntax)."""
    links: list[Link] = []
    pos = 0
    text = text.strip().lstrip("\ufeff")
    while pos < len(text):
        match = _LINK.match(text, pos)
        if match is None or match.end() == pos:
            raise TimeMapError(f"not link format near {text[pos:pos + 60]!r}")
        params = {
            m.group(1).lower(): m.group(2) if m.group(2) is not None else (m.group(3) or "").strip()
            for m in _PARAM.finditer(match.group(2))
        }
        links.append(Link(match.group(1).strip(), params))
        pos = match.end()
    return links


@dataclass(frozen=True)
class Memento:
    uri: str  #: where the archive replays it
    timestamp: str  #: 14 digits, UTC


@dataclass(frozen=True)
class TimeMapPage:
    """One page of a TimeMap: the page's original URL, mementos and links to other pages."""

    original: str | None
    mementos: list[Memento]
    #: ``rel="next"`` / ``rel="prev"`` links to other pages of the TimeMap (absolute URIs)
    pages: list[Link]


def parse_timemap(text: str, base: str) -> tuple[str | None, list[Memento]]:
    """``(original URL, mementos)`` of a link-format TimeMap; relative URIs against ``base``."""
    page = parse_timemap_page(text, base)
    return page.original, page.mementos


def parse_timemap_page(text: str, base: str) -> TimeMapPage:
    """A link-format TimeMap page; relative URIs against ``base``.

    A paged TimeMap links its other pages with ``rel="next"`` and ``rel="prev"``
    (``previous`` too), each maybe with the ``from``/``until`` datetimes it
    covers; a memento's own ``prev memento``/``next memento`` is not a page.
    """
    original: str | None = None
    mementos = []
    pages = []
    for link in parse_links(text):
        uri = urljoin(base, link.uri)
        if "original" in link.rels:
            original = uri
        if "memento" not in link.rels:
            if link.rels & {"next", "prev", "previous"}:
                pages.append(Link(urldefrag(uri).url, link.params))
            continue
        when = link.params.get("datetime")
        try:
            moment = parsedate_to_datetime(when) if when else None
        except (TypeError, ValueError):
            moment = None
        if moment is None:
            log.info("TimeMap %s: memento %s has no readable datetime %r", base, uri, when)
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        mementos.append(Memento(uri, datetime_to_ts(moment)))
    return TimeMapPage(original, mementos, pages)


class MementoClient(ArchiveClient):
    """One Memento TimeMap endpoint, with the archive client's limits and politeness."""

    def __init__(self, http: Any, timemap_url: str, *, max_pages: int = MAX_PAGES,
                 **kwargs: Any) -> None:
        self.timemap_url = timemap_url.removeprefix(PREFIX)
        kwargs.setdefault("name", PREFIX + self.timemap_url)
        super().__init__(http, self.timemap_url, self.timemap_url, **kwargs)
        self.archive_url = self.timemap_url
        self.max_pages = max_pages  #: TimeMap pages read for one lookup

    def _lookup(
        self,
        url: str,
        cited_date: str | None,
        published: str | None,
        window_days: int = DEFAULT_WINDOW_DAYS,
        follow: int = 1,
    ) -> ArchiveLookup:
        checked_at = _now_iso()
        period = period_of(cited_date) or period_of(published)
        read, error = self._read_timemap(url, period, window_days)
        if error is not None:
            return self._error(url, error)
        if read is None:  # a 404 TimeMap: no mementos of this page there
            return ArchiveLookup(url, LookupStatus.NONE, checked_at=checked_at)
        original, mementos, missed = read
        now = datetime.now(timezone.utc)
        ref = period or (now, now)
        snaps = []
        for memento in mementos:
            moment = datetime.strptime(memento.timestamp, "%Y%m%d%H%M%S").replace(
                tzinfo=timezone.utc)
            days = distance_days(moment, ref)
            if period is not None and days > window_days:
                continue
            snaps.append(Snapshot(
                url=original or url, archive_url=memento.uri, timestamp=memento.timestamp,
                distance_days=days if period is not None else None, archive=self.name,
            ))
        snaps.sort(key=lambda s: (s.distance_days or 0.0, s.timestamp))
        # a TimeMap gives no status: a memento is a capture until its replay says otherwise
        chosen = choose_snapshot(snaps, published, self.tie_days, unknown_ok=True)
        if chosen is None and missed is not None:  # unread pages may hold one: not "none"
            return self._error(url, f"{missed}; no memento in the window on the pages read")
        if chosen is None:
            return ArchiveLookup(url, LookupStatus.NONE, candidates=tuple(snaps),
                                 checked_at=checked_at)
        return ArchiveLookup(url, LookupStatus.FOUND, snapshot=chosen, candidates=tuple(snaps),
                             checked_at=checked_at)

    def _read_timemap(
        self, url: str, period: Period | None, window_days: int
    ) -> tuple[tuple[str | None, list[Memento], str | None] | None, str | None]:
        """``((original, mementos, missed), None)`` over the TimeMap's pages, or ``(None, error)``.

        The first page is ``timemap_url + url``; its ``rel="next"`` and
        ``rel="prev"`` links are followed, page after page, each page once
        (a page linking back to one read is not asked again), those whose
        ``from``/``until`` lie wholly outside the window not at all, up to
        :attr:`max_pages` pages (logged when hit). ``missed`` says why some
        page was not read (the cap, a page failing), ``None`` when all were.
        ``(None, None)``: the first page is a 404, no mementos there.
        """
        first = self.timemap_url + url
        queue, seen = [first], {first}
        original: str | None = None
        mementos: dict[str, Memento] = {}
        missed: str | None = None
        pages = 0
        while queue:
            if pages >= self.max_pages:
                missed = (f"too-many-pages: stopped at the cap of {self.max_pages} TimeMap "
                          f"pages of {url}")
                log.warning("%s: stopped reading TimeMap pages at the cap of %d; mementos on "
                            "the %d page(s) past it were not seen", url, self.max_pages,
                            len(queue))
                break
            asked = queue.pop(0)
            pages += 1
            page, error = self._timemap_page(asked)
            if page is None:
                if asked == first:
                    return None, error
                missed = error or f"bad-response: HTTP 404 from TimeMap page {asked}"
                log.warning("%s: TimeMap page %s could not be read: %s", url, asked, missed)
                continue
            if page.original and url_match_key(page.original) != url_match_key(url):
                log.info("TimeMap %s is of %s, not %s", asked, page.original, url)
            original = original or page.original
            for memento in page.mementos:
                mementos.setdefault(memento.uri, memento)
            for link in page.pages:
                if link.uri in seen:  # the loop guard: every page is read once
                    log.debug("TimeMap page %s links to %s, already asked", asked, link.uri)
                    continue
                seen.add(link.uri)
                if not _may_hold(link, period, window_days):
                    log.debug("TimeMap page %s (%s to %s) is outside the window: not read",
                              link.uri, link.params.get("from"), link.params.get("until"))
                    continue
                queue.append(link.uri)
        return (original, list(mementos.values()), missed), None

    def _timemap_page(self, asked: str) -> tuple[TimeMapPage | None, str | None]:
        """One TimeMap page, through the archive's rate limit; ``(None, None)`` for a 404."""
        result, error = self._get(asked, max_bytes=CDX_MAX_BYTES, cdx=True)
        if result is None or error is not None:
            return None, error or "archive-unavailable: no answer"
        if result.status_code == 404:
            return None, None
        if result.status_code != 200:
            return None, f"bad-response: HTTP {result.status_code} from TimeMap {asked}"
        if result.truncated:
            return None, f"bad-response: TimeMap larger than {CDX_MAX_BYTES} bytes"
        try:
            text = result.body.decode("utf-8")
            return parse_timemap_page(text, result.final_url or asked), None
        except (UnicodeDecodeError, TimeMapError) as exc:
            return None, f"bad-response: TimeMap {asked}: {exc}"

    def choosable(self, snapshot: Snapshot) -> bool:
        """A memento may be chosen unless its replay said it is not a 2xx."""
        return snapshot.status_code is None or super().choosable(snapshot)

    def _replay_of(self, snapshot: Snapshot) -> str:
        return raw_memento_url(snapshot.archive_url)

    def _replay_at(self, timestamp: str, snapshot: Snapshot) -> str:
        shaped = _WAYBACK_SHAPED.match(snapshot.archive_url)
        if not shaped:
            return snapshot.archive_url
        return f"{shaped.group(1)}{timestamp}/{shaped.group(3)}"

    def discover(self, *args: Any, **kwargs: Any) -> list[Snapshot]:
        """A TimeMap endpoint cannot list a domain's pages: nothing to discover."""
        self.last_error = None
        return []


def raw_memento_url(uri: str) -> str:
    """A memento's original bytes: the ``id_`` form of a Wayback-shaped URI, else itself."""
    shaped = _WAYBACK_SHAPED.match(uri)
    if not shaped:
        return uri
    return f"{shaped.group(1)}{shaped.group(2)}id_/{shaped.group(3)}"


def _may_hold(link: Link, period: Period | None, window_days: int) -> bool:
    """May the TimeMap page ``link`` points to hold mementos in the window?

    Only a page's own ``from``/``until`` say it does not; without them it may.
    """
    if period is None:
        return True
    window = timedelta(days=window_days)
    begins, ends = _link_time(link, "from"), _link_time(link, "until")
    if begins is not None and begins > period[1] + window:
        return False
    return not (ends is not None and ends < period[0] - window)


def _link_time(link: Link, name: str) -> datetime | None:
    value = link.params.get(name)
    try:
        moment = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment
