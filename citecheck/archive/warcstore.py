"""The local evidence archive: every response fetched in a run, as WARC records.

One gzipped WARC file per run under the archive directory (``--archive-dir``,
default ``archive/``), starting with a ``warcinfo`` record; each fetched
response becomes a ``response`` record (status line, headers and body as
received) followed by its ``request`` record. Files pass ``warcio check`` and
can be added to a pywb collection with ``wb-manager add`` and replayed.

The bytes are the raw ones when the HTTP client kept them
(:attr:`FetchResult.raw_body`, still content-encoded); otherwise the decoded
body, with ``Content-Encoding`` dropped. ``Transfer-Encoding`` is always
dropped (the body is stored de-chunked) and ``Content-Length`` set to the
stored length.

:func:`iter_evidence` and :func:`read_evidence` read it back (``citecheck
archive list`` / ``show``) without the database.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from citecheck import __version__
from citecheck.errors import RunError
from citecheck.http import DEFAULT_USER_AGENT, FetchResult

#: Wayback replay URLs: ROOT/<timestamp><modifier>/<original url>
_REPLAY = re.compile(r"/\d{14}[a-z]{0,2}_?/(https?://.+)$", re.IGNORECASE)
#: headers that describe the transfer, not the stored bytes
_HOP_HEADERS = {"transfer-encoding", "content-length"}


@dataclass(frozen=True)
class EvidenceRecord:
    """Where one fetched response is kept: file, byte offset and length of its record."""

    warc_file: str  #: path of the WARC file (archive dir joined with its name)
    offset: int  #: byte offset of the (gzipped) response record in the file
    length: int  #: length of the gzipped record in bytes
    url: str  #: URL asked for (the WARC record's target is the final URL)
    digest: str  #: WARC-Payload-Digest, ``sha1:BASE32``
    recorded_at: str  #: ISO 8601 UTC, the record's WARC-Date
    target_uri: str = ""  #: final URL after redirects
    status_code: int | None = None
    content_type: str | None = None
    record_id: str = ""

    @property
    def ref(self) -> str:
        """``file#offset``: how reports point at it."""
        return f"{self.warc_file}#{self.offset}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class WarcStore:
    """Writes a run's evidence to ``ARCHIVE_DIR/citecheck-run<ID>-<time>.warc.gz``.

    Thread-safe; the file is created on the first write. ``records`` lists
    what was written, in order.
    """

    def __init__(
        self,
        archive_dir: str | Path,
        run_id: int | str,
        *,
        clock: Any = _now,
        started: datetime | None = None,
    ) -> None:
        """``started``: the time in the file's name (default: now)."""
        self.archive_dir = Path(archive_dir)
        self.run_id = run_id
        self._clock = clock
        if started is None:
            started = clock()
        self.path = self.archive_dir / f"citecheck-run{run_id}-{started:%Y%m%d%H%M%S}.warc.gz"
        self._lock = threading.Lock()
        self._fh: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        self.records: list[EvidenceRecord] = []

    # ------------------------------------------------------------ lifecycle

    def _open(self) -> WARCWriter:
        if self._writer is None:
            self.archive_dir.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "ab")  # noqa: SIM115 - closed in close()
            self._fh.seek(0, io.SEEK_END)
            self._writer = WARCWriter(self._fh, gzip=True)
            if self._fh.tell() == 0:
                info = self._writer.create_warcinfo_record(
                    self.path.name,
                    {
                        "software": f"citecheck/{__version__}",
                        "format": "WARC File Format 1.0",
                        "description": f"citecheck evidence of run {self.run_id}",
                    },
                )
                self._writer.write_record(info)
        return self._writer

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
            self._fh = None
            self._writer = None

    def __enter__(self) -> WarcStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --------------------------------------------------------------- write

    def write(self, result: FetchResult) -> EvidenceRecord | None:
        """Record one fetch as response + request records; ``None`` if nothing was received.

        Raises :class:`RunError` when the file cannot be written (a folder that
        cannot be made or written, a full disk): the run cannot keep its evidence.
        """
        if result.status_code is None:
            return None
        try:
            return self._write(result)
        except OSError as exc:
            raise RunError(
                f"{self.archive_dir}: cannot write the evidence: {exc.strerror or exc}"
            ) from exc

    def _write(self, result: FetchResult) -> EvidenceRecord:
        moment = self._clock()
        date = _iso(moment)
        payload, http_headers = _response_parts(result)
        target = result.final_url or result.url
        with self._lock:
            writer = self._open()
            assert self._fh is not None
            response = writer.create_warc_record(
                target,
                "response",
                payload=io.BytesIO(payload),
                length=len(payload),
                http_headers=http_headers,
                warc_headers_dict=_warc_headers(result, date),
            )
            record_id = response.rec_headers.get_header("WARC-Record-ID")
            request = writer.create_warc_record(
                target,
                "request",
                payload=io.BytesIO(b""),
                http_headers=_request_headers(target),
                warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
            )
            offset = self._fh.tell()
            writer.write_record(response)
            length = self._fh.tell() - offset
            writer.write_record(request)
            self._fh.flush()
            record = EvidenceRecord(
                warc_file=str(self.path),
                offset=offset,
                length=length,
                url=result.url,
                digest=response.rec_headers.get_header("WARC-Payload-Digest") or "",
                recorded_at=date,
                target_uri=target,
                status_code=result.status_code,
                content_type=result.content_type,
                record_id=record_id or "",
            )
            self.records.append(record)
        return record


def _response_parts(result: FetchResult) -> tuple[bytes, StatusAndHeaders]:
    """The stored body and its HTTP headers, consistent with each other."""
    raw = result.raw_body is not None
    payload = result.raw_body if result.raw_body is not None else result.body
    source = list(result.raw_headers) or list(result.headers.items())
    headers = []
    for name, value in source:
        lower = name.lower()
        if lower in _HOP_HEADERS or (lower == "content-encoding" and not raw):
            continue
        headers.append((name, value))
    headers.append(("Content-Length", str(len(payload))))
    status = result.status_code or 0
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    protocol = result.http_version or "HTTP/1.1"
    return payload, StatusAndHeaders(f"{status} {reason}", headers, protocol=protocol)


def _warc_headers(result: FetchResult, date: str) -> dict[str, str]:
    headers = {"WARC-Date": date}
    if result.address:
        headers["WARC-IP-Address"] = result.address
    if result.truncated:
        headers["WARC-Truncated"] = "length"
    elif result.error:  # the body stopped early: deadline or a dropped connection
        headers["WARC-Truncated"] = "time" if result.error == "timeout" else "disconnect"
    if result.url != (result.final_url or result.url):
        headers["WARC-Citecheck-Requested-URI"] = result.url
    return headers


def _request_headers(url: str) -> StatusAndHeaders:
    """The request as the HTTP client sends it (its headers are not kept, so rebuilt)."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return StatusAndHeaders(
        f"GET {target} HTTP/1.1",
        [("Host", parts.netloc), ("User-Agent", DEFAULT_USER_AGENT),
         ("Accept-Encoding", "gzip, deflate")],
        is_http_request=True,
    )


# ---------------------------------------------------------------- reading


def warc_files(archive_dir: str | Path) -> list[Path]:
    """The WARC files of an evidence archive, oldest name first."""
    root = Path(archive_dir)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.name.endswith((".warc.gz", ".warc")))


def iter_evidence(archive_dir: str | Path) -> Iterator[EvidenceRecord]:
    """Every response record in the archive directory's WARC files."""
    for path in warc_files(archive_dir):
        yield from _iter_file(path)


def _iter_file(path: Path) -> Iterator[EvidenceRecord]:
    with open(path, "rb") as fh:
        records = ArchiveIterator(fh)
        for rec in records:
            if rec.rec_type != "response":
                continue
            offset = records.get_record_offset()
            records.read_to_end(rec)
            yield _record_of(rec, path, offset, records.get_record_length())


def records_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[EvidenceRecord]:
    """Evidence records from the database index (url, time, digest, warc_file, offset)."""
    return [
        EvidenceRecord(
            warc_file=str(row["warc_file"]),
            offset=int(row["offset"]),
            length=int(row.get("length") or 0),
            url=str(row["url"]),
            digest=str(row.get("digest") or ""),
            recorded_at=str(row.get("time") or row.get("recorded_at") or ""),
            target_uri=str(row.get("target_uri") or ""),
        )
        for row in rows
    ]


def with_stored_headers(
    records: Iterable[EvidenceRecord], archive_dir: str | Path
) -> list[EvidenceRecord]:
    """Records from the database's index completed from their WARC records: status
    code and content type (the index keeps neither). A record whose file is gone
    keeps what the index had."""
    out = []
    handles: dict[Path, BinaryIO] = {}
    try:
        for record in records:
            if record.status_code is not None:
                out.append(record)
                continue
            path = locate(record.warc_file, archive_dir)
            try:
                fh = handles.get(path)
                if fh is None:
                    fh = handles[path] = open(path, "rb")  # noqa: SIM115 - closed below
                fh.seek(record.offset)
                rec = next(iter(ArchiveIterator(fh)))
                stored = _record_of(rec, path, record.offset, record.length)
            except (OSError, StopIteration, ValueError):
                out.append(record)
                continue
            out.append(replace(record, status_code=stored.status_code,
                               content_type=stored.content_type,
                               target_uri=record.target_uri or stored.target_uri))
    finally:
        for fh in handles.values():
            fh.close()
    return out


def find_evidence(records: Iterable[EvidenceRecord], url: str) -> list[EvidenceRecord]:
    """The records of ``url`` (asked, final, or archived original), newest first."""
    from citecheck.archive.client import url_match_key

    want = url_match_key(url)
    found = []
    for rec in records:
        candidates = {rec.url, rec.target_uri}
        for candidate in list(candidates):
            replay = _REPLAY.search(candidate)
            if replay:
                candidates.add(replay.group(1))
        if any(c and url_match_key(c) == want for c in candidates):
            found.append(rec)
    return sorted(found, key=lambda r: (r.recorded_at, r.offset), reverse=True)


def locate(warc_file: str, archive_dir: str | Path) -> Path:
    """The WARC file, as recorded or by its name in ``archive_dir`` (the tree moved)."""
    path = Path(warc_file)
    if path.exists():
        return path
    return Path(archive_dir) / path.name


def _record_of(rec: Any, path: Path, offset: int, length: int) -> EvidenceRecord:
    headers = rec.rec_headers
    http = rec.http_headers
    target = headers.get_header("WARC-Target-URI") or ""
    status = http.get_statuscode() if http else None
    return EvidenceRecord(
        warc_file=str(path),
        offset=offset,
        length=length or 0,
        url=headers.get_header("WARC-Citecheck-Requested-URI") or target,
        digest=headers.get_header("WARC-Payload-Digest") or "",
        recorded_at=headers.get_header("WARC-Date") or "",
        target_uri=target,
        status_code=int(status) if status and status.isdigit() else None,
        content_type=http.get_header("Content-Type") if http else None,
        record_id=headers.get_header("WARC-Record-ID") or "",
    )


@dataclass(frozen=True)
class EvidenceContent:
    """A stored response read back: its HTTP headers and decoded body."""

    record: EvidenceRecord
    status_line: str
    headers: tuple[tuple[str, str], ...]
    body: bytes  #: with Content-Encoding undone


def read_evidence(warc_file: str | Path, offset: int) -> EvidenceContent:
    """The response record at ``offset`` of ``warc_file``."""
    path = Path(warc_file)
    with open(path, "rb") as fh:
        fh.seek(offset)
        records = ArchiveIterator(fh)
        rec = next(iter(records))
        if rec.rec_type != "response":
            raise ValueError(f"{path}#{offset} is a {rec.rec_type} record, not a response")
        body = rec.content_stream().read()
        http = rec.http_headers
        return EvidenceContent(
            record=_record_of(rec, path, offset, 0),
            status_line=f"{http.protocol} {http.statusline}" if http else "",
            headers=tuple(http.headers) if http else (),
            body=body,
        )
