"""Live-check benchmark: citecheck against lychee on the same local simulated web.

Starts ``bench/simserver.py`` (asyncio, a separate process) on N loopback hosts
with a fixed latency per request, writes one URL list, and runs both link
checkers on it with the SAME global and per-host concurrency (lychee:
``--max-concurrency``, ``--host-concurrency``, ``--host-request-interval 0``).
``bare-asyncio`` (``bench/bare_asyncio.py``, not part of citecheck) is the least
any Python checker can cost here: one asyncio loop, one keep-alive GET per URL,
nothing else. ``lean-aiohttp``, ``lean-pyreqwest`` and ``bare-2proc``
(``bench/lean_checkers.py``) are the strongest lean checkers we could write: on
aiohttp + uvloop, on a Rust HTTP client (pyreqwest), and the bare loop over two
processes. Each tool runs under a small wrapper process that reports the
tool's own wall time, CPU time (user + system) and peak RSS
(``RUSAGE_CHILDREN``).

The floor is what latency and concurrency allow at best:
``max(urls * latency / min(concurrency, hosts * per_host),
ceil(urls_per_host / per_host) * latency)``.

    .venv/bin/python bench/bench_live.py --urls 2000 --hosts 20 --latency 0.05 --latency 0

Prints a Markdown table (paste it into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent

WRAPPER = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
json.dump({"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "peak_mb": ru.ru_maxrss / 1024,
           "code": p.returncode, "stderr": p.stderr.decode(errors="replace")[-2000:]},
          open(sys.argv[1], "w"))
"""


def start_server(hosts: int, latency: float, first_ip: str) -> tuple[subprocess.Popen, list[str]]:
    return start_server_args(["--hosts", str(hosts), "--latency", str(latency),
                              "--first-ip", first_ip])


def start_server_args(args: list[str]) -> tuple[subprocess.Popen, list[str]]:
    """``simserver.py ARGS`` in its own process, and its hosts' base URLs once ready."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "simserver.py"), *args], stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, json.loads(line)["hosts"]


def server_requests(base: str) -> int:
    """Requests served so far by all hosts (one server object), this one included."""
    with urllib.request.urlopen(base + "/stats", timeout=5) as resp:
        return int(json.loads(resp.read())["requests"])


def measure(cmd: list[str], workdir: Path) -> dict:
    """``cmd``'s wall, CPU and peak memory. It runs as an installed tool does, from
    byte-compiled modules: PYTHONDONTWRITEBYTECODE (set in some shells and CI
    images) would make every run compile citecheck's sources again, about 0.1 s
    of CPU that no installed copy pays (pip byte-compiles on install)."""
    out = workdir / "measure.json"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-c", WRAPPER, str(out), *cmd], check=True, cwd=workdir,
                   env=env)
    return json.loads(out.read_text())


def run_citecheck(urls_file: Path, workdir: Path, concurrency: int, per_host: int) -> dict:
    citecheck = shutil.which("citecheck", path=str(BIN)) or "citecheck"
    out = workdir / "citecheck.json"
    db = workdir / "bench.db"
    if db.exists():
        db.unlink()
    m = measure([citecheck, "check", "--urls-from", str(urls_file), "--no-archive",
                 "--allow-private", "--db", str(db), "--max-age", "0",
                 "--concurrency", str(concurrency), "--per-host", str(per_host),
                 "--timeout", "20", "--json", str(out), "--quiet"], workdir)
    summary = json.loads(out.read_text())["summary"]
    m["checked_ok"] = summary["by_status"]["ok"]
    return m


LIBRARY = r"""
import json, sys
from citecheck.http import HttpClient, HttpConfig
from citecheck.runner import check_urls
urls = open(sys.argv[1]).read().split()
conc, per_host = int(sys.argv[2]), int(sys.argv[3])
client = HttpClient(HttpConfig(allow_private=True, concurrency=conc, per_host=per_host))
results = check_urls(urls, client, concurrency=conc, per_host=per_host, keep_body=False)
ok = sum(1 for r in results.values() if r.status.value == "ok")
json.dump({"ok": ok}, open(sys.argv[4], "w"))
"""


def run_citecheck_lib(urls_file: Path, workdir: Path, concurrency: int, per_host: int) -> dict:
    """The library alone (check_urls, no CLI, no database): the checker's own cost."""
    out = workdir / "lib.json"
    m = measure([sys.executable, "-c", LIBRARY, str(urls_file), str(concurrency), str(per_host),
                 str(out)], workdir)
    m["checked_ok"] = json.loads(out.read_text())["ok"]
    return m


def run_bare_asyncio(urls_file: Path, workdir: Path, concurrency: int, per_host: int) -> dict:
    """``bare_asyncio.py``: the least any Python checker can cost on this web."""
    out = workdir / "bare.json"
    m = measure([sys.executable, str(HERE / "bare_asyncio.py"), str(urls_file), str(concurrency),
                 str(per_host), str(out)], workdir)
    m["checked_ok"] = json.loads(out.read_text())["ok"]
    return m


def lean_runner(kind: str) -> Callable[[Path, Path, int, int], dict]:
    """``lean_checkers.py KIND``: the strongest lean Python checkers (measuring sticks)."""
    def run(urls_file: Path, workdir: Path, concurrency: int, per_host: int) -> dict:
        out = workdir / f"lean-{kind}.json"
        m = measure([sys.executable, str(HERE / "lean_checkers.py"), kind, str(urls_file),
                     str(concurrency), str(per_host), str(out)], workdir)
        m["checked_ok"] = json.loads(out.read_text())["ok"]
        return m
    return run


def run_lychee(urls_file: Path, workdir: Path, concurrency: int, per_host: int) -> dict:
    lychee = shutil.which("lychee", path=str(BIN)) or shutil.which("lychee")
    if lychee is None:
        raise SystemExit("lychee not found: pip install -e '.[bench]'")
    out = workdir / "lychee.json"
    m = measure([lychee, "--no-progress", "--max-concurrency", str(concurrency),
                 "--host-concurrency", str(per_host), "--host-request-interval", "0s",
                 "--timeout", "20", "--max-retries", "2", "--format", "json",
                 "--output", str(out), str(urls_file)], workdir)
    data = json.loads(out.read_text())
    m["checked_ok"] = data.get("successful", data.get("success_map") and sum(
        len(v) for v in data["success_map"].values()))
    return m


def floor_seconds(urls: int, hosts: int, latency: float, concurrency: int, per_host: int) -> float:
    per_host_urls = math.ceil(urls / hosts)
    return max(urls * latency / min(concurrency, hosts * per_host),
               math.ceil(per_host_urls / per_host) * latency)


def bench(args: argparse.Namespace, latency: float) -> list[dict]:
    rows = []
    proc, hosts = start_server(args.hosts, latency, args.first_ip)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
            work = Path(tmp)
            urls_file = work / "urls.txt"
            urls_file.write_text(
                "".join(f"{hosts[i % len(hosts)]}/page/{i}\n" for i in range(args.urls))
            )
            floor = floor_seconds(args.urls, args.hosts, latency, args.concurrency,
                                  args.per_host)
            for tool in args.tools:
                for rep in range(args.repeat):
                    before = server_requests(hosts[0])
                    fn = {"citecheck": run_citecheck, "citecheck-lib": run_citecheck_lib,
                          "lychee": run_lychee, "bare-asyncio": run_bare_asyncio,
                          "lean-aiohttp": lean_runner("aiohttp"),
                          "lean-pyreqwest": lean_runner("pyreqwest"),
                          "bare-2proc": lean_runner("bare-2proc")}[tool]
                    m = fn(urls_file, work, args.concurrency, args.per_host)
                    m["requests"] = server_requests(hosts[0]) - before - 1
                    m.update(tool=tool, rep=rep, latency=latency, floor=floor, urls=args.urls)
                    rows.append(m)
                    print(f"# {tool} latency={latency}s rep={rep}: wall {m['wall']:.2f}s "
                          f"cpu {m['cpu']:.2f}s peak {m['peak_mb']:.0f} MB ok {m['checked_ok']} "
                          f"requests {m['requests']} exit {m['code']}", file=sys.stderr)
                    if m["checked_ok"] != args.urls:
                        print(m["stderr"], file=sys.stderr)
    finally:
        proc.terminate()
        proc.wait(10)
    return rows


def best(rows: list[dict], tool: str, latency: float) -> dict:
    mine = [r for r in rows if r["tool"] == tool and r["latency"] == latency]
    return min(mine, key=lambda r: r["wall"])


def markdown(rows: list[dict], args: argparse.Namespace) -> str:
    lines = [
        f"{args.urls} URLs over {args.hosts} loopback hosts, --concurrency {args.concurrency}, "
        f"--per-host {args.per_host} for both tools (best of {args.repeat}).",
        "",
        "| latency | tool | wall s | floor s | wall/floor | URLs/s | CPU s | peak MB | ok "
        "| requests |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for latency in args.latency:
        for tool in args.tools:
            r = best(rows, tool, latency)
            ratio = f"{r['wall'] / r['floor']:.2f}" if r["floor"] else "-"
            lines.append(
                f"| {latency * 1000:.0f} ms | {tool} | {r['wall']:.2f} | {r['floor']:.2f} | "
                f"{ratio} | {r['urls'] / r['wall']:.0f} | {r['cpu']:.2f} | {r['peak_mb']:.0f} | "
                f"{r['checked_ok']} | {r['requests']} |"
            )
    if {"citecheck", "lychee"} <= set(args.tools):
        lines.append("")
        for latency in args.latency:
            c, ly = best(rows, "citecheck", latency), best(rows, "lychee", latency)
            lines.append(
                f"- {latency * 1000:.0f} ms: citecheck/lychee wall {c['wall'] / ly['wall']:.2f}, "
                f"CPU {c['cpu'] / max(ly['cpu'], 1e-9):.2f}, "
                f"peak memory {c['peak_mb'] / max(ly['peak_mb'], 1e-9):.2f}"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--latency", type=float, action="append",
                        help="seconds per request (repeatable; default 0.05 and 0)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--tools", default="citecheck,citecheck-lib,bare-asyncio,lychee",
                        help="comma-separated: citecheck (the CLI with its database), "
                             "citecheck-lib (check_urls alone), bare-asyncio (the lower "
                             "bound of any Python checker: bare_asyncio.py), lychee; and "
                             "the lean checkers of lean_checkers.py: lean-aiohttp, "
                             "lean-pyreqwest (Rust's reqwest), bare-2proc (two processes)")
    parser.add_argument("--first-ip", default="127.0.2.1")
    parser.add_argument("--json", dest="json_path", help="also write the raw rows here")
    args = parser.parse_args()
    args.latency = args.latency or [0.05, 0.0]
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    os.environ.setdefault("NO_PROXY", "*")
    started = time.time()
    rows = [row for latency in args.latency for row in bench(args, latency)]
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(rows, indent=2))
    print(markdown(rows, args))
    print(f"\n(bench took {time.time() - started:.0f}s; {os.cpu_count()} CPUs)", file=sys.stderr)


if __name__ == "__main__":
    main()
