"""What the store hands out and takes in, besides the models: runs, verdict rows,
times, and the stable identity of a citation across runs."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from citecheck.models import Citation, Verdict


@dataclass(frozen=True)
class VerdictRow:
    """A verdict to store: ``key`` is the citation's identity across runs
    (:func:`citation_key` if None); ``fingerprint`` names everything it was
    decided from (see :meth:`Store.verdict_for_fingerprint`)."""

    verdict: Verdict
    key: str | None = None
    fingerprint: str | None = None
    document_id: int | None = None


@dataclass(frozen=True)
class RunInfo:
    id: int
    started_at: str
    finished_at: str | None
    status: str
    exit_code: int | None
    options: dict[str, Any]
    summary: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "status": self.status,
            "exit_code": self.exit_code,
            "options": self.options,
            "summary": self.summary,
        }


@dataclass(frozen=True)
class StoredRun:
    """A past run as kept in the database: enough to re-render any report."""

    run: RunInfo
    documents: tuple[dict[str, Any], ...]
    verdicts: tuple[Verdict, ...]


class _EvidenceLike(Protocol):
    warc_file: str
    offset: int
    length: int
    url: str
    digest: str | None


def now_iso(ts: float | None = None) -> str:
    moment = dt.datetime.fromtimestamp(time.time() if ts is None else ts, dt.timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(value: str | None) -> float | None:
    """Seconds since the epoch for an ISO 8601 time (naive means UTC)."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.timestamp()


def citation_key(citation: Citation, ordinal: int = 0) -> str:
    """Identity of a citation across runs: document, text as written, its URL, ordinal."""
    return "|".join(
        [citation.document, citation.raw, citation.url or "", str(ordinal)]
    )


def citation_keys(citations: Iterable[Citation]) -> dict[str, str]:
    """Stable key for each citation id; repeats of the same text get ordinals."""
    seen: dict[tuple[str, str, str], int] = {}
    out: dict[str, str] = {}
    for c in citations:
        group = (c.document, c.raw, c.url or "")
        n = seen.get(group, 0)
        seen[group] = n + 1
        out[c.id] = citation_key(c, n)
    return out
