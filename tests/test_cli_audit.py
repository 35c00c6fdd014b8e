"""``citecheck audit``, ``history`` and ``report`` through click, with fake network stages."""

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from citecheck.cli import cli
from citecheck.models import LiveStatus


@pytest.fixture
def run(tmp_path):
    def invoke(*args, input=None):
        runner = CliRunner()
        return runner.invoke(cli, [*args], input=input, catch_exceptions=False)

    return invoke


def audit_args(tmp_path, *extra):
    return ["audit", *extra, "--db", str(tmp_path / "h.db"), "--report-dir",
            str(tmp_path / "reports"), "--archive-dir", str(tmp_path / "archive")]


def test_audit_writes_html_report_by_default(tmp_path, run, fake_stages, fake_brief):
    result = run(*audit_args(tmp_path, fake_brief))
    assert result.exit_code == 1
    reports = list((tmp_path / "reports").glob("*.html"))
    assert [p.name for p in reports] == ["citecheck-run-1.html"]
    assert f"wrote {reports[0]}" in result.output
    html = reports[0].read_text()
    assert "Content-Security-Policy" in html and "Kremlin" in html


def test_audit_json_and_markdown_to_stdout(tmp_path, run, fake_stages, fake_brief):
    result = run(*audit_args(tmp_path, fake_brief, "--json", "-", "-q"))
    data = json.loads(result.stdout)
    assert [c["verdict"] for c in data["citations"]] == [
        "verified", "dead", "unresolved", "malformed"]
    assert data["citations"][1]["live"]["status"] == "dead"
    assert data["summary"]["by_verdict"]["dead"] == 1
    md = run(*audit_args(tmp_path, fake_brief, "--markdown", "-", "-q"))
    assert "dead" in md.stdout and md.stdout.lstrip().startswith("#")


def test_quiet_prints_nothing_but_errors(tmp_path, run, fake_stages, fake_brief):
    result = run(*audit_args(tmp_path, fake_brief, "-q", "--junit", str(tmp_path / "j.xml")))
    assert result.exit_code == 1
    assert result.output == ""
    assert "<failure" in (tmp_path / "j.xml").read_text()


def test_fail_on_warn_and_fail(tmp_path, run, fake_stages):
    brief = tmp_path / "b.md"
    brief.write_text("4 June 2018\n\nIt grew (SIPRI, 2017).\n", encoding="utf-8")
    assert run(*audit_args(tmp_path, str(brief))).exit_code == 0  # unresolved is a warning
    assert run(*audit_args(tmp_path, str(brief), "--fail-on", "warn")).exit_code == 1


def test_bad_duration_is_a_usage_error(tmp_path, run, fake_stages, fake_brief):
    result = run(*audit_args(tmp_path, fake_brief, "--max-age", "soon"))
    assert result.exit_code == 2 and "--max-age" in result.output
    result = run(*audit_args(tmp_path, fake_brief, "--confirm-interval", "x"))
    assert result.exit_code == 2 and "--confirm-interval" in result.output


def test_confirm_after_flags(tmp_path, run, fake_stages, fake_brief):
    result = run(*audit_args(tmp_path, fake_brief, "--confirm-after", "2", "--json", "-", "-q"))
    gone = json.loads(result.stdout)["citations"][1]
    assert gone["verdict"] == "inconclusive" and gone["reasons"][0] == "unconfirmed-failure"
    result = run(*audit_args(tmp_path, fake_brief, "--confirm-after", "2", "--json", "-", "-q"))
    assert json.loads(result.stdout)["citations"][1]["verdict"] == "dead"


def test_folder_of_briefs(tmp_path, run, fake_stages, fake_brief):
    folder = tmp_path / "briefs" / "2018"
    folder.mkdir(parents=True)
    for name in ("a.md", "b.markdown"):
        (folder / name).write_text(Path(fake_brief).read_text(), encoding="utf-8")
    result = run(*audit_args(tmp_path, str(tmp_path / "briefs"), "--json", "-", "-q"))
    data = json.loads(result.stdout)
    assert len(data["documents"]) == 2 and len(data["citations"]) == 8


def test_stdin_document(tmp_path, run, fake_stages):
    text = "4 June 2018\n\nChina announced plans ([MOFA, May 14](http://gov.test/a)).\n"
    result = run(*audit_args(tmp_path, "-", "--json", "-", "-q"), input=text)
    assert json.loads(result.stdout)["citations"][0]["verdict"] == "verified"


def test_history_and_report_commands(tmp_path, run, fake_stages, fake_brief):
    db = str(tmp_path / "h.db")
    run(*audit_args(tmp_path, fake_brief, "-q"))
    fake_stages.statuses["http://gov.test/gone"] = LiveStatus.OK
    fake_stages.statuses["http://gov.test/a"] = LiveStatus.DEAD
    run(*audit_args(tmp_path, fake_brief, "-q", "--max-age", "0"))  # else the cache says ok
    out = run("history", "--db", db)
    assert out.exit_code == 0
    assert "By source:" in out.output and "By document:" in out.output
    assert "Kremlin: 1 recovered" in out.output and "MOFA: 1 newly-dead" in out.output
    data = json.loads(run("history", "Kremlin", "--db", db, "--json").output)
    assert [c["kind"] for c in data["changes"]] == ["recovered"]
    first = json.loads(run("report", "--db", db, "--run", "1").output)
    assert first["run"]["id"] == "1" and first["citations"][0]["verdict"] == "verified"
    latest = json.loads(run("report", "--db", db).output)
    assert latest["citations"][0]["verdict"] == "dead"
    assert {c["kind"] for c in latest["changes"]} == {"recovered", "newly-dead"}
    html = tmp_path / "old.html"
    result = run("report", "--db", db, "--run", "1", "--html", str(html))
    assert result.exit_code == 1 and "<html" in html.read_text()  # run 1 has a dead source


def test_report_exit_code_follows_fail_on(tmp_path, run, fake_stages):
    # F9: a re-rendered run sets the exit code as the audit did (CI renders cached runs)
    db = str(tmp_path / "h.db")
    brief = tmp_path / "b.md"
    brief.write_text("4 June 2018\n\nIt grew (SIPRI, 2017).\n", encoding="utf-8")
    run(*audit_args(tmp_path, str(brief), "-q"))  # run 1: unresolved, a warning
    assert run("report", "--db", db, "--json", os.devnull).exit_code == 0
    assert run("report", "--db", db, "--fail-on", "warn", "--json", os.devnull).exit_code == 1


def test_history_of_an_unknown_run_is_an_error(tmp_path, run, fake_stages, fake_brief):
    # F10: it said "No changes since the previous run." and exited 0
    run(*audit_args(tmp_path, fake_brief, "-q"))
    result = run("history", "--db", str(tmp_path / "h.db"), "--run", "999")
    assert result.exit_code == 2
    assert result.output == f"Error: {tmp_path / 'h.db'}: no run with id 999\n"
    assert run("history", "--db", str(tmp_path / "h.db"), "--run", "1").exit_code == 0


def test_report_accepts_report_dir(tmp_path, run, fake_stages, fake_brief):
    # F12: its --html help names --report-dir, which it did not accept
    run(*audit_args(tmp_path, fake_brief, "-q"))
    out = tmp_path / "again"
    result = run("report", "--db", str(tmp_path / "h.db"), "--report-dir", str(out))
    assert "<html" in (out / "citecheck-run-1.html").read_text()
    assert result.stdout == ""  # no JSON on stdout when a file was asked for
    assert f"wrote {out / 'citecheck-run-1.html'}" in result.output


def test_report_and_history_need_a_database(tmp_path, run):
    result = run("report", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 2
    assert result.output == (f"Error: {tmp_path / 'none.db'}: no such file (no database yet: "
                             "run `citecheck audit` first, or pass --db)\n")
    result = run("history", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 2


def test_report_unknown_run(tmp_path, run, fake_stages, fake_brief):
    # issue 15 (5): exit 3 (the run failed) before; a missing run is an input error, as
    # for history
    run(*audit_args(tmp_path, fake_brief, "-q"))
    result = run("report", "--db", str(tmp_path / "h.db"), "--run", "42")
    assert result.exit_code == 2
    assert result.output == f"Error: {tmp_path / 'h.db'}: no run with id 42\n"
    history = run("history", "--db", str(tmp_path / "h.db"), "--run", "42")
    assert (history.exit_code, history.output) == (result.exit_code, result.output)


def test_report_of_a_database_without_runs_is_an_input_error(tmp_path, run):
    from citecheck.store import Store

    with Store(str(tmp_path / "h.db")):
        pass
    result = run("report", "--db", str(tmp_path / "h.db"))
    assert result.exit_code == 2
    assert result.output == (f"Error: {tmp_path / 'h.db'}: no runs recorded yet "
                             "(run `citecheck audit` first)\n")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--report-dir", "afile/sub"], "afile/sub: cannot create report directory: "),
        (["--json", "afile/o.json"], "afile: cannot create report directory: "),
        (["--junit", "afile/x/j.xml"], "afile/x: cannot create report directory: "),
        (["--markdown", "/proc/citecheck.md"], "/proc/citecheck.md: cannot write report: "),
    ],
)
def test_unwritable_report_paths_are_run_errors(tmp_path, run, fake_stages, fake_brief,
                                                monkeypatch, options, message):
    # F5: a traceback and exit 1 (the "findings" code) before; now one line and exit 3
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("a regular file")
    args = ["audit", fake_brief, "--db", "h.db", "--archive-dir", "archive", "-q"]
    if "--report-dir" not in options:
        args += ["--report-dir", "reports"]
    result = run(*args, *options)
    assert result.exit_code == 3, result.output
    assert result.output.startswith(f"Error: {message}"), result.output
    assert len(result.output.strip().splitlines()) == 1
    # and the same for re-rendering a stored run
    flag = "--html" if "--report-dir" in options else options[0]
    target = options[1] if "--report-dir" not in options else "afile/sub/r.html"
    result = run("report", "--db", "h.db", flag, target)
    assert result.exit_code == 3 and result.output.startswith("Error: "), result.output


@pytest.mark.parametrize("command", ["audit", "history", "report"])
def test_help_has_an_example(run, command):
    result = run(command, "--help")
    assert result.exit_code == 0 and "Example:" in result.output


def test_history_fail_on_new(tmp_path, run, fake_stages, fake_brief):
    db = str(tmp_path / "h.db")
    run(*audit_args(tmp_path, fake_brief, "-q"))
    first = run("history", "--db", db, "--fail-on-new")
    assert first.exit_code == 1  # a first run: its dead citation is new
    assert "new -> dead" in first.output and "newly dead or mismatched" in first.output
    run(*audit_args(tmp_path, fake_brief, "-q"))
    again = run("history", "--db", db, "--fail-on-new")
    assert again.exit_code == 0, again.output  # still dead, but no longer new
    assert "No changes since the previous run." in again.output


def test_verbose_shows_progress_off_a_terminal(tmp_path, run, fake_stages, fake_brief):
    result = run(*audit_args(tmp_path, fake_brief, "-v"))
    assert "documents 1/1" in result.stderr and "URLs 2/2" in result.stderr
    quiet_default = run(*audit_args(tmp_path, fake_brief))
    assert "documents 1/1" not in quiet_default.stderr  # not a TTY, no -v: no progress
    assert "run 2:" in quiet_default.stderr


def test_an_unreadable_file_in_a_folder_is_skipped_not_fatal(tmp_path, run, fake_stages,
                                                              fake_brief):
    # F15: one empty or binary file aborted the whole folder audit
    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.md").write_text(Path(fake_brief).read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "e.md").write_text("")
    (folder / "sub" / "b.txt").write_bytes(bytes(range(256)) * 20)
    result = run(*audit_args(tmp_path, str(folder), "-q", "--json", str(tmp_path / "o.json")))
    assert result.exit_code == 2, result.output
    errors = result.output.strip().splitlines()
    assert errors == [
        f"Error: {folder / 'e.md'}: empty document (skipped; the other documents were audited)",
        f"Error: {folder / 'sub' / 'b.txt'}: binary file, not a text document "
        "(skipped; the other documents were audited)",
    ]
    data = json.loads((tmp_path / "o.json").read_text())
    assert [d["name"] for d in data["documents"]] == [str(folder / "a.md")]
    assert len(data["citations"]) == 4
    # named on the command line, a bad file still stops the run
    result = run(*audit_args(tmp_path, str(folder / "e.md"), str(folder / "a.md")))
    assert result.exit_code == 2 and "empty document" in result.output


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:  # bound, then closed: connecting to it is refused
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_refused_urls_are_skipped_not_offline(tmp_path, run):
    # issue 15 (4): URLs refused by policy plus an archive that is down made the
    # run "offline" (reason offline, "this machine appears to be offline")
    brief = tmp_path / "brief.md"
    brief.write_text(
        "4 June 2018\n\n"
        "The ministry said so ([TASS, June 1, 2018](http://10.1.2.3/a)). Another said that "
        "([Xinhua, May 2, 2018](http://192.168.7.7/b)). A third agreed (SIPRI, 2017).\n",
        encoding="utf-8")
    config = tmp_path / "citations.yaml"
    config.write_text("sources:\n  SIPRI:\n    domains: [sipri.org]\n", encoding="utf-8")
    port = _closed_port()
    archive = f"http://127.0.0.1:{port}/web"
    result = run(*audit_args(tmp_path, str(brief), "--config", str(config), "--archive-url",
                             archive, "--json", str(tmp_path / "out.json"), "--timeout", "2"))
    data = json.loads((tmp_path / "out.json").read_text())
    assert result.exit_code == 0, result.output
    assert "offline" not in result.output
    refused = [c for c in data["citations"] if c["source"] in ("TASS", "Xinhua")]
    assert [c["live"]["status"] for c in refused] == ["skipped", "skipped"]
    assert all(c["verdict"] == "inconclusive" and "offline" not in c["reasons"]
               and "private-address" in c["reasons"] for c in refused)
    (sipri,) = [c for c in data["citations"] if c["source"] == "SIPRI"]
    assert sipri["verdict"] == "inconclusive" and "offline" not in sipri["reasons"]
    assert "connection-refused" in sipri["reasons"]
    # each thing said once, the archive named, no errno text (it said "no URL" three times
    # and "(connection-refused: Connection refused)")
    assert sipri["explanation"] == (
        "Could not decide: no URL is known for this citation (no hyperlink, no pin, nothing "
        f"discovered), because the archive (127.0.0.1:{port}) could not be asked: it refused "
        "the connection.")
    down = f"the archive (127.0.0.1:{port}) could not be asked: it refused the connection."
    assert [c["explanation"] for c in refused] == [
        f"Could not decide: 10.1.2.3 is a private address, refused without --allow-private; {down}",
        f"Could not decide: 192.168.7.7 is a private address, refused without --allow-private; "
        f"{down}"]
    assert ("Warning: every URL was refused before any request (private-address: see "
            "--allow-private), so nothing was checked.") in result.output


def test_history_after_the_first_run_says_it_is_the_first(tmp_path, run, fake_stages,
                                                           fake_brief):
    # issue 15 (5): it said "No changes since the previous run." when there was none
    db = str(tmp_path / "h.db")
    brief = tmp_path / "b.md"
    brief.write_text("4 June 2018\n\nIt grew (SIPRI, 2017).\n", encoding="utf-8")
    run(*audit_args(tmp_path, str(brief), "-q"))
    result = run("history", "--db", db)
    assert result.exit_code == 0
    assert result.output == ("Run 1 is the first run: there is no earlier run to compare "
                             "it with.\n")
    run(*audit_args(tmp_path, fake_brief, "-q"))  # run 2: other citations, failing ones
    second = run("history", "--db", db)
    assert second.output.startswith("Changes in run 2 since earlier runs:")
    assert run("history", "--db", db, "--run", "1").output.startswith("Run 1 is the first run")


def test_no_url_at_all_and_the_archive_unreachable_is_still_offline(tmp_path, run):
    # the bundled example offline (issue 15, 7): every citation needs discovery and the
    # archive cannot be reached; that stays "offline", unlike refused URLs above
    brief = tmp_path / "brief.md"
    brief.write_text("4 June 2018\n\nIt grew (SIPRI, 2017). It fell (SIPRI, 2016).\n",
                     encoding="utf-8")
    config = tmp_path / "citations.yaml"
    config.write_text("sources:\n  SIPRI:\n    domains: [sipri.org]\n", encoding="utf-8")
    archive = f"http://127.0.0.1:{_closed_port()}/web"
    result = run(*audit_args(tmp_path, str(brief), "--config", str(config), "--archive-url",
                             archive, "--timeout", "2"))
    assert result.exit_code == 0, result.output
    assert "appears to be offline" in result.output
