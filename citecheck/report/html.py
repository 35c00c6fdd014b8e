"""The HTML report: one self-contained file that works offline.

Everything the page shows is rendered here and in ``templates/report.html.j2``
with Jinja2 autoescaping on: text from documents and fetched pages is always
escaped, and only http(s) URLs become links. The page's inline script and
stylesheets (one for browsers without JavaScript) are package files; their
SHA-256 hashes go into a strict Content-Security-Policy ``<meta>``, so nothing
else can run or style the page.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup, escape

from citecheck.models import LiveResult, LiveStatus, QuoteChange, Severity, Verdict, VerdictKind
from citecheck.report.common import (
    VERDICT_ORDER,
    cited_date,
    format_iso,
    format_timestamp,
    one_line,
    plural,
    safe_url,
)
from citecheck.report.model import RunReport
from citecheck.report.reasons import explain_change, explain_reason
from citecheck.textmatch import marked

VERDICT_TEXT = {
    VerdictKind.VERIFIED: "Reachable live, and the content matches the citation.",
    VerdictKind.RESCUED: "The live copy is dead or changed, but an archived copy supports it.",
    VerdictKind.MISMATCH: "Reachable, but wrong publisher, wrong date or quote not found.",
    VerdictKind.DEAD: "Dead live, and no usable archived copy.",
    VerdictKind.UNRESOLVED: "No URL known or discovered for this citation.",
    VerdictKind.INCONCLUSIVE: "Only blocked or failed checks: could not decide.",
    VerdictKind.MALFORMED: "The citation itself cannot be parsed.",
}

LIVE_TEXT = {
    LiveStatus.OK: "OK",
    LiveStatus.REDIRECTED: "Redirected",
    LiveStatus.MOVED: "Moved off-site",
    LiveStatus.DEAD: "Dead",
    LiveStatus.BLOCKED: "Blocked",
    LiveStatus.ERROR: "Error",
    LiveStatus.SKIPPED: "Skipped",
}


@dataclass(frozen=True)
class InlineAsset:
    """An inline ``<script>`` or ``<style>`` body and its CSP source expression."""

    text: str

    @property
    def csp_hash(self) -> str:
        digest = hashlib.sha256(self.text.encode("utf-8")).digest()
        return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _asset(name: str) -> InlineAsset:
    text_file = resources.files("citecheck.report").joinpath("templates").joinpath(name)
    text = text_file.read_text("utf-8")
    closing = "</script" if name.endswith(".js") else "</style"
    if closing in text.lower():
        raise ValueError(f"{name} must not contain {closing}")
    return InlineAsset(text)


@lru_cache(maxsize=1)
def _assets() -> tuple[InlineAsset, InlineAsset, InlineAsset]:
    """The inline script, the stylesheet, and the stylesheet used without JavaScript."""
    return _asset("report.js"), _asset("report.css"), _asset("noscript.css")


class _Environment(jinja2.Environment):
    """The template reads plain dict views: look the key up first. (jinja2 tries
    the attribute first, and the failed attribute lookups took about a third of
    the rendering time for a 1,000-citation report; no view key is also a dict
    method name, and anything else falls back to jinja2's own lookup.)"""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """jinja2's cache of compiled templates, in a folder of the user's own in the
    temporary directory (``_jinja2-cache-UID``): compiling the report template
    took about 35 ms of every command that writes a report. jinja2 checks each
    entry against the template's source and its own version; an entry that
    cannot be read or written is skipped, never an error."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - a bad entry: compile the template instead
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


#: the environment's options that shape the compiled code (besides the template)
_COMPILE_OPTIONS: dict[str, Any] = {"autoescape": True, "trim_blocks": True,
                                    "lstrip_blocks": True}


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """The cache, its entries named after citecheck's version and the compile
    options too: jinja2 keys an entry by the template's name and source only,
    so code compiled with other options (say, without autoescape) is never
    served."""
    from citecheck import __version__

    options = hashlib.sha1(repr(sorted(_COMPILE_OPTIONS.items())).encode()).hexdigest()[:12]
    try:
        return _QuietBytecodeCache(pattern=f"__citecheck_{__version__}_{options}_%s.cache")
    except (OSError, RuntimeError):  # no safe folder of our own: no cache
        return None


def _link_html(link: dict[str, Any]) -> Markup:
    """The template's ``|link`` filter: a URL from :func:`_link`, a link only if
    it has an ``href``. (A filter, not a macro: a jinja2 macro call cost more
    than the rest of the row it is in.)"""
    text = escape(link["text"])
    if link["href"]:
        return Markup(f'<a href="{escape(link["href"])}" rel="noopener noreferrer nofollow" '
                      f'target="_blank">{text}</a>')
    return Markup(f'<span class="nolink" title="not linked: not an http(s) URL">{text}</span>')


def _badge_html(verdict: str) -> Markup:
    """The template's ``|badge`` filter: a verdict as a coloured label."""
    value = escape(verdict)
    return Markup(f'<span class="badge v-{value}">{value}</span>')


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = _Environment(
        loader=jinja2.PackageLoader("citecheck.report", "templates"),
        undefined=jinja2.StrictUndefined,
        bytecode_cache=_bytecode_cache(),
        **_COMPILE_OPTIONS,
    )
    env.filters.update(link=_link_html, badge=_badge_html)
    return env


def content_security_policy() -> str:
    """The report's CSP: nothing but its own inline script and style, images from data: only."""
    script, style, noscript = _assets()
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {script.csp_hash}",
            f"style-src {style.csp_hash} {noscript.csp_hash}",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


# ------------------------------------------------------------------ view model


def _link(url: str | None) -> dict[str, Any] | None:
    """A URL to show: ``href`` only when it is safe to link."""
    if not url:
        return None
    return {"text": url, "href": safe_url(url)}


def _context_parts(verdict: Verdict) -> tuple[str, str, str]:
    """The citing sentence split around the citation as written, to highlight it."""
    context = verdict.citation.context or ""
    raw = verdict.citation.raw or ""
    at = context.find(raw) if raw else -1
    if at < 0:
        return context, "", ""
    return context[:at], raw, context[at + len(raw) :]


def _live_view(live: LiveResult | None) -> dict[str, Any] | None:
    if live is None:
        return None
    final = live.final_url if live.final_url and live.final_url != live.url else None
    return {
        "status": live.status.value,
        "label": LIVE_TEXT.get(live.status, live.status.value),
        "status_code": live.status_code,
        "url": _link(live.url),
        "final_url": _link(final),
        "redirects": [
            {"status_code": hop.status_code, "url": _link(hop.url)} for hop in live.redirects
        ],
        "error": live.error,
        "reasons": [{"code": c, "text": explain_reason(c)} for c in live.reasons],
        "checked_at": format_iso(live.checked_at),
        "elapsed": f"{live.elapsed:.2f} s" if live.elapsed else None,
        "content_type": live.content_type,
        "bytes": live.bytes,
        "from_cache": live.from_cache,
    }


def _live_short(live: LiveResult | None) -> str:
    if live is None:
        return "not checked"
    label = LIVE_TEXT.get(live.status, live.status.value)
    return f"{live.status_code} {label}" if live.status_code else label


def _misquote_view(change: QuoteChange) -> dict[str, Any]:
    """Both versions of a misquoted passage, cut into (text, changed) pieces that
    the template escapes and marks."""
    quoted = [q for _, q, _ in change.differences]
    page = [p for _, _, p in change.differences]
    return {
        "quote": marked(change.quote, quoted),
        "page": marked(change.page, page),
        "kinds": sorted({kind for kind, _, _ in change.differences}),
    }


def _citation_view(index: int, verdict: Verdict) -> dict[str, Any]:
    citation = verdict.citation
    snapshot = verdict.snapshot
    before, raw, after = _context_parts(verdict)
    rank = VERDICT_ORDER.index(verdict.verdict) if verdict.verdict in VERDICT_ORDER else 99
    return {
        "index": index,
        "id": citation.id,
        "verdict": verdict.verdict.value,
        "verdict_rank": rank,
        "severity": verdict.verdict.severity.name.lower(),
        "source": one_line(citation.source) or "?",
        "source_name": citation.source_key,
        "raw": citation.raw,
        "date_written": cited_date(verdict),
        "date": citation.date or "",  # the start of a range: what the table sorts by
        "date_end": citation.date_end,
        "locator": one_line(citation.locator) or None,
        "date_precision": citation.date_precision.value if citation.date_precision else None,
        "year_inferred": citation.year_inferred,
        "corrected_date": verdict.corrected_date,
        "document": citation.document,
        "line": citation.line,
        "column": citation.column,
        "context": {"before": before, "raw": raw, "after": after},
        "quotes": list(citation.quotes),
        "quotes_found": list(verdict.quotes_found),
        "quotes_missing": list(verdict.quotes_missing),
        "misquotes": [_misquote_view(m) for m in verdict.misquotes],
        "quotes_in_boilerplate": list(verdict.quotes_in_boilerplate),
        "malformed": citation.malformed,
        "problem": citation.problem,
        "explanation": verdict.explanation,
        "reasons": [{"code": c, "text": explain_reason(c)} for c in verdict.reasons],
        "urls": [_link(u) for u in verdict.urls],
        "other_urls": [
            _link(u) for u in verdict.urls if not verdict.live or u != verdict.live.url
        ],
        "candidates": [
            {
                "url": _link(c.url),
                "origin": c.origin,
                "score": f"{c.score:.2f}" if c.score is not None else None,
                "title": c.title,
            }
            for c in verdict.candidates
        ],
        "live": _live_view(verdict.live),
        "live_short": _live_short(verdict.live),
        "live_status": verdict.live.status.value if verdict.live else "none",
        "snapshot": None
        if snapshot is None
        else {
            "link": _link(snapshot.archive_url),
            "original": _link(snapshot.url),
            "when": format_timestamp(snapshot.timestamp),
            "day": (format_timestamp(snapshot.timestamp) or "archived")[:10],
            "status_code": snapshot.status_code,
            "distance": None
            if snapshot.distance_days is None
            else plural(round(snapshot.distance_days), "day"),
            "digest": snapshot.digest,
            "archive": snapshot.archive,
        },
        "archive_error": verdict.archive_error,
        "evidence": list(verdict.evidence),
        "reason_short": explain_reason(verdict.reasons[0]) if verdict.reasons else "",
        "support": _support_view(verdict),
    }


def _support_view(verdict: Verdict) -> dict[str, Any]:
    """The claim-support panel: label, score, and the claim beside the best
    passage with its terms marked (pieces of text, escaped by the template)."""
    from citecheck.support import claim_text, highlight

    s = verdict.support
    passages = list(s.passages)
    return {
        "label": s.label,
        "score": s.score,
        "score_text": f"{s.score:.2f}" if s.score is not None else "",
        "copy": s.copy,
        "explanation": s.explanation,
        "claim": highlight(claim_text(verdict.citation), s.matched, s.missing)
        if passages else [],
        "passage": highlight(passages[0].text, s.matched) if passages else [],
        "more": [{"text": p.text, "score_text": f"{p.score:.2f}"} for p in passages[1:]],
        "missing": list(s.missing),
    }


#: options stored in seconds that people write as durations (--max-age 24h)
_SECONDS_OPTIONS = frozenset({"max_age", "confirm_interval"})


def option_text(key: str, value: Any) -> str:
    """A run option as a reader writes it: yes/no, -, a, b, 24h; never a Python repr."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "archives" and isinstance(value, (list, tuple)):  # (root, CDX URL or None)s
        return ", ".join(str(pair[0]) + (f" (CDX {pair[1]})" if pair[1] else "")
                         for pair in value if isinstance(pair, (list, tuple)) and pair) or "-"
    if isinstance(value, (list, tuple)):
        return ", ".join(option_text(key, v) for v in value) or "-"
    if isinstance(value, float) and key in _SECONDS_OPTIONS:
        return _seconds_text(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _seconds_text(seconds: float) -> str:
    if seconds <= 0:
        return "0"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _duration(started: str, finished: str | None) -> str | None:
    if not finished:
        return None
    try:
        start = datetime.fromisoformat(started.replace("Z", "+00:00"))
        end = datetime.fromisoformat(finished.replace("Z", "+00:00"))
    except ValueError:
        return None
    seconds = (end - start).total_seconds()
    if seconds < 0:
        return None
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s"


def _bars(by_verdict: dict[str, int], total: int) -> list[dict[str, Any]]:
    """Segments of the summary bar (SVG, sized by attributes: no inline styles)."""
    bars = []
    x = 0.0
    for kind in VERDICT_ORDER:
        count = by_verdict.get(kind.value, 0)
        if not count or not total:
            continue
        width = 100.0 * count / total
        bars.append(
            {"verdict": kind.value, "x": f"{x:.3f}", "width": f"{width:.3f}", "count": count}
        )
        x += width
    return bars


#: Rows shown at first (the rest behind "Show all"): a browser lays out a
#: table of a few hundred rows at once, not of thousands.
PAGE_SIZE = 200


def _accepted_view(entry: Any) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {"by": entry.by, "why": entry.why, "expires": entry.expires,
            "where": f"{entry.file}:{entry.line}" if entry.file else None}


def _view(report: RunReport, page_size: int = PAGE_SIZE) -> dict[str, Any]:
    summary = report.summary()
    citations = [{**_citation_view(i, v), "accepted": _accepted_view(report.acceptance(v))}
                 for i, v in enumerate(report.verdicts)]
    sources = sorted({c["source"] for c in citations}, key=str.lower)
    worst = summary.worst.name.lower()
    fails = summary.by_severity["fail"] - report.accepted_count(Severity.FAIL)
    warns = summary.by_severity["warn"] - report.accepted_count(Severity.WARN)
    if report.accepted:  # accepted findings (citecheck-accept.yaml) do not make the headline
        worst = "fail" if fails else "warn" if warns else "ok"
    headline = {
        "fail": f"{plural(fails, 'citation')} need{'s' if fails == 1 else ''} fixing",
        "warn": f"No failures; {plural(warns, 'citation')} to review",
        "ok": "No new findings" if report.accepted else
              "Every citation verified" if summary.total else "No citations found",
    }[worst]
    if report.accepted:
        headline += f" ({plural(len(report.accepted), 'accepted finding')} not counted)"
    return {
        "run": report.run_dict(),
        "started": format_iso(report.started_at),
        "finished": format_iso(report.finished_at) if report.finished_at else None,
        "multi_document": len(report.documents) > 1,
        "offline": sum(1 for v in report.verdicts if "offline" in v.reasons),
        "page_size": max(1, page_size),
        "duration": _duration(report.started_at, report.finished_at),
        "options": [(str(k), option_text(str(k), v)) for k, v in report.options.items()],
        "documents": [
            {"name": d.name, "link": safe_url(d.name), "published": d.published, "title": d.title}
            for d in report.documents
        ],
        "summary": summary,
        "worst": worst,
        "headline": headline,
        "verdicts": [
            {
                "value": k.value,
                "count": summary.by_verdict[k.value],
                "text": VERDICT_TEXT[k],
                "severity": k.severity.name.lower(),
            }
            for k in VERDICT_ORDER
        ],
        "bars": _bars(dict(summary.by_verdict), summary.total),
        "sources": sources,
        "citations": citations,
        "changes": None
        if report.changes is None
        else [
            {**change.to_dict(), "label": explain_change(change.kind)} for change in report.changes
        ],
    }


def render_html(report: RunReport, *, page_size: int = PAGE_SIZE) -> str:
    """The HTML report as one self-contained document.

    The table shows ``page_size`` matching citations at first and the rest
    behind a "Show all" button (without JavaScript, every row is shown).
    """
    script, style, noscript = _assets()
    template = _environment().get_template("report.html.j2")
    return template.render(
        r=_view(report, page_size),
        csp=content_security_policy(),
        script=Markup(script.text),
        style=Markup(style.text),
        noscript_style=Markup(noscript.text),
    )
