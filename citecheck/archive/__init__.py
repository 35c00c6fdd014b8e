"""Web archives: lookups in Wayback-compatible archives and the local WARC evidence store.

- :class:`ArchiveClient`: one client for the Internet Archive and any
  Wayback-compatible CDX/Memento endpoint (a local pywb, a national archive).
- :mod:`citecheck.archive.save`: Save Page Now requests.
- :class:`WarcStore`: every live response and snapshot of a run, as WARC records.
"""

from citecheck.archive.cdx import CdxParseError, CdxRow, parse_cdx
from citecheck.archive.client import (
    IA_ARCHIVE_URL,
    IA_CDX_URL,
    ArchiveClient,
    choose_snapshot,
    collection_of,
    derive_cdx_url,
    url_match_key,
)
from citecheck.archive.ratelimit import RateLimiter
from citecheck.archive.save import SaveKeys, SaveResult, save_page_now
from citecheck.archive.warcstore import (
    EvidenceContent,
    EvidenceRecord,
    WarcStore,
    iter_evidence,
    read_evidence,
    warc_files,
)
from citecheck.http import parse_retry_after

__all__ = [
    "IA_ARCHIVE_URL",
    "IA_CDX_URL",
    "ArchiveClient",
    "CdxParseError",
    "CdxRow",
    "EvidenceContent",
    "EvidenceRecord",
    "RateLimiter",
    "SaveKeys",
    "SaveResult",
    "WarcStore",
    "choose_snapshot",
    "collection_of",
    "derive_cdx_url",
    "iter_evidence",
    "parse_cdx",
    "parse_retry_after",
    "read_evidence",
    "save_page_now",
    "url_match_key",
    "warc_files",
]
