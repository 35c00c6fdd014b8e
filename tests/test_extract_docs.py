"""docs/extraction.md says what extract reads: its examples hold."""

import re
from pathlib import Path

import pytest

from citecheck.extract import iter_citations

DOC = (Path(__file__).resolve().parent.parent / "docs" / "extraction.md").read_text(
    encoding="utf-8")


def _section(title):
    start = DOC.index(title)
    end = DOC.find("\n#", start + len(title))
    return DOC[start:end if end != -1 else None]


def _examples(text):
    return re.findall(r"`(\([^`]*\))`", text)


READ = [e for e in _examples(_section("## Parenthetical citations").split("### Malformed")[0])]
MALFORMED = [e for e in _examples(_section("### Malformed")) if e != "(SIPRI"]
IGNORED = _examples(_section("### Left alone"))


def _records(example):
    return list(iter_citations([f"It grew {example}."], published="2018-06-04"))


def test_the_doc_has_examples():
    assert len(READ) >= 30 and len(MALFORMED) >= 4 and len(IGNORED) >= 12


@pytest.mark.parametrize("example", READ)
def test_documented_forms_are_read(example):
    records = _records(example)
    assert records and not any(r.malformed for r in records), records


@pytest.mark.parametrize("example", MALFORMED)
def test_documented_malformed_forms_are_malformed(example):
    records = _records(example)
    assert records and records[-1].malformed and records[-1].problem


@pytest.mark.parametrize("example", IGNORED)
def test_documented_non_citations_give_nothing(example):
    assert _records(example) == []
