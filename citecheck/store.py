"""The SQLite history: runs, documents, citations, URLs, checks, snapshots, evidence.

One :class:`Store` per database file. The schema is created and upgraded by a
small list of migrations (table ``schema_version``); the database runs in WAL
mode with a busy timeout so that two audits on one file both finish. Every
write is committed at once (live checks arrive in small batches from the
runner's writer thread, at most a quarter of a second behind), so an
interrupted audit loses next to nothing it had already checked.

Caching rules (DESIGN.md, STYLE.md): live results are reused only when they
succeeded (``ok``/``redirected``/``moved``) and are younger than the maximum
age; an archive lookup that could not ask (``error``) is never stored as a
fact. Values always travel as query parameters, never formatted into SQL.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import os
import socket
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import sqlite_utils

from citecheck.errors import RunError
from citecheck.models import (
    ArchiveLookup,
    Candidate,
    Citation,
    DatePrecision,
    Document,
    LiveResult,
    LiveStatus,
    LookupStatus,
    Redirect,
    Snapshot,
    Support,
    Verdict,
    VerdictKind,
)

BUSY_TIMEOUT_SECONDS = 60.0
#: bodies larger than this are not kept in the database (the WARC has them)
MAX_STORED_BODY = 12 * 1024 * 1024

T = TypeVar("T")


# ------------------------------------------------------------------ errors


def classify_db_error(exc: BaseException, path: str) -> RunError:
    """Turn a sqlite3 error into a :class:`RunError` whose text says what happened."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        reason = "database is locked by another process (gave up waiting)"
    elif "malformed" in text or "corrupt" in text:
        reason = "database file is corrupt"
    elif "not a database" in text or "file is encrypted" in text:
        reason = "file is not a citecheck database (not SQLite)"
    elif "full" in text:
        reason = "disk is full, cannot write the database"
    elif "readonly" in text or "read-only" in text:
        reason = "database is read-only"
    elif "unable to open" in text:
        reason = "cannot open the database file"
    else:
        reason = f"database error: {exc}"
    error = RunError(f"{path}: {reason}")
    error.__cause__ = exc if isinstance(exc, Exception) else None
    return error


def _guarded(method: Callable[..., T]) -> Callable[..., T]:
    """Serialise access (one connection, many threads) and type sqlite errors."""

    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> T:
        with self._lock:
            try:
                return method(self, *args, **kwargs)
            except sqlite3.DatabaseError as exc:
                raise classify_db_error(exc, self.path) from exc
            except OSError as exc:
                raise RunError(f"{self.path}: {exc.strerror or exc}") from exc

    return wrapper


# -------------------------------------------------------------- migrations


def _m001_initial(db: sqlite_utils.Database) -> None:
    db.table("runs").create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "status": str,  # running | finished | interrupted | failed
            "exit_code": int,
            "host": str,
            "pid": int,
            "version": str,
            "options": str,  # JSON
            "summary": str,  # JSON
        },
        pk="id",
    )
    db.table("documents").create(
        {
            "id": int,
            "run_id": int,
            "name": str,
            "published": str,
            "published_from": str,
            "title": str,
            "sha256": str,
            "citations": int,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("documents").create_index(["name"])
    db.table("documents").create_index(["run_id"])
    db.table("urls").create(
        {
            "url": str,
            "host": str,
            "first_seen": str,
            "last_checked_at": str,
            "last_status": str,
        },
        pk="url",
    )
    db.table("urls").create_index(["host"])
    db.table("citations").create(
        {
            "id": int,
            "run_id": int,
            "document_id": int,
            "document": str,
            "citation_id": str,
            "key": str,  # stable across runs: document | raw | ordinal
            "source": str,
            "source_key": str,
            "raw": str,
            "line": int,
            "column": int,
            "date_as_written": str,
            "date": str,
            "date_precision": str,
            "year_inferred": int,
            "context": str,
            "quotes": str,  # JSON list
            "url": str,
            "malformed": int,
            "problem": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id"), ("document_id", "documents", "id")],
    )
    db.table("citations").create_index(["run_id"])
    db.table("citations").create_index(["key"])
    db.table("citations").create_index(["source_key"])
    db.table("bodies").create({"digest": str, "size": int, "data": bytes}, pk="digest")
    db.table("checks").create(
        {
            "id": int,
            "url": str,
            "status": str,
            "status_code": int,
            "final_url": str,
            "redirects": str,  # JSON [{url, status_code}]
            "elapsed": float,
            "content_type": str,
            "bytes": int,
            "error": str,
            "reasons": str,  # JSON list
            "encoding": str,
            "checked_at": str,
            "checked_ts": float,
            "body_digest": str,
            "run_id": int,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id"), ("url", "urls", "url")],
    )
    db.table("checks").create_index(["url", "checked_ts"])
    db.table("checks").create_index(["run_id"])
    db.table("snapshots").create(
        {
            "archive_url": str,
            "url": str,
            "timestamp": str,
            "status_code": int,
            "digest": str,
            "mimetype": str,
            "body_digest": str,
        },
        pk="archive_url",
    )
    db.table("snapshots").create_index(["url", "timestamp"])
    db.table("lookups").create(
        {
            "id": int,
            "url": str,
            "key": str,  # what was asked: archive, cited date, publication, window
            "status": str,  # found | none  (error is never cached, but is logged)
            "snapshot": str,  # archive_url of the chosen snapshot
            "distance_days": float,
            "candidates": str,  # JSON list of snapshots
            "error": str,
            "checked_at": str,
            "checked_ts": float,
            "run_id": int,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("lookups").create_index(["url", "key", "checked_ts"])
    db.table("lookups").create_index(["key", "checked_ts"])
    db.table("evidence").create(
        {
            "id": int,
            "url": str,
            "time": str,
            "digest": str,
            "warc_file": str,
            "offset": int,
            "length": int,
            "kind": str,  # live | snapshot
            "run_id": int,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("evidence").create_index(["url"])
    db.table("evidence").create_index(["run_id"])
    db.table("verdicts").create(
        {
            "id": int,
            "run_id": int,
            "citation_row": int,
            "document": str,
            "key": str,
            "source": str,
            "source_key": str,
            "url": str,
            "verdict": str,
            "severity": str,
            "reasons": str,  # JSON list
            "explanation": str,
            "record": str,  # the full audit-JSON entry, for `citecheck report`
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id"), ("citation_row", "citations", "id")],
    )
    db.table("verdicts").create_index(["run_id"])
    db.table("verdicts").create_index(["key"])
    db.table("verdicts").create_index(["source_key"])


def _m002_verdict_fingerprints(db: sqlite_utils.Database) -> None:
    """Verdicts remember what they were decided from, so a warm audit can reuse them."""
    db.table("verdicts").add_column("fingerprint", str)
    db.table("verdicts").create_index(["fingerprint"])


def _m003_citation_ranges_and_locators(db: sqlite_utils.Database) -> None:
    """Citations keep the end of a cited date range and a page/section locator."""
    db.table("citations").add_column("date_end", str)
    db.table("citations").add_column("locator", str)


#: the schema's history; append, never edit a released step
MIGRATIONS: tuple[tuple[int, str, Callable[[sqlite_utils.Database], None]], ...] = (
    (1, "initial schema", _m001_initial),
    (2, "verdict fingerprints", _m002_verdict_fingerprints),
    (3, "citation date ranges and locators", _m003_citation_ranges_and_locators),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


# ----------------------------------------------------------------- records


@dataclass(frozen=True)
class VerdictRow:
    """A verdict to store: ``key`` is the citation's identity across runs
    (:func:`citation_key` if None); ``fingerprint`` names everything it was
    decided from (see :meth:`Store.verdict_for_fingerprint`)."""

    verdict: Verdict
    key: str | None = None
    fingerprint: str | None = None
    document_id: int | None = None


@dataclass(frozen=True)
class RunInfo:
    id: int
    started_at: str
    finished_at: str | None
    status: str
    exit_code: int | None
    options: dict[str, Any]
    summary: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "status": self.status,
            "exit_code": self.exit_code,
            "options": self.options,
            "summary": self.summary,
        }


@dataclass(frozen=True)
class StoredRun:
    """A past run as kept in the database: enough to re-render any report."""

    run: RunInfo
    documents: tuple[dict[str, Any], ...]
    verdicts: tuple[Verdict, ...]


@dataclass(frozen=True)
class HistoryChange:
    """One citation whose outcome changed between two runs (``citecheck history``)."""

    kind: str  #: newly-dead | newly-mismatched | recovered | newly-drifted | newly-rescued
    document: str
    citation_id: str
    source: str
    source_key: str | None
    url: str | None
    previous: str  #: verdict in the earlier run, or ``new``
    current: str  #: verdict in this run
    previous_run: int  #: 0 for a new citation
    run: int
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


#: the "previous verdict" of a citation no earlier run had
NEW = "new"
#: verdicts a source can recover from
_BAD = frozenset({"dead", "mismatch", "rescued"})


def classify_change(
    previous: str, current: str, prev_reasons: Iterable[str], reasons: Iterable[str]
) -> list[str]:
    """The change kinds between two verdicts of one citation (usually zero or one)."""
    kinds = []
    if current == "dead" and previous != "dead":
        kinds.append("newly-dead")
    if current == "mismatch" and previous != "mismatch":
        kinds.append("newly-mismatched")
    if current == "verified" and previous in _BAD:
        kinds.append("recovered")
    if "content-drift" in set(reasons) and "content-drift" not in set(prev_reasons):
        kinds.append("newly-drifted")
    if current == "rescued" and previous != "rescued":
        kinds.append("newly-rescued")
    return kinds


class _EvidenceLike(Protocol):
    warc_file: str
    offset: int
    length: int
    url: str
    digest: str | None


def now_iso(ts: float | None = None) -> str:
    moment = dt.datetime.fromtimestamp(time.time() if ts is None else ts, dt.timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(value: str | None) -> float | None:
    """Seconds since the epoch for an ISO 8601 time (naive means UTC)."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.timestamp()


def citation_key(citation: Citation, ordinal: int = 0) -> str:
    """Identity of a citation across runs: document, text as written, its URL, ordinal."""
    return "|".join(
        [citation.document, citation.raw, citation.url or "", str(ordinal)]
    )


def citation_keys(citations: Iterable[Citation]) -> dict[str, str]:
    """Stable key for each citation id; repeats of the same text get ordinals."""
    seen: dict[tuple[str, str, str], int] = {}
    out: dict[str, str] = {}
    for c in citations:
        group = (c.document, c.raw, c.url or "")
        n = seen.get(group, 0)
        seen[group] = n + 1
        out[c.id] = citation_key(c, n)
    return out


# ------------------------------------------------------------------- store


class Store:
    """The SQLite history. Thread-safe: one connection behind a lock."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = str(path)
        self.clock = clock
        if busy_timeout is None:
            busy_timeout = BUSY_TIMEOUT_SECONDS
        self._lock = threading.RLock()
        try:
            if self.path != ":memory:":
                parent = Path(self.path).parent
                if not parent.is_dir():
                    raise RunError(f"{self.path}: directory {parent} does not exist")
            conn = sqlite3.connect(self.path, timeout=busy_timeout, check_same_thread=False)
            # no sqlite-utils plugins: citecheck uses none, and looking them up
            # (every installed package's entry points) cost each command ~10 ms
            self.db = sqlite_utils.Database(conn, execute_plugins=False)
            if self.path != ":memory:":
                self._enable_wal(busy_timeout)
            conn.execute("PRAGMA foreign_keys = OFF")
            conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise classify_db_error(exc, self.path) from exc

    # ------------------------------------------------------------ lifecycle

    def _enable_wal(self, timeout: float) -> None:
        """Switch to WAL, retrying: the switch can fail at once (no busy wait)
        while another process opens or creates the same file."""
        deadline = time.monotonic() + timeout
        delay = 0.01
        while True:
            try:
                self.db.enable_wal()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.2)

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[None]:
        """One write transaction, taken with BEGIN IMMEDIATE so writers queue on the
        busy timeout instead of failing on a lock upgrade. Nested use joins it."""
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            if conn.in_transaction:
                conn.execute("COMMIT")

    def _migrate(self) -> None:
        if self._version() >= SCHEMA_VERSION:
            return
        # BEGIN IMMEDIATE: a second process waits (busy timeout) instead of racing us
        with self._tx():
            if not self.db.table("schema_version").exists():
                self.db.table("schema_version").create(
                    {"version": int, "name": str, "applied_at": str}, pk="version"
                )
            current = self._version()
            for version, name, step in MIGRATIONS:
                if version > current:
                    step(self.db)
                    self.db.table("schema_version").insert(
                        {"version": version, "name": name, "applied_at": now_iso(self.clock())}
                    )

    def _version(self) -> int:
        if not self.db.table("schema_version").exists():
            return 0
        row = self.db.execute("select max(version) from schema_version").fetchone()
        return int(row[0] or 0)

    @property
    def schema_version(self) -> int:
        with self._lock:
            return self._version()

    # ----------------------------------------------------------------- runs

    @_guarded
    def start_run(self, options: dict[str, Any] | None = None) -> int:
        """Record a new run; mark runs whose process died as interrupted."""
        self._mark_dead_runs()
        with self._tx():
            table = self.db.table("runs")
            table.insert(
                {
                    "started_at": now_iso(self.clock()),
                    "status": "running",
                    "host": socket.gethostname(),
                    "pid": os.getpid(),
                    "version": _version_string(),
                    "options": json.dumps(options or {}, sort_keys=True, default=str),
                    "summary": "{}",
                }
            )
            return _pk(table)

    def _mark_dead_runs(self) -> None:
        host = socket.gethostname()
        rows = self.db.execute(
            "select id, pid from runs where status = ? and host = ?", ["running", host]
        ).fetchall()
        dead = [run_id for run_id, pid in rows if pid and not _pid_alive(int(pid))]
        if dead:
            with self._tx():
                for run_id in dead:
                    self.db.table("runs").update(run_id, {"status": "interrupted"})

    @_guarded
    def finish_run(
        self,
        run_id: int,
        summary: dict[str, Any] | None = None,
        *,
        status: str = "finished",
        exit_code: int | None = None,
    ) -> None:
        with self._tx():
            self.db.table("runs").update(
                run_id,
                {
                    "finished_at": now_iso(self.clock()),
                    "status": status,
                    "exit_code": exit_code,
                    "summary": json.dumps(summary or {}, sort_keys=True, default=str),
                },
            )

    @_guarded
    def runs(self, limit: int | None = None) -> list[RunInfo]:
        """Runs, newest first."""
        rows = self.db.table("runs").rows_where(order_by="id desc", limit=limit)
        return [_run_info(r) for r in rows]

    @_guarded
    def run_row(self, run_id: int) -> dict[str, Any]:
        try:
            return dict(self.db.table("runs").get(run_id))
        except sqlite_utils.db.NotFoundError:
            raise RunError(f"{self.path}: no run with id {run_id}") from None

    @_guarded
    def latest_run_id(self, *, finished_only: bool = True) -> int | None:
        where = "status = ?" if finished_only else None
        args = ["finished"] if finished_only else None
        for row in self.db.table("runs").rows_where(where, args, order_by="id desc", limit=1):
            return int(row["id"])
        return None

    # --------------------------------------------------- documents, citations

    @_guarded
    def save_document(self, run_id: int, doc: Document, citations: int = 0) -> int:
        return self.save_documents(run_id, [(doc, citations)])[0]

    @_guarded
    def save_documents(self, run_id: int, documents: Sequence[tuple[Document, int]]) -> list[int]:
        """:meth:`save_document` of each (document, citation count), in one transaction."""
        ids = []
        with self._tx():
            for doc, citations in documents:
                row = _document_row(run_id, doc, citations)
                cursor = self.db.conn.execute(_INSERT_DOCUMENT, row)
                ids.append(int(cursor.lastrowid or 0))
        return ids

    def save_verdict(
        self,
        run_id: int,
        verdict: Verdict,
        *,
        document_id: int | None = None,
        key: str | None = None,
        fingerprint: str | None = None,
    ) -> None:
        """Store one citation and its verdict (see :meth:`save_verdicts`)."""
        self.save_verdicts(run_id, [VerdictRow(verdict, key, fingerprint, document_id)])

    @_guarded
    def save_verdicts(self, run_id: int, rows: Sequence[VerdictRow]) -> None:
        """Store citations and their verdicts in one transaction."""
        if not rows:
            return
        with self._tx():
            # under the write lock: the ids are ours, so verdicts can point at citations
            row = self.db.execute("select coalesce(max(id), 0) from citations").fetchone()
            first = int(row[0]) + 1
            citations, verdicts = [], []
            for n, item in enumerate(rows):
                key = item.key or citation_key(item.verdict.citation)
                citations.append(
                    _citation_row(first + n, run_id, item.document_id, key, item.verdict)
                )
                verdicts.append(
                    _verdict_row(first + n, run_id, key, item.verdict, item.fingerprint)
                )
            self.db.conn.executemany(_INSERT_CITATION, citations)
            self.db.conn.executemany(_INSERT_VERDICT, verdicts)

    # ----------------------------------------------------------- live cache

    @_guarded
    def put_live(self, result: LiveResult, run_id: int | None = None) -> int:
        """Record one live check (success or failure); committed at once."""
        return self._put_lives([result], run_id)

    @_guarded
    def put_live_many(self, results: Sequence[LiveResult], run_id: int | None = None) -> int:
        """Record several live checks in one transaction (the live runner batches
        its writes: one transaction per URL cost more than the check itself).
        Returns the id of the last check row."""
        return self._put_lives(results, run_id)

    def _put_lives(self, results: Sequence[LiveResult], run_id: int | None) -> int:
        from citecheck.urls import host_of

        rows, bodies, urls = [], [], []
        for result in results:
            checked_at = result.checked_at or now_iso(self.clock())
            checked_ts = parse_iso(checked_at) or self.clock()
            body_digest = None
            body = result.body
            if body is not None and len(body) <= MAX_STORED_BODY:
                body_digest = "sha1:" + hashlib.sha1(body).hexdigest()
                bodies.append((body_digest, len(body), zlib.compress(body, 6)))
            status = result.status.value
            urls.append((result.url, host_of(result.url), checked_at, checked_at, status))
            rows.append((
                result.url, status, result.status_code, result.final_url,
                json.dumps([r.to_dict() for r in result.redirects]), result.elapsed,
                result.content_type, result.bytes, result.error,
                json.dumps(list(result.reasons)), result.encoding, checked_at, checked_ts,
                body_digest, run_id,
            ))
        if not rows:
            return 0
        conn = self.db.conn
        with self._tx():
            conn.executemany(
                "insert or ignore into bodies (digest, size, data) values (?, ?, ?)", bodies)
            conn.executemany(_TOUCH_URL, urls)
            conn.executemany(_INSERT_CHECK, rows)
            last = conn.execute("select last_insert_rowid()").fetchone()[0]
        return int(last)

    @_guarded
    def get_live(
        self, url: str, max_age_seconds: float, *, with_body: bool = True
    ) -> LiveResult | None:
        """The latest check of ``url`` if it succeeded and is fresh; else None.

        A failure is never served from the cache: if the latest check failed,
        the URL is checked again even when an older success is still fresh.
        """
        return self.get_live_many([url], max_age_seconds, with_body=with_body).get(url)

    @_guarded
    def get_live_many(
        self, urls: Iterable[str], max_age_seconds: float, *, with_body: bool = True
    ) -> dict[str, LiveResult]:
        """:meth:`get_live` of many URLs in one query: the fresh successes, by URL."""
        if max_age_seconds <= 0:
            return {}
        cursor = self.db.execute(_LATEST_CHECKS, [json.dumps(list(dict.fromkeys(urls)))])
        names = [d[0] for d in cursor.description]
        found = {}
        for values in cursor.fetchall():
            result = self._fresh_live(dict(zip(names, values, strict=True)), max_age_seconds,
                                      with_body)
            if result is not None:
                found[result.url] = result
        return found

    def _fresh_live(
        self, row: dict[str, Any] | None, max_age_seconds: float, with_body: bool
    ) -> LiveResult | None:
        if row is None or not LiveStatus(row["status"]).is_ok:
            return None
        if row["checked_ts"] < self.clock() - max_age_seconds:
            return None
        body = self._get_body(row["body_digest"]) if with_body else None
        if with_body and row["body_digest"] and body is None:
            return None  # the body is gone: check again rather than verify blind
        return _live_from_row(row, body=body, from_cache=True)

    @_guarded
    def live_body(self, url: str, checked_at: str) -> bytes | None:
        """The body kept with the check of ``url`` made at ``checked_at``."""
        row = self.db.execute(
            "select body_digest from checks where url = ? and checked_at = ? "
            "order by id desc limit 1",
            [url, checked_at],
        ).fetchone()
        return self._get_body(row[0]) if row and row[0] else None

    @_guarded
    def live_history(self, url: str) -> list[LiveResult]:
        """Every check of ``url``, oldest first (no bodies)."""
        rows = self.db.table("checks").rows_where("url = ?", [url], order_by="checked_ts, id")
        return [_live_from_row(r) for r in rows]

    @_guarded
    def failure_times(self, url: str) -> list[float]:
        """Check times of the current run of failures of ``url`` (since its last success).

        A failure here is a conclusive ``dead`` result. Oldest first.
        """
        times: list[float] = []
        rows = self.db.table("checks").rows_where(
            "url = ?", [url], order_by="checked_ts desc, id desc", select="status, checked_ts"
        )
        for row in rows:
            status = LiveStatus(row["status"])
            if status is LiveStatus.DEAD:
                times.append(float(row["checked_ts"]))
            elif status.is_ok:
                break
            # blocked/error/skipped say nothing about the source: neither break nor count
        return sorted(times)

    # -------------------------------------------------------- archive cache

    @_guarded
    def put_lookup(
        self, lookup: ArchiveLookup, key: str = "", run_id: int | None = None
    ) -> int | None:
        """Record an archive lookup. ``error`` ("could not ask") is never cached."""
        if lookup.status is LookupStatus.ERROR:
            return None
        checked_at = lookup.checked_at or now_iso(self.clock())
        with self._tx():
            for snap in (lookup.snapshot, *lookup.candidates):
                if snap is not None:
                    self._put_snapshot(snap)
            table = self.db.table("lookups")
            table.insert(
                {
                    "url": lookup.url,
                    "key": key,
                    "status": lookup.status.value,
                    "snapshot": lookup.snapshot.archive_url if lookup.snapshot else None,
                    "distance_days": lookup.snapshot.distance_days if lookup.snapshot else None,
                    "candidates": json.dumps([s.to_dict() for s in lookup.candidates]),
                    "error": lookup.error,
                    "checked_at": checked_at,
                    "checked_ts": parse_iso(checked_at) or self.clock(),
                    "run_id": run_id,
                }
            )
            return _pk(table)

    @_guarded
    def get_lookup(
        self, url: str | None, key: str = "", max_age_seconds: float = 86400.0
    ) -> ArchiveLookup | None:
        """The latest fresh lookup of ``url`` asked the same way (``key``), or None.

        ``url`` None: match on ``key`` alone (the archive client's keys name the URL).
        """
        if max_age_seconds <= 0:
            return None
        since = self.clock() - max_age_seconds
        if url is None:
            where, args = "key = ? and checked_ts >= ?", [key, since]
        else:
            where, args = "url = ? and key = ? and checked_ts >= ?", [url, key, since]
        for row in self.db.table("lookups").rows_where(
            where,
            args,
            order_by="checked_ts desc, id desc",
            limit=1,
        ):
            snapshot = None
            if row["snapshot"]:
                snapshot = self._snapshot(row["snapshot"], row["distance_days"])
            candidates = tuple(
                _snapshot_from_dict(d) for d in json.loads(row["candidates"] or "[]")
            )
            return ArchiveLookup(
                url=row["url"],
                status=LookupStatus(row["status"]),
                snapshot=snapshot,
                candidates=candidates,
                error=row["error"],
                checked_at=row["checked_at"],
                from_cache=True,
            )
        return None

    def lookup_cache(self, run_id: int | None = None) -> ArchiveLookupCache:
        """This store as the archive client's cache (``cache=`` of ``ArchiveClient``)."""
        return ArchiveLookupCache(self, run_id)

    @_guarded
    def put_snapshot_body(self, snapshot: Snapshot) -> None:
        """Keep a fetched snapshot's body: captures never change, so it is reused forever."""
        if snapshot.body is None:
            return
        with self._tx():
            self._put_snapshot(snapshot)

    @_guarded
    def get_snapshot_body(self, archive_url: str) -> bytes | None:
        row = self.db.execute(
            "select body_digest from snapshots where archive_url = ?", [archive_url]
        ).fetchone()
        return self._get_body(row[0]) if row and row[0] else None

    def _put_snapshot(self, snap: Snapshot) -> None:
        body_digest = self._put_body(snap.body)
        existing = self.db.execute(
            "select body_digest from snapshots where archive_url = ?", [snap.archive_url]
        ).fetchone()
        self.db.table("snapshots").upsert(
            {
                "archive_url": snap.archive_url,
                "url": snap.url,
                "timestamp": snap.timestamp,
                "status_code": snap.status_code,
                "digest": snap.digest,
                "mimetype": snap.mimetype,
                "body_digest": body_digest or (existing[0] if existing else None),
            },
            pk="archive_url",
        )

    def _snapshot(self, archive_url: str, distance_days: float | None) -> Snapshot | None:
        row = self.db.execute(
            "select url, archive_url, timestamp, status_code, digest, mimetype, body_digest "
            "from snapshots where archive_url = ?",
            [archive_url],
        ).fetchone()
        if row is None:
            return None
        return Snapshot(
            url=row[0],
            archive_url=row[1],
            timestamp=row[2],
            status_code=row[3],
            digest=row[4],
            mimetype=row[5],
            distance_days=distance_days,
            body=self._get_body(row[6]) if row[6] else None,
        )

    # ------------------------------------------------------------- evidence

    @_guarded
    def save_evidence(
        self, record: _EvidenceLike, run_id: int | None = None, *, kind: str = "live"
    ) -> int:
        """Index one WARC record written by the evidence store."""
        recorded = getattr(record, "recorded_at", None) or getattr(record, "time", None)
        with self._tx():
            table = self.db.table("evidence")
            table.insert(
                {
                    "url": record.url,
                    "time": recorded or now_iso(self.clock()),
                    "digest": record.digest,
                    "warc_file": str(record.warc_file),
                    "offset": int(record.offset),
                    "length": int(record.length),
                    "kind": kind,
                    "run_id": run_id,
                }
            )
            return _pk(table)

    @_guarded
    def evidence_for(self, url: str, limit: int | None = None) -> list[dict[str, Any]]:
        """Evidence records of ``url``, newest first."""
        return list(
            self.db.table("evidence").rows_where("url = ?", [url], order_by="id desc", limit=limit)
        )

    # --------------------------------------------------------------- reading

    @_guarded
    def load_run(self, run_id: int | None = None, *, with_verdicts: bool = True) -> StoredRun:
        """A past run (default: the latest finished one) with all its verdicts."""
        if run_id is None:
            runs = self.db.table("runs")
            rows = list(
                runs.rows_where("status = ?", ["finished"], order_by="id desc", limit=1)
            ) or list(runs.rows_where(order_by="id desc", limit=1))
            if not rows:
                raise RunError(f"{self.path}: no runs recorded yet (run `citecheck audit` first)")
            row = rows[0]
        else:
            try:
                row = self.db.table("runs").get(run_id)
            except sqlite_utils.db.NotFoundError:
                raise RunError(f"{self.path}: no run with id {run_id}") from None
        info = _run_info(row)
        documents = tuple(
            self.db.table("documents").rows_where("run_id = ?", [info.id], order_by="id")
        )
        verdicts = tuple(
            verdict_from_dict(json.loads(r["record"]))
            for r in self.db.table("verdicts").rows_where("run_id = ?", [info.id], order_by="id")
        ) if with_verdicts else ()
        return StoredRun(run=info, documents=documents, verdicts=verdicts)

    @_guarded
    def verdict_for_fingerprint(self, fingerprint: str) -> Verdict | None:
        """The verdict last decided from exactly the same inputs, if any."""
        return self.verdicts_for_fingerprints([fingerprint]).get(fingerprint)

    @_guarded
    def verdicts_for_fingerprints(self, fingerprints: Iterable[str]) -> dict[str, Verdict]:
        """:meth:`verdict_for_fingerprint` of many fingerprints in one query."""
        rows = self.db.execute(_LATEST_VERDICTS, [json.dumps(list(dict.fromkeys(fingerprints)))])
        return {fp: verdict_from_dict(json.loads(record)) for fp, record in rows.fetchall()}

    @_guarded
    def verdict_rows(self, run_id: int) -> list[dict[str, Any]]:
        return list(self.db.table("verdicts").rows_where("run_id = ?", [run_id], order_by="id"))

    @_guarded
    def history(self, subject: str | None = None, run_id: int | None = None) -> list[HistoryChange]:
        """What changed for each citation of a run since its previous appearance.

        ``subject`` narrows to a document (its name), a URL, or a source (label
        or registry key, case-insensitive). ``run_id`` defaults to the latest
        finished run that has a matching citation.
        """
        where, args = "1 = 1", []
        if subject:
            where = (
                "(document = ? or url = ? or lower(source) = lower(?) "
                "or lower(source_key) = lower(?))"
            )
            args = [subject, subject, subject, subject]
        if run_id is None:
            row = self.db.execute(
                "select max(v.run_id) from verdicts v join runs r on r.id = v.run_id "
                f"where r.status = 'finished' and {where}",
                args,
            ).fetchone()
            if not row or row[0] is None:
                return []
            run_id = int(row[0])
        current = self.db.execute(
            "select key, document, json_extract(record, '$.id'), source, source_key, url, "
            f"verdict, reasons from verdicts where run_id = ? and {where} order by id",
            [run_id, *args],
        ).fetchall()
        previous: dict[str, tuple[str, str, int]] = {}
        for key, verdict, reasons, prev_run in self.db.execute(
            "select v.key, v.verdict, v.reasons, v.run_id from verdicts v "
            "join runs r on r.id = v.run_id where r.status = 'finished' and v.run_id < ? "
            "and v.key in (select key from verdicts where run_id = ?) order by v.run_id desc, v.id",
            [run_id, run_id],
        ):
            previous.setdefault(key, (verdict, reasons, int(prev_run)))
        changes = []
        for key, document, cid, source, source_key, url, verdict, reasons in current:
            # a citation seen for the first time is compared with nothing ("new")
            prev_verdict, prev_reasons, prev_run = previous.get(key, (NEW, "[]", 0))
            for kind in classify_change(
                prev_verdict, verdict, json.loads(prev_reasons or "[]"), json.loads(reasons or "[]")
            ):
                changes.append(
                    HistoryChange(
                        kind=kind, document=document, citation_id=cid or "", source=source,
                        source_key=source_key, url=url, previous=prev_verdict, current=verdict,
                        previous_run=prev_run, run=run_id,
                    )
                )
        return changes

    @_guarded
    def integrity_check(self) -> str:
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])

    # -------------------------------------------------------------- helpers

    def _put_body(self, body: bytes | None) -> str | None:
        if body is None or len(body) > MAX_STORED_BODY:
            return None
        digest = "sha1:" + hashlib.sha1(body).hexdigest()
        self.db.execute(
            "insert or ignore into bodies (digest, size, data) values (?, ?, ?)",
            [digest, len(body), zlib.compress(body, 6)],
        )
        return digest

    def _get_body(self, digest: str | None) -> bytes | None:
        if not digest:
            return None
        row = self.db.execute("select data from bodies where digest = ?", [digest]).fetchone()
        if row is None:
            return None
        return zlib.decompress(row[0])



# fixed statements (values are parameters): put_live_many runs them with
# executemany, without sqlite-utils' per-call table introspection
_TOUCH_URL = (
    "insert into urls (url, host, first_seen, last_checked_at, last_status) "
    "values (?, ?, ?, ?, ?) on conflict(url) do update set "
    "last_checked_at = excluded.last_checked_at, last_status = excluded.last_status"
)
_INSERT_CHECK = (
    "insert into checks (url, status, status_code, final_url, redirects, elapsed, "
    "content_type, bytes, error, reasons, encoding, checked_at, checked_ts, body_digest, "
    "run_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

_INSERT_DOCUMENT = (
    'insert into documents ("run_id", "name", "published", "published_from", "title", '
    '"sha256", "citations") values (:run_id, :name, :published, :published_from, :title, '
    ":sha256, :citations)"
)
# save_verdicts: named parameters, taken from _citation_row's and _verdict_row's dicts
_INSERT_CITATION = (
    'insert into citations ("id", "run_id", "document_id", "document", "citation_id", "key", '
    '"source", "source_key", "raw", "line", "column", "date_as_written", "date", '
    '"date_precision", "year_inferred", "context", "quotes", "url", "malformed", "problem", '
    '"date_end", "locator") '
    "values (:id, :run_id, :document_id, :document, :citation_id, :key, :source, :source_key, "
    ":raw, :line, :column, :date_as_written, :date, :date_precision, :year_inferred, :context, "
    ":quotes, :url, :malformed, :problem, :date_end, :locator)"
)
_INSERT_VERDICT = (
    'insert into verdicts ("run_id", "citation_row", "document", "key", "source", '
    '"source_key", "url", "verdict", "severity", "reasons", "explanation", "record", '
    '"fingerprint") values (:run_id, :citation_row, :document, :key, :source, :source_key, '
    ":url, :verdict, :severity, :reasons, :explanation, :record, :fingerprint)"
)
#: the latest check of each URL of a JSON array
_LATEST_CHECKS = (
    "select c.* from json_each(?) as u join checks as c on c.id = ("
    "select id from checks where url = u.value order by checked_ts desc, id desc limit 1)"
)
#: the latest verdict decided from each fingerprint of a JSON array
_LATEST_VERDICTS = (
    "select fingerprint, record from verdicts where id in (select max(id) from verdicts "
    "where fingerprint in (select value from json_each(?)) group by fingerprint)"
)


class ArchiveLookupCache:
    """The store seen through the archive client's ``LookupCache`` protocol.

    The client's ``key`` names the archive, the URL and the dates asked about;
    errors ("could not ask") are never cached.
    """

    def __init__(self, store: Store, run_id: int | None = None) -> None:
        self.store = store
        self.run_id = run_id

    def get_lookup(self, key: str, max_age_seconds: float) -> ArchiveLookup | None:
        return self.store.get_lookup(None, key, max_age_seconds)

    def put_lookup(self, key: str, lookup: ArchiveLookup) -> None:
        self.store.put_lookup(lookup, key, self.run_id)


# ------------------------------------------------------------ decoding rows


def _document_row(run_id: int, doc: Document, citations: int) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "name": doc.name,
        "published": doc.published,
        "published_from": doc.published_from,
        "title": doc.title,
        "sha256": hashlib.sha256(doc.text.encode("utf-8", "replace")).hexdigest(),
        "citations": citations,
    }


def _citation_row(
    row_id: int, run_id: int, document_id: int | None, key: str, verdict: Verdict
) -> dict[str, Any]:
    c = verdict.citation
    return {
        "id": row_id,
        "run_id": run_id,
        "document_id": document_id,
        "document": c.document,
        "citation_id": c.id,
        "key": key,
        "source": c.source,
        "source_key": c.source_key,
        "raw": c.raw,
        "line": c.line,
        "column": c.column,
        "date_as_written": c.date_as_written,
        "date": c.date,
        "date_precision": c.date_precision.value if c.date_precision else None,
        "year_inferred": int(c.year_inferred),
        "context": c.context,
        "quotes": json.dumps(list(c.quotes), ensure_ascii=False),
        "url": c.url,
        "malformed": int(c.malformed),
        "problem": c.problem,
        "date_end": c.date_end,
        "locator": c.locator,
    }


def _verdict_row(
    citation_row: int, run_id: int, key: str, verdict: Verdict, fingerprint: str | None
) -> dict[str, Any]:
    c = verdict.citation
    return {
        "run_id": run_id,
        "citation_row": citation_row,
        "document": c.document,
        "key": key,
        "source": c.source,
        "source_key": c.source_key,
        "url": verdict.urls[0] if verdict.urls else None,
        "verdict": verdict.verdict.value,
        "severity": verdict.verdict.severity.name.lower(),
        "reasons": json.dumps(list(verdict.reasons)),
        "explanation": verdict.explanation,
        "record": json.dumps(verdict.to_dict(), ensure_ascii=False, default=str),
        "fingerprint": fingerprint,
    }


def _pk(table: sqlite_utils.db.Table) -> int:
    assert table.last_pk is not None
    return int(table.last_pk)


def _version_string() -> str:
    from citecheck import __version__

    return __version__


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run_info(row: dict[str, Any]) -> RunInfo:
    return RunInfo(
        id=int(row["id"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        status=row["status"],
        exit_code=row["exit_code"],
        options=json.loads(row["options"] or "{}"),
        summary=json.loads(row["summary"] or "{}"),
    )


def _live_from_row(
    row: dict[str, Any], *, body: bytes | None = None, from_cache: bool = False
) -> LiveResult:
    return LiveResult(
        url=row["url"],
        status=LiveStatus(row["status"]),
        status_code=row["status_code"],
        final_url=row["final_url"],
        redirects=tuple(
            Redirect(r["url"], int(r["status_code"])) for r in json.loads(row["redirects"] or "[]")
        ),
        elapsed=row["elapsed"] or 0.0,
        content_type=row["content_type"],
        bytes=row["bytes"] or 0,
        error=row["error"],
        reasons=tuple(json.loads(row["reasons"] or "[]")),
        checked_at=row["checked_at"],
        encoding=row["encoding"],
        from_cache=from_cache,
        body=body,
    )


def _snapshot_from_dict(d: dict[str, Any]) -> Snapshot:
    return Snapshot(
        url=d["url"],
        archive_url=d["archive_url"],
        timestamp=d["timestamp"],
        status_code=d.get("status_code"),
        digest=d.get("digest"),
        mimetype=d.get("mimetype"),
        distance_days=d.get("distance_days"),
        error=d.get("error"),
    )


def _live_from_dict(d: dict[str, Any]) -> LiveResult:
    return LiveResult(
        url=d["url"],
        status=LiveStatus(d["status"]),
        status_code=d.get("status_code"),
        final_url=d.get("final_url"),
        redirects=tuple(Redirect(r["url"], int(r["status_code"])) for r in d.get("redirects", [])),
        elapsed=d.get("elapsed") or 0.0,
        content_type=d.get("content_type"),
        bytes=d.get("bytes") or 0,
        error=d.get("error"),
        reasons=tuple(d.get("reasons", [])),
        checked_at=d.get("checked_at", ""),
        encoding=d.get("encoding"),
        from_cache=bool(d.get("from_cache", False)),
    )


_CITATION_FIELDS = (
    "id", "source", "raw", "line", "column", "document", "source_key", "date_as_written",
    "date", "year_inferred", "context", "url", "malformed", "problem", "date_end", "locator",
)


def citation_from_dict(d: dict[str, Any]) -> Citation:
    values = {k: d[k] for k in _CITATION_FIELDS if k in d}
    precision = d.get("date_precision")
    return Citation(
        **values,
        date_precision=DatePrecision(precision) if precision else None,
        quotes=tuple(d.get("quotes") or ()),
    )


def verdict_from_dict(d: dict[str, Any]) -> Verdict:
    """Rebuild a :class:`Verdict` from its audit-JSON entry (``Verdict.to_dict``)."""
    return Verdict(
        citation=citation_from_dict(d),
        verdict=VerdictKind(d["verdict"]),
        reasons=tuple(d.get("reasons") or ()),
        explanation=d.get("explanation") or "",
        urls=tuple(d.get("urls") or ()),
        live=_live_from_dict(d["live"]) if d.get("live") else None,
        snapshot=_snapshot_from_dict(d["snapshot"]) if d.get("snapshot") else None,
        archive_error=d.get("archive_error"),
        candidates=tuple(
            Candidate(c["url"], c["origin"], c.get("score"), c.get("title"))
            for c in d.get("candidates") or ()
        ),
        corrected_date=d.get("corrected_date"),
        quotes_found=tuple(d.get("quotes_found") or ()),
        quotes_missing=tuple(d.get("quotes_missing") or ()),
        evidence=tuple(d.get("evidence") or ()),
        support=Support.from_dict(d.get("support")),
    )


def iter_rows(store: Store, sql: str, params: Iterable[Any] = ()) -> Iterator[dict[str, Any]]:
    """Read-only query helper for history views (parameters only, never formatting)."""
    with store._lock:
        cursor = store.db.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        for row in cursor.fetchall():
            yield dict(zip(names, row, strict=True))
