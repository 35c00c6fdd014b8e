"""Save Page Now on the aiohttp client, canned answers only: never the real Internet Archive."""

from __future__ import annotations

import json
import logging

import aiohttp
from fake_http import fake_web

from citecheck.archive.ratelimit import RateLimiter
from citecheck.archive.save import SaveKeys, save_page_now
from citecheck.http import HttpClient

matchers = fake_web.matchers
PUBLIC = "93.184.216.34"  #: what web.archive.org "resolves" to here: no DNS in unit tests


def client():
    return HttpClient(resolve=lambda host: [PUBLIC])


def no_dns(monkeypatch):
    """For the CLI, which makes its own client: names resolve without asking DNS."""
    import socket

    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **kw: [
        (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (PUBLIC, 0))])

SAVE = "https://web.archive.org/save"
PAGE = "https://news.example.com/2018/06/report"
SECRET = "s3cr3t-value-never-shown"


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, s):
        self.sleeps.append(s)
        self.now += s


def limiter(clock):
    return RateLimiter(0.2, clock=clock, sleep=clock.sleep)


@fake_web.activate
def test_save_with_keys_posts_url_with_authorization_and_polls_to_success(caplog):
    caplog.set_level(logging.DEBUG)
    fake_web.post(SAVE, json={"url": PAGE, "job_id": "spn2-0123456789abcdef"},
                   match=[matchers.header_matcher({"Authorization": f"LOW key1:{SECRET}",
                                                   "Accept": "application/json"}),
                          matchers.urlencoded_params_matcher({"url": PAGE})])
    fake_web.get(f"{SAVE}/status/spn2-0123456789abcdef", json={"status": "pending"})
    fake_web.get(f"{SAVE}/status/spn2-0123456789abcdef",
                  json={"status": "success", "timestamp": "20261128211500", "original_url": PAGE})
    clock = Clock()
    env_keys = SaveKeys.from_env({"CITECHECK_IA_ACCESS_KEY": "key1",
                                  "CITECHECK_IA_SECRET_KEY": SECRET})
    result = save_page_now(PAGE, client(), keys=env_keys, wait=60, limiter=limiter(clock),
                           clock=clock, poll_interval=5)
    assert result.ok and result.status == "saved"
    assert result.archive_url == f"https://web.archive.org/web/20261128211500/{PAGE}"
    assert result.job_id == "spn2-0123456789abcdef"
    assert len(fake_web.calls) == 3
    assert clock.sleeps and min(clock.sleeps) >= 5  # spaced by the limit / poll interval
    shown = repr(result) + str(result.to_dict()) + repr(env_keys) + caplog.text
    assert SECRET not in shown and "key1" not in shown


def test_keys_come_only_from_both_variables():
    assert SaveKeys.from_env({}) is None
    assert SaveKeys.from_env({"CITECHECK_IA_ACCESS_KEY": "a"}) is None
    assert SaveKeys.from_env({"CITECHECK_IA_ACCESS_KEY": "a", "CITECHECK_IA_SECRET_KEY": "b"})


@fake_web.activate
def test_anonymous_save_reads_capture_from_headers_without_authorization(monkeypatch):
    monkeypatch.delenv("CITECHECK_IA_ACCESS_KEY", raising=False)
    fake_web.post(SAVE, body="<html>Saving page...</html>", content_type="text/html",
                   headers={"Link": f'<{PAGE}>; rel="original", '
                                    f'<https://web.archive.org/web/20261128211500/{PAGE}>; '
                                    'rel="memento"; datetime="Sat, 28 Nov 2026 21:15:00 GMT"'})
    clock = Clock()
    result = save_page_now(PAGE, client(), limiter=limiter(clock), clock=clock)
    assert result.ok and result.status == "saved" and result.timestamp == "20261128211500"
    assert "Authorization" not in fake_web.calls[0].request.headers


@fake_web.activate
def test_anonymous_answer_with_job_id_in_page_is_requested():
    fake_web.post(SAVE, body='<script>spn.watchJob("spn2-abcdef0123456789", "/_static/")',
                   content_type="text/html")
    clock = Clock()
    result = save_page_now(PAGE, client(), keys=None, limiter=limiter(clock), clock=clock)
    assert result.ok and result.status == "requested"
    assert result.job_id == "spn2-abcdef0123456789"


@fake_web.activate
def test_rate_limited_and_errors_are_data():
    clock = Clock()
    lim = limiter(clock)
    fake_web.post(SAVE, status=429, headers={"Retry-After": "60"})
    r = save_page_now(PAGE, client(), keys=None, limiter=lim, clock=clock)
    assert not r.ok and r.status == "rate-limited" and "60" in r.error
    fake_web.replace(fake_web.POST, SAVE, json={"status": "error",
                                                   "message": "You cannot make more captures"})
    r = save_page_now(PAGE, client(), keys=None, limiter=lim, clock=clock)
    assert not r.ok and r.error.startswith("save-error: You cannot")
    fake_web.replace(fake_web.POST, SAVE, body="<html>nothing useful</html>")
    r = save_page_now(PAGE, client(), keys=None, limiter=lim, clock=clock)
    assert not r.ok and r.error.startswith("bad-response")
    fake_web.replace(fake_web.POST, SAVE, status=401, body="bad keys")
    r = save_page_now(PAGE, client(), keys=SaveKeys("k", SECRET), limiter=lim, clock=clock)
    assert not r.ok and "401" in r.error and SECRET not in repr(r)
    # one request per 5 seconds to the save host
    assert clock.sleeps == [5.0, 5.0, 5.0]


@fake_web.activate
def test_unreachable_save_host_is_an_error_result():
    fake_web.post(SAVE, body=aiohttp.ClientConnectionError("Connection refused"))
    clock = Clock()
    r = save_page_now(PAGE, client(), keys=None, limiter=limiter(clock), clock=clock)
    assert not r.ok and r.status == "error" and r.error.startswith("connection")


@fake_web.activate
def test_wait_gives_up_while_pending():
    fake_web.post(SAVE, json={"job_id": "spn2-0000000000000001"})
    fake_web.get(f"{SAVE}/status/spn2-0000000000000001", json={"status": "pending"})
    clock = Clock()
    r = save_page_now(PAGE, client(), keys=None, wait=12, limiter=limiter(clock),
                      clock=clock, poll_interval=5)
    assert r.ok and r.status == "pending"
    assert 2 <= len(fake_web.calls) <= 4


@fake_web.activate
def test_cli_archive_save_prints_results_and_exit_codes(monkeypatch):
    from click.testing import CliRunner

    from citecheck.archive import save as save_module
    from citecheck.cli import cli

    clock = Clock()
    monkeypatch.setattr(save_module, "_shared_limiter", limiter(clock))
    no_dns(monkeypatch)
    monkeypatch.setenv("CITECHECK_IA_ACCESS_KEY", "key1")
    monkeypatch.setenv("CITECHECK_IA_SECRET_KEY", SECRET)
    fake_web.post(SAVE, json={"url": PAGE, "job_id": "spn2-0123456789abcdef"})
    runner = CliRunner()
    ok = runner.invoke(cli, ["archive", "save", PAGE])
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("requested") and "spn2-0123456789abcdef" in ok.output
    assert fake_web.calls[0].request.headers["Authorization"] == f"LOW key1:{SECRET}"
    fake_web.replace(fake_web.POST, SAVE, status=429)
    failed = runner.invoke(cli, ["archive", "save", PAGE, "--json"])
    assert failed.exit_code == 1
    data = json.loads(failed.output)
    assert data["saves"][0]["status"] == "rate-limited"
    assert SECRET not in ok.output + failed.output
