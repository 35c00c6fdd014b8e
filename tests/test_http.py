"""The HTTP client: caps, redirects, address guard, retries, charsets (aiohttp,
answered by ``fake_http`` over aioresponses, and real local servers)."""

import asyncio
import gzip
import socket
import ssl
import zlib
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from types import SimpleNamespace
from urllib.parse import urlsplit

import aiohttp
import pytest
from fake_http import fake_web

from citecheck.http import (
    AddressGuard,
    AddressRefused,
    FetchResult,
    HttpClient,
    HttpConfig,
    backoff_delay,
    check_address,
    classify_exception,
    decode_body,
    decode_bytes,
    parse_retry_after,
)

PUBLIC = "93.184.216.34"
_KEY = SimpleNamespace(host="example.org", port=443, ssl=True, is_ssl=True)  # a ConnectionKey


def _connector_error(os_error):
    return aiohttp.ClientConnectorError(_KEY, os_error)


def public(host):
    return [PUBLIC]


def make_client(sleeps=None, resolve=public, **cfg):
    config = HttpConfig(**{"retries": 2, "backoff": 0.5, **cfg})
    rec = sleeps if sleeps is not None else []
    return HttpClient(config, sleep=rec.append, resolve=resolve)


@fake_web.activate
def test_plain_200_keeps_body_headers_and_raw_bytes():
    fake_web.get("http://example.org/a", body=b"<p>hi</p>", content_type="text/html")
    r = make_client().fetch("http://example.org/a")
    assert r.status_code == 200 and r.error is None
    assert r.body == b"<p>hi</p>" and r.raw_body == b"<p>hi</p>"
    assert r.content_type == "text/html"
    assert r.final_url == "http://example.org/a" and r.redirects == ()
    assert r.attempts == 1 and r.address == PUBLIC


@fake_web.activate
def test_keep_raw_off_keeps_neither_raw_bytes_nor_raw_headers():
    """``citecheck check`` writes no WARC record: it asks for neither copy."""
    fake_web.get("http://example.org/a", body=b"<p>hi</p>", content_type="text/html")
    kept = make_client().fetch("http://example.org/a")
    assert ("Content-Type", "text/html") in kept.raw_headers
    lean = make_client(keep_raw=False).fetch("http://example.org/a")
    assert lean.raw_body is None and lean.raw_headers == ()
    assert (lean.status_code, lean.body, lean.content_type) == (200, b"<p>hi</p>", "text/html")


@fake_web.activate
def test_user_agent_and_accept_encoding_sent():
    fake_web.get("http://example.org/ua", body=b"x")
    make_client(user_agent="probe/1 (+https://x.test)").fetch("http://example.org/ua")
    sent = fake_web.calls[0].request.headers
    assert sent["User-Agent"] == "probe/1 (+https://x.test)"
    assert sent["Accept-Encoding"] == "gzip, deflate"


@fake_web.activate
def test_credentials_in_the_url_become_basic_auth_and_none_otherwise():
    fake_web.get("http://user:secret@example.org/private", body="ok")
    fake_web.get("http://example.org/public", body="ok")
    client = make_client()
    assert client.fetch("http://user:secret@example.org/private").status_code == 200
    assert client.fetch("http://example.org/public").status_code == 200
    sent = [call.request for call in fake_web.calls]
    assert sent[0].headers["Authorization"] == "Basic dXNlcjpzZWNyZXQ="  # user:secret
    assert "Authorization" not in sent[1].headers


@fake_web.activate
def test_redirect_chain_is_kept():
    fake_web.get("http://example.org/1", status=301, headers={"Location": "/2"})
    fake_web.get("http://example.org/2", status=302, headers={"Location": "https://example.org/3"})
    fake_web.get("https://example.org/3", body=b"done")
    r = make_client().fetch("http://example.org/1")
    assert r.status_code == 200 and r.body == b"done"
    assert r.final_url == "https://example.org/3"
    assert r.redirects == (("http://example.org/1", 301), ("http://example.org/2", 302))


@fake_web.activate
def test_redirect_not_followed_when_asked():
    fake_web.get("http://example.org/1", status=302, headers={"Location": "/2"}, body=b"moved")
    r = make_client().fetch("http://example.org/1", follow_redirects=False)
    assert r.status_code == 302 and r.body == b"moved" and r.redirects == ()


@fake_web.activate
def test_redirect_loop():
    fake_web.get("http://example.org/a", status=302, headers={"Location": "/b"})
    fake_web.get("http://example.org/b", status=302, headers={"Location": "/a"})
    r = make_client().fetch("http://example.org/a")
    assert r.error == "redirect-loop"
    assert [u for u, _ in r.redirects] == ["http://example.org/a", "http://example.org/b"]


@fake_web.activate
def test_at_most_ten_redirects():
    for i in range(12):
        fake_web.get(f"http://example.org/{i}", status=301, headers={"Location": f"/{i + 1}"})
    fake_web.get("http://example.org/12", body=b"end")
    r = make_client().fetch("http://example.org/0")
    assert r.error == "too-many-redirects" and len(r.redirects) == 11
    ok = make_client().fetch("http://example.org/2")  # exactly 10 hops
    assert ok.error is None and ok.body == b"end" and len(ok.redirects) == 10


@fake_web.activate
def test_only_http_and_https():
    assert make_client().fetch("http:///path").error == "invalid-url"
    assert make_client().fetch("http://exa mple.org/").error == "invalid-url"
    # F6/F7: malformed URLs are data, not a ValueError; an invalid port is not dropped
    assert make_client().fetch("http://[::1").error == "invalid-url"
    assert make_client().fetch("junk").error == "invalid-url"  # F11: no scheme at all
    assert make_client().fetch("http://example.org:99999/x").error == "invalid-url"
    assert make_client().fetch("ftp://example.org/x").error == "unsupported-scheme"
    assert make_client().fetch("file:///etc/passwd").error == "unsupported-scheme"
    fake_web.get("http://example.org/f", status=302, headers={"Location": "file:///etc/passwd"})
    r = make_client().fetch("http://example.org/f")
    assert r.error == "unsupported-scheme" and r.redirects == (("http://example.org/f", 302),)


# ------------------------------------------------------------ address guard


@pytest.mark.parametrize(
    "address, allow_private, refused",
    [
        ("169.254.169.254", False, True),
        ("169.254.169.254", True, True),  # cloud metadata: always refused
        ("fe80::1", True, True),
        ("::ffff:169.254.169.254", True, True),
        ("10.1.2.3", False, True),
        ("10.1.2.3", True, False),
        ("192.168.0.1", False, True),
        ("127.0.0.1", False, True),
        ("127.0.0.5", True, False),
        ("::1", False, True),
        ("0.0.0.0", False, True),
        ("93.184.216.34", False, False),
        ("2606:2800:220:1:248:1893:25c8:1946", False, False),
    ],
)
def test_check_address(address, allow_private, refused):
    assert (check_address(address, allow_private) is not None) is refused


def test_guard_resolves_names_and_refuses_link_local_targets():
    guard = AddressGuard(True, resolve=lambda h: ["169.254.169.254"])
    with pytest.raises(AddressRefused, match="metadata.test resolves to"):
        guard.check("metadata.test")
    guard = AddressGuard(False, resolve=lambda h: ["93.184.216.34", "10.0.0.1"])
    with pytest.raises(AddressRefused):
        guard.check("mixed.test")  # any refused address refuses the host


def test_guard_caches_lookups():
    calls = []
    guard = AddressGuard(False, resolve=lambda h: calls.append(h) or [PUBLIC])
    guard.check("a.test")
    guard.check("a.test")
    assert calls == ["a.test"]


@fake_web.activate
def test_fetch_refuses_private_and_link_local():
    fake_web.get("http://169.254.169.254/latest/meta-data/", body=b"secret")
    r = make_client(allow_private=True).fetch("http://169.254.169.254/latest/meta-data/")
    assert r.error == "private-address" and "metadata" in r.error_text
    assert make_client().fetch("http://127.0.0.1:9/x").error == "private-address"
    assert len(fake_web.calls) == 0


@fake_web.activate
def test_redirect_to_private_address_is_refused():
    fake_web.get("http://example.org/r", status=302, headers={"Location": "http://10.0.0.8/admin"})
    r = make_client().fetch("http://example.org/r")
    assert r.error == "private-address" and r.final_url == "http://10.0.0.8/admin"
    assert len(fake_web.calls) == 1


def test_dns_failure():
    def nxdomain(host):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    r = make_client(resolve=nxdomain).fetch("http://no-such-host.invalid/")
    assert r.error == "dns-error" and "no-such-host.invalid" in r.error_text


# -------------------------------------------------------------------- retries


@fake_web.activate
def test_503_then_200_is_retried_with_growing_backoff():
    fake_web.get("http://example.org/x", status=503)
    fake_web.get("http://example.org/x", status=503)
    fake_web.get("http://example.org/x", body=b"ok")
    sleeps = []
    r = make_client(sleeps).fetch("http://example.org/x")
    assert r.status_code == 200 and r.body == b"ok" and r.attempts == 3
    assert len(sleeps) == 2
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0
    assert r.waited == pytest.approx(sum(sleeps))


@pytest.mark.parametrize("status", [429, 502, 503, 504])
@fake_web.activate
def test_retry_statuses_give_up_after_retries(status):
    fake_web.get("http://example.org/x", status=status, body=b"busy")
    sleeps = []
    r = make_client(sleeps, retries=3).fetch("http://example.org/x")
    assert r.status_code == status and r.body == b"busy"
    assert r.attempts == 4 and len(sleeps) == 3 and len(fake_web.calls) == 4


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 500])
@fake_web.activate
def test_other_statuses_are_not_retried(status):
    fake_web.get("http://example.org/x", status=status)
    sleeps = []
    r = make_client(sleeps).fetch("http://example.org/x")
    assert r.status_code == status and r.attempts == 1 and sleeps == []


@fake_web.activate
def test_429_honours_retry_after_seconds():
    fake_web.get("http://example.org/x", status=429, headers={"Retry-After": "7"})
    fake_web.get("http://example.org/x", body=b"ok")
    sleeps = []
    r = make_client(sleeps).fetch("http://example.org/x")
    assert r.status_code == 200 and sleeps == [7.0]


@fake_web.activate
def test_retry_after_http_date():
    when = datetime.now(timezone.utc) + timedelta(seconds=5)
    fake_web.get("http://example.org/x", status=503,
                  headers={"Retry-After": format_datetime(when, usegmt=True)})
    fake_web.get("http://example.org/x", body=b"ok")
    sleeps = []
    r = make_client(sleeps).fetch("http://example.org/x")
    assert r.status_code == 200 and len(sleeps) == 1 and 3.0 <= sleeps[0] <= 5.0


@fake_web.activate
def test_retry_after_beyond_the_cap_is_not_waited_for():
    fake_web.get("http://example.org/x", status=429, headers={"Retry-After": "3600"})
    sleeps = []
    r = make_client(sleeps, max_retry_wait=30).fetch("http://example.org/x")
    assert r.status_code == 429 and r.attempts == 1 and sleeps == []
    assert r.headers["retry-after"] == "3600"


@fake_web.activate
def test_total_wait_is_capped():
    fake_web.get("http://example.org/x", status=503, headers={"Retry-After": "4"})
    sleeps = []
    r = make_client(sleeps, retries=10, max_retry_wait=10).fetch("http://example.org/x")
    assert r.status_code == 503 and sleeps == [4.0, 4.0] and r.attempts == 3


@fake_web.activate
def test_connection_error_is_retried():
    fake_web.get("http://example.org/x",
                  body=_connector_error(ConnectionRefusedError(111, "Connection refused")))
    fake_web.get("http://example.org/x", body=b"back")
    sleeps = []
    r = make_client(sleeps).fetch("http://example.org/x")
    assert r.body == b"back" and r.attempts == 2 and len(sleeps) == 1


@fake_web.activate
def test_connection_error_gives_up():
    fake_web.get("http://example.org/x",
                  body=aiohttp.ClientOSError(104, "Connection reset by peer"))
    sleeps = []
    r = make_client(sleeps).fetch("http://example.org/x")
    assert r.error == "connection-reset" and r.attempts == 3 and len(sleeps) == 2


@fake_web.activate
def test_a_timeout_is_retried_once_at_once():
    fake_web.get("http://example.org/x",
                 body=aiohttp.SocketTimeoutError("Timeout on reading data from socket"))
    sleeps = []
    r = make_client(sleeps).fetch("http://example.org/x")
    assert r.error == "timeout" and r.attempts == 2 and sleeps == []
    assert len(fake_web.calls) == 2


@fake_web.activate
def test_a_hanging_host_gets_one_try_per_page_after_its_second_try_timed_out():
    hang = aiohttp.SocketTimeoutError("Timeout on reading data from socket")
    fake_web.get("http://hangs.test/1", body=hang)
    fake_web.get("http://hangs.test/2", body=hang)
    fake_web.get("http://hangs.test/3", body=b"back")
    fake_web.get("http://hangs.test/4", body=hang)
    client = make_client()
    assert client.fetch("http://hangs.test/1").attempts == 2
    assert client.fetch("http://hangs.test/2").attempts == 1  # known to hang
    assert client.fetch("http://hangs.test/3").body == b"back"
    assert client.fetch("http://hangs.test/4").attempts == 2  # it answered since


@fake_web.activate
def test_a_slow_page_is_found_on_its_second_try():
    fake_web.get("http://example.org/slow",
                 body=aiohttp.SocketTimeoutError("Timeout on reading data from socket"))
    fake_web.get("http://example.org/slow", body=b"here after all")
    r = make_client().fetch("http://example.org/slow")
    assert r.error is None and r.status_code == 200 and r.body == b"here after all"
    assert r.attempts == 2


@fake_web.activate
def test_tls_error_is_not_retried():
    fake_web.get("https://example.org/x",
                  body=aiohttp.ClientConnectorCertificateError(
                      _KEY, ssl.SSLCertVerificationError("certificate verify failed")))
    r = make_client().fetch("https://example.org/x")
    assert r.error == "tls-error" and r.attempts == 1


def test_parse_retry_after():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_backoff_grows_and_is_capped():
    import random

    rng = random.Random(1)
    delays = [backoff_delay(n, 0.5, 4.0, rng) for n in range(6)]
    assert 0.25 <= delays[0] <= 0.5 and 1.0 <= delays[2] <= 2.0
    assert all(2.0 <= d <= 4.0 for d in delays[3:])


# ------------------------------------------------------------------ body caps


@fake_web.activate
def test_body_cap_on_plain_body():
    fake_web.get("http://example.org/big", body=b"a" * 300_000)
    r = make_client(max_bytes=100_000).fetch("http://example.org/big")
    assert r.truncated and len(r.body) == 100_000 and r.error is None


@fake_web.activate
def test_gzip_bomb_stops_at_the_decompressed_cap():
    bomb = gzip.compress(bytes(50 * 1024 * 1024), 9)
    fake_web.get("http://example.org/bomb", body=bomb,
                  headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})
    r = make_client(max_bytes=1_000_000).fetch("http://example.org/bomb")
    assert r.truncated and len(r.body) == 1_000_000
    assert r.raw_body is not None and len(r.raw_body) < 100_000
    assert bomb.startswith(r.raw_body)


@fake_web.activate
def test_gzip_and_deflate_bodies_are_decoded():
    text = b"<html>" + b"hello world " * 1000 + b"</html>"
    gz = gzip.compress(text)  # once: the gzip header holds the time, in seconds
    fake_web.get("http://example.org/gz", body=gz,
                  headers={"Content-Encoding": "gzip"})
    fake_web.get("http://example.org/zlib", body=zlib.compress(text),
                  headers={"Content-Encoding": "deflate"})
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    fake_web.get("http://example.org/raw", body=raw_deflate.compress(text) + raw_deflate.flush(),
                  headers={"Content-Encoding": "deflate"})
    client = make_client()
    for path in ("gz", "zlib", "raw"):
        r = client.fetch(f"http://example.org/{path}")
        assert r.body == text and r.error is None, path
    assert client.fetch("http://example.org/gz").raw_body == gz


@fake_web.activate
def test_concatenated_gzip_members():
    fake_web.get("http://example.org/m", body=gzip.compress(b"one ") + gzip.compress(b"two"),
                  headers={"Content-Encoding": "gzip"})
    assert make_client().fetch("http://example.org/m").body == b"one two"


@fake_web.activate
def test_corrupt_gzip_is_a_decoding_error():
    fake_web.get("http://example.org/bad", body=b"\x1f\x8b\x08\x00garbage" * 10,
                  headers={"Content-Encoding": "gzip"})
    r = make_client().fetch("http://example.org/bad")
    assert r.status_code == 200 and r.error == "decoding-error"


@fake_web.activate
def test_unsupported_encoding_is_reported():
    fake_web.get("http://example.org/br", body=b"\x00\x01", headers={"Content-Encoding": "br"})
    r = make_client().fetch("http://example.org/br")
    assert r.error == "decoding-error" and "br" in r.error_text


# ------------------------------------------------------------------ errors


def test_classify_exception_of_a_bare_os_error():
    # no requests exceptions any more: every request goes through aiohttp
    assert classify_exception(ConnectionResetError(104, "Connection reset by peer"))[0] == \
        "connection-reset"



@pytest.mark.parametrize(
    "exc, code",
    [
        (aiohttp.ConnectionTimeoutError("Connection timeout to host"), "timeout"),
        (aiohttp.SocketTimeoutError("Timeout on reading data from socket"), "timeout"),
        (asyncio.TimeoutError(), "timeout"),
        (aiohttp.ClientConnectorCertificateError(
            _KEY, ssl.SSLCertVerificationError("certificate verify failed")), "tls-error"),
        (aiohttp.ClientConnectorDNSError(
            _KEY, socket.gaierror(-2, "Name or service not known")), "dns-error"),
        (_connector_error(ConnectionRefusedError(111, "Connection refused")),
         "connection-refused"),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), "connection-reset"),
        (aiohttp.ServerDisconnectedError(), "connection-reset"),
        (aiohttp.ClientPayloadError("Response payload is not completed"), "connection-reset"),
        (_connector_error(OSError(113, "No route to host")), "connection-error"),
        (aiohttp.InvalidURL("http://[x"), "invalid-url"),
        (aiohttp.ClientError("x"), "request-error"),
    ],
)
def test_classify_aiohttp_exception(exc, code):
    assert classify_exception(exc)[0] == code


# ------------------------------------------------------------------ charsets

RU = "<p>Министерство обороны Российской Федерации сообщает о завершении учений.</p>"
ZH = "<p>中华人民共和国外交部发言人表示，中俄两国关系处于历史最好时期，双方将继续加强战略协作。</p>"


FR = ("Le ministère a déclaré que la coopération était « très étroite » et naïve. "
      "Die Bundesregierung äußerte sich über die Übung. Café crème, élève, garçon.")


@pytest.mark.parametrize(
    "body, content_type, text, encoding",
    [
        (RU.encode("cp1251"), "text/html; charset=windows-1251", RU, "cp1251"),
        (RU.encode("cp1251"), "text/html", RU, "cp1251"),  # detected
        (b'<meta charset="windows-1251">' + RU.encode("cp1251"), "text/html",
         '<meta charset="windows-1251">' + RU, "cp1251"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
         + ZH.encode("gb2312"), None,
         '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' + ZH, "gb18030"),
        (ZH.encode("gb2312"), "text/html; charset=GB2312", ZH, "gb18030"),
        (ZH.encode("gb2312"), "text/html", ZH, None),  # detected
        (RU.encode("utf-8"), "text/html; charset=utf-8", RU, "utf-8"),
        (RU.encode("cp1251"), "text/html; charset=utf-8", RU, "cp1251"),  # header lies
        (b"\xef\xbb\xbf" + "héllo".encode(), "text/plain", "héllo", "utf-8"),
        ("café".encode("latin-1"), "text/html; charset=iso-8859-1", "café", "cp1252"),
        (b"plain", "text/html; charset=no-such-charset", "plain", "utf-8"),
        # F2: undeclared Western text is cp1252, not cp1250 (a tie for charset-normalizer)
        (FR.encode("latin-1"), "text/html", FR, "cp1252"),
    ],
)
def test_decode_bytes(body, content_type, text, encoding):
    got, enc = decode_bytes(body, content_type)
    assert got == text
    if encoding:
        assert enc == encoding


def test_decode_body_uses_the_result_headers():
    r = FetchResult("u", "u", 200, {"content-type": "text/html; charset=windows-1251"},
                    RU.encode("cp1251"))
    assert decode_body(r) == (RU, "cp1251")


@fake_web.activate
def test_cookies_set_by_a_hop_are_sent_on_the_next_one():
    fake_web.get("http://example.org/gate", status=302,
                  headers={"Location": "/page", "Set-Cookie": "pass=1; Path=/"})
    fake_web.get("http://example.org/page", body=b"welcome")
    r = make_client().fetch("http://example.org/gate")
    assert r.body == b"welcome"
    assert fake_web.calls[1].request.headers.get("Cookie") == "pass=1"
    make_client().fetch("http://example.org/page")
    assert "Cookie" not in fake_web.calls[2].request.headers  # not kept across fetches


# ------------------------------------------------- against real local servers


@pytest.mark.slow
def test_a_trickling_body_stops_at_the_deadline(simweb):
    from fixtures_simweb import drip

    url = simweb.route("a", "/drip", handler=drip(b"x" * 10, 0.2, 50))
    r = HttpClient(HttpConfig(allow_private=True, read_timeout=1, deadline=1.5)).fetch(url)
    assert r.error == "timeout" and r.status_code == 200
    assert 0 < len(r.body) < 500  # stopped well before the whole body


def _trickled_headers(interval: float):
    """A server that sends its status line and headers one byte at a time."""

    def handler(req):
        head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                + b"X-Pad: " + b"p" * 200 + b"\r\n\r\nok")
        for byte in head:
            if not req.write(bytes([byte])) or req.stopping.wait(interval):
                return
        req.drop()

    return handler


@pytest.mark.slow
@pytest.mark.parametrize("head", [
    b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(150)),
    b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 100_000 + b"\r\n",
], ids=["too-many-headers", "header-line-too-long"])
def test_unparsable_headers_are_a_bad_response_not_a_reset(simweb, head):
    # F14: http.client refused the headers; the server did not reset
    def handler(req):
        req.write(head + b"Content-Length: 2\r\n\r\nok")
        req.drop()

    url = simweb.route("a", "/bad", handler=handler)
    r = HttpClient(HttpConfig(allow_private=True, retries=0)).fetch(url)
    assert r.error == "bad-response", r
    assert "header" in (r.error_text or "").lower() or "line" in (r.error_text or "")


@pytest.mark.slow
@pytest.mark.timeout(30)
def test_trickled_headers_stop_at_the_deadline(simweb):
    # F3: each byte arrives well within the read timeout, but the whole head
    # takes ~25 s: the per-URL deadline must still hold
    url = simweb.route("a", "/slowstatus", handler=_trickled_headers(0.1))
    r = HttpClient(HttpConfig(allow_private=True, read_timeout=1, deadline=1.5,
                              retries=0)).fetch(url)
    assert r.error == "timeout", r
    assert r.status_code is None
    assert "deadline" in (r.error_text or "")


@pytest.mark.slow
def test_per_host_limit_holds_across_threads(simweb):
    import threading

    from fixtures_simweb import delay

    url = simweb.route("a", "/slow", handler=delay(0.1, body=b"ok"))
    other = simweb.route("b", "/slow", handler=delay(0.1, body=b"ok"))
    client = HttpClient(HttpConfig(allow_private=True, per_host=2))
    threads = [threading.Thread(target=client.fetch, args=(u,)) for u in [url] * 6 + [other] * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert simweb.peak_inflight("a") == 2 and simweb.peak_inflight("b") == 2
    assert len(simweb.hits("a")) == 6


@pytest.mark.slow
def test_real_server_gzip_chunked_and_keep_alive(simweb):
    from fixtures_simweb import Response, gzipped

    simweb.route("a", "/gz", handler=lambda req: gzipped("<p>" + "word " * 5000 + "</p>"))
    simweb.route("a", "/chunked", handler=lambda req: Response(200, {}, iter([b"one ", b"two"])))
    client = HttpClient(HttpConfig(allow_private=True))
    r = client.fetch(simweb.url("a", "/gz"))
    assert r.body.startswith(b"<p>word") and len(r.body) == len("<p>" + "word " * 5000 + "</p>")
    assert r.raw_body is not None and len(r.raw_body) < len(r.body)
    assert client.fetch(simweb.url("a", "/chunked")).body == b"one two"


@pytest.mark.slow
def test_connection_to_a_refused_address_is_caught_after_connect(simweb):
    """DNS rebinding: the guard was told a public address, the socket went to loopback."""
    base = simweb.host("127.0.0.1")
    simweb.route("127.0.0.1", "/secret", body=b"internal")
    port = base.rsplit(":", 1)[1]
    client = HttpClient(HttpConfig(allow_private=False), resolve=lambda h: [PUBLIC])
    r = client.fetch(f"http://localhost:{port}/secret")
    assert r.error == "private-address" and "127.0.0.1" in r.error_text
    assert r.body == b""
    allowed = HttpClient(HttpConfig(allow_private=True), resolve=lambda h: [PUBLIC])
    assert allowed.fetch(f"http://localhost:{port}/secret").body == b"internal"


@pytest.mark.slow
def test_proxies_come_from_the_environment(simweb, monkeypatch):
    proxy = simweb.host("proxy")
    simweb.route("proxy", "/page", body=b"via the proxy")
    direct = simweb.url("a", "/page")
    simweb.route("a", "/page", body=b"direct")
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", urlsplit(direct).hostname)  # the direct host, by address
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    r = make_client().fetch("http://far.test/page")
    assert r.error is None and r.body == b"via the proxy"
    assert [h.path for h in simweb.hits("proxy")] == ["http://far.test/page"]
    assert HttpClient(HttpConfig(allow_private=True)).fetch(direct).body == b"direct"
    assert not simweb.hits("proxy", "http://" + urlsplit(direct).netloc + "/page")


# ------------------------------------------------------------------- POST


@fake_web.activate
def test_post_sends_the_form_once_and_returns_a_429_with_its_retry_after():
    fake_web.post("http://example.org/save", status=429, headers={"Retry-After": "60"})
    sleeps: list[float] = []
    r = make_client(sleeps).fetch("http://example.org/save", method="POST", data={"url": "u"})
    assert r.status_code == 429 and r.headers["retry-after"] == "60"
    assert [c.request.method for c in fake_web.calls] == ["POST"]  # never asked again
    assert fake_web.calls[0].request.body == {"url": "u"} and sleeps == []


@fake_web.activate
def test_post_is_not_retried_on_503_or_a_reset():
    fake_web.post("http://example.org/a", status=503)
    fake_web.post("http://example.org/b", body=aiohttp.ServerDisconnectedError())
    client = make_client()
    assert client.fetch("http://example.org/a", method="POST", data={}).status_code == 503
    b = client.fetch("http://example.org/b", method="POST", data={})
    assert b.error == "connection-reset" and b.attempts == 1
    assert len(fake_web.calls) == 2


@fake_web.activate
def test_post_keeps_the_caps_and_the_address_guard():
    fake_web.post("http://example.org/big", body=b"x" * 5000)
    client = make_client(max_bytes=1000)
    big = client.fetch("http://example.org/big", method="POST", data={"a": "b"})
    assert big.truncated and len(big.body) == 1000
    guarded = make_client(resolve=lambda host: ["10.0.0.1"])
    refused = guarded.fetch("http://example.org/big", method="POST", data={"a": "b"})
    assert refused.error == "private-address" and len(fake_web.calls) == 1


@fake_web.activate
def test_post_redirected_by_303_goes_on_as_a_get_and_307_keeps_the_post():
    fake_web.post("http://example.org/s", status=303, headers={"Location": "/done"})
    fake_web.get("http://example.org/done", body="ok")
    fake_web.post("http://example.org/t", status=307, headers={"Location": "/again"})
    fake_web.post("http://example.org/again", body="posted")
    client = make_client()
    r = client.fetch("http://example.org/s", method="POST", data={"a": "b"})
    assert r.body == b"ok" and r.redirects == (("http://example.org/s", 303),)
    t = client.fetch("http://example.org/t", method="POST", data={"a": "b"})
    assert t.body == b"posted"
    assert [(c.request.method, c.request.body) for c in fake_web.calls] == [
        ("POST", {"a": "b"}), ("GET", None), ("POST", {"a": "b"}), ("POST", {"a": "b"})]


def test_a_named_ca_bundle_verifies_https_and_is_loaded_only_for_https(simweb, monkeypatch):
    """REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE / SSL_CERT_FILE name the CAs to trust; the
    bundle is read on the first https request, not for plain http."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
    simweb.route("gov", "/secure", body="<p>secure</p>")
    plain, secure = simweb.url("gov", "/secure"), simweb.url("gov", "/secure", tls=True)

    untrusting = HttpClient(HttpConfig(allow_private=True))
    assert untrusting.fetch(secure).error == "tls-error"  # the test CA is in no default store

    monkeypatch.setenv("SSL_CERT_FILE", simweb.ca_pem)
    client = HttpClient(HttpConfig(allow_private=True))
    assert client.fetch(plain).status_code == 200
    assert client._ssl is None  # no https yet: the bundle is not loaded
    r = client.fetch(secure)
    assert (r.error, r.status_code, r.body) == (None, 200, b"<p>secure</p>")
    assert client._ssl is not None
    unverified = HttpClient(HttpConfig(allow_private=True, verify_tls=False))
    assert unverified.fetch(secure).status_code == 200
