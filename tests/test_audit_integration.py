"""The installed ``citecheck audit`` against a simulated web and a real pywb on 127.0.0.1.

Covers the whole pipeline end to end, the cache on a second run, two audits on
one database at once, and an audit killed with SIGKILL mid-run then resumed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixtures_pywb import html_capture
from fixtures_simweb import delay

pytestmark = pytest.mark.slow

ARTICLE = """<!doctype html><html><head><title>{title}</title>
<meta property="article:published_time" content="{date}">
</head><body><article><h1>{title}</h1><p>Published {date}.</p>
<p>{text}</p><p>{filler}</p></article></body></html>"""
FILLER = ("The ministry spokesperson answered questions from journalists about regional "
          "security, trade and the schedule of upcoming visits. ") * 6


def article(title: str, date: str, text: str) -> str:
    return ARTICLE.format(title=title, date=date, text=text, filler=FILLER)


def citecheck_bin() -> str:
    found = Path(sys.executable).with_name("citecheck")
    return str(found) if found.exists() else (shutil.which("citecheck") or "citecheck")


@pytest.fixture(scope="module")
def world(simweb_session, pywb_factory, tmp_path_factory):
    """Publisher pages on a loopback host, captures in pywb, and a brief citing them."""
    web = simweb_session
    base = web.host("auditpub")
    web.route("auditpub", "/ok", body=article(
        "Partnership statement", "2018-05-14", "Officials said the partnership is strong."))
    web.route("auditpub", "/gone", status=404, body="<h1>Not Found</h1>")
    web.route("auditpub", "/never", status=410, body="<h1>Gone</h1>")
    web.route("auditpub", "/boom", status=503, body="down")
    captures = [
        html_capture(f"{base}/gone", "20180403101500", article(
            "Joint exercise announced", "2018-04-02", "The joint exercise will begin in May.")),
        html_capture(f"{base}/ok", "20180515000000", article(
            "Partnership statement", "2018-05-14", "Officials said the partnership is strong.")),
    ]
    pywb = pywb_factory(captures, name="audit")
    brief = tmp_path_factory.mktemp("audit-brief") / "brief.md"
    brief.write_text(
        "4 June 2018\n\n"
        f'Officials said "the partnership is strong" ([Gov, May 14]({base}/ok)).\n\n'
        f"An exercise was announced ([Gov, April 2]({base}/gone)).\n\n"
        f"A page that was never archived ([Gov, March 3]({base}/never)).\n\n"
        f"A server that is down ([Gov, March 5]({base}/boom)).\n",
        encoding="utf-8",
    )
    return {"web": web, "base": base, "pywb": pywb, "brief": str(brief)}


def audit_cmd(world, tmp: Path, *extra: str) -> list[str]:
    return [
        citecheck_bin(), "audit", *extra, "--db", str(tmp / "h.db"),
        "--archive-url", world["pywb"].root, "--archive-dir", str(tmp / "archive"),
        "--report-dir", str(tmp / "reports"), "--allow-private", "--timeout", "5",
        "--archive-rate", "50",
    ]


def run(cmd: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "NO_PROXY": "*", "no_proxy": "*"})


def verdicts(path: Path) -> list[tuple[str, str]]:
    data = json.loads(path.read_text())
    return [(c["url"].rsplit("/", 1)[-1], c["verdict"]) for c in data["citations"]]


def test_audit_end_to_end_then_warm_cache(world, tmp_path):
    first = run(audit_cmd(world, tmp_path, world["brief"], "--json", str(tmp_path / "a.json")),
                tmp_path)
    assert first.returncode == 1, first.stderr  # one dead source
    assert verdicts(tmp_path / "a.json") == [
        ("ok", "verified"), ("gone", "rescued"), ("never", "dead"), ("boom", "inconclusive")]
    data = json.loads((tmp_path / "a.json").read_text())
    rescued = data["citations"][1]
    assert rescued["snapshot"]["timestamp"] == "20180403101500"
    assert rescued["evidence"], "a rescued citation points at its local evidence"
    assert "wrote" in first.stderr and (tmp_path / "reports" / "citecheck-run-1.html").exists()
    warcs = list((tmp_path / "archive").glob("*.warc.gz"))
    assert len(warcs) == 1
    db = sqlite3.connect(tmp_path / "h.db")
    kinds = dict(db.execute("select kind, count(*) from evidence group by kind").fetchall())
    assert kinds.get("live", 0) >= 4 and kinds.get("snapshot", 0) >= 1

    hits_before = len(world["web"].hits("auditpub", "/ok"))
    second = run(audit_cmd(world, tmp_path, world["brief"], "--json", str(tmp_path / "b.json")),
                 tmp_path)
    assert second.returncode == 1, second.stderr
    assert verdicts(tmp_path / "b.json") == verdicts(tmp_path / "a.json")
    assert len(world["web"].hits("auditpub", "/ok")) == hits_before  # served from the cache
    assert len(world["web"].hits("auditpub", "/never")) >= 2  # failures are asked again
    out = run([citecheck_bin(), "report", "--db", str(tmp_path / "h.db"), "--run", "1"], tmp_path)
    assert out.returncode == 1  # the run's dead source, as the audit said
    assert [c["verdict"] for c in json.loads(out.stdout)["citations"]][:2] == [
        "verified", "rescued"]


def test_evidence_that_cannot_be_written_fails_the_run_in_one_line(world, tmp_path):
    # was every citation "inconclusive" (internal-error) and exit 0, or a traceback
    # from the archive stage
    (tmp_path / "file").write_text("not a folder")
    out = run([*audit_cmd(world, tmp_path, world["brief"]), "--archive-dir",
               str(tmp_path / "file" / "evidence")], tmp_path)
    assert out.returncode == 3, out.stderr
    assert out.stderr.strip().splitlines() == [
        f"Error: {tmp_path / 'file' / 'evidence'}: cannot write the evidence: Not a directory"]
    db = sqlite3.connect(tmp_path / "h.db")
    assert db.execute("select status from runs").fetchall() == [("failed",)]


def test_two_audits_on_one_database_both_finish(world, tmp_path):
    cmds = [audit_cmd(world, tmp_path, world["brief"], "-q", "--max-age", "0", "--json",
                      str(tmp_path / f"{i}.json")) for i in range(2)]
    env = {**os.environ, "NO_PROXY": "*", "no_proxy": "*"}
    procs = [subprocess.Popen(c, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for c in cmds]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [1, 1], outs
    assert verdicts(tmp_path / "0.json") == verdicts(tmp_path / "1.json")
    db = sqlite3.connect(tmp_path / "h.db")
    assert db.execute("select status, count(*) from runs group by status").fetchall() == [
        ("finished", 2)]
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.fixture(scope="module")
def slow_world(simweb_session, tmp_path_factory):
    """Twenty-four slow pages, so that an audit can be killed while it checks them."""
    web = simweb_session
    base = web.host("slowpub")
    lines = ["4 June 2018", ""]
    for i in range(24):
        status = 404 if i % 5 == 0 else 200
        body = article(f"Item {i}", "2018-05-14", f"Statement number {i}.")
        web.route("slowpub", f"/p{i}", handler=delay(0.1, status=status, body=body,
                                                      headers={"Content-Type": "text/html"}))
        lines += [f"Statement {i} ([Gov, May 14]({base}/p{i})).", ""]
    brief = tmp_path_factory.mktemp("slow-brief") / "slow.md"
    brief.write_text("\n".join(lines), encoding="utf-8")
    return str(brief)


def test_sigkill_mid_run_then_resume_matches_uninterrupted(world, slow_world, tmp_path):
    args = ["--no-archive", "--per-host", "1", "-q"]
    killed_dir, clean_dir = tmp_path / "killed", tmp_path / "clean"
    killed_dir.mkdir()
    clean_dir.mkdir()
    env = {**os.environ, "NO_PROXY": "*", "no_proxy": "*"}
    proc = subprocess.Popen(audit_cmd(world, killed_dir, slow_world, *args), cwd=killed_dir,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db_path = killed_dir / "h.db"
    deadline = time.monotonic() + 60
    done = 0
    while time.monotonic() < deadline:  # wait until some checks are committed
        if db_path.exists():
            try:
                con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
                done = con.execute("select count(*) from checks").fetchone()[0]
                con.close()
            except sqlite3.OperationalError:
                done = 0
        if done >= 6:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert 6 <= done < 24, f"killed after {done} checks"

    resumed = run(audit_cmd(world, killed_dir, slow_world, *args, "--json",
                            str(killed_dir / "r.json")), killed_dir)
    clean = run(audit_cmd(world, clean_dir, slow_world, *args, "--json",
                          str(clean_dir / "r.json")), clean_dir)
    assert resumed.returncode == clean.returncode == 1, (resumed.stderr, clean.stderr)
    assert verdicts(killed_dir / "r.json") == verdicts(clean_dir / "r.json")
    db = sqlite3.connect(db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    statuses = [r[0] for r in db.execute("select status from runs order by id")]
    assert statuses == ["interrupted", "finished"]
    # the resumed run reused what the killed one had committed
    reused = json.loads((killed_dir / "r.json").read_text())["citations"]
    assert sum(1 for c in reused if c["live"] and c["live"]["from_cache"]) >= 1


def test_sigterm_while_archive_lookups_overlap_live_checks_keeps_both(world, slow_world,
                                                                      tmp_path):
    # issue 13 (2): the archive lookups start while the live checks still run;
    # SIGTERM then stops both, exit 143, and every finished check and lookup is kept
    env = {**os.environ, "NO_PROXY": "*", "no_proxy": "*"}
    proc = subprocess.Popen(audit_cmd(world, tmp_path, slow_world, "--per-host", "1", "-q"),
                            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    db_path = tmp_path / "h.db"
    deadline = time.monotonic() + 60
    checks = lookups = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if db_path.exists():
            try:
                con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
                checks = con.execute("select count(*) from checks").fetchone()[0]
                lookups = con.execute("select count(*) from lookups").fetchone()[0]
                con.close()
            except sqlite3.OperationalError:
                checks = lookups = 0
        if lookups >= 1:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=30)
    assert 1 <= checks < 24 and lookups >= 1, (checks, lookups)  # overlapped
    assert proc.returncode == 143, err
    assert err.startswith("Error: interrupted"), err
    assert "Traceback" not in err
    db = sqlite3.connect(db_path)
    assert db.execute("select status, exit_code from runs").fetchall() == [("interrupted", 143)]
    assert db.execute("select count(*) from checks").fetchone()[0] >= checks
    assert db.execute("select count(*) from lookups").fetchone()[0] >= lookups
