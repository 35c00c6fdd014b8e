"""Claim support (support.py): the claim, the passages, the score, the verdicts."""

from __future__ import annotations

import json

import pytest

from citecheck.content import extract_content
from citecheck.models import (
    ArchiveLookup,
    Candidate,
    Citation,
    DatePrecision,
    LiveResult,
    LiveStatus,
    LookupStatus,
    Passage,
    Snapshot,
    SourceEntry,
    Support,
    VerdictKind,
)
from citecheck.support import claim_terms, claim_text, label_for, score_support, split_sentences
from citecheck.verify import Thresholds, check_copy, verify_citation

T = Thresholds()
SIPRI = SourceEntry("SIPRI", name="SIPRI", domains=("sipri.org",), language="en")
URL = "https://www.sipri.org/commentary/2017/china-russia-arms"
SENTENCE = ("Between 1999 and 2006, China was Russia's largest client for arms, accounting "
            "for between 30 and 60% of total Russian arms exports (SIPRI, July 5 2017).")


def cite(context: str = SENTENCE, raw: str = "SIPRI, July 5 2017", **kw) -> Citation:
    base = dict(id="L1C1", source="SIPRI", raw=raw, line=1, column=1, source_key="SIPRI",
                date_as_written="July 5 2017", date="2017-07-05",
                date_precision=DatePrecision.DAY, context=context)
    base.update(kw)
    return Citation(**base)


def page(article: str, *, title: str = "China and Russia: arms trade", date: str = "2017-07-05",
         comment: str = "Great piece, thanks!") -> bytes:
    """A real-looking page: cookie banner, menu, byline, related rail, comments, footer."""
    return f"""<!doctype html><html lang="en"><head><title>{title} | SIPRI</title>
<meta property="article:published_time" content="{date}T09:00:00+02:00"></head><body>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies</div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/research">Research</a></li>
<li><a href="/databases">Databases</a></li></ul></nav>
<main><h1>{title}</h1><p class="byline">By Siemon Wezeman, 5 July 2017</p>
<!-- the article body starts here -->
{article}
</main>
<aside class="related"><h3>Related stories</h3><ul><li><a href="/x">Military spending in
Latin America rises</a></li><li><a href="/y">Nuclear forces in 2017</a></li></ul></aside>
<section class="comments"><h3>Comments</h3><p>{comment}</p></section>
<footer>&copy; SIPRI 2017. Signalistgatan 9, Solna, Sweden. Privacy policy.</footer>
</body></html>""".encode()


SUPPORTING = page("""
<p>Russia has long been one of the largest exporters of major arms in the world.</p>
<p>Between 1999 and 2006 China was the largest client for Russian arms. Chinese
imports accounted for between 30 and 60 per cent of total Russian arms exports in those
years, according to the SIPRI Arms Transfers Database.</p>
<p>After 2006 Chinese orders fell sharply as China's own arms industry matured, and India
took its place as the main recipient.</p>
<p>Deliveries of combat aircraft, such as the Su-27 and Su-30, and of air defence systems
made up most of the volume.</p>""")

ELSEWHERE = page("""
<p>The annual SIPRI Yearbook reviews developments in international security, weapons and
technology, military expenditure, and disarmament.</p>
<p>This year's edition has a new chapter on the humanitarian consequences of armed conflict
in the Sahel and the challenges of peace operations in Mali.</p>
<p>The launch event takes place in Stockholm with the participation of the Swedish Minister
for Foreign Affairs.</p>""", title="SIPRI Yearbook 2017 launched")

CHANGED_FIGURES = page("""
<p>Between 1999 and 2006 China was the largest client for Russian arms. Chinese
imports accounted for between 20 and 40 per cent of total Russian arms exports in those
years, according to the SIPRI Arms Transfers Database.</p>
<p>After 2006 Chinese orders fell sharply as China's own arms industry matured.</p>""")


def text_of(body: bytes) -> str:
    return extract_content(body, "text/html", URL).text


# ------------------------------------------------------------------ the claim


@pytest.mark.parametrize("context, raw, claim", [
    (SENTENCE, "SIPRI, July 5 2017",
     "Between 1999 and 2006, China was Russia's largest client for arms, accounting for "
     "between 30 and 60% of total Russian arms exports."),
    # several sources cited in turn: each its own stretch
    ("Exports to China fell by half after 2006 (SIPRI, July 5 2017), while India became "
     "the main buyer of Russian fighter aircraft (TASS, May 2 2018).", "TASS, May 2 2018",
     "while India became the main buyer of Russian fighter aircraft"),
    ("Exports to China fell by half after 2006 (SIPRI, July 5 2017), while India became "
     "the main buyer of Russian fighter aircraft (TASS, May 2 2018).", "SIPRI, July 5 2017",
     "Exports to China fell by half after 2006"),
    # a stretch too short to say anything: the whole sentence, citations removed
    ("Moscow and Beijing agreed (TASS, May 2 2018) on joint naval drills in the Baltic Sea "
     "next summer (Xinhua, May 3 2018).", "TASS, May 2 2018",
     "Moscow and Beijing agreed on joint naval drills in the Baltic Sea next summer."),
    # one parenthetical, two parts: both go; an explanatory parenthetical stays
    ("The drills (the first of their kind) involved ten ships (TASS, May 2 2018; "
     "Xinhua, May 3 2018).", "Xinhua, May 3 2018",
     "The drills (the first of their kind) involved ten ships."),
])
def test_claim_text_drops_this_and_other_citations(context, raw, claim):
    assert claim_text(cite(context, raw)) == claim


def test_claim_terms_stem_drop_stop_words_and_weigh_figures_and_names():
    terms = {t.key: t for t in claim_terms("Exports rose by 1,000 tonnes, or 60%, in Russia")}
    assert set(terms) == {"export", "rose", "1000", "tonn", "60", "russia"}
    assert terms["1000"].weight == terms["russia"].weight == 2.0
    assert terms["export"].weight == 2.0  # capitalised at the start: weighed as a name
    assert terms["rose"].weight == 1.0


def test_split_sentences_keeps_abbreviations_inside_their_sentence():
    got = split_sentences("Dr. Smith went to Washington on Jan. 5, 2017. He said 3.5% of U.S. "
                          "voters agreed.\nA heading")
    assert got == ("Dr. Smith went to Washington on Jan. 5, 2017.",
                   "He said 3.5% of U.S. voters agreed.", "A heading")


# ------------------------------------------------------------------ the score


def test_a_supporting_page_supports_and_its_best_passage_is_the_one():
    claim = claim_text(cite())
    s = score_support(claim, text_of(SUPPORTING), min_score=T.support_min_score,
                      weak_score=T.support_weak_score)
    assert s.label == "supported" and s.score is not None and s.score >= 0.8
    # the claim is said across two sentences of the page: both come first
    assert {"30 and 60 per cent" in p.text for p in s.passages[:2]} == {True, False}
    assert any("largest client" in p.text for p in s.passages[:2])
    assert 1 <= len(s.passages) <= 3
    assert all(0.0 <= p.score <= 1.0 for p in s.passages)
    assert "1999" in s.matched and "60%" in s.matched
    assert "supports the claim" in s.explanation


def test_another_page_of_the_same_site_and_day_does_not_support():
    s = score_support(claim_text(cite()), text_of(ELSEWHERE), min_score=T.support_min_score,
                      weak_score=T.support_weak_score)
    assert s.label == "not-supported" and s.score is not None
    assert s.score < T.support_min_score
    assert "does not support" in s.explanation
    # the claim's figures are evidence: said in words
    assert "1999, 2006, 30, 60% appear nowhere on the page" in s.explanation
    assert "China" in s.missing
    assert "the names China, Russia's, Russian appear nowhere on the page" in s.explanation


def test_changed_figures_lower_the_score_and_are_named():
    good = score_support(claim_text(cite()), text_of(SUPPORTING), min_score=0.5, weak_score=0.6)
    bad = score_support(claim_text(cite()), text_of(CHANGED_FIGURES), min_score=0.5,
                        weak_score=0.6)
    assert bad.score is not None and good.score is not None and bad.score < good.score
    assert "30, 60% appear nowhere on the page" in bad.explanation
    assert "30" in bad.missing and "60%" in bad.missing


def test_comments_and_rails_are_not_read_as_support():
    # the claim is said only in a reader's comment: the main text does not hold it
    body = page("<p>The annual SIPRI Yearbook reviews developments in international "
                "security and disarmament.</p>", comment=SENTENCE)
    s = score_support(claim_text(cite()), text_of(body), min_score=T.support_min_score,
                      weak_score=T.support_weak_score)
    assert s.label == "not-supported"


@pytest.mark.parametrize("claim, text, why", [
    ("Russia.", "Russia sells arms.", "too short"),
    (SENTENCE, "   ", "no text"),
])
def test_nothing_to_score_is_unknown(claim, text, why):
    s = score_support(claim, text, min_score=0.5, weak_score=0.6)
    assert (s.score, s.label, s.passages) == (None, "unknown", ())
    assert why in s.explanation


@pytest.mark.parametrize("score, label", [
    (None, "unknown"), (0.0, "not-supported"), (0.49, "not-supported"), (0.5, "weak"),
    (0.59, "weak"), (0.6, "supported"), (1.0, "supported"),
])
def test_label_for(score, label):
    assert label_for(score, 0.5, 0.6) == label


def test_thresholds_from_environment():
    t = Thresholds.from_env({"CITECHECK_SUPPORT_MIN_SCORE": "0.3",
                             "CITECHECK_SUPPORT_WEAK_SCORE": "0.7"})
    assert (t.support_min_score, t.support_weak_score) == (0.3, 0.7)
    from citecheck.errors import InputError
    with pytest.raises(InputError, match="CITECHECK_SUPPORT_MIN_SCORE"):
        Thresholds.from_env({"CITECHECK_SUPPORT_MIN_SCORE": "2"})


# ------------------------------------------------------------------ check and verdict


def test_check_copy_flags_a_page_about_something_else():
    content = extract_content(ELSEWHERE, "text/html", URL)
    check = check_copy(cite(), content, URL, source=SIPRI, claim=claim_text(cite()))
    assert check.failures == ("claim-not-supported",)
    assert "does not support the claim" in dict(check.details)["claim-not-supported"]


def test_check_copy_without_a_claim_scores_nothing():
    content = extract_content(ELSEWHERE, "text/html", URL)
    check = check_copy(cite(), content, URL, source=SIPRI)
    assert check.supports and check.support is None


def test_a_page_in_another_language_is_unknown_not_unsupported():
    body = ("<html lang='ru'><head><title>Россия и Китай</title></head><body><article>"
            "<p>Между 1999 и 2006 годами Китай был крупнейшим покупателем российского "
            "оружия, на него приходилось от 30 до 60 процентов экспорта.</p>"
            "<p>После 2006 года заказы резко сократились.</p></article></body></html>").encode()
    content = extract_content(body, "text/html", URL)
    check = check_copy(cite(), content, URL, source=SIPRI, claim=claim_text(cite()))
    assert check.supports
    assert check.support is not None and check.support.label == "unknown"
    assert "Russian" in check.support.explanation


def live(body: bytes) -> LiveResult:
    return LiveResult(url=URL, status=LiveStatus.OK, status_code=200, final_url=URL,
                      content_type="text/html", body=body)


def found(body: bytes) -> ArchiveLookup:
    snap = Snapshot(url=URL, archive_url=f"http://127.0.0.1:1/web/20170706000000id_/{URL}",
                    timestamp="20170706000000", status_code=200, mimetype="text/html", body=body)
    return ArchiveLookup(url=URL, status=LookupStatus.FOUND, snapshot=snap)


LINK = [Candidate(URL, "hyperlink", 1.0)]


def test_verified_when_the_page_supports_the_claim():
    v = verify_citation(cite(), SIPRI, LINK, live(SUPPORTING), found(SUPPORTING))
    assert v.verdict is VerdictKind.VERIFIED, v.explanation
    assert v.support.label == "supported" and v.support.copy == "live"


def test_mismatch_when_the_page_is_about_something_else():
    v = verify_citation(cite(), SIPRI, LINK, live(ELSEWHERE),
                        ArchiveLookup(url=URL, status=LookupStatus.NONE))
    assert v.verdict is VerdictKind.MISMATCH
    assert v.reasons == ("claim-not-supported", "no-snapshot")
    assert "1999, 2006, 30, 60% appear nowhere on the page" in v.explanation
    assert v.explanation.count("(live page)") == 1
    assert v.support.label == "not-supported" and v.support.copy == "live"


def test_rescued_with_drift_when_only_the_snapshot_supports():
    v = verify_citation(cite(), SIPRI, LINK, live(ELSEWHERE), found(SUPPORTING))
    assert v.verdict is VerdictKind.RESCUED, v.explanation
    assert v.reasons == ("claim-not-supported", "content-drift")
    assert v.support.label == "supported" and v.support.copy == "snapshot"


def test_weak_support_is_a_warning_on_a_verified_citation(monkeypatch):
    # a threshold no real page reaches in full: the supporting page is only "weak"
    monkeypatch.setenv("CITECHECK_SUPPORT_WEAK_SCORE", "1.0")
    v = verify_citation(cite(), SIPRI, LINK, live(CHANGED_FIGURES), None,
                        thresholds=Thresholds.from_env())
    assert v.verdict is VerdictKind.VERIFIED
    assert v.reasons == ("claim-weakly-supported",)
    assert v.support.label == "weak"


def test_support_json_shape_and_round_trip():
    from citecheck.store import verdict_from_dict

    v = verify_citation(cite(), SIPRI, LINK, live(SUPPORTING), None)
    d = json.loads(json.dumps(v.to_dict()))["support"]
    assert set(d) >= {"score", "label", "copy", "passages"}
    assert 0.0 <= d["score"] <= 1.0 and d["label"] == "supported" and d["copy"] == "live"
    assert 1 <= len(d["passages"]) <= 3
    assert all(set(p) == {"text", "score"} for p in d["passages"])
    assert verdict_from_dict(v.to_dict()).support == v.support


def test_no_copy_to_read_is_unknown_with_a_null_score():
    v = verify_citation(cite(), SIPRI, [], None, None)
    assert v.to_dict()["support"] == {"score": None, "label": "unknown", "copy": None,
                                      "passages": [], "matched": [], "missing": [],
                                      "explanation": ""}
    assert Support.from_dict(None) == Support()
    assert Passage("x", 0.5).to_dict() == {"text": "x", "score": 0.5}


# ------------------------------------------------------------------ reports


def _report(*verdicts):
    from citecheck.report import RunReport

    return RunReport.from_verdicts(list(verdicts), run_id="r1",
                                   started_at="2026-12-02T04:00:00Z")


def test_html_shows_the_claim_beside_its_best_passage_with_terms_marked():
    from citecheck.report import render_html

    v = verify_citation(cite(), SIPRI, LINK, live(ELSEWHERE),
                        ArchiveLookup(url=URL, status=LookupStatus.NONE))
    html = render_html(_report(v))
    assert "Claim support" in html and "not-supported" in html
    assert '<mark class="t-miss">China</mark>' in html  # in the claim, not on the page
    assert '<mark class="t-miss">30</mark>' in html
    ok = verify_citation(cite(), SIPRI, LINK, live(SUPPORTING), None)
    html = render_html(_report(ok))
    assert '<mark class="t-hit">1999</mark>' in html  # in the claim and in the passage
    assert html.count('<mark class="t-hit">1999</mark>') == 2
    assert '<blockquote class="passage">' in html


def test_support_text_is_escaped_in_every_report():
    from fixtures_report import IMG_PAYLOAD, SCRIPT_PAYLOAD

    from citecheck.report import render_html, render_junit, render_markdown

    hostile = f"China {SCRIPT_PAYLOAD} was Russia's largest client {IMG_PAYLOAD} for arms."
    body = page(f"<p>{hostile.replace('<', '&lt;')}</p>")
    v = verify_citation(cite(context=f"Between 1999 and 2006, China {SCRIPT_PAYLOAD} was "
                             "Russia's largest client for arms (SIPRI, July 5 2017)."),
                        SIPRI, LINK, live(body), None)
    assert SCRIPT_PAYLOAD in v.support.passages[0].text
    html = render_html(_report(v))
    assert SCRIPT_PAYLOAD not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    md = render_markdown(_report(v))
    assert "support: " in md or v.verdict is VerdictKind.VERIFIED
    junit = render_junit(_report(v))
    assert SCRIPT_PAYLOAD not in junit and "support: " in junit
    assert "best passage: " in junit


def test_markdown_and_junit_name_the_label():
    from citecheck.report import render_junit, render_markdown

    v = verify_citation(cite(), SIPRI, LINK, live(ELSEWHERE),
                        ArchiveLookup(url=URL, status=LookupStatus.NONE))
    row = next(line for line in render_markdown(_report(v)).splitlines()
               if line.startswith("| ⚠️ mismatch | SIPRI"))
    assert row.endswith(f"· support: not-supported ({v.support.score:.2f}) |")
    assert f"support: not-supported ({v.support.score:.2f}, live copy)" in render_junit(
        _report(v))
