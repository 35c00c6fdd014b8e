"""Rows back into records: the checks, snapshots and verdicts read from the database."""

from __future__ import annotations

import json
from typing import Any

from citecheck.models import (
    Candidate,
    Citation,
    DatePrecision,
    LiveResult,
    LiveStatus,
    QuoteChange,
    Redirect,
    Snapshot,
    Support,
    Verdict,
    VerdictKind,
)
from citecheck.store.records import RunInfo


def _run_info(row: dict[str, Any]) -> RunInfo:
    return RunInfo(
        id=int(row["id"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        status=row["status"],
        exit_code=row["exit_code"],
        options=json.loads(row["options"] or "{}"),
        summary=json.loads(row["summary"] or "{}"),
    )


def _live_from_row(
    row: dict[str, Any], *, body: bytes | None = None, from_cache: bool = False
) -> LiveResult:
    return LiveResult(
        url=row["url"],
        status=LiveStatus(row["status"]),
        status_code=row["status_code"],
        final_url=row["final_url"],
        redirects=tuple(
            Redirect(r["url"], int(r["status_code"])) for r in json.loads(row["redirects"] or "[]")
        ),
        elapsed=row["elapsed"] or 0.0,
        content_type=row["content_type"],
        bytes=row["bytes"] or 0,
        error=row["error"],
        reasons=tuple(json.loads(row["reasons"] or "[]")),
        checked_at=row["checked_at"],
        encoding=row["encoding"],
        from_cache=from_cache,
        body=body,
    )


def _snapshot_from_dict(d: dict[str, Any]) -> Snapshot:
    return Snapshot(
        url=d["url"],
        archive_url=d["archive_url"],
        timestamp=d["timestamp"],
        status_code=d.get("status_code"),
        digest=d.get("digest"),
        mimetype=d.get("mimetype"),
        distance_days=d.get("distance_days"),
        error=d.get("error"),
        archive=d.get("archive"),
    )


def _live_from_dict(d: dict[str, Any]) -> LiveResult:
    return LiveResult(
        url=d["url"],
        status=LiveStatus(d["status"]),
        status_code=d.get("status_code"),
        final_url=d.get("final_url"),
        redirects=tuple(Redirect(r["url"], int(r["status_code"])) for r in d.get("redirects", [])),
        elapsed=d.get("elapsed") or 0.0,
        content_type=d.get("content_type"),
        bytes=d.get("bytes") or 0,
        error=d.get("error"),
        reasons=tuple(d.get("reasons", [])),
        checked_at=d.get("checked_at", ""),
        encoding=d.get("encoding"),
        from_cache=bool(d.get("from_cache", False)),
    )


_CITATION_FIELDS = (
    "id", "source", "raw", "line", "column", "document", "source_key", "date_as_written",
    "date", "year_inferred", "context", "url", "malformed", "problem", "date_end", "locator",
    "style", "version_url", "version_date",
)


def citation_from_dict(d: dict[str, Any]) -> Citation:
    values = {k: d[k] for k in _CITATION_FIELDS if k in d}
    precision = d.get("date_precision")
    return Citation(
        **values,
        date_precision=DatePrecision(precision) if precision else None,
        quotes=tuple(d.get("quotes") or ()),
    )


def verdict_from_dict(d: dict[str, Any]) -> Verdict:
    """Rebuild a :class:`Verdict` from its audit-JSON entry (``Verdict.to_dict``)."""
    return Verdict(
        citation=citation_from_dict(d),
        verdict=VerdictKind(d["verdict"]),
        reasons=tuple(d.get("reasons") or ()),
        explanation=d.get("explanation") or "",
        urls=tuple(d.get("urls") or ()),
        live=_live_from_dict(d["live"]) if d.get("live") else None,
        snapshot=_snapshot_from_dict(d["snapshot"]) if d.get("snapshot") else None,
        archive_error=d.get("archive_error"),
        candidates=tuple(
            Candidate(c["url"], c["origin"], c.get("score"), c.get("title"))
            for c in d.get("candidates") or ()
        ),
        corrected_date=d.get("corrected_date"),
        quotes_found=tuple(d.get("quotes_found") or ()),
        quotes_missing=tuple(d.get("quotes_missing") or ()),
        evidence=tuple(d.get("evidence") or ()),
        misquotes=tuple(QuoteChange.from_dict(m) for m in d.get("misquotes") or ()),
        quotes_in_boilerplate=tuple(d.get("quotes_in_boilerplate") or ()),
        support=Support.from_dict(d.get("support")),
    )
