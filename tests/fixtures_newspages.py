"""Real-looking news article pages, for the quote and main-text tests.

A page has what publishers' pages have around the story: a cookie banner, the
site's navigation, a byline, HTML comments, a share bar, a related-stories
rail and a readers' comments section (both *inside* ``<article>``, as many
CMSs put them), a newsletter box and a footer. The story's own sentences are
in :data:`STORY`; the boilerplate's in :data:`COMMENT`, :data:`RELATED`, ...
so a test can quote either. Everything here is written for the tests.
"""

from __future__ import annotations

import html as html_lib

TITLE = "Arms exports rose sharply last year, ministry says"
DATE = "2018-03-14"
STORY = [
    "The defence ministry said on Tuesday that arms exports rose 42.8 percent last year, "
    "to 1,000 units, the highest level since 2011.",
    "Foreign Minister Sergei Lavrov told reporters that Russia will ratify the treaty in "
    "May, after consultations with its partners in the region.",
    "\u201cThe exercise is not aimed at third parties,\u201d Lavrov said, adding that the "
    "schedule of joint drills would be published in the autumn.",
    "Exports to China were worth $4.2 billion, or 12% of the total, according to figures "
    "released by the Federal Service for Military-Technical Cooperation.",
    "Analysts said the growth reflected long-standing contracts rather than new orders, and "
    "warned that sanctions could weigh on deliveries over the coming years.",
    "The ministry did not give a breakdown by weapon type, but officials said air defence "
    "systems and combat aircraft accounted for most of the deliveries.",
]
COMMENT = "This government will never admit the real numbers behind these deals"
COMMENT_AUTHOR = "Ivan_1978"
RELATED = "Navy chief warns of shipyard delays as orders pile up"
COOKIE = "We use cookies to improve your experience and to measure our audience"
NEWSLETTER = "Sign up for our morning briefing and never miss a story"
FOOTER = "All rights reserved. Reproduction only with a link to the source."
NAV = "Politics Economy Defence World Opinion"
BYLINE = "By Anna Petrova, Defence correspondent"


def news_page(story: list[str] | None = None, *, title: str = TITLE, date: str = DATE,
              comments_inside_article: bool = True) -> str:
    """The HTML of one article page with its boilerplate (see the module)."""
    esc = html_lib.escape
    nav = "".join(f"<a href='/{w.lower()}'>{w}</a> " for w in NAV.split())
    paragraphs = "\n".join(f"<p>{esc(p)}</p>" for p in (story or STORY))
    comments = (
        '<section id="comments" class="comments-area"><h3>3 comments</h3>'
        '<ol class="comment-list">'
        f'<li class="comment"><div class="comment-author">{esc(COMMENT_AUTHOR)}</div>'
        f'<div class="comment-content"><p>{esc(COMMENT)}.</p></div></li>'
        '<li class="comment"><div class="comment-author">reader42</div>'
        '<div class="comment-content"><p>Good article, thanks for the figures.</p></div></li>'
        '</ol><div id="respond"><textarea></textarea><button>Post comment</button></div>'
        "</section>"
    )
    related = (
        '<div class="related-stories"><h3>Related stories</h3><ul>'
        f'<li><a href="/news/shipyards">{esc(RELATED)}</a></li>'
        '<li><a href="/news/budget">Parliament approves the defence budget in first reading'
        "</a></li></ul></div>"
    )
    article = (
        f"<article><header><h1>{esc(title)}</h1>"
        f'<p class="byline">{esc(BYLINE)}</p>'
        f'<time datetime="{date}T08:30:00+03:00">{date}</time></header>'
        '<div class="share-bar"><a href="#">Share on X</a> <a href="#">Share by e-mail</a></div>'
        "<!-- ad slot: in-article-1 -->"
        f'<div class="article-body">{paragraphs}</div>'
        "<!-- /article body; TODO remove legacy tracking -->"
        f"{related}{comments if comments_inside_article else ''}</article>"
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{esc(title)} | The Defence Daily</title>"
        f'<meta property="og:title" content="{esc(title)}">'
        f'<meta property="article:published_time" content="{date}T08:30:00+03:00">'
        "<script>window.dataLayer = [{'page': 'article'}];</script>"
        "<style>.cookie-banner{position:fixed}</style></head><body>"
        f'<div id="cookie-banner" class="cookie-consent"><p>{esc(COOKIE)}.</p>'
        "<button>Accept all</button></div>"
        f"<header class='site-header'><nav>{nav}</nav></header>"
        f"<main>{article}</main>"
        f"{'' if comments_inside_article else comments}"
        f'<aside class="sidebar"><div class="newsletter"><p>{esc(NEWSLETTER)}.</p></div>'
        '<h3>Most read</h3><ul><li>Weather forecast for the weekend</li></ul></aside>'
        f"<footer><p>{esc(FOOTER)}</p><a href='/privacy'>Privacy</a></footer>"
        "</body></html>"
    )
