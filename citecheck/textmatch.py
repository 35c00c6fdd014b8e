"""Text comparison for verification and discovery: quotes and lexical similarity.

Quotes are matched after normalising typography (curly quotes, dashes,
ligatures, soft hyphens), whitespace, punctuation and case; a quote is split
at ellipses and at ``[bracketed insertions]``, and every fragment must be
found (rapidfuzz ``partial_ratio``, so a changed letter or two still matches).

Drift between two versions of a page is measured lexically, in the spirit of
Jones et al. 2016 ("Scholarly Context Adrift"): the Jaccard index of the word
sets and the Sørensen-Dice coefficient of 3-word shingles, averaged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

#: invisible characters that split words: soft hyphen, zero-width space/joiners, BOM
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_NON_WORD = re.compile(r"[^\w]+")
_ELLIPSIS = re.compile(r"\u2026|\.\s*\.\s*\.")
_BRACKETS = re.compile(r"\[[^\]]*\]")


def normalize(text: str) -> str:
    """Case-, typography-, punctuation- and whitespace-insensitive form.

    Every run of non-word characters (quotes of any style, dashes, ellipses,
    punctuation, spaces) becomes one space, so typography never matters;
    ``%`` and "per cent" are written "percent";
    NFKC folds ligatures and full-width forms; invisible characters go.
    """
    if not text.isascii():
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    text = text.casefold()
    if "%" in text:
        text = text.replace("%", " percent ")
    if "per cent" in text:
        text = text.replace("per cent", "percent")
    return _NON_WORD.sub(" ", text.replace("_", " ")).strip()


def quote_fragments(quote: str, min_chars: int = 3) -> list[str]:
    """The normalised pieces of ``quote`` that must each appear in the source.

    Ellipses mark omissions and ``[...]`` marks the author's insertions: both
    split the quote; fragments with fewer than ``min_chars`` characters are
    dropped (they would match anywhere).
    """
    pieces = _ELLIPSIS.split(_BRACKETS.sub("\u2026", quote))
    out = []
    for piece in pieces:
        norm = normalize(piece)
        if len(norm) >= min_chars:
            out.append(norm)
    return out


#: words that turn a statement into its opposite ("n't" forms are spelt out: "won't" ->
#: "will not"; the joined forms are for quotations written without the apostrophe)
NEGATIONS = frozenset(
    "not no never without nor neither none nobody nothing nowhere cannot dont doesnt didnt "
    "wont wouldnt cant couldnt shouldnt isnt arent wasnt werent hasnt havent hadnt mustnt "
    "neednt aint shant".split()
)
#: a quotation aligned at least this well (partial ratio) is compared word by word, so a
#: changed number or an inserted "not" is told apart from a quotation that is not there
MISQUOTE_MIN_SCORE = 75.0
#: a misquote may differ in one other word (a typo, a small word) per this many words
MISQUOTE_WORDS_PER_SLIP = 8
#: two spellings of a name at least this close (rapidfuzz ratio) are one name
NAME_VARIANT_SCORE = 80.0


@dataclass(frozen=True)
class Difference:
    """One word-level change that alters what a quotation says."""

    kind: str  #: number | negation | name
    quoted: str  #: the words in the brief ("" when the page has words the quote lacks)
    page: str  #: the words on the page ("" when the quote adds words)


@dataclass(frozen=True)
class Misquote:
    """A quotation fragment that matches a passage of the page but changes its meaning."""

    fragment: str  #: the quotation's fragment, normalised
    page: str  #: the aligned passage of the page, normalised
    differences: tuple[Difference, ...]
    score: float  #: partial ratio of the alignment, 0-100


@dataclass(frozen=True)
class QuoteMatch:
    quote: str
    found: bool
    score: float  #: the weakest fragment's score, 0-100
    fragments: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  #: fragments not found (misquoted ones included)
    misquotes: tuple[Misquote, ...] = ()  #: fragments found with a changed meaning


def _is_number(token: str) -> bool:
    return any(ch.isdigit() for ch in token)


#: negated contractions whose first word is not the verb's own
_CONTRACTED = {"wont": ["will", "not"], "shant": ["shall", "not"], "cant": ["can", "not"],
               "cannot": ["can", "not"], "aint": ["is", "not"]}


#: number words read as digits, so "three percent" quotes "3 percent" ("one" is left
#: alone: it is a pronoun as often as a number)
_NUMBER_WORDS = {w: str(n) for n, w in enumerate(
    "zero - two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split()) if w != "-"}


def _tokens(normalized: str) -> list[str]:
    """Words of a normalised text, with digit groups joined ("1 000" -> "1000": the
    separators of "1,000" are gone) and "n't" forms spelt out ("won t" -> "will not")."""
    out: list[str] = []
    groupable = False  #: the last token is a number of 1-3 digits (or groups of them)
    for tok in normalized.split():
        if out and groupable and len(tok) == 3 and tok.isdigit():
            out[-1] += tok
            continue
        if out and tok == "t" and out[-1].endswith("n"):
            out[-1:] = _CONTRACTED.get(out[-1] + "t") or [out[-1][:-1], "not"]
            groupable = False
            continue
        tok = _NUMBER_WORDS.get(tok, tok)
        if tok in _CONTRACTED:
            out.extend(_CONTRACTED[tok])
            groupable = False
            continue
        out.append(tok)
        groupable = tok.isdigit() and len(tok) <= 3
    return out


def _capitalised(word: str, raw: str | None) -> bool:
    """Does ``word`` appear in ``raw`` with a capital, other than at a sentence's start?"""
    if not raw or not word.isalpha() or word in STOPWORDS:  # "The" after a quote mark
        return False
    for m in re.finditer(r"\b" + re.escape(word[0].upper() + word[1:]) + r"\b", raw):
        before = raw[:m.start()].rstrip(" \t\"'\u201c\u2018([")
        if before and before[-1] not in ".!?:\n":
            return True
    return False


def _closest_window(quoted: list[str], page: list[str]) -> list[str]:
    """The run of ``page`` words closest (word-level Levenshtein) to ``quoted``: the
    passage carries context words either side, which are not changes."""
    from rapidfuzz.distance import Levenshtein

    slack = max(0, len(page) - len(quoted)) + 2
    best: tuple[int, int, list[str]] = (len(quoted) + len(page) + 1, 0, page)
    for start in range(min(slack, len(page)) + 1):
        for stop in range(len(page), max(start, len(page) - slack) - 1, -1):
            window = page[start:stop]
            distance = Levenshtein.distance(quoted, window)
            if (distance, -len(window)) < (best[0], -best[1]):
                best = (distance, len(window), window)
    return best[2]


def _name_changed(q: list[str], p: list[str], quote_raw: str | None,
                  page_raw: str | None) -> bool:
    """Do the quoted words ``q`` put another proper name where the page has ``p``
    (a word pair far apart, rapidfuzz ratio below :data:`NAME_VARIANT_SCORE`, one
    of them capitalised mid-sentence), or add a name the page lacks? Words are
    paired one to one when the counts agree, so a slip beside a name is no name."""
    from rapidfuzz import fuzz

    if not p:  # the quotation adds words: a name among them is a changed name
        return any(_capitalised(t, quote_raw) for t in q)
    pairs = list(zip(q, p, strict=True)) if len(q) == len(p) else [(" ".join(q), " ".join(p))]
    for a, b in pairs:
        if fuzz.ratio(a, b) >= NAME_VARIANT_SCORE:
            continue
        if any(_capitalised(t, quote_raw) or _capitalised(t, page_raw)
               for t in (*a.split(), *b.split())):
            return True
    return False


def critical_differences(
    fragment: str, passage: str, *, quote_raw: str | None = None, page_raw: str | None = None
) -> tuple[tuple[Difference, ...], int, str]:
    """The changes of number, negation or name between a quotation fragment and the
    passage it aligns with (both normalised), how many words of the fragment
    differ otherwise (spelling, small words: tolerated), and the words of the
    passage the fragment stands for (words beyond either end do not count)."""
    from rapidfuzz import fuzz
    from rapidfuzz.distance import Levenshtein

    quoted, page = _tokens(fragment), _tokens(passage)
    page = _closest_window(quoted, page)
    ops = [op for op in Levenshtein.opcodes(quoted, page) if op.tag != "equal"]
    found: list[Difference] = []
    other = 0
    for op in ops:
        q = quoted[op.src_start:op.src_end]
        p = page[op.dest_start:op.dest_end]
        q_text, p_text = " ".join(q), " ".join(p)
        numbers_differ = [t for t in q if _is_number(t)] != [t for t in p if _is_number(t)]
        negation_differs = NEGATIONS.intersection(q) != NEGATIONS.intersection(p)
        if numbers_differ or negation_differs:
            found.append(Difference("number" if numbers_differ else "negation", q_text, p_text))
            # the words of the change besides the number or negation must agree
            rest_q = " ".join(t for t in q if not _is_number(t) and t not in NEGATIONS)
            rest_p = " ".join(t for t in p if not _is_number(t) and t not in NEGATIONS)
            if rest_q != rest_p and fuzz.ratio(rest_q, rest_p) < NAME_VARIANT_SCORE:
                other += max(len(rest_q.split()), len(rest_p.split()))
        elif q and _name_changed(q, p, quote_raw, page_raw):
            found.append(Difference("name", q_text, p_text))
        else:
            other += len(q) or 1
    return tuple(found), other, " ".join(page)


def _word_span(text: str, start: int, end: int) -> str:
    """``text[start:end]`` widened by a quarter of its length each side (the
    alignment window is as long as the quotation, so words the quotation left
    out push the passage's end out of it), then to whole words."""
    slack = max(10, (end - start) // 4)
    start, end = max(0, start - slack), min(len(text), end + slack)
    start = text.rfind(" ", 0, start) + 1 if start else 0
    stop = text.find(" ", end)
    return text[start:stop if stop >= 0 else len(text)]


def find_quote(
    quote: str, normalized_text: str, min_score: float = 92.0, *, raw_text: str | None = None
) -> QuoteMatch:
    """Look for ``quote`` in an already :func:`normalize`-d text.

    A fragment is found when it is in the text, or aligns with a passage at
    ``min_score`` or better (rapidfuzz ``partial_ratio``) without a change of
    number, negation or proper name. A fragment that aligns at
    :data:`MISQUOTE_MIN_SCORE` or better with such a change, and no more than
    a small other difference, is a :class:`Misquote`. ``raw_text`` (the page
    as written) tells proper names by their capitals.
    """
    fragments = quote_fragments(quote)
    if not fragments:  # nothing checkable: a quote of punctuation
        return QuoteMatch(quote, True, 100.0)
    scores = []
    missing = []
    misquotes = []
    padded = None
    for fragment in fragments:
        if fragment in normalized_text:
            padded = padded if padded is not None else f" {normalized_text} "
            if f" {fragment} " in padded:  # whole words: "rose 4" is not in "rose 42"
                scores.append(100.0)
                continue
        from rapidfuzz import fuzz  # here: a warm audit that reuses its verdicts never needs it

        found = fuzz.partial_ratio_alignment(fragment, normalized_text,
                                             score_cutoff=min(MISQUOTE_MIN_SCORE, min_score))
        score = found.score if found is not None else 0.0
        if found is not None:
            passage = _word_span(normalized_text, found.dest_start, found.dest_end)
            changes, other, aligned = critical_differences(fragment, passage, quote_raw=quote,
                                                          page_raw=raw_text)
            if changes and other <= len(fragment.split()) // MISQUOTE_WORDS_PER_SLIP:
                misquotes.append(Misquote(fragment, aligned, changes, round(score, 1)))
                score = min(score, min_score - 0.1)
            elif changes:
                score = min(score, min_score - 0.1)
            elif other == 0:  # the same words once "1,000" and "won't" are read alike
                score = 100.0
        scores.append(score)
        if score < min_score:
            missing.append(fragment)
    return QuoteMatch(quote, not missing, min(scores), tuple(fragments), tuple(missing),
                      tuple(misquotes))


# ------------------------------------------------------------ similarity


def words(text: str, normalized: bool = False) -> list[str]:
    return (text if normalized else normalize(text)).split()


def shingles(tokens: list[str], k: int = 3) -> set[tuple[str, ...]]:
    if len(tokens) < k:
        return {tuple(tokens)} if tokens else set()
    return set(zip(*(tokens[i:] for i in range(k)), strict=False))


@dataclass(frozen=True)
class Similarity:
    jaccard: float  #: |A ∩ B| / |A ∪ B| of the word sets
    dice: float  #: 2|A ∩ B| / (|A| + |B|) of the 3-word shingle sets

    @property
    def score(self) -> float:
        return (self.jaccard + self.dice) / 2


def similarity(a: str, b: str, normalized: bool = False) -> Similarity:
    """Lexical similarity of two texts (1.0 = same words in the same order);
    ``normalized`` says both are already :func:`normalize`-d."""
    wa, wb = words(a, normalized), words(b, normalized)
    sa, sb = set(wa), set(wb)
    if not sa and not sb:
        return Similarity(1.0, 1.0)
    jaccard = len(sa & sb) / len(sa | sb)
    ha, hb = shingles(wa), shingles(wb)
    dice = 2 * len(ha & hb) / (len(ha) + len(hb)) if (ha or hb) else 1.0
    return Similarity(round(jaccard, 4), round(dice, 4))


STOPWORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the their this to "
    "was were will with which who not but also more than other into over after said says".split()
)


def content_words(text: str) -> set[str]:
    """Words that carry meaning: no stopwords, no numbers, at least 3 letters."""
    return {w for w in words(text) if len(w) >= 3 and w not in STOPWORDS and not w.isdigit()}


def coverage(needle: str, haystack_words: set[str]) -> float:
    """Share of the content words of ``needle`` found in ``haystack_words``."""
    wanted = content_words(needle)
    if not wanted:
        return 0.0
    return len(wanted & haystack_words) / len(wanted)


# ------------------------------------------------------------ misquotes shown


def _word_pattern(word: str) -> str:
    """A normalised word as a pattern on the raw text: joined tokens ("1000",
    "wont") may have had a separator ("1,000", "won't") between any letters."""
    if word == "percent":
        return r"(?:per\s?cent|%)"
    if any(ch.isdigit() for ch in word) or word in NEGATIONS:
        return r"\W?".join(re.escape(ch) for ch in word)
    return re.escape(word)


def locate(passage: str, raw: str) -> str | None:
    """The span of ``raw`` whose normalised words are ``passage``, as written
    (capitals, punctuation), or None when typography makes it unfindable."""
    tokens = passage.split()
    if not tokens or not raw:
        return None
    pattern = r"(?<!\w)" + r"[\W_]*".join(_word_pattern(t) for t in tokens) + r"(?!\w)"
    try:
        found = re.search(pattern, raw, re.IGNORECASE)
    except re.error:  # pragma: no cover - escaped
        return None
    return found.group(0) if found else None


def marked(text: str, words: Sequence[str]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is-a-changed-word) runs, marking ``words`` (normalised
    words, from :class:`Difference`) where they occur as whole words. A report
    escapes each piece and wraps the marked ones."""
    wanted = [w for w in dict.fromkeys(" ".join(words).split()) if w]
    if not wanted or not text:
        return [(text, False)] if text else []
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(_word_pattern(w) for w in sorted(wanted, key=len, reverse=True))
        + r")(?!\w)", re.IGNORECASE)
    out: list[tuple[str, bool]] = []
    last = 0
    for m in pattern.finditer(text):
        if m.start() > last:
            out.append((text[last:m.start()], False))
        out.append((m.group(0), True))
        last = m.end()
    if last < len(text):
        out.append((text[last:], False))
    return out
