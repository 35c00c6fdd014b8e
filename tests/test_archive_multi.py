"""Several archives: Wayback roots and Memento TimeMap endpoints, the best snapshot over all.

Unit tests use the fake fetcher (the HTTP seam); the TimeMap tests a real
loopback server speaking RFC 7089 link format; the end-to-end test two real
pywb instances, each holding a different capture of the cited page.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import click
import pytest
from fixtures_archive import FakeFetcher, answer, cdx_json
from fixtures_pywb import html_capture

from citecheck.archive.memento import MementoClient, TimeMapError, parse_links, parse_timemap
from citecheck.archive.multi import MultiArchive, make_archives
from citecheck.cli import pair_archives
from citecheck.http import HttpClient, HttpConfig
from citecheck.models import LookupStatus

PAGE = "http://news.example.org/2018/05/statement"
A_ROOT, B_ROOT = "http://arch-a.test/web", "http://arch-b.test/web"


def two_archives(fake: FakeFetcher) -> MultiArchive:
    multi = make_archives(fake, [(A_ROOT, None), (B_ROOT, None)], rate_per_second=1000)
    assert isinstance(multi, MultiArchive)
    return multi


def cdx_at(root: str, *rows: tuple[str, str, str]) -> object:
    return answer(root + "/cdx", body=cdx_json(rows))


# ------------------------------------------------------------- the choice


def test_best_snapshot_over_all_archives_names_its_archive():
    fake = FakeFetcher()
    fake.on(A_ROOT + "/cdx", cdx_at(A_ROOT, ("20180401000000", PAGE, "200")))
    fake.on(B_ROOT + "/cdx", cdx_at(B_ROOT, ("20180515000000", PAGE, "200")))
    lookup = two_archives(fake).lookup(PAGE, "2018-05-14", None)
    assert lookup.status is LookupStatus.FOUND
    assert lookup.snapshot.timestamp == "20180515000000"
    assert lookup.snapshot.archive == B_ROOT
    assert lookup.snapshot.archive_url == f"{B_ROOT}/20180515000000/{PAGE}"
    assert sorted(c.archive for c in lookup.candidates) == [A_ROOT, B_ROOT]
    assert lookup.to_dict()["snapshot"]["archive"] == B_ROOT


def test_near_tie_across_archives_takes_the_last_before_publication():
    fake = FakeFetcher()
    fake.on(A_ROOT + "/cdx", cdx_at(A_ROOT, ("20180603000000", PAGE, "200")))
    fake.on(B_ROOT + "/cdx", cdx_at(B_ROOT, ("20180605000000", PAGE, "200")))
    lookup = two_archives(fake).lookup(PAGE, "2018-06-04", "2018-06-04")
    assert lookup.snapshot.archive == A_ROOT  # as close, and seen before publication


def test_one_archive_down_leaves_the_others_answer():
    fake = FakeFetcher()
    fake.on(A_ROOT + "/cdx", answer(A_ROOT + "/cdx", 503))
    fake.on(B_ROOT + "/cdx", cdx_at(B_ROOT, ("20180515000000", PAGE, "200")))
    lookup = two_archives(fake).lookup(PAGE, "2018-05-14", None)
    assert lookup.status is LookupStatus.FOUND and lookup.snapshot.archive == B_ROOT


def test_one_archive_down_and_none_elsewhere_is_inconclusive_not_none():
    fake = FakeFetcher()
    fake.on(A_ROOT + "/cdx", answer(A_ROOT + "/cdx", 503))
    fake.on(B_ROOT + "/cdx", cdx_at(B_ROOT))
    listing = '{"fixed": [], "dynamic": ["web"]}'  # pywb's: the collection exists
    fake.on("http://arch-b.test/collinfo.json", answer("x", body=listing))
    lookup = two_archives(fake).lookup(PAGE, "2018-05-14", None)
    assert lookup.status is LookupStatus.ERROR
    assert lookup.error.startswith("archive-unavailable")
    assert A_ROOT in lookup.error and f"no snapshot at {B_ROOT}" in lookup.error


def test_none_only_when_every_archive_answered_none():
    fake = FakeFetcher()
    for root in (A_ROOT, B_ROOT):
        fake.on(root + "/cdx", cdx_at(root, ("20180514000000", PAGE, "404")))
    assert two_archives(fake).lookup(PAGE, "2018-05-14", None).status is LookupStatus.NONE


def test_fetch_goes_to_the_archive_the_snapshot_came_from():
    fake = FakeFetcher()
    fake.on(A_ROOT + "/cdx", cdx_at(A_ROOT, ("20180401000000", PAGE, "200")))
    fake.on(B_ROOT + "/cdx", cdx_at(B_ROOT, ("20180515000000", PAGE, "200")))
    raw = f"{B_ROOT}/20180515000000id_/{PAGE}"
    fake.on(raw, answer(raw, body="<p>from B</p>"))
    multi = two_archives(fake)
    snap = multi.fetch_snapshot(multi.lookup(PAGE, "2018-05-14", None).snapshot)
    assert snap.body == b"<p>from B</p>" and snap.archive == B_ROOT


def test_one_wayback_archive_is_the_plain_client():
    from citecheck.archive import ArchiveClient

    assert type(make_archives(FakeFetcher(), [(A_ROOT, None)])) is ArchiveClient


# ------------------------------------------------ pairing the options


def test_cdx_url_pairs_with_the_archive_url_before_it():
    order = [("archive_url", A_ROOT), ("archive_url", B_ROOT), ("archive_cdx_url", "http://c/x")]
    assert pair_archives(order, (A_ROOT, B_ROOT), ("http://c/x",)) == (
        (A_ROOT, None), (B_ROOT, "http://c/x"))
    first = [("archive_cdx_url", "http://c/x"), ("archive_url", A_ROOT), ("archive_url", B_ROOT)]
    assert pair_archives(first, (A_ROOT, B_ROOT), ("http://c/x",))[0] == (A_ROOT, "http://c/x")


def test_values_from_the_environment_pair_by_position():
    assert pair_archives([], (A_ROOT, "memento:http://tm/"), ()) == (
        (A_ROOT, None), ("memento:http://tm/", None))
    assert pair_archives([], (A_ROOT,), ("http://c/x",)) == ((A_ROOT, "http://c/x"),)


@pytest.mark.parametrize("order", [
    [("archive_url", A_ROOT), ("archive_cdx_url", "http://c/1"), ("archive_cdx_url", "http://c/2")],
    [("archive_url", "memento:http://tm/"), ("archive_cdx_url", "http://c/1")],
])
def test_a_cdx_url_with_nothing_to_pair_is_a_usage_error(order):
    urls = tuple(v for n, v in order if n == "archive_url")
    cdx = tuple(v for n, v in order if n == "archive_cdx_url")
    with pytest.raises(click.UsageError):
        pair_archives(order, urls, cdx)


def test_cli_reads_several_archives_in_order_and_from_the_environment(monkeypatch):
    from click.testing import CliRunner

    from citecheck.cli import cli

    seen = {}

    def fake_make(http, archives, **kw):
        seen["archives"] = archives
        raise SystemExit(0)

    monkeypatch.setattr("citecheck.archive.multi.make_archives", fake_make)
    CliRunner().invoke(cli, ["archive", "lookup", PAGE, "--db", ":memory:",
                             "--archive-url", A_ROOT, "--archive-url", B_ROOT,
                             "--archive-cdx-url", "http://c.test/cdx"])
    assert seen["archives"] == ((A_ROOT, None), (B_ROOT, "http://c.test/cdx"))
    CliRunner().invoke(cli, ["archive", "lookup", PAGE, "--db", ":memory:"],
                       env={"CITECHECK_ARCHIVE_URL": f"{A_ROOT} memento:http://tm.test/tm/"})
    assert seen["archives"] == ((A_ROOT, None), ("memento:http://tm.test/tm/", None))
    bad = CliRunner().invoke(cli, ["archive", "lookup", PAGE, "--archive-url", "memento:nope"])
    assert bad.exit_code == 2 and "not an http(s) URL" in bad.output


# ------------------------------------------------------------- TimeMaps


TIMEMAP = """<{page}>; rel="original",
<{base}/timemap/link/{page}>; rel="self"; type="application/link-format";
  from="Tue, 01 May 2018 08:00:00 GMT",
<{base}/timegate/{page}>; rel="timegate",
<{base}/web/20180501080000/{page}>; rel="first memento"; datetime="Tue, 01 May 2018 08:00:00 GMT",
<{base}/web/20180513230000/{page}>; rel="memento"; datetime="Sun, 13 May 2018 23:00:00 GMT",
<{base}/web/20180620120000/{page}>; rel="last memento"; datetime="Wed, 20 Jun 2018 12:00:00 GMT"
"""


def test_parse_link_format_timemap():
    original, mementos = parse_timemap(TIMEMAP.format(base="http://tm", page=PAGE), "http://tm/")
    assert original == PAGE
    assert [m.timestamp for m in mementos] == ["20180501080000", "20180513230000",
                                               "20180620120000"]
    assert mementos[1].uri == f"http://tm/web/20180513230000/{PAGE}"
    links = parse_links('<a>; rel="x y"; title="a, b; c", </b>;rel=memento')
    assert [(link.uri, link.rels) for link in links] == [("a", {"x", "y"}), ("/b", {"memento"})]
    with pytest.raises(TimeMapError):
        parse_links("<!doctype html><html>Not found</html>")


class TimeMapHandler(BaseHTTPRequestHandler):
    """A Memento endpoint: TimeMaps at /timemap/link/URL, raw mementos at /web/TSid_/URL."""

    pages: dict[str, str] = {}

    def do_GET(self) -> None:  # noqa: N802
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path.startswith("/timemap/link/"):
            page = self.path.removeprefix("/timemap/link/")
            if page == "http://garbage.example/":
                return self._send(200, "<html>oops</html>", "text/html")
            if page not in self.pages:
                return self._send(404, "", "application/link-format")
            return self._send(200, TIMEMAP.format(base=base, page=page), "application/link-format")
        if "id_/" in self.path:
            page = self.path.split("id_/", 1)[1]
            return self._send(200, self.pages.get(page, ""), "text/html",
                              {"Memento-Datetime": "Sun, 13 May 2018 23:00:00 GMT"})
        self._send(404, "", "text/plain")

    def _send(self, status: int, body: str, ctype: str, extra: dict[str, str] | None = None
              ) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def timemap_server() -> Iterator[str]:
    TimeMapHandler.pages = {PAGE: "<html><body><p>Statement of 13 May</p></body></html>"}
    server = ThreadingHTTPServer(("127.0.0.1", 0), TimeMapHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def memento_client(base: str) -> MementoClient:
    return MementoClient(HttpClient(HttpConfig(retries=0)), f"memento:{base}/timemap/link/")


def test_timemap_endpoint_gives_the_closest_memento_and_its_bytes(timemap_server):
    client = memento_client(timemap_server)
    assert client.rates == (float("inf"), float("inf"))  # loopback: unthrottled
    lookup = client.lookup(PAGE, "2018-05-14", None)
    assert lookup.status is LookupStatus.FOUND
    snap = lookup.snapshot
    assert snap.timestamp == "20180513230000"
    assert snap.archive == f"memento:{timemap_server}/timemap/link/"
    assert snap.archive_url == f"{timemap_server}/web/20180513230000/{PAGE}"
    fetched = client.fetch_snapshot(snap)
    assert fetched.error is None and b"Statement of 13 May" in fetched.body
    assert snap.status_code is None and fetched.status_code == 200  # the TimeMap gave none
    assert fetched.archive_url == snap.archive_url


def test_timemap_404_is_no_mementos_not_an_error(timemap_server):
    lookup = memento_client(timemap_server).lookup("http://never.example/x", "2018-05-14", None)
    assert lookup.status is LookupStatus.NONE and lookup.error is None


def test_timemap_garbage_is_an_error(timemap_server):
    lookup = memento_client(timemap_server).lookup("http://garbage.example/", "2018-05-14", None)
    assert lookup.status is LookupStatus.ERROR and lookup.error.startswith("bad-response")


def test_timemap_window_keeps_far_mementos_out(timemap_server):
    lookup = memento_client(timemap_server).lookup(PAGE, "2016-01-01", None, window_days=30)
    assert lookup.status is LookupStatus.NONE


def test_wayback_and_timemap_archives_together(timemap_server):
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{s.getsockname()[1]}/web"
    http = HttpClient(HttpConfig(retries=0))
    multi = make_archives(http, [(down, None), (f"memento:{timemap_server}/timemap/link/", None)])
    # the Wayback one refuses connections: the TimeMap answers
    lookup = multi.lookup(PAGE, "2018-05-14", None)
    assert lookup.status is LookupStatus.FOUND
    assert lookup.snapshot.archive.startswith("memento:")


# ---------------------------------------------------- two real pywb archives

BRIEF = """4 June 2018

Moscow and Beijing announced the joint exercise "Peace Mission 2018" (Russian MOD, May 14).
"""


@pytest.mark.slow
def test_audit_over_two_pywb_archives_picks_the_closest_capture_and_names_it(
    tmp_path: Path, simweb, pywb_factory
):
    dead = simweb.route("mod", "/en/news/2018-05-14.html", status=404, body="<h1>Not Found</h1>")
    host = dead.split("/")[2]
    text = 'Moscow and Beijing announced the joint exercise "Peace Mission 2018".'
    far = pywb_factory([html_capture(dead, "20180402100000", text, title="Exercise")], name="far")
    near = pywb_factory([html_capture(dead, "20180515080000", text, title="Exercise")],
                        name="near")
    (tmp_path / "citations.yaml").write_text(
        f"sources:\n  Russian MOD:\n    name: Ministry of Defence\n    domains: ['{host}']\n"
        f"pins:\n  - source: Russian MOD\n    date: 2018-05-14\n    url: {dead}\n",
        encoding="utf-8")
    (tmp_path / "brief.txt").write_text(BRIEF, encoding="utf-8")
    exe = Path(sys.executable).parent / "citecheck"
    done = subprocess.run(
        [str(exe), "audit", "brief.txt", "--config", "citations.yaml", "--db", "h.db",
         "--archive-url", near.root, "--archive-url", far.root, "--allow-private",
         "--json", "-", "-q", "--html", "r.html"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    (cit,) = json.loads(done.stdout)["citations"]
    assert cit["verdict"] == "rescued", cit
    assert cit["snapshot"]["timestamp"] == "20180515080000"
    assert cit["snapshot"]["archive"] == near.root
    assert near.root in (tmp_path / "r.html").read_text(encoding="utf-8")
    # the other way round: the order of the archives does not decide
    done = subprocess.run(
        [str(exe), "archive", "lookup", dead, "--date", "2018-05-14", "--json", "--db", "l.db",
         "--archive-url", far.root, "--archive-url", near.root],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["archives"] == [far.root, near.root]
    (lookup,) = out["lookups"]
    assert lookup["snapshot"]["archive"] == near.root
    assert lookup["snapshot"]["timestamp"] == "20180515080000"
