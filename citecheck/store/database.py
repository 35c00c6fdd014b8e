"""One SQLite connection behind a lock: opening, WAL, transactions, migrations,
typed errors, and the content-addressed ``bodies`` table the other parts share."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sqlite3
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from citecheck.errors import InputError, RunError
from citecheck.store.records import now_iso
from citecheck.store.schema import MIGRATIONS, SCHEMA_VERSION

if TYPE_CHECKING:
    import sqlite_utils

#: bodies larger than this are not kept in the database (the WARC has them)
MAX_STORED_BODY = 12 * 1024 * 1024

#: after this long waiting for another process's lock, say so (once)
LOCK_NOTICE_SECONDS = 2.0

T = TypeVar("T")
D = TypeVar("D", bound="Database")


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


def _say_waiting(path: str) -> None:
    sys.stderr.write(f"citecheck: {path}: waiting for the database lock "
                     "(held by another process)\n")
    sys.stderr.flush()


def _guarded(method: Callable[..., T]) -> Callable[..., T]:
    """Serialise access (one connection, many threads) and type sqlite errors."""

    @functools.wraps(method)
    def wrapper(self: Database, *args: Any, **kwargs: Any) -> T:
        with self._lock:
            try:
                return method(self, *args, **kwargs)
            except sqlite3.DatabaseError as exc:
                raise classify_db_error(exc, self.path) from exc
            except OSError as exc:
                raise RunError(f"{self.path}: {exc.strerror or exc}") from exc

    return wrapper


class Database:
    """The connection every part of :class:`~citecheck.store.Store` works through.
    Thread-safe: one connection behind a lock."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float,
        clock: Callable[[], float] = time.time,
        read_only: bool = False,
        on_lock_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.path = str(path)
        self.clock = clock
        self.read_only = read_only
        self._busy_timeout = busy_timeout
        self._lock = threading.RLock()
        self._on_lock_wait = on_lock_wait or _say_waiting
        self._said_waiting = False
        try:
            if self.path != ":memory:":
                parent = Path(self.path).parent
                if not parent.is_dir():
                    raise RunError(f"{self.path}: directory {parent} does not exist")
            with self._waiting():
                if read_only:
                    conn = self._connect_read_only(busy_timeout)
                else:
                    conn = sqlite3.connect(self.path, timeout=busy_timeout,
                                           check_same_thread=False)
                self._use(conn)
                self._refuse_foreign()
                if read_only:
                    if self._version() == 0:
                        # an empty or missing file: an empty history, from an empty schema
                        conn.close()
                        conn = sqlite3.connect(":memory:", check_same_thread=False)
                        self._use(conn)
                        self._migrate()
                    conn.execute("PRAGMA query_only = ON")
                    return
                if self.path != ":memory:":
                    self._enable_wal(busy_timeout)
                conn.execute("PRAGMA foreign_keys = OFF")
                conn.execute("PRAGMA synchronous = NORMAL")
                self._migrate()
        except sqlite3.DatabaseError as exc:
            raise classify_db_error(exc, self.path) from exc

    def _use(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._db: sqlite_utils.Database | None = None
        # as sqlite_utils.Database(conn) sets it, for every command alike
        conn.execute("PRAGMA recursive_triggers=on;")

    @property
    def db(self) -> sqlite_utils.Database:
        """The connection through sqlite-utils, imported on first use: opening an
        up-to-date or new database, writing checks into it and reading them back
        go through ``conn`` alone (sqlite-utils' import cost ``check`` ~60 ms)."""
        if self._db is None:
            import sqlite_utils

            # no sqlite-utils plugins: citecheck uses none, and looking them up
            # (every installed package's entry points) cost each command ~10 ms
            self._db = sqlite_utils.Database(self.conn, execute_plugins=False,
                                             recursive_triggers=False)  # set by _use
        return self._db

    def _table_names(self) -> list[str]:
        """``sqlite_utils.Database.table_names()``."""
        return [row[0] for row in
                self.conn.execute("select name from sqlite_master where type = 'table'")]

    def _connect_read_only(self, timeout: float) -> sqlite3.Connection:
        """Open for reading only (``mode=ro``): nothing is created, migrated or written.

        In a read-only place (a CI artifact, a read-only volume) SQLite cannot
        create the WAL's shared-memory file, so there the file is opened as
        ``immutable``: nobody can be writing to it through this mount.
        """
        if self.path == ":memory:" or not os.path.exists(self.path):
            # nothing to read: an empty history (and no file created)
            return sqlite3.connect(":memory:", check_same_thread=False)
        uri = Path(self.path).resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=timeout, check_same_thread=False)
        try:
            conn.execute("select count(*) from sqlite_master").fetchone()
        except sqlite3.OperationalError:
            conn.close()
            if os.access(Path(self.path).parent, os.W_OK):
                raise
            conn = sqlite3.connect(uri + "&immutable=1", uri=True, timeout=timeout,
                                   check_same_thread=False)
        return conn

    def _refuse_foreign(self) -> None:
        """Another application's SQLite file is not touched (no tables added, no WAL):
        only an empty file or one with citecheck's schema is used."""
        tables = self._table_names()
        if "schema_version" in tables:
            return
        if tables:
            shown = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
            raise InputError(
                f"{self.path}: not a citecheck database (it holds other tables: {shown}); "
                "pass another --db"
            )

    @contextlib.contextmanager
    def _waiting(self) -> Iterator[None]:
        """Say once, after LOCK_NOTICE_SECONDS, that we are waiting for another
        process's lock; the wait itself goes on up to the busy timeout."""
        timer = threading.Timer(LOCK_NOTICE_SECONDS, self._notice_waiting)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def _notice_waiting(self) -> None:
        if not self._said_waiting:
            self._said_waiting = True
            self._on_lock_wait(self.path)

    # ------------------------------------------------------------ lifecycle

    def _enable_wal(self, timeout: float) -> None:
        """Switch to WAL, retrying: the switch can fail at once (no busy wait)
        while another process opens or creates the same file."""
        deadline = time.monotonic() + timeout
        delay = 0.01
        while True:
            try:
                self._wal()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.2)

    def _wal(self) -> None:
        """``sqlite_utils.Database.enable_wal()``: the journal mode is switched
        outside any transaction, the driver's implicit ones off meanwhile."""
        if self.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            return
        level = self.conn.isolation_level
        self.conn.isolation_level = None
        try:
            self.conn.execute("PRAGMA journal_mode=wal;")
        finally:
            self.conn.isolation_level = level

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def __enter__(self: D) -> D:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[None]:
        """One write transaction, taken with BEGIN IMMEDIATE so writers queue on the
        busy timeout instead of failing on a lock upgrade. Nested use joins it."""
        conn = self.conn
        if conn.in_transaction:
            yield
            return
        self._begin_immediate(conn)
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            if conn.in_transaction:
                conn.execute("COMMIT")

    def _begin_immediate(self, conn: sqlite3.Connection) -> None:
        """BEGIN IMMEDIATE: at once when the lock is free (no timer, no thread),
        else waiting up to the busy timeout with the notice of :meth:`_waiting`."""
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
            with self._waiting():
                conn.execute("BEGIN IMMEDIATE")
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")

    def _migrate(self) -> None:
        if self._version() >= SCHEMA_VERSION:
            return
        # BEGIN IMMEDIATE: a second process waits (busy timeout) instead of racing us
        with self._tx():
            if self._create_fresh():
                return
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

    def _create_fresh(self) -> bool:
        """A new (empty) database gets the schema the migrations build, from
        :mod:`~citecheck.store.fresh` (their SQL, generated), every step recorded
        as applied: the same tables and rows as running them, without loading
        sqlite-utils. False (nothing done) if the database has any table, or if
        that SQL is older than the newest migration."""
        from citecheck.store import fresh

        if fresh.SCHEMA_VERSION != SCHEMA_VERSION or self._table_names():
            return False
        for statement in fresh.STATEMENTS:
            self.conn.execute(statement)
        applied_at = now_iso(self.clock())
        self.conn.executemany(
            "insert into schema_version (version, name, applied_at) values (?, ?, ?)",
            [(version, name, applied_at) for version, name, _step in MIGRATIONS])
        return True

    def _version(self) -> int:
        if "schema_version" not in self._table_names():
            return 0
        row = self.conn.execute("select max(version) from schema_version").fetchone()
        return int(row[0] or 0)

    @property
    def schema_version(self) -> int:
        with self._lock:
            return self._version()

    @_guarded
    def integrity_check(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

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
        row = self.conn.execute("select data from bodies where digest = ?", [digest]).fetchone()
        if row is None:
            return None
        return zlib.decompress(row[0])


def _pk(table: sqlite_utils.db.Table) -> int:
    assert table.last_pk is not None
    return int(table.last_pk)
