"""CDX parsing (both dialects, plain text, garbage) and the client over ``responses``."""

from __future__ import annotations

import dataclasses
import json
import threading
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from fake_http import fake_web
from fixtures_archive import FakeTime

from citecheck.archive import (
    ArchiveClient,
    CdxParseError,
    RateLimiter,
    choose_snapshot,
    collection_of,
    derive_cdx_url,
    parse_cdx,
    parse_retry_after,
    url_match_key,
)
from citecheck.http import HttpClient, HttpConfig
from citecheck.models import ArchiveLookup, LookupStatus, Snapshot

IA_CDX = "https://web.archive.org/cdx/search/cdx"
PYWB_ROOT = "http://archive.test/web"
PYWB_CDX = PYWB_ROOT + "/cdx"
PYWB_LISTING = "http://archive.test/collinfo.json"  #: pywb's list of its collections
WEB_ONLY = {"fixed": [], "dynamic": ["web"]}  #: what pywb 2.10 lists with one collection
PAGE = "http://news.example.com/2018/05/14/statement"
IA_HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


def ia_body(*rows: tuple[str, str, str]) -> str:
    """IA JSON: header row, then (timestamp, status, url) rows."""
    data = [IA_HEADER] + [
        ["com,example,news)/x", ts, url, "text/html", status, f"D{ts}", "1234"]
        for ts, status, url in rows
    ]
    return json.dumps(data)


def pywb_body(*rows: tuple[str, str, str], fuzzy: bool = False) -> str:
    lines = []
    for ts, status, url in rows:
        obj = {"urlkey": "com,example,news)/x", "timestamp": ts, "url": url, "mime": "text/html",
               "status": status, "digest": f"D{ts}", "length": "99", "offset": "0",
               "filename": "a.warc.gz", "source": "web/indexes/index.cdxj"}
        if fuzzy:
            obj["is_fuzzy"] = "1"
        lines.append(json.dumps(obj))
    return "\n".join(lines) + "\n"


def make_client(root: str = PYWB_ROOT, cdx: str | None = None, **kw) -> tuple[ArchiveClient, FakeTime]:  # noqa: E501
    fake = FakeTime()
    limiter = RateLimiter(kw.pop("rate", 1000.0), clock=fake.clock, sleep=fake.sleep)
    http = HttpClient(
        HttpConfig(retries=kw.pop("http_retries", 0), allow_private=True),
        resolve=lambda host: ["192.0.2.1"],  # no DNS in unit tests
        sleep=fake.sleep,
    )
    return ArchiveClient(http, root, cdx, limiter=limiter, **kw), fake


# ----------------------------------------------------------------- parsing


def test_parse_ia_array_of_arrays():
    rows = parse_cdx(ia_body(("20180514093000", "200", PAGE), ("20180520", "-", PAGE)))
    assert [r.timestamp for r in rows] == ["20180514093000", "20180520000000"]
    assert rows[0].status == 200 and rows[0].mimetype == "text/html"
    assert rows[0].digest == "D20180514093000" and rows[0].length == 1234
    assert rows[1].status is None  # revisit rows have '-'


def test_parse_ia_resume_key_row_is_not_a_capture():
    data = json.loads(ia_body(("20180514093000", "200", PAGE))) + [[], ["resumekey"]]
    assert len(parse_cdx(json.dumps(data))) == 1


def test_parse_pywb_object_lines():
    rows = parse_cdx(pywb_body(("20180514093000", "200", PAGE), ("20180603120000", "404", PAGE)))
    assert [(r.original, r.status, r.mimetype) for r in rows] == [
        (PAGE, 200, "text/html"), (PAGE, 404, "text/html"),
    ]
    assert not rows[0].fuzzy
    assert parse_cdx(pywb_body(("20180514093000", "200", PAGE), fuzzy=True))[0].fuzzy


def test_parse_plain_text_dialects():
    ia_plain = f"com,example,news)/x 20180514093000 {PAGE} text/html 200 ABC 1234\n"
    cdxj = "com,example,news)/x 20180514093000 " + json.dumps({"url": PAGE, "status": "301"})
    assert parse_cdx(ia_plain)[0].status == 200
    row = parse_cdx(cdxj)[0]
    assert (row.original, row.status, row.timestamp) == (PAGE, 301, "20180514093000")


@pytest.mark.parametrize("body", ["", "   \n", "[]", b"\xef\xbb\xbf"])
def test_parse_empty_answers(body):
    assert parse_cdx(body) == []


@pytest.mark.parametrize(
    "body",
    [
        "<!doctype html><html><body>Wayback Machine is down</body></html>",
        '[["urlkey","timestamp"',  # truncated JSON
        '{"error": "boom"',
        '[["foo", "bar"], ["1", "2"]]',  # no timestamp/original header
        '[["urlkey","timestamp","original"],["k","yesterday","http://a.b/"]]',
        '[["urlkey","timestamp","original"],["k","20181399000000","http://a.b/"]]',
        "Service Unavailable",
        '{"message": "no"}',
        b"\xff\xfe\x00garbage",
        '"just a string"',
    ],
)
def test_parse_garbage_raises(body):
    with pytest.raises(CdxParseError):
        parse_cdx(body)


# ------------------------------------------------------------ small helpers


def test_derive_cdx_url():
    assert derive_cdx_url("https://web.archive.org/web") == IA_CDX
    assert derive_cdx_url("http://127.0.0.1:8080/web/") == "http://127.0.0.1:8080/web/cdx"


@pytest.mark.parametrize(
    "value, expected",
    [("7", 7.0), (" 120 ", 120.0), ("", None), (None, None), ("soon", None),
     ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date_in_future():
    from datetime import datetime, timezone

    now = datetime(2015, 10, 21, 7, 27, 30, tzinfo=timezone.utc)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 30.0


def test_url_match_key_ignores_scheme_and_www_but_not_path():
    assert url_match_key("https://www.Example.com/a?b=1") == url_match_key("http://example.com/a?b=1")
    assert url_match_key("http://example.com/a") != url_match_key("http://example.com/a?b=1")
    assert url_match_key("example.com/a") == url_match_key("http://example.com/a")


def _snap(ts: str, status: int, distance: float) -> Snapshot:
    return Snapshot(PAGE, f"{PYWB_ROOT}/{ts}/{PAGE}", ts, status, distance_days=distance)


def test_choose_prefers_200_and_last_before_publication_among_near_ties():
    snaps = [_snap("20180514000000", 404, 0.0), _snap("20180515000000", 200, 0.5),
             _snap("20180517000000", 200, 2.0), _snap("20180605000000", 200, 1.0)]
    # near ties of the best 200 (0.5 days): within 3 days -> 0515, 0517, 0605;
    # the last on or before publication (2018-06-04) is 0517
    assert choose_snapshot(snaps, "2018-06-04").timestamp == "20180517000000"
    # without a publication date, the closest wins
    assert choose_snapshot(snaps, None).timestamp == "20180515000000"
    # nothing before publication: the closest
    assert choose_snapshot(snaps, "2018-01-01").timestamp == "20180515000000"
    assert choose_snapshot([_snap("20180514000000", 404, 0.0)], None) is None


def test_rate_limiter_spaces_requests_per_host_and_is_thread_safe():
    fake = FakeTime()
    limiter = RateLimiter(4.0, clock=fake.clock, sleep=lambda s: fake.sleeps.append(s))
    threads = [threading.Thread(target=limiter.acquire, args=("a",)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # the clock never moves: the 8 reservations are 0.25 s apart, each distinct
    assert sorted(fake.sleeps) == [0.25 * i for i in range(1, 8)]
    assert limiter.acquire("b") == 0  # other hosts are not held back
    limiter.hold_off("b", 30)
    assert limiter.acquire("b") == 30


# ------------------------------------------------------- client, responses


def _query(call) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


@fake_web.activate
def test_lookup_ia_dialect_and_query_parameters():
    fake_web.get(IA_CDX, body=ia_body(("20180301000000", "200", PAGE),
                                       ("20180514093000", "200", PAGE.replace("http:", "https:")),
                                       ("20180520120000", "200", PAGE)))
    client, _ = make_client("https://web.archive.org/web")
    result = client.lookup(PAGE, "2018-05-14", "2018-06-04")
    assert result.status is LookupStatus.FOUND
    snap = result.snapshot
    assert snap.timestamp == "20180514093000"
    assert snap.archive_url == f"https://web.archive.org/web/20180514093000/{snap.url}"
    assert snap.status_code == 200 and snap.digest == "D20180514093000"
    assert snap.distance_days == 0.0
    q = _query(fake_web.calls[0])
    assert q["url"] == PAGE and q["output"] == "json" and q["sort"] == "closest"
    assert q["closest"] == "20180514120000"
    assert q["from"] == "20170514000000" and q["to"] == "20190514235959"
    assert q["allowFuzzy"] == "0"


@fake_web.activate
def test_lookup_pywb_dialect_drops_fuzzy_rows_of_other_urls():
    other = "http://news.example.com/2018/05/14/statement?print=1"
    fake_web.get(PYWB_CDX, body=pywb_body(("20180514093000", "200", other),
                                           ("20180515093000", "200", "http://elsewhere.org/"),
                                           fuzzy=True))
    client, _ = make_client()
    result = client.lookup(PAGE, "2018-05-14", None)
    assert result.status is LookupStatus.NONE
    assert result.candidates == () and result.error is None


@fake_web.activate
def test_lookup_empty_answer_is_none_not_error():
    fake_web.get(PYWB_CDX, body="")
    fake_web.get(PYWB_LISTING, json=WEB_ONLY)  # the collection exists
    client, _ = make_client()
    result = client.lookup(PAGE, "2018-05-14", "2018-06-04")
    assert result.status is LookupStatus.NONE and result.snapshot is None


@fake_web.activate
def test_lookup_only_404_captures_is_none_with_candidates():
    fake_web.get(PYWB_CDX, body=pywb_body(("20180514093000", "404", PAGE)))
    client, _ = make_client()
    result = client.lookup(PAGE, "2018-05-14", None)
    assert result.status is LookupStatus.NONE
    assert [c.status_code for c in result.candidates] == [404]


@fake_web.activate
def test_lookup_drops_rows_outside_the_window():
    fake_web.get(PYWB_CDX, body=pywb_body(("20100514093000", "200", PAGE)))
    client, _ = make_client()
    assert client.lookup(PAGE, "2018-05-14", None, window_days=30).status is LookupStatus.NONE


@pytest.mark.parametrize(
    "body, status",
    [("<html><body>Internal error</body></html>", 200), ("{'not json", 200),
     ("", 404), ("[]", 403)],
)
@fake_web.activate
def test_lookup_garbage_or_wrong_status_is_error(body, status):
    fake_web.get(PYWB_CDX, body=body, status=status)
    client, _ = make_client()
    result = client.lookup(PAGE, "2018-05-14", None)
    assert result.status is LookupStatus.ERROR
    assert result.error.startswith("bad-response")


@fake_web.activate
def test_empty_web_page_instead_of_cdx_is_error_not_none():
    fake_web.get(PYWB_CDX, body="", content_type="text/html; charset=utf-8")
    client, _ = make_client()
    result = client.lookup(PAGE, "2018-05-14", None)
    assert result.status is LookupStatus.ERROR and "web page" in result.error


@fake_web.activate
def test_429_with_retry_after_is_honoured_then_succeeds():
    fake_web.get(PYWB_CDX, status=429, headers={"Retry-After": "7"})
    fake_web.get(PYWB_CDX, body=pywb_body(("20180514093000", "200", PAGE)))
    client, fake = make_client(retries=1)
    result = client.lookup(PAGE, "2018-05-14", None)
    assert result.status is LookupStatus.FOUND
    assert len(fake_web.calls) == 2
    assert 7.0 in fake.sleeps


@fake_web.activate
def test_503_retried_until_exhausted_is_error():
    fake_web.get(PYWB_CDX, status=503, headers={"Retry-After": "2"})
    client, fake = make_client(retries=2)
    result = client.lookup(PAGE, "2018-05-14", None)
    assert result.status is LookupStatus.ERROR
    assert result.error.startswith("archive-unavailable: HTTP 503")
    assert len(fake_web.calls) == 3
    assert fake.sleeps.count(2.0) == 2


@fake_web.activate
def test_retry_after_longer_than_allowed_gives_up_at_once():
    fake_web.get(PYWB_CDX, status=429, headers={"Retry-After": "3600"})
    client, fake = make_client(max_retry_after=60)
    result = client.lookup(PAGE, "2018-05-14", None)
    assert result.status is LookupStatus.ERROR
    assert result.error.startswith("rate-limited")
    assert len(fake_web.calls) == 1 and 3600 not in fake.sleeps


@fake_web.activate
def test_connection_failure_is_error_not_none():
    fake_web.get(PYWB_CDX, body=aiohttp.ClientConnectionError("Connection refused"))
    client, _ = make_client()
    result = client.lookup(PAGE, "2018-05-14", None)
    assert result.status is LookupStatus.ERROR and result.snapshot is None


@fake_web.activate
def test_rate_limit_applies_to_the_archive_host():
    fake_web.get(PYWB_CDX, body="")
    fake_web.get(PYWB_LISTING, json=WEB_ONLY)
    client, fake = make_client(rate=2.0)
    for _ in range(3):
        client.lookup(PAGE, "2018-05-14", None)
    # 3 CDX queries and the one check of the collection, all spaced
    assert len(fake_web.calls) == 4 and fake.sleeps == [0.5, 0.5, 0.5]


class DictCache:
    def __init__(self):
        self.data = {}
        self.puts = 0

    def get_lookup(self, key, max_age_seconds):
        return self.data.get(key)

    def put_lookup(self, key, lookup):
        self.puts += 1
        self.data[key] = lookup


@fake_web.activate
def test_cache_reuses_answers_but_never_caches_errors():
    fake_web.get(PYWB_CDX, status=503)
    fake_web.get(PYWB_CDX, body=pywb_body(("20180514093000", "200", PAGE)))
    cache = DictCache()
    client, _ = make_client(cache=cache, max_age_seconds=3600, retries=0)
    assert client.lookup(PAGE, "2018-05-14", None).status is LookupStatus.ERROR
    assert cache.puts == 0
    first = client.lookup(PAGE, "2018-05-14", None)
    assert first.status is LookupStatus.FOUND and not first.from_cache
    second = client.lookup(PAGE, "2018-05-14", None)
    assert second.from_cache and second.snapshot == first.snapshot
    assert len(fake_web.calls) == 2
    # another cited date is another question
    client.lookup(PAGE, "2017-05-14", None)
    assert len(fake_web.calls) == 3


@fake_web.activate
def test_fetch_snapshot_raw_and_failure_as_data():
    snap = Snapshot(PAGE, f"{PYWB_ROOT}/20180514093000/{PAGE}", "20180514093000", 200)
    fake_web.get(f"{PYWB_ROOT}/20180514093000id_/{PAGE}", body=b"<p>hello</p>",
                  content_type="text/html")
    client, _ = make_client()
    got = client.fetch_snapshot(snap)
    assert got.body == b"<p>hello</p>" and got.error is None and got.mimetype == "text/html"
    fake_web.replace(fake_web.GET, f"{PYWB_ROOT}/20180514093000id_/{PAGE}", status=502)
    failed = make_client(retries=0)[0].fetch_snapshot(snap)
    assert failed.body is None and failed.error.startswith("archive-unavailable")


@fake_web.activate
def test_discover_keeps_html_200_on_the_domains_one_per_page():
    fake_web.get(PYWB_CDX, body=pywb_body(
        ("20180514093000", "200", "http://news.example.com/a"),
        ("20180601093000", "200", "http://news.example.com/a"),
        ("20180514093000", "404", "http://news.example.com/b"),
        ("20180514093000", "200", "http://evil-example.com/c"),
        ("20180516093000", "200", "http://www.news.example.com/d"),
    ))
    client, _ = make_client()
    found = client.discover(["example.com"], "2018-05-14", limit=10)
    assert [(s.url, s.timestamp) for s in found] == [
        ("http://news.example.com/a", "20180514093000"),
        ("http://www.news.example.com/d", "20180516093000"),
    ]
    q = _query(fake_web.calls[0])
    assert q["matchType"] == "domain" and q["url"] == "example.com"


@fake_web.activate
def test_discover_error_returns_empty_and_records_it():
    fake_web.get(PYWB_CDX, body="<html>oops</html>")
    client, _ = make_client()
    assert client.discover(["example.com"], None) == []
    assert client.last_error.startswith("bad-response")


@fake_web.activate
def test_http_client_retries_are_not_multiplied():
    fake_web.get(PYWB_CDX, status=503, headers={"Retry-After": "1"})
    client, fake = make_client(http_retries=2)  # archive-level retries default to 0
    result = client.lookup(PAGE, "2018-05-14", None)
    assert result.status is LookupStatus.ERROR
    assert len(fake_web.calls) == 3  # 1 + the HTTP client's 2 retries


@fake_web.activate
def test_breaker_stops_asking_a_failing_archive():
    fake_web.get(PYWB_CDX, status=502)
    client, _ = make_client(breaker=3)
    errors = [client.lookup(PAGE, f"2018-05-{d:02d}", None).error for d in range(1, 6)]
    assert len(fake_web.calls) == 3
    assert errors[3].startswith("archive-unavailable: not asked")
    assert all(e for e in errors)


@fake_web.activate
def test_retry_after_holds_back_the_next_request_to_the_archive():
    fake_web.get(PYWB_CDX, status=429, headers={"Retry-After": "20"})
    fake_web.get(PYWB_CDX, body="")
    fake_web.get(PYWB_LISTING, json=WEB_ONLY)
    client, fake = make_client()
    assert client.lookup(PAGE, "2018-05-14", None).error.startswith("rate-limited")
    assert client.lookup(PAGE, "2018-05-15", None).status is LookupStatus.NONE
    assert 20.0 in fake.sleeps


@fake_web.activate
def test_redirect_capture_followed_via_archive_rewritten_location():
    target = "https://news.example.com/2018/05/14/statement-final"
    fake_web.get(IA_CDX, body=ia_body(("20180514000000", "301", PAGE)),
                  match=[fake_web.matchers.query_param_matcher({"url": PAGE}, strict_match=False)])
    fake_web.get(f"https://web.archive.org/web/20180514000000id_/{PAGE}", status=302,
                  headers={"Location": f"https://web.archive.org/web/20180514000000id_/{target}"})
    fake_web.get(IA_CDX, body=ia_body(("20180515000000", "200", target)),
                  match=[fake_web.matchers.query_param_matcher({"url": target},
                                                                strict_match=False)])
    client, _ = make_client("https://web.archive.org/web")
    result = client.lookup(PAGE, "2018-05-14", None)
    assert result.status is LookupStatus.FOUND
    assert result.url == PAGE and result.snapshot.url == target
    assert [c.status_code for c in result.candidates] == [301, 200]


@fake_web.activate
def test_redirect_capture_to_itself_is_not_followed_and_error_is_not_none():
    fake_web.get(PYWB_CDX, body=pywb_body(("20180514000000", "301", PAGE)))
    fake_web.get(f"{PYWB_ROOT}/20180514000000id_/{PAGE}", status=301,
                  headers={"Location": PAGE.replace("http:", "https:")})
    client, _ = make_client()
    assert client.lookup(PAGE, "2018-05-14", None).status is LookupStatus.NONE
    assert len(fake_web.calls) == 2
    fake_web.replace(fake_web.GET, f"{PYWB_ROOT}/20180514000000id_/{PAGE}", status=503)
    assert client.lookup(PAGE, "2018-05-15", None).status is LookupStatus.ERROR


# ------------------------------------------------- a pywb collection that is not there
# pywb 2.10 answers `GET /wrongcoll/cdx?url=...` with an empty 200, as for a URL
# it never captured; `/collinfo.json` lists the collections it has.

WRONG_ROOT = "http://archive.test/wrongcoll"
WRONG_CDX = WRONG_ROOT + "/cdx"


@pytest.mark.parametrize(
    "cdx_url, expected",
    [
        ("http://127.0.0.1:8080/web/cdx", ("http://127.0.0.1:8080/collinfo.json", "web")),
        ("http://127.0.0.1:8080/web/cdx/", ("http://127.0.0.1:8080/collinfo.json", "web")),
        ("https://www.webarchive.org.uk/wayback/archive/cdx",
         ("https://www.webarchive.org.uk/wayback/collinfo.json", "archive")),
        ("http://h.test/my%20coll/cdx?x=1", ("http://h.test/collinfo.json", "my coll")),
        (IA_CDX, None),  # the Internet Archive: nothing to check
        ("http://127.0.0.1:8080/cdx", None),  # pywb's root collection
        ("http://h.test/outbackcdx/web", None),  # another kind of CDX server
    ],
)
def test_collection_of(cdx_url, expected):
    assert collection_of(cdx_url) == expected


@fake_web.activate
def test_missing_collection_is_error_not_none_and_checked_once():
    fake_web.get(WRONG_CDX, body="", content_type="text/x-ndjson")
    fake_web.get(PYWB_LISTING, json=WEB_ONLY)
    cache = DictCache()
    client, _ = make_client(WRONG_ROOT, cache=cache, max_age_seconds=3600)
    first = client.lookup(PAGE, "2018-05-14", "2018-06-04")
    assert first.status is LookupStatus.ERROR and first.snapshot is None
    assert first.error == ("archive-unavailable: pywb collection 'wrongcoll' not found at "
                           "http://archive.test/ (collections there: web)")
    assert client.last_error == first.error
    # every later question is the same error, without asking again; nothing is cached
    again = client.lookup("http://other.example/", None, None)
    assert again.status is LookupStatus.ERROR and again.error == first.error
    assert client.discover(["example.com"], None) == [] and client.last_error == first.error
    assert [c.request.url.split("?")[0] for c in fake_web.calls] == [WRONG_CDX, PYWB_LISTING]
    assert cache.puts == 0


@fake_web.activate
def test_existing_collection_is_checked_once_at_the_first_empty_answer():
    fake_web.get(PYWB_CDX, body="")
    fake_web.get(PYWB_LISTING, json={"fixed": ["all"], "dynamic": ["web", "other"]})
    client, _ = make_client()
    for day in (1, 2, 3):
        assert client.lookup(PAGE, f"2018-05-{day:02d}", None).status is LookupStatus.NONE
    assert [c.request.url.split("?")[0] for c in fake_web.calls] == [PYWB_CDX, PYWB_LISTING,
                                                                      PYWB_CDX, PYWB_CDX]


@fake_web.activate
def test_listed_captures_prove_the_collection_exists_without_a_check():
    fake_web.get(PYWB_CDX, body=pywb_body(("20180514093000", "200", PAGE)))
    client, _ = make_client()
    assert client.lookup(PAGE, "2018-05-14", None).status is LookupStatus.FOUND
    fake_web.replace(fake_web.GET, PYWB_CDX, body="")
    assert client.lookup("http://news.example.com/never", "2018-05-14", None).status \
        is LookupStatus.NONE
    assert all(c.request.url.startswith(PYWB_CDX) for c in fake_web.calls)


@fake_web.activate
def test_internet_archive_gets_no_extra_request():
    fake_web.get(IA_CDX, body="[]")
    fake_web.get("https://web.archive.org/collinfo.json", json={"fixed": [], "dynamic": []})
    client, _ = make_client("https://web.archive.org/web")
    assert client.lookup(PAGE, "2018-05-14", None).status is LookupStatus.NONE
    assert client.check_collection() is None
    assert [c.request.url.split("?")[0] for c in fake_web.calls] == [IA_CDX]


@pytest.mark.parametrize(
    "listing",
    [
        {"status": 404, "body": "<h1>Not Found</h1>", "content_type": "text/html"},
        {"body": "<html>a portal</html>", "content_type": "text/html"},
        {"json": ["web"]},  # JSON, but not pywb's listing
    ],
)
@fake_web.activate
def test_no_pywb_listing_means_empty_answers_are_trusted(listing):
    fake_web.get(PYWB_CDX, body="")
    fake_web.get(PYWB_LISTING, **listing)
    client, _ = make_client()
    assert client.lookup(PAGE, "2018-05-14", None).status is LookupStatus.NONE
    assert client.lookup(PAGE, "2018-05-15", None).status is LookupStatus.NONE
    assert len(fake_web.calls) == 3  # the listing asked once


@fake_web.activate
def test_listing_that_cannot_be_asked_is_error_and_asked_again():
    fake_web.get(PYWB_CDX, body="")
    fake_web.get(PYWB_LISTING, status=503)
    fake_web.get(PYWB_LISTING, json=WEB_ONLY)
    cache = DictCache()
    client, _ = make_client(cache=cache, max_age_seconds=3600, retries=0)
    failed = client.lookup(PAGE, "2018-05-14", None)
    assert failed.status is LookupStatus.ERROR
    assert failed.error.startswith("archive-unavailable: HTTP 503")
    assert f"checking that collection 'web' exists at {PYWB_LISTING}" in failed.error
    assert cache.puts == 0
    assert client.lookup(PAGE, "2018-05-14", None).status is LookupStatus.NONE
    assert cache.puts == 1


@fake_web.activate
def test_cached_none_for_a_missing_collection_is_not_trusted():
    # an older citecheck cached pywb's empty answers as "none"
    client, _ = make_client(WRONG_ROOT, cache=DictCache(), max_age_seconds=3600)
    key = client.lookup_key(PAGE, "2018-05-14", None, 365)
    client.cache.data[key] = ArchiveLookup(PAGE, LookupStatus.NONE)
    fake_web.get(PYWB_LISTING, json=WEB_ONLY)
    result = client.lookup(PAGE, "2018-05-14", None)
    assert result.status is LookupStatus.ERROR and "'wrongcoll' not found" in result.error
    assert not result.from_cache
    assert [c.request.url for c in fake_web.calls] == [PYWB_LISTING]  # CDX not asked


@fake_web.activate
def test_cdx_endpoint_on_loopback_needs_no_allow_private():
    fake_web.get("http://127.0.0.1:8080/wrongcoll/cdx", body="")
    fake_web.get("http://127.0.0.1:8080/collinfo.json", json=WEB_ONLY)
    strict = HttpClient(HttpConfig(retries=0))  # private addresses refused
    client = ArchiveClient(strict, "https://web.archive.org/web",
                           "http://127.0.0.1:8080/wrongcoll/cdx", rate_per_second=1000)
    result = client.lookup(PAGE, "2018-05-14", None)
    assert result.error.startswith("archive-unavailable: pywb collection 'wrongcoll' not found")
    assert strict.config.allow_private is False


@fake_web.activate
def test_loopback_archive_with_a_deferred_client_makes_it_at_the_first_request():
    # the pipeline's client is made on first use: trusting the loopback archive
    # must not make it (a lookup answered from the cache makes no request), and
    # the trusted client made later keeps the user's client strict
    from citecheck.lazy import Deferred

    fake_web.get("http://127.0.0.1:8080/web/cdx", json=[["urlkey", "timestamp", "original"]])
    fake_web.get("http://127.0.0.1:8080/collinfo.json", json=WEB_ONLY)
    made: list[HttpClient] = []

    def make() -> HttpClient:
        made.append(HttpClient(HttpConfig(retries=0)))  # private addresses refused
        return made[-1]

    http = Deferred(make)
    client = ArchiveClient(http, "http://127.0.0.1:8080/web", rate_per_second=1000)
    assert made == [] and not client.http.is_made
    result = client.lookup(PAGE, "2018-05-14", None)
    assert result.status is LookupStatus.NONE  # asked: the loopback archive is trusted
    assert len(made) == 1 and client.http.made() is not made[0]
    assert client.http.config.allow_private is True
    assert client.http.config == dataclasses.replace(made[0].config, allow_private=True)
    assert made[0].config.allow_private is False  # documents' URLs stay guarded
    assert http.fetch("http://127.0.0.1:8080/web/cdx").error == "private-address"
