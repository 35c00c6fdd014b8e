"""Resolution: which URL does a citation point to?

In order: the hyperlink in the document; else a pin in ``citations.yaml``;
else discovery in the archive's index: the pages captured on the source's
registry domains around the cited date are ranked first by how well their URL
slug matches the citing sentence (no request), then the best few are fetched
from the archive and ranked by their title and text against the sentence and
its quotations. The best above a threshold is accepted (origin
``discovered``); the others are kept as ``candidate`` for the report. When
none is good enough, only ``candidate`` entries are returned and verification
says ``unresolved``, listing them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from citecheck.content import Memo, PageContent, extract_content
from citecheck.errors import InputError
from citecheck.models import Candidate, Citation, Snapshot
from citecheck.textmatch import STOPWORDS, content_words, coverage, find_quote, normalize
from citecheck.urls import is_home_page, normalize_url


class Archive(Protocol):
    def discover(self, domains: Sequence[str], around: str | None = ...,
                 window_days: int = ..., limit: int = ...) -> list[Snapshot]: ...

    def fetch_snapshot(self, snapshot: Snapshot) -> Snapshot: ...


@dataclass(frozen=True)
class DiscoveryConfig:
    window_days: int = 365  #: CDX window each side of the cited date (its whole period)
    cdx_limit: int = 100  #: pages asked from the index
    fetch_limit: int = 5  #: snapshots fetched and read (best URL slugs first)
    min_score: float = 0.5  #: accept the best page at or above this (0-1)
    keep: int = 5  #: candidates kept for the report

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DiscoveryConfig:
        """Defaults, with ``CITECHECK_DISCOVERY_MIN_SCORE`` (0-1) if set."""
        raw = (os.environ if environ is None else environ).get("CITECHECK_DISCOVERY_MIN_SCORE")
        if raw is None:
            return cls()
        try:
            score = float(raw)
        except ValueError:
            raise InputError(f"CITECHECK_DISCOVERY_MIN_SCORE: {raw!r} is not a number") from None
        if not 0.0 <= score <= 1.0:
            raise InputError(f"CITECHECK_DISCOVERY_MIN_SCORE: {raw!r} is outside 0..1")
        return cls(min_score=score)


def resolve(
    citation: Citation,
    registry: Any,
    archive: Archive | None = None,
    *,
    config: DiscoveryConfig | None = None,
) -> list[Candidate]:
    """Candidate URLs for ``citation``, the accepted one first (see module doc)."""
    if citation.malformed:
        return []
    if citation.url:
        return [Candidate(citation.url, "hyperlink", 1.0)]
    label = citation.source_key or citation.source
    if registry is None or not label:
        return []
    pin = registry.pin_for(label, citation.date)
    if pin is not None:
        return [Candidate(pin.url, "pin", 1.0, pin.title)]
    source = registry.lookup(label)
    if archive is None or source is None or not source.domains:
        return []
    return discover(citation, tuple(source.domains), archive,
                    config or DiscoveryConfig.from_env())


_TOKEN = re.compile(r"[^\W\d_]{3,}")


def slug_words(url: str) -> set[str]:
    """Meaningful words of a URL's path and query: ``/news/russia-china-drill`` -> ..."""
    parts = urlsplit(url)
    text = unquote(parts.path + " " + parts.query).lower()
    return {w for w in _TOKEN.findall(text)
            if w not in STOPWORDS and w not in {"html", "htm", "php", "aspx", "index", "www"}}


def slug_score(url: str, query: set[str]) -> float:
    words = slug_words(url)
    if not words or not query:
        return 0.0
    return len(words & query) / len(words)


def page_score(citation: Citation, content: PageContent, query: set[str]) -> float:
    """How well a page's title and text fit the citing sentence and quotes (0-1)."""
    if not content.readable:
        return 0.0
    text = content.full_text or content.text
    page_words = content_words(text + " " + (content.title or ""))
    text_fit = coverage(citation.context, page_words) if citation.context else 0.0
    title_words = content_words(content.title or "")
    title_fit = len(title_words & query) / len(title_words) if title_words else 0.0
    if citation.quotes:
        normalized = normalize(text)
        quote_fit = sum(find_quote(q, normalized).found for q in citation.quotes) / len(
            citation.quotes)
        score = 0.5 * quote_fit + 0.25 * title_fit + 0.25 * text_fit
    else:
        score = 0.45 * title_fit + 0.55 * text_fit
    if citation.date and content.date and content.date[:7] == citation.date[:7]:
        score += 0.1
    return round(min(score, 1.0), 3)


#: snapshots read during discovery, by replay URL: citations of one source
#: (CSIS, February 7; CSIS, May 25) share candidates, each fetched once
_READ = Memo()


def _read_snapshot(archive: Archive, snap: Snapshot) -> PageContent | None:
    content = _READ.get(snap.archive_url)
    if content is not None:
        return content
    fetched = archive.fetch_snapshot(snap)
    if fetched.body is None:
        return None  # not remembered: a failure is not a fact
    content = extract_content(fetched.body, fetched.mimetype, snap.url)
    _READ.put(snap.archive_url, content)
    return content


def discover(
    citation: Citation, domains: Sequence[str], archive: Archive, config: DiscoveryConfig
) -> list[Candidate]:
    """Rank the archive's pages on ``domains`` near the cited date (see module doc)."""
    snapshots = archive.discover(domains, around=citation.date, window_days=config.window_days,
                                 limit=config.cdx_limit)
    query = content_words(" ".join((citation.context, *citation.quotes)))
    seen: set[str] = set()
    pages: list[tuple[float, float, Snapshot]] = []
    for snap in snapshots:
        key = normalize_url(snap.url)
        if key in seen or is_home_page(snap.url):
            continue
        seen.add(key)
        pages.append((slug_score(snap.url, query), snap.distance_days or 0.0, snap))
    pages.sort(key=lambda p: (-p[0], p[1]))
    scored: list[tuple[float, Candidate]] = []
    unread: list[Candidate] = []  # listed for the reader, never accepted
    for _slug, _distance, snap in pages[: config.fetch_limit]:
        content = _read_snapshot(archive, snap)
        if content is None:
            unread.append(Candidate(snap.url, "candidate", None, None))
            continue
        score = page_score(citation, content, query)
        scored.append((score, Candidate(snap.url, "candidate", score, content.title)))
    scored.sort(key=lambda item: -item[0])
    out = ([c for _s, c in scored] + unread)[: config.keep]
    if out and (out[0].score or 0.0) >= config.min_score:
        best = out[0]
        out[0] = Candidate(best.url, "discovered", best.score, best.title)
    return out
