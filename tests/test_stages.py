"""The audit's overlapped stages: archive lookups beside the live checks (citecheck.stages)."""

import threading
from dataclasses import replace

import pytest
from fixtures_store import FakeArchive, FakeWeb, fake_verify, stages_for

from citecheck.models import LiveResult, LiveStatus
from citecheck.pipeline import AuditOptions, run_audit
from citecheck.runner import detect_offline
from citecheck.stages import Background, Stopped, check_stopped, proves_network
from citecheck.store import Store, now_iso


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "s.db")
    yield s
    s.close()


class SignallingArchive(FakeArchive):
    """Says when it is first asked."""

    def __init__(self):
        super().__init__()
        self.first_asked = threading.Event()

    def lookup(self, url, cited_date=None, published=None, window_days=365):
        out = super().lookup(url, cited_date, published, window_days)
        self.first_asked.set()
        return out


class WaitingWeb(FakeWeb):
    """After its first live answer, waits (up to 5 s) for the archive to be asked
    before checking the next URL: the archive stage must not wait for the live one."""

    def __init__(self, statuses, archive):
        super().__init__(statuses)
        self.archive = archive
        self.overlapped: bool | None = None

    def check_urls(self, urls, client, *, concurrency, per_host, cache=None, max_age=None,
                   on_result=None):
        def relay(result):
            if on_result:
                on_result(result)
            if self.overlapped is None:
                self.overlapped = self.archive.first_asked.wait(5)

        return super().check_urls(urls, client, concurrency=concurrency, per_host=per_host,
                                  cache=cache, max_age=max_age, on_result=relay)


def test_archive_lookups_start_while_live_checks_run(fake_brief, store):
    archive = SignallingArchive()
    web = WaitingWeb({"http://gov.test/a": LiveStatus.OK}, archive)
    result = run_audit([fake_brief], store, AuditOptions(), stages=stages_for(web, archive))
    assert web.overlapped is True
    assert web.asked == ["http://gov.test/a", "http://gov.test/gone"]
    assert sorted(url for url, *_ in archive.asked) == ["http://gov.test/a",
                                                        "http://gov.test/gone"]
    assert [v.verdict.value for v in result.verdicts] == ["verified", "rescued", "unresolved",
                                                          "malformed"]
    assert result.summary["stats"]["lookups"] == 2


class UnreachableWeb(FakeWeb):
    """Every host fails to resolve: the real offline rule decides."""

    def check_urls(self, urls, client, *, concurrency, per_host, cache=None, max_age=None,
                   on_result=None):
        out = {}
        for url in urls:
            self.asked.append(url)
            out[url] = LiveResult(url, LiveStatus.ERROR, None, reasons=("dns-error",),
                                  checked_at=now_iso())
            if on_result:
                on_result(out[url])
        return out


def test_unreachable_live_answers_never_start_the_archive(tmp_path, store):
    brief = tmp_path / "b.md"
    brief.write_text("4 June 2018\n\nChina announced plans ([MOFA, May 14](http://one.test/a)).\n\n"
                     "Russia agreed (Kremlin, [April 2 2018](http://two.test/b)).\n",
                     encoding="utf-8")
    web = UnreachableWeb({})
    archive = FakeArchive()
    stages = replace(stages_for(web, archive), detect_offline=detect_offline)
    result = run_audit([str(brief)], store, AuditOptions(), stages=stages)
    assert result.offline
    assert archive.asked == []  # offline: the archive is not asked either
    assert result.summary["stats"]["lookups"] == 0


def test_an_interrupted_live_stage_stops_the_archive_stage(fake_brief, store):
    archive = SignallingArchive()
    web = FakeWeb({"http://gov.test/a": LiveStatus.OK})
    web.interrupt_after = 1
    with pytest.raises(KeyboardInterrupt):
        run_audit([fake_brief], store, AuditOptions(), stages=stages_for(web, archive))
    assert store.runs()[0].status == "interrupted"
    assert store.db.table("checks").count == 1  # the finished live check is kept


@pytest.mark.parametrize(("status", "reasons", "cached", "proves"), [
    (LiveStatus.OK, (), False, True),
    (LiveStatus.DEAD, ("http-404",), False, True),
    (LiveStatus.ERROR, ("timeout",), False, True),
    (LiveStatus.ERROR, ("dns-error",), False, False),
    (LiveStatus.ERROR, ("connection-refused: nobody listens",), False, False),
    (LiveStatus.OK, (), True, False),
    (LiveStatus.SKIPPED, ("private-address",), False, False),
])
def test_proves_network(status, reasons, cached, proves):
    result = LiveResult("http://h.test/", status, None, reasons=reasons, from_cache=cached)
    assert proves_network(result) is proves


def test_background_runs_once_and_reraises():
    calls = []

    def work(stop):
        calls.append(1)
        raise ValueError("boom")

    stage = Background(work)
    stage.start()
    stage.start()
    with pytest.raises(ValueError, match="boom"):
        stage.result()
    assert calls == [1]


def test_a_stopped_background_stage_never_starts():
    stage = Background(lambda stop: pytest.fail("should not run"))
    stage.stop()
    stage.start()
    assert not stage.started
    stop = threading.Event()
    check_stopped(stop)
    stop.set()
    with pytest.raises(Stopped):
        check_stopped(stop)


def test_verification_runs_as_copies_arrive(fake_brief, tmp_path):
    """The first citation is verified while the live stage is still checking the
    second URL; the verdicts are those of the serial runner."""
    verified = threading.Event()
    during: list[bool] = []

    def verify(citation, *args, **kwargs):
        verified.set()
        return fake_verify(citation, *args, **kwargs)

    class Web(FakeWeb):
        def check_urls(self, urls, client, *, on_result=None, **kwargs):
            def relay(result):
                if on_result:
                    on_result(result)
                if not during:
                    during.append(verified.wait(5))

            return super().check_urls(urls, client, on_result=relay, **kwargs)

    for n, archive in enumerate((None, SignallingArchive())):
        store = Store(tmp_path / f"v{n}.db")
        verified.clear()
        during.clear()
        web = Web({"http://gov.test/a": LiveStatus.OK})
        stages = replace(stages_for(web, archive), verify_citation=verify)
        result = run_audit([fake_brief], store, AuditOptions(no_archive=archive is None),
                           stages=stages)
        assert during == [True]
        assert [v.verdict.value for v in result.verdicts] == [
            "verified", "dead" if archive is None else "rescued", "unresolved", "malformed"]
        for v in result.verdicts[:2]:
            assert v.live is not None and not v.live.from_cache
        store.close()


def test_a_cached_live_result_is_verified_as_its_fresh_lookup_lands(fake_brief, tmp_path):
    """Live results fresh in the cache, lookups asked again (an audit after one with
    the archive off): each citation is verified as its lookup lands, while the
    archive stage is still looking up the next URL; the verdicts are unchanged."""
    verified = threading.Event()
    during: list[bool] = []
    calls: list[str] = []

    def verify(citation, *args, **kwargs):
        calls.append(citation.id)
        verified.set()
        return fake_verify(citation, *args, **kwargs)

    class Archive(FakeArchive):
        def lookup(self, url, cited_date=None, published=None, window_days=365):
            if url.endswith("/gone"):  # asked after /a: has /a been verified meanwhile?
                during.append(verified.wait(5))
            return super().lookup(url, cited_date, published, window_days)

    store = Store(tmp_path / "v.db")
    web = FakeWeb({"http://gov.test/a": LiveStatus.OK})
    first = run_audit([fake_brief], store, AuditOptions(no_archive=True),
                      stages=replace(stages_for(web), verify_citation=verify))
    verified.clear()
    calls.clear()
    stages = replace(stages_for(web, Archive()), verify_citation=verify)
    second = run_audit([fake_brief], store, AuditOptions(), stages=stages)
    store.close()
    assert during == [True]
    assert sorted(calls) == sorted(v.citation.id for v in second.verdicts)  # each once
    assert [v.verdict.value for v in first.verdicts] == [
        "verified", "dead", "unresolved", "malformed"]
    assert [v.verdict.value for v in second.verdicts] == [
        "verified", "rescued", "unresolved", "malformed"]
    assert second.verdicts[0].live is not None and second.verdicts[0].live.from_cache
    assert second.verdicts[0].snapshot is not None
