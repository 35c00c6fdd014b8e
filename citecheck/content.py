"""What a fetched page says: its main text, title, date and language.

:func:`extract_content` turns the bytes of a live page or an archived snapshot
into a :class:`PageContent`. It never raises: garbage, truncated or empty
bodies give an empty record with ``error`` set, so one bad page never stops a
run.

Choices, documented because they decide verdicts:

- Boilerplate first: readers' comments, related-story rails, navigation, site
  headers and footers, sidebars, share bars, bylines and cookie or newsletter
  banners (trafilatura's own class/id vocabulary for them, and the structural
  tags) are cut out of the page trafilatura reads, so they never enter the
  main text, and kept apart in ``boilerplate``: a quotation found only there
  is not the page's word (reason ``quote-in-boilerplate``).
- HTML main text comes from trafilatura: its baseline extractor when the page
  marks its article (an ``<article>`` with 400+ characters, or JSON-LD
  ``articleBody``), which is what publishers' article pages do and costs half
  as much; otherwise its full extractor with ``fast=True`` (without the
  readability/justext fallbacks, which cost more time than they add). When
  trafilatura returns nothing or clearly less than the page shows, the
  visible text from BeautifulSoup is used instead (``extractor == "bs4"``).
  ``full_text`` always keeps every visible text node, so a quotation in a
  caption or fact box can still be found (unless it is in ``boilerplate``).
- The publication date comes from htmldate with ``original_date=True`` (the
  first publication, not "updated"). It first runs with
  ``extensive_search=False``: only markup a publisher writes on purpose
  (meta tags, JSON-LD, ``<time>``, the URL). Only when that finds nothing does
  it run with ``extensive_search=True`` (dates found in the free text), and the
  result is marked ``date_confidence == "low"``: a date mentioned in the text
  is a weaker witness, and verification treats it so.
- PDF text and dates come from pypdf: the first page's printed date and the
  ``/CreationDate`` of the metadata are both kept (``date`` and
  ``alt_dates``), because either may be the one a citation refers to.
- Language: a script count (Cyrillic, CJK, Arabic, ...) decides for
  non-Latin text; for Latin text the declared ``<html lang>`` wins, else a
  count of common function words of a few languages.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import io
import logging
import re
import threading
import warnings
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date as Date
from typing import Any

logger = logging.getLogger(__name__)

#: bodies larger than this are cut before parsing (pages, not books)
MAX_PARSE_BYTES = 5 * 1024 * 1024
#: an <article> with at least this much text is taken as the page's main text
ARTICLE_MIN_CHARS = 400
#: PDF pages read at most
MAX_PDF_PAGES = 60


@dataclass(frozen=True)
class PageContent:
    """What a page says, as far as verification needs it."""

    url: str
    kind: str = "unknown"  #: html | pdf | text | unknown
    title: str | None = None
    text: str = ""  #: main text (article body)
    full_text: str = ""  #: every visible text, for quotes outside the main text
    #: the text of comments, related-story rails, navigation, footers and cookie
    #: banners: a quotation found only here is not the page's word
    boilerplate: str = ""
    date: str | None = None  #: ISO, at its precision (YYYY-MM-DD or YYYY-MM)
    date_source: str | None = None  #: htmldate | htmldate-extensive | pdf-first-page | pdf-metadata
    date_confidence: str | None = None  #: high | low
    alt_dates: tuple[str, ...] = ()  #: other dates the page gives itself (PDF metadata, ...)
    language: str | None = None  #: ISO 639-1 guess: en, ru, zh, ...
    declared_language: str | None = None  #: from <html lang> or PDF metadata
    extractor: str = "none"  #: trafilatura | bs4 | pypdf | text | none
    sitename: str | None = None
    description: str | None = None
    error: str | None = None  #: why nothing could be read

    @property
    def readable(self) -> bool:
        return bool(self.text.strip() or self.full_text.strip() or self.boilerplate.strip())

    @property
    def dates(self) -> tuple[str, ...]:
        return ((self.date,) if self.date else ()) + self.alt_dates


# ------------------------------------------------------------------ entry


class Memo:
    """A small thread-safe LRU map: pages read once per run, not once per citation."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, PageContent] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> PageContent | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Hashable, value: PageContent) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_CACHE = Memo()


def extract_content(
    body: bytes | None, content_type: str | None, url: str, encoding: str | None = None
) -> PageContent:
    """Read ``body`` (HTML, PDF or text) fetched from ``url``. Never raises.

    Results are memoised by a digest of the body, so several citations of one
    page cost one extraction.
    """
    if not body:
        return PageContent(url=url, error="empty-body")
    key = (hashlib.sha1(body).hexdigest(), content_type, url, encoding)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    try:
        result = _extract(body[:MAX_PARSE_BYTES], content_type, url, encoding)
    except Exception as exc:  # noqa: BLE001 - garbage must never stop a run
        logger.debug("content extraction failed for %s: %r", url, exc)
        result = PageContent(url=url, error=f"unreadable: {exc.__class__.__name__}")
    _CACHE.put(key, result)
    return result


def sniff_kind(body: bytes, content_type: str | None) -> str:
    ctype = (content_type or "").split(";")[0].strip().lower()
    head = body[:1024].lstrip()
    if ctype == "application/pdf" or head.startswith(b"%PDF"):
        return "pdf"
    if "html" in ctype or "xml" in ctype:
        return "html"
    lowered = head[:512].lower()
    if lowered.startswith(b"<") or b"<html" in lowered or b"<!doctype" in lowered:
        return "html"
    if ctype.startswith("text/") or not ctype:
        return "text"
    return "unknown"


def _extract(body: bytes, content_type: str | None, url: str, encoding: str | None) -> PageContent:
    kind = sniff_kind(body, content_type)
    if kind == "pdf":
        return _extract_pdf(body, url)
    if kind == "unknown":
        return PageContent(url=url, kind=kind, error=f"unsupported content type {content_type}")
    text = decode(body, content_type, encoding)
    if kind == "text":
        clean = _squash(text)
        return PageContent(
            url=url, kind="text", text=clean, full_text=clean, language=guess_language(clean),
            extractor="text",
        )
    return _extract_html(text, url)


# -------------------------------------------------------------- decoding

def decode(body: bytes, content_type: str | None = None, encoding: str | None = None) -> str:
    """Bytes to text: the encoding the fetch found (``LiveResult.encoding``) if
    the bytes agree, else the HTTP client's rules (header, BOM, ``<meta>``,
    detection). Never raises."""
    if encoding:
        try:
            return body.decode(codecs.lookup(encoding).name).lstrip("\ufeff")
        except (LookupError, UnicodeDecodeError):
            pass
    from citecheck.http import decode_bytes  # not at import: see pipeline.py

    try:
        return decode_bytes(body, content_type)[0]
    except Exception:  # noqa: BLE001 - a broken detector must not stop a run
        return body.decode("utf-8", errors="replace")


# ------------------------------------------------------------------ HTML

def _squash(text: str) -> str:
    """One space between words, no blanks at line ends, at most one empty line.

    (str methods, not regular expressions: several times faster on pages.)
    """
    out: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def _extract_html(html: str, url: str) -> PageContent:
    import lxml.html
    from lxml import etree

    html = html.replace("\x00", "")
    if html.lstrip().startswith("<?xml"):
        html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return PageContent(url=url, kind="html", error="unparsable-html")
    declared = _declared_language(tree)
    title, sitename, description = _html_meta(tree)
    date, date_source, confidence = _html_date(tree, html, url)

    for bad in tree.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    has_article = any(
        len(el.text_content()) > ARTICLE_MIN_CHARS for el in tree.iter("article")
    )
    # trafilatura reads its own parse of the page with the boilerplate dropped (the
    # parse it made itself before): baseline() on <article> pages, else the full extractor
    clean = lxml.html.document_fromstring(html)
    boiler_nodes = boilerplate_nodes(clean)
    boilerplate = "\n".join(_squash("\n".join(_node_text(n))) for n in boiler_nodes)
    for node in boiler_nodes:
        node.drop_tree()
    full_text = _squash(_visible_text(tree))

    main, extractor = _trafilatura_text(clean, url, has_article), "trafilatura"
    visible = len(full_text)
    if not main or (visible > 400 and len(main) < 0.1 * visible):
        fallback = _bs4_text(_without_boilerplate(html))
        if len(fallback) > len(main or ""):
            main, extractor = fallback, "bs4"
    main = main or ""
    if not title:
        h1 = tree.xpath("//h1")
        title = _squash(h1[0].text_content()) if h1 else None
    return PageContent(
        url=url, kind="html", title=title or None, text=main, full_text=full_text or main,
        boilerplate=boilerplate,
        date=date, date_source=date_source, date_confidence=confidence,
        language=guess_language(main or full_text, declared), declared_language=declared,
        extractor=extractor if main else "none", sitename=sitename, description=description,
        error=None if (main or full_text) else "no-text",
    )


_BLOCK_TAGS = ("p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr",
               "td", "th", "table", "blockquote", "article", "section", "header", "footer",
               "nav", "aside", "main", "figure", "figcaption", "dd", "dt", "dl", "pre", "hr",
               "form", "address", "details", "summary")


def _visible_text(tree) -> str:  # type: ignore[no-untyped-def]
    """Visible text with a line break after each block (lxml's C serialiser; the
    tree's tails are changed, so call it last)."""
    from lxml import etree

    body = tree.find("body")
    root = body if body is not None else tree
    for el in root.iter(*_BLOCK_TAGS):
        el.text = "\n" + el.text if el.text else "\n"
        el.tail = "\n" + el.tail if el.tail else "\n"
    return str(etree.tostring(root, method="text", encoding="unicode", with_tail=False))


def _html_meta(tree) -> tuple[str | None, str | None, str | None]:  # type: ignore[no-untyped-def]
    metas: dict[str, str] = {}
    for el in tree.iter("meta"):
        content = (el.get("content") or "").strip()
        key = el.get("property") or el.get("name") or el.get("itemprop")
        if content and key:
            metas.setdefault(key.strip().lower(), content)

    def meta(*names: str) -> str | None:
        for name in names:
            if name in metas:
                return _squash(metas[name])
        return None

    title = meta("og:title", "twitter:title", "citation_title", "dc.title")
    if not title:
        node = tree.find(".//title")
        if node is not None and node.text_content().strip():
            title = _squash(node.text_content())
    return title, meta("og:site_name", "application-name"), meta(
        "description", "og:description"
    )


def _html_date(tree, html: str, url: str) -> tuple[str | None, str | None, str | None]:  # type: ignore[no-untyped-def]
    try:
        from htmldate import find_date
    except ImportError:  # pragma: no cover - a declared dependency
        return None, None, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            found = find_date(tree, extensive_search=False, original_date=True, url=url,
                              min_date="1990-01-01")
            if found:
                return found, "htmldate", "high"
            found = find_date(html, extensive_search=True, original_date=True, url=url,
                              min_date="1990-01-01")
        except Exception:  # noqa: BLE001
            return None, None, None
    return (found, "htmldate-extensive", "low") if found else (None, None, None)


def _trafilatura_text(clean: Any, url: str, has_article: bool = False) -> str:
    """Main text by trafilatura from ``clean``, the page's tree without its
    boilerplate: its baseline extractor (the publisher's ``<article>`` or JSON-LD
    ``articleBody``) when the page marks its article, else the full extractor
    (``fast=True``: no readability/justext fallbacks; comments off)."""
    try:
        from trafilatura import bare_extraction, baseline
    except ImportError:  # pragma: no cover
        return ""
    # trafilatura sets htmldate's logger to WARNING on import; it logs an empty
    # page as an ERROR: keep it as quiet as trafilatura's own (cli._configure_logging)
    quiet = logging.getLogger("trafilatura").getEffectiveLevel()
    logging.getLogger("htmldate").setLevel(max(logging.WARNING, quiet))
    try:
        if has_article:
            _tree, text, length = baseline(clean)
            if length > ARTICLE_MIN_CHARS:
                return _squash(text)
        doc = bare_extraction(clean, url=url, fast=True, with_metadata=False,
                              include_comments=False, include_tables=True)
    except Exception:  # noqa: BLE001
        return ""
    if doc is None:
        return ""
    found = doc.get("text") if isinstance(doc, dict) else getattr(doc, "text", None)
    return _squash(found or "")


def _without_boilerplate(html: str) -> str:
    """``html`` re-serialised without its boilerplate regions (for the fallback)."""
    import lxml.html

    tree = lxml.html.document_fromstring(html)
    for node in boilerplate_nodes(tree):
        node.drop_tree()
    return str(lxml.html.tostring(tree, encoding="unicode"))


# ------------------------------------------------------------ boilerplate

#: regions that are not the article whatever their class: navigation, footers, sidebars
#: (and the site's own ``<header>``, a child of ``<body>``; roles navigation, contentinfo)
_BOILERPLATE_TAGS = frozenset({"nav", "footer", "aside"})
#: an element holding this much of the page's text is its frame, not boilerplate
_FRAME_SHARE = 0.5


#: elements whose class or id is tested (trafilatura tests the same kinds)
_BOILERPLATE_CANDIDATES = ("div", "section", "p", "span", "ul", "ol", "li", "aside", "details",
                           "form", "header", "footer", "nav", "dl", "table")


@functools.lru_cache(maxsize=1)
def _boilerplate_scan() -> Any:
    """The elements worth a look, found in C: those with a class, id or role, and
    the structural tags (in document order)."""
    from lxml import etree

    return etree.XPath("//*[@class or @id or @role or self::nav or self::footer "
                       "or self::aside or self::header]")


@functools.lru_cache(maxsize=1)
def _boilerplate_rules() -> tuple[Any, Any, Any, Any]:
    """(class pattern, id pattern, comments class pattern, comments id pattern) of
    boilerplate regions.

    The class and id tokens are trafilatura's own vocabulary for navigation,
    related stories, footers, cookie consent, share bars, newsletters, sidebars and
    banners, bylines and ads (``trafilatura.xpaths``), tested with Python's ``re``
    in one pass: its XPath forms call back into Python for every element of the
    page, which cost 2 ms a page. Its token groups for page metadata, embeds and
    "expand"/"slide" containers are left out: those hold article text too.
    """
    from trafilatura import xpaths as x

    groups_class = ("_NAV_CLASS_TOKENS", "_RELATED_CLASS_TOKENS", "_FOOTER_CLASS_TOKENS",
                    "_CONSENT_CLASS_TOKENS", "_CONSENT_ID_CLASS_TOKENS", "_AD_CLASS_TOKENS",
                    "_SHARE_SOCIAL_ID_CLASS_TOKENS", "_NEWSLETTER_ID_CLASS_TOKENS",
                    "_UI_CHROME_ID_CLASS_TOKENS", "_AUTHOR_CLASS_TOKENS",
                    "_AUTHOR_ID_CLASS_TOKENS", "_TAGS_CLASS_TOKENS", "_TAGS_ID_CLASS_TOKENS")
    groups_id = ("_NAV_ID_TOKENS", "_RELATED_ID_TOKENS", "_FOOTER_ID_TOKENS",
                 "_CONSENT_ID_CLASS_TOKENS", "_SHARE_ID_TOKENS", "_AD_ID_TOKENS",
                 "_SHARE_SOCIAL_ID_CLASS_TOKENS", "_NEWSLETTER_ID_CLASS_TOKENS",
                 "_UI_CHROME_ID_CLASS_TOKENS", "_AUTHOR_ID_CLASS_TOKENS", "_TAGS_ID_CLASS_TOKENS")
    class_tokens = [t for g in groups_class for t in getattr(x, g)]
    id_tokens = [t for g in groups_id for t in getattr(x, g)]
    return (
        re.compile("|".join(class_tokens)),
        re.compile("|".join(id_tokens)),
        re.compile(x._COMMENTS_CLASS),
        re.compile(f"^(?:{x._COMMENTS_ID}|disqus_thread|dsq-comments)"),
    )


def boilerplate_nodes(tree: Any) -> list[Any]:
    """The outermost elements of ``tree`` that are comments, related-story rails,
    navigation, footers, sidebars, bylines, share bars or cookie banners. An
    element that holds the article (an ``<article>``, ``<main>`` or ``<h1>``; or,
    unless it is a comments section, half the page's text) is a page's frame,
    however it is named."""
    try:
        klass, ident, comments_class, comments_id = _boilerplate_rules()
    except (ImportError, AttributeError, re.error):  # a trafilatura without this vocabulary
        logger.debug("boilerplate vocabulary unavailable", exc_info=True)
        return []
    body = tree.find("body")
    total = 0
    kept: list[Any] = []
    chosen: set[Any] = set()
    for node in _boilerplate_scan()(tree):  # document order: ancestors first
        tag, c, i = node.tag, node.get("class") or "", node.get("id") or ""
        comments = bool((c and comments_class.search(c)) or (i and comments_id.search(i)))
        if not comments and not (
            tag in _BOILERPLATE_TAGS
            or (tag == "header" and node.getparent() is body)
            or node.get("role") in ("navigation", "contentinfo")
            or (tag in _BOILERPLATE_CANDIDATES and (
                (c and klass.search(c)) or (i and ident.search(i))))
        ):
            continue
        if any(a in chosen for a in node.iterancestors()):
            continue  # inside a region already taken
        if tag in ("article", "main", "body", "html") or node.find(".//article") is not None \
                or node.find(".//main") is not None or node.find(".//h1") is not None:
            continue
        if not comments:
            total = total or len((body if body is not None else tree).text_content()) or 1
            if len(node.text_content()) > _FRAME_SHARE * total:
                continue
        kept.append(node)
        chosen.add(node)
    return kept


def _node_text(node: Any) -> list[str]:
    """The visible text pieces of one element."""
    return [str(t) for t in node.xpath(
        ".//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]")]


def _bs4_text(html: str) -> str:
    try:
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(html, "lxml")
        for bad in soup(["script", "style", "noscript", "template", "nav", "header", "footer"]):
            bad.decompose()
        return _squash(soup.get_text("\n"))
    except Exception:  # noqa: BLE001
        return ""


def _declared_language(tree) -> str | None:  # type: ignore[no-untyped-def]
    values = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang")]
    for el in tree.iter("meta"):
        if (el.get("http-equiv") or "").lower() == "content-language":
            values.append(el.get("content"))
    for value in values:
        code = (value or "").strip().lower().replace("_", "-").split("-")[0]
        if re.fullmatch(r"[a-z]{2,3}", code):
            return code
    return None


# -------------------------------------------------------------- language

_SCRIPTS = (
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
)
_LETTER = re.compile(r"[^\W\d_]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_FUNCTION_WORDS = {
    "en": {"the", "and", "of", "to", "in", "is", "that", "for", "with", "on", "was", "by"},
    "fr": {"le", "la", "les", "et", "des", "est", "une", "du", "dans", "pour", "que", "sur"},
    "de": {"der", "die", "das", "und", "ist", "nicht", "mit", "den", "ein", "zu", "auf", "sich"},
    "es": {"el", "la", "los", "las", "y", "es", "una", "del", "por", "para", "con", "que"},
}
_WORD = re.compile(r"[^\W\d_]+")


def script_of(text: str, sample: int = 2000) -> str | None:
    """The language a non-Latin script points to (ru for Cyrillic, zh for Han,
    ...), ``latin`` for Latin text, None when there are no letters."""
    chunk = text[:sample]
    non_ascii = len(chunk) - len(chunk.encode("ascii", "ignore"))
    if non_ascii < 0.02 * len(chunk):  # (nearly) ASCII: cheap, and no script reaches 5%
        return "latin" if _ASCII_LETTER.search(chunk) else None
    letters = len(_LETTER.findall(chunk))
    if not letters:
        return None
    # Japanese text mixes kana with Han: test kana before Han
    for code, pattern in _SCRIPTS:
        count = len(pattern.findall(chunk))
        threshold = 0.05 if code == "ja" else 0.3
        if count / letters >= threshold:
            return code
    return "latin"


def guess_language(text: str, declared: str | None = None) -> str | None:
    """A cheap language guess: script first, then declaration, then function words."""
    script = script_of(text)
    if script is None:
        return declared
    if script != "latin":
        return script
    if declared and declared not in {code for code, _ in _SCRIPTS}:
        return declared
    words = [w.lower() for w in _WORD.findall(text[:4000])]
    if len(words) < 8:
        return declared if declared else None
    scores = {lang: sum(w in vocab for w in words) for lang, vocab in _FUNCTION_WORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] >= 2 else None


# ------------------------------------------------------------------- PDF

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
_MONTHS.update({name[:3]: num for name, num in list(_MONTHS.items())})
_MONTH_RE = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE_PATTERNS = (
    (re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b"), ("y", "m", "d")),
    (re.compile(rf"\b(\d{{1,2}})\s+{_MONTH_RE}\s+((?:19|20)\d\d)\b", re.I), ("d", "mon", "y")),
    (re.compile(rf"\b{_MONTH_RE}\s+(\d{{1,2}}),?\s+((?:19|20)\d\d)\b", re.I), ("mon", "d", "y")),
    (re.compile(rf"\b{_MONTH_RE}\s+((?:19|20)\d\d)\b", re.I), ("mon", "y")),
)


def find_printed_date(text: str) -> str | None:
    """The first date printed in ``text`` (ISO, day or month precision)."""
    best: tuple[int, str] | None = None
    for pattern, fields in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = dict(zip(fields, match.groups(), strict=True))
            try:
                year = int(parts["y"])
                month = int(parts["m"]) if "m" in parts else _MONTHS[parts["mon"].lower()[:3]]
                if "d" in parts:
                    iso = Date(year, month, int(parts["d"])).isoformat()
                else:
                    iso = f"{year:04d}-{month:02d}"
                    Date(year, month, 1)
            except (KeyError, ValueError):
                continue
            if best is None or match.start() < best[0]:
                best = (match.start(), iso)
            break
    return best[1] if best else None


def _extract_pdf(body: bytes, url: str) -> PageContent:
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = PdfReader(io.BytesIO(body), strict=False)
        pages: list[str] = []
        for page in reader.pages[:MAX_PDF_PAGES]:
            try:
                pages.append(page.extract_text() or "")
            except Exception:  # noqa: BLE001 - one broken page is not the document
                pages.append("")
        meta = None
        try:
            meta = reader.metadata
        except Exception:  # noqa: BLE001
            meta = None
    text = _squash("\n\n".join(pages))
    title = None
    created = None
    declared = None
    if meta is not None:
        try:
            title = (meta.title or "").strip() or None
        except Exception:  # noqa: BLE001
            title = None
        try:
            created = meta.creation_date.date().isoformat() if meta.creation_date else None
        except Exception:  # noqa: BLE001
            created = None
        lang = meta.get("/Lang") if hasattr(meta, "get") else None
        declared = str(lang).lower().split("-")[0] if lang else None
    if not title and text:
        title = text.strip().split("\n", 1)[0][:300]
    printed = find_printed_date(pages[0][:3000]) if pages else None
    date: str | None = None
    source: str | None = None
    alt: tuple[str, ...] = ()
    if printed:
        date, source = printed, "pdf-first-page"
        alt = (created,) if created and created != printed else ()
    elif created:
        date, source = created, "pdf-metadata"
    return PageContent(
        url=url, kind="pdf", title=title, text=text, full_text=text, date=date,
        date_source=source, date_confidence="high" if date else None, alt_dates=alt,
        language=guess_language(text, declared), declared_language=declared,
        extractor="pypdf" if text else "none", error=None if text else "no-text",
    )
