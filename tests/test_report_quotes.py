"""Reports show misquotes (both versions, the change marked) and boilerplate quotes, escaped."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from citecheck.models import Citation, LiveResult, LiveStatus, QuoteChange, Verdict, VerdictKind
from citecheck.report import RunReport, render_html, render_json, render_junit, render_markdown
from citecheck.store import verdict_from_dict

PAYLOAD = "<script>window.__pwned = 1</script>"


def misquoted() -> Verdict:
    quote = f"exports rose 48.2 percent {PAYLOAD}"
    page = f"Exports rose 42.8 percent {PAYLOAD}"
    citation = Citation(id="L1C1", raw="(Daily, May 1)", line=1, column=1, source="Daily",
                        date="2018-05-01", date_as_written="May 1",
                        context=f'He said "{quote}" and "a reader comment" (Daily, May 1).',
                        quotes=(quote, "a reader comment"))
    return Verdict(
        citation=citation, verdict=VerdictKind.MISMATCH,
        reasons=("misquote", "quote-in-boilerplate"),
        explanation=f"The page does not support the citation: quoted \u201c{quote}\u201d, the "
        f"page says \u201c{page}\u201d (live page).",
        urls=("https://daily.example/a",),
        live=LiveResult(url="https://daily.example/a", status=LiveStatus.OK, status_code=200),
        misquotes=(QuoteChange(quote, page, (("number", "48 2", "42 8"),)),),
        quotes_in_boilerplate=("a reader comment",),
    )


def report() -> RunReport:
    return RunReport.from_verdicts([misquoted()], run_id="r1", started_at="2026-12-02T00:00:00Z")


def test_html_shows_both_versions_with_the_change_marked_and_escaped():
    html = render_html(report())
    assert PAYLOAD not in html and "&lt;script&gt;window.__pwned" in html
    assert '<del class="diff">48</del>.<del class="diff">2</del>' in html
    assert '<ins class="diff">42</ins>.<ins class="diff">8</ins>' in html
    assert "misquoted (number)" in html
    assert "a reader comment</q> <span class=\"muted\">only in comments" in html
    assert "changes a number, a negation or a name" in html  # the reason in words


def test_json_markdown_junit_mention_them():
    data = json.loads(render_json(report()))
    (cite,) = data["citations"]
    assert cite["misquotes"] == [{
        "quote": f"exports rose 48.2 percent {PAYLOAD}",
        "page": f"Exports rose 42.8 percent {PAYLOAD}",
        "differences": [{"kind": "number", "quoted": "48 2", "page": "42 8"}],
    }]
    assert cite["quotes_in_boilerplate"] == ["a reader comment"]
    assert verdict_from_dict(cite) == misquoted()  # the store's round trip

    md = render_markdown(report())
    assert "the page says" in md and "42.8 percent" in md
    assert "<script>" not in md

    junit = render_junit(report())
    case = ET.fromstring(junit).find(".//testcase/failure")
    assert case is not None
    assert "misquote: quoted 'exports rose 48.2 percent" in (case.text or "")
    assert "the page says 'Exports rose 42.8 percent" in (case.text or "")
    assert "quote only in boilerplate: a reader comment" in (case.text or "")
