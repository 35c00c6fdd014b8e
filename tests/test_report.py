"""The renderers: JSON shape, HTML safety and CSP, Markdown, JUnit, annotations."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from fixtures_example import example_report
from fixtures_report import EXAMPLE_DOC, HOSTILE_DOC, IMG_PAYLOAD, SCRIPT_PAYLOAD, hostile_verdict

from citecheck.models import Citation, DatePrecision, Severity, Verdict, VerdictKind
from citecheck.report import (
    DocumentInfo,
    RunReport,
    explain_reason,
    github_annotations,
    render_html,
    render_json,
    render_junit,
    render_markdown,
    should_annotate,
)
from citecheck.report.common import safe_url
from citecheck.report.github import escape_data, escape_property
from citecheck.report.markdown import escape_markdown

RECORD_KEYS = {
    "id", "source", "source_key", "raw", "date_as_written", "date", "date_precision",
    "year_inferred", "line", "column", "context", "quotes", "url", "malformed", "problem",
}  # fmt: skip
VERDICT_KEYS = {"verdict", "reasons", "explanation", "urls", "live", "snapshot"}
LIVE_KEYS = {"status", "status_code", "final_url", "redirects", "error"}


# ------------------------------------------------------------------ model


def test_from_verdicts_adds_documents_and_counts_every_verdict():
    report = example_report()
    summary = report.summary()
    assert summary.total == 19
    assert summary.by_verdict == {
        "verified": 7, "rescued": 3, "mismatch": 2, "dead": 1,
        "unresolved": 3, "inconclusive": 2, "malformed": 1,
    }  # fmt: skip
    assert summary.by_severity == {"ok": 7, "warn": 8, "fail": 4}
    assert summary.worst is Severity.FAIL
    assert len(report.findings(Severity.FAIL)) == 4
    assert len(report.findings(Severity.WARN)) == 12

    extra = RunReport.from_verdicts(
        [hostile_verdict()], run_id="r", started_at="2026-01-01T00:00:00Z", documents=["a.txt"]
    )
    assert [d.name for d in extra.documents] == ["a.txt", HOSTILE_DOC]


def test_empty_run_is_ok():
    report = RunReport.from_verdicts([], run_id="r", started_at="2026-01-01T00:00:00Z")
    assert report.summary().worst is Severity.OK
    assert report.summary().total == 0
    assert "No citations found" in render_html(report)
    assert json.loads(render_json(report))["citations"] == []


# ------------------------------------------------------------------- JSON


def test_json_has_exactly_the_design_shape():
    data = json.loads(render_json(RunReport.from_verdicts(
        example_report().verdicts, run_id="r1", started_at="2026-11-28T21:14:00Z",
        documents=[DocumentInfo(EXAMPLE_DOC, "2018-06-04")],
    )))  # fmt: skip
    assert set(data) == {"run", "documents", "citations", "summary"}
    assert data["run"]["id"] == "r1"
    assert data["documents"] == [
        {
            "name": "examples/china-russia-security-ties-2018-06-04.txt",
            "published": "2018-06-04",
            "title": None,
        }
    ]
    assert data["summary"]["total"] == 19
    assert data["summary"]["by_verdict"]["dead"] == 1
    assert data["summary"]["by_severity"] == {"ok": 7, "warn": 8, "fail": 4}
    for cite in data["citations"]:
        assert RECORD_KEYS | VERDICT_KEYS <= set(cite)
        assert all(isinstance(code, str) for code in cite["reasons"])
        assert isinstance(cite["explanation"], str)
        if cite["live"] is not None:
            assert LIVE_KEYS <= set(cite["live"])
        if cite["snapshot"] is not None:
            assert re.fullmatch(r"\d{14}", cite["snapshot"]["timestamp"])
            assert cite["snapshot"]["url"].startswith("http")
    xinhua = next(c for c in data["citations"] if c["source"] == "Xinhua")
    assert xinhua["verdict"] == "rescued"
    assert xinhua["live"]["status"] == "dead"
    assert xinhua["live"]["status_code"] == 404
    assert xinhua["snapshot"]["timestamp"] == "20170727031542"


def test_json_citation_is_verdict_to_dict(hostile_report):
    data = json.loads(render_json(hostile_report))
    assert data["citations"][-1] == json.loads(json.dumps(hostile_verdict().to_dict()))
    assert data["changes"][0]["kind"] == "newly-dead"


# ------------------------------------------------------------------- HTML


class _Collect(HTMLParser):
    """Every tag with its attributes, and the bodies of <script> and <style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.blocks: dict[str, list[str]] = {"script": [], "style": []}
        self._in: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in self.blocks:
            self._in = tag
            self.blocks[tag].append("")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in:
            self.blocks[self._in][-1] += data
        else:
            self.text.append(data)


def _parse(html: str) -> _Collect:
    parser = _Collect()
    parser.feed(html)
    parser.close()
    return parser


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_html_escapes_hostile_text(hostile_report):
    html = render_html(hostile_report)
    assert SCRIPT_PAYLOAD not in html
    assert "<img" not in html
    assert "onerror=" not in html.replace("onerror=&#34;", "").replace("onerror=&quot;", "")
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html
    parsed = _parse(html)
    # The only tags are the report's own: no script, img, iframe or handler came in.
    assert [t for t, _ in parsed.tags if t == "script"] == ["script"]
    assert not [t for t, _ in parsed.tags if t in ("img", "iframe", "object", "embed", "b")]
    for _, attrs in parsed.tags:
        assert not [name for name in attrs if name.startswith("on")]
        assert "style" not in attrs  # CSP forbids inline style attributes
    # ...and the text reads as it was written.
    text = "".join(parsed.text)
    assert SCRIPT_PAYLOAD in text
    assert IMG_PAYLOAD in text


def test_html_links_only_http_urls(hostile_report):
    parsed = _parse(render_html(hostile_report))
    hrefs = [attrs["href"] for tag, attrs in parsed.tags if tag == "a"]
    assert hrefs, "the report links its sources"
    for href in hrefs:
        assert href.startswith(("http://", "https://")), href
    links = [(tag, attrs) for tag, attrs in parsed.tags if tag == "link"]
    assert links == [("link", {"rel": "icon", "href": "data:,"})]
    text = "".join(parsed.text)
    assert "javascript:window.__pwned=3" in text  # shown, not linked
    assert not [a for t, a in parsed.tags if t == "a" and "javascript" in (a.get("href") or "")]


def test_html_csp_is_strict_and_hashes_match_inline_blocks():
    html = render_html(example_report())
    parsed = _parse(html)
    metas = [a for t, a in parsed.tags if t == "meta" and a.get("http-equiv")]
    assert len(metas) == 1 and metas[0]["http-equiv"] == "Content-Security-Policy"
    policy = dict(
        (part.split()[0], part.split()[1:])
        for part in (p.strip() for p in metas[0]["content"].split(";"))
    )
    assert policy["default-src"] == ["'none'"]
    assert policy["img-src"] == ["data:"]
    assert "'unsafe-inline'" not in metas[0]["content"]
    assert "'unsafe-eval'" not in metas[0]["content"]
    [script] = parsed.blocks["script"]
    style, noscript_style = parsed.blocks["style"]
    assert policy["script-src"] == [_sha256(script)]
    assert policy["style-src"] == [_sha256(style), _sha256(noscript_style)]
    # Nothing is loaded from elsewhere: no src attributes, no stylesheets.
    assert not [a for _, a in parsed.tags if "src" in a]
    assert "@import" not in style + noscript_style and "url(" not in style + noscript_style


def test_html_shows_evidence_of_each_citation():
    html = render_html(example_report())
    # a summary by verdict, filter controls and one row group per citation
    for verdict in VerdictKind:
        assert f'data-verdict="{verdict.value}"' in html
    assert html.count('<tbody class="cite"') == 19
    assert 'id="f-verdict"' in html and 'id="f-source"' in html and 'id="f-search"' in html
    # redirect chain, snapshot date, quotes found and missing, WARC record, plain reasons
    assert "2017-07-27 03:15:42 UTC" in html
    assert "https://web.archive.org/web/20170727031542id_/" in html
    assert "not found" in html and "common struggle" in html
    assert "archive/run-20261128T211400Z-00000.warc.gz#60129" in html
    assert explain_reason("http-404") in html
    assert "The citation&#39;s parenthesis is never closed." in html
    assert 'data-sort="verdict"' in html


def test_unknown_reason_codes_are_shown_as_is(hostile_report):
    assert explain_reason("made-up-code") == "made-up-code"
    assert explain_reason("http-418") == "The server answered HTTP 418."
    html = render_html(hostile_report)
    assert "weird-&lt;b&gt;code&lt;/b&gt;" in html


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://example.org/a?b=1", True),
        ("http://127.0.0.1:8080/web/2017id_/http://x/", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("vbscript:x", False),
        ("//evil.example/x", False),
        ("/relative", False),
        ("https://", False),
        ("https://ex ample.org", False),
        (None, False),
    ],
)
def test_safe_url(url, ok):
    assert (safe_url(url) is not None) is ok


# --------------------------------------------------------------- Markdown


def test_markdown_summary_lists_findings():
    md = render_markdown(example_report(), html_report="reports/run.html")
    assert md.startswith("## citecheck\n")
    assert "❌ **4 citations need fixing**" in md
    assert "| ❌ dead | 1 |" in md
    assert "| **total** | **19** |" in md
    assert "Russian MOD" in md and "April 3" in md
    assert "Full report: reports/run.html" in md
    # every table row has the header's number of cells
    table = [line for line in md.splitlines() if line.startswith("| ❌ dead | Russian")]
    assert len(table) == 1 and table[0].count(" | ") == 6


def test_markdown_escapes_untrusted_text(hostile_report):
    md = render_markdown(hostile_report)
    assert "<script" not in md and "<img" not in md
    assert "&lt;script&gt;" in md
    assert "](javascript" not in md and "(<javascript" not in md
    [row] = [line for line in md.splitlines() if "mismatch | Evil" in line]
    # no raw pipe from the text splits the row
    assert len(re.findall(r"(?<!\\)\|", row)) == 8
    assert "@octocat" not in escape_markdown("ping @octocat")
    assert "https://" not in escape_markdown("see https://evil.example")
    assert escape_markdown("[x](javascript:alert(1))").startswith("\\[x\\]")
    assert escape_markdown("a\nb\r\nc") == "a b c"


def test_markdown_caps_rows():
    md = render_markdown(example_report(), max_rows=2)
    assert "… and 10 more" in md


# ------------------------------------------------------------------ JUnit


def test_junit_is_valid_xml_with_one_case_per_citation(hostile_report):
    xml = render_junit(hostile_report)
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 20
    assert root.get("tests") == "20"
    assert root.get("failures") == "5"
    assert len(root.findall(".//failure")) == 5
    assert len(root.findall(".//skipped")) == 5
    example = root.find("./testsuite[@name='examples/china-russia-security-ties-2018-06-04.txt']")
    names = [case.get("name") for case in example.findall("testcase")]
    assert "MOFA, May 14 (line 7)" in names
    assert {case.get("classname") for case in example.findall("testcase")} == {
        "examples/china-russia-security-ties-2018-06-04.txt"
    }
    [evil] = root.findall(f"./testsuite[@name='{HOSTILE_DOC}']/testcase")
    failure = evil.find("failure")
    assert failure.get("type") == "mismatch"
    assert SCRIPT_PAYLOAD in failure.get("message")
    assert "]]> & <![CDATA[ x ]]>" in failure.text  # round-trips as text
    assert "\x00" not in xml and "\x1b" not in xml
    assert evil.get("name").startswith(f"Evil {SCRIPT_PAYLOAD}, May 1")


def test_junit_fail_on_warn_turns_warnings_into_failures():
    root = ET.fromstring(render_junit(example_report(), fail_on=Severity.WARN))
    assert root.get("failures") == "12"
    assert root.find(".//skipped") is None


# ------------------------------------------------------ GitHub annotations


def test_should_annotate():
    assert should_annotate({"GITHUB_ACTIONS": "true"})
    assert not should_annotate({"GITHUB_ACTIONS": "false"})
    assert not should_annotate({})


def test_annotations_levels_and_positions():
    lines = github_annotations(example_report())
    assert len(lines) == 12
    assert sum(line.startswith("::error ") for line in lines) == 4
    assert sum(line.startswith("::warning ") for line in lines) == 8
    dead = next(line for line in lines if "Russian MOD, April 3" in line)
    assert dead.startswith(
        "::error file=examples/china-russia-security-ties-2018-06-04.txt,line=36,"
    )
    assert "title=citecheck%3A dead::" in dead


def test_annotation_escaping(hostile_report):
    [line] = [a for a in github_annotations(hostile_report) if "Evil" in a]
    assert "\n" not in line and "\r" not in line
    head, sep, message = line.partition("::")[2].partition("::")
    assert sep
    assert head.startswith("error file=briefs/evil <b>brief</b>%2C 50%25 off%3A now.txt,line=3,")
    assert "100%25 wrong ::warning::x" in message  # one line: CR/LF cannot start a command
    assert escape_data("a%b\r\nc") == "a%25b%0D%0Ac"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_annotations_skip_file_for_urls():
    citation = Citation(id="a", source="S", raw="S, 2017", line=4, column=1,
                        document="https://example.org/brief.html", date="2017")  # fmt: skip
    report = RunReport.from_verdicts(
        [Verdict(citation, VerdictKind.DEAD, ("http-404",))], run_id="r", started_at="t"
    )
    [line] = github_annotations(report)
    assert line.startswith("::error title=citecheck%3A dead::S, 2017 (line 4): dead.")


def test_html_says_when_the_run_was_offline():
    citation = Citation(id="a", source="S", raw="S, 2017", line=4, column=1, document="b.txt")
    offline = Verdict(citation, VerdictKind.INCONCLUSIVE, ("offline", "dns-error"))
    report = RunReport.from_verdicts([offline], run_id="r", started_at="t")
    assert "The network seemed down during this run." in render_html(report)
    assert "network seemed down" not in render_html(example_report())


def test_every_reason_code_of_verify_reads_in_plain_words():
    from citecheck.verify import REASONS

    for code in REASONS:
        text = explain_reason(code)
        assert text != code and text[0].isupper() and text.endswith("."), code


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("allow_private", True, "yes"),
        ("no_archive", False, "no"),
        ("config_path", None, "-"),
        ("inputs", ["brief.md", "b.txt"], "brief.md, b.txt"),
        ("max_age", 86400.0, "1d"),
        ("max_age", 3600.0, "1h"),
        ("max_age", 0.0, "0"),
        ("confirm_interval", 90.0, "90s"),
        ("timeout", 20.0, "20"),
        ("archive_rate", 2.5, "2.5"),
        ("fail_on", "fail", "fail"),
        # each archive is (root, CDX URL or None): the root alone, not "root, -"
        ("archives", [["http://127.0.0.1:8080/web", None]], "http://127.0.0.1:8080/web"),
        ("archives", (("https://web.archive.org/web", "https://cdx.example/cdx"),
                      ("memento:https://tm.example/timemap/link/", None)),
         "https://web.archive.org/web (CDX https://cdx.example/cdx), "
         "memento:https://tm.example/timemap/link/"),
    ],
)
def test_html_options_are_written_as_people_write_them(key, value, text):
    # F19: the Options panel showed True, None, ['brief.md'], 86400.0
    from citecheck.report.html import option_text

    assert option_text(key, value) == text


# ------------------------------------------------------------- template cache


def test_compiled_template_cache_is_used_and_a_broken_one_is_skipped(tmp_path, monkeypatch):
    from citecheck.report import html

    report = example_report()
    expected = render_html(report)
    env = html._environment()
    compiled = []
    compile_template = env.compile
    monkeypatch.setattr(env, "compile", lambda *a, **kw: compiled.append(1) or compile_template(
        *a, **kw))
    monkeypatch.setattr(env, "bytecode_cache", html._QuietBytecodeCache(str(tmp_path)))
    monkeypatch.setattr(env, "cache", None)  # no template kept in memory: load it each time
    assert render_html(report) == expected and len(compiled) == 1
    entries = list(tmp_path.glob("__jinja2_*.cache"))
    assert len(entries) == 1  # written when compiled...
    assert render_html(report) == expected and len(compiled) == 1  # ...and read instead
    entries[0].write_bytes(b"not a jinja2 cache entry at all")
    assert render_html(report) == expected and len(compiled) == 2  # a bad entry: compiled again
    monkeypatch.setattr(env, "bytecode_cache", html._QuietBytecodeCache(str(tmp_path / "no")))
    assert render_html(report) == expected  # a folder that does not exist: no error either


def test_compiled_template_cache_entries_are_named_after_version_and_options(monkeypatch):
    from citecheck import __version__
    from citecheck.report import html

    cache = html._bytecode_cache()
    assert cache is not None and f"__citecheck_{__version__}_" in cache.pattern
    monkeypatch.setitem(html._COMPILE_OPTIONS, "autoescape", False)
    other = html._bytecode_cache()
    assert other is not None and other.pattern != cache.pattern  # never served to the other


# ------------------------------------------------- date ranges and locators

LOCATOR = "p. <b>5</b>"  # document text: must come out escaped


def _pinpoint_report(*, ranged: bool) -> RunReport:
    """One dead citation: ``(SIPRI, May 30–June 2, 2018, p. <b>5</b>)``, or ``(MOFA, May 14)``."""
    if ranged:
        citation = Citation(
            id="L9C5", source="SIPRI", raw=f"SIPRI, May 30–June 2, 2018, {LOCATOR}", line=9,
            column=5, document="b.txt", date_as_written="May 30–June 2, 2018",
            date="2018-05-30", date_end="2018-06-02", date_precision=DatePrecision.DAY,
            locator=LOCATOR,
        )  # fmt: skip
    else:
        citation = Citation(
            id="L7C5", source="MOFA", raw="MOFA, May 14", line=7, column=5, document="b.txt",
            date_as_written="May 14", date="2018-05-14", date_precision=DatePrecision.DAY,
        )  # fmt: skip
    verdict = Verdict(citation, VerdictKind.DEAD, ("http-404",), explanation="Gone.")
    return RunReport.from_verdicts([verdict], run_id="r", started_at="2026-11-28T21:14:00Z")


def test_html_shows_the_date_range_and_the_locator_escaped():
    html = render_html(_pinpoint_report(ranged=True))
    escaped = "p. &lt;b&gt;5&lt;/b&gt;"
    assert (
        f'<td class="date">May 30–June 2, 2018 <span class="muted" '
        f'title="page or section cited">{escaped}</span></td>'
    ) in html
    assert (
        "<p>May 30–June 2, 2018 → <code>2018-05-30</code> – <code>2018-06-02</code> "
        '<span class="muted">(day)</span></p>'
    ) in html
    assert f"<p>Locator: {escaped}</p>" in html
    assert 'data-sort-date="2018-05-30"' in html  # the table sorts a range by its start
    parsed = _parse(html)
    assert not [t for t, _ in parsed.tags if t == "b"]
    assert "Locator: p. <b>5</b>" in "".join(parsed.text)


def test_html_without_range_or_locator_is_unchanged():
    html = render_html(_pinpoint_report(ranged=False))
    assert '<td class="date">May 14</td>' in html
    assert '<p>May 14 → <code>2018-05-14</code> <span class="muted">(day)</span></p>' in html
    assert "Locator" not in html and "page or section cited" not in html
    assert 'data-sort-date="2018-05-14"' in html


def test_markdown_shows_the_date_range_and_the_locator_escaped():
    md = render_markdown(_pinpoint_report(ranged=True))
    [row] = [line for line in md.splitlines() if "| b.txt:" in line]
    assert row == (
        "| ❌ dead | SIPRI | May 30–June 2, 2018, p. &lt;b&gt;5&lt;/b&gt; | b.txt:9 | – | – "
        "| Gone. |"
    )


def test_markdown_without_range_or_locator_is_unchanged():
    md = render_markdown(_pinpoint_report(ranged=False))
    [row] = [line for line in md.splitlines() if "| b.txt:" in line]
    assert row == "| ❌ dead | MOFA | May 14 | b.txt:7 | – | – | Gone. |"


def test_junit_shows_the_date_range_and_the_locator_escaped():
    xml = render_junit(_pinpoint_report(ranged=True))
    assert "<b>" not in xml
    assert 'name="SIPRI, May 30–June 2, 2018, p. &lt;b&gt;5&lt;/b&gt; (line 9)"' in xml
    [case] = ET.fromstring(xml).findall("./testsuite/testcase")
    assert case.get("name") == "SIPRI, May 30–June 2, 2018, p. <b>5</b> (line 9)"
    assert case.find("failure").text.splitlines() == [
        "verdict: dead",
        "Gone.",
        f"- {explain_reason('http-404')} [http-404]",
        "citation: SIPRI, May 30–June 2, 2018, p. <b>5</b>",
        "cited date: 2018-05-30 – 2018-06-02 (day)",
    ]


def test_junit_without_range_or_locator_is_unchanged():
    [case] = ET.fromstring(render_junit(_pinpoint_report(ranged=False))).iter("testcase")
    assert case.get("name") == "MOFA, May 14 (line 7)"
    assert case.find("failure").text.splitlines() == [
        "verdict: dead",
        "Gone.",
        f"- {explain_reason('http-404')} [http-404]",
        "citation: MOFA, May 14",
    ]


def test_annotations_name_the_locator():
    [ranged] = github_annotations(_pinpoint_report(ranged=True))
    assert ranged.endswith("::SIPRI, May 30–June 2, 2018, p. <b>5</b> (line 9): dead. Gone.")
    [plain] = github_annotations(_pinpoint_report(ranged=False))
    assert plain.endswith("::MOFA, May 14 (line 7): dead. Gone.")


def test_a_range_without_its_written_form_shows_the_iso_range():
    citation = Citation(id="a", source="S", raw="S", line=2, column=1, document="b.txt",
                        date="2016", date_end="2017", date_precision=DatePrecision.YEAR)
    report = RunReport.from_verdicts(
        [Verdict(citation, VerdictKind.DEAD, ("http-404",))], run_id="r", started_at="t"
    )
    assert '<td class="date">2016 – 2017</td>' in render_html(report)
    assert "| S | 2016 – 2017 | b.txt:2 |" in render_markdown(report)
    assert ET.fromstring(render_junit(report)).find(".//testcase").get("name") == (
        "S, 2016 – 2017 (line 2)"
    )
