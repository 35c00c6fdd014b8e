import subprocess
import sys

from click.testing import CliRunner

from citecheck import __version__
from citecheck.cli import cli


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


_VERSION_ONLY = """
import sys
from click.testing import CliRunner
from citecheck.cli import cli
print(CliRunner().invoke(cli, ["--version"]).output.strip())
heavy = ("citecheck.models", "citecheck.http", "citecheck.pipeline", "citecheck.store",
         "asyncio", "aiohttp", "requests", "sqlite_utils", "rapidfuzz")
print(",".join(m for m in heavy if m in sys.modules))
"""


def test_version_imports_nothing_it_does_not_use():
    out = subprocess.run([sys.executable, "-c", _VERSION_ONLY], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert __version__ in out[0]
    assert out[1:] == [""], out


_CHECK_ONLY = """
import sys
from click.testing import CliRunner
from citecheck.cli import cli
result = CliRunner().invoke(cli, ["check", "http://127.0.0.1:9/a", "--db", sys.argv[1],
                                  "--no-archive", "--max-age", "1h", "--json", "-"])
print(result.exit_code, '"skipped"' in result.output)
unused = ("citecheck.pipeline", "citecheck.verify", "citecheck.content", "citecheck.stages",
          "citecheck.report", "rapidfuzz", "trafilatura", "jinja2", "requests", "sqlite_utils")
print(",".join(m for m in unused if m in sys.modules))
"""


def test_check_imports_nothing_it_does_not_use(tmp_path):
    # a private address without --allow-private: refused (skipped), nothing asked
    out = subprocess.run([sys.executable, "-c", _CHECK_ONLY, str(tmp_path / "c.db")],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == "0 True"  # skipped: a warning, not a finding at the default --fail-on
    assert out[1:] == [""], out



def test_help_names_exit_codes():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Exit codes" in result.output


def test_unknown_command_is_usage_error():
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code == 2


def test_check_keeps_the_loaded_modules_out_of_the_collector_for_its_run(tmp_path, monkeypatch):
    import gc

    frozen = []
    real_freeze = gc.freeze
    monkeypatch.setattr(gc, "freeze", lambda: (real_freeze(), frozen.append(gc.get_freeze_count())))
    result = CliRunner().invoke(cli, ["check", "http://127.0.0.1:9/a", "--db",
                                      str(tmp_path / "c.db"), "--no-archive", "--quiet"])
    assert result.exit_code == 0, result.output
    assert len(frozen) == 1 and frozen[0] > 1000  # the modules, classes, functions loaded
    assert gc.get_freeze_count() == 0  # given back when the command ends
