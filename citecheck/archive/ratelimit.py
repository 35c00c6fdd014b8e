"""A thread-safe per-host rate limit: at most N requests per second to one host."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Spaces requests to each host ``1 / rate_per_second`` seconds apart.

    Callers reserve the next free slot under a lock and sleep outside it, so
    threads queue fairly. :meth:`hold_off` pushes a host's next slot back (a
    ``Retry-After``), which every thread then respects. ``clock`` and ``sleep``
    are injectable for tests.
    """

    def __init__(
        self,
        rate_per_second: float = 3.0,  #: ``math.inf``: no spacing (``hold_off`` still holds)
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.interval = 1.0 / rate_per_second  # 0.0 for math.inf
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def acquire(self, host: str, interval: float | None = None) -> float:
        """Wait for ``host``'s next slot; returns the seconds waited.

        ``interval`` spaces this key's requests differently from the
        limiter's own (an archive's CDX endpoint beside its replays).
        """
        step = self.interval if interval is None else interval
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + step
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return wait

    def hold_off(self, host: str, seconds: float) -> None:
        """No request to ``host`` before ``seconds`` from now."""
        with self._lock:
            until = self._clock() + seconds
            if until > self._next.get(host, 0.0):
                self._next[host] = until
