"""Numbered notes: a note naming a source, a date and/or a URL is a record of style
``note`` whose context is the sentence carrying its mark."""

import pytest

from citecheck.extract import extract_citations, read_document
from citecheck.extract.grammar import parse_note

MARKDOWN = """---
published: 2018-06-04
---
# Brief

Beijing upgraded the partnership.[^1] Moscow echoed it[^2] and the talks went on.[^3]

Then (TASS, May 20) a plain one.[^url]

[^1]: Xinhua, “China, Russia sign pact,” May 14, 2018, [link](http://www.xinhuanet.com/x.htm).
[^2]: See SIPRI, Trends in World Military Expenditure,
    2017, p. 5.
[^3]: Author’s interview with an official, Beijing.
[^url]: http://www.tass.example/news/4
"""

HTML = """<!doctype html><html><head><title>Brief</title>
<meta property="article:published_time" content="2018-06-04"></head><body>
<div id="cookie-consent">We use cookies (see our policy, 2018).</div>
<nav><a href="#main">Skip</a> | <a href="/about">About</a></nav>
<article id="main"><p class="byline">By A. Writer, June 4, 2018</p>
<!-- draft: cite (Xinhua, May 1) here -->
<p>Beijing upgraded the partnership.<sup><a href="#fn1" id="r1">1</a></sup> Moscow echoed
it<sup><a href="#fn2" id="r2">2</a></sup> and the talks went
on.<sup><a href="#fn3">3</a></sup></p>
<p>Then (TASS, May 20) a plain one.<sup><a href="#fnurl">4</a></sup></p>
<aside class="related"><h3>Related</h3><p><a href="/x">Another story (May 2, 2018)</a></p></aside>
<section class="endnotes"><h2>Notes</h2><ol>
<li id="fn1">Xinhua, “China, Russia sign pact,” May 14, 2018,
 <a href="http://www.xinhuanet.com/x.htm">link</a>. <a href="#r1">↩</a></li>
<li id="fn2"><p>See SIPRI, Trends in World Military Expenditure, 2017, p. 5.
 <a href="#r2">↩</a></p></li>
<li id="fn3">Author’s interview with an official, Beijing.</li>
<li id="fnurl"><a href="http://www.tass.example/news/4">http://www.tass.example/news/4</a></li>
</ol></section></article></body></html>
"""

EXPECTED = [
    ("note", "Xinhua", "May 14, 2018", "2018-05-14", None, "http://www.xinhuanet.com/x.htm",
     "Beijing upgraded the partnership.[1]"),
    ("note", "SIPRI", "2017", "2017", "p. 5", None,
     "Moscow echoed it[2] and the talks went on.[3]"),
    ("parenthetical", "TASS", "May 20", "2018-05-20", None, None,
     "Then (TASS, May 20) a plain one.[4]"),
    ("note", "www.tass.example", None, None, None, "http://www.tass.example/news/4",
     "Then (TASS, May 20) a plain one.[4]"),
]


def _records(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return extract_citations(read_document(str(path)))


@pytest.mark.parametrize(("name", "text"), [("brief.md", MARKDOWN), ("brief.html", HTML)])
def test_notes_become_records_in_order(tmp_path, name, text):
    got = [(c.style, c.source, c.date_as_written, c.date, c.locator, c.url, c.context)
           for c in _records(tmp_path, name, text)]
    if name == "brief.md":  # Markdown shows the mark's own label
        got = [g[:-1] + (g[-1].replace("[url]", "[4]"),) for g in got]
    assert got == EXPECTED


def test_a_note_is_not_read_again_as_body_text(tmp_path):
    records = _records(tmp_path, "brief.html", HTML)
    assert all("Notes" not in c.context and "↩" not in c.raw for c in records)
    assert len([c for c in records if c.source == "Xinhua"]) == 1


@pytest.mark.parametrize(
    ("text", "source", "date", "url", "problem"),
    [
        ("TASS, May 14, 2018.", "TASS", "May 14, 2018", None, None),
        ("Vasily Kashin, “Russia and China,” Carnegie, June 2, 2016, accessed May 5, 2019, "
         "https://carnegie.example/x.", "Vasily Kashin", "June 2, 2016",
         "https://carnegie.example/x", None),
        ("“Some title,” 2017.", None, "2017", None, "unrecognised source 'Some title'"),
        ("Author’s interview with an official, Beijing.", None, None, None, None),
        ("See also www.kremlin.ru/events/president/news/57425.", None, None,
         "http://www.kremlin.ru/events/president/news/57425", None),
        ("Ministry of Finance, Budget Report, FY2019, p. 12.", "Ministry of Finance", "FY2019",
         None, None),
    ],
)
def test_parse_note(text, source, date, url, problem):
    parsed, found_url = parse_note(text)
    assert parsed.source == source
    assert (parsed.date.text if parsed.date else None) == date
    assert found_url == url
    assert parsed.problem == problem


def test_a_note_with_a_date_and_no_readable_source_is_malformed(tmp_path):
    text = "It grew.[^1]\n\n[^1]: “Some title,” 2017.\n"
    (record,) = _records(tmp_path, "b.md", text)
    assert record.malformed and record.style == "note"
    assert record.problem == "unrecognised source 'Some title'"


def test_extract_table_and_csv_show_the_style(tmp_path):
    import csv
    import io

    from click.testing import CliRunner

    from citecheck.cli import cli

    path = tmp_path / "brief.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    table = CliRunner().invoke(cli, ["extract", str(path), "--format", "table"])
    assert table.exit_code == 0, table.output
    xinhua = next(line for line in table.output.splitlines() if "Xinhua" in line)
    tass = next(line for line in table.output.splitlines() if " TASS " in line)
    assert " note " in xinhua and " note " not in tass
    rows = list(csv.DictReader(io.StringIO(
        CliRunner().invoke(cli, ["extract", str(path), "--format", "csv"]).output)))
    assert [r["style"] for r in rows] == ["note", "note", "parenthetical", "note"]
