"""End to end: ``citecheck audit`` a brief in the simulated world, then ``citecheck fix``.

The world's brief (tests/fixtures_world.py) is audited as Markdown, as a messy
HTML page (cookie banner, navigation, a comment, a related-stories rail that
links a cited URL again) and as plain text, against the publishers on loopback
and a real pywb. Then the installed ``citecheck fix`` rewrites each: every
verified link gains both Robust Links attributes, every rescued link points
at its snapshot with ``data-originalurl``, the rest of the file is the same
bytes, and fixing again changes nothing.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_world import PUBLISHED, TIMEOUT
from lxml import html as lhtml

pytestmark = pytest.mark.slow

_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def citecheck() -> str:
    exe = Path(sys.executable).parent / "citecheck"
    return str(exe) if exe.exists() else (shutil.which("citecheck") or "citecheck")


def run(work: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([citecheck(), *args], capture_output=True, text=True, timeout=timeout,
                          cwd=work, env={"PATH": str(Path(sys.executable).parent),
                                         "HOME": str(work), "NO_PROXY": "*"})


def html_brief(markdown: str) -> str:
    """The Markdown brief as a publisher's HTML page, boilerplate and all."""
    blocks = [b for b in markdown.split("\n\n") if b.strip()]
    body = []
    for block in blocks:
        if block.startswith("# "):
            body.append(f"<h1>{html.escape(block[2:])}</h1>")
            continue
        pieces, pos = [], 0
        for m in _MD_LINK.finditer(block):
            pieces.append(html.escape(block[pos:m.start()], quote=False))
            pieces.append(f'<a href="{html.escape(m[2])}">{html.escape(m[1], quote=False)}</a>')
            pos = m.end()
        pieces.append(html.escape(block[pos:], quote=False))
        body.append("<p>" + "".join(pieces) + "</p>")
    first_url = _MD_LINK.search(markdown)[2]  # type: ignore[index]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<title>Ties | Brief</title>\n<script>window.dataLayer = [];</script>\n</head>\n<body>\n"
        "<div class=\"cookie-banner\">We use cookies. <a href=\"/privacy\">Privacy</a></div>\n"
        "<nav><a href=\"/\">Home</a> &middot; <a href=\"/briefs\">Briefs</a></nav>\n"
        "<!-- reviewed by the editor; do not change the links below -->\n<article>\n"
        + "\n".join(body)
        + f"\n</article>\n<aside><h2>Related</h2><ul><li><a href=\"{html.escape(first_url)}\">"
        "The partnership, explained</a></li></ul></aside>\n</body>\n</html>\n"
    )


@pytest.fixture(scope="module")
def audited(citecheck_world, tmp_path_factory):
    work = tmp_path_factory.mktemp("fix")
    markdown = citecheck_world.brief.read_text(encoding="utf-8")
    (work / "brief.md").write_text(markdown, encoding="utf-8")
    (work / "brief.html").write_text(html_brief(markdown), encoding="utf-8")
    (work / "brief.txt").write_text(_MD_LINK.sub(r"\1", markdown.replace("# ", "", 1)),
                                    encoding="utf-8")
    proc = run(work, "audit", "brief.md", "brief.html", "brief.txt", "--config",
               str(citecheck_world.registry), "--published", PUBLISHED, "--db", "c.db",
               "--archive-url", citecheck_world.archive.root, "--allow-private",
               "--timeout", str(TIMEOUT), "--max-age", "0", "--json", "-", "-q")
    assert proc.returncode == 1, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    return work, data


def _verdicts(data, document):
    return [c for c in data["citations"] if c["document"] == document]


def test_fix_html_brief(audited):
    work, data = audited
    original = (work / "brief.html").read_bytes()
    proc = run(work, "fix", "brief.html", "--db", "c.db", "-o", "fixed.html")
    assert proc.returncode == 0, proc.stderr
    assert (work / "brief.html").read_bytes() == original  # never overwritten
    fixed = (work / "fixed.html").read_bytes()
    root = lhtml.fromstring(fixed)
    anchors = {" ".join(a.text_content().split()): a for a in root.iter("a")}
    verdicts = _verdicts(data, "brief.html")
    checked = {"verified": 0, "rescued": 0}
    for c in verdicts:
        if not c["url"] or c["verdict"] not in checked:
            continue
        a = anchors[c["raw"]]
        checked[c["verdict"]] += bool(c["snapshot"])
        if c["verdict"] == "verified":
            assert a.get("href") == c["url"]
            assert a.get("data-versiondate") == (c["corrected_date"] or c["date"])
            if c["snapshot"]:
                assert a.get("data-versionurl") == c["snapshot"]["archive_url"], c["raw"]
            else:  # no snapshot: said so (--archive-now makes one: test_fix_archive_now)
                assert a.get("data-versionurl") is None
                assert f"{c['raw']}: verified, but no snapshot" in proc.stderr
        else:
            assert a.get("href") == c["snapshot"]["archive_url"]
            assert a.get("data-originalurl") == c["url"]
    assert checked["verified"] >= 2 and checked["rescued"] == 3
    for c in verdicts:  # the others are untouched, and listed
        if c["verdict"] in ("mismatch", "inconclusive") and c["url"]:
            a = anchors[c["raw"]]
            assert a.get("href") == c["url"] and a.get("data-versionurl") is None
            assert c["raw"] in proc.stderr
    # byte for byte elsewhere: every line that changed holds a cited link
    before = original.decode().split("\n")
    after = fixed.decode().split("\n")
    assert len(before) == len(after)
    changed = [i for i, (x, y) in enumerate(zip(before, after, strict=True)) if x != y]
    assert changed and all(after[i].startswith("<p>") for i in changed)
    stripped = re.sub(r' data-(?:versionurl|versiondate)="[^"]*"', "", fixed.decode())
    stripped = re.sub(r'href="[^"]*" data-originalurl="([^"]*)"', r'href="\1"', stripped)
    stripped = re.sub(r'<a href="[^"]*">(Russian MOD)</a>', r"\1", stripped)
    assert stripped == original.decode()
    # the related rail's link to a cited URL is not a citation: untouched
    assert after[-5] == before[-5]
    # idempotent: fixing the fixed brief (with the same audit) changes nothing
    shutil.copy(work / "fixed.html", work / "brief.html")
    again = run(work, "fix", "brief.html", "--db", "c.db", "--in-place")
    assert again.returncode == 0, again.stderr
    assert (work / "brief.html").read_bytes() == fixed
    assert not re.search(r"\d+ changed", again.stderr), again.stderr
    assert "not-found" not in again.stderr and "not-found" not in proc.stderr, proc.stderr
    shutil.copy(work / "fixed.html", work / "brief.html")


def test_fix_markdown_brief_diff_and_idempotent(audited):
    work, data = audited
    original = (work / "brief.md").read_bytes()
    proc = run(work, "fix", "brief.md", "--db", "c.db", "--diff")
    assert proc.returncode == 0, proc.stderr
    assert (work / "brief.md").read_bytes() == original
    assert proc.stdout.startswith("--- brief.md\n+++ brief.md (fixed)\n")
    proc = run(work, "fix", "brief.md", "--db", "c.db", "-o", "fixed.md")
    fixed = (work / "fixed.md").read_text(encoding="utf-8")
    for c in _verdicts(data, "brief.md"):
        if c["url"] and c["verdict"] == "verified" and not c["snapshot"]:
            assert f"]({c['url']}){{data-versiondate=\"{c['corrected_date'] or c['date']}\"}}" \
                in fixed
        elif c["url"] and c["verdict"] == "verified":
            assert (f"]({c['url']}){{data-versionurl=\"{c['snapshot']['archive_url']}\" "
                    f"data-versiondate=\"{c['corrected_date'] or c['date']}\"}}") in fixed
        if c["url"] and c["verdict"] == "rescued":
            assert (f"]({c['snapshot']['archive_url']}){{data-originalurl=\"{c['url']}\"") \
                in fixed
    undo = re.sub(r"\{data-[^{}]*\}", "", fixed)
    for c in _verdicts(data, "brief.md"):
        if c["url"] and c["verdict"] == "rescued":
            undo = undo.replace(f"({c['snapshot']['archive_url']})", f"({c['url']})")
    body, _sep, defs = undo.partition("\n\n[citecheck-")
    body = re.sub(r"\[([^\]]+)\]\[citecheck-[^\]]+\]", r"\1", body)
    assert defs and body + "\n" == original.decode()  # the definitions come after a blank line
    # the extractor reads the fixed brief: same citations, none made malformed
    proc = run(work, "extract", "fixed.md", "--format", "json", "--published", PUBLISHED)
    got = json.loads(proc.stdout)["citations"]
    assert [(c["source"], c["date_as_written"], c["malformed"]) for c in got] == [
        (c["source"], c["date_as_written"], c["malformed"]) for c in _verdicts(data, "brief.md")]
    shutil.copy(work / "fixed.md", work / "brief.md")
    run(work, "fix", "brief.md", "--db", "c.db", "--in-place")
    assert (work / "brief.md").read_text(encoding="utf-8") == fixed


def test_fix_text_brief_appends_sources(audited):
    work, data = audited
    original = (work / "brief.txt").read_bytes()
    proc = run(work, "fix", "brief.txt", "--db", "c.db", "-o", "-")
    assert proc.returncode == 0, proc.stderr
    fixed = proc.stdout.encode()
    assert fixed.startswith(original) and b"Sources (links checked by citecheck)" in fixed
    tail = fixed[len(original):].decode()
    for c in _verdicts(data, "brief.txt"):
        if c["verdict"] == "verified":
            assert f"- {c['raw']}: {c['urls'][0]}" in tail
    (work / "fixed.txt").write_bytes(fixed)
    shutil.copy(work / "fixed.txt", work / "brief.txt")
    run(work, "fix", "brief.txt", "--db", "c.db", "--in-place")
    assert (work / "brief.txt").read_bytes() == fixed
