"""The SQLite history: runs, documents, citations, URLs, checks, snapshots, evidence.

One :class:`Store` per database file, composed of small parts that share one
connection (:mod:`~citecheck.store.database`):

- :mod:`~citecheck.store.schema`: the tables and their migrations;
- :mod:`~citecheck.store.runs`: runs, documents, citations and verdicts;
- :mod:`~citecheck.store.checks`: live checks and their bodies;
- :mod:`~citecheck.store.snapshots`: archive lookups, snapshots, evidence;
- :mod:`~citecheck.store.history`: what changed between runs.

The schema is created and upgraded by a small list of migrations (table
``schema_version``); the database runs in WAL mode with a busy timeout so that
two audits on one file both finish. Every write is committed at once (live
checks arrive in small batches from the runner's writer thread, at most a
quarter of a second behind), so an interrupted audit loses next to nothing it
had already checked.

Caching rules (DESIGN.md, STYLE.md): live results are reused only when they
succeeded (``ok``/``redirected``/``moved``) and are younger than the maximum
age; an archive lookup that could not ask (``error``) is never stored as a
fact. Values always travel as query parameters, never formatted into SQL.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from citecheck.store.checks import Checks
from citecheck.store.database import MAX_STORED_BODY, classify_db_error
from citecheck.store.history import NEW, History, HistoryChange, classify_change, iter_rows
from citecheck.store.records import (
    RunInfo,
    StoredRun,
    VerdictRow,
    citation_key,
    citation_keys,
    now_iso,
    parse_iso,
)
from citecheck.store.rows import citation_from_dict, verdict_from_dict
from citecheck.store.runs import Runs
from citecheck.store.schema import MIGRATIONS, SCHEMA_VERSION
from citecheck.store.snapshots import ArchiveLookupCache, Snapshots

#: how long a command waits for another process's write lock (read when a Store opens)
BUSY_TIMEOUT_SECONDS = 60.0

__all__ = [
    "BUSY_TIMEOUT_SECONDS", "MAX_STORED_BODY", "MIGRATIONS", "NEW", "SCHEMA_VERSION",
    "ArchiveLookupCache", "HistoryChange", "RunInfo", "Store", "StoredRun", "VerdictRow",
    "citation_from_dict", "citation_key", "citation_keys", "classify_change",
    "classify_db_error", "iter_rows", "now_iso", "parse_iso", "verdict_from_dict",
]


class Store(Runs, Checks, Snapshots, History):
    """The SQLite history. Thread-safe: one connection behind a lock."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float | None = None,
        clock: Callable[[], float] = time.time,
        read_only: bool = False,
        on_lock_wait: Callable[[str], None] | None = None,
    ) -> None:
        """``read_only``: for commands that only read (``mode=ro``: nothing created,
        migrated or written, so a database in a read-only place works).
        ``on_lock_wait(path)`` is called once when a lock has been awaited for
        ``LOCK_NOTICE_SECONDS`` (default: a line on stderr)."""
        if busy_timeout is None:
            busy_timeout = BUSY_TIMEOUT_SECONDS
        super().__init__(path, busy_timeout=busy_timeout, clock=clock, read_only=read_only,
                         on_lock_wait=on_lock_wait)
