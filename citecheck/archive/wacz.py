"""A run's WARC evidence packed as a WACZ (``citecheck archive export --wacz FILE``).

WACZ (Web Archive Collection Zipped, by Webrecorder) is a zip of the WARC
files, their CDX index and a ``pages/pages.jsonl`` listing the pages to open;
ReplayWeb.page loads it as it is. The ``wacz`` package builds it (indexing,
``datapackage.json`` with file hashes) and validates it.

``pages.jsonl`` lists the cited pages: each WARC response record a verdict of
the run points at (its live response and its archived snapshot), by the
record's own target URI and date, so the WACZ indexer matches every page to
its record. The WARC files are the ones those records are in.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from citecheck.archive.warcstore import EvidenceRecord, _iter_file, locate
from citecheck.errors import InputError, RunError
from citecheck.models import Verdict

log = logging.getLogger(__name__)

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Cited pages"}


@dataclass(frozen=True)
class Page:
    url: str  #: the record's WARC-Target-URI
    ts: str  #: its WARC-Date (ISO 8601)
    title: str


@dataclass(frozen=True)
class WaczExport:
    path: Path
    pages: tuple[Page, ...]
    warcs: tuple[Path, ...]


def cited_records(
    verdicts: Iterable[Verdict], archive_dir: str | Path
) -> list[tuple[EvidenceRecord, Verdict]]:
    """The WARC records the verdicts point at (``file#offset``), in verdict order, once each.

    A reference whose file or record is missing is logged and left out.
    """
    wanted: dict[tuple[Path, int], Verdict] = {}
    for verdict in verdicts:
        for ref in verdict.evidence:
            name, _, at = ref.rpartition("#")
            if not name or not at.isdigit():
                log.warning("evidence reference %r is not file#offset", ref)
                continue
            wanted.setdefault((locate(name, archive_dir), int(at)), verdict)
    by_file: dict[Path, dict[int, EvidenceRecord]] = {}
    for path in dict.fromkeys(p for p, _ in wanted):
        if not path.exists():
            log.warning("evidence file %s is missing", path)
            continue
        by_file[path] = {rec.offset: rec for rec in _iter_file(path)}
    out = []
    for (path, offset), verdict in wanted.items():
        rec = by_file.get(path, {}).get(offset)
        if rec is None:
            if path in by_file:
                log.warning("no response record at %s#%d", path, offset)
            continue
        out.append((rec, verdict))
    return out


def pages_of(records: Sequence[tuple[EvidenceRecord, Verdict]]) -> list[Page]:
    pages: dict[tuple[str, str], Page] = {}
    for rec, verdict in records:
        url = rec.target_uri or rec.url
        kind = "snapshot" if verdict.snapshot is not None and (
            url == verdict.snapshot.archive_url or "id_/" in url) else "live"
        title = f"{verdict.citation.source} ({verdict.citation.date or 'n.d.'}), {kind}"
        pages.setdefault((url, rec.recorded_at), Page(url, rec.recorded_at, title))
    return list(pages.values())


def export_wacz(
    output: str | Path, verdicts: Iterable[Verdict], archive_dir: str | Path, *, title: str
) -> WaczExport:
    """Write the WACZ of the verdicts' evidence at ``output``.

    Raises :class:`InputError` when there is no evidence to pack and
    :class:`RunError` when the ``wacz`` package fails.
    """
    records = cited_records(verdicts, archive_dir)
    if not records:
        raise InputError("no WARC evidence recorded for the cited pages of this run")
    pages = pages_of(records)
    warcs = tuple(dict.fromkeys(Path(rec.warc_file) for rec, _ in records))
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="citecheck-wacz-") as tmp:
        listing = Path(tmp) / "pages.jsonl"
        with open(listing, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(PAGES_HEADER) + "\n")
            for page in pages:
                fh.write(json.dumps({"url": page.url, "ts": page.ts, "title": page.title},
                                    ensure_ascii=False) + "\n")
        code, said = _wacz(["create", "-o", str(out), "-p", str(listing), "--title", title,
                            *(str(w) for w in warcs)])
    unmatched = [line for line in said.splitlines() if line.startswith("Invalid passed page")]
    if code != 0 or unmatched:
        raise RunError(f"wacz could not pack {out}: "
                       + ("; ".join(unmatched[:3]) or said.strip()[-300:] or f"exit {code}"))
    return WaczExport(out, tuple(pages), warcs)


def validate_wacz(path: str | Path) -> tuple[bool, str]:
    """The ``wacz`` package's own validation: ``(valid, what it said)``."""
    code, said = _wacz(["validate", "-f", str(path)])
    return code == 0, said


def _wacz(args: list[str]) -> tuple[int, str]:
    """Run the ``wacz`` command in this process; what it prints is returned, not shown."""
    from wacz.main import main

    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 1
        except (OSError, ValueError, KeyError) as exc:
            return 1, f"{type(exc).__name__}: {exc}"
    return int(code or 0), said.getvalue()
