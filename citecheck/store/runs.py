"""Runs and what they recorded: documents, citations and their verdicts."""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Iterable, Sequence
from typing import Any

from citecheck.errors import RunError
from citecheck.models import Document, Verdict
from citecheck.store.database import Database, _guarded, _pk
from citecheck.store.records import (
    RunInfo,
    StoredRun,
    VerdictRow,
    citation_key,
    now_iso,
)
from citecheck.store.rows import _run_info, verdict_from_dict


class Runs(Database):
    """Runs, their documents, citations and verdicts."""

    # ----------------------------------------------------------------- runs

    @_guarded
    def start_run(self, options: dict[str, Any] | None = None) -> int:
        """Record a new run; mark runs whose process died as interrupted."""
        self._mark_dead_runs()
        with self._tx():
            table = self.db.table("runs")
            table.insert(
                {
                    "started_at": now_iso(self.clock()),
                    "status": "running",
                    "host": socket.gethostname(),
                    "pid": os.getpid(),
                    "version": _version_string(),
                    "options": json.dumps(options or {}, sort_keys=True, default=str),
                    "summary": "{}",
                }
            )
            return _pk(table)

    def _mark_dead_runs(self) -> None:
        host = socket.gethostname()
        rows = self.db.execute(
            "select id, pid from runs where status = ? and host = ?", ["running", host]
        ).fetchall()
        dead = [run_id for run_id, pid in rows if pid and not _pid_alive(int(pid))]
        if dead:
            with self._tx():
                for run_id in dead:
                    self.db.table("runs").update(run_id, {"status": "interrupted"})

    @_guarded
    def finish_run(
        self,
        run_id: int,
        summary: dict[str, Any] | None = None,
        *,
        status: str = "finished",
        exit_code: int | None = None,
    ) -> None:
        with self._tx():
            self.db.table("runs").update(
                run_id,
                {
                    "finished_at": now_iso(self.clock()),
                    "status": status,
                    "exit_code": exit_code,
                    "summary": json.dumps(summary or {}, sort_keys=True, default=str),
                },
            )

    @_guarded
    def runs(self, limit: int | None = None) -> list[RunInfo]:
        """Runs, newest first."""
        rows = self.db.table("runs").rows_where(order_by="id desc", limit=limit)
        return [_run_info(r) for r in rows]

    @_guarded
    def run_row(self, run_id: int) -> dict[str, Any]:
        from sqlite_utils.db import NotFoundError  # (self.db has loaded it)

        try:
            return dict(self.db.table("runs").get(run_id))
        except NotFoundError:
            raise RunError(f"{self.path}: no run with id {run_id}") from None

    @_guarded
    def latest_run_id(self, *, finished_only: bool = True) -> int | None:
        where = "status = ?" if finished_only else None
        args = ["finished"] if finished_only else None
        for row in self.db.table("runs").rows_where(where, args, order_by="id desc", limit=1):
            return int(row["id"])
        return None

    # --------------------------------------------------- documents, citations

    @_guarded
    def save_document(self, run_id: int, doc: Document, citations: int = 0) -> int:
        return self.save_documents(run_id, [(doc, citations)])[0]

    @_guarded
    def save_documents(self, run_id: int, documents: Sequence[tuple[Document, int]]) -> list[int]:
        """:meth:`save_document` of each (document, citation count), in one transaction."""
        ids = []
        with self._tx():
            for doc, citations in documents:
                row = _document_row(run_id, doc, citations)
                cursor = self.db.conn.execute(_INSERT_DOCUMENT, row)
                ids.append(int(cursor.lastrowid or 0))
        return ids

    def save_verdict(
        self,
        run_id: int,
        verdict: Verdict,
        *,
        document_id: int | None = None,
        key: str | None = None,
        fingerprint: str | None = None,
    ) -> None:
        """Store one citation and its verdict (see :meth:`save_verdicts`)."""
        self.save_verdicts(run_id, [VerdictRow(verdict, key, fingerprint, document_id)])

    @_guarded
    def save_verdicts(self, run_id: int, rows: Sequence[VerdictRow]) -> None:
        """Store citations and their verdicts in one transaction."""
        if not rows:
            return
        with self._tx():
            # under the write lock: the ids are ours, so verdicts can point at citations
            row = self.db.execute("select coalesce(max(id), 0) from citations").fetchone()
            first = int(row[0]) + 1
            citations, verdicts = [], []
            for n, item in enumerate(rows):
                key = item.key or citation_key(item.verdict.citation)
                citations.append(
                    _citation_row(first + n, run_id, item.document_id, key, item.verdict)
                )
                verdicts.append(
                    _verdict_row(first + n, run_id, key, item.verdict, item.fingerprint)
                )
            self.db.conn.executemany(_INSERT_CITATION, citations)
            self.db.conn.executemany(_INSERT_VERDICT, verdicts)

    # --------------------------------------------------------------- reading

    @_guarded
    def load_run(self, run_id: int | None = None, *, with_verdicts: bool = True) -> StoredRun:
        """A past run (default: the latest finished one) with all its verdicts."""
        if run_id is None:
            runs = self.db.table("runs")
            rows = list(
                runs.rows_where("status = ?", ["finished"], order_by="id desc", limit=1)
            ) or list(runs.rows_where(order_by="id desc", limit=1))
            if not rows:
                raise RunError(f"{self.path}: no runs recorded yet (run `citecheck audit` first)")
            row = rows[0]
        else:
            from sqlite_utils.db import NotFoundError  # (self.db has loaded it)

            try:
                row = self.db.table("runs").get(run_id)
            except NotFoundError:
                raise RunError(f"{self.path}: no run with id {run_id}") from None
        info = _run_info(row)
        documents = tuple(
            self.db.table("documents").rows_where("run_id = ?", [info.id], order_by="id")
        )
        verdicts = tuple(
            verdict_from_dict(json.loads(r["record"]))
            for r in self.db.table("verdicts").rows_where("run_id = ?", [info.id], order_by="id")
        ) if with_verdicts else ()
        return StoredRun(run=info, documents=documents, verdicts=verdicts)

    @_guarded
    def verdict_for_fingerprint(self, fingerprint: str) -> Verdict | None:
        """The verdict last decided from exactly the same inputs, if any."""
        return self.verdicts_for_fingerprints([fingerprint]).get(fingerprint)

    @_guarded
    def verdicts_for_fingerprints(self, fingerprints: Iterable[str]) -> dict[str, Verdict]:
        """:meth:`verdict_for_fingerprint` of many fingerprints in one query."""
        rows = self.db.execute(_LATEST_VERDICTS, [json.dumps(list(dict.fromkeys(fingerprints)))])
        return {fp: verdict_from_dict(json.loads(record)) for fp, record in rows.fetchall()}

    @_guarded
    def verdict_rows(self, run_id: int) -> list[dict[str, Any]]:
        return list(self.db.table("verdicts").rows_where("run_id = ?", [run_id], order_by="id"))


_INSERT_DOCUMENT = (
    'insert into documents ("run_id", "name", "published", "published_from", "title", '
    '"sha256", "citations") values (:run_id, :name, :published, :published_from, :title, '
    ":sha256, :citations)"
)
# save_verdicts: named parameters, taken from _citation_row's and _verdict_row's dicts
_INSERT_CITATION = (
    'insert into citations ("id", "run_id", "document_id", "document", "citation_id", "key", '
    '"source", "source_key", "raw", "line", "column", "date_as_written", "date", '
    '"date_precision", "year_inferred", "context", "quotes", "url", "malformed", "problem", '
    '"date_end", "locator", "style", "version_url", "version_date") '
    "values (:id, :run_id, :document_id, :document, :citation_id, :key, :source, :source_key, "
    ":raw, :line, :column, :date_as_written, :date, :date_precision, :year_inferred, :context, "
    ":quotes, :url, :malformed, :problem, :date_end, :locator, :style, :version_url, "
    ":version_date)"
)
_INSERT_VERDICT = (
    'insert into verdicts ("run_id", "citation_row", "document", "key", "source", '
    '"source_key", "url", "verdict", "severity", "reasons", "explanation", "record", '
    '"fingerprint") values (:run_id, :citation_row, :document, :key, :source, :source_key, '
    ":url, :verdict, :severity, :reasons, :explanation, :record, :fingerprint)"
)
#: the latest verdict decided from each fingerprint of a JSON array
_LATEST_VERDICTS = (
    "select fingerprint, record from verdicts where id in (select max(id) from verdicts "
    "where fingerprint in (select value from json_each(?)) group by fingerprint)"
)


def _document_row(run_id: int, doc: Document, citations: int) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "name": doc.name,
        "published": doc.published,
        "published_from": doc.published_from,
        "title": doc.title,
        "sha256": hashlib.sha256(doc.text.encode("utf-8", "replace")).hexdigest(),
        "citations": citations,
    }


def _citation_row(
    row_id: int, run_id: int, document_id: int | None, key: str, verdict: Verdict
) -> dict[str, Any]:
    c = verdict.citation
    return {
        "id": row_id,
        "run_id": run_id,
        "document_id": document_id,
        "document": c.document,
        "citation_id": c.id,
        "key": key,
        "source": c.source,
        "source_key": c.source_key,
        "raw": c.raw,
        "line": c.line,
        "column": c.column,
        "date_as_written": c.date_as_written,
        "date": c.date,
        "date_precision": c.date_precision.value if c.date_precision else None,
        "year_inferred": int(c.year_inferred),
        "context": c.context,
        "quotes": json.dumps(list(c.quotes), ensure_ascii=False),
        "url": c.url,
        "malformed": int(c.malformed),
        "problem": c.problem,
        "date_end": c.date_end,
        "locator": c.locator,
        "style": c.style,
        "version_url": c.version_url,
        "version_date": c.version_date,
    }


def _verdict_row(
    citation_row: int, run_id: int, key: str, verdict: Verdict, fingerprint: str | None
) -> dict[str, Any]:
    c = verdict.citation
    return {
        "run_id": run_id,
        "citation_row": citation_row,
        "document": c.document,
        "key": key,
        "source": c.source,
        "source_key": c.source_key,
        "url": verdict.urls[0] if verdict.urls else None,
        "verdict": verdict.verdict.value,
        "severity": verdict.verdict.severity.name.lower(),
        "reasons": json.dumps(list(verdict.reasons)),
        "explanation": verdict.explanation,
        "record": json.dumps(verdict.to_dict(), ensure_ascii=False, default=str),
        "fingerprint": fingerprint,
    }


def _version_string() -> str:
    from citecheck import __version__

    return __version__


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
