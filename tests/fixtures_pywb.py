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
them as gzipped WARC request + response records with warcio. They and
:class:`PywbServer` live in ``citecheck.demo.pywb`` (``citecheck demo`` runs
the same pywb); this module adds the fixtures and the default captures.

Nothing here reaches beyond 127.0.0.1: pywb serves only what is indexed (no
live collection is configured) and proxies are switched off in its
environment.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

import pytest

from citecheck.demo.pywb import (
    Capture,
    PywbServer,
    html_capture,
    not_found_capture,
    redirect_capture,
    warc_date,
    write_warc,
)

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
        server = PywbServer(directory, name=name).init(captures)
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
