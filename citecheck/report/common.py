"""Small helpers the renderers share: safe links, dates, labels."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from citecheck.models import Verdict, VerdictKind

#: Verdicts in the order a reviewer wants them: the worst first.
VERDICT_ORDER = (
    VerdictKind.DEAD,
    VerdictKind.MISMATCH,
    VerdictKind.MALFORMED,
    VerdictKind.INCONCLUSIVE,
    VerdictKind.UNRESOLVED,
    VerdictKind.RESCUED,
    VerdictKind.VERIFIED,
)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TIMESTAMP = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$")


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL fit to be a link, else None.

    Anything else (``javascript:``, ``data:``, relative or scheme-less URLs,
    URLs with whitespace or control characters) is shown as text, never linked.
    """
    if not url or not isinstance(url, str):
        return None
    return url if _linkable(url) else None


@lru_cache(maxsize=4096)  # a report asks about the same URLs several times each
def _linkable(url: str) -> bool:
    if url != url.strip() or _CONTROL.search(url) or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def format_timestamp(timestamp: str | None) -> str | None:
    """``20170726102203`` -> ``2017-07-26 10:22:03 UTC``; anything else unchanged."""
    if not timestamp:
        return None
    match = _TIMESTAMP.match(timestamp)
    if not match:
        return timestamp
    y, mo, d, h, mi, s = match.groups()
    return f"{y}-{mo}-{d} {h}:{mi}:{s} UTC"


def format_iso(moment: str | None) -> str | None:
    """``2026-11-28T21:14:00Z`` -> ``2026-11-28 21:14:00 UTC``; anything else unchanged."""
    if not moment:
        return None
    try:
        parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return moment
    if parsed.tzinfo is not None and parsed.utcoffset() == timedelta(0):
        return parsed.strftime("%Y-%m-%d %H:%M:%S UTC")
    return parsed.isoformat(sep=" ")


def one_line(text: str | None) -> str:
    """Collapse whitespace (newlines included) and drop control characters."""
    if not text:
        return ""
    return " ".join(_CONTROL.sub("", text).split())


def plural(count: int, noun: str) -> str:
    """``1 citation``, ``2 citations``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def iso_date(verdict: Verdict) -> str | None:
    """The normalised date, a range as ``2018-05-30 – 2018-06-02``; None without one."""
    citation = verdict.citation
    if not citation.date:
        return None
    if citation.date_end:
        return f"{citation.date} – {citation.date_end}"
    return citation.date


def cited_date(verdict: Verdict) -> str:
    """The date as the document wrote it, else the normalised date, else ``no date``."""
    return verdict.citation.date_as_written or iso_date(verdict) or "no date"


def cited_with_locator(verdict: Verdict) -> str:
    """:func:`cited_date` and the page or section cited: ``2017, p. 5``."""
    locator = one_line(verdict.citation.locator)
    date = cited_date(verdict)
    return f"{date}, {locator}" if locator else date


def citation_label(verdict: Verdict) -> str:
    """``MOFA, May 14 (line 7)``, ``SIPRI, 2017, p. 5 (line 9)``: how reports name one citation."""
    citation = verdict.citation
    source = one_line(citation.source) or "?"
    return f"{source}, {one_line(cited_with_locator(verdict))} (line {citation.line})"
