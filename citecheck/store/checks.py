"""Live checks: each one recorded, the fresh successes served back as a cache."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

from citecheck.models import LiveResult, LiveStatus
from citecheck.store.database import MAX_STORED_BODY, Database, _guarded
from citecheck.store.records import now_iso, parse_iso
from citecheck.store.rows import _live_from_row


class Checks(Database):
    """Live checks of URLs and the bodies they fetched."""

    # ----------------------------------------------------------- live cache

    @_guarded
    def put_live(self, result: LiveResult, run_id: int | None = None) -> int:
        """Record one live check (success or failure); committed at once."""
        return self._put_lives([result], run_id)

    @_guarded
    def put_live_many(self, results: Sequence[LiveResult], run_id: int | None = None) -> int:
        """Record several live checks in one transaction (the live runner batches
        its writes: one transaction per URL cost more than the check itself).
        Returns the id of the last check row."""
        return self._put_lives(results, run_id)

    def _put_lives(self, results: Sequence[LiveResult], run_id: int | None) -> int:
        from citecheck.urls import host_of

        rows, bodies, urls = [], [], []
        seconds: dict[str, float | None] = {}  # checked_at has whole seconds: many alike
        for result in results:
            checked_at = result.checked_at or now_iso(self.clock())
            if checked_at not in seconds:
                seconds[checked_at] = parse_iso(checked_at)
            checked_ts = seconds[checked_at] or self.clock()
            body_digest = None
            body = result.body
            if body is not None and len(body) <= MAX_STORED_BODY:
                body_digest = "sha1:" + hashlib.sha1(body).hexdigest()
                bodies.append((body_digest, len(body), zlib.compress(body, 6)))
            status = result.status.value
            urls.append((result.url, host_of(result.url), checked_at, checked_at, status))
            rows.append((
                result.url, status, result.status_code, result.final_url,
                _json_list([r.to_dict() for r in result.redirects]), result.elapsed,
                result.content_type, result.bytes, result.error,
                _json_list(result.reasons), result.encoding, checked_at, checked_ts,
                body_digest, run_id,
            ))
        if not rows:
            return 0
        conn = self.conn
        with self._tx():
            conn.executemany(
                "insert or ignore into bodies (digest, size, data) values (?, ?, ?)", bodies)
            conn.executemany(_TOUCH_URL, urls)
            conn.executemany(_INSERT_CHECK, rows)
            last = conn.execute("select last_insert_rowid()").fetchone()[0]
        return int(last)

    @_guarded
    def get_live(
        self, url: str, max_age_seconds: float, *, with_body: bool = True
    ) -> LiveResult | None:
        """The latest check of ``url`` if it succeeded and is fresh; else None.

        A failure is never served from the cache: if the latest check failed,
        the URL is checked again even when an older success is still fresh.
        """
        return self.get_live_many([url], max_age_seconds, with_body=with_body).get(url)

    @_guarded
    def get_live_many(
        self, urls: Iterable[str], max_age_seconds: float, *, with_body: bool = True
    ) -> dict[str, LiveResult]:
        """:meth:`get_live` of many URLs in one query: the fresh successes, by URL."""
        if max_age_seconds <= 0:
            return {}
        cursor = self.conn.execute(_LATEST_CHECKS, [json.dumps(list(dict.fromkeys(urls)))])
        names = [d[0] for d in cursor.description]
        found = {}
        for values in cursor.fetchall():
            result = self._fresh_live(dict(zip(names, values, strict=True)), max_age_seconds,
                                      with_body)
            if result is not None:
                found[result.url] = result
        return found

    def _fresh_live(
        self, row: dict[str, Any] | None, max_age_seconds: float, with_body: bool
    ) -> LiveResult | None:
        if row is None or not LiveStatus(row["status"]).is_ok:
            return None
        if row["checked_ts"] < self.clock() - max_age_seconds:
            return None
        body = self._get_body(row["body_digest"]) if with_body else None
        if with_body and row["body_digest"] and body is None:
            return None  # the body is gone: check again rather than verify blind
        return _live_from_row(row, body=body, from_cache=True)

    @_guarded
    def live_body(self, url: str, checked_at: str) -> bytes | None:
        """The body kept with the check of ``url`` made at ``checked_at``."""
        row = self.conn.execute(
            "select body_digest from checks where url = ? and checked_at = ? "
            "order by id desc limit 1",
            [url, checked_at],
        ).fetchone()
        return self._get_body(row[0]) if row and row[0] else None

    @_guarded
    def live_history(self, url: str) -> list[LiveResult]:
        """Every check of ``url``, oldest first (no bodies)."""
        rows = self.db.table("checks").rows_where("url = ?", [url], order_by="checked_ts, id")
        return [_live_from_row(r) for r in rows]

    @_guarded
    def failure_times(self, url: str) -> list[float]:
        """Check times of the current run of failures of ``url`` (since its last success).

        A failure here is a conclusive ``dead`` result. Oldest first.
        """
        times: list[float] = []
        rows = self.db.table("checks").rows_where(
            "url = ?", [url], order_by="checked_ts desc, id desc", select="status, checked_ts"
        )
        for row in rows:
            status = LiveStatus(row["status"])
            if status is LiveStatus.DEAD:
                times.append(float(row["checked_ts"]))
            elif status.is_ok:
                break
            # blocked/error/skipped say nothing about the source: neither break nor count
        return sorted(times)


def _json_list(items: Sequence[Any]) -> str:
    """``json.dumps(list(items))``; most lists here (redirects, reasons) are empty."""
    return json.dumps(list(items)) if items else "[]"


# fixed statements (values are parameters): put_live_many runs them with
# executemany, without sqlite-utils' per-call table introspection
_TOUCH_URL = (
    "insert into urls (url, host, first_seen, last_checked_at, last_status) "
    "values (?, ?, ?, ?, ?) on conflict(url) do update set "
    "last_checked_at = excluded.last_checked_at, last_status = excluded.last_status"
)
_INSERT_CHECK = (
    "insert into checks (url, status, status_code, final_url, redirects, elapsed, "
    "content_type, bytes, error, reasons, encoding, checked_at, checked_ts, body_digest, "
    "run_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
#: the latest check of each URL of a JSON array
_LATEST_CHECKS = (
    "select c.* from json_each(?) as u join checks as c on c.id = ("
    "select id from checks where url = u.value order by checked_ts desc, id desc limit 1)"
)
