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
