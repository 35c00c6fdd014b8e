"""Finding a citation's text in a document's source, whitespace-insensitively."""

from __future__ import annotations

import re

from citecheck.models import Citation


def words_pattern(text: str) -> re.Pattern[str] | None:
    """``text`` with any run of white space (line breaks too) matching any other."""
    words = text.split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(w) for w in words))


def label_span(citation: Citation, text: str, start: int = 0,
               end: int | None = None) -> tuple[int, int] | None:
    """Where the citation's source label stands in ``text[start:end]``: the label
    inside the first occurrence of the citation as written (``raw``)."""
    raw = words_pattern(citation.raw)
    label = words_pattern(citation.source)
    if raw is None or label is None:
        return None
    end = len(text) if end is None else end
    m = raw.search(text, start, end)
    if m is None:
        return None
    inner = label.search(text, m.start(), m.end())
    return (inner.start(), inner.end()) if inner else None
