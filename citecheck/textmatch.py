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
    NFKC folds ligatures and full-width forms; invisible characters go.
    """
    if not text.isascii():
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    return _NON_WORD.sub(" ", text.casefold().replace("_", " ")).strip()


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


@dataclass(frozen=True)
class QuoteMatch:
    quote: str
    found: bool
    score: float  #: the weakest fragment's score, 0-100
    fragments: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  #: fragments not found


def find_quote(quote: str, normalized_text: str, min_score: float = 92.0) -> QuoteMatch:
    """Look for ``quote`` in an already :func:`normalize`-d text."""
    fragments = quote_fragments(quote)
    if not fragments:  # nothing checkable: a quote of punctuation
        return QuoteMatch(quote, True, 100.0)
    scores = []
    missing = []
    for fragment in fragments:
        if fragment in normalized_text:
            score = 100.0
        else:
            from rapidfuzz import fuzz  # here: a warm audit that reuses its verdicts never needs it

            score = fuzz.partial_ratio(fragment, normalized_text, score_cutoff=min_score)
        scores.append(score)
        if score < min_score:
            missing.append(fragment)
    return QuoteMatch(quote, not missing, min(scores), tuple(fragments), tuple(missing))


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
