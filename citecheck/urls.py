"""URL normalisation and domain matching, shared by every stage."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote_plus, urlsplit, urlunsplit

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
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # "http://[::1", a port out of range: left as is, the fetch says why
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return url
    netloc = host if ":" not in host else f"[{host}]"
    if port and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    if parts.username:
        cred = parts.username + (f":{parts.password}" if parts.password else "")
        netloc = f"{cred}@{netloc}"
    # the other parameters stay exactly as written: "?print" and "?print=" may
    # be different pages, and the normalised URL is the one fetched
    query = "&".join(
        piece for piece in parts.query.split("&")
        if not _is_tracking(unquote_plus(piece.split("=", 1)[0]).lower())
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def _is_tracking(key: str) -> bool:
    return key.startswith("utm_") or key in TRACKING_PARAMS


@lru_cache(maxsize=8192)
def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


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


#: the path of a soft-404 probe (``live._probe``): "/citecheck-" and 20 random hex digits
_PROBE_PATH = re.compile(r"/citecheck-[0-9a-f]{20}")


def is_probe_url(url: str) -> bool:
    """``url`` is one of our soft-404 probes (a random page that cannot exist), not a source."""
    try:
        return _PROBE_PATH.fullmatch(urlsplit(url).path) is not None
    except ValueError:
        return False
