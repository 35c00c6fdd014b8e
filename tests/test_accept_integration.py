"""End to end: accepted findings in the simulated world.

The world's brief is audited against loopback publishers and a real pywb
(exit 1: dead, mismatched and malformed citations); ``citecheck accept
--run 1`` writes the baseline; the same audit then exits 0 and every report
shows those findings as accepted; a new dead citation added to the brief
makes it exit 1 again, and only the new one is news.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_world import PUBLISHED, TIMEOUT

pytestmark = pytest.mark.slow


def citecheck() -> str:
    exe = Path(sys.executable).parent / "citecheck"
    return str(exe) if exe.exists() else (shutil.which("citecheck") or "citecheck")


def run(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([citecheck(), *args], capture_output=True, text=True, timeout=240,
                          cwd=work, env={"PATH": str(Path(sys.executable).parent),
                                         "HOME": str(work), "NO_PROXY": "*"})


def audit(world, work: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run(work, "audit", "brief.md", "--config", str(world.registry), "--published",
               PUBLISHED, "--db", "c.db", "--archive-url", world.archive.root,
               "--allow-private", "--timeout", str(TIMEOUT), "--max-age", "0",
               "--report-dir", "reports", "--json", "-", "-q", *extra)


def test_accepted_findings_pass_until_a_new_one(citecheck_world, tmp_path):
    work = tmp_path
    shutil.copy(citecheck_world.brief, work / "brief.md")
    first = audit(citecheck_world, work)
    assert first.returncode == 1, first.stderr[-2000:]
    fails = {(c["source"], c["date_as_written"]) for c in json.loads(first.stdout)["citations"]
             if c["severity"] == "fail"}
    assert len(fails) >= 5

    baseline = run(work, "accept", "--run", "1", "--db", "c.db", "--by", "QA",
                   "--why", "reviewed in the weekly meeting")
    assert baseline.returncode == 0, baseline.stderr
    assert f"wrote {len(fails)} accepted finding(s) of run 1" in baseline.stdout
    assert (work / "citecheck-accept.yaml").exists()

    second = audit(citecheck_world, work, "--markdown", "summary.md", "--junit", "junit.xml",
                   "--html", "report.html")
    assert second.returncode == 0, second.stderr[-2000:]
    data = json.loads(second.stdout)
    for c in data["citations"]:
        if c["severity"] == "fail":
            assert c["accepted"] is not None, c["source"]
            assert c["accepted"]["by"] == "QA"
    assert data["summary"]["accepted"] == len(fails)
    assert (work / "summary.md").read_text().count("(accepted)") == len(fails)
    assert "<failure" not in (work / "junit.xml").read_text()
    assert (work / "report.html").read_text().count('class="flag accepted"') == len(fails)
    # report re-renders the run from the database with the same judgement
    assert run(work, "report", "--db", "c.db", "--json", "-").returncode == 0

    # news: a new citation of a dead page
    mofa = next(c for c in data["citations"] if c["source"] == "MOFA")
    with (work / "brief.md").open("a", encoding="utf-8") as fh:
        fh.write(f"\nChina restated its position ([MOFA, May 20]({mofa['url']})).\n")
    third = audit(citecheck_world, work)
    assert third.returncode == 1, third.stderr[-2000:]
    news = [c for c in json.loads(third.stdout)["citations"]
            if c["severity"] == "fail" and c["accepted"] is None]
    assert [(c["source"], c["date_as_written"]) for c in news] == [("MOFA", "May 20")]
