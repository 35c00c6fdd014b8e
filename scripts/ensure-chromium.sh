#!/usr/bin/env bash
# Make sure Debian's headless-capable Chromium is at /usr/bin/chromium.
# The browser tests (tests/test_report_browser.py) and scripts/screenshot_report.py
# drive it through Playwright's Python API with executable_path=/usr/bin/chromium;
# Playwright's own browser downloads are never used.
set -euo pipefail

CHROMIUM=${CITECHECK_CHROMIUM:-/usr/bin/chromium}

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-chromium: $CHROMIUM is missing and we are not root;" \
         "install it with: sudo apt-get install -y chromium (the browser tests will fail)" >&2
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available" \
         "(the browser tests will fail)" >&2
    exit 0
fi

echo "ensure-chromium: installing Debian's chromium package" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
"$CHROMIUM" --version >&2
