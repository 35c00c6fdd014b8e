"""Plain records that flow between the pipeline stages.

Every stage takes and returns these small frozen dataclasses, never dicts; each
has ``to_dict()`` giving the public JSON shape of DESIGN.md. Raw bytes of
fetched bodies ride along (``body``) but are never serialised.
"""

from __future__ import annotations

import builtins
import dataclasses
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import Any

_SCALARS = (str, int, float, bool, type(None))


def _jsonable(value: Any) -> Any:
    if type(value) in _SCALARS:  # most values: answer before the slower tests
        return value
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return value.to_dict() if hasattr(value, "to_dict") else dataclasses.asdict(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


_FIELD_NAMES: dict[tuple[type, tuple[str, ...]], tuple[str, ...]] = {}


def _field_names(cls: type, skip: tuple[str, ...]) -> tuple[str, ...]:
    """The serialised fields of a record class (``dataclasses.fields`` is slow)."""
    names = _FIELD_NAMES.get((cls, skip))
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls)
                      if f.name not in skip and f.name != "body")
        _FIELD_NAMES[(cls, skip)] = names
    return names


def _record_dict(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {name: _jsonable(getattr(obj, name)) for name in _field_names(type(obj), skip)}


# --------------------------------------------------------------------- extract


class DatePrecision(str, Enum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class Citation:
    """One cited source as written in a document: ``(MOFA, May 14)``.

    A parenthetical ``(A, d1; B, d2)`` yields one record per part. ``raw``,
    ``line`` and ``column`` keep the text and where it stands; everything else
    is derived from it.
    """

    id: str  #: unique within the document, e.g. ``L7C231``
    source: str  #: as written, e.g. ``Russian MOD``
    raw: str  #: this part as written, e.g. ``Russian MOD, June 25``
    line: int  #: 1-based
    column: int  #: 1-based, of the first character of ``raw``
    document: str = ""  #: path or URL of the document it came from
    source_key: str | None = None  #: registry key, or None if unknown
    date_as_written: str | None = None
    date: str | None = None  #: ISO at the written precision: 2018-05-14, 2018-05, 2017
    date_precision: DatePrecision | None = None
    year_inferred: bool = False
    context: str = ""  #: the citing sentence
    quotes: tuple[str, ...] = ()  #: quotations in the citing sentence
    url: str | None = None  #: hyperlink in the input
    malformed: bool = False
    problem: str | None = None  #: why, when malformed
    #: ISO end of a date range (``May 14–15``) at ``date_precision``; ``date`` is its start
    date_end: str | None = None
    locator: str | None = None  #: pin-point as written: ``p. 5``, ``pp. 3-4``, ``§ 3``
    style: str = "parenthetical"  #: how it was written: ``parenthetical`` | ``note``
    #: the snapshot the author chose (Robust Links ``data-versionurl``), checked first
    version_url: str | None = None
    version_date: str | None = None  #: ISO date of that snapshot (``data-versiondate``)

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


@dataclass(frozen=True)
class Document:
    """A brief as read: its text and what is known about it."""

    name: str  #: path or URL as given
    text: str  #: plain text, lines as in the source (HTML is rendered to text)
    published: str | None = None  #: ISO date
    published_from: str | None = None  #: where the date came from: option, dateline, ...
    title: str | None = None
    #: (line, start col, end col, href) of each hyperlink in ``text``: 1-based
    #: columns, end exclusive
    links: tuple[tuple[int, int, int, str], ...] = ()
    #: (link URL, snapshot URL, ISO snapshot date) of each link with Robust Links attributes
    versions: tuple[tuple[str, str | None, str | None], ...] = ()
    #: (line, start col, end col, label, note text, note URLs) of each numbered-note mark
    notes: tuple[tuple[int, int, int, str, str, tuple[str, ...]], ...] = ()


# -------------------------------------------------------------------- registry


@dataclass(frozen=True)
class SourceEntry:
    key: str  #: the label briefs use: ``TASS``
    name: str = ""
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()  #: registrable domains; subdomains count
    language: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


@dataclass(frozen=True)
class Pin:
    source: str
    date: str | None
    url: str
    title: str | None = None
    quotes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


@dataclass(frozen=True)
class DocumentEntry:
    path: str | None = None
    url: str | None = None
    published: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


# ------------------------------------------------------------------ live check


class LiveStatus(str, Enum):
    """The live status taxonomy of DESIGN.md."""

    OK = "ok"
    REDIRECTED = "redirected"  #: same site, chain kept
    MOVED = "moved"  #: off-site redirect, chain kept
    DEAD = "dead"  #: 404/410 or soft 404
    BLOCKED = "blocked"  #: 401/403/429 or a bot wall: inconclusive
    ERROR = "error"  #: 5xx, timeout, reset, TLS, DNS: inconclusive
    SKIPPED = "skipped"  #: excluded, private address, unsupported scheme

    @property
    def is_ok(self) -> bool:
        """Content was reached."""
        return self in (LiveStatus.OK, LiveStatus.REDIRECTED, LiveStatus.MOVED)

    @property
    def is_conclusive(self) -> bool:
        """The status says something about the source, not about us or the network."""
        return self not in (LiveStatus.BLOCKED, LiveStatus.ERROR, LiveStatus.SKIPPED)


#: the reasons for which a URL is refused by policy, never asked of the network
REFUSED_REASONS = frozenset({"private-address"})


@dataclass(frozen=True)
class Redirect:
    url: str
    status_code: int

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "status_code": self.status_code}


@dataclass(frozen=True)
class LiveResult:
    """The outcome of checking one unique URL live."""

    url: str  #: normalised URL asked for
    status: LiveStatus
    status_code: int | None = None
    final_url: str | None = None
    redirects: tuple[Redirect, ...] = ()
    elapsed: float = 0.0  #: seconds
    content_type: str | None = None
    bytes: int = 0
    error: str | None = None
    reasons: tuple[str, ...] = ()  #: kebab-case codes: http-404, soft-404, timeout, ...
    checked_at: str = ""  #: ISO 8601 UTC
    encoding: str | None = None
    from_cache: bool = False
    # ``builtins.bytes``: the field ``bytes`` above shadows the type in this scope
    body: builtins.bytes | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        # written out rather than _record_dict's walk of the fields: one per URL
        # in every report (2,000 URLs cost 26,000 generic conversions); the keys
        # are the fields but ``body``, in order (tests/test_records_json.py)
        return {
            "url": self.url, "status": self.status.value, "status_code": self.status_code,
            "final_url": self.final_url,
            "redirects": [r.to_dict() for r in self.redirects],
            "elapsed": self.elapsed, "content_type": self.content_type, "bytes": self.bytes,
            "error": self.error, "reasons": list(self.reasons), "checked_at": self.checked_at,
            "encoding": self.encoding, "from_cache": self.from_cache,
        }

    @property
    def refused(self) -> bool:
        """Refused by our policy before any request (a private address without
        ``--allow-private``): says nothing about the network or the source."""
        return self.status is LiveStatus.SKIPPED and bool(REFUSED_REASONS & set(self.reasons))


# --------------------------------------------------------------------- archive


@dataclass(frozen=True)
class Snapshot:
    """One archived capture of a URL."""

    url: str  #: the original URL captured
    archive_url: str  #: replay URL
    timestamp: str  #: 14 digits
    status_code: int | None = None
    digest: str | None = None
    mimetype: str | None = None
    distance_days: float | None = None  #: from the cited date
    error: str | None = None  #: why fetching the replay failed (fetch_snapshot)
    body: bytes | None = field(default=None, repr=False, compare=False)
    #: the archive it came from: its ``--archive-url`` (a Wayback root or ``memento:URL``)
    archive: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


class LookupStatus(str, Enum):
    FOUND = "found"
    NONE = "none"  #: the archive answered: never captured (in the window)
    ERROR = "error"  #: could not ask: down, slow, rate limited, garbage


@dataclass(frozen=True)
class ArchiveLookup:
    """What the archive said about one URL: a snapshot, none, or could not ask."""

    url: str
    status: LookupStatus
    snapshot: Snapshot | None = None  #: the chosen one
    candidates: tuple[Snapshot, ...] = ()
    error: str | None = None
    checked_at: str = ""
    from_cache: bool = False
    #: the archive host asked (``host[:port]``), so that its failure names it
    archive: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


# ---------------------------------------------------------------------- verify


class Severity(IntEnum):
    OK = 0
    WARN = 1
    FAIL = 2

    @classmethod
    def parse(cls, name: str) -> Severity:
        return cls[name.upper()]


class VerdictKind(str, Enum):
    VERIFIED = "verified"
    RESCUED = "rescued"
    MISMATCH = "mismatch"
    DEAD = "dead"
    UNRESOLVED = "unresolved"
    INCONCLUSIVE = "inconclusive"
    MALFORMED = "malformed"

    @property
    def severity(self) -> Severity:
        return _SEVERITY[self]


_SEVERITY = {
    VerdictKind.VERIFIED: Severity.OK,
    VerdictKind.RESCUED: Severity.WARN,
    VerdictKind.MISMATCH: Severity.FAIL,
    VerdictKind.DEAD: Severity.FAIL,
    VerdictKind.UNRESOLVED: Severity.WARN,
    VerdictKind.INCONCLUSIVE: Severity.WARN,
    VerdictKind.MALFORMED: Severity.FAIL,
}


@dataclass(frozen=True)
class Candidate:
    """A URL proposed for a citation, and why."""

    url: str
    origin: str  #: hyperlink | pin | discovered
    score: float | None = None
    title: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


@dataclass(frozen=True)
class Passage:
    """A passage of a page's main text and how much of the claim it holds (0-1)."""

    text: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "score": self.score}


SUPPORT_LABELS = ("supported", "weak", "not-supported", "unknown")


@dataclass(frozen=True)
class Support:
    """How well the copy a verdict rests on supports the citing claim (support.py)."""

    score: float | None = None  #: 0-1; None when there was no copy to read
    label: str = "unknown"  #: one of SUPPORT_LABELS
    copy: str | None = None  #: live | snapshot | None
    passages: tuple[Passage, ...] = ()  #: up to 3, best first
    matched: tuple[str, ...] = ()  #: the claim's key terms found in the passages
    missing: tuple[str, ...] = ()  #: those not found
    explanation: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "label": self.label, "copy": self.copy,
                "passages": [p.to_dict() for p in self.passages],
                "matched": list(self.matched), "missing": list(self.missing),
                "explanation": self.explanation}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Support:
        if not d:
            return cls()
        return cls(score=d.get("score"), label=d.get("label") or "unknown",
                   copy=d.get("copy"),
                   passages=tuple(Passage(p.get("text") or "", float(p.get("score") or 0.0))
                                  for p in d.get("passages") or ()),
                   matched=tuple(d.get("matched") or ()), missing=tuple(d.get("missing") or ()),
                   explanation=d.get("explanation") or "")


@dataclass(frozen=True)
class QuoteChange:
    """A quotation that matches a passage of the page but changes what it says
    (reason ``misquote``): a number, a negation or a proper name differs."""

    quote: str  #: the quotation as the brief gives it
    page: str  #: the passage of the page it stands for, as the page writes it
    #: (kind, quoted words, page words); kind: number | negation | name
    differences: tuple[tuple[str, str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"quote": self.quote, "page": self.page, "differences": [
            {"kind": k, "quoted": q, "page": p} for k, q, p in self.differences]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> QuoteChange:
        return cls(d.get("quote", ""), d.get("page", ""), tuple(
            (x.get("kind", ""), x.get("quoted", ""), x.get("page", ""))
            for x in d.get("differences") or ()))


@dataclass(frozen=True)
class Verdict:
    """The decision for one citation, with reasons and evidence."""

    citation: Citation
    verdict: VerdictKind
    reasons: tuple[str, ...] = ()
    explanation: str = ""
    urls: tuple[str, ...] = ()
    live: LiveResult | None = None
    snapshot: Snapshot | None = None
    archive_error: str | None = None
    candidates: tuple[Candidate, ...] = ()
    corrected_date: str | None = None
    quotes_found: tuple[str, ...] = ()
    quotes_missing: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()  #: local WARC record references: file#offset
    support: Support = field(default_factory=Support)  #: claim support (support.py)
    misquotes: tuple[QuoteChange, ...] = ()  #: quotations that change the page's words
    quotes_in_boilerplate: tuple[str, ...] = ()  #: found only in comments, rails, nav, ...

    def to_dict(self) -> dict[str, Any]:
        out = self.citation.to_dict()
        out.update(
            verdict=self.verdict.value,
            severity=self.verdict.severity.name.lower(),
            reasons=list(self.reasons),
            explanation=self.explanation,
            urls=list(self.urls),
            live=self.live.to_dict() if self.live else None,
            snapshot=self.snapshot.to_dict() if self.snapshot else None,
            archive_error=self.archive_error,
            candidates=[c.to_dict() for c in self.candidates],
            corrected_date=self.corrected_date,
            quotes_found=list(self.quotes_found),
            quotes_missing=list(self.quotes_missing),
            evidence=list(self.evidence),
            support=self.support.to_dict(),
            misquotes=[m.to_dict() for m in self.misquotes],
            quotes_in_boilerplate=list(self.quotes_in_boilerplate),
        )
        return out
