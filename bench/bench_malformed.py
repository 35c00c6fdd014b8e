"""Benchmark: false-malformed rate and recall of the citation grammar.

    python bench/bench_malformed.py            # this checkout's grammar
    /path/to/other/.venv/bin/python bench/bench_malformed.py   # another's, side by side

On the bundled example brief (its expected records) and on the invented
corpus of ``bench/extract_corpus.py``: how many asides become malformed
records (false malformed) or citations (false citations), and how many real
citations are read whole (recall), read only as malformed, or missed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLE = ROOT / "examples" / "china-russia-security-ties-2018-06-04.txt"
sys.path.insert(0, str(HERE))

from extract_corpus import ASIDES, CITATIONS  # noqa: E402

from citecheck.extract import extract_citations, iter_citations, read_document  # noqa: E402

PUBLISHED = "2018-06-04"


def _pct(n: int, total: int) -> str:
    return f"{n}/{total} ({100 * n / total:.1f} %)" if total else "0/0"


def main() -> None:
    expected = json.loads(EXAMPLE.with_suffix(".expected.json").read_text(encoding="utf-8"))
    got = extract_citations(read_document(str(EXAMPLE)))
    want_bad = sum(1 for c in expected["citations"] if c["malformed"])
    got_bad = sum(1 for c in got if c.malformed)
    print(f"example brief: {len(got)} records (expected {len(expected['citations'])}), "
          f"{got_bad} malformed (expected {want_bad}); "
          f"false malformed {_pct(max(0, got_bad - want_bad), len(got))}")
    false_bad = false_cit = 0
    for text in ASIDES:
        records = list(iter_citations([text], published=PUBLISHED))
        false_bad += any(r.malformed for r in records)
        false_cit += any(not r.malformed for r in records)
    print(f"corpus asides: false malformed {_pct(false_bad, len(ASIDES))}, "
          f"false citations {_pct(false_cit, len(ASIDES))}")
    whole = bad = missed = 0
    for text in CITATIONS:
        records = list(iter_citations([text], published=PUBLISHED))
        if not records:
            missed += 1
        elif all(r.malformed for r in records):
            bad += 1
        else:
            whole += 1
    print(f"corpus citations: read {_pct(whole, len(CITATIONS))}, only malformed "
          f"{_pct(bad, len(CITATIONS))}, missed (silently) {_pct(missed, len(CITATIONS))}")


if __name__ == "__main__":
    main()
