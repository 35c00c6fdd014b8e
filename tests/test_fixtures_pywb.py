"""The pywb fixture itself: captures built at test time are indexed and replayed."""

from __future__ import annotations

import json

import pytest
import requests
from fixtures_pywb import html_capture

pytestmark = pytest.mark.slow


def _session():
    session = requests.Session()
    session.trust_env = False  # never through a proxy
    return session


def _cdx(server, **params):
    resp = _session().get(server.cdx_url, params={"output": "json", **params}, timeout=10)
    assert resp.status_code == 200
    return [json.loads(line) for line in resp.text.splitlines() if line.strip()]


def test_default_captures_are_indexed(pywb_archive):
    rows = _cdx(pywb_archive, url="http://news.example.com/2018/05/14/statement")
    assert [r["timestamp"] for r in rows] == [
        "20180301120000", "20180514093000", "20180520120000", "20180610120000",
    ]
    gone = _cdx(pywb_archive, url="http://news.example.com/2018/05/gone")
    assert [r["status"] for r in gone] == ["404", "200"]


def test_raw_replay_returns_original_bytes(pywb_archive):
    url = pywb_archive.replay_url("20180514093000", "http://news.example.com/2018/05/14/statement")
    resp = _session().get(url, timeout=10)
    assert resp.status_code == 200
    assert b"the ministers met in Beijing" in resp.content
    assert resp.headers["Memento-Datetime"] == "Mon, 14 May 2018 09:30:00 GMT"


def test_redirect_capture_replays_as_redirect(pywb_archive):
    url = pywb_archive.replay_url("20180514000000", "http://news.example.com/old")
    resp = _session().get(url, timeout=10, allow_redirects=False)
    assert resp.status_code == 301
    assert resp.headers["Location"].endswith("/2018/05/14/statement")


def test_add_captures_while_running(pywb_archive):
    pywb_archive.add([html_capture("http://added.example.org/p", "20190101000000", "added")])
    rows = _cdx(pywb_archive, url="http://added.example.org/p")
    assert [r["timestamp"] for r in rows] == ["20190101000000"]


def test_factory_builds_a_separate_world(pywb_factory, pywb_archive):
    world = pywb_factory([html_capture("http://only.example.net/", "20170101000000", "x")],
                         name="separate")
    assert world.port != pywb_archive.port
    assert len(_cdx(world, url="http://only.example.net/")) == 1
    assert _cdx(world, url="http://news.example.com/2018/05/14/statement") == []


def test_nothing_is_fetched_live(pywb_archive):
    # an uncaptured URL is a 404 from the index, and there is no live collection
    resp = _session().get(pywb_archive.replay_url("20180514000000", "http://example.net/x"),
                          timeout=10)
    assert resp.status_code == 404
    live = pywb_archive.root.rsplit("/", 1)[0] + "/live/http://example.net/"
    assert _session().get(live, timeout=10).status_code == 404
