"""Claim support on real claims: the WiCE development split (issue 10).

Each WiCE dev line is a Wikipedia sentence, the text of the web page it cites
(one sentence per item) and an annotation: does the page support the claim
(``supported``, ``partially_supported``, ``not_supported``), and which
sentences do. For each claim this scores, with :func:`citecheck.support.score_support`:

- its own page (as the page's main text: the evidence items, one a line);
- another claim's page (a *swapped* link: a fixed derangement pairing each
  claim with the page of a claim about another Wikipedia article).

and reports (a) the share of swapped pages caught (label ``not-supported``)
and of supported claims wrongly flagged, at the default threshold and in a
2-fold cross-validation (threshold chosen on one half, counted on the other);
(b) ROC AUC of the score, supported vs swapped and supported vs
not_supported; (c) recall@3: the share of claims with annotated supporting
sentences for which one of the three returned passages is such a sentence;
(d) CPU time per citation (caches cleared before each page: nothing is
reused between citations).

The threshold rule (the same for the default and for each fold): the lowest
support ``min_score`` is the largest grid value (step 0.01) at which at most 4%
of the supported claims fall below it; ``weak_score`` is the one that best
separates supported from not_supported claims (Youden's J) above it.

The test split is reserved for external evaluation: never read here.

Usage::

    .venv/bin/python bench/bench_support.py [--data ../shared/datasets/wice/dev.jsonl] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import zlib
from pathlib import Path

from citecheck import support
from citecheck.verify import Thresholds

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "datasets" / "wice" / "dev.jsonl"
GRID = [i / 100 for i in range(101)]
MAX_FLAGGED = 0.04  #: the rule's margin under the target of 0.05


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def page_lines(row: dict) -> list[str]:
    return [e.replace("(meta data) TITLE: ", "", 1) for e in row["evidence"]]


def swaps(rows: list[dict], seed: int = 10) -> list[int]:
    """For each claim, the index of a page cited for another Wikipedia article."""
    rng = random.Random(seed)
    out = []
    for row in rows:
        while True:
            j = rng.randrange(len(rows))
            if rows[j]["meta"]["claim_title"] != row["meta"]["claim_title"]:
                out.append(j)
                break
    return out


def auc(pos: list[float], neg: list[float]) -> float:
    """P(a positive scores above a negative), ties counting half (Mann-Whitney)."""
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def _norm(s: str) -> str:
    return " ".join(s.lower().split())


def hit(passages: list[str], row: dict) -> bool | None:
    """Is an annotated supporting sentence among the passages? None: none annotated."""
    wanted = {i for group in row["supporting_sentences"] for i in group}
    lines = page_lines(row)
    targets = [_norm(lines[i]) for i in wanted if i < len(lines) and lines[i].strip()]
    if not targets:
        return None
    got = [_norm(p) for p in passages]
    return any(p and (p in t or t in p) for p in got for t in targets)


def score(claim: str, text: str, t: Thresholds) -> tuple[support.Support, float]:
    support.split_sentences.cache_clear()
    support._page.cache_clear()
    start = time.process_time()
    result = support.score_support(claim, text, min_score=t.support_min_score,
                                   weak_score=t.support_weak_score)
    return result, time.process_time() - start


def choose(own: list[tuple[str, float]]) -> tuple[float, float]:
    """(min_score, weak_score) by the documented rule from (label, score) pairs."""
    sup = [s for lab, s in own if lab == "supported"]
    ns = [s for lab, s in own if lab == "not_supported"]
    low = max(g for g in GRID if sum(s < g for s in sup) <= MAX_FLAGGED * len(sup))
    best, weak = -1.0, low
    for g in GRID:
        if g < low:
            continue
        j = sum(s >= g for s in sup) / len(sup) - sum(s >= g for s in ns) / max(len(ns), 1)
        if j > best:
            best, weak = j, g
    return low, weak


def rates(sup: list[float], swapped: list[float], low: float) -> tuple[float, float]:
    return (sum(s < low for s in swapped) / len(swapped), sum(s < low for s in sup) / len(sup))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    if "test" in args.data.name:
        print("Error: the WiCE test split is reserved for external evaluation", file=sys.stderr)
        return 2
    rows = load(args.data)
    t = Thresholds()
    other = swaps(rows)
    own: list[tuple[str, float]] = []
    swapped: list[float] = []
    hits: list[bool] = []
    cpu: list[float] = []
    fold: list[int] = []
    for i, row in enumerate(rows):
        text = "\n".join(page_lines(row))
        mine, c1 = score(row["claim"], text, t)
        theirs, c2 = score(row["claim"], "\n".join(page_lines(rows[other[i]])), t)
        cpu += [c1, c2]
        own.append((row["label"], mine.score or 0.0))
        swapped.append(theirs.score or 0.0)
        fold.append(zlib.crc32(row["meta"]["id"].encode()) % 2)
        if row["label"] != "not_supported":
            h = hit([p.text for p in mine.passages], row)
            if h is not None:
                hits.append(h)

    sup = [s for lab, s in own if lab == "supported"]
    ns = [s for lab, s in own if lab == "not_supported"]
    caught, flagged = rates(sup, swapped, t.support_min_score)
    chosen = choose(own)
    cv = []
    for k in (0, 1):
        train = [o for o, f in zip(own, fold, strict=True) if f != k]
        low, _ = choose(train)
        test_sup = [s for (lab, s), f in zip(own, fold, strict=True)
                    if f == k and lab == "supported"]
        test_swap = [s for s, f in zip(swapped, fold, strict=True) if f == k]
        cv.append((low,) + rates(test_sup, test_swap, low))
    figures = {
        "claims": len(rows),
        "labels": {lab: sum(1 for x, _ in own if x == lab) for lab in sorted({x for x, _ in own})},
        "min_score": t.support_min_score,
        "weak_score": t.support_weak_score,
        "rule_on_all_dev": {"min_score": chosen[0], "weak_score": chosen[1]},
        "swapped_caught": round(caught, 3),
        "supported_flagged": round(flagged, 3),
        "cv": [{"min_score": low, "swapped_caught": round(c, 3), "supported_flagged": round(f, 3)}
               for low, c, f in cv],
        "auc_supported_vs_swapped": round(auc(sup, swapped), 4),
        "auc_supported_vs_not_supported": round(auc(sup, ns), 4),
        "recall_at_3": round(sum(hits) / len(hits), 3),
        "recall_claims": len(hits),
        "cpu_ms_median": round(statistics.median(cpu) * 1000, 2),
        "cpu_ms_mean": round(statistics.fmean(cpu) * 1000, 2),
        "cpu_ms_p95": round(sorted(cpu)[int(0.95 * len(cpu))] * 1000, 2),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"WiCE dev: {len(rows)} claims {figures['labels']}, each on its own page and a "
          "swapped one")
    print(f"default thresholds: min {t.support_min_score:.2f}, weak {t.support_weak_score:.2f} "
          f"(the rule on all of dev gives {chosen[0]:.2f}, {chosen[1]:.2f})")
    print(f"(a) swapped caught {caught:.3f}, supported flagged {flagged:.3f}")
    for k, (low, c, f) in enumerate(cv):
        print(f"    fold {k}: threshold {low:.2f} from the other half -> caught {c:.3f}, "
              f"flagged {f:.3f}")
    print(f"(b) AUC supported vs swapped {figures['auc_supported_vs_swapped']:.4f}, "
          f"supported vs not_supported {figures['auc_supported_vs_not_supported']:.4f}")
    print(f"(c) recall@3 {figures['recall_at_3']:.3f} over {len(hits)} claims with annotated "
          "sentences")
    print(f"(d) CPU per citation: median {figures['cpu_ms_median']:.2f} ms, mean "
          f"{figures['cpu_ms_mean']:.2f} ms, p95 {figures['cpu_ms_p95']:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
