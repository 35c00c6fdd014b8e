"""The plain-data input of every renderer: one audit run and its verdicts.

A :class:`RunReport` is built once (by the pipeline after an audit, or from the
database by ``citecheck report``) and handed unchanged to each renderer, so
the renderers never touch the network, the database or the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from citecheck import __version__
from citecheck.models import Severity, Verdict, VerdictKind


@dataclass(frozen=True)
class DocumentInfo:
    """One audited document: its name (path or URL as given) and publication date."""

    name: str
    published: str | None = None  #: ISO date
    title: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "published": self.published, "title": self.title}


@dataclass(frozen=True)
class Change:
    """One difference from an earlier run, as ``citecheck history`` finds it.

    ``kind`` is a stable kebab-case code (``newly-dead``, ``recovered``,
    ``newly-drifted``, ``newly-rescued``, ...); ``subject`` names what changed
    (a URL, a source or a citation); ``detail`` is an optional plain sentence.
    """

    kind: str
    subject: str
    document: str | None = None
    citation_id: str | None = None
    previous: str | None = None  #: verdict or status before
    current: str | None = None  #: verdict or status now
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "document": self.document,
            "citation_id": self.citation_id,
            "previous": self.previous,
            "current": self.current,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Summary:
    """Counts by verdict and by severity (every verdict and severity present, zeros too)."""

    total: int
    by_verdict: Mapping[str, int]
    by_severity: Mapping[str, int]
    documents: int
    urls: int

    @property
    def worst(self) -> Severity:
        """The highest severity present (``OK`` for an empty run)."""
        for severity in sorted(Severity, reverse=True):
            if self.by_severity.get(severity.name.lower(), 0):
                return severity
        return Severity.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_verdict": dict(self.by_verdict),
            "by_severity": dict(self.by_severity),
            "documents": self.documents,
            "urls": self.urls,
            "worst": self.worst.name.lower(),
        }


@dataclass(frozen=True)
class RunReport:
    """One audit run: when, with which options, on which documents, with which verdicts."""

    run_id: str
    started_at: str  #: ISO 8601 UTC
    finished_at: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)  #: what the run was asked to do
    documents: tuple[DocumentInfo, ...] = ()
    verdicts: tuple[Verdict, ...] = ()
    changes: tuple[Change, ...] | None = None  #: None: no earlier run to compare with
    tool_version: str = __version__
    #: (document, citation id) -> the AcceptEntry (citecheck.accept) accepting that finding
    accepted: Mapping[tuple[str, str], Any] = field(default_factory=dict)

    @classmethod
    def from_verdicts(
        cls,
        verdicts: Iterable[Verdict],
        *,
        run_id: str,
        started_at: str,
        finished_at: str | None = None,
        options: Mapping[str, Any] | None = None,
        documents: Iterable[DocumentInfo | tuple[str, str | None] | str] = (),
        changes: Iterable[Change] | None = None,
        accepted: Mapping[tuple[str, str], Any] | None = None,
    ) -> RunReport:
        """Build a report; documents not listed are added from the citations, in order."""
        verdicts = tuple(verdicts)
        docs: dict[str, DocumentInfo] = {}
        for doc in documents:
            if isinstance(doc, str):
                doc = DocumentInfo(doc)
            elif not isinstance(doc, DocumentInfo):
                doc = DocumentInfo(*doc)
            docs.setdefault(doc.name, doc)
        for verdict in verdicts:
            name = verdict.citation.document
            if name not in docs:
                docs[name] = DocumentInfo(name)
        return cls(
            run_id=run_id,
            started_at=started_at,
            finished_at=finished_at,
            options=dict(options or {}),
            documents=tuple(docs.values()),
            verdicts=verdicts,
            changes=None if changes is None else tuple(changes),
            accepted=dict(accepted or {}),
        )

    def summary(self) -> Summary:
        by_verdict = {kind.value: 0 for kind in VerdictKind}
        by_severity = {severity.name.lower(): 0 for severity in Severity}
        urls: set[str] = set()
        for verdict in self.verdicts:
            by_verdict[verdict.verdict.value] += 1
            by_severity[verdict.verdict.severity.name.lower()] += 1
            urls.update(verdict.urls)
        return Summary(
            total=len(self.verdicts),
            by_verdict=by_verdict,
            by_severity=by_severity,
            documents=len(self.documents),
            urls=len(urls),
        )

    def findings(self, fail_on: Severity = Severity.FAIL) -> list[Verdict]:
        """The verdicts at or above ``fail_on`` not accepted: non-empty means exit code 1."""
        return [v for v in self.verdicts
                if v.verdict.severity >= fail_on and self.acceptance(v) is None]

    def acceptance(self, verdict: Verdict) -> Any:
        """The AcceptEntry accepting this verdict's finding, or None."""
        if not self.accepted:
            return None
        return self.accepted.get((verdict.citation.document, verdict.citation.id))

    def accepted_count(self, severity: Severity) -> int:
        """How many accepted findings have this severity."""
        return sum(1 for v in self.verdicts
                   if v.verdict.severity is severity and self.acceptance(v) is not None)

    def run_dict(self) -> dict[str, Any]:
        """The ``run`` object of the JSON report."""
        return {
            "id": self.run_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "options": dict(self.options),
            "tool": "citecheck",
            "version": self.tool_version,
        }
