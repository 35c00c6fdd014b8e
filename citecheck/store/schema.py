"""The schema: a short list of migrations, each applied once (table ``schema_version``).

Append a step for every change; never edit a released one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by the migrations' callers: a new database needs none
    import sqlite_utils


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


def _m004_citation_style_and_versions(db: sqlite_utils.Database) -> None:
    """Citations keep how they were written (parenthetical or note) and the
    snapshot the author chose (Robust Links)."""
    db.table("citations").add_column("style", str)
    db.table("citations").add_column("version_url", str)
    db.table("citations").add_column("version_date", str)


#: the schema's history; append, never edit a released step
MIGRATIONS: tuple[tuple[int, str, Callable[[sqlite_utils.Database], None]], ...] = (
    (1, "initial schema", _m001_initial),
    (2, "verdict fingerprints", _m002_verdict_fingerprints),
    (3, "citation date ranges and locators", _m003_citation_ranges_and_locators),
    (4, "citation style and author's snapshot", _m004_citation_style_and_versions),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


def migrated_schema() -> list[str]:
    """The SQL that every migration leaves in ``sqlite_master`` (tables and
    indexes, in creation order), ``schema_version`` included: what
    :mod:`~citecheck.store.fresh` holds for new databases."""
    import sqlite_utils

    db = sqlite_utils.Database(sqlite3.connect(":memory:"), execute_plugins=False)
    # as Database._migrate does before the steps
    db.table("schema_version").create(
        {"version": int, "name": str, "applied_at": str}, pk="version")
    for _version, _name, step in MIGRATIONS:
        step(db)
    rows = db.execute(
        "select sql from sqlite_master where sql is not null order by rowid").fetchall()
    db.conn.close()
    return [row[0] for row in rows]


def fresh_source() -> str:
    """The source of :mod:`citecheck.store.fresh` for today's migrations.

    A new (empty) database is made from that SQL in one transaction, every
    migration recorded as applied, without replaying the steps through
    sqlite-utils (whose import alone cost ``citecheck check`` more than writing
    2,000 results did); older databases are upgraded by the migrations. After
    adding a migration, run ``python scripts/gen_fresh_schema.py``
    (``tests/test_store_fresh.py`` fails until then, and meanwhile new
    databases are built by the migrations, as before)."""
    statements = []
    for sql in migrated_schema():
        lines = sql.splitlines(keepends=True)
        statements.append("    (\n" + "".join(f"        {line!r}\n" for line in lines) + "    ),\n")
    return _FRESH_TEMPLATE.format(version=SCHEMA_VERSION, statements="".join(statements))


_FRESH_TEMPLATE = '''"""A new database's schema, as the migrations build it (schema.fresh_source).

Generated by ``python scripts/gen_fresh_schema.py``: never edited by hand.
"""

#: the newest migration these statements include
SCHEMA_VERSION = {version}

#: CREATE TABLE / CREATE INDEX statements, in creation order
STATEMENTS: tuple[str, ...] = (
{statements})
'''
