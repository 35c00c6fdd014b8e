"""URL normalisation and domain matching, shared by every stage."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: query parameters that only track the reader and never select content
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "yclid", "igshid", "_ga", "ref_src"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


@lru_cache(maxsize=8192)  # pure; every stage asks again about the same URLs
def normalize_url(url: str) -> str:
    """Canonical form used to deduplicate URLs across citations and documents.

    Lower-cases scheme and host, drops the default port, the fragment and
    tracking parameters (``utm_*`` and friends); keeps path and query order.
    """
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return url
    netloc = host if ":" not in host else f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    if parts.username:
        cred = parts.username + (f":{parts.password}" if parts.password else "")
        netloc = f"{cred}@{netloc}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
        ],
        doseq=True,
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


@lru_cache(maxsize=8192)
def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def host_in_domains(host: str, domains: tuple[str, ...] | list[str]) -> bool:
    """True if ``host`` is one of ``domains`` or a subdomain of one.

    A domain written with a port (``127.0.0.5:8080``, as local test worlds and
    intranets need for archive queries) names its host.
    """
    host = host.lower().rstrip(".")
    for domain in domains:
        d = domain.lower().strip().lstrip(".").rstrip(".")
        head, _, port = d.rpartition(":")
        if head and port.isdigit():
            d = head
        if d and (host == d or host.endswith("." + d)):
            return True
    return False


def is_home_page(url: str) -> bool:
    """The site's root or a bare index page: a typical soft-404 target."""
    path = urlsplit(url).path.rstrip("/").lower()
    return path in ("", "/index.html", "/index.htm", "/index.php", "/default.aspx", "/home",
                    "/en", "/eng", "/en/index.html")
