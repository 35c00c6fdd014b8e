import pytest

from citecheck.urls import host_in_domains, host_of, is_home_page, normalize_url


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("HTTP://Example.COM/a?b=1#frag", "http://example.com/a?b=1"),
        ("https://example.com:443/x", "https://example.com/x"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("https://example.com", "https://example.com/"),
        ("https://e.org/p?utm_source=x&id=3&utm_medium=y", "https://e.org/p?id=3"),
        ("https://e.org/p?fbclid=abc", "https://e.org/p"),
        ("  https://e.org/p  ", "https://e.org/p"),
        # F7: the query is kept as written (it is what gets fetched)
        ("http://e.org/ok?print", "http://e.org/ok?print"),
        ("http://e.org/ok?a=1&print&utm_source=x&b=%20c", "http://e.org/ok?a=1&print&b=%20c"),
        # F6/F7: malformed URLs are left alone (not rewritten to another URL)
        ("http://[::1", "http://[::1"),
        ("http://127.0.0.5:99999/x", "http://127.0.0.5:99999/x"),
    ],
)
def test_normalize_url(raw, expected):
    assert normalize_url(raw) == expected


@pytest.mark.parametrize(
    "host, domains, expected",
    [
        ("tass.com", ("tass.com",), True),
        ("www.tass.com", ("tass.com",), True),
        ("eng.mil.ru", ("mil.ru",), True),
        ("nottass.com", ("tass.com",), False),
        ("tass.com.evil.org", ("tass.com",), False),
        ("TASS.RU.", ("tass.ru",), True),
    ],
)
def test_host_in_domains(host, domains, expected):
    assert host_in_domains(host, domains) is expected


def test_is_home_page():
    assert is_home_page("https://x.org/")
    assert is_home_page("https://x.org/index.html")
    assert not is_home_page("https://x.org/news/2018/05/14/item.html")


def test_host_of_a_malformed_url_is_empty():
    assert host_of("http://[::1") == ""
    assert host_of("http://Example.org./x") == "example.org"
