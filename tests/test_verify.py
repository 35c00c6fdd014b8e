"""verify: the decide table, every reason code, quotes, dates, drift."""

from __future__ import annotations

import itertools

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
    Pin,
    Snapshot,
    SourceEntry,
    VerdictKind,
)
from citecheck.textmatch import find_quote, normalize, quote_fragments, similarity
from citecheck.verify import (
    REASONS,
    ArchiveState,
    CheckStatus,
    CopyCheck,
    Resolution,
    Thresholds,
    check_copy,
    check_date,
    dates_agree,
    decide,
    live_codes,
    verify_citation,
)

V = VerdictKind

# ------------------------------------------------------------ decide table
#
# Every combination of live status x live content x archive x drift is
# decided by exactly one row of RULES below. Axes:
#   live:    None (not checked) and every LiveStatus
#   content: for reachable pages: supports | quotes (supports, quotes found) |
#            weak (supports, note claim-weakly-supported) |
#            date (contradicts: date-mismatch) | domain (domain-mismatch) |
#            misquote (a quotation changes the page's words) | boilerplate
#            (quote-in-boilerplate: found only in comments, rails, ...) |
#            claim (contradicts: claim-not-supported); "-" when nothing was read
#   archive: supports | contradicts (quote-not-found) | unread (found, body
#            missing) | none | error | skipped
#   drift:   the live text is far from the snapshot's (only when both read)

LIVE_CODE = {
    None: "not-checked",
    LiveStatus.DEAD: "http-404",
    LiveStatus.BLOCKED: "rate-limited",
    LiveStatus.ERROR: "timeout",
    LiveStatus.SKIPPED: "skipped",
}
REACHABLE = {LiveStatus.OK, LiveStatus.REDIRECTED, LiveStatus.MOVED}
UNREACHABLE = {None, LiveStatus.BLOCKED, LiveStatus.ERROR, LiveStatus.SKIPPED}
SUPPORTING = {"supports", "quotes", "weak"}
CONTRADICTING = {"date", "domain", "misquote", "boilerplate", "claim"}
#: content failures that say the text changed (a snapshot that supports means drift)
TEXT_CONTRADICTING = {"date", "misquote", "boilerplate", "claim"}
ALL_ARCHIVE = {"supports", "contradicts", "unread", "none", "error", "skipped"}
NOT_SUPPORTING_ARCHIVE = ALL_ARCHIVE - {"supports"}
ARCHIVE_CODE = {"none": "no-snapshot", "error": "archive-error", "unread": "archive-error",
                "skipped": None, "contradicts": "quote-not-found"}
ANY = None

# (live statuses, contents, archives, drift values) -> (verdict, reasons);
# "{live}" is the live status's code, "{content}" the live content failure,
# "{archive}" the archive's code (omitted when None), "{note}" the live content's note.
RULES = [
    # reachable and supporting
    (REACHABLE, {"supports", "weak"}, {"supports"}, {True}, V.RESCUED, ["content-drift"]),
    (REACHABLE, {"supports", "weak"}, NOT_SUPPORTING_ARCHIVE, {True}, V.VERIFIED,
     ["{note}", "content-drift"]),
    (REACHABLE, {"quotes"}, ALL_ARCHIVE, {True}, V.VERIFIED, ["content-drift"]),
    (REACHABLE, SUPPORTING, ALL_ARCHIVE, {False}, V.VERIFIED, ["{note}"]),
    # reachable and contradicting
    (REACHABLE, TEXT_CONTRADICTING, {"supports"}, {True, False}, V.RESCUED,
     ["{content}", "content-drift"]),
    (REACHABLE, {"domain"}, {"supports"}, {False}, V.RESCUED, ["domain-mismatch"]),
    (REACHABLE, {"domain"}, {"supports"}, {True}, V.RESCUED,
     ["domain-mismatch", "content-drift"]),
    (REACHABLE, CONTRADICTING, NOT_SUPPORTING_ARCHIVE, {True, False}, V.MISMATCH,
     ["{content}", "{archive}"]),
    # dead
    ({LiveStatus.DEAD}, {"-"}, {"supports"}, {False}, V.RESCUED, ["{live}"]),
    ({LiveStatus.DEAD}, {"-"}, NOT_SUPPORTING_ARCHIVE, {False}, V.DEAD,
     ["{live}", "{archive}"]),
    # could not ask live
    (UNREACHABLE, {"-"}, {"supports"}, {False}, V.RESCUED, ["{live}"]),
    (UNREACHABLE, {"-"}, {"contradicts"}, {False}, V.MISMATCH, ["quote-not-found", "{live}"]),
    (UNREACHABLE, {"-"}, {"unread", "none", "error", "skipped"}, {False}, V.INCONCLUSIVE,
     ["{live}", "{archive}"]),
]

CONTENT_CHECK = {
    "supports": CopyCheck(),
    "quotes": CopyCheck(quotes=CheckStatus.PASS, quotes_found=("q",)),
    "date": CopyCheck(failures=("date-mismatch",), date=CheckStatus.FAIL),
    "domain": CopyCheck(failures=("domain-mismatch",), domain=CheckStatus.FAIL),
    "weak": CopyCheck(notes=("claim-weakly-supported",)),
    "claim": CopyCheck(failures=("claim-not-supported",)),
    "misquote": CopyCheck(failures=("misquote",), quotes=CheckStatus.FAIL),
    "boilerplate": CopyCheck(failures=("quote-in-boilerplate",), quotes=CheckStatus.FAIL),
}
SNAPSHOT_CHECK = {
    "supports": CopyCheck(),
    "contradicts": CopyCheck(failures=("quote-not-found",), quotes=CheckStatus.FAIL),
}
ARCHIVE_STATE = {
    "supports": ArchiveState.FOUND, "contradicts": ArchiveState.FOUND,
    "unread": ArchiveState.FOUND, "none": ArchiveState.NONE, "error": ArchiveState.ERROR,
    "skipped": ArchiveState.SKIPPED,
}


def combinations():
    for live in [None, *LiveStatus]:
        contents = sorted(CONTENT_CHECK) if live in REACHABLE else ["-"]
        for content, archive in itertools.product(contents, sorted(ALL_ARCHIVE)):
            drifts = [False, True] if live in REACHABLE and archive in (
                "supports", "contradicts") else [False]
            for drift in drifts:
                yield live, content, archive, drift


def expected(live, content, archive, drift):
    rows = [r for r in RULES if live in r[0] and content in r[1] and archive in r[2]
            and drift in r[3]]
    assert len(rows) == 1, f"{len(rows)} rules for {(live, content, archive, drift)}"
    verdict, template = rows[0][4], rows[0][5]
    fill = {
        "{live}": LIVE_CODE.get(live),
        "{content}": (CONTENT_CHECK[content].failures or (None,))[0] if content in CONTENT_CHECK
        else None,
        "{archive}": ARCHIVE_CODE.get(archive),
        "{note}": (CONTENT_CHECK[content].notes or (None,))[0] if content in CONTENT_CHECK
        else None,
    }
    reasons = [fill.get(code, code) for code in template]
    return verdict, tuple(r for r in reasons if r)


ALL = list(combinations())


def test_table_covers_every_combination():
    assert len(ALL) == 3 * 8 * 6 + 3 * 8 * 2 + 5 * 6  # 222 combinations
    for combo in ALL:
        expected(*combo)  # exactly one rule each


@pytest.mark.parametrize("live, content, archive, drift", ALL,
                         ids=[f"{a and a.value}-{b}-{c}-{'drift' if d else 'same'}"
                              for a, b, c, d in ALL])
def test_decide_table(live, content, archive, drift):
    verdict, reasons = expected(live, content, archive, drift)
    decision = decide(
        live=live,
        live_reasons=(LIVE_CODE[live],) if live in LIVE_CODE and live is not None else (),
        live_check=CONTENT_CHECK.get(content),
        archive=ARCHIVE_STATE[archive],
        snapshot_check=SNAPSHOT_CHECK.get(archive),
        drifted=drift,
    )
    assert decision.verdict is verdict
    assert decision.reasons == reasons
    assert decision.explanation.endswith(".")
    for code in reasons:
        assert REASONS[code].split(" ")[1] in decision.explanation


@pytest.mark.parametrize("live", [None, *LiveStatus])
def test_malformed_and_unresolved_win_over_everything(live):
    d = decide(malformed=True, live=live, archive=ArchiveState.FOUND, snapshot_check=CopyCheck())
    assert (d.verdict, d.reasons) == (V.MALFORMED, ("malformed",))
    d = decide(resolution=Resolution.UNRESOLVED, live=live)
    assert (d.verdict, d.reasons) == (V.UNRESOLVED, ("no-url",))


@pytest.mark.parametrize("resolution", [Resolution.HYPERLINK, Resolution.PIN])
def test_discovered_is_reported_first_and_only_for_discovery(resolution):
    d = decide(resolution=Resolution.DISCOVERED, live=LiveStatus.OK, live_check=CopyCheck())
    assert (d.verdict, d.reasons) == (V.VERIFIED, ("discovered",))
    d = decide(resolution=resolution, live=LiveStatus.OK, live_check=CopyCheck())
    assert d.reasons == ()


def test_notes_ride_along_without_failing():
    check = CopyCheck(notes=("year-inferred", "quote-unverifiable-language"),
                      details=(("year-inferred", "means 2016-06-25"),))
    d = decide(live=LiveStatus.OK, live_check=check,
               details={"year-inferred": "it means 2016-06-25"})
    assert d.verdict is V.VERIFIED
    assert d.reasons == ("year-inferred", "quote-unverifiable-language")
    assert "it means 2016-06-25" in d.explanation


def test_live_and_archive_both_contradict():
    d = decide(live=LiveStatus.OK, live_check=CONTENT_CHECK["date"],
               archive=ArchiveState.FOUND,
               snapshot_check=CopyCheck(failures=("date-mismatch",)))
    assert d.verdict is V.MISMATCH and d.reasons == ("date-mismatch",)


@pytest.mark.parametrize(
    "status, code, error, expected",
    [
        (LiveStatus.DEAD, 404, None, ("http-404",)),
        (LiveStatus.DEAD, 410, None, ("http-410",)),
        (LiveStatus.DEAD, 200, None, ("dead",)),
        (LiveStatus.BLOCKED, 429, None, ("rate-limited",)),
        (LiveStatus.BLOCKED, 403, None, ("http-403",)),
        (LiveStatus.BLOCKED, None, None, ("blocked",)),
        (LiveStatus.ERROR, None, "timeout", ("timeout",)),
        (LiveStatus.ERROR, 503, None, ("http-503",)),
        (LiveStatus.SKIPPED, None, None, ("skipped",)),
        (LiveStatus.OK, 200, None, ()),
        (None, None, None, ("not-checked",)),
    ],
)
def test_live_codes_derived_when_missing(status, code, error, expected):
    assert live_codes(status, (), code, error) == expected
    assert live_codes(status, ("soft-404",), code, error) == ("soft-404",)


# ------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "cited, page, agree",
    [
        ("2018-05-14", "2018-05-14", True),
        ("2018-05-14", "2018-05-15", True),  # time zones
        ("2018-05-14", "2018-05-13", True),
        ("2018-05-14", "2018-05-16", False),
        ("2018-05", "2018-05-31", True),
        ("2018-05", "2018-06-01", True),  # a day's slack at the edge
        ("2018-05", "2018-06-02", False),
        ("2017", "2017-12-31", True),
        ("2017", "2016-06-30", False),
        ("2017-07-05", "2017-07", True),  # a PDF printed "July 2017"
        ("2017-07-05", "2017-08", False),
        ("2018-02-30", "2018-02-28", False),  # not a date
    ],
)
def test_dates_agree(cited, page, agree):
    assert dates_agree(cited, page) is agree


@pytest.mark.parametrize(
    "cited, pages, inferred, confident, status, corrected, note",
    [
        ("2018-06-25", ["2018-06-25"], True, True, CheckStatus.PASS, None, None),
        # the example brief: "June 25" in a June 2018 brief, page from 2016
        ("2017-06-25", ["2016-06-25"], True, True, CheckStatus.PASS, "2016-06-25",
         "year-inferred"),
        # the same when the year was written: a real mismatch
        ("2017-06-25", ["2016-06-25"], False, True, CheckStatus.FAIL, None, None),
        # inference cannot make a later page right
        ("2017-06-25", ["2019-06-25"], True, True, CheckStatus.FAIL, None, None),
        ("2018-05", ["2017-05-02"], True, True, CheckStatus.PASS, "2017-05", "year-inferred"),
        ("2018-05-14", ["2018-03-01"], True, True, CheckStatus.FAIL, None, None),
        ("2018-05-14", [], False, True, CheckStatus.UNKNOWN, None, None),
        (None, ["2018-05-14"], False, True, CheckStatus.SKIPPED, None, None),
        ("2018-05-14", ["2012-01-01"], False, False, CheckStatus.UNKNOWN, None,
         "date-uncertain"),
        ("2017-07-05", ["2017-07-20", "2017-07-05"], False, True, CheckStatus.PASS, None,
         None),  # PDF: metadata date agrees
    ],
)
def test_check_date(cited, pages, inferred, confident, status, corrected, note):
    assert check_date(cited, pages, year_inferred=inferred, confident=confident) == (
        status, corrected, note)


@pytest.mark.parametrize(
    "cited, end, page, agree",
    [
        ("2018-05-30", "2018-06-02", "2018-06-02", True),  # (CSIS, May 30–June 2)
        ("2018-05-30", "2018-06-02", "2018-05-31", True),
        ("2018-05-30", "2018-06-02", "2018-06-03", True),  # a day's slack at the end
        ("2018-05-30", "2018-06-02", "2018-06-04", False),
        ("2018-05-30", "2018-06-02", "2018-05-28", False),
        ("2016", "2017", "2017-09-01", True),  # (SIPRI, 2016–2017)
        ("2016", "2017", "2018-01-03", False),
        ("2018-05-14", "2018-02-30", "2018-05-20", False),  # a bad end is no range
    ],
)
def test_dates_agree_with_a_cited_range(cited, end, page, agree):
    assert dates_agree(cited, page, cited_end=end) is agree
    assert check_date(cited, [page], cited_end=end)[0] is (
        CheckStatus.PASS if agree else CheckStatus.FAIL)


def test_check_date_range_with_inferred_year_moves_both_ends():
    # "(TASS, December 30–January 2)" in a June 2018 brief: inferred as
    # 2017-12-30 to 2018-01-02; the page is from the winter before
    assert check_date("2017-12-30", ["2017-01-01"], year_inferred=True,
                      cited_end="2018-01-02") == (CheckStatus.PASS, "2016-12-30", "year-inferred")
    assert check_date("2017-12-30", ["2017-01-04"], year_inferred=True,
                      cited_end="2018-01-02")[0] is CheckStatus.FAIL


def test_verify_citation_accepts_a_page_dated_inside_a_cited_range():
    c = cite(date="2016-04-27", date_end="2016-04-29", date_as_written="April 27–29 2016")
    assert verify_citation(c, MOD, LINK, live(GOOD), None).verdict is V.VERIFIED
    alone = cite(date="2016-04-27", date_as_written="April 27 2016")
    v = verify_citation(alone, MOD, LINK, live(GOOD), None)
    assert v.verdict is V.MISMATCH and "date-mismatch" in v.reasons


# ------------------------------------------------------------- quotes


@pytest.mark.parametrize(
    "quote, fragments",
    [
        ("new, unprecedented", ["new unprecedented"]),
        ("\u201cnot pointed against third parties,\u201d", ["not pointed against third parties"]),
        ("show the world\u2026 a firm determination of [Chinese] armed forces",
         ["show the world", "a firm determination of", "armed forces"]),
        ("show the world ... a firm determination", ["show the world", "a firm determination"]),
        ("one . . . two words", ["one", "two words"]),
        ("It\u2019s   a  \u2018test\u2019 \u2014 ok", ["it s a test ok"]),
        ("[sic]", []),
        ("a \u2026 b", []),
        ("ﬁnancial", ["financial"]),  # ligature
        ("ПРИВЕТ мир", ["привет мир"]),
    ],
)
def test_quote_fragments(quote, fragments):
    assert quote_fragments(quote) == fragments


SOURCE = normalize(
    "Russian Defence Minister General Sergei Shoigu said that Russian-Chinese relations have "
    "reached a \u201cnew, unprecedented\u201d level. He wanted to show the world \u2013 with "
    "his visit \u2013 a firm determination of the armed forces to strengthen strategic "
    "cooperation. The exercise is not pointed against third parties."
)


@pytest.mark.parametrize(
    "quote, found",
    [
        ("new, unprecedented", True),
        ("NEW UNPRECEDENTED", True),
        ("show the world\u2026 a firm determination of [Chinese] armed forces", True),
        ("not pointed against third parties", True),
        ("not pointed against thrid parties", True),  # a typo in the brief
        ("aimed at third parties", False),
        ("a firm determination of the navy", False),
        ("common struggle", False),
    ],
)
def test_find_quote(quote, found):
    assert find_quote(quote, SOURCE).found is found


def test_find_quote_reports_missing_fragment():
    match = find_quote("show the world\u2026 common struggle", SOURCE)
    assert not match.found and match.missing == ("common struggle",)


# ------------------------------------------------------------- drift


ARTICLE = ("The two defence ministries held a joint computer simulated missile defence exercise "
           "called Aerospace Security in Beijing. Officials said the exercise was not pointed "
           "against third parties and served to deepen military cooperation. ") * 3


def test_similarity_same_edited_replaced():
    same = similarity(ARTICLE, ARTICLE)
    assert same.jaccard == 1.0 and same.dice == 1.0
    edited = similarity(ARTICLE, ARTICLE.replace("Beijing", "Moscow"))
    assert edited.score > 0.8
    replaced = similarity(ARTICLE, "Page not found. The page you requested has been moved. "
                          "Please use the search box or return to the home page.")
    assert replaced.score < Thresholds().drift_min_similarity
    assert similarity("", "").score == 1.0


# ------------------------------------------------------------- check_copy


MOD = SourceEntry("Russian MOD", name="Ministry of Defence", domains=("mil.ru",), language="en")


def html_page(text: str, date: str | None = "2016-04-29", lang: str = "en",
              title: str = "Joint missile defence exercise", filler: bool = True) -> bytes:
    meta = f'<meta property="article:published_time" content="{date}T10:00:00+03:00">' if date \
        else ""
    paras = "".join(f"<p>{text}</p>" for _ in range(1))
    filler = "".join(
        f"<p>Background paragraph {i} about the military cooperation of the two states and "
        f"their joint staff talks in the capital.</p>" for i in range(5)) if filler else ""
    return (f"<html lang='{lang}'><head><title>{title}</title>{meta}</head><body><article>"
            f"<h1>{title}</h1>{paras}{filler}</article></body></html>").encode()


def cite(**kw) -> Citation:
    base = dict(id="L1C1", source="Russian MOD", raw="Russian MOD, April 29 2016", line=1,
                column=1, source_key="Russian MOD", date_as_written="April 29 2016",
                date="2016-04-29", date_precision=DatePrecision.DAY,
                quotes=("not pointed against third parties",))
    base.update(kw)
    return Citation(**base)


BODY = ("Russia and China held their first joint computer-simulated missile defence exercise, "
        "Aerospace Security. The exercise is \u201cnot pointed against third parties\u201d, "
        "the ministry said.")


def test_check_copy_all_pass():
    content = extract_content(html_page(BODY), "text/html", "https://eng.mil.ru/en/news/1")
    check = check_copy(cite(), content, "https://eng.mil.ru/en/news/1", source=MOD,
                       quotes=cite().quotes)
    assert check.supports and check.failures == ()
    assert (check.domain, check.date, check.quotes) == (CheckStatus.PASS,) * 3
    assert check.quotes_found == ("not pointed against third parties",)


def test_check_copy_failures_and_details():
    content = extract_content(html_page(BODY.replace("not pointed", "aimed"), date="2016-05-20"),
                              "text/html", "https://evil.example/1")
    check = check_copy(cite(), content, "https://evil.example/1", source=MOD,
                       quotes=cite().quotes, pin_title="Annual report on arms exports")
    assert check.failures == ("domain-mismatch", "date-mismatch", "quote-not-found",
                              "title-mismatch")
    details = dict(check.details)
    assert "evil.example" in details["domain-mismatch"]
    assert "2016-05-20" in details["date-mismatch"]
    assert "not pointed against third parties" in details["quote-not-found"]
    assert check.quotes_missing == ("not pointed against third parties",)


def test_check_copy_other_language_is_not_an_accusation():
    russian = ("Министерство обороны сообщило о первых совместных компьютерных учениях по "
               "противоракетной обороне. Учения не направлены против третьих стран.")
    content = extract_content(html_page(russian, lang="ru", filler=False), "text/html",
                              "https://mil.ru/1")
    check = check_copy(cite(), content, "https://mil.ru/1", source=MOD, quotes=cite().quotes)
    assert check.supports
    assert check.quotes is CheckStatus.UNKNOWN
    assert check.notes == ("quote-unverifiable-language",)
    assert "Russian" in dict(check.details)["quote-unverifiable-language"]


@pytest.mark.parametrize(
    "url, domains, ok",
    [
        ("https://eng.mil.ru/x", ("mil.ru",), True),
        ("https://mil.ru.evil.example/x", ("mil.ru",), False),
        ("http://127.0.0.5:8080/x", ("127.0.0.5:8080",), True),  # a local world with ports
        ("http://127.0.0.6:8080/x", ("127.0.0.5:8080",), False),
    ],
)
def test_domain_check(url, domains, ok):
    content = extract_content(html_page(BODY), "text/html", url)
    check = check_copy(cite(), content, url, source=SourceEntry("X", domains=domains))
    assert check.domain is (CheckStatus.PASS if ok else CheckStatus.FAIL)


def test_check_copy_unreadable_page():
    content = extract_content(b"", "text/html", "https://mil.ru/1")
    check = check_copy(cite(), content, "https://mil.ru/1", source=MOD, quotes=cite().quotes)
    assert check.supports and check.notes == ("content-unreadable",)
    assert not check.readable


# ------------------------------------------------------------ verify_citation

URL = "https://eng.mil.ru/en/news/12345"


def live(body: bytes | None = None, status=LiveStatus.OK, code=200, final=URL, reasons=(),
         error=None) -> LiveResult:
    return LiveResult(url=URL, status=status, status_code=code, final_url=final,
                      content_type="text/html", reasons=tuple(reasons), error=error, body=body)


def found(body: bytes | None, ts="20160430000000") -> ArchiveLookup:
    snap = Snapshot(url=URL, archive_url=f"http://127.0.0.1:1/web/{ts}id_/{URL}", timestamp=ts,
                    status_code=200, mimetype="text/html", body=body)
    return ArchiveLookup(url=URL, status=LookupStatus.FOUND, snapshot=snap)


LINK = [Candidate(URL, "hyperlink", 1.0)]
GOOD = html_page(BODY)
NONE = ArchiveLookup(url=URL, status=LookupStatus.NONE)
ERR = ArchiveLookup(url=URL, status=LookupStatus.ERROR, error="timeout")
GONE = html_page("This page has been replaced by a press release about a naval parade in "
                 "Kronstadt and the participating ships of the Baltic Fleet.", date="2016-04-29",
                 filler=False)


@pytest.mark.parametrize(
    "name, citation, candidates, live_result, lookup, verdict, reasons",
    [
        ("verified", cite(), LINK, live(GOOD), found(GOOD), V.VERIFIED, ()),
        ("verified-no-archive", cite(), LINK, live(GOOD), None, V.VERIFIED, ()),
        ("discovered", cite(), [Candidate(URL, "discovered", 0.8)], live(GOOD), None,
         V.VERIFIED, ("discovered",)),
        ("rescued-404", cite(), LINK, live(None, LiveStatus.DEAD, 404, reasons=["http-404"]),
         found(GOOD), V.RESCUED, ("http-404",)),
        ("rescued-soft-404", cite(), LINK, live(None, LiveStatus.DEAD, 200, reasons=["soft-404"]),
         found(GOOD), V.RESCUED, ("soft-404",)),
        ("rescued-drift", cite(), LINK, live(GONE), found(GOOD), V.RESCUED,
         ("quote-not-found", "content-drift")),
        ("dead-no-snapshot", cite(), LINK, live(None, LiveStatus.DEAD, 404, reasons=["http-404"]),
         NONE, V.DEAD, ("http-404", "no-snapshot")),
        ("dead-archive-error", cite(), LINK, live(None, LiveStatus.DEAD, 410), ERR, V.DEAD,
         ("http-410", "archive-error")),
        ("mismatch-date", cite(date="2016-05-20", date_as_written="May 20 2016"), LINK,
         live(GOOD), NONE, V.MISMATCH, ("date-mismatch", "no-snapshot")),
        ("mismatch-quote", cite(quotes=("aimed at third parties",)), LINK, live(GOOD),
         found(GOOD), V.MISMATCH, ("quote-not-found",)),
        ("mismatch-domain", cite(), LINK,
         live(GOOD, LiveStatus.MOVED, final="https://parked.example/x"), NONE, V.MISMATCH,
         ("domain-mismatch", "no-snapshot")),
        ("year-inferred", cite(date="2017-04-29", date_as_written="April 29",
                               year_inferred=True), LINK, live(GOOD), None, V.VERIFIED,
         ("year-inferred",)),
        ("inconclusive-timeout", cite(), LINK,
         live(None, LiveStatus.ERROR, None, error="timeout"), NONE, V.INCONCLUSIVE,
         ("timeout", "no-snapshot")),
        ("inconclusive-rate-limited", cite(), LINK,
         live(None, LiveStatus.BLOCKED, 429, reasons=["rate-limited"]), ERR, V.INCONCLUSIVE,
         ("rate-limited", "archive-error")),
        ("unresolved", cite(), [], None, None, V.UNRESOLVED, ("no-url",)),
        ("unresolved-with-candidates", cite(), [Candidate(URL, "candidate", 0.2)], None, None,
         V.UNRESOLVED, ("no-url",)),
        ("malformed", cite(malformed=True, problem="unterminated parenthesis", date=None), [],
         None, None, V.MALFORMED, ("malformed",)),
    ],
)
def test_verify_citation(name, citation, candidates, live_result, lookup, verdict, reasons):
    v = verify_citation(citation, MOD, candidates, live_result, lookup)
    assert v.verdict is verdict, v.explanation
    assert v.reasons == reasons, v.explanation
    assert v.explanation
    assert v.to_dict()["verdict"] == verdict.value


def test_verify_citation_fills_evidence_fields():
    v = verify_citation(cite(), MOD, LINK, live(GONE), found(GOOD))
    assert v.urls == (URL,)
    assert v.snapshot is not None and v.snapshot.timestamp == "20160430000000"
    assert v.quotes_found == ("not pointed against third parties",)  # in the snapshot
    assert "similarity" in v.explanation and "live page" in v.explanation
    out = v.to_dict()
    assert out["snapshot"]["timestamp"] == "20160430000000"
    assert "body" not in out["snapshot"]


def test_verify_citation_year_inferred_gives_corrected_date():
    v = verify_citation(cite(date="2017-04-29", date_as_written="April 29", year_inferred=True),
                        MOD, LINK, live(GOOD), None)
    assert v.corrected_date == "2016-04-29"
    assert "2016-04-29" in v.explanation


def test_verify_citation_pin_quotes_and_title():
    pin = Pin(source="Russian MOD", date="2016-04-29", url=URL,
              title="Joint missile defence exercise", quotes=("Aerospace Security",))
    v = verify_citation(cite(quotes=()), MOD, [Candidate(URL, "pin")], live(GOOD), None, pin=pin)
    assert v.verdict is V.VERIFIED and v.quotes_found == ("Aerospace Security",)
    bad = Pin(source="Russian MOD", date="2016-04-29", url=URL, title="Naval parade report")
    v = verify_citation(cite(quotes=()), MOD, [Candidate(URL, "pin")], live(GOOD), None, pin=bad)
    assert v.verdict is V.MISMATCH and v.reasons == ("title-mismatch",)


def test_verify_citation_language():
    russian = html_page("Министерство обороны сообщило о первых совместных компьютерных "
                        "учениях. Учения не направлены против третьих стран.", lang="ru",
                        filler=False)
    v = verify_citation(cite(), MOD, LINK, live(russian), None)
    assert v.verdict is V.VERIFIED
    assert v.reasons == ("quote-unverifiable-language",)
    assert v.quotes_missing == ()


def test_found_snapshot_without_body_is_an_archive_error():
    v = verify_citation(cite(), MOD, LINK, live(None, LiveStatus.DEAD, 404), found(None))
    assert v.verdict is V.DEAD and v.reasons == ("http-404", "archive-error")
    assert "no archived snapshot supports" not in v.explanation  # F8 (lead's decision)
    assert "archived copy may still exist" in v.explanation
    assert "could not be read" in v.explanation


@pytest.mark.parametrize("body", [b"", b"<html><body> </body></html>"])
def test_empty_or_garbage_replay_is_an_archive_error(body):
    # pywb replays a capture whose WARC is damaged as an empty 200
    v = verify_citation(cite(), MOD, LINK, live(None, LiveStatus.DEAD, 404), found(body))
    assert v.verdict is V.DEAD and v.reasons == ("http-404", "archive-error")
    assert v.archive_error and "no readable content" in v.archive_error


def test_unresolved_lists_best_candidates():
    cands = [Candidate("https://eng.mil.ru/a", "candidate", 0.31),
             Candidate("https://eng.mil.ru/b", "candidate", 0.2)]
    v = verify_citation(cite(), MOD, cands, None, None)
    assert v.verdict is V.UNRESOLVED and "https://eng.mil.ru/a (0.31)" in v.explanation
    assert v.candidates == tuple(cands) and v.urls == ()


def test_every_reason_code_has_a_sentence():
    produced = {"malformed", "no-url", "discovered", "http-404", "http-410", "soft-404",
                "rate-limited", "timeout", "domain-mismatch", "date-mismatch",
                "quote-not-found", "quote-unverifiable-language", "title-mismatch",
                "content-drift", "year-inferred", "date-uncertain", "content-unreadable",
                "no-snapshot", "archive-error", "not-checked", "skipped"}
    assert produced <= set(REASONS)
    for code in REASONS:
        assert code == code.lower() and " " not in code


# ------------------------------------------------------------ configuration


def test_thresholds_from_environment():
    t = Thresholds.from_env({"CITECHECK_QUOTE_MIN_SCORE": "97.5",
                             "CITECHECK_DRIFT_MIN_SIMILARITY": "0.5",
                             "CITECHECK_DATE_TOLERANCE_DAYS": "0",
                             "CITECHECK_QUOTE_LANGUAGE": "FR", "OTHER": "x"})
    assert (t.quote_min_score, t.drift_min_similarity, t.date_tolerance_days,
            t.quote_language) == (97.5, 0.5, 0, "fr")
    assert Thresholds.from_env({}) == Thresholds()


@pytest.mark.parametrize("name, value, message", [
    ("CITECHECK_QUOTE_MIN_SCORE", "high", "is not a number"),
    ("CITECHECK_DRIFT_MIN_SIMILARITY", "1.5", "outside 0..1"),
    ("CITECHECK_DATE_TOLERANCE_DAYS", "1.5", "is not a number"),
])
def test_bad_threshold_is_a_usage_error(name, value, message):
    from citecheck.errors import ExitCode, InputError

    with pytest.raises(InputError, match=message) as info:
        Thresholds.from_env({name: value})
    assert info.value.exit_code == ExitCode.USAGE and name in str(info.value)


def test_tolerance_zero_makes_a_day_off_a_mismatch(monkeypatch):
    monkeypatch.setenv("CITECHECK_DATE_TOLERANCE_DAYS", "0")
    v = verify_citation(cite(date="2016-04-30"), MOD, LINK, live(GOOD), None)
    assert v.verdict is V.MISMATCH and v.reasons == ("date-mismatch",)
    monkeypatch.delenv("CITECHECK_DATE_TOLERANCE_DAYS")
    v = verify_citation(cite(date="2016-04-30"), MOD, LINK, live(GOOD), None)
    assert v.verdict is V.VERIFIED


def test_verification_makes_no_request(monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("verification opened a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    from citecheck import content

    content._CACHE.clear()
    v = verify_citation(cite(), MOD, LINK, live(GONE), found(GOOD))
    assert v.verdict is V.RESCUED


def test_rate_limited_is_said_once():
    d = decide(live=LiveStatus.BLOCKED, live_reasons=("rate-limited", "http-429"))
    assert d.reasons == ("rate-limited", "http-429")
    assert d.explanation.count("429") == 1


def test_rescued_snapshot_can_correct_an_inferred_year():
    c = cite(date="2017-04-29", date_as_written="April 29", year_inferred=True)
    v = verify_citation(c, MOD, LINK, live(None, LiveStatus.DEAD, 404, reasons=["http-404"]),
                        found(GOOD))
    assert v.verdict is V.RESCUED and v.reasons == ("http-404", "year-inferred")
    assert v.corrected_date == "2016-04-29"


def test_pdf_source_verified_from_its_first_page_date():
    from pdfgen import make_pdf

    pdf = make_pdf(["SIPRI Fact Sheet", "5 July 2017", "China was the largest client for arms."],
                   created="20170801000000")
    sipri = SourceEntry("SIPRI", domains=("sipri.org",))
    url = "https://www.sipri.org/fs.pdf"
    c = cite(source="SIPRI", source_key="SIPRI", date="2017-07-05", quotes=(
        "largest client for arms",))
    result = LiveResult(url=url, status=LiveStatus.OK, status_code=200, final_url=url,
                        content_type="application/pdf", body=pdf)
    v = verify_citation(c, sipri, [Candidate(url, "hyperlink")], result, None)
    assert v.verdict is V.VERIFIED and v.quotes_found == ("largest client for arms",)
    wrong = verify_citation(cite(source="SIPRI", date="2017-09-01", quotes=()), sipri,
                            [Candidate(url, "hyperlink")], result, None)
    assert wrong.verdict is V.MISMATCH and wrong.reasons == ("date-mismatch",)


def test_dead_with_an_unreachable_archive_says_a_copy_may_exist():
    # F8, lead's decision: the verdict stays dead (the 404 is a fact about the source)
    # but the sentence must not claim that no archived snapshot supports the citation
    from citecheck.models import ArchiveLookup, LookupStatus

    lookup = ArchiveLookup("http://127.0.0.5/404", LookupStatus.ERROR, error="connection-refused")
    v = verify_citation(cite(), MOD, LINK, live(None, LiveStatus.DEAD, 404, reasons=["http-404"]),
                        lookup)
    assert v.verdict is V.DEAD and v.reasons == ("http-404", "archive-error")
    assert "no archived snapshot supports" not in v.explanation
    assert v.explanation.startswith("The page is dead, and the archive could not be checked")
    assert "could not be asked: it refused the connection" in v.explanation  # no raw code
    # with no snapshot at all, the usual sentence
    none = ArchiveLookup("http://127.0.0.5/404", LookupStatus.NONE)
    v = verify_citation(cite(), MOD, LINK, live(None, LiveStatus.DEAD, 404), none)
    assert v.explanation.startswith("The page is dead and no archived snapshot supports")


# ------------------------------------------- reason sentences name who failed (issue 15)


def _error_lookup(error: str) -> ArchiveLookup:
    return ArchiveLookup(url=URL, status=LookupStatus.ERROR, error=error)


@pytest.mark.parametrize(
    "live_result, lookup, explanation",
    [
        (live(None, LiveStatus.ERROR, None, reasons=["dns-error"]),
         _error_lookup("dns-error: cannot resolve web.archive.org: [Errno -2] Name or service "
                       "not known"),
         "Could not decide: eng.mil.ru does not resolve (DNS); the archive (web.archive.org) "
         "could not be asked: it does not resolve (DNS)."),
        (live(None, LiveStatus.ERROR, None, reasons=["timeout"]),
         _error_lookup("rate-limited: HTTP 429 from web.archive.org (Retry-After 5s)"),
         "Could not decide: eng.mil.ru did not answer in time; the archive (web.archive.org) "
         "could not be asked: it answers HTTP 429 (Retry-After 5s)."),
        (live(None, LiveStatus.ERROR, 503, reasons=["http-503"]),
         _error_lookup("connection-refused: [Errno 111] Connection refused"),
         "Could not decide: eng.mil.ru answers HTTP 503; the archive could not be asked: it "
         "refused the connection."),
        (live(None, LiveStatus.BLOCKED, 403, reasons=["http-403"]),
         _error_lookup("archive-unavailable: HTTP 503 from archive.example.org"),
         "Could not decide: eng.mil.ru refuses access (403); the archive (archive.example.org) "
         "could not be asked: it answers HTTP 503."),
        (live(None, LiveStatus.SKIPPED, None, reasons=["private-address"]), None,
         "Could not decide: eng.mil.ru is a private address, refused without --allow-private."),
    ],
)
def test_reason_sentences_name_the_host_that_failed(live_result, lookup, explanation):
    # issue 15 (5): "the site"/"the host name" named no host, the archive's failure came
    # with its raw code and errno ("dns-error: cannot resolve ...: [Errno -2] ...")
    v = verify_citation(cite(), MOD, LINK, live_result, lookup)
    assert v.verdict is V.INCONCLUSIVE
    assert v.explanation == explanation
    assert "Errno" not in v.explanation and "the site" not in v.explanation
