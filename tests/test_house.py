"""The shape of the installed package (issue 15, item 6)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import citecheck
import citecheck.store


def test_the_synthetic_example_report_is_not_installed():
    # made-up verdicts for the README screenshot belong to tests/, not the library
    assert importlib.util.find_spec("citecheck.report.example") is None
    assert not list(Path(citecheck.__file__).parent.rglob("example.py"))


def test_each_part_of_the_store_can_be_read_at_once():
    parts = sorted(Path(citecheck.store.__file__).parent.glob("*.py"))
    assert len(parts) >= 5
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in parts}
    assert max(sizes.values()) <= 400, sizes
