"""Fix the citation links of an HTML brief in place, tag by tag.

The standard library's tokenizer (:class:`html.parser.HTMLParser`) finds every
``<a>`` start tag with its exact text and offset; an edit rewrites only that
tag (an ``href`` value, added attributes) or wraps a text label, so the rest
of the file stays byte for byte what it was.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

from citecheck.fix.edits import Edit, Links, Outcome, Source, Status, run_fixes
from citecheck.fix.match import label_span
from citecheck.fix.plan import Action, LinkFix

_SKIP = frozenset("script style noscript template head svg math iframe object canvas "
                  "title textarea".split())
_ATTR = re.compile(
    r"""(?P<name>[^\s"'>/=]+)(?:\s*=\s*(?P<value>"[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")


@dataclass
class Anchor:
    start: int  #: offset of ``<a``
    end: int  #: offset after the start tag's ``>``
    tag: str  #: the start tag as written
    attrs: dict[str, str]  #: unescaped values
    text: list[str] = field(default_factory=list)  #: text inside, raw

    def value_span(self, name: str) -> tuple[int, int] | None:
        """Offsets (in the document) of attribute ``name``'s value as written."""
        m = re.match(r"<[^\s/>]+", self.tag)
        pos = m.end() if m else 0
        for attr in _ATTR.finditer(self.tag, pos):
            if attr["name"].lower() == name and attr["value"] is not None:
                return self.start + attr.start("value"), self.start + attr.end("value")
        return None

    def insert_at(self) -> int:
        """Where new attributes go: before ``>`` or ``/>``."""
        body = self.tag[:-1]
        body = body.rstrip()
        if body.endswith("/"):
            body = body[:-1].rstrip()
        return self.start + len(body)


class _Scanner(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        self.anchors: list[Anchor] = []
        self.texts: list[tuple[int, int]] = []  #: text runs outside links and skipped parts
        self.base: str | None = None
        self._open: Anchor | None = None
        self._skip = 0

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.starts[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        text = self.get_starttag_text() or ""
        if tag in _SKIP:
            self._skip += 1
        if tag == "base" and self.base is None:
            self.base = dict(attrs).get("href")
        if tag == "a":
            start = self._offset()
            self._open = Anchor(start, start + len(text), text,
                                {k: v or "" for k, v in attrs})
            self.anchors.append(self._open)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "base" and self.base is None:
            self.base = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self._skip:
            self._skip -= 1
        if tag == "a":
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.text.append(data)
        elif not self._skip:
            start = self._offset()
            self.texts.append((start, start + len(data)))


def anchor_at(tag: str, start: int) -> Anchor | None:
    """The ``<a ...>`` start tag ``tag``, standing at ``start`` in a document (inline
    HTML in Markdown), as an :class:`Anchor`."""
    scanner = _Scanner(tag)
    scanner.feed(tag)
    scanner.close()
    if not scanner.anchors:
        return None
    anchor = scanner.anchors[0]
    anchor.start, anchor.end = start, start + len(anchor.tag)
    return anchor


def _quote(value: str) -> str:
    return '"' + html.escape(value, quote=True) + '"'


def _attributes(pairs: list[tuple[str, str]]) -> str:
    return "".join(f" {name}={_quote(value)}" for name, value in pairs)


_ROBUST_ATTRS = {"data-versionurl", "data-originalurl", "data-versiondate"}


def is_robust(anchor: Anchor) -> bool:
    return "data-versionurl" in anchor.attrs or "data-originalurl" in anchor.attrs


def rewrite(anchor: Anchor, fix: LinkFix) -> list[Edit]:
    edits = []
    if fix.action is Action.SNAPSHOT and fix.version_url:
        span = anchor.value_span("href")
        if span is None:
            return []
        quote = source_quote = anchor.tag[span[0] - anchor.start]
        if source_quote not in "\"'":  # unquoted: quote it
            quote = '"'
        value = html.escape(fix.version_url, quote=True)
        edits.append(Edit(span[0], span[1], f"{quote}{value}{quote}"))
    pairs = [(n, v) for n, v in fix.attributes if n not in anchor.attrs]
    if pairs:
        at = anchor.insert_at()
        edits.append(Edit(at, at, _attributes(pairs)))
    return edits


def fix_html(source: Source, fixes: list[LinkFix]) -> tuple[list[Edit], list[Outcome]]:
    scanner = _Scanner(source.text)
    scanner.feed(source.text)
    scanner.close()
    base = scanner.base

    def absolute(href: str) -> str:
        href = href.strip()
        return urljoin(base, href) if base else href

    links: Links[Anchor] = Links()
    for anchor in scanner.anchors:
        for key in ("href", "data-originalurl"):
            if anchor.attrs.get(key):
                links.add(absolute(anchor.attrs[key]), anchor)
    texts = scanner.texts
    text_pos = 0  # unlinked labels are looked for after the previous one

    def unlinked(fix: LinkFix) -> tuple[list[Edit], Outcome]:
        """No hyperlink: wrap the source label in one."""
        nonlocal text_pos
        c = fix.citation
        found = None
        while text_pos < len(texts) and found is None:
            start, end = texts[text_pos]
            found = label_span(c, source.text, start, end)
            if found is None:
                text_pos += 1
        if found is None:
            if any(_ROBUST_ATTRS & a.attrs.keys() and absolute(a.attrs.get("data-originalurl")
                                              or a.attrs.get("href", "")) == fix.url
                   and " ".join("".join(a.text).split()) == c.source
                   for a in scanner.anchors):
                return [], Outcome(fix, Status.ALREADY, "the label is already linked")
            return [], Outcome(fix, Status.NOT_FOUND, f"{c.raw!r} not found outside a link")
        texts[text_pos] = (found[1], texts[text_pos][1])
        opening = f"<a href={_quote(fix.href or '')}{_attributes(fix.attributes)}>"
        return ([Edit(found[0], found[0], opening), Edit(found[1], found[1], "</a>")],
                Outcome(fix, Status.CHANGED, fix.explanation))

    return run_fixes(fixes, links, is_robust, rewrite, unlinked, missing_link_is_unlinked=True)
