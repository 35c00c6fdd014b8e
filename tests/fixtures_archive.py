"""A scripted stand-in for the HTTP client, for archive unit tests.

:class:`FakeFetcher` has the one method the archive code uses,
``fetch(url, *, params, headers, max_bytes, follow_redirects) -> FetchResult``
(the HTTP seam), answers from routes the test declares and records every
request. It does not depend on how ``citecheck.http`` talks to the network.

Answers are built from the documented formats of the Internet Archive's CDX
server (``output=json``: a header row, rows, then ``[]`` and the resume key
with ``showResumeKey=true``) and of its replays (``id_`` URLs, the
``X-Archive-Redirect-Reason`` and ``Memento-Datetime`` headers), written here,
not recorded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from citecheck.http import FetchResult

__all__ = ["FakeFetcher", "FakeTime", "Request", "cdx_json", "answer", "IA_CDX_FIELDS"]

IA_CDX_FIELDS = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


class FakeTime:
    """A clock that only moves when slept on: no real waiting in tests."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


@dataclass
class Request:
    url: str
    params: dict[str, str]
    follow_redirects: bool


Route = Callable[[Request], "FetchResult | None"]


def answer(
    url: str, status: int = 200, body: bytes | str = b"", headers: dict[str, str] | None = None,
) -> FetchResult:
    """A response as the HTTP client returns it (lower-cased header names)."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    low = {k.lower(): v for k, v in (headers or {}).items()}
    return FetchResult(url=url, final_url=url, status_code=status, headers=low, body=data,
                       raw_headers=tuple((headers or {}).items()))


def cdx_json(rows: Sequence[Sequence[str]], resume_key: str | None = None) -> str:
    """The Internet Archive's ``output=json``: rows of (timestamp, original,
    status[, digest[, mimetype]]); the urlkey is what IA would list."""
    from surt import surt

    data: list[list[str]] = [list(IA_CDX_FIELDS)]
    for row in rows:
        ts, original, status = row[0], row[1], row[2]
        digest = row[3] if len(row) > 3 else f"D{ts}"
        mime = row[4] if len(row) > 4 else ("warc/revisit" if status == "-" else "text/html")
        data.append([surt(original), ts, original, mime, status, digest, "2345"])
    if resume_key is not None:
        data += [[], [resume_key]]
    return json.dumps(data)


@dataclass
class FakeFetcher:
    """Routes tried in order; the first that answers wins. Unrouted requests fail the test."""

    routes: list[Route] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)

    def route(self, fn: Route) -> Route:
        self.routes.append(fn)
        return fn

    def on(self, at: str, result: FetchResult | Callable[[Request], FetchResult], /,
           **params: str) -> None:
        """Answer GETs of ``at`` whose query has ``params`` (a subset)."""

        def matcher(req: Request) -> FetchResult | None:
            if req.url != at or any(req.params.get(k) != v for k, v in params.items()):
                return None
            return result(req) if callable(result) else result

        self.routes.append(matcher)

    def fetch(self, url: str, *, params: dict[str, str] | None = None,
              headers: dict[str, str] | None = None, max_bytes: int | None = None,
              follow_redirects: bool = True) -> FetchResult:
        req = Request(url, dict(params or {}), follow_redirects)
        self.requests.append(req)
        for fn in self.routes:
            got = fn(req)
            if got is not None:
                return got
        pytest.fail(f"unexpected request: {url} {params}")

    def to(self, url: str) -> list[Request]:
        return [r for r in self.requests if r.url == url]


@pytest.fixture
def fake_fetcher() -> Any:
    return FakeFetcher()
