"""A real pywb on 127.0.0.1, fed with WARCs written from :class:`Capture` records.

Used by ``citecheck demo`` (its local web archive) and by the tests
(``tests/fixtures_pywb.py``). Captures are :class:`Capture` records (url,
14-digit timestamp, status, headers, body); :func:`html_capture`,
:func:`redirect_capture` and :func:`not_found_capture` build the common ones,
:func:`write_warc` writes them as gzipped WARC request + response records with
warcio.

Nothing here reaches beyond 127.0.0.1: pywb serves only what is indexed (no
live collection is configured) and proxies are switched off in its
environment. The pywb process dies with the process that started it (Linux:
``PR_SET_PDEATHSIG``), so even a killed parent leaves none behind.
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from citecheck.http import HttpClient, HttpConfig

__all__ = [
    "Capture",
    "PywbServer",
    "html_capture",
    "not_found_capture",
    "pywb_installed",
    "redirect_capture",
    "warc_date",
    "write_warc",
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


#: pywb's two programs, run with this interpreter (no PATH lookup, no venv guess)
_PROGRAMS = {
    # several wb-manager commands (a JSON list of argument lists) in one process:
    # each start of pywb's code costs a second or two
    "wb-manager": "import json, sys\nfrom pywb.manager.manager import main\n"
                  "for command in json.loads(sys.argv[1]):\n    main(command)",
    "wayback": "from pywb.apps.cli import wayback; wayback()",
}


def pywb_installed() -> bool:
    """Whether pywb can be run (it is the ``demo`` extra, and in the ``test`` one)."""
    import importlib.util

    return importlib.util.find_spec("pywb") is not None


def _program(name: str) -> list[str]:
    return [sys.executable, "-c", _PROGRAMS[name]]


#: prctl(2), looked up before any fork: the child only calls it
_PRCTL = ctypes.CDLL(None).prctl if sys.platform.startswith("linux") else None
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the parent dies (Linux only)."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGTERM))


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
        self._log: IO[bytes] | None = None

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

    def _run(self, *commands: list[str]) -> None:
        """Run wb-manager ``commands`` (argument lists), in one process."""
        proc = subprocess.run(
            [*_program("wb-manager"), json.dumps(commands)],
            cwd=self.directory,
            env=_offline_env(),
            capture_output=True,
            timeout=120,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"wb-manager {' ; '.join(' '.join(c) for c in commands)} failed "
                f"({proc.returncode}): "
                f"{proc.stderr.decode(errors='replace')[-2000:]}"
            )

    def init(self, captures: Sequence[Capture] = ()) -> PywbServer:
        """Create the collection, with ``captures`` indexed in it (one wb-manager run)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        commands = [["init", self.collection]]
        if captures:
            commands.append(["add", self.collection, str(self._write(captures))])
        self._run(*commands)
        return self

    def add(self, captures: Sequence[Capture]) -> Path:
        """Write ``captures`` to a new WARC and index it; a running pywb sees them at once."""
        warc = self._write(captures)
        self.add_warc(warc)
        return warc

    def _write(self, captures: Sequence[Capture]) -> Path:
        self._warcs += 1
        return write_warc(self.directory / "build" / f"{self.name}-{self._warcs:03d}.warc.gz",
                          captures)

    def add_warc(self, warc: Path) -> None:
        """Index an existing WARC file (e.g. the evidence archive citecheck wrote)."""
        self._run(["add", self.collection, str(warc)])

    def start(self) -> PywbServer:
        last_error = ""
        for _attempt in range(3):  # the free port may be taken between bind and start
            self.port = _free_port()
            log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
            self._log = log
            self.process = subprocess.Popen(
                [*_program("wayback"), "-b", "127.0.0.1", "-p", str(self.port)],
                cwd=self.directory,
                env=_offline_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - one C call, set up before
            )
            ok, last_error = self._wait_ready()
            if ok:
                return self
            self.stop()
        raise RuntimeError(f"pywb did not start: {last_error}\n{self.log_tail()}")

    def _wait_ready(self) -> tuple[bool, str]:
        deadline = time.monotonic() + READY_TIMEOUT
        error = ""
        client = HttpClient(HttpConfig(allow_private=True, retries=0, connect_timeout=2.0,
                                       read_timeout=2.0, deadline=4.0))
        try:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.poll() is not None:
                    return False, f"exited with {self.process.returncode}"
                result = client.fetch(self.cdx_url,
                                      params={"url": "example.invalid/", "output": "json"})
                if result.status_code in (200, 404):
                    return True, ""
                error = result.error_text or f"HTTP {result.status_code}"
                time.sleep(0.1)
        finally:
            client.close()
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
        log = self._log
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
