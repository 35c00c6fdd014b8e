"""Progress on stderr and the parsing of durations (``--max-age 24h``).

Small on purpose: ``citecheck check`` uses both and should not import the
audit pipeline (and the store's and verifier's imports with it) to do so.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)?\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str | float | int) -> float:
    """Seconds in ``30``, ``30s``, ``15m``, ``24h``, ``7d``, ``2w``; ``0`` means never."""
    if isinstance(text, (int, float)):
        return float(text)
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration (examples: 90s, 30m, 24h, 7d)")
    return float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]


class Progress:
    """Counts on stderr: documents, URLs checked, archive lookups, time left.

    On a terminal one line is redrawn in place; with ``verbose`` elsewhere a
    line is printed now and then; otherwise nothing.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        enabled: bool = False,
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        interval: float | None = None,
    ) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.enabled = enabled
        self.clock = clock
        self.interval = interval if interval is not None else (0.2 if self.tty else 5.0)
        self.totals: dict[str, int] = {}
        self.done: dict[str, int] = {}
        self._started: dict[str, float] = {}
        self._last = 0.0
        self._lock = threading.Lock()
        self._drawn = False

    def stage(self, name: str, total: int) -> None:
        with self._lock:
            self.totals[name] = total
            self.done[name] = 0
            self._started[name] = self.clock()
        self._draw(force=True)

    def advance(self, name: str, n: int = 1) -> None:
        with self._lock:
            self.done[name] = self.done.get(name, 0) + n
        self._draw()

    def note(self, text: str) -> None:
        """A message for ``-v`` (and always on a terminal when enabled)."""
        if not self.enabled:
            return
        with self._lock:
            self._clear()
            print(text, file=self.stream, flush=True)

    def line(self) -> str:
        parts = []
        for name, total in self.totals.items():
            parts.append(f"{name} {self.done.get(name, 0)}/{total}")
        left = self.time_left()
        if left is not None:
            parts.append(f"~{_human_seconds(left)} left")
        return " · ".join(parts)

    def time_left(self) -> float | None:
        """Estimated from the rate of the stage in progress."""
        for name, total in reversed(list(self.totals.items())):
            done = self.done.get(name, 0)
            if 0 < done < total:
                elapsed = self.clock() - self._started[name]
                return elapsed / done * (total - done)
        return None

    def close(self) -> None:
        if self.enabled and self.totals:
            self._draw(force=True)
            with self._lock:
                if self.tty and self._drawn:
                    print(file=self.stream, flush=True)
                    self._drawn = False

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        with self._lock:
            now = self.clock()
            if not force and now - self._last < self.interval:
                return
            self._last = now
            text = self.line()
            if self.tty:
                self.stream.write("\r\x1b[2K" + text)
                self.stream.flush()
                self._drawn = True
            else:
                print(text, file=self.stream, flush=True)

    def _clear(self) -> None:
        if self.tty and self._drawn:
            self.stream.write("\r\x1b[2K")
            self._drawn = False


def _human_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
