"""The ``citecheck archive`` commands: help, usage errors, evidence without a database."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from citecheck.cli import cli

COMMANDS = ["lookup", "save", "list", "show"]


@pytest.mark.parametrize("name", [None, *COMMANDS])
def test_every_archive_command_has_help_with_an_example(name):
    args = ["archive"] + ([name] if name else []) + ["--help"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0
    assert "Example:" in result.output and "citecheck archive" in result.output


def test_usage_errors_exit_2(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["archive", "lookup"]).exit_code == 2  # no URL
    result = runner.invoke(cli, ["archive", "lookup", "http://a.example/", "--no-archive"])
    assert result.exit_code == 2 and "--no-archive" in result.output
    result = runner.invoke(cli, ["archive", "lookup", "http://a.example/", "--max-age", "soon",
                                 "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2 and "--max-age" in result.output
    assert runner.invoke(cli, ["archive", "save"]).exit_code == 2


def test_list_and_show_with_no_evidence(tmp_path):
    runner = CliRunner()
    args = ["--archive-dir", str(tmp_path / "archive"), "--db", str(tmp_path / "none.db")]
    result = runner.invoke(cli, ["archive", "list", *args])
    assert result.exit_code == 0 and "No evidence recorded" in result.output
    assert runner.invoke(cli, ["archive", "list", "--json", *args]).output.strip().startswith("{")
    result = runner.invoke(cli, ["archive", "show", "http://a.example/", *args])
    assert result.exit_code == 2 and "no evidence recorded" in result.output


@pytest.mark.parametrize("indexed", [True, False])
def test_list_shows_stored_status_and_content_type_and_marks_probes(tmp_path, indexed):
    # issue 15 (5): from the database's index every record showed "-" for its status,
    # no content type, and the soft-404 probes looked like pages that were cited
    import json

    from citecheck.archive.warcstore import WarcStore
    from citecheck.http import FetchResult
    from citecheck.store import Store
    from citecheck.urls import is_probe_url

    probe = "http://pub.example/citecheck-0123456789abcdef0123"
    assert is_probe_url(probe) and not is_probe_url("http://pub.example/citecheck-docs")
    warc = WarcStore(tmp_path / "archive", 1)
    records = [
        warc.write(FetchResult("http://pub.example/a", "http://pub.example/a", 200,
                               {"content-type": "text/html; charset=utf-8"}, b"<p>page</p>")),
        warc.write(FetchResult(probe, probe, 404, {"content-type": "text/plain"}, b"missing")),
    ]
    warc.close()
    db = tmp_path / "h.db"
    if indexed:
        with Store(str(db)) as store:
            for rec in records:
                store.save_evidence(rec)
    args = ["--archive-dir", str(tmp_path / "archive"), "--db", str(db)]
    result = CliRunner().invoke(cli, ["archive", "list", *args])
    assert result.exit_code == 0, result.output
    page, probed = result.output.splitlines()
    assert "  200  text/html; charset=utf-8  http://pub.example/a  " in page
    assert "probe" not in page
    assert f"  404  text/plain  {probe}  " in probed
    assert probed.endswith("  (soft-404 probe)")
    data = json.loads(CliRunner().invoke(cli, ["archive", "list", "--json", *args]).output)
    assert [(r["status_code"], r["content_type"], r["probe"]) for r in data["records"]] == [
        (200, "text/html; charset=utf-8", False), (404, "text/plain", True)]
