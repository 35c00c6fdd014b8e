"""Dates as briefs write them, normalised at their written precision.

``parse_date`` recognises the forms citations use (``May 14``, ``July 5 2017``,
``June 12, 2015``, ``September 2017``, ``2017``, ``4 June 2018``, ISO dates,
two days of one month ``October 18, 28``) and returns a :class:`WrittenDate`;
``resolve`` turns it into ISO strings, inferring a missing year from the
document's publication date. python-dateutil validates the calendar.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from dataclasses import dataclass

from dateutil import parser as du_parser

from citecheck.models import DatePrecision

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6,
    "july": 7, "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_MONTH_ANY = _MONTH.replace("?P<month>", "?:")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>[12]\d{3})"
_DAY_SEP = r"(?:\s*,\s*|\s*&\s*|\s+and\s+)"

#: Month D[, D ...][,] [YYYY]  — "May 14", "June 12, 2015", "October 18, 28"
_MONTH_DAY = re.compile(
    rf"{_MONTH}\s+(?P<days>{_DAY}(?:{_DAY_SEP}{_DAY})*)(?:\s*,?\s*{_YEAR})?", re.I
)
#: D Month [YYYY] — "4 June 2018"
_DAY_MONTH = re.compile(rf"(?P<days>{_DAY})\s+{_MONTH}(?:\s*,?\s*{_YEAR})?", re.I)
#: Month [,] YYYY or Month alone — "September 2017", "September"
_MONTH_YEAR = re.compile(rf"{_MONTH}(?:\s*,?\s*{_YEAR})?", re.I)
_YEAR_ONLY = re.compile(_YEAR)
_ISO = re.compile(r"(?P<year>[12]\d{3})[-/](?P<mnum>\d{1,2})(?:[-/](?P<days>\d{1,2}))?")
_WEEKDAY = re.compile(r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+",
                      re.I)
_NO_DATE = re.compile(r"n\.\s?d\.?|undated|no date", re.I)

#: What a date-like remainder looks like even when it is not a valid date:
#: it opens with a month name, a day and a month, or is all digits and separators.
_DATEISH = re.compile(
    rf"(?:{_MONTH}(?:\s|$|\d)|\d{{1,2}}\s+{_MONTH_ANY}|[\d\s./,-]+$)", re.I
)


class DateError(ValueError):
    """A date-like text that is not a calendar date (``February 30 2017``)."""


@dataclass(frozen=True)
class WrittenDate:
    """A date as written, before any year is inferred."""

    text: str
    precision: DatePrecision | None  #: None for ``n.d.``
    year: int | None = None
    month: int | None = None
    days: tuple[int, ...] = ()

    @property
    def has_year(self) -> bool:
        return self.year is not None


@dataclass(frozen=True)
class ResolvedDate:
    iso: str | None
    precision: DatePrecision | None
    year_inferred: bool


def looks_like_date(text: str) -> bool:
    """True if ``text`` is shaped like a date, valid or not."""
    return bool(_DATEISH.match(text.strip()))


@functools.lru_cache(maxsize=4096)
def parse_date(text: str) -> WrittenDate | None:
    """The date ``text`` is, or None if it is not shaped like a date at all.

    Raises :class:`DateError` for a date-shaped text that is not a real date.
    """
    s = " ".join(text.split())
    if not s:
        return None
    weekday = _WEEKDAY.match(s)  # "Monday, May 14": the weekday adds nothing
    if weekday and weekday.end() < len(s):
        found = parse_date(s[weekday.end():])
        return dataclasses.replace(found, text=s) if found is not None else None
    if _NO_DATE.fullmatch(s):
        return WrittenDate(s, None)
    m = _MONTH_DAY.fullmatch(s) or _DAY_MONTH.fullmatch(s)
    if m:
        days = tuple(int(re.match(r"\d+", d).group()) for d in re.split(_DAY_SEP, m["days"]))  # type: ignore[union-attr]
        return _checked(s, DatePrecision.DAY, m["year"], _MONTHS[m["month"].lower()], days)
    m = _MONTH_YEAR.fullmatch(s)
    if m:
        return _checked(s, DatePrecision.MONTH, m["year"], _MONTHS[m["month"].lower()], ())
    m = _YEAR_ONLY.fullmatch(s)
    if m:
        return WrittenDate(s, DatePrecision.YEAR, int(m["year"]))
    m = _ISO.fullmatch(s)
    if m:
        days = (int(m["days"]),) if m["days"] else ()
        precision = DatePrecision.DAY if days else DatePrecision.MONTH
        return _checked(s, precision, m["year"], int(m["mnum"]), days)
    return None


def _checked(
    text: str, precision: DatePrecision, year: str | None, month: int, days: tuple[int, ...]
) -> WrittenDate:
    if not 1 <= month <= 12:
        raise DateError(f"no month {month} in {text!r}")
    # A leap year stands in when the year is not written, so that Feb 29 passes.
    probe_year = int(year) if year else 2000
    for day in days or (1,):
        try:
            dt.date(probe_year, month, day)
        except ValueError as exc:
            raise DateError(f"not a calendar date: {text!r}") from exc
    return WrittenDate(text, precision, int(year) if year else None, month, days)


def parse_iso_date(text: str) -> dt.date | None:
    """A full calendar date from ISO or written text (``2018-06-04``, ``4 June 2018``).

    Timestamps as HTML metadata writes them (``2018-06-04T09:30:00+08:00``) give
    their date as written, parsed by python-dateutil.
    """
    text = text.strip()
    if re.match(r"\d{4}-\d{2}-\d{2}[T ]\d", text):
        try:
            return du_parser.isoparse(text).date()
        except (ValueError, OverflowError):
            return None
    try:
        written = parse_date(text)
    except DateError:
        return None
    if written is None or written.precision is not DatePrecision.DAY or not written.has_year:
        return None
    if len(written.days) != 1 or written.month is None or written.year is None:
        return None
    return dt.date(written.year, written.month, written.days[0])


@functools.lru_cache(maxsize=4096)
def resolve(written: WrittenDate, published: dt.date | None) -> tuple[ResolvedDate, ...]:
    """ISO dates for ``written`` (two for ``October 18, 28``), inferring a missing year.

    A date without a year takes the latest such date on or before ``published``;
    with no publication date its ISO form stays unknown (None).
    """
    precision = written.precision
    if precision is None:
        return (ResolvedDate(None, None, False),)
    if precision is DatePrecision.YEAR:
        return (ResolvedDate(f"{written.year:04d}", precision, False),)
    month = written.month or 1
    if precision is DatePrecision.MONTH:
        if written.year is not None:
            return (ResolvedDate(f"{written.year:04d}-{month:02d}", precision, False),)
        if published is None:
            return (ResolvedDate(None, precision, False),)
        year = published.year if month <= published.month else published.year - 1
        return (ResolvedDate(f"{year:04d}-{month:02d}", precision, True),)
    out = []
    for day in written.days:
        if written.year is not None:
            out.append(ResolvedDate(f"{written.year:04d}-{month:02d}-{day:02d}", precision, False))
        elif published is None:
            out.append(ResolvedDate(None, precision, False))
        else:
            found = _latest_on_or_before(month, day, published)
            out.append(ResolvedDate(found.isoformat() if found else None, precision, True))
    return tuple(out)


def _latest_on_or_before(month: int, day: int, limit: dt.date) -> dt.date | None:
    for year in range(limit.year, limit.year - 9, -1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:  # 29 February in a common year
            continue
        if candidate <= limit:
            return candidate
    return None
