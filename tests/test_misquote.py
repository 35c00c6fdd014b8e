"""textmatch: misquotes (a changed number, negation or name) and what stays tolerated."""

from __future__ import annotations

import pytest

from citecheck.textmatch import critical_differences, find_quote, locate, marked, normalize

PAGE = (
    "MOSCOW, June 4 (Staff) \u2014 The ministry said on Tuesday that arms exports rose 42.8 "
    "percent last year, to 1,000 units, the highest since 2011. Foreign Minister Sergei "
    "Lavrov said Russia will ratify the treaty in May. \u201cThe exercise is not aimed at "
    "third parties,\u201d he told reporters. He didn\u2019t say more. Exports to China were "
    "worth $4.2 billion, or 12% of the total."
)
TEXT = normalize(PAGE)

# (quote, found, kinds of the misquote's differences: () when not a misquote)
CASES = [
    # numbers
    ("arms exports rose 48.2 percent last year", False, ("number",)),
    ("arms exports rose 42.8 percent last year", True, ()),
    ("exports rose 42.8% last year", True, ()),  # percent sign
    ("exports rose 42.8 per cent last year", True, ()),
    ("exports rose 48.2% last year", False, ("number",)),
    ("last year, to 1000 units", True, ()),  # "1,000" vs "1000"
    ("last year, to 10,000 units", False, ("number",)),
    ("the highest since 2012", False, ("number",)),
    ("worth $4.2 billion, or 21% of the total", False, ("number",)),
    ("worth $4.2 billion, or twelve percent of the total", True, ()),  # a number word
    ("worth $4.2 billion, or eleven percent of the total", False, ("number",)),
    # negations
    ("Russia will not ratify the treaty in May", False, ("negation",)),
    ("Russia won\u2019t ratify the treaty in May", False, ("negation",)),
    ("Russia will never ratify the treaty in May", False, ("negation",)),
    ("The exercise is aimed at third parties", False, ("negation",)),
    ("The exercise is without doubt aimed at third parties", False, ("negation",)),
    ("He did say more", False, ("negation",)),
    ("The exercise isn't aimed at third parties", True, ()),  # a contraction, same meaning
    ("He did not say more", True, ()),
    # names
    ("Foreign Minister Sergei Shoigu said Russia will ratify", False, ("name",)),
    ("Foreign Minister Sergei Lavrow said Russia will ratify", True, ()),  # a spelling slip
    ("Foreign Minister Sergei Lavrov said China will ratify the treaty", False, ("name",)),
    # typography, case, spacing, ellipses, insertions
    ("\u201cthe exercise is NOT aimed at  third parties\u201d", True, ()),
    ("the exercise is not aimed \u2026 third parties", True, ()),
    ("the exercise is not aimed at third parties... he told reporters", True, ()),
    ("Lavrov said [Russia] will ratify", True, ()),
    ("Lavrov said [the country] will ratify the treaty", True, ()),
    ("The ministry said on Tuesday that arms exports rose", True, ()),
    ("The ministry said on Tuseday that arms exports rose", True, ()),  # typo in the brief
    # absent
    ("the budget fell sharply in winter", False, ()),
]


@pytest.mark.parametrize("quote, found, kinds", CASES, ids=[c[0][:40] for c in CASES])
def test_misquote_table(quote, found, kinds):
    match = find_quote(quote, TEXT, raw_text=PAGE)
    assert match.found is found
    got = tuple(d.kind for m in match.misquotes for d in m.differences)
    assert got == kinds
    if kinds:
        assert not match.found and match.missing  # a misquote is never found


def test_misquote_shows_the_page_words_and_the_changed_ones():
    match = find_quote("arms exports rose 48.2 percent last year", TEXT, raw_text=PAGE)
    (mq,) = match.misquotes
    assert mq.page == "arms exports rose 42 8 percent last year"
    (diff,) = mq.differences
    assert (diff.kind, diff.quoted, diff.page) == ("number", "48 2", "42 8")
    assert locate(mq.page, PAGE) == "arms exports rose 42.8 percent last year"


def test_misquote_without_raw_text_still_sees_numbers_and_negations():
    assert find_quote("Russia will not ratify the treaty", TEXT).misquotes
    assert find_quote("exports rose 48.2 percent", TEXT).misquotes


def test_words_beyond_the_quotation_are_context_not_changes():
    changes, other, aligned = critical_differences(
        "will ratify the treaty", "lavrov said russia will ratify the treaty in may it is")
    assert changes == () and other == 0 and aligned == "will ratify the treaty"


def test_locate_and_marked_read_the_raw_text():
    raw = "Exports rose 42.8% last year, to 1,000 tonnes, and he won\u2019t ratify."
    assert locate("exports rose 42 8 percent last year", raw) == "Exports rose 42.8% last year"
    assert locate("to 1000 tonnes", raw) == "to 1,000 tonnes"
    assert locate("nowhere here", raw) is None
    pieces = marked("rose 42.8 percent, to 1,000 tonnes", ["42 8", "1000"])
    assert [p for p, hit in pieces if hit] == ["42", "8", "1,000"]
    assert "".join(p for p, _ in pieces) == "rose 42.8 percent, to 1,000 tonnes"
    assert marked("", ["x"]) == [] and marked("a b", []) == [("a b", False)]


def test_normalize_reads_percent_signs_as_words():
    assert normalize("42.8%") == normalize("42.8 per cent") == "42 8 percent"


def test_a_slip_beside_a_word_capitalised_elsewhere_is_no_name_change():
    # run-on words from a page's layout ("PointsThe") next to a typo in the brief
    raw = ("Key PointsThe federal government will resume the programme, the Federal "
           "Bureau of Prisons said on Thursday.")
    match = find_quote("The fedreal government will resume the programme", normalize(raw),
                       raw_text=raw)
    assert match.found and not match.misquotes
    swapped = find_quote("the Federal Bureau of Investigation said on Thursday",
                         normalize(raw), raw_text=raw)
    assert [d.kind for m in swapped.misquotes for d in m.differences] == ["name"]
