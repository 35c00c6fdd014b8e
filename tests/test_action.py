"""The CI conventions, offline: the composite action's audit script run with a
fake GitHub environment, action.yml's shape, and the pre-commit hook's entry."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "citecheck-action.sh"
BIN = Path(sys.executable).parent

CLEAN = "4 June 2018\n\nSales grew in 2017, analysts said.\n"
MALFORMED = ("4 June 2018\n\nThe sale was worth more than all Russian arms sales to China "
             "in the five years prior (SIPRI\n\nThat is all.\n")


def action_env(tmp_path: Path, args: str, **extra: str) -> dict[str, str]:
    out, summary = tmp_path / "output", tmp_path / "summary.md"
    out.write_text("")
    summary.write_text("# earlier step\n")
    return {
        "PATH": f"{BIN}{os.pathsep}/usr/bin:/bin",
        "HOME": str(tmp_path),
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(out),
        "GITHUB_STEP_SUMMARY": str(summary),
        "INPUT_ARGS": args,
        "INPUT_FAIL": "true",
        "INPUT_JOB_SUMMARY": "true",
        "CITECHECK_DB": str(tmp_path / "citecheck.db"),
        **extra,
    }


def run_action(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT)], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)


def outputs(tmp_path: Path) -> dict[str, str]:
    text = (tmp_path / "output").read_text()
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


@pytest.fixture
def briefs(tmp_path: Path) -> Path:
    (tmp_path / "my briefs").mkdir()
    (tmp_path / "my briefs" / "clean.md").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "broken.txt").write_text(MALFORMED, encoding="utf-8")
    return tmp_path


def test_findings_set_the_output_fill_the_summary_and_fail_the_step(briefs):
    env = action_env(briefs, "broken.txt --no-archive --report-dir reports")
    proc = run_action(briefs, env)
    assert proc.returncode == 1, proc.stderr
    assert outputs(briefs) == {"exit_code": "1"}
    summary = (briefs / "summary.md").read_text()
    assert summary.startswith("# earlier step\n## citecheck")  # appended, not replaced
    assert "malformed" in summary
    assert list((briefs / "reports").glob("*.html"))  # the user's own options are kept
    assert not list(briefs.glob("citecheck-summary.*"))  # the temporary file is gone


def test_fail_false_reports_findings_without_failing(briefs):
    env = action_env(briefs, "broken.txt --no-archive", INPUT_FAIL="false")
    proc = run_action(briefs, env)
    assert proc.returncode == 0
    assert outputs(briefs) == {"exit_code": "1"}
    assert "not failing the step" in proc.stderr


def test_a_clean_brief_passes_and_quoted_args_are_one_word(briefs):
    env = action_env(briefs, "'my briefs' --no-archive", INPUT_JOB_SUMMARY="false")
    proc = run_action(briefs, env)
    assert proc.returncode == 0, proc.stderr
    assert outputs(briefs) == {"exit_code": "0"}
    assert (briefs / "summary.md").read_text() == "# earlier step\n"  # job-summary: false
    assert (briefs / "citecheck.db").exists()  # CITECHECK_DB: the database the cache keeps


@pytest.mark.parametrize(("args", "message"), [
    ("missing.md --no-archive", "missing.md: no such file"),
    ("'unclosed --no-archive", "Error: args: No closing quotation"),
    ("broken.txt $(touch pwned) --no-archive", "no such file"),
])
def test_usage_errors_always_fail_even_with_fail_false(briefs, args, message):
    env = action_env(briefs, args, INPUT_FAIL="false")
    proc = run_action(briefs, env)
    assert proc.returncode == 2
    assert outputs(briefs) == {"exit_code": "2"}
    assert message in proc.stderr
    assert not (briefs / "pwned").exists()  # args are words, never run


def test_action_yml_declares_the_contract():
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert set(action["inputs"]) >= {"args", "fail", "job-summary", "db-cache-key"}
    assert action["inputs"]["fail"]["default"] == "true"
    assert action["outputs"]["exit_code"]["value"] == "${{ steps.audit.outputs.exit_code }}"
    assert action["runs"]["using"] == "composite"
    steps = {s.get("id") or s["name"]: s for s in action["runs"]["steps"]}
    uses = [s.get("uses", "") for s in action["runs"]["steps"]]
    assert "actions/cache/restore@v4" in uses and "actions/cache/save@v4" in uses
    save = next(s for s in action["runs"]["steps"] if s.get("uses") == "actions/cache/save@v4")
    restore = next(s for s in action["runs"]["steps"]
                   if s.get("uses") == "actions/cache/restore@v4")
    assert save["if"].startswith("always()")  # a failing audit still keeps its results
    assert save["with"]["key"] == restore["with"]["key"]
    assert restore["with"]["restore-keys"] == "${{ inputs.db-cache-key }}-"
    audit = steps["audit"]
    assert audit["run"] == 'bash "$GITHUB_ACTION_PATH/scripts/citecheck-action.sh"'
    assert audit["env"]["INPUT_ARGS"] == "${{ inputs.args }}"  # never pasted into the script
    assert "${{" not in audit["run"]
    install = steps["Install citecheck"]["run"]
    assert 'pip install' in install and '"$GITHUB_ACTION_PATH"' in install


# ------------------------------------------------------------------ pre-commit


def hook() -> dict[str, object]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (only,) = [h for h in hooks if h["id"] == "citecheck-extract"]
    return only


def run_hook(tmp_path: Path, *files: str) -> subprocess.CompletedProcess[str]:
    entry = shlex.split(str(hook()["entry"]))
    env = {"PATH": f"{BIN}{os.pathsep}/usr/bin:/bin", "HOME": str(tmp_path),
           "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    return subprocess.run([*entry, *files], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)


def test_hook_fails_on_malformed_citations_in_the_files_given(briefs):
    assert hook()["language"] == "python"
    proc = run_hook(briefs, "my briefs/clean.md", "broken.txt")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines == ["broken.txt:3:87: malformed citation (SIPRI): no closing parenthesis "
                     "and no date"]
    assert "1 malformed citation(s)" in proc.stderr


def test_hook_passes_clean_briefs_and_refuses_the_network(briefs):
    assert run_hook(briefs, "my briefs/clean.md").returncode == 0
    proc = run_hook(briefs, "https://example.org/brief.html")
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("Error: https://example.org/brief.html: --check reads "
                                   "local files only (no network)")


@pytest.mark.parametrize(("name", "matched"), [
    ("briefs/a.md", True), ("a.txt", True), ("docs/b.html", True), ("c.htm", True),
    ("d.py", False), ("e.md.bak", False), ("citations.yaml", False),
])
def test_hook_file_pattern(name, matched):
    import re

    assert bool(re.search(str(hook()["files"]), name)) is matched
