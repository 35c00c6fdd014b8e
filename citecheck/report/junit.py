"""JUnit XML: one test case per citation, so any CI shows the audit as tests.

Built with :mod:`xml.etree.ElementTree`, which escapes markup; characters XML
1.0 cannot carry at all (most control characters) are dropped first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from citecheck.models import Severity, Verdict
from citecheck.report.common import citation_label, format_timestamp, iso_date, one_line
from citecheck.report.model import RunReport
from citecheck.report.reasons import explain_reason

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: object) -> str:
    """``text`` as a string XML 1.0 can hold (invalid characters dropped)."""
    return _NOT_XML.sub("", "" if text is None else str(text))


def testcase_name(verdict: Verdict) -> str:
    """``MOFA, May 14 (line 7)``: source, date as written, locator if any, and line."""
    return citation_label(verdict)


def _details(verdict: Verdict) -> str:
    """A plain-text account of the verdict: reasons, live result, snapshot, evidence."""
    citation = verdict.citation
    lines = [f"verdict: {verdict.verdict.value}"]
    if verdict.explanation:
        lines.append(verdict.explanation)
    lines += [f"- {explain_reason(code)} [{code}]" for code in verdict.reasons]
    lines.append(f"citation: {citation.raw}")
    if citation.date_end:
        precision = f" ({citation.date_precision.value})" if citation.date_precision else ""
        lines.append(f"cited date: {iso_date(verdict)}{precision}")
    if citation.context:
        lines.append(f"sentence: {one_line(citation.context)}")
    for quote in verdict.quotes_missing:
        lines.append(f"quote not found: {quote}")
    support = verdict.support
    if support.score is not None:
        lines.append(f"support: {support.label} ({support.score:.2f}, {support.copy} copy)")
    if support.passages:
        lines.append(f"best passage: {one_line(support.passages[0].text)}")
    for change in verdict.misquotes:
        lines.append(f"misquote: quoted {change.quote!r}; the page says {change.page!r}")
    for quote in verdict.quotes_in_boilerplate:
        lines.append(f"quote only in boilerplate: {quote}")
    for url in verdict.urls:
        lines.append(f"url: {url}")
    if verdict.live is not None:
        live = verdict.live
        code = f" {live.status_code}" if live.status_code else ""
        error = f" ({live.error})" if live.error else ""
        lines.append(f"live: {live.status.value}{code}{error}")
        for hop in live.redirects:
            lines.append(f"  redirect {hop.status_code} {hop.url}")
        if live.final_url and live.final_url != live.url:
            lines.append(f"  final url: {live.final_url}")
    if verdict.snapshot is not None:
        when = format_timestamp(verdict.snapshot.timestamp)
        lines.append(f"snapshot: {verdict.snapshot.archive_url} ({when})")
    elif verdict.archive_error:
        lines.append(f"archive error: {verdict.archive_error}")
    for record in verdict.evidence:
        lines.append(f"evidence: {record}")
    return "\n".join(lines)


def _message(verdict: Verdict) -> str:
    if verdict.explanation:
        return one_line(verdict.explanation)
    if verdict.reasons:
        return one_line(explain_reason(verdict.reasons[0]))
    return verdict.verdict.value


def render_junit(report: RunReport, *, fail_on: Severity = Severity.FAIL) -> str:
    """JUnit XML: one ``testsuite`` per document, one ``testcase`` per citation.

    Verdicts at or above ``fail_on`` are ``<failure>``s; other warnings are
    ``<skipped>`` when nothing could be decided (unresolved, inconclusive) and
    pass with their account in ``<system-out>`` otherwise (rescued).
    """
    root = ET.Element("testsuites", name="citecheck")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    by_document: dict[str, list[Verdict]] = {doc.name: [] for doc in report.documents}
    for verdict in report.verdicts:
        by_document.setdefault(verdict.citation.document, []).append(verdict)
    for doc in report.documents:
        verdicts = by_document[doc.name]
        suite = ET.SubElement(
            root, "testsuite", name=xml_text(doc.name), timestamp=xml_text(report.started_at)
        )
        counts = {"tests": len(verdicts), "failures": 0, "skipped": 0}
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="run", value=xml_text(report.run_id))
        if doc.published:
            ET.SubElement(properties, "property", name="published", value=xml_text(doc.published))
        for verdict in verdicts:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=xml_text(doc.name),
                name=xml_text(testcase_name(verdict)),
                file=xml_text(doc.name),
                line=str(verdict.citation.line),
            )
            severity = verdict.verdict.severity
            details = xml_text(_details(verdict))
            entry = report.acceptance(verdict)
            if entry is not None and severity >= fail_on:  # reviewed: not a failure
                ET.SubElement(case, "skipped", message=xml_text(
                    f"accepted ({verdict.verdict.value}) by {entry.by}: {one_line(entry.why)}"))
                ET.SubElement(case, "system-out").text = details
                counts["skipped"] += 1
            elif severity >= fail_on and severity > Severity.OK:
                failure = ET.SubElement(
                    case, "failure", message=xml_text(_message(verdict)), type=verdict.verdict.value
                )
                failure.text = details
                counts["failures"] += 1
            elif verdict.verdict.value in ("unresolved", "inconclusive"):
                ET.SubElement(
                    case,
                    "skipped",
                    message=xml_text(f"{verdict.verdict.value}: {_message(verdict)}"),
                )
                ET.SubElement(case, "system-out").text = details
                counts["skipped"] += 1
            else:
                ET.SubElement(case, "system-out").text = details
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
