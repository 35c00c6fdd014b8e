"""The lower bound of a Python link checker on the benchmark's simulated web.

Not part of citecheck: a measuring stick for ``bench_live.py``. One asyncio
loop, HTTP/1.1 keep-alive on plain sockets, one GET per URL, the same global
and per-host limits as the tools measured; it reads the status line, the
headers and a ``Content-Length`` body, and nothing else: no TLS, redirects,
retries, charset decoding, soft-404 probes, address guard, caps or database.
Whatever a real Python checker does costs time on top of this.

    python bench/bare_asyncio.py URLS_FILE CONCURRENCY PER_HOST OUT_JSON
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import defaultdict
from urllib.parse import urlsplit


async def check_all(urls: list[str], concurrency: int, per_host: int) -> list[int]:
    everyone = asyncio.Semaphore(concurrency)
    hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))
    idle: defaultdict[str, list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = (
        defaultdict(list))

    async def get(url: str) -> int:
        parts = urlsplit(url)
        pool = idle[parts.netloc]
        reader, writer = pool.pop() if pool else await asyncio.open_connection(
            parts.hostname, parts.port or 80)
        writer.write(f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                     "User-Agent: bare-asyncio\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        pool.append((reader, writer))
        return int(head.split(b" ", 2)[1])

    async def one(url: str) -> int:
        async with hosts[urlsplit(url).netloc], everyone:
            return await get(url)

    return await asyncio.gather(*(one(url) for url in urls))


def main() -> None:
    urls_file, concurrency, per_host, out = sys.argv[1:5]
    with open(urls_file, encoding="utf-8") as fh:
        urls = fh.read().split()
    statuses = asyncio.run(check_all(urls, int(concurrency), int(per_host)))
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"ok": sum(1 for s in statuses if s == 200)}, fh)


if __name__ == "__main__":
    main()
