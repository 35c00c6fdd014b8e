"""``citecheck check``: plain link checking of a URL list.

Each unique URL (after normalisation) gets a live status and, unless the
archive is off, the closest snapshot. The JSON shape is one entry per URL
under ``urls``, each with ``live`` and ``snapshot`` as in ``audit --json``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from citecheck.errors import NO_SUCH_FILE, ExitCode, InputError
from citecheck.live import Fetcher, now_iso
from citecheck.models import ArchiveLookup, LiveResult, LiveStatus, LookupStatus, Severity
from citecheck.runner import all_refused, check_urls, detect_offline, run_pool
from citecheck.urls import host_of, normalize_url

#: the JSON of ``to_json``: as ``json.dumps(value, ensure_ascii=False)``
_ENCODER = json.JSONEncoder(ensure_ascii=False)

#: what each live status means for a CI job (``--fail-on``)
STATUS_SEVERITY = {
    LiveStatus.OK: Severity.OK,
    LiveStatus.REDIRECTED: Severity.OK,
    LiveStatus.MOVED: Severity.OK,
    LiveStatus.DEAD: Severity.FAIL,
    LiveStatus.BLOCKED: Severity.WARN,
    LiveStatus.ERROR: Severity.WARN,
    LiveStatus.SKIPPED: Severity.WARN,
}


class Archive(Protocol):
    archive_url: str

    def lookup(self, url: str, cited_date: str | None, published: str | None,
               window_days: int = ...) -> ArchiveLookup: ...


def read_url_list(source: str) -> list[str]:
    """URLs from a file (or ``-`` for stdin): one whole line each; blanks and ``#``
    comments (a line of its own, or after the URL) skipped; any other line that is
    not one URL is an :class:`InputError` naming the file and the line."""
    try:
        if source == "-":
            text = sys.stdin.read()
        else:
            path = Path(source)
            if path.is_dir():
                raise InputError(f"{source}: is a directory, not a list of URLs")
            text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{source}: {NO_SUCH_FILE}") from None
    except UnicodeDecodeError:
        raise InputError(f"{source}: not a UTF-8 text file") from None
    except OSError as exc:
        raise InputError(f"{source}: {exc.strerror or exc}") from None
    name = "stdin" if source == "-" else source
    urls = []
    for number, line in enumerate(text.splitlines(), 1):
        # the whole line is the URL, but for a comment after it ("URL  # note")
        line = _TRAILING_COMMENT.sub("", line).strip()
        if not line or line.startswith("#"):
            continue
        # (the line is stripped: whitespace inside splits it, one test in C, not a
        # generator step per character)
        if not _looks_like_url(line) or len(line.split()) != 1:
            raise InputError(f"{name}:{number}: {line!r} is not a URL "
                             "(one http:// or https:// URL per line)")
        urls.append(line)
    return urls


#: a comment after a URL: whitespace then "#" (a URL's own "#fragment" has no space)
_TRAILING_COMMENT = re.compile(r"\s+#.*$")


def _looks_like_url(text: str) -> bool:
    return "://" in text or text.lower().startswith(("mailto:", "javascript:"))


def validate_urls(urls: Iterable[str]) -> list[str]:
    """The URLs as given; something that is not a URL at all is a usage error."""
    out = []
    for url in urls:
        if not _looks_like_url(url):
            raise InputError(f"{url}: not a URL (expected http:// or https://)")
        out.append(url)
    return out


@dataclass(frozen=True)
class UrlReport:
    """One unique URL: how it was written, its live result and its snapshot."""

    url: str  #: normalised
    inputs: tuple[str, ...]  #: as given (several spellings may normalise alike)
    live: LiveResult
    lookup: ArchiveLookup | None = None

    @property
    def severity(self) -> Severity:
        return STATUS_SEVERITY[self.live.status]

    @property
    def archive_error(self) -> str | None:
        """Why the archive could not be asked about this URL; None if it answered."""
        if self.lookup is None or self.lookup.status is not LookupStatus.ERROR:
            return None
        return self.lookup.error or "error"

    def to_dict(self) -> dict[str, Any]:
        snap = self.lookup.snapshot if self.lookup else None
        return {
            "url": self.url,
            "inputs": list(self.inputs),
            "status": self.live.status.value,
            "severity": self.severity.name.lower(),
            "reasons": list(self.live.reasons),
            "live": self.live.to_dict(),
            "snapshot": snap.to_dict() if snap else None,
            "archive": None if self.lookup is None else {
                "status": self.lookup.status.value, "error": self.lookup.error},
        }


@dataclass(frozen=True)
class CheckRun:
    urls: tuple[UrlReport, ...]
    offline: bool
    started_at: str
    finished_at: str
    archive_url: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        by_status = {s.value: 0 for s in LiveStatus}
        by_severity = {s.name.lower(): 0 for s in Severity}
        for item in self.urls:
            by_status[item.live.status.value] += 1
            by_severity[item.severity.name.lower()] += 1
        snapshots = sum(1 for u in self.urls if u.lookup and u.lookup.snapshot)
        return {"total": len(self.urls), "by_status": by_status, "by_severity": by_severity,
                "snapshots": snapshots, "offline": self.offline, **self.stats}

    @property
    def all_refused(self) -> bool:
        """Every URL was refused by policy (private addresses): nothing was checked."""
        return all_refused([item.live for item in self.urls])

    def exit_code(self, fail_on: Severity) -> ExitCode:
        if any(item.severity >= fail_on for item in self.urls):
            return ExitCode.FINDINGS
        return ExitCode.OK

    def to_json(self) -> str:
        """The JSON document, one URL entry per line (readable, and fast to write:
        ``json.dumps(indent=...)`` falls back to the pure-Python encoder)."""
        data = self.to_dict()
        # one encoder for every entry: json.dumps(ensure_ascii=False) builds a new one
        # per call, a third of the cost of a small entry
        encode = _ENCODER.encode
        entries = ",\n".join(map(encode, data["urls"]))
        return (
            "{\n"
            f'"run": {encode(data["run"])},\n'
            f'"urls": [\n{entries}\n],\n'
            f'"summary": {encode(data["summary"])}\n'
            "}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": {"command": "check", "started_at": self.started_at,
                    "finished_at": self.finished_at, "archive_url": self.archive_url},
            "urls": [item.to_dict() for item in self.urls],
            "summary": self.summary(),
        }


def run_check(
    urls: list[str],
    client: Fetcher,
    *,
    concurrency: int = 32,
    per_host: int = 2,
    cache: Any = None,
    max_age: float | None = None,
    archive: Archive | None = None,
    archive_concurrency: int = 4,
    on_result: Callable[[LiveResult], None] | None = None,
    on_lookup: Callable[[ArchiveLookup], None] | None = None,
    on_stage: Callable[[str, int], None] | None = None,
    soft404_probe: bool = True,
) -> CheckRun:
    """Check every unique URL live, then ask the archive about each (unless offline)."""
    started = now_iso()
    inputs: dict[str, list[str]] = {}
    for url in urls:
        inputs.setdefault(normalize_url(url), []).append(url)
    results = check_urls(list(inputs), client, concurrency=concurrency, per_host=per_host,
                         cache=cache, max_age=max_age, on_result=on_result,
                         keep_body=False, soft404_probe=soft404_probe)
    offline = bool(results) and detect_offline(list(results.values()))
    lookups: dict[str, ArchiveLookup] = {}
    if archive is not None and not offline:
        if on_stage is not None:
            on_stage("archive", len(results))
        archive_host = host_of(archive.archive_url)

        def one(url: str) -> ArchiveLookup:
            try:
                return archive.lookup(url, None, None)
            except Exception as exc:  # "could not ask" is data, not a crash
                return ArchiveLookup(url, LookupStatus.ERROR, error=f"{type(exc).__name__}: {exc}")

        for url, lookup in run_pool(list(results), one, concurrency=archive_concurrency,
                                    per_host=archive_concurrency, host_of=lambda _u: archive_host):
            lookups[url] = lookup
            if on_lookup is not None:
                on_lookup(lookup)
    reports = tuple(
        UrlReport(url, tuple(inputs.get(url, [url])), live, lookups.get(url))
        for url, live in results.items()
    )
    cached = sum(1 for r in results.values() if r.from_cache)
    return CheckRun(reports, offline, started, now_iso(),
                    archive.archive_url if archive is not None else None,
                    {"from_cache": cached})


def text_lines(run: CheckRun) -> list[str]:
    """One human line per URL: status, code, URL, final URL, reasons, snapshot."""
    lines = []
    for item in run.urls:
        live = item.live
        code = str(live.status_code) if live.status_code is not None else "-"
        line = f"{live.status.value:<10} {code:>3}  {item.url}"
        if live.final_url and live.final_url != item.url:
            line += f" -> {live.final_url}"
        if live.reasons:
            line += f"  [{', '.join(live.reasons)}]"
        if live.from_cache:
            line += "  (cached)"
        if item.lookup is not None and item.lookup.snapshot is not None:
            line += f"  snapshot {item.lookup.snapshot.archive_url}"
        elif item.archive_error is not None:
            line += f"  (archive could not be asked: {item.archive_error})"
        lines.append(line)
    return lines


def summary_text(run: CheckRun) -> str:
    s = run.summary()
    counts = ", ".join(f"{n} {k}" for k, n in s["by_status"].items() if n)
    text = f"{s['total']} URLs: {counts or 'none'}"
    if s.get("from_cache"):
        text += f" ({s['from_cache']} from cache)"
    if run.archive_url is not None:
        text += f"; {s['snapshots']} with a snapshot"
        errors = sum(1 for u in run.urls if u.archive_error is not None)
        if errors:
            text += f"; the archive could not be asked for {errors}"
    return text
