"""Fakes for the network stages of the audit pipeline (owner: store helper).

``stages_for(web)`` builds :class:`~citecheck.pipeline.Stages` with the real
extract stage and fakes for resolve, live checks, archive and verify, so the
runner and the CLI can be tested without a network. The ``fake_stages``
fixture installs them as the pipeline's default stages.
"""

from dataclasses import replace

import pytest

from citecheck.extract import extract_citations, read_document
from citecheck.models import (
    ArchiveLookup,
    Candidate,
    LiveResult,
    LiveStatus,
    LookupStatus,
    Snapshot,
    Verdict,
    VerdictKind,
)
from citecheck.pipeline import Stages
from citecheck.registry import find_registry
from citecheck.store import now_iso

BRIEF = """4 June 2018

China announced plans ([MOFA, May 14](http://gov.test/a)).

Russia agreed (Kremlin, [April 2 2018](http://gov.test/gone)).

Sales grew (SIPRI, 2017). And broken (SIPRI
"""


class FakeWeb:
    """Stands in for the live runner: a status per URL, the cache honoured."""

    def __init__(self, statuses):
        self.statuses = dict(statuses)
        self.asked: list[str] = []
        self.offline = False
        self.interrupt_after: int | None = None

    def check_urls(self, urls, client, *, concurrency, per_host, cache=None, max_age=None,
                   on_result=None):
        out = {}
        for url in urls:
            result = cache.get_live(url, max_age) if cache else None
            if result is None:
                if self.interrupt_after is not None and len(self.asked) >= self.interrupt_after:
                    raise KeyboardInterrupt
                self.asked.append(url)
                status = self.statuses.get(url, LiveStatus.DEAD)
                result = LiveResult(url, status, 200 if status.is_ok else 404, final_url=url,
                                    checked_at=now_iso(), body=b"<p>page</p>")
                if cache:
                    cache.put_live(result)
            out[url] = result
            if on_result:
                on_result(result)
        return out


class FakeArchive:
    def __init__(self):
        self.asked = []
        self.last_error = None

    def lookup(self, url, cited_date=None, published=None, window_days=365):
        self.asked.append((url, cited_date, published))
        snap = Snapshot(url, f"http://arch.test/web/20180514000000/{url}", "20180514000000")
        return ArchiveLookup(url, LookupStatus.FOUND, snapshot=snap)

    def fetch_snapshot(self, snapshot):
        return replace(snapshot, body=b"<p>archived</p>")


def fake_resolve(citation, registry, archive=None):
    return [Candidate(citation.url, "hyperlink")] if citation.url else []


def fake_verify(citation, source, candidates, live, lookup, *, pin=None, thresholds=None):
    if citation.malformed:
        kind = VerdictKind.MALFORMED
    elif not candidates:
        kind = VerdictKind.UNRESOLVED
    elif live is None:
        kind = VerdictKind.INCONCLUSIVE
    elif live.status.is_ok:
        kind = VerdictKind.VERIFIED
    elif live.status is LiveStatus.DEAD:
        kind = (VerdictKind.RESCUED if lookup and lookup.snapshot and lookup.snapshot.body
                else VerdictKind.DEAD)
    else:
        kind = VerdictKind.INCONCLUSIVE
    return Verdict(citation, kind, reasons=(kind.value,), urls=tuple(c.url for c in candidates),
                   live=live, snapshot=lookup.snapshot if lookup else None)


def stages_for(web, archive=None):
    return Stages(
        find_registry=find_registry,
        read_document=read_document,
        extract_citations=extract_citations,
        resolve=fake_resolve,
        check_urls=web.check_urls,
        detect_offline=lambda results: web.offline,
        verify_citation=fake_verify,
        make_client=lambda config: object(),
        make_archive=(lambda http, options, **hooks: archive) if archive else None,
    )



@pytest.fixture
def fake_stages(monkeypatch):
    """The pipeline's default stages replaced by fakes; returns the fake web to steer."""
    web = FakeWeb({"http://gov.test/a": LiveStatus.OK})
    monkeypatch.setattr("citecheck.pipeline.default_stages", lambda: stages_for(web))
    return web


@pytest.fixture
def fake_brief(tmp_path):
    path = tmp_path / "brief.md"
    path.write_text(BRIEF, encoding="utf-8")
    return str(path)


def old_database(path, upto):
    """A database as an older citecheck left it: migrations 1..``upto``, one citation row."""
    import sqlite_utils

    from citecheck.store import MIGRATIONS

    old = sqlite_utils.Database(path)
    for version, name, step in MIGRATIONS[:upto]:
        step(old)
        old["schema_version"].insert({"version": version, "name": name, "applied_at": "x"})
    old["citations"].insert({"id": 1, "run_id": 1, "source": "MOFA", "raw": "MOFA, May 14"})
    old.conn.close()
    return path
