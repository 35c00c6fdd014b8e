"""Find citations in text, paragraph by paragraph, streaming.

:func:`iter_citations` takes any iterable of lines (a file object works) and
yields :class:`~citecheck.models.Citation` records as it goes; memory holds one
paragraph at a time (capped at ``MAX_PARAGRAPH_CHARS`` or ``MAX_PARAGRAPH_LINES``
for text without blank lines; a single line is always read whole), so input
size does not matter.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from citecheck.extract.dates import parse_iso_date, resolve
from citecheck.extract.grammar import (
    Part,
    parse_note,
    parse_parenthetical,
    parse_part,
    source_label,
    source_url,
)
from citecheck.models import Citation, SourceEntry

#: a paragraph is flushed early past this many characters or lines
MAX_PARAGRAPH_CHARS = 256 * 1024
MAX_PARAGRAPH_LINES = 2000
#: a parenthetical longer than this is prose, not a citation
MAX_PARENTHETICAL = 600

_PARENS = re.compile(r"[()]")
_INNER_PARENS = re.compile(r"\([^()]*\)")
_QUOTE_OPENERS = re.compile(r"[“\"‘«„「]")
#: (opening, closing) marks for balancing; „German“ quotes close with the
#: English opening mark, so „ counts as closing one of those
_QUOTE_PAIRS = (("“", "”„"), ("«", "»"), ("「", "」"))
#: closing marks of each opening quotation mark
_CLOSERS = {"“": "”", '"': '"', "‘": "’", "«": "»", "„": "“”", "「": "」"}
#: end of a sentence: its mark, closing quotes or brackets, a note mark ``[1]``,
#: blanks, then no a-z
_BOUNDARY = re.compile(r"[.!?…][\"”“’»」)\]]*(?:\[\w{1,8}\])?\s+(?=[^a-z\s])")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof gen lt col maj capt adm sgt st no vs etc e.g i.e cf fig vol pp ed "
    "jan feb mar apr jun jul aug sep sept oct nov dec approx est inc co corp ltd jr sr".split()
)
_ONLY_PARENS = re.compile(r"(?:\s*\([^()]*\))*\s*")


class SourceLookup(Protocol):
    def lookup(self, label: str) -> SourceEntry | None: ...


Link = tuple[int, int, int, str]  #: (line, start column, end column exclusive, href)
#: a note mark in the text: (line, start column, end column exclusive, label, the
#: note's text, the URLs its hyperlinks point to)
Note = tuple[int, int, int, str, str, tuple[str, ...]]


def iter_citations(
    lines: Iterable[str],
    *,
    document: str = "",
    published: dt.date | str | None = None,
    registry: SourceLookup | None = None,
    links: Iterable[Link] = (),
    first_line: int = 1,
    versions: Mapping[str, tuple[str | None, str | None]] | None = None,
    notes: Iterable[Note] = (),
) -> Iterator[Citation]:
    """Yield every citation in ``lines``, in order of appearance.

    ``versions`` maps a link's URL to the (snapshot URL, ISO date) its Robust
    Links attributes name; a record bound to that link carries them. Each of
    ``notes`` whose text names a source, a date and/or a URL is a record of
    style ``note`` at its mark, citing the sentence that carries the mark.
    """
    records = _iter_citations(lines, document, _as_date(published), registry, links, first_line,
                              notes)
    if not versions:
        yield from records
        return
    for record in records:
        version = versions.get(record.url) if record.url else None
        if version is not None:
            record = replace(record, version_url=version[0], version_date=version[1])
        yield record


def _iter_citations(
    lines: Iterable[str],
    document: str,
    pub: dt.date | None,
    registry: SourceLookup | None,
    links: Iterable[Link],
    first_line: int,
    notes: Iterable[Note] = (),
) -> Iterator[Citation]:
    by_line: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for link_line, start, end, href in links:
        by_line[link_line].append((start, end, href))
    notes_by_line: dict[int, list[Note]] = defaultdict(list)
    for note in notes:
        notes_by_line[note[0]].append(note)
    for start_line, paragraph in _paragraphs(lines, first_line):
        if notes_by_line:
            yield from _with_notes(paragraph, start_line, document, pub, registry, by_line,
                                   notes_by_line)
        else:
            yield from _scan_paragraph(paragraph, start_line, document, pub, registry, by_line)


def _paragraphs(lines: Iterable[str], first_line: int) -> Iterator[tuple[int, list[str]]]:
    """(first line number, lines) of each paragraph, flushed early past the caps."""
    paragraph: list[str] = []
    start_line = first_line
    size = 0
    for number, raw_line in enumerate(lines, first_line):
        line = raw_line.rstrip("\r\n")
        if line.strip():
            if not paragraph:
                start_line = number
            paragraph.append(line)
            size += len(line)
            if size < MAX_PARAGRAPH_CHARS and len(paragraph) < MAX_PARAGRAPH_LINES:
                continue
        if paragraph:
            yield start_line, paragraph
            paragraph, size = [], 0
    if paragraph:
        yield start_line, paragraph


def _with_notes(
    paragraph: list[str],
    start_line: int,
    document: str,
    pub: dt.date | None,
    registry: SourceLookup | None,
    links: dict[int, list[tuple[int, int, str]]],
    notes: dict[int, list[Note]],
) -> Iterator[Citation]:
    """The parentheticals and the note records of one paragraph, in order."""
    records = list(_scan_paragraph(paragraph, start_line, document, pub, registry, links))
    marks = [n for i in range(len(paragraph)) for n in notes.get(start_line + i, ())]
    if marks:
        records.extend(_scan_notes(paragraph, start_line, marks, document, pub, registry))
        records.sort(key=lambda c: (c.line, c.column))
    yield from records


def _scan_notes(
    lines: Sequence[str],
    first_line: int,
    marks: list[Note],
    document: str,
    published: dt.date | None,
    registry: SourceLookup | None,
) -> Iterator[Citation]:
    para = _Paragraph(lines, first_line)
    offsets = [para.starts[line - first_line] + start - 1 for line, start, *_ in marks]
    para.last_citation = max(offsets)
    for offset, (line, column, _end, _label, text, urls) in zip(offsets, marks,
                                                                strict=True):
        sentence = para.citing_sentence(offset)
        parsed, url = parse_note(text)
        url = urls[0] if urls else url
        if not parsed.sources and parsed.date is None and url is None:
            continue  # "Author's interview." names nothing to check
        source = parsed.sources[0][0] if parsed.sources else ""
        if not source and url:
            source = source_label(url)
        source = " ".join(source.split())
        entry = registry.lookup(source) if registry is not None and source else None
        raw = " ".join(text.split())
        common = dict(id=f"L{line}C{column}", source=source, raw=raw, line=line, column=column,
                      document=document, source_key=entry.key if entry else None,
                      context=" ".join(sentence.split()), quotes=quotations(sentence), url=url,
                      malformed=parsed.problem is not None, problem=parsed.problem,
                      locator=parsed.locator, style="note")
        if parsed.date is None:
            yield Citation(**common)  # type: ignore[arg-type]
            continue
        written = " ".join(parsed.date.text.split())
        for n, resolved in enumerate(resolve(parsed.date, published)):
            yield Citation(**{  # type: ignore[arg-type]
                **common, "id": f"{common['id']}-{n + 1}" if n else common["id"],
                "date_as_written": written, "date": resolved.iso,
                "date_precision": resolved.precision, "year_inferred": resolved.year_inferred,
                "date_end": resolved.end})


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return parse_iso_date(value)


class _Paragraph:
    """One paragraph's text with the maps from offsets to lines and sentences."""

    def __init__(self, lines: Sequence[str], first_line: int) -> None:
        self.text = "\n".join(lines)
        self.last_citation = len(self.text)  #: sentences after it need no boundaries
        self.first_line = first_line
        self.starts = [0]
        for line in lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)
        self._sentences: list[int] | None = None

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column), both 1-based, of ``offset``."""
        i = bisect.bisect_right(self.starts, offset) - 1
        return self.first_line + i, offset - self.starts[i] + 1

    def sentence_starts(self) -> list[int]:
        if self._sentences is None:
            self._sentences = _sentence_starts(self.text, self.last_citation)
        return self._sentences

    def citing_sentence(self, open_pos: int) -> str:
        """The sentence a parenthetical at ``open_pos`` supports."""
        starts = self.sentence_starts()
        i = bisect.bisect_right(starts, open_pos) - 1
        begin = starts[i]
        end = starts[i + 1] if i + 1 < len(starts) else len(self.text)
        if i > 0 and _ONLY_PARENS.fullmatch(self.text, begin, open_pos):
            # "(SIPRI, 2017)" after a sentence-final period cites that sentence
            begin, end = starts[i - 1], begin
        return self.text[begin:end].strip()


def _sentence_starts(text: str, upto: int) -> list[int]:
    """Offsets where the sentences of a paragraph begin, in one pass.

    Stops at the first sentence that begins after ``upto``. A boundary inside
    parentheses (``(see also Jan. 5)``) or inside an open quotation, after an
    abbreviation or initial (``U.S.``, ``Gen.``), or before a lower-case word
    ends no sentence.
    """
    out = [0]
    quotes = _QUOTE_OPENERS.search(text) is not None
    depth = last = 0  # parenthesis depth at ``last``
    balance = [0] * (len(_QUOTE_PAIRS) + 1)  # open quotations since the sentence began
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        depth = max(0, depth + text.count("(", last, end) - text.count(")", last, end))
        if quotes:
            segment = text[last:end]
            for i, (opening, closing) in enumerate(_QUOTE_PAIRS):
                balance[i] += segment.count(opening)
                for mark in closing:
                    balance[i] -= segment.count(mark)
                balance[i] = max(0, balance[i])
            balance[-1] += segment.count('"')
        last = end
        if depth > 0:  # "(see also Jan. 5)" ends no sentence
            continue
        if quotes and (any(balance[:-1]) or balance[-1] % 2):
            continue
        pos = m.start()
        if text[pos] == ".":
            before = text[max(0, pos - 12):pos].rsplit(None, 1)
            token = before[-1].lstrip("([“\"‘").lower() if before else ""
            if "." in token or len(token) == 1 or token in _ABBREVIATIONS:
                continue
        if not text[end].islower():
            out.append(end)
            if end > upto:
                break
            balance = [0] * len(balance)
    return out


def quotations(sentence: str) -> tuple[str, ...]:
    """The quoted strings in ``sentence``, as written (line breaks become spaces).

    Typographic “double”, straight "double", ‘single’ (apostrophes inside and
    after a word are not quotation marks), «guillemets», „low-high“ and
    「corner」 quotes; ellipses and [bracketed insertions] stay as written.
    """
    out = []
    pos = 0
    while True:
        m = _QUOTE_OPENERS.search(sentence, pos)
        if m is None:
            break
        mark, start = m.group(), m.end()
        if mark == "‘" and m.start() > 0 and sentence[m.start() - 1].isalnum():
            pos = start
            continue
        end = _closing(sentence, start, mark)
        if end == -1:
            pos = start
            continue
        quote = sentence[start:end].replace("\n", " ")
        if mark == "«":
            quote = quote.strip(" \u00a0\u202f")
        if quote.strip():
            out.append(quote)
        pos = end + 1
    return tuple(out)


def _closing(text: str, start: int, mark: str) -> int:
    """Where the quotation opened by ``mark`` just before ``start`` closes, or -1."""
    if mark == "‘":  # the closing ’ is the one not followed by a letter (not "it’s")
        end = text.find("’", start)
        while end != -1 and end + 1 < len(text) and text[end + 1].isalnum():
            end = text.find("’", end + 1)
        return end
    ends = [e for e in (text.find(c, start) for c in _CLOSERS[mark]) if e != -1]
    return min(ends) if ends else -1


def _find_parentheticals(text: str) -> tuple[list[tuple[int, int]], list[int]]:
    """Matched (open, close) pairs, and the positions of '(' never closed."""
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for m in _PARENS.finditer(text):
        if m.group() == "(":
            stack.append(m.start())
        elif stack:
            pairs.append((stack.pop(), m.start()))
    pairs.sort()
    return pairs, stack


def _scan_paragraph(
    lines: Sequence[str],
    first_line: int,
    document: str,
    published: dt.date | None,
    registry: SourceLookup | None,
    links: dict[int, list[tuple[int, int, str]]],
) -> Iterator[Citation]:
    for line in lines:
        if "(" in line:
            break
    else:
        return
    para = _Paragraph(lines, first_line)
    text = para.text
    pairs, unclosed = _find_parentheticals(text)
    found: list[tuple[int, int, tuple[Part, ...]]] = []  # (open, end, parts)
    for open_pos, close_pos in pairs:
        if close_pos - open_pos > MAX_PARENTHETICAL or text.find(",", open_pos, close_pos) < 0:
            continue  # too long for a citation, or no "Source, Date" comma
        content = text[open_pos + 1:close_pos]
        if "(" in content:  # nested: blank the inner parentheticals out, keep offsets
            content = _INNER_PARENS.sub(lambda m: " " * len(m.group()), content)
        parts = parse_parenthetical(content)
        if parts:
            found.append((open_pos, close_pos + 1, parts))
    for open_pos in unclosed:
        part = _unterminated(text, open_pos)
        if part is not None:
            found.append((open_pos, open_pos + 1 + len(part.raw), (part,)))
    if not found:
        return
    found.sort(key=lambda f: f[0])
    para.last_citation = found[-1][0]
    para_links = _paragraph_links(para, links)
    for open_pos, end_pos, parts in found:
        sentence = para.citing_sentence(open_pos)
        context = " ".join(sentence.split())
        quotes = quotations(sentence)
        spans = [(open_pos + 1 + a, open_pos + 1 + b) for a, b in (
            p.link_span or (p.offset, p.offset + len(p.raw)) for p in parts)]
        for part, span in zip(parts, spans, strict=True):
            url = _link_for(span, (open_pos, end_pos), spans, para_links) if para_links else None
            yield from _records(part, open_pos + 1 + part.offset, para, document, published,
                                registry, context, quotes, url)


def _unterminated(text: str, open_pos: int) -> Part | None:
    """A malformed part for a '(' never closed whose start reads as a citation."""
    limit = min(len(text), open_pos + 1 + MAX_PARENTHETICAL)
    end = text.find("\n", open_pos, limit)
    end = limit if end == -1 else end
    nxt = text.find("(", open_pos + 1, end)
    head = text[open_pos + 1:nxt if nxt != -1 else end]
    raw = head.strip().rstrip(",;").rstrip()  # "(CSIS," at the end of a line
    if not raw or len(raw) > MAX_PARENTHETICAL:
        return None
    parsed = parse_part(raw)
    if not parsed.sources:
        return None
    source, source_offset = parsed.sources[0]
    date, problem = parsed.date, parsed.problem
    missing = "no closing parenthesis" + ("" if date else " and no date")
    offset = head.index(raw)
    return Part(raw, offset, source, offset + source_offset, date,
                missing if problem in (None, "no date") else f"{missing}; {problem}",
                parsed.locator)


def _paragraph_links(
    para: _Paragraph, links: dict[int, list[tuple[int, int, str]]]
) -> list[tuple[int, int, str]]:
    if not links:
        return []
    out = []
    for i in range(len(para.starts)):
        for start, end, href in links.get(para.first_line + i, ()):
            out.append((para.starts[i] + start - 1, para.starts[i] + end - 1, href))
    return out


def _link_for(
    span: tuple[int, int],
    paren: tuple[int, int],
    spans: list[tuple[int, int]],
    links: list[tuple[int, int, str]],
) -> str | None:
    """The hyperlink on this part, or on its parenthetical and no other part."""
    for start, end, href in links:
        if start < span[1] and end > span[0]:
            return href
    for start, end, href in links:
        if start < paren[1] and end > paren[0] and not any(
            start < b and end > a for a, b in spans if (a, b) != span
        ):
            return href
    return None


def _records(
    part: Part,
    start: int,
    para: _Paragraph,
    document: str,
    published: dt.date | None,
    registry: SourceLookup | None,
    context: str,
    quotes: tuple[str, ...],
    url: str | None,
) -> Iterator[Citation]:
    line, column = para.position(start)
    source = " ".join(part.source.split()) if part.source else ""
    entry = registry.lookup(source) if registry is not None and source else None
    raw = " ".join(part.raw.split())
    key = entry.key if entry else None
    ident = f"L{line}C{column}"
    if url is None and part.source_offset is not None and "/" in source:
        url = source_url(source)  # "(www.kremlin.ru/events/president/news/57425, May 5)"
    if part.date is None:
        yield Citation(id=ident, source=source, raw=raw, line=line, column=column,
                       document=document, source_key=key, context=context, quotes=quotes,
                       url=url, malformed=part.malformed, problem=part.problem,
                       locator=part.locator)
        return
    written = " ".join(part.date.text.split())
    for n, resolved in enumerate(resolve(part.date, published)):
        yield Citation(
            id=f"{ident}-{n + 1}" if n else ident, source=source, raw=raw, line=line,
            column=column, document=document, source_key=key, date_as_written=written,
            date=resolved.iso, date_precision=resolved.precision,
            year_inferred=resolved.year_inferred, context=context, quotes=quotes, url=url,
            malformed=part.malformed, problem=part.problem, date_end=resolved.end,
            locator=part.locator,
        )
