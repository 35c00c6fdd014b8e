"""The check command's library part: URL lists, severities, JSON, text lines."""

import json

import pytest

from citecheck.errors import ExitCode, InputError
from citecheck.http import FetchResult
from citecheck.linkcheck import (
    STATUS_SEVERITY,
    read_url_list,
    run_check,
    summary_text,
    text_lines,
    validate_urls,
)
from citecheck.models import ArchiveLookup, LiveStatus, LookupStatus, Severity, Snapshot


class Client:
    def __init__(self, table):
        self.table = table

    def fetch(self, url, **kwargs):
        code = self.table.get(url, 404 if "/citecheck-" in url else 200)  # a real 404 host
        return FetchResult(url, url, code, {"content-type": "text/plain"}, b"text")


class Archive:
    archive_url = "http://127.0.0.1:8080/web"

    def __init__(self):
        self.asked = []

    def lookup(self, url, cited_date, published, window_days=365):
        self.asked.append(url)
        if url.endswith("/gone"):
            snap = Snapshot(url, f"{self.archive_url}/20180101000000/{url}", "20180101000000", 200)
            return ArchiveLookup(url, LookupStatus.FOUND, snap)
        if url.endswith("/boom"):
            raise RuntimeError("archive down")
        return ArchiveLookup(url, LookupStatus.NONE)


def test_read_url_list(tmp_path):
    f = tmp_path / "urls.txt"
    f.write_text("\ufeff# comment\nhttp://a.test/1\n\n  http://a.test/2 \t\n"
                 "ftp://a.test/3\r\nhttp://a.test/4#frag  # cited twice\n")
    assert read_url_list(str(f)) == ["http://a.test/1", "http://a.test/2", "ftp://a.test/3",
                                     "http://a.test/4#frag"]


@pytest.mark.parametrize(
    ("text", "line", "shown"),
    [
        # issue 15 (5): the first word was kept ("http://a.test/2") and the rest dropped
        ("# urls\nhttp://a.test/1\n\nhttp://a.test/2   trailing note\n", 4,
         "'http://a.test/2   trailing note'"),
        ("junk line here\nhttp://a.test/1\n", 1, "'junk line here'"),
        ("http://a.test/1\nwww.example.org\n", 2, "'www.example.org'"),
    ],
)
def test_an_invalid_line_in_a_url_list_is_an_input_error_with_its_line(tmp_path, text, line,
                                                                         shown):
    f = tmp_path / "urls.txt"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_url_list(str(f))
    assert str(info.value) == (f"{f}:{line}: {shown} is not a URL "
                               "(one http:// or https:// URL per line)")
    assert info.value.exit_code == ExitCode.USAGE


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: str(p / "missing.txt"), "no such file"),
        (lambda p: str(p), "is a directory"),
        (lambda p: (p / "bin.txt").write_bytes(b"\xff\xfe\x00bad") and str(p / "bin.txt"),
         "not a UTF-8 text file"),
    ],
)
def test_read_url_list_errors(tmp_path, make, message):
    with pytest.raises(InputError, match=message) as info:
        read_url_list(make(tmp_path))
    assert info.value.exit_code == ExitCode.USAGE


def test_validate_urls():
    assert validate_urls(["http://a.test/", "mailto:x@y.z"]) == ["http://a.test/", "mailto:x@y.z"]
    with pytest.raises(InputError, match="not a URL"):
        validate_urls(["www.example.org"])


def test_every_status_has_a_severity():
    assert set(STATUS_SEVERITY) == set(LiveStatus)
    assert STATUS_SEVERITY[LiveStatus.DEAD] is Severity.FAIL
    assert all(STATUS_SEVERITY[s] is Severity.WARN for s in LiveStatus if not s.is_conclusive)


def test_run_check_dedups_asks_the_archive_and_exits_by_severity():
    archive = Archive()
    run = run_check(
        ["http://a.test/ok", "http://a.test/ok#x", "http://a.test/gone", "http://a.test/boom"],
        Client({"http://a.test/gone": 404}), archive=archive,
    )
    by_url = {u.url: u for u in run.urls}
    assert list(by_url) == ["http://a.test/ok", "http://a.test/gone", "http://a.test/boom"]
    assert by_url["http://a.test/ok"].inputs == ("http://a.test/ok", "http://a.test/ok#x")
    assert sorted(archive.asked) == sorted(by_url)
    assert by_url["http://a.test/gone"].lookup.snapshot.timestamp == "20180101000000"
    assert by_url["http://a.test/boom"].lookup.status is LookupStatus.ERROR
    assert run.exit_code(Severity.FAIL) is ExitCode.FINDINGS
    summary = run.summary()
    assert summary["by_status"]["dead"] == 1 and summary["snapshots"] == 1
    assert "3 URLs: 2 ok, 1 dead" in summary_text(run)
    lines = text_lines(run)
    assert lines[1].startswith("dead") and "snapshot http://127.0.0.1:8080/web/2018" in lines[1]
    # an archive that could not be asked is said, not mistaken for "no snapshot"
    assert "archive could not be asked: " in lines[2] and "archive" not in lines[0]
    assert summary_text(run).endswith("; 1 with a snapshot; the archive could not be asked for 1")


def test_to_json_is_to_dict():
    run = run_check(["http://a.test/é", "http://a.test/2"], Client({}))
    text = run.to_json()
    assert json.loads(text) == json.loads(json.dumps(run.to_dict()))
    assert len(text.splitlines()) == 6 + 2  # one line per URL entry
    assert run.exit_code(Severity.FAIL) is ExitCode.OK


def test_no_archive_lookups_when_offline():
    class Offline:
        def fetch(self, url, **kwargs):
            return FetchResult(url, url, error="dns-error", error_text="cannot resolve")

    archive = Archive()
    run = run_check(["http://a.test/1", "http://b.test/2"], Offline(), archive=archive)
    assert run.offline and archive.asked == []
    assert run.exit_code(Severity.FAIL) is ExitCode.OK
    assert run.exit_code(Severity.WARN) is ExitCode.FINDINGS


def test_a_check_where_every_url_was_refused_says_so_and_is_not_offline(tmp_path):
    # issue 15 (4): refused by policy is what we did, not what the network did
    from click.testing import CliRunner

    from citecheck.cli import cli

    urls = ["http://10.1.2.3/a", "http://192.168.7.7/b", "http://127.0.0.9:9/c"]
    result = CliRunner().invoke(cli, ["check", *urls, "--no-archive", "--json", "-",
                                      "--db", str(tmp_path / "c.db")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["summary"]["offline"] is False
    assert [e["status"] for e in data["urls"]] == ["skipped"] * 3
    assert all(e["reasons"] == ["private-address"] for e in data["urls"])
    assert "offline" not in result.stderr
    assert ("Warning: every URL was refused before any request (private-address: see "
            "--allow-private), so nothing was checked.") in result.stderr
    warn = CliRunner().invoke(cli, ["check", *urls, "--no-archive", "--fail-on", "warn",
                                    "--db", str(tmp_path / "c.db")])
    assert warn.exit_code == 1  # refused URLs are warnings, as every skipped one


def test_a_junk_line_in_a_url_list_is_an_input_error_naming_file_and_line(tmp_path):
    # F11: one junk line aborted the whole check with an error naming neither file nor
    # line; then its first word was checked (skipped, invalid-url) and the rest dropped.
    # Issue 15 (5): the whole line is read, and a line that is no URL is an input error
    from click.testing import CliRunner

    from citecheck.cli import cli

    listing = tmp_path / "urls.txt"
    listing.write_text("ftp://x.test/a\njunk line here\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--urls-from", str(listing), "--no-archive",
                                      "--db", str(tmp_path / "c.db")])
    assert result.exit_code == 2, result.output
    assert result.output == (f"Error: {listing}:2: 'junk line here' is not a URL "
                             "(one http:// or https:// URL per line)\n")
    # a URL of another scheme is still checked (skipped, unsupported-scheme)
    listing.write_text("ftp://x.test/a\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--urls-from", str(listing), "--no-archive",
                                      "--db", str(tmp_path / "c.db")])
    assert result.exit_code == 0, result.output  # skipped is a warning
    assert any(ln.startswith("skipped") and "unsupported-scheme" in ln
               for ln in result.stdout.splitlines())
    # a junk argument is still a usage error
    result = CliRunner().invoke(cli, ["check", "junk", "--no-archive",
                                      "--db", str(tmp_path / "c.db")])
    assert result.exit_code == 2 and "not a URL" in result.output
