"""A stage of the audit run in the background, overlapped with the others.

The audit's archive lookups do not wait for the live checks to finish: they
start as soon as one live answer shows that the network is up (so the run
cannot be found offline, when the archive must not be asked at all), in a
thread of their own, with their own bounded pool; the live checks go on in the
meantime. :class:`Background` is that thread: started at most once, stopped on
an interruption (the calls not yet begun are dropped, so Ctrl-C does not wait
for the archive), and its result (or its exception) collected by the caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from typing import Generic, TypeVar

from citecheck.models import LiveResult, LiveStatus

T = TypeVar("T")

#: live errors that say the host could not be reached at all (citecheck.live)
_UNREACHABLE = frozenset({"dns-error", "connection-refused", "connection-error"})


class Stopped(Exception):
    """Raised inside a background stage's calls once it has been stopped."""


class Background(Generic[T]):
    """``work(stop)`` run once in a thread of its own, when :meth:`start` is first called."""

    def __init__(self, work: Callable[[threading.Event], T], name: str = "stage") -> None:
        self._work = work
        self._name = name
        self.stop_event = threading.Event()
        self._future: Future[T] | None = None

    @property
    def started(self) -> bool:
        return self._future is not None

    def start(self) -> None:
        if self._future is not None or self.stop_event.is_set():
            return
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"citecheck-{self._name}")
        self._future = executor.submit(self._work, self.stop_event)
        executor.shutdown(wait=False)  # the thread ends with the work

    def result(self) -> T:
        """Start if not started, and wait for the result (re-raising its exception).

        An interruption while waiting stops the stage before it propagates.
        """
        self.start()
        if self._future is None:  # stopped before it began
            raise Stopped
        try:
            return self._future.result()
        except BaseException:
            self.stop(wait=True)
            raise

    def stop(self, *, wait: bool = False) -> None:
        """No new calls: the work sees ``stop`` set (and raises :class:`Stopped`).

        ``wait``: until the calls already begun have ended (each bounded by the
        run's time limits), so that none is left to start another while the
        interpreter shuts down (an interrupted run must end in one line).
        """
        self.stop_event.set()
        if wait and self._future is not None:
            futures_wait([self._future])


def check_stopped(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise Stopped


def proves_network(result: LiveResult) -> bool:
    """A fresh answer from a host: once one lands, the run cannot be offline.

    (Offline means every host tried failed to resolve or connect; cached and
    refused URLs are not tried.)
    """
    if result.from_cache or result.status is LiveStatus.SKIPPED:
        return False
    if result.status is not LiveStatus.ERROR:
        return True
    return not any(
        reason in _UNREACHABLE or reason.split(":", 1)[0].strip() in _UNREACHABLE
        for reason in result.reasons
    )


class Ahead(Generic[T]):
    """Work done ahead, in one worker thread, as its inputs arrive (verification).

    :meth:`submit` queues ``fn()`` under ``key``; at most ``bound`` jobs wait at
    once (back-pressure: :meth:`submit` blocks the stage that feeds it). One
    worker, so the work itself never runs twice at once. :meth:`drain` waits for
    every job; :meth:`take` gives a job's result, or None when there is none.
    """

    def __init__(self, bound: int = 32) -> None:
        self._slots = threading.BoundedSemaphore(max(1, bound))
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="citecheck-verify")
        self._jobs: dict[object, Future[T]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, key: object, fn: Callable[[], T]) -> None:
        self._slots.acquire()
        with self._lock:
            if self._closed or key in self._jobs:
                self._slots.release()
                return
            future = self._pool.submit(fn)
            self._jobs[key] = future
        future.add_done_callback(lambda _f: self._slots.release())

    def drain(self) -> None:
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=True)

    def cancel(self) -> None:
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)

    def take(self, key: object) -> T | None:
        future = self._jobs.pop(key, None)
        if future is None or future.cancelled():
            return None
        return future.result()
