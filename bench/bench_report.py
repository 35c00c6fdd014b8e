"""Renderer speed and size for a large audit, and how fast Chromium opens the HTML.

Usage:
    .venv/bin/python bench/bench_report.py [--briefs 200] [--browser]

Builds a report of BRIEFS copies of the example brief's 19 synthetic verdicts
(200 briefs: 3,800 citations), times each renderer, and with --browser loads
the HTML in headless Chromium (/usr/bin/chromium) and times the load, a
verdict filter, a search and a sort.
"""

from __future__ import annotations

import argparse
import dataclasses
import pathlib
import sys
import tempfile
import time
import tracemalloc

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests"))

from fixtures_example import example_verdicts  # noqa: E402  (tests/: not installed)

from citecheck.report import (  # noqa: E402
    RunReport,
    github_annotations,
    render_html,
    render_json,
    render_junit,
    render_markdown,
)

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def big_report(briefs: int) -> RunReport:
    verdicts = []
    for i in range(briefs):
        for verdict in example_verdicts():
            citation = dataclasses.replace(verdict.citation, document=f"briefs/brief-{i:03d}.txt")
            verdicts.append(dataclasses.replace(verdict, citation=citation))
    return RunReport.from_verdicts(verdicts, run_id="bench", started_at="2026-11-28T21:00:00Z")


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def browser(path: pathlib.Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile, executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        page = context.new_page()
        _, seconds = timed(lambda: page.goto(path.as_uri(), timeout=300_000))
        print(f"chromium load: {seconds:.2f} s")
        _, seconds = timed(page.select_option, "#f-verdict", "dead")
        print(f"chromium filter by verdict: {seconds:.2f} s")
        page.select_option("#f-verdict", "")
        _, seconds = timed(page.fill, "#f-search", "xinhua")
        print(f"chromium search: {seconds:.2f} s")
        _, seconds = timed(page.click, "th[data-sort=source] button")
        print(f"chromium sort: {seconds:.2f} s")
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=int, default=200)
    parser.add_argument("--browser", action="store_true")
    args = parser.parse_args(argv)

    report = big_report(args.briefs)
    print(f"{len(report.verdicts)} citations in {len(report.documents)} documents")
    html = ""
    for fn in (render_html, render_json, render_markdown, render_junit, github_annotations):
        out, seconds = timed(fn, report)
        size = len(out) if isinstance(out, str) else sum(len(line) for line in out)
        print(f"{fn.__name__}: {seconds:.2f} s, {size / 1e6:.1f} MB")
        if fn is render_html:
            html = out
    tracemalloc.start()
    render_html(report)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"render_html peak traced memory: {peak / 1e6:.0f} MB")
    if args.browser:
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp) / "report.html"
            path.write_text(html, encoding="utf-8")
            browser(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
