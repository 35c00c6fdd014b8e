"""The capture an archive actually serves: its timestamp, its distance, and the choice again.

The Internet Archive answers an ``id_`` replay of a capture it cannot replay
as such with a 302 to a neighbouring capture (``X-Archive-Redirect-Reason``).
What is recorded, cached and reported is the capture served, and the
closest-snapshot rule is applied again as if the archive had listed that one.
Answers are written from IA's documented formats (fixtures_archive.py) and
served by the fake HTTP client (the ``fetch`` seam).
"""

from __future__ import annotations

import json
import logging

import pytest
from fixtures_archive import FakeFetcher, FakeTime, answer, cdx_json

from citecheck.archive import ArchiveClient, RateLimiter
from citecheck.archive.memento import MementoClient
from citecheck.archive.multi import make_archives
from citecheck.archive.served import settle
from citecheck.authored import author_lookup
from citecheck.models import ArchiveLookup, Citation, LookupStatus, Snapshot
from citecheck.store import Store

IA_ROOT = "https://web.archive.org/web"
IA_CDX = "https://web.archive.org/cdx/search/cdx"
PAGE = "https://www.fws.gov/birds/news/statement"
CITED = "2018-05-14"
LISTED = "20180516100000"  # 1.42 days after the cited day
FAR = "20190618100000"  # 399.42 days after it: outside the 365-day window
NEAR = "20180520100000"  # 5.42 days after it


def ia_client(fake: FakeFetcher, **kw) -> ArchiveClient:
    clock = FakeTime()
    client = ArchiveClient(fake, IA_ROOT, **kw)  # type: ignore[arg-type]
    client.limiter = RateLimiter(client.rates[1], clock=clock.clock, sleep=clock.sleep)
    return client


def replay(ts: str, url: str = PAGE) -> str:
    return f"{IA_ROOT}/{ts}id_/{url}"


def http_date(ts: str) -> str:
    from datetime import datetime, timezone
    from email.utils import format_datetime

    moment = datetime.strptime(ts, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
    return format_datetime(moment, usegmt=True)


def ia_hop(from_ts: str, to_ts: str) -> object:
    """IA's 302 for an id_ replay it serves from another capture."""
    return answer(replay(from_ts), 302, headers={
        "Location": replay(to_ts), "X-Archive-Redirect-Reason": f"found capture at {to_ts}",
        "Content-Type": "text/plain"})


def capture(ts: str, text: str = "<p>the page</p>") -> object:
    return answer(replay(ts), body=text, headers={
        "Content-Type": "text/html", "Memento-Datetime": http_date(ts)})


def listing(fake: FakeFetcher, *timestamps: str) -> None:
    fake.on(IA_CDX, answer(IA_CDX, body=cdx_json([(ts, PAGE, "200") for ts in timestamps])))


def served_for_listed(served: str) -> FakeFetcher:
    """IA listing LISTED alone, and serving ``served`` for its replay."""
    fake = FakeFetcher()
    listing(fake, LISTED)
    fake.on(replay(LISTED), ia_hop(LISTED, served))
    fake.on(replay(served), capture(served))
    return fake


# --------------------------------------------------- the capture served is recorded


def test_served_capture_far_away_is_its_real_distance_and_not_near_the_cited_date(caplog):
    fake = served_for_listed(FAR)
    client = ia_client(fake)
    lookup = client.lookup(PAGE, CITED, None)
    assert lookup.snapshot.timestamp == LISTED and lookup.snapshot.distance_days == 1.42
    with caplog.at_level(logging.INFO, logger="citecheck.archive.served"):
        got = client.fetch_lookup(lookup, CITED, None)
    # served 399 days away, outside the window: as if the archive had listed that one
    assert got.status is LookupStatus.NONE and got.snapshot is None
    (served,) = got.candidates
    assert served.timestamp == FAR and served.distance_days == 399.42
    assert served.archive_url == f"{IA_ROOT}/{FAR}/{PAGE}" and served.digest is None
    assert "outside the 365-day window" in caplog.text and FAR in caplog.text
    assert got.to_dict()["candidates"][0]["distance_days"] == 399.42


def test_served_capture_in_the_window_is_the_snapshot_with_its_own_distance():
    fake = served_for_listed(NEAR)
    client = ia_client(fake)
    got = client.fetch_lookup(client.lookup(PAGE, CITED, None), CITED, None)
    assert got.status is LookupStatus.FOUND
    snap = got.snapshot
    assert (snap.timestamp, snap.distance_days, snap.body) == (NEAR, 5.42, b"<p>the page</p>")
    assert snap.archive_url == f"{IA_ROOT}/{NEAR}/{PAGE}"
    assert got.to_dict()["snapshot"]["distance_days"] == 5.42
    assert [c.timestamp for c in got.candidates] == [NEAR]


def test_when_the_capture_served_is_farther_than_another_listed_that_one_is_replayed():
    fake = FakeFetcher()
    other = "20180524100000"  # 9.42 days: farther than listed, nearer than served
    listing(fake, LISTED, other)
    fake.on(replay(LISTED), ia_hop(LISTED, "20180613100000"))  # 29.42 days
    fake.on(replay("20180613100000"), capture("20180613100000", "<p>june</p>"))
    fake.on(replay(other), capture(other, "<p>may</p>"))
    client = ia_client(fake)
    got = client.fetch_lookup(client.lookup(PAGE, CITED, None), CITED, None)
    assert got.status is LookupStatus.FOUND
    assert (got.snapshot.timestamp, got.snapshot.distance_days) == (other, 9.42)
    assert got.snapshot.body == b"<p>may</p>"
    assert sorted((c.timestamp, c.distance_days) for c in got.candidates) == [
        (other, 9.42), ("20180613100000", 29.42)]
    assert len(fake.to(replay(other))) == 1


def test_when_the_capture_served_is_nearer_it_wins():
    fake = FakeFetcher()
    listing(fake, "20180524100000", "20180601000000")
    fake.on(replay("20180524100000"), ia_hop("20180524100000", LISTED))
    fake.on(replay(LISTED), capture(LISTED))
    client = ia_client(fake)
    got = client.fetch_lookup(client.lookup(PAGE, CITED, None), CITED, None)
    assert (got.snapshot.timestamp, got.snapshot.distance_days) == (LISTED, 1.42)
    assert not fake.to(replay("20180601000000"))


def test_served_as_listed_changes_nothing():
    fake = FakeFetcher()
    listing(fake, LISTED, NEAR)
    fake.on(replay(LISTED), capture(LISTED))
    client = ia_client(fake)
    lookup = client.lookup(PAGE, CITED, None)
    got = client.fetch_lookup(lookup, CITED, None)
    assert got.snapshot.timestamp == LISTED and got.snapshot.distance_days == 1.42
    assert got.candidates == lookup.candidates


def test_an_archive_that_keeps_serving_other_captures_is_an_error_not_none():
    fake = FakeFetcher()
    listed = ["20180515000000", "20180516000000", "20180517000000", "20180518000000"]
    listing(fake, *listed)
    for ts in listed:  # each replay served from the year before: outside the window
        fake.on(replay(ts), ia_hop(ts, "2017" + ts[4:]))
        fake.on(replay("2017" + ts[4:]), capture("2017" + ts[4:]))
    client = ia_client(fake)
    got = client.fetch_lookup(client.lookup(PAGE, CITED, None), CITED, None, window_days=30)
    assert got.status is LookupStatus.ERROR and got.snapshot is None
    assert got.error.startswith("bad-response: the archive served other captures")
    assert len([r for r in fake.requests if r.url.startswith(IA_ROOT + "/2018")]) == 3


def test_a_failed_replay_after_a_hop_keeps_the_capture_already_read():
    fake = FakeFetcher()
    other = "20180524100000"
    listing(fake, LISTED, other)
    fake.on(replay(LISTED), ia_hop(LISTED, "20180613100000"))
    fake.on(replay("20180613100000"), capture("20180613100000", "<p>june</p>"))
    fake.on(replay(other), answer(replay(other), 503))
    client = ia_client(fake)
    got = client.fetch_lookup(client.lookup(PAGE, CITED, None), CITED, None)
    assert got.status is LookupStatus.FOUND
    assert got.snapshot.timestamp == "20180613100000" and got.snapshot.body == b"<p>june</p>"


def test_plain_fetch_snapshot_does_not_keep_the_listed_capture_s_distance_or_digest():
    fake = served_for_listed(FAR)
    client = ia_client(fake)
    snap = client.fetch_snapshot(client.lookup(PAGE, CITED, None).snapshot)
    assert snap.timestamp == FAR and snap.distance_days is None and snap.digest is None


# ------------------------------------------------------------ stored and cached


@pytest.mark.parametrize("served, status, distance", [
    (FAR, "none", None), (NEAR, "found", 5.42)])
def test_the_stored_lookup_is_the_capture_served(tmp_path, served, status, distance):
    fake = served_for_listed(served)
    with Store(str(tmp_path / "h.db")) as store:
        client = ia_client(fake, cache=store.lookup_cache(), max_age_seconds=3600)
        client.fetch_lookup(client.lookup(PAGE, CITED, None), CITED, None)
        again = client.lookup(PAGE, CITED, None)  # from the cache: settled, no replay asked
        assert again.from_cache and again.status.value == status
        assert [(c.timestamp, c.distance_days) for c in again.candidates] == [
            (served, {FAR: 399.42, NEAR: 5.42}[served])]
        if distance is not None:
            assert again.snapshot.timestamp == served and again.snapshot.distance_days == distance
            assert again.snapshot.body == b"<p>the page</p>"
        row = store.db.execute("select status, distance_days, candidates from lookups "
                               "order by id desc limit 1").fetchone()
    assert row[0] == status and row[1] == distance
    assert json.loads(row[2])[0]["timestamp"] == served
    assert len(fake.to(IA_CDX)) == 1 and len(fake.to(replay(LISTED))) == 1


def test_several_archives_choose_again_across_archives_and_cache_each_part(tmp_path):
    a_root, b_root = "http://arch-a.test/web", "http://arch-b.test/web"
    fake = FakeFetcher()
    fake.on(a_root + "/cdx", answer(a_root + "/cdx", body=cdx_json([(LISTED, PAGE, "200")])))
    fake.on(b_root + "/cdx", answer(b_root + "/cdx", body=cdx_json([(NEAR, PAGE, "200")])))
    fake.on(f"{a_root}/{LISTED}id_/{PAGE}", answer(f"{a_root}/{LISTED}id_/{PAGE}", 302, headers={
        "Location": f"{a_root}/{FAR}id_/{PAGE}",
        "X-Archive-Redirect-Reason": f"found capture at {FAR}"}))
    fake.on(f"{a_root}/{FAR}id_/{PAGE}", answer(f"{a_root}/{FAR}id_/{PAGE}", body="far",
            headers={"Memento-Datetime": http_date(FAR)}))
    fake.on(f"{b_root}/{NEAR}id_/{PAGE}", answer(f"{b_root}/{NEAR}id_/{PAGE}", body="near",
            headers={"Memento-Datetime": http_date(NEAR)}))
    with Store(str(tmp_path / "h.db")) as store:
        multi = make_archives(fake, [(a_root, None), (b_root, None)], rate_per_second=1000,
                              cache=store.lookup_cache(), max_age_seconds=3600)
        lookup = multi.lookup(PAGE, CITED, None)
        assert lookup.snapshot.archive == a_root  # listed 1.42 days away
        got = multi.fetch_lookup(lookup, CITED, None)
        assert got.status is LookupStatus.FOUND
        assert (got.snapshot.archive, got.snapshot.timestamp, got.snapshot.body) == (
            b_root, NEAR, b"near")
        again = multi.clients[0].lookup(PAGE, CITED, None)  # archive A's own cached answer
        assert again.from_cache and again.status is LookupStatus.NONE
        assert [(c.timestamp, c.distance_days) for c in again.candidates] == [(FAR, 399.42)]


# ----------------------------------------------------------- memento and authored


def test_a_memento_replay_served_from_another_datetime_is_redated():
    tm = "http://tm.test/timemap/link/"
    memento = f"http://tm.test/web/{LISTED}/{PAGE}"
    fake = FakeFetcher()
    fake.on(tm + PAGE, answer(tm + PAGE, body=(
        f'<{PAGE}>; rel="original",\n<{memento}>; rel="memento"; '
        f'datetime="{http_date(LISTED)}"\n'), headers={"Content-Type": "application/link-format"}))
    raw = f"http://tm.test/web/{LISTED}id_/{PAGE}"
    fake.on(raw, answer(raw, body="<p>x</p>", headers={"Memento-Datetime": http_date(NEAR)}))
    client = MementoClient(fake, "memento:" + tm, rate_per_second=1000)
    got = client.fetch_lookup(client.lookup(PAGE, CITED, None), CITED, None)
    assert got.status is LookupStatus.FOUND
    assert (got.snapshot.timestamp, got.snapshot.distance_days) == (NEAR, 5.42)
    assert got.snapshot.archive_url == f"http://tm.test/web/{NEAR}/{PAGE}"
    assert got.snapshot.status_code == 200


def test_the_author_s_snapshot_served_from_another_capture_is_redated():
    fake = FakeFetcher()
    fake.on(replay(LISTED), ia_hop(LISTED, FAR))
    fake.on(replay(FAR), capture(FAR))
    citation = Citation(id="c1", source="FWS", raw="FWS, May 14", line=1, column=1,
                        date=CITED, url=PAGE, version_url=f"{IA_ROOT}/{LISTED}/{PAGE}")
    got = author_lookup(citation, ia_client(fake))
    assert got is not None and got.snapshot.timestamp == FAR
    assert got.snapshot.distance_days == 399.42


def test_settle_leaves_a_lookup_without_a_snapshot_alone():
    none = ArchiveLookup(PAGE, LookupStatus.NONE,
                         candidates=(Snapshot(PAGE, "x", LISTED, status_code=404),))

    def never(_snap: Snapshot) -> Snapshot:
        raise AssertionError("nothing to replay")

    assert settle(none, never, lambda s: True, CITED, None, 365) == (none, False)


# ---------------------------------------------------------------- end to end

BRIEF = """4 June 2018

Moscow and Beijing announced the joint exercise "Peace Mission 2018" (Russian MOD, May 14).
"""

ARTICLE = """<!doctype html><html><head><title>Joint exercise announced</title></head><body>
<div class="cookie-banner">We use cookies. <a href="/privacy">Accept</a></div>
<nav><a href="/">Home</a> | <a href="/en/news">News</a></nav>
<!-- related: Peace Mission 2016 -->
<article><h1>Joint exercise announced</h1><p class="byline">By the press service, 14 May</p>
<p>Moscow and Beijing announced the joint exercise "Peace Mission 2018", to be held in
August in Chelyabinsk region.</p></article>
<aside class="related"><a href="/en/news/other">Navy day parade rehearsed</a></aside>
<footer>(c) Ministry of Defence</footer></body></html>"""


def wayback_handler(listed: str, served: str):
    """A Wayback-style archive that lists ``listed`` and serves ``served`` for it, as IA does."""
    import re

    def handler(req):
        if req.route_path == "/web/cdx":
            page = req.query["url"][0]
            return 200, {"Content-Type": "application/json"}, cdx_json([(listed, page, "200")])
        raw = re.match(r"^/web/(\d{14})id_/(.+)$", req.path)
        if raw and raw.group(1) == listed:
            return 302, {"Location": f"{req.base_url}/web/{served}id_/{raw.group(2)}",
                         "X-Archive-Redirect-Reason": f"found capture at {served}"}, b""
        if raw and raw.group(1) == served:
            return 200, {"Content-Type": "text/html; charset=utf-8",
                         "Memento-Datetime": http_date(served)}, ARTICLE
        return 404, {"Content-Type": "text/plain"}, b"not in this archive"

    return handler


@pytest.mark.slow
@pytest.mark.parametrize("served, verdict, reasons, days", [
    (FAR, "dead", ["http-404", "no-snapshot"], 399.42),
    ("20180601100000", "rescued", ["http-404"], 17.42),
])
def test_audit_records_and_reports_the_capture_served(tmp_path, simweb, served, verdict,
                                                      reasons, days):
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    dead = simweb.route("mod", "/en/news/2018-05-14.html", status=404, body="<h1>Not Found</h1>")
    host = dead.split("/")[2]
    simweb.fallback("ia", handler=wayback_handler(LISTED, served))
    root = simweb.host("ia") + "/web"
    (tmp_path / "citations.yaml").write_text(
        f"sources:\n  Russian MOD:\n    name: Ministry of Defence\n    domains: ['{host}']\n"
        f"pins:\n  - source: Russian MOD\n    date: {CITED}\n    url: {dead}\n",
        encoding="utf-8")
    (tmp_path / "brief.txt").write_text(BRIEF, encoding="utf-8")
    exe = str(Path(sys.executable).parent / "citecheck")

    def audit() -> dict:
        done = subprocess.run(
            [exe, "audit", "brief.txt", "--config", "citations.yaml", "--db", "h.db",
             "--archive-url", root, "--allow-private", "--json", "-", "-q", "--html", "r.html"],
            capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert done.returncode == (1 if verdict == "dead" else 0), done.stderr  # rescued: warn
        (cit,) = json.loads(done.stdout)["citations"]
        return cit

    cit = audit()
    assert cit["verdict"] == verdict and cit["reasons"] == reasons, cit
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    if verdict == "rescued":
        assert cit["snapshot"]["timestamp"] == served
        assert cit["snapshot"]["distance_days"] == days
        assert cit["snapshot"]["archive_url"] == f"{root}/{served}/{dead}"
        assert f"({round(days)} days from the cited date)" in html
    else:
        assert cit["snapshot"] is None
        assert "no snapshot near the cited date" in cit["explanation"]
    with sqlite3.connect(tmp_path / "h.db") as db:
        status, stored, candidates = db.execute(
            "select status, distance_days, candidates from lookups order by id desc limit 1"
        ).fetchone()
    assert status == ("found" if verdict == "rescued" else "none")
    assert stored == (days if verdict == "rescued" else None)
    assert [(c["timestamp"], c["distance_days"]) for c in json.loads(candidates)] == [
        (served, days)]
    replays = [r for r in simweb.requests if r.host == "ia" and f"/web/{LISTED}id_/" in r.path]
    assert len(replays) == 1
    # again, from the database: the settled answer, the listed capture not replayed again
    assert audit()["reasons"] == reasons
    assert len([r for r in simweb.requests
                if r.host == "ia" and f"/web/{LISTED}id_/" in r.path]) == 1
    # archive lookup --fetch says the same
    done = subprocess.run(
        [exe, "archive", "lookup", dead, "--date", CITED, "--fetch", "--json", "--db", "l.db",
         "--archive-url", root], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == (0 if verdict == "rescued" else 1), done.stderr
    (lookup,) = json.loads(done.stdout)["lookups"]
    assert [(c["timestamp"], c["distance_days"]) for c in lookup["candidates"]] == [
        (served, days)]
    if verdict == "rescued":
        assert lookup["snapshot"]["distance_days"] == days
    else:
        assert lookup["status"] == "none" and lookup["snapshot"] is None


def test_a_memento_datetime_in_the_future_is_not_a_capture_served():
    # pywb replays a record it cannot read (a damaged WARC) as an empty 200 dated
    # 31 Dec 2999: the capture listed could not be read, no other was served
    fake = FakeFetcher()
    listing(fake, LISTED)
    fake.on(replay(LISTED), answer(replay(LISTED), body=b"", headers={
        "Content-Type": "application/http;msgtype=response",
        "Memento-Datetime": "Tue, 31 Dec 2999 23:59:59 GMT"}))
    client = ia_client(fake)
    lookup = client.lookup(PAGE, CITED, None)
    got = client.fetch_lookup(lookup, CITED, None)
    assert got.status is LookupStatus.FOUND and got.snapshot.timestamp == LISTED
    assert got.snapshot.distance_days == 1.42 and got.candidates == lookup.candidates
