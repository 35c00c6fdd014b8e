"""content.extract_content: HTML, PDF, text, garbage; dates and languages."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pdfgen import make_pdf

from citecheck.content import (
    decode,
    extract_content,
    find_printed_date,
    guess_language,
    script_of,
    sniff_kind,
)

ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Russia and China hold missile defence exercise | Ministry of Defence</title>
<meta property="og:title" content="Russia and China hold missile defence exercise">
<meta property="article:published_time" content="2016-04-29T09:00:00+03:00">
<meta property="article:modified_time" content="2019-01-10T09:00:00+03:00">
</head><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Russia and China hold missile defence exercise</h1>
{paras}
</article>
<aside><p>Also read: “Aerospace Security” in the sidebar</p></aside>
<footer>Copyright Ministry of Defence</footer>
<script>var tracking = "not text";</script>
</body></html>"""

PARAS = "\n".join(
    f"<p>Paragraph {i}: the first joint computer-simulated missile defence exercise was held "
    f"in Beijing, and officials said it was not pointed against third parties ({i}).</p>"
    for i in range(12)
)


def page(**kw: str) -> bytes:
    return ARTICLE.format(paras=kw.get("paras", PARAS)).encode("utf-8")


def test_html_article_text_title_date_language():
    c = extract_content(page(), "text/html; charset=utf-8", "https://eng.mil.ru/en/news/1.htm")
    assert c.kind == "html"
    assert c.extractor == "trafilatura"
    assert c.title == "Russia and China hold missile defence exercise"
    assert "not pointed against third parties" in c.text
    assert "tracking" not in c.text and "tracking" not in c.full_text
    # original publication date, not the modification date
    assert c.date == "2016-04-29"
    assert c.date_source == "htmldate" and c.date_confidence == "high"
    assert c.language == "en" and c.declared_language == "en"
    # the sidebar is outside the main text but kept in full_text
    assert "Aerospace Security" in c.full_text
    assert c.readable


def test_date_only_in_free_text_is_low_confidence():
    html = (
        "<html><body><article><h1>Statement</h1><p>Published on 25 June 2016.</p>"
        + "<p>The two ministers signed a joint declaration on international law today.</p>" * 3
        + "</article></body></html>"
    ).encode()
    c = extract_content(html, "text/html", "https://mid.ru/statement")
    assert c.date == "2016-06-25"
    assert c.date_source == "htmldate-extensive"
    assert c.date_confidence == "low"


def test_trafilatura_empty_falls_back_to_bs4():
    # a bare list page: trafilatura finds no article, the visible text is kept
    items = "".join(f"<li>Item number {i} about arms sales to China</li>" for i in range(60))
    html = f"<html><body><ul>{items}</ul></body></html>".encode()
    c = extract_content(html, "text/html", "https://example.org/list")
    assert "Item number 59 about arms sales" in c.text
    assert c.extractor in {"bs4", "trafilatura"}
    assert c.readable


def test_cyrillic_page_is_russian_even_if_declared_english():
    text = "<p>Министерство обороны Российской Федерации сообщило о совместных учениях.</p>" * 5
    html = f"<html lang='en'><body><article>{text}</article></body></html>".encode()
    c = extract_content(html, "text/html", "https://function.mil.ru/news")
    assert c.language == "ru"
    assert c.declared_language == "en"


def test_legacy_encoding_from_meta_charset():
    html = (
        "<html><head><meta charset='windows-1251'></head><body><p>"
        + "Совместное заявление о принципах международного права. " * 10
        + "</p></body></html>"
    ).encode("cp1251")
    c = extract_content(html, "text/html", "https://mid.ru/x")
    assert "Совместное заявление" in c.text
    assert c.language == "ru"


def test_pdf_text_title_and_dates():
    pdf = make_pdf(
        ["SIPRI Fact Sheet", "5 July 2017", "Trends in international arms transfers",
         "China was Russia's largest client for arms."],
        title="Trends in international arms transfers", created="20170710120000",
    )
    c = extract_content(pdf, "application/pdf", "https://www.sipri.org/fs.pdf")
    assert c.kind == "pdf" and c.extractor == "pypdf"
    assert c.title == "Trends in international arms transfers"
    assert "largest client for arms" in c.text
    assert c.date == "2017-07-05" and c.date_source == "pdf-first-page"
    assert c.alt_dates == ("2017-07-10",)
    assert c.dates == ("2017-07-05", "2017-07-10")


def test_pdf_date_from_metadata_when_page_has_none():
    pdf = make_pdf(["A report without a printed date", "Arms transfers to Asia."],
                   created="20170705080000")
    c = extract_content(pdf, None, "https://www.sipri.org/report")  # sniffed, no type
    assert c.kind == "pdf"
    assert c.date == "2017-07-05" and c.date_source == "pdf-metadata"
    assert c.title == "A report without a printed date"


def test_plain_text_body():
    c = extract_content(b"The quick brown fox jumps over the lazy dog and the cat.",
                        "text/plain", "https://x.org/t.txt")
    assert c.kind == "text" and c.text.startswith("The quick") and c.language == "en"


@pytest.mark.parametrize(
    "body, ctype",
    [
        (b"", "text/html"),
        (None, "text/html"),
        (b"%PDF-1.4 not really a pdf", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"<html><body></body></html>", "text/html"),
        (b"<<<<>>>>\x00\x00<html", "text/html"),
        (b"\xff\xfe\x00\x00garbage", None),
        (b"<?xml version='1.0' encoding='utf-8'?><rss><channel></channel></rss>", "text/xml"),
    ],
)
def test_garbage_never_raises(body, ctype):
    c = extract_content(body, ctype, "https://x.org/")
    assert c.url == "https://x.org/"
    if not c.readable:
        assert c.error


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from([None, "text/html", "application/pdf",
                                                   "text/plain", "application/octet-stream"]))
def test_fuzzed_bodies_never_raise(body, ctype):
    extract_content(body, ctype, "https://x.org/fuzz")


def test_results_are_memoised_per_body():
    a = extract_content(page(), "text/html", "https://eng.mil.ru/en/news/1.htm")
    b = extract_content(page(), "text/html", "https://eng.mil.ru/en/news/1.htm")
    assert a is b


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Issued 5 July 2017 in Stockholm", "2017-07-05"),
        ("Washington, March 20, 2017", "2017-03-20"),
        ("Report dated 2016-04-29", "2016-04-29"),
        ("SIPRI Yearbook, July 2017", "2017-07"),
        ("No date at all", None),
        ("31 February 2017: no such day, the month stands", "2017-02"),
    ],
)
def test_find_printed_date(text, expected):
    assert find_printed_date(text) == expected


@pytest.mark.parametrize(
    "text, declared, expected",
    [
        ("Министерство обороны России сообщило", None, "ru"),
        ("全面战略协作伙伴关系是中俄关系的基础", None, "zh"),
        ("ロシアと中国の合同演習が行われた", None, "ja"),
        ("The ministry said that the exercise was not pointed against third parties", None, "en"),
        ("Le ministère a dit que les exercices ne sont pas dirigés contre des tiers et la", None,
         "fr"),
        ("Short", "de", "de"),
        ("", "en", "en"),
        ("12345 67890", None, None),
    ],
)
def test_guess_language(text, declared, expected):
    assert guess_language(text, declared) == expected


def test_script_of_latin_and_none():
    assert script_of("comprehensive strategic partnership") == "latin"
    assert script_of("2017 - 2018") is None


@pytest.mark.parametrize(
    "body, ctype, expected",
    [
        (b"%PDF-1.7", None, "pdf"),
        (b"<!DOCTYPE html><html>", None, "html"),
        (b"plain words", None, "text"),
        (b"plain words", "text/html", "html"),
        (b"\x00\x01", "application/octet-stream", "unknown"),
    ],
)
def test_sniff_kind(body, ctype, expected):
    assert sniff_kind(body, ctype) == expected


def test_decode_prefers_declared_then_utf8():
    assert decode("héllo".encode("latin-1"), "text/html; charset=iso-8859-1") == "héllo"
    assert decode("héllo".encode()) == "héllo"
    assert decode(b"\xef\xbb\xbfbom") == "bom"
    long = "Le ministère a publié un communiqué détaillé sur la coopération. " * 5
    # a guess (cp1250 and latin-1 agree on most letters), never an exception
    assert "communiqué détaillé" in decode(long.encode("latin-1"), encoding="no-such-codec")


def test_memo_is_bounded_and_thread_safe():
    import threading

    from citecheck.content import Memo, PageContent

    memo = Memo(size=8)

    def work(n: int) -> None:
        for i in range(200):
            memo.put((n, i), PageContent(url=f"u{i}"))
            memo.get((n, i - 1))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(memo._items) == 8
    assert memo.get((0, 0)) is None  # evicted long ago
