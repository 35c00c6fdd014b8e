"""The invented corpus of bench/extract_corpus.py: no aside is called malformed,
every citation is read (the false-malformed rate and recall bench/bench_malformed.py
reports, held here as a floor)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from extract_corpus import ASIDES, CITATIONS  # noqa: E402

from citecheck.extract import iter_citations  # noqa: E402


@pytest.mark.parametrize("text", ASIDES, ids=[t[:40] for t in ASIDES])
def test_no_aside_is_malformed(text):
    assert not [r for r in iter_citations([text], published="2018-06-04") if r.malformed]


@pytest.mark.parametrize("text", CITATIONS, ids=[t[:40] for t in CITATIONS])
def test_every_citation_is_read(text):
    records = list(iter_citations([text], published="2018-06-04"))
    assert records and not any(r.malformed for r in records)
    assert all(r.source and r.date_as_written for r in records)


def test_corpus_is_large_enough():
    assert len(ASIDES) >= 50 and len(CITATIONS) >= 25
