"""resolve: hyperlink, pin, discovery in the archive's index (with a fake archive)."""

from __future__ import annotations

import dataclasses

import pytest

from citecheck.models import Candidate, Citation, DatePrecision, Snapshot
from citecheck.registry import parse_registry
from citecheck.resolve import DiscoveryConfig, page_score, resolve, slug_score, slug_words
from citecheck.textmatch import content_words

REGISTRY = parse_registry("""
sources:
  Russian MOD:
    name: Ministry of Defence of the Russian Federation
    domains: [mil.ru]
  TASS:
    domains: [tass.com]
  Nowhere:
    name: A source without domains
pins:
  - source: TASS
    date: 2018-04-03
    url: https://tass.com/defense/997740
    title: Chinese defense minister in Moscow
""")


def cite(**kw) -> Citation:
    base = dict(
        id="L32C10", source="Russian MOD", raw="Russian MOD, April 29 2016", line=32, column=10,
        source_key="Russian MOD", date="2016-04-29", date_precision=DatePrecision.DAY,
        context="Meanwhile, in 2016 China and Russia conducted their first joint "
                "computer-simulated missile defense exercise: \u201cAerospace Security\u201d "
                "(Russian MOD, April 29 2016).",
        quotes=("Aerospace Security",),
    )
    base.update(kw)
    return Citation(**base)


def article(title: str, text: str, date: str = "2016-04-29") -> bytes:
    return (f"<html lang='en'><head><title>{title}</title><meta property='article:published_time'"
            f" content='{date}'></head><body><article><h1>{title}</h1><p>{text}</p>"
            f"<p>{text}</p></article></body></html>").encode()


PAGES = {
    "https://eng.mil.ru/en/news_page/country/more.htm?id=12083184": article(
        "Russia and China hold first joint computer-simulated missile defence exercise",
        "The first Russian-Chinese computer-simulated missile defense exercise Aerospace "
        "Security 2016 was held in Beijing. It is not pointed against third parties."),
    "https://eng.mil.ru/en/news_page/country/parade.htm": article(
        "Navy Day parade in Kronstadt", "Ships of the Baltic Fleet took part in the parade."),
    "https://eng.mil.ru/en/news_page/country/missile-defence-conference.htm": article(
        "Conference on missile defence in Moscow",
        "Experts discussed missile defence in Europe at a conference in Moscow."),
    "https://eng.mil.ru/": article("Ministry of Defence", "Home page"),
}


@pytest.fixture(autouse=True)
def _fresh_memo():
    from citecheck import resolve as module

    module._READ.clear()


class FakeArchive:
    def __init__(self, pages=PAGES, fail=()):
        self.pages = pages
        self.fail = set(fail)
        self.discovered = []
        self.fetched = []

    def discover(self, domains, around=None, window_days=365, limit=50):
        self.discovered.append((tuple(domains), around, window_days, limit))
        return [Snapshot(url=u, archive_url=f"http://127.0.0.1:9/web/20160430000000/{u}",
                         timestamp="20160430000000", status_code=200, mimetype="text/html",
                         distance_days=float(i))
                for i, u in enumerate(self.pages)]

    def fetch_snapshot(self, snap):
        self.fetched.append(snap.url)
        if snap.url in self.fail:
            return dataclasses.replace(snap, body=None)
        return dataclasses.replace(snap, body=self.pages[snap.url])


def test_hyperlink_wins():
    archive = FakeArchive()
    out = resolve(cite(url="https://example.org/x"), REGISTRY, archive)
    assert out == [Candidate("https://example.org/x", "hyperlink", 1.0)]
    assert archive.discovered == []


def test_pin_for_unlinked_citation():
    c = cite(source="TASS", source_key="TASS", date="2018-04-03", raw="TASS, April 3")
    archive = FakeArchive()
    out = resolve(c, REGISTRY, archive)
    assert out == [Candidate("https://tass.com/defense/997740", "pin", 1.0,
                             "Chinese defense minister in Moscow")]
    assert archive.discovered == []


@pytest.mark.parametrize(
    "citation, archive",
    [
        (cite(malformed=True), FakeArchive()),
        (cite(), None),  # no archive to ask
        (cite(source="Unknown", source_key=None), FakeArchive()),
        (cite(source="Nowhere", source_key="Nowhere"), FakeArchive()),
    ],
)
def test_nothing_to_go_on(citation, archive):
    assert resolve(citation, REGISTRY, archive) == []


def test_discovery_accepts_best_page_and_keeps_others():
    archive = FakeArchive()
    out = resolve(cite(), REGISTRY, archive)
    assert archive.discovered == [(("mil.ru",), "2016-04-29", 365, 100)]
    assert out[0].origin == "discovered"
    assert out[0].url.endswith("id=12083184")
    assert out[0].score >= DiscoveryConfig().min_score
    assert "computer-simulated" in out[0].title
    assert [c.origin for c in out[1:]] == ["candidate", "candidate"]
    assert all(c.score < out[0].score for c in out[1:])
    # the home page is never a candidate and never fetched
    assert "https://eng.mil.ru/" not in archive.fetched


def test_discovery_fetches_only_the_best_slugs():
    archive = FakeArchive()
    resolve(cite(), REGISTRY, archive, config=DiscoveryConfig(fetch_limit=1))
    # "missile-defence-conference" shares most words with the sentence
    assert archive.fetched == [
        "https://eng.mil.ru/en/news_page/country/missile-defence-conference.htm"]


def test_discovery_below_threshold_is_unresolved_with_candidates():
    c = cite(context="The admiral inspected the submarine fleet in Vladivostok "
                     "(Russian MOD, April 29 2016).", quotes=())
    out = resolve(c, REGISTRY, FakeArchive())
    assert out and all(x.origin == "candidate" for x in out)
    assert out == sorted(out, key=lambda x: -x.score)


def test_discovery_survives_unreadable_snapshots():
    good = "https://eng.mil.ru/en/news_page/country/more.htm?id=12083184"
    out = resolve(cite(), REGISTRY, FakeArchive(fail={good}))
    assert all(x.origin == "candidate" for x in out)
    # listed last, unscored: a page that could not be read is never accepted
    assert out[-1] == Candidate(good, "candidate", None, None)
    assert all(x.score is not None for x in out[:-1])


def test_slug_words_and_score():
    assert slug_words("https://x.org/news/russia-china_joint-drill.html?id=5") == {
        "news", "russia", "china", "joint", "drill"}
    query = content_words("Russia and China held a joint drill")
    assert slug_score("https://x.org/russia-china-joint-drill", query) == 1.0
    assert slug_score("https://x.org/", query) == 0.0


def test_page_score_prefers_quotes_and_title():
    from citecheck.content import extract_content

    c = cite()
    query = content_words(c.context + " Aerospace Security")
    good = extract_content(PAGES["https://eng.mil.ru/en/news_page/country/more.htm?id=12083184"],
                           "text/html", "https://eng.mil.ru/a")
    bad = extract_content(PAGES["https://eng.mil.ru/en/news_page/country/parade.htm"],
                          "text/html", "https://eng.mil.ru/b")
    assert page_score(c, good, query) > 0.7
    assert page_score(c, bad, query) < 0.2


def test_discovery_threshold_from_environment(monkeypatch):
    from citecheck.errors import InputError

    assert DiscoveryConfig.from_env({"CITECHECK_DISCOVERY_MIN_SCORE": "0.9"}).min_score == 0.9
    with pytest.raises(InputError, match="outside 0..1"):
        DiscoveryConfig.from_env({"CITECHECK_DISCOVERY_MIN_SCORE": "2"})
    monkeypatch.setenv("CITECHECK_DISCOVERY_MIN_SCORE", "0.99")
    out = resolve(cite(), REGISTRY, FakeArchive())
    assert out and all(c.origin == "candidate" for c in out)  # nothing good enough now


def test_citations_of_one_source_fetch_each_candidate_once():
    archive = FakeArchive()
    first = resolve(cite(), REGISTRY, archive)
    second = resolve(cite(id="L40C2", date="2016-05-02"), REGISTRY, archive)
    assert len(archive.discovered) == 2  # the index is asked for each citation
    assert len(archive.fetched) == len(set(archive.fetched)) == 3  # pages read once
    assert first[0].origin == second[0].origin == "discovered"


def test_failed_snapshot_fetch_is_retried_next_time():
    good = "https://eng.mil.ru/en/news_page/country/more.htm?id=12083184"
    archive = FakeArchive(fail={good})
    resolve(cite(), REGISTRY, archive)
    archive.fail.clear()
    assert resolve(cite(), REGISTRY, archive)[0].origin == "discovered"
    assert archive.fetched.count(good) == 2
