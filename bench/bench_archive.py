"""Speed of the archive layer: CDX parsing, the rate limit, WARC writing, lookups on a real pywb.

Run: ``.venv/bin/python bench/bench_archive.py`` (add ``--pywb`` for the
lookups against a local pywb started from WARCs built here). Prints a
Markdown table for docs/benchmarks.md. Nothing leaves 127.0.0.1.

``--politeness`` times the archive phase of an audit of 40 citations (a
lookup and the raw replay of the chosen snapshot each, through the pipeline's
pool at its archive concurrency) against one local pywb: with the default
rates (by endpoint: a loopback archive is not throttled), with no rate limit
at all, and once with the old fixed 4 requests/s. The first two run in turn,
A B A B, and the ratio is taken pair by pair (target, issue 12: default
within 1.5x of no limit).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from citecheck.archive import ArchiveClient, RateLimiter, WarcStore, parse_cdx
from citecheck.http import FetchResult, HttpClient, HttpConfig

ROWS = 20_000


def bench_cdx() -> list[tuple[str, str]]:
    header = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
    ia = json.dumps([header] + [
        ["org,example)/p", f"2018{i % 12 + 1:02d}01000000", f"http://example.org/p{i}",
         "text/html", "200", "ABCDEF", "1234"] for i in range(ROWS)
    ])
    pywb = "\n".join(json.dumps({
        "urlkey": "org,example)/p", "timestamp": f"2018{i % 12 + 1:02d}01000000",
        "url": f"http://example.org/p{i}", "mime": "text/html", "status": "200",
        "digest": "ABCDEF", "length": "1234", "offset": "0", "filename": "a.warc.gz",
    }) for i in range(ROWS))
    out = []
    for name, body in (("IA JSON (array of arrays)", ia), ("pywb JSON (object per line)", pywb)):
        t = time.perf_counter()
        rows = parse_cdx(body)
        dt = time.perf_counter() - t
        assert len(rows) == ROWS
        out.append((f"parse {ROWS} CDX rows, {name}",
                    f"{dt * 1000:.0f} ms ({ROWS / dt:,.0f} rows/s)"))
    return out


def bench_rate_limit(
    rate: float = 20.0, threads: int = 8, per_thread: int = 10
) -> list[tuple[str, str]]:
    limiter = RateLimiter(rate)
    stamps: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(per_thread):
            limiter.acquire("archive.example")
            with lock:
                stamps.append(time.monotonic())

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    stamps.sort()
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    achieved = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    return [(f"rate limit {rate:g}/s, {threads} threads x {per_thread}",
             f"achieved {achieved:.2f}/s, smallest gap {min(gaps) * 1000:.1f} ms "
             f"(target {1000 / rate:.0f} ms)")]


def bench_warc(records: int = 2000, size: int = 20_000, threads: int = 4) -> list[tuple[str, str]]:
    body = (b"<p>" + b"x" * (size - 8) + b"</p>")
    results = [
        FetchResult(f"http://example.org/{i}", f"http://example.org/{i}", 200,
                    headers={"content-type": "text/html"}, body=body)
        for i in range(records)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        store = WarcStore(tmp, 1)
        t = time.perf_counter()
        workers = [
            threading.Thread(target=lambda c=results[i::threads]: [store.write(r) for r in c])
            for i in range(threads)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        store.close()
        dt = time.perf_counter() - t
        file_mb = store.path.stat().st_size / 1e6
    return [(f"WarcStore: {records} responses of {size // 1000} kB, {threads} threads",
             f"{records / dt:,.0f} records/s, {records * size / dt / 1e6:.1f} MB/s of bodies, "
             f"file {file_mb:.1f} MB gzipped")]


def bench_pywb(lookups: int = 100) -> list[tuple[str, str]]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from fixtures_pywb import PywbServer, html_capture

    captures = [
        html_capture(f"http://news.example.com/a{i}", f"2018{m:02d}15000000", f"page {i} {m}")
        for i in range(50)
        for m in range(1, 13)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        server = PywbServer(Path(tmp)).init()
        t = time.perf_counter()
        server.add(captures)
        server.start()
        startup = time.perf_counter() - t
        try:
            client = ArchiveClient(HttpClient(HttpConfig(retries=0)), server.root,
                                   rate_per_second=1000)
            times = []
            for i in range(lookups):
                t = time.perf_counter()
                result = client.lookup(f"http://news.example.com/a{i % 50}", "2018-05-14",
                                       "2018-06-04")
                times.append(time.perf_counter() - t)
                assert result.snapshot is not None and result.snapshot.timestamp == "20180515000000"
            fetches = []
            for _ in range(30):
                t = time.perf_counter()
                assert client.fetch_snapshot(result.snapshot).body
                fetches.append(time.perf_counter() - t)
        finally:
            server.stop()
    return [
        (f"pywb: build {len(captures)} captures, index, start", f"{startup:.1f} s"),
        (f"pywb lookup (CDX closest, 12 captures/URL), {lookups} runs",
         f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"),
        ("pywb raw replay (id_), 30 runs", f"median {statistics.median(fetches) * 1000:.0f} ms"),
    ]


def bench_politeness(
    citations: int = 40, pairs: int = 5, only: str | None = None
) -> list[tuple[str, str]]:
    """``only`` ("default" or "none"): one phase of that kind, for ``farm-bench``."""
    import math

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from fixtures_pywb import PywbServer, html_capture

    from citecheck.archive.multi import make_archives
    from citecheck.pipeline import AuditOptions
    from citecheck.runner import run_pool

    page = ("<!-- cookie banner --><div class='rail'>Related: other story</div>"
            "<p class='byline'>By Staff</p><p>Statement number {i} of {m}.</p>")
    captures = [
        html_capture(f"http://mod.example.org/en/news/{i}.html", ts, page.format(i=i, m=ts[:6]),
                     title=f"Statement {i}")
        for i in range(citations)
        for ts in ("20180402100000", "20180515080000", "20180515080000", "20180701120000")
    ]
    wanted = [(f"http://mod.example.org/en/news/{i}.html", "2018-05-14", "2018-06-04")
              for i in range(citations)]
    concurrency = AuditOptions().archive_concurrency

    def phase(root: str, rate: float | None) -> float:
        client = make_archives(HttpClient(HttpConfig(retries=0)), [(root, None)],
                               rate_per_second=rate)

        def one(item: tuple[str, str, str]) -> bytes | None:
            lookup = client.lookup(*item)
            assert lookup.snapshot is not None, lookup.error
            return client.fetch_snapshot(lookup.snapshot).body

        t = time.perf_counter()
        bodies = list(run_pool(wanted, one, concurrency=concurrency, per_host=concurrency,
                               host_of=lambda _item: "archive"))
        elapsed = time.perf_counter() - t
        assert len(bodies) == citations and all(body for _item, body in bodies)
        return elapsed

    with tempfile.TemporaryDirectory() as tmp:
        server = PywbServer(Path(tmp)).init()
        server.add(captures)
        server.start()
        try:
            if only is not None:
                took = phase(server.root, None if only == "default" else math.inf)
                return [(f"archive phase, {citations} citations, rates: {only}", f"{took:.2f} s")]
            phase(server.root, math.inf)  # warm-up: pywb loads its index
            default, none, ratios = [], [], []
            for _ in range(pairs):
                a = phase(server.root, None)
                b = phase(server.root, math.inf)
                default.append(a)
                none.append(b)
                ratios.append(a / b)
            old = phase(server.root, 4.0)
        finally:
            server.stop()
    med = statistics.median
    return [
        (f"archive phase, {citations} citations on a local pywb, default rates (by endpoint), "
         f"median of {pairs}", f"{med(default):.2f} s"),
        (f"same, no rate limit, median of {pairs}", f"{med(none):.2f} s"),
        ("ratio default / no limit, pair by pair (target <= 1.5)",
         f"median {med(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})"),
        ("same lookups at the old fixed 4 requests/s, once", f"{old:.2f} s"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pywb", action="store_true", help="also time lookups on a local pywb")
    parser.add_argument("--politeness", action="store_true",
                        help="only the archive phase of 40 citations on a local pywb, default "
                             "rates vs no rate limit")
    parser.add_argument("--phase", choices=["default", "none"],
                        help="one archive phase (default rates or none), for farm-bench")
    args = parser.parse_args()
    if args.phase:
        rows = bench_politeness(only=args.phase)
    elif args.politeness:
        rows = bench_politeness()
    else:
        rows = bench_cdx() + bench_rate_limit() + bench_warc()
    if args.pywb:
        rows += bench_pywb()
    print("| measurement | result |\n| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
