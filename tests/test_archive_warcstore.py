"""The local evidence archive: valid WARCs (``warcio check``), readable back, replayable in pywb."""

from __future__ import annotations

import gzip
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from fixtures_simweb import gzipped

from citecheck.archive.warcstore import WarcStore, iter_evidence, read_evidence, warc_files
from citecheck.http import FetchResult, HttpClient, HttpConfig


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    tool = Path(sys.executable).parent / "warcio"
    return subprocess.run([str(tool), "check", "-v", str(path)], capture_output=True, text=True,
                          timeout=60)


def test_write_decoded_body_fixes_headers_and_reads_back(tmp_path):
    result = FetchResult(
        "http://example.org/a", "http://example.org/a", 200,
        headers={"content-type": "text/html", "content-encoding": "gzip",
                 "transfer-encoding": "chunked", "content-length": "999"},
        body=b"<p>decoded</p>",
    )
    store = WarcStore(tmp_path / "archive", 7)
    rec = store.write(result)
    store.close()
    assert rec.warc_file == str(store.path) and store.path.name.startswith("citecheck-run7-")
    assert rec.digest.startswith("sha1:") and rec.status_code == 200
    got = read_evidence(rec.warc_file, rec.offset)
    names = {k.lower(): v for k, v in got.headers}
    assert "content-encoding" not in names and "transfer-encoding" not in names
    assert names["content-length"] == str(len(b"<p>decoded</p>"))
    assert got.body == b"<p>decoded</p>"
    check = warcio_check(store.path)
    assert check.returncode == 0, check.stdout + check.stderr


def test_nothing_received_writes_nothing(tmp_path):
    store = WarcStore(tmp_path, 1)
    assert store.write(FetchResult("http://x.org/", "http://x.org/", error="timeout")) is None
    assert warc_files(tmp_path) == []


def test_an_evidence_folder_that_cannot_be_written_stops_the_run(tmp_path):
    # was a NotADirectoryError/PermissionError: a traceback, or every URL "inconclusive"
    from citecheck.errors import RunError

    (tmp_path / "file").write_text("not a folder")
    store = WarcStore(tmp_path / "file" / "evidence", 1)
    with pytest.raises(RunError, match=r"evidence.*cannot write the evidence"):
        store.write(FetchResult("http://x.org/", "http://x.org/", 200, {}, b"<p>x</p>"))


def test_concurrent_writes_give_distinct_readable_records(tmp_path):
    store = WarcStore(tmp_path, 2)
    results = [
        FetchResult(f"http://example.org/{i}", f"http://example.org/{i}", 200,
                    headers={"content-type": "text/plain"}, body=f"body {i}".encode() * 50)
        for i in range(40)
    ]
    records = []
    lock = threading.Lock()

    def work(chunk):
        for r in chunk:
            rec = store.write(r)
            with lock:
                records.append(rec)

    threads = [threading.Thread(target=work, args=(results[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.close()
    assert len({r.offset for r in records}) == 40
    for rec in records:
        got = read_evidence(rec.warc_file, rec.offset)
        assert got.body == f"body {rec.url.rsplit('/', 1)[1]}".encode() * 50
    scanned = {r.offset: r for r in iter_evidence(tmp_path)}
    assert {r.offset: r.length for r in records} == {o: r.length for o, r in scanned.items()}
    assert warcio_check(store.path).returncode == 0


@pytest.mark.slow
def test_live_fetches_are_valid_warcs_and_replay_in_pywb(tmp_path, simweb, pywb_factory):
    page = "<html><body><p>Minister's statement, June 25.</p></body></html>"
    simweb.route("gov", "/news/1", handler=lambda req: gzipped(page))  # gzip on the wire
    simweb.route("gov", "/chunked", body=[b"<p>part one, ", b"part two</p>"])
    simweb.route("gov", "/old", status=301, headers={"Location": "/news/1"})
    http = HttpClient(HttpConfig(allow_private=True, retries=0))
    store = WarcStore(tmp_path / "archive", 3)
    fetched = {p: http.fetch(simweb.url("gov", p)) for p in ("/news/1", "/chunked", "/old")}
    records = {p: store.write(r) for p, r in fetched.items()}
    store.close()

    check = warcio_check(store.path)
    assert check.returncode == 0, check.stdout + check.stderr
    # the gzip bytes as received are kept, with their Content-Encoding
    raw = read_evidence(store.path, records["/news/1"].offset)
    assert raw.body == page.encode()  # content_stream() undoes the gzip
    assert dict((k.lower(), v) for k, v in raw.headers)["content-encoding"] == "gzip"
    with open(store.path, "rb") as fh:
        fh.seek(records["/news/1"].offset)
        member = gzip.decompress(fh.read(records["/news/1"].length))
    assert b"WARC-Type: response" in member and page.encode() not in member  # stored gzipped
    # the redirect was followed: target is the final URL, the asked one is kept
    assert records["/old"].target_uri.endswith("/news/1")
    assert records["/old"].url.endswith("/old")

    world = pywb_factory(name="evidence")
    world.add_warc(store.path)
    session = requests.Session()
    session.trust_env = False
    ts = records["/chunked"].recorded_at.replace("-", "").replace(":", "").replace("T", "")[:14]
    resp = session.get(world.replay_url(ts, fetched["/chunked"].final_url), timeout=10)
    assert resp.status_code == 200
    assert resp.content == b"<p>part one, part two</p>"
    resp = session.get(world.replay_url(ts, fetched["/news/1"].final_url), timeout=10)
    assert resp.status_code == 200 and "June 25" in resp.text


def test_raw_bytes_keep_their_content_encoding(tmp_path):
    page = b"<p>raw page</p>"
    raw = gzip.compress(page)
    result = FetchResult(
        "http://example.org/r", "http://example.org/r", 200,
        headers={"content-type": "text/html", "content-encoding": "gzip"},
        body=page, raw_body=raw,
        raw_headers=(("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                     ("Transfer-Encoding", "chunked")),
        http_version="HTTP/1.0",
    )
    store = WarcStore(tmp_path, 4)
    rec = store.write(result)
    store.close()
    got = read_evidence(rec.warc_file, rec.offset)
    names = {k.lower(): v for k, v in got.headers}
    assert names["content-encoding"] == "gzip" and "transfer-encoding" not in names
    assert names["content-length"] == str(len(raw))
    assert got.status_line == "HTTP/1.0 200 OK"
    assert got.body == page  # read back decoded
    assert warcio_check(store.path).returncode == 0


def test_find_evidence_by_original_replay_or_variant(tmp_path):
    from citecheck.archive.warcstore import find_evidence

    store = WarcStore(tmp_path, 5)
    live = store.write(FetchResult("http://example.org/a", "https://www.example.org/a", 404))
    snap = store.write(FetchResult(
        "http://127.0.0.1:8080/web/20180514000000id_/http://example.org/a",
        "http://127.0.0.1:8080/web/20180514000000id_/http://example.org/a", 200, body=b"x"))
    store.write(FetchResult("http://example.org/b", "http://example.org/b", 200))
    store.close()
    found = find_evidence(iter_evidence(tmp_path), "https://example.org/a")
    assert {r.offset for r in found} == {live.offset, snap.offset}


@pytest.mark.parametrize(
    "changes, expected",
    [({"truncated": True}, "length"), ({"error": "timeout"}, "time"),
     ({"error": "connection-reset"}, "disconnect"), ({}, None)],
)
def test_cut_bodies_are_marked_truncated(tmp_path, changes, expected):
    from warcio.archiveiterator import ArchiveIterator

    store = WarcStore(tmp_path, 6)
    rec = store.write(FetchResult("http://example.org/t", "http://example.org/t", 200,
                                  body=b"partial", **changes))
    store.close()
    with open(rec.warc_file, "rb") as fh:
        fh.seek(rec.offset)
        record = next(iter(ArchiveIterator(fh)))
        assert record.rec_headers.get_header("WARC-Truncated") == expected
