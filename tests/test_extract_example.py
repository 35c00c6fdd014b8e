"""The bundled example brief yields exactly the expected citation records."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from citecheck.cli import cli
from citecheck.extract import extract_citations, open_citations, read_document
from citecheck.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent
BRIEF = ROOT / "examples" / "china-russia-security-ties-2018-06-04.txt"
EXPECTED = json.loads(BRIEF.with_suffix(".expected.json").read_text(encoding="utf-8"))
KEYS = ("source", "date_as_written", "date", "date_precision", "year_inferred", "malformed",
        "line")


@pytest.fixture(scope="module")
def records():
    doc = read_document(str(BRIEF))
    return [c.to_dict() for c in extract_citations(doc)]


def test_publication_date_from_dateline():
    doc = read_document(str(BRIEF))
    assert doc.published == "2018-06-04"
    assert doc.published_from == "dateline"


def test_exactly_the_expected_records(records):
    assert [{k: r[k] for k in KEYS} for r in records] == [
        {k: e[k] for k in KEYS} for e in EXPECTED["citations"]
    ]


def test_new_keys_are_null_in_the_example(records):
    # The example cites no page and no date range: the keys added for them
    # (locator, date_end) are there and null; the expected JSON predates them.
    assert len(records) == len(EXPECTED["citations"]) == 19
    for got, expected in zip(records, EXPECTED["citations"], strict=True):
        assert got["locator"] is None and got["date_end"] is None, got["id"]
        assert got["locator"] == expected.get("locator") and got["date_end"] == expected.get(
            "date_end"), got["id"]


def test_quotes_where_listed(records):
    for got, expected in zip(records, EXPECTED["citations"], strict=True):
        assert got["quotes"] == expected.get("quotes", []), got["id"]


def test_no_non_citation_is_a_source(records):
    sources = {r["source"] for r in records}
    for text in EXPECTED["non_citations"]:
        assert text not in sources
        assert not any(text in r["raw"] for r in records)


def test_ids_unique_and_malformed_has_problem(records):
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids))
    malformed = [r for r in records if r["malformed"]]
    assert len(malformed) == 1 and malformed[0]["problem"]
    assert malformed[0]["source"] == "SIPRI" and malformed[0]["line"] == 18


def test_source_keys_from_the_shipped_registry():
    registry = load_registry(ROOT / "citations.yaml")
    doc = read_document(str(BRIEF), registry=registry)
    cited = extract_citations(doc, registry)
    assert all(c.source_key == c.source for c in cited)
    assert len(registry.sources) == 12


def test_streaming_equals_whole_document(records):
    extraction = open_citations(str(BRIEF))
    assert extraction.published == "2018-06-04"
    assert [c.to_dict() for c in extraction.citations] == records


def test_cli_json_matches_expected():
    result = CliRunner().invoke(cli, ["extract", str(BRIEF), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"document", "published", "citations"}
    assert data["published"] == "2018-06-04"
    assert [{k: r[k] for k in KEYS} for r in data["citations"]] == [
        {k: e[k] for k in KEYS} for e in EXPECTED["citations"]
    ]
    required = {"id", "source", "source_key", "raw", "date_as_written", "date",
                "date_precision", "year_inferred", "line", "column", "context", "quotes",
                "url", "malformed", "problem", "date_end", "locator"}
    assert all(required <= set(r) for r in data["citations"])
    assert all(r["date_end"] is None and r["locator"] is None for r in data["citations"])
