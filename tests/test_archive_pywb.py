"""The archive client against a real pywb on 127.0.0.1 (captures built at test time).

Also runs the installed ``citecheck archive ...`` commands against it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_pywb import html_capture

from citecheck.archive import ArchiveClient, WarcStore
from citecheck.http import HttpClient, HttpConfig
from citecheck.models import LookupStatus

pytestmark = pytest.mark.slow

STATEMENT = "http://news.example.com/2018/05/14/statement"
REPORT = "http://news.example.com/2018/06/report"
GONE = "http://news.example.com/2018/05/gone"


def http() -> HttpClient:
    return HttpClient(HttpConfig(allow_private=True, retries=0, connect_timeout=5,
                                 read_timeout=10, deadline=20))


@pytest.fixture()
def client(pywb_archive) -> ArchiveClient:
    return ArchiveClient(http(), pywb_archive.root, rate_per_second=100)


def citecheck(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "citecheck"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_closest_snapshot_to_the_cited_day(client, pywb_archive):
    result = client.lookup(STATEMENT, "2018-05-14", "2018-06-04")
    assert result.status is LookupStatus.FOUND
    snap = result.snapshot
    assert snap.timestamp == "20180514093000" and snap.distance_days == 0.0
    assert snap.archive_url == f"{pywb_archive.root}/20180514093000/{STATEMENT}"
    assert snap.status_code == 200 and snap.digest
    # every capture in the window is kept, closest first
    assert [c.timestamp for c in result.candidates][:2] == ["20180514093000", "20180520120000"]
    # a later cited date moves the choice
    assert client.lookup(STATEMENT, "2018-06-12", None).snapshot.timestamp == "20180610120000"


def test_https_and_www_variants_find_the_same_captures(client):
    result = client.lookup("https://www.news.example.com/2018/05/14/statement", "2018-05-14", None)
    assert result.status is LookupStatus.FOUND
    assert result.snapshot.timestamp == "20180514093000"


def test_prefers_the_last_capture_before_publication_among_near_ties(client):
    # 0603 and 0605 are both half a day from the cited day: the author saw 0603
    result = client.lookup(REPORT, "2018-06-04", "2018-06-04")
    assert result.snapshot.timestamp == "20180603120000"
    # month precision: every May capture is "on" the date; the last before publication wins
    assert client.lookup(STATEMENT, "2018-05", "2018-06-04").snapshot.timestamp == "20180520120000"
    # without a publication date, the closest
    assert client.lookup(REPORT, "2018-06-05", None).snapshot.timestamp == "20180605120000"


def test_prefers_a_200_capture_over_a_closer_404(client):
    result = client.lookup(GONE, "2018-05-14", "2018-06-04")
    assert result.snapshot.timestamp == "20180516000000"
    assert sorted(c.status_code for c in result.candidates) == [200, 404]


def test_raw_replay_gives_the_original_bytes(client):
    snap = client.lookup(STATEMENT, "2018-05-14", None).snapshot
    fetched = client.fetch_snapshot(snap)
    assert fetched.error is None
    assert fetched.body.startswith(b"<!doctype html>")
    assert b"the ministers met in Beijing" in fetched.body
    assert b"wombat" not in fetched.body.lower()  # no pywb rewriting or banner


def test_never_captured_is_none_not_error(client):
    result = client.lookup("http://news.example.com/never-captured", "2018-05-14", None)
    assert result.status is LookupStatus.NONE
    assert result.error is None and result.candidates == ()


def test_outside_the_window_is_none(client):
    assert client.lookup(STATEMENT, "2015-05-14", None, window_days=30).status is LookupStatus.NONE


def test_unreachable_archive_is_error_not_none():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    dead = ArchiveClient(http(), f"http://127.0.0.1:{port}/web", rate_per_second=100)
    result = dead.lookup(STATEMENT, "2018-05-14", None)
    assert result.status is LookupStatus.ERROR
    assert result.error and result.error.startswith("connection")
    assert dead.discover(["example.com"], "2018-05-14") == [] and dead.last_error


def test_archive_answering_garbage_is_error(simweb):
    # a proxy error page where the CDX answer should be
    simweb.route("archive", "/web/cdx", body="<html><body>502 Bad Gateway</body></html>")
    odd = ArchiveClient(http(), simweb.url("archive", "/web"), rate_per_second=100)
    result = odd.lookup(STATEMENT, "2018-05-14", None)
    assert result.status is LookupStatus.ERROR and result.error.startswith("bad-response")


def test_dead_live_url_with_a_capture_is_found_and_fetched(simweb, pywb_archive, client, tmp_path):
    live_url = simweb.url("gov", "/press/2018/0514.html")
    simweb.route("gov", "/press/2018/0514.html", status=404, body="<h1>Not Found</h1>")
    assert http().fetch(live_url).status_code == 404  # dead live
    pywb_archive.add([html_capture(live_url, "20180514120000",
                                   "Press release of May 14: joint exercise announced.")])
    store = WarcStore(tmp_path / "archive", 9)
    recorded = []
    client.evidence, client.on_evidence = store, recorded.append
    result = client.lookup(live_url, "2018-05-14", "2018-06-04")
    assert result.status is LookupStatus.FOUND
    fetched = client.fetch_snapshot(result.snapshot)
    assert b"joint exercise announced" in fetched.body
    # the snapshot fetched went into the evidence archive
    assert len(recorded) == 1 and recorded[0].url.endswith(f"20180514120000id_/{live_url}")
    store.close()


def test_discover_lists_pages_of_a_domain(client):
    found = client.discover(["news.example.com"], "2018-05-14", limit=10)
    urls = [s.url for s in found]
    assert STATEMENT in urls and "http://www.news.example.com/2018/05/15/interview" in urls
    assert "http://news.example.com/old" not in urls  # redirects are not pages
    assert found[0].distance_days == 0.0


# ------------------------------------------------------------------- the CLI


def test_cli_archive_lookup_against_pywb(pywb_archive, tmp_path):
    done = citecheck("archive", "lookup", STATEMENT, "http://news.example.com/never-captured",
                     "--date", "2018-05-14", "--published", "2018-06-04", "--allow-private",
                     "--archive-url", pywb_archive.root, "--fetch", "--json", "--db", "none.db",
                     "--max-age", "0", cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # one URL has no snapshot
    data = json.loads(done.stdout)
    first, second = data["lookups"]
    assert first["status"] == "found" and first["snapshot"]["timestamp"] == "20180514093000"
    assert first["snapshot"]["bytes"] > 0
    assert second["status"] == "none" and second["snapshot"] is None

    args = ("archive", "lookup", STATEMENT, "--date", "2018-05-14", "--archive-url",
            pywb_archive.root)  # a local archive needs no --allow-private
    done = citecheck(*args, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("found")
    assert "(cached)" not in done.stdout
    again = citecheck(*args, cwd=tmp_path)  # answered from citecheck.db this time
    assert again.returncode == 0 and "(cached)" in again.stdout
    assert again.stdout.split()[:3] == done.stdout.split()[:3]


def test_cli_archive_lookup_unreachable_is_error_exit_1(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = citecheck("archive", "lookup", STATEMENT, "--allow-private", "--timeout", "2",
                     "--archive-url", f"http://127.0.0.1:{port}/web", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.startswith("error") and "could not be asked" in done.stdout


def test_cli_archive_list_and_show_read_the_evidence(tmp_path, simweb):
    simweb.route("gov", "/a", body="<p>evidence A</p>")
    url = simweb.url("gov", "/a")
    store = WarcStore(tmp_path / "archive", 1)
    store.write(http().fetch(url))
    store.close()
    archive_dir = str(tmp_path / "archive")
    db = str(tmp_path / "none.db")  # no database: the WARCs are scanned
    done = citecheck("archive", "list", "--archive-dir", archive_dir, "--db", db)
    assert done.returncode == 0 and url in done.stdout and ".warc.gz#" in done.stdout
    done = citecheck("archive", "show", url, "--archive-dir", archive_dir, "--db", db)
    assert done.returncode == 0 and "200 OK" in done.stdout and "Digest:   sha1:" in done.stdout
    done = citecheck("archive", "show", url, "--body", "--archive-dir", archive_dir, "--db", db)
    assert done.stdout == "<p>evidence A</p>"
    done = citecheck("archive", "show", "http://elsewhere.example/", "--archive-dir",
                     archive_dir, "--db", db)
    assert done.returncode == 2 and done.stderr.startswith("Error:")
    assert "Traceback" not in done.stderr


def test_local_archive_needs_no_allow_private(pywb_archive):
    strict = HttpClient(HttpConfig(retries=0))  # the default: private addresses refused
    assert strict.fetch(pywb_archive.cdx_url).error == "private-address"
    local = ArchiveClient(strict, pywb_archive.root, rate_per_second=100)
    assert local.lookup(STATEMENT, "2018-05-14", None).status is LookupStatus.FOUND
    # documents' URLs stay guarded: the caller's client is unchanged
    assert strict.config.allow_private is False


def test_url_archived_as_a_redirect_is_followed_once(client):
    result = client.lookup("http://news.example.com/old", "2018-05-14", "2018-06-04")
    assert result.status is LookupStatus.FOUND
    assert result.url == "http://news.example.com/old"
    assert result.snapshot.url == STATEMENT and result.snapshot.timestamp == "20180514093000"
    assert result.candidates[0].status_code == 301


def test_slow_archive_is_error_timeout(simweb):
    from fixtures_simweb import delay

    simweb.route("slowarchive", "/web/cdx", handler=delay(5.0, body=""))
    slow = ArchiveClient(HttpClient(HttpConfig(allow_private=True, retries=0, read_timeout=0.5,
                                               deadline=2)),
                         simweb.url("slowarchive", "/web"), rate_per_second=100)
    result = slow.lookup(STATEMENT, "2018-05-14", None)
    assert result.status is LookupStatus.ERROR and result.error.startswith("timeout")


def test_store_caches_answers_never_errors(pywb_archive, tmp_path):
    from citecheck.store import Store

    with Store(str(tmp_path / "c.db")) as store:
        cached = ArchiveClient(http(), pywb_archive.root, rate_per_second=100,
                               cache=store.lookup_cache(), max_age_seconds=3600)
        first = cached.lookup(STATEMENT, "2018-05-14", "2018-06-04")
        second = cached.lookup(STATEMENT, "2018-05-14", "2018-06-04")
        assert not first.from_cache and second.from_cache
        assert second.snapshot.archive_url == first.snapshot.archive_url
        assert second.snapshot.timestamp == "20180514093000"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        down = ArchiveClient(http(), f"http://127.0.0.1:{port}/web", rate_per_second=100,
                             cache=store.lookup_cache(), max_age_seconds=3600)
        assert down.lookup(STATEMENT, "2018-05-14", None).status is LookupStatus.ERROR
        assert down.lookup(STATEMENT, "2018-05-14", None).from_cache is False


# ------------------------------------------- a collection the pywb does not have
# pywb 2.10 answers GET /wrongcoll/cdx?url=... with an empty 200 (as for a URL it
# never captured), /wrongcoll/ with a 404 page and /collinfo.json with the list
# of its collections: {"fixed": [], "dynamic": ["web"]}.


def _wrong(pywb_archive) -> str:
    return f"http://127.0.0.1:{pywb_archive.port}/wrongcoll"


def test_what_pywb_answers_for_a_missing_collection(pywb_archive):
    """The facts the client relies on; if pywb changes them, this says so first."""
    wrong = _wrong(pywb_archive)
    cdx = http().fetch(f"{wrong}/cdx", params={"url": STATEMENT, "output": "json"})
    assert cdx.status_code == 200 and cdx.body == b""  # indistinguishable from "no capture"
    assert http().fetch(f"{wrong}/").status_code == 404
    listing = http().fetch(f"http://127.0.0.1:{pywb_archive.port}/collinfo.json")
    assert listing.status_code == 200
    assert json.loads(listing.body) == {"fixed": [], "dynamic": ["web"]}


def test_missing_collection_is_error_never_cached_as_none(pywb_archive, tmp_path):
    from citecheck.store import Store

    expected = (f"archive-unavailable: pywb collection 'wrongcoll' not found at "
                f"http://127.0.0.1:{pywb_archive.port}/ (collections there: web)")
    with Store(str(tmp_path / "c.db")) as store:
        wrong = ArchiveClient(http(), _wrong(pywb_archive), rate_per_second=100,
                              cache=store.lookup_cache(), max_age_seconds=3600)
        for url in (STATEMENT, "http://news.example.com/never-captured"):
            result = wrong.lookup(url, "2018-05-14", None)
            assert result.status is LookupStatus.ERROR and result.error == expected
        assert wrong.discover(["news.example.com"], "2018-05-14") == []
        assert wrong.last_error == expected
        assert store.db.table("lookups").count == 0
        # the right collection on the same server still answers, "none" included
        right = ArchiveClient(http(), pywb_archive.root, rate_per_second=100,
                              cache=store.lookup_cache(), max_age_seconds=3600)
        assert right.lookup(STATEMENT, "2018-05-14", None).status is LookupStatus.FOUND
        never = right.lookup("http://news.example.com/never-captured", "2018-05-14", None)
        assert never.status is LookupStatus.NONE
        assert store.db.table("lookups").count == 2


@pytest.mark.parametrize("option", ["--archive-url", "--archive-cdx-url"])
def test_cli_archive_lookup_missing_collection_is_error_exit_1(pywb_archive, tmp_path, option):
    wrong = _wrong(pywb_archive) + ("/cdx" if option == "--archive-cdx-url" else "")
    args = ("archive", "lookup", STATEMENT, "--date", "2018-05-14", option, wrong,
            "--db", "c.db")
    for _run in range(2):  # the second run is not answered "none" from the database
        done = citecheck(*args, cwd=tmp_path)
        assert done.returncode == 1, done.stderr
        assert done.stdout == (
            f"error  {STATEMENT}  archive could not be asked: archive-unavailable: pywb "
            f"collection 'wrongcoll' not found at http://127.0.0.1:{pywb_archive.port}/ "
            "(collections there: web)\n"
        )
        assert "Traceback" not in done.stderr
    done = citecheck(*args, "--json", cwd=tmp_path)
    (entry,) = json.loads(done.stdout)["lookups"]
    assert entry["status"] == "error" and "'wrongcoll' not found" in entry["error"]
    assert entry["snapshot"] is None
    from citecheck.store import Store

    with Store(str(tmp_path / "c.db")) as store:
        assert store.db.table("lookups").count == 0
