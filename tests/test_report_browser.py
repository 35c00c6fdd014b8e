"""The HTML report in a real browser: headless Chromium driven by Playwright.

Uses Debian's /usr/bin/chromium (``scripts/ensure-chromium.sh`` installs it;
``make test`` runs that script first), never Playwright's own downloads. The
main report is written by the installed ``citecheck audit`` command, run on a
brief whose sources live on the simulated web (127.0.0.x), two of them pages
with hostile titles. Each test loads a report from a file:// URL in a fresh
profile and fails on any console error, page error or CSP violation.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
from fixtures_report import IMG_PAYLOAD, SCRIPT_PAYLOAD, build_hostile_report

from citecheck.models import Citation, DatePrecision, Verdict, VerdictKind
from citecheck.report import RunReport, render_html

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("CITECHECK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

# Runs before the page's own script (Playwright init scripts are not subject to
# the page's CSP): records every CSP violation the page reports.
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture(scope="module")
def playwright():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser_context(playwright, tmp_path_factory):
    """One Chromium with a fresh profile for this module, offline."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("chromium-profile")),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        viewport={"width": 1280, "height": 900},
        offline=True,
    )
    context.add_init_script(WATCH_CSP)
    yield context
    context.close()


class Page:
    """A new page, with every console error, page error and request kept."""

    def __init__(self, context) -> None:
        self.page = context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def open(self, path: pathlib.Path):
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")
        return self.page

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("window.__csp")


@pytest.fixture
def browser_page(browser_context):
    page = Page(browser_context)
    yield page
    page.page.close()


ARTICLE = """<!doctype html><html><head><title>{title}</title>
<meta property="article:published_time" content="{date}">
</head><body><article><h1>Statement</h1><p>Published {date}.</p>
<p>{text}</p><p>{filler}</p></article></body></html>"""
FILLER = ("The ministry spokesperson answered questions from journalists about regional "
          "security, trade and the schedule of upcoming visits. ") * 6  # fmt: skip
PAGE_SCRIPT = "<script>window.__pwned = 1</script>"
PAGE_IMG = '<img src=x onerror="window.__pwned = 2">'
VERDICT_KINDS = ("verified", "rescued", "mismatch", "dead", "unresolved", "inconclusive",
                 "malformed")  # fmt: skip


def citecheck_bin() -> str:
    found = pathlib.Path(sys.executable).with_name("citecheck")
    return str(found) if found.exists() else (shutil.which("citecheck") or "citecheck")


@pytest.fixture(scope="module")
def audited(simweb_session, tmp_path_factory):
    """An HTML and a JSON report written by ``citecheck audit`` on a brief citing hostile pages."""
    web = simweb_session
    base = web.host("reportpub")

    def page(path: str, title: str, date: str, text: str, status: int = 200) -> None:
        body = ARTICLE.format(title=title, date=date, text=text, filler=FILLER)
        web.route("reportpub", path, status=status, body=body)

    page("/ok", "Partnership statement", "2018-05-14", "Officials said the partnership is strong.")
    page("/gone", "Not Found", "2018-04-02", "Nothing here.", status=404)
    page("/script", PAGE_SCRIPT, "2018-05-01", "A statement.")
    page("/img", PAGE_IMG, "2018-05-02", "Another statement.")
    tmp = tmp_path_factory.mktemp("audited")
    (tmp / "brief.txt").write_text(
        "4 June 2018\n\n"
        'Officials said "the partnership is strong" (Gov, May 14).\n\n'
        "An exercise was announced (Gov, April 2).\n\n"
        "The statement was posted online (Evil, May 1).\n\n"
        "A second statement followed <img src=x onerror=window.__pwned=3> (Evil, May 2).\n\n"
        "Scholars disagree (CPIFA, 2017). And a broken one (SIPRI\n",
        encoding="utf-8",
    )
    pins = [("Gov", "2018-05-14", "/ok"), ("Gov", "2018-04-02", "/gone"),
            ("Evil", "2018-05-01", "/script"), ("Evil", "2018-05-02", "/img")]  # fmt: skip
    (tmp / "citations.yaml").write_text(
        "pins:\n" + "".join(
            f"  - source: {source}\n    date: {date}\n    url: {base}{path}\n"
            + ("    title: Partnership statement on security cooperation\n"
               if source == "Evil" else "")
            for source, date, path in pins
        ),
        encoding="utf-8",
    )  # fmt: skip
    result = subprocess.run(
        [citecheck_bin(), "audit", "brief.txt", "--config", "citations.yaml", "--db", "h.db",
         "--no-archive", "--allow-private", "--timeout", "5", "--html", "report.html",
         "--json", "report.json"],
        cwd=tmp, capture_output=True, text=True, timeout=120,
        env={**os.environ, "NO_PROXY": "*", "no_proxy": "*"},
    )  # fmt: skip
    assert result.returncode == 1, result.stderr  # findings: a dead and two mismatched sources
    return {"html": tmp / "report.html", "json": json.loads((tmp / "report.json").read_text())}


def test_audited_report_loads_clean_and_filters_by_verdict(browser_page, audited):
    verdicts = [c["verdict"] for c in audited["json"]["citations"]]
    assert verdicts == ["verified", "dead", "mismatch", "mismatch", "unresolved", "malformed"]
    page = browser_page.open(audited["html"])
    assert page.locator("html.js").count() == 1, "the report's own script ran"
    assert visible_rows(page) == 6
    for verdict in sorted(set(verdicts)):
        page.select_option("#f-verdict", verdict)
        assert visible_rows(page) == verdicts.count(verdict), verdict
        assert page.locator("tbody.cite:visible").first.get_attribute("data-verdict") == verdict
    page.click("#f-reset")
    page.click(".card[data-verdict='mismatch']")
    assert visible_rows(page) == 2
    page.click("#f-reset")
    assert visible_rows(page) == 6
    assert browser_page.errors == []
    assert browser_page.csp_violations() == []
    assert all(url.startswith("file://") for url in browser_page.requests), browser_page.requests


def test_audited_hostile_titles_show_as_text_and_run_nothing(browser_page, audited):
    page = browser_page.open(audited["html"])
    page.click("#f-expand")  # every detail open: every payload is in the rendered DOM
    for title in (PAGE_SCRIPT, PAGE_IMG):
        assert page.get_by_text(title).first.is_visible(), title  # in the explanation
    assert page.get_by_text("<img src=x onerror=window.__pwned=3>").first.is_visible()
    assert page.locator("img").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert browser_page.errors == []
    assert browser_page.csp_violations() == []


@pytest.fixture(scope="module")
def world_audit(citecheck_world, tmp_path_factory):
    """``citecheck audit`` of the simulated world's brief: every verdict kind, real evidence."""
    from fixtures_world import PUBLISHED, TIMEOUT

    work = tmp_path_factory.mktemp("world-report")
    result = subprocess.run(
        [citecheck_bin(), "audit", str(citecheck_world.brief),
         "--config", str(citecheck_world.registry), "--published", PUBLISHED,
         "--db", str(work / "citecheck.db"), "--archive-dir", str(work / "archive"),
         "--archive-url", citecheck_world.archive.root, "--allow-private",
         "--timeout", str(TIMEOUT), "--html", str(work / "report.html"),
         "--json", str(work / "report.json")],
        cwd=work, capture_output=True, text=True, timeout=240,
        env={**os.environ, "NO_PROXY": "*", "no_proxy": "*"},
    )  # fmt: skip
    assert result.returncode == 1, result.stderr[-2000:]
    return {"html": work / "report.html", "json": json.loads((work / "report.json").read_text())}


def test_world_audit_report_every_verdict_in_the_browser(browser_page, world_audit):
    citations = world_audit["json"]["citations"]
    counts = {kind: sum(c["verdict"] == kind for c in citations) for kind in VERDICT_KINDS}
    assert all(counts.values()), counts  # the world produces every verdict
    page = browser_page.open(world_audit["html"])
    assert visible_rows(page) == len(citations)
    for kind, count in counts.items():
        page.click(f".card[data-verdict='{kind}']")
        assert visible_rows(page) == count, kind
        assert page.locator(".card[aria-pressed='true']").get_attribute("data-verdict") == kind
        page.click(f".card[data-verdict='{kind}']")  # again: filter off
        assert visible_rows(page) == len(citations)
    page.click("#f-expand")
    assert page.locator("tr.detail:visible").count() == len(citations)
    snapshots = page.locator("tr.detail a[href*='/web/']")
    assert snapshots.count() >= 1  # replay links of the local pywb
    assert page.locator("a[href]:not([href^='http://']):not([href^='https://'])").count() == 0
    assert browser_page.errors == []
    assert browser_page.csp_violations() == []


@pytest.fixture
def report_file(tmp_path) -> pathlib.Path:
    """The hostile report (the example brief's verdicts plus one injection attempt)."""
    path = tmp_path / "report.html"
    path.write_text(render_html(build_hostile_report()), encoding="utf-8")
    return path


def visible_rows(page) -> int:
    return page.locator("tbody.cite:visible").count()


def test_report_loads_clean_and_filters_by_verdict(browser_page, report_file):
    page = browser_page.open(report_file)
    assert page.title().startswith("citecheck report")
    assert page.locator("html.js").count() == 1, "the report's own script ran"
    assert visible_rows(page) == 20
    assert page.locator("#shown-count").inner_text() == "20"

    page.select_option("#f-verdict", "dead")
    assert visible_rows(page) == 1
    assert page.locator("tbody.cite:visible td.source").inner_text() == "Russian MOD"

    page.select_option("#f-verdict", "mismatch")
    assert visible_rows(page) == 3
    assert page.locator("#shown-count").inner_text() == "3"

    page.click("#f-reset")
    page.click(".card[data-verdict='rescued']")
    assert visible_rows(page) == 3
    assert page.locator(".card[data-verdict='rescued']").get_attribute("aria-pressed") == "true"
    page.click(".card[data-verdict='rescued']")
    assert visible_rows(page) == 20

    page.select_option("#f-source", "Russian MOD")
    assert visible_rows(page) == 4
    page.fill("#f-search", "removed   FROM the live")
    assert visible_rows(page) == 1
    page.fill("#f-search", "no such words anywhere")
    assert visible_rows(page) == 0
    assert page.locator("#no-match").is_visible()

    page.click("#f-reset")
    page.click("th[data-sort='verdict'] button")
    assert page.locator("tbody.cite").first.get_attribute("data-verdict") == "dead"
    page.click("th[data-sort='verdict'] button")
    assert page.locator("tbody.cite").first.get_attribute("data-verdict") == "verified"

    assert browser_page.errors == []
    assert browser_page.csp_violations() == []
    assert all(url.startswith("file://") for url in browser_page.requests), browser_page.requests


def test_details_show_evidence(browser_page, report_file):
    page = browser_page.open(report_file)
    xinhua = page.locator("tbody.cite", has=page.locator("td.source", has_text="Xinhua"))
    detail = xinhua.locator("tr.detail")
    assert not detail.is_visible()
    xinhua.locator("button.toggle").click()
    assert detail.is_visible()
    text = detail.inner_text()
    assert "comprehensive strategic partnership of coordination" in text
    assert "2017-07-27 03:15:42 UTC" in text
    assert "The page is gone: the server answered 404 Not Found." in text
    assert "archive/run-20261128T211400Z-00000.warc.gz#60129" in text
    snapshot = detail.locator("a", has_text="web.archive.org/web/20170727031542id_/")
    assert snapshot.get_attribute("href").startswith("https://web.archive.org/web/2017072703")
    assert snapshot.get_attribute("rel") == "noopener noreferrer nofollow"
    assert browser_page.errors == []
    assert browser_page.csp_violations() == []


def test_hostile_page_title_shows_as_text_and_runs_nothing(browser_page, report_file):
    page = browser_page.open(report_file)
    evil = page.locator("tbody.cite[data-verdict='mismatch']", has_text="Evil")
    evil.locator("button.toggle").click()
    detail = evil.locator("tr.detail")
    # The fetched page titles read as the text they are...
    assert detail.get_by_text(SCRIPT_PAYLOAD, exact=True).first.is_visible()
    assert detail.get_by_text(IMG_PAYLOAD, exact=True).first.is_visible()
    assert page.locator("img").count() == 0
    # ...javascript: URLs are shown but never linked; clicking them does nothing.
    unlinked = detail.locator("span.nolink", has_text="javascript:window.__pwned=3")
    assert unlinked.count() >= 1
    unlinked.first.click()
    assert page.locator("a[href^='javascript']").count() == 0
    page.click("#f-expand")  # every detail open: every payload in the DOM rendered
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert browser_page.errors == []
    assert browser_page.csp_violations() == []


def test_csp_blocks_markup_that_escaping_missed(browser_page, report_file, tmp_path):
    """Defence in depth: if a renderer ever forgot to escape, the CSP still stops it."""
    html = report_file.read_text(encoding="utf-8")
    injected = html.replace(
        "</main>",
        f"{SCRIPT_PAYLOAD}{IMG_PAYLOAD}<a id='js' href='javascript:window.__pwned=9'>x</a></main>",
    )
    path = tmp_path / "injected.html"
    path.write_text(injected, encoding="utf-8")
    page = browser_page.open(path)
    page.click("#js")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    violations = browser_page.csp_violations()
    assert any(v.startswith("script-src") for v in violations), violations
    assert page.locator("html.js").count() == 1, "the report's own hashed script still runs"


def test_without_javascript_every_detail_is_readable(playwright, report_file, tmp_path):
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile-nojs"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        offline=True,
        java_script_enabled=False,
    )
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(report_file.as_uri())
        assert page.locator("html.js").count() == 0
        assert page.locator("tr.detail:visible").count() == 20
        assert not page.locator("#f-search").is_visible()
        assert page.get_by_text(SCRIPT_PAYLOAD, exact=True).first.is_visible()
        assert errors == []
    finally:
        context.close()


def test_large_report_shows_a_page_then_all(browser_page, tmp_path):
    verdicts = build_hostile_report().verdicts * 3  # 60 rows, 25 to a page
    report = RunReport.from_verdicts(verdicts, run_id="big", started_at="2026-11-28T21:00:00Z")
    path = tmp_path / "big.html"
    path.write_text(render_html(report, page_size=25), encoding="utf-8")
    page = browser_page.open(path)
    assert visible_rows(page) == 25
    assert page.locator("#shown-count").inner_text() == "25"
    assert page.locator("#match-count").inner_text() == "60"
    page.select_option("#f-verdict", "verified")  # 21 match: all fit on a page
    assert visible_rows(page) == 21
    assert not page.locator("#more").is_visible()
    page.select_option("#f-verdict", "")
    page.click("#f-more")
    assert visible_rows(page) == 60
    assert not page.locator("#more").is_visible()
    page.click("th[data-sort='source'] button")
    assert visible_rows(page) == 60
    assert browser_page.errors == []
    assert browser_page.csp_violations() == []


def test_date_ranges_sort_by_their_start_and_locators_read_as_text(browser_page, tmp_path):
    def verdict(n: int, written: str, start: str, end: str | None, locator: str | None):
        citation = Citation(
            id=f"L{n}C1", source=f"S{n}", raw=f"S{n}, {written}", line=n, column=1,
            document="b.txt", date_as_written=written, date=start, date_end=end,
            date_precision=DatePrecision.DAY, locator=locator,
        )  # fmt: skip
        return Verdict(citation, VerdictKind.DEAD, ("http-404",))

    report = RunReport.from_verdicts(
        [verdict(1, "June 1", "2018-06-01", None, None),
         verdict(2, "May 31", "2018-05-31", None, None),
         verdict(3, "May 30–June 2", "2018-05-30", "2018-06-02", "p. <b>5</b>")],
        run_id="ranges", started_at="2026-11-28T21:00:00Z",
    )  # fmt: skip
    path = tmp_path / "ranges.html"
    path.write_text(render_html(report), encoding="utf-8")
    page = browser_page.open(path)
    page.click("th[data-sort='date'] button")
    assert page.locator("tbody.cite td.source").all_inner_texts() == ["S3", "S2", "S1"]
    ranged = page.locator("tbody.cite", has=page.locator("td.source", has_text="S3"))
    assert ranged.locator("td.date").inner_text() == "May 30–June 2 p. <b>5</b>"
    ranged.locator("button.toggle").click()
    detail = ranged.locator("tr.detail").inner_text()
    assert "Locator: p. <b>5</b>" in detail
    assert "May 30–June 2 → 2018-05-30 – 2018-06-02 (day)" in detail
    assert page.locator("b").count() == 0
    page.fill("#f-search", "<b>5")
    assert visible_rows(page) == 1
    assert browser_page.errors == []
    assert browser_page.csp_violations() == []
