"""``citecheck archive export --wacz``: a run's evidence as a WACZ the wacz package validates."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures_archive import answer
from fixtures_pywb import html_capture

from citecheck.archive import WarcStore
from citecheck.archive.wacz import export_wacz, validate_wacz
from citecheck.cli import cli
from citecheck.errors import InputError
from citecheck.models import Citation, Snapshot, Verdict, VerdictKind

LIVE = "http://127.0.0.1:9/en/news/2018-05-14.html"
REPLAY = f"http://127.0.0.1:8/web/20180515080000id_/{LIVE}"
PAGE_HTML = ("<!doctype html><html><head><title>Exercise</title></head><body>"
             "<!-- cookie banner --><div class=rail>Related</div>"
             "<p>Moscow and Beijing announced the joint exercise.</p></body></html>")


def evidence(tmp_path: Path) -> tuple[Verdict, Path]:
    store = WarcStore(tmp_path / "archive", 7)
    html = {"Content-Type": "text/html; charset=utf-8"}
    live = store.write(answer(LIVE, 200, PAGE_HTML, html))
    snap = store.write(answer(REPLAY, 200, PAGE_HTML, html))
    store.write(answer("http://127.0.0.1:9/citecheck-probe-0f3a", 404, "nope", html))  # not cited
    store.close()
    citation = Citation(id="L3C5", source="Russian MOD", raw="Russian MOD, May 14", line=3,
                        column=5, document="brief.txt", date="2018-05-14")
    verdict = Verdict(
        citation=citation, verdict=VerdictKind.RESCUED, reasons=("http-404",),
        snapshot=Snapshot(LIVE, REPLAY.replace("id_", ""), "20180515080000", 200),
        evidence=(live.ref, snap.ref),
    )
    return verdict, store.path


def test_export_packs_the_cited_pages_and_passes_the_wacz_validator(tmp_path):
    verdict, warc = evidence(tmp_path)
    out = tmp_path / "out" / "run.wacz"
    done = export_wacz(out, [verdict], tmp_path / "archive", title="citecheck run 7")
    ok, said = validate_wacz(out)
    assert ok, said
    with zipfile.ZipFile(out) as wacz:
        names = set(wacz.namelist())
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
        package = json.loads(wacz.read("datapackage.json"))
    assert {"datapackage.json", "pages/pages.jsonl", f"archive/{warc.name}"} <= names
    assert any(n.startswith("indexes/") for n in names)
    assert pages[0]["format"] == "json-pages-1.0"
    assert sorted(p["url"] for p in pages[1:]) == sorted([LIVE, REPLAY])  # not the probe
    assert all(p["title"].startswith("Russian MOD (2018-05-14)") for p in pages[1:])
    assert package["title"] == "citecheck run 7"
    assert [p.url for p in done.pages] == [LIVE, REPLAY] and done.warcs == (warc,)


def test_validator_refuses_a_tampered_wacz(tmp_path):
    verdict, _warc = evidence(tmp_path)
    out = tmp_path / "run.wacz"
    export_wacz(out, [verdict], tmp_path / "archive", title="t")
    bad = tmp_path / "bad.wacz"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "pages/pages.jsonl":
                data += b'{"url": "http://evil.example/", "ts": "2018-01-01T00:00:00Z"}\n'
            dst.writestr(item, data)
    ok, _said = validate_wacz(bad)
    assert not ok  # its hash no longer matches datapackage.json


def test_no_evidence_is_an_input_error(tmp_path):
    verdict, _warc = evidence(tmp_path)
    bare = Verdict(citation=verdict.citation, verdict=VerdictKind.DEAD)
    with pytest.raises(InputError):
        export_wacz(tmp_path / "x.wacz", [bare], tmp_path / "archive", title="t")
    assert not (tmp_path / "x.wacz").exists()


def test_cli_export_without_runs_is_a_one_line_error(tmp_path):
    done = CliRunner().invoke(cli, ["archive", "export", "--wacz", str(tmp_path / "x.wacz"),
                                    "--db", str(tmp_path / "none.db")])
    # a missing database is an input error, worded as by report and history (issue 15)
    assert done.exit_code == 2
    assert done.output.startswith(f"Error: {tmp_path / 'none.db'}: no such file")
    assert done.output.count("\n") == 1 and "Traceback" not in done.output
    assert not (tmp_path / "none.db").exists()  # no empty database made on the way


BRIEF = """4 June 2018

Moscow and Beijing announced the joint exercise "Peace Mission 2018" (Russian MOD, May 14).
"""


@pytest.mark.slow
def test_audit_then_export_wacz_of_the_run(tmp_path, simweb, pywb_factory):
    dead = simweb.route("mod", "/en/news/2018-05-14.html", status=404, body="<h1>Not Found</h1>")
    host = dead.split("/")[2]
    world = pywb_factory([html_capture(
        dead, "20180514100000",
        'Moscow and Beijing announced the joint exercise "Peace Mission 2018".',
        title="Joint exercise announced")], name="wacz")
    (tmp_path / "citations.yaml").write_text(
        f"sources:\n  Russian MOD:\n    name: Ministry of Defence\n    domains: ['{host}']\n"
        f"pins:\n  - source: Russian MOD\n    date: 2018-05-14\n    url: {dead}\n",
        encoding="utf-8")
    (tmp_path / "brief.txt").write_text(BRIEF, encoding="utf-8")
    exe = str(Path(sys.executable).parent / "citecheck")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([exe, *args], capture_output=True, text=True, timeout=300,
                              cwd=tmp_path)

    audited = run("audit", "brief.txt", "--config", "citations.yaml", "--db", "h.db",
                  "--archive-url", world.root, "--allow-private", "-q")
    assert audited.returncode in (0, 1), audited.stderr
    exported = run("archive", "export", "--wacz", "run.wacz", "--run", "1", "--db", "h.db")
    assert exported.returncode == 0, exported.stderr
    assert "2 cited pages" in exported.stderr
    ok, said = validate_wacz(tmp_path / "run.wacz")
    assert ok, said
    with zipfile.ZipFile(tmp_path / "run.wacz") as wacz:
        urls = [json.loads(line).get("url") for line in wacz.read("pages/pages.jsonl").splitlines()]
    assert dead in urls
    assert any(u and u.startswith(world.root) and "20180514100000" in u for u in urls)
