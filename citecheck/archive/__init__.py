"""Web archives: lookups in Wayback-compatible archives and the local WARC evidence store.

- :class:`ArchiveClient`: one client for the Internet Archive and any
  Wayback-compatible CDX/Memento endpoint (a local pywb, a national archive).
- :mod:`citecheck.archive.save`: Save Page Now requests.
- :class:`WarcStore`: every live response and snapshot of a run, as WARC records.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Each name is imported from its module when first asked for (PEP 562): the
# archive client alone does not load the WARC writer (warcio) nor Save Page
# Now, and a warm audit whose lookups all come from the cache loads neither
# the HTTP stack nor waybackpy.
_HOMES = {
    "citecheck.archive.cdx": ("CdxParseError", "CdxRow", "parse_cdx"),
    "citecheck.archive.client": (
        "IA_ARCHIVE_URL", "IA_CDX_URL", "ArchiveClient", "choose_snapshot", "collection_of",
        "derive_cdx_url", "url_match_key",
    ),
    "citecheck.archive.ratelimit": ("RateLimiter",),
    "citecheck.archive.save": ("SaveKeys", "SaveResult", "save_page_now"),
    "citecheck.archive.warcstore": (
        "EvidenceContent", "EvidenceRecord", "WarcStore", "iter_evidence", "read_evidence",
        "warc_files",
    ),
    "citecheck.http": ("parse_retry_after",),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # asked once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


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
