"""Wayback timestamps and cited dates at day, month or year precision."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta, timezone

TS_FORMAT = "%Y%m%d%H%M%S"

#: A closed interval of time: what a cited date (at its precision) covers.
Period = tuple[datetime, datetime]


def ts_to_datetime(timestamp: str) -> datetime:
    """``20180514093000`` -> an aware UTC datetime (short timestamps are padded)."""
    return datetime.strptime(timestamp.ljust(14, "0")[:14], TS_FORMAT).replace(tzinfo=timezone.utc)


def datetime_to_ts(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(TS_FORMAT)


def period_of(date: str | None) -> Period | None:
    """What an ISO date at its precision covers: ``2018-05`` is all of May 2018.

    ``None`` or an unparsable date gives ``None``.
    """
    if not date:
        return None
    parts = date.strip()[:10].split("-")
    try:
        year = int(parts[0])
        if len(parts) == 1:
            start = datetime(year, 1, 1, tzinfo=timezone.utc)
            end = datetime(year, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
        elif len(parts) == 2:
            month = int(parts[1])
            last = calendar.monthrange(year, month)[1]
            start = datetime(year, month, 1, tzinfo=timezone.utc)
            end = datetime(year, month, last, 23, 59, 59, tzinfo=timezone.utc)
        else:
            start = datetime(year, int(parts[1]), int(parts[2]), tzinfo=timezone.utc)
            end = start + timedelta(days=1, seconds=-1)
    except (ValueError, IndexError):
        return None
    return start, end


def distance_days(moment: datetime, period: Period) -> float:
    """Days between ``moment`` and ``period`` (0 inside it), rounded to 0.01."""
    start, end = period
    if moment < start:
        delta = start - moment
    elif moment > end:
        delta = moment - end
    else:
        return 0.0
    return round(delta.total_seconds() / 86400, 2)


def middle(period: Period) -> datetime:
    start, end = period
    return start + (end + timedelta(seconds=1) - start) / 2
