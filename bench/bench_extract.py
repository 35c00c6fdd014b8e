"""Benchmark: extraction throughput and memory on a generated corpus of briefs.

    python bench/bench_extract.py                  # 10 MB and 50 MB corpora
    python bench/bench_extract.py --sizes 10 50 100

The corpus (bench/corpus/, git-ignored) is brief-like text generated from the
bundled example: its paragraphs, with citations of varied sources, dates and
shapes (several parts, inherited sources, see-prefixes, yearless dates,
unterminated parentheses) and the usual non-citations (acronyms, glosses).
Each measurement runs in a fresh process, so its peak RSS is its own. The
streaming path (`open_citations`, what `citecheck extract` uses) is measured,
and for contrast the whole-document path (`read_document` +
`extract_citations`) on the smallest size.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLE = ROOT / "examples" / "china-russia-security-ties-2018-06-04.txt"
CORPUS = HERE / "corpus"
MB = 1024 * 1024

SOURCES = ["MOFA", "Xinhua", "SIPRI", "USNI", "CPIFA", "China Brief", "Press TV", "Russian MOD",
           "CSIS", "TASS", "CFAU", "USCC", "www.example.org", "Example.ru", "Global Times",
           "Ministry of Defense of the PRC", "RIA Novosti", "Kommersant"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def _date(rng: random.Random) -> str:
    month, day, year = rng.choice(MONTHS), rng.randint(1, 28), rng.randint(2010, 2018)
    return rng.choice([f"{month} {day}", f"{month} {day} {year}", f"{month} {day}, {year}",
                       f"{month} {year}", str(year)] * 3 + [f"{month} {day}, {day + 1}"])


def _citation(rng: random.Random) -> str:
    parts = [f"{rng.choice(SOURCES)}, {_date(rng)}"]
    # about as many parts per parenthetical as the example (19 records, 17 parentheticals)
    for _ in range(rng.choice([0] * 8 + [1, 2])):
        parts.append(rng.choice([f"{rng.choice(SOURCES)}, {_date(rng)}", _date(rng)]))
    prefix = rng.choice(["", "", "", "see ", "see also "])
    return f"({prefix}{'; '.join(parts)})"


def _paragraphs() -> list[str]:
    text = EXAMPLE.read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n\n") if len(p) > 200]
    # the sentences without their citations: citations are re-generated
    return [re.sub(r" \((?:[A-Z][^()]*?), [^()]*?\)", " {}", p) for p in paragraphs]


def generate(size_mb: int, seed: int = 1) -> Path:
    """Write (once) a corpus of at least ``size_mb`` MB and return its path."""
    CORPUS.mkdir(parents=True, exist_ok=True)
    path = CORPUS / f"briefs-{size_mb}mb.txt"
    if path.exists() and path.stat().st_size >= size_mb * MB:
        return path
    rng = random.Random(seed)
    templates = _paragraphs()
    written = 0
    with path.open("w", encoding="utf-8") as out:
        while written < size_mb * MB:
            out.write(f"{rng.randint(1, 28)} June 2018\n\nA brief\n\n")
            for template in rng.sample(templates, len(templates)):
                para = template.format(*(_citation(rng) for _ in range(template.count("{}"))))
                if rng.random() < 0.02:
                    para += f" ({rng.choice(SOURCES)}"  # unterminated: a malformed record
                out.write(para + "\n\n")
                written += len(para.encode("utf-8")) + 2
    return path


def measure(path: Path, mode: str) -> dict[str, float]:
    """Extract every citation of ``path`` in this process; report time, count, peak RSS."""
    sys.path.insert(0, str(ROOT))
    from citecheck.extract import extract_citations, open_citations, read_document

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu = time.perf_counter(), time.process_time()
    if mode == "stream":
        count = sum(1 for _ in open_citations(str(path)).citations)
    else:
        count = len(extract_citations(read_document(str(path))))
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    size = path.stat().st_size
    return {"bytes": size, "seconds": elapsed, "cpu_seconds": cpu, "citations": count,
            "mb_per_s": size / MB / elapsed, "cpu_mb_per_s": size / MB / cpu,
            "peak_rss_mb": peak / 1024,
            "import_rss_mb": baseline / 1024}


def _run(path: Path, mode: str) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, "--measure", str(path), "--mode", mode],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50], help="corpus sizes, MB")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="stream", choices=["stream", "whole"])
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.mode)))
        return
    print(f"{'mode':<7}{'size MB':>9}{'citations':>11}{'wall s':>8}{'MB/s':>7}{'CPU s':>8}"
          f"{'MB/s CPU':>10}{'peak RSS MB':>13}{'after imports':>15}")
    for size in args.sizes:
        path = generate(size)
        modes = ["stream", "whole"] if size == min(args.sizes) else ["stream"]
        for mode in modes:
            r = _run(path, mode)
            print(f"{mode:<7}{r['bytes'] / MB:>9.1f}{r['citations']:>11}{r['seconds']:>8.2f}"
                  f"{r['mb_per_s']:>7.1f}{r['cpu_seconds']:>8.2f}{r['cpu_mb_per_s']:>10.1f}"
                  f"{r['peak_rss_mb']:>13.1f}{r['import_rss_mb']:>15.1f}", flush=True)


if __name__ == "__main__":
    main()
