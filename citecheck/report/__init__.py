"""Reports of an audit run: HTML, JSON, Markdown, JUnit and GitHub annotations.

Every renderer takes the same plain data, a :class:`RunReport`, and returns
text; none touches the network, the database or the clock. Untrusted text
(from documents and fetched pages) is escaped by each renderer for its format.

    report = RunReport.from_verdicts(verdicts, run_id="r1", started_at="...")
    Path("reports/r1.html").write_text(render_html(report), encoding="utf-8")
"""

from citecheck.report.github import github_annotations, should_annotate
from citecheck.report.html import content_security_policy, render_html
from citecheck.report.json_report import render_json, report_dict
from citecheck.report.junit import render_junit
from citecheck.report.markdown import render_markdown
from citecheck.report.model import Change, DocumentInfo, RunReport, Summary
from citecheck.report.reasons import explain_reason

__all__ = [
    "Change",
    "DocumentInfo",
    "RunReport",
    "Summary",
    "content_security_policy",
    "explain_reason",
    "github_annotations",
    "render_html",
    "render_json",
    "render_junit",
    "render_markdown",
    "report_dict",
    "should_annotate",
]
