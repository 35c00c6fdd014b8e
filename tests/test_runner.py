"""The runner: global and per-host limits, streaming, dedup, cache, offline."""

import threading
from collections import defaultdict

import pytest

from citecheck.http import FetchResult
from citecheck.models import LiveResult, LiveStatus
from citecheck.runner import (
    BatchedWrites,
    all_refused,
    check_urls,
    detect_offline,
    run_pool,
    without_body,
)

PAGE = b"<html><title>Report</title><p>" + b"words " * 300 + b"</p></html>"


class FakeClient:
    """Answers from a table: url -> status code or error code; counts fetches."""

    def __init__(self, table=None, default=200):
        self.table = table or {}
        self.default = default
        self.fetched = []
        self.lock = threading.Lock()

    def fetch(self, url, **kwargs):
        with self.lock:
            self.fetched.append(url)
        answer = self.table.get(url, self.default)
        if isinstance(answer, str):
            return FetchResult(url, url, error=answer, error_text=answer)
        return FetchResult(url, url, answer, {"content-type": "text/html"}, PAGE)


class Gauge:
    def __init__(self):
        self.lock = threading.Lock()
        self.now = defaultdict(int)
        self.peak = defaultdict(int)
        self.total_now = 0
        self.total_peak = 0

    def enter(self, host):
        with self.lock:
            self.now[host] += 1
            self.total_now += 1
            self.peak[host] = max(self.peak[host], self.now[host])
            self.total_peak = max(self.total_peak, self.total_now)

    def leave(self, host):
        with self.lock:
            self.now[host] -= 1
            self.total_now -= 1


@pytest.mark.parametrize("concurrency, per_host", [(8, 2), (3, 3), (16, 1)])
def test_run_pool_respects_global_and_per_host_limits(concurrency, per_host):
    gauge = Gauge()
    items = [(f"h{i % 5}", i) for i in range(60)]
    release = threading.Event()

    def fn(item):
        gauge.enter(item[0])
        release.wait(0.01)  # hold the slot a little so calls overlap
        gauge.leave(item[0])
        return item[1] * 2

    out = dict(run_pool(items, fn, concurrency=concurrency, per_host=per_host,
                        host_of=lambda item: item[0]))
    assert out == {item: item[1] * 2 for item in items}
    assert gauge.total_peak <= concurrency
    assert max(gauge.peak.values()) <= per_host
    assert gauge.total_peak >= 2


def test_run_pool_yields_as_results_complete():
    slow_may_finish = threading.Event()

    def fn(item):
        if item == "http://a.test/slow":
            assert slow_may_finish.wait(10)
        return item

    order = []
    for item, _ in run_pool(["http://a.test/slow", "http://b.test/fast"], fn,
                            concurrency=2, per_host=1):
        order.append(item)
        slow_may_finish.set()  # only reachable if the fast one came out first
    assert order == ["http://b.test/fast", "http://a.test/slow"]


def test_run_pool_keeps_going_while_the_consumer_is_busy():
    started = []
    all_started = threading.Event()

    def fn(item):
        started.append(item)
        if len(started) == 6:
            all_started.set()
        return item

    items = [f"http://h{i % 3}.test/{i}" for i in range(6)]
    results = run_pool(items, fn, concurrency=2, per_host=1)
    next(results)  # hold the first result: the pool must not wait for us
    assert all_started.wait(10)
    assert len(list(results)) == 5


def test_run_pool_hosts_take_turns():
    started = []

    def fn(item):
        started.append(item)
        return item

    items = [f"http://big.test/{i}" for i in range(10)] + ["http://small.test/1"]
    list(run_pool(items, fn, concurrency=1, per_host=1))
    assert started.index("http://small.test/1") <= 1


def test_run_pool_on_done_and_empty():
    seen = []
    assert list(run_pool([], str, concurrency=2, per_host=1)) == []
    list(run_pool(["http://a.test/1"], str.upper, concurrency=2, per_host=1,
                  on_done=lambda i, r: seen.append((i, r))))
    assert seen == [("http://a.test/1", "HTTP://A.TEST/1")]


def test_run_pool_raises_what_fn_raised():
    def fn(item):
        raise ValueError(item)

    with pytest.raises(ValueError):
        list(run_pool(["http://a.test/1"], fn, concurrency=2, per_host=1))


# ------------------------------------------------------------- check_urls


def test_check_urls_deduplicates_after_normalisation():
    client = FakeClient()
    results = check_urls(
        ["http://Example.org/a#top", "http://example.org/a?utm_source=x", "http://example.org/b",
         "", "  "],
        client, soft404_probe=False,
    )
    assert list(results) == ["http://example.org/a", "http://example.org/b"]
    assert sorted(client.fetched) == ["http://example.org/a", "http://example.org/b"]
    assert all(r.status is LiveStatus.OK for r in results.values())


def test_check_urls_statuses_and_on_result():
    client = FakeClient({"http://e.org/gone": 404, "http://e.org/slow": "timeout"})
    got = []
    results = check_urls(["http://e.org/ok", "http://e.org/gone", "http://e.org/slow"], client,
                         soft404_probe=False, on_result=got.append)
    assert {u: r.status for u, r in results.items()} == {
        "http://e.org/ok": LiveStatus.OK,
        "http://e.org/gone": LiveStatus.DEAD,
        "http://e.org/slow": LiveStatus.ERROR,
    }
    assert sorted(r.url for r in got) == sorted(results)


class FakeCache:
    def __init__(self, entries):
        self.entries = entries
        self.asked = []
        self.put = []

    def get_live(self, url, max_age_seconds):
        self.asked.append((url, max_age_seconds))
        return self.entries.get(url)

    def put_live(self, result):
        self.put.append(result)


def test_cache_reuses_successes_only():
    ok = LiveResult("http://e.org/ok", LiveStatus.OK, 200, checked_at="2026-01-01T00:00:00Z")
    dead = LiveResult("http://e.org/dead", LiveStatus.DEAD, 404)
    cache = FakeCache({ok.url: ok, dead.url: dead})
    client = FakeClient()
    results = check_urls([ok.url, dead.url, "http://e.org/new"], client, cache=cache,
                         max_age=3600, soft404_probe=False)
    assert sorted(client.fetched) == ["http://e.org/dead", "http://e.org/new"]
    assert results[ok.url].from_cache and results[ok.url].status is LiveStatus.OK
    assert results[dead.url].status is LiveStatus.OK and not results[dead.url].from_cache
    assert {url for url, age in cache.asked} == set(results) and {a for _, a in cache.asked} == {
        3600}
    assert sorted(r.url for r in cache.put) == ["http://e.org/dead", "http://e.org/new"]


def test_a_bug_in_one_check_is_an_error_result_not_a_crash():
    class Broken(FakeClient):
        def fetch(self, url, **kwargs):
            if url.endswith("/bad"):
                raise RuntimeError("boom")
            return super().fetch(url, **kwargs)

    results = check_urls(["http://e.org/bad", "http://e.org/good"], Broken(), soft404_probe=False)
    assert results["http://e.org/bad"].status is LiveStatus.ERROR
    assert results["http://e.org/bad"].reasons == ("internal-error",)
    assert results["http://e.org/good"].status is LiveStatus.OK


# ---------------------------------------------------------------- offline


def _r(url, status, *reasons, **kw):
    return LiveResult(url, status, reasons=reasons, **kw)


@pytest.mark.parametrize(
    "results, offline",
    [
        ([_r("http://a.org/", LiveStatus.ERROR, "dns-error"),
          _r("http://b.org/", LiveStatus.ERROR, "dns-error")], True),
        ([_r("http://a.org/", LiveStatus.ERROR, "dns-error"),
          _r("http://b.org/", LiveStatus.ERROR, "connection-refused")], True),
        ([_r("http://a.org/", LiveStatus.ERROR, "dns-error"),
          _r("http://b.org/", LiveStatus.OK)], False),
        ([_r("http://a.org/", LiveStatus.ERROR, "dns-error")], False),  # one host proves nothing
        ([_r("http://a.org/", LiveStatus.ERROR, "dns-error"),
          _r("http://b.org/", LiveStatus.ERROR, "timeout")], False),
        ([_r("http://a.org/", LiveStatus.ERROR, "dns-error"),
          _r("http://b.org/", LiveStatus.ERROR, "dns-error"),
          _r("http://c.org/", LiveStatus.OK, from_cache=True),
          _r("http://d.org/", LiveStatus.SKIPPED, "private-address")], True),
        ([_r("http://a.org/1", LiveStatus.ERROR, "dns-error"),
          _r("http://a.org/2", LiveStatus.DEAD, "http-404"),
          _r("http://b.org/", LiveStatus.ERROR, "dns-error")], False),
        ([], False),
    ],
)
def test_detect_offline(results, offline):
    assert detect_offline(results) is offline


def test_offline_results_say_so_and_stay_inconclusive():
    client = FakeClient(default="dns-error")
    results = check_urls(["http://a.org/x", "http://b.org/y"], client, soft404_probe=False)
    for r in results.values():
        assert r.status is LiveStatus.ERROR and not r.status.is_conclusive
        assert r.reasons == ("dns-error", "offline")
    one_down = check_urls(["http://a.org/x", "http://b.org/y"],
                          FakeClient({"http://a.org/x": "dns-error"}), soft404_probe=False)
    assert one_down["http://a.org/x"].reasons == ("dns-error",)
    assert one_down["http://b.org/y"].status is LiveStatus.OK


def test_refused_urls_are_skipped_with_their_reason_never_offline():
    # issue 15 (4): a URL refused by policy was marked "offline" with the others
    client = FakeClient({"http://a.org/x": "dns-error", "http://b.org/y": "dns-error",
                         "http://10.0.0.5/z": "private-address"})
    results = check_urls(["http://a.org/x", "http://b.org/y", "http://10.0.0.5/z"], client,
                         soft404_probe=False)
    assert results["http://a.org/x"].reasons == ("dns-error", "offline")
    refused = results["http://10.0.0.5/z"]
    assert refused.status is LiveStatus.SKIPPED and refused.reasons == ("private-address",)


@pytest.mark.parametrize(
    "results, refused",
    [
        ([_r("http://10.0.0.1/", LiveStatus.SKIPPED, "private-address"),
          _r("http://127.0.0.1/", LiveStatus.SKIPPED, "private-address")], True),
        ([_r("http://10.0.0.1/", LiveStatus.SKIPPED, "private-address"),
          _r("http://a.org/", LiveStatus.ERROR, "dns-error")], False),
        ([_r("http://10.0.0.1/", LiveStatus.SKIPPED, "private-address"),
          _r("http://a.org/", LiveStatus.OK, from_cache=True)], False),
        ([_r("ftp://a.org/", LiveStatus.SKIPPED, "unsupported-scheme")], False),  # not policy
        ([], False),
    ],
)
def test_all_refused(results, refused):
    assert all_refused(results) is refused


def test_a_cache_failure_stops_the_run():
    from citecheck.errors import RunError

    class Locked(FakeCache):
        def put_live(self, result):
            raise RunError("database is locked")

    with pytest.raises(RunError):
        check_urls(["http://e.org/a", "http://e.org/b"], FakeClient(), cache=Locked({}), max_age=60,
                   soft404_probe=False)


def test_an_evidence_store_failure_stops_the_run():
    # a RunError from the recording client (the WARC file cannot be written) is
    # not one URL's "internal-error": it stops the run, as a cache failure does
    from citecheck.errors import RunError

    class NoEvidence(FakeClient):
        def fetch(self, url, **kwargs):
            raise RunError("archive: cannot write the evidence")

    with pytest.raises(RunError):
        check_urls(["http://e.org/a", "http://e.org/b"], NoEvidence(), soft404_probe=False)


class BatchingCache(FakeCache):
    """A cache with put_live_many: the runner hands it batches."""

    def __init__(self, entries, fail=False):
        super().__init__(entries)
        self.batches = []
        self.fail = fail

    def put_live(self, result):
        raise AssertionError("a batching cache gets put_live_many only")

    def put_live_many(self, results):
        if self.fail:
            from citecheck.errors import RunError

            raise RunError("database is locked")
        self.batches.append(list(results))


def test_batching_cache_gets_every_result_before_check_urls_returns():
    urls = [f"http://h{i % 5}.org/{i}" for i in range(600)]
    cache = BatchingCache({})
    results = check_urls(urls, FakeClient(), cache=cache, max_age=60, soft404_probe=False)
    written = [r.url for batch in cache.batches for r in batch]
    assert sorted(written) == sorted(results) and len(written) == 600
    assert all(len(batch) <= 256 for batch in cache.batches)
    assert len(cache.batches) >= 3  # 600 results: at least three batches of at most 256


def test_a_batched_cache_failure_stops_the_run():
    from citecheck.errors import RunError

    with pytest.raises(RunError, match="locked"):
        check_urls([f"http://e.org/{i}" for i in range(50)], FakeClient(),
                   cache=BatchingCache({}, fail=True), max_age=60, soft404_probe=False)


def test_batched_writes_flush_after_max_delay_without_close():
    written = []
    done = threading.Event()

    def write_many(items):
        written.extend(items)
        done.set()

    writer = BatchedWrites(write_many, max_items=100, max_delay=0.05)
    writer.put("a")
    writer.put("b")
    assert done.wait(5), "a small batch must be written once it is max_delay old"
    assert written == ["a", "b"]
    writer.put("c")
    writer.close()
    assert written == ["a", "b", "c"]


class ProbeWatch(FakeClient):
    """Pages wait (up to 1.5 s) for their host's soft-404 probe to be on its way,
    and say whether it was; probes answer 404. Counts requests in flight per host."""

    def __init__(self):
        super().__init__()
        self.probing = defaultdict(threading.Event)
        self.saw_probe = {}
        self.gauge = Gauge()
        self.events = []  # ("probe", host) and ("page", host) as each ends, in order

    def fetch(self, url, **kwargs):
        host = url.split("/")[2]
        self.gauge.enter(host)
        try:
            if "/citecheck-" in url:
                with self.lock:
                    self.fetched.append(url)
                    self.events.append(("probe", host))
                self.probing[host].set()
                return FetchResult(url, url, 404, {"content-type": "text/html"}, b"not found")
            self.saw_probe[url] = self.probing[host].wait(1.5)  # ample on a loaded machine
            result = super().fetch(url, **kwargs)
            with self.lock:
                self.events.append(("page", host))
            return result
        finally:
            self.gauge.leave(host)


def test_a_host_with_a_slot_to_spare_probes_beside_its_first_page():
    client = ProbeWatch()
    once = ["http://a.org/x", "http://b.org/y"]  # one URL each: the probe runs alongside
    many = ["http://c.org/1", "http://c.org/2", "http://c.org/3"]  # per_host used up
    results = check_urls(once + many, client, per_host=2)
    assert all(r.status is LiveStatus.OK for r in results.values())
    assert client.saw_probe["http://a.org/x"] and client.saw_probe["http://b.org/y"]
    first = {host: kind for kind, host in reversed(client.events)}  # each host's first event
    assert first == {"a.org": "probe", "b.org": "probe", "c.org": "page"}  # c: as before
    probes = [u for u in client.fetched if "/citecheck-" in u]
    assert sorted(u.split("/")[2] for u in probes) == ["a.org", "b.org", "c.org"]  # one each
    assert max(client.gauge.peak.values()) <= 2  # never more than per_host on one host


def test_no_early_probe_with_one_request_per_host_or_for_a_home_page():
    client = ProbeWatch()
    check_urls(["http://a.org/x"], client, per_host=1)
    assert client.saw_probe == {"http://a.org/x": False}
    client = ProbeWatch()
    check_urls(["http://b.org/"], client, per_host=2)  # a home page is never compared
    assert client.fetched == ["http://b.org/"]


class ManyCache:
    """A store-like cache: one query for many URLs; the one-URL form is a failure."""

    def __init__(self, hits):
        self.hits = hits
        self.queries = []
        self.put = []

    def get_live_many(self, urls, max_age_seconds, *, with_body=True):
        self.queries.append((list(urls), max_age_seconds, with_body))
        return {u: self.hits[u] for u in urls if u in self.hits}

    def get_live(self, url, max_age_seconds=None):
        raise AssertionError("asked one URL at a time")

    def put_live_many(self, results):
        self.put.extend(results)


def test_check_urls_reads_the_cache_in_one_query_before_the_checks():
    ok = LiveResult(url="http://a.test/1", status=LiveStatus.OK, status_code=200)
    dead = LiveResult(url="http://a.test/2", status=LiveStatus.DEAD, status_code=404)
    cache = ManyCache({ok.url: ok, dead.url: dead})
    client = FakeClient()
    seen = []
    results = check_urls(["http://a.test/1", "http://a.test/2", "http://b.test/3"], client,
                         cache=cache, max_age=3600, on_result=seen.append, keep_body=False,
                         soft404_probe=False)
    assert cache.queries == [(["http://a.test/1", "http://a.test/2", "http://b.test/3"], 3600,
                              False)]
    assert results["http://a.test/1"].from_cache  # a success is reused
    assert sorted(client.fetched) == ["http://a.test/2", "http://b.test/3"]  # a failure is not
    assert sorted(r.url for r in cache.put) == ["http://a.test/2", "http://b.test/3"]
    assert len(seen) == 3


def test_results_are_handed_on_in_the_calling_thread():
    threads = set()
    check_urls([f"http://h{i}.test/p" for i in range(6)], FakeClient(),
               on_result=lambda r: threads.add(threading.get_ident()), soft404_probe=False)
    assert threads == {threading.get_ident()}


def test_leaving_early_stops_the_checks():
    from citecheck.runner import check_on_loop

    release = threading.Event()

    class Slow(FakeClient):
        def fetch(self, url, **kwargs):
            if url.endswith("/0"):
                return super().fetch(url, **kwargs)
            release.wait(5)
            return super().fetch(url, **kwargs)

    client = Slow()
    urls = [f"http://a.test/{i}" for i in range(20)]
    stream = check_on_loop(urls, client, concurrency=2, per_host=2, soft404_probe=False)
    first = next(stream)
    assert first.url == "http://a.test/0"
    release.set()
    stream.close()  # the consumer leaves: the checks not yet started never start
    assert len(client.fetched) < len(urls)


class AsyncFake(FakeClient):
    """A client with a coroutine afetch; its fetch must not be called."""

    async def afetch(self, url, **kwargs):
        return FakeClient.fetch(self, url, **kwargs)

    def fetch(self, url, **kwargs):
        raise AssertionError("the synchronous fetch was called")


class Recorder:
    def __init__(self):
        self.recorded = []
        self.threads = set()

    def record(self, result, kind="live"):
        self.threads.add(threading.current_thread().name)
        self.recorded.append((result.url, kind))


def test_the_audits_recording_client_is_awaited_and_records_every_response():
    from citecheck.pipeline import RecordingClient

    recorder = Recorder()
    client = RecordingClient(AsyncFake(), recorder)
    assert client.async_ready
    urls = [f"http://h{i}.test/p" for i in range(5)]
    results = check_urls(urls, client, soft404_probe=False)
    assert all(r.status is LiveStatus.OK for r in results.values())
    assert sorted(u for u, _ in recorder.recorded) == sorted(urls)
    assert "citecheck-http" not in recorder.threads  # written off the event loop


def test_a_recording_client_around_a_synchronous_fake_is_called_in_threads():
    from citecheck.pipeline import RecordingClient

    recorder = Recorder()
    client = RecordingClient(FakeClient(), recorder)
    assert not client.async_ready
    results = check_urls(["http://a.test/1", "http://b.test/2"], client, soft404_probe=False)
    assert len(results) == 2 and len(recorder.recorded) == 2


def test_without_body_is_replace_body_none():
    from dataclasses import replace

    r = LiveResult(url="http://a.org/x", status=LiveStatus.OK, status_code=200,
                   reasons=("http-200",), checked_at="2026-01-01T00:00:00Z", body=b"<p>x</p>")
    bare = without_body(r)
    assert bare == replace(r, body=None) and bare.body is None and bare.reasons == r.reasons
    assert r.body == b"<p>x</p>"  # the original keeps its body (the cache's copy)
    with pytest.raises(AttributeError):
        bare.body = b"x"  # still frozen
