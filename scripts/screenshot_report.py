"""Take docs/img/report.png: a screenshot of an HTML report in headless Chromium.

Usage:
    .venv/bin/python scripts/screenshot_report.py [REPORT.html] [-o docs/img/report.png]

Without REPORT.html it renders the synthetic example report
(tests/fixtures_example.py, not part of the installed package). Uses
Debian's /usr/bin/chromium through Playwright's Python API (run
scripts/ensure-chromium.sh first); Playwright's own browser downloads are
never used.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", nargs="?", help="an HTML report (default: the synthetic example)")
    parser.add_argument("-o", "--output", default="docs/img/report.png")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1500)
    parser.add_argument(
        "--open",
        dest="open_source",
        default="TASS",
        help="open the details of the first finding from this source (default TASS)",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="citecheck-shot-") as tmp:
        if args.report:
            path = pathlib.Path(args.report).resolve()
        else:
            sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests"))
            from fixtures_example import example_report

            from citecheck.report import render_html

            path = pathlib.Path(tmp) / "report.html"
            path.write_text(render_html(example_report()), encoding="utf-8")
        out = pathlib.Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch_persistent_context(
                str(pathlib.Path(tmp) / "profile"),
                executable_path=CHROMIUM,
                args=CHROMIUM_ARGS,
                headless=True,
                viewport={"width": args.width, "height": args.height},
                device_scale_factor=1,
            )
            page = browser.new_page()
            page.goto(path.as_uri())
            page.click("th[data-sort=verdict] button")  # worst first
            findings = page.locator("tbody.cite:has(tr.main.sev-fail)").filter(
                has=page.locator("td.source", has_text=args.open_source)
            )
            if findings.count():
                findings.first.locator("button.toggle").click()
                findings.first.scroll_into_view_if_needed()
                page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(out), full_page=False)
            browser.close()
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
