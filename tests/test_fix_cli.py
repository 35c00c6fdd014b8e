"""``citecheck fix``: options, exit codes and messages; ``--archive-now`` with a fake saver."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from citecheck.cli import cli
from citecheck.extract import extract_citations, read_document
from citecheck.fix import AuditRecord
from citecheck.fix.snapshot import archive_now
from citecheck.models import LiveResult, LiveStatus, Snapshot, Verdict, VerdictKind
from citecheck.store import Store

BRIEF = """<html><head><title>Brief</title></head><body>
<div class="cookies">Cookies! <a href="https://brief.example/privacy">Privacy</a></div>
<p>China announced plans (<a href="https://gov.example/a">MOFA, May 14 2018</a>).</p>
<p>Sales grew (<a href="https://sipri.example/b">SIPRI, 2017</a>) and fell
(<a href="https://csis.example/c">CSIS, May 25 2018</a>).</p>
</body></html>
"""


def snap(url: str, ts: str) -> Snapshot:
    return Snapshot(url=url, archive_url=f"http://arch.example/web/{ts}/{url}", timestamp=ts)


def audited(tmp_path: Path, kinds: dict[str, VerdictKind], name: str = "brief.html",
            snapshots: bool = True) -> Path:
    """A brief and a database holding one finished audit of it (no network)."""
    path = tmp_path / name
    path.write_text(BRIEF, encoding="utf-8")
    doc = read_document(str(path))
    verdicts = []
    for c in extract_citations(doc):
        kind = kinds[c.source]
        live = LiveResult(c.url or "", LiveStatus.OK if kind is VerdictKind.VERIFIED
                          else LiveStatus.DEAD)
        s = None if kind is VerdictKind.DEAD or (kind is VerdictKind.VERIFIED and not snapshots) \
            else snap(c.url or "", "20180515000000")
        verdicts.append(Verdict(c, kind, urls=(c.url or "",), live=live, snapshot=s))
    with Store(str(tmp_path / "c.db")) as store:
        run = store.start_run({})
        store.save_documents(run, [(doc, len(verdicts))])
        for v in verdicts:
            store.save_verdict(run, v)
        store.finish_run(run, {})
    return path


KINDS = {"MOFA": VerdictKind.VERIFIED, "SIPRI": VerdictKind.RESCUED, "CSIS": VerdictKind.DEAD}


def invoke(tmp_path: Path, *args: str):
    return CliRunner().invoke(cli, [*args, "--db", str(tmp_path / "c.db")],
                              catch_exceptions=False)


def test_fix_writes_output_and_never_touches_the_input(tmp_path):
    path = audited(tmp_path, KINDS)
    out = tmp_path / "fixed.html"
    result = invoke(tmp_path, "fix", str(path), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == BRIEF
    fixed = out.read_text(encoding="utf-8")
    assert ('<a href="https://gov.example/a" data-versionurl="http://arch.example/web/'
            '20180515000000/https://gov.example/a" data-versiondate="2018-05-14">') in fixed
    assert ('<a href="http://arch.example/web/20180515000000/https://sipri.example/b" '
            'data-originalurl="https://sipri.example/b" data-versiondate="2017">') in fixed
    assert '<a href="https://csis.example/c">CSIS' in fixed
    assert "2 changed, 1 unchanged" in result.output
    assert "CSIS, May 25 2018: dead: no snapshot supports the citation" in result.output


def test_fix_in_place_then_again_changes_nothing(tmp_path):
    path = audited(tmp_path, KINDS)
    assert invoke(tmp_path, "fix", str(path), "--in-place").exit_code == 0
    once = path.read_bytes()
    assert once != BRIEF.encode()
    result = invoke(tmp_path, "fix", str(path), "--in-place")
    assert result.exit_code == 0 and path.read_bytes() == once
    assert "2 already, 1 unchanged" in result.output


def test_fix_diff_prints_and_writes_nothing(tmp_path):
    path = audited(tmp_path, KINDS)
    result = invoke(tmp_path, "fix", str(path), "--diff", "-q")
    assert result.exit_code == 0
    assert result.output.startswith(f"--- {path}\n+++ {path} (fixed)\n")
    assert path.read_text(encoding="utf-8") == BRIEF


@pytest.mark.parametrize("args", [[], ["--diff", "--in-place"], ["-o", "x.html", "--diff"]])
def test_fix_needs_exactly_one_destination(tmp_path, args):
    path = audited(tmp_path, KINDS)
    result = invoke(tmp_path, "fix", str(path), *args)
    assert result.exit_code == 2
    assert "exactly one of -o PATH, --diff or --in-place" in result.output


def test_fix_refuses_to_overwrite_its_input_without_in_place(tmp_path):
    path = audited(tmp_path, KINDS)
    result = invoke(tmp_path, "fix", str(path), "-o", str(path))
    assert result.exit_code == 2 and "--in-place" in result.output
    assert path.read_text(encoding="utf-8") == BRIEF


def test_fix_without_an_audit_is_an_input_error(tmp_path):
    audited(tmp_path, KINDS)
    other = tmp_path / "other.html"
    other.write_text(BRIEF, encoding="utf-8")
    result = invoke(tmp_path, "fix", str(other), "--diff")
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith(f"Error: {other}: no finished audit")
    missing = CliRunner().invoke(cli, ["fix", str(other), "--diff", "--db",
                                       str(tmp_path / "none.db")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    assert not (tmp_path / "none.db").exists()


def test_fix_finds_the_audit_by_another_spelling_of_the_path(tmp_path, monkeypatch):
    audited(tmp_path, KINDS)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["fix", "./brief.html", "--diff", "--db", "c.db", "-q"])
    assert result.exit_code == 0 and "data-versionurl" in result.output


def test_fix_with_audit_runs_one_first(tmp_path, fake_stages, fake_brief):
    out = tmp_path / "fixed.md"
    result = CliRunner().invoke(cli, ["fix", fake_brief, "--audit", "--no-archive", "-o",
                                      str(out), "--db", str(tmp_path / "a.db")])
    assert result.exit_code == 0, result.output
    assert fake_stages.asked  # the audit ran
    assert "[MOFA, May 14](http://gov.test/a){data-versiondate=\"2018-05-14\"}" in \
        out.read_text(encoding="utf-8")
    assert "(from run 1)" in result.output


# ------------------------------------------------------------------ --archive-now


@dataclass
class FakeSave:
    ok: bool
    archive_url: str | None
    timestamp: str | None = None
    status: str = "saved"
    error: str | None = None


NOW = dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc)


def _record(url: str, kind: VerdictKind, snapshot: Snapshot | None,
            status: LiveStatus = LiveStatus.OK) -> AuditRecord:
    from citecheck.models import Citation

    c = Citation(id="L1C1", source="MOFA", raw="MOFA, May 14", line=1, column=1, url=url,
                 date="2018-05-14")
    from citecheck.models import Support

    return AuditRecord(Verdict(c, kind, live=LiveResult(url, status), snapshot=snapshot,
                               support=Support(0.9, "supported", "snapshot")),
                       {"label": "supported", "copy": "snapshot"})


def test_archive_now_captures_what_has_no_recent_snapshot():
    asked: list[str] = []

    def saver(url: str) -> FakeSave:
        asked.append(url)
        if "fails" in url:
            return FakeSave(False, None, status="rate-limited", error="HTTP 429")
        return FakeSave(True, f"https://web.archive.org/web/20261202010203/{url}")

    records = [
        _record("https://a.example/none", VerdictKind.VERIFIED, None),
        _record("https://a.example/none", VerdictKind.VERIFIED, None),  # asked once
        _record("https://a.example/old", VerdictKind.VERIFIED,
                snap("https://a.example/old", "20180515000000")),
        _record("https://a.example/fresh", VerdictKind.VERIFIED,
                snap("https://a.example/fresh", "20261120000000")),
        _record("https://a.example/dead", VerdictKind.DEAD, None, LiveStatus.DEAD),
        _record("https://a.example/fails", VerdictKind.VERIFIED, None),
    ]
    out, notes = archive_now(records, saver, max_age_days=30, now=NOW)
    assert asked == ["https://a.example/none", "https://a.example/old",
                     "https://a.example/fails"]
    assert out[0].verdict.snapshot is not None
    assert out[0].verdict.snapshot.archive_url.endswith("/20261202010203/https://a.example/none")
    assert out[0].verdict.snapshot.timestamp == "20261202010203"
    assert out[0].support is None  # the support measured an older copy
    assert out[0].verdict.support.label == "unknown"
    assert out[1].verdict.snapshot == out[0].verdict.snapshot
    assert out[2].verdict.snapshot is not None
    assert out[2].verdict.snapshot.timestamp == "20261202010203"
    assert out[3] is records[3] and out[4] is records[4] and out[5] is records[5]
    assert [n.ok for n in notes] == [True, True, False]
    assert notes[2].detail == "rate-limited: HTTP 429"


def test_fix_archive_now_asks_save_page_now_and_links_the_capture(tmp_path, simweb):
    path = audited(tmp_path, KINDS, snapshots=False)
    asked: list[bytes] = []

    def save(request):  # Save Page Now's anonymous answer: where the capture is
        asked.append(request.body)
        return (200, {"Content-Location": "/web/20261202010203/https://gov.example/a",
                      "Content-Type": "text/html"}, b"<html>saved</html>")

    save_url = simweb.route("spn", "/save", handler=save, methods=["POST"])
    out = tmp_path / "fixed.html"
    result = invoke(tmp_path, "fix", str(path), "-o", str(out), "--archive-now",
                    "--save-url", save_url, "--allow-private", "--archive-wait", "0")
    assert result.exit_code == 0, result.output
    assert asked == [b"url=https%3A%2F%2Fgov.example%2Fa"]  # the verified live source only
    assert ('<a href="https://gov.example/a" data-versionurl="https://web.archive.org/web/'
            '20261202010203/https://gov.example/a" data-versiondate="2018-05-14">') in \
        out.read_text(encoding="utf-8")
    assert "save page now: https://gov.example/a: captured" in result.output


def test_fix_a_docx_through_the_cli(tmp_path):
    import io
    import zipfile

    from officegen import to_docx

    path = tmp_path / "brief.docx"
    path.write_bytes(to_docx([[("Sales grew (", None), ("SIPRI, 2017", "https://sipri.example/b"),
                               (").", None)]], "2018-06-04"))
    doc = read_document(str(path))
    (c,) = extract_citations(doc)
    with Store(str(tmp_path / "c.db")) as store:
        run = store.start_run({})
        store.save_documents(run, [(doc, 1)])
        store.save_verdict(run, Verdict(c, VerdictKind.RESCUED, urls=(c.url or "",),
                                        snapshot=snap(c.url or "", "20180515000000")))
        store.finish_run(run, {})
    out = tmp_path / "fixed.docx"
    result = invoke(tmp_path, "fix", str(path), "-o", str(out))
    assert result.exit_code == 0, result.output
    rels = zipfile.ZipFile(io.BytesIO(out.read_bytes())).read("word/_rels/document.xml.rels")
    assert b'Target="http://arch.example/web/20180515000000/https://sipri.example/b"' in rels
    diff = invoke(tmp_path, "fix", str(path), "--diff", "-q")
    assert f"+++ {path} (fixed)/word/_rels/document.xml.rels" in diff.output
