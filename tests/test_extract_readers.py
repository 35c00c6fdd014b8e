"""Readers: HTML, Markdown, encodings, stdin-like bytes, URLs; publication dates."""

import aiohttp
import pytest
from fake_http import fake_web

from citecheck.errors import InputError
from citecheck.extract import extract_citations, iter_citations, open_citations, read_document
from citecheck.extract.readers import find_dateline, render_html, render_markdown
from citecheck.http import HttpClient, HttpConfig
from citecheck.registry import parse_registry

HTML = """<!doctype html><html><head><title>Ties  brief</title>
<meta property="article:published_time" content="2018-06-04T09:00:00+00:00">
<style>p { color: red }</style><script>var x = "(TASS, May 1)";</script></head><body>
<h1>Chinese-Russian ties</h1>
<p>China announced plans (<a href="https://www.fmprc.gov.cn/a.html">MOFA</a>, May 14). Then
more text (Xinhua, <a href="http://news.cn/b">July 26 2017</a>) and
<a href="https://csis.org/c">(CSIS, February 7; CSIS, May 25)</a>.</p>
<p>Unclosed <b>bold (TASS, <a href="https://tass.com/d">April 3</a>; Russian MOD, April 3)
<div>The army (PLA) grew<!-- (Hidden, 2017) -->.</div>
</body></html>"""

MARKDOWN = """---
title: Ties
date: 2018-06-04
---

China announced plans ([MOFA](https://www.fmprc.gov.cn/a.html), May 14). More
text (Xinhua, [July 26 2017][x]) and [(CSIS, February 7; CSIS, May 25)](https://csis.org/c).
*Emphasis* (**TASS**, April 3) and <https://tass.com/> (see [TASS][], 2016).

```
code (Skipped, 2017)
```

[x]: http://news.cn/b
[TASS]: https://tass.com/e
"""


def _cites(doc):
    return [(c.line, c.source, c.date, c.url) for c in extract_citations(doc)]


def test_html_links_on_name_date_and_whole_parenthetical(tmp_path):
    path = tmp_path / "brief.html"
    path.write_text(HTML, encoding="utf-8")
    doc = read_document(str(path))
    assert doc.title == "Ties brief"
    assert (doc.published, doc.published_from) == ("2018-06-04", "html-meta")
    assert _cites(doc) == [
        (3, "MOFA", "2018-05-14", "https://www.fmprc.gov.cn/a.html"),
        (3, "Xinhua", "2017-07-26", "http://news.cn/b"),
        (3, "CSIS", "2018-02-07", "https://csis.org/c"),
        (3, "CSIS", "2018-05-25", "https://csis.org/c"),
        (5, "TASS", "2018-04-03", "https://tass.com/d"),
        (5, "Russian MOD", "2018-04-03", None),
    ]
    assert "Hidden" not in doc.text and "var x" not in doc.text


def test_markdown_links_lines_and_front_matter(tmp_path):
    path = tmp_path / "brief.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    doc = read_document(str(path))
    assert (doc.published, doc.published_from, doc.title) == ("2018-06-04", "front-matter", "Ties")
    assert _cites(doc) == [
        (6, "MOFA", "2018-05-14", "https://www.fmprc.gov.cn/a.html"),
        (7, "Xinhua", "2017-07-26", "http://news.cn/b"),
        (7, "CSIS", "2018-02-07", "https://csis.org/c"),
        (7, "CSIS", "2018-05-25", "https://csis.org/c"),
        (8, "TASS", "2018-04-03", None),
        (8, "TASS", "2016", "https://tass.com/e"),
    ]
    # lines of the rendered text are the lines of the file
    assert len(doc.text.split("\n")) == len(MARKDOWN.split("\n"))


@pytest.mark.parametrize(
    ("head", "published", "origin"),
    [
        ('<meta property="article:published_time" content="2018-06-04T23:30:00-05:00">',
         "2018-06-04", "html-meta"),
        ('<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", '
         '"datePublished": "2018-06-02"}]}</script>', "2018-06-02", "json-ld"),
        ('<script type="application/ld+json">{broken json</script>', None, None),
        ("", "2018-06-03", "html-time"),
    ],
)
def test_html_publication_metadata(head, published, origin):
    body = '<p><time datetime="2018-06-03">June 3</time></p>' if not head else "<p>Text.</p>"
    rendered = render_html(f"<html><head>{head}</head><body>{body}</body></html>", "x.html")
    assert (rendered.published.isoformat() if rendered.published else None) == published
    assert rendered.published_from == origin


def test_precedence_option_dateline_meta_registry(tmp_path):
    path = tmp_path / "brief.html"
    path.write_text(HTML.replace("<h1>", "<p>1 June 2018</p><h1>"), encoding="utf-8")
    assert read_document(str(path)).published_from == "dateline"
    assert read_document(str(path)).published == "2018-06-01"
    doc = read_document(str(path), published="2018-07-01")
    assert (doc.published, doc.published_from) == ("2018-07-01", "option")
    plain = tmp_path / "plain.txt"
    plain.write_text("Ties grew (TASS, May 5).\n", encoding="utf-8")
    registry = parse_registry(
        f"documents:\n  - path: {plain}\n    published: 2019-01-02\n", "c.yaml")
    doc = read_document(str(plain), registry=registry)
    assert (doc.published, doc.published_from) == ("2019-01-02", "registry")
    assert extract_citations(doc)[0].date == "2018-05-05"
    assert read_document(str(plain)).published is None


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["4 June 2018", "", "Title"], "2018-06-04"),
        (["Title", "June 4, 2018"], "2018-06-04"),
        (["Published: 2018-06-04"], "2018-06-04"),
        (["Posted on June 4, 2018"], "2018-06-04"),
        (["June 2018"], None),
        (["Title", "By: someone", "A long paragraph that mentions 4 June 2018 in passing."], None),
        (["a", "b", "c", "d", "e", "4 June 2018"], None),
    ],
)
def test_dateline(lines, expected):
    found = find_dateline(lines)
    assert (found.isoformat() if found else None) == expected


RUSSIAN = ("2018-06-04\n\nМинистерство обороны России сообщило о совместных учениях с Китаем "
           "(ТАСС, April 3). Учения прошли в Сибири, где участвовали тысячи военнослужащих. "
           "Эксперты считают, что сотрудничество укрепляется (Russian MOD, May 5).\n")
CHINESE = ("2018-06-04\n\n中国和俄罗斯的安全合作不断加强，两国举行了多次联合军事演习 "
           "(新华社, July 26 2017)。双方表示将继续深化全面战略协作伙伴关系，"
           "共同应对地区安全挑战 (TASS, April 3)。\n")

WESTERN = ("Die Bundesregierung äußerte sich über die Übung in Syrien. Der Außenminister "
           "sagte, die Lage sei schwierig (TASS, May 14, 2018).\n"
           "Le ministère a déclaré que la coopération était « très étroite » et naïve "
           "(MOFA, June 2, 2018). Café crème, élève, garçon.\n")


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        # F2: Western text must not come out as cp1250 mojibake (ministčre, naďve)
        (WESTERN, "latin-1", [("TASS", "2018-05-14"), ("MOFA", "2018-06-02")]),
        (WESTERN.replace("« très étroite »", "“très étroite”"), "cp1252",
         [("TASS", "2018-05-14"), ("MOFA", "2018-06-02")]),
        (RUSSIAN, "windows-1251", [("ТАСС", "2018-04-03"), ("Russian MOD", "2018-05-05")]),
        (CHINESE, "gb2312", [("新华社", "2017-07-26"), ("TASS", "2018-04-03")]),
        (RUSSIAN, "utf-16", [("ТАСС", "2018-04-03"), ("Russian MOD", "2018-05-05")]),
        (RUSSIAN, "utf-8-sig", [("ТАСС", "2018-04-03"), ("Russian MOD", "2018-05-05")]),
    ],
)
def test_encodings_are_detected(tmp_path, text, encoding, expected):
    path = tmp_path / "brief.txt"
    path.write_bytes(text.encode(encoding))
    doc = read_document(str(path))
    assert doc.text == text
    assert [(c.source, c.date) for c in extract_citations(doc)] == expected
    streamed = open_citations(str(path))
    assert [(c.source, c.date) for c in streamed.citations] == expected


def test_html_meta_charset_is_honoured(tmp_path):
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; '
            'charset=windows-1251"></head><body><p>Учения (ТАСС, April 3).</p></body></html>')
    path = tmp_path / "ru.html"
    path.write_bytes(page.encode("windows-1251"))
    (citation,) = extract_citations(read_document(str(path), published="2018-06-04"))
    assert (citation.source, citation.date) == ("ТАСС", "2018-04-03")


def test_crlf_and_lone_cr_lines(tmp_path):
    path = tmp_path / "brief.txt"
    path.write_bytes(b"4 June 2018\r\n\r\nTies grew (TASS, May 5).\rMore (CSIS, 2017).\r\n")
    doc = read_document(str(path))
    assert [(c.line, c.source) for c in extract_citations(doc)] == [(3, "TASS"), (4, "CSIS")]
    assert [(c.line, c.source) for c in open_citations(str(path)).citations] == [
        (3, "TASS"), (4, "CSIS")]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("missing.txt", None, "no such file"),
        ("empty.txt", b"", "empty document"),
        ("blank.txt", b"  \n\n \t\n", "empty document"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        ("junk.txt", bytes(range(1, 32)) * 40, "binary"),
        ("broken.html", b"</div></p>", "malformed HTML"),
        ("notags.html", b"just words, no markup", "malformed HTML"),
        ("nobody.html", b"<html><head><title>t</title></head><body> </body></html>",
         "malformed HTML"),
        ("front.md", b"---\ntitle: [unclosed\n---\nText (TASS, 2017).\n", "front matter"),
        ("hostile.md", b"---\nx: !!python/object/apply:os.system [echo]\n---\nText.\n",
         "front matter"),
    ],
)
def test_bad_input_raises_input_error(tmp_path, name, data, message):
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(InputError) as info:
        read_document(str(path))
    assert message in str(info.value) and str(path) in str(info.value)
    if name.endswith(".txt"):
        with pytest.raises(InputError):
            list(open_citations(str(path)).citations)


def test_directory_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        read_document(str(tmp_path))
    with pytest.raises(InputError, match="is a directory"):
        open_citations(str(tmp_path))


def test_html_line_breaks_keep_a_parenthetical_whole():
    rendered = render_html(
        '<p>Grew (<a href="https://a.example/">MOFA</a>,<br>May 14).<br><br>Then (TASS, 2017).'
        '</p><p>Cut (CSIS,</p><p>2017).</p>', "x.html")
    assert rendered.text == ("Grew (MOFA,\nMay 14).\n\nThen (TASS, 2017).\n\nCut (CSIS,\n\n"
                             "2017).\n")
    doc_lines = rendered.text.split("\n")
    records = list(iter_citations(doc_lines, links=rendered.links, published="2018-06-04"))
    assert [(c.line, c.source, c.date, c.url, c.malformed) for c in records] == [
        (1, "MOFA", "2018-05-14", "https://a.example/", False),
        (4, "TASS", "2017", None, False),
        (6, "CSIS", None, None, True),
    ]


def test_relative_footnote_and_script_links(tmp_path):
    page = ('<html><head><base href="https://jamestown.org/program/"></head><body><p>'
            'A (<a href="ties.html">China Brief</a>, 2017), B (<a href="#fn1">TASS</a>, 2016),'
            ' C (<a href="javascript:void(0)">CSIS</a>, 2015), D (<a href="/x">SIPRI</a>, '
            '2014), E (<a href="mailto:a@b.example">USNI</a>, 2013).</p></body></html>')
    path = tmp_path / "b.html"
    path.write_text(page, encoding="utf-8")
    assert [c.url for c in extract_citations(read_document(str(path)))] == [
        "https://jamestown.org/program/ties.html", None, None, "https://jamestown.org/x", None]


def test_unclosed_html_tags_are_recovered(tmp_path):
    path = tmp_path / "b.html"
    path.write_bytes(b"<html><body><p>Ties grew (<b>TASS, May 5</i>).<p>More (CSIS, 2017")
    doc = read_document(str(path), published="2018-06-04")
    assert [(c.source, c.malformed) for c in extract_citations(doc)] == [
        ("TASS", False), ("CSIS", True)]


def test_invalid_published_option(tmp_path):
    path = tmp_path / "b.txt"
    path.write_text("Ties grew (TASS, May 5).", encoding="utf-8")
    with pytest.raises(InputError, match="--published"):
        read_document(str(path), published="yesterday")


def _offline_client() -> HttpClient:
    """A client whose name lookups never leave the machine (responses mocks HTTP)."""
    return HttpClient(resolve=lambda host: ["93.184.216.34"])


@fake_web.activate
def test_url_html_brief():
    fake_web.get("https://brief.example/ties", body=HTML.encode("utf-8"),
                  content_type="text/html; charset=utf-8")
    doc = read_document("https://brief.example/ties", client=_offline_client())
    assert doc.published == "2018-06-04"
    assert _cites(doc)[0] == (3, "MOFA", "2018-05-14", "https://www.fmprc.gov.cn/a.html")


@fake_web.activate
def test_url_brief_relative_links_join_the_final_url():
    fake_web.get("https://brief.example/old", status=301,
                  headers={"Location": "https://brief.example/2018/ties.html"})
    fake_web.get("https://brief.example/2018/ties.html", content_type="text/html",
                  body=b'<p>Grew (<a href="sources/mofa.html">MOFA</a>, May 14, 2018).</p>')
    doc = read_document("https://brief.example/old", client=_offline_client())
    (citation,) = extract_citations(doc)
    assert citation.url == "https://brief.example/2018/sources/mofa.html"
    assert doc.name == "https://brief.example/old"


@fake_web.activate
def test_url_declared_charset_and_plain_text():
    fake_web.get("https://brief.example/ru.txt", body=RUSSIAN.encode("windows-1251"),
                  content_type="text/plain; charset=windows-1251")
    doc = read_document("https://brief.example/ru.txt", client=_offline_client())
    assert doc.text == RUSSIAN and doc.published == "2018-06-04"


@fake_web.activate
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": 404, "body": b"gone"}, "HTTP 404"),
        ({"body": aiohttp.ClientConnectionError("Connection refused")}, "cannot fetch"),
        ({"body": b"\x89PNG", "content_type": "image/png"}, "not a text document"),
    ],
)
def test_url_failures_are_input_errors(kwargs, message):
    fake_web.get("https://brief.example/x", **kwargs)
    with pytest.raises(InputError, match=message):
        read_document("https://brief.example/x", client=_offline_client())


@fake_web.activate
def test_url_brief_larger_than_the_cap_is_an_error_not_truncated():
    # F4: a URL brief cut at the body cap silently lost its later citations
    line = b"The navy sailed to the Baltic for drills (TASS, May 14, 2018).\n"
    fake_web.get("https://brief.example/big.txt", body=line * 40, content_type="text/plain")
    client = HttpClient(HttpConfig(max_bytes=1024), resolve=lambda host: ["93.184.216.34"])
    with pytest.raises(InputError, match=r"big.txt: larger than 0.0009\d* MB"):
        read_document("https://brief.example/big.txt", client=client)
    fake_web.get("https://brief.example/small.txt", body=line * 10, content_type="text/plain")
    doc = read_document("https://brief.example/small.txt", client=client)
    assert len(extract_citations(doc)) == 10


def test_a_malformed_hyperlink_is_kept_not_a_crash(tmp_path):
    # F6: one bad link in a brief must not stop the whole audit
    path = tmp_path / "v6.md"
    path.write_text("Drills ([TASS, May 14, 2018](http://[::1/x)).\n", encoding="utf-8")
    doc = read_document(str(path))
    assert [(c.source, c.url) for c in extract_citations(doc)] == [("TASS", "http://[::1/x")]


def test_markdown_emphasis_inside_a_link():
    rendered = render_markdown("Grew ([*MOFA*](https://mfa.gov.cn/x), **May 14**).\n", "x.md")
    assert rendered.text == "Grew (MOFA, May 14).\n"
    assert rendered.links == ((1, 7, 11, "https://mfa.gov.cn/x"),)


def test_markdown_reference_and_autolinks_render():
    rendered = render_markdown("See [the report][r] at <https://a.example/x>.\n\n"
                               "[r]: https://b.example/y\n", "x.md")
    assert rendered.text.split("\n")[0] == "See the report at https://a.example/x."
    assert [link[3] for link in rendered.links] == ["https://b.example/y", "https://a.example/x"]
