"""GitHub Actions workflow commands: ``::error file=...,line=...::message``.

Annotations show each finding on the brief's line in a pull request. The
caller decides whether to print them (see :func:`should_annotate`).
"""

from __future__ import annotations

from collections.abc import Mapping

from citecheck.models import Severity, Verdict
from citecheck.report.common import citation_label, one_line
from citecheck.report.model import RunReport
from citecheck.report.reasons import explain_reason


def should_annotate(env: Mapping[str, str]) -> bool:
    """True inside a GitHub Actions job (``GITHUB_ACTIONS=true``)."""
    return env.get("GITHUB_ACTIONS", "").lower() == "true"


def escape_data(text: str) -> str:
    """Escape a workflow command's message: ``%``, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command property value: as data, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _is_file(document: str) -> bool:
    return bool(document) and document != "-" and "://" not in document


def annotation(verdict: Verdict, level: str) -> str:
    citation = verdict.citation
    props = []
    if _is_file(citation.document):
        props.append(f"file={escape_property(citation.document)}")
        props.append(f"line={int(citation.line)}")
        if citation.column:
            props.append(f"col={int(citation.column)}")
    props.append(f"title={escape_property(f'citecheck: {verdict.verdict.value}')}")
    why = verdict.explanation or "; ".join(explain_reason(c) for c in verdict.reasons)
    message = f"{citation_label(verdict)}: {verdict.verdict.value}"
    if why:
        message += f". {one_line(why)}"
    url = verdict.live.url if verdict.live else (verdict.urls[0] if verdict.urls else None)
    if url:
        message += f" ({one_line(url)})"
    return f"::{level} {','.join(props)}::{escape_data(message)}"


def github_annotations(report: RunReport) -> list[str]:
    """One ``::error`` per fail-severity verdict and one ``::warning`` per warn-severity one;
    an accepted finding is a ``::notice``."""
    out = []
    for verdict in report.verdicts:
        severity = verdict.verdict.severity
        if severity > Severity.OK and report.acceptance(verdict) is not None:
            out.append(annotation(verdict, "notice"))
        elif severity is Severity.FAIL:
            out.append(annotation(verdict, "error"))
        elif severity is Severity.WARN:
            out.append(annotation(verdict, "warning"))
    return out
