"""A real pywb on 127.0.0.1, fed with WARCs built at test time.

Fixtures (loaded by ``conftest.py`` as a plugin):

``pywb_archive`` (session)
    One pywb with the default captures of :data:`DEFAULT_CAPTURES` in a
    collection named ``web``. Yields a :class:`PywbServer` with ``.root``
    (``http://127.0.0.1:PORT/web``, what ``--archive-url`` takes), ``.cdx_url``
    (``ROOT/cdx``) and ``.add(captures)`` to index more captures while it runs.

``pywb_factory`` (session)
    ``pywb_factory(captures, name="...")`` starts a separate pywb with its own
    collection for a test world (e.g. the verify helper's publisher sites);
    every server it starts is stopped at the end of the session.

Captures are :class:`Capture` records (url, 14-digit timestamp, status,
headers, body); :func:`html_capture`, :func:`redirect_capture` and
:func:`not_found_capture` build the common ones, :func:`write_warc` writes
them as gzipped WARC request + response records with warcio.

Nothing here reaches beyond 127.0.0.1: pywb serves only what is indexed (no
live collection is configured) and proxies are switched off in its
environment.
"""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

__all__ = [
    "Capture",
    "PywbServer",
    "html_capture",
    "redirect_capture",
    "not_found_capture",
    "write_warc",
    "warc_date",
    "DEFAULT_CAPTURES",
]

READY_TIMEOUT = 60.0  # seconds; pywb is usually ready in ~1.5 s


@dataclass(frozen=True)
class Capture:
    """One archived HTTP exchange: what pywb will replay for ``url`` at ``timestamp``."""

    url: str
    timestamp: str  #: 14 digits, UTC: 20180514093000
    status: int = 200
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/html; charset=utf-8"),)
    body: bytes = b""
    reason: str = ""

    def __post_init__(self) -> None:
        if len(self.timestamp) != 14 or not self.timestamp.isdigit():
            raise ValueError(f"timestamp must be 14 digits, got {self.timestamp!r}")


def html_capture(
    url: str, timestamp: str, body: str | bytes, *, status: int = 200, title: str | None = None
) -> Capture:
    """A ``text/html`` capture; a plain-text ``body`` is wrapped in a page with ``title``."""
    if isinstance(body, str):
        if "<html" not in body.lower():
            head = f"<title>{title}</title>" if title else ""
            body = f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"
        body = body.encode("utf-8")
    return Capture(url, timestamp, status, body=body)


def redirect_capture(url: str, timestamp: str, location: str, *, status: int = 301) -> Capture:
    """A redirect capture (pywb replays the ``Location`` rewritten into the archive)."""
    return Capture(
        url,
        timestamp,
        status,
        headers=(("Location", location), ("Content-Type", "text/html")),
        body=b"",
    )


def not_found_capture(url: str, timestamp: str, body: bytes = b"<h1>Not Found</h1>") -> Capture:
    return Capture(url, timestamp, 404, body=body)


def warc_date(timestamp: str) -> str:
    """``20180514093000`` -> ``2018-05-14T09:30:00Z``."""
    t = timestamp
    return f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"


def write_warc(path: Path, captures: Iterable[Capture]) -> Path:
    """Write ``captures`` as gzipped WARC request + response records at ``path``."""
    from http import HTTPStatus
    from urllib.parse import urlsplit

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for cap in captures:
            try:
                reason = cap.reason or HTTPStatus(cap.status).phrase
            except ValueError:
                reason = "Unknown"
            headers = [(k, v) for k, v in cap.headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(cap.body))))
            http_headers = StatusAndHeaders(
                f"{cap.status} {reason}", headers, protocol="HTTP/1.1"
            )
            date = warc_date(cap.timestamp)
            response = writer.create_warc_record(
                cap.url,
                "response",
                payload=io.BytesIO(cap.body),
                http_headers=http_headers,
                warc_headers_dict={"WARC-Date": date},
            )
            parts = urlsplit(cap.url)
            target = parts.path or "/"
            if parts.query:
                target += "?" + parts.query
            request = writer.create_warc_record(
                cap.url,
                "request",
                payload=io.BytesIO(b""),
                http_headers=StatusAndHeaders(
                    f"GET {target} HTTP/1.1",
                    [("Host", parts.netloc), ("User-Agent", "citecheck-tests")],
                    is_http_request=True,
                ),
                warc_headers_dict={
                    "WARC-Date": date,
                    "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
                },
            )
            writer.write_record(response)
            writer.write_record(request)
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _venv_tool(name: str) -> str:
    """A console script installed beside the running interpreter (the venv's bin)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        pytest.skip(f"{name} not installed (pip install -e '.[test]')")
    return found


def _offline_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NO_PROXY"] = env["no_proxy"] = "*"
    return env


class PywbServer:
    """A pywb process serving one collection ``web`` from its own directory."""

    collection = "web"

    def __init__(self, directory: Path, name: str = "pywb") -> None:
        self.directory = directory
        self.name = name
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._warcs = 0
        self.log_path = directory / "wayback.log"

    # --------------------------------------------------------------- addresses

    @property
    def root(self) -> str:
        """Collection root for ``--archive-url``: ``http://127.0.0.1:PORT/web``."""
        return f"http://127.0.0.1:{self.port}/{self.collection}"

    @property
    def cdx_url(self) -> str:
        return f"{self.root}/cdx"

    def replay_url(self, timestamp: str, url: str, raw: bool = True) -> str:
        return f"{self.root}/{timestamp}{'id_' if raw else ''}/{url}"

    # ---------------------------------------------------------------- lifecycle

    def _run(self, *args: str) -> None:
        proc = subprocess.run(
            [_venv_tool("wb-manager"), *args],
            cwd=self.directory,
            env=_offline_env(),
            capture_output=True,
            timeout=120,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"wb-manager {' '.join(args)} failed ({proc.returncode}): "
                f"{proc.stderr.decode(errors='replace')[-2000:]}"
            )

    def init(self) -> PywbServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._run("init", self.collection)
        return self

    def add(self, captures: Sequence[Capture]) -> Path:
        """Write ``captures`` to a new WARC and index it; a running pywb sees them at once."""
        self._warcs += 1
        warc = self.directory / "build" / f"{self.name}-{self._warcs:03d}.warc.gz"
        write_warc(warc, captures)
        self.add_warc(warc)
        return warc

    def add_warc(self, warc: Path) -> None:
        """Index an existing WARC file (e.g. the evidence archive citecheck wrote)."""
        self._run("add", self.collection, str(warc))

    def start(self) -> PywbServer:
        last_error = ""
        for _attempt in range(3):  # the free port may be taken between bind and start
            self.port = _free_port()
            log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
            self._log = log
            self.process = subprocess.Popen(
                [_venv_tool("wayback"), "-b", "127.0.0.1", "-p", str(self.port)],
                cwd=self.directory,
                env=_offline_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            ok, last_error = self._wait_ready()
            if ok:
                return self
            self.stop()
        raise RuntimeError(f"pywb did not start: {last_error}\n{self.log_tail()}")

    def _wait_ready(self) -> tuple[bool, str]:
        deadline = time.monotonic() + READY_TIMEOUT
        error = ""
        session = requests.Session()
        session.trust_env = False
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False, f"exited with {self.process.returncode}"
            try:
                resp = session.get(
                    self.cdx_url, params={"url": "example.invalid/", "output": "json"}, timeout=2
                )
                if resp.status_code in (200, 404):
                    return True, ""
                error = f"HTTP {resp.status_code}"
            except requests.RequestException as exc:
                error = str(exc)
            time.sleep(0.1)
        return False, f"not ready after {READY_TIMEOUT:g}s: {error}"

    def stop(self) -> None:
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        log = getattr(self, "_log", None)
        if log is not None:
            log.close()
            self._log = None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def __enter__(self) -> PywbServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ------------------------------------------------------------ default world

#: What the session-wide pywb holds. Dates straddle a brief published
#: 2018-06-04 that cites these pages around 2018-05-14.
DEFAULT_CAPTURES: tuple[Capture, ...] = (
    # a page captured several times: before, at and after the cited date
    html_capture("http://news.example.com/2018/05/14/statement", "20180301120000",
                 "Early version: draft statement.", title="Statement (draft)"),
    html_capture("http://news.example.com/2018/05/14/statement", "20180514093000",
                 "Statement of May 14: the ministers met in Beijing.", title="Statement"),
    html_capture("http://news.example.com/2018/05/14/statement", "20180520120000",
                 "Statement of May 14 (updated May 20).", title="Statement (updated)"),
    html_capture("http://news.example.com/2018/05/14/statement", "20180610120000",
                 "Statement of May 14 (updated after publication).", title="Statement (late)"),
    # near tie around the brief's publication date: prefer the one before it
    html_capture("http://news.example.com/2018/06/report", "20180603120000",
                 "Report as the author saw it.", title="Report"),
    html_capture("http://news.example.com/2018/06/report", "20180605120000",
                 "Report edited after the brief was published.", title="Report (edited)"),
    # a 404 capture right at the cited date and a good one a little later
    not_found_capture("http://news.example.com/2018/05/gone", "20180514000000"),
    html_capture("http://news.example.com/2018/05/gone", "20180516000000",
                 "Gone page, captured while alive.", title="Gone"),
    # a redirect capture
    redirect_capture("http://news.example.com/old", "20180514000000",
                     "http://news.example.com/2018/05/14/statement"),
    # a page on another host of the same domain, for domain discovery
    html_capture("http://www.news.example.com/2018/05/15/interview", "20180515080000",
                 "Interview of May 15.", title="Interview"),
)


@pytest.fixture(scope="session")
def pywb_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """``pywb_factory(captures, name=...) -> PywbServer``: a separate running pywb."""
    servers: list[PywbServer] = []

    def make(captures: Sequence[Capture] = (), name: str = "world") -> PywbServer:
        directory = tmp_path_factory.mktemp(f"pywb-{name}")
        server = PywbServer(directory, name=name).init()
        if captures:
            server.add(captures)
        servers.append(server)
        return server.start()

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def pywb_archive(pywb_factory) -> PywbServer:  # type: ignore[no-untyped-def]
    """The session-wide pywb holding :data:`DEFAULT_CAPTURES`."""
    return pywb_factory(DEFAULT_CAPTURES, name="default")


def replace_capture(capture: Capture, **changes: object) -> Capture:
    """A copy of ``capture`` with some fields changed."""
    return dataclasses.replace(capture, **changes)  # type: ignore[arg-type]
