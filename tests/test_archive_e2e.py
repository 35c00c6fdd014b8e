"""End to end: `citecheck audit` rescues a dead source from a real pywb, with WARC evidence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_pywb import html_capture

pytestmark = pytest.mark.slow

BRIEF = """4 June 2018

Moscow and Beijing announced the joint exercise "Peace Mission 2018" (Russian MOD, May 14).
"""


def citecheck(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "citecheck"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_audit_rescues_dead_source_from_pywb_with_evidence(tmp_path, simweb, pywb_factory):
    dead = simweb.route("mod", "/en/news/2018-05-14.html", status=404, body="<h1>Not Found</h1>")
    host = dead.split("/")[2]  # 127.0.0.x:PORT
    world = pywb_factory([
        html_capture(dead, "20180514100000",
                     'Moscow and Beijing announced the joint exercise "Peace Mission 2018".',
                     title="Joint exercise announced"),
    ], name="e2e")
    (tmp_path / "citations.yaml").write_text(
        f"sources:\n  Russian MOD:\n    name: Ministry of Defence\n    domains: ['{host}']\n",
        encoding="utf-8")
    (tmp_path / "brief.txt").write_text(BRIEF, encoding="utf-8")
    done = citecheck("audit", "brief.txt", "--config", "citations.yaml", "--db", "h.db",
                     "--archive-url", world.root, "--allow-private", "--json", "-", "-q",
                     cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    data = json.loads(done.stdout)
    (cit,) = data["citations"]
    assert cit["verdict"] == "rescued", cit
    assert cit["live"]["status"] == "dead"
    assert cit["snapshot"]["timestamp"] == "20180514100000"
    assert cit["evidence"], "the report entry links to local evidence"
    warcs = list((tmp_path / "archive").glob("*.warc.gz"))
    assert len(warcs) == 1
    check = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", str(warcs[0])],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    listed = citecheck("archive", "list", "--db", "h.db", cwd=tmp_path)
    assert dead in listed.stdout and "20180514100000id_" in listed.stdout
    shown = citecheck("archive", "show", dead, "--body", "--db", "h.db", cwd=tmp_path)
    assert shown.returncode == 0 and "Peace Mission 2018" in shown.stdout


def test_audit_with_a_missing_pywb_collection_says_so_not_no_snapshot(
    tmp_path, simweb, pywb_archive
):
    """A misspelled collection must not turn "could not ask" into "no snapshot"."""
    dead = simweb.route("mod", "/en/news/2018-05-14.html", status=404, body="<h1>Not Found</h1>")
    host = dead.split("/")[2]
    (tmp_path / "citations.yaml").write_text(
        f"sources:\n  Russian MOD:\n    name: Ministry of Defence\n    domains: ['{host}']\n"
        f"pins:\n  - source: Russian MOD\n    date: 2018-05-14\n    url: {dead}\n",
        encoding="utf-8")
    (tmp_path / "brief.txt").write_text(BRIEF, encoding="utf-8")
    wrong = f"http://127.0.0.1:{pywb_archive.port}/wrongcoll"
    args = ("audit", "brief.txt", "--config", "citations.yaml", "--db", "h.db",
            "--allow-private", "--json", "-", "-q")
    for _run in range(2):  # nothing cached as "no snapshot" for the second run
        done = citecheck(*args, "--archive-url", wrong, cwd=tmp_path)
        assert done.returncode == 1, done.stderr  # the live page is dead
        (cit,) = json.loads(done.stdout)["citations"]
        assert cit["live"]["status"] == "dead" and cit["snapshot"] is None
        assert cit["verdict"] == "dead" and cit["reasons"] == ["http-404", "archive-error"], cit
        assert "pywb collection 'wrongcoll' not found" in cit["explanation"], cit
        assert "an archived copy may still exist" in cit["explanation"], cit
    done = citecheck(*args, "--archive-url", pywb_archive.root, cwd=tmp_path)
    (cit,) = json.loads(done.stdout)["citations"]
    # the right collection has no capture of it: that one is a fact
    assert cit["verdict"] == "dead" and cit["reasons"] == ["http-404", "no-snapshot"], cit
