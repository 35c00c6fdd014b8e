"""Claim support: does the page's main text say what the citing sentence says?

Most citations carry no quotation, so the envelope (URL, publisher, date) is
all the other checks can see. This module reads the claim (the citing
sentence without its citations, :func:`claim_text`), finds the passages of a
copy's main text that best support it and scores the support in [0, 1]:

1. the page's text is split into sentences (``sentencex``: it keeps ``Dr.``,
   ``Jan. 5``, ``U.S.`` and ``p.m.`` inside their sentence, where simplemma
   and blingfire cut, and loads in a millisecond; see the commit that chose it);
2. claim and sentences become key terms: words (Snowball-stemmed, stop words
   dropped) and numbers (``1,000`` = ``1000``, ``60%`` = ``60``);
3. the page's sentences are ranked by the weight of the claim's terms each
   holds (so the sentence with the claim's figures comes first), ties broken
   by rapidfuzz's token-set ratio; the best three are the passages;
4. the score is the mean of two shares of the claim's key terms: those the
   three passages contain, and those the whole main text contains. Numbers
   and capitalised words (names) weigh double: a claim's figures or names
   absent from the page are evidence that it is not the claim's source.

The method and its defaults are measured in ``bench/bench_support.py`` on the
WiCE development split (``docs/benchmarks.md``). Pure: no request, no model.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from citecheck.models import Citation, Passage, Support

#: passages returned, best first
TOP_K = 3
#: weight of a number, and of a capitalised word (a name), among the claim's terms
#: (a word weighs 1): measured in bench/bench_support.py (1.5 and 2 tried)
NUMBER_WEIGHT = 2.0
NAME_WEIGHT = 2.0
#: share of the score that rests on the best passages (the rest: the whole text)
PASSAGE_SHARE = 0.5
#: a claim with fewer key terms than this is too short to score
MIN_TERMS = 2
#: longest text (characters) read for support: the size cap keeps CPU bounded
MAX_TEXT = 400_000

_STOP = frozenset("""
a an the and or but nor of in on at to for from by with as is are was were be been being
am it its it's this that these those he she they we you i his her hers their theirs them
him us our your my me which who whom whose what when where while also has have had having
not no than then there here into onto over under after before about between during such
can could would should will shall may might must do does did done so if because since
until upon via per each other any all some more most very just only both either neither
own same too s t one's said says say according
""".split())

_WORD = re.compile(r"\d+(?:[.,]\d+)*%?|[^\W\d_]+(?:['\u2019][^\W\d_]+)?")
_PAREN = re.compile(r"\(([^()]*)\)")


@dataclass(frozen=True)
class Term:
    """One key term of a claim: as written, its matching key, its weight."""

    text: str
    key: str
    weight: float


@functools.lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=65536)
def _key(word: str) -> str | None:
    """The matching key of a word or number as written; None for a stop word."""
    low = word.lower()
    if low in _STOP or (len(low) == 1 and not low.isdigit()):
        return None
    if low[0].isdigit():
        return low.rstrip("%").replace(",", "")
    return str(_stemmer().stemWord(low.replace("\u2019", "'")))


#: punctuation that separates words (``.``, ``,``, ``%`` and apostrophes stay inside
#: numbers and words, and are stripped at their ends)
_SEPARATORS = str.maketrans({c: " " for c in "!\"#$&()*+-/:;<=>?@[\\]^_`{|}~\u2013\u2014"
                             "\u201c\u201d\u00ab\u00bb\u2018\u2026\u00b7"})


def _words(text: str) -> list[str]:
    """The words and numbers of ``text`` as written (``1,000``, ``60%``, ``Russia's``):
    ``str.split`` after a translation, at a fifth of a regular expression's CPU."""
    out = []
    for word in text.translate(_SEPARATORS).split():
        word = word.strip(".,'\u2019")
        if word and word != "%":
            out.append(word)
    return out


def _tokens(text: str) -> list[tuple[str, str]]:
    """(as written, key) of each word or number of ``text`` that is not a stop word."""
    return [(word, key) for word in _words(text) if (key := _key(word)) is not None]


def _key_set(text: str) -> frozenset[str]:
    """The keys of ``text``'s words and numbers, stop words left out."""
    keys = set(map(_key, set(_words(text))))
    keys.discard(None)
    return frozenset(keys)  # type: ignore[arg-type]


def claim_terms(claim: str) -> tuple[Term, ...]:
    """The key terms of ``claim``, each once, in order."""
    seen: dict[str, Term] = {}
    for word, key in _tokens(claim):
        if key not in seen:
            weight = (NUMBER_WEIGHT if word[0].isdigit()
                      else NAME_WEIGHT if word[0].isupper() else 1.0)
            seen[key] = Term(word, key, weight)
    return tuple(seen.values())


def claim_text(citation: Citation) -> str:
    """The claim a citation supports: its citing sentence without citations.

    Every parenthetical that reads as a citation goes; when the sentence
    cites several sources in turn (``A rose (X, May 1), and B fell (Y, May
    2).``), the claim is the stretch between the previous citation and this
    one, unless that stretch is too short to say anything (then the whole
    sentence, citations removed).
    """
    from citecheck.extract.grammar import parse_parenthetical

    context = citation.context or ""
    spans = [(m.start(), m.end(), m.group(1)) for m in _PAREN.finditer(context)
             if parse_parenthetical(m.group(1))]
    whole = _squash("".join(
        context[prev:start] for prev, start in zip(
            [0] + [end for _, end, _ in spans], [s for s, _, _ in spans] + [len(context)],
            strict=True)))
    mine = next((i for i, (_, _, inner) in enumerate(spans) if citation.raw in inner), None)
    if mine is None or len(spans) < 2:
        return whole
    begin = spans[mine - 1][1] if mine > 0 else 0
    stretch = _squash(context[begin:spans[mine][0]])
    return stretch if len(claim_terms(stretch)) >= 4 else whole


def _squash(text: str) -> str:
    text = " ".join(text.split())
    return re.sub(r"\s+([,.;:!?])", r"\1", text).strip(" ,;")


@functools.lru_cache(maxsize=32)
def split_sentences(text: str) -> tuple[str, ...]:
    """The sentences of ``text``: each line, cut into sentences by sentencex."""
    out: list[str] = []
    for line in text[:MAX_TEXT].splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        if not re.search(r"[.!?]\s", line):  # one sentence (or none): no need to segment
            out.append(line)
            continue
        import sentencex

        out.extend(s.strip() for s in sentencex.segment("en", line) if s.strip())
    return tuple(out)


@dataclass(frozen=True)
class _Page:
    sentences: tuple[str, ...]
    keys: tuple[frozenset[str], ...]
    joined: tuple[str, ...]  #: each sentence's keys, sorted, space-separated, for rapidfuzz
    vocabulary: frozenset[str]


@functools.lru_cache(maxsize=32)
def _page(text: str) -> _Page:
    sentences = split_sentences(text)
    keys = tuple(_key_set(s) for s in sentences)
    return _Page(sentences, keys, tuple(" ".join(sorted(k)) for k in keys),
                 frozenset().union(*keys))


def _rank(page: _Page, terms: Sequence[Term], k: int) -> list[int]:
    """Indices of the ``k`` best sentences for the claim (holding one of its terms
    at least): by the weight of the claim's terms each holds, ties broken by
    rapidfuzz's token-set ratio of the claim's terms to the sentence's."""
    from rapidfuzz import fuzz

    held = [(w, i) for i, keys in enumerate(page.keys)
            if (w := sum(t.weight for t in terms if t.key in keys)) > 0]
    query = " ".join(t.key for t in terms)
    held.sort(key=lambda h: (-h[0], -fuzz.token_set_ratio(query, page.joined[h[1]]), h[1]))
    return [i for _, i in held[:k]]


def label_for(score: float | None, min_score: float, weak_score: float) -> str:
    """supported | weak | not-supported | unknown, from the score and the thresholds."""
    if score is None:
        return "unknown"
    if score < min_score:
        return "not-supported"
    return "weak" if score < weak_score else "supported"


def score_support(claim: str, text: str, *, min_score: float, weak_score: float,
                  copy: str | None = None) -> Support:
    """How well ``text`` (a copy's main text) supports ``claim``; see the module doc."""
    terms = claim_terms(claim)
    if len(terms) < MIN_TERMS or not text.strip():
        why = ("the claim is too short to score" if text.strip()
               else "the page has no text to read")
        return Support(copy=copy, explanation=why)
    page = _page(text)
    best = _rank(page, terms, TOP_K)
    total = sum(t.weight for t in terms)
    passages = []
    found: set[str] = set()
    for i in best:
        here = {t.key for t in terms if t.key in page.keys[i]}
        found |= here
        passages.append(Passage(page.sentences[i][:1000],
                                round(sum(t.weight for t in terms if t.key in here) / total, 3)))
    everywhere = page.vocabulary
    in_passages = sum(t.weight for t in terms if t.key in found) / total
    in_page = sum(t.weight for t in terms if t.key in everywhere) / total
    score = round(PASSAGE_SHARE * in_passages + (1 - PASSAGE_SHARE) * in_page, 3)
    matched = tuple(t.text for t in terms if t.key in found)
    missing = tuple(t.text for t in terms if t.key not in found)
    label = label_for(score, min_score, weak_score)
    return Support(score=score, label=label, copy=copy, passages=tuple(passages),
                   matched=matched, missing=missing,
                   explanation=explain(terms, found, page, score, label))


def explain(terms: Sequence[Term], found: set[str], page: _Page, score: float,
            label: str) -> str:
    """The score in a reviewer's words: what the best passages say of the claim."""
    n = len(terms)
    hit = sum(1 for t in terms if t.key in found)
    anywhere = sum(1 for t in terms if t.key in page.vocabulary)
    words = {"supported": "supports", "weak": "only partly supports",
             "not-supported": "does not support"}[label]
    sentence = (f"the page {words} the claim (support {score:.2f}): its best passages "
                f"contain {hit} of the claim's {n} key terms, its whole text {anywhere}")
    numbers = [t for t in terms if t.key[0].isdigit() and t.key not in found]
    if numbers:
        everywhere = page.vocabulary
        absent = [t.text for t in numbers if t.key not in everywhere]
        elsewhere = [t.text for t in numbers if t.key in everywhere]
        if absent:
            sentence += f"; the claim's figure{'s' if len(absent) > 1 else ''} " \
                f"{', '.join(absent)} appear{'' if len(absent) > 1 else 's'} nowhere on the page"
        if elsewhere:
            sentence += f"; {', '.join(elsewhere)} appear{'' if len(elsewhere) > 1 else 's'} " \
                "on the page but not in the best passages"
    names = [t.text for t in terms[1:]  # the first word is capitalised as the sentence's
             if t.text[0].isupper() and t.key not in page.vocabulary]
    if names:
        sentence += f"; the name{'s' if len(names) > 1 else ''} {', '.join(names)} " \
            f"appear{'' if len(names) > 1 else 's'} nowhere on the page"
    missing = [t.text for t in terms if t.key not in found and not t.key[0].isdigit()
               and t.text not in names]
    if missing and label != "supported":
        shown = ", ".join(missing[:8]) + (", ..." if len(missing) > 8 else "")
        sentence += f"; missing: {shown}"
    return sentence


def highlight(text: str, matched: Sequence[str], missing: Sequence[str] = ()) -> list[
        tuple[str, str | None]]:
    """``text`` cut into (piece, mark) for a report: mark ``hit`` on a word whose
    key is one of the ``matched`` terms', ``miss`` on one of the ``missing``
    terms', None elsewhere. The pieces join back into ``text``; nothing is escaped."""
    hits = {k for w in matched if (k := _key(w)) is not None}
    misses = {k for w in missing if (k := _key(w)) is not None} - hits
    out: list[tuple[str, str | None]] = []
    at = 0
    for m in _WORD.finditer(text):
        key = _key(m.group())
        mark = "hit" if key in hits else "miss" if key in misses else None
        if mark is None:
            continue
        if m.start() > at:
            out.append((text[at:m.start()], None))
        out.append((m.group(), mark))
        at = m.end()
    if at < len(text):
        out.append((text[at:], None))
    return out
