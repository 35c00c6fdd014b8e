"""Accepted findings: the file, the matching, ``citecheck accept``, and the exit code."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from citecheck.accept import AcceptEntry, AcceptList, entries_for, load_accept, write_entries
from citecheck.cli import cli
from citecheck.errors import ConfigError
from citecheck.models import Citation, LiveStatus, Severity, Verdict, VerdictKind

TODAY = dt.date(2026, 12, 2)


def verdict(kind: VerdictKind, reasons: tuple[str, ...] = (), **kw: object) -> Verdict:
    base: dict[str, object] = dict(id="L3C20", source="CSIS", raw="CSIS, May 25", line=3,
                                   column=20, document="briefs/ties.md", date="2018-05-25",
                                   url="https://csis.example/c")
    base.update(kw)
    return Verdict(Citation(**base), kind, reasons=reasons)  # type: ignore[arg-type]


DEAD = verdict(VerdictKind.DEAD, ("http-404", "no-snapshot"))


@pytest.mark.parametrize(("entry", "accepted"), [
    (dict(source="CSIS", date="2018-05-25", verdict="dead"), True),
    (dict(source="csis", date="2018-05-25", verdict="dead", document="ties.md"), True),
    (dict(source="CSIS", date="2018-05-25", verdict="dead", document="briefs/ties.md"), True),
    (dict(source="CSIS", date="2018-05-25", verdict="dead", document="other.md"), False),
    (dict(source="CSIS", date="2018-05-26", verdict="dead"), False),
    (dict(source="CSIS", verdict="dead"), True),  # any date of the source
    (dict(source="USCC", date="2018-05-25", verdict="dead"), False),
    (dict(source="CSIS", date="2018-05-25", verdict="mismatch"), False),  # another verdict
    (dict(url="https://CSIS.example/c#top", reason="http-404"), True),
    (dict(url="https://csis.example/c", reason="timeout"), False),  # another reason
    (dict(url="https://csis.example/d", verdict="dead"), False),
    (dict(source="CSIS", verdict="dead", expires="2026-12-02"), True),  # the last day
    (dict(source="CSIS", verdict="dead", expires="2026-12-01"), False),  # expired
])
def test_entry_matches(entry, accepted):
    e = AcceptEntry(by="A. Analyst", why="reviewed", **entry)  # type: ignore[arg-type]
    assert e.matches(DEAD, TODAY) is accepted


def test_a_verified_citation_needs_no_acceptance_and_a_change_is_news():
    accept = AcceptList((AcceptEntry(by="a", why="b", source="CSIS", verdict="dead"),))
    assert accept.match(DEAD, TODAY) is not None
    came_back = verdict(VerdictKind.VERIFIED)
    assert accept.match(came_back, TODAY) is None
    assert accept.match(verdict(VerdictKind.MISMATCH, ("date-mismatch",)), TODAY) is None


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "citecheck-accept.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("accepted:\n  - source: CSIS\n    verdict: dead\n    why: x\n", 2, "needs 'by'"),
    ("accepted:\n  - source: CSIS\n    by: a\n    why: x\n", 2, "'verdict' or the 'reason'"),
    ("accepted:\n  - verdict: dead\n    by: a\n    why: x\n", 2, "a 'source' (with its 'date')"),
    ("accepted:\n  - source: CSIS\n    verdict: gone\n    by: a\n    why: x\n", 3,
     "verdict 'gone' is not one of verified"),
    ("accepted:\n  - url: https://a.example/\n    reason: HTTP 404\n    by: a\n    why: x\n",
     3, "not a kebab-case code"),
    ("accepted:\n  - source: CSIS\n    verdict: dead\n    by: a\n    why: x\n"
     "    expires: soon\n", 6, "expires must be a full date"),
    ("accepted:\n  - source: CSIS\n    verdit: dead\n    by: a\n    why: x\n", 3,
     "unknown key 'verdit'"),
    ("accepted:\n  - source: CSIS\n   verdict: dead\n", 3, ""),
    ("accepted: {source: CSIS}\n", 1, "accepted must be a list"),
    ("accept:\n  - source: CSIS\n", 1, "unknown section 'accept'"),
])
def test_invalid_files_name_the_line_and_reason(tmp_path, text, line, reason):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_accept(path)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert reason in str(info.value)


def test_entries_for_a_run_and_written_back(tmp_path):
    existing_text = ("# reviewed by hand\naccepted:\n  - url: https://tass.example/x\n"
                     "    reason: rate-limited\n    by: B\n    why: bots refused\n")
    path = _write(tmp_path, existing_text)
    verdicts = [
        DEAD,
        verdict(VerdictKind.INCONCLUSIVE, ("rate-limited",), id="L4C1", source="TASS",
                url="https://tass.example/x", date="2018-04-03"),
        verdict(VerdictKind.MALFORMED, ("malformed",), id="L9C1", source="SIPRI", date=None,
                url=None, malformed=True),
        verdict(VerdictKind.VERIFIED, id="L5C1", source="Xinhua"),
        verdict(VerdictKind.UNRESOLVED, ("no-url",), id="L6C1", source="CFAU", date="2018",
                url=None),
    ]
    existing = load_accept(path)
    entries = entries_for(verdicts, by="A. Analyst", why="baseline", existing=existing,
                          today=TODAY, fail_on=Severity.WARN, expires="2027-06-30")
    assert [(e.source, e.url, e.date, e.verdict) for e in entries] == [
        ("CSIS", None, "2018-05-25", "dead"),
        ("SIPRI", None, None, "malformed"),
        ("CFAU", None, "2018", "unresolved"),
    ]  # TASS is accepted already; the verified one needs nothing
    assert write_entries(path, entries) == 3
    text = Path(path).read_text(encoding="utf-8")
    assert text.startswith(existing_text)  # what was there is kept byte for byte
    again = load_accept(path)
    assert len(again) == 4
    assert all(again.match(v, TODAY) for v in verdicts if v.verdict.severity > Severity.OK)
    assert again.entries[1].line == 7 and again.entries[1].expires == "2027-06-30"
    only_reason = entries_for(verdicts, by="a", why="b", reason_code="no-url", today=TODAY,
                              fail_on=Severity.WARN)
    assert [(e.source, e.reason, e.verdict) for e in only_reason] == [("CFAU", "no-url", None)]


def test_write_entries_creates_the_file(tmp_path):
    path = str(tmp_path / "new.yaml")
    assert write_entries(path, [AcceptEntry(by="a", why="b", url="https://x.example/",
                                            verdict="dead")]) == 1
    assert load_accept(path).entries[0].url == "https://x.example/"


# ------------------------------------------------------------------ the CLI


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    logger = logging.getLogger("citecheck")
    level = logger.level

    def invoke(*args):
        return CliRunner().invoke(cli, [*args], catch_exceptions=False)

    yield invoke
    logger.setLevel(level)  # audit -q sets it for the process: later tests log as before


def audit(tmp_path, brief, *extra):
    return ["audit", brief, "--db", str(tmp_path / "h.db"), "--report-dir",
            str(tmp_path / "reports"), "--archive-dir", str(tmp_path / "archive"), *extra]


def test_accepted_findings_exit_0_shown_accepted_and_news_fails_again(
        tmp_path, run, fake_stages, fake_brief):
    first = run(*audit(tmp_path, fake_brief, "-q"))
    assert first.exit_code == 1
    accepted = run("accept", "--run", "1", "--by", "A. Analyst", "--why", "reviewed",
                   "--db", str(tmp_path / "h.db"))
    assert accepted.exit_code == 0, accepted.output
    assert "wrote 2 accepted finding(s) of run 1 to citecheck-accept.yaml" in accepted.output
    entries = load_accept(str(tmp_path / "citecheck-accept.yaml")).entries
    assert {(e.source, e.verdict) for e in entries} == {("Kremlin", "dead"),
                                                        ("SIPRI", "malformed")}
    # nothing new: exit 0, and every report shows the findings as accepted
    out = {k: tmp_path / f"r.{k}" for k in ("json", "md", "xml", "html")}
    second = run(*audit(tmp_path, fake_brief, "-q", "--json", str(out["json"]), "--markdown",
                        str(out["md"]), "--junit", str(out["xml"]), "--html", str(out["html"])))
    assert second.exit_code == 0, second.output
    data = json.loads(out["json"].read_text())
    marked = {c["source"]: c["accepted"] for c in data["citations"]}
    assert marked["Kremlin"]["by"] == "A. Analyst" and marked["Kremlin"]["why"] == "reviewed"
    assert marked["MOFA"] is None
    assert data["summary"]["accepted"] == 2
    assert {(a["source"], a["verdict"]) for a in data["accepted"]} == {
        ("Kremlin", "dead"), ("SIPRI", "malformed")}
    md = out["md"].read_text()
    assert "dead (accepted)" in md and "Accepted by A. Analyst: reviewed" in md
    assert "No failures; 1 citation to review** · 2 accepted findings" in md  # the unresolved
    assert "need fixing" not in md
    junit = out["xml"].read_text()
    assert "<failure" not in junit and 'message="accepted (dead) by A. Analyst: reviewed"' in junit
    html = out["html"].read_text()
    assert 'class="flag accepted"' in html and "Accepted by A. Analyst" in html
    loud = run(*audit(tmp_path, fake_brief))
    assert "2 accepted finding(s) shown but not counted" in loud.output
    # `report` agrees, with no network
    again = run("report", "--db", str(tmp_path / "h.db"), "--json", "-")
    assert again.exit_code == 0
    # a new finding (the verified source dies) is news: exit 1, and not marked accepted
    fake_stages.statuses["http://gov.test/a"] = LiveStatus.DEAD
    third = run(*audit(tmp_path, fake_brief, "-q", "--max-age", "0", "--json", "-"))
    assert third.exit_code == 1
    data = json.loads(third.stdout)
    assert {c["source"]: c["accepted"] is None for c in data["citations"]}["MOFA"] is True
    # accepting it too turns the run green again; with a reason code, only that reason
    run("accept", "--by", "B", "--db", str(tmp_path / "h.db"))
    assert run(*audit(tmp_path, fake_brief, "-q", "--max-age", "0")).exit_code == 0
    nothing = run("accept", "--by", "B", "--db", str(tmp_path / "h.db"))
    assert "no finding to accept" in nothing.output


def test_a_bad_accept_file_is_one_line_and_exit_2(tmp_path, run, fake_stages, fake_brief):
    bad = _write(tmp_path, "accepted:\n  - source: CSIS\n    by: a\n    why: b\n")
    result = run(*audit(tmp_path, fake_brief, "--accept", bad))
    assert result.exit_code == 2
    assert result.output.strip() == (f"Error: {bad}:2: an accepted finding needs the "
                                     "'verdict' or the 'reason' it accepts")
    assert not (tmp_path / "h.db").exists() or run(
        "report", "--db", str(tmp_path / "h.db")).exit_code != 0
    missing = run(*audit(tmp_path, fake_brief, "--accept", str(tmp_path / "none.yaml")))
    assert missing.exit_code == 2 and "none.yaml: no such file" in missing.output


def test_accept_rejects_a_bad_expiry(tmp_path, run, fake_stages, fake_brief):
    run(*audit(tmp_path, fake_brief, "-q"))
    result = run("accept", "--by", "a", "--expires", "soon", "--db", str(tmp_path / "h.db"))
    assert result.exit_code == 2 and "--expires" in result.output


def test_who_and_why_are_escaped_in_every_report():
    from citecheck.report import RunReport, render_html, render_junit, render_markdown

    hostile = AcceptEntry(by='<img src=x onerror=alert(1)>"', why="</td><script>x()</script>|",
                          source="CSIS", verdict="dead", file="citecheck-accept.yaml", line=2)
    report = RunReport.from_verdicts([DEAD], run_id="1", started_at="2026-12-02T00:00:00Z",
                                     accepted={(DEAD.citation.document, DEAD.citation.id):
                                               hostile})
    assert report.findings() == []
    html = render_html(report)
    assert "<script>x()</script>" not in html and "<img src=x" not in html
    assert "&lt;/td&gt;&lt;script&gt;x()&lt;/script&gt;" in html
    md = render_markdown(report)
    assert "<script>" not in md and "(accepted)" in md
    assert "<script>" not in render_junit(report).replace("&lt;script&gt;", "")
