"""The one place concurrency lives.

:func:`run_pool` runs a function over items in a thread pool with a global
limit and a per-host limit, yielding results as they complete; hosts take
turns, so one big site never starves the others. :func:`check_urls` is the
live check stage on top of it: URLs deduplicated after normalisation, the
cache asked first (successes only), every result handed on as it lands.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import replace
from functools import partial
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from citecheck.errors import RunError
from citecheck.models import LiveResult, LiveStatus
from citecheck.urls import host_of as url_host
from citecheck.urls import is_home_page, normalize_url

if TYPE_CHECKING:
    from citecheck.live import Fetcher

# citecheck.live (and with it the HTTP stack) is imported by the functions that
# check URLs: run_pool alone (archive lookups answered from the cache) needs none.

T = TypeVar("T")
R = TypeVar("R")


def run_pool(
    items: Iterable[T],
    fn: Callable[[T], R],
    *,
    concurrency: int,
    per_host: int,
    host_of: Callable[[T], Hashable] = lambda item: url_host(str(item)),
    on_done: Callable[[T, R], None] | None = None,
) -> Iterator[tuple[T, R]]:
    """Yield ``(item, fn(item))`` as each completes.

    At most ``concurrency`` calls run at once, and at most ``per_host`` for
    items with the same ``host_of(item)``; hosts take turns. The next call is
    started as soon as one finishes (from the finishing thread), so a slow
    consumer of the results never holds the pool back. An exception raised by
    ``fn`` stops new calls and is raised to the caller.
    """
    concurrency = max(1, concurrency)
    per_host = max(1, per_host)
    queues: dict[Hashable, deque[T]] = {}
    total = 0
    for item in items:
        queues.setdefault(host_of(item), deque()).append(item)
        total += 1
    if not total:
        return
    running: dict[Hashable, int] = {host: 0 for host in queues}
    ready: deque[Hashable] = deque(queues)  # hosts with work and a free slot, in turn
    inflight = 0
    stopped = False
    lock = threading.RLock()  # RLock: a callback may run at once, inside launch()
    finished: SimpleQueue[tuple[T, Future[R]]] = SimpleQueue()
    pool = ThreadPoolExecutor(max_workers=min(concurrency, total),
                              thread_name_prefix="citecheck")

    def launch() -> None:
        nonlocal inflight
        with lock:
            while ready and inflight < concurrency and not stopped:
                host = ready.popleft()
                item = queues[host].popleft()
                running[host] += 1
                inflight += 1
                if queues[host] and running[host] < per_host:
                    ready.append(host)
                future = pool.submit(fn, item)
                future.add_done_callback(partial(done, host, item))

    def done(host: Hashable, item: T, future: Future[R]) -> None:
        nonlocal inflight
        with lock:
            inflight -= 1
            running[host] -= 1
            if queues[host] and host not in ready:
                ready.append(host)
        finished.put((item, future))
        launch()

    try:
        launch()
        for _ in range(total):
            item, future = finished.get()
            result = future.result()  # re-raises fn's exception
            if on_done is not None:
                on_done(item, result)
            yield item, result
    finally:
        with lock:
            stopped = True
        pool.shutdown(wait=True, cancel_futures=True)


_FLUSH = object()
_STOP = object()


class _Many:
    __slots__ = ("items",)

    def __init__(self, items: list[Any]) -> None:
        self.items = items


class BatchedWrites:
    """Hands items to ``write_many`` in batches, from one writer thread.

    A batch is written once it holds ``max_items`` or its oldest item has
    waited ``max_delay`` seconds, so an interrupted run loses at most that
    fraction of a second of results; :meth:`close` writes what is left. A
    failure of ``write_many`` (a database error) is raised by the next
    :meth:`put` and by :meth:`close`: it stops the run.
    """

    def __init__(self, write_many: Callable[[list[Any]], Any], *, max_items: int = 256,
                 max_delay: float = 0.25) -> None:
        self._write_many = write_many
        self._max_items = max(1, max_items)
        self._max_delay = max_delay
        self._queue: SimpleQueue[Any] = SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="citecheck-writer", daemon=True)
        self._thread.start()

    def put(self, item: Any) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(item)

    def put_many(self, items: list[Any]) -> None:
        """Several items in one hand-over (the writer wakes once for them)."""
        if self._error is not None:
            raise self._error
        if items:
            self._queue.put(_Many(items))

    def close(self) -> None:
        """Write what is pending and stop; re-raise a write failure."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        batch: list[Any] = []
        deadline = 0.0
        while True:
            try:
                item = self._queue.get(
                    timeout=max(0.0, deadline - time.monotonic()) if batch else None)
            except Empty:
                item = _FLUSH
            if item is not _FLUSH and item is not _STOP:
                if not batch:
                    deadline = time.monotonic() + self._max_delay
                batch.extend(item.items if isinstance(item, _Many) else (item,))
            while len(batch) > self._max_items:  # a big hand-over: written in full batches
                if not self._write(batch[:self._max_items]):
                    return
                del batch[:self._max_items]
            if batch and (item is _FLUSH or item is _STOP or len(batch) >= self._max_items
                          or time.monotonic() >= deadline):
                if not self._write(batch):
                    return
                batch = []
            if item is _STOP:
                return


    def _write(self, batch: list[Any]) -> bool:
        try:
            self._write_many(batch)
        except BaseException as exc:  # raised by the next put() and by close()
            self._error = exc
            return False
        return True


class LiveCacheLike(Protocol):
    def get_live(self, url: str, max_age_seconds: float) -> LiveResult | None: ...

    def put_live(self, result: LiveResult) -> Any: ...


def check_urls(
    urls: Iterable[str],
    client: Fetcher,
    *,
    concurrency: int = 32,
    per_host: int = 2,
    cache: Any = None,
    max_age: float | None = None,
    on_result: Callable[[LiveResult], None] | None = None,
    soft404_probe: bool = True,
    keep_body: bool = True,
) -> dict[str, LiveResult]:
    """Check each unique URL once; results keyed by the normalised URL.

    ``cache`` (e.g. the Store) is asked first, in one query when it can
    (``get_live_many``) or with ``get_live(url, max_age)``; only successful
    results are reused, never failures. The other URLs are checked on the
    HTTP client's event loop (:func:`check_on_loop`); every fresh result goes
    to ``cache.put_live`` and then ``on_result``, in the calling thread, as it
    lands. If every host failed to resolve or connect (:func:`detect_offline`),
    each such result gets the reason ``offline``.
    """
    unique = list(dict.fromkeys(normalize_url(u) for u in urls if u and u.strip()))
    # the cache gets the body even when the caller does not want it back, so
    # that a later audit reusing the cached result can still verify content
    fetch_body = keep_body or cache is not None
    results = _cached(cache, unique, max_age, with_body=keep_body)
    for hit in results.values():
        if on_result is not None:
            on_result(hit)
    todo = [url for url in unique if url not in results]
    writer = None
    if cache is not None and hasattr(cache, "put_live_many"):
        writer = BatchedWrites(cache.put_live_many)
    put_live = writer.put if writer is not None else getattr(cache, "put_live", None)
    try:
        for landed in _check_batches(todo, client, concurrency=concurrency, per_host=per_host,
                                     soft404_probe=soft404_probe, keep_body=fetch_body):
            if writer is not None:
                writer.put_many(landed)
            for result in landed:
                if writer is None and put_live is not None:
                    put_live(result)
                if result.body is not None and not keep_body:
                    result = without_body(result)
                results[result.url] = result
                if on_result is not None:
                    on_result(result)
    finally:
        if writer is not None:
            writer.close()  # every result is in the cache before we return (or raise)
    if detect_offline(list(results.values())):
        for url, result in results.items():
            # a URL refused by policy (skipped) was never asked of the network
            if (not result.from_cache and result.status is not LiveStatus.SKIPPED
                    and "offline" not in result.reasons):
                results[url] = replace(result, reasons=result.reasons + ("offline",))
    return {url: results[url] for url in unique}


def without_body(result: LiveResult) -> LiveResult:
    """``replace(result, body=None)``, without running ``__init__`` again: a tenth
    of its cost, paid for every result of a run that writes bodies to the cache
    but does not hand them back (``citecheck check``)."""
    clone = object.__new__(LiveResult)
    clone.__dict__.update(result.__dict__)
    object.__setattr__(clone, "body", None)  # frozen: as dataclasses' own __init__ sets it
    return clone


def _cached(cache: Any, urls: list[str], max_age: float | None, *,
            with_body: bool) -> dict[str, LiveResult]:
    """The fresh successes the cache has for ``urls``: one query if it can."""
    if cache is None or not urls or (max_age is not None and max_age <= 0):
        return {}
    many = getattr(cache, "get_live_many", None)
    if many is not None and max_age is not None:
        found = many(urls, max_age, with_body=with_body)
        hits = {url: found[url] for url in urls if url in found}
    else:
        hits = {url: hit for url in urls if (hit := _from_cache(cache, url, max_age))}
    return {url: hit if hit.from_cache else replace(hit, from_cache=True)
            for url, hit in hits.items() if hit.status.is_ok}


_DONE = object()


def check_on_loop(
    urls: list[str],
    client: Fetcher,
    *,
    concurrency: int,
    per_host: int,
    soft404_probe: bool = True,
    keep_body: bool = True,
) -> Iterator[LiveResult]:
    """Yield the live check of each URL as it lands.

    The checks run as tasks on the HTTP client's event loop; the results are
    handed over to the calling thread, so that whatever the caller does with
    one (write it, print it) never holds the network back. A client with a
    coroutine ``afetch`` is awaited; any other (a fake, a wrapper that records
    evidence) is called in a pool of ``concurrency`` threads. Leaving early
    (an error, Ctrl-C) cancels the checks still running.
    """
    for landed in _check_batches(urls, client, concurrency=concurrency, per_host=per_host,
                                 soft404_probe=soft404_probe, keep_body=keep_body):
        yield from landed


def _check_batches(
    urls: list[str],
    client: Fetcher,
    *,
    concurrency: int,
    per_host: int,
    soft404_probe: bool = True,
    keep_body: bool = True,
) -> Iterator[list[LiveResult]]:
    """:func:`check_on_loop`, the results in the batches they were handed over in."""
    if not urls:
        return
    from citecheck.http import submit_async

    landed: SimpleQueue[Any] = SimpleQueue()
    fetcher, pool = _async_fetcher(client, concurrency)
    future = submit_async(_check_all(urls, fetcher, concurrency=concurrency, per_host=per_host,
                                     soft404_probe=soft404_probe, keep_body=keep_body,
                                     land=landed.put))
    try:
        while True:
            batch = landed.get()
            if batch is _DONE:
                break
            yield batch
        future.result()  # re-raises what stopped the checks (a RunError)
    finally:
        if not future.done():
            future.cancel()
            wait_futures([future])
        if pool is not None:  # nothing of this run is still fetching once it returns
            pool.shutdown(wait=True, cancel_futures=True)


async def _check_all(urls: list[str], fetcher: Any, *, concurrency: int, per_host: int,
                     soft404_probe: bool, keep_body: bool,
                     land: Callable[[Any], None]) -> None:
    """The live stage on the loop: per host at most ``per_host`` workers, all of
    them together at most ``concurrency`` checks at once, hosts taking turns."""
    import asyncio

    from citecheck.live import AsyncProbes, acheck_url, error_result

    per_host = max(1, per_host)
    batch = _Batches(land, asyncio.get_running_loop())
    probes = AsyncProbes()
    slots = asyncio.Semaphore(max(1, concurrency))
    queues: dict[str, deque[str]] = {}
    for url in urls:
        queues.setdefault(url_host(url), deque()).append(url)

    async def one(url: str, early_probe: bool) -> LiveResult:
        if early_probe:  # a host with a slot to spare: its probe beside its first page
            probes.start(url, fetcher)
        try:
            return await acheck_url(url, fetcher, soft404_probe=soft404_probe,
                                    keep_body=keep_body, probes=probes)
        except RunError:  # the evidence cannot be written: not this URL's failure
            raise
        except Exception as exc:  # a bug must not lose the other URLs' results
            return error_result(url, "internal-error", f"{type(exc).__name__}: {exc}")

    async def worker(queue: deque[str], spare: bool) -> None:
        while queue:
            url = queue.popleft()
            async with slots:
                batch.add(await one(url, spare and not is_home_page(url)))

    tasks = [asyncio.ensure_future(worker(queue, soft404_probe and len(queue) < per_host))
             for queue in queues.values() for _ in range(min(per_host, len(queue)))]
    try:
        await asyncio.gather(*tasks)
        await probes.wait()  # nothing of this run may still be fetching once it returns
    finally:
        for task in tasks:
            task.cancel()
        batch.flush()
        land(_DONE)


class _Batches:
    """Results handed to the other thread a few at a time: one hand-over per
    result would wake that thread, and wait for the GIL, 2,000 times a run
    (seconds on a loaded machine). A batch goes when it holds ``size`` or
    after ``delay`` seconds, so a result still lands within a blink."""

    def __init__(self, land: Callable[[Any], None], loop: Any, *, size: int = 128,
                 delay: float = 0.02) -> None:
        self._land = land
        self._loop = loop
        self._size = size
        self._delay = delay
        self._items: list[Any] = []
        self._timer: Any = None

    def add(self, item: Any) -> None:
        self._items.append(item)
        if len(self._items) >= self._size:
            self.flush()
        elif self._timer is None:
            self._timer = self._loop.call_later(self._delay, self.flush)

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._items:
            items, self._items = self._items, []
            self._land(items)


def _async_fetcher(client: Any, concurrency: int) -> tuple[Any, ThreadPoolExecutor | None]:
    """``client`` if its class has a coroutine ``afetch`` (asked of the class: a
    wrapper forwarding attributes must not be bypassed) and it does not say
    ``async_ready = False``, else an adapter calling its ``fetch`` in a thread
    pool."""
    import inspect

    if inspect.iscoroutinefunction(getattr(type(client), "afetch", None)) and getattr(
            client, "async_ready", True):
        return client, None
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="citecheck")
    return _ThreadedFetcher(client, pool), pool


class _ThreadedFetcher:
    """A synchronous fetcher seen as an asynchronous one (calls in a pool)."""

    def __init__(self, client: Any, pool: ThreadPoolExecutor) -> None:
        self._client = client
        self._pool = pool

    async def afetch(self, url: str, **kwargs: Any) -> Any:
        import asyncio

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, partial(self._client.fetch, url, **kwargs))


def _from_cache(cache: Any, url: str, max_age: float | None) -> LiveResult | None:
    if cache is None or (max_age is not None and max_age <= 0):
        return None
    hit = cache.get_live(url) if max_age is None else cache.get_live(url, max_age)
    if hit is None or not hit.status.is_ok:
        return None
    return hit if hit.from_cache else replace(hit, from_cache=True)


def is_unreachable(result: LiveResult) -> bool:
    """The host could not be resolved or connected to at all."""
    from citecheck.live import UNREACHABLE_ERRORS

    return result.status is LiveStatus.ERROR and bool(
        set(result.reasons) & UNREACHABLE_ERRORS
    )


def detect_offline(results: list[LiveResult]) -> bool:
    """True if at least two hosts were tried and every one failed DNS or connect.

    Then the fault is ours (no network), not the sources': results stay
    inconclusive and the run says so. Cached and skipped results do not count.
    """
    by_host: dict[str, bool] = {}
    for result in results:
        if result.from_cache or result.status is LiveStatus.SKIPPED:
            continue
        host = url_host(result.url)
        by_host[host] = by_host.get(host, True) and is_unreachable(result)
    return len(by_host) >= 2 and all(by_host.values())



def all_refused(results: list[LiveResult]) -> bool:
    """True if there were URLs and every one was refused by policy: nothing was
    checked, which the run must say (it is no sign of being offline)."""
    return bool(results) and all(r.refused for r in results)
