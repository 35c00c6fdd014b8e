"""What ``citecheck fix`` does to each citation's link, decided from its verdict.

:func:`plan` is the one decision: a verdict (and, when the audit measured it,
whether the claim is supported by the snapshot) in, a :class:`LinkFix` out.
The editors (``html``, ``markdown``, ``text``) only carry the plan out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from citecheck.models import Citation, Verdict, VerdictKind


class Action(str, Enum):
    ROBUST = "robust"  #: keep ``href``, add ``data-versionurl`` and ``data-versiondate``
    SNAPSHOT = "snapshot"  #: ``href`` becomes the snapshot; ``data-originalurl`` keeps the URL
    LEAVE = "leave"  #: unchanged, listed in what ``fix`` prints


@dataclass(frozen=True)
class LinkFix:
    """The change planned for one citation's link."""

    citation: Citation
    verdict: str
    action: Action
    url: str | None = None  #: the original URL cited (the hyperlink, or the one resolved)
    version_url: str | None = None  #: the snapshot's replay URL
    version_date: str | None = None  #: ISO: the cited date, else the snapshot's day
    reason: str = ""  #: kebab-case code: why this action
    explanation: str = ""

    @property
    def attributes(self) -> list[tuple[str, str]]:
        """The Robust Links attributes this fix gives a link, in order."""
        out: list[tuple[str, str]] = []
        if self.action is Action.ROBUST and self.version_url:
            out.append(("data-versionurl", self.version_url))
        if self.action is Action.SNAPSHOT and self.url:
            out.append(("data-originalurl", self.url))
        if self.action is not Action.LEAVE and self.version_date:
            out.append(("data-versiondate", self.version_date))
        return out

    @property
    def href(self) -> str | None:
        """What the link should point at."""
        return self.version_url if self.action is Action.SNAPSHOT else self.url


def _snapshot_day(timestamp: str | None) -> str | None:
    if timestamp and len(timestamp) >= 8 and timestamp[:8].isdigit():
        return f"{timestamp[:4]}-{timestamp[4:6]}-{timestamp[6:8]}"
    return None


def snapshot_supports(verdict: Verdict, support: Mapping[str, Any] | None) -> bool | None:
    """Whether the verdict's snapshot supports the citation: True, False, or None
    (not measured). Only a support measured on the snapshot copy says so."""
    if verdict.snapshot is None:
        return False
    if not support or support.get("copy") != "snapshot":
        return None
    label = support.get("label")
    if label == "not-supported":
        return False
    if label in ("supported", "weak"):
        return True
    return None


def plan(verdict: Verdict, support: Mapping[str, Any] | None = None) -> LinkFix:
    """The fix for one citation (see docs/fix.md for the table); ``support``
    defaults to the verdict's own claim support."""
    if support is None:
        own = getattr(verdict, "support", None)
        support = own.to_dict() if own is not None else None
    c = verdict.citation
    url = c.url or (verdict.urls[0] if verdict.urls else None)
    snap = verdict.snapshot
    date = verdict.corrected_date or c.date or _snapshot_day(snap.timestamp if snap else None)
    kind = verdict.verdict

    def make(action: Action, reason: str, explanation: str,
             version_url: str | None = None) -> LinkFix:
        return LinkFix(c, kind.value, action, url, version_url, date, reason, explanation)

    if url is None:
        return make(Action.LEAVE, "no-url", "no URL is known for this citation")
    supports = snapshot_supports(verdict, support)
    if kind is VerdictKind.VERIFIED:
        if snap is not None and supports is not False:
            return make(Action.ROBUST, "robust-link",
                        "verified: the link keeps its URL and gains its snapshot",
                        snap.archive_url)
        return make(Action.ROBUST, "no-snapshot", "verified, but no snapshot supports it: "
                                                  "only the date is added (try --archive-now)")
    if snap is not None and ((kind is VerdictKind.RESCUED and supports is not False)
                             or (kind is VerdictKind.DEAD and supports)):
        return make(Action.SNAPSHOT, "snapshot-link",
                    f"{kind.value}: the link points at the snapshot that supports it",
                    snap.archive_url)
    if kind in (VerdictKind.RESCUED, VerdictKind.DEAD):
        return make(Action.LEAVE, "no-supporting-snapshot",
                    f"{kind.value}: no snapshot supports the citation")
    return make(Action.LEAVE, kind.value, f"{kind.value}: left as it is, for a person to judge")
