"""The Markdown summary: for a pull-request comment or ``$GITHUB_STEP_SUMMARY``.

Text from documents and fetched pages is untrusted: every Markdown and HTML
metacharacter in it is escaped, ``@mentions`` and ``#references`` are broken
so they notify nobody, and only http(s) URLs become links.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from citecheck.models import Severity, Verdict
from citecheck.report.common import (
    VERDICT_ORDER,
    cited_with_locator,
    format_timestamp,
    one_line,
    plural,
    safe_url,
)
from citecheck.report.model import RunReport
from citecheck.report.reasons import explain_change, explain_reason

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#!|~])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_ZWSP = "\u200b"

ICON = {
    "verified": "✅",
    "rescued": "🛟",
    "mismatch": "⚠️",
    "dead": "❌",
    "unresolved": "❔",
    "inconclusive": "⏳",
    "malformed": "🚫",
}


def escape_markdown(text: str | None, *, limit: int | None = 300) -> str:
    """Untrusted text as one line of inert Markdown (safe in table cells too)."""
    text = one_line(text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    text = "".join(_HTML.get(ch, ch) for ch in text)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # Break mentions, issue references and bare autolinks: GitHub acts on them
    # after Markdown parsing, so backslash escapes alone do not stop them.
    text = text.replace("@", "@" + _ZWSP).replace("\\#", "\\#" + _ZWSP)
    text = re.sub(r"(?i)\b(https?|ftp|www)(:|\.)", lambda m: m.group(1) + _ZWSP + m.group(2), text)
    return text


def markdown_link(text: str, url: str | None) -> str:
    """``[text](url)`` when ``url`` is http(s); else the escaped URL as plain text."""
    href = safe_url(url)
    if href is None:
        return escape_markdown(url or text)
    href = quote(href, safe=":/?#[]@!$&'*+,;=%~-._")
    href = href.replace("(", "%28").replace(")", "%29")
    return f"[{escape_markdown(text, limit=80)}](<{href}>)"


def _row(verdict: Verdict, entry: Any = None) -> str:
    citation = verdict.citation
    url = verdict.live.url if verdict.live else (verdict.urls[0] if verdict.urls else None)
    live = "–"
    if verdict.live is not None:
        code = verdict.live.status_code
        live = f"{code} {verdict.live.status.value}" if code else verdict.live.status.value
        if url:
            live = markdown_link(live, url)
    archive = "–"
    if verdict.snapshot is not None:
        when = (format_timestamp(verdict.snapshot.timestamp) or "snapshot")[:10]
        archive = markdown_link(when, verdict.snapshot.archive_url)
    elif verdict.archive_error:
        archive = "error"
    why = verdict.explanation or (explain_reason(verdict.reasons[0]) if verdict.reasons else "")
    accepted = ""
    if entry is not None:  # reviewed (citecheck-accept.yaml): shown, not counted
        accepted = " (accepted)"
        why = f"Accepted by {entry.by}: {entry.why}. {why}"
    cells = [
        f"{ICON.get(verdict.verdict.value, '')} {verdict.verdict.value}{accepted}",
        escape_markdown(citation.source, limit=60),
        escape_markdown(cited_with_locator(verdict), limit=60 if citation.locator else 40),
        f"{escape_markdown(citation.document, limit=80)}:{citation.line}",
        live,
        archive,
        escape_markdown(why, limit=200) + _support_note(verdict),
    ]
    return "| " + " | ".join(cells) + " |"


def _support_note(verdict: Verdict) -> str:
    """`` · support: weak (0.52)``: the claim-support label (a fixed word) and score;
    nothing when no copy was scored."""
    s = verdict.support
    if s.score is None:
        return ""
    return f" · support: {s.label}" + (f" ({s.score:.2f})" if s.score is not None else "")


def render_markdown(
    report: RunReport,
    *,
    fail_on: Severity = Severity.FAIL,
    max_rows: int = 50,
    html_report: str | None = None,
) -> str:
    """A short Markdown summary: counts by verdict, then the citations to look at.

    ``max_rows`` caps the findings table (a PR comment holds 65,536 characters);
    ``html_report`` names the full report (a path or URL) in the last line.
    """
    summary = report.summary()
    worst = summary.worst
    findings = report.findings(fail_on)
    if report.accepted and worst > Severity.OK:  # accepted findings do not make the status
        if summary.by_severity["fail"] == report.accepted_count(Severity.FAIL):
            worst = Severity.WARN
        if worst is Severity.WARN and summary.by_severity["warn"] == report.accepted_count(
                Severity.WARN):
            worst = Severity.OK
    if worst is Severity.FAIL:
        fails = summary.by_severity["fail"] - report.accepted_count(Severity.FAIL)
        status = f"❌ **{plural(fails, 'citation')} need{'s' if fails == 1 else ''} fixing**"
    elif worst is Severity.WARN:
        warns = summary.by_severity["warn"] - report.accepted_count(Severity.WARN)
        status = f"⚠️ **No failures; {plural(warns, 'citation')} to review**"
    elif report.accepted:
        status = "✅ **No new findings**"
    else:
        status = "✅ **Every citation verified**" if summary.total else "**No citations found**"
    if report.accepted:
        status += f" · {plural(len(report.accepted), 'accepted finding')} (reviewed, not counted)"

    run_id = one_line(report.run_id).replace("`", "")[:40]
    docs = ", ".join(escape_markdown(d.name, limit=80) for d in report.documents[:5])
    if len(report.documents) > 5:
        docs += f" and {len(report.documents) - 5} more"
    lines = [
        "## citecheck",
        "",
        status,
        "",
        f"{plural(summary.total, 'citation')} in {plural(summary.documents, 'document')}"
        + (f" ({docs})" if docs else "")
        + f", {plural(summary.urls, 'URL')} checked · run `{run_id}`",
        "",
        "| verdict | count |",
        "| --- | ---: |",
    ]
    for kind in VERDICT_ORDER:
        count = summary.by_verdict[kind.value]
        if count:
            lines.append(f"| {ICON[kind.value]} {kind.value} | {count} |")
    lines.append(f"| **total** | **{summary.total}** |")

    if report.changes:
        lines += ["", "### Changes since the previous run", ""]
        for change in report.changes[:max_rows]:
            text = f"- **{explain_change(change.kind)}**: {escape_markdown(change.subject)}"
            if change.previous or change.current:
                text += (
                    f" ({escape_markdown(change.previous or '–', limit=30)} → "
                    f"{escape_markdown(change.current or '–', limit=30)})"
                )
            lines.append(text)
        if len(report.changes) > max_rows:
            lines.append(f"- … and {len(report.changes) - max_rows} more")

    noteworthy = sorted(
        (v for v in report.verdicts if v.verdict.severity > Severity.OK),
        key=lambda v: (-int(v.verdict.severity), VERDICT_ORDER.index(v.verdict)),
    )
    if noteworthy:
        title = "Findings" if findings else "To review"
        lines += [
            "",
            f"### {title}",
            "",
            "| verdict | source | cited | where | live | archive | why |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        lines += [_row(v, report.acceptance(v)) for v in noteworthy[:max_rows]]
        if len(noteworthy) > max_rows:
            lines.append("")
            lines.append(f"… and {len(noteworthy) - max_rows} more; see the full report.")
    if html_report:
        lines += ["", f"Full report: {markdown_link(html_report, html_report)}"]
    return "\n".join(lines) + "\n"
