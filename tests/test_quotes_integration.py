"""The installed ``citecheck audit`` on real-looking news pages served by the simulated web:
misquotes and quotations from boilerplate are mismatches, faithful quotations verify."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from fixtures_newspages import COMMENT, RELATED, news_page

pytestmark = pytest.mark.slow

#: (quote in the brief, expected verdict, expected reason or None)
QUOTES = [
    ("arms exports rose 42.8 percent last year", "verified", None),
    ("Russia will ratify the treaty in May", "verified", None),
    ("the exercise is not aimed at third parties", "verified", None),
    ("arms exports rose 48.2 percent last year", "mismatch", "misquote"),
    ("Russia will not ratify the treaty in May", "mismatch", "misquote"),
    ("Foreign Minister Sergei Shoigu told reporters", "mismatch", "misquote"),
    (COMMENT, "mismatch", "quote-in-boilerplate"),
    (RELATED, "mismatch", "quote-in-boilerplate"),
]


def citecheck_bin() -> str:
    found = Path(sys.executable).with_name("citecheck")
    return str(found) if found.exists() else (shutil.which("citecheck") or "citecheck")


@pytest.fixture(scope="module")
def audited(simweb_session, tmp_path_factory):
    web = simweb_session
    web.route("quotepub", "/news/arms-exports", body=news_page(),
              headers={"Content-Type": "text/html; charset=utf-8"})
    web.route("quotepub", "/news/arms-exports-2", body=news_page(comments_inside_article=False),
              headers={"Content-Type": "text/html; charset=utf-8"})
    url = web.url("quotepub", "/news/arms-exports")
    url2 = web.url("quotepub", "/news/arms-exports-2")
    tmp = tmp_path_factory.mktemp("quotes-audit")
    lines = ["1 April 2018", ""]
    for i, (quote, _, _) in enumerate(QUOTES):
        link = url if i % 2 == 0 else url2
        lines += [f'The paper wrote that "{quote}" ([Defence Daily, March 14]({link})).', ""]
    brief = tmp / "brief.md"
    brief.write_text("\n".join(lines), encoding="utf-8")
    cmd = [citecheck_bin(), "audit", str(brief), "--no-archive", "--allow-private",
           "--timeout", "5", "--db", str(tmp / "h.db"), "--report-dir", str(tmp / "reports"),
           "--archive-dir", str(tmp / "archive"), "--json", str(tmp / "a.json"),
           "--markdown", str(tmp / "a.md"), "--junit", str(tmp / "a.xml")]
    done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=180,
                          env={**os.environ, "NO_PROXY": "*", "no_proxy": "*"})
    return done, tmp


def test_each_quotation_gets_its_verdict(audited):
    done, tmp = audited
    assert done.returncode == 1, done.stderr  # findings
    assert "Traceback" not in done.stderr
    cites = json.loads((tmp / "a.json").read_text())["citations"]
    assert len(cites) == len(QUOTES)
    for cite, (quote, verdict, reason) in zip(cites, QUOTES, strict=True):
        assert cite["quotes"] == [quote]
        assert cite["verdict"] == verdict, (quote, cite["reasons"], cite["explanation"])
        if reason is None:
            assert cite["reasons"] == [] and cite["quotes_found"] == [quote]
        else:
            assert reason in cite["reasons"], (quote, cite["reasons"])
            assert "quote-not-found" not in cite["reasons"]


def test_misquotes_carry_both_versions(audited):
    _, tmp = audited
    cites = json.loads((tmp / "a.json").read_text())["citations"]
    number = cites[3]
    assert number["misquotes"] == [{
        "quote": "arms exports rose 48.2 percent last year",
        "page": "arms exports rose 42.8 percent last year",
        "differences": [{"kind": "number", "quoted": "48 2", "page": "42 8"}],
    }]
    assert cites[4]["misquotes"][0]["differences"][0]["kind"] == "negation"
    name = cites[5]["misquotes"][0]
    assert name["differences"][0]["kind"] == "name"
    assert name["page"] == "Foreign Minister Sergei Lavrov told reporters"
    assert cites[6]["quotes_in_boilerplate"] == [COMMENT]


def test_reports_show_and_escape_the_misquotes(audited):
    _, tmp = audited
    html = next((tmp / "reports").glob("*.html")).read_text()
    assert '<del class="diff">48</del>' in html and '<ins class="diff">42</ins>' in html
    assert '<del class="diff">Shoigu</del>' in html and '<ins class="diff">Lavrov</ins>' in html
    assert "only in comments, related stories or other boilerplate" in html
    md = (tmp / "a.md").read_text()
    assert "the page says" in md and "only in comments, related stories" in md
    junit = ET.fromstring((tmp / "a.xml").read_text())
    text = " ".join((f.text or "") for f in junit.iter("failure"))
    assert "misquote: quoted 'arms exports rose 48.2 percent last year'" in text
    assert f"quote only in boilerplate: {RELATED}" in text
