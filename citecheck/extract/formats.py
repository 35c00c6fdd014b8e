"""Write extracted citations as JSON, CSV or a readable table, as they stream in."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from citecheck.models import Citation

if TYPE_CHECKING:
    from citecheck.extract import Extraction
    from citecheck.registry import Registry

FORMATS = ("json", "table", "csv")
CSV_FIELDS = [f.name for f in dataclasses.fields(Citation)]


def write_extraction(extraction: Extraction, out: TextIO, fmt: str) -> Counter[str]:
    """Write every citation of ``extraction`` to ``out``; return counts by kind."""
    writer = {"json": _write_json, "csv": _write_csv, "table": _write_table}[fmt]
    counts: Counter[str] = Counter()
    writer(extraction, _counting(extraction.citations, counts), out, counts)
    return counts


def _counting(citations: Iterable[Citation], counts: Counter[str]) -> Iterable[Citation]:
    for c in citations:
        counts["citations"] += 1
        counts["malformed"] += c.malformed
        counts["year_inferred"] += c.year_inferred
        yield c


def _write_json(
    extraction: Extraction, citations: Iterable[Citation], out: TextIO, counts: Counter[str]
) -> None:
    head = json.dumps({"document": extraction.document, "published": extraction.published},
                      ensure_ascii=False, indent=2)
    out.write(head[:-2] + ',\n  "citations": [')
    first = True
    for c in citations:
        body = json.dumps(c.to_dict(), ensure_ascii=False, indent=2).replace("\n", "\n    ")
        out.write(("\n    " if first else ",\n    ") + body)
        first = False
    out.write("\n  ]\n}\n" if not first else "]\n}\n")


def _write_csv(
    extraction: Extraction, citations: Iterable[Citation], out: TextIO, counts: Counter[str]
) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for c in citations:
        row = c.to_dict()
        row["quotes"] = json.dumps(row["quotes"], ensure_ascii=False) if row["quotes"] else ""
        writer.writerow(row)


_COLUMNS = (("AT", 9), ("SOURCE", 20), ("KEY", 14), ("DATE", 10), ("AS WRITTEN", 18),
            ("FLAGS", 18))


def _cell(value: str, width: int) -> str:
    value = " ".join(value.split())
    return value if len(value) <= width else value[: width - 1] + "…"


def _write_table(
    extraction: Extraction, citations: Iterable[Citation], out: TextIO, counts: Counter[str]
) -> None:
    published = extraction.published or "unknown"
    if extraction.published_from:
        published += f" (from {extraction.published_from})"
    out.write(f"{extraction.document}\npublished: {published}\n\n")
    out.write("  ".join(name.ljust(width) for name, width in _COLUMNS) + "  URL / PROBLEM\n")
    for c in citations:
        flags = ",".join(f for f, on in (("MALFORMED", c.malformed), ("inferred", c.year_inferred),
                                          ("note", c.style == "note")) if on)
        written = ", ".join(v for v in (c.date_as_written, c.locator) if v)  # "2017, p. 5"
        cells = (f"{c.line}:{c.column}", c.source, c.source_key or "-", c.date or "-",
                 written or "-", flags or "-")
        row = "  ".join(_cell(v, w).ljust(w) for v, (_, w) in zip(cells, _COLUMNS, strict=True))
        where = c.problem or c.url or ""
        if c.version_url and not c.problem:  # Robust Links: the author's snapshot
            where += f" (version {c.version_date or 'undated'}: {c.version_url})"
        out.write(f"{row}  {where}".rstrip() + "\n")
    n = counts["citations"]
    out.write(f"\n{n} citation{'' if n == 1 else 's'}, {counts['malformed']} malformed, "
              f"{counts['year_inferred']} with an inferred year\n")


def unknown_sources(citations: Iterable[Citation], registry: Registry) -> dict[str, list[int]]:
    """Sources cited that the registry does not know, with the lines citing them."""
    unknown: dict[str, list[int]] = {}
    for c in citations:
        if c.source and registry.lookup(c.source) is None:
            unknown.setdefault(c.source, []).append(c.line)
    return unknown


def write_registry(registry: Registry, out: TextIO) -> None:
    """The registry as a readable table."""
    where = registry.path or "no registry file (empty)"
    out.write(f"{where}: {len(registry.sources)} sources, {len(registry.pins)} pins, "
              f"{len(registry.documents)} documents\n\n")
    width = max([len(k) for k in registry.sources] + [6])
    for key, entry in registry.sources.items():
        out.write(f"{key.ljust(width)}  {', '.join(entry.domains) or '-'}\n")
        details = entry.name if entry.name != key else ""
        if entry.aliases:
            details += f" (also: {', '.join(entry.aliases)})"
        if details.strip():
            out.write(f"{''.ljust(width)}  {details.strip()}\n")
