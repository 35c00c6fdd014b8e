"""Archive lookups and snapshots (cached: captures never change), and the index
of the WARC evidence records."""

from __future__ import annotations

import json
from typing import Any

from citecheck.models import ArchiveLookup, LookupStatus, Snapshot
from citecheck.store.database import Database, _guarded, _pk
from citecheck.store.records import _EvidenceLike, now_iso, parse_iso
from citecheck.store.rows import _snapshot_from_dict


class Snapshots(Database):
    """Archive lookups, their snapshots, and evidence records."""

    # -------------------------------------------------------- archive cache

    @_guarded
    def put_lookup(
        self, lookup: ArchiveLookup, key: str = "", run_id: int | None = None
    ) -> int | None:
        """Record an archive lookup. ``error`` ("could not ask") is never cached."""
        if lookup.status is LookupStatus.ERROR:
            return None
        checked_at = lookup.checked_at or now_iso(self.clock())
        with self._tx():
            for snap in (lookup.snapshot, *lookup.candidates):
                if snap is not None:
                    self._put_snapshot(snap)
            table = self.db.table("lookups")
            table.insert(
                {
                    "url": lookup.url,
                    "key": key,
                    "status": lookup.status.value,
                    "snapshot": lookup.snapshot.archive_url if lookup.snapshot else None,
                    "distance_days": lookup.snapshot.distance_days if lookup.snapshot else None,
                    "candidates": json.dumps([s.to_dict() for s in lookup.candidates]),
                    "error": lookup.error,
                    "checked_at": checked_at,
                    "checked_ts": parse_iso(checked_at) or self.clock(),
                    "run_id": run_id,
                }
            )
            return _pk(table)

    @_guarded
    def get_lookup(
        self, url: str | None, key: str = "", max_age_seconds: float = 86400.0
    ) -> ArchiveLookup | None:
        """The latest fresh lookup of ``url`` asked the same way (``key``), or None.

        ``url`` None: match on ``key`` alone (the archive client's keys name the URL).
        """
        if max_age_seconds <= 0:
            return None
        since = self.clock() - max_age_seconds
        if url is None:
            where, args = "key = ? and checked_ts >= ?", [key, since]
        else:
            where, args = "url = ? and key = ? and checked_ts >= ?", [url, key, since]
        for row in self.db.table("lookups").rows_where(
            where,
            args,
            order_by="checked_ts desc, id desc",
            limit=1,
        ):
            snapshot = None
            if row["snapshot"]:
                snapshot = self._snapshot(row["snapshot"], row["distance_days"])
            candidates = tuple(
                _snapshot_from_dict(d) for d in json.loads(row["candidates"] or "[]")
            )
            return ArchiveLookup(
                url=row["url"],
                status=LookupStatus(row["status"]),
                snapshot=snapshot,
                candidates=candidates,
                error=row["error"],
                checked_at=row["checked_at"],
                from_cache=True,
            )
        return None

    def lookup_cache(self, run_id: int | None = None) -> ArchiveLookupCache:
        """This store as the archive client's cache (``cache=`` of ``ArchiveClient``)."""
        return ArchiveLookupCache(self, run_id)

    @_guarded
    def put_snapshot_body(self, snapshot: Snapshot) -> None:
        """Keep a fetched snapshot's body: captures never change, so it is reused forever."""
        if snapshot.body is None:
            return
        with self._tx():
            self._put_snapshot(snapshot)

    @_guarded
    def get_snapshot_body(self, archive_url: str) -> bytes | None:
        row = self.db.execute(
            "select body_digest from snapshots where archive_url = ?", [archive_url]
        ).fetchone()
        return self._get_body(row[0]) if row and row[0] else None

    def _put_snapshot(self, snap: Snapshot) -> None:
        body_digest = self._put_body(snap.body)
        existing = self.db.execute(
            "select body_digest from snapshots where archive_url = ?", [snap.archive_url]
        ).fetchone()
        self.db.table("snapshots").upsert(
            {
                "archive_url": snap.archive_url,
                "url": snap.url,
                "timestamp": snap.timestamp,
                "status_code": snap.status_code,
                "digest": snap.digest,
                "mimetype": snap.mimetype,
                "body_digest": body_digest or (existing[0] if existing else None),
            },
            pk="archive_url",
        )

    def _snapshot(self, archive_url: str, distance_days: float | None) -> Snapshot | None:
        row = self.db.execute(
            "select url, archive_url, timestamp, status_code, digest, mimetype, body_digest "
            "from snapshots where archive_url = ?",
            [archive_url],
        ).fetchone()
        if row is None:
            return None
        return Snapshot(
            url=row[0],
            archive_url=row[1],
            timestamp=row[2],
            status_code=row[3],
            digest=row[4],
            mimetype=row[5],
            distance_days=distance_days,
            body=self._get_body(row[6]) if row[6] else None,
        )

    # ------------------------------------------------------------- evidence

    @_guarded
    def save_evidence(
        self, record: _EvidenceLike, run_id: int | None = None, *, kind: str = "live"
    ) -> int:
        """Index one WARC record written by the evidence store."""
        recorded = getattr(record, "recorded_at", None) or getattr(record, "time", None)
        with self._tx():
            table = self.db.table("evidence")
            table.insert(
                {
                    "url": record.url,
                    "time": recorded or now_iso(self.clock()),
                    "digest": record.digest,
                    "warc_file": str(record.warc_file),
                    "offset": int(record.offset),
                    "length": int(record.length),
                    "kind": kind,
                    "run_id": run_id,
                }
            )
            return _pk(table)

    @_guarded
    def evidence_for(self, url: str, limit: int | None = None) -> list[dict[str, Any]]:
        """Evidence records of ``url``, newest first."""
        return list(
            self.db.table("evidence").rows_where("url = ?", [url], order_by="id desc", limit=limit)
        )


class ArchiveLookupCache:
    """The store seen through the archive client's ``LookupCache`` protocol.

    The client's ``key`` names the archive, the URL and the dates asked about;
    errors ("could not ask") are never cached.
    """

    def __init__(self, store: Snapshots, run_id: int | None = None) -> None:
        self.store = store
        self.run_id = run_id

    def get_lookup(self, key: str, max_age_seconds: float) -> ArchiveLookup | None:
        return self.store.get_lookup(None, key, max_age_seconds)

    def put_lookup(self, key: str, lookup: ArchiveLookup) -> None:
        self.store.put_lookup(lookup, key, self.run_id)
