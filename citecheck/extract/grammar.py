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
_PREFIX = re.compile(
    r"(?:(?:see\s+also|see|cf\.?|also|according\s+to|quoted\s+in|cited\s+in|via)\s+"
    r"|(?:sources?|data|via)\s*:\s*)",
    re.I,
)
#: a picture credit names who took a photo, not what a sentence rests on: not a citation
_CREDIT = re.compile(
    r"(?:photos?|image|picture|photograph|illustration|video|map|chart|graphic|"
    r"(?:photo|image)\s+credit|credit)s?\s*:", re.I
)
#: ``see X`` after other words of a long aside: ``(..., including new tariffs—see Reuters``
_INNER_PREFIX = re.compile(
    r"(?:^|(?<=[\s—–(:]))(?:see\s+also|see|cf\.|according\s+to|quoted\s+in|cited\s+in)\s+",
    re.I,
)
#: articles that may open a name when written with a capital: ``The Guardian``, ``Le Monde``
_ARTICLES = frozenset("the le la les el al il lo der die das de het a an".split())
#: lower-case words that never stand in a name: prose, not a title (``sales grew``)
_PROSE_WORDS = frozenset(
    """a an is are was were be been being has have had do does did said says say told
    that this these those which who whom whose what it its they their them he she his her
    as by with from after before since until during about than then not no nor or but if
    when while also more most less some many several per up down over under between among
    into onto via such including according see cited quoted reported noted claimed wrote
    will would can could may might must should shall very much first second third last
    next early late mid around approximately about only just even still yet""".split()
)
#: at most this many lower-case words (other than joiners) in a name: ``Xinhua news agency``
_MAX_LOWER_WORDS = 2
#: the ``-ly`` words a name may carry (other ``-ly`` words are adverbs: prose)
_PERIODICALS = frozenset("daily weekly monthly quarterly biweekly fortnightly".split())
#: a URL or a domain with a path as the source: ``www.kremlin.ru/events/president/news/57425``
_URL_SOURCE = re.compile(
    r"(?:https?://)?(?:www\.)?[A-Za-z0-9][A-Za-z0-9-]{0,62}(?:\.[A-Za-z0-9-]{1,63})*"
    r"\.[A-Za-z]{2,24}(?::\d{1,5})?(?:/[^\s,;()<>\"]*)?",
)
#: what stands before a date and is plainly not meant as a source: ``(e.g., 2014)``
_NOT_A_LABEL = re.compile(r"(?:e\.\s?g|i\.\s?e|ca|c|approx|est|viz|etc)\.?", re.I)
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
#: a locator before the date: ``(SIPRI, p. 5, 2017)``
_LOCATOR_HEAD = re.compile(
    rf"(?P<locator>{_LOCATOR_ONE}(?:\s*,\s*{_LOCATOR_ONE})*)\s*,\s*(?P<date>\S.*)", re.I
)
_LOCATOR_ONLY = re.compile(rf"{_LOCATOR_ONE}(?:\s*,\s*{_LOCATOR_ONE})*\.?", re.I)
_MAX_SOURCE = 80
_MAX_URL = 300
_MAX_LABEL = 120
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
    #: (start, end) in the content a hyperlink must touch to be this part's, when
    #: several outlets share one date (``Interfax, Vedomosti, June 3``): the source's own
    link_span: tuple[int, int] | None = None

    @property
    def malformed(self) -> bool:
        return self.problem is not None


@dataclass(frozen=True)
class Parsed:
    """What one part says: its sources (several may share one date), date, problem."""

    sources: tuple[tuple[str, int], ...] = ()  #: (source as written, offset in the part)
    date: WrittenDate | None = None
    problem: str | None = None
    locator: str | None = None

    @property
    def source(self) -> str | None:
        return self.sources[0][0] if self.sources else None


_NOTHING = Parsed()
_UNRECOGNISED = "unrecognised source"


@functools.lru_cache(maxsize=4096)
def is_source(text: str) -> bool:
    """True if ``text`` reads as a source label: a name, abbreviation, domain or URL.

    A name is capitalised words with the joiners names use (``Ministry of
    Defense``), may open with a capitalised article (``The Diplomat``, ``Le
    Monde``) and may carry a few lower-case descriptors or transliterated
    words after a capitalised one (``Xinhua news agency``, ``Nezavisimaya
    gazeta``), never prose words (``sales grew``: no; ``was``, ``reported``).
    """
    s = text.strip()
    if not s:
        return False
    if len(s) <= _MAX_URL and _URL_SOURCE.fullmatch(s):
        return True
    if len(s) > _MAX_SOURCE or _FORBIDDEN.search(s):
        return False
    words = s.split()
    if len(words) > _MAX_WORDS:
        return False
    named = False  # a capitalised word came first: lower-case words may follow
    lower = 0
    for i, word in enumerate(words):
        lowered = word.lower()
        if i == 0 and len(words) > 1 and lowered in _ARTICLES and word[:1].isupper():
            continue  # "The Guardian", "Le Monde", "Al Jazeera"
        if lowered in _NAME_JOINERS:
            if not named or i == len(words) - 1:
                return False
            continue
        if _is_name_word(word):
            named = named or _LETTER.search(word) is not None  # "113 to 1" names nothing
            continue
        if not named or not _is_descriptor(word):
            return False
        lower += 1
        if lower > _MAX_LOWER_WORDS:
            return False
    if not named:
        return False
    try:
        if parse_date(s) is not None:  # "Sept 11" is a date, not a source
            return False
    except DateError:
        return False
    return _LETTER.search(s) is not None


def source_url(source: str) -> str | None:
    """The URL a source written as a URL or a path names; None for a name or a bare domain.

    ``www.kremlin.ru/events/president/news/57425`` -> ``http://www.kremlin.ru/...``
    (plain http: a site that has https redirects there); ``tass.ru`` names an outlet.
    """
    s = source.strip()
    if not _URL_SOURCE.fullmatch(s) or ("/" not in s and "://" not in s):
        return None
    return s if s.lower().startswith(("http://", "https://")) else "http://" + s


def _is_descriptor(word: str) -> bool:
    """A lower-case word a name may carry: ``daily``, ``website``, ``gazeta``."""
    lowered = word.lower().rstrip(".")
    return (
        lowered.isalpha()
        and lowered not in _PROSE_WORDS
        and not lowered.endswith(("ed", "ing"))
        and (not lowered.endswith("ly") or lowered in _PERIODICALS)
    )


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


def _looks_like_label(text: str) -> bool:
    """True if ``text``, standing before a date, was meant as a source we cannot read.

    It opens with a capital (or a script without case), has a letter, is
    short, and is no date, number, locator or ``e.g.``: ``(in Russian, May
    2017)``, ``(30%, 2017)``, ``(pp. 3–4, 2017)`` and ``(Sept 11, 2001)`` are
    asides.
    """
    t = text.strip()
    if not t or len(t) > _MAX_LABEL or len(t.split()) > _MAX_WORDS:
        return False
    first = t.lstrip("\"“‘'([")[:1]
    if not first.isalpha() or first.islower() or not _LETTER.search(t):
        return False
    if _NOT_A_LABEL.fullmatch(t) or _LOCATOR_ONLY.fullmatch(t):
        return False
    try:
        return parse_date(t) is None
    except DateError:
        return False


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
def parse_part(raw: str) -> Parsed:
    """The sources, date, problem and locator of one part.

    Empty if the part is not citation-like. A trailing locator counts only
    when what stands before it has a date (valid or not): ``SIPRI, p. 5`` is
    read as a whole, as before locators were known.
    """
    body, shift = _strip_prefix(raw)
    if _CREDIT.match(body):  # "(Photo: AP, June 3)" credits a picture
        return _NOTHING
    tail = _LOCATOR_TAIL.search(body) if "," in body else None
    if tail is not None and tail.start() > 0:
        found = _parse_body(body[:tail.start()].rstrip())
        if found.date is not None or found.problem not in (None, "no date"):
            locator = " ".join(tail["locator"].split())
            return _shifted(found, shift, locator)
    return _shifted(_parse_body(body), shift, None)


def _shifted(found: Parsed, shift: int, locator: str | None) -> Parsed:
    return Parsed(tuple((s, shift + o) for s, o in found.sources), found.date, found.problem,
                  locator or found.locator)


def _sources_before(body: str, pos: int) -> tuple[tuple[str, int], ...]:
    """The source(s) ``body[:pos]`` names, with their offsets; () if none.

    One name; several sharing the date (``Interfax, Vedomosti``); or the name
    after a ``see`` that closes a longer aside (``..., including new
    tariffs—see Reuters``).
    """
    before = body[:pos]
    s = before.strip()
    if is_source(s):
        return ((s, before.index(s)),)
    if "," in s:
        out = []
        start = 0
        for piece in before.split(","):
            name = piece.strip()
            if not is_source(name):
                break
            out.append((name, start + piece.index(name)))
            start += len(piece) + 1
        else:
            return tuple(out)
    last = None
    for last in _INNER_PREFIX.finditer(before):  # noqa: B007
        pass
    if last is not None and last.start() > 0:
        name = before[last.end():].strip()
        if is_source(name):
            return ((name, before.index(name, last.end())),)
    return ()


def _date_with_locator(rest: str) -> tuple[WrittenDate | None, str | None]:
    """The date ``rest`` is, maybe after a locator: ``p. 5, 2017``. May raise DateError."""
    date = parse_date(rest)
    if date is not None or "," not in rest:
        return date, None
    m = _LOCATOR_HEAD.fullmatch(rest)
    if m is None:
        return None, None
    date = parse_date(m["date"])
    return date, " ".join(m["locator"].split()) if date is not None else None


def _parse_body(body: str) -> Parsed:
    """What a part without its prefix says; see :func:`parse_part`."""
    date_problem: str | None = None
    unrecognised: tuple[str, WrittenDate] | None = None
    # SOURCE, DATE — the first comma after which the rest is a date wins.
    pos = body.find(",")
    while pos != -1:
        rest = body[pos + 1:].strip()
        sources = _sources_before(body, pos)
        if sources:
            try:
                date, locator = _date_with_locator(rest)
            except DateError as exc:
                date_problem = str(exc)
            else:
                if date is not None:
                    return Parsed(sources, date, None, locator)
                if looks_like_date(rest) and date_problem is None:
                    date_problem = f"unrecognised date {rest!r}"
        elif unrecognised is None and _looks_like_label(body[:pos]):
            try:
                date = parse_date(rest)
            except DateError:
                date = None
            if date is not None:
                unrecognised = (body[:pos].strip(), date)
        pos = body.find(",", pos + 1)
    if date_problem is not None:
        source = body[: body.find(",")].strip()
        return Parsed(((source, body.index(source)),), None, date_problem)
    try:
        date = parse_date(body)
    except DateError as exc:
        return Parsed((), None, str(exc))
    if date is not None:  # a date alone: the source comes from the previous part
        return Parsed((), date)
    if is_source(body):
        return Parsed(((body.strip(), 0),), None, "no date")
    if unrecognised is not None:  # a date, and before it something we cannot read
        label, date = unrecognised
        return Parsed((), date, f"{_UNRECOGNISED} {' '.join(label.split())!r}")
    return _NOTHING


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
        parsed = parse_part(raw)
        if parsed.sources:
            current = parsed.sources[-1][0]
        if parsed.date is not None and parsed.problem is None:
            if not parsed.sources:
                if current is None:
                    parts.append(Part(raw, offset, problem="date without a source"))
                    continue
                parts.append(Part(raw, offset, current, None, parsed.date,
                                  locator=parsed.locator))
            shared = len(parsed.sources) > 1
            for k, (source, at) in enumerate(parsed.sources):
                # several outlets, one date: each record's raw runs from its outlet on
                start = at if k else 0
                span = (offset + at, offset + at + len(source)) if shared else None
                parts.append(Part(raw[start:], offset + start, source, offset + at, parsed.date,
                                  locator=parsed.locator, link_span=span))
            found = True
        elif parsed.problem is not None:
            if parsed.problem.startswith(_UNRECOGNISED):
                parts.append(Part(raw, offset, None, None, parsed.date, parsed.problem,
                                  parsed.locator))
                continue
            first = parsed.sources[0] if parsed.sources else None
            parts.append(Part(raw, offset, first[0] if first else current,
                              offset + first[1] if first else None, None, parsed.problem,
                              parsed.locator))
        # anything else (an aside beside a citation) is not part of the citation
    if found:
        return tuple(parts)
    # No valid part: still a (malformed) citation if a source has a date-shaped
    # text that is not a date, e.g. "(TASS, February 30)", or a date stands
    # beside a part that cannot be read as a source: "(Wrtten Soruce 2, May 4)".
    return tuple(
        p for p in parts
        if p.problem not in (None, "no date")
        and (p.source is not None or p.problem.startswith(_UNRECOGNISED))
    )


# ------------------------------------------------------------------- notes

#: a URL written in a note's text
_NOTE_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"“”')\]]+[^\s<>\"“”')\].,;:]")
#: "accessed May 5, 2019": when the note's writer looked, not when the source spoke
_ACCESSED = re.compile(r"^(?:last\s+)?(?:accessed|retrieved|viewed|visited)\b", re.I)
_NOTE_STRIP = " \t\n.\"“”‘’'«»"


def source_label(url: str) -> str:
    """The host a URL names, as a source label: ``www.xinhuanet.com``."""
    host = re.sub(r"^https?://", "", url, flags=re.I).split("/", 1)[0]
    return host.split("@")[-1].split(":")[0]


@functools.lru_cache(maxsize=4096)
def parse_note(text: str) -> tuple[Parsed, str | None]:
    """What a numbered note cites: (source, date, problem, locator) and a URL in its text.

    A note reads ``[See] SOURCE, [“Title,”] ..., DATE[, p. 5][, URL]``: the
    source is its first comma-separated segment when that reads as a source,
    the date the first segment (or two, ``May 14, 2018``) that is a date other
    than an access date, the locator a segment that is only one. A date with
    neither a readable source nor a URL is malformed, as in a parenthetical.
    """
    body, shift = _strip_prefix(text.strip())
    found = _NOTE_URL.search(body)
    url = None
    if found is not None:
        url = found.group()
        url = url if url.lower().startswith(("http://", "https://")) else "http://" + url
    plain = _NOTE_URL.sub(" ", body)
    segments = [seg.strip() for seg in plain.split(",")]
    first = segments[0].strip(_NOTE_STRIP) if segments else ""
    sources: tuple[tuple[str, int], ...] = ()
    if first and not segments[0].startswith(("\"", "“", "‘", "«")) and is_source(first):
        sources = ((first, shift + body.find(first)),)
    date: WrittenDate | None = None
    locator: str | None = None
    i = 1 if sources else 0
    while i < len(segments):
        seg = segments[i].strip(_NOTE_STRIP)
        if _ACCESSED.match(seg):
            i += 2  # "accessed May 5, 2019" spans two segments
            continue
        if locator is None and _LOCATOR_ONLY.fullmatch(seg):
            locator = " ".join(seg.split())
        elif date is None:
            pair = f"{seg}, {segments[i + 1].strip(_NOTE_STRIP)}" if i + 1 < len(segments) else ""
            for candidate in (pair, seg):
                try:
                    date = parse_date(candidate) if candidate else None
                except DateError:
                    date = None
                if date is not None:
                    i += candidate is pair
                    break
        i += 1
    problem = None
    if date is not None and not sources and url is None:
        problem = f"{_UNRECOGNISED} {first!r}"
    return Parsed(sources, date, problem, locator), url
