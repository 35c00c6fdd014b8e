"""Paged Memento TimeMaps (RFC 7089 link format): ``rel="next"``/``rel="prev"`` pages.

A TimeMap endpoint with many mementos of a page splits its TimeMap into pages
linked by ``rel="next"`` and ``rel="prev"`` (each with the ``from``/``until``
it covers). The pages are served here by a real loopback server (the
simulated web), written from the link format, not recorded; politeness is
checked with the fake HTTP client and a fake clock.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest
from fixtures_archive import FakeFetcher, FakeTime, answer

from citecheck.archive import RateLimiter
from citecheck.archive.memento import MementoClient, parse_timemap_page
from citecheck.http import HttpClient, HttpConfig
from citecheck.models import LookupStatus

PAGE = "http://news.example.org/2018/05/statement"
CITED = "2018-05-14"


def http_date(ts: str) -> str:
    moment = datetime.strptime(ts, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
    return format_datetime(moment, usegmt=True)


def timemap_page(base: str, number: int, timestamps: list[str], *, prev: int | None = None,
                 next_: int | None = None, spans: dict[int, tuple[str, str]] | None = None
                 ) -> str:
    """Page ``number`` of the TimeMap of PAGE at ``base``: its mementos and paging links."""
    spans = spans or {}

    def at(n: int) -> str:
        return f"{base}/timemap/link/{PAGE}" if n == 1 else f"{base}/timemap/link/{n}/{PAGE}"

    def span(n: int) -> str:
        if n not in spans:
            return ""
        begins, ends = spans[n]
        return f'; from="{http_date(begins)}"; until="{http_date(ends)}"'

    lines = [f'<{PAGE}>; rel="original"',
             f'<{base}/timegate/{PAGE}>; rel="timegate"',
             f'<{at(number)}>; rel="self"; type="application/link-format"{span(number)}']
    if prev is not None:
        lines.append(f'<{at(prev)}>; rel="prev"; type="application/link-format"{span(prev)}')
    if next_ is not None:
        lines.append(f'<{at(next_)}>; rel="next"; type="application/link-format"{span(next_)}')
    for ts in timestamps:
        lines.append(f'<{base}/web/{ts}/{PAGE}>; rel="memento"; datetime="{http_date(ts)}"')
    return ",\n".join(lines) + "\n"


def serve_timemap(simweb, pages: dict[int, str | int]) -> str:
    """A TimeMap endpoint on the simulated web: page N at /timemap/link/N/PAGE (1: no N)."""
    base = simweb.host("tm")
    for number, body in pages.items():
        path = f"/timemap/link/{PAGE}" if number == 1 else f"/timemap/link/{number}/{PAGE}"
        if isinstance(body, int):
            simweb.route("tm", path, status=body, body="unavailable", content_type="text/plain")
        else:
            simweb.route("tm", path, body=body, content_type="application/link-format")
    return base


def client_of(base: str, **kw) -> MementoClient:
    return MementoClient(HttpClient(HttpConfig(retries=0)), f"memento:{base}/timemap/link/", **kw)


def pages_asked(simweb) -> list[str]:
    return [r.path for r in simweb.requests if r.host == "tm" and "/timemap/" in r.path]


def three_pages(simweb, *, loop: bool = True) -> str:
    """2017 on page 1, early 2018 on page 2, the capture nearest 14 May 2018 on page 3,
    whose ``next`` leads back to page 1 when ``loop``."""
    base = simweb.host("tm")
    return serve_timemap(simweb, {
        1: timemap_page(base, 1, ["20170301000000", "20170901000000"], next_=2),
        2: timemap_page(base, 2, ["20180101000000", "20180301000000"], prev=1, next_=3),
        3: timemap_page(base, 3, ["20180515000000", "20180901000000"], prev=2,
                        next_=1 if loop else None),
    })


# ------------------------------------------------------------------ paging


def test_next_pages_are_followed_and_the_nearest_memento_over_all_pages_wins(simweb):
    base = three_pages(simweb)
    lookup = client_of(base).lookup(PAGE, CITED, None)
    assert lookup.status is LookupStatus.FOUND
    assert lookup.snapshot.timestamp == "20180515000000"
    assert lookup.snapshot.archive_url == f"{base}/web/20180515000000/{PAGE}"
    assert sorted(c.timestamp for c in lookup.candidates) == [
        "20170901000000", "20180101000000", "20180301000000", "20180515000000",
        "20180901000000"]  # 1 March 2017 is outside the year's window
    # each page once: page 2's prev and page 3's next lead back to pages already read
    assert pages_asked(simweb) == [f"/timemap/link/{PAGE}", f"/timemap/link/2/{PAGE}",
                                   f"/timemap/link/3/{PAGE}"]


def test_a_first_page_that_links_back_to_itself_is_read_once(simweb):
    base = simweb.host("tm")
    serve_timemap(simweb, {1: timemap_page(base, 1, ["20180514000000"], prev=1, next_=1)})
    lookup = client_of(base).lookup(PAGE, CITED, None)
    assert lookup.snapshot.timestamp == "20180514000000"
    assert len(pages_asked(simweb)) == 1


def test_page_cap_stops_reading_and_says_so(simweb, caplog):
    base = three_pages(simweb, loop=False)
    with caplog.at_level(logging.WARNING, logger="citecheck.archive.memento"):
        lookup = client_of(base, max_pages=2).lookup(PAGE, CITED, None)
    assert len(pages_asked(simweb)) == 2
    assert "cap of 2" in caplog.text and "were not seen" in caplog.text
    # the nearest memento seen (page 3 was not read): a real capture in the window
    assert lookup.status is LookupStatus.FOUND
    assert lookup.snapshot.timestamp == "20180301000000"


def test_page_cap_with_no_memento_in_the_window_is_an_error_not_none(simweb):
    base = three_pages(simweb, loop=False)
    lookup = client_of(base, max_pages=1).lookup(PAGE, "2018-09-01", None, window_days=30)
    assert lookup.status is LookupStatus.ERROR
    assert lookup.error.startswith("too-many-pages: stopped at the cap of 1 TimeMap pages")
    assert "no memento in the window on the pages read" in lookup.error


def test_pages_outside_the_window_by_their_from_until_are_not_read(simweb):
    base = simweb.host("tm")
    spans = {1: ("20180401000000", "20180601000000"), 2: ("20200101000000", "20201231000000"),
             3: ("20160101000000", "20161231000000")}
    serve_timemap(simweb, {
        1: timemap_page(base, 1, ["20180501000000"], prev=3, next_=2, spans=spans),
        2: timemap_page(base, 2, ["20200601000000"], prev=1, spans=spans),
        3: timemap_page(base, 3, ["20160601000000"], next_=1, spans=spans),
    })
    lookup = client_of(base).lookup(PAGE, CITED, None, window_days=365)
    assert lookup.snapshot.timestamp == "20180501000000"
    assert pages_asked(simweb) == [f"/timemap/link/{PAGE}"]
    # a wider window reaches them
    simweb.requests.clear()
    lookup = client_of(base).lookup(PAGE, CITED, None, window_days=3650)
    assert len(pages_asked(simweb)) == 3


def test_prev_pages_are_followed_from_a_timemap_that_starts_at_its_newest_page(simweb):
    base = simweb.host("tm")
    serve_timemap(simweb, {
        1: timemap_page(base, 1, ["20190101000000"], prev=2),
        2: timemap_page(base, 2, ["20180513000000"], next_=1),
    })
    lookup = client_of(base).lookup(PAGE, CITED, None)
    assert lookup.snapshot.timestamp == "20180513000000"


@pytest.mark.parametrize("cited, status", [(CITED, LookupStatus.FOUND),
                                           ("2018-09-01", LookupStatus.ERROR)])
def test_a_page_that_fails_leaves_an_error_unless_a_memento_was_found(simweb, caplog, cited,
                                                                      status):
    base = simweb.host("tm")
    serve_timemap(simweb, {1: timemap_page(base, 1, ["20180514000000"], next_=2), 2: 503})
    with caplog.at_level(logging.WARNING, logger="citecheck.archive.memento"):
        lookup = client_of(base).lookup(PAGE, cited, None, window_days=30)
    assert lookup.status is status
    assert "could not be read" in caplog.text
    if status is LookupStatus.ERROR:  # the unread page may hold one: never "none"
        assert "HTTP 503" in lookup.error


def test_page_fetches_keep_the_archive_s_rate_limit():
    tm = "http://tm.test/timemap/link/"
    fake = FakeFetcher()
    base = "http://tm.test"
    pages = {1: timemap_page(base, 1, ["20170101000000"], next_=2),
             2: timemap_page(base, 2, ["20180101000000"], prev=1, next_=3),
             3: timemap_page(base, 3, ["20180514000000"], prev=2)}
    for number, body in pages.items():
        at = f"{tm}{PAGE}" if number == 1 else f"{tm}{number}/{PAGE}"
        fake.on(at, answer(at, body=body, headers={"Content-Type": "application/link-format"}))
    clock = FakeTime()
    client = MementoClient(fake, "memento:" + tm, rate_per_second=1.0)  # type: ignore[arg-type]
    client.limiter = RateLimiter(1.0, clock=clock.clock, sleep=clock.sleep)
    lookup = client.lookup(PAGE, CITED, None)
    assert lookup.snapshot.timestamp == "20180514000000"
    assert [r.url for r in fake.requests] == [f"{tm}{PAGE}", f"{tm}2/{PAGE}", f"{tm}3/{PAGE}"]
    assert clock.sleeps == [1.0, 1.0]  # one request a second, pages included


# ------------------------------------------------------------------ parsing


def test_page_links_are_told_from_mementos_and_resolved():
    text = (
        f'<{PAGE}>; rel="original",\n'
        '<2/x>; rel="next"; type="application/link-format"; from="Tue, 01 May 2018 00:00:00 GMT",\n'
        '</tm/0/x#top>; rel="previous",\n'
        '<http://tm.test/web/20180514000000/x>; rel="prev memento"; '
        'datetime="Mon, 14 May 2018 00:00:00 GMT",\n'
        '<http://tm.test/web/20180515000000/x>; rel="memento"; '
        'datetime="Tue, 15 May 2018 00:00:00 GMT"\n')
    page = parse_timemap_page(text, "http://tm.test/tm/1/x")
    assert [link.uri for link in page.pages] == ["http://tm.test/tm/1/2/x", "http://tm.test/tm/0/x"]
    assert page.pages[0].params["from"] == "Tue, 01 May 2018 00:00:00 GMT"
    assert [m.timestamp for m in page.mementos] == ["20180514000000", "20180515000000"]
    assert page.original == PAGE
