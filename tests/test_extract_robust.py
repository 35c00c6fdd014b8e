"""Robust Links on the input: the cited URL, the snapshot the author chose and its date."""

import pytest
from click.testing import CliRunner

from citecheck.cli import cli
from citecheck.extract import extract_citations, read_document

SNAP = "https://web.archive.org/web/20180514093000/https://mofa.example/news/1"

HTML = """<!doctype html><html><head><title>Brief</title>
<meta property="article:published_time" content="2018-06-04"></head><body>
<div class="cookie-banner">We use cookies. <a href="/privacy">Privacy (2018, p. 2)</a></div>
<header><span class="byline">By A. Writer</span></header>
<!-- an editor's note (MOFA, May 1) left in a comment -->
<article>
<p>Beijing upgraded the partnership (<a href="https://mofa.example/news/1"
 data-versionurl="{snap}" data-versiondate="2018-05-14">MOFA, May 14</a>).
Moscow echoed it (<a href="https://web.archive.org/web/20170305000000/https://tass.example/2"
 data-originalurl="https://tass.example/2">TASS, March 5 2017</a>).
Analysts agreed (<a href="https://csis.example/a">CSIS, May 25</a>).</p>
</article>
<aside class="related"><h3>Related</h3><a href="https://example.org/other">Other story</a></aside>
</body></html>
""".replace("{snap}", SNAP)

_MOFA_MD = ('<a href="https://mofa.example/news/1" data-versionurl="{snap}" '
            'data-versiondate="2018-05-14">MOFA, May 14</a>').replace("{snap}", SNAP)
_TASS_MD = ("<a href='https://web.archive.org/web/20170305000000/https://tass.example/2' "
            "data-originalurl='https://tass.example/2'>TASS, March 5 2017</a>")
MARKDOWN = f"""---
published: 2018-06-04
---
Beijing upgraded the partnership (<a href="https://mofa.example/news/1"
data-versionurl="x">ignored: a tag split over lines is not read</a>).

Beijing upgraded it ({_MOFA_MD}) and
Moscow echoed it ({_TASS_MD}).
Analysts agreed ([CSIS][csis], May 25).

[csis]: https://csis.example/a
"""

EXPECTED = [
    ("MOFA", "https://mofa.example/news/1", SNAP, "2018-05-14"),
    ("TASS", "https://tass.example/2",
     "https://web.archive.org/web/20170305000000/https://tass.example/2", "2017-03-05"),
    ("CSIS", "https://csis.example/a", None, None),
]


def _records(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return extract_citations(read_document(str(path)))


@pytest.mark.parametrize(("name", "text"), [("brief.html", HTML), ("brief.md", MARKDOWN)])
def test_robust_links_give_url_version_and_date(tmp_path, name, text):
    got = [(c.source, c.url, c.version_url, c.version_date)
           for c in _records(tmp_path, name, text) if c.source != ""]
    assert got[-3:] == EXPECTED
    assert all(c.style == "parenthetical" for c in _records(tmp_path, name, text))


def test_html_boilerplate_and_comments_cite_nothing(tmp_path):
    records = _records(tmp_path, "brief.html", HTML)
    assert [c.source for c in records] == ["MOFA", "TASS", "CSIS"]


def test_extract_json_carries_the_new_keys(tmp_path):
    path = tmp_path / "brief.html"
    path.write_text(HTML, encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    first = json.loads(result.output)["citations"][0]
    assert (first["style"], first["version_url"], first["version_date"]) == (
        "parenthetical", SNAP, "2018-05-14")


def test_a_relative_snapshot_url_is_made_absolute(tmp_path):
    html = ('<html><head><base href="https://brief.example/a/"></head><body><p>It grew '
            '(<a href="https://mofa.example/1" data-versionurl="/web/20180514000000/'
            'https://mofa.example/1">MOFA, May 14</a>).</p></body></html>')
    (record,) = _records(tmp_path, "b.html", html)
    assert record.version_url == "https://brief.example/web/20180514000000/https://mofa.example/1"
    assert record.version_date == "2018-05-14"  # from the replay URL's timestamp


def test_bad_version_date_is_left_out(tmp_path):
    html = ('<html><body><p>It grew (<a href="https://mofa.example/1" '
            'data-versiondate="someday">MOFA, May 14</a>).</p></body></html>')
    (record,) = _records(tmp_path, "b.html", html)
    assert (record.url, record.version_url, record.version_date) == (
        "https://mofa.example/1", None, None)


def test_extract_table_shows_the_authors_snapshot(tmp_path):
    path = tmp_path / "brief.html"
    path.write_text(HTML, encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(path), "--format", "table"])
    assert result.exit_code == 0, result.output
    (mofa,) = [line for line in result.output.splitlines() if line.startswith(tuple("0123456789"))
               and "MOFA" in line]
    assert mofa.endswith(f"https://mofa.example/news/1 (version 2018-05-14: {SNAP})")
