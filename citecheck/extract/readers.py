"""Read documents: files (.txt, .md, .html), stdin ``-`` and http(s) URLs.

Bytes are decoded with the declared charset, else UTF-8, else the encoding
charset-normalizer detects. HTML is rendered to text (one paragraph a line,
blank lines between) and Markdown to text with the same lines as the file;
hyperlinks are kept as spans on the rendered text. Every failure is an
:class:`~citecheck.errors.InputError` naming the document.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import yaml

from citecheck.errors import NO_SUCH_FILE, InputError
from citecheck.extract.dates import parse_iso_date
from citecheck.extract.scan import Link, Note

if TYPE_CHECKING:
    from citecheck.http import HttpClient

#: bytes looked at to detect encoding and binary content
SAMPLE_BYTES = 1024 * 1024
_HTML_EXT = {".html", ".htm", ".xhtml", ".shtml"}
_MD_EXT = {".md", ".markdown", ".mdown", ".mkd"}
#: documents that are not text: read by citecheck.extract.office
_BINARY_EXT = {".docx": "docx", ".pdf": "pdf"}
_BINARY_TYPES = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}
_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class Rendered:
    """A document's text with what its markup said."""

    text: str
    links: tuple[Link, ...] = ()
    title: str | None = None
    published: dt.date | None = None
    published_from: str | None = None
    base: str | None = None  #: ``<base href>`` of an HTML document
    #: (link URL, snapshot URL, ISO date) of links with Robust Links attributes
    versions: tuple[tuple[str, str | None, str | None], ...] = ()
    notes: tuple[Note, ...] = ()  #: numbered-note marks with their notes' text


# --------------------------------------------------------------- raw input


@dataclass(frozen=True)
class RawInput:
    name: str
    data: bytes
    kind: str  #: text | markdown | html | docx | pdf
    charset: str | None = None  #: declared by the server


def load(source: str, client: HttpClient | None = None) -> RawInput:
    """The bytes of ``source`` (path, ``-`` or http(s) URL) and their kind."""
    if source == "-":
        data = sys.stdin.buffer.read()
        return RawInput("-", data, _sniff(data, ""))
    if source.startswith(("http://", "https://")):
        return _load_url(source, client)
    data = _read_file(source)
    return RawInput(source, data, _kind_for(source, data))


def _checked_path(path: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: {NO_SUCH_FILE}")
    if p.is_dir():
        raise InputError(f"{path}: is a directory, not a document")
    return p


def _read_file(path: str, limit: int = -1) -> bytes:
    p = _checked_path(path)
    try:
        with p.open("rb") as fh:
            return fh.read(limit)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _load_url(url: str, client: HttpClient | None) -> RawInput:
    if not client:
        from citecheck.http import HttpClient

        client = HttpClient()
    result = client.fetch(url)
    if result.error:
        raise InputError(f"{url}: cannot fetch: {result.error_text or result.error}")
    if result.status_code is None or not 200 <= result.status_code < 300:
        raise InputError(f"{url}: HTTP {result.status_code}")
    if result.truncated:  # never audit part of a brief as if it were all of it
        cap = client.config.max_bytes / (1024 * 1024)
        raise InputError(f"{url}: larger than {cap:g} MB; save it and give the file instead")
    ctype = result.content_type or ""
    charset = None
    m = re.search(r"charset=[\"']?([\w.:-]+)", result.headers.get("content-type", ""), re.I)
    if m:
        charset = m.group(1)
    if ctype in _BINARY_TYPES:
        kind = _BINARY_TYPES[ctype]
    elif "html" in ctype:
        kind = "html"
    elif "markdown" in ctype or Path(url.split("?")[0]).suffix.lower() in _MD_EXT:
        kind = "markdown"
    elif ctype.startswith("text/") or not ctype:
        kind = _sniff(result.body, "")
    else:
        raise InputError(f"{url}: not a text document ({ctype})")
    return RawInput(result.final_url or url, result.body, kind, charset)


def _kind_for(name: str, data: bytes) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in _BINARY_EXT:
        return _BINARY_EXT[suffix]
    if suffix in _HTML_EXT:
        return "html"
    if suffix in _MD_EXT:
        return "markdown"
    return _sniff(data, suffix)


def _sniff(data: bytes, suffix: str) -> str:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") and b"word/" in data[:65536]:
        return "docx"
    head = data[:2048].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        return "html"
    if suffix == "" and (head.startswith(b"---\n") or re.search(rb"\]\(https?://", data[:65536])):
        return "markdown"
    return "text"


# ---------------------------------------------------------------- decoding


def detect_encoding(sample: bytes, name: str, declared: str | None = None) -> str:
    """The encoding of a document from its first bytes; InputError if binary."""
    if not sample.strip():
        raise InputError(f"{name}: empty document")
    if declared:
        try:
            codecs.lookup(declared)
        except LookupError:
            declared = None
        else:
            return declared
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if not sample.startswith(_BOMS) and b"\x00" in sample:
        raise InputError(f"{name}: binary file, not a text document")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=len(sample) < SAMPLE_BYTES)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from citecheck.http import detect_charset

    guessed = detect_charset(sample[:SAMPLE_BYTES])
    if guessed is None:
        raise InputError(f"{name}: binary file or unknown text encoding")
    return guessed


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


def html_charset(data: bytes) -> str | None:
    """The charset an HTML document declares in a ``<meta>`` near its start."""
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii") if m else None


def decode(data: bytes, name: str, declared: str | None = None) -> str:
    """The text of ``data`` with newlines normalised to ``\\n``."""
    encoding = detect_encoding(data[:SAMPLE_BYTES], name, declared)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        from citecheck.http import detect_charset

        guessed = detect_charset(data)
        try:
            text = data.decode(guessed or encoding)
        except (UnicodeDecodeError, LookupError):
            raise InputError(f"{name}: not valid {encoding} text") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    _check_text(text, name)
    return text


#: control characters other than white space (\t \n \v \f \r)
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f]")


def _check_text(text: str, name: str) -> None:
    if not text.strip():
        raise InputError(f"{name}: empty document")
    sample = text[:65536]
    controls = len(_CONTROLS.findall(sample))
    if controls > len(sample) // 20 or "\ufffd" * 4 in sample:
        raise InputError(f"{name}: binary file, not a text document")


def open_lines(path: str) -> tuple[str, Iterator[str]]:
    """(encoding, lines) of a text file, read lazily: for documents of any size."""
    p = _checked_path(path)
    sample = _read_file(path, SAMPLE_BYTES)
    encoding = detect_encoding(sample, path)
    _check_text(sample.decode(encoding, errors="ignore"), path)

    def lines() -> Iterator[str]:
        number = 0
        try:
            with p.open(encoding=encoding) as fh:
                for number, line in enumerate(fh, 1):  # noqa: B007
                    yield line
        except UnicodeDecodeError:
            raise InputError(f"{path}:{number + 1}: not valid {encoding} text") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None

    return encoding, lines()


def absolute_links(links: tuple[Link, ...], *bases: str | None) -> tuple[Link, ...]:
    """Links made absolute against ``bases`` (document URL, then ``<base href>``);
    only http(s) ones are kept: a ``#footnote`` or ``mailto:`` cites nothing."""
    out = []
    for line, start, end, href in links:
        if href.startswith("#"):  # a footnote on the same page
            continue
        try:
            for base in bases:
                if base:
                    href = urljoin(base, href)
            scheme = urlsplit(href).scheme.lower()
        except ValueError:  # "http://[::1": kept as written, the check reports it invalid
            scheme = href.split(":", 1)[0].lower()
        if scheme in ("http", "https"):
            out.append((line, start, end, href))
    return tuple(out)


def absolute_notes(notes: tuple[Note, ...], *bases: str | None) -> tuple[Note, ...]:
    """Note marks with their notes' URLs made absolute (only http(s) ones kept)."""
    out = []
    for line, start, end, label, text, urls in notes:
        kept = absolute_links(tuple((0, 0, 0, u) for u in urls), *bases)
        out.append((line, start, end, label, text, tuple(k[3] for k in kept)))
    return tuple(out)


def absolute_versions(
    versions: tuple[tuple[str, str | None, str | None], ...], *bases: str | None
) -> tuple[tuple[str, str | None, str | None], ...]:
    """Robust Links entries with their URLs made absolute as :func:`absolute_links` does."""
    out = []
    for url, version, date in versions:
        found = absolute_links(((0, 0, 0, url),), *bases)
        if not found:
            continue
        snap = absolute_links(((0, 0, 0, version),), *bases) if version else ()
        out.append((found[0][3], snap[0][3] if snap else None, date))
    return tuple(out)


# --------------------------------------------------------------- datelines

_DATELINE_PREFIX = re.compile(
    r"^(?:published|posted|dated?|updated|last updated)(?:\s+on)?\s*:?\s*", re.I
)
DATELINE_LINES = 5


def find_dateline(lines: list[str]) -> dt.date | None:
    """A leading dateline (``4 June 2018``) among the first non-empty lines."""
    seen = 0
    for line in lines:
        s = line.strip().strip("*_#> ")
        if not s:
            continue
        seen += 1
        if seen > DATELINE_LINES:
            break
        if len(s) <= 60:
            found = parse_iso_date(_DATELINE_PREFIX.sub("", s))
            if found is not None:
                return found
    return None


# -------------------------------------------------------------------- HTML

_BLOCK = frozenset(
    "address article aside blockquote body dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol p pre section "
    "summary table tbody td tfoot th thead tr ul caption".split()
)
_SKIP = frozenset("script style noscript template head svg math iframe object canvas".split())


class _TextBuilder:
    """Rendered text: a blank line between blocks, ``<br>`` a line break, link spans."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current: list[str] = []
        self.length = 0
        self.space = False
        self.links: list[Link] = []
        self.open_links: list[list[Any]] = []  # [href, start]

    def add(self, text: str | None) -> None:
        if not text:
            return
        if text[0].isspace():
            self.space = True
        for word in text.split():
            if self.space and self.length:
                self.current.append(" ")
                self.length += 1
            self.current.append(word)
            self.length += len(word)
            self.space = True
        self.space = text[-1].isspace()

    def open_link(self, href: str) -> None:
        self.open_links.append([href, self.length + (1 if self.space and self.length else 0)])

    def close_link(self) -> None:
        if self.open_links:
            href, start = self.open_links.pop()
            self._span(href, start)

    def _span(self, href: str, start: int) -> None:
        if self.length > start:  # the current line is the next one written
            self.links.append((len(self.lines) + 1, start + 1, self.length + 1, href))

    def newline(self) -> None:
        """End the current line (``<br>``); two in a row make a blank line."""
        for link in self.open_links:
            self._span(link[0], link[1])
            link[1] = 0
        self.lines.append("".join(self.current))
        self.current, self.length, self.space = [], 0, False

    def block(self) -> None:
        """End the current block: a blank line follows unless one already does."""
        if self.current:
            self.newline()
        if self.lines and self.lines[-1]:
            self.lines.append("")
        self.space = False

    def text(self) -> str:
        self.block()
        while self.lines and not self.lines[0]:
            self.lines.pop(0)
            self.links = [(ln - 1, a, b, h) for ln, a, b, h in self.links]
        return "\n".join(self.lines).rstrip("\n") + "\n"


def robust_link(get: Callable[[str], str | None]) -> tuple[str, str | None, str | None]:
    """(URL, snapshot URL, ISO snapshot date) of a link, by the Robust Links convention.

    ``data-originalurl`` is the URL cited (else ``href``); ``data-versionurl``
    the snapshot the author chose (else ``href``, when it is not the original);
    ``data-versiondate`` its date. ``get`` reads one attribute of the link.
    """
    href = (get("href") or "").strip()
    original = (get("data-originalurl") or "").strip()
    version = (get("data-versionurl") or "").strip() or None
    if original and href and href != original and version is None:
        version = href  # <a href="SNAPSHOT" data-originalurl="URL">
    date = parse_iso_date((get("data-versiondate") or "").strip())
    stamp = _REPLAY_STAMP.search(version) if version and date is None else None
    if stamp:  # no data-versiondate: the replay URL's timestamp says when
        date = parse_iso_date(f"{stamp[1]}-{stamp[2]}-{stamp[3]}")
    return original or href, version, date.isoformat() if date else None


#: the 14-digit timestamp of a replay URL: .../web/20180514103000/https://...
_REPLAY_STAMP = re.compile(r"/(\d{4})(\d\d)(\d\d)\d{6}(?:[a-z]{2}_)?/")


def render_html(text: str, name: str) -> Rendered:
    from lxml import etree  # here: auditing Markdown and text briefs never needs lxml
    from lxml import html as lhtml

    if "<" not in text:
        raise InputError(f"{name}: malformed HTML: no markup at all")
    parser = lhtml.HTMLParser(encoding="utf-8", recover=True, remove_comments=True,
                              remove_pis=True)
    try:
        root = lhtml.document_fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"{name}: malformed HTML: {exc}") from None
    out = _TextBuilder()
    versions: list[tuple[str, str | None, str | None]] = []
    notes = _html_notes(root)
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _SKIP or (notes and el.get(_NOTE_ATTR) is not None):
                walker.skip_subtree()  # a note's text is read as the note, not as the body
                continue
            if tag in _BLOCK:
                out.block()
            elif tag == "br":
                out.newline()
            if tag == "a" and _is_link(el):
                url, version, date = robust_link(el.get)
                out.open_link(url)
                if version or date:
                    versions.append((url, version, date))
            out.add(el.text)
        else:
            if tag not in _SKIP:  # a skipped element still ends, and has a tail
                if tag == "a" and _is_link(el):
                    out.close_link()
                if tag in _BLOCK:
                    out.block()
            out.add(el.tail)
    body_text = out.text()
    if not body_text.strip():
        raise InputError(f"{name}: malformed HTML: no text in the document body")
    marks = tuple((line, start, end, label, *notes[href[1:]])
                  for line, start, end, href in out.links
                  if href.startswith("#") and href[1:] in notes
                  for label in [href[1:]])
    title = root.findtext(".//title")
    published, origin = _html_published(root)
    base = next((el.get("href") for el in root.iter("base") if el.get("href")), None)
    return Rendered(body_text, tuple(out.links), " ".join(title.split()) if title else None,
                    published, origin, base, tuple(versions), marks)


_NOTE_ATTR = "data-citecheck-note"
_NOTE_REF_HINT = re.compile(r"foot|endnote|noteref|note-ref|fnref|\bfn\b|\bref\b", re.I)
_NOTE_NUMBER = re.compile(r"^\s*\[?\d{1,4}[\].):]?\s+")


def _html_notes(root: Any) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Endnotes linked from superscripts: note id -> (its text, its links' URLs).

    A link to ``#id`` inside ``<sup>`` (or marked ``footnote``/``noteref`` by
    class or role) is a note mark: it is shown as ``[1]``; the element with that
    id (the block holding it, for an empty ``<a id>`` anchor) is the note, left
    out of the body text. Links back to the text (``↩``) are not the note's.
    """
    notes: dict[str, tuple[str, tuple[str, ...]]] = {}
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href.startswith("#") or len(href) < 2:
            continue
        parent = a.getparent()
        hint = " ".join((a.get("class") or "", a.get("role") or "", a.get("rel") or ""))
        in_sup = a.getparent() is not None and (
            parent.tag == "sup" or (parent.getparent() is not None
                                    and parent.getparent().tag == "sup"))
        if not (in_sup or _NOTE_REF_HINT.search(hint)):
            continue
        key = href[1:]
        if key not in notes:
            target = _note_element(root, key)
            if target is None:
                continue
            notes[key] = _note_text(target)
            target.set(_NOTE_ATTR, key)
        label = " ".join(a.text_content().split()).strip("[]") or key
        for child in list(a):
            a.remove(child)
        a.text = f"[{label}]"
    return notes


def _note_element(root: Any, key: str) -> Any:
    found = root.xpath("//*[@id=$k or @name=$k]", k=key)
    if not found:
        return None
    el = found[0]
    if el.tag in ("a", "span") and not " ".join(el.text_content().split()):
        el = el.getparent()  # <p><a id="fn1"></a>1. TASS, ...</p>
    return el


def _note_text(el: Any) -> tuple[str, tuple[str, ...]]:
    text = " ".join(el.text_content().split())
    urls = []
    for a in el.iter("a"):
        href = (a.get("data-originalurl") or a.get("href") or "").strip()
        if href.startswith("#"):  # the link back to the mark
            back = " ".join(a.text_content().split())
            if back:
                text = text.replace(back, " ", 1)
        elif href:
            urls.append(href)
    text = _NOTE_NUMBER.sub("", " ".join(text.split()))
    return text, tuple(urls)


def _is_link(el: Any) -> bool:
    return bool((el.get("href") or "").strip() or (el.get("data-originalurl") or "").strip())


def _html_published(root: Any) -> tuple[dt.date | None, str | None]:
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").lower()
        if key in ("article:published_time", "datepublished"):
            found = parse_iso_date(el.get("content") or "")
            if found:
                return found, "html-meta"
    for el in root.iter("script"):
        if (el.get("type") or "").lower() == "application/ld+json" and el.text:
            try:
                data = json.loads(el.text)
            except ValueError:
                continue
            found = _json_ld_date(data)
            if found:
                return found, "json-ld"
    for el in root.iter("time"):
        found = parse_iso_date(el.get("datetime") or el.text_content() or "")
        if found:
            return found, "html-time"
    return None, None


def _json_ld_date(data: Any, depth: int = 0) -> dt.date | None:
    if depth > 20:
        return None
    if isinstance(data, dict):
        value = data.get("datePublished")
        if isinstance(value, str):
            found = parse_iso_date(value)
            if found:
                return found
        children: Any = data.values()
    elif isinstance(data, list):
        children = data
    else:
        return None
    for child in children:
        found = _json_ld_date(child, depth + 1)
        if found:
            return found
    return None


# ---------------------------------------------------------------- Markdown

_MD_TOKEN = re.compile(
    r"(?P<image>!\[(?P<alt>[^\]]*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\))"
    r"|(?P<inline>\[(?P<text>[^\[\]]*)\]\(\s*<?(?P<href>[^)\s>]*)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)"
    r"(?P<attrs>\{[^{}\n]*\})?)"  # Pandoc/kramdown link attributes: Robust Links
    r"|(?P<note>\[\^(?P<nkey>[^\[\]\s]+)\])"
    r"|(?P<ref>\[(?P<rtext>[^\[\]]+)\](?:\[(?P<rkey>[^\[\]]*)\])?)"
    r"|(?P<auto><(?P<aurl>https?://[^>\s]+)>)"
    r"|(?P<html><[aA]\s[^<>]*>(?P<htext>[^<]*(?:<(?![/]?[aA][\s>])[^<]*)*)</[aA]\s*>)"
    r"|(?P<code>`+)"
    r"|(?P<emph>(?<![\w*_\\])[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}(?![\w*_]))"
)
_MD_EMPHASIS = re.compile(r"(?<![\w*_\\])[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}(?![\w*_])|`+")
_NOTE_DEF = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:\s?(.*)$")
_REF_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s+[\"'({].*)?$")
_MD_ATTRS = re.compile(r"\{([^{}\n]*)\}\s*$")
_MD_ATTR = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'}]+))""")
_FENCE = re.compile(r"^\s*(```|~~~)")
_FRONT_KEYS = ("published", "date", "datepublished", "pubdate", "publishdate", "published_at")


def render_markdown(text: str, name: str) -> Rendered:
    lines = text.split("\n")
    published = None
    title = None
    origin = None
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is not None:
            meta = _front_matter("\n".join(lines[1:end]), name)
            for key, value in meta.items():
                if str(key).lower() in _FRONT_KEYS and published is None:
                    published = _as_date(value)
                elif str(key).lower() == "title" and isinstance(value, str):
                    title = value
            if published:
                origin = "front-matter"
            lines[: end + 1] = [""] * (end + 1)
    definitions = _md_note_definitions(lines)
    refs = {}
    versions: list[tuple[str, str | None, str | None]] = []
    for i, line in enumerate(lines):
        m = _REF_DEF.match(line)
        if m:
            attrs = _MD_ATTRS.search(line, m.end(2))
            refs[m.group(1).strip().lower()] = _md_robust(m.group(2), attrs, versions)
            lines[i] = ""
    out: list[str] = []
    links: list[Link] = []
    marks: list[tuple[int, int, int, str]] = []
    fenced = False
    for number, line in enumerate(lines, 1):
        if _FENCE.match(line):
            fenced = not fenced
            out.append("")
            continue
        if fenced:
            out.append("")
            continue
        out.append(_md_line(line, number, refs, links, versions, marks))
    notes = []
    for number, start, end, key in marks:
        if key in definitions:
            note_links: list[Link] = []
            note_text = _md_line(definitions[key], 0, refs, note_links, [], [])
            notes.append((number, start, end, key, note_text,
                          tuple(href for *_, href in note_links)))
    if title is None:
        title = next((ln.lstrip("#").strip() for ln in lines if ln.startswith("# ")), None)
    return Rendered("\n".join(out), tuple(links), title, published, origin,
                    versions=tuple(versions), notes=tuple(notes))


def _md_note_definitions(lines: list[str]) -> dict[str, str]:
    """``[^1]: text`` (and its indented continuation lines) by key; blanked in ``lines``."""
    out: dict[str, str] = {}
    key: str | None = None
    for i, line in enumerate(lines):
        m = _NOTE_DEF.match(line)
        if m:
            key = m.group(1).lower()
            out[key] = m.group(2).strip()
            lines[i] = ""
        elif key is not None and line.startswith(("    ", "\t")) and line.strip():
            out[key] += " " + line.strip()
            lines[i] = ""
        else:
            key = None
    return out


def _front_matter(text: str, name: str) -> dict[Any, Any]:
    try:
        meta = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 2}" if mark is not None else ""
        raise InputError(f"{name}{line}: invalid YAML front matter: {exc.problem}") from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise InputError(f"{name}: invalid YAML front matter: {exc}") from None
    return meta if isinstance(meta, dict) else {}


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return parse_iso_date(value)
    return None


def _md_line(
    line: str,
    number: int,
    refs: dict[str, str],
    links: list[Link],
    versions: list[tuple[str, str | None, str | None]],
    marks: list[tuple[int, int, int, str]],
) -> str:
    stripped = re.match(r"^(\s{0,3}(?:#{1,6}\s+|>\s?)*)", line)
    prefix = stripped.end() if stripped else 0
    pieces: list[str] = []
    length = 0
    pos = prefix
    for m in _MD_TOKEN.finditer(line, prefix):
        pieces.append(line[pos:m.start()])
        length += m.start() - pos
        pos = m.end()
        if m["image"]:
            piece, href = m["alt"], None
        elif m["inline"]:
            piece, href = m["text"], _md_robust(m["href"], m["attrs"], versions)
        elif m["ref"]:
            key = (m["rkey"] or m["rtext"]).strip().lower()
            if key not in refs:
                piece, href = m.group(), None
            else:
                piece, href = m["rtext"], refs[key]
        elif m["auto"]:
            piece, href = m["aurl"], m["aurl"]
        elif m["note"]:  # a footnote mark [^1], shown as [1]
            piece = f"[{m['nkey']}]"
            marks.append((number, length + 1, length + 1 + len(piece), m["nkey"].lower()))
            pieces.append(piece)
            length += len(piece)
            continue
        elif m["html"]:  # inline HTML: <a href=... data-versionurl=...>text</a>
            piece, href, version, date = _html_anchor(m["html"])
            if href and (version or date):
                versions.append((href, version, date))
        else:  # code ticks and emphasis marks vanish
            continue
        piece = _MD_EMPHASIS.sub("", piece)  # [*MOFA*](url) cites MOFA
        if href:
            links.append((number, length + 1, length + 1 + len(piece), href))
        pieces.append(piece)
        length += len(piece)
    pieces.append(line[pos:])
    return "".join(pieces)


def _md_robust(href: str, attrs: re.Match[str] | str | None,
               versions: list[tuple[str, str | None, str | None]]) -> str:
    """The URL a Markdown link cites, reading Robust Links in a Pandoc/kramdown
    attribute block (``{data-originalurl="..." data-versiondate="..."}``)."""
    block = attrs.group(1) if isinstance(attrs, re.Match) else attrs
    if not block or "data-" not in block:
        return href
    values = {m[1].lower(): next(g for g in m.groups()[1:] if g is not None)
              for m in _MD_ATTR.finditer(block)}
    url, version, date = robust_link(lambda key: href if key == "href" else values.get(key))
    if url and (version or date):
        versions.append((url, version, date))
    return url or href


def _html_anchor(markup: str) -> tuple[str, str | None, str | None, str | None]:
    """(text, URL, snapshot URL, snapshot date) of an ``<a ...>text</a>`` in Markdown."""
    from lxml import etree
    from lxml import html as lhtml

    try:
        el = lhtml.fragment_fromstring(markup)
    except (etree.ParserError, ValueError):
        return markup, None, None, None
    url, version, date = robust_link(el.get)
    return " ".join(el.text_content().split()), url or None, version, date
