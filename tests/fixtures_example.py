"""A synthetic but realistic report of the bundled example brief.

Used for the README screenshot (scripts/screenshot_report.py), by the report
benchmark and by the tests; it lives here, out of the installed package.
Every verdict kind appears; URLs, statuses and dates are plausible but made
up (no request was made to build it).
"""

from __future__ import annotations

from typing import Any

from citecheck.models import (
    Candidate,
    Citation,
    DatePrecision,
    LiveResult,
    LiveStatus,
    Redirect,
    Snapshot,
    Verdict,
    VerdictKind,
)
from citecheck.report.model import Change, DocumentInfo, RunReport

DOCUMENT = "examples/china-russia-security-ties-2018-06-04.txt"
CHECKED = "2026-11-28T21:14:05Z"

_S = {
    7: "China recently announced plans to contribute to Russian support of the Assad regime "
    "in Syria, just one of many ways in which Chinese-Russian security ties have strengthened "
    "over the past five years (MOFA, May 14).",
    16: "After the normalization of relations in 1989, the two countries began negotiating force "
    "reductions along their shared border, eventually establishing a \u201ccomprehensive strategic "
    "partnership of coordination\u201d "
    "(\u5168\u9762\u6218\u7565\u534f\u4f5c\u4f19\u4f34\u5173\u7cfb) "
    "as a first step towards addressing historical grievances and securing their continental "
    "flanks (Xinhua, July 26 2017).",
    18: "Between 1999 and 2006, China was Russia\u2019s largest client for arms, accounting for "
    "between 30 and 60% of total Russian exports of major weapons (SIPRI, July 5 2017).",
    20: "Since then, Chinese-Russian security and defense ties have continued to improve, largely "
    "in response to the US\u2019s strengthening of NATO, and of its security alliances in the "
    "Indo-Pacific (CPIFA, 2017).",
    26: "More strategic and sophisticated joint military exercises, including large exercises in "
    "sensitive areas such as the Baltic and South China Seas, have given rise to academic "
    "discussions of a more formal security alliance between the two countries (China Brief, "
    "September 20 2017).",
    30: "For example, the confirmed delivery earlier this year of Russian S-400 missile systems to "
    "China have several potential benefits for the latter (Press TV, April 4).",
    32: "Meanwhile, in 2016 China and Russia conducted their first joint computer-simulated "
    "missile defense exercise: \u201cAerospace Security\u201d (Russian MOD, April 29 2016).",
    34: "The shift towards more missile defense exercises runs the risk that the two countries "
    "may eventually shift focus to missile offense (CSIS, February 7; CSIS, May 25).",
    36: "PLA General and PRC Minister of National Defense Wei Fenghe explicitly said that his "
    "visit was intended to \u201cshow the world\u2026 a firm determination of [Chinese] "
    "armed forces to strengthen strategic cooperation\u201d with Russia, and to work "
    "with Russia in their \u201ccommon struggle\u201d against a US-led and "
    "-dominated international world order (TASS, April 3).",
    38: "A 2016 joint declaration on the \u201cpromotion and principles of international law\u201d "
    "and a 2018 joint statement on the joint comprehensive plan of action are just two examples "
    "(Russian MOD, June 25; Russian MOD, May 5).",
    46: "China\u2019s military modernization presents a unique complication to Russia, which "
    "drives Russia to seek defense cooperation with countries that Beijing considers "
    "potential threats, such as Vietnam and India (USCC, March 20).",
}


def _citation(
    line: int,
    source: str,
    written: str | None,
    date: str | None,
    *,
    inferred: bool = False,
    quotes: tuple[str, ...] = (),
    context: str | None = None,
    malformed: bool = False,
    problem: str | None = None,
) -> Citation:
    sentence = context if context is not None else _S.get(line, "")
    raw = f"{source}, {written}" if written else source
    precision = None
    if date:
        by_length = {10: DatePrecision.DAY, 7: DatePrecision.MONTH}
        precision = by_length.get(len(date), DatePrecision.YEAR)
    column = max(sentence.find(raw), 0) + 1
    return Citation(
        id=f"L{line}C{column}",
        source=source,
        raw=raw,
        line=line,
        column=column,
        document=DOCUMENT,
        source_key=source if not malformed else None,
        date_as_written=written,
        date=date,
        date_precision=precision,
        year_inferred=inferred,
        context=sentence,
        quotes=quotes,
        malformed=malformed,
        problem=problem,
    )


def _live(url: str, status: LiveStatus, code: int | None, **kw: Any) -> LiveResult:
    if code and code < 400:
        kw.setdefault("content_type", "text/html; charset=utf-8")
    return LiveResult(url=url, status=status, status_code=code, checked_at=CHECKED, **kw)


def _snap(url: str, ts: str, days: float) -> Snapshot:
    return Snapshot(
        url=url,
        archive_url=f"https://web.archive.org/web/{ts}id_/{url}",
        timestamp=ts,
        status_code=200,
        mimetype="text/html",
        distance_days=days,
    )


def example_verdicts() -> list[Verdict]:
    """Nineteen verdicts, one per citation of the example brief, every kind represented."""
    V = VerdictKind
    mofa = "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/t1559069.shtml"
    xinhua = "http://www.xinhuanet.com/english/2017-07/26/c_136475010.htm"
    sipri = "https://www.sipri.org/commentary/topical-backgrounder/2017/russia-china-arms-trade"
    usni = "https://news.usni.org/2017/03/20/russia-china-arms-sales-resume"
    jamestown = "https://jamestown.org/program/china-russia-military-exercises-alliance/"
    presstv = "https://www.presstv.com/Detail/2018/04/04/557299/Russia-China-S400"
    mod16 = "http://eng.mil.ru/en/news_page/country/more.htm?id=12061436@egNews"
    csis1 = "https://www.csis.org/analysis/missile-defense-russia-china-2018"
    csis2 = "https://www.csis.org/analysis/russia-china-missile-cooperation"
    tass = "http://tass.com/defense/997463"
    mod_apr = "http://eng.mil.ru/en/news_page/country/more.htm?id=12169816@egNews"
    mod_jun = "http://eng.mil.ru/en/news_page/country/more.htm?id=12130462@egNews"
    mod_may = "http://eng.mil.ru/en/news_page/country/more.htm?id=12174803@egNews"
    uscc = "https://www.uscc.gov/research/china-russia-defense-cooperation"
    uscc_final = "https://www.uscc.gov/sites/default/files/Research/China-Russia%20Defense.pdf"
    sipri_db = "https://www.sipri.org/databases/armstransfers"
    return [
        Verdict(
            _citation(7, "MOFA", "May 14", "2018-05-14", inferred=True),
            V.VERIFIED,
            ("year-inferred", "content-match"),
            "The page is on fmprc.gov.cn and dated 2018-05-14, as cited.",
            (mofa,),
            _live(mofa, LiveStatus.OK, 200, elapsed=0.84, bytes=48211),
            candidates=(
                Candidate(
                    mofa,
                    "pin",
                    1.0,
                    "Foreign Ministry Spokesperson's Regular Press Conference on May 14, 2018",
                ),
            ),
            evidence=("archive/run-20261128T211400Z-00000.warc.gz#18211",),
        ),
        Verdict(
            _citation(
                16,
                "Xinhua",
                "July 26 2017",
                "2017-07-26",
                quotes=("comprehensive strategic partnership of coordination",),
            ),
            V.RESCUED,
            ("http-404", "snapshot-used", "quote-found"),
            "The live page is gone (404); a Wayback snapshot from the day after the cited date "
            "carries the quotation.",
            (xinhua,),
            _live(xinhua, LiveStatus.DEAD, 404, elapsed=0.41, reasons=("http-404",)),
            _snap(xinhua, "20170727031542", 0.6),
            quotes_found=("comprehensive strategic partnership of coordination",),
            evidence=("archive/run-20261128T211400Z-00000.warc.gz#60129",),
        ),
        Verdict(
            _citation(18, "SIPRI", "July 5 2017", "2017-07-05"),
            V.VERIFIED,
            ("content-match",),
            "The page is on sipri.org and dated 2017-07-05, as cited.",
            (sipri,),
            _live(sipri, LiveStatus.OK, 200, elapsed=1.12, bytes=73004),
            evidence=("archive/run-20261128T211400Z-00000.warc.gz#112730",),
        ),
        Verdict(
            _citation(18, "USNI", "March 20 2017", "2017-03-20"),
            V.VERIFIED,
            ("redirected", "content-match"),
            "Reached through a same-site redirect; the article is dated 2017-03-20.",
            (usni,),
            _live(
                usni,
                LiveStatus.REDIRECTED,
                200,
                final_url=usni.replace("https://news.", "https://"),
                redirects=(Redirect(usni, 301),),
                elapsed=0.95,
                bytes=91500,
            ),
        ),
        Verdict(
            _citation(
                18,
                "SIPRI",
                None,
                None,
                malformed=True,
                problem="unterminated parenthesis: '(SIPRI' is never closed",
                context="The $7 billion sale of four advanced S-400 SAM systems in 2015 was, "
                "by itself, worth more than the entire total of Russian arms sales to China "
                "during the five years prior (SIPRI",
            ),
            V.MALFORMED,
            ("unterminated", "no-date"),
            "The citation is never closed and has no date; fix it in the brief.",
        ),
        Verdict(
            _citation(20, "CPIFA", "2017", "2017"),
            V.UNRESOLVED,
            ("unknown-source", "no-url"),
            "CPIFA is not in citations.yaml and no page was found for it.",
        ),
        Verdict(
            _citation(26, "China Brief", "September 20 2017", "2017-09-20"),
            V.VERIFIED,
            ("content-match",),
            "The article is on jamestown.org and dated 2017-09-20.",
            (jamestown,),
            _live(jamestown, LiveStatus.OK, 200, elapsed=0.77, bytes=66120),
        ),
        Verdict(
            _citation(
                28,
                "CPIFA",
                "2017",
                "2017",
                context="Russia and China are now engaged in military exercises focused on "
                "combined operations and missile defense (CPIFA, 2017).",
            ),
            V.UNRESOLVED,
            ("unknown-source", "no-url"),
            "CPIFA is not in citations.yaml and no page was found for it.",
        ),
        Verdict(
            _citation(30, "Press TV", "April 4", "2018-04-04", inferred=True),
            V.INCONCLUSIVE,
            ("http-403", "bot-wall", "archive-error"),
            "The site answered 403 behind a bot check and the archive did not answer in time.",
            (presstv,),
            _live(presstv, LiveStatus.BLOCKED, 403, elapsed=0.33, reasons=("http-403",)),
            archive_error="timeout after 20 s",
        ),
        Verdict(
            _citation(
                32, "Russian MOD", "April 29 2016", "2016-04-29", quotes=("Aerospace Security",)
            ),
            V.RESCUED,
            ("soft-404", "snapshot-used", "quote-found"),
            "The link now redirects to the ministry's home page; a snapshot from 2016-05-03 "
            "supports the citation.",
            (mod16,),
            _live(
                mod16,
                LiveStatus.DEAD,
                200,
                final_url="http://eng.mil.ru/en/index.htm",
                redirects=(Redirect(mod16, 302),),
                reasons=("soft-404", "redirect-home"),
                elapsed=2.41,
            ),
            _snap(mod16, "20160503114012", 4.5),
            quotes_found=("Aerospace Security",),
            evidence=("archive/run-20261128T211400Z-00001.warc.gz#2210",),
        ),
        Verdict(
            _citation(34, "CSIS", "February 7", "2018-02-07", inferred=True),
            V.MISMATCH,
            ("year-inferred", "date-mismatch"),
            "The page is dated 2017-02-07, a year before the inferred date 2018-02-07.",
            (csis1,),
            _live(csis1, LiveStatus.OK, 200, elapsed=0.66, bytes=58123),
            corrected_date="2017-02-07",
        ),
        Verdict(
            _citation(34, "CSIS", "May 25", "2018-05-25", inferred=True),
            V.VERIFIED,
            ("year-inferred", "content-match"),
            "The page is on csis.org and dated 2018-05-25.",
            (csis2,),
            _live(csis2, LiveStatus.OK, 200, elapsed=0.59, bytes=61002),
        ),
        Verdict(
            _citation(
                36,
                "TASS",
                "April 3",
                "2018-04-03",
                inferred=True,
                quotes=(
                    "show the world\u2026 a firm determination of [Chinese] armed forces "
                    "to strengthen strategic cooperation",
                    "common struggle",
                ),
            ),
            V.MISMATCH,
            ("quote-not-found",),
            "One of the two quotations is not on the page, live or archived.",
            (tass,),
            _live(tass, LiveStatus.OK, 200, elapsed=0.71, bytes=40332),
            _snap(tass, "20180403184455", 0.8),
            quotes_found=("common struggle",),
            quotes_missing=(
                "show the world\u2026 a firm determination of [Chinese] armed forces "
                "to strengthen strategic cooperation",
            ),
        ),
        Verdict(
            _citation(
                36,
                "Russian MOD",
                "April 3",
                "2018-04-03",
                inferred=True,
                quotes=("new, unprecedented",),
                context="Russian Defense Minister General Sergei Shoigu reaffirmed that "
                "Russian-Chinese relations today have reached a \u201cnew, unprecedented\u201d "
                "level (Russian MOD, April 3).",
            ),
            V.DEAD,
            ("http-404", "no-snapshot"),
            "The page is gone (404) and the archive has no copy within a year of 2018-04-03.",
            (mod_apr,),
            _live(mod_apr, LiveStatus.DEAD, 404, elapsed=1.90, reasons=("http-404",)),
        ),
        Verdict(
            _citation(
                38,
                "CFAU",
                "2018",
                "2018",
                context="Chinese and Russian scholars have written on the strategic benefits "
                "of an alliance (CFAU, 2018).",
            ),
            V.UNRESOLVED,
            ("unknown-source", "no-url"),
            "CFAU is not in citations.yaml and no page was found for it.",
        ),
        Verdict(
            _citation(
                38,
                "Russian MOD",
                "June 25",
                "2017-06-25",
                inferred=True,
                quotes=("promotion and principles of international law",),
            ),
            V.RESCUED,
            ("http-410", "snapshot-used", "year-inferred"),
            "Removed from the live site (410); the snapshot of 2016-06-26 carries the declaration.",
            (mod_jun,),
            _live(mod_jun, LiveStatus.DEAD, 410, elapsed=1.20, reasons=("http-410",)),
            _snap(mod_jun, "20160626080101", 364.0),
            corrected_date="2016-06-25",
            quotes_found=("promotion and principles of international law",),
        ),
        Verdict(
            _citation(38, "Russian MOD", "May 5", "2018-05-05", inferred=True),
            V.INCONCLUSIVE,
            ("timeout", "no-snapshot"),
            "The server did not answer in 20 s; no archived copy.",
            (mod_may,),
            _live(
                mod_may, LiveStatus.ERROR, None, error="timeout", elapsed=20.0, reasons=("timeout",)
            ),
        ),
        Verdict(
            _citation(46, "USCC", "March 20", "2018-03-20", inferred=True),
            V.VERIFIED,
            ("redirected", "content-match"),
            "The report moved to a PDF on the same site, dated 2018-03-20.",
            (uscc,),
            _live(
                uscc,
                LiveStatus.REDIRECTED,
                200,
                final_url=uscc_final,
                redirects=(
                    Redirect(uscc, 301),
                    Redirect(uscc.replace("https://www.", "https://"), 302),
                ),
                elapsed=1.31,
                bytes=1203344,
            ),
        ),
        Verdict(
            _citation(
                46,
                "SIPRI",
                "2017",
                "2017",
                context="China\u2019s continued reverse-engineering of Russian arms mean "
                "that the two countries will face obstacles (SIPRI, 2017).",
            ),
            V.VERIFIED,
            ("content-match",),
            "The database page is on sipri.org, updated in 2017.",
            (sipri_db,),
            _live(sipri_db, LiveStatus.OK, 200, elapsed=0.52, bytes=30210),
        ),
    ]


def example_report() -> RunReport:
    """The example brief's synthetic report, with a comparison to an earlier run."""
    return RunReport.from_verdicts(
        example_verdicts(),
        run_id="20261128T211400Z",
        started_at="2026-11-28T21:14:00Z",
        finished_at="2026-11-28T21:14:38Z",
        options={
            "config": "citations.yaml",
            "archive-url": "https://web.archive.org/web",
            "fail-on": "fail",
            "concurrency": 32,
            "per-host": 2,
            "max-age": "24h",
        },
        documents=[
            DocumentInfo(
                DOCUMENT,
                "2018-06-04",
                "Chinese-Russian Defense and Security Ties: Countering US Encirclement",
            )
        ],
        changes=[
            Change(
                "newly-dead",
                "http://eng.mil.ru/en/news_page/country/more.htm?id=12169816@egNews",
                DOCUMENT,
                "L36C474",
                "verified",
                "dead",
            ),
            Change(
                "newly-rescued",
                "http://www.xinhuanet.com/english/2017-07/26/c_136475010.htm",
                DOCUMENT,
                "L16C380",
                "verified",
                "rescued",
            ),
        ],
    )
