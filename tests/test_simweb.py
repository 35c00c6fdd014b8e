"""The simulated web fixture itself does what other tests rely on."""

import gzip
import http.client
import socket
import ssl
import threading
import zlib
from urllib.parse import urlsplit

import pytest
from fixtures_simweb import (
    delay,
    gzip_bomb,
    gzip_bomb_bytes,
    hang,
    redirect,
    reset_after,
    sequence,
    stream_bytes,
)

pytestmark = pytest.mark.slow


def _get(url, timeout=5.0, context=None, read=True):
    parts = urlsplit(url)
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                           context=context)
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
    resp = conn.getresponse()
    body = resp.read() if read else b""
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


def test_hosts_get_distinct_loopback_addresses(simweb):
    a, b = simweb.host("a"), simweb.host("b")
    assert urlsplit(a).hostname == "127.0.0.2"
    assert urlsplit(b).hostname == "127.0.0.3"
    assert simweb.host("a") == a
    assert urlsplit(simweb.host("127.0.0.9")).hostname == "127.0.0.9"


def test_static_routes_fallback_and_404(simweb):
    url = simweb.route("a", "/page", body="<p>hé</p>")
    status, headers, body = _get(url)
    assert (status, body) == (200, "<p>hé</p>".encode())
    assert headers["content-type"].startswith("text/html")
    assert _get(simweb.url("a", "/nope"))[0] == 404
    simweb.fallback("a", status=200, body=b"home")
    assert _get(simweb.url("a", "/nope"))[:3:2] == (200, b"home")
    assert [r.path for r in simweb.hits("a")] == ["/page", "/nope", "/nope"]
    mark = simweb.mark()
    _get(url)
    assert [r.path for r in simweb.hits("a", since=mark)] == ["/page"]


def test_routes_are_per_host(simweb):
    simweb.route("a", "/x", body=b"A")
    simweb.host("b")
    assert _get(simweb.url("a", "/x"))[2] == b"A"
    assert _get(simweb.url("b", "/x"))[0] == 404


def test_redirect_and_sequence(simweb):
    simweb.route("a", "/old", handler=redirect("/new", 301))
    status, headers, _ = _get(simweb.url("a", "/old"))
    assert status == 301 and headers["location"] == "/new"
    simweb.route("a", "/r", handler=sequence([(429, {"Retry-After": "1"}, b""), 503], then=200))
    assert [_get(simweb.url("a", "/r"))[0] for _ in range(4)] == [429, 503, 200, 200]


def test_stream_and_gzip_bomb(simweb):
    simweb.route("a", "/big", handler=stream_bytes(3_000_000))
    status, headers, body = _get(simweb.url("a", "/big"))
    assert headers["content-length"] == "3000000" and len(body) == 3_000_000
    simweb.route("a", "/bomb", handler=gzip_bomb(20 * 1024 * 1024))
    status, headers, body = _get(simweb.url("a", "/bomb"))
    assert headers["content-encoding"] == "gzip"
    assert len(body) < 100_000
    assert len(zlib.decompress(body, 31)) == 20 * 1024 * 1024
    assert gzip.decompress(gzip_bomb_bytes(1000)) == bytes(1000)


def test_reset_mid_body(simweb):
    simweb.route("a", "/reset", handler=reset_after(100, declared=10_000))
    with pytest.raises((http.client.IncompleteRead, ConnectionError)):
        _get(simweb.url("a", "/reset"))


def test_hang_times_out_and_delay_answers(simweb):
    simweb.route("a", "/hang", handler=hang())
    with pytest.raises((socket.timeout, TimeoutError)):
        _get(simweb.url("a", "/hang"), timeout=0.3)
    simweb.route("a", "/slow", handler=delay(0.05, body=b"late"))
    assert _get(simweb.url("a", "/slow"))[2] == b"late"


def test_peak_inflight_counts_concurrent_requests(simweb):
    simweb.route("a", "/slow", handler=delay(0.3, body=b"x"))
    url = simweb.url("a", "/slow")
    threads = [threading.Thread(target=_get, args=(url,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert simweb.peak_inflight("a") == 3


def test_tls_endpoint_is_untrusted_by_default_and_trusted_with_ca(simweb):
    simweb.route("a", "/s", body=b"secure")
    base = simweb.host("a", tls=True)
    assert base.startswith("https://127.0.0.2:")
    with pytest.raises(ssl.SSLError):
        _get(base + "/s", context=ssl.create_default_context())
    ctx = ssl.create_default_context(cafile=simweb.ca_pem)
    assert _get(base + "/s", context=ctx)[2] == b"secure"
