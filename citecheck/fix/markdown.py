"""Fix the citation links of a Markdown brief, link by link.

Markdown has no attributes of its own; Robust Links are written in the link
attribute syntax of Pandoc (``link_attributes``) and kramdown, which both render
them on the ``<a>``: ``[TASS, April 3](https://tass.com/...){data-versionurl="..."
data-versiondate="2018-04-03"}``. A reference link's definition carries them
(``[key]: URL {...}``). A citation with no link gets a reference link to a
definition appended at the end. Nothing else in the file changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from citecheck.fix.edits import Edit, Links, Outcome, Source, Status, run_fixes
from citecheck.fix.html import Anchor, anchor_at, is_robust, rewrite
from citecheck.fix.match import label_span
from citecheck.fix.plan import Action, LinkFix

_TOKEN = re.compile(
    r"(?P<code>`+)"
    r"|(?P<inline>!?\[(?P<text>[^\[\]]*)\]\(\s*<?(?P<href>[^)\s>]*)>?"
    r"(?:\s+[\"'][^\"']*[\"'])?\s*\)(?P<attrs>\{[^{}\n]*\})?)"
    r"|(?P<ref>\[(?P<rtext>[^\[\]]+)\](?:\[(?P<rkey>[^\[\]]*)\])?)"
    r"|(?P<auto><(?P<aurl>https?://[^>\s]+)>)"
    r"|(?P<html><[aA]\s[^<>]*>)"  # inline HTML: a Robust Link written by hand, or to fix
)
_DEF = re.compile(
    r"^ {0,3}\[(?!\^)(?P<key>[^\]]+)\]:[ \t]*<?(?P<href>[^\s>]+)>?"
    r"(?:[ \t]+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?(?P<attrs>[ \t]*\{[^{}\n]*\})?[ \t]*\r?$",
    re.M,
)
_FENCE = re.compile(r"^\s*(```|~~~)")
_BARE = re.compile(r"https?://[^\s<>()\[\]{}\"'`]+")
_ROBUST = re.compile(r"\bdata-(?:versionurl|originalurl)\s*=")
_ATTR_VALUE = re.compile(r"""data-originalurl\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+?))(?=[\s}])""")
KEY_PREFIX = "citecheck-"


@dataclass
class _Link:
    href_span: tuple[int, int]  #: the URL as written
    end: int  #: after the link (inline) or the definition's URL or title
    attrs: tuple[int, int] | None  #: the ``{...}`` block, if any
    href: str
    original: str | None  #: data-originalurl in the block
    whole: tuple[int, int] | None = None  #: an autolink ``<URL>``, replaced whole
    definition: bool = False  #: a reference definition: attributes follow a space


def _original(block: str | None) -> str | None:
    if not block:
        return None
    m = _ATTR_VALUE.search(block)
    return next((g for g in m.groups() if g is not None), None) if m else None


def _scan(text: str) -> tuple[list[_Link], dict[str, _Link], list[tuple[str, int]],
                             list[Anchor]]:
    """Inline links and autolinks in order, definitions by key, reference uses,
    inline HTML links."""
    defs: dict[str, _Link] = {}
    def_lines: set[int] = set()
    for m in _DEF.finditer(text):
        attrs = (m.start("attrs"), m.end("attrs")) if m["attrs"] else None
        block = m["attrs"].strip() if m["attrs"] else None
        end = m.start() + len(m.group().rstrip())
        link = _Link((m.start("href"), m.end("href")), end, attrs, m["href"], _original(block),
                     definition=True)
        defs.setdefault(m["key"].strip().lower(), link)
        def_lines.add(m.start())
    inline: list[_Link] = []
    uses: list[tuple[str, int]] = []
    anchors: list[Anchor] = []
    fenced = False
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced or start in def_lines:
            continue
        code = None
        taken: list[tuple[int, int]] = []  # what the tokens cover: no bare URL in there
        for m in _TOKEN.finditer(line):
            if m["code"]:
                code = None if code == m["code"] else (code or m["code"])
                code_start = m.start()
                if code is None:
                    taken.append((code_start, m.end()))
                continue
            if code:
                continue
            taken.append(m.span())
            if m["inline"] and not m["inline"].startswith("!"):
                attrs = (start + m.start("attrs"), start + m.end("attrs")) if m["attrs"] else None
                inline.append(_Link((start + m.start("href"), start + m.end("href")),
                                    start + m.end(), attrs, m["href"], _original(m["attrs"])))
            elif m["ref"]:
                key = (m["rkey"] or m["rtext"]).strip().lower()
                if key in defs:
                    uses.append((key, start + m.start()))
            elif m["html"]:
                anchor = anchor_at(m["html"], start + m.start())
                if anchor is not None:
                    anchors.append(anchor)
            elif m["auto"]:
                inline.append(_Link((start + m.start("aurl"), start + m.end("aurl")),
                                    start + m.end(), None, m["aurl"], None,
                                    whole=(start + m.start(), start + m.end())))
        if code:  # an unclosed code span runs to the end of the line
            taken.append((code_start, len(line)))
        for m in _BARE.finditer(line):  # a URL written out: (https://tass.com/..., April 3)
            url = m.group().rstrip(".,;:!?'\"")
            a, b = m.start(), m.start() + len(url)
            if any(x < b and a < y for x, y in taken) or line[max(0, a - 1):a] in ("<", "["):
                continue
            inline.append(_Link((start + a, start + b), start + b, None, url, None,
                                whole=(start + a, start + b)))
    return inline, defs, uses, anchors


def _block(pairs: list[tuple[str, str]]) -> str:
    return " ".join(f'{name}="{value.replace(chr(34), "%22")}"' for name, value in pairs)


def _rewrite(text: str, link: _Link, fix: LinkFix) -> list[Edit]:
    href = fix.version_url if fix.action is Action.SNAPSHOT and fix.version_url else None
    present = set(re.findall(r"([\w-]+)\s*=", text[link.attrs[0]:link.attrs[1]])) \
        if link.attrs else set()
    pairs = [(name, value) for name, value in fix.attributes if name not in present]
    if not pairs and href is None:
        return []
    if link.whole is not None:  # <URL>: becomes [URL](href){...}
        label = link.href
        return [Edit(*link.whole, f"[{label}]({href or link.href}){{{_block(pairs)}}}")]
    edits = []
    if href is not None:
        edits.append(Edit(*link.href_span, href))
    if link.attrs is not None:
        close = link.attrs[1] - 1  # the "}"
        inner = text[link.attrs[0]:close].rstrip()
        sep = "" if inner.endswith("{") else " "
        edits.append(Edit(close, close, sep + _block(pairs)))
    elif pairs:
        sep = " " if link.definition else ""  # Pandoc: right after the ")"
        edits.append(Edit(link.end, link.end, f"{sep}{{{_block(pairs)}}}"))
    return edits


def fix_markdown(source: Source, fixes: list[LinkFix]) -> tuple[list[Edit], list[Outcome]]:
    text = source.text
    inline, defs, uses, anchors = _scan(text)
    # every link a citation may stand on, in document order: (offset, link)
    spots: list[tuple[int, _Link | Anchor]] = [(link.href_span[0], link) for link in inline]
    spots += [(at, defs[key]) for key, at in uses]
    spots += [(a.start, a) for a in anchors]
    spots.sort(key=lambda s: s[0])
    links: Links[_Link | Anchor] = Links()
    for _at, link in spots:
        urls = (link.href, link.original) if isinstance(link, _Link) else (
            link.attrs.get("href", "").strip(), link.attrs.get("data-originalurl", "").strip())
        for url in urls:
            if url:
                links.add(url, link)
    appended: list[str] = []

    def robust(link: _Link | Anchor) -> bool:
        if isinstance(link, Anchor):
            return is_robust(link)
        span = link.attrs
        return span is not None and bool(_ROBUST.search(text[span[0]:span[1]]))

    def rewritten(link: _Link | Anchor, fix: LinkFix) -> list[Edit]:
        return rewrite(link, fix) if isinstance(link, Anchor) else _rewrite(text, link, fix)

    def unlinked(fix: LinkFix) -> tuple[list[Edit], Outcome]:
        """No hyperlink: the label becomes a reference link, defined at the end."""
        c = fix.citation
        key = f"{KEY_PREFIX}{c.id}"
        if key.lower() in defs:
            return [], Outcome(fix, Status.ALREADY, "the label is already linked")
        span = label_span(c, text, source.line_start(c.line))
        if span is None:
            return [], Outcome(fix, Status.NOT_FOUND, f"{c.raw!r} not found")
        pairs = fix.attributes
        attrs = f" {{{_block(pairs)}}}" if pairs else ""
        appended.append(f"[{key}]: {fix.href}{attrs}")
        return ([Edit(span[0], span[0], "["), Edit(span[1], span[1], f"][{key}]")],
                Outcome(fix, Status.CHANGED, fix.explanation))

    edits, outcomes = run_fixes(fixes, links, robust, rewritten, unlinked)
    if appended:
        nl = source.newline
        head = "" if text.endswith("\n") or not text else nl
        sep = "" if text.endswith("\n\n") or text.endswith("\r\n\r\n") else nl
        edits.append(Edit(len(text), len(text), head + sep + nl.join(appended) + nl))
    return edits, outcomes
