"""The parenthetical citation grammar of China Brief-style briefs.

A parenthetical is a citation when at least one of its ``;``-separated parts
reads ``[see [also]] SOURCE, DATE`` (or just ``DATE`` after a part that named
the source, which it inherits). SOURCE is a name: capitalised words with the
function words names use (``Ministry of Defense of the PRC``), an
abbreviation (``MOFA``), or a bare domain (``www.example.org``, ``Example.ru``).
DATE is anything :func:`~citecheck.extract.dates.parse_date` reads, ranges
included (``May 14–15``, ``2016–2017``). A part may end with a locator after a
comma: ``(SIPRI, 2017, p. 5)``, ``(CSIS, May 25, pp. 3-4)``, ``para. 12``,
``§ 3``, ``ch. 2, p. 45``; it is kept apart from the source and the date, and
counts only beside a date (``(SIPRI, p. 5)`` and ``(see p. 5)`` stay asides).
Everything else, acronyms ``(PLA)``, glosses ``(全面战略协作伙伴关系)``, asides,
credits ``(Source: Outlet)`` and numbers, has no such part and is not a citation.

In a citation, a part that names a source without a date, or has a date-shaped
text that is not a date (``February 30``), is reported as malformed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from citecheck.extract.dates import DateError, WrittenDate, looks_like_date, parse_date

#: Lower-case words that may stand inside a name: ``Ministry of Defense``.
_NAME_JOINERS = frozenset(
    "of the and for on in at to de du des la le el al da di von van der den y i & + - – —"
    .split()
)
_PREFIX = re.compile(r"(?:see\s+also|see|cf\.?|also)\s+", re.I)
_DOMAIN = re.compile(
    r"(?:www\.)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}/?"
)
_FORBIDDEN = re.compile(r"[,:;\"“”«»=%$?!<>{}|@#*()\\]")
_LETTER = re.compile(r"[^\W\d_]")
#: Pin-point locators (CSL's locator kinds that briefs use), then a number,
#: a dotted section number or a roman numeral, optionally a range or a list:
#: ``p. 5``, ``p.5``, ``pp 3–4``, ``para. 12``, ``§ 3``, ``ch. IV``, ``pp. 3, 7``.
_LOCATOR_LABEL = (
    r"(?:pp?|pages?|paras?|paragraphs?|¶¶?|§§?|ch|chs|chap|chapters?|sec|secs|sect"
    r"|sections?|art|arts|articles?|fig|figs|figures?|tab|table|annex|app|appendix"
    r"|vol|vols|volume|no|nos|issue|pt|part|col|cols|column|lines?|notes?|fn|slides?)"
)
#: Each text has one way to match (re.I: one roman class; a letter after a
#: number is not ``f``, which ``ff`` takes), else a list backtracks exponentially.
_LOCATOR_NUMBER = r"(?:\d+(?:[.:]\d+)*[a-eg-z]?|[ivxlcdm]+)"
_LOCATOR_VALUE = (
    rf"{_LOCATOR_NUMBER}(?:\s*[-–—]\s*{_LOCATOR_NUMBER}|\s*ff?\.?)?"
)
_LOCATOR_ONE = (
    rf"{_LOCATOR_LABEL}\.?\s*{_LOCATOR_VALUE}"
    rf"(?:\s*(?:,|and|&)\s*{_LOCATOR_VALUE})*"
)
#: One or more locators closing a part: ``, p. 5``, ``, ch. 2, p. 45``; a
#: full stop after them (``(SIPRI, 2017, p. 5.`` never closed) is not theirs.
_LOCATOR_TAIL = re.compile(
    rf",\s*(?P<locator>{_LOCATOR_ONE}(?:\s*,\s*{_LOCATOR_ONE})*)\.?\s*$", re.I
)
_MAX_SOURCE = 80
_MAX_WORDS = 12


@dataclass(frozen=True)
class Part:
    """One ``;``-separated part of a parenthetical, as parsed."""

    raw: str  #: as written, without surrounding blanks
    offset: int  #: of ``raw`` in the parenthetical's content
    source: str | None = None  #: as written (or inherited)
    source_offset: int | None = None  #: of the written source in the content, None if inherited
    date: WrittenDate | None = None
    problem: str | None = None  #: set when the part is malformed
    locator: str | None = None  #: ``p. 5`` in ``SIPRI, 2017, p. 5``

    @property
    def malformed(self) -> bool:
        return self.problem is not None


@functools.lru_cache(maxsize=4096)
def is_source(text: str) -> bool:
    """True if ``text`` reads as a source label: a name, abbreviation or bare domain."""
    s = text.strip()
    if not s or len(s) > _MAX_SOURCE or _FORBIDDEN.search(s):
        return False
    if _DOMAIN.fullmatch(s):
        return True
    words = s.split()
    if len(words) > _MAX_WORDS:
        return False
    for i, word in enumerate(words):
        lowered = word.lower()
        if lowered in _NAME_JOINERS:
            if i == 0 or i == len(words) - 1:
                return False
            continue
        if not _is_name_word(word):
            return False
    try:
        if parse_date(s) is not None:  # "Sept 11" is a date, not a source
            return False
    except DateError:
        return False
    return _LETTER.search(s) is not None


def _is_name_word(word: str) -> bool:
    first = word.lstrip("'‘’.-–([")[:1]
    if not first:
        return False
    if first.isdigit():
        return True
    if not first.isalpha():
        return False
    if not first.islower():  # capitalised, or a script without case
        return True
    # al-Monitor, iFeng, eNCA: lower-case start with a capital inside
    return any(ch.isupper() for ch in word)


def _strip_prefix(text: str) -> tuple[str, int]:
    m = _PREFIX.match(text)
    if m and m.end() < len(text):
        return text[m.end():], m.end()
    return text, 0


def _split_parts(content: str) -> list[tuple[str, int]]:
    parts = []
    start = 0
    for piece in content.split(";"):
        stripped = piece.strip()
        if stripped:
            parts.append((stripped, start + piece.index(stripped[0])))
        start += len(piece) + 1
    return parts


@functools.lru_cache(maxsize=8192)
def parse_part(
    raw: str,
) -> tuple[str | None, int | None, WrittenDate | None, str | None, str | None]:
    """(source, source offset, date, problem, locator) of one part.

    All None if the part is not citation-like. A trailing locator counts only
    when what stands before it has a date (valid or not): ``SIPRI, p. 5`` is
    read as a whole, as before locators were known.
    """
    body, shift = _strip_prefix(raw)
    tail = _LOCATOR_TAIL.search(body) if "," in body else None
    if tail is not None and tail.start() > 0:
        source, offset, date, problem = _parse_body(body[:tail.start()].rstrip())
        if date is not None or problem not in (None, "no date"):
            locator = " ".join(tail["locator"].split())
            return source, None if offset is None else shift + offset, date, problem, locator
    source, offset, date, problem = _parse_body(body)
    return source, None if offset is None else shift + offset, date, problem, None


def _parse_body(body: str) -> tuple[str | None, int | None, WrittenDate | None, str | None]:
    """(source, source offset in ``body``, date, problem) of a part without its prefix."""
    date_problem: str | None = None
    # SOURCE, DATE — the first comma after which the rest is a date wins.
    pos = body.find(",")
    while pos != -1:
        source, rest = body[:pos].strip(), body[pos + 1:].strip()
        if is_source(source):
            try:
                date = parse_date(rest)
            except DateError as exc:
                date_problem = str(exc)
            else:
                if date is not None:
                    return source, body.index(source), date, None
                if looks_like_date(rest) and date_problem is None:
                    date_problem = f"unrecognised date {rest!r}"
        pos = body.find(",", pos + 1)
    if date_problem is not None:
        source = body[: body.find(",")].strip()
        return source, body.index(source), None, date_problem
    try:
        date = parse_date(body)
    except DateError as exc:
        return None, None, None, str(exc)
    if date is not None:  # a date alone: the source comes from the previous part
        return None, None, date, None
    if is_source(body):
        return body.strip(), 0, None, "no date"
    return None, None, None, None


@functools.lru_cache(maxsize=8192)
def parse_parenthetical(content: str) -> tuple[Part, ...]:
    """The citation parts of a parenthetical's ``content``; () if it is no citation.

    Memoised (bounded): briefs cite the same ``(Source, Date)`` again and again.
    """
    if "," not in content:
        return ()
    parts: list[Part] = []
    found = False
    current: str | None = None
    for raw, offset in _split_parts(content):
        source, source_offset, date, problem, locator = parse_part(raw)
        if source is not None:
            current = source
        if date is not None and problem is None:
            if current is None:
                parts.append(Part(raw, offset, problem="date without a source"))
                continue
            found = True
            src_off = offset + source_offset if source_offset is not None else None
            parts.append(Part(raw, offset, current, src_off, date, locator=locator))
        elif problem is not None:
            src_off = offset + source_offset if source_offset is not None else None
            parts.append(Part(raw, offset, source or current, src_off, None, problem, locator))
        # anything else (an aside beside a citation) is not part of the citation
    if found:
        return tuple(parts)
    # No valid part: still a (malformed) citation if a source has a date-shaped
    # text that is not a date, e.g. "(TASS, February 30)".
    return tuple(p for p in parts if p.source is not None and p.problem not in (None, "no date"))
