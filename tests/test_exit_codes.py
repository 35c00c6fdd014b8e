"""One test per exit code (DESIGN.md): 0 clean, 1 findings, 2 usage/input, 3 run failed."""

import sqlite3

import pytest
from click.testing import CliRunner

from citecheck.cli import cli

CLEAN = "4 June 2018\n\nChina announced plans ([MOFA, May 14](http://gov.test/a)).\n"


def audit(tmp_path, *args):
    return CliRunner().invoke(
        cli, ["audit", *args, "--db", str(tmp_path / "h.db"), "--report-dir",
              str(tmp_path / "reports"), "--archive-dir", str(tmp_path / "archive")],
    )


def test_exit_0_when_nothing_at_or_above_fail_on(tmp_path, fake_stages):
    brief = tmp_path / "clean.md"
    brief.write_text(CLEAN, encoding="utf-8")
    result = audit(tmp_path, str(brief))
    assert result.exit_code == 0, result.output
    assert "1 citations in 1 document, 1 URLs: 1 verified" in result.output


def test_exit_1_on_findings(tmp_path, fake_stages, fake_brief):
    result = audit(tmp_path, fake_brief)
    assert result.exit_code == 1, result.output
    assert "1 dead" in result.output and "1 malformed" in result.output


def test_exit_2_on_missing_document(tmp_path, fake_stages):
    result = audit(tmp_path, str(tmp_path / "nope.txt"))
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: {tmp_path / 'nope.txt'}: no such file"
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", [["audit", "brief.md"], ["check", "http://x.test/"],
                                     ["archive", "lookup", "http://x.test/"]])
@pytest.mark.parametrize("option, value", [("--archive-url", "notaurl"),
                                           ("--archive-url", "ftp://x/web"),
                                           ("--archive-cdx-url", "http://[::1")])
def test_exit_2_on_an_archive_url_that_is_not_http(tmp_path, command, option, value):
    # F18: accepted before, and every lookup then failed
    result = CliRunner().invoke(cli, [*command, option, value, "--db", str(tmp_path / "h.db")])
    assert result.exit_code == 2, result.output
    assert f"{value!r}: not an http(s) URL" in result.output


def test_exit_2_on_bad_config_names_file_and_line(tmp_path, fake_stages, fake_brief):
    config = tmp_path / "citations.yaml"
    config.write_text("sources:\n  TASS:\n    domains: [tass.com\n", encoding="utf-8")
    result = audit(tmp_path, fake_brief, "--config", str(config))
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {config}:")
    assert "Traceback" not in result.output


def test_exit_2_on_a_bad_threshold_in_the_environment(tmp_path, fake_stages, fake_brief,
                                                      monkeypatch):
    # was a traceback per citation, every one "inconclusive", and exit 0
    monkeypatch.setenv("CITECHECK_DATE_TOLERANCE_DAYS", "abc")
    result = audit(tmp_path, fake_brief)
    assert result.exit_code == 2, result.output
    assert result.output.strip() == "Error: CITECHECK_DATE_TOLERANCE_DAYS: 'abc' is not a number"


def test_exit_3_when_the_database_is_not_a_database(tmp_path, fake_stages, fake_brief):
    (tmp_path / "h.db").write_bytes(b"not sqlite at all " * 100)
    result = audit(tmp_path, fake_brief)
    assert result.exit_code == 3
    assert "not a citecheck database" in result.output
    assert "Traceback" not in result.output


def test_exit_3_when_the_database_stays_locked(tmp_path, fake_stages, fake_brief, monkeypatch):
    monkeypatch.setattr("citecheck.store.BUSY_TIMEOUT_SECONDS", 0.2)
    audit(tmp_path, fake_brief)  # create it
    holder = sqlite3.connect(tmp_path / "h.db")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = audit(tmp_path, fake_brief)
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 3
    assert "database is locked" in result.output


@pytest.mark.parametrize("where", ["citecheck.pipeline.write_reports",
                                   "citecheck.pipeline.build_report"])
def test_exit_130_on_ctrl_c_outside_the_checks(tmp_path, fake_stages, fake_brief, monkeypatch,
                                               where):
    # Ctrl-C while the report is built or written (most of a warm audit) was
    # click's "Aborted!" and exit 1, which CI reads as findings; then exit 3; issue 15
    # (5): 130, the convention for SIGINT (128 + 2)
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(where, interrupted)
    result = audit(tmp_path, fake_brief)
    assert result.exit_code == 130, result.output
    assert result.output.strip().splitlines()[-1].startswith("Error: interrupted")
    assert "Aborted" not in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["extract", "{missing}"],
        ["audit", "{missing}", "--no-archive", "--db", "{tmp}/h.db"],
        ["sources", "{missing}"],
        ["sources", "--config", "{missing}"],
        ["extract", "{brief}", "--config", "{missing}"],
        ["check", "--urls-from", "{missing}", "--no-archive", "--db", "{tmp}/h.db"],
        ["history", "--db", "{missing}"],
        ["report", "--db", "{missing}"],
        ["archive", "export", "--wacz", "{tmp}/e.wacz", "--db", "{missing}"],
    ],
)
def test_a_missing_input_is_worded_the_same_by_every_command(tmp_path, command):
    # issue 15 (5): "no such file", "no such file or directory", "no such database", and
    # `sources` printed the registry before saying its document was missing
    import re

    missing = str(tmp_path / "nope.txt")
    brief = tmp_path / "b.md"
    brief.write_text(CLEAN, encoding="utf-8")
    args = [a.format(missing=missing, tmp=tmp_path, brief=brief) for a in command]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert re.fullmatch(rf"Error: {re.escape(missing)}: no such file( \([^\n]+\))?\n",
                        result.output), result.output


@pytest.mark.parametrize("signum, code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_signal_mid_audit_exits_128_plus_it_and_keeps_the_finished_checks(
        tmp_path, fake_stages, fake_brief, signum, code):
    # issue 15 (5): Ctrl-C and SIGTERM were exit 3, like a failed run
    import os
    import signal

    check_urls = fake_stages.check_urls

    def then_signalled(urls, client, **kwargs):
        first = check_urls(urls[:1], client, **kwargs)  # one check finishes and is saved
        os.kill(os.getpid(), getattr(signal, signum))
        for _ in range(100):  # the handler runs between two bytecodes: well before this ends
            signal.sigtimedwait([], 0.01)
        return first

    fake_stages.check_urls = then_signalled
    result = audit(tmp_path, fake_brief)
    assert result.exit_code == code, result.output
    assert result.output.startswith("Error: interrupted")
    assert "Aborted" not in result.output and "Traceback" not in result.output
    db = sqlite3.connect(tmp_path / "h.db")
    assert db.execute("select status, exit_code from runs").fetchall() == [("interrupted", code)]
    assert db.execute("select count(*) from checks").fetchone()[0] == 1
