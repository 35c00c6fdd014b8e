"""`citecheck extract` and `citecheck sources`: formats, stdin, bad input, exit codes."""

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from citecheck.cli import cli

ROOT = Path(__file__).resolve().parent.parent
BRIEF = ROOT / "examples" / "china-russia-security-ties-2018-06-04.txt"


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


def assert_one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0]


def test_table_format():
    result = run("extract", str(BRIEF), "--format", "table")
    assert result.exit_code == 0
    assert "published: 2018-06-04 (from dateline)" in result.output
    assert "19 citations, 1 malformed, 9 with an inferred year" in result.output
    assert "MALFORMED" in result.output and "no closing parenthesis" in result.output


def test_default_format_off_a_terminal_is_json():
    result = run("extract", str(BRIEF))
    assert json.loads(result.output)["published"] == "2018-06-04"


def test_csv_format():
    result = run("extract", str(BRIEF), "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 19
    assert rows[1]["source"] == "Xinhua" and rows[1]["date"] == "2017-07-26"
    assert json.loads(rows[1]["quotes"]) == ["comprehensive strategic partnership of coordination"]


def test_stdin_and_published_option():
    result = run("extract", "-", "--format", "json", "--published", "2019-01-01",
                 input="Ties grew (TASS, May 5; CSIS, 2017).\n")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["document"] == "-" and data["published"] == "2019-01-01"
    assert [c["date"] for c in data["citations"]] == ["2018-05-05", "2017"]


def test_locator_and_date_range_in_json_and_csv():
    text = "Ties grew (SIPRI, 2017, p. 5; TASS, May 14–15).\n"
    result = run("extract", "-", "--format", "json", "--published", "2018-06-04", input=text)
    assert result.exit_code == 0, result.output
    first, second = json.loads(result.output)["citations"]
    assert (first["source"], first["date"], first["date_end"], first["locator"]) == (
        "SIPRI", "2017", None, "p. 5")
    assert (second["source"], second["date"], second["date_end"], second["locator"]) == (
        "TASS", "2018-05-14", "2018-05-15", None)
    assert second["date_as_written"] == "May 14–15" and second["year_inferred"] is True
    result = run("extract", "-", "--format", "csv", "--published", "2018-06-04", input=text)
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0].split(",")
    # each round's columns are added last: older columns keep their place
    assert header[-5:] == ["date_end", "locator", "style", "version_url", "version_date"]
    first, second = csv.DictReader(io.StringIO(result.output))
    assert (first["locator"], first["date_end"]) == ("p. 5", "")
    assert (second["locator"], second["date_end"]) == ("", "2018-05-15")


def test_stdin_html_is_sniffed():
    result = run("extract", "-", "--format", "json", input=(
        '<html><body><p>Grew (<a href="https://tass.com/x">TASS</a>, 2017).</p></body></html>'))
    assert result.exit_code == 0
    (citation,) = json.loads(result.output)["citations"]
    assert citation["url"] == "https://tass.com/x"


def test_empty_json_list():
    result = run("extract", "-", "--format", "json", input="No citations (PLA) here.\n")
    assert json.loads(result.output)["citations"] == []


def test_source_key_from_config(tmp_path):
    config = tmp_path / "reg.yaml"
    config.write_text("sources:\n  TASS:\n    aliases: [ITAR-TASS]\n    domains: [tass.com]\n")
    result = run("extract", "-", "--format", "json", "--config", str(config),
                 input="A (ITAR-TASS, 2017) and (tass.com, 2016) and (Xinhua, 2015).\n")
    assert [c["source_key"] for c in json.loads(result.output)["citations"]] == [
        "TASS", "TASS", None]


@pytest.mark.parametrize(
    ("name", "data", "fragments"),
    [
        ("missing.txt", None, ["missing.txt", "no such file"]),
        ("empty.txt", b"", ["empty.txt", "empty document"]),
        ("binary.txt", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00" * 20, ["binary.txt", "binary"]),
        ("broken.html", b"</p></div>", ["broken.html", "malformed HTML"]),
        ("binary.md", b"\x00\x01\x02\x03" * 50, ["binary.md", "binary"]),
    ],
)
def test_bad_documents(tmp_path, name, data, fragments):
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    assert_one_line_error(run("extract", str(path)), *fragments)


def test_directory(tmp_path):
    assert_one_line_error(run("extract", str(tmp_path)), str(tmp_path), "is a directory")


def test_non_utf8_text_is_read(tmp_path):
    path = tmp_path / "ru.txt"
    path.write_bytes(("2018-06-04\n\nМинистерство обороны России сообщило о совместных "
                      "учениях с Китаем и о новых планах сотрудничества (ТАСС, April 3).\n")
                     .encode("windows-1251"))
    result = run("extract", str(path), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output)["citations"][0]["source"] == "ТАСС"


def test_bad_published_option():
    assert_one_line_error(run("extract", str(BRIEF), "--published", "soon"), "--published")


@pytest.mark.parametrize(
    ("yaml_text", "fragments"),
    [
        ("sources: [unclosed\n", [":2:", "invalid YAML"]),
        ("sources:\n  TASS: !!python/object/apply:os.system ['echo pwned']\n",
         [":2:", "unsupported YAML tag"]),
        ("sources:\n  TASS:\n    domains: tass.com\n    aliases: 3\n",
         [":4:", "aliases must be a list of strings"]),
        ("pins:\n  - source: TASS\n    date: 2017-05-01\n", [":2:", "missing 'url'"]),
        ("pins:\n  - source: TASS\n    url: http://tass.com/x\n    date: 2017-02-30\n",
         [":4:", "2017-02-30"]),
        ("sources:\n  TASS: {}\n  Tass: {}\n", [":3:", "duplicate label"]),
        ("documents:\n  - published: 2018-06-04\n", [":2:", "needs a 'path' or a 'url'"]),
    ],
)
def test_bad_registry(tmp_path, yaml_text, fragments):
    config = tmp_path / "citations.yaml"
    config.write_text(yaml_text, encoding="utf-8")
    for command in (["extract", str(BRIEF), "--config", str(config)],
                    ["sources", "--config", str(config)]):
        assert_one_line_error(run(*command), str(config), *fragments)


def test_missing_registry(tmp_path):
    assert_one_line_error(run("sources", "--config", str(tmp_path / "nope.yaml")), "no such file")


def test_sources_lists_registry_and_unknown_sources(tmp_path):
    config = tmp_path / "reg.yaml"
    config.write_text("sources:\n  TASS:\n    name: TASS Russian News Agency\n"
                      "    domains: [tass.com, tass.ru]\n  CSIS: {}\nextra_key: tolerated\n")
    result = run("sources", "--config", str(config), str(BRIEF))
    assert result.exit_code == 0, result.output
    assert "TASS" in result.output and "tass.com, tass.ru" in result.output
    unknown = result.output.split("not in the registry:")[1]
    assert "MOFA" in unknown and "Russian MOD  (line 32, 36, 38, 38)" in unknown
    assert "TASS" not in unknown and "CSIS" not in unknown


def test_sources_with_the_shipped_registry_knows_every_example_source():
    result = run("sources", "--config", str(ROOT / "citations.yaml"), str(BRIEF))
    assert result.exit_code == 0
    assert "12 sources" in result.output
    assert "every source it cites is in the registry" in result.output
    for domain in ("fmprc.gov.cn", "news.cn", "sipri.org", "usni.org", "cpifa.org",
                   "jamestown.org", "presstv.ir", "mil.ru", "csis.org", "tass.com",
                   "cfau.edu.cn", "uscc.gov"):
        assert domain in result.output


def test_commands_have_help_with_examples():
    for command in ("extract", "sources"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "Example:" in result.output


def _citecheck():
    found = shutil.which("citecheck", path=str(Path(sys.executable).parent))
    return found or shutil.which("citecheck")


def test_installed_command_on_the_example():
    exe = _citecheck()
    assert exe, "the citecheck console script is installed"
    proc = subprocess.run([exe, "extract", str(BRIEF), "--format", "json"], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["citations"]) == 19
    proc = subprocess.run([exe, "extract", str(ROOT / "nope.txt")], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"Error: {ROOT / 'nope.txt'}: no such file"


@pytest.mark.slow
def test_installed_command_reads_a_brief_url(simweb):
    exe = _citecheck()
    base = simweb.host("briefs")
    simweb.route("briefs", "/ties.html", headers={"Content-Type": "text/html; charset=utf-8"},
                 body=(BRIEF.parent / "china-russia-security-ties-2018-06-04.txt")
                 .read_text(encoding="utf-8").replace("\n\n", "</p><p>")
                 .replace("(MOFA, May 14)", '(<a href="https://www.fmprc.gov.cn/x">MOFA</a>, '
                                            'May 14)'))
    url = f"{base}/ties.html"
    refused = subprocess.run([exe, "extract", url], capture_output=True, text=True,
                             timeout=60, check=False)
    assert refused.returncode == 2 and refused.stderr.startswith(f"Error: {url}")
    proc = subprocess.run([exe, "extract", url, "--allow-private", "--format", "json"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["published"] == "2018-06-04"
    assert len(data["citations"]) == 19
    assert data["citations"][0]["url"] == "https://www.fmprc.gov.cn/x"
    missing = subprocess.run([exe, "extract", f"{base}/nope.html", "--allow-private"],
                             capture_output=True, text=True, timeout=60, check=False)
    assert missing.returncode == 2 and "HTTP 404" in missing.stderr


def test_table_summary_says_one_citation(tmp_path):
    # F19: "1 citations"
    brief = tmp_path / "one.txt"
    brief.write_text("Drills took place (TASS, May 14, 2018).\n", encoding="utf-8")
    result = run("extract", str(brief), "--format", "table")
    assert "\n1 citation, 0 malformed" in result.output


def test_table_shows_a_locator_with_the_date_as_written(tmp_path):
    brief = tmp_path / "loc.txt"
    brief.write_text("Sales rose (SIPRI, 2017, p. 5) during talks (TASS, May 30–June 2).\n",
                     encoding="utf-8")
    rows = run("extract", str(brief), "--format", "table",
               "--published", "2018-06-04").output.splitlines()
    sipri = next(r for r in rows if "SIPRI" in r)
    tass = next(r for r in rows if "TASS" in r)
    assert "2017, p. 5" in sipri and "2018-05-30" in tass and "May 30–June 2" in tass
    assert ", p." not in tass  # no locator: the date as written, as before
