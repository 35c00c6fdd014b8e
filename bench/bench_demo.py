"""Benchmark: ``citecheck demo`` end to end, offline (issue 15, item 7: under 30 s).

    python bench/bench_demo.py            # 3 runs of the real command
    python bench/bench_demo.py --runs 5

Each run is the installed command in a fresh process and a fresh folder:
simulated publishers and a pywb started on loopback, the demo brief audited,
the reports written, everything stopped. It prints the wall time of each run,
the verdicts of the JSON report (all seven must be there) and whether any
process the demo started outlived it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

TARGET_SECONDS = 30.0


def run_once() -> tuple[float, set[str], list[str]]:
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "citecheck", "demo", "--report-dir", tmp,
             "--json", f"{tmp}/demo.json", "-q"],
            cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        parent = psutil.Process(proc.pid)
        children: set[psutil.Process] = set()
        while proc.poll() is None:
            try:
                children.update(parent.children(recursive=True))
            except psutil.NoSuchProcess:
                break
            time.sleep(0.05)
        proc.wait()
        elapsed = time.monotonic() - started
        if proc.returncode != 0:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise SystemExit(f"citecheck demo failed ({proc.returncode}): {err}")
        data = json.loads(Path(tmp, "demo.json").read_text(encoding="utf-8"))
        verdicts = {c["verdict"] for c in data["citations"]}
        alive = [str(c.pid) for c in children
                 if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
        return elapsed, verdicts, alive


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = []
    for n in range(1, args.runs + 1):
        elapsed, verdicts, alive = run_once()
        times.append(elapsed)
        print(f"run {n}: {elapsed:.1f} s, {len(verdicts)} verdicts ({', '.join(sorted(verdicts))})"
              f", processes left behind: {len(alive)}")
    verdict = "holds" if max(times) < TARGET_SECONDS else "MISSED"
    print(f"median {statistics.median(times):.1f} s, max {max(times):.1f} s "
          f"(target < {TARGET_SECONDS:g} s): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
