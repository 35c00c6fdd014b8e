"""CDX answers in the dialects Wayback-compatible archives speak, parsed to rows.

- The Internet Archive's ``output=json``: an array of arrays whose first row
  names the fields (``urlkey, timestamp, original, mimetype, statuscode,
  digest, length``); an empty row may be followed by a resume key.
- pywb's ``output=json``: one JSON object per line with its own names
  (``url``, ``mime``, ``status``, ...) and ``is_fuzzy`` on fuzzy matches.
- Plain text: the Internet Archive's space-separated seven fields, or pywb's
  CDXJ (``urlkey timestamp {json}``).

Anything else (an HTML error page, truncated JSON, rows without a 14-digit
timestamp) raises :class:`CdxParseError`: the archive answered garbage, which
is *not* the same as "no snapshot". One odd row does not spoil the answer: a
row whose timestamp has month or day ``00`` (the Internet Archive lists a few)
is skipped and counted in :attr:`CdxPage.skipped`, the others are kept.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from waybackpy.cdx_snapshot import CDXSnapshot

#: The Internet Archive's default field order (plain text and JSON header row).
IA_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")

#: pywb / other names -> the Internet Archive's names
_ALIASES = {
    "url": "original",
    "mime": "mimetype",
    "status": "statuscode",
}

_TIMESTAMP = re.compile(r"^\d{4,14}$")

log = logging.getLogger(__name__)


class CdxParseError(ValueError):
    """The CDX endpoint answered something that is not a CDX result."""


class _ZeroDate(CdxParseError):
    """A row dated month or day ``00``: skipped, not garbage."""


@dataclass(frozen=True)
class CdxRow:
    """One capture as listed by a CDX endpoint, in the Internet Archive's terms."""

    urlkey: str
    timestamp: str  #: 14 digits (shorter ones are right-padded with zeros)
    original: str
    mimetype: str | None = None
    status: int | None = None  #: None for revisits and '-' rows
    digest: str | None = None
    length: int | None = None
    fuzzy: bool = False


@dataclass(frozen=True)
class CdxPage:
    """One CDX answer: its rows, the resume key that continues it, the rows skipped."""

    rows: list[CdxRow] = field(default_factory=list)
    resume_key: str | None = None  #: ``showResumeKey=true``: where the next page starts
    skipped: tuple[str, ...] = ()  #: timestamps of rows dated month/day ``00``


def parse_cdx(body: bytes | str) -> list[CdxRow]:
    """Rows of a CDX answer in any supported dialect; ``[]`` for an empty answer."""
    return parse_cdx_page(body).rows


def parse_cdx_page(body: bytes | str) -> CdxPage:
    """A CDX answer with its resume key and the rows it had to skip (logged)."""
    page = _parse_page(body)
    if page.skipped:
        log.warning(
            "CDX answer: skipped %d row(s) dated month or day 00 (%s), kept %d",
            len(page.skipped), ", ".join(page.skipped[:5]), len(page.rows),
        )
    return page


def _parse_page(body: bytes | str) -> CdxPage:
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CdxParseError("CDX answer is not UTF-8") from exc
    else:
        text = body
    text = text.strip().lstrip("\ufeff")
    if not text:
        return CdxPage()
    if text.startswith("["):
        return _parse_ia_json(text)
    if text.startswith("{"):
        return _collect(_object_lines(text))
    if text.startswith("<"):
        raise CdxParseError("CDX endpoint answered markup, not CDX")
    return _plain(text)


def _collect(fields: Iterable[dict[str, str]], resume_key: str | None = None) -> CdxPage:
    rows, skipped = [], []
    for one in fields:
        try:
            rows.append(_row(one))
        except _ZeroDate as exc:
            skipped.append(str(exc))
    return CdxPage(rows, resume_key, tuple(skipped))


def _parse_ia_json(text: str) -> CdxPage:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CdxParseError(f"CDX JSON does not parse: {exc}") from exc
    if not isinstance(data, list) or not all(isinstance(row, list) for row in data):
        raise CdxParseError("CDX JSON is not an array of arrays")
    if not data:
        return CdxPage()
    header = [str(name) for name in data[0]]
    if "timestamp" not in header or not ({"original", "url"} & set(header)):
        raise CdxParseError("CDX JSON header row lacks timestamp/original")
    records, resume_key = [], None
    for i, raw in enumerate(data[1:], start=1):
        if not raw:  # an empty row separates the resume key (showResumeKey)
            rest = data[i + 1 : i + 2]
            if rest and rest[0]:
                resume_key = str(rest[0][0])
            break
        if len(raw) != len(header):
            raise CdxParseError(f"CDX row has {len(raw)} fields, header has {len(header)}")
        records.append({name: str(value) for name, value in zip(header, raw, strict=True)})
    return _collect(records, resume_key)


def _object_lines(text: str) -> list[dict[str, str]]:
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise CdxParseError(f"CDX JSON line does not parse: {exc}") from exc
        if not isinstance(obj, dict):
            raise CdxParseError("CDX JSON line is not an object")
        rows.append({k: str(v) for k, v in obj.items()})
    return rows


def _plain(text: str) -> CdxPage:
    rows: list[dict[str, str]] = []
    lines = text.splitlines()
    resume_key = None
    for i, line in enumerate(lines):
        line = line.strip()
        if not line:
            rest = [r.strip() for r in lines[i + 1 :] if r.strip()]
            if rest and len(rest) == 1 and " " not in rest[0]:  # showResumeKey: one key
                resume_key = rest[0]
                break
            continue
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[2].startswith("{"):  # CDXJ: urlkey timestamp {json}
            try:
                obj = json.loads(parts[2])
            except ValueError as exc:
                raise CdxParseError(f"CDXJ line does not parse: {exc}") from exc
            if not isinstance(obj, dict):
                raise CdxParseError("CDXJ line has no JSON object")
            obj = {k: str(v) for k, v in obj.items()}
            obj.update(urlkey=parts[0], timestamp=parts[1])
            rows.append(obj)
            continue
        fields = line.split()
        if len(fields) < len(IA_FIELDS):
            raise CdxParseError(f"CDX line has {len(fields)} fields: {line[:80]!r}")
        rows.append(dict(zip(IA_FIELDS, fields[: len(IA_FIELDS)], strict=True)))
    return _collect(rows, resume_key)


def _row(fields: dict[str, str]) -> CdxRow:
    """Normalise one row's field names and values; garbage raises CdxParseError."""
    props = {_ALIASES.get(k, k): v for k, v in fields.items()}
    timestamp = props.get("timestamp", "")
    original = props.get("original", "")
    if not _TIMESTAMP.match(timestamp):
        raise CdxParseError(f"CDX row has no valid timestamp: {timestamp[:40]!r}")
    if not urlsplit(original).netloc and "." not in original.split("/")[0]:
        raise CdxParseError(f"CDX row has no URL: {original[:80]!r}")
    if len(timestamp) < 8:  # a year or a month alone: its first day
        timestamp += "0101"[len(timestamp) - 4 :]
    if timestamp[4:6] == "00" or timestamp[6:8] == "00":
        raise _ZeroDate(timestamp)
    props["timestamp"] = timestamp.ljust(14, "0")
    snap = _as_waybackpy(props)
    return CdxRow(
        urlkey=snap.urlkey,
        timestamp=snap.timestamp,
        original=snap.original,
        mimetype=_opt(snap.mimetype),
        status=_int(snap.statuscode),
        digest=_opt(snap.digest),
        length=_int(snap.length),
        fuzzy=props.get("is_fuzzy", "") in ("1", "true", "True"),
    )


def _as_waybackpy(props: dict[str, str]) -> CDXSnapshot:
    """waybackpy's record of a CDX line; it also validates the timestamp."""
    # imported here: waybackpy loads requests, which only a fetched CDX answer needs
    from waybackpy.cdx_snapshot import CDXSnapshot

    full: dict[str, Any] = {name: props.get(name, "-") for name in IA_FIELDS}
    try:
        return CDXSnapshot(full)
    except ValueError as exc:
        raise CdxParseError(f"CDX row timestamp is not a date: {props['timestamp']}") from exc


def _opt(value: str) -> str | None:
    return None if value in ("", "-", "None") else value


def _int(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
