"""The snapshot the author chose (Robust Links ``data-versionurl``), checked first.

A citation whose link names its own snapshot is verified against that
capture when the archive can replay it; only when it cannot (the replay
fails, or the URL is no replay URL) does the audit fall back to the archive's
nearest capture, asked as for any other citation.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timezone
from typing import Any

from citecheck.archive.dates import distance_days, period_of, ts_to_datetime
from citecheck.models import ArchiveLookup, Citation, LookupStatus, Snapshot

#: a replay URL: ROOT/<14-digit timestamp>[modifier_]/<original URL>
_REPLAY = re.compile(r"/(\d{14})(?:[a-z]{2}_)?/(https?://.+)$", re.IGNORECASE)


def author_snapshot(citation: Citation) -> Snapshot | None:
    """The snapshot ``citation.version_url`` names, or None if it names none we can replay."""
    if not citation.version_url:
        return None
    m = _REPLAY.search(citation.version_url)
    if m is None:
        return None
    timestamp, original = m.groups()
    period = period_of(citation.date)
    return Snapshot(
        url=original,
        archive_url=citation.version_url,
        timestamp=timestamp,
        distance_days=distance_days(ts_to_datetime(timestamp), period) if period else None,
    )


def author_lookup(citation: Citation, archive: Any, store: Any = None) -> ArchiveLookup | None:
    """The author's snapshot as an archive answer, its body fetched; None to fall back.

    ``archive`` has ``fetch_snapshot`` (the archive client); ``store``, if
    given, caches the body by replay URL (``get_snapshot_body`` /
    ``put_snapshot_body``) as for the archive's own choices.
    """
    asked = author_snapshot(citation)
    if asked is None:
        return None
    snap = asked
    body = store.get_snapshot_body(snap.archive_url) if store is not None else None
    if body is not None:
        snap = dataclasses.replace(snap, body=body)
    else:
        snap = archive.fetch_snapshot(snap)  # a failure comes back in .error
        if snap.body is None:
            return None
        period = period_of(citation.date)
        if snap.timestamp != asked.timestamp and period is not None:
            # the archive served another capture (its redirect to a neighbour): its distance
            when = ts_to_datetime(snap.timestamp)
            snap = dataclasses.replace(snap, distance_days=distance_days(when, period))
        if store is not None:
            store.put_snapshot_body(snap)
    checked = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ArchiveLookup(url=citation.url or snap.url, status=LookupStatus.FOUND, snapshot=snap,
                         candidates=(snap,), checked_at=checked)
