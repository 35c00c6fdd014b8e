"""How a database file is opened (issue 15, items 2, 3 and the lock notice of 5):
read-only commands open it read-only, another application's SQLite file is
refused untouched, and a held lock is announced once."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import subprocess
import sys
import threading

import pytest
from click.testing import CliRunner

from citecheck.cli import cli
from citecheck.errors import RunError
from citecheck.store import Store
from citecheck.store import database as store_database

NOTICE = "waiting for the database lock (held by another process)"


def audit(tmp_path, brief, db=None):
    return CliRunner().invoke(
        cli, ["audit", brief, "--db", str(db or tmp_path / "h.db"), "--report-dir",
              str(tmp_path / "reports"), "--archive-dir", str(tmp_path / "archive")],
    )


def read_commands(db):
    return [["history", "--db", db], ["report", "--db", db, "--json", "-"],
            ["archive", "list", "--db", db, "--archive-dir", db + ".none"]]


# ------------------------------------------------------------ item 2: read-only


def _can_mount_read_only(tmp_path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c",
         f"mount --bind {tmp_path} {tmp_path} && mount -o remount,ro,bind {tmp_path}"],
        capture_output=True)
    return probe.returncode == 0


@pytest.mark.slow
def test_read_only_commands_work_on_a_database_in_a_read_only_place(tmp_path, fake_stages,
                                                                    fake_brief):
    # a CI artifact or a read-only volume: "database is read-only" before
    assert audit(tmp_path, fake_brief).exit_code == 1
    place = tmp_path / "artifact"
    place.mkdir()
    shutil.copy(tmp_path / "h.db", place / "h.db")  # WAL mode, no -wal/-shm beside it
    if not _can_mount_read_only(place):
        pytest.skip("cannot make a read-only mount here (needs unshare and user namespaces)")
    db = str(place / "h.db")
    script = " && ".join(
        [f"mount --bind {place} {place}", f"mount -o remount,ro,bind {place}",
         f"! touch {place}/probe 2>/dev/null"]
        + [" ".join([sys.executable, "-m", "citecheck", *args]) + " > /dev/null; "
           "echo rc=$?" for args in read_commands(db)]
    )
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True,
                          text=True, timeout=120)
    # history: findings are not its business (exit 0); report: exit 1 for the dead one
    assert proc.stdout.split() == ["rc=0", "rc=1", "rc=0"], proc.stdout + proc.stderr
    assert "read-only" not in proc.stderr and "Error" not in proc.stderr
    assert sorted(p.name for p in place.iterdir()) == ["h.db"]


def test_a_read_only_store_never_writes(tmp_path, fake_stages, fake_brief):
    assert audit(tmp_path, fake_brief).exit_code == 1
    db = tmp_path / "h.db"
    before = db.read_bytes()
    with Store(db, read_only=True) as store:
        assert store.db.execute("PRAGMA query_only").fetchone()[0] == 1
        assert store.load_run().verdicts  # the run is read back
        with pytest.raises(RunError, match="database is read-only"):
            store.start_run()
    assert db.read_bytes() == before


def test_a_read_only_store_does_not_migrate_an_old_database(tmp_path):
    db = tmp_path / "old.db"
    with Store(db) as store:
        store.db.execute("delete from schema_version where version > 1")
        store.db.conn.commit()
    with Store(db, read_only=True) as store:
        assert store.schema_version == 1
        assert store.runs() == []


def test_history_on_an_empty_file_reads_an_empty_history_and_writes_nothing(tmp_path):
    db = tmp_path / "empty.db"
    db.touch()
    for args in read_commands(str(db))[:1]:
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert "No runs recorded yet" in result.output
    assert db.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]


# ------------------------------------------------- item 3: another app's file


@pytest.fixture
def app_db(tmp_path):
    path = tmp_path / "app.db"
    conn = sqlite3.connect(path)
    conn.executescript("create table users (id integer primary key, name text);"
                       "insert into users (name) values ('ada');")
    conn.close()
    return path


@pytest.mark.parametrize("command", ["audit", "history", "report", "archive list"])
def test_another_applications_sqlite_file_is_refused_untouched(tmp_path, fake_stages,
                                                               fake_brief, app_db, command):
    before = app_db.read_bytes()
    if command == "audit":
        result = audit(tmp_path, fake_brief, db=app_db)
    else:
        args = {"history": read_commands(str(app_db))[0],
                "report": read_commands(str(app_db))[1],
                "archive list": read_commands(str(app_db))[2]}[command]
        result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        f"Error: {app_db}: not a citecheck database (it holds other tables: users); "
        "pass another --db"
    ]
    assert app_db.read_bytes() == before  # no tables added, not switched to WAL
    conn = sqlite3.connect(app_db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert [r[0] for r in conn.execute("select name from sqlite_master")] == ["users"]
    conn.close()


def test_an_empty_sqlite_file_becomes_a_citecheck_database(tmp_path, fake_stages, fake_brief):
    db = tmp_path / "fresh.db"
    sqlite3.connect(db).close()  # a valid, empty SQLite file
    assert audit(tmp_path, fake_brief, db=db).exit_code == 1
    with Store(db, read_only=True) as store:
        assert len(store.runs()) == 1


# ------------------------------------------------- item 5: the lock notice


def test_the_lock_notice_comes_after_two_seconds_by_default():
    assert store_database.LOCK_NOTICE_SECONDS == 2.0


@contextlib.contextmanager
def locked(db, release_after=None):
    """Another process's write lock on ``db``, held throughout or released after a while."""
    holder = sqlite3.connect(db, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(release_after or 0, holder.rollback)
    if release_after:
        release.start()
    try:
        yield
    finally:
        if release_after:
            release.join()
        else:
            holder.rollback()
        holder.close()


def test_a_held_lock_is_announced_once_then_waited_for(tmp_path, fake_stages, fake_brief,
                                                       monkeypatch):
    assert audit(tmp_path, fake_brief).exit_code == 1
    monkeypatch.setattr(store_database, "LOCK_NOTICE_SECONDS", 0.1)
    monkeypatch.setattr("citecheck.store.BUSY_TIMEOUT_SECONDS", 0.5)
    with locked(tmp_path / "h.db"):
        result = audit(tmp_path, fake_brief)
    assert result.exit_code == 3
    assert result.stderr.count(NOTICE) == 1, result.stderr
    assert f"{tmp_path / 'h.db'}: {NOTICE}" in result.stderr
    assert "database is locked" in result.stderr.strip().splitlines()[-1]


def test_a_lock_released_in_time_is_announced_and_the_run_finishes(tmp_path, fake_stages,
                                                                   fake_brief, monkeypatch):
    assert audit(tmp_path, fake_brief).exit_code == 1
    monkeypatch.setattr(store_database, "LOCK_NOTICE_SECONDS", 0.1)
    with locked(tmp_path / "h.db", release_after=0.4):
        result = audit(tmp_path, fake_brief)
    assert result.exit_code == 1, result.output
    assert result.stderr.count(NOTICE) == 1


def test_no_notice_when_nothing_holds_the_lock(tmp_path, fake_stages, fake_brief, monkeypatch):
    monkeypatch.setattr(store_database, "LOCK_NOTICE_SECONDS", 0.5)
    result = audit(tmp_path, fake_brief)
    assert result.exit_code == 1
    assert NOTICE not in result.output


def test_a_missing_file_opened_read_only_is_an_empty_history_and_is_not_created(tmp_path):
    db = tmp_path / "none.db"
    with Store(db, read_only=True) as store:
        assert store.runs() == []
        with pytest.raises(RunError, match="no runs recorded yet"):
            store.load_run()
    assert not db.exists()
