"""The snapshot the author chose (Robust Links) is the one the audit checks first."""

from dataclasses import replace

import pytest
from fixtures_store import FakeArchive, FakeWeb, stages_for

from citecheck.authored import author_lookup, author_snapshot
from citecheck.models import Citation, LiveStatus, LookupStatus
from citecheck.pipeline import AuditOptions, run_audit
from citecheck.store import Store

AUTHOR_SNAP = "http://arch.test/web/20170102030405/http://gov.test/gone"

BRIEF = f"""<!doctype html><html><head><title>Brief</title>
<meta property="article:published_time" content="2018-06-04"></head><body>
<nav>Home | About (2018, p. 1)</nav>
<p>China announced plans (<a href="http://gov.test/a">MOFA, May 14</a>).</p>
<p>Russia agreed (<a href="http://gov.test/gone" data-versionurl="{AUTHOR_SNAP}"
 data-versiondate="2017-01-02">Kremlin, January 2 2017</a>).</p>
<p>Later (<a href="http://gov.test/later">TASS, March 3</a>).</p>
</body></html>
"""


class RecordingArchive(FakeArchive):
    def __init__(self, replay_ok=True):
        super().__init__()
        self.replayed = []
        self.replay_ok = replay_ok

    def fetch_snapshot(self, snapshot):
        self.replayed.append(snapshot.timestamp)
        if snapshot.timestamp == "20170102030405" and not self.replay_ok:
            return replace(snapshot, error="bad-response: HTTP 404", body=None)
        return replace(snapshot, body=b"<p>archived %s</p>" % snapshot.timestamp.encode())


@pytest.fixture
def brief(tmp_path):
    path = tmp_path / "brief.html"
    path.write_text(BRIEF, encoding="utf-8")
    return str(path)


def _audit(brief, tmp_path, archive):
    store = Store(tmp_path / "c.db")
    web = FakeWeb({"http://gov.test/a": LiveStatus.OK})
    try:
        return run_audit([brief], store, AuditOptions(), stages=stages_for(web, archive)), store
    finally:
        store.close()


def test_the_authors_snapshot_is_checked_not_the_archives_nearest(brief, tmp_path):
    archive = RecordingArchive()
    result, _ = _audit(brief, tmp_path, archive)
    by_source = {v.citation.source: v for v in result.verdicts}
    kremlin = by_source["Kremlin"]
    assert kremlin.citation.version_url == AUTHOR_SNAP
    assert kremlin.snapshot.timestamp == "20170102030405"
    assert kremlin.snapshot.archive_url == AUTHOR_SNAP
    assert kremlin.verdict.value == "rescued"
    # the archive was not asked for the nearest capture of that URL; the others were
    asked = [a[0] for a in archive.asked]
    assert "http://gov.test/gone" not in asked and "http://gov.test/later" in asked
    assert by_source["TASS"].snapshot.timestamp == "20180514000000"
    data = kremlin.to_dict()  # what audit --json writes
    assert (data["style"], data["version_url"], data["version_date"]) == (
        "parenthetical", AUTHOR_SNAP, "2017-01-02")
    assert data["snapshot"]["timestamp"] == "20170102030405"


def test_an_unreplayable_author_snapshot_falls_back_to_the_archive(brief, tmp_path):
    archive = RecordingArchive(replay_ok=False)
    result, _ = _audit(brief, tmp_path, archive)
    kremlin = next(v for v in result.verdicts if v.citation.source == "Kremlin")
    assert "20170102030405" in archive.replayed  # tried first
    assert kremlin.snapshot.timestamp == "20180514000000"  # then the archive's choice
    assert ("http://gov.test/gone", "2017-01-02", "2018-06-04") in archive.asked


def test_the_version_keys_survive_the_store(brief, tmp_path):
    _, store = _audit(brief, tmp_path, RecordingArchive())
    store = Store(tmp_path / "c.db")
    kremlin = next(v for v in store.load_run().verdicts if v.citation.source == "Kremlin")
    assert (kremlin.citation.version_url, kremlin.citation.version_date) == (
        AUTHOR_SNAP, "2017-01-02")
    assert kremlin.citation.style == "parenthetical"
    row = store.db.execute("select style, version_url, version_date from citations "
                           "where source = 'Kremlin'").fetchone()
    assert row == ("parenthetical", AUTHOR_SNAP, "2017-01-02")
    store.close()


def test_a_version_3_database_gains_the_new_columns(tmp_path):
    from fixtures_store import old_database

    from citecheck.store import SCHEMA_VERSION

    path = old_database(tmp_path / "old.db", 3)
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 4
        assert store.db.execute("select source, style, version_url from citations").fetchall(
            ) == [("MOFA", None, None)]


@pytest.mark.parametrize(
    ("version_url", "timestamp", "original"),
    [
        ("https://web.archive.org/web/20180514093000/https://mofa.example/1", "20180514093000",
         "https://mofa.example/1"),
        ("https://web.archive.org/web/20180514093000id_/https://mofa.example/1",
         "20180514093000", "https://mofa.example/1"),
        ("https://archive.example/not-a-replay-url", None, None),
    ],
)
def test_author_snapshot_reads_the_replay_url(version_url, timestamp, original):
    c = Citation("L1C1", "MOFA", "MOFA, May 14", 1, 1, date="2018-05-14",
                 url="https://mofa.example/1", version_url=version_url)
    snap = author_snapshot(c)
    if timestamp is None:
        assert snap is None and author_lookup(c, RecordingArchive()) is None
        return
    assert (snap.timestamp, snap.url, snap.archive_url) == (timestamp, original, version_url)
    assert snap.distance_days is not None and snap.distance_days < 1
    lookup = author_lookup(c, RecordingArchive())
    assert lookup.status is LookupStatus.FOUND and lookup.snapshot.body
