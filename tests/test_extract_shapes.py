"""The citation shapes real briefs use beyond ``(Source, Date)``, as sentences -> records.

Articles and particles opening a name, lower-case words in names, ``see X``
closing a long aside, dated credits, URLs as sources, outlets sharing a date,
locators before the date, fiscal and academic years; and what stays ignored.
"""

import pytest

from citecheck.extract import iter_citations

PUBLISHED = "2018-06-04"

# (text, [(source, raw, date_as_written, date, date_end, locator, malformed), ...])
SHAPES = [
    # --- a name that opens with an article or a particle
    ("Britain hedged its bets on the deal (The Guardian, March 3).",
     [("The Guardian", "The Guardian, March 3", "March 3", "2018-03-03", None, None, False)]),
    ("Hanoi protested the drills within hours (The Diplomat, May 2 2019).",
     [("The Diplomat", "The Diplomat, May 2 2019", "May 2 2019", "2019-05-02", None, None,
       False)]),
    ("Paris called the summit “a turning point” (Le Monde, June 1).",
     [("Le Monde", "Le Monde, June 1", "June 1", "2018-06-01", None, None, False)]),
    ("Cairo was not consulted (Al-Ahram, May 9).",
     [("Al-Ahram", "Al-Ahram, May 9", "May 9", "2018-05-09", None, None, False)]),
    ("Berlin stayed silent (Die Welt, April 30).",
     [("Die Welt", "Die Welt, April 30", "April 30", "2018-04-30", None, None, False)]),
    ("The minister repeated the claim (The Moscow Times, May 5; El País, May 6).",
     [("The Moscow Times", "The Moscow Times, May 5", "May 5", "2018-05-05", None, None, False),
      ("El País", "El País, May 6", "May 6", "2018-05-06", None, None, False)]),
    ("Doha covered it live (Al Jazeera, 2017).",
     [("Al Jazeera", "Al Jazeera, 2017", "2017", "2017", None, None, False)]),
    # --- names with lower-case words: transliterated titles and descriptors
    ("The budget was cut again (Nezavisimaya gazeta, May 4).",
     [("Nezavisimaya gazeta", "Nezavisimaya gazeta, May 4", "May 4", "2018-05-04", None, None,
       False)]),
    ("Gazprom denied it (Kommersant daily, May 5).",
     [("Kommersant daily", "Kommersant daily, May 5", "May 5", "2018-05-05", None, None,
       False)]),
    ("The exercise ended early (Defense Ministry website, May 6).",
     [("Defense Ministry website", "Defense Ministry website, May 6", "May 6", "2018-05-06",
       None, None, False)]),
    ("Beijing welcomed the visit (Xinhua news agency, May 7).",
     [("Xinhua news agency", "Xinhua news agency, May 7", "May 7", "2018-05-07", None, None,
       False)]),
    ("Reform stalled (Nezavisimoye voyennoye obozreniye, March 2017).",
     [("Nezavisimoye voyennoye obozreniye", "Nezavisimoye voyennoye obozreniye, March 2017",
       "March 2017", "2017-03", None, None, False)]),
    ("Officers were reassigned (Krasnaya zvezda, April 2).",
     [("Krasnaya zvezda", "Krasnaya zvezda, April 2", "April 2", "2018-04-02", None, None,
       False)]),
    # --- "see X, Date" after other words of a long aside
    ("Trade shrank (several steps followed, including new tariffs—see Reuters, March 2).",
     [("Reuters", "several steps followed, including new tariffs—see Reuters, March 2",
       "March 2", "2018-03-02", None, None, False)]),
    ("Talks resumed (after a pause of two years; see also TASS, May 14).",
     [("TASS", "see also TASS, May 14", "May 14", "2018-05-14", None, None, False)]),
    ("The drills grew (by a third, according to Interfax, June 3).",
     [("Interfax", "by a third, according to Interfax, June 3", "June 3", "2018-06-03", None,
       None, False)]),
    # --- dated credits and attributions
    ("Exports doubled (Source: Interfax, June 3).",
     [("Interfax", "Source: Interfax, June 3", "June 3", "2018-06-03", None, None, False)]),
    ("Exports doubled (Sources: TASS, 2016).",
     [("TASS", "Sources: TASS, 2016", "2016", "2016", None, None, False)]),
    ("Exports doubled (Data: World Bank, 2017).",
     [("World Bank", "Data: World Bank, 2017", "2017", "2017", None, None, False)]),
    ("The claim was repeated (quoted in Kommersant, May 5).",
     [("Kommersant", "quoted in Kommersant, May 5", "May 5", "2018-05-05", None, None, False)]),
    ("The claim was repeated (according to RIA Novosti, May 5).",
     [("RIA Novosti", "according to RIA Novosti, May 5", "May 5", "2018-05-05", None, None,
       False)]),
    # --- a URL or a path as the source
    ("Putin said so (www.kremlin.ru/events/president/news/57425, May 5).",
     [("www.kremlin.ru/events/president/news/57425",
       "www.kremlin.ru/events/president/news/57425, May 5", "May 5", "2018-05-05", None, None,
       False)]),
    ("The paper ran it (https://www.gazeta.ru/politics/2012/01/26/x.shtml, January 26).",
     [("https://www.gazeta.ru/politics/2012/01/26/x.shtml",
       "https://www.gazeta.ru/politics/2012/01/26/x.shtml, January 26", "January 26",
       "2018-01-26", None, None, False)]),
    ("The ministry said so (mid.ru/ru/foreign_policy/news/-/asset_publisher/123, 2016).",
     [("mid.ru/ru/foreign_policy/news/-/asset_publisher/123",
       "mid.ru/ru/foreign_policy/news/-/asset_publisher/123, 2016", "2016", "2016", None, None,
       False)]),
    # --- several outlets sharing one date
    ("Both papers ran the leak (Interfax, Vedomosti, June 3).",
     [("Interfax", "Interfax, Vedomosti, June 3", "June 3", "2018-06-03", None, None, False),
      ("Vedomosti", "Vedomosti, June 3", "June 3", "2018-06-03", None, None, False)]),
    ("All three ran it (TASS, RIA Novosti, Interfax, May 2017).",
     [("TASS", "TASS, RIA Novosti, Interfax, May 2017", "May 2017", "2017-05", None, None,
       False),
      ("RIA Novosti", "RIA Novosti, Interfax, May 2017", "May 2017", "2017-05", None, None,
       False),
      ("Interfax", "Interfax, May 2017", "May 2017", "2017-05", None, None, False)]),
    ("It was denied (Interfax, Vedomosti, June 3; MOFA, June 4).",
     [("Interfax", "Interfax, Vedomosti, June 3", "June 3", "2018-06-03", None, None, False),
      ("Vedomosti", "Vedomosti, June 3", "June 3", "2018-06-03", None, None, False),
      ("MOFA", "MOFA, June 4", "June 4", "2018-06-04", None, None, False)]),
    # --- a locator before the date
    ("Arms sales grew (SIPRI, p. 5, 2017).",
     [("SIPRI", "SIPRI, p. 5, 2017", "2017", "2017", None, "p. 5", False)]),
    ("Arms sales grew (CSIS, pp. 3–4, May 2017).",
     [("CSIS", "CSIS, pp. 3–4, May 2017", "May 2017", "2017-05", None, "pp. 3–4", False)]),
    ("Arms sales grew (IISS, ch. 2, p. 45, 2018).",
     [("IISS", "IISS, ch. 2, p. 45, 2018", "2018", "2018", None, "ch. 2, p. 45", False)]),
    # --- fiscal and academic years
    ("Spending rose (MOFA, 2018/19).",
     [("MOFA", "MOFA, 2018/19", "2018/19", "2018", "2019", None, False)]),
    ("Spending rose (Ministry of Finance, 2018/2019).",
     [("Ministry of Finance", "Ministry of Finance, 2018/2019", "2018/2019", "2018", "2019",
       None, False)]),
    ("Spending rose (CBO, FY2019).", [("CBO", "CBO, FY2019", "FY2019", "2019", None, None,
                                       False)]),
    ("Spending rose (CBO, FY 2018/19).",
     [("CBO", "CBO, FY 2018/19", "FY 2018/19", "2018", "2019", None, False)]),
    ("Spending rose (MOFA, 1999/00).",
     [("MOFA", "MOFA, 1999/00", "1999/00", "1999", "2000", None, False)]),
    ("Spending rose (MOFA, 2018/05).",  # still an ISO month
     [("MOFA", "MOFA, 2018/05", "2018/05", "2018-05", None, None, False)]),
]

# Parentheticals with a date whose source part cannot be read: malformed, never nothing.
# (text, raw, problem)
UNREADABLE = [
    ("Tariffs rose (Tariffs rose sharply, May 4).", "Tariffs rose sharply, May 4",
     "unrecognised source 'Tariffs rose sharply'"),
    ("It spread (Wrtten soruce stuff here, May 4).", "Wrtten soruce stuff here, May 4",
     "unrecognised source 'Wrtten soruce stuff here'"),
    ("It was said (The talks, 2017).", "The talks, 2017", "unrecognised source 'The talks'"),
    ("It was said (Minister: no comment, May 2).", "Minister: no comment, May 2",
     "unrecognised source 'Minister: no comment'"),
    ("It was said (\"Vzglyad\", May 2).", "\"Vzglyad\", May 2",
     "unrecognised source '\"Vzglyad\"'"),
]

# Not citations: acronyms, glosses, credits, asides without dates, dates without sources.
IGNORED = [
    "The photo shows the parade (Photo: AP, June 3).",
    "The photo shows the parade (Photo: AP).",
    "The photo shows the parade (Image: Reuters, 2017).",
    "The map is old (Map: Wikimedia Commons, 2012).",
    "A new body (the Security Council) met.",
    "It met (then under a different name, in 2012).",
    "It met (in Russian, May 2017).",
    "Some (e.g., 2014) were worse.",
    "Output grew (30%, 2017).",
    "Output grew (pp. 3–4, 2017).",
    "The attacks (Sept 11, 2001) changed it.",
    "The treaty (signed in 2001, renewed in 2021) stands.",
    "The region (Xinjiang Uyghur Autonomous Region) was closed.",
    "It was costly (about $2 billion, or 1.5 percent of GDP).",
    "The Shanghai Cooperation Organisation (SCO) met.",
    "The phrase (quanmian zhanlüe xiezuo, 2019) recurs.",
]


def _full(text):
    return [
        (c.source, c.raw, c.date_as_written, c.date, c.date_end, c.locator, c.malformed)
        for c in iter_citations(text.split("\n"), published=PUBLISHED)
    ]


@pytest.mark.parametrize(("text", "expected"), SHAPES, ids=[s[0][:48] for s in SHAPES])
def test_shapes(text, expected):
    assert _full(text) == expected


@pytest.mark.parametrize(("text", "raw", "problem"), UNREADABLE,
                         ids=[u[0][:40] for u in UNREADABLE])
def test_unreadable_source_beside_a_date_is_malformed(text, raw, problem):
    (record,) = iter_citations([text], published=PUBLISHED)
    assert record.malformed and record.problem == problem
    assert record.raw == raw and record.source == ""
    assert record.date_as_written is not None  # the date it did carry is kept


@pytest.mark.parametrize("text", IGNORED, ids=[t[:40] for t in IGNORED])
def test_not_citations(text):
    assert _full(text) == []


def test_shared_date_records_have_distinct_ids_and_columns():
    text = "Both ran it (Interfax, Vedomosti, June 3)."
    first, second = iter_citations([text], published=PUBLISHED)
    assert (first.id, second.id) == ("L1C14", "L1C24")
    assert text[second.column - 1:].startswith("Vedomosti")
    assert first.context == second.context == text


def test_shared_date_links_go_to_their_own_outlet():
    text = "Both ran it (Interfax, Vedomosti, June 3)."
    a, b = text.index("Interfax"), text.index("Vedomosti")
    links = [(1, a + 1, a + 1 + len("Interfax"), "https://interfax.example/1"),
             (1, b + 1, b + 1 + len("Vedomosti"), "https://vedomosti.example/2")]
    first, second = iter_citations([text], published=PUBLISHED, links=links)
    assert first.url == "https://interfax.example/1"
    assert second.url == "https://vedomosti.example/2"


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("Said (www.kremlin.ru/events/president/news/57425, May 5).",
         "http://www.kremlin.ru/events/president/news/57425"),
        ("Ran (https://www.gazeta.ru/politics/2012/01/26/x.shtml, January 26).",
         "https://www.gazeta.ru/politics/2012/01/26/x.shtml"),
        ("Ran (tass.ru, May 1).", None),  # a bare domain names an outlet, not a page
    ],
)
def test_a_url_written_as_the_source_is_the_records_url(text, url):
    (record,) = iter_citations([text], published=PUBLISHED)
    assert record.url == url
