"""citecheck.fix: the plan per verdict, and the editors for HTML, Markdown and text.

Every document here is realistic and messy (comments, scripts, cookie banners,
related-story rails, code fences, CRLF line ends); every test checks that the
bytes outside the rewritten links are exactly the original ones, and that a
fixed document fixes to itself.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from citecheck.errors import InputError
from citecheck.extract import extract_citations, read_document
from citecheck.fix import AuditRecord, Status, fix_document
from citecheck.fix.plan import Action, plan
from citecheck.models import Citation, Snapshot, Verdict, VerdictKind

ARCH = "http://127.0.0.1:9/web"


def snap(url: str, ts: str) -> Snapshot:
    return Snapshot(url=url, archive_url=f"{ARCH}/{ts}/{url}", timestamp=ts)


def cite(**kw: object) -> Citation:
    base: dict[str, object] = dict(id="L1C1", source="TASS", raw="TASS, April 3", line=1,
                                   column=1, date="2018-04-03", url="https://tass.com/a")
    base.update(kw)
    return Citation(**base)  # type: ignore[arg-type]


S = snap("https://tass.com/a", "20180404101010")


@pytest.mark.parametrize(("verdict", "snapshot", "support", "action", "reason"), [
    (VerdictKind.VERIFIED, S, None, Action.ROBUST, "robust-link"),
    (VerdictKind.VERIFIED, None, None, Action.ROBUST, "no-snapshot"),
    (VerdictKind.VERIFIED, S, {"label": "not-supported", "copy": "snapshot"}, Action.ROBUST,
     "no-snapshot"),
    (VerdictKind.VERIFIED, S, {"label": "not-supported", "copy": "live"}, Action.ROBUST,
     "robust-link"),
    (VerdictKind.RESCUED, S, None, Action.SNAPSHOT, "snapshot-link"),
    (VerdictKind.RESCUED, S, {"label": "supported", "copy": "snapshot"}, Action.SNAPSHOT,
     "snapshot-link"),
    (VerdictKind.RESCUED, S, {"label": "not-supported", "copy": "snapshot"}, Action.LEAVE,
     "no-supporting-snapshot"),
    (VerdictKind.RESCUED, None, None, Action.LEAVE, "no-supporting-snapshot"),
    (VerdictKind.DEAD, S, None, Action.LEAVE, "no-supporting-snapshot"),
    (VerdictKind.DEAD, S, {"label": "supported", "copy": "snapshot"}, Action.SNAPSHOT,
     "snapshot-link"),
    (VerdictKind.DEAD, None, None, Action.LEAVE, "no-supporting-snapshot"),
    (VerdictKind.MISMATCH, S, None, Action.LEAVE, "mismatch"),
    (VerdictKind.UNRESOLVED, None, None, Action.LEAVE, "no-url"),
    (VerdictKind.INCONCLUSIVE, S, None, Action.LEAVE, "inconclusive"),
    (VerdictKind.MALFORMED, None, None, Action.LEAVE, "malformed"),
])
def test_plan_table(verdict, snapshot, support, action, reason):
    url = None if verdict is VerdictKind.UNRESOLVED else "https://tass.com/a"
    fix = plan(Verdict(cite(url=url), verdict, snapshot=snapshot), support)
    assert (fix.action, fix.reason) == (action, reason)
    attrs = dict(fix.attributes)
    if action is Action.ROBUST:
        assert fix.href == "https://tass.com/a"
        assert attrs["data-versiondate"] == "2018-04-03"
        assert ("data-versionurl" in attrs) == (reason == "robust-link")
    elif action is Action.SNAPSHOT:
        assert fix.href == S.archive_url
        assert attrs == {"data-originalurl": "https://tass.com/a",
                         "data-versiondate": "2018-04-03"}
    else:
        assert attrs == {}


def test_plan_date_falls_back_to_the_corrected_date_then_the_snapshot_day():
    v = Verdict(cite(date=None), VerdictKind.VERIFIED, snapshot=S)
    assert plan(v).version_date == "2018-04-04"
    v = Verdict(cite(), VerdictKind.VERIFIED, snapshot=S, corrected_date="2017-04-03")
    assert plan(v).version_date == "2017-04-03"


def test_plan_unlinked_citation_uses_the_resolved_url():
    v = Verdict(cite(url=None), VerdictKind.VERIFIED, snapshot=S, urls=("https://tass.com/p",))
    fix = plan(v)
    assert fix.href == "https://tass.com/p" and fix.action is Action.ROBUST


# ------------------------------------------------------------------ documents

HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ties &amp; tensions</title>
<script>var tpl = '<a href="https://xinhua.example/a">';</script>
<style>a[href^="https://xinhua.example/a"] { color: red }</style></head>
<body>
<div id="cookie-banner">We use cookies. <a href="/privacy">Learn more</a> <button>OK</button></div>
<header><nav><a href="/">Home</a> | <a href="/briefs">Briefs</a></nav></header>
<!-- draft: (<a href="https://xinhua.example/a">Xinhua, July 26 2017</a>) -->
<article>
<p class="byline">By A. Analyst &mdash; 4 June 2018</p>
<p>The two countries agreed on a \u201cpartnership\u201d (<a class='src' href='https://xinhua.example/a'
   target=_blank>Xinhua, July 26 2017</a>).
Arms sales resumed after 2014 (<a href=https://usni.example/b>USNI, March 20 2017</a>;
Russian MOD, April 3 2018; <a href="https://csis.example/c"/>CSIS, May 25</a>).</p>
<p>Exercises now focus on missile defense (<A HREF="https://cpifa.example/d">CPIFA, 2017</A>).</p>
</article>
<aside class="related"><h2>Related stories</h2>
<ul><li><a href="https://xinhua.example/a">Xinhua on the partnership</a></li></ul></aside>
</body></html>
"""


def _records(path: Path, kinds: dict[str, tuple[VerdictKind, Snapshot | None]],
             urls: dict[str, str] | None = None) -> list[AuditRecord]:
    doc = read_document(str(path))
    out = []
    for c in extract_citations(doc):
        kind, snapshot = kinds[c.source]
        resolved = c.url or (urls or {}).get(c.source)
        out.append(AuditRecord(Verdict(c, kind, snapshot=snapshot,
                                       urls=(resolved,) if resolved else ())))
    return out


KINDS = {
    "Xinhua": (VerdictKind.VERIFIED, snap("https://xinhua.example/a", "20170727000000")),
    "USNI": (VerdictKind.RESCUED, snap("https://usni.example/b", "20170321000000")),
    "Russian MOD": (VerdictKind.VERIFIED, snap("https://mil.example/e", "20180404000000")),
    "CSIS": (VerdictKind.DEAD, None),
    "CPIFA": (VerdictKind.MISMATCH, None),
}


def _undo_html(fixed: str) -> str:
    """The fixed HTML with the Robust Links additions taken out again."""
    text = re.sub(r'<a href="([^"]*)" data-versionurl="[^"]*" data-versiondate="[^"]*">'
                  r"(Russian MOD)</a>", r"\2", fixed)
    text = re.sub(r' data-versionurl="[^"]*"', "", text)
    text = re.sub(r' data-versiondate="[^"]*"', "", text)

    return re.sub(r"""(href=)['"]?http://127\.0\.0\.1:9/web/\d{14}/([^'"\s>]*)['"]?"""
                  r"""( data-originalurl="[^"]*")""", lambda m: m.group(1) + m.group(2), text)


def test_html_fix_rewrites_only_the_citation_links(tmp_path):
    path = tmp_path / "brief.html"
    path.write_bytes(HTML.encode("utf-8"))
    result = fix_document(str(path), path.read_bytes(), "html",
                          _records(path, KINDS, {"Russian MOD": "https://mil.example/e"}))
    fixed = result.fixed.decode("utf-8")
    # verified: same href, both Robust Links attributes, on the cited link only
    assert ("<a class='src' href='https://xinhua.example/a'\n   target=_blank"
            ' data-versionurl="http://127.0.0.1:9/web/20170727000000/https://xinhua.example/a"'
            ' data-versiondate="2017-07-26">Xinhua, July 26 2017</a>') in fixed
    # rescued: the href is the snapshot, the original kept (an unquoted value gets quotes)
    assert ('<a href="http://127.0.0.1:9/web/20170321000000/https://usni.example/b"'
            ' data-originalurl="https://usni.example/b" data-versiondate="2017-03-20">'
            "USNI, March 20 2017</a>") in fixed
    # unlinked: the source label is linked
    assert ('<a href="https://mil.example/e" data-versionurl="http://127.0.0.1:9/web/'
            '20180404000000/https://mil.example/e" data-versiondate="2018-04-03">Russian MOD</a>'
            ", April 3 2018;") in fixed
    # the related-story rail, the comment, the script and the style are untouched
    assert fixed.count('<a href="https://xinhua.example/a">') == 3
    assert "var tpl = '<a href=\"https://xinhua.example/a\">';" in fixed
    # nothing else changed: taking the additions out gives the original bytes
    assert _undo_html(fixed).replace(
        'href="https://usni.example/b"', "href=https://usni.example/b") == HTML
    statuses = {o.fix.citation.source: o.status for o in result.outcomes}
    assert statuses == {"Xinhua": Status.CHANGED, "USNI": Status.CHANGED,
                        "Russian MOD": Status.CHANGED, "CSIS": Status.UNCHANGED,
                        "CPIFA": Status.UNCHANGED}
    # idempotent: the stale audit applied to the fixed file changes nothing
    path.write_bytes(result.fixed)
    again = fix_document(str(path), result.fixed, "html", _records(
        tmp_path / "brief.html", KINDS, {"Russian MOD": "https://mil.example/e"}))
    assert again.fixed == result.fixed
    assert again.count(Status.CHANGED) == 0 and again.count(Status.ALREADY) == 3


def test_html_fix_reads_back_with_the_extractor(tmp_path):
    path = tmp_path / "brief.html"
    path.write_bytes(HTML.encode("utf-8"))
    result = fix_document(str(path), path.read_bytes(), "html",
                          _records(path, KINDS, {"Russian MOD": "https://mil.example/e"}))
    before = extract_citations(read_document(str(path)))
    path.write_bytes(result.fixed)
    after = extract_citations(read_document(str(path)))
    assert [(c.source, c.raw, c.line, c.column) for c in after] == \
        [(c.source, c.raw, c.line, c.column) for c in before]
    got = {c.source: c for c in after}
    assert got["Russian MOD"].url == "https://mil.example/e"
    # Robust Links read back: the URL cited, and the snapshot as the version
    assert got["USNI"].url == "https://usni.example/b"
    assert got["USNI"].version_url == "http://127.0.0.1:9/web/20170321000000/https://usni.example/b"
    assert got["Xinhua"].version_url == \
        "http://127.0.0.1:9/web/20170727000000/https://xinhua.example/a"
    assert got["Xinhua"].version_date == "2017-07-26"


MD = """---
title: Ties
published: 2018-06-04
---
# Chinese-Russian ties

> Cookie notice: this site uses cookies. [Privacy](https://brief.example/privacy)

The two countries agreed ([*Xinhua*, July 26 2017](https://xinhua.example/a "Xinhua")).
Arms sales resumed ([USNI, March 20 2017][usni]; Russian MOD, April 3 2018).
Missiles ([CSIS, May 25](https://csis.example/c); [CPIFA, 2017](https://cpifa.example/d)).

```html
<a href="https://xinhua.example/a">([Xinhua, July 26 2017](https://xinhua.example/a))</a>
```

Related: [more from Xinhua](https://xinhua.example/a).

[usni]: https://usni.example/b "USNI News"
"""


def test_markdown_fix_rewrites_only_the_citation_links(tmp_path):
    path = tmp_path / "brief.md"
    path.write_bytes(MD.encode("utf-8"))
    records = _records(path, {**KINDS, "*Xinhua*": KINDS["Xinhua"]},
                       {"Russian MOD": "https://mil.example/e"})
    result = fix_document(str(path), path.read_bytes(), "markdown", records)
    fixed = result.fixed.decode("utf-8")
    expected = MD.replace(
        '(https://xinhua.example/a "Xinhua"))',
        '(https://xinhua.example/a "Xinhua"){data-versionurl="http://127.0.0.1:9/web/'
        '20170727000000/https://xinhua.example/a" data-versiondate="2017-07-26"})',
    ).replace(
        "; Russian MOD, April 3", "; [Russian MOD][citecheck-L10C42], April 3",
    ).replace(
        '[usni]: https://usni.example/b "USNI News"',
        '[usni]: http://127.0.0.1:9/web/20170321000000/https://usni.example/b "USNI News"'
        ' {data-originalurl="https://usni.example/b" data-versiondate="2017-03-20"}',
    ) + ("\n[citecheck-L10C42]: https://mil.example/e {data-versionurl=\"http://127.0.0.1:9/"
         'web/20180404000000/https://mil.example/e" data-versiondate="2018-04-03"}\n')
    assert fixed == expected
    # the extractor reads the same citations back, now with their links
    path.write_bytes(result.fixed)
    after = {c.source: c for c in extract_citations(read_document(str(path)))}
    assert after["Russian MOD"].url == "https://mil.example/e"
    assert after["Xinhua"].raw == "Xinhua, July 26 2017" and not after["Xinhua"].malformed
    # the attribute blocks are read as Robust Links: the URL cited and its snapshot
    assert after["Xinhua"].url == "https://xinhua.example/a"
    assert after["Xinhua"].version_url == \
        "http://127.0.0.1:9/web/20170727000000/https://xinhua.example/a"
    assert (after["USNI"].url, after["USNI"].version_date) == ("https://usni.example/b",
                                                               "2017-03-20")
    assert after["USNI"].version_url == \
        "http://127.0.0.1:9/web/20170321000000/https://usni.example/b"
    again = fix_document(str(path), result.fixed, "markdown", records)
    assert again.fixed == result.fixed and again.count(Status.CHANGED) == 0


def test_text_fix_appends_a_sources_list_and_keeps_crlf(tmp_path):
    text = ("4 June 2018\r\n\r\nThe two countries agreed (Xinhua, July 26 2017).\r\n"
            "Arms sales resumed (USNI, March 20 2017; CPIFA, 2017).")
    path = tmp_path / "brief.txt"
    path.write_bytes(text.encode("cp1252"))
    records = _records(path, KINDS, {"Xinhua": "https://xinhua.example/a",
                                     "USNI": "https://usni.example/b",
                                     "CPIFA": "https://cpifa.example/d"})
    result = fix_document(str(path), path.read_bytes(), "text", records)
    assert result.fixed.startswith(text.encode("cp1252"))
    assert result.fixed[len(text):] == (
        b"\r\n\r\nSources (links checked by citecheck)\r\n\r\n"
        b"- Xinhua, July 26 2017: https://xinhua.example/a\r\n"
        b"  archived copy (cited 2017-07-26): "
        b"http://127.0.0.1:9/web/20170727000000/https://xinhua.example/a\r\n"
        b"- USNI, March 20 2017: https://usni.example/b\r\n"
        b"  archived copy (cited 2017-03-20): "
        b"http://127.0.0.1:9/web/20170321000000/https://usni.example/b\r\n")
    # the list adds no citation, and fixing again adds nothing
    path.write_bytes(result.fixed)
    assert len(extract_citations(read_document(str(path)))) == 3
    again = fix_document(str(path), result.fixed, "text", records)
    assert again.fixed == result.fixed and again.count(Status.ALREADY) == 2


def test_diff_shows_only_the_changed_lines(tmp_path):
    path = tmp_path / "brief.html"
    path.write_bytes(HTML.encode("utf-8"))
    result = fix_document(str(path), path.read_bytes(), "html",
                          _records(path, KINDS, {"Russian MOD": "https://mil.example/e"}))
    diff = result.diff("fixed.html")
    removed = [ln for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    assert len(removed) == 3
    assert all(any(c in ln for c in ("Xinhua", "USNI", "Russian MOD")) for ln in removed)
    assert diff.startswith(f"--- {path}\n+++ fixed.html\n")


def test_a_link_not_in_the_document_is_reported_not_found(tmp_path):
    path = tmp_path / "brief.html"
    path.write_bytes(b"<html><body><p>Text (<a href='https://a.example/'>A, 2017</a>).</p>"
                     b"</body></html>")
    v = Verdict(cite(url="https://elsewhere.example/"), VerdictKind.VERIFIED, snapshot=S)
    result = fix_document(str(path), path.read_bytes(), "html", [AuditRecord(v)])
    assert not result.changed and result.outcomes[0].status is Status.NOT_FOUND


def test_a_kind_that_cannot_be_fixed_is_an_input_error():
    with pytest.raises(InputError, match="cannot fix a pdf document"):
        fix_document("x.pdf", b"%PDF-1.4", "pdf", [])


def test_a_binary_file_is_refused_not_appended_to(tmp_path):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document>(MOFA, May 14)</w:document>")
    with pytest.raises(InputError, match="not a text document"):
        fix_document("brief.docx", buf.getvalue(), "text", [])


def test_markdown_bare_urls_footnotes_and_inline_html_links(tmp_path):
    md = ("4 June 2018\n\n"
          "China said so.[^1] Russia agreed (https://kremlin.example/a, April 2 2018).\n"
          'Also (<a href="https://tass.example/b">TASS, April 3 2018</a>); code: '
          '`<a href="https://tass.example/b">x</a> https://kremlin.example/a`.\n\n'
          "[^1]: MOFA, May 14 2018, https://mofa.example/x\n")
    path = tmp_path / "notes.md"
    path.write_text(md, encoding="utf-8")
    kinds = {
        "MOFA": (VerdictKind.RESCUED, snap("https://mofa.example/x", "20180515000000")),
        "https://kremlin.example/a": (VerdictKind.VERIFIED,
                                      snap("https://kremlin.example/a", "20180403000000")),
        "TASS": (VerdictKind.RESCUED, snap("https://tass.example/b", "20180404000000")),
    }
    records = _records(path, kinds)
    assert len(records) == 3
    result = fix_document(str(path), path.read_bytes(), "markdown", records)
    fixed = result.fixed.decode("utf-8")
    assert fixed == md.replace(
        "(https://kremlin.example/a, April",
        "([https://kremlin.example/a](https://kremlin.example/a){data-versionurl=\"http://"
        "127.0.0.1:9/web/20180403000000/https://kremlin.example/a\" data-versiondate="
        "\"2018-04-02\"}, April",
    ).replace(
        '(<a href="https://tass.example/b">',
        '(<a href="http://127.0.0.1:9/web/20180404000000/https://tass.example/b" '
        'data-originalurl="https://tass.example/b" data-versiondate="2018-04-03">',
    ).replace(
        "2018, https://mofa.example/x\n",
        "2018, [https://mofa.example/x](http://127.0.0.1:9/web/20180515000000/https://"
        'mofa.example/x){data-originalurl="https://mofa.example/x" data-versiondate='
        '"2018-05-14"}\n',
    )  # the code span is untouched
    path.write_bytes(result.fixed)
    after = {c.source: c for c in extract_citations(read_document(str(path)))}
    assert after["TASS"].url == "https://tass.example/b"
    assert after["MOFA"].url == "https://mofa.example/x"
    again = fix_document(str(path), result.fixed, "markdown", records)
    assert again.fixed == result.fixed and again.count(Status.ALREADY) == 3


def test_html_url_written_out_as_the_source_is_linked(tmp_path):
    html = ("<html><body><p>4 June 2018</p><p>Russia agreed "
            "(https://kremlin.example/a, April 2 2018).</p></body></html>\n")
    path = tmp_path / "u.html"
    path.write_text(html, encoding="utf-8")
    records = _records(path, {"https://kremlin.example/a": (
        VerdictKind.VERIFIED, snap("https://kremlin.example/a", "20180403000000"))})
    result = fix_document(str(path), path.read_bytes(), "html", records)
    assert result.fixed.decode() == html.replace(
        "(https://kremlin.example/a,",
        '(<a href="https://kremlin.example/a" data-versionurl="http://127.0.0.1:9/web/'
        '20180403000000/https://kremlin.example/a" data-versiondate="2018-04-02">'
        "https://kremlin.example/a</a>,")
    path.write_bytes(result.fixed)
    again = fix_document(str(path), result.fixed, "html", records)
    assert again.fixed == result.fixed and again.count(Status.ALREADY) == 1


def test_plan_reads_the_verdicts_own_support():
    from citecheck.models import Support

    against = Verdict(cite(), VerdictKind.RESCUED, snapshot=S,
                      support=Support(score=0.1, label="not-supported", copy="snapshot"))
    assert plan(against).action is Action.LEAVE
    backed = Verdict(cite(), VerdictKind.DEAD, snapshot=S,
                     support=Support(score=0.9, label="supported", copy="snapshot"))
    assert plan(backed).action is Action.SNAPSHOT


def test_docx_rescued_link_points_at_its_snapshot_and_nothing_else_changes(tmp_path):
    import io
    import zipfile

    from officegen import to_docx

    data = to_docx([
        [("The two countries agreed (", None), ("Xinhua, July 26 2017", "https://xinhua.example/a"),
         (").", None)],
        [("Arms sales resumed (", None), ("USNI, March 20 2017", "https://usni.example/b"),
         ("; CPIFA, 2017).", None)],
    ], "2018-06-04")
    path = tmp_path / "brief.docx"
    path.write_bytes(data)
    kinds = {**KINDS, "CPIFA": (VerdictKind.UNRESOLVED, None)}
    records = _records(path, kinds)
    result = fix_document(str(path), data, "docx", records)
    statuses = {o.fix.citation.source: (o.status, o.note) for o in result.outcomes}
    assert statuses["USNI"][0] is Status.CHANGED
    assert statuses["Xinhua"] == (Status.UNCHANGED, "verified: a .docx link has no place for "
                                                    "Robust Links attributes")
    before, after = zipfile.ZipFile(io.BytesIO(data)), zipfile.ZipFile(io.BytesIO(result.fixed))
    assert [i.filename for i in before.infolist()] == [i.filename for i in after.infolist()]
    changed = [i.filename for i in before.infolist()
               if before.read(i) != after.read(i.filename)]
    assert changed == ["word/_rels/document.xml.rels"]
    rels_before = before.read("word/_rels/document.xml.rels")
    rels_after = after.read("word/_rels/document.xml.rels")
    snapshot = b"http://127.0.0.1:9/web/20170321000000/https://usni.example/b"
    assert rels_after == rels_before.replace(b'Target="https://usni.example/b"',
                                             b'Target="' + snapshot + b'"')
    path.write_bytes(result.fixed)
    after_urls = {c.source: c.url for c in extract_citations(read_document(str(path)))}
    assert after_urls["USNI"] == snapshot.decode()
    assert after_urls["Xinhua"] == "https://xinhua.example/a"
    assert "+" in result.diff() and "usni.example/b" in result.diff()
    again = fix_document(str(path), result.fixed, "docx", records)
    assert again.fixed == result.fixed and again.count(Status.ALREADY) == 1
