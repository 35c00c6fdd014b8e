"""Several archives asked as one: the best snapshot over all of them.

Each archive is a Wayback-style root (an :class:`ArchiveClient`) or a Memento
TimeMap endpoint (``memento:URL``, a :class:`MementoClient`), with its own
rate limit, cache key and circuit breaker. A lookup asks every archive and
keeps the snapshot the closest-snapshot rule prefers among their choices; the
snapshot names its archive (``Snapshot.archive``).

One archive down makes only its part inconclusive: a snapshot found elsewhere
is the answer; "none" is said only when every archive answered none; when
none was found and some archive could not be asked, the lookup is an error
naming that archive.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from citecheck.archive.client import (
    DEFAULT_WINDOW_DAYS,
    IA_ARCHIVE_URL,
    TIE_DAYS,
    ArchiveClient,
    _rank,
    choose_snapshot,
    url_match_key,
)
from citecheck.archive.memento import PREFIX, MementoClient
from citecheck.models import ArchiveLookup, LookupStatus, Snapshot

log = logging.getLogger(__name__)


def make_archives(
    http: Any, archives: Sequence[tuple[str, str | None]], **kwargs: Any
) -> Any:
    """The client of ``archives`` (``(root or memento:URL, CDX URL or None)`` each).

    One Wayback archive: its :class:`ArchiveClient`, as before; else a
    :class:`MultiArchive` over one client per archive.
    """
    clients: list[ArchiveClient] = []
    for root, cdx_url in archives or ((IA_ARCHIVE_URL, None),):
        if root.startswith(PREFIX):
            clients.append(MementoClient(http, root, **kwargs))
        else:
            clients.append(ArchiveClient(http, root, cdx_url, **kwargs))
    if len(clients) == 1 and not isinstance(clients[0], MementoClient):
        return clients[0]
    return MultiArchive(clients)


class MultiArchive:
    """The archive client's interface over several archives."""

    def __init__(self, clients: Sequence[ArchiveClient], tie_days: float = TIE_DAYS) -> None:
        if not clients:
            raise ValueError("no archive to ask")
        self.clients = list(clients)
        self.tie_days = tie_days
        self.last_error: str | None = None

    @property
    def archive_url(self) -> str:
        """The first archive's root (what single-archive code names)."""
        return self.clients[0].archive_url

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.clients]

    def lookup(self, url: str, cited_date: str | None = None, published: str | None = None,
               window_days: int = DEFAULT_WINDOW_DAYS) -> ArchiveLookup:
        """Every archive's answer, and the best snapshot among them (the same rule)."""
        answers = [(c, c.lookup(url, cited_date, published, window_days)) for c in self.clients]
        candidates = tuple(s for _c, a in answers for s in a.candidates)
        checked_at = min((a.checked_at for _c, a in answers if a.checked_at), default="")
        from_cache = all(a.from_cache for _c, a in answers)
        found = [a.snapshot for _c, a in answers
                 if a.status is LookupStatus.FOUND and a.snapshot is not None]
        errors = [(c.name, a.error or "archive-unavailable")
                  for c, a in answers if a.status is LookupStatus.ERROR]
        for name, error in errors:
            log.info("%s: archive %s could not be asked: %s", url, name, error)
        if found:
            # the archives' own choices, each already 2xx (or a memento): the best of them
            best = choose_snapshot(found, published, self.tie_days, unknown_ok=True)
            assert best is not None
            return ArchiveLookup(url, LookupStatus.FOUND, snapshot=best, candidates=candidates,
                                 checked_at=checked_at, from_cache=from_cache)
        if errors:
            name, error = errors[0]
            others = f"; {len(errors) - 1} other archive(s) failed too" if len(errors) > 1 else ""
            none_at = [c.name for c, a in answers if a.status is LookupStatus.NONE]
            elsewhere = f"; no snapshot at {', '.join(none_at)}" if none_at else ""
            self.last_error = f"{error} (archive {name}){others}{elsewhere}"
            return ArchiveLookup(url, LookupStatus.ERROR, candidates=candidates,
                                 error=self.last_error, checked_at=checked_at)
        return ArchiveLookup(url, LookupStatus.NONE, candidates=candidates,
                             checked_at=checked_at, from_cache=from_cache)

    def client_of(self, snapshot: Snapshot) -> ArchiveClient:
        for client in self.clients:
            if client.name == snapshot.archive:
                return client
        return self.clients[0]

    def fetch_snapshot(self, snapshot: Snapshot) -> Snapshot:
        return self.client_of(snapshot).fetch_snapshot(snapshot)

    def choosable(self, snapshot: Snapshot) -> bool:
        return self.client_of(snapshot).choosable(snapshot)

    def fetch_lookup(self, lookup: ArchiveLookup, cited_date: str | None = None,
                     published: str | None = None,
                     window_days: int = DEFAULT_WINDOW_DAYS) -> ArchiveLookup:
        """The lookup with its snapshot's bytes, as its archive serves them.

        As :meth:`ArchiveClient.fetch_lookup`, the choice made again over every
        archive's candidates; each archive whose part changed has its cached
        answer replaced.
        """
        from citecheck.archive.served import best_within, reference_periods, settle

        settled, changed = settle(lookup, self.fetch_snapshot, self.choosable, cited_date,
                                  published, window_days, self.tie_days)
        if not changed or settled.status is LookupStatus.ERROR:
            return settled
        period, _reference = reference_periods(cited_date, published)
        for client in self.clients:
            before = [s for s in lookup.candidates if s.archive == client.name]
            after = [s for s in settled.candidates if s.archive == client.name]
            if before == after:
                continue
            own = settled.snapshot
            if own is None or own.archive != client.name:
                own = best_within(after, client.choosable, period, published, window_days,
                                  self.tie_days)
            client.remember(ArchiveLookup(
                lookup.url, LookupStatus.FOUND if own is not None else LookupStatus.NONE,
                snapshot=own, candidates=tuple(after), checked_at=settled.checked_at,
            ), cited_date, published, window_days)
        return settled

    def discover(
        self, domains: Iterable[str], around: str | None = None,
        window_days: int = DEFAULT_WINDOW_DAYS, limit: int = 50,
    ) -> list[Snapshot]:
        """Pages on ``domains`` in every archive that can list them (TimeMaps cannot)."""
        domains = list(domains)
        found: list[Snapshot] = []
        errors = []
        for client in self.clients:
            found += client.discover(domains, around, window_days, limit)
            if client.last_error:
                errors.append(client.last_error)
        self.last_error = errors[0] if errors and not found else None
        best: dict[str, Snapshot] = {}
        for snap in sorted(found, key=_rank):
            best.setdefault(url_match_key(snap.url), snap)
        return sorted(best.values(), key=_rank)[:limit]
