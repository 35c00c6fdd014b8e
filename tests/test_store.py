import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass, replace

import pytest

from citecheck.errors import ExitCode, RunError
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
    Verdict,
    VerdictKind,
)
from citecheck.store import (
    SCHEMA_VERSION,
    Store,
    citation_keys,
    classify_db_error,
    now_iso,
    verdict_from_dict,
)

T0 = 1_800_000_000.0  # a fixed "now"


class Clock:
    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    s = Store(tmp_path / "citecheck.db", clock=clock)
    yield s
    s.close()


def live(url="https://example.org/a", status=LiveStatus.OK, at=T0, body=b"<p>hello</p>", **kw):
    return LiveResult(
        url=url, status=status, status_code=kw.pop("status_code", 200),
        final_url=kw.pop("final_url", url), checked_at=now_iso(at), body=body, **kw,
    )


def snapshot(url="https://example.org/a", ts="20180514120000", body=None):
    return Snapshot(
        url=url, archive_url=f"http://127.0.0.1:1/web/{ts}/{url}", timestamp=ts,
        status_code=200, digest="sha1:ABC", mimetype="text/html", distance_days=1.5, body=body,
    )


# ------------------------------------------------------------------ schema


def test_migrations_create_every_table_once(tmp_path):
    path = tmp_path / "h.db"
    Store(path).close()
    again = Store(path)
    names = set(again.db.table_names())
    assert {"runs", "documents", "citations", "urls", "checks", "snapshots", "lookups",
            "evidence", "verdicts", "schema_version"} <= names
    assert again.schema_version == SCHEMA_VERSION
    rows = again.db.execute("select count(*) from schema_version").fetchone()[0]
    assert rows == SCHEMA_VERSION  # each step applied exactly once
    assert again.db.journal_mode == "wal"
    assert again.integrity_check() == "ok"


def test_missing_directory_is_run_error(tmp_path):
    with pytest.raises(RunError, match="does not exist"):
        Store(tmp_path / "nope" / "h.db")


def test_not_a_database_is_run_error(tmp_path):
    path = tmp_path / "h.db"
    path.write_bytes(b"this is plainly not sqlite, just text " * 200)
    with pytest.raises(RunError, match="not a citecheck database") as info:
        Store(path)
    assert info.value.exit_code == ExitCode.RUN_FAILED


def test_corrupt_database_is_run_error(tmp_path):
    path = tmp_path / "h.db"
    s = Store(path)
    for i in range(300):
        s.put_live(live(url=f"https://example.org/{i}"))
    s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    data = bytearray(path.read_bytes())
    data[4096:12288] = b"\xff" * 8192  # smash pages after the header
    path.write_bytes(bytes(data))
    with pytest.raises(RunError, match="corrupt|not a citecheck"):
        s = Store(path)
        s.get_live("https://example.org/5", 3600)
        for i in range(300):
            s.put_live(live(url=f"https://example.org/x{i}"))


def test_locked_database_is_run_error(tmp_path):
    path = tmp_path / "h.db"
    Store(path).close()
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        s = Store(path, busy_timeout=0.2)
        with pytest.raises(RunError, match="locked"):
            s.put_live(live())
    finally:
        holder.rollback()
        holder.close()


@pytest.mark.parametrize(
    "message, expected",
    [
        ("database or disk is full", "disk is full"),
        ("database is locked", "locked"),
        ("database disk image is malformed", "corrupt"),
        ("file is not a database", "not SQLite"),
    ],
)
def test_classify_db_error(message, expected):
    error = classify_db_error(sqlite3.OperationalError(message), "x.db")
    assert expected in str(error)
    assert error.exit_code == ExitCode.RUN_FAILED


# ------------------------------------------------------------- live cache


def test_fresh_success_is_served_with_its_body(store, clock):
    store.put_live(live(redirects=(Redirect("https://example.org/old", 301),), reasons=("x",)))
    got = store.get_live("https://example.org/a", 3600)
    assert got is not None and got.from_cache
    assert got.status is LiveStatus.OK and got.body == b"<p>hello</p>"
    assert got.redirects == (Redirect("https://example.org/old", 301),)
    assert got.reasons == ("x",)


def test_stale_success_is_not_served(store, clock):
    store.put_live(live(at=T0 - 7200))
    assert store.get_live("https://example.org/a", 3600) is None
    assert store.get_live("https://example.org/a", 10_000) is not None
    assert store.get_live("https://example.org/a", 0) is None


@pytest.mark.parametrize("status", [LiveStatus.DEAD, LiveStatus.ERROR, LiveStatus.BLOCKED])
def test_failures_are_never_served(store, status):
    store.put_live(live(status=status, status_code=404, body=None))
    assert store.get_live("https://example.org/a", 3600) is None


def test_failure_after_success_hides_the_success(store):
    store.put_live(live(at=T0 - 60))
    store.put_live(live(at=T0 - 30, status=LiveStatus.ERROR, status_code=None, body=None))
    assert store.get_live("https://example.org/a", 3600) is None
    assert [r.status for r in store.live_history("https://example.org/a")] == [
        LiveStatus.OK, LiveStatus.ERROR]


def test_get_live_many_answers_what_get_live_answers_for_each_url(store):
    ex = "https://example.org/"
    store.put_live(live(url=ex + "fresh"))
    store.put_live(live(url=ex + "stale", at=T0 - 7200))
    store.put_live(live(url=ex + "dead", status=LiveStatus.DEAD, status_code=404, body=None))
    store.put_live(live(url=ex + "failed-last", at=T0 - 60))
    store.put_live(live(url=ex + "failed-last", at=T0 - 30, status=LiveStatus.ERROR, body=None))
    store.put_live(live(url=ex + "again", at=T0 - 60))
    store.put_live(live(url=ex + "again", at=T0 - 30, body=b"<p>newer</p>"))
    urls = [ex + u for u in ("fresh", "stale", "dead", "failed-last", "again", "never", "fresh")]
    for with_body in (True, False):
        one = {u: store.get_live(u, 3600, with_body=with_body) for u in urls}
        many = store.get_live_many(urls, 3600, with_body=with_body)
        assert many == {u: r for u, r in one.items() if r is not None}
        assert sorted(many) == [ex + "again", ex + "fresh"]
    assert store.get_live_many(urls, 3600)[ex + "again"].body == b"<p>newer</p>"
    assert store.get_live_many(urls, 0) == {}
    assert store.get_live_many([], 3600) == {}


def test_failure_times_count_since_last_success(store):
    url = "https://example.org/a"
    store.put_live(live(at=T0 - 500, status=LiveStatus.DEAD, body=None))
    store.put_live(live(at=T0 - 400))
    store.put_live(live(at=T0 - 300, status=LiveStatus.DEAD, body=None))
    store.put_live(live(at=T0 - 200, status=LiveStatus.ERROR, body=None))
    store.put_live(live(at=T0 - 100, status=LiveStatus.DEAD, body=None))
    assert store.failure_times(url) == [T0 - 300, T0 - 100]


def test_url_table_tracks_last_status(store):
    store.put_live(live(at=T0 - 10))
    store.put_live(live(at=T0, status=LiveStatus.DEAD, body=None))
    row = store.db.table("urls").get("https://example.org/a")
    assert row["host"] == "example.org" and row["last_status"] == "dead"


def test_put_live_many_is_one_transaction_equal_to_single_puts(tmp_path, clock):
    results = [
        live(url="https://example.org/a", at=T0 - 60),
        live(url="https://example.org/b", status=LiveStatus.DEAD, status_code=404, body=None),
        live(url="https://example.org/a", at=T0 - 30, body=b"<p>again</p>",
             redirects=(Redirect("https://example.org/old", 301),)),
    ]
    one, many = Store(tmp_path / "one.db", clock=clock), Store(tmp_path / "many.db", clock=clock)
    for result in results:
        one.put_live(result, run_id=None)
    changes = many.db.conn.total_changes
    last = many.put_live_many(results)
    assert last == 3
    assert many.put_live_many([]) == 0
    for table in ("checks", "urls", "bodies"):
        assert list(many.db.table(table).rows) == list(one.db.table(table).rows), table
    assert many.db.conn.total_changes - changes == 3 + 3 + 2  # checks, url upserts, bodies
    got = many.get_live("https://example.org/a", 3600)
    assert got is not None and got.body == b"<p>again</p>" and got.redirects


# ---------------------------------------------------------- archive cache


def test_lookup_round_trip(store):
    snap = snapshot(body=b"<html>archived</html>")
    lookup = ArchiveLookup("https://example.org/a", LookupStatus.FOUND, snapshot=snap,
                           candidates=(snap,), checked_at=now_iso(T0))
    assert store.put_lookup(lookup, key="k1") is not None
    got = store.get_lookup("https://example.org/a", "k1", 3600)
    assert got is not None and got.from_cache and got.status is LookupStatus.FOUND
    assert got.snapshot.archive_url == snap.archive_url
    assert got.snapshot.body == b"<html>archived</html>"
    assert got.snapshot.distance_days == 1.5
    assert got.candidates[0].timestamp == "20180514120000"
    assert store.get_lookup("https://example.org/a", "other-key", 3600) is None


def test_lookup_none_is_cached_but_error_never(store):
    none = ArchiveLookup("https://example.org/n", LookupStatus.NONE, checked_at=now_iso(T0))
    error = ArchiveLookup("https://example.org/e", LookupStatus.ERROR, error="http-503",
                          checked_at=now_iso(T0))
    store.put_lookup(none, key="k")
    assert store.put_lookup(error, key="k") is None
    assert store.get_lookup("https://example.org/n", "k", 60).status is LookupStatus.NONE
    assert store.get_lookup("https://example.org/e", "k", 60) is None
    assert store.db.table("lookups").count == 1


def test_stale_lookup_is_not_served(store, clock):
    store.put_lookup(ArchiveLookup("u", LookupStatus.NONE, checked_at=now_iso(T0 - 100)), "k")
    assert store.get_lookup("u", "k", 50) is None


def test_snapshot_body_kept_forever(store):
    snap = snapshot(body=b"old text")
    store.put_snapshot_body(snap)
    assert store.get_snapshot_body(snap.archive_url) == b"old text"


# ---------------------------------------------------------------- evidence


@dataclass(frozen=True)
class Evidence:
    warc_file: str
    offset: int
    length: int
    url: str
    digest: str
    recorded_at: str


def test_save_evidence(store):
    run = store.start_run()
    store.save_evidence(Evidence("archive/run-1.warc.gz", 0, 812, "https://example.org/a",
                                 "sha1:X", "2026-01-01T00:00:00Z"), run)
    rows = store.evidence_for("https://example.org/a")
    assert rows[0]["warc_file"] == "archive/run-1.warc.gz" and rows[0]["length"] == 812
    assert rows[0]["run_id"] == run and rows[0]["time"] == "2026-01-01T00:00:00Z"


# ------------------------------------------------------------ runs, verdicts


def make_verdict(raw="MOFA, May 14", kind=VerdictKind.VERIFIED):
    citation = Citation(
        id="L3C10", source="MOFA", raw=raw, line=3, column=10, document="brief.txt",
        source_key="MOFA", date_as_written="May 14", date="2018-05-14",
        date_precision=DatePrecision.DAY, year_inferred=True, context="China said (MOFA, May 14).",
        quotes=("a quote",), url="https://example.org/a",
    )
    return Verdict(
        citation=citation, verdict=kind, reasons=("year-inferred",), explanation="ok",
        urls=("https://example.org/a",), live=replace(live(), body=None),
        snapshot=snapshot(), candidates=(Candidate("https://example.org/a", "hyperlink", 0.9),),
        quotes_found=("a quote",), evidence=("archive/x.warc.gz#0",),
    )


def test_verdict_json_round_trip():
    v = make_verdict()
    assert verdict_from_dict(v.to_dict()) == v


def test_run_round_trip(store):
    run = store.start_run({"fail_on": "fail"})
    doc_id = store.save_document(run, Document("brief.txt", "text", published="2018-06-04"), 1)
    v = make_verdict()
    store.save_verdict(run, v, document_id=doc_id)
    store.finish_run(run, {"verified": 1}, exit_code=0)
    stored = store.load_run()
    assert stored.run.id == run and stored.run.status == "finished"
    assert stored.run.summary == {"verified": 1} and stored.run.options == {"fail_on": "fail"}
    assert stored.documents[0]["published"] == "2018-06-04"
    assert stored.verdicts == (v,)
    with pytest.raises(RunError, match="no run with id 99"):
        store.load_run(99)


def test_a_date_range_and_a_locator_survive_the_database(store):
    v = make_verdict(raw="MOFA, May 14-15, p. 5")
    v = replace(v, citation=replace(v.citation, date_end="2018-05-15", locator="p. 5"))
    assert verdict_from_dict(v.to_dict()) == v
    run = store.start_run()
    store.save_verdict(run, v)
    assert store.load_run(run).verdicts == (v,)  # what `citecheck report` re-renders
    row = store.db.execute("select date, date_end, locator from citations").fetchone()
    assert row == ("2018-05-14", "2018-05-15", "p. 5")


def test_a_version_2_database_is_upgraded_in_place(tmp_path):
    from fixtures_store import old_database

    path = old_database(tmp_path / "old.db", 2)  # what citecheck 0.1 of 28 Nov created
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 3
        assert {"date_end", "locator"} <= {c.name for c in store.db["citations"].columns}
        assert store.db.execute("select source, locator from citations").fetchall() == [
            ("MOFA", None)]  # rows already there are kept


def test_verdicts_for_fingerprints_answers_what_verdict_for_fingerprint_answers(store):
    run = store.start_run()
    v = make_verdict()
    later = replace(v, explanation="decided again")
    store.save_verdict(run, v, fingerprint="sha1:a")
    store.save_verdict(run, later, fingerprint="sha1:a")
    store.save_verdict(run, replace(v, verdict=VerdictKind.DEAD), fingerprint="sha1:b")
    store.save_verdict(run, v)  # no fingerprint: never reused
    asked = ["sha1:a", "sha1:b", "sha1:none", "sha1:a"]
    many = store.verdicts_for_fingerprints(asked)
    assert many == {fp: store.verdict_for_fingerprint(fp) for fp in ("sha1:a", "sha1:b")}
    assert many["sha1:a"] == later
    assert store.verdicts_for_fingerprints([]) == {}


def test_save_documents_in_one_transaction_equal_to_single_saves(tmp_path, clock):
    docs = [(Document("a.md", "text a", published="2018-06-04", title="A"), 2),
            (Document("b.md", "text b", published_from="dateline"), 0)]
    one, many = Store(tmp_path / "one.db", clock=clock), Store(tmp_path / "many.db", clock=clock)
    run_one, run_many = one.start_run(), many.start_run()
    ids_one = [one.save_document(run_one, doc, n) for doc, n in docs]
    changes = many.db.conn.total_changes
    ids_many = many.save_documents(run_many, docs)
    assert ids_many == ids_one == [1, 2]
    assert many.db.conn.total_changes - changes == 2
    assert list(many.db.table("documents").rows) == list(one.db.table("documents").rows)
    assert many.save_documents(run_many, []) == []


def test_load_run_on_empty_db(store):
    with pytest.raises(RunError, match="no runs"):
        store.load_run()


def test_dead_process_runs_are_marked_interrupted(store):
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    runs = store.db.table("runs")
    runs.insert({"started_at": now_iso(), "status": "running",
                                   "host": __import__("socket").gethostname(),
                                   "pid": int(proc.stdout)})
    dead_id = runs.last_pk
    mine = store.start_run()
    assert store.db.table("runs").get(dead_id)["status"] == "interrupted"
    assert store.db.table("runs").get(mine)["status"] == "running"


def test_citation_keys_are_stable_and_distinguish_repeats():
    a = make_verdict().citation
    b = replace(a, id="L9C1", line=9)
    keys = citation_keys([a, b])
    assert keys["L3C10"] != keys["L9C1"]
    moved = replace(a, id="L4C10", line=4)  # an edit above moves it: same key
    assert citation_keys([moved])["L4C10"] == keys["L3C10"]


# ------------------------------------------------------------- concurrency


def test_two_writers_on_one_file_both_finish(tmp_path):
    path = tmp_path / "h.db"
    errors = []

    def writer(tag):
        try:
            s = Store(path)
            run = s.start_run({"tag": tag})
            for i in range(150):
                s.put_live(live(url=f"https://example.org/{tag}/{i}", body=f"{tag}{i}".encode()))
            s.finish_run(run, {})
            s.close()
        except Exception as exc:  # pragma: no cover - the assertion reports it
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    s = Store(path)
    assert s.db.table("checks").count == 300
    assert [r.status for r in s.runs()] == ["finished", "finished"]
    assert s.integrity_check() == "ok"


def test_shared_store_across_threads(store):
    def work(n):
        for i in range(50):
            store.put_live(live(url=f"https://example.org/t{n}/{i}"))
            store.get_live(f"https://example.org/t{n}/{i}", 3600)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.db.table("checks").count == 200
