"""The installed ``citecheck audit`` on .docx, .pdf and Robust-Links briefs, against a
simulated web and a real pywb on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from fixtures_pywb import html_capture
from officegen import to_docx, to_html, to_pdf
from test_audit_integration import article, citecheck_bin

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(simweb_session, pywb_factory):
    web = simweb_session
    base = web.host("officepub")
    web.route("officepub", "/ok", body=article(
        "Partnership statement", "2018-05-14", "Officials said the partnership is strong."))
    web.route("officepub", "/gone", status=404, body="<h1>Not Found</h1>")
    pywb = pywb_factory([
        html_capture(f"{base}/gone", "20180403101500", article(
            "Joint exercise announced", "2018-04-02", "The joint exercise will begin in May.")),
        html_capture(f"{base}/gone", "20170101120000", article(
            "An older page", "2017-01-01", "The author saw this one.")),
    ], name="office")
    return {"base": base, "pywb": pywb}


def _audit(world, tmp: Path, brief: Path) -> dict:
    out = tmp / f"{brief.suffix[1:]}.json"
    done = subprocess.run(
        [citecheck_bin(), "audit", str(brief), "--db", str(tmp / "h.db"), "--json", str(out),
         "--archive-url", world["pywb"].root, "--archive-dir", str(tmp / "archive"),
         "--report-dir", str(tmp / "reports"), "--allow-private", "--timeout", "5",
         "--archive-rate", "50", "-q"],
        cwd=tmp, capture_output=True, text=True, timeout=180,
        env={**os.environ, "NO_PROXY": "*", "no_proxy": "*"})
    assert done.returncode in (0, 1), done.stderr
    return json.loads(out.read_text())


def _brief(base):
    return [
        [("Officials said the partnership is strong (", None),
         ("Gov, May 14", f"{base}/ok"), (").", None)],
        [("An exercise was announced (", None), ("Gov, April 2", f"{base}/gone"), (").", None)],
    ]


def test_docx_and_pdf_briefs_audit_as_the_html_one(world, tmp_path):
    paragraphs = _brief(world["base"])
    results = {}
    for name, data in (("brief.html", to_html(paragraphs, "2018-06-04")),
                       ("brief.docx", to_docx(paragraphs, "2018-06-04")),
                       ("brief.pdf", to_pdf(paragraphs, "2018-06-04"))):
        path = tmp_path / name
        (path.write_bytes if isinstance(data, bytes) else path.write_text)(data)
        report = _audit(world, tmp_path, path)
        results[name] = [(c["source"], c["date"], c["url"], c["verdict"],
                          (c.get("snapshot") or {}).get("timestamp"))
                         for c in report["citations"]]
    assert results["brief.html"] == [
        ("Gov", "2018-05-14", f"{world['base']}/ok", "verified", None),
        ("Gov", "2018-04-02", f"{world['base']}/gone", "rescued", "20180403101500"),
    ]
    assert results["brief.docx"] == results["brief.html"] == results["brief.pdf"]


def test_the_authors_snapshot_is_the_one_audited(world, tmp_path):
    base, root = world["base"], world["pywb"].root
    snap = f"{root}/20170101120000/{base}/gone"
    path = tmp_path / "brief.html"
    path.write_text(
        '<html><head><meta property="article:published_time" content="2018-06-04"></head>'
        f'<body><p>An exercise was announced (<a href="{base}/gone" data-versionurl="{snap}" '
        'data-versiondate="2017-01-01">Gov, April 2</a>).</p></body></html>', encoding="utf-8")
    (citation,) = _audit(world, tmp_path, path)["citations"]
    assert (citation["version_url"], citation["version_date"]) == (snap, "2017-01-01")
    assert citation["snapshot"]["timestamp"] == "20170101120000"  # not the nearer 20180403
