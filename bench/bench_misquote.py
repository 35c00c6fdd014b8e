"""Misquote detection on real page text: WiCE dev's cited pages (../shared/).

For each page of ``dev.jsonl`` (the text of a real web page a Wikipedia claim
cites, one sentence per item), quotations are cut from its own sentences
(windows of 8-16 words) and then:

- kept faithful, or given a tolerated edit: a typo in one long word, an
  ellipsis for two middle words, a ``[bracketed]`` insertion, curly quotes and
  capitals. Each must be *found* (a flagged one is a false alarm);
- changed: one digit of a number, a ``not`` after an auxiliary verb ("is",
  "will", "has", ...), a capitalised name swapped for a name from another page.
  Each must be a *misquote* (``quote-not-found`` is a miss: the reader is told
  the quotation is absent, not that it changes the page).

Prints the share found / misquoted / not found per kind, and CPU per quotation.

Usage::

    .venv/bin/python bench/bench_misquote.py [--data ../shared/datasets/wice/dev.jsonl]
        [--per-page 3] [--seed 1]

The WiCE test split is not used.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path

from citecheck.textmatch import find_quote, normalize

NEGATIONS = {"not", "no", "never", "without", "nor", "neither", "none", "cannot"}

AUXILIARIES = {"is", "was", "are", "were", "will", "would", "has", "have", "had", "can",
               "could", "should", "did", "does", "do", "may", "must"}
NAME = re.compile(r"^[A-Z][a-z]{2,}$")


def pages(path: Path) -> list[list[str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        sentences = [s for s in record["evidence"] if not s.startswith("(meta data)")]
        if sentences:
            out.append(sentences)
    return out


def typo(words: list[str], rng: random.Random) -> list[str] | None:
    spots = [i for i, w in enumerate(words) if len(w) >= 7 and w.isalpha() and w.islower()]
    if not spots:
        return None
    i = rng.choice(spots)
    w = words[i]
    k = rng.randrange(1, len(w) - 2)
    return words[:i] + [w[:k] + w[k + 1] + w[k] + w[k + 2:]] + words[i + 1:]


def faithful_variants(words: list[str], rng: random.Random) -> dict[str, str]:
    out = {"verbatim": " ".join(words),
           "typography": "\u201c" + " ".join(words).upper().replace("'", "\u2019") + "\u201d"}
    swapped = typo(words, rng)
    if swapped:
        out["typo"] = " ".join(swapped)
    if len(words) >= 10:
        mid = len(words) // 2
        out["ellipsis"] = " ".join(words[:mid - 1]) + " \u2026 " + " ".join(words[mid + 1:])
        out["insertion"] = " ".join(words[:mid]) + " [the report] " + " ".join(words[mid + 1:])
    return out


def changed_variants(words: list[str], rng: random.Random, names: list[str],
                     page_words: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    digits = [i for i, w in enumerate(words) if any(ch.isdigit() for ch in w)]
    if digits:
        i = rng.choice(digits)
        spots = [k for k, ch in enumerate(words[i]) if ch.isdigit()]
        k = rng.choice(spots)
        new = str((int(words[i][k]) + rng.randint(1, 8)) % 10)
        out["number"] = " ".join(words[:i] + [words[i][:k] + new + words[i][k + 1:]]
                                 + words[i + 1:])
    aux = [i for i, w in enumerate(words[:-1]) if w.lower() in AUXILIARIES
           and normalize(words[i + 1]) not in NEGATIONS]
    if aux:
        i = rng.choice(aux)
        out["negation"] = " ".join(words[:i + 1] + ["not"] + words[i + 1:])
    spots = [i for i, w in enumerate(words) if i > 0 and NAME.match(w)]
    others = [n for n in names if n.lower() not in page_words]
    if spots and others:
        i = rng.choice(spots)
        out["name"] = " ".join(words[:i] + [rng.choice(others)] + words[i + 1:])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "datasets"
                        / "wice" / "dev.jsonl")
    parser.add_argument("--per-page", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    corpus = pages(args.data)
    names = sorted({w for sentences in corpus for s in sentences for w in s.split()[1:]
                    if NAME.match(w)})
    outcome: dict[str, Counter[str]] = defaultdict(Counter)
    cpu: list[float] = []
    alarms: list[tuple[str, str]] = []
    for sentences in corpus:
        raw = " ".join(sentences)
        text = normalize(raw)
        page_words = set(text.split())
        usable = [s.split() for s in sentences if 8 <= len(s.split())]
        for words in rng.sample(usable, min(args.per_page, len(usable))):
            start = rng.randrange(0, max(1, len(words) - 16))
            window = words[start:start + rng.randint(8, 16)]
            quotes = {**{f"ok:{k}": v for k, v in faithful_variants(window, rng).items()},
                      **{f"bad:{k}": v for k, v in changed_variants(window, rng, names,
                                                                    page_words).items()}}
            for kind, quote in quotes.items():
                t = time.process_time()
                try:
                    match = find_quote(quote, text, raw_text=raw)
                except TypeError:  # a citecheck before misquotes (for side-by-side runs)
                    match = find_quote(quote, text)
                cpu.append(time.process_time() - t)
                result = "found" if match.found else (
                    "misquote" if getattr(match, "misquotes", ()) else "not-found")
                outcome[kind][result] += 1
                if kind.startswith("ok:") and result != "found" and len(alarms) < 5:
                    alarms.append((kind, quote))
    print(f"pages: {len(corpus)}, quotations: {len(cpu)}")
    print(f"{'kind':<16} {'n':>5} {'found':>7} {'misquote':>9} {'not-found':>10}")
    for kind in sorted(outcome):
        c = outcome[kind]
        n = sum(c.values())
        print(f"{kind:<16} {n:>5} {c['found'] / n:>7.3f} {c['misquote'] / n:>9.3f} "
              f"{c['not-found'] / n:>10.3f}")
    for side in ("ok", "bad"):
        total = Counter[str]()
        for kind, c in outcome.items():
            if kind.startswith(side + ":"):
                total.update(c)
        print(f"all {side}: {sum(total.values())} quotations, " + ", ".join(
            f"{k} {total[k]}" for k in ("found", "misquote", "not-found")))
    ms = sorted(x * 1000 for x in cpu)
    print(f"CPU per quotation: median {statistics.median(ms):.2f} ms, "
          f"p95 {ms[int(len(ms) * 0.95) - 1]:.2f} ms, max {ms[-1]:.1f} ms")
    for kind, quote in alarms:
        print(f"  false alarm ({kind}): {quote[:120]}")


if __name__ == "__main__":
    main()
