"""Live status taxonomy: each status, each reason, soft 404s (``responses``)."""

import re
import socket
import ssl
from types import SimpleNamespace

import aiohttp
import pytest
from fake_http import fake_web

from citecheck.http import FetchResult, HttpClient, HttpConfig
from citecheck.live import (
    ProbeCache,
    check_url,
    classify,
    is_bot_wall,
    says_not_found,
    site_of,
)
from citecheck.models import LiveStatus

PAGE = "<html><head><title>Joint statement</title></head><body><h1>Joint statement</h1>" + (
    "<p>The ministers discussed regional security and signed an agreement.</p>" * 40
) + "</body></html>"
HOME = "<html><title>Ministry</title><body><h1>Welcome</h1><p>News, events.</p></body></html>"
NOT_FOUND_TEMPLATE = (
    "<html><title>Ministry</title><body><div class=nav>Home About News Contact</div>"
    "<p>Sorry, we looked everywhere for {path} but there is nothing here. "
    "Try the search box or go back to the front page.</p>"
    "<footer>(c) Ministry</footer></body></html>"
)
PROBE = re.compile(r"https?://[^/]+/citecheck-[0-9a-f]+$")

_KEY = SimpleNamespace(host="example.org", port=80, ssl=False, is_ssl=False)  # a ConnectionKey


def client(**cfg):
    return HttpClient(HttpConfig(**{"retries": 1, **cfg}), sleep=lambda s: None,
                      resolve=lambda h: ["93.184.216.34"])


def html(url, body, status=200, **kw):
    fake_web.get(url, body=body, status=status, content_type="text/html; charset=utf-8", **kw)


def probe_404(host="example.org"):
    fake_web.get(re.compile(rf"https?://{re.escape(host)}/citecheck-[0-9a-f]+"), status=404)


def check(url, c=None, **kw):
    return check_url(url, c or client(), probes=ProbeCache(), **kw)


@fake_web.activate
def test_ok():
    html("http://example.org/news/1", PAGE)
    probe_404()
    r = check("http://example.org/news/1")
    assert r.status is LiveStatus.OK and r.status_code == 200 and r.reasons == ()
    assert r.final_url == "http://example.org/news/1" and r.content_type == "text/html"
    assert r.bytes == len(PAGE.encode()) and r.body == PAGE.encode() and r.encoding == "utf-8"
    assert r.checked_at.endswith("Z") and r.error is None


@fake_web.activate
def test_url_is_normalised_before_fetching():
    html("http://example.org/a?id=3", PAGE)
    probe_404()
    r = check("HTTP://Example.ORG/a?id=3&utm_source=x#top")
    assert r.url == "http://example.org/a?id=3" and r.status is LiveStatus.OK


@fake_web.activate
def test_keep_body_false_drops_the_body():
    html("http://example.org/a", PAGE)
    probe_404()
    r = check("http://example.org/a", keep_body=False)
    assert r.body is None and r.bytes == len(PAGE.encode())


@fake_web.activate
def test_same_site_redirect_is_redirected_with_chain():
    fake_web.get("http://example.org/old", status=301, headers={"Location": "https://www.example.org/new"})
    html("https://www.example.org/new", PAGE)
    probe_404("www.example.org")
    r = check("http://example.org/old")
    assert r.status is LiveStatus.REDIRECTED
    assert [(h.url, h.status_code) for h in r.redirects] == [("http://example.org/old", 301)]
    assert r.final_url == "https://www.example.org/new"


@fake_web.activate
def test_off_site_redirect_is_moved():
    fake_web.get("http://example.org/old", status=302, headers={"Location": "https://other.net/p"})
    html("https://other.net/p", PAGE)
    probe_404("other.net")
    r = check("http://example.org/old")
    assert r.status is LiveStatus.MOVED and r.final_url == "https://other.net/p"


@pytest.mark.parametrize(
    "status, expected, reasons",
    [
        (404, LiveStatus.DEAD, ("http-404",)),
        (410, LiveStatus.DEAD, ("http-410",)),
        (401, LiveStatus.BLOCKED, ("http-401",)),
        (403, LiveStatus.BLOCKED, ("http-403",)),
        (429, LiveStatus.BLOCKED, ("rate-limited", "http-429")),
        (500, LiveStatus.ERROR, ("http-500",)),
        (502, LiveStatus.ERROR, ("http-502",)),
        (503, LiveStatus.ERROR, ("http-503",)),
        (504, LiveStatus.ERROR, ("http-504",)),
        (400, LiveStatus.ERROR, ("http-400",)),
    ],
)
@fake_web.activate
def test_status_codes(status, expected, reasons):
    html("http://example.org/p", "<p>x</p>", status=status)
    r = check("http://example.org/p")
    assert (r.status, r.reasons, r.status_code) == (expected, reasons, status)


@pytest.mark.parametrize(
    "exc, reason",
    [
        (aiohttp.SocketTimeoutError("Timeout on reading data from socket"), "timeout"),
        (aiohttp.ClientConnectorCertificateError(
            _KEY, ssl.SSLCertVerificationError("certificate verify failed: self-signed")),
         "tls-error"),
        (aiohttp.ClientConnectorError(_KEY, ConnectionRefusedError(111, "Connection refused")),
         "connection-refused"),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), "connection-reset"),
        (aiohttp.ClientConnectorDNSError(_KEY, socket.gaierror(-2, "Name or service not known")),
         "dns-error"),
    ],
)
@fake_web.activate
def test_network_errors_are_error(exc, reason):
    fake_web.get("http://example.org/p", body=exc)
    r = check("http://example.org/p")
    assert r.status is LiveStatus.ERROR and r.reasons == (reason,)
    assert r.error and r.status_code is None
    assert not r.status.is_conclusive


@fake_web.activate
def test_rate_limited_then_ok_after_retry_after():
    fake_web.get("http://example.org/p", status=429, headers={"Retry-After": "2"})
    html("http://example.org/p", PAGE)
    probe_404()
    r = check("http://example.org/p")
    assert r.status is LiveStatus.OK


@fake_web.activate
def test_redirect_loop_is_error():
    fake_web.get("http://example.org/a", status=302, headers={"Location": "/b"})
    fake_web.get("http://example.org/b", status=302, headers={"Location": "/a"})
    r = check("http://example.org/a")
    assert r.status is LiveStatus.ERROR and r.reasons == ("redirect-loop",)
    assert len(r.redirects) == 2


def test_private_address_and_bad_scheme_are_skipped():
    c = HttpClient(HttpConfig(), resolve=lambda h: ["10.0.0.5"])
    r = check_url("http://intranet.example/x", c, probes=ProbeCache())
    assert r.status is LiveStatus.SKIPPED and r.reasons == ("private-address",)
    assert check_url("mailto:a@b.c", c).status is LiveStatus.SKIPPED
    r = check_url("http://169.254.169.254/latest/", c)
    assert r.status is LiveStatus.SKIPPED and "metadata" in r.error


@fake_web.activate
def test_truncated_body_is_still_ok_but_says_so():
    html("http://example.org/big", PAGE * 10)
    probe_404()
    r = check("http://example.org/big", client(max_bytes=5000))
    assert r.status is LiveStatus.OK and r.reasons == ("body-truncated",) and r.bytes == 5000


@fake_web.activate
def test_reset_mid_body_is_error_with_status_code():
    fake_web.get("http://example.org/p",
                 body=aiohttp.ClientPayloadError("Response payload is not completed"))
    r = check("http://example.org/p")
    assert r.status is LiveStatus.ERROR and r.reasons == ("connection-reset",)


# ------------------------------------------------------------------ soft 404


@fake_web.activate
def test_redirect_to_home_page_is_soft_404():
    fake_web.get("http://example.org/news/2016/report", status=302, headers={"Location": "/"})
    html("http://example.org/", HOME)
    probe_404()
    r = check("http://example.org/news/2016/report")
    assert r.status is LiveStatus.DEAD
    assert r.reasons == ("soft-404", "redirect-to-home")


@fake_web.activate
def test_redirect_to_another_sites_home_page_is_soft_404():
    fake_web.get("http://old-agency.org/report/7", status=301,
                  headers={"Location": "https://new-agency.org/"})
    html("https://new-agency.org/", HOME)
    r = check("http://old-agency.org/report/7")
    assert r.status is LiveStatus.DEAD and r.reasons == ("soft-404", "redirect-to-home")


@fake_web.activate
def test_redirect_to_error_page_is_soft_404():
    fake_web.get("http://example.org/doc", status=302, headers={"Location": "/errors/404.html"})
    html("http://example.org/errors/404.html", HOME)
    probe_404()
    r = check("http://example.org/doc")
    assert r.status is LiveStatus.DEAD and "redirect-to-error-page" in r.reasons


@fake_web.activate
def test_home_page_itself_is_not_a_soft_404():
    html("http://example.org/", HOME)
    r = check("http://example.org/")
    assert r.status is LiveStatus.OK


@pytest.mark.parametrize(
    "body",
    [
        "<html><title>Page not found | Ministry</title><body>" + "<p>menu</p>" * 300,
        "<html><title>Ministry</title><body><h1>404 - Page Not Found</h1></body></html>",
        "<html><title>Минобороны</title><body><h1>Страница не найдена</h1></body></html>",
        "<html><title>外交部</title><body><h1>页面不存在</h1></body></html>",
        "<html><body><p>Error 404</p></body></html>",
    ],
)
@fake_web.activate
def test_error_wording_is_soft_404(body):
    html("http://example.org/doc", body)
    probe_404()
    r = check("http://example.org/doc")
    assert r.status is LiveStatus.DEAD and r.reasons[:2] == ("soft-404", "not-found-wording")


@fake_web.activate
def test_page_like_the_hosts_missing_page_is_soft_404():
    html("http://example.org/doc/17", NOT_FOUND_TEMPLATE.format(path="/doc/17"))
    fake_web.get(PROBE, body=NOT_FOUND_TEMPLATE.format(path="/citecheck-xyz"),
                  content_type="text/html")
    r = check("http://example.org/doc/17")
    assert r.status is LiveStatus.DEAD and r.reasons == ("soft-404", "same-as-missing-page")


@fake_web.activate
def test_real_page_on_a_soft_404_host_is_ok():
    html("http://example.org/doc/18", PAGE)
    fake_web.get(PROBE, body=NOT_FOUND_TEMPLATE.format(path="/x"), content_type="text/html")
    r = check("http://example.org/doc/18")
    assert r.status is LiveStatus.OK


def menu_nav(items):
    return " ".join(f'<li><a href="/section{i}">Section {i} news politics economy world sport '
                    'culture</a></li>' for i in range(items))
MENU_FOOT = "<footer>" + " ".join(
    ["Copyright Ministry of Defence. All rights reserved. Contacts, press service."] * 10
) + "</footer>"
ARTICLE = (
    "The defence ministers of both countries met in Moscow on Monday to review the joint naval "
    "exercise held in the Baltic last month. They agreed to extend the programme of staff "
    "consultations, to exchange liaison officers at fleet headquarters and to hold a further "
    "round of talks on air defence before the end of the year. Officials said the frigates "
    "and submarines taking part had completed every planned manoeuvre, including live firing "
    "against towed targets, and that the logistics of refuelling at sea had gone smoothly."
)


def menu_page(main, items=60):
    return (f"<html><head><title>Ministry of Defence</title></head><body><nav><ul>{menu_nav(items)}"
            f"</ul></nav><main><article><p>{main}</p></article></main>{MENU_FOOT}</body></html>")


@fake_web.activate
@pytest.mark.parametrize("items", [60, 150])  # a menu of ~4000 and ~10000 characters
def test_real_article_on_a_menu_heavy_soft_404_host_is_ok(items):
    # F20: the big shared menu made a real article look like the missing page
    html("http://example.org/news/12345", menu_page(ARTICLE, items))
    fake_web.get(PROBE, body=menu_page("Search results: nothing found for your query.", items),
                  content_type="text/html")
    r = check("http://example.org/news/12345")
    assert r.status is LiveStatus.OK, r.reasons


@fake_web.activate
def test_missing_page_on_a_menu_heavy_host_is_still_soft_404():
    html("http://example.org/news/99999",
         menu_page("Search results: nothing found for news/99999."))
    fake_web.get(PROBE, body=menu_page("Search results: nothing found for your query."),
                  content_type="text/html")
    r = check("http://example.org/news/99999")
    assert r.status is LiveStatus.DEAD and "same-as-missing-page" in r.reasons


@fake_web.activate
def test_app_shell_host_is_not_called_soft_404():
    shell = "<html><title>News</title><div id=root></div><script src=/app.js></script></html>"
    html("http://example.org/article/5", shell)
    fake_web.get(PROBE, body=shell, content_type="text/html")
    assert check("http://example.org/article/5").status is LiveStatus.OK


@fake_web.activate
def test_redirect_to_where_missing_pages_go_is_soft_404():
    fake_web.get("http://example.org/doc/1", status=302, headers={"Location": "/search?q=doc"})
    html("http://example.org/search?q=doc", PAGE)
    fake_web.get(PROBE, status=302, headers={"Location": "/search?q=doc"})
    r = check("http://example.org/doc/1")
    assert r.status is LiveStatus.DEAD and "same-as-missing-page" in r.reasons


@fake_web.activate
def test_probe_is_made_once_per_host():
    for i in range(3):
        html(f"http://example.org/p{i}", PAGE + str(i))
    probe_404()
    probes = ProbeCache()
    c = client()
    for i in range(3):
        assert check_url(f"http://example.org/p{i}", c, probes=probes).status is LiveStatus.OK
    assert sum(1 for call in fake_web.calls if "/citecheck-" in call.request.url) == 1


def test_probe_urls_are_recognised_as_probes():
    # archive list marks them (issue 15): the format is live._probe's
    from citecheck.live import _probe
    from citecheck.urls import is_probe_url

    class Asked:
        def fetch(self, url, **kwargs):
            self.url = url
            return FetchResult(url, url, 404, {"content-type": "text/html"}, b"missing")

    asked = Asked()
    _probe("http", "example.org", asked)
    assert is_probe_url(asked.url)
    assert not is_probe_url("http://example.org/citecheck-about")


@fake_web.activate
def test_probe_can_be_turned_off():
    html("http://example.org/doc/17", NOT_FOUND_TEMPLATE.format(path="/doc/17"))
    r = check("http://example.org/doc/17", soft404_probe=False)
    assert r.status is LiveStatus.OK
    assert not any("/citecheck-" in call.request.url for call in fake_web.calls)


@fake_web.activate
def test_bot_wall_is_blocked():
    wall = "<html><title>Just a moment...</title><body>Checking your browser</body></html>"
    html("http://example.org/a", wall, status=503, headers={"Server": "cloudflare"})
    html("http://example.org/b", wall, status=200)
    assert check("http://example.org/a").status is LiveStatus.BLOCKED
    r = check("http://example.org/b")
    assert r.status is LiveStatus.BLOCKED and r.reasons == ("bot-wall",)


@fake_web.activate
def test_windows_1251_page_is_decoded():
    ru = "<html><title>Новости</title><body><p>" + "Министерство обороны сообщает. " * 30 + "</p>"
    fake_web.get("http://example.org/ru", body=ru.encode("cp1251"), content_type="text/html")
    probe_404()
    r = check("http://example.org/ru")
    assert r.status is LiveStatus.OK and r.encoding == "cp1251"


# ------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    "host, site",
    [
        ("www.mid.ru", "mid.ru"),
        ("eng.mil.ru", "mil.ru"),
        ("news.bbc.co.uk", "bbc.co.uk"),
        ("www.fmprc.gov.cn", "fmprc.gov.cn"),
        ("tass.com", "tass.com"),
        ("127.0.0.2", "127.0.0.2"),
    ],
)
def test_site_of(host, site):
    assert site_of(host) == site


def test_real_article_titles_are_not_error_pages():
    assert not says_not_found("<title>Bodies not found after crash</title>" + "<p>x</p>" * 200)
    assert not says_not_found("<title>News</title><p>" + "The claim was not found credible. " * 30)
    assert says_not_found("<title>Not Found</title>")


@pytest.mark.parametrize("text", [
    "Page not found", "The page you requested could not be found", "File cannot be found",
    "This article doesn't exist", "Document does not exist", "Page is no longer available",
    "Resource no longer exists", "404", "  404 Error", "Error 404", "ERROR: 404",
    "404 - Not Found", "Not found", "NOT FOUND", "Sorry, we couldn't find that page",
    "SORRY WE CANNOT FIND THIS PAGE", "Sorry, we can not find the page",
    "Seite nicht gefunden", "SEITE NICHT GEFUNDEN", "Page introuvable", "Página no encontrada",
    "Pagina non trovata", "Страница не найдена", "СТРАНИЦА НЕ НАЙДЕНА", "Ошибка 404",
    "Запрашиваемая страница не существует", "页面不存在", "页面未找到", "找不到该页面",
    "頁面不存在", "ページが見つかりません", "الصفحة غير موجودة",
])
def test_every_not_found_wording_passes_the_token_test(text):
    from citecheck.live import _NOT_FOUND_TOKENS, _NOT_FOUND_WORDS, _not_found_words

    assert _NOT_FOUND_WORDS.search(text)  # the wording is one the regex knows
    assert any(t in text.casefold() for t in _NOT_FOUND_TOKENS)  # and the tokens let it by
    assert _not_found_words(text)


def test_the_token_test_spares_ordinary_titles_the_regex():
    from citecheck.live import _not_found_words

    assert not _not_found_words("Statement 5")
    assert not _not_found_words("Ministry statement on security cooperation")
    assert not _not_found_words("Bodies not found after crash")  # a token, not the wording


def test_bot_wall_needs_a_small_page():
    article = "<p>Access denied to journalists, the ministry said.</p>" + "<p>text</p>" * 2000
    assert not is_bot_wall(article, {})
    assert is_bot_wall("<p>x</p>", {"cf-mitigated": "challenge"})


def test_classify_decoding_error_on_200_is_error():
    result = FetchResult("u", "u", 200, error="decoding-error", error_text="bad gzip")
    assert classify("http://e.org/u", result) == (LiveStatus.ERROR, ["decoding-error", "http-200"])
