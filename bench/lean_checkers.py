"""The strongest lean Python link checkers we could write, as measuring sticks.

Not part of citecheck: ``bench_live.py`` runs them beside citecheck, lychee and
``bare_asyncio.py`` to show what a Python checker can reach on this machine at
best. Each does one GET per URL under the same global and per-host limits, reads
the body and drops it, and nothing else (no caps, redirects, retries, guard,
classification or database):

- ``aiohttp``: aiohttp with uvloop, the client citecheck's core is built on;
- ``pyreqwest``: pyreqwest, Python bindings to Rust's reqwest (hyper on a tokio
  runtime of its own threads), the fastest Python HTTP client we measured;
- ``bare-2proc``: ``bare_asyncio.py``'s loop in two processes (one per core),
  the hosts split between them, the limits halved.

    python bench/lean_checkers.py {aiohttp,pyreqwest,bare-2proc} URLS CONC PER_HOST OUT_JSON
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bare_asyncio import check_all as bare_check_all  # noqa: E402


async def _limited(urls: list[str], concurrency: int, per_host: int,
                   get: Callable[[str], Awaitable[int]]) -> list[int]:
    everyone = asyncio.Semaphore(concurrency)
    hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))

    async def one(url: str) -> int:
        async with hosts[urlsplit(url).netloc], everyone:
            return await get(url)

    return await asyncio.gather(*(one(url) for url in urls))


async def with_aiohttp(urls: list[str], concurrency: int, per_host: int) -> list[int]:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=per_host)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def get(url: str) -> int:
            async with session.get(url, allow_redirects=False) as resp:
                await resp.read()
                return resp.status

        return await _limited(urls, concurrency, per_host, get)


async def with_pyreqwest(urls: list[str], concurrency: int, per_host: int) -> list[int]:
    from pyreqwest.client import ClientBuilder

    async with ClientBuilder().follow_redirects(False).build() as client:
        async def get(url: str) -> int:
            resp = await client.get(url).build().send()
            await resp.bytes()
            return int(resp.status)

        return await _limited(urls, concurrency, per_host, get)


def two_processes(urls: list[str], concurrency: int, per_host: int) -> int:
    """``bare_asyncio``'s loop in a forked child and in this process, half the hosts each."""
    hosts = sorted({urlsplit(u).netloc for u in urls})
    half = {h for i, h in enumerate(hosts) if i % 2}
    theirs = [u for u in urls if urlsplit(u).netloc in half]
    mine = [u for u in urls if urlsplit(u).netloc not in half]
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        statuses = asyncio.run(bare_check_all(theirs, max(1, concurrency // 2), per_host))
        os.write(write_end, str(sum(s == 200 for s in statuses)).encode())
        os._exit(0)
    os.close(write_end)
    statuses = asyncio.run(bare_check_all(mine, max(1, concurrency // 2), per_host))
    with os.fdopen(read_end) as fh:
        theirs_ok = int(fh.read() or 0)
    os.waitpid(child, 0)
    return sum(s == 200 for s in statuses) + theirs_ok


def main() -> None:
    kind, urls_file, concurrency, per_host, out = sys.argv[1:6]
    with open(urls_file, encoding="utf-8") as fh:
        urls = fh.read().split()
    conc, host = int(concurrency), int(per_host)
    if kind == "bare-2proc":
        ok = two_processes(urls, conc, host)
    else:
        checker = {"aiohttp": with_aiohttp, "pyreqwest": with_pyreqwest}[kind]
        if kind == "aiohttp":
            try:
                import uvloop
            except ImportError:
                statuses = asyncio.run(checker(urls, conc, host))
            else:
                statuses = uvloop.run(checker(urls, conc, host))
        else:
            statuses = asyncio.run(checker(urls, conc, host))
        ok = sum(1 for s in statuses if s == 200)
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"ok": ok}, fh)


if __name__ == "__main__":
    main()
