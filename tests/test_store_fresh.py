"""A new database is made from citecheck/store/fresh.py (the SQL the migrations
leave) and comes out exactly as the migrations would have built it; sqlite-utils
is loaded by no part of opening it, writing live checks and reading them back."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_store import old_database

from citecheck.models import LiveResult, LiveStatus
from citecheck.store import SCHEMA_VERSION, Store, fresh
from citecheck.store.schema import fresh_source


def schema_of(path) -> tuple[list[tuple], list[tuple]]:
    conn = sqlite3.connect(path)
    master = conn.execute("select type, name, tbl_name, sql from sqlite_master "
                          "order by type, name").fetchall()
    steps = conn.execute("select version, name from schema_version order by version").fetchall()
    conn.close()
    return master, steps


def test_fresh_py_is_generated_from_the_migrations_of_today():
    assert fresh.SCHEMA_VERSION == SCHEMA_VERSION, "run: python scripts/gen_fresh_schema.py"
    assert Path(fresh.__file__).read_text(encoding="utf-8") == fresh_source(), (
        "run: python scripts/gen_fresh_schema.py")


def test_a_new_database_is_what_the_migrations_build(tmp_path, monkeypatch):
    Store(tmp_path / "new.db").close()
    with monkeypatch.context() as m:  # fresh.py out of date: the migrations build it
        m.setattr(fresh, "SCHEMA_VERSION", SCHEMA_VERSION - 1)
        Store(tmp_path / "migrated.db").close()
    # and one upgraded step by step from an old version (whose schema_version the
    # fixture made without a primary key: that table aside)
    Store(old_database(str(tmp_path / "upgraded.db"), 1)).close()
    new = schema_of(tmp_path / "new.db")
    assert new == schema_of(tmp_path / "migrated.db")
    upgraded = schema_of(tmp_path / "upgraded.db")
    assert upgraded[1] == new[1]
    assert ([r for r in upgraded[0] if r[1] != "schema_version"]
            == [r for r in new[0] if r[1] != "schema_version"])
    assert [v for v, _ in new[1]] == list(range(1, SCHEMA_VERSION + 1))
    assert {"checks", "urls", "bodies", "runs", "verdicts"} <= {r[1] for r in new[0]}


def test_a_new_database_records_each_migration_once_with_its_time(tmp_path):
    with Store(tmp_path / "h.db", clock=lambda: 1_700_000_000.0) as store:
        rows = store.conn.execute("select version, applied_at from schema_version").fetchall()
        assert rows == [(v, "2023-11-14T22:13:20Z") for v in range(1, SCHEMA_VERSION + 1)]
        assert store.schema_version == SCHEMA_VERSION
        assert store.integrity_check() == "ok"
        assert store.db.journal_mode == "wal"  # sqlite-utils still there when asked for


def test_a_file_with_tables_is_never_made_fresh(tmp_path):
    # a half-made database (schema_version only, as a crash mid-migration could
    # leave): the migrations finish it, the fresh SQL would fail on existing tables
    path = tmp_path / "h.db"
    conn = sqlite3.connect(path)
    conn.execute(fresh.STATEMENTS[0])
    conn.commit()
    conn.close()
    Store(path).close()
    Store(tmp_path / "new.db").close()
    assert schema_of(path) == schema_of(tmp_path / "new.db")


_WITHOUT_SQLITE_UTILS = """
import sys
from citecheck.models import LiveResult, LiveStatus
from citecheck.store import Store
path = sys.argv[1]
result = LiveResult("https://example.org/a", LiveStatus.OK, 200, "https://example.org/a",
                    checked_at="2026-01-01T00:00:00Z", body=b"<html>a page</html>")
for _ in range(2):  # a new database, then the same one, up to date
    with Store(path, clock=lambda: 1767225600.0) as store:
        store.put_live_many([result])
        hit = store.get_live_many([result.url], 3600)[result.url]
        assert hit.body == b"<html>a page</html>", hit
        assert store.live_body(result.url, result.checked_at) == hit.body
print("sqlite_utils" in sys.modules)
"""


def test_new_and_up_to_date_databases_take_live_checks_without_sqlite_utils(tmp_path):
    out = subprocess.run([sys.executable, "-c", _WITHOUT_SQLITE_UTILS, str(tmp_path / "h.db")],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
    with Store(tmp_path / "h.db") as store:  # what was written reads back through sqlite-utils
        rows = list(store.db.table("checks").rows)
    assert len(rows) == 2 and rows[0]["status"] == "ok"


@pytest.mark.parametrize("status", [LiveStatus.OK, LiveStatus.DEAD])
def test_live_checks_round_trip_in_a_new_database(tmp_path, status):
    result = LiveResult("https://example.org/b", status, 200 if status.is_ok else 404,
                        reasons=() if status.is_ok else ("http-404",),
                        checked_at="2026-01-01T00:00:00Z")
    with Store(tmp_path / "h.db", clock=lambda: 1767225600.0) as store:
        store.put_live_many([result])
        assert [r.status for r in store.live_history(result.url)] == [status]
        found = store.get_live_many([result.url], 3600)
        assert (result.url in found) is status.is_ok
