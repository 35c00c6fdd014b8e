"""The installed ``citecheck check`` against a fault web on loopback addresses."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_simweb import (
    SimWeb,
    gzip_bomb,
    hang,
    redirect,
    reset_after,
    sequence,
    stream_bytes,
)

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
CITECHECK = shutil.which("citecheck", path=str(BIN)) or str(BIN / "citecheck")
FAST = ["--allow-private", "--no-archive", "--timeout", "1", "--retries", "1",
        "--max-retry-wait", "3"]

ARTICLE = "<html><head><title>Joint statement</title></head><body><h1>Joint statement</h1>" + (
    "<p>The ministers discussed regional security and signed an agreement.</p>" * 40
) + "</body></html>"
HOME = "<html><title>Ministry</title><body><h1>Welcome</h1><p>Latest news.</p></body></html>"
SOFT = ("<html><title>Ministry</title><body><nav>Home News About</nav><p>We searched for {p} "
        "but it is not here. Please use the search box.</p></body></html>")
RU = ("<html><head><title>Новости</title></head><body><p>"
      + "Министерство обороны Российской Федерации сообщает о завершении учений. " * 30
      + "</p></body></html>")

#: path or name -> (expected status, a reason that must be there or None)
EXPECTED = {
    "ok": ("ok", None),
    "chain": ("redirected", None),
    "offsite": ("moved", None),
    "loop": ("error", "redirect-loop"),
    "to-home": ("dead", "redirect-to-home"),
    "missing": ("dead", "http-404"),
    "gone": ("dead", "http-410"),
    "soft": ("dead", "soft-404"),
    "soft-host-real": ("ok", None),
    "busy": ("ok", None),
    "down": ("error", "http-503"),
    "hang": ("error", "timeout"),
    "reset": ("error", "connection-reset"),
    "huge": ("ok", "body-truncated"),
    "bomb": ("ok", "body-truncated"),
    "tls": ("error", "tls-error"),
    "cp1251": ("ok", None),
    "metadata": ("skipped", "private-address"),
    "refused": ("error", "connection-refused"),
}


def run_check(args, *, timeout=120, cwd=None):
    """Run the installed command; return (exit code, stdout, stderr, peak RSS in MB)."""
    wrapper = (
        "import resource, subprocess, sys\n"
        "p = subprocess.run(sys.argv[2:])\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "open(sys.argv[1], 'w').write(str(peak))\n"
        "sys.exit(p.returncode)\n"
    )
    rss_file = Path(cwd or ".") / "peak-rss.txt"
    proc = subprocess.run(
        [sys.executable, "-c", wrapper, str(rss_file), CITECHECK, "check", *args],
        capture_output=True, text=True, timeout=timeout, cwd=cwd,
        env={**os.environ, "CITECHECK_DB": str(Path(cwd or ".") / "cc.db")},
    )
    peak_mb = int(rss_file.read_text()) / 1024 if rss_file.exists() else None
    return proc.returncode, proc.stdout, proc.stderr, peak_mb


@pytest.fixture(scope="module")
def faultweb():
    web = SimWeb(first_ip="127.0.0.40")
    urls = {}
    urls["ok"] = web.route("gov", "/news/1", body=ARTICLE)
    web.route("gov", "/", body=HOME)
    web.route("gov", "/old", handler=redirect("/older", 301))
    web.route("gov", "/older", handler=redirect("/news/1", 302))
    urls["chain"] = web.url("gov", "/old")
    urls["offsite"] = web.route("gov", "/away", handler=redirect(web.url("news", "/story"), 302))
    web.route("news", "/story", body=ARTICLE)
    web.route("gov", "/loop-a", handler=redirect("/loop-b"))
    web.route("gov", "/loop-b", handler=redirect("/loop-a"))
    urls["loop"] = web.url("gov", "/loop-a")
    urls["to-home"] = web.route("gov", "/archive/2016/report", handler=redirect("/"))
    urls["missing"] = web.url("gov", "/no-such-page")
    urls["gone"] = web.route("gov", "/gone", status=410)
    web.fallback("soft", status=200, handler=lambda req: (200, {"Content-Type": "text/html"},
                                                           SOFT.format(p=req.path)))
    urls["soft"] = web.url("soft", "/docs/deleted-statement")
    urls["soft-host-real"] = web.route("soft", "/docs/statement", body=ARTICLE)
    urls["busy"] = web.route("gov", "/busy", handler=sequence(
        [(429, {"Retry-After": "1"}, b"slow down")], then=(200, {"Content-Type": "text/html"},
                                                          ARTICLE)))
    urls["down"] = web.route("gov", "/down", status=503, body=b"maintenance")
    urls["hang"] = web.route("slow", "/never", handler=hang())
    urls["reset"] = web.route("gov", "/reset", handler=reset_after(2000, declared=100_000))
    urls["huge"] = web.route("gov", "/huge.bin", handler=stream_bytes(100 * 1024 * 1024))
    urls["bomb"] = web.route("gov", "/bomb.html", handler=gzip_bomb(100 * 1024 * 1024))
    web.route("gov", "/secure", body=ARTICLE)
    urls["tls"] = web.url("gov", "/secure", tls=True)
    urls["cp1251"] = web.route("ru", "/novosti", body=RU.encode("cp1251"), content_type="text/html")
    urls["metadata"] = "http://169.254.169.254/latest/meta-data/"
    urls["refused"] = "http://127.0.0.39:9/closed"
    web.urls = urls
    try:
        yield web
    finally:
        web.close()


@pytest.fixture(scope="module")
def fault_run(faultweb, tmp_path_factory):
    cwd = tmp_path_factory.mktemp("check")
    code, out, err, peak = run_check(
        [*faultweb.urls.values(), "--json", "out.json", *FAST], cwd=cwd)
    data = json.loads((cwd / "out.json").read_text())
    by_url = {entry["url"]: entry for entry in data["urls"]}
    return code, out, err, peak, data, by_url


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fault_gets_the_right_status(faultweb, fault_run, name):
    _, _, _, _, _, by_url = fault_run
    status, reason = EXPECTED[name]
    entry = next(e for e in by_url.values() if faultweb.urls[name] in e["inputs"])
    assert entry["status"] == status, entry
    assert entry["live"]["status"] == status
    if reason:
        assert reason in entry["reasons"], entry


def test_the_run_finishes_with_findings_and_bounded_memory(fault_run):
    code, out, err, peak, data, _ = fault_run
    assert code == 1, err  # dead URLs are findings at --fail-on fail
    assert data["summary"]["total"] == len(EXPECTED)
    assert data["summary"]["by_status"]["dead"] == 4
    assert "URLs:" in err and "Traceback" not in err
    assert peak is not None and peak < 160, f"peak RSS {peak:.0f} MB"  # measured: ~90 MB


def test_details_of_the_fault_run(faultweb, fault_run):
    _, out, _, _, _, by_url = fault_run
    u = faultweb.urls
    chain = by_url[u["chain"]]["live"]
    assert [h["status_code"] for h in chain["redirects"]] == [301, 302]
    assert chain["final_url"] == u["ok"]
    assert by_url[u["cp1251"]]["live"]["encoding"] == "cp1251"
    assert by_url[u["huge"]]["live"]["bytes"] == 10 * 1024 * 1024
    assert by_url[u["bomb"]]["live"]["bytes"] == 10 * 1024 * 1024
    assert by_url[u["metadata"]]["live"]["status_code"] is None
    # Retry-After was honoured: the second request came about a second later
    busy = faultweb.hits("gov", "/busy")
    assert len(busy) == 2 and busy[1].at - busy[0].at >= 0.9
    # 503 always: asked 1 + --retries times, then reported
    assert len(faultweb.hits("gov", "/down")) == 2
    # the soft-404 probe was made once per host that answered 200
    assert len([h for h in faultweb.hits("soft") if "/citecheck-" in h.path]) == 1
    # the per-host limit held on the busiest host
    assert faultweb.peak_inflight("gov") <= 2
    # a line per URL on stdout
    assert len(out.strip().splitlines()) == len(EXPECTED)
    assert all(r.headers.get("user-agent", "").startswith("citecheck/") for r in faultweb.requests)


# ------------------------------------------------------------- CLI contract


@pytest.fixture
def site(simweb):
    ok = simweb.route("a", "/ok", body=ARTICLE)
    dead = simweb.route("a", "/dead", status=404)
    busy = simweb.route("a", "/busy", status=503)
    return simweb, ok, dead, busy


def test_urls_from_file_and_json_to_stdout(site, tmp_path):
    web, ok, dead, _ = site
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# sources\n{ok}\n\n{dead}  # cited twice\n{ok}#frag\n")
    code, out, err, _ = run_check(["--urls-from", str(listing), "--json", "-", *FAST],
                                  cwd=tmp_path)
    data = json.loads(out)
    assert code == 1
    assert [e["status"] for e in data["urls"]] == ["ok", "dead"]
    assert data["urls"][0]["inputs"] == [ok, f"{ok}#frag"]


def test_all_ok_exits_0_and_cache_reuses_successes_only(site, tmp_path):
    web, ok, dead, _ = site
    code, _, _, _ = run_check([ok, *FAST], cwd=tmp_path)
    assert code == 0
    code, out, err, _ = run_check([ok, dead, "--json", "-", *FAST], cwd=tmp_path)
    assert code == 1
    first = json.loads(out)["urls"]
    assert first[0]["live"]["from_cache"] is True and first[1]["live"]["from_cache"] is False
    assert len(web.hits("a", "/ok")) == 1
    run_check([dead, *FAST], cwd=tmp_path)
    assert len(web.hits("a", "/dead")) == 2  # a failure is never served from the cache
    run_check([ok, "--max-age", "0", *FAST], cwd=tmp_path)
    assert len(web.hits("a", "/ok")) == 2


def test_fail_on_warn_counts_inconclusive(site, tmp_path):
    _, ok, _, busy = site
    assert run_check([ok, busy, *FAST], cwd=tmp_path)[0] == 0
    assert run_check([ok, busy, "--fail-on", "warn", *FAST], cwd=tmp_path)[0] == 1


def test_offline_is_said_clearly_and_nothing_is_dead(tmp_path):
    urls = ["http://127.0.0.31:9/a", "http://127.0.0.32:9/b"]
    code, out, err, _ = run_check([*urls, "--json", "-", *FAST], cwd=tmp_path)
    data = json.loads(out)
    assert code == 0
    assert "appears to be offline" in err
    assert data["summary"]["offline"] is True
    assert all(e["status"] == "error" and "offline" in e["reasons"] for e in data["urls"])


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "give URLs"),
        (["--urls-from", "no-such-file.txt"], "no-such-file.txt: no such file"),
        (["not a url"], "not a URL"),
        (["http://x.test/", "--max-age", "soon"], "--max-age"),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path, args, message):
    code, out, err, _ = run_check([*args, "--no-archive"], cwd=tmp_path)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_private_addresses_are_skipped_without_allow_private(site, tmp_path):
    _, ok, _, _ = site
    code, out, _, _ = run_check([ok, "--no-archive", "--json", "-"], cwd=tmp_path)
    entry = json.loads(out)["urls"][0]
    assert entry["status"] == "skipped" and entry["reasons"] == ["private-address"]
    assert code == 0


def test_progress_only_on_a_terminal(site, tmp_path):
    import pty

    _, ok, dead, _ = site
    args = [CITECHECK, "check", ok, dead, *FAST, "--db", str(tmp_path / "p.db")]
    piped = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert "URLs 2/2" not in piped.stderr  # not a terminal: no progress
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=slave, timeout=60)
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
    assert proc.returncode == 1
    assert b"URLs 2/2" in seen
    assert b"URLs 2/2" not in proc.stdout  # data on stdout, progress on stderr


def test_snapshots_from_a_real_pywb(simweb, pywb_factory, tmp_path):
    from fixtures_pywb import html_capture

    gone = simweb.route("pub", "/2018/05/statement", status=410)
    fresh = simweb.route("pub", "/2026/new", body=ARTICLE)
    archive = pywb_factory([html_capture(gone, "20180514093000", "<p>The statement.</p>",
                                         title="Statement")], name="check")
    code, out, err, _ = run_check(
        [gone, fresh, "--archive-url", archive.root, "--allow-private", "--timeout", "5",
         "--json", "-"], cwd=tmp_path)
    assert code == 1, err
    entries = {e["url"]: e for e in json.loads(out)["urls"]}
    snap = entries[gone]["snapshot"]
    assert entries[gone]["status"] == "dead"
    assert snap["timestamp"] == "20180514093000" and snap["archive_url"].startswith(archive.root)
    assert entries[gone]["archive"]["status"] == "found"
    assert entries[fresh]["snapshot"] is None and entries[fresh]["archive"]["status"] == "none"
    assert json.loads(out)["summary"]["snapshots"] == 1


@pytest.mark.timeout(60)
def test_interrupted_check_is_one_error_line_and_keeps_finished_checks(simweb, tmp_path):
    # F16: Ctrl-C gave click's "Aborted!" and exit 1, the "findings" code
    import signal
    import sqlite3
    import time

    from fixtures_simweb import delay

    urls = [simweb.route("a", f"/slow/c{i}", handler=delay(0.3, body=b"<p>page</p>"))
            for i in range(40)]
    db = tmp_path / "term.db"
    proc = subprocess.Popen(
        [CITECHECK, "check", *urls, "--allow-private", "--no-archive", "--per-host", "1",
         "--no-soft404-probe", "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)

    def checked() -> int:
        try:
            with sqlite3.connect(db, timeout=5) as conn:
                return conn.execute("select count(*) from checks").fetchone()[0]
        except sqlite3.Error:
            return 0

    deadline = time.monotonic() + 30
    while checked() < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)  # waiting for a condition, not timing anything
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, (out, err)  # 128 + SIGINT (issue 15: was 3)
    assert err.startswith("Error: interrupted"), err
    assert "Aborted!" not in err and "Traceback" not in err
    assert 2 <= checked() < 40  # what finished is kept for --max-age to reuse


@pytest.mark.timeout(60)
def test_sigterm_during_audit_marks_the_run_interrupted(simweb, tmp_path):
    # F16 (related): a killed audit left its run "running" for ever
    import signal
    import sqlite3
    import time

    from fixtures_simweb import delay

    urls = [simweb.route("a", f"/slow/t{i}", handler=delay(0.3, body=b"<p>page</p>"))
            for i in range(40)]
    brief = tmp_path / "b.md"
    brief.write_text("4 June 2018\n\n" + "".join(
        f"Drills went on ([TASS, May {i % 28 + 1}, 2018]({u})).\n" for i, u in enumerate(urls)),
        encoding="utf-8")
    db = tmp_path / "t.db"
    proc = subprocess.Popen(
        [CITECHECK, "audit", str(brief), "--allow-private", "--no-archive", "--per-host", "1",
         "--db", str(db), "--report-dir", str(tmp_path / "r"), "--archive-dir",
         str(tmp_path / "a"), "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)

    def count(sql: str) -> int:
        try:
            with sqlite3.connect(db, timeout=5) as conn:
                return conn.execute(sql).fetchone()[0]
        except sqlite3.Error:
            return 0

    deadline = time.monotonic() + 30
    while (count("select count(*) from checks") < 2 and time.monotonic() < deadline
           and proc.poll() is None):
        time.sleep(0.05)  # waiting for a condition, not timing anything
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, (out, err)  # 128 + SIGTERM (issue 15: was 3)
    assert err.startswith("Error: interrupted by SIGTERM"), err
    assert count("select count(*) from runs where status = 'interrupted'") == 1
    assert count("select exit_code from runs") == 143
    assert count("select count(*) from checks") >= 2  # every finished check kept
