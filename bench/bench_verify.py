"""CPU cost of verification per citation on typical article pages.

Generates realistic news/ministry article pages (navigation, scripts, meta
tags, 5-20 KB of HTML), then runs :func:`citecheck.verify.verify_citation` on
each citation with a live body and a snapshot body in hand (no network): text
extraction of both copies (trafilatura, htmldate), publisher, date and quote
checks, drift. Every page is distinct, so the per-body memo never helps.

Usage::

    .venv/bin/python bench/bench_verify.py [--pages 200] [--seed 1] [--messy]

``--messy`` puts the related-stories rail, a share bar and a readers' comments
section inside ``<article>``, as many CMSs do; ``--no-article`` writes the
story in a ``<div>`` (trafilatura's full extractor); ``--extract-only`` times
the content extraction of the live bodies alone.

Target: < 20 ms CPU per citation on average.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from citecheck.models import (
    ArchiveLookup,
    Candidate,
    Citation,
    DatePrecision,
    LiveResult,
    LiveStatus,
    LookupStatus,
    Snapshot,
    SourceEntry,
)
from citecheck.verify import verify_citation

WORDS = (
    "ministry defence cooperation security military exercise minister talks agreement "
    "strategic partnership region missile forces joint statement delegation president "
    "official visit bilateral relations development economic trade sanctions treaty "
    "international law navy army air command staff training conference summit energy "
    "pipeline investment technology modernization border stability dialogue framework "
    "the of and to in a that for on with was as by at from said has have will its their"
).split()


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def comments(rng: random.Random, n: int) -> str:
    """A readers' comments section, as CMSs put it inside ``<article>``."""
    items = "".join(
        f"<li class='comment'><div class='comment-author'>reader{k}</div>"
        f"<div class='comment-content'><p>{sentence(rng, rng.randint(8, 30))}</p></div></li>"
        for k in range(n))
    return (f"<section id='comments' class='comments-area'><h3>{n} comments</h3>"
            f"<ol class='comment-list'>{items}</ol></section>")


def article(rng: random.Random, i: int, date: str, quote: str, size_kb: int,
            messy: bool = False) -> bytes:
    paragraphs = []
    while sum(len(p) for p in paragraphs) < size_kb * 1024 * 0.8:
        paragraphs.append(" ".join(sentence(rng, rng.randint(12, 28))
                                   for _ in range(rng.randint(2, 5))))
    quoted = f"The minister said it was \u201c{quote}\u201d."
    paragraphs.insert(rng.randint(0, len(paragraphs)), quoted)
    nav = "".join(f"<li><a href='/section/{k}'>Section {k}</a></li>" for k in range(25))
    related = "".join(f"<li><a href='/news/{i}-{k}'>{sentence(rng, 8)}</a></li>"
                      for k in range(8))
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    rail = f"<aside><h2>Related</h2><ul>{related}</ul></aside>"
    inside = ""
    if messy:  # the rail, a share bar and the readers' comments inside <article>
        inside = (f"<div class='related-stories'><ul>{related}</ul></div>"
                  "<div class='share-bar'><a href='#'>Share</a></div>"
                  f"{comments(rng, rng.randint(3, 12))}")
        rail = ""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Article {i} | Ministry</title>"
        f"<meta property='og:title' content='Article {i}'>"
        f"<meta property='article:published_time' content='{date}T08:00:00+03:00'>"
        "<script>window.dataLayer=[];function gtag(){dataLayer.push(arguments)}</script>"
        "<link rel='stylesheet' href='/static/site.css'></head><body>"
        f"<header><nav><ul>{nav}</ul></nav></header><main><article>"
        f"<h1>Article {i}</h1><div class='meta'>Published {date}</div>{body}{inside}</article>"
        f"{rail}</main>"
        "<footer><p>Copyright Ministry. All rights reserved.</p></footer>"
        "<script src='/static/app.js'></script></body></html>"
    ).encode()


def workload(pages: int, seed: int, messy: bool = False, no_article: bool = False) -> list[tuple]:
    rng = random.Random(seed)
    source = SourceEntry("MOD", domains=("mil.example",))
    items = []
    for i in range(pages):
        day = f"2017-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        quote = sentence(rng, 7).rstrip(".").lower()
        size = rng.randint(5, 20)
        live_body = article(rng, i, day, quote, size, messy)
        if no_article:  # trafilatura's full extractor, not the <article> shortcut
            live_body = live_body.replace(b"<article>", b"<div class='story'>").replace(
                b"</article>", b"</div>")
        snap_body = live_body.replace(b"Section 3", b"Section three")  # template change
        url = f"https://eng.mil.example/news/{i}"
        cit = Citation(id=f"L{i}C1", source="MOD", raw=f"MOD, {day}", line=i + 1, column=1,
                       source_key="MOD", date=day, date_precision=DatePrecision.DAY,
                       quotes=(quote,), url=url)
        live = LiveResult(url=url, status=LiveStatus.OK, status_code=200, final_url=url,
                          content_type="text/html", body=live_body)
        snap = Snapshot(url=url, archive_url=f"https://web.archive.org/web/20170101id_/{url}",
                        timestamp="20170101000000", status_code=200, mimetype="text/html",
                        body=snap_body)
        lookup = ArchiveLookup(url=url, status=LookupStatus.FOUND, snapshot=snap)
        items.append((cit, source, [Candidate(url, "hyperlink", 1.0)], live, lookup,
                      len(live_body)))
    return items


def extract_only(items: list[tuple]) -> None:
    """CPU per page of :func:`citecheck.content.extract_content` (memo cleared)."""
    from citecheck import content

    for it in workload(3, 1000):
        content.extract_content(it[3].body, "text/html", it[3].url)
    content._CACHE.clear()
    start = time.process_time()
    for it in items:
        content.extract_content(it[3].body, "text/html", it[3].url)
    print(f"extraction CPU per page: {(time.process_time() - start) / len(items) * 1000:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--messy", action="store_true",
                        help="put the related rail, a share bar and readers' comments inside "
                        "<article> (where the main-text fix has work to do)")
    parser.add_argument("--no-article", action="store_true",
                        help="write the story in a <div>, not an <article>")
    parser.add_argument("--extract-only", action="store_true",
                        help="time content extraction of the live bodies alone")
    args = parser.parse_args()
    items = workload(args.pages, args.seed, args.messy, args.no_article)
    if args.extract_only:
        extract_only(items)
        return
    # warm-up: imports and first-call setup of trafilatura/htmldate, not per citation
    warm = workload(3, args.seed + 1000)
    for cit, source, cands, live, lookup, _size in warm:
        verify_citation(cit, source, cands, live, lookup)
    cpu: list[float] = []
    wall: list[float] = []
    verdicts: dict[str, int] = {}
    for cit, source, cands, live, lookup, _size in items:
        c0, w0 = time.process_time(), time.perf_counter()
        verdict = verify_citation(cit, source, cands, live, lookup)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        verdicts[verdict.verdict.value] = verdicts.get(verdict.verdict.value, 0) + 1
    sizes = [it[-1] for it in items]
    ms = sorted(x * 1000 for x in cpu)
    print(f"pages: {len(items)}, HTML {min(sizes) // 1024}-{max(sizes) // 1024} KB "
          f"(mean {statistics.mean(sizes) / 1024:.1f} KB), live + snapshot body per citation")
    print(f"CPU per citation: mean {statistics.mean(ms):.1f} ms, median {statistics.median(ms):.1f}"
          f" ms, p95 {ms[int(len(ms) * 0.95) - 1]:.1f} ms, max {ms[-1]:.1f} ms")
    print(f"wall per citation: mean {statistics.mean(wall) * 1000:.1f} ms")
    print(f"verdicts: {verdicts}")
    target = 20.0
    print(f"target < {target:g} ms mean: {'met' if statistics.mean(ms) < target else 'MISSED'}")


if __name__ == "__main__":
    main()
