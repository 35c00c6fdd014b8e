"""The realistic web: wall time and the URLs each checker gets wrong.

``bench/simserver.py --realistic SEED`` serves 200 loopback hosts with a
log-normal latency per request (median 150 ms, p95 1.5 s, drawn again for
every attempt), 3% of hosts hanging, 2% of pages 404, 2% answering 429 once
(Retry-After: 1) and 1% 503 once. Each tool runs against a fresh server (the
"once" answers are per server), with the same limits and retry settings:
concurrency, per-host, ``--timeout``, 2 retries.

What is wrong, per URL, against what the server knows:

* *wrongly dead*: reported dead (lychee: any failure, a timeout included,
  as lychee counts it) though the page is live or its host only hangs;
* *missed live*: a live page not reported ok (inconclusive instead);
* *missed dead*: a 404 page not reported dead.

    .venv/bin/python bench/bench_realistic.py --urls 2000 --repeat 1

Prints a Markdown table and lychee's mistakes beside ours.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_live import BIN, measure, start_server_args  # noqa: E402
from simserver import Realistic  # noqa: E402

OK_STATUSES = {"ok", "redirected", "moved"}


def truths(hosts: list[str], urls: int, seed: int) -> dict[str, str]:
    web = Realistic(seed, len(hosts))
    return {f"{hosts[i % len(hosts)]}/page/{i}": web.truth(i % len(hosts), i)
            for i in range(urls)}


def citecheck_answers(work: Path, urls_file: Path, args: argparse.Namespace) -> tuple[dict, dict]:
    citecheck = shutil.which("citecheck", path=str(BIN)) or "citecheck"
    out, db = work / "citecheck.json", work / "bench.db"
    if db.exists():
        db.unlink()
    m = measure([citecheck, "check", "--urls-from", str(urls_file), "--no-archive",
                 "--allow-private", "--db", str(db), "--max-age", "0",
                 "--concurrency", str(args.concurrency), "--per-host", str(args.per_host),
                 "--timeout", str(args.timeout), "--retries", "2", "--json", str(out),
                 "--quiet"], work)
    said = {}
    for item in json.loads(out.read_text())["urls"]:
        status = item["status"]
        said[item["url"]] = ("ok" if status in OK_STATUSES else "dead" if status == "dead"
                             else "inconclusive")
    return m, said


def lychee_answers(work: Path, urls_file: Path, args: argparse.Namespace) -> tuple[dict, dict]:
    lychee = shutil.which("lychee", path=str(BIN)) or shutil.which("lychee")
    if lychee is None:
        raise SystemExit("lychee not found: pip install -e '.[bench]'")
    out = work / "lychee.json"
    m = measure([lychee, "--no-progress", "--max-concurrency", str(args.concurrency),
                 "--host-concurrency", str(args.per_host), "--host-request-interval", "0s",
                 "--timeout", str(int(args.timeout)), "--max-retries", "2",
                 "--retry-wait-time", "1", "--format", "json", "--output", str(out),
                 str(urls_file)], work)
    data = json.loads(out.read_text())

    def urls_in(key: str) -> set[str]:
        return {entry["url"].rstrip("/") for entries in (data.get(key) or {}).values()
                for entry in entries}

    # lychee reports both as failures (broken links, exit 2): a timeout too
    failed, timed_out = urls_in("error_map") | urls_in("fail_map"), urls_in("timeout_map")
    said = {url: ("dead" if url in failed else "dead (timeout)" if url in timed_out else "ok")
            for url in urls_file.read_text().split()}
    return m, said


def mistakes(truth: dict[str, str], said: dict[str, str]) -> dict[str, list[str]]:
    wrong: dict[str, list[str]] = {"wrongly dead": [], "missed live": [], "missed dead": []}
    for url, real in truth.items():
        got = said.get(url, "missing")
        if got.startswith("dead") and real != "dead":
            wrong["wrongly dead"].append(url)
        elif real == "ok" and got != "ok":
            wrong["missed live"].append(url)
        elif real == "dead" and not got.startswith("dead"):
            wrong["missed dead"].append(url)
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=40)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--first-ip", default="127.0.4.1")
    args = parser.parse_args()
    os.environ.setdefault("NO_PROXY", "*")
    rows = []
    tools = {"citecheck": citecheck_answers, "lychee": lychee_answers}
    for rep in range(args.repeat):
        order = list(tools)
        random.Random(rep).shuffle(order)  # interleaved, in turn
        for tool in order:
            proc, hosts = start_server_args(["--hosts", str(args.hosts), "--first-ip",
                                             args.first_ip, "--realistic", str(args.seed)])
            try:
                with tempfile.TemporaryDirectory(prefix="bench-real-") as tmp:
                    work = Path(tmp)
                    truth = truths(hosts, args.urls, args.seed)
                    urls_file = work / "urls.txt"
                    urls_file.write_text("".join(u + "\n" for u in truth))
                    m, said = tools[tool](work, urls_file, args)
                    m.update(tool=tool, rep=rep, wrong=mistakes(truth, said),
                             port_of={h.split("//")[1]: i for i, h in enumerate(hosts)})
                    rows.append(m)
                    counts = {k: len(v) for k, v in m["wrong"].items()}
                    print(f"# {tool} rep={rep}: wall {m['wall']:.2f}s cpu {m['cpu']:.2f}s "
                          f"{counts} exit {m['code']}", file=sys.stderr)
            finally:
                proc.terminate()
                proc.wait(10)
    print(f"{args.urls} URLs over {args.hosts} loopback hosts (seed {args.seed}), "
          f"--concurrency {args.concurrency}, --per-host {args.per_host}, --timeout "
          f"{args.timeout:g}, 2 retries, for both tools.\n")
    print("| tool | rep | wall s | CPU s | wrongly dead | missed live | missed dead |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for m in rows:
        w = m["wrong"]
        print(f"| {m['tool']} | {m['rep']} | {m['wall']:.2f} | {m['cpu']:.2f} | "
              f"{len(w['wrongly dead'])} | {len(w['missed live'])} | {len(w['missed dead'])} |")
    web = Realistic(args.seed, args.hosts)
    for m in rows:
        if m["rep"]:
            continue
        for kind, urls in m["wrong"].items():
            if not urls:
                continue
            why = []
            for url in urls[:400]:
                host_index = m["port_of"][url.split("//")[1].split("/")[0]]
                n = int(url.rsplit("/", 1)[1])
                why.append("hanging host" if host_index in web.hanging else web.kind(n))
            tally = {k: why.count(k) for k in sorted(set(why))}
            print(f"\n{m['tool']} {kind} ({len(urls)}): by page kind {tally}")


if __name__ == "__main__":
    main()
