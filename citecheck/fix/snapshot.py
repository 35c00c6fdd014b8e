"""``fix --archive-now``: a fresh capture for verified sources with no recent snapshot.

For each verified citation whose source answered live and whose snapshot is
missing or older than ``max_age_days``, Save Page Now is asked (through the
``saver`` given: one call per URL, its wait bounded by the caller) and the
capture becomes the snapshot the fix links as ``data-versionurl``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from citecheck.models import Snapshot, Support, VerdictKind

from . import AuditRecord

_TS = re.compile(r"/(\d{14})(?:[a-z]{2}_)?/")


@dataclass(frozen=True)
class SaveNote:
    url: str
    ok: bool
    archive_url: str | None
    detail: str


def _age_days(timestamp: str, now: dt.datetime) -> float | None:
    try:
        when = dt.datetime.strptime(timestamp[:14], "%Y%m%d%H%M%S").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None
    return (now - when).total_seconds() / 86400


def needs_capture(record: AuditRecord, max_age_days: float, now: dt.datetime) -> bool:
    v = record.verdict
    if v.verdict is not VerdictKind.VERIFIED or v.live is None or not v.live.status.is_ok:
        return False
    if v.snapshot is None:
        return True
    age = _age_days(v.snapshot.timestamp, now)
    return age is None or age > max_age_days


def archive_now(
    records: Sequence[AuditRecord],
    saver: Callable[[str], Any],
    *,
    max_age_days: float = 30.0,
    now: dt.datetime | None = None,
) -> tuple[list[AuditRecord], list[SaveNote]]:
    """``records`` with a fresh capture as the snapshot where one was needed and made."""
    now = now or dt.datetime.now(dt.timezone.utc)
    captures: dict[str, Snapshot | None] = {}
    notes: list[SaveNote] = []
    out: list[AuditRecord] = []
    for record in records:
        if not needs_capture(record, max_age_days, now):
            out.append(record)
            continue
        live = record.verdict.live
        assert live is not None
        url = live.url
        if url not in captures:
            result = saver(url)
            archive_url = getattr(result, "archive_url", None)
            ok = bool(getattr(result, "ok", False)) and bool(archive_url)
            timestamp = getattr(result, "timestamp", None)
            if ok and not timestamp:
                m = _TS.search(archive_url or "")
                timestamp = m.group(1) if m else now.strftime("%Y%m%d%H%M%S")
            captures[url] = Snapshot(url=url, archive_url=archive_url, timestamp=timestamp,
                                     status_code=200) if ok and archive_url and timestamp \
                else None
            detail = (f"captured {archive_url}" if ok else
                      f"{getattr(result, 'status', 'error')}: "
                      f"{getattr(result, 'error', None) or 'no capture within the wait'}")
            notes.append(SaveNote(url, ok, archive_url if ok else None, detail))
        snap = captures[url]
        if snap is None:
            out.append(record)
            continue
        # a capture made now: not measured, so the support measured on an older copy goes
        verdict = dataclasses.replace(record.verdict, snapshot=snap)
        if verdict.support.copy == "snapshot":
            verdict = dataclasses.replace(verdict, support=Support())
        out.append(AuditRecord(verdict, None))
    return out, notes
