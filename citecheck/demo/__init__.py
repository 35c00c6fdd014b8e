"""``citecheck demo``: a small simulated world to show what citecheck does, offline.

:func:`demo_world` starts, on loopback only, a few simulated publishers
(:mod:`citecheck.demo.web`) serving the demo pages of ``citecheck/demo/pages/``
(written by the citecheck project and labelled as such: none of these
publishers exists) and a real pywb (:mod:`citecheck.demo.pywb`) holding
captures of some of them; it writes a demo brief citing them and a source
registry naming their addresses. Each citation of the brief is there for one
verdict (:data:`EXPECTED`); the CLI audits the brief with the real pipeline.
Everything it started stops when the ``with`` block ends, however it ends.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from citecheck.demo.pywb import PywbServer, html_capture, pywb_installed
from citecheck.demo.web import DemoWeb, Page
from citecheck.errors import InputError, RunError

PUBLISHED = "2018-06-04"
#: install command named when pywb is missing
INSTALL_HINT = "pip install 'citecheck[demo]'"

#: (source, date as written) -> the verdict the demo audit gives it
EXPECTED: dict[tuple[str, str | None], str] = {
    ("Harbour Gazette", "May 14 2018"): "verified",
    ("Northfield Institute", "May 20 2018"): "rescued",  # the page was replaced: drift
    ("Coastal Times", "April 30 2018"): "rescued",  # gone live (404), kept by the archive
    ("Ridge Post", "May 2 2018"): "mismatch",  # a misquote: the page says "not ready"
    ("Ministry of Ports", "May 9 2018"): "dead",  # 404, never archived
    ("Delta Wire", "May 11 2018"): "inconclusive",  # a bot wall (403)
    ("Atlas Monitor", "May 12 2018"): "inconclusive",  # rate limited (429)
    ("Lakeside Review", "2018"): "unresolved",  # no link, nothing found
    ("Harbour Gazette", None): "malformed",  # an unclosed parenthesis
}

_HOSTS = ["gazette", "northfield", "coastal", "ridge", "ports", "delta", "atlas", "lakeside"]


@dataclass(frozen=True)
class DemoWorld:
    """A started demo world: where its brief, registry and archive are."""

    directory: Path  #: a temporary folder with brief.md and citations.yaml
    brief: Path
    registry: Path
    archive_url: str  #: pywb's collection root, for --archive-url


def _page(name: str) -> bytes:
    return (resources.files("citecheck.demo") / "pages" / name).read_bytes()


def _build(web: DemoWeb, archive: PywbServer, directory: Path) -> DemoWorld:
    """Serve the publishers, fill the archive, write the registry and the brief."""
    base = {name: web.host(name) for name in _HOSTS}
    gazette = web.serve("gazette", "/2018/05/14/ports-agreement",
                        Page(body=_page("harbour-gazette-port-agreement.html")))
    northfield = web.serve("northfield", "/research/shipping-2008-2018",
                           Page(body=_page("northfield-institute-donate.html")))
    coastal = base["coastal"] + "/news/2018/04/30/dredging"  # 404 live
    ridge = web.serve("ridge", "/local/mayor-interview",
                      Page(body=_page("ridge-post-interview.html")))
    ports = base["ports"] + "/press/2018/05/09/new-tariffs"  # 404 live, never archived
    delta = web.serve("delta", "/wire/2018/05/11/port-strike",
                      Page(403, _page("delta-wire-blocked.html")))
    atlas = web.serve("atlas", "/monitor/2018-05-12-shipping",
                      Page(429, b"Too Many Requests",
                           (("Content-Type", "text/plain"), ("Retry-After", "3600"))))
    archive.init([
        html_capture(gazette, "20180514120000", _page("harbour-gazette-port-agreement.html")),
        html_capture(northfield, "20180521090000", _page("northfield-institute-report.html")),
        html_capture(coastal, "20180501080000", _page("coastal-times-dredging.html")),
        html_capture(ridge, "20180503100000", _page("ridge-post-interview.html")),
    ])
    netloc = {name: url.split("//", 1)[1] for name, url in base.items()}
    registry = directory / "citations.yaml"
    registry.write_text(textwrap.dedent(f"""\
        # The demo's source registry (written by `citecheck demo`): the simulated
        # publishers' loopback addresses.
        sources:
          Harbour Gazette: {{domains: ["{netloc['gazette']}"]}}
          Northfield Institute: {{domains: ["{netloc['northfield']}"]}}
          Coastal Times: {{domains: ["{netloc['coastal']}"]}}
          Ridge Post: {{domains: ["{netloc['ridge']}"]}}
          Ministry of Ports: {{domains: ["{netloc['ports']}"]}}
          Delta Wire: {{domains: ["{netloc['delta']}"]}}
          Atlas Monitor: {{domains: ["{netloc['atlas']}"]}}
          Lakeside Review: {{domains: ["{netloc['lakeside']}"]}}
        """), encoding="utf-8")
    brief = directory / "demo-brief.md"
    brief.write_text(textwrap.dedent(f"""\
        # The northern ports in 2018 (a demo brief)

        4 June 2018

        *Written by the citecheck project for `citecheck demo`: the publishers
        cited here are simulated on this machine and do not exist.*

        The three northern ports signed a ten-year agreement, which their board
        called "a new chapter for the northern ports" ([Harbour Gazette, May 14 2018]({gazette})).

        A review of port records found that "shipping volumes doubled within a
        decade" ([Northfield Institute, May 20 2018]({northfield})).

        The port's engineer said that "the dredging will finish by autumn"
        ([Coastal Times, April 30 2018]({coastal})).

        The mayor declared: "We are ready to accept the proposal"
        ([Ridge Post, May 2 2018]({ridge})).

        New harbour tariffs were announced for the summer season
        ([Ministry of Ports, May 9 2018]({ports})).

        Dockworkers went on strike for two days in May
        ([Delta Wire, May 11 2018]({delta})).

        Container traffic reached a record in the first quarter
        ([Atlas Monitor, May 12 2018]({atlas})).

        Local historians have long argued for a single port authority
        (Lakeside Review, 2018).

        The merger was first proposed twenty years ago (Harbour Gazette

        That is all.
        """), encoding="utf-8")
    return DemoWorld(directory=directory, brief=brief, registry=registry,
                     archive_url=archive.root)


@contextlib.contextmanager
def _demo_environment() -> Iterator[None]:
    """A configured HTTP proxy is not asked for the demo's loopback addresses, and
    ``CITECHECK_*`` settings meant for real audits do not bend the demo's."""
    names = ["no_proxy", "NO_PROXY", *(n for n in os.environ if n.startswith("CITECHECK_"))]
    saved = {name: os.environ.get(name) for name in names}
    current = saved["no_proxy"] or saved["NO_PROXY"]
    value = ",".join(filter(None, [current, "127.0.0.0/8", "localhost"]))
    for name in names:
        os.environ.pop(name, None)
    os.environ["no_proxy"] = os.environ["NO_PROXY"] = value
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


@contextlib.contextmanager
def demo_world() -> Iterator[DemoWorld]:
    """Start the demo world; stop its servers and remove its folder on the way out."""
    if not pywb_installed():
        raise InputError(f"citecheck demo needs pywb, which is not installed: {INSTALL_HINT}")
    directory = Path(tempfile.mkdtemp(prefix="citecheck-demo-"))
    web = DemoWeb()
    archive = PywbServer(directory / "pywb", name="demo")
    try:
        with _demo_environment():
            try:
                world = _build(web, archive, directory)
                archive.start()
            except (RuntimeError, OSError) as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise RunError(f"citecheck demo: the local archive could not start: {reason}"
                               ) from exc
            yield dataclasses.replace(world, archive_url=archive.root)  # its port is known now
    finally:
        archive.stop()
        web.close()
        shutil.rmtree(directory, ignore_errors=True)
