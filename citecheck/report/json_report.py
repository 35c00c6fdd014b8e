"""The JSON report: DESIGN.md's ``{"run", "documents", "citations", "summary"}``."""

from __future__ import annotations

import json
from typing import Any

from citecheck.report.model import RunReport


def report_dict(report: RunReport) -> dict[str, Any]:
    """The JSON report as plain data; each citation is ``Verdict.to_dict()``."""
    out: dict[str, Any] = {
        "run": report.run_dict(),
        "documents": [doc.to_dict() for doc in report.documents],
        "citations": [verdict.to_dict() for verdict in report.verdicts],
        "summary": report.summary().to_dict(),
    }
    if report.changes is not None:
        out["changes"] = [change.to_dict() for change in report.changes]
    return out


def render_json(report: RunReport, *, indent: int | None = 2) -> str:
    """The JSON report as text (UTF-8 kept readable, ending with a newline)."""
    return json.dumps(report_dict(report), indent=indent, ensure_ascii=False) + "\n"
