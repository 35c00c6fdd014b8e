"""Edits on a document's original text, and the bytes they give.

A document is decoded once, with its own encoding and line endings kept, so
that every character an edit does not touch encodes back to the same bytes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from citecheck.errors import InputError
from citecheck.fix.plan import Action, LinkFix

L = TypeVar("L")
#: control characters no text brief holds (a .docx, a .pdf, an image)
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


class Status(str, Enum):
    CHANGED = "changed"  #: the link was rewritten
    ALREADY = "already"  #: the link already carries what the fix would give it
    UNCHANGED = "unchanged"  #: nothing to do (mismatch, unresolved, ...)
    NOT_FOUND = "not-found"  #: the citation's link or label is not in the document


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` (character offsets) with ``new``."""

    start: int
    end: int
    new: str


@dataclass(frozen=True)
class Outcome:
    fix: LinkFix
    status: Status
    note: str = ""


@dataclass(frozen=True)
class Source:
    """A document's text decoded so that it encodes back to the same bytes."""

    name: str
    data: bytes
    text: str
    encoding: str

    @classmethod
    def decode(cls, name: str, data: bytes, declared: str | None = None) -> Source:
        from citecheck.extract.readers import SAMPLE_BYTES, detect_encoding

        encoding = detect_encoding(data[:SAMPLE_BYTES], name, declared)
        for candidate in (encoding, "utf-8"):
            try:
                text = data.decode(candidate)
            except (UnicodeDecodeError, LookupError):
                continue
            if _BINARY.search(text[:SAMPLE_BYTES]):
                raise InputError(f"{name}: not a text document (.html, .md or .txt): "
                                 "cannot fix it")
            if text.encode(candidate) == data:
                return cls(name, data, text, candidate)
        raise InputError(f"{name}: cannot be edited byte for byte ({encoding} does not "
                         "read it back to the same bytes)")

    def apply(self, edits: list[Edit]) -> bytes:
        """The bytes with ``edits`` made (they must not overlap)."""
        if not edits:
            return self.data
        out: list[str] = []
        pos = 0
        for edit in sorted(edits, key=lambda e: (e.start, e.end)):
            if edit.start < pos:
                raise ValueError(f"overlapping edits at {edit.start}")
            out.append(self.text[pos:edit.start])
            out.append(edit.new)
            pos = edit.end
        out.append(self.text[pos:])
        try:
            return "".join(out).encode(self.encoding)
        except UnicodeEncodeError:  # a snapshot URL the document's charset cannot hold
            return "".join(out).encode(self.encoding, "xmlcharrefreplace")

    @property
    def newline(self) -> str:
        return "\r\n" if "\r\n" in self.text else "\n"

    def line_start(self, line: int) -> int:
        """Offset of the start of 1-based ``line`` (``\\n`` ends a line)."""
        pos = 0
        for _ in range(line - 1):
            found = self.text.find("\n", pos)
            if found < 0:
                return len(self.text)
            pos = found + 1
        return pos


class Links(Generic[L]):
    """Each URL's links in document order: the citations of a URL take them in turn
    (a link shared by more citations than it has is the last one, again)."""

    def __init__(self) -> None:
        self.by_url: dict[str, list[L]] = defaultdict(list)
        self.taken: dict[str, int] = defaultdict(int)

    def add(self, url: str, link: L) -> None:
        if all(link is not other for other in self.by_url[url]):
            self.by_url[url].append(link)

    def take(self, url: str) -> L | None:
        found = self.by_url.get(url)
        n = self.taken[url]
        self.taken[url] = n + 1
        return found[min(n, len(found) - 1)] if found else None


def run_fixes(
    fixes: list[LinkFix],
    links: Links[L],
    robust: Callable[[L], bool],
    rewrite: Callable[[L, LinkFix], list[Edit]],
    unlinked: Callable[[LinkFix], tuple[list[Edit], Outcome]],
    *,
    missing_link_is_unlinked: bool = False,
) -> tuple[list[Edit], list[Outcome]]:
    """Carry out each fix in document order: a citation's hyperlink is rewritten
    (unless it already carries Robust Links attributes), one without is given to
    ``unlinked`` (as is one whose URL no link has, with ``missing_link_is_unlinked``:
    a URL written out as text)."""
    edits: list[Edit] = []
    outcomes: list[Outcome] = []
    done: list[L] = []
    for fix in sorted(fixes, key=lambda f: (f.citation.line, f.citation.column)):
        url = fix.citation.url
        if fix.action is Action.LEAVE:
            outcomes.append(Outcome(fix, Status.UNCHANGED, fix.explanation))
            continue
        if not url:
            new, outcome = unlinked(fix)
            edits.extend(new)
            outcomes.append(outcome)
            continue
        link = links.take(url)
        if link is None and missing_link_is_unlinked:
            new, outcome = unlinked(fix)
            edits.extend(new)
            outcomes.append(outcome)
            continue
        if link is None:
            outcomes.append(Outcome(fix, Status.NOT_FOUND, f"no link to {url} in the document"))
            continue
        if robust(link) or any(link is d for d in done):
            outcomes.append(Outcome(fix, Status.ALREADY,
                                    "the link already carries Robust Links attributes"))
            continue
        done.append(link)
        new = rewrite(link, fix)
        edits.extend(new)
        outcomes.append(Outcome(fix, Status.CHANGED if new else Status.ALREADY, fix.explanation))
    return edits, outcomes
