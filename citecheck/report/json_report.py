"""The JSON report: DESIGN.md's ``{"run", "documents", "citations", "summary"}``."""

from __future__ import annotations

import json
from typing import Any

from citecheck.models import Verdict
from citecheck.report.model import RunReport


def report_dict(report: RunReport) -> dict[str, Any]:
    """The JSON report as plain data; each citation is ``Verdict.to_dict()``."""
    out: dict[str, Any] = {
        "run": report.run_dict(),
        "documents": [doc.to_dict() for doc in report.documents],
        "citations": [_citation(report, verdict) for verdict in report.verdicts],
        "summary": report.summary().to_dict(),
    }
    if report.accepted:  # findings a person accepted (citecheck-accept.yaml): not counted
        out["summary"]["accepted"] = len(report.accepted)
        out["accepted"] = [
            {"document": v.citation.document, "id": v.citation.id, "verdict": v.verdict.value,
             **report.acceptance(v).to_dict()}
            for v in report.verdicts if report.acceptance(v) is not None
        ]
    if report.changes is not None:
        out["changes"] = [change.to_dict() for change in report.changes]
    return out


def _citation(report: RunReport, verdict: Verdict) -> dict[str, Any]:
    out = verdict.to_dict()
    if report.accepted:
        entry = report.acceptance(verdict)
        out["accepted"] = entry.to_dict() if entry is not None else None
    return out


def render_json(report: RunReport, *, indent: int | None = 2) -> str:
    """The JSON report as text (UTF-8 kept readable, ending with a newline)."""
    return json.dumps(report_dict(report), indent=indent, ensure_ascii=False) + "\n"
