"""``citecheck demo`` (issue 15, item 7): the real command, offline, on its simulated web.

It must show all seven verdicts in its report, say where the report is, and
leave no process behind, also when it is interrupted (its time, under 30 s,
is measured by ``bench/bench_demo.py``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from citecheck.cli import cli
from citecheck.demo import EXPECTED
from citecheck.store import Store

VERDICTS = {"verified", "rescued", "mismatch", "dead", "unresolved", "inconclusive", "malformed"}


def _demo(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    env = {"PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
           "HOME": str(cwd), "NO_PROXY": "*", "no_proxy": "*"}
    return subprocess.Popen([sys.executable, "-m", "citecheck", "demo", *args], cwd=cwd,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


Seen = dict[psutil.Process, str]  #: a descendant and its command line when last seen


def _watch(proc: subprocess.Popen[str], until=None, timeout: float = 60.0) -> Seen:
    """Every descendant ``proc`` had while it ran (polled), until it ends or ``until()``."""
    seen: Seen = {}
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            for child in parent.children(recursive=True):
                # read again at each poll: a child caught between fork and exec
                # still shows its parent's command line (and an exiting one, none)
                with contextlib.suppress(psutil.Error):
                    cmdline = " ".join(child.cmdline())
                    if cmdline or child not in seen:
                        seen[child] = cmdline
        except psutil.NoSuchProcess:
            break
        if until is not None and until(seen):
            break
        time.sleep(0.05)
    return seen


def _survivors(seen: Seen) -> list[str]:
    alive = []
    for child, cmdline in seen.items():
        with contextlib.suppress(psutil.NoSuchProcess):
            if child.is_running() and child.status() != psutil.STATUS_ZOMBIE:
                alive.append(cmdline)
    return alive


def _pywb_running(seen: Seen) -> bool:
    return any("pywb.apps.cli" in cmdline for cmdline in seen.values())


@pytest.mark.slow
def test_demo_shows_all_seven_verdicts_and_leaves_nothing_behind(tmp_path):
    # its time (under 30 s) is measured by bench/bench_demo.py, not asserted here
    proc = _demo(["--report-dir", "out", "--json", "demo.json", "--db", "kept.db"], tmp_path)
    seen = _watch(proc, timeout=120)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-3000:]
    assert _pywb_running(seen), "the demo started no pywb"
    assert _survivors(seen) == []

    data = json.loads((tmp_path / "demo.json").read_text(encoding="utf-8"))
    got = {(c["source"], c["date_as_written"]): c for c in data["citations"]}
    assert {k: c["verdict"] for k, c in got.items()} == EXPECTED
    assert {c["verdict"] for c in data["citations"]} == VERDICTS
    drifted = got[("Northfield Institute", "May 20 2018")]
    assert "content-drift" in drifted["reasons"]
    assert "http-404" in got[("Ministry of Ports", "May 9 2018")]["reasons"]
    assert "http-403" in got[("Delta Wire", "May 11 2018")]["reasons"]
    misquoted = got[("Ridge Post", "May 2 2018")]
    assert "misquote" in misquoted["reasons"]  # the quotation drops the page's "not"
    assert [d["kind"] for m in misquoted["misquotes"] for d in m["differences"]] == ["negation"]

    report = tmp_path / "out" / "citecheck-demo.html"
    html = report.read_text(encoding="utf-8")
    for verdict in VERDICTS:
        assert verdict in html
    assert f"The demo's report: {Path('out') / 'citecheck-demo.html'}" in err
    assert "Traceback" not in err
    # nothing of the demo stays on disk but what was asked for
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.json", "kept.db", "out"]
    with Store(tmp_path / "kept.db", read_only=True) as store:
        assert [r.status for r in store.runs()] == ["finished"]


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_demo_stops_its_servers(tmp_path, sig):
    proc = _demo(["--report-dir", "out"], tmp_path)
    seen = _watch(proc, until=_pywb_running, timeout=60)
    assert _pywb_running(seen), "pywb never started"
    proc.send_signal(sig)  # to the demo alone, not its process group
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "Error: interrupted" in err and "Traceback" not in err
    time.sleep(0.2)
    assert _survivors(seen) == []


def test_demo_without_pywb_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr("citecheck.demo.pywb_installed", lambda: False)
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: citecheck demo needs pywb, which is not installed: pip install 'citecheck[demo]'"
    ]


def test_an_offline_audit_points_to_the_demo(tmp_path, fake_stages, fake_brief):
    # what `make example` prints without a network: it now says how to see the tool work
    fake_stages.offline = True
    result = CliRunner().invoke(cli, ["audit", fake_brief, "--db", str(tmp_path / "h.db"),
                                      "--report-dir", str(tmp_path / "r"),
                                      "--archive-dir", str(tmp_path / "a")])
    assert result.exit_code in (0, 1), result.output
    assert "appears to be offline" in result.stderr
    assert "run `citecheck demo`" in result.stderr


def test_make_example_points_to_the_demo():
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    assert "citecheck demo --open" in makefile
    assert "'.[test,dev,demo]'" in makefile  # make setup installs the demo's pywb


def test_an_archive_that_cannot_start_is_one_line_and_stops_the_web(monkeypatch):
    import threading

    def broken(self, captures=()):
        raise RuntimeError("wb-manager init web failed (1): no space left\nTraceback ...")

    monkeypatch.setattr("citecheck.demo.pywb.PywbServer.init", broken)
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 3
    assert result.output.strip().splitlines() == [
        "Error: citecheck demo: the local archive could not start: "
        "wb-manager init web failed (1): no space left"
    ]
    assert not [t.name for t in threading.enumerate() if t.name.startswith("demo-")]
