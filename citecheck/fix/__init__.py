"""Fix a brief instead of only reporting on it: Robust Links and snapshot links.

From the latest audit of a document (its verdicts in the database), each
citation's link is rewritten in the document's own text (see
:func:`~citecheck.fix.plan.plan` for what each verdict gives):

- :func:`latest_audit` finds the verdicts of the newest run that read the document;
- :func:`fix_document` plans and makes the edits, returning a :class:`FixResult`
  with the new bytes, what happened to each citation and a unified diff.

Only the links change: every other byte of the file is what it was, and a
fixed file fixes to itself.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from citecheck.errors import InputError
from citecheck.fix.edits import Edit, Outcome, Source, Status
from citecheck.fix.plan import Action, LinkFix, plan
from citecheck.models import Verdict

if TYPE_CHECKING:
    from citecheck.store import Store

__all__ = ["Action", "AuditRecord", "FixResult", "LinkFix", "Outcome", "Status",
           "fix_document", "latest_audit", "plan"]

KINDS = ("html", "markdown", "text", "docx")


@dataclass(frozen=True)
class AuditRecord:
    """One stored verdict and, when the audit measured it, the claim's support."""

    verdict: Verdict
    support: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class FixResult:
    name: str
    kind: str
    original: bytes
    fixed: bytes
    outcomes: tuple[Outcome, ...]
    run_id: int | None = None

    @property
    def changed(self) -> bool:
        return self.fixed != self.original

    def count(self, status: Status) -> int:
        return sum(o.status is status for o in self.outcomes)

    def diff(self, to_name: str | None = None) -> str:
        """A unified diff from the original to the fixed document (for a .docx:
        of the package parts that changed)."""
        if self.kind == "docx":
            from citecheck.fix.docx import changed_parts

            return "".join(
                "".join(difflib.unified_diff(
                    _xml_lines(a), _xml_lines(b), fromfile=f"{self.name}/{part}",
                    tofile=f"{to_name or self.name}/{part}"))
                for part, a, b in changed_parts(self.original, self.fixed))
        src = Source.decode(self.name, self.original)
        before = src.text.splitlines(keepends=True)
        after = self.fixed.decode(src.encoding).splitlines(keepends=True)
        return "".join(difflib.unified_diff(before, after, fromfile=self.name,
                                            tofile=to_name or self.name))


def _xml_lines(text: str) -> list[str]:
    """XML on one line, cut before each element so that a diff shows the change."""
    return [line + "\n" for line in text.replace("><", ">\n<").split("\n")]


def _same_document(stored: str, wanted: str) -> bool:
    if stored == wanted:
        return True
    if stored.startswith(("http://", "https://", "-")) or wanted.startswith(("http", "-")):
        return False
    return os.path.realpath(stored) == os.path.realpath(wanted)


def latest_audit(store: Store, document: str) -> tuple[int, list[AuditRecord]]:
    """The verdicts of the newest finished run that audited ``document``."""
    runs = store.db.table("runs")
    finished = {r["id"] for r in runs.rows_where("status = ?", ["finished"], select="id")}
    names = {r["name"] for r in store.db.table("documents").rows_where(select="distinct name")}
    matching = [n for n in names if _same_document(n, document)]
    run_ids = sorted(
        {r["run_id"] for name in matching
         for r in store.db.table("documents").rows_where("name = ?", [name], select="run_id")}
        & finished)
    if not run_ids:
        raise InputError(f"{document}: no finished audit of this document in {store.path} "
                         "(run `citecheck audit` first, or give --audit)")
    run_id = run_ids[-1]
    records = []
    from citecheck.store import verdict_from_dict

    for row in store.verdict_rows(run_id):
        data = json.loads(row["record"])
        if not _same_document(data.get("document") or "", document) and \
                data.get("document") not in matching:
            continue
        support = data.get("support")
        records.append(AuditRecord(verdict_from_dict(data),
                                   support if isinstance(support, dict) else None))
    return run_id, records


def _editor(kind: str) -> Callable[[Source, list[LinkFix]], tuple[list[Edit], list[Outcome]]]:
    if kind == "html":
        from citecheck.fix.html import fix_html

        return fix_html
    if kind == "markdown":
        from citecheck.fix.markdown import fix_markdown

        return fix_markdown
    from citecheck.fix.text import fix_text

    return fix_text


def fix_document(name: str, data: bytes, kind: str, records: Sequence[AuditRecord], *,
                 run_id: int | None = None) -> FixResult:
    """Plan a fix for each record and make it in ``data`` (``kind``: html, markdown, text)."""
    if kind not in KINDS:
        raise InputError(f"{name}: cannot fix a {kind} document (html, markdown, text, docx)")
    fixes = [plan(r.verdict, r.support) for r in records]
    if kind == "docx":
        from citecheck.fix.docx import fix_docx

        fixed, docx_outcomes = fix_docx(name, data, fixes)
        return FixResult(name, kind, data, fixed, tuple(docx_outcomes), run_id)
    source = Source.decode(name, data)
    edits, outcomes = _editor(kind)(source, fixes)
    return FixResult(name, kind, data, source.apply(edits), tuple(outcomes), run_id)
