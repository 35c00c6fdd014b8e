"""The citation grammar, as a table of sentences and the records they yield."""

import pytest

from citecheck.extract import iter_citations

PUBLISHED = "2018-06-04"

# (text, [(source, date_as_written, date, precision, year_inferred, malformed), ...])
CASES = [
    # --- the basic shape and date variants
    ("Ties grew (MOFA, May 14).", [("MOFA", "May 14", "2018-05-14", "day", True, False)]),
    ("Ties grew (Xinhua, July 26 2017).",
     [("Xinhua", "July 26 2017", "2017-07-26", "day", False, False)]),
    ("Ties grew (TASS, June 12, 2015).",
     [("TASS", "June 12, 2015", "2015-06-12", "day", False, False)]),
    ("Ties grew (CSIS, September 2017).",
     [("CSIS", "September 2017", "2017-09", "month", False, False)]),
    ("Ties grew (CSIS, September, 2017).",
     [("CSIS", "September, 2017", "2017-09", "month", False, False)]),
    ("Ties grew (CPIFA, 2017).", [("CPIFA", "2017", "2017", "year", False, False)]),
    ("Ties grew (USNI, 4 June 2018).",
     [("USNI", "4 June 2018", "2018-06-04", "day", False, False)]),
    ("Ties grew (USNI, 4 June).", [("USNI", "4 June", "2018-06-04", "day", True, False)]),
    ("Ties grew (SIPRI, 2017-07-05).",
     [("SIPRI", "2017-07-05", "2017-07-05", "day", False, False)]),
    ("Ties grew (SIPRI, 2017-07).", [("SIPRI", "2017-07", "2017-07", "month", False, False)]),
    ("Ties grew (SIPRI, Jan. 5, 2019).",
     [("SIPRI", "Jan. 5, 2019", "2019-01-05", "day", False, False)]),
    ("Ties grew (SIPRI, Sept. 3).", [("SIPRI", "Sept. 3", "2017-09-03", "day", True, False)]),
    ("Ties grew (SIPRI, March 3rd, 2016).",
     [("SIPRI", "March 3rd, 2016", "2016-03-03", "day", False, False)]),
    ("Ties grew (SIPRI, July).", [("SIPRI", "July", "2017-07", "month", True, False)]),
    ("Ties grew (SIPRI, June).", [("SIPRI", "June", "2018-06", "month", True, False)]),
    ("Ties grew (SIPRI, June 4).", [("SIPRI", "June 4", "2018-06-04", "day", True, False)]),
    ("Ties grew (SIPRI, June 5).", [("SIPRI", "June 5", "2017-06-05", "day", True, False)]),
    ("Ties grew (SIPRI, February 29).",
     [("SIPRI", "February 29", "2016-02-29", "day", True, False)]),
    ("Ties grew (Xinhua, n.d.).", [("Xinhua", "n.d.", None, None, False, False)]),
    ("Ties grew (Xinhua, Monday, May 14, 2018).",
     [("Xinhua", "Monday, May 14, 2018", "2018-05-14", "day", False, False)]),
    # --- two days of one month
    ("Ties grew (Kommersant, October 18, 28).",
     [("Kommersant", "October 18, 28", "2017-10-18", "day", True, False),
      ("Kommersant", "October 18, 28", "2017-10-28", "day", True, False)]),
    ("Ties grew (Kommersant, October 18, 28, 2016).",
     [("Kommersant", "October 18, 28, 2016", "2016-10-18", "day", False, False),
      ("Kommersant", "October 18, 28, 2016", "2016-10-28", "day", False, False)]),
    ("Ties grew (Kommersant, May 3 and 9).",
     [("Kommersant", "May 3 and 9", "2018-05-03", "day", True, False),
      ("Kommersant", "May 3 and 9", "2018-05-09", "day", True, False)]),
    # --- several parts, inheritance, prefixes
    ("Ties grew (CSIS, February 7; CSIS, May 25).",
     [("CSIS", "February 7", "2018-02-07", "day", True, False),
      ("CSIS", "May 25", "2018-05-25", "day", True, False)]),
    ("Ties grew (CSIS, February 7; May 25).",
     [("CSIS", "February 7", "2018-02-07", "day", True, False),
      ("CSIS", "May 25", "2018-05-25", "day", True, False)]),
    ("Ties grew (Xinhua, May 5; TASS, 2016; June 1).",
     [("Xinhua", "May 5", "2018-05-05", "day", True, False),
      ("TASS", "2016", "2016", "year", False, False),
      ("TASS", "June 1", "2018-06-01", "day", True, False)]),
    ("Ties grew (see Xinhua, May 5).", [("Xinhua", "May 5", "2018-05-05", "day", True, False)]),
    ("Ties grew (See also TASS, 2016).", [("TASS", "2016", "2016", "year", False, False)]),
    ("Ties grew (Xinhua, May 5; see also TASS, May 6).",
     [("Xinhua", "May 5", "2018-05-05", "day", True, False),
      ("TASS", "May 6", "2018-05-06", "day", True, False)]),
    ("Ties grew (cf. RIA Novosti, 2015).",
     [("RIA Novosti", "2015", "2015", "year", False, False)]),
    # --- kinds of source
    ("Ties grew (Russian MOD, April 29 2016).",
     [("Russian MOD", "April 29 2016", "2016-04-29", "day", False, False)]),
    ("Ties grew (Ministry of Foreign Affairs of the PRC, May 2).",
     [("Ministry of Foreign Affairs of the PRC", "May 2", "2018-05-02", "day", True, False)]),
    ("Ties grew (www.example.org, 2017).",
     [("www.example.org", "2017", "2017", "year", False, False)]),
    ("Ties grew (Example.ru, September 2017).",
     [("Example.ru", "September 2017", "2017-09", "month", False, False)]),
    ("Ties grew (tass.ru, May 1).", [("tass.ru", "May 1", "2018-05-01", "day", True, False)]),
    ("Ties grew (al-Monitor, 2019).", [("al-Monitor", "2019", "2019", "year", False, False)]),
    ("Ties grew (People’s Daily, May 4).",
     [("People’s Daily", "May 4", "2018-05-04", "day", True, False)]),
    ("Ties grew (U.S. Department of Defense, 2018).",
     [("U.S. Department of Defense", "2018", "2018", "year", False, False)]),
    ("Ties grew (新华社, 2017).", [("新华社", "2017", "2017", "year", False, False)]),
    ("Ties grew (Ministry of National Defense [MND], May 31).",
     [("Ministry of National Defense [MND]", "May 31", "2018-05-31", "day", True, False)]),
    ("Ties grew (Ministry of National Defense of the People’s Republic of China, 2017).",
     [("Ministry of National Defense of the People’s Republic of China", "2017", "2017",
       "year", False, False)]),
    ("Ties grew (81.cn, June 3).", [("81.cn", "June 3", "2018-06-03", "day", True, False)]),
    ("Ties grew (Press TV, April 4).",
     [("Press TV", "April 4", "2018-04-04", "day", True, False)]),
    # --- placement
    ("Ties grew. (SIPRI, 2017)", [("SIPRI", "2017", "2017", "year", False, False)]),
    ("Ties grew (PLA) (SIPRI, 2017).", [("SIPRI", "2017", "2017", "year", False, False)]),
    ("Ties grew (SIPRI, 2017)(TASS, 2018).",
     [("SIPRI", "2017", "2017", "year", False, False),
      ("TASS", "2018", "2018", "year", False, False)]),
    ("A “quoted phrase (TASS, April 3)” inside.",
     [("TASS", "April 3", "2018-04-03", "day", True, False)]),
    ("Split over\nlines (Russian\nMOD, April 3) here.",
     [("Russian MOD", "April 3", "2018-04-03", "day", True, False)]),
    # --- malformed
    ("Ties grew (SIPRI\n\nNext paragraph.", [("SIPRI", None, None, None, False, True)]),
    ("Ties grew (SIPRI, 2017\n\nNext paragraph.",
     [("SIPRI", "2017", "2017", "year", False, True)]),
    ("Ties grew (TASS, February 30).", [("TASS", None, None, None, False, True)]),
    ("Ties grew (TASS, May 32, 2017).", [("TASS", None, None, None, False, True)]),
    ("Ties grew (Xinhua, May 5; TASS).",
     [("Xinhua", "May 5", "2018-05-05", "day", True, False),
      ("TASS", None, None, None, False, True)]),
    ("Ties grew (2017; Xinhua, May 5).",
     [("", None, None, None, False, True),
      ("Xinhua", "May 5", "2018-05-05", "day", True, False)]),
    # --- not citations
    ("The People’s Liberation Army (PLA) grew.", []),
    ("A “comprehensive partnership” (全面战略协作伙伴关系) grew.", []),
    ("A partnership (quanmian zhanlüe xiezuo huoban guanxi, 全面战略协作伙伴关系) grew.", []),
    ("Minister Wei Fenghe ( 魏凤和) spoke.", []),
    ("Minister Wei Fenghe (魏凤和, Wei Fenghe) spoke.", []),
    ("Generals met (second from left).", []),
    ("Generals met (second from left, front row).", []),
    ("Photo of the parade (Source: Xinhua).", []),
    ("Photo of the parade (Image credit: Xinhua News Agency).", []),
    ("Sales rose (30 percent) in a year.", []),
    ("Sales rose (30%, 2017) in a year.", []),
    ("Sales rose (1999–2006) in a year.", []),
    ("Sales rose (2017) in a year.", []),
    ("Sales rose (May 2017) in a year.", []),
    ("The attacks (Sept 11, 2001) changed it.", []),
    ("Some states (e.g., Russia, China) object.", []),
    ("Some states (Moscow, early 2000s) object.", []),
    ("Some states (in Russian, May 2017) object.", []),
    ("Nothing in brackets [TASS, 2017] counts.", []),
    ("An unmatched close) does nothing.", []),
    ("An aside (which began in 2014, and continues) matters.", []),
    ("A list: (a) first, (b) second, (c) third.", []),
]


def _records(text):
    return [
        (c.source, c.date_as_written, c.date,
         c.date_precision.value if c.date_precision else None, c.year_inferred, c.malformed)
        for c in iter_citations(text.split("\n"), published=PUBLISHED)
    ]


def test_table_is_large_enough():
    assert len(CASES) >= 60
    assert sum(1 for _, expected in CASES if not expected) >= 20


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_grammar(text, expected):
    assert _records(text) == expected


# Locators and date ranges:
# (text, [(source, raw, date_as_written, date, date_end, precision, year_inferred, locator,
#          malformed), ...])
LOCATOR_AND_RANGE_CASES = [
    # --- page, paragraph, section and chapter locators
    ("Ties grew (SIPRI, 2017, p. 5).",
     [("SIPRI", "SIPRI, 2017, p. 5", "2017", "2017", None, "year", False, "p. 5", False)]),
    ("Ties grew (CSIS, May 25, pp. 3-4).",
     [("CSIS", "CSIS, May 25, pp. 3-4", "May 25", "2018-05-25", None, "day", True, "pp. 3-4",
       False)]),
    ("Ties grew (IISS, 2018, para. 12).",
     [("IISS", "IISS, 2018, para. 12", "2018", "2018", None, "year", False, "para. 12", False)]),
    ("Ties grew (MOFA, May 14, § 3).",
     [("MOFA", "MOFA, May 14, § 3", "May 14", "2018-05-14", None, "day", True, "§ 3", False)]),
    ("Ties grew (SIPRI, 2017, p.5).",
     [("SIPRI", "SIPRI, 2017, p.5", "2017", "2017", None, "year", False, "p.5", False)]),
    ("Ties grew (SIPRI, 2017, pp 3–4).",
     [("SIPRI", "SIPRI, 2017, pp 3–4", "2017", "2017", None, "year", False, "pp 3–4", False)]),
    ("Ties grew (SIPRI, 2017, ch. 2).",
     [("SIPRI", "SIPRI, 2017, ch. 2", "2017", "2017", None, "year", False, "ch. 2", False)]),
    ("Ties grew (SIPRI, 2017, Ch. IV).",
     [("SIPRI", "SIPRI, 2017, Ch. IV", "2017", "2017", None, "year", False, "Ch. IV", False)]),
    ("Ties grew (SIPRI, 2017, ch. 2, p. 45).",
     [("SIPRI", "SIPRI, 2017, ch. 2, p. 45", "2017", "2017", None, "year", False,
       "ch. 2, p. 45", False)]),
    ("Ties grew (SIPRI, 2017, pp. 3, 7).",
     [("SIPRI", "SIPRI, 2017, pp. 3, 7", "2017", "2017", None, "year", False, "pp. 3, 7",
       False)]),
    ("Ties grew (SIPRI, 2017, § 3.2).",
     [("SIPRI", "SIPRI, 2017, § 3.2", "2017", "2017", None, "year", False, "§ 3.2", False)]),
    ("Ties grew (SIPRI, 2017, Section 4).",
     [("SIPRI", "SIPRI, 2017, Section 4", "2017", "2017", None, "year", False, "Section 4",
       False)]),
    ("Ties grew (SIPRI, 2017, pp. 5ff.).",
     [("SIPRI", "SIPRI, 2017, pp. 5ff.", "2017", "2017", None, "year", False, "pp. 5ff.",
       False)]),
    ("Ties grew (TASS, June 12, 2015, p. 4).",
     [("TASS", "TASS, June 12, 2015, p. 4", "June 12, 2015", "2015-06-12", None, "day", False,
       "p. 4", False)]),
    ("Ties grew (see SIPRI, 2017, p. 5).",
     [("SIPRI", "see SIPRI, 2017, p. 5", "2017", "2017", None, "year", False, "p. 5", False)]),
    ("Ties grew (CSIS, February 7; May 25, p. 3).",
     [("CSIS", "CSIS, February 7", "February 7", "2018-02-07", None, "day", True, None, False),
      ("CSIS", "May 25, p. 3", "May 25", "2018-05-25", None, "day", True, "p. 3", False)]),
    ("Ties grew (Xinhua, July 26 2017, p. 2; TASS, 2016).",
     [("Xinhua", "Xinhua, July 26 2017, p. 2", "July 26 2017", "2017-07-26", None, "day", False,
       "p. 2", False),
      ("TASS", "TASS, 2016", "2016", "2016", None, "year", False, None, False)]),
    ("Ties grew (Kommersant, October 18, 28, p. 2).",
     [("Kommersant", "Kommersant, October 18, 28, p. 2", "October 18, 28", "2017-10-18", None,
       "day", True, "p. 2", False),
      ("Kommersant", "Kommersant, October 18, 28, p. 2", "October 18, 28", "2017-10-28", None,
       "day", True, "p. 2", False)]),
    ("Ties grew (Xinhua, May 5; see p. 5).",
     [("Xinhua", "Xinhua, May 5", "May 5", "2018-05-05", None, "day", True, None, False)]),
    # --- date ranges
    ("Ties grew (TASS, May 14–15).",
     [("TASS", "TASS, May 14–15", "May 14–15", "2018-05-14", "2018-05-15", "day", True, None,
       False)]),
    ("Ties grew (MOFA, May 14-15 2018).",
     [("MOFA", "MOFA, May 14-15 2018", "May 14-15 2018", "2018-05-14", "2018-05-15", "day",
       False, None, False)]),
    ("Ties grew (CSIS, May 30–June 2).",
     [("CSIS", "CSIS, May 30–June 2", "May 30–June 2", "2018-05-30", "2018-06-02", "day", True,
       None, False)]),
    ("Ties grew (SIPRI, 2016–2017).",
     [("SIPRI", "SIPRI, 2016–2017", "2016–2017", "2016", "2017", "year", False, None, False)]),
    ("Ties grew (SIPRI, 2016\u22122017).",  # a minus sign for the dash
     [("SIPRI", "SIPRI, 2016\u22122017", "2016\u22122017", "2016", "2017", "year", False, None,
       False)]),
    ("Ties grew (SIPRI, 2016–17).",
     [("SIPRI", "SIPRI, 2016–17", "2016–17", "2016", "2017", "year", False, None, False)]),
    ("Ties grew (SIPRI, 2016–17, p. 5).",
     [("SIPRI", "SIPRI, 2016–17, p. 5", "2016–17", "2016", "2017", "year", False, "p. 5",
       False)]),
    ("Ties grew (TASS, 14–15 May).",
     [("TASS", "TASS, 14–15 May", "14–15 May", "2018-05-14", "2018-05-15", "day", True, None,
       False)]),
    ("Ties grew (CSIS, May–June 2016).",
     [("CSIS", "CSIS, May–June 2016", "May–June 2016", "2016-05", "2016-06", "month", False,
       None, False)]),
    ("Ties grew (CSIS, December 30–January 2).",
     [("CSIS", "CSIS, December 30–January 2", "December 30–January 2", "2017-12-30",
       "2018-01-02", "day", True, None, False)]),
    ("Ties grew (Xinhua, May 5; TASS, May 14–15; May 20).",
     [("Xinhua", "Xinhua, May 5", "May 5", "2018-05-05", None, "day", True, None, False),
      ("TASS", "TASS, May 14–15", "May 14–15", "2018-05-14", "2018-05-15", "day", True, None,
       False),
      ("TASS", "May 20", "May 20", "2018-05-20", None, "day", True, None, False)]),
    ("Ties grew (TASS, May 14–15, p. 3).",
     [("TASS", "TASS, May 14–15, p. 3", "May 14–15", "2018-05-14", "2018-05-15", "day", True,
       "p. 3", False)]),
    # --- malformed
    ("Ties grew (TASS, May 15–14).",
     [("TASS", "TASS, May 15–14", None, None, None, None, False, None, True)]),
    ("Ties grew (TASS, February 30, p. 5).",
     [("TASS", "TASS, February 30, p. 5", None, None, None, None, False, "p. 5", True)]),
    ("Ties grew (SIPRI, 2017, p. 5\n\nNext paragraph.",
     [("SIPRI", "SIPRI, 2017, p. 5", "2017", "2017", None, "year", False, "p. 5", True)]),
    # --- not citations
    ("Ties grew (pp. 3-4).", []),
    ("Ties grew (see p. 5).", []),
    ("Ties grew (p. 5).", []),
    ("Ties grew (see pp. 3, 5).", []),
    ("Ties grew (ch. 2, § 3).", []),
    ("Ties grew (pp. 3–4, 2017).", []),
    ("Ties grew (SIPRI, p. 5).", []),  # a locator counts only beside a date
    ("Ties grew (2017, p. 5).", []),  # a date without a source
    ("Ties grew (SIPRI 2017, p. 5).", []),  # author-date without the comma is not this grammar
    ("Sales rose (2016–2017) in a year.", []),
    ("Sales rose (2016–17) in a year.", []),
    ("Sales rose (2016–17 figures) in a year.", []),
    ("Sales rose (May 14–15) in a year.", []),
    ("Steps (1-2) first.", []),
    ("Steps (1-2, 3-4) first.", []),
    ("Sales rose (2016–2017, 30 percent) in a year.", []),
]


def _full_records(text):
    return [
        (c.source, c.raw, c.date_as_written, c.date, c.date_end,
         c.date_precision.value if c.date_precision else None, c.year_inferred, c.locator,
         c.malformed)
        for c in iter_citations(text.split("\n"), published=PUBLISHED)
    ]


@pytest.mark.parametrize(("text", "expected"), LOCATOR_AND_RANGE_CASES,
                         ids=[c[0][:48] for c in LOCATOR_AND_RANGE_CASES])
def test_locators_and_ranges(text, expected):
    assert _full_records(text) == expected


@pytest.mark.parametrize("text", [c[0] for c in CASES], ids=[c[0][:40] for c in CASES])
def test_no_locator_or_range_in_the_basic_cases(text):
    for record in iter_citations(text.split("\n"), published=PUBLISHED):
        assert record.locator is None and record.date_end is None


def test_locator_and_range_in_json():
    (record,) = iter_citations(["Ties grew (CSIS, May 30–June 2, pp. 3-4)."],
                               published=PUBLISHED)
    data = record.to_dict()
    assert (data["source"], data["date"], data["date_end"], data["locator"]) == (
        "CSIS", "2018-05-30", "2018-06-02", "pp. 3-4")
    assert data["date_as_written"] == "May 30–June 2"
    assert data["raw"] == "CSIS, May 30–June 2, pp. 3-4"
    assert (record.line, record.column) == (1, 12)


def test_range_problem_says_why():
    (record,) = iter_citations(["Ties grew (TASS, May 15–14)."], published=PUBLISHED)
    assert record.problem == "the range does not end after it starts: 'May 15–14'"


def test_malformed_records_say_why():
    (record,) = iter_citations(["Sales grew (SIPRI", "", "Next."], published=PUBLISHED)
    assert record.malformed and "closing parenthesis" in record.problem
    (record,) = iter_citations(["Sales grew (TASS, February 30)."], published=PUBLISHED)
    assert "calendar date" in record.problem


def test_no_publication_date_leaves_yearless_dates_open():
    (record,) = iter_citations(["Sales grew (TASS, May 5)."])
    assert record.date is None and record.date_precision.value == "day"
    assert not record.year_inferred


def test_positions_ids_and_raw():
    text = ["Intro line.", "", "Sales grew (CSIS, February 7; May 25) and (TASS, 2016)."]
    first, second, third = iter_citations(text, published=PUBLISHED)
    assert (first.line, first.column, first.raw) == (3, 13, "CSIS, February 7")
    assert (second.column, second.raw, second.id) == (31, "May 25", "L3C31")
    assert third.id == "L3C44"
    assert text[2][third.column - 1:].startswith("TASS, 2016")


def test_two_days_have_distinct_ids():
    records = list(iter_citations(["X (TASS, October 18, 28)."], published=PUBLISHED))
    assert [r.id for r in records] == ["L1C4", "L1C4-2"]


@pytest.mark.parametrize(
    ("text", "context", "quotes"),
    [
        ("First one. Then “a quote” here (TASS, 2017). Last one.",
         "Then “a quote” here (TASS, 2017).", ("a quote",)),
        ("First “one”. (TASS, 2017) Later.", "First “one”.", ("one",)),
        ("He said “show the world… a firm [Chinese] resolve” (TASS, 2017).",
         "He said “show the world… a firm [Chinese] resolve” (TASS, 2017).",
         ("show the world… a firm [Chinese] resolve",)),
        ("The U.S. Navy said ‘it’s fine’ and \"more\" (USNI, 2017). Next.",
         "The U.S. Navy said ‘it’s fine’ and \"more\" (USNI, 2017).", ("it’s fine", "more")),
        ("Russia’s and allies’ systems grew (CSIS, 2017).",
         "Russia’s and allies’ systems grew (CSIS, 2017).", ()),
        ("He noted «сотрудничество» (TASS, 2017)! Next.",
         "He noted «сотрудничество» (TASS, 2017)!", ("сотрудничество",)),
    ],
)
def test_context_and_quotes(text, context, quotes):
    (record,) = iter_citations([text], published=PUBLISHED)
    assert record.context == context
    assert record.quotes == quotes


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ('He said "Go." (TASS, 2017) Then more.', 'He said "Go."'),
        ("Er sagte „Los.“ Dann (TASS, 2017).", "Dann (TASS, 2017)."),
        ("(An aside in its own sentence.) Then it grew (TASS, 2017).",
         "Then it grew (TASS, 2017)."),
        ("It grew (see also Jan. 5) and (TASS, 2017).",
         "It grew (see also Jan. 5) and (TASS, 2017)."),
        ("Gen. Shoigu spoke (TASS, 2017).", "Gen. Shoigu spoke (TASS, 2017)."),
        ("A “quote. With a stop” inside (TASS, 2017). Next.",
         "A “quote. With a stop” inside (TASS, 2017)."),
        ("Stray ) closer. Then (TASS, 2017).", "Then (TASS, 2017)."),
    ],
)
def test_sentence_boundaries(text, context):
    (record,) = iter_citations([text], published=PUBLISHED)
    assert record.context == context


def test_pathological_paragraphs_stay_linear():
    import time

    text = "(" * 20000 + "“" + ". A" * 20000
    start = time.process_time()
    assert list(iter_citations([text])) == []
    assert time.process_time() - start < 5


@pytest.mark.parametrize(
    "inner",
    [
        "SIPRI, 2017, p. " + " and ".join(["i"] * 60) + "!",
        "SIPRI, 2017, p. " + ", ".join(["5f"] * 90) + " z",
        "SIPRI, 2017, " + ", ".join(["pp. 3-4"] * 50) + " z",
        "SIPRI, May 14" + "–15" * 150,
    ],
    ids=["roman-and", "suffix-list", "locator-list", "dashes"],
)
def test_pathological_locators_and_ranges_stay_linear(inner):
    import time

    from citecheck.extract.scan import MAX_PARENTHETICAL

    assert len(inner) < MAX_PARENTHETICAL  # else it is skipped unread
    start = time.process_time()
    records = list(iter_citations([f"Ties grew ({inner})."], published=PUBLISHED))
    assert all(r.locator is None and r.date_end is None for r in records)
    assert time.process_time() - start < 5  # exponential backtracking would never end
