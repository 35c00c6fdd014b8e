"""Collaborators made on first use, so that a run that never fetches never
loads the HTTP stack (``citecheck.http``, aiohttp) or the WARC writer.

A module of its own (nothing but the standard library) so that the pipeline
and the archive client can share it without importing each other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class Deferred:
    """A collaborator made on first use (the HTTP client, the run's WARC writer).

    Attributes are the made object's; :meth:`close` closes it only if it was
    made. :meth:`made` makes it now (to have an error in making it raised
    where it can stop the run).
    """

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._made: Any = None
        self._lock = threading.Lock()

    @property
    def is_made(self) -> bool:
        """Whether the object exists yet (asking does not make it)."""
        return self._made is not None

    def made(self) -> Any:
        """The object, made now if it was not yet."""
        if self._made is None:
            with self._lock:
                if self._made is None:
                    self._made = self._make()
        return self._made

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.made(), name)

    def close(self) -> None:
        close = getattr(self._made, "close", None)
        if close is not None:
            close()
