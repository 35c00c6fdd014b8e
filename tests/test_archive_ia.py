"""The Internet Archive's real shapes: SURT keys, repeated rows, the tie window,
revisits, its own redirects, ``00`` dates, and its rate limits.

Every answer is written from IA's documented formats (see fixtures_archive.py)
and served by a fake HTTP client with the one method the archive code uses.
"""

from __future__ import annotations

import logging
import math

import pytest
from fixtures_archive import FakeFetcher, FakeTime, answer, cdx_json

from citecheck.archive import ArchiveClient, RateLimiter
from citecheck.archive.cdx import parse_cdx_page
from citecheck.archive.client import IA_CDX_RATE, default_rates, url_match_key
from citecheck.models import LookupStatus

IA_ROOT = "https://web.archive.org/web"
IA_CDX = "https://web.archive.org/cdx/search/cdx"
PAGE = "https://www.fws.gov/birds/news/statement"


def ia_client(fake: FakeFetcher, **kw) -> tuple[ArchiveClient, FakeTime]:
    clock = FakeTime()
    client = ArchiveClient(fake, IA_ROOT, **kw)  # type: ignore[arg-type]
    client.limiter = RateLimiter(client.rates[1], clock=clock.clock, sleep=clock.sleep)
    return client, clock


def replay(ts: str, url: str = PAGE) -> str:
    return f"{IA_ROOT}/{ts}id_/{url}"


# ------------------------------------------------------------------- SURT


@pytest.mark.parametrize(
    "cited, listed",
    [
        ("https://www.fws.gov/birds", "https://www.fws.gov/birds/"),
        ("https://www.fws.gov/birds/", "http://fws.gov/birds"),
        ("http://x.org/R/Page", "http://x.org/r/page"),
        ("http://x.org/p?b=2&a=1", "http://x.org/p?a=1&b=2"),
        ("http://x.org:80/", "http://x.org/"),
        ("http://WWW.X.ORG/a", "https://x.org/a"),
    ],
)
def test_captures_match_by_surt_and_keep_their_original_url(cited, listed):
    fake = FakeFetcher()
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json([("20180514093000", listed, "200")])))
    client, _ = ia_client(fake)
    found = client.lookup(cited, "2018-05-14", None)
    assert found.status is LookupStatus.FOUND
    assert found.snapshot.url == listed  # shown as the archive has it
    assert found.snapshot.archive == IA_ROOT
    assert url_match_key(cited) == url_match_key(listed)


def test_a_different_page_is_still_no_match():
    fake = FakeFetcher()
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json([("20180514093000", "http://x.org/a/b", "200")])))
    client, _ = ia_client(fake)
    assert client.lookup("http://x.org/a", "2018-05-14", None).status is LookupStatus.NONE
    assert url_match_key("http://x.org/a?x=1") != url_match_key("http://x.org/a")


# ----------------------------------------------- duplicates and the tie window


def test_repeated_rows_collapse_to_one_candidate():
    fake = FakeFetcher()
    rows = [("20180514093000", PAGE, "200", "SAME")] * 4 + [("20180601000000", PAGE, "200")]
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json(rows)))
    client, _ = ia_client(fake)
    found = client.lookup(PAGE, "2018-05-14", None)
    assert [c.timestamp for c in found.candidates] == ["20180514093000", "20180601000000"]
    assert len(fake.to(IA_CDX)) == 1  # the answer was not cut at the limit: one query


def test_tie_window_sees_captures_the_closest_answer_had_no_room_for():
    # cited and published 2018-06-04; IA lists the 5 June capture five times,
    # which fills limit=5 of the closest-first answer; the 3 June capture (as
    # close, and before publication: the one the author saw) is not in it.
    fake = FakeFetcher()
    repeated = [("20180605101500", PAGE, "200", "AFTER")] * 5
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json(repeated)), sort="closest")
    window = [("20180602000000", PAGE, "404"), ("20180603120000", PAGE, "200", "BEFORE"),
              *repeated]
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json(window[:3], resume_key="k1")),
            showResumeKey="true", limit="3")
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json(window[3:6], resume_key="k2")),
            resumeKey="k1")
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json(window[6:])), resumeKey="k2")
    client, _ = ia_client(fake, candidate_limit=5, page_rows=3)
    found = client.lookup(PAGE, "2018-06-04", "2018-06-04")
    assert found.snapshot.timestamp == "20180603120000"
    second = fake.to(IA_CDX)[1].params
    assert second["from"] <= "20180603000000" and second["to"] >= "20180605235959"
    assert "sort" not in second
    assert sorted(c.timestamp for c in found.candidates) == [
        "20180602000000", "20180603120000", "20180605101500"]


def test_row_cap_stops_paging_and_says_so(caplog):
    fake = FakeFetcher()
    repeated = [("20180605101500", PAGE, "200", "A")] * 5
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json(repeated)), sort="closest")
    fake.on(IA_CDX, lambda req: answer(IA_CDX, body=cdx_json(
        [(f"201806051{int(req.params.get('resumeKey', '0')):05d}", PAGE, "200")]
        * int(req.params["limit"]), resume_key=str(int(req.params.get("resumeKey", "0")) + 1))))
    client, _ = ia_client(fake, candidate_limit=5, page_rows=4, max_rows=13)
    with caplog.at_level(logging.WARNING, logger="citecheck.archive.client"):
        found = client.lookup(PAGE, "2018-06-04", None)
    assert found.status is LookupStatus.FOUND
    assert "cap of 13" in caplog.text
    assert sum(int(r.params.get("limit", 0)) for r in fake.to(IA_CDX)[1:]) == 13 - 5


# -------------------------------------------------------------- revisits


def test_revisit_takes_the_status_of_the_capture_it_repeats():
    fake = FakeFetcher()
    rows = [("20180514093000", PAGE, "-", "SAMEDIGEST"),
            ("20180301000000", PAGE, "200", "SAMEDIGEST")]
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json(rows)))
    client, _ = ia_client(fake)
    found = client.lookup(PAGE, "2018-05-14", None)
    assert found.status is LookupStatus.FOUND
    assert found.snapshot.timestamp == "20180514093000" and found.snapshot.status_code == 200
    assert len(fake.to(IA_CDX)) == 1


def test_revisit_of_a_capture_outside_the_answer_is_looked_up_by_digest():
    fake = FakeFetcher()
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json([("20170102000000", PAGE, "200", "OLD")])),
            filter="digest:OLD")
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json([("20180514093000", PAGE, "-", "OLD")])))
    client, _ = ia_client(fake)
    found = client.lookup(PAGE, "2018-05-14", None)
    assert found.snapshot.timestamp == "20180514093000"
    assert fake.to(IA_CDX)[1].params["filter"] == "digest:OLD"


def test_revisit_whose_original_is_nowhere_is_not_chosen():
    fake = FakeFetcher()
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json([])), filter="digest:GONE")
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json([("20180514093000", PAGE, "-", "GONE")])))
    client, _ = ia_client(fake)
    lookup = client.lookup(PAGE, "2018-05-14", None)
    assert lookup.status is LookupStatus.NONE
    assert lookup.candidates[0].status_code is None


def test_revisit_query_failing_is_an_error_not_none():
    fake = FakeFetcher()
    fake.on(IA_CDX, answer(IA_CDX, status=503), filter="digest:X")
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json([("20180514093000", PAGE, "-", "X")])))
    client, _ = ia_client(fake)
    assert client.lookup(PAGE, "2018-05-14", None).status is LookupStatus.ERROR


# ------------------------------------------------------ IA's own redirects


def ia_hop(asked: str, to_ts: str) -> object:
    """IA's 302 for an id_ timestamp it does not hold exactly."""
    return answer(asked, 302, headers={
        "Location": replay(to_ts),
        "X-Archive-Redirect-Reason": f"found capture at {to_ts}",
        "Content-Type": "text/plain",
    })


def test_ia_redirect_to_the_nearest_capture_is_followed_and_its_timestamp_kept():
    fake = FakeFetcher()
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json([("20180514093000", PAGE, "200")])))
    fake.on(replay("20180514093000"), ia_hop(replay("20180514093000"), "20180514093512"))
    fake.on(replay("20180514093512"), answer(replay("20180514093512"), body="<p>the page</p>",
            headers={"Content-Type": "text/html",
                     "Memento-Datetime": "Mon, 14 May 2018 09:35:12 GMT"}))
    client, _ = ia_client(fake)
    snap = client.fetch_snapshot(client.lookup(PAGE, "2018-05-14", None).snapshot)
    assert snap.error is None and snap.body == b"<p>the page</p>"
    assert snap.timestamp == "20180514093512"
    assert snap.archive_url == f"{IA_ROOT}/20180514093512/{PAGE}"
    assert all(not r.follow_redirects for r in fake.requests[1:])


def test_memento_datetime_is_the_timestamp_served_even_without_a_hop():
    fake = FakeFetcher()
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json([("20180514093000", PAGE, "200")])))
    fake.on(replay("20180514093000"), answer(replay("20180514093000"), body="x", headers={
        "Memento-Datetime": "Mon, 14 May 2018 09:31:07 GMT"}))
    client, _ = ia_client(fake)
    snap = client.fetch_snapshot(client.lookup(PAGE, "2018-05-14", None).snapshot)
    assert snap.timestamp == "20180514093107"


def test_archived_redirect_is_the_pages_own_and_is_not_taken_for_the_page():
    fake = FakeFetcher()
    other = "https://www.fws.gov/birds/news/other"
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json([("20180514093000", PAGE, "200")])))
    fake.on(replay("20180514093000"), answer(replay("20180514093000"), 302, headers={
        "Location": replay("20180514093000", other),
        "Memento-Datetime": "Mon, 14 May 2018 09:30:00 GMT"}))
    client, _ = ia_client(fake)
    snap = client.fetch_snapshot(client.lookup(PAGE, "2018-05-14", None).snapshot)
    assert snap.body is None and "archived redirect" in snap.error
    assert len(fake.to(replay("20180514093000", other))) == 0


def test_archived_301_behind_an_ia_hop_is_followed_to_where_the_page_moved():
    fake = FakeFetcher()
    moved = "https://www.fws.gov/birds/news/statement-2018"
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json([("20180514093000", moved, "200")])),
            url=moved)
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json([("20180514000000", PAGE, "301")])))
    fake.on(replay("20180514000000"), ia_hop(replay("20180514000000"), "20180514000002"))
    fake.on(replay("20180514000002"), answer(replay("20180514000002"), 301, headers={
        "Location": replay("20180514000002", moved),
        "Memento-Datetime": "Mon, 14 May 2018 00:00:02 GMT"}))
    client, _ = ia_client(fake)
    found = client.lookup(PAGE, "2018-05-14", None)
    assert found.status is LookupStatus.FOUND and found.snapshot.url == moved


# ------------------------------------------------------------- 00 dates


def test_rows_dated_month_or_day_00_are_skipped_and_logged(caplog):
    rows = [("20180500120000", PAGE, "200"), ("20180014093000", PAGE, "200"),
            ("20180514093000", PAGE, "200")]
    with caplog.at_level(logging.WARNING, logger="citecheck.archive.cdx"):
        page = parse_cdx_page(cdx_json(rows))
    assert [r.timestamp for r in page.rows] == ["20180514093000"]
    assert page.skipped == ("20180500120000", "20180014093000")
    assert "skipped 2 row(s)" in caplog.text
    fake = FakeFetcher()
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json(rows)))
    client, _ = ia_client(fake)
    assert client.lookup(PAGE, "2018-05-14", None).snapshot.timestamp == "20180514093000"


def test_only_00_rows_is_no_snapshot_not_an_error():
    fake = FakeFetcher()
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json([("20180500000000", PAGE, "200")])))
    client, _ = ia_client(fake)
    assert client.lookup(PAGE, "2018-05-14", None).status is LookupStatus.NONE


def test_short_timestamps_stand_for_their_first_day():
    page = parse_cdx_page(cdx_json([("2018", PAGE, "200"), ("201805", PAGE, "200")]))
    assert [r.timestamp for r in page.rows] == ["20180101000000", "20180501000000"]


# ---------------------------------------------------------- politeness


def test_default_rates_by_endpoint():
    assert default_rates(IA_CDX, IA_ROOT) == (IA_CDX_RATE, 3.0)
    assert IA_CDX_RATE <= 1.0
    assert default_rates("http://127.0.0.1:8080/web/cdx") == (math.inf, math.inf)
    assert default_rates("http://10.1.2.3/web/cdx") == (math.inf, math.inf)
    assert default_rates("https://arquivo.pt/wayback/cdx") == (3.0, 3.0)


def test_internet_archive_cdx_is_asked_at_most_once_a_second():
    fake = FakeFetcher()
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json([("20180514093000", PAGE, "200")])))
    client, clock = ia_client(fake)
    for day in range(1, 6):
        client.lookup(PAGE, f"2018-05-{day:02d}", None)
    assert sum(clock.sleeps) >= 4.0  # 5 CDX requests: 4 intervals of 1 s


def test_loopback_archive_is_not_throttled():
    fake = FakeFetcher()
    root = "http://127.0.0.1:8080/web"
    fake.on(root + "/cdx", answer(root + "/cdx", body=cdx_json([("20180514093000", PAGE, "200")])))
    client = ArchiveClient(fake, root)  # type: ignore[arg-type]
    assert client.limiter.interval == 0.0 and client.rates == (math.inf, math.inf)


def test_archive_rate_overrides_the_default():
    client = ArchiveClient(FakeFetcher(), IA_ROOT, rate_per_second=0.5)  # type: ignore[arg-type]
    assert client.rates == (0.5, 0.5) and client.limiter.interval == 2.0
    local = ArchiveClient(FakeFetcher(), "http://127.0.0.1:1/web", rate_per_second=2)  # type: ignore[arg-type]  # noqa: E501
    assert local.limiter.interval == 0.5


def test_429_without_retry_after_holds_every_request_back(caplog):
    fake = FakeFetcher()
    answers = iter([answer(IA_CDX, 429, "Too Many Requests"),
                    answer(IA_CDX, body=cdx_json([("20180514093000", PAGE, "200")]))])
    fake.on(IA_CDX, lambda _req: next(answers))
    client, clock = ia_client(fake)
    with caplog.at_level(logging.WARNING):
        first = client.lookup(PAGE, "2018-05-14", None)
    assert first.status is LookupStatus.ERROR and first.error.startswith("rate-limited")
    assert "without Retry-After" in caplog.text
    assert client.lookup(PAGE, "2018-05-15", None).status is LookupStatus.FOUND
    assert max(clock.sleeps) >= 59.0  # waited out IA's minute before asking again


# ------------------------------------------- the same paths on a real pywb


@pytest.mark.slow
def test_tie_window_query_and_surt_match_on_a_real_pywb(pywb_factory):
    from fixtures_pywb import html_capture

    from citecheck.http import HttpClient, HttpConfig

    page = "http://www.mod.example.org/en/News/Item.html?b=2&a=1"
    stamps = ["20180605010000", "20180605020000", "20180605030000", "20180606101500",
              "20180603080000", "20180420000000"]
    server = pywb_factory([html_capture(page, ts, f"<p>capture {ts}</p>") for ts in stamps],
                          name="tie")
    http = HttpClient(HttpConfig(retries=0, allow_private=True))
    asked: list[dict[str, str]] = []

    class Recording:
        def fetch(self, url, **kw):
            asked.append(dict(kw.get("params") or {}))
            return http.fetch(url, **kw)

    client = ArchiveClient(Recording(), server.root, candidate_limit=3, page_rows=2)  # type: ignore[arg-type]  # noqa: E501
    assert client.rates == (math.inf, math.inf)
    # asked with another spelling of the same page: matched by SURT
    found = client.lookup("https://mod.example.org/en/News/Item.html?a=1&b=2", "2018-06-04",
                          "2018-06-04")
    assert found.status is LookupStatus.FOUND, found.error
    # the closest three (all 5 June) hid the 3 June capture: the tie window found it
    assert asked[0]["sort"] == "closest" and asked[0]["limit"] == "3"
    assert any(q.get("showResumeKey") == "true" for q in asked[1:])
    assert found.snapshot.timestamp == "20180603080000"
    assert found.snapshot.url == page
    fetched = client.fetch_snapshot(found.snapshot)
    assert fetched.error is None and b"capture 20180603080000" in fetched.body
