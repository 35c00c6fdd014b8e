"""Canned HTTP answers for unit tests of code on the aiohttp client.

:data:`fake_web` keeps the registrations of the ``responses`` library the
tests were written with (``fake_web.get(url, body=..., status=...,
headers=..., json=...)``, ``fake_web.calls``, ``fake_web.replace``, query
matchers, an exception as the body) and answers them through
``aioresponses``, the mocking library of aiohttp, with one catch-all
callback. Matching follows ``responses``: a registration without a query
string matches any query; several registrations of one URL answer in turn,
the last one repeating; an unregistered URL is a refused connection.
"""

from __future__ import annotations

import functools
import json as jsonlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import aiohttp
from aiohttp import ClientResponse, StreamReader
from aioresponses import CallbackResult, aioresponses
from multidict import CIMultiDict


class _Response(ClientResponse):
    """aioresponses 0.7.9 builds responses without aiohttp 3.14's ``stream_writer``."""

    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(method, url, **kwargs)

    @property  # type: ignore[override]
    def content(self) -> Any:
        return self._fake_content

    @content.setter
    def content(self, reader: Any) -> None:
        # aioresponses feeds the whole body at once, and a reader past its
        # high-water mark would pause a transport there is not: no mark
        self._fake_content = reader if reader is None else StreamReader(
            reader._protocol, limit=2 ** 30, loop=reader._loop)


@dataclass
class Request:
    method: str
    url: str
    headers: CIMultiDict[str]
    body: Any = None  #: the ``data`` sent (a form dict for a POST)


@dataclass
class Call:
    request: Request


def _query_param_matcher(params: dict[str, str], *, strict_match: bool = True
                         ) -> Callable[[Request], bool]:
    def match(request: Request) -> bool:
        got = dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))
        wanted = {k: str(v) for k, v in params.items()}
        if strict_match:
            return got == wanted
        return all(got.get(k) == v for k, v in wanted.items())

    return match


def _header_matcher(headers: dict[str, str]) -> Callable[[Request], bool]:
    def match(request: Request) -> bool:
        return all(request.headers.get(k) == v for k, v in headers.items())

    return match


def _urlencoded_params_matcher(params: dict[str, str]) -> Callable[[Request], bool]:
    def match(request: Request) -> bool:
        body = request.body
        if isinstance(body, (bytes, str)):
            text = body.decode() if isinstance(body, bytes) else body
            return dict(parse_qsl(text, keep_blank_values=True)) == params
        return isinstance(body, dict) and {k: str(v) for k, v in body.items()} == params

    return match


def _without_query(url: str) -> str:
    parts = urlsplit(url)  # credentials travel as a header, not in the URL
    netloc = parts.netloc.rsplit("@", 1)[-1].lower()
    return urlunsplit((parts.scheme, netloc, parts.path or "/", "", ""))


@dataclass
class _Rule:
    method: str
    url: str | re.Pattern[str]
    status: int = 200
    body: bytes | BaseException = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    match: tuple[Callable[[Request], bool], ...] = ()

    def matches(self, request: Request) -> bool:
        if request.method != self.method:
            return False
        if isinstance(self.url, re.Pattern):
            ok = bool(self.url.match(request.url))
        elif urlsplit(self.url).query:
            ok = (_without_query(self.url) == _without_query(request.url)
                  and _query_param_matcher(dict(parse_qsl(urlsplit(self.url).query,
                                                          keep_blank_values=True)))(request))
        else:
            ok = _without_query(self.url) == _without_query(request.url)
        return ok and all(m(request) for m in self.match)


class FakeWeb:
    GET = "GET"
    POST = "POST"
    matchers = SimpleNamespace(query_param_matcher=_query_param_matcher,
                               header_matcher=_header_matcher,
                               urlencoded_params_matcher=_urlencoded_params_matcher)

    def __init__(self) -> None:
        self._rules: list[_Rule] = []
        self.calls: list[Call] = []
        self._mock: aioresponses | None = None

    # -- registrations (as in responses)

    def add(self, method: str, url: str | re.Pattern[str], *, body: Any = b"",
            status: int = 200, headers: dict[str, str] | None = None,
            content_type: str | None = "text/plain", json: Any = None,
            match: Any = ()) -> None:
        self._rules.append(self._rule(method, url, body=body, status=status, headers=headers,
                                      content_type=content_type, json=json, match=match))

    def get(self, url: str | re.Pattern[str], **kwargs: Any) -> None:
        self.add("GET", url, **kwargs)

    def post(self, url: str | re.Pattern[str], **kwargs: Any) -> None:
        self.add("POST", url, **kwargs)

    def replace(self, method: str, url: str | re.Pattern[str], **kwargs: Any) -> None:
        for i, rule in enumerate(self._rules):
            if rule.method == method and rule.url == url:
                self._rules[i] = self._rule(method, url, **kwargs)
                return
        raise ValueError(f"no registration of {method} {url} to replace")

    @staticmethod
    def _rule(method: str, url: str | re.Pattern[str], *, body: Any = b"", status: int = 200,
              headers: dict[str, str] | None = None, content_type: str | None = "text/plain",
              json: Any = None, match: Any = ()) -> _Rule:
        pairs = list((headers or {}).items())
        if json is not None:
            body = jsonlib.dumps(json)
            content_type = "application/json"
        if isinstance(body, str):
            body = body.encode()
        if content_type and not any(k.lower() == "content-type" for k, _ in pairs):
            pairs.insert(0, ("Content-Type", content_type))
        return _Rule(method, url, status, body, pairs, tuple(match))

    # -- activation

    def activate(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return wrapper

    def __enter__(self) -> FakeWeb:
        self._rules, self.calls = [], []
        self._mock = aioresponses()
        mock = self._mock.__enter__()
        for method in ("GET", "POST"):
            mock.add(re.compile(r".*"), method, callback=functools.partial(self._answer, method),
                     repeat=True)
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._mock is not None
        self._mock.__exit__(*exc)
        self._mock = None

    def _answer(self, method: str, url: Any, **kwargs: Any) -> CallbackResult:
        request = Request(method, str(url), CIMultiDict(kwargs.get("headers") or {}),
                          kwargs.get("data"))
        self.calls.append(Call(request))
        found = [rule for rule in self._rules if rule.matches(request)]
        if not found:
            raise aiohttp.ClientConnectionError(f"Connection refused: {method} {url}")
        rule = found[0]
        if len(found) > 1:  # several: each answers once, in turn; the last stays
            self._rules.remove(rule)
        if isinstance(rule.body, BaseException):
            raise rule.body
        content_type = next((v for k, v in rule.headers if k.lower() == "content-type"), "")
        headers = CIMultiDict(rule.headers)
        return CallbackResult(status=rule.status, body=rule.body, headers=headers,
                              content_type=content_type or "application/octet-stream",
                              response_class=_Response)


fake_web = FakeWeb()
