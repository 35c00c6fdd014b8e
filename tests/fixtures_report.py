"""Report fixtures: realistic verdicts plus one citation full of hostile text.

``hostile_report`` holds the example brief's nineteen verdicts and one more
whose fetched page, quotes, URLs and reasons try every injection a report must
defuse: markup that would set ``window.__pwned``, ``javascript:`` links,
``]]>`` for XML, Markdown links and mentions, workflow-command separators.
"""

from __future__ import annotations

import pytest
from fixtures_example import example_verdicts

from citecheck.models import (
    Candidate,
    Citation,
    LiveResult,
    LiveStatus,
    Passage,
    Redirect,
    Snapshot,
    Support,
    Verdict,
    VerdictKind,
)
from citecheck.report import Change, DocumentInfo, RunReport

SCRIPT_PAYLOAD = "<script>window.__pwned = 1</script>"
IMG_PAYLOAD = "<img src=x onerror=\"window.__pwned = 2\">"
JS_URL = "javascript:window.__pwned=3"
EXAMPLE_DOC = "examples/china-russia-security-ties-2018-06-04.txt"
HOSTILE_DOC = "briefs/evil <b>brief</b>, 50% off: now.txt"


def hostile_verdict() -> Verdict:
    citation = Citation(
        id="L3C10",
        source=f"Evil {SCRIPT_PAYLOAD}",
        raw=f"Evil {SCRIPT_PAYLOAD}, May 1",
        line=3,
        column=10,
        document=HOSTILE_DOC,
        date_as_written="May 1",
        date="2018-05-01",
        context=(
            f"He said {IMG_PAYLOAD} and [click](javascript:alert(1)) @octocat #1 "
            f"| pipe ]]> <!-- (Evil {SCRIPT_PAYLOAD}, May 1)."
        ),
        quotes=(IMG_PAYLOAD, "]]> & <![CDATA[ x ]]>"),
    )
    live = LiveResult(
        url=JS_URL,
        status=LiveStatus.MOVED,
        status_code=200,
        final_url="data:text/html,<script>window.__pwned=4</script>",
        redirects=(
            Redirect("javascript:window.__pwned=5", 301),
            Redirect("https://ok.example/a", 302),
        ),
        error=f"{IMG_PAYLOAD}\r\n::error::injected",
        reasons=("http-200",),
        checked_at="2026-11-28T21:14:05Z",
    )
    return Verdict(
        citation=citation,
        verdict=VerdictKind.MISMATCH,
        reasons=("quote-not-found", "weird-<b>code</b>"),
        explanation=f"Title was {SCRIPT_PAYLOAD} 100% wrong\r\n::warning::x ]]> end",
        urls=(JS_URL, "https://example.org/page?a=1&b=<2>"),
        live=live,
        snapshot=Snapshot(
            url="https://example.org/page",
            archive_url="javascript:window.__pwned=6",
            timestamp="20180502120000",
        ),
        candidates=(
            Candidate("https://example.org/page", "discovered", 0.5, SCRIPT_PAYLOAD),
            Candidate("https://example.org/other", "discovered", 0.4, IMG_PAYLOAD),
        ),
        quotes_found=(IMG_PAYLOAD,),
        quotes_missing=("]]> & <![CDATA[ x ]]>\x00\x1b",),
        evidence=(f"archive/{SCRIPT_PAYLOAD}.warc.gz#1",),
        # the page's own words come back in the claim-support panel
        support=Support(
            score=0.21, label="not-supported", copy="live",
            passages=(Passage(f"He said {SCRIPT_PAYLOAD} at {IMG_PAYLOAD} | ]]> @octocat", 0.21),
                      Passage(f"Evil {IMG_PAYLOAD}", 0.1)),
            matched=("said",), missing=("img", "Evil"),
            explanation=f"missing: {IMG_PAYLOAD} ]]> ::error::x",
        ),
    )


def build_hostile_report() -> RunReport:
    return RunReport.from_verdicts(
        [*example_verdicts(), hostile_verdict()],
        run_id="test-run",
        started_at="2026-11-28T21:14:00Z",
        finished_at="2026-11-28T21:14:12Z",
        options={"fail-on": "fail", "note": SCRIPT_PAYLOAD},
        documents=[DocumentInfo(EXAMPLE_DOC, "2018-06-04")],
        changes=[Change("newly-dead", f"https://x.example/{SCRIPT_PAYLOAD}", detail=IMG_PAYLOAD)],
    )


@pytest.fixture
def hostile_report() -> RunReport:
    return build_hostile_report()
