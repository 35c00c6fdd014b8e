"""Property tests: no input makes extraction raise anything but citecheck's own errors."""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citecheck.errors import CitecheckError, ConfigError, InputError
from citecheck.extract import extract_citations, iter_citations, read_document
from citecheck.extract.readers import render_html, render_markdown
from citecheck.registry import parse_registry

FRAGMENTS = st.sampled_from([
    "(", ")", "(", ")", ";", ",", ", ", ". ", ".", "\n", "\n\n", " ", "see ", "see also ",
    "MOFA", "Russian MOD", "tass.ru", "www.example.org", "新华社", "魏凤和", "PLA", "Source:",
    "May 14", "July 26 2017", "June 12, 2015", "September 2017", "2017", "October 18, 28",
    "February 29", "February 30", "n.d.", "“", "”", "‘", "’", "\"", "…", "[Chinese]", "U.S.",
    "p. 5", "pp. 3–4", "p.5", "§ 3", "ch. 2", "para. 12", "May 14–15", "May 30–June 2",
    "2016–2017", "–", "-", "May 15–14",
    "[x](http://a.example/)", "<a href='http://b.example/'>", "</a>", "<p>", "</p>", "---",
    "\r\n", "\x00", "\ufffd", "\u2028",
])
CITATIONISH = st.lists(st.one_of(FRAGMENTS, st.text(max_size=8)), max_size=60).map("".join)
TEXT = st.one_of(st.text(max_size=400), CITATIONISH)
DATES = st.one_of(st.none(), st.dates().map(lambda d: d.isoformat()), st.text(max_size=12))


@settings(max_examples=400, deadline=None)
@given(text=TEXT, published=DATES)
def test_iter_citations_never_raises(text, published):
    lines = text.split("\n")
    records = list(iter_citations(lines, published=published))
    ids = [r.id for r in records]
    assert len(ids) == len(set(ids))
    for r in records:
        assert 1 <= r.line <= len(lines)
        assert r.column >= 1
        assert r.malformed == (r.problem is not None)
        if r.date is not None:
            assert r.date_precision is not None
        if r.date_end is not None:  # a range: the end after the start, at one precision
            assert r.date is not None and len(r.date_end) == len(r.date) and r.date_end > r.date
        if r.locator is not None:  # kept apart from the source and the date
            assert r.locator in r.raw and r.raw.rstrip(".").endswith(r.locator)
            assert r.locator not in r.source and r.locator not in (r.date_as_written or "")


SOURCES = st.sampled_from(["SIPRI", "Russian MOD", "tass.ru", "新华社", "Ministry of Defense"])
WRITTEN = st.sampled_from(["2017", "May 14", "May 14–15", "May 14-15 2018", "May 30–June 2",
                           "2016–2017", "September 2017", "June 12, 2015", "October 18, 28"])
LOCATORS = st.sampled_from(["p. 5", "pp. 3-4", "pp 3–4", "p.5", "para. 12", "§ 3", "ch. 2",
                            "ch. 2, p. 45", "Section 4.1", "vol. II", "pp. 3, 7"])


@settings(max_examples=200, deadline=None)
@given(source=SOURCES, written=WRITTEN, locator=st.one_of(st.none(), LOCATORS),
       prefix=st.sampled_from(["", "see ", "see also "]))
def test_source_date_and_locator_come_apart(source, written, locator, prefix):
    part = f"{prefix}{source}, {written}" + (f", {locator}" if locator else "")
    records = list(iter_citations([f"Ties grew ({part})."], published="2018-06-04"))
    assert records
    for r in records:
        assert (r.source, r.date_as_written, r.locator, r.raw) == (source, written, locator, part)
        assert not r.malformed and r.date is not None
        assert (r.date_end is not None) == any(dash in written for dash in "-–")


@settings(max_examples=150, deadline=None)
@given(text=TEXT)
def test_renderers_raise_only_input_error(text):
    for render in (render_html, render_markdown):
        try:
            rendered = render(text, "doc")
        except InputError:
            continue
        lines = rendered.text.split("\n")
        for line, start, end, _ in rendered.links:
            assert 1 <= line <= len(lines) and 1 <= start <= end <= len(lines[line - 1]) + 1


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=300), TEXT.map(lambda t: t.encode("utf-8", "replace"))),
       suffix=st.sampled_from([".txt", ".md", ".html", ""]))
def test_read_document_raises_only_input_error(data, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"doc{suffix}"
        path.write_bytes(data)
        try:
            doc = read_document(str(path))
        except InputError:
            return
        extract_citations(doc)


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(["sources:", "pins:", "documents:", "\n", "  ", "- ", "TASS:",
                              "domains: [tass.com]", "url: http://x/", "date: 2017-02-30",
                              "!!python/object:os.system", "{", "}", "[", "]", ": ", "&a", "*a",
                              "published: 2018-06-04", "path: a.txt", "source: TASS"]),
             max_size=30).map("".join),
))
def test_registry_raises_only_config_error(text):
    try:
        parse_registry(text, "citations.yaml")
    except ConfigError as exc:
        assert str(exc).startswith("citations.yaml")
    except CitecheckError as exc:  # pragma: no cover - would be a wrong error class
        raise AssertionError(f"unexpected {type(exc).__name__}") from exc
