"""The audit runner with the real extract stage and store, and fakes for the network stages."""

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from fixtures_store import FakeArchive, FakeWeb, fake_resolve, fake_verify, stages_for

from citecheck.errors import ExitCode, InputError
from citecheck.extract import extract_citations, read_document
from citecheck.models import (
    ArchiveLookup,
    LiveStatus,
    LookupStatus,
    Severity,
    Verdict,
    VerdictKind,
)
from citecheck.pipeline import (
    AuditOptions,
    Progress,
    ReportTargets,
    build_report,
    confirm_failure,
    count_spaced,
    exit_code_for,
    expand_inputs,
    parse_duration,
    run_audit,
    write_reports,
)
from citecheck.store import Store, now_iso


@pytest.fixture
def brief(fake_brief):
    return fake_brief


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "h.db")
    yield s
    s.close()


def kinds(result):
    return [v.verdict.value for v in result.verdicts]


def test_audit_end_to_end_with_fakes(brief, store):
    web = FakeWeb({"http://gov.test/a": LiveStatus.OK})
    result = run_audit([brief], store, AuditOptions(no_archive=True), stages=stages_for(web))
    assert kinds(result) == ["verified", "dead", "unresolved", "malformed"]
    assert result.exit_code == ExitCode.FINDINGS
    assert result.summary["by_verdict"]["dead"] == 1 and result.summary["urls"] == 2
    stored = store.load_run(result.run_id)
    assert stored.run.status == "finished" and stored.run.exit_code == 1
    assert [v.verdict for v in stored.verdicts] == [v.verdict for v in result.verdicts]
    assert store.db.table("checks").count == 2


def test_second_audit_reuses_fresh_successes_only(brief, store):
    web = FakeWeb({"http://gov.test/a": LiveStatus.OK})
    stages = stages_for(web)
    run_audit([brief], store, AuditOptions(no_archive=True), stages=stages)
    web.asked.clear()
    second = run_audit([brief], store, AuditOptions(no_archive=True), stages=stages)
    assert web.asked == ["http://gov.test/gone"]  # the failure is checked again
    assert second.stats["cache_hits"] == 1
    assert second.verdicts[0].live.from_cache
    web.asked.clear()
    run_audit([brief], store, AuditOptions(no_archive=True, max_age=0), stages=stages)
    assert sorted(web.asked) == ["http://gov.test/a", "http://gov.test/gone"]


def test_live_stage_is_asked_only_about_urls_not_fresh_in_the_cache(brief, store):
    web = FakeWeb({"http://gov.test/a": LiveStatus.OK, "http://gov.test/gone": LiveStatus.OK})
    asked: list[list[str]] = []

    def check_urls(urls, client, **kw):
        asked.append(list(urls))
        return web.check_urls(urls, client, **kw)

    stages = replace(stages_for(web), check_urls=check_urls)
    first = run_audit([brief], store, AuditOptions(no_archive=True), stages=stages)
    assert asked == [["http://gov.test/a", "http://gov.test/gone"]]
    second = run_audit([brief], store, AuditOptions(no_archive=True), stages=stages)
    assert len(asked) == 1  # every URL fresh in the cache: the live stage is not called
    assert second.stats["cache_hits"] == 2 and kinds(second) == kinds(first)
    assert all(v.live.from_cache for v in second.verdicts if v.live)
    web.statuses["http://gov.test/gone"] = LiveStatus.DEAD
    run_audit([brief], store, AuditOptions(no_archive=True, max_age=0), stages=stages)
    assert asked[-1] == ["http://gov.test/a", "http://gov.test/gone"]
    run_audit([brief], store, AuditOptions(no_archive=True), stages=stages)
    assert asked[-1] == ["http://gov.test/gone"]  # a failure is never served from the cache


_WARM_AUDIT = """
import json, sys
from citecheck.pipeline import AuditOptions, ReportTargets, build_report, run_audit, write_reports
from citecheck.store import Store

archive = sys.argv[4] if len(sys.argv) > 4 else None  # a Wayback root; none: --no-archive
options = AuditOptions(no_archive=archive is None, archive_dir=sys.argv[3],
                       **({"archive_url": archive} if archive else {}))
with Store(sys.argv[1]) as store:
    result = run_audit([sys.argv[2]], store, options)
    report = build_report(store, result.run_id, verdicts=result.verdicts)
write_reports(report, ReportTargets(report_dir=sys.argv[3]))
heavy = ("requests", "urllib3", "citecheck.http", "citecheck.runner", "citecheck.archive",
         "citecheck.archive.warcstore", "citecheck.archive.save", "warcio", "waybackpy",
         "trafilatura", "lxml.etree", "rapidfuzz")
print(json.dumps({"verdicts": [v.verdict.value for v in result.verdicts],
                  "snapshots": [v.snapshot.timestamp if v.snapshot else None
                                for v in result.verdicts],
                  "hits": result.stats["cache_hits"],
                  "loaded": [m for m in heavy if m in sys.modules]}))
"""


_CACHED_PAGE = (b"<html><head><title>MOFA</title></head><body><article><h1>Statement</h1>"
                b"<p>Officials said the partnership is strong, on 14 May 2018.</p>"
                b"</article></body></html>")


def _cached_brief(tmp_path):
    """A brief citing one page, and a database where its live check is fresh."""
    from citecheck.models import LiveResult
    from citecheck.store import now_iso

    brief = tmp_path / "brief.md"
    brief.write_text('4 June 2018\n\nOfficials said "the partnership is strong" '
                     "([MOFA, May 14](http://gov.test/a)).\n")
    db = tmp_path / "h.db"
    with Store(db) as store:
        store.put_live(LiveResult(
            "http://gov.test/a", LiveStatus.OK, 200, final_url="http://gov.test/a",
            content_type="text/html", checked_at=now_iso(), body=_CACHED_PAGE))
    return brief, db


def _audit_in_a_process(db, brief, out, *archive_url: str) -> dict:
    """One audit in a fresh interpreter: what it decided and which modules it loaded."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _WARM_AUDIT, str(db), str(brief), str(out),
                           *archive_url], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_warm_audit_served_from_the_cache_never_loads_the_http_stack(tmp_path):
    # the HTTP client, the live runner, the WARC writer and the content
    # extractors are imported when first needed (start-up time of a warm audit)
    brief, db = _cached_brief(tmp_path)
    first, second = (_audit_in_a_process(db, brief, tmp_path / "out") for _ in range(2))
    assert first["hits"] == second["hits"] == 1
    assert first["verdicts"] == second["verdicts"] and len(first["verdicts"]) == 1
    assert "trafilatura" in first["loaded"]  # decided from the cached page
    assert second["loaded"] == []  # the verdict reused: nothing but the cache and the report
    assert (tmp_path / "out" / "citecheck-run-2.html").exists()
    assert not list((tmp_path / "out").glob("*.warc.gz"))  # nothing fetched, no WARC file


def test_warm_audit_with_the_archive_on_never_loads_the_http_stack(tmp_path, simweb):
    # the archive is on (a loopback Wayback the user configured, so trusted
    # without --allow-private): the first audit asks it, the second finds every
    # lookup, snapshot and verdict in the cache and loads no HTTP nor WARC code
    root = simweb.host("wayback") + "/web"
    simweb.route("wayback", "/web/cdx", content_type="application/json", body=json.dumps([
        ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
        ["test,gov)/a", "20180514120000", "http://gov.test/a", "text/html", "200", "D", "9"],
    ]))
    simweb.route("wayback", "/web/20180514120000id_/http://gov.test/a", body=_CACHED_PAGE,
                 content_type="text/html")
    brief, db = _cached_brief(tmp_path)
    first = _audit_in_a_process(db, brief, tmp_path / "out", root)
    asked = len(simweb.hits("wayback"))
    second = _audit_in_a_process(db, brief, tmp_path / "out", root)
    assert asked == 2  # the CDX query and the snapshot: the loopback archive is trusted
    assert len(simweb.hits("wayback")) == asked  # the warm audit asks nothing
    assert first["snapshots"] == second["snapshots"] == ["20180514120000"]
    assert first["verdicts"] == second["verdicts"] and len(first["verdicts"]) == 1
    assert {"citecheck.http", "waybackpy", "warcio"} <= set(first["loaded"])
    # the archive client answers from the cache through the pool (citecheck.runner
    # without the live checker); no HTTP, CDX parsing nor WARC code is loaded
    assert second["loaded"] == ["citecheck.runner", "citecheck.archive"]


def test_interrupted_audit_keeps_checks_and_next_resumes(brief, store):
    web = FakeWeb({"http://gov.test/a": LiveStatus.OK})
    web.interrupt_after = 1
    with pytest.raises(KeyboardInterrupt):
        run_audit([brief], store, AuditOptions(no_archive=True), stages=stages_for(web))
    assert store.runs()[0].status == "interrupted"
    assert store.db.table("checks").count == 1  # the finished check survived
    web.interrupt_after = None
    web.asked.clear()
    result = run_audit([brief], store, AuditOptions(no_archive=True), stages=stages_for(web))
    assert web.asked == ["http://gov.test/gone"]
    assert kinds(result) == ["verified", "dead", "unresolved", "malformed"]


def test_archive_lookups_and_snapshot_bodies_are_cached(brief, store):
    web = FakeWeb({"http://gov.test/a": LiveStatus.OK})
    archive = FakeArchive()
    result = run_audit([brief], store, AuditOptions(), stages=stages_for(web, archive))
    assert kinds(result)[:2] == ["verified", "rescued"]
    assert ("http://gov.test/gone", "2018-04-02", "2018-06-04") in archive.asked
    snap = result.verdicts[1].snapshot
    assert snap.body is None  # bodies are dropped once decided
    assert store.get_snapshot_body(snap.archive_url) == b"<p>archived</p>"
    archive.fetch_snapshot = lambda snap: pytest.fail("snapshot body should come from the store")
    again = run_audit([brief], store, AuditOptions(), stages=stages_for(web, archive))
    assert kinds(again)[:2] == ["verified", "rescued"]


def test_offline_skips_archive_and_never_says_dead(brief, store):
    web = FakeWeb({})
    web.offline = True
    archive = FakeArchive()
    result = run_audit([brief], store, AuditOptions(), stages=stages_for(web, archive))
    assert result.offline and archive.asked == []
    assert "dead" not in kinds(result)
    assert result.verdicts[1].reasons[0] == "offline"


def test_confirm_after_holds_back_dead_until_seen_in_n_runs(brief, tmp_path):
    clock = [1_800_000_000.0]
    store = Store(tmp_path / "c.db", clock=lambda: clock[0])
    web = FakeWeb({"http://gov.test/a": LiveStatus.OK})
    options = AuditOptions(no_archive=True, confirm_after=2, confirm_interval=86400)

    def audit_at(t):
        clock[0] = t
        return run_audit([brief], store, options, stages=stages_for(_Timed(web, now_iso(t))))

    first = audit_at(1_800_000_000)
    assert first.verdicts[1].verdict is VerdictKind.INCONCLUSIVE
    assert first.verdicts[1].reasons[0] == "unconfirmed-failure"
    assert "1 of the 2" in first.verdicts[1].explanation
    assert first.exit_code == ExitCode.FINDINGS  # the malformed citation still fails
    soon = audit_at(1_800_000_000 + 3600)  # a second failure, but too soon to count
    assert soon.verdicts[1].verdict is VerdictKind.INCONCLUSIVE
    later = audit_at(1_800_000_000 + 2 * 86400)
    assert later.verdicts[1].verdict is VerdictKind.DEAD
    changes = store.history()
    assert [c.kind for c in changes] == ["newly-dead"]
    assert changes[0].previous == "inconclusive" and changes[0].url == "http://gov.test/gone"
    store.close()


class _Timed:
    """FakeWeb whose results carry a given check time."""

    def __init__(self, web, checked_at):
        self.web, self.checked_at, self.offline = web, checked_at, web.offline

    def check_urls(self, urls, client, **kw):
        cache = kw.get("cache")

        class Stamp:
            def get_live(s, url, max_age_seconds=None):
                return cache.get_live(url, max_age_seconds)

            def put_live(s, result):
                cache.put_live(replace(result, checked_at=self.checked_at))

        kw["cache"] = Stamp()
        return self.web.check_urls(urls, client, **kw)


def test_history_reports_recovered_and_newly_rescued(brief, store):
    web = FakeWeb({"http://gov.test/a": LiveStatus.OK})
    run_audit([brief], store, AuditOptions(no_archive=True), stages=stages_for(web))
    web.statuses["http://gov.test/gone"] = LiveStatus.OK
    run_audit([brief], store, AuditOptions(no_archive=True), stages=stages_for(web))
    assert [(c.kind, c.source) for c in store.history()] == [("recovered", "Kremlin")]
    assert store.history("MOFA") == []
    assert [c.kind for c in store.history("http://gov.test/gone")] == ["recovered"]


def test_reports_rendered_from_the_database(brief, store, tmp_path):
    web = FakeWeb({"http://gov.test/a": LiveStatus.OK})
    result = run_audit([brief], store, AuditOptions(no_archive=True), stages=stages_for(web))
    report = build_report(store, result.run_id)
    out = io.StringIO()
    written = write_reports(
        report, ReportTargets(json="-", junit=str(tmp_path / "j.xml"),
                              report_dir=str(tmp_path / "reports")), stdout=out,
    )
    data = json.loads(out.getvalue())
    assert set(data) >= {"run", "documents", "citations", "summary"}
    assert [c["verdict"] for c in data["citations"]] == kinds(result)
    assert data["documents"][0]["published"] == "2018-06-04"
    assert any(p.endswith(f"citecheck-run-{result.run_id}.html") for p in written)
    assert "<testsuite" in (tmp_path / "j.xml").read_text()


# ------------------------------------------------------------------ pieces


def test_expand_inputs_walks_folders(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text("x")
    (tmp_path / "a" / "deep").mkdir()
    (tmp_path / "a" / "deep" / "two.HTML").write_text("x")
    (tmp_path / "a" / "skip.png").write_text("x")
    (tmp_path / "a" / "three.pdf").write_text("x")  # .docx and .pdf briefs too (issue 11)
    (tmp_path / "a" / ".hidden").mkdir()
    (tmp_path / "a" / ".hidden" / "no.md").write_text("x")
    got = expand_inputs([str(tmp_path / "a"), "-", "https://x.test/b"])
    assert got == [str(tmp_path / "a" / "deep" / "two.HTML"), str(tmp_path / "a" / "one.txt"),
                   str(tmp_path / "a" / "three.pdf"), "-", "https://x.test/b"]
    with pytest.raises(InputError, match="no such file"):
        expand_inputs([str(tmp_path / "missing.txt")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no .txt"):
        expand_inputs([str(tmp_path / "empty")])


def test_expand_inputs_names_each_document_once(tmp_path, monkeypatch):
    # F17: "h.md" and "./h.md" (or a folder and a file in it) were audited twice
    monkeypatch.chdir(tmp_path)
    (tmp_path / "h.md").write_text("x")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "one.txt").write_text("x")
    got = expand_inputs(["h.md", "h.md", "./h.md", str(tmp_path / "h.md"), "d", "d/one.txt",
                         "./d/../d/one.txt"])
    assert got == ["h.md", str(Path("d") / "one.txt")]


@pytest.mark.parametrize("text, seconds", [
    ("0", 0), ("90", 90), ("90s", 90), ("30m", 1800), ("24h", 86400), ("7d", 604800),
    ("2w", 1209600), ("1.5h", 5400), (" 10 min ", 600),
])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "-1h", "3y"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_count_spaced():
    day = 86400
    assert count_spaced([], day) == 0
    assert count_spaced([0, 10, day, day + 5, 3 * day], day) == 3
    assert count_spaced([5, 1, 3], 0) == 3


def test_confirm_failure_leaves_other_verdicts_alone(brief):
    doc = read_document(brief)
    c = extract_citations(doc)[0]
    ok = Verdict(c, VerdictKind.VERIFIED)
    assert confirm_failure(ok, [1.0], needed=3, interval=0) is ok
    dead = Verdict(c, VerdictKind.DEAD, reasons=("http-404",))
    assert confirm_failure(dead, [1.0, 2.0], needed=2, interval=0) is dead
    held = confirm_failure(dead, [1.0], needed=2, interval=0)
    assert held.verdict is VerdictKind.INCONCLUSIVE
    assert held.reasons == ("unconfirmed-failure", "http-404")


@pytest.mark.parametrize("verdicts, fail_on, code", [
    ([], Severity.FAIL, 0),
    ([VerdictKind.VERIFIED, VerdictKind.RESCUED], Severity.FAIL, 0),
    ([VerdictKind.RESCUED], Severity.WARN, 1),
    ([VerdictKind.INCONCLUSIVE], Severity.FAIL, 0),
    ([VerdictKind.MISMATCH], Severity.FAIL, 1),
    ([VerdictKind.MALFORMED], Severity.WARN, 1),
])
def test_exit_code_for(brief, verdicts, fail_on, code):
    c = extract_citations(read_document(brief))[0]
    assert exit_code_for([Verdict(c, k) for k in verdicts], fail_on) == code


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_progress_line_and_time_left():
    stream = io.StringIO()
    clock = FakeClock()
    p = Progress(stream, enabled=True, tty=False, clock=clock, interval=0)
    p.stage("documents", 2)
    p.advance("documents", 2)
    p.stage("URLs", 10)
    clock.t = 4.0
    p.advance("URLs", 4)
    assert p.line() == "documents 2/2 · URLs 4/10 · ~6s left"
    assert "URLs 4/10" in stream.getvalue()


def test_progress_disabled_is_silent():
    stream = io.StringIO()
    p = Progress(stream, enabled=False, tty=True)
    p.stage("URLs", 3)
    p.advance("URLs")
    p.note("hello")
    p.close()
    assert stream.getvalue() == ""


def test_progress_on_a_tty_redraws_one_line():
    stream = io.StringIO()
    p = Progress(stream, enabled=True, tty=True, interval=0)
    p.stage("URLs", 2)
    p.advance("URLs")
    p.close()
    assert stream.getvalue().count("\n") == 1 and "\r" in stream.getvalue()


def counting_stages():
    """Fake stages with one live page, and the list of citations they verify."""
    web = FakeWeb({"http://gov.test/a": LiveStatus.OK})
    calls: list[str] = []

    def counting_verify(citation, *args, **kw):
        calls.append(citation.raw)
        return fake_verify(citation, *args, **kw)

    return replace(stages_for(web), verify_citation=counting_verify), calls


def test_warm_audit_reuses_verdicts_decided_from_the_same_inputs(brief, store, tmp_path):
    stages, calls = counting_stages()
    first = run_audit([brief], store, AuditOptions(no_archive=True), stages=stages)
    assert len(calls) == 4
    calls.clear()
    second = run_audit([brief], store, AuditOptions(no_archive=True), stages=stages)
    assert "MOFA, May 14" not in calls  # cached live result: the verdict is reused
    assert "April 2 2018" in " ".join(calls)  # the dead URL was checked again: verified anew
    assert kinds(second) == kinds(first)
    assert second.verdicts[0].live.from_cache
    calls.clear()
    edited = tmp_path / "edited.md"  # another document: another citation record
    edited.write_text(open(brief).read().replace("China announced", "China said"))
    run_audit([str(edited)], store, AuditOptions(no_archive=True), stages=stages)
    assert "MOFA, May 14" in calls


def test_warm_audit_decides_again_when_a_threshold_changes(brief, store, monkeypatch):
    # CITECHECK_DATE_TOLERANCE_DAYS and the other thresholds decide verdicts:
    # a verdict decided under other thresholds is not reused
    stages, calls = counting_stages()
    run_audit([brief], store, AuditOptions(no_archive=True), stages=stages)
    calls.clear()
    monkeypatch.setenv("CITECHECK_DATE_TOLERANCE_DAYS", "0")
    run_audit([brief], store, AuditOptions(no_archive=True), stages=stages)
    assert "MOFA, May 14" in calls
    calls.clear()
    run_audit([brief], store, AuditOptions(no_archive=True), stages=stages)
    assert "MOFA, May 14" not in calls  # same thresholds again: reused


def test_a_bad_threshold_is_an_input_error_before_the_run(brief, store, monkeypatch):
    monkeypatch.setenv("CITECHECK_DATE_TOLERANCE_DAYS", "abc")
    web = FakeWeb({"http://gov.test/a": LiveStatus.OK})
    with pytest.raises(InputError, match="CITECHECK_DATE_TOLERANCE_DAYS"):
        run_audit([brief], store, AuditOptions(no_archive=True), stages=stages_for(web))
    assert store.db.execute("select count(*) from runs").fetchone()[0] == 0


def test_save_missing_asks_for_live_sources_never_archived(brief, store):
    web = FakeWeb({"http://gov.test/a": LiveStatus.OK})
    archive = FakeArchive()
    archive.lookup = lambda url, cited_date=None, published=None, window_days=365: ArchiveLookup(
        url, LookupStatus.NONE)
    asked = []

    def save_page(url, http):
        asked.append(url)
        return type("Saved", (), {"ok": True})()

    stages = replace(stages_for(web, archive), save_page=save_page)
    result = run_audit([brief], store, AuditOptions(save_missing=True), stages=stages)
    assert asked == ["http://gov.test/a"]  # live and never captured; the dead one is not
    assert result.stats["saved"] == 1
    asked.clear()
    run_audit([brief], store, AuditOptions(), stages=stages)
    assert asked == []  # only on request


def test_a_stage_bug_on_one_citation_does_not_lose_the_run(brief, store):
    web = FakeWeb({"http://gov.test/a": LiveStatus.OK})

    def broken_verify(citation, *args, **kw):
        if citation.source == "Kremlin":
            raise ValueError("boom")
        return fake_verify(citation, *args, **kw)

    def broken_resolve(citation, registry, archive=None):
        if citation.raw == "SIPRI, 2017":
            raise RuntimeError("bad index")
        return fake_resolve(citation, registry, archive)

    stages = replace(stages_for(web), verify_citation=broken_verify, resolve=broken_resolve)
    result = run_audit([brief], store, AuditOptions(no_archive=True), stages=stages)
    assert kinds(result) == ["verified", "inconclusive", "inconclusive", "malformed"]
    assert result.verdicts[1].reasons == ("internal-error",)
    assert "ValueError: boom" in result.verdicts[1].explanation
    assert "internal-error" in result.verdicts[2].reasons
    assert store.runs()[0].status == "finished"


def test_report_from_verdicts_in_hand_equals_report_from_the_database(brief, store):
    web = FakeWeb({"http://gov.test/a": LiveStatus.OK})
    result = run_audit([brief], store, AuditOptions(no_archive=True), stages=stages_for(web))
    in_hand = build_report(store, result.run_id, verdicts=result.verdicts)
    from_db = build_report(store, result.run_id)
    assert in_hand == from_db


def test_live_cache_counts_hits_from_many_threads():
    # get_live is called from the runner's worker threads: no lost increments
    import sys
    import threading

    from citecheck.pipeline import LiveCache

    class Hit:
        def get_live(self, url, max_age, with_body=False):
            return object()

    cache = LiveCache(Hit(), run_id=1, max_age_seconds=60)  # type: ignore[arg-type]
    per_thread, threads = 20000, 8
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        workers = [threading.Thread(target=lambda: [cache.get_live("u") for _ in range(per_thread)])
                   for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    finally:
        sys.setswitchinterval(old)
    assert cache.hits == per_thread * threads


def test_an_unresolved_citation_is_never_checked(brief, store):
    # a discovery candidate that resolve rejected (origin "candidate") is listed
    # for the reader but neither fetched live nor looked up in the archive
    from citecheck.models import Candidate

    def resolve(citation, registry, archive=None):
        if citation.url:
            return [Candidate(citation.url, "hyperlink")]
        return [] if citation.malformed else [Candidate("http://guess.test/maybe", "candidate")]

    web = FakeWeb({"http://gov.test/a": LiveStatus.OK})
    archive = FakeArchive()
    stages = replace(stages_for(web, archive), resolve=resolve)
    run_audit([brief], store, AuditOptions(), stages=stages)
    assert "http://guess.test/maybe" not in web.asked
    assert web.asked  # the hyperlinked citations were checked
    assert all(url != "http://guess.test/maybe" for url, *_ in archive.asked)
