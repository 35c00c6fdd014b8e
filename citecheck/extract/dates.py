"""Dates as briefs write them, normalised at their written precision.

``parse_date`` recognises the forms citations use (``May 14``, ``July 5 2017``,
``June 12, 2015``, ``September 2017``, ``2017``, ``4 June 2018``, ISO dates,
two days of one month ``October 18, 28``) and ranges (``May 14–15``,
``May 14-15 2018``, ``May 30–June 2``, ``14–15 May``, ``May–June 2018``,
``2016–2017``, ``2016–17``), fiscal and academic years (``2018/19``,
``FY2018``), and returns a :class:`WrittenDate`; ``resolve`` turns it into
ISO strings (a range: its start, and its end beside it), inferring a missing
year from the document's publication date. The month names are the one table
below; ``datetime.date`` checks the calendar, python-dateutil reads timestamps.
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

#: Ranges: a hyphen, en or em dash between the start and the end.
_DASHES = "-–—"
_DASH = rf"\s*[{_DASHES}]\s*"


def _named(pattern: str, name: str) -> str:
    return pattern.replace("?P<month>", f"?P<{name}>").replace("?P<year>", f"?P<{name}>")


_M1, _M2 = _named(_MONTH, "m1"), _named(_MONTH, "m2")
_Y1, _Y2 = _named(_YEAR, "y1"), _named(_YEAR, "y2")
_OPT_Y1, _OPT_Y2 = rf"(?:\s*,?\s*{_Y1})?", rf"(?:\s*,?\s*{_Y2})?"
#: (form, precision); a year written once after a range within one month
#: (``May 14–15, 2018``) is ``y2`` and holds for both ends.
_RANGES = (
    # May 14–15[, 2018]
    (re.compile(rf"{_M1}\s+(?P<d1>{_DAY}){_DASH}(?P<d2>{_DAY}){_OPT_Y2}", re.I),
     DatePrecision.DAY),
    # 14–15 May [2018]
    (re.compile(rf"(?P<d1>{_DAY}){_DASH}(?P<d2>{_DAY})\s+{_M1}{_OPT_Y2}", re.I),
     DatePrecision.DAY),
    # May 30[, 2017]–June 2[, 2018]
    (re.compile(rf"{_M1}\s+(?P<d1>{_DAY}){_OPT_Y1}{_DASH}{_M2}\s+(?P<d2>{_DAY}){_OPT_Y2}",
                re.I), DatePrecision.DAY),
    # 30 May [2017]–2 June [2018]
    (re.compile(rf"(?P<d1>{_DAY})\s+{_M1}{_OPT_Y1}{_DASH}(?P<d2>{_DAY})\s+{_M2}{_OPT_Y2}",
                re.I), DatePrecision.DAY),
    # May [2017]–June [2018]
    (re.compile(rf"{_M1}{_OPT_Y1}{_DASH}{_M2}{_OPT_Y2}", re.I), DatePrecision.MONTH),
    # 2016–2017
    (re.compile(rf"{_Y1}{_DASH}{_Y2}"), DatePrecision.YEAR),
)
#: 2016–17: the end year in two digits (with a hyphen, 01-12 is an ISO month: 2016-05)
_SHORT_YEARS = re.compile(rf"{_Y1}\s*(?P<dash>[{_DASHES}])\s*(?P<yy>\d\d)")
#: fiscal and academic years: 2018/19, 2018/2019, FY2018, FY 2018/19, FY2018-19
_SLASH_YEARS = re.compile(rf"{_Y1}\s*/\s*(?P<yy>\d\d(?:\d\d)?)")
_FISCAL = re.compile(r"(?:FY|fiscal(?:\s+year)?|financial\s+year)\s*(?P<rest>\d.*)", re.I)

#: What a date-like remainder looks like even when it is not a valid date:
#: it opens with a month name, a day and a month, or is all digits and separators.
_DATEISH = re.compile(
    rf"(?:{_MONTH}(?:\s|$|\d)|\d{{1,2}}\s+{_MONTH_ANY}|[\d\s./,-]+$)", re.I
)


#: other dashes typed in ranges, read as the ones above (the text keeps them):
#: hyphen and non-breaking hyphen as "-", figure dash and minus sign as "–"
_OTHER_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "–", "\u2212": "–"})


class DateError(ValueError):
    """A date-like text that is not a calendar date (``February 30 2017``)."""


@dataclass(frozen=True)
class WrittenDate:
    """A date as written, before any year is inferred.

    A range (``May 30–June 2``) is its start, with its ``end`` beside it; a
    year written on one end only is shared (or, across New Year, derived).
    """

    text: str
    precision: DatePrecision | None  #: None for ``n.d.``
    year: int | None = None
    month: int | None = None
    days: tuple[int, ...] = ()
    end: WrittenDate | None = None  #: the end of a range, at the same precision

    @property
    def has_year(self) -> bool:
        return self.year is not None


@dataclass(frozen=True)
class ResolvedDate:
    iso: str | None
    precision: DatePrecision | None
    year_inferred: bool
    end: str | None = None  #: ISO end of a range, at the same precision


def looks_like_date(text: str) -> bool:
    """True if ``text`` is shaped like a date, valid or not."""
    return bool(_DATEISH.match(text.strip().translate(_OTHER_DASHES)))


@functools.lru_cache(maxsize=4096)
def parse_date(text: str) -> WrittenDate | None:
    """The date ``text`` is, or None if it is not shaped like a date at all.

    Raises :class:`DateError` for a date-shaped text that is not a real date.
    """
    s = " ".join(text.split())
    if not s:
        return None
    plain = s.translate(_OTHER_DASHES)
    if plain != s:  # "2016−2017" with a minus sign: parsed as with an en dash
        found = parse_date(plain)
        return dataclasses.replace(found, text=s) if found is not None else None
    weekday = _WEEKDAY.match(s)  # "Monday, May 14": the weekday adds nothing
    if weekday and weekday.end() < len(s):
        found = parse_date(s[weekday.end():])
        return dataclasses.replace(found, text=s) if found is not None else None
    if _NO_DATE.fullmatch(s):
        return WrittenDate(s, None)
    fiscal = _FISCAL.fullmatch(s)
    if fiscal:  # "FY2018": the year it is named by
        found = parse_date(fiscal["rest"])
        if found is None or found.precision is not DatePrecision.YEAR:
            return None
        return dataclasses.replace(found, text=s)
    m = _SLASH_YEARS.fullmatch(s)
    if m:  # 2018/19: a fiscal or academic year, when the second is the next one
        y1 = int(m["y1"])
        y2 = int(m["yy"]) if len(m["yy"]) == 4 else y1 - y1 % 100 + int(m["yy"])
        if y2 < y1:
            y2 += 100  # 1999/00
        if y2 == y1 + 1:
            return _year_range(s, y1, y2)
    if any(dash in s for dash in _DASHES):
        for form, precision in _RANGES:
            m = form.fullmatch(s)
            if m:
                return _range(s, precision, m)
        m = _SHORT_YEARS.fullmatch(s)
        if m and not (m["dash"] == "-" and 1 <= int(m["yy"]) <= 12):
            y1 = int(m["y1"])
            y2 = y1 - y1 % 100 + int(m["yy"])
            return _year_range(s, y1, y2 + 100 if y1 - y2 > 50 else y2)  # 1999–00
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


def _day(text: str | None) -> tuple[int, ...]:
    found = re.match(r"\d+", text or "")
    return (int(found.group()),) if found else ()


def _year_range(text: str, y1: int | None, y2: int | None) -> WrittenDate:
    if y1 is None or y2 is None or y2 <= y1:
        raise DateError(f"the range does not end after it starts: {text!r}")
    year = DatePrecision.YEAR
    return WrittenDate(text, year, y1, end=WrittenDate(text, year, y2))


def _range(text: str, precision: DatePrecision, m: re.Match[str]) -> WrittenDate:
    """The range ``m`` matched, checked: real dates, the end after the start.

    A year written on one end holds for the other (``May 30–June 2, 2018``),
    a year later or earlier when the range crosses New Year
    (``December 30, 2017–January 2``); it is written, not inferred.
    """
    g = m.groupdict()
    y1 = int(g["y1"]) if g.get("y1") else None
    y2 = int(g["y2"]) if g.get("y2") else None
    if precision is DatePrecision.YEAR:
        return _year_range(text, y1, y2)
    m1 = _MONTHS[g["m1"].lower()]
    m2 = _MONTHS[g["m2"].lower()] if g.get("m2") else m1
    d1, d2 = _day(g.get("d1")), _day(g.get("d2"))
    if not g.get("m2"):
        y1 = y2  # "May 14–15, 2018": one month, one year
    forward = (m1, d1) < (m2, d2)  # in order within one year
    if y1 is None and y2 is not None:
        y1 = y2 if forward else y2 - 1
    elif y2 is None and y1 is not None:
        y2 = y1 if forward else y1 + 1
    # A leap year stands in for unwritten years, so that Feb 29 passes.
    for year, month, days in ((y1, m1, d1), (y2, m2, d2)):
        try:
            dt.date(year or 2000, month, days[0] if days else 1)
        except ValueError as exc:
            raise DateError(f"not a calendar date: {text!r}") from exc
    if y1 is None:  # no year: in order, or across New Year (December 30–January 2)
        in_order = forward or m2 < m1
    else:
        in_order = (y1, m1, d1) < (y2, m2, d2)
    if not in_order:
        raise DateError(f"the range does not end after it starts: {text!r}")
    return WrittenDate(text, precision, y1, m1, d1, WrittenDate(text, precision, y2, m2, d2))


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
    if written.end is not None:  # a range is no one date
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
    if written.end is not None:
        return (_resolve_range(written, written.end, published),)
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


def _iso(precision: DatePrecision, year: int, month: int | None, days: tuple[int, ...]) -> str:
    if precision is DatePrecision.YEAR:
        return f"{year:04d}"
    if precision is DatePrecision.MONTH:
        return f"{year:04d}-{month or 1:02d}"
    return f"{year:04d}-{month or 1:02d}-{days[0]:02d}"


def _resolve_range(
    start: WrittenDate, end: WrittenDate, published: dt.date | None
) -> ResolvedDate:
    """A range's start (its year inferred like a single date's) and its end."""
    precision = start.precision
    assert precision is not None
    if start.year is not None and end.year is not None:
        return ResolvedDate(_iso(precision, start.year, start.month, start.days), precision,
                            False, _iso(precision, end.year, end.month, end.days))
    if published is None:
        return ResolvedDate(None, precision, False)
    m1, m2 = start.month or 1, end.month or 1
    across = 1 if (m2, end.days) < (m1, start.days) else 0  # December 30–January 2
    for year in range(published.year, published.year - 9, -1):
        try:
            first = dt.date(year, m1, start.days[0] if start.days else 1)
            dt.date(year + across, m2, end.days[0] if end.days else 1)
        except ValueError:  # 29 February in a common year
            continue
        if first <= published:
            return ResolvedDate(_iso(precision, year, m1, start.days), precision, True,
                                _iso(precision, year + across, m2, end.days))
    return ResolvedDate(None, precision, True)


def _latest_on_or_before(month: int, day: int, limit: dt.date) -> dt.date | None:
    for year in range(limit.year, limit.year - 9, -1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:  # 29 February in a common year
            continue
        if candidate <= limit:
            return candidate
    return None
