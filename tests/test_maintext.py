"""Main text only: comments, rails, nav, footers and banners never count as the page's word."""

from __future__ import annotations

import pytest
from fixtures_newspages import (
    BYLINE,
    COMMENT,
    COOKIE,
    FOOTER,
    NAV,
    NEWSLETTER,
    RELATED,
    STORY,
    news_page,
)

from citecheck.content import extract_content
from citecheck.models import Citation, DatePrecision, SourceEntry
from citecheck.verify import CheckStatus, check_copy

URL = "https://daily.example/news/arms-exports"
BOILERPLATE = [COMMENT, RELATED, COOKIE, NEWSLETTER, FOOTER, BYLINE]


def read(html: str):
    return extract_content(html.encode(), "text/html; charset=utf-8", URL)


@pytest.mark.parametrize("inside", [True, False], ids=["in-article", "after-article"])
def test_boilerplate_never_enters_the_main_text(inside):
    c = read(news_page(comments_inside_article=inside))
    assert c.extractor == "trafilatura"
    for sentence in STORY:
        assert sentence[:60] in c.text
    for text in BOILERPLATE:
        assert text not in c.text, text
        assert text in c.boilerplate, text
    assert all(word not in c.text and word in c.boilerplate for word in NAV.split())
    assert "ad slot" not in c.text + c.full_text + c.boilerplate  # HTML comments
    assert "dataLayer" not in c.full_text + c.boilerplate
    assert COMMENT in c.full_text  # the visible text still has it


def test_pages_without_article_lose_their_boilerplate_too():
    html = news_page().replace("<article>", "<div class='post'>").replace("</article>", "</div>")
    c = read(html)
    assert c.extractor == "trafilatura" and STORY[0][:60] in c.text
    for text in (COMMENT, RELATED, COOKIE, FOOTER):
        assert text not in c.text and text in c.boilerplate


def test_a_list_page_keeps_its_items_but_not_its_rail():
    items = "".join(f"<li>Item number {i} about arms sales to China</li>" for i in range(60))
    html = (f"<html><body><ul>{items}</ul><div class='comments'><p>{COMMENT}.</p></div>"
            f"<div class='related-stories'><a href='/x'>{RELATED}</a></div></body></html>")
    c = read(html)
    assert "Item number 59 about arms sales" in c.text
    assert COMMENT not in c.text and RELATED not in c.text
    assert RELATED in c.boilerplate


def test_trafilatura_baseline_alone_keeps_comments_and_rails():
    """Why the <article> shortcut reads a cleaned tree: baseline() on the raw page
    returns the readers' comments and the related stories as article text."""
    from trafilatura import baseline

    _tree, text, _length = baseline(news_page())
    assert COMMENT in text and RELATED in text


def test_a_frame_named_like_a_sidebar_is_not_boilerplate():
    """A wrapper whose class matches a boilerplate pattern but holds the story
    (here without <article>) is the page's frame, not boilerplate."""
    body = "".join(f"<p>{p}</p>" for p in STORY)
    html = (f"<html><body><div class='layout has-sidebar'><div class='content'>{body}</div>"
            f"<div class='comments'><p>{COMMENT}.</p></div></div></body></html>")
    c = read(html)
    assert STORY[0][:50] in c.text
    assert STORY[0][:50] not in c.boilerplate
    assert COMMENT in c.boilerplate


def test_json_ld_article_body_is_still_the_main_text():
    body = " ".join(STORY)
    html = ('<html><head><script type="application/ld+json">{"@type": "NewsArticle", '
            f'"articleBody": "{body}"}}</script></head><body><article>'
            + "".join(f"<p>{p}</p>" for p in STORY)
            + f"<div class='comments'><p>{COMMENT}.</p></div></article></body></html>")
    c = read(html)
    assert STORY[1][:50] in c.text and COMMENT not in c.text


# ------------------------------------------------------------- check_copy

SOURCE = SourceEntry("Defence Daily", name="The Defence Daily", domains=("daily.example",),
                     language="en")


def cite(*quotes: str) -> Citation:
    return Citation(id="c1", raw="(Defence Daily, March 14 2018)", line=1, column=1,
                    context="Arms exports grew.", source="Defence Daily", date="2018-03-14",
                    date_as_written="March 14 2018", date_precision=DatePrecision.DAY,
                    quotes=quotes)


def check(*quotes: str, html: str | None = None):
    content = read(html or news_page())
    return check_copy(cite(*quotes), content, URL, source=SOURCE, quotes=quotes)


@pytest.mark.parametrize("quote, failure", [
    ("arms exports rose 42.8 percent last year", None),
    ("Russia will ratify the treaty in May", None),
    ("the exercise is not aimed at third parties", None),
    ("arms exports rose 48.2 percent last year", "misquote"),
    ("Russia will not ratify the treaty in May", "misquote"),
    ("Foreign Minister Sergei Shoigu told reporters", "misquote"),
    (COMMENT, "quote-in-boilerplate"),
    (RELATED, "quote-in-boilerplate"),
    (COOKIE, "quote-in-boilerplate"),
    ("the ministry never published any figures at all", "quote-not-found"),
])
def test_check_copy_on_a_messy_page(quote, failure):
    result = check(quote)
    if failure is None:
        assert result.failures == () and result.quotes is CheckStatus.PASS
        assert result.quotes_found == (quote,)
    else:
        assert result.failures == (failure,)
        assert result.quotes is CheckStatus.FAIL
        assert quote in dict(result.details)[failure]


def test_misquote_record_shows_the_page_as_written():
    result = check("arms exports rose 48.2 percent last year")
    (change,) = result.misquotes
    assert change.quote == "arms exports rose 48.2 percent last year"
    assert change.page == "arms exports rose 42.8 percent last year"
    assert change.differences == (("number", "48 2", "42 8"),)
    assert "the page says \u201carms exports rose 42.8 percent" in dict(result.details)["misquote"]


def test_boilerplate_quote_is_recorded_apart():
    result = check(COMMENT, "arms exports rose 42.8 percent last year")
    assert result.quotes_in_boilerplate == (COMMENT,)
    assert result.quotes_found == ("arms exports rose 42.8 percent last year",)


def test_a_quote_in_a_caption_outside_the_main_text_still_counts():
    html = news_page().replace(
        "</article>", "<figure><figcaption>Air defence systems on parade in Red Square"
        "</figcaption></figure></article>")
    result = check("Air defence systems on parade in Red Square", html=html)
    assert result.failures == ()
