"""Live checks: one URL in, one honest :class:`~citecheck.models.LiveResult` out.

The taxonomy (DESIGN.md, "Live status taxonomy"):

* ``ok`` 2xx with real content; ``redirected`` (same site) and ``moved``
  (off-site) when redirects led there, the chain kept;
* ``dead`` 404/410, or a soft 404: a 200 that is an error page, a redirect to
  the site's home page or another generic page, or a page that looks like what
  the host answers for a random path that cannot exist (the probe);
* ``blocked`` 401/403/429 or a bot wall: inconclusive;
* ``error`` 5xx, timeouts, resets, TLS, DNS, redirect loops: inconclusive;
* ``skipped`` private address, unsupported scheme, invalid URL.

Reasons are stable kebab-case codes (``http-404``, ``soft-404``,
``redirect-to-home``, ``timeout``, ``rate-limited``, ``tls-error``, ...).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol
from urllib.parse import SplitResult, urlsplit, urlunsplit

from citecheck.http import FetchResult, decode_body
from citecheck.models import LiveResult, LiveStatus, Redirect
from citecheck.urls import host_of, is_home_page, normalize_url

log = logging.getLogger(__name__)


class Fetcher(Protocol):
    """What the live check needs of an HTTP client (HttpClient, or a fake)."""

    def fetch(self, url: str, *, max_bytes: int | None = ...) -> FetchResult: ...


#: fetch errors that mean "we did not check": no request was (or may be) made
SKIP_ERRORS = frozenset({"private-address", "unsupported-scheme", "invalid-url"})
#: fetch errors that mean the host could not be reached at all
UNREACHABLE_ERRORS = frozenset({"dns-error", "connection-refused", "connection-error"})

#: similarity (0-100) above which a page "is" the host's not-found page
SOFT404_SIMILARITY = 90.0
_TEXT_SAMPLE = 20_000  #: enough to reach past a big menu to the page's own text
#: pages with less visible text than this are not compared with the probe
_MIN_COMPARABLE = 80
#: characters of a page's own text (not shared with the missing page) that make it real
_MIN_OWN_TEXT = 200

#: wording of error pages: strong enough to trust in a title or main heading
_NOT_FOUND_WORDS = re.compile(
    r"""\b(?:page|file|document|article|resource|url)s?\s+(?:you\s+requested\s+)?
        (?:was\s+|is\s+|could\s+)?
        (?:not\s+(?:be\s+)?found|cannot\s+be\s+found|does\s*n[o']t\s+exist|
        (?:is\s+)?no\s+longer\s+(?:available|exists?))
      |^\s*404\b|\b404\s*(?:[-:|]\s*)?(?:error|not\s+found|page)|\berror\s*(?:[-:|]\s*)?404\b
      |^\s*not\s+found\b
      |\bsorry,?\s+(?:we\s+)?(?:couldn[o']?t|can\s*n[o']?t|could\s+not)\s+find\s+(?:that|this|the)\s+page
      |\bseite\s+nicht\s+gefunden\b|\bpage\s+introuvable\b|\bp[aá]gina\s+no\s+encontrada\b
      |\bpagina\s+non\s+trovata\b
      |страница\s+не\s+найдена|ошибка\s+404|запрашиваемая\s+страница\s+не
      |页面不存在|页面未找到|找不到(?:该|此|您要的)?页面|頁面不存在|ページが見つかりません
      |الصفحة\s+غير\s+موجودة""",
    re.IGNORECASE | re.VERBOSE,
)
#: text _NOT_FOUND_WORDS can match contains one of these once case-folded: a cheap
#: test that spares most titles, headings and pages the regex (each of its
#: alternatives needs one: "not"/"no"/"non" hold "no", "doesn't" holds "n't").
#: ``tests/test_live.py`` checks every alternative against this list.
_NOT_FOUND_TOKENS = ("no", "n't", "404", "sorry", "gefunden", "trouvable", "encontrada",
                     "trovata", "найдена", "запрашиваемая", "不存在", "未找到", "找不到",
                     "見つかりません", "موجودة")


def _not_found_words(text: str) -> bool:
    """``_NOT_FOUND_WORDS`` is in ``text`` (the token test first)."""
    folded = text.casefold()
    return any(t in folded for t in _NOT_FOUND_TOKENS) and bool(_NOT_FOUND_WORDS.search(text))


_GENERIC_PATH = re.compile(
    r"(?:^|[/_.-])(?:404|not[-_]?found|page[-_]?not[-_]?found|error|errors|missing|"
    r"pagenotfound|notfound|gone)(?:$|[/_.-])",
    re.IGNORECASE,
)
#: markers of bot walls and challenge pages (matched on lower-cased text)
_BOT_WALL = (
    "just a moment...", "checking your browser", "cf-browser-verification", "cf-chl-",
    "challenge-platform", "attention required! | cloudflare", "g-recaptcha", "h-captcha",
    "hcaptcha", "are you a robot", "verify you are human", "verify you are a human",
    "please enable javascript and cookies", "please enable cookies", "ddos-guard",
    "_incapsula_resource", "px-captcha", "access denied",
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_SCRIPT = re.compile(r"<(script|style|noscript)[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_SECOND_LEVEL = frozenset({"co", "com", "gov", "org", "net", "ac", "edu", "go", "or",
                           "ne", "gob", "gouv", "nic", "int"})


def now_iso(clock: Callable[[], datetime] | None = None) -> str:
    global _NOW
    if clock is None:
        second = int(time.time())  # the clock datetime.now reads, to the second
        cached = _NOW
        if cached[0] == second:  # thousands of results a second: formatted once
            return cached[1]
        when = datetime.fromtimestamp(second, timezone.utc)
    else:
        when = clock()
    text = when.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    if clock is None:
        _NOW = (second, text)
    return text


_NOW: tuple[int, str] = (-1, "")


# -------------------------------------------------------------- page text


def visible_text(html: str, limit: int = _TEXT_SAMPLE) -> str:
    """Rough visible text of an HTML page (enough to compare pages)."""
    text = html[: limit * 8]
    lowered = text.lower()
    if "<script" in lowered or "<style" in lowered or "<noscript" in lowered:
        text = _SCRIPT.sub(" ", text)
    if "<" in text:
        text = _TAG.sub(" ", text)
    return " ".join(text.split())[:limit]


def _strip_tags(fragment: str) -> str:
    return " ".join((_TAG.sub(" ", fragment) if "<" in fragment else fragment).split())


def page_title(html: str) -> str:
    m = _TITLE.search(html[:100_000])
    return _strip_tags(m.group(1)) if m else ""


def says_not_found(html: str) -> bool:
    """Error-page wording in the title, the main heading or a very short page."""
    title = page_title(html)
    m = _H1.search(html[:200_000])
    heading = _strip_tags(m.group(1)) if m else ""
    if _not_found_words(title) or _not_found_words(heading):
        return True
    if len(html) > 200_000:
        return False  # not a "very short page"
    text = visible_text(html, 1500)
    return len(text) < 600 and _not_found_words(text)


def is_bot_wall(html: str, headers: dict[str, str]) -> bool:
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return True
    head = html[:30_000].lower()
    # 19 substring searches (memchr-fast) cost half of one pass of a 19-way
    # alternation, which Python's re tries at every position
    return any(m in head for m in _BOT_WALL) and len(visible_text(head, 3000)) < 2500


# --------------------------------------------------------------- sites


def site_of(host: str) -> str:
    """The registrable part of a host, roughly (no public-suffix list needed)."""
    host = host.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if re.fullmatch(r"[\d.]+|\[?[0-9a-f:]+\]?", host):
        return host
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def same_site(a: str, b: str) -> bool:
    return site_of(host_of(a)) == site_of(host_of(b))


# ------------------------------------------------------------ soft 404s


@dataclass(frozen=True)
class Probe:
    """What a host answered for a path that cannot exist."""

    host: str
    url: str
    status_code: int | None
    final_url: str | None
    text: str  #: visible text, the probe path masked
    error: str | None = None

    @property
    def answers_200(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


class ProbeCache:
    """One probe per host (scheme + host + port), shared by threads."""

    def __init__(self) -> None:
        self._probes: dict[str, Probe] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._early: dict[str, threading.Thread] = {}

    def start(self, url: str, client: Fetcher) -> None:
        """Start the probe of ``url``'s host now, in the background, so that it
        runs beside the host's first page instead of after it (a host cited
        once then takes one round trip, not two). :meth:`get` waits for it."""
        key = _probe_key(urlsplit(url))
        with self._lock:
            if key in self._probes or key in self._early:
                return
            thread = threading.Thread(target=self._start, args=(url, client), daemon=True,
                                      name="citecheck-probe")
            self._early[key] = thread
            thread.start()  # under the lock: wait() never sees a thread not yet started

    def _start(self, url: str, client: Fetcher) -> None:
        try:
            self.get(url, client)
        except Exception:  # noqa: BLE001 - get() asks again when the page needs it
            log.debug("early soft-404 probe of %s failed", url, exc_info=True)

    def wait(self) -> None:
        """Wait for the probes started early (those no page needed, too)."""
        with self._lock:
            threads = list(self._early.values())
        for thread in threads:
            thread.join()

    def get(self, url: str, client: Fetcher) -> Probe:
        parts = urlsplit(url)
        key = _probe_key(parts)
        with self._lock:
            if key in self._probes:
                return self._probes[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # one probe in flight per host; others wait for it
            with self._lock:
                if key in self._probes:
                    return self._probes[key]
            probe = _probe(parts.scheme, parts.netloc, client)
            with self._lock:
                self._probes[key] = probe
            return probe


def _probe_key(parts: SplitResult) -> str:
    return f"{parts.scheme}://{parts.netloc}".lower()


_PROBE_BYTES = 512 * 1024


def _probe(scheme: str, netloc: str, client: Fetcher) -> Probe:
    url, token = _probe_url(scheme, netloc)
    return _probe_of(url, token, client.fetch(url, max_bytes=_PROBE_BYTES))


def _probe_url(scheme: str, netloc: str) -> tuple[str, str]:
    token = secrets.token_hex(10)
    return urlunsplit((scheme, netloc, f"/citecheck-{token}", "", "")), token


def _probe_of(url: str, token: str, result: FetchResult) -> Probe:
    text = ""
    if result.error is None and result.body:
        html, _ = decode_body(result)
        text = _mask(visible_text(html), [url, f"/citecheck-{token}", token])
    return Probe(host_of(url), url, result.status_code, result.final_url, text, result.error)


def _mask(text: str, needles: list[str]) -> str:
    for needle in needles:
        if needle:
            text = text.replace(needle, " ")
    return _SPACE.sub(" ", text).strip()


_probe_caches: weakref.WeakKeyDictionary[Any, ProbeCache] = weakref.WeakKeyDictionary()
_probe_caches_lock = threading.Lock()


def probe_cache_for(client: Any) -> ProbeCache:
    """The probe cache shared by every check made with ``client``."""
    with _probe_caches_lock:
        try:
            cache = _probe_caches.get(client)
        except TypeError:  # not weak-referenceable: no sharing
            return ProbeCache()
        if cache is None:
            cache = ProbeCache()
            _probe_caches[client] = cache
        return cache


def _has_own_content(text: str, probe_text: str) -> bool:
    """Whether a page has substantial text of its own beside what it shares with the
    host's missing page: on menu-heavy sites the shared navigation and footer make
    a real article look like the missing page as a whole."""
    start = len(os.path.commonprefix([text, probe_text]))
    own, theirs = text[start:], probe_text[start:]
    end = len(os.path.commonprefix([own[::-1], theirs[::-1]]))
    own, theirs = own[:len(own) - end], theirs[:len(theirs) - end]
    return len(own) >= _MIN_OWN_TEXT and _ratio(own, theirs) < SOFT404_SIMILARITY


def _ratio(a: str, b: str) -> float:
    """rapidfuzz's ratio, imported when a page is first compared with a probe
    (most hosts answer a missing page with a 404: no comparison, no import)."""
    from rapidfuzz import fuzz

    return float(fuzz.ratio(a, b))


def soft404_reasons(url: str, result: FetchResult, html: str, probe: Probe | None) -> list[str]:
    """Why a 2xx answer is really a "not found" page (empty list: it is not)."""
    final = result.final_url or url
    if is_home_page(url):
        return []  # the home page is generic by nature
    reasons: list[str] = []
    if result.redirects and is_home_page(final):  # own site's or a new owner's
        reasons.append("redirect-to-home")
    elif result.redirects and _GENERIC_PATH.search(urlsplit(final).path):
        reasons.append("redirect-to-error-page")
    if says_not_found(html):
        reasons.append("not-found-wording")
    if probe is not None and probe.answers_200:
        if result.redirects and probe.final_url and probe.final_url == final:
            reasons.append("same-as-missing-page")
        elif len(probe.text) >= _MIN_COMPARABLE:
            # (a JavaScript app shell has next to no text and looks the same for
            # every path, real or not: that says nothing either way)
            path = urlsplit(url).path
            text = _mask(visible_text(html), [url, final, path, urlsplit(final).path])
            if (len(text) >= _MIN_COMPARABLE
                    and _ratio(text, probe.text) >= SOFT404_SIMILARITY
                    and not _has_own_content(text, probe.text)):
                reasons.append("same-as-missing-page")
    return (["soft-404"] + reasons) if reasons else []


# -------------------------------------------------------------- the check


def classify(url: str, result: FetchResult, probe: Probe | None = None,
             html: str | None = None) -> tuple[LiveStatus, list[str]]:
    """Status and reasons for one fetch result (pure; the probe is given)."""
    code = result.status_code
    if result.error in SKIP_ERRORS:
        return LiveStatus.SKIPPED, [result.error or "skipped"]
    if result.error in ("redirect-loop", "too-many-redirects"):
        return LiveStatus.ERROR, [result.error or "redirect-error"]
    if result.error is not None and (code is None or result.error != "decoding-error"):
        return LiveStatus.ERROR, [result.error]
    if code is None:
        return LiveStatus.ERROR, ["no-response"]
    headers = result.headers
    if code in (404, 410):
        return LiveStatus.DEAD, [f"http-{code}"]
    if code == 429:
        return LiveStatus.BLOCKED, ["rate-limited", "http-429"]
    if code in (401, 403, 451):
        return LiveStatus.BLOCKED, [f"http-{code}"] + (
            ["bot-wall"] if html is not None and is_bot_wall(html, headers) else [])
    if code >= 500:
        if html is not None and is_bot_wall(html, headers):
            return LiveStatus.BLOCKED, ["bot-wall", f"http-{code}"]
        return LiveStatus.ERROR, [f"http-{code}"]
    if code >= 300 or code < 200:
        return LiveStatus.ERROR, [f"http-{code}"]
    # 2xx
    if result.error == "decoding-error":
        return LiveStatus.ERROR, ["decoding-error", f"http-{code}"]
    extra = ["body-truncated"] if result.truncated else []
    if html is not None:
        if is_bot_wall(html, headers):
            return LiveStatus.BLOCKED, ["bot-wall"]
        soft = soft404_reasons(url, result, html, probe)
        if soft:
            return LiveStatus.DEAD, soft + extra
    if result.redirects:
        final = result.final_url or url
        if same_site(url, final):
            return LiveStatus.REDIRECTED, extra
        return LiveStatus.MOVED, extra
    return LiveStatus.OK, extra


def _is_text(result: FetchResult) -> bool:
    ctype = result.content_type
    return ctype is None or ctype.startswith("text/") or ctype in (
        "application/xhtml+xml", "application/xml")


def check_url(
    url: str,
    client: Fetcher,
    *,
    soft404_probe: bool = True,
    keep_body: bool = True,
    probes: ProbeCache | None = None,
    clock: Callable[[], datetime] | None = None,
) -> LiveResult:
    """Fetch ``url`` and say what state it is in. Never raises for a URL's failure.

    ``soft404_probe`` asks each host once for a random path that cannot exist
    and compares 2xx pages with that answer (cached per host in ``probes``,
    by default shared per client).
    """
    checked_at = now_iso(clock)
    asked = normalize_url(url)
    result = client.fetch(asked)
    html, encoding = _text_of(result)
    probe = None
    if soft404_probe and _wants_probe(asked, result, html):
        probe = (probes or probe_cache_for(client)).get(result.final_url or asked, client)
    return _live_result(asked, result, probe, html, encoding, checked_at, keep_body)


async def acheck_url(
    url: str,
    client: AsyncFetcher,
    *,
    soft404_probe: bool = True,
    keep_body: bool = True,
    probes: AsyncProbes | None = None,
    clock: Callable[[], datetime] | None = None,
) -> LiveResult:
    """:func:`check_url` on the event loop (``client.afetch``; probes per host in
    ``probes``)."""
    checked_at = now_iso(clock)
    asked = normalize_url(url)
    result = await client.afetch(asked)
    html, encoding = _text_of(result)
    probe = None
    if soft404_probe and _wants_probe(asked, result, html):
        probe = await (probes or AsyncProbes()).get(result.final_url or asked, client)
    return _live_result(asked, result, probe, html, encoding, checked_at, keep_body)


class AsyncFetcher(Protocol):
    """What the asyncio live check needs of an HTTP client."""

    async def afetch(self, url: str, *, max_bytes: int | None = ...) -> FetchResult: ...


class AsyncProbes:
    """One soft-404 probe per host for the asyncio runner: a task per host,
    which every page of the host awaits (and which may start beside the first)."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Future[Probe]] = {}

    def start(self, url: str, client: AsyncFetcher) -> asyncio.Future[Probe]:
        parts = urlsplit(url)
        key = _probe_key(parts)
        task = self._tasks.get(key)
        if task is None:
            task = self._tasks[key] = asyncio.ensure_future(
                _aprobe(parts.scheme, parts.netloc, client))
        return task

    async def get(self, url: str, client: AsyncFetcher) -> Probe:
        task = self.start(url, client)
        if task.done():  # every page of a host but its first: no shield, no wait
            return task.result()
        return await asyncio.shield(task)

    async def wait(self) -> None:
        """Wait for every probe started (those no page needed, too)."""
        if self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)


async def _aprobe(scheme: str, netloc: str, client: AsyncFetcher) -> Probe:
    url, token = _probe_url(scheme, netloc)
    return _probe_of(url, token, await client.afetch(url, max_bytes=_PROBE_BYTES))


def _text_of(result: FetchResult) -> tuple[str | None, str | None]:
    if result.body and _is_text(result):
        return decode_body(result)
    return None, None


def _wants_probe(asked: str, result: FetchResult, html: str | None) -> bool:
    code = result.status_code
    return (result.error is None and code is not None and 200 <= code < 300
            and html is not None and not is_home_page(asked))


def _live_result(asked: str, result: FetchResult, probe: Probe | None, html: str | None,
                 encoding: str | None, checked_at: str, keep_body: bool) -> LiveResult:
    code = result.status_code
    status, reasons = classify(asked, result, probe, html)
    return LiveResult(
        url=asked,
        status=status,
        status_code=code,
        final_url=result.final_url,
        redirects=tuple(Redirect(u, c) for u, c in result.redirects),
        elapsed=round(result.elapsed, 4),
        content_type=result.content_type,
        bytes=len(result.body),
        error=result.error_text,
        reasons=tuple(reasons),
        checked_at=checked_at,
        encoding=encoding,
        body=result.body if keep_body and result.body else None,
    )


def error_result(url: str, reason: str, text: str,
                 clock: Callable[[], datetime] | None = None) -> LiveResult:
    """An ``error`` result for a check that could not run (a bug, not the URL's fault)."""
    return LiveResult(url=url, status=LiveStatus.ERROR, error=text, reasons=(reason,),
                      checked_at=now_iso(clock))
