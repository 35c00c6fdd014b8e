"""Date ranges as briefs write them: parsed, checked and resolved at their precision."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citecheck.extract.dates import DateError, parse_date, parse_iso_date, resolve

PUBLISHED = dt.date(2018, 6, 4)

# (text, date, date_end, precision, year_inferred) with the brief published 2018-06-04
RANGES = [
    ("May 14–15", "2018-05-14", "2018-05-15", "day", True),
    ("May 14-15", "2018-05-14", "2018-05-15", "day", True),
    ("May 14 — 15", "2018-05-14", "2018-05-15", "day", True),
    ("May 14-15 2018", "2018-05-14", "2018-05-15", "day", False),
    ("May 14–15, 2016", "2016-05-14", "2016-05-15", "day", False),
    ("Sept. 3–5", "2017-09-03", "2017-09-05", "day", True),
    ("June 3–5", "2018-06-03", "2018-06-05", "day", True),  # the start decides the year
    ("14–15 May", "2018-05-14", "2018-05-15", "day", True),
    ("14–15 May 2016", "2016-05-14", "2016-05-15", "day", False),
    ("May 30–June 2", "2018-05-30", "2018-06-02", "day", True),
    ("May 30 – June 2, 2016", "2016-05-30", "2016-06-02", "day", False),
    ("30 May–2 June 2016", "2016-05-30", "2016-06-02", "day", False),
    ("December 30–January 2", "2017-12-30", "2018-01-02", "day", True),
    ("December 30–January 2, 2018", "2017-12-30", "2018-01-02", "day", False),
    ("December 30, 2017–January 2", "2017-12-30", "2018-01-02", "day", False),
    ("December 30, 2016–January 2, 2018", "2016-12-30", "2018-01-02", "day", False),
    ("February 28–29", "2016-02-28", "2016-02-29", "day", True),
    ("Monday, May 14–15", "2018-05-14", "2018-05-15", "day", True),
    ("May–June 2016", "2016-05", "2016-06", "month", False),
    ("May–June", "2018-05", "2018-06", "month", True),
    ("July–August", "2017-07", "2017-08", "month", True),
    ("November 2016–February 2017", "2016-11", "2017-02", "month", False),
    ("December–January", "2017-12", "2018-01", "month", True),
    ("2016–2017", "2016", "2017", "year", False),
    ("2016-2017", "2016", "2017", "year", False),
    ("1999 — 2006", "1999", "2006", "year", False),
    # the end year in two digits, as style guides write it (was no citation at all)
    ("2016–17", "2016", "2017", "year", False),
    ("2016-17", "2016", "2017", "year", False),  # not an ISO month: there is no month 17
    ("2016 — 18", "2016", "2018", "year", False),
    ("1999–00", "1999", "2000", "year", False),
    ("2009–10", "2009", "2010", "year", False),
    # other dashes people type: minus sign, figure dash, (non-breaking) hyphen
    ("2016\u22122017", "2016", "2017", "year", False),
    ("May 14\u201215", "2018-05-14", "2018-05-15", "day", True),
    ("May 14\u201115", "2018-05-14", "2018-05-15", "day", True),
    ("May 30 \u2010 June 2", "2018-05-30", "2018-06-02", "day", True),
    ("2016\u221217", "2016", "2017", "year", False),
]


@pytest.mark.parametrize(("text", "date", "end", "precision", "inferred"), RANGES,
                         ids=[r[0] for r in RANGES])
def test_range(text, date, end, precision, inferred):
    written = parse_date(text)
    assert written is not None and written.text == text
    (resolved,) = resolve(written, PUBLISHED)
    assert (resolved.iso, resolved.end, resolved.precision.value, resolved.year_inferred) == (
        date, end, precision, inferred)


@pytest.mark.parametrize(
    "text",
    ["May 15–14", "May 14–14", "2017–2016", "2017–2017", "May–May", "February 30–March 2",
     "February 29–March 1, 2017", "May 30–June 31", "June 2018–May 2018", "2017–16",
     "2017–17"],
)
def test_impossible_range_is_an_error(text):
    with pytest.raises(DateError):
        parse_date(text)


@pytest.mark.parametrize(
    "text", ["1-2", "pp. 3-4", "May 14–", "–15 May", "May 14–15–16", "2016–17 May–June"],
)
def test_not_a_range(text):
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("text", "date"),
    [("2017-07-05", "2017-07-05"), ("2017-07", "2017-07"), ("2017", "2017"),
     ("2010-11", "2010-11"), ("2016-12", "2016-12"),  # ISO months, not ranges
     ("October 18, 28", "2017-10-18")],
)
def test_single_dates_have_no_end(text, date):
    resolved = resolve(parse_date(text), PUBLISHED)
    assert resolved[0].iso == date
    assert all(r.end is None for r in resolved)


def test_range_without_publication_date_stays_open():
    (resolved,) = resolve(parse_date("May 14–15"), None)
    assert (resolved.iso, resolved.end, resolved.year_inferred) == (None, None, False)
    (resolved,) = resolve(parse_date("May 14–15, 2018"), None)
    assert (resolved.iso, resolved.end) == ("2018-05-14", "2018-05-15")


def test_a_range_is_no_publication_date():
    assert parse_iso_date("May 14–15, 2018") is None
    assert parse_iso_date("May 14, 2018") == dt.date(2018, 5, 14)


@given(start=st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 30)), length=st.integers(1, 400),
       published=st.dates(dt.date(1901, 1, 1), dt.date(2099, 12, 31)))
def test_any_written_day_range_round_trips(start, length, published):
    end = start + dt.timedelta(days=length)
    if end.year > 2099:
        return
    with_year = f"{start:%B} {start.day}, {start.year}–{end:%B} {end.day}, {end.year}"
    (resolved,) = resolve(parse_date(with_year), published)
    assert (resolved.iso, resolved.end) == (start.isoformat(), end.isoformat())
    assert not resolved.year_inferred
    if length < 300:  # without years: the start is the latest on or before publication
        (resolved,) = resolve(parse_date(f"{start:%B} {start.day}–{end:%B} {end.day}"), published)
        if resolved.iso is not None:
            first = dt.date.fromisoformat(resolved.iso)
            last = dt.date.fromisoformat(resolved.end)
            assert first <= published and (first.month, first.day) == (start.month, start.day)
            assert (last.month, last.day) == (end.month, end.day)
            assert dt.timedelta(0) < last - first < dt.timedelta(days=366)
