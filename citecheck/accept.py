"""Accepted findings: ``citecheck-accept.yaml``, the findings a person has reviewed.

An entry names a citation by document, source and date, or by URL, and the
verdict or the reason code it accepts, with who accepted it, why and an
optional expiry date::

    accepted:
      - document: briefs/ties.md       # optional: any document otherwise
        source: CSIS
        date: 2018-05-25               # the cited date, as normalised
        verdict: dead                  # or reason: http-404
        by: A. Analyst
        why: The page is gone; the claim is in the printed report.
        expires: 2027-06-30            # optional
      - url: https://tass.com/defense/997740
        reason: rate-limited
        by: A. Analyst
        why: TASS refuses bots; checked by hand.

A finding an entry matches is still reported, marked accepted, but does not
count towards the exit code. The match is on what was accepted: once the
verdict or the reason changes (a dead source comes back, a verified one dies,
another reason), the finding is news again. An expired entry matches nothing.
The file is validated like ``citations.yaml``: one line naming the file, the
line and the reason (:class:`~citecheck.errors.ConfigError`, exit code 2).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

import yaml

from citecheck.errors import ConfigError
from citecheck.models import Severity, Verdict, VerdictKind
from citecheck.registry import _Validator
from citecheck.urls import normalize_url

ACCEPT_FILE = "citecheck-accept.yaml"
_KEYS = ("document", "source", "date", "url", "verdict", "reason", "by", "why", "expires")
_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_VERDICTS = tuple(k.value for k in VerdictKind)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class AcceptEntry:
    """One reviewed finding."""

    by: str
    why: str
    document: str | None = None
    source: str | None = None
    date: str | None = None  #: ISO at the cited precision
    url: str | None = None
    verdict: str | None = None  #: the verdict accepted, or
    reason: str | None = None  #: the reason code accepted
    expires: str | None = None  #: ISO date: the last day it holds
    line: int | None = None  #: where it stands in the file
    file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (*_KEYS, "file", "line")}

    def yaml_dict(self) -> dict[str, Any]:
        """The entry as written to the file (no empty keys, no place)."""
        return {k: getattr(self, k) for k in _KEYS if getattr(self, k) is not None}

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today.isoformat() > self.expires

    def _same_document(self, name: str) -> bool:
        if self.document is None:
            return True
        if self.document == name:
            return True
        if name.startswith(("http://", "https://")) or self.document.startswith("http"):
            return normalize_url(self.document) == normalize_url(name) \
                if name.startswith("http") and self.document.startswith("http") else False
        base = Path(self.file).parent if self.file else Path(".")
        for candidate in (base / self.document, Path(self.document)):
            try:
                if os.path.samefile(candidate, name):
                    return True
            except OSError:
                pass
        wanted = PurePath(self.document).parts
        return PurePath(name).parts[-len(wanted):] == wanted

    def names(self, verdict: Verdict) -> bool:
        """The entry names this citation (whatever its verdict)."""
        c = verdict.citation
        if not self._same_document(c.document):
            return False
        if self.url is not None:
            wanted = normalize_url(self.url)
            if not any(u and normalize_url(u) == wanted for u in (c.url, *verdict.urls)):
                return False
        if self.source is not None and _fold(self.source) not in (
                _fold(c.source), _fold(c.source_key or "")):
            return False
        return self.date is None or self.date == c.date

    def matches(self, verdict: Verdict, today: dt.date) -> bool:
        """The entry accepts this verdict as it is now."""
        if self.expired(today) or not self.names(verdict):
            return False
        if self.verdict is not None and verdict.verdict.value != self.verdict:
            return False
        return self.reason is None or self.reason in verdict.reasons


@dataclass(frozen=True)
class AcceptList:
    entries: tuple[AcceptEntry, ...] = ()
    path: str | None = None

    def __len__(self) -> int:
        return len(self.entries)

    def match(self, verdict: Verdict, today: dt.date | None = None) -> AcceptEntry | None:
        """The first entry that accepts ``verdict``, if any (an OK verdict needs none)."""
        if verdict.verdict.severity is Severity.OK:
            return None
        today = today or dt.date.today()
        return next((e for e in self.entries if e.matches(verdict, today)), None)

    def accepted(self, verdicts: Iterable[Verdict],
                 today: dt.date | None = None) -> dict[tuple[str, str], AcceptEntry]:
        """(document, citation id) -> the entry accepting it, for every accepted verdict."""
        out = {}
        for verdict in verdicts:
            entry = self.match(verdict, today)
            if entry is not None:
                out[(verdict.citation.document, verdict.citation.id)] = entry
        return out


# ------------------------------------------------------------------ loading


class _AcceptValidator(_Validator):
    """The registry's validator (same messages, same safe loading) for this file."""

    def load(self, text: str) -> tuple[AcceptList, yaml.Node | None]:
        try:
            return self._load(text)
        finally:
            self.loader.dispose()

    def _load(self, text: str) -> tuple[AcceptList, yaml.Node | None]:
        root = self.compose(text)
        if root is None:
            return AcceptList(path=self.name), None
        self.refuse_unsafe_tags(root)
        sections = {key: value for key, _, value in self.mapping(root, "the accept file")}
        unknown = sorted(set(sections) - {"accepted"})
        if unknown:
            raise self.fail(root, f"unknown section {unknown[0]!r} (expected: accepted)")
        node = sections.get("accepted")
        entries = tuple(self.entry(n) for n in self.sequence(node, "accepted")) if node else ()
        return AcceptList(entries, self.name), node

    def entry(self, node: yaml.Node) -> AcceptEntry:
        fields = {k: (kn, v) for k, kn, v in self.mapping(node, "an accepted finding")}
        for key, (key_node, _v) in fields.items():
            if key not in _KEYS:
                raise self.fail(key_node, f"unknown key {key!r} (expected one of: "
                                          f"{', '.join(_KEYS)})")
        values: dict[str, Any] = {}
        for key in ("document", "source", "url", "verdict", "reason", "by", "why"):
            if key in fields:
                values[key] = self.string(fields[key][1], key)
        if "date" in fields:
            values["date"] = self.date(fields["date"][1], "date")
        if "expires" in fields:
            values["expires"] = self.date(fields["expires"][1], "expires", full=True)
        for key in ("by", "why"):
            if key not in values:
                raise self.fail(node, f"an accepted finding needs {key!r} (who accepted it "
                                      "and why)")
        if "url" not in values and "source" not in values:
            raise self.fail(node, "an accepted finding needs a 'source' (with its 'date') "
                                  "or a 'url'")
        if "verdict" not in values and "reason" not in values:
            raise self.fail(node, "an accepted finding needs the 'verdict' or the 'reason' "
                                  "it accepts")
        if values.get("verdict") is not None and values["verdict"] not in _VERDICTS:
            raise self.fail(fields["verdict"][1], f"verdict {values['verdict']!r} is not one "
                                                  f"of {', '.join(_VERDICTS)}")
        if values.get("reason") is not None and not _CODE.match(values["reason"]):
            raise self.fail(fields["reason"][1], f"reason {values['reason']!r} is not a "
                                                 "kebab-case code such as http-404")
        return AcceptEntry(**values, line=node.start_mark.line + 1, file=self.name)


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except IsADirectoryError:
        raise ConfigError(path, "is a directory, not a YAML file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(path, exc.strerror or str(exc)) from None


def load_accept(path: str) -> AcceptList:
    """Load and validate an accept file; every problem names the file and the line."""
    if not os.path.exists(path):
        raise ConfigError(path, "no such file")
    return _AcceptValidator(path).load(_read(path))[0]


def find_accept(path: str | None) -> AcceptList:
    """``path`` if given (it must exist), else ``./citecheck-accept.yaml`` if present."""
    if path:
        return load_accept(path)
    if os.path.exists(ACCEPT_FILE):
        return load_accept(ACCEPT_FILE)
    return AcceptList()


# ------------------------------------------------------------------ writing


def entries_for(
    verdicts: Sequence[Verdict],
    *,
    by: str,
    why: str,
    fail_on: Severity = Severity.FAIL,
    reason_code: str | None = None,
    expires: str | None = None,
    existing: AcceptList | None = None,
    today: dt.date | None = None,
) -> list[AcceptEntry]:
    """An entry for each finding of ``verdicts`` (at or above ``fail_on``; with
    ``reason_code``, only those with that reason, accepting the reason) that no
    entry accepts yet. A citation with a source and a date is named by document,
    source and date; one without, by its URL."""
    existing = existing or AcceptList()
    out: list[AcceptEntry] = []
    seen: set[tuple[Any, ...]] = set()
    for v in verdicts:
        c = v.citation
        if v.verdict.severity < max(fail_on, Severity.WARN):
            continue
        if reason_code is not None and reason_code not in v.reasons:
            continue
        if existing.match(v, today) is not None:
            continue
        accepted: dict[str, str] = (
            {"reason": reason_code} if reason_code else {"verdict": v.verdict.value})
        url = c.url or (v.urls[0] if v.urls else None)
        if c.source and (c.date or not url):
            named: dict[str, Any] = {"document": c.document, "source": c.source, "date": c.date}
        else:
            named = {"document": c.document, "url": url}
        key = tuple(sorted({**named, **accepted}.items()))
        if key in seen:
            continue
        seen.add(key)
        out.append(AcceptEntry(
            by=by, why=why, expires=expires, document=named.get("document"),
            source=named.get("source"), date=named.get("date"), url=named.get("url"),
            verdict=accepted.get("verdict"), reason=accepted.get("reason")))
    return out


def write_entries(path: str, entries: Sequence[AcceptEntry]) -> int:
    """Append ``entries`` to the accept file at ``path`` (created if missing); the
    bytes already there are kept. Returns how many were written."""
    if not entries:
        return 0
    text = _read(path) if os.path.exists(path) else ""
    validator = _AcceptValidator(path)
    _list, node = validator.load(text)
    if node is not None and (getattr(node, "flow_style", False) or (
            isinstance(node, yaml.SequenceNode) and not node.value and "[]" in text)):
        raise ConfigError(path, "'accepted' is written inline ([...]): write it as a "
                                "block list to add entries", node.start_mark.line + 1)
    if text.strip() and node is None and "accepted:" not in text:
        text = text.rstrip("\n") + "\naccepted:\n"
    elif not text.strip():
        text = ("# Findings reviewed by a person: citecheck reports them as accepted and\n"
                "# they do not fail the run until they change. See docs/ci.md.\n"
                "accepted:\n")
    indent = 2
    if isinstance(node, yaml.SequenceNode) and node.value:
        indent = node.value[0].start_mark.column - 2
        if node.end_mark.line < text.count("\n") and _after(text, node):
            raise ConfigError(path, "'accepted' must be the last section to add entries",
                              node.start_mark.line + 1)
    dumped = yaml.safe_dump([e.yaml_dict() for e in entries], sort_keys=False,
                            allow_unicode=True, default_flow_style=False, width=88)
    pad = " " * max(indent, 0)
    block = "".join(pad + line if line.strip() else line
                    for line in dumped.splitlines(keepends=True))
    new = (text if text.endswith("\n") else text + "\n") + block
    _AcceptValidator(path).load(new)  # what we write reads back
    Path(path).write_text(new, encoding="utf-8")
    return len(entries)


def _after(text: str, node: yaml.Node) -> bool:
    """Anything but blank lines and comments after ``node``."""
    rest = text.split("\n")[node.end_mark.line + 1:]
    return any(line.strip() and not line.lstrip().startswith("#") for line in rest)
