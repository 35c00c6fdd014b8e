"""What changed between runs (``citecheck history``), and read-only queries for views."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from citecheck.store.database import Database, _guarded


@dataclass(frozen=True)
class HistoryChange:
    """One citation whose outcome changed between two runs (``citecheck history``)."""

    kind: str  #: newly-dead | newly-mismatched | recovered | newly-drifted | newly-rescued
    document: str
    citation_id: str
    source: str
    source_key: str | None
    url: str | None
    previous: str  #: verdict in the earlier run, or ``new``
    current: str  #: verdict in this run
    previous_run: int  #: 0 for a new citation
    run: int
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


#: the "previous verdict" of a citation no earlier run had
NEW = "new"
#: verdicts a source can recover from
_BAD = frozenset({"dead", "mismatch", "rescued"})


def classify_change(
    previous: str, current: str, prev_reasons: Iterable[str], reasons: Iterable[str]
) -> list[str]:
    """The change kinds between two verdicts of one citation (usually zero or one)."""
    kinds = []
    if current == "dead" and previous != "dead":
        kinds.append("newly-dead")
    if current == "mismatch" and previous != "mismatch":
        kinds.append("newly-mismatched")
    if current == "verified" and previous in _BAD:
        kinds.append("recovered")
    if "content-drift" in set(reasons) and "content-drift" not in set(prev_reasons):
        kinds.append("newly-drifted")
    if current == "rescued" and previous != "rescued":
        kinds.append("newly-rescued")
    return kinds


class History(Database):
    """Queries over the runs: what changed for each citation."""

    @_guarded
    def history(self, subject: str | None = None, run_id: int | None = None) -> list[HistoryChange]:
        """What changed for each citation of a run since its previous appearance.

        ``subject`` narrows to a document (its name), a URL, or a source (label
        or registry key, case-insensitive). ``run_id`` defaults to the latest
        finished run that has a matching citation.
        """
        where, args = "1 = 1", []
        if subject:
            where = (
                "(document = ? or url = ? or lower(source) = lower(?) "
                "or lower(source_key) = lower(?))"
            )
            args = [subject, subject, subject, subject]
        if run_id is None:
            row = self.db.execute(
                "select max(v.run_id) from verdicts v join runs r on r.id = v.run_id "
                f"where r.status = 'finished' and {where}",
                args,
            ).fetchone()
            if not row or row[0] is None:
                return []
            run_id = int(row[0])
        current = self.db.execute(
            "select key, document, json_extract(record, '$.id'), source, source_key, url, "
            f"verdict, reasons from verdicts where run_id = ? and {where} order by id",
            [run_id, *args],
        ).fetchall()
        previous: dict[str, tuple[str, str, int]] = {}
        for key, verdict, reasons, prev_run in self.db.execute(
            "select v.key, v.verdict, v.reasons, v.run_id from verdicts v "
            "join runs r on r.id = v.run_id where r.status = 'finished' and v.run_id < ? "
            "and v.key in (select key from verdicts where run_id = ?) order by v.run_id desc, v.id",
            [run_id, run_id],
        ):
            previous.setdefault(key, (verdict, reasons, int(prev_run)))
        changes = []
        for key, document, cid, source, source_key, url, verdict, reasons in current:
            # a citation seen for the first time is compared with nothing ("new")
            prev_verdict, prev_reasons, prev_run = previous.get(key, (NEW, "[]", 0))
            for kind in classify_change(
                prev_verdict, verdict, json.loads(prev_reasons or "[]"), json.loads(reasons or "[]")
            ):
                changes.append(
                    HistoryChange(
                        kind=kind, document=document, citation_id=cid or "", source=source,
                        source_key=source_key, url=url, previous=prev_verdict, current=verdict,
                        previous_run=prev_run, run=run_id,
                    )
                )
        return changes


def iter_rows(store: Database, sql: str, params: Iterable[Any] = ()) -> Iterator[dict[str, Any]]:
    """Read-only query helper for history views (parameters only, never formatting)."""
    with store._lock:
        cursor = store.db.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        for row in cursor.fetchall():
            yield dict(zip(names, row, strict=True))
