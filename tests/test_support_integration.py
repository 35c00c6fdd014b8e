"""The installed ``citecheck audit`` on real-looking pages of the simulated web and a real
pywb: a page on the right site and date about something else is ``mismatch`` with
``claim-not-supported``; a live page that no longer says it, with a snapshot that does,
is ``rescued`` with ``content-drift``; a supporting page verifies (issue 10)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_pywb import html_capture

pytestmark = pytest.mark.slow

CLAIM = ("Between 1999 and 2006, China was Russia's largest client for arms, accounting for "
         "between 30 and 60% of total Russian arms exports")

PAGE = """<!doctype html><html lang="en"><head><title>{title} | Institute</title>
<meta property="article:published_time" content="2017-07-05T09:00:00+02:00"></head><body>
<div class="cookie-banner">We use cookies to improve your experience. Accept all</div>
<nav><a href="/">Home</a> <a href="/research">Research</a> <a href="/data">Databases</a></nav>
<article><h1>{title}</h1><p class="byline">By Siemon Wezeman, 5 July 2017</p>
<!-- body -->{body}
<aside class="related"><h3>Related</h3><a href="/x">Military spending in Latin America</a></aside>
</article>
<section class="comments"><h3>Comments</h3><p>Great piece, thanks!</p></section>
<footer>&copy; Institute 2017. Privacy policy.</footer></body></html>"""

SUPPORTS = PAGE.format(title="China and Russia: the arms trade", body="""
<p>Russia has long been one of the largest exporters of major arms in the world.</p>
<p>Between 1999 and 2006 China was the largest client for Russian arms. Chinese imports
accounted for between 30 and 60 per cent of total Russian arms exports in those years,
according to the Arms Transfers Database.</p>
<p>After 2006 Chinese orders fell sharply as China's own arms industry matured, and India
took its place as the main recipient.</p>""")

ELSEWHERE = PAGE.format(title="Yearbook 2017 launched", body="""
<p>The annual Yearbook reviews developments in international security, weapons and
technology, military expenditure, and disarmament.</p>
<p>This year's edition has a new chapter on the humanitarian consequences of armed conflict
in the Sahel and on peace operations in Mali.</p>
<p>The launch event takes place in Stockholm with the Swedish Minister for Foreign
Affairs.</p>""")


def citecheck_bin() -> str:
    found = Path(sys.executable).with_name("citecheck")
    return str(found) if found.exists() else (shutil.which("citecheck") or "citecheck")


@pytest.fixture(scope="module")
def audited(simweb_session, pywb_factory, tmp_path_factory):
    web = simweb_session
    base = web.host("supportpub")
    html = {"Content-Type": "text/html; charset=utf-8"}
    web.route("supportpub", "/arms", body=SUPPORTS, headers=html)
    web.route("supportpub", "/yearbook-launch", body=ELSEWHERE, headers=html)
    web.route("supportpub", "/arms-replaced", body=ELSEWHERE, headers=html)
    pywb = pywb_factory([html_capture(f"{base}/arms-replaced", "20170706101500", SUPPORTS)],
                        name="support")
    tmp = tmp_path_factory.mktemp("support-audit")
    brief = tmp / "brief.md"
    brief.write_text("1 August 2017\n\n" + "".join(
        f"{CLAIM} ([SIPRI, July 5 2017]({base}{path})).\n\n"
        for path in ("/arms", "/yearbook-launch", "/arms-replaced")), encoding="utf-8")
    cmd = [citecheck_bin(), "audit", str(brief), "--archive-url", pywb.root,
           "--archive-rate", "50", "--allow-private", "--timeout", "5",
           "--db", str(tmp / "h.db"), "--report-dir", str(tmp / "reports"),
           "--archive-dir", str(tmp / "archive"), "--json", str(tmp / "a.json"),
           "--markdown", str(tmp / "a.md"), "--junit", str(tmp / "a.xml")]
    done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=180,
                          env={**os.environ, "NO_PROXY": "*", "no_proxy": "*"})
    return done, tmp


def test_verdicts_from_claim_support(audited):
    done, tmp = audited
    assert done.returncode == 1, done.stderr  # a mismatch
    assert "Traceback" not in done.stderr
    cites = json.loads((tmp / "a.json").read_text())["citations"]
    got = [(c["url"].rsplit("/", 1)[-1], c["verdict"], c["reasons"]) for c in cites]
    assert got[0] == ("arms", "verified", [])
    assert got[1][:2] == ("yearbook-launch", "mismatch")
    assert got[1][2][0] == "claim-not-supported"
    assert got[2] == ("arms-replaced", "rescued", ["claim-not-supported", "content-drift"])


def test_support_json_names_the_copy_and_the_passages(audited):
    _, tmp = audited
    ok, other, rescued = json.loads((tmp / "a.json").read_text())["citations"]
    assert ok["support"]["label"] == "supported" and ok["support"]["copy"] == "live"
    assert "30 and 60 per cent" in " ".join(p["text"] for p in ok["support"]["passages"])
    assert other["support"]["label"] == "not-supported"
    assert other["support"]["score"] < 0.46
    assert "appear nowhere on the page" in other["explanation"]
    assert rescued["support"]["copy"] == "snapshot"
    assert rescued["support"]["label"] == "supported"
    for cite in (ok, other, rescued):
        assert 1 <= len(cite["support"]["passages"]) <= 3
        # comments and rails never come back as passages
        assert not any("Great piece" in p["text"] or "Latin America" in p["text"]
                       for p in cite["support"]["passages"])


def test_reports_show_the_support(audited):
    _, tmp = audited
    html = (tmp / "reports" / "citecheck-run-1.html").read_text()
    assert html.count("<h3>Claim support</h3>") == 3
    assert '<mark class="t-miss">China</mark>' in html
    assert "support: not-supported" in (tmp / "a.md").read_text()
    assert "support: supported" in (tmp / "a.xml").read_text()


def test_report_run_re_renders_the_support(audited):
    _, tmp = audited
    out = tmp / "again.json"
    done = subprocess.run([citecheck_bin(), "report", "--run", "1", "--db", str(tmp / "h.db"),
                           "--json", str(out)], cwd=tmp, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode in (0, 1), done.stderr
    first = json.loads((tmp / "a.json").read_text())["citations"]
    again = json.loads(out.read_text())["citations"]
    assert [c["support"] for c in again] == [c["support"] for c in first]
