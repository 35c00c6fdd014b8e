"""Lookups in a Memento TimeMap endpoint (RFC 7089): a national web archive, an aggregator.

Given as ``--archive-url memento:URL``: the TimeMap of a cited page is
``URL`` followed by the page's URL (``memento:https://example.org/timemap/link/``
asks ``https://example.org/timemap/link/https://cited.example/page``), in
link format (RFC 7089 section 5.1, the ``application/link-format`` of RFC
6690). Each ``rel="memento"`` link (``first memento``, ``last memento``...)
with a ``datetime`` is a capture; the best is chosen with the same rule as
for CDX rows (:func:`~citecheck.archive.client.choose_snapshot`).

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
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

from citecheck.archive.client import (
    CDX_MAX_BYTES,
    DEFAULT_WINDOW_DAYS,
    ArchiveClient,
    _now_iso,
    choose_snapshot,
    url_match_key,
)
from citecheck.archive.dates import datetime_to_ts, distance_days, period_of
from citecheck.models import ArchiveLookup, LookupStatus, Snapshot

log = logging.getLogger(__name__)

PREFIX = "memento:"
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


def parse_timemap(text: str, base: str) -> tuple[str | None, list[Memento]]:
    """``(original URL, mementos)`` of a link-format TimeMap; relative URIs against ``base``."""
    original: str | None = None
    mementos = []
    for link in parse_links(text):
        uri = urljoin(base, link.uri)
        if "original" in link.rels:
            original = uri
        if "memento" not in link.rels:
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
    return original, mementos


class MementoClient(ArchiveClient):
    """One Memento TimeMap endpoint, with the archive client's limits and politeness."""

    def __init__(self, http: Any, timemap_url: str, **kwargs: Any) -> None:
        self.timemap_url = timemap_url.removeprefix(PREFIX)
        kwargs.setdefault("name", PREFIX + self.timemap_url)
        super().__init__(http, self.timemap_url, self.timemap_url, **kwargs)
        self.archive_url = self.timemap_url

    def _lookup(
        self,
        url: str,
        cited_date: str | None,
        published: str | None,
        window_days: int = DEFAULT_WINDOW_DAYS,
        follow: int = 1,
    ) -> ArchiveLookup:
        checked_at = _now_iso()
        asked = self.timemap_url + url
        result, error = self._get(asked, max_bytes=CDX_MAX_BYTES, cdx=True)
        if result is None or error is not None:
            return self._error(url, error or "archive-unavailable: no answer")
        if result.status_code == 404:  # no mementos of this page there
            return ArchiveLookup(url, LookupStatus.NONE, checked_at=checked_at)
        if result.status_code != 200:
            return self._error(url, f"bad-response: HTTP {result.status_code} from TimeMap {asked}")
        if result.truncated:
            return self._error(url, f"bad-response: TimeMap larger than {CDX_MAX_BYTES} bytes")
        try:
            text = result.body.decode("utf-8")
            original, mementos = parse_timemap(text, result.final_url or asked)
        except (UnicodeDecodeError, TimeMapError) as exc:
            return self._error(url, f"bad-response: TimeMap {asked}: {exc}")
        if original and url_match_key(original) != url_match_key(url):
            log.info("TimeMap %s is of %s, not %s", asked, original, url)
        period = period_of(cited_date) or period_of(published)
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
        if chosen is None:
            return ArchiveLookup(url, LookupStatus.NONE, candidates=tuple(snaps),
                                 checked_at=checked_at)
        return ArchiveLookup(url, LookupStatus.FOUND, snapshot=chosen, candidates=tuple(snaps),
                             checked_at=checked_at)

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
