"""The capture an archive actually serves, and the choice made again when it is another.

The snapshot of a lookup is chosen from the archive's listing (CDX rows, a
TimeMap). Its replay may serve another capture: the Internet Archive answers
an ``id_`` request for a capture it cannot replay as such with a 302 to the
nearest one it can (``X-Archive-Redirect-Reason``), which may be days or a
year away. What is recorded is then the capture served: its timestamp, its
replay URL and its distance from the cited date, recomputed here.

And the choice is made again as if the archive had listed the capture served
instead of the one asked for: the same rule (the 2xx capture closest to the
cited date within the window, near ties to the last one on or before
publication) over the candidates. If another candidate now wins, it is
replayed in turn (at most :data:`MAX_REPLAYS` replays for one lookup); if the
capture served is outside the window and nothing else is left, the archive
has no snapshot near the cited date (``NONE``), said in the log, with the
capture served among the candidates at its real distance.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timezone

from citecheck.archive.client import TIE_DAYS, choose_snapshot, url_match_key
from citecheck.archive.dates import Period, distance_days, period_of, ts_to_datetime
from citecheck.models import ArchiveLookup, LookupStatus, Snapshot

log = logging.getLogger(__name__)

MAX_REPLAYS = 3  #: replays at most for one lookup when the archive keeps serving other captures

Key = tuple[str, str, str]


def reference_periods(
    cited_date: str | None, published: str | None
) -> tuple[Period | None, Period]:
    """``(period, reference)`` of a lookup: the cited period (else the
    publication's), and what distances are measured from (that, or now)."""
    period = period_of(cited_date) or period_of(published)
    now = datetime.now(timezone.utc)
    return period, period or (now, now)


def redated(snapshot: Snapshot, reference: Period | None) -> Snapshot:
    """``snapshot`` with its distance measured again from ``reference`` (kept when None)."""
    if reference is None:
        return snapshot
    days = distance_days(ts_to_datetime(snapshot.timestamp), reference)
    return dataclasses.replace(snapshot, distance_days=days)


def key_of(snapshot: Snapshot) -> Key:
    """One capture: its archive, page (by SURT) and timestamp."""
    return (snapshot.archive or "", url_match_key(snapshot.url), snapshot.timestamp)


def settle(
    lookup: ArchiveLookup,
    fetch: Callable[[Snapshot], Snapshot],
    choosable: Callable[[Snapshot], bool],
    cited_date: str | None,
    published: str | None,
    window_days: int,
    tie_days: float = TIE_DAYS,
    replays: int = MAX_REPLAYS,
) -> tuple[ArchiveLookup, bool]:
    """The lookup with its snapshot's bytes, as the archive serves them.

    ``fetch`` replays a snapshot (``ArchiveClient.fetch_snapshot``); ``choosable``
    says whether a candidate may be chosen (its status). Returns the lookup and
    whether the archive served another capture than the one asked for (the
    lookup's candidates and choice then changed, see the module doc).
    """
    if lookup.status is not LookupStatus.FOUND or lookup.snapshot is None:
        return lookup, False
    period, reference = reference_periods(cited_date, published)
    pool = _merged(lookup.candidates, lookup.snapshot)
    read: dict[Key, Snapshot] = {}  # captures served, with their bodies
    asked = lookup.snapshot
    changed = False

    def best(among: Iterable[Snapshot]) -> Snapshot | None:
        return best_within(among, choosable, period, published, window_days, tie_days)

    for _replay in range(replays):
        got = fetch(asked)
        if got.body is None:  # could not be read: what was read before, else the failure
            fallback = best(read.values())
            kept = read[key_of(fallback)] if fallback is not None else got
            return _with(lookup, kept, pool if changed else None), changed
        if got.timestamp == asked.timestamp:  # served as listed
            return _with(lookup, got, pool if changed else None), changed
        changed = True
        if asked.distance_days is not None:
            got = redated(got, reference)
        log.info(
            "%s: the archive served its capture of %s (%s from the cited date) for the one "
            "listed at %s (%s)", asked.url, got.timestamp, _days(got), asked.timestamp,
            _days(asked),
        )
        # the capture asked for cannot be replayed as itself: the one served takes its place
        pool = [s for s in pool if key_of(s) != key_of(asked)]
        pool = _merged(pool, dataclasses.replace(got, body=None))
        read[key_of(got)] = got
        chosen = best(pool)
        if chosen is None:
            log.warning(
                "%s: no snapshot near the cited date: the archive serves its capture of %s "
                "(%s from the cited date, outside the %d-day window) for the one listed at %s",
                lookup.url, got.timestamp, _days(got), window_days, asked.timestamp,
            )
            return dataclasses.replace(
                lookup, status=LookupStatus.NONE, snapshot=None, candidates=tuple(pool)
            ), changed
        if key_of(chosen) in read:
            return _with(lookup, read[key_of(chosen)], pool), changed
        asked = chosen
    error = (f"bad-response: the archive served other captures than the {replays} asked for "
             f"of {lookup.url}")
    return dataclasses.replace(lookup, status=LookupStatus.ERROR, snapshot=None,
                               candidates=tuple(pool), error=error), changed


def best_within(
    snapshots: Iterable[Snapshot],
    choosable: Callable[[Snapshot], bool],
    period: Period | None,
    published: str | None,
    window_days: int,
    tie_days: float = TIE_DAYS,
) -> Snapshot | None:
    """The snapshot the closest-snapshot rule chooses among the choosable ones in the window."""
    ok = [s for s in snapshots if choosable(s) and _in_window(s, period, window_days)]
    return choose_snapshot(ok, published, tie_days, unknown_ok=True)


def _with(lookup: ArchiveLookup, snapshot: Snapshot, pool: list[Snapshot] | None
          ) -> ArchiveLookup:
    """``lookup`` answered by ``snapshot``, its candidates ``pool`` (None: as they were)."""
    if pool is None:
        return dataclasses.replace(lookup, snapshot=snapshot)
    return dataclasses.replace(lookup, snapshot=snapshot, candidates=tuple(pool))


def _merged(candidates: Iterable[Snapshot], snapshot: Snapshot) -> list[Snapshot]:
    """``candidates`` with ``snapshot`` in, in the place of the same capture if listed."""
    out = [s for s in candidates if key_of(s) != key_of(snapshot)]
    out.append(dataclasses.replace(snapshot, body=None) if snapshot.body is not None
               else snapshot)
    out.sort(key=lambda s: (s.distance_days or 0.0, s.timestamp))
    return out


def _in_window(snapshot: Snapshot, period: Period | None, window_days: int) -> bool:
    return period is None or snapshot.distance_days is None or (
        snapshot.distance_days <= window_days
    )


def _days(snapshot: Snapshot) -> str:
    days = snapshot.distance_days
    return "? days" if days is None else f"{days:g} days"
