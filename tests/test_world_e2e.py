"""End to end: the installed ``citecheck audit`` in the simulated world.

Publishers on loopback addresses, a real pywb with captures built at test
time, a brief with hyperlinked and unlinked citations and a registry
(``tests/fixtures_world.py``). Every verdict and every reason code of
verification must come out of the real command.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fixtures_world import EXPECTED, PUBLISHED, TIMEOUT

pytestmark = pytest.mark.slow

VERDICTS = {"verified", "rescued", "mismatch", "dead", "unresolved", "inconclusive", "malformed"}
REASONS = {"http-404", "soft-404", "date-mismatch", "quote-not-found",
           "quote-unverifiable-language", "domain-mismatch", "content-drift", "year-inferred",
           "timeout", "rate-limited", "discovered", "no-snapshot", "archive-error", "no-url",
           "malformed"}


def citecheck() -> str:
    exe = Path(sys.executable).parent / "citecheck"
    return str(exe) if exe.exists() else (shutil.which("citecheck") or "citecheck")


def run_audit(world, work: Path, max_age: str):
    cmd = [
        citecheck(), "audit", str(world.brief), "--config", str(world.registry),
        "--published", PUBLISHED, "--db", str(work / "citecheck.db"),
        "--archive-dir", str(work / "archive"), "--report-dir", str(work / "reports"),
        "--archive-url", world.archive.root, "--allow-private", "--timeout", str(TIMEOUT),
        "--max-age", max_age, "--json", "-", "--html", str(work / "report.html"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, cwd=work,
                          env={"PATH": str(Path(sys.executable).parent), "HOME": str(work),
                               "NO_PROXY": "*"})
    assert proc.stdout.strip(), f"no JSON on stdout; stderr:\n{proc.stderr[-3000:]}"
    return proc, json.loads(proc.stdout), work


#: which of the shared world's recorded requests this module's audit made
#: (other test modules audit the same session-wide world)
_AUDIT_REQUESTS: dict[str, tuple[int, int]] = {}


@pytest.fixture(scope="module")
def audit(citecheck_world, tmp_path_factory):
    first = len(citecheck_world.web.requests)
    result = run_audit(citecheck_world, tmp_path_factory.mktemp("audit"), "0")
    _AUDIT_REQUESTS["audit"] = (first, len(citecheck_world.web.requests))
    return result


def by_key(data):
    out = {}
    for c in data["citations"]:
        key = (c["source"], c["date_as_written"])
        assert key not in out, f"two citations for {key}"
        out[key] = c
    return out


def test_exit_code_reports_findings(audit):
    proc, _data, _work = audit
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr


def test_every_citation_gets_its_verdict_and_reasons(audit):
    _proc, data, _work = audit
    got = by_key(data)
    assert set(got) == set(EXPECTED)
    wrong = []
    for key, (verdict, reasons) in EXPECTED.items():
        c = got[key]
        if c["verdict"] != verdict or not set(reasons) <= set(c["reasons"]):
            wrong.append(f"{key}: expected {verdict} {reasons}, got {c['verdict']} "
                         f"{c['reasons']}: {c['explanation']}")
    assert not wrong, "\n".join(wrong)


def test_every_verdict_and_reason_code_is_produced(audit):
    _proc, data, _work = audit
    verdicts = {c["verdict"] for c in data["citations"]}
    reasons = {r for c in data["citations"] for r in c["reasons"]}
    assert verdicts == VERDICTS
    assert REASONS <= reasons, f"missing: {sorted(REASONS - reasons)}"
    for c in data["citations"]:
        assert c["explanation"].endswith("."), c


def test_discovery_and_evidence_fields(audit, citecheck_world):
    _proc, data, _work = audit
    got = by_key(data)
    found = got[("Russian MOD", "April 29 2016")]
    assert found["url"] is None  # not linked in the brief
    assert found["urls"] == [citecheck_world.hosts["mod"]
                             + "/en/news_page/country/more.htm?id=12083184"]
    origins = [c["origin"] for c in found["candidates"]]
    assert origins[0] == "discovered" and len(origins) > 1
    assert found["quotes_found"] == ["Aerospace Security"]

    inferred = got[("Russian MOD", "June 25")]
    assert inferred["date"] == "2017-06-25" and inferred["year_inferred"] is True
    assert inferred["corrected_date"] == "2016-06-25"

    rescued = got[("USNI", "March 20 2017")]
    assert rescued["snapshot"]["timestamp"] == "20170321000000"
    assert rescued["live"]["status"] == "dead"

    drift = got[("China Brief", "September 20 2017")]
    assert drift["quotes_found"] == ["a more formal security alliance"]
    assert "similarity" in drift["explanation"]

    missing = got[("USCC", "March 20")]
    assert missing["quotes_missing"] == ["Vietnam and India as counterweights"]

    pdf = got[("SIPRI", "July 5 2017")]
    assert pdf["live"]["content_type"] == "application/pdf"

    unresolved = got[("CFAU", "2018")]
    assert unresolved["urls"] == [] and unresolved["live"] is None
    assert unresolved["candidates"] == []

    listed = got[("Russian MOD", "May 12 2016")]
    assert listed["urls"] == [] and listed["candidates"]
    assert {c["origin"] for c in listed["candidates"]} == {"candidate"}
    assert listed["candidates"][0]["url"] in listed["explanation"]


def test_html_report_written(audit):
    _proc, _data, work = audit
    html = (work / "report.html").read_text(encoding="utf-8")
    assert "quote-unverifiable-language" in html or "another language" in html


def test_each_cited_page_is_fetched_once(audit, citecheck_world):
    """Verification works on the bodies in hand: one live GET per cited page,
    however many checks (publisher, date, quotes, drift) run on it."""
    web = citecheck_world.web
    pages = [
        ("xinhua", "/english/2017-07/26/c_136475051.htm"),
        ("sipri", "/sites/default/files/2017-07/fs_1707_arms_transfers.pdf"),
        ("uscc", "/research/china-russia-military-cooperation"),
        ("csis", "/analysis/russia-missile-forces"),
        ("mod", "/en/news_page/country/more.htm?id=12083184"),  # discovered
        ("jamestown", "/program/chinese-russian-security-alliance/"),
    ]
    first, last = _AUDIT_REQUESTS["audit"]
    mine = web.requests[first:last]
    for host, path in pages:
        hits = [r for r in mine if r.host == host
                and (r.path == path or urlsplit(r.path).path == path)]
        assert [h.method for h in hits] == ["GET"], (host, path, hits)


def test_second_run_from_the_cache_gives_the_same_verdicts(audit, citecheck_world):
    """Live results and snapshots come from the database (bodies included), and
    verification decides the same from them."""
    _proc, first, work = audit
    hits_before = len(citecheck_world.web.hits("xinhua"))
    proc, second, _work = run_audit(citecheck_world, work, "1h")
    assert proc.returncode == 1, proc.stderr[-2000:]
    was = {(c["source"], c["date_as_written"]): (c["verdict"], c["reasons"])
           for c in first["citations"]}
    now = {(c["source"], c["date_as_written"]): (c["verdict"], c["reasons"])
           for c in second["citations"]}
    assert now == was
    cached = [c for c in second["citations"] if c["live"] and c["live"].get("from_cache")]
    assert cached, "the second run should reuse live results"
    assert len(citecheck_world.web.hits("xinhua")) == hits_before
