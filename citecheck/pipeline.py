"""The audit runner: documents -> citations -> URLs -> checks -> verdicts -> store.

One function, :func:`run_audit`, drives every stage in order. The stages are
collaborators (:class:`Stages`), built from the real modules by
:func:`default_stages` and swapped for fakes in tests. Concurrency lives in the
live runner (``citecheck.runner``); this module only wires it up.

Each finished check is written to the store as it completes (the store commits
every write), so an interrupted audit loses nothing: the next one reuses every
fresh successful result and checks the rest again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO, cast
from urllib.parse import urlsplit

from citecheck import __version__
from citecheck.errors import NO_SUCH_FILE, ExitCode, InputError, RunError, interrupt_code
from citecheck.lazy import Deferred  # here too: pipeline.Deferred, as it was
from citecheck.models import (
    ArchiveLookup,
    Candidate,
    Citation,
    Document,
    LiveResult,
    LiveStatus,
    LookupStatus,
    Severity,
    Verdict,
    VerdictKind,
)
from citecheck.progress import Progress, _human_seconds  # here too: pipeline.Progress
from citecheck.progress import parse_duration as parse_duration  # pipeline.parse_duration
from citecheck.stages import Ahead, Background, check_stopped, proves_network
from citecheck.store import Store, VerdictRow, citation_keys
from citecheck.urls import host_of, normalize_url

if TYPE_CHECKING:
    from citecheck.http import FetchResult, HttpConfig

# The HTTP stack (citecheck.http, requests, urllib3), the live runner, the
# archive client and the WARC writer are imported when first needed: a warm
# audit whose every check and verdict comes from the cache never loads them.

log = logging.getLogger(__name__)

#: what a folder of briefs contributes
DOCUMENT_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf")
#: Wayback replay URLs: ROOT/<timestamp><modifier>/<original url>
_REPLAY = re.compile(r"/\d{14}[a-z]{0,2}_?/(https?://.+)$", re.IGNORECASE)
#: (url, cited date, publication date): one archive question
LookupKey = tuple[str, "str | None", "str | None"]
# ------------------------------------------------------------------ inputs


def expand_inputs(inputs: Sequence[str]) -> list[str]:
    """Files as given, folders searched recursively for briefs, ``-`` and URLs as is."""
    out: list[str] = []
    for item in inputs:
        if item == "-" or item.lower().startswith(("http://", "https://")):
            out.append(item)
            continue
        path = Path(item)
        if path.is_dir():
            found = sorted(
                str(p)
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in DOCUMENT_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                raise InputError(
                    f"{item}: no .txt, .md, .html, .docx or .pdf briefs in this folder")
            out.extend(found)
        elif path.exists():
            out.append(item)
        else:
            raise InputError(f"{item}: {NO_SUCH_FILE}")
    # one document once, however it was named: "h.md" and "./h.md", a folder and a file in it
    unique: dict[str, str] = {}
    for item in out:
        key = item if item == "-" or "://" in item else str(Path(item).resolve())
        unique.setdefault(key, item)
    return list(unique.values())


# ----------------------------------------------------------------- options


@dataclass(frozen=True)
class AuditOptions:
    """Everything ``citecheck audit`` can be asked; defaults are the CLI's."""

    config_path: str | None = None
    published: str | None = None
    archive_dir: str = "archive"
    archive_url: str = "https://web.archive.org/web"
    archive_cdx_url: str | None = None
    no_archive: bool = False
    fail_on: Severity = Severity.FAIL
    concurrency: int = 32
    per_host: int = 2
    timeout: float = 20.0
    max_age: float = 86400.0  #: seconds; 0 = never reuse
    allow_private: bool = False
    user_agent: str | None = None
    confirm_after: int = 1  #: failing runs needed before a source is dead
    confirm_interval: float = 0.0  #: seconds between counted failures
    save_missing: bool = False
    archive_rate: float | None = None  #: requests per second to each archive (None: by endpoint)
    #: every archive asked, (root or memento:URL, CDX URL); empty: archive_url alone
    archives: tuple[tuple[str, str | None], ...] = ()
    archive_concurrency: int = 4
    #: accepted findings (citecheck-accept.yaml); None: ./citecheck-accept.yaml if present
    accept_path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["fail_on"] = self.fail_on.name.lower()
        return out

    def http_config(self) -> HttpConfig:
        from citecheck.http import HttpConfig

        return HttpConfig.from_timeout(
            self.timeout,
            concurrency=self.concurrency,
            per_host=self.per_host,
            allow_private=self.allow_private,
            **({"user_agent": self.user_agent} if self.user_agent else {}),
        )


# ----------------------------------------------------------------- stages


class _Archive(Protocol):
    last_error: str | None  #: why the last discovery could not ask, if it could not

    def lookup(
        self, url: str, cited_date: str | None, published: str | None, window_days: int = ...
    ) -> ArchiveLookup: ...

    def fetch_snapshot(self, snapshot: Any) -> Any: ...


def _fetched(archive: _Archive, lookup: ArchiveLookup, date: str | None,
             pub: str | None) -> ArchiveLookup:
    """``lookup`` with its snapshot's bytes: the capture the archive actually serves, its
    distance and the choice made again when that is another capture (``fetch_lookup``
    of the archive clients); a plain ``fetch_snapshot`` for an archive without it."""
    fetch_lookup = getattr(archive, "fetch_lookup", None)
    if fetch_lookup is not None:
        return cast(ArchiveLookup, fetch_lookup(lookup, date, pub))
    return replace(lookup, snapshot=archive.fetch_snapshot(lookup.snapshot))


def _http_client(config: HttpConfig) -> Any:
    from citecheck.http import HttpClient

    return HttpClient(config)


@dataclass(frozen=True)
class Stages:
    """The pipeline's collaborators: the other modules' entry points."""

    find_registry: Callable[[str | None], Any]
    read_document: Callable[..., Document]
    extract_citations: Callable[..., list[Citation]]
    resolve: Callable[..., list[Candidate]]
    check_urls: Callable[..., dict[str, LiveResult]]
    detect_offline: Callable[[list[LiveResult]], bool]
    verify_citation: Callable[..., Verdict]
    make_client: Callable[[HttpConfig], Any] = _http_client
    #: ``run_pool(items, fn, *, concurrency, per_host, host_of)``: results as they finish
    run_pool: Callable[..., Iterable[Any]] | None = None
    make_archive: Callable[..., _Archive] | None = None
    make_warc: Callable[[str, int], Any] | None = None
    save_page: Callable[..., Any] | None = None


def default_stages() -> Stages:
    """The real stages (imported here, so the store and CLI load without them).

    Those a warm audit may not need (the live runner, verification, the archive
    client, the WARC writer) import their modules when first called.
    """
    from citecheck.extract import extract_citations, read_document
    from citecheck.registry import find_registry
    from citecheck.resolve import resolve

    return Stages(
        find_registry=find_registry,
        read_document=read_document,
        extract_citations=extract_citations,
        resolve=resolve,
        check_urls=_check_urls,
        detect_offline=_detect_offline,
        verify_citation=_verify_citation,
        make_archive=_make_archive,
        make_warc=_make_warc,
        save_page=_save_page,
        run_pool=_run_pool,
    )


def _check_urls(*args: Any, **kwargs: Any) -> dict[str, LiveResult]:
    from citecheck.runner import check_urls

    return check_urls(*args, **kwargs)


def _detect_offline(results: list[LiveResult]) -> bool:
    from citecheck.runner import detect_offline

    return detect_offline(results)


def _run_pool(*args: Any, **kwargs: Any) -> Iterable[Any]:
    from citecheck.runner import run_pool

    return run_pool(*args, **kwargs)


def _verify_citation(*args: Any, **kwargs: Any) -> Verdict:
    from citecheck.verify import verify_citation

    return verify_citation(*args, **kwargs)


def _save_page(*args: Any, **kwargs: Any) -> Any:
    from citecheck.archive import save_page_now

    return save_page_now(*args, **kwargs)


def _make_archive(http: Any, options: AuditOptions, **hooks: Any) -> _Archive:
    from citecheck.archive.multi import make_archives

    archives = options.archives or ((options.archive_url, options.archive_cdx_url),)
    return cast(_Archive, make_archives(
        http, archives, rate_per_second=options.archive_rate, max_age_seconds=options.max_age,
        **hooks,
    ))


def _make_warc(archive_dir: str, run_id: int) -> Any:
    """The run's WARC writer, made when the first record is written; its file
    is named after this moment all the same."""
    from datetime import datetime, timezone

    started = datetime.now(timezone.utc).replace(microsecond=0)

    def make() -> Any:
        from citecheck.archive import WarcStore

        return WarcStore(archive_dir, run_id, started=started)

    return Deferred(make)


# ----------------------------------------------------------- collaborators


class LiveCache:
    """The store seen as the live runner's cache, tagging writes with the run."""

    def __init__(self, store: Store, run_id: int, max_age_seconds: float) -> None:
        self.store = store
        self.run_id = run_id
        self.max_age_seconds = max_age_seconds
        self.hits = 0
        self._hits_lock = threading.Lock()  # get_live runs in the runner's worker threads

    def get_live(self, url: str, max_age_seconds: float | None = None) -> LiveResult | None:
        age = self.max_age_seconds if max_age_seconds is None else max_age_seconds
        # the body is loaded only if the verdict has to be decided again (see _verify)
        result = self.store.get_live(url, age, with_body=False)
        if result is not None:
            with self._hits_lock:
                self.hits += 1
        return result

    def fresh(self, urls: Sequence[str]) -> dict[str, LiveResult]:
        """What :meth:`get_live` would serve for each URL, in one query: the URLs
        the live runner need not be asked about at all."""
        if self.max_age_seconds <= 0:
            return {}
        found = self.store.get_live_many(urls, self.max_age_seconds, with_body=False)
        with self._hits_lock:
            self.hits += len(found)
        return found

    def put_live(self, result: LiveResult, run_id: int | None = None) -> None:
        if not result.from_cache:
            self.store.put_live(result, run_id=self.run_id if run_id is None else run_id)

    def put_live_many(self, results: Sequence[LiveResult]) -> None:
        """Several results in one transaction (the live runner batches its writes)."""
        fresh = [r for r in results if not r.from_cache]
        if fresh:
            self.store.put_live_many(fresh, run_id=self.run_id)


class EvidenceRecorder:
    """Writes every fetched response to the run's WARC file and indexes it."""

    def __init__(self, warc: Any, store: Store, run_id: int) -> None:
        self.warc = warc
        self.store = store
        self.run_id = run_id
        self._lock = threading.Lock()
        self.by_url: dict[str, list[str]] = {}

    def record(self, result: FetchResult, kind: str = "live") -> None:
        """Write one response (live checks call this through :class:`RecordingClient`)."""
        if self.warc is None or result.status_code is None:
            return
        with self._lock:
            record = self.warc.write(result)
        if record is not None:
            self.index(record, kind, also=(result.url, result.final_url))

    def index(self, record: Any, kind: str = "snapshot", also: Iterable[str] = ()) -> None:
        """Index a record already written (the archive client writes its own)."""
        if record is None:
            return
        self.store.save_evidence(record, self.run_id, kind=kind)
        ref = f"{record.warc_file}#{record.offset}"
        urls = {record.url, *also}
        replay = _REPLAY.search(record.url)
        if replay:  # a snapshot: file it under the original URL too
            urls.add(replay.group(1))
        with self._lock:
            for url in urls:
                self.by_url.setdefault(normalize_url(url), []).append(ref)


class RecordingClient:
    """An HTTP client that hands each response to the evidence recorder."""

    def __init__(
        self,
        client: Any,
        recorder: EvidenceRecorder | None,
        *,
        kind: str = "live",
        want: Callable[[FetchResult], bool] | None = None,
    ) -> None:
        self._client = client
        self._recorder = recorder
        self._kind = kind
        self._want = want

    def fetch(self, url: str, **kwargs: Any) -> FetchResult:
        result: FetchResult = self._client.fetch(url, **kwargs)
        if self._recorder is not None and (self._want is None or self._want(result)):
            self._recorder.record(result, self._kind)
        return result

    @property
    def async_ready(self) -> bool:
        """Whether :meth:`afetch` may be awaited: the wrapped client has a coroutine
        ``afetch`` (the live runner asks; a fake with only ``fetch`` is called in
        threads)."""
        import inspect

        return inspect.iscoroutinefunction(getattr(type(self._client), "afetch", None))

    async def afetch(self, url: str, **kwargs: Any) -> FetchResult:
        """:meth:`fetch` on the event loop; the response is recorded off the loop."""
        import asyncio

        result: FetchResult = await self._client.afetch(url, **kwargs)
        if self._recorder is not None and (self._want is None or self._want(result)):
            await asyncio.get_running_loop().run_in_executor(
                None, self._recorder.record, result, self._kind)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


# ------------------------------------------------------------------ result


@dataclass(frozen=True)
class AuditResult:
    run_id: int
    documents: tuple[Document, ...]
    verdicts: tuple[Verdict, ...]
    summary: dict[str, Any]
    offline: bool
    exit_code: ExitCode
    started_at: str = ""
    finished_at: str = ""
    stats: dict[str, Any] = field(default_factory=dict)
    #: (document, why) of files found in a folder that could not be read: skipped
    skipped: tuple[tuple[str, str], ...] = ()
    #: every URL was refused by policy (private addresses): nothing was checked
    all_refused: bool = False


def summarize(verdicts: Iterable[Verdict]) -> dict[str, Any]:
    by_verdict = {kind.value: 0 for kind in VerdictKind}
    by_severity = {sev.name.lower(): 0 for sev in Severity}
    total = 0
    for v in verdicts:
        total += 1
        by_verdict[v.verdict.value] += 1
        by_severity[v.verdict.severity.name.lower()] += 1
    return {"total": total, "by_verdict": by_verdict, "by_severity": by_severity}


def exit_code_for(
    verdicts: Iterable[Verdict], fail_on: Severity,
    accepted: Callable[[Verdict], Any] | None = None,
) -> ExitCode:
    """1 if any verdict is at or above ``fail_on``, else 0 (DESIGN.md); a verdict
    ``accepted`` says is accepted (citecheck-accept.yaml) does not count."""
    if any(v.verdict.severity >= fail_on and not (accepted and accepted(v)) for v in verdicts):
        return ExitCode.FINDINGS
    return ExitCode.OK


def confirm_failure(
    verdict: Verdict, failure_times: list[float], *, needed: int, interval: float
) -> Verdict:
    """Hold back a ``dead`` verdict until the failure has been seen often enough.

    A failure counts when it is at least ``interval`` seconds after the last
    counted one (checks days apart, as Wikipedia's archive bot does). Until
    ``needed`` failures are counted the verdict is ``inconclusive`` with reason
    ``unconfirmed-failure``.
    """
    if verdict.verdict is not VerdictKind.DEAD or needed <= 1:
        return verdict
    count = count_spaced(failure_times, interval)
    if count >= needed:
        return verdict
    spacing = f" at least {_human_seconds(interval)} apart" if interval > 0 else ""
    return replace(
        verdict,
        verdict=VerdictKind.INCONCLUSIVE,
        reasons=("unconfirmed-failure", *verdict.reasons),
        explanation=(
            f"Failing, but not yet confirmed: failed in {count} of the {needed} runs"
            f"{spacing} needed before it is reported dead. {verdict.explanation}"
        ).strip(),
    )


def could_not_discover(verdict: Verdict, error: str, *, offline: bool = False,
                       archive_host: str | None = None) -> Verdict:
    """``unresolved`` because the archive's index could not be asked is ``inconclusive``.

    "No URL found" and "could not look" are different facts (STYLE.md). The
    sentence says each once, and names the archive that failed (``archive_host``).
    """
    from citecheck.verify import REASONS, archive_failure

    code = error.split(":", 1)[0].strip() or "archive-unavailable"
    reasons: tuple[str, ...] = ("offline",) if offline else ()
    reasons += ("archive-unavailable",) if code != "archive-unavailable" else ()
    if code == "internal-error":  # our bug while resolving, not the archive's failure
        why = f"none could be discovered ({error.partition(':')[2].strip()})"
    else:
        why = f"because {archive_failure(error, archive_host)}"
    return replace(
        verdict,
        verdict=VerdictKind.INCONCLUSIVE,
        reasons=(*reasons, code, *verdict.reasons),
        explanation=f"Could not decide: {REASONS['no-url']}, {why}."
        + (f" {REASONS['offline'].capitalize()}." if offline else ""),
    )


def _unreachable(error: str) -> bool:
    """An archive error that says the host could not be reached at all."""
    code = error.split(":", 1)[0].strip()
    return code in ("dns-error", "connection-refused", "connection-error") or (
        error.startswith("archive-unavailable: not asked")
    )


def count_spaced(times: Iterable[float], interval: float) -> int:
    count = 0
    last: float | None = None
    for t in sorted(times):
        if last is None or t - last >= interval:
            count += 1
            last = t
    return count


# ------------------------------------------------------------------- audit


def run_audit(
    inputs: Sequence[str],
    store: Store,
    options: AuditOptions | None = None,
    *,
    stages: Stages | None = None,
    progress: Progress | None = None,
) -> AuditResult:
    """Audit documents end to end; the run and every result land in ``store``."""
    options = options or AuditOptions()
    sources = expand_inputs(inputs)
    stages = stages or default_stages()
    progress = progress or Progress()
    registry = stages.find_registry(options.config_path)
    from citecheck.verify import Thresholds  # light: no content library at import

    Thresholds.from_env()  # a bad CITECHECK_* threshold is an input error, before the run
    from citecheck.accept import find_accept

    accept = find_accept(options.accept_path)  # so is a bad accept file
    http = Deferred(lambda: stages.make_client(options.http_config()))

    # 1. read and extract (bad input stops here, before a run is recorded)
    progress.stage("documents", len(sources))
    documents: list[Document] = []
    per_doc: list[list[Citation]] = []
    named = set(inputs)
    skipped: list[tuple[str, str]] = []
    for source in sources:
        try:
            doc = stages.read_document(source, published=options.published, registry=registry,
                                       client=http)
        except InputError as exc:
            # one unreadable file found in a folder must not stop the other briefs;
            # a document named on the command line still stops the run
            if source in named:
                raise
            skipped.append((source, str(exc)))
            progress.advance("documents")
            continue
        citations = stages.extract_citations(doc, registry)
        documents.append(doc)
        per_doc.append(list(citations))
        progress.advance("documents")
    if skipped:
        if not documents:
            raise InputError(skipped[0][1])
        unread = {name for name, _why in skipped}
        sources = [source for source in sources if source not in unread]

    run_id = store.start_run({**options.to_dict(), "inputs": sources})
    started_at = store.run_row(run_id)["started_at"]
    warc = stages.make_warc(options.archive_dir, run_id) if stages.make_warc else None
    try:
        result = _audit_run(run_id, started_at, documents, per_doc, registry, http, warc, store,
                            options, stages, progress, accept=accept)
        if skipped:  # the rest is audited, but the run is not clean: an input error
            result = dataclasses.replace(result, skipped=tuple(skipped),
                                         exit_code=max(result.exit_code, ExitCode.USAGE))
        return result
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: every finished check is kept
        store.finish_run(run_id, {}, status="interrupted", exit_code=int(interrupt_code(exc)))
        raise
    except BaseException:
        store.finish_run(run_id, {}, status="failed", exit_code=int(ExitCode.RUN_FAILED))
        raise
    finally:
        progress.close()
        for resource in (http, warc):
            close = getattr(resource, "close", None)
            if close:
                close()


def _audit_run(
    run_id: int,
    started_at: str,
    documents: list[Document],
    per_doc: list[list[Citation]],
    registry: Any,
    http: Any,
    warc: Any,
    store: Store,
    options: AuditOptions,
    stages: Stages,
    progress: Progress,
    *,
    accept: Any = None,
) -> AuditResult:
    t0 = time.monotonic()
    saved_ids = store.save_documents(
        run_id, [(doc, len(cits)) for doc, cits in zip(documents, per_doc, strict=True)]
    )
    doc_ids = {doc.name: doc_id for doc, doc_id in zip(documents, saved_ids, strict=True)}
    recorder = EvidenceRecorder(warc, store, run_id) if warc is not None else None
    live_client = RecordingClient(http, recorder, kind="live")
    archive = None
    if not options.no_archive and stages.make_archive is not None:
        archive = stages.make_archive(
            http, options, cache=store.lookup_cache(run_id),
            evidence=warc if recorder is not None else None,
            on_evidence=recorder.index if recorder is not None else None,
        )
    #: the archive host discovery asks (its CDX index), named when it fails
    archive_root = getattr(archive, "cdx_url", None) or getattr(archive, "archive_url", None)
    archive_host = urlsplit(archive_root).netloc if isinstance(archive_root, str) else None

    # 2. resolve: candidate URLs for every citation
    from citecheck.verify import resolution_of

    citations = [c for cits in per_doc for c in cits]
    candidates: dict[tuple[str, str], list[Candidate]] = {}
    chosen: dict[tuple[str, str], str | None] = {}
    #: citations left without a URL because the archive's index could not be asked
    undiscovered: dict[tuple[str, str], str] = {}
    progress.stage("resolved", len(citations))
    for c in citations:
        if archive is not None:
            archive.last_error = None  # set by discovery when it could not ask
        try:
            cands = [] if c.malformed else list(stages.resolve(c, registry, archive=archive))
        except Exception as exc:  # a bug must not lose the other citations
            log.exception("resolving %s failed", c.raw)
            cands = []
            undiscovered[(c.document, c.id)] = f"internal-error: {type(exc).__name__}: {exc}"
        candidates[(c.document, c.id)] = cands
        # only an accepted origin is checked: a rejected discovery candidate
        # (origin "candidate") is listed in the report, never fetched
        _resolution, accepted = resolution_of(cands)
        chosen[(c.document, c.id)] = normalize_url(accepted.url) if accepted else None
        error = getattr(archive, "last_error", None)
        if not cands and error and (c.document, c.id) not in undiscovered:
            undiscovered[(c.document, c.id)] = error
        progress.advance("resolved")
    urls = sorted({u for u in chosen.values() if u})

    # 3a. live checks, the store as cache, each result committed as it lands; the
    # fresh successes are read from the cache in one query, and only the other
    # URLs go to the live runner (which would serve those from the cache one by one)
    cache = LiveCache(store, run_id, options.max_age)
    progress.stage("URLs", len(urls))
    cached = cache.fresh(urls)
    for _url in cached:
        progress.advance("URLs")
    to_check = [u for u in urls if u not in cached]
    if to_check:  # made here, not in the runner's workers: an error in it stops the run
        http.made()
    published = {doc.name: options.published or doc.published for doc in documents}
    # 3b. the archive lookups run beside the live checks (citecheck.stages), started
    # once a live answer shows the network is up: offline, the archive is never asked
    from citecheck.verify import Thresholds

    thresholds = Thresholds.from_env()  # what verdicts are decided with: in their fingerprint
    # 4a. verification ahead, in a worker thread, as each citation's copies arrive
    ahead = _EarlyVerdicts(citations, chosen, published, registry, candidates, thresholds,
                           stages, store, with_archive=archive is not None)
    for known in cached.values():  # with the archive on, verified as their lookups land
        ahead.on_live(known)
    archive_stage = _archive_stage(citations, chosen, archive, store, options, stages,
                                   progress, published, archive_host, on_lookup=ahead.on_lookup)
    seen: list[LiveResult] = []

    def on_live(result: LiveResult) -> None:
        progress.advance("URLs")
        ahead.on_live(result)
        if archive_stage is not None and not archive_stage.started:
            seen.append(result)
            if proves_network(result) and not stages.detect_offline(seen):
                archive_stage.start()

    if archive_stage is not None and cached and not to_check:
        archive_stage.start()  # nothing asked live, so never offline
    try:
        checked = stages.check_urls(
            to_check, live_client, concurrency=options.concurrency, per_host=options.per_host,
            cache=cache, max_age=options.max_age, on_result=on_live,
        ) if to_check else {}
    except BaseException:
        if archive_stage is not None:
            archive_stage.stop(wait=True)
        ahead.jobs.cancel()
        raise
    results = {**cached, **{normalize_url(k): v for k, v in checked.items()}}
    # results served from the cache do not count towards "offline" (detect_offline)
    offline = bool(to_check) and stages.detect_offline(list(results.values()))
    # URLs refused by policy (skipped) and cached ones were not asked of the network
    tried = [r for r in results.values()
             if not r.from_cache and r.status is not LiveStatus.SKIPPED]
    if undiscovered and (tried or not results) and all(
            r.status is LiveStatus.ERROR and any(_unreachable(c) for c in r.reasons)
            for r in tried):
        # every host tried live was unreachable (or there was no URL at all) and the
        # archive could not be reached either; URLs refused by policy were not tried,
        # so a run of refused URLs is not called offline on the archive's word alone
        offline = offline or all(_unreachable(e) for e in undiscovered.values())
    refused = bool(results) and all(r.refused for r in results.values())

    lookups: dict[LookupKey, ArchiveLookup] = {}
    #: the snapshot the author chose (Robust Links), checked first: citecheck.authored
    authored: dict[tuple[str, str], ArchiveLookup] = {}
    if archive_stage is not None:
        if offline:  # the archive is a host like any other: not asked offline
            archive_stage.stop()
        else:
            try:
                authored, lookups = archive_stage.result()
            except BaseException:
                ahead.jobs.cancel()
                raise

    # 4. verify, confirm, store; the verdicts that can be reused are read in one query
    ahead.jobs.drain()  # the worker is done before any verification here
    inputs = {}
    for doc, cits in zip(documents, per_doc, strict=True):
        for c in cits:
            url = chosen[(c.document, c.id)]
            live = results.get(url) if url else None
            lookup = authored.get((c.document, c.id)) or (
                lookups.get((url, c.date, published[doc.name])) if url else None)
            inputs[(c.document, c.id)] = _inputs(c, registry, candidates[(c.document, c.id)],
                                                 live, lookup, thresholds)
    reusable = store.verdicts_for_fingerprints(
        i.fingerprint for i in inputs.values() if i.fingerprint and i.reusable
    )
    verdicts: list[Verdict] = []
    decided: list[VerdictRow] = []
    for doc, cits in zip(documents, per_doc, strict=True):
        keys = citation_keys(cits)
        for c in cits:
            url = chosen[(c.document, c.id)]
            verdict, fingerprint = (ahead.take(inputs[(c.document, c.id)])
                                    or _verify(inputs[(c.document, c.id)], reusable, stages, store))
            if url:
                refs = recorder.by_url.get(url) if recorder else None
                if not refs and not verdict.evidence:  # checked in an earlier run
                    refs = [f"{r['warc_file']}#{r['offset']}"
                            for r in store.evidence_for(url, limit=1)]
                if refs:
                    verdict = replace(verdict, evidence=tuple(dict.fromkeys(refs)))
                if verdict.verdict is VerdictKind.DEAD and options.confirm_after > 1:
                    verdict = confirm_failure(
                        verdict, store.failure_times(url), needed=options.confirm_after,
                        interval=options.confirm_interval,
                    )
            if offline and verdict.verdict is VerdictKind.DEAD:
                verdict = replace(verdict, verdict=VerdictKind.INCONCLUSIVE,
                                  reasons=("offline", *verdict.reasons))
            missed = undiscovered.get((c.document, c.id))
            if missed and verdict.verdict is VerdictKind.UNRESOLVED:
                verdict = could_not_discover(verdict, missed, offline=offline,
                                             archive_host=archive_host)
            decided.append(VerdictRow(verdict, keys[c.id], fingerprint, doc_ids[doc.name]))
            verdicts.append(_without_bodies(verdict))
        if len(decided) >= 500:  # a few large transactions: cheap, and little to redo
            store.save_verdicts(run_id, decided)
            decided = []
    store.save_verdicts(run_id, decided)

    # 5. ask the archive to save live sources it has never captured
    saved = 0
    if options.save_missing and stages.save_page is not None and not offline:
        saved = _save_missing(verdicts, lookups, http, stages, progress)

    summary = summarize(verdicts)
    summary.update(documents=len(documents), urls=len(urls), offline=offline)
    code = exit_code_for(verdicts, options.fail_on, accept.match if accept else None)
    stats = {
        "elapsed": round(time.monotonic() - t0, 3),
        "cache_hits": cache.hits,
        "urls": len(urls),
        "lookups": len(lookups),
        "saved": saved,
    }
    summary["stats"] = stats
    store.finish_run(run_id, summary, exit_code=int(code))
    finished_at = store.run_row(run_id)["finished_at"]
    return AuditResult(
        run_id=run_id, documents=tuple(documents), verdicts=tuple(verdicts), summary=summary,
        offline=offline, exit_code=code, started_at=started_at, finished_at=finished_at,
        all_refused=refused,
        stats=stats,
    )


class _EarlyVerdicts:
    """Verification (CPU) beside the network stages, as each citation's copies arrive.

    A citation is verified ahead, in :class:`~citecheck.stages.Ahead`'s one worker,
    once its live result has landed and (archive on) its archive lookup; an
    author's snapshot (``version_url``) is left to step 4, and so is a citation
    whose inputs all come from the cache (a cached live result with the archive
    off or with a cached lookup: its stored verdict may be reused).
    :meth:`take` gives the verdict only if it was decided from the very inputs step 4
    has (the same live result, lookup and fingerprint); otherwise step 4 decides,
    so what is decided never changes, only when.
    """

    def __init__(self, citations: list[Citation], chosen: dict[tuple[str, str], str | None],
                 published: dict[str, str | None], registry: Any,
                 candidates: dict[tuple[str, str], list[Candidate]], thresholds: Any,
                 stages: Stages, store: Store, *, with_archive: bool) -> None:
        self.waiting: dict[str, list[Citation]] = {}
        for c in citations:
            url = chosen[(c.document, c.id)]
            if url and not c.version_url:
                self.waiting.setdefault(url, []).append(c)
        self.published, self.registry, self.candidates = published, registry, candidates
        self.thresholds, self.stages, self.store = thresholds, stages, store
        self.with_archive = with_archive
        self.live: dict[str, LiveResult] = {}
        self.looked: dict[LookupKey, ArchiveLookup] = {}
        self.lock = threading.Lock()
        self.jobs: Ahead[tuple[_Inputs, tuple[Verdict, str | None]]] = Ahead()

    def on_live(self, result: LiveResult) -> None:
        if result.from_cache and not self.with_archive:
            return  # nothing else to wait for: step 4 reuses or decides
        url = normalize_url(result.url)
        with self.lock:
            self.live[url] = result
        self._submit_ready(url)

    def on_lookup(self, key: LookupKey, lookup: ArchiveLookup) -> None:
        with self.lock:
            self.looked[key] = lookup
        self._submit_ready(key[0])

    def _submit_ready(self, url: str) -> None:
        ready = []
        with self.lock:
            live = self.live.get(url)
            if live is None:
                return
            for c in self.waiting.get(url, []):
                key = (url, c.date, self.published.get(c.document))
                if not self.with_archive or key in self.looked:
                    lookup = self.looked.get(key)
                    if live.from_cache and (lookup is None or lookup.from_cache):
                        continue  # every input cached: step 4 (reuse)
                    ready.append((c, live, lookup))
        for c, live, lookup in ready:
            self.jobs.submit((c.document, c.id), partial(self._decide, c, live, lookup))

    def _decide(self, c: Citation, live: LiveResult, lookup: ArchiveLookup | None,
                ) -> tuple[_Inputs, tuple[Verdict, str | None]]:
        inputs = _inputs(c, self.registry, self.candidates[(c.document, c.id)], live, lookup,
                         self.thresholds)
        return inputs, _verify(inputs, {}, self.stages, self.store)

    def take(self, inputs: _Inputs) -> tuple[Verdict, str | None] | None:
        early = self.jobs.take((inputs.citation.document, inputs.citation.id))
        if early is None or inputs.reusable:
            return None
        done, decided = early
        if (done.live is inputs.live and done.lookup is inputs.lookup
                and done.fingerprint == inputs.fingerprint):
            return decided
        return None


@dataclass(frozen=True)
class _Inputs:
    """What one citation's verdict is decided from, and its fingerprint."""

    citation: Citation
    source: Any
    pin: Any
    candidates: list[Candidate]
    live: LiveResult | None
    lookup: ArchiveLookup | None
    fingerprint: str | None
    #: the live result and the archive answer come from the cache (the very
    #: records an earlier verdict was decided from): a verdict may be reused
    reusable: bool


def _inputs(
    citation: Citation,
    registry: Any,
    candidates: list[Candidate],
    live: LiveResult | None,
    lookup: ArchiveLookup | None,
    thresholds: Any = None,
) -> _Inputs:
    source = registry.lookup(citation.source) if citation.source else None
    pin = registry.pin_for(citation.source, citation.date) if citation.source else None
    fingerprint = None
    reusable = False
    if live is not None:
        fingerprint = verdict_fingerprint(citation, source, pin, candidates, live, lookup,
                                          thresholds)
        snap_error = lookup is not None and lookup.snapshot is not None and lookup.snapshot.error
        reusable = bool(live.from_cache and (lookup is None or lookup.from_cache)
                        and not snap_error)
    return _Inputs(citation, source, pin, candidates, live, lookup, fingerprint, reusable)


def _verify(
    inputs: _Inputs,
    reusable: Mapping[str, Verdict],
    stages: Stages,
    store: Store,
) -> tuple[Verdict, str | None]:
    """The verdict, reused when exactly the same inputs were decided before.

    Reuse needs the live result and the archive answer to come from the cache
    (``inputs.reusable``); the fingerprint also covers the citation, its
    registry entry, the candidates and the citecheck version. ``reusable``:
    the stored verdicts by fingerprint (:meth:`Store.verdicts_for_fingerprints`).
    Returns the verdict and its fingerprint.
    """
    citation, source, pin = inputs.citation, inputs.source, inputs.pin
    candidates, live, lookup = inputs.candidates, inputs.live, inputs.lookup
    fingerprint = inputs.fingerprint
    if live is not None:
        cached = reusable.get(fingerprint) if fingerprint and inputs.reusable else None
        if cached is not None:
            return replace(cached, live=live), fingerprint
        if live.from_cache and live.body is None and live.status.is_ok:
            live = replace(live, body=store.live_body(live.url, live.checked_at))
    try:
        verdict = stages.verify_citation(citation, source, candidates, live, lookup, pin=pin)
    except Exception as exc:  # a bug must not lose the other citations: say so, go on
        log.exception("verifying %s failed", citation.raw)
        return Verdict(
            citation, VerdictKind.INCONCLUSIVE, reasons=("internal-error",),
            explanation=f"citecheck failed to verify this citation: {type(exc).__name__}: {exc}",
            urls=tuple(c.url for c in candidates[:1]), live=live,
            snapshot=lookup.snapshot if lookup else None, candidates=tuple(candidates),
        ), None
    return verdict, fingerprint


def _without_bodies(verdict: Verdict) -> Verdict:
    """Bodies are not needed once decided: keep memory flat over large audits."""
    live, snap = verdict.live, verdict.snapshot
    if (live is None or live.body is None) and (snap is None or snap.body is None):
        return verdict
    return replace(
        verdict,
        live=replace(live, body=None) if live is not None else None,
        snapshot=replace(snap, body=None) if snap is not None else None,
    )


def verdict_fingerprint(
    citation: Citation,
    source: Any,
    pin: Any,
    candidates: Sequence[Candidate],
    live: LiveResult,
    lookup: ArchiveLookup | None,
    thresholds: Any = None,
) -> str:
    """A digest of everything a verdict is decided from (``thresholds``: the
    :class:`~citecheck.verify.Thresholds` it is decided with)."""
    snap = lookup.snapshot if lookup is not None else None
    parts = {
        "version": __version__,
        "thresholds": dataclasses.asdict(thresholds) if thresholds is not None else None,
        "citation": citation.to_dict(),
        "source": source.to_dict() if source is not None else None,
        "pin": pin.to_dict() if pin is not None else None,
        "candidates": [c.to_dict() for c in candidates],
        "live": [live.url, live.status.value, live.status_code, live.final_url, live.checked_at],
        "lookup": None if lookup is None else [
            lookup.status.value, lookup.checked_at,
            snap.archive_url if snap else None, snap.timestamp if snap else None,
        ],
    }
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return "sha1:" + hashlib.sha1(text.encode("utf-8")).hexdigest()


def _archive_stage(
    citations: list[Citation],
    chosen: dict[tuple[str, str], str | None],
    archive: _Archive | None,
    store: Store,
    options: AuditOptions,
    stages: Stages,
    progress: Progress,
    published: dict[str, str | None],
    archive_host: str | None,
    on_lookup: Callable[[LookupKey, ArchiveLookup], None] | None = None,
) -> Background[tuple[dict[tuple[str, str], ArchiveLookup], dict[LookupKey, ArchiveLookup]]] | None:
    """The archive stage, not yet started: the authors' snapshots, then the lookups."""
    if archive is None:
        return None

    def work(stop: threading.Event) -> tuple[dict[tuple[str, str], ArchiveLookup],
                                             dict[LookupKey, ArchiveLookup]]:
        from citecheck.authored import author_lookup

        authored: dict[tuple[str, str], ArchiveLookup] = {}
        for c in citations:
            check_stopped(stop)
            if c.version_url and chosen[(c.document, c.id)]:
                found = author_lookup(c, archive, store)
                if found is not None:
                    authored[(c.document, c.id)] = found
        lookups = _archive_lookups([c for c in citations if (c.document, c.id) not in authored],
                                   chosen, archive, store, options, stages, progress, published,
                                   stop=stop, archive_host=archive_host, on_lookup=on_lookup)
        return authored, lookups

    return Background(work, name="archive")


def _archive_lookups(
    citations: list[Citation],
    chosen: dict[tuple[str, str], str | None],
    archive: _Archive,
    store: Store,
    options: AuditOptions,
    stages: Stages,
    progress: Progress,
    published: dict[str, str | None],
    stop: threading.Event | None = None,
    archive_host: str | None = None,
    on_lookup: Callable[[LookupKey, ArchiveLookup], None] | None = None,
) -> dict[LookupKey, ArchiveLookup]:

    wanted = sorted(
        {
            (u, c.date, published.get(c.document))
            for c in citations
            if (u := chosen[(c.document, c.id)])
        },
        key=lambda item: (item[0], item[1] or "", item[2] or ""),
    )
    progress.stage("archive", len(wanted))

    def one(item: LookupKey) -> ArchiveLookup:
        url, date, pub = item
        check_stopped(stop)  # interrupted: the lookups not yet begun are dropped
        lookup = archive.lookup(url, date, pub)  # cached in the store by the client
        if lookup.status is LookupStatus.FOUND and lookup.snapshot is not None:
            snap = lookup.snapshot
            if snap.body is None:
                body = store.get_snapshot_body(snap.archive_url)
                if body is not None:
                    snap = replace(snap, body=body)
                    lookup = replace(lookup, snapshot=snap)
                else:
                    lookup = _fetched(archive, lookup, date, pub)  # a failure: in .error
                    if lookup.snapshot is not None and lookup.snapshot.body is not None:
                        store.put_snapshot_body(lookup.snapshot)
        return lookup

    out: dict[LookupKey, ArchiveLookup] = {}
    pool_host = host_of(options.archive_url)
    pool = stages.run_pool or _serial_pool
    for item, lookup in pool(
        wanted, one, concurrency=options.archive_concurrency, per_host=options.archive_concurrency,
        host_of=lambda _item: pool_host,
    ):
        if archive_host and lookup.status is LookupStatus.ERROR:
            lookup = replace(lookup, archive=lookup.archive or archive_host)  # who failed
        out[item] = lookup
        progress.advance("archive")
        if on_lookup is not None:
            on_lookup(item, lookup)
    return out


def _serial_pool(
    items: Iterable[Any], fn: Callable[[Any], Any], **_limits: Any
) -> Iterable[tuple[Any, Any]]:
    return ((item, fn(item)) for item in items)


def _save_missing(
    verdicts: list[Verdict],
    lookups: dict[LookupKey, ArchiveLookup],
    http: Any,
    stages: Stages,
    progress: Progress,
) -> int:
    never = {key[0] for key, lk in lookups.items() if lk.status is LookupStatus.NONE}
    targets = sorted(
        {v.live.url for v in verdicts if v.live and v.live.status.is_ok and v.live.url in never}
    )
    saved = 0
    assert stages.save_page is not None
    for url in targets:
        result = stages.save_page(url, http)
        ok = getattr(result, "ok", result is not None)
        saved += bool(ok)
        progress.note(f"save page now: {url}: {'requested' if ok else 'failed'}")
    return saved


# ----------------------------------------------------------------- reports


def build_report(
    store: Store, run_id: int | None = None, *, verdicts: Sequence[Verdict] | None = None,
    accept: Any = None,
) -> Any:
    """A :class:`~citecheck.report.RunReport` of a stored run, with its changes.

    ``verdicts``: the run's verdicts already in hand (they are what the store
    holds), saving their decoding from the database. ``accept``: an
    :class:`~citecheck.accept.AcceptList` marking the findings it accepts.
    """
    from citecheck.report import Change, DocumentInfo, RunReport

    stored = store.load_run(run_id, with_verdicts=verdicts is None)
    run = stored.run
    earlier = [r for r in store.runs() if r.id < run.id and r.status == "finished"]
    changes = None
    if earlier:
        changes = [
            Change(
                kind=c.kind, subject=c.url or c.source, document=c.document,
                citation_id=c.citation_id, previous=c.previous, current=c.current,
                detail=f"{c.source}: {c.previous} -> {c.current} (since run {c.previous_run})",
            )
            for c in store.history(run_id=run.id)
        ]
    verdicts = stored.verdicts if verdicts is None else verdicts
    return RunReport.from_verdicts(
        verdicts,
        run_id=str(run.id),
        started_at=run.started_at,
        finished_at=run.finished_at,
        options=run.options,
        documents=[DocumentInfo(d["name"], d["published"], d["title"]) for d in stored.documents],
        changes=changes,
        accepted=accept.accepted(verdicts) if accept else None,
    )


@dataclass(frozen=True)
class ReportTargets:
    """Where to write which format; ``-`` is stdout for JSON and Markdown."""

    html: str | None = None
    json: str | None = None
    markdown: str | None = None
    junit: str | None = None
    report_dir: str | None = None  #: HTML goes here when ``html`` is not given


def write_reports(
    report: Any, targets: ReportTargets, *, fail_on: Severity = Severity.FAIL,
    stdout: TextIO | None = None,
) -> list[str]:
    """Render and write each requested format; returns the files written."""
    from citecheck.report import render_html, render_json, render_junit, render_markdown

    stdout = stdout or sys.stdout
    written: list[str] = []

    def emit(path: str | None, render: Callable[[], str], stdout_ok: bool) -> None:
        if not path:
            return
        text = render()
        if path == "-" and stdout_ok:
            stdout.write(text)
            stdout.flush()
            return
        target = Path(path)
        # an unwritable report stops the run: one line and exit 3, not a traceback
        if target.parent and not target.parent.is_dir():
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RunError(f"{target.parent}: cannot create report directory: "
                               f"{exc.strerror or exc}") from None
        try:
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise RunError(f"{target}: cannot write report: {exc.strerror or exc}") from None
        written.append(str(target))

    html = targets.html
    if html is None and targets.report_dir:
        html = str(Path(targets.report_dir) / f"citecheck-run-{report.run_id}.html")
    emit(html, lambda: render_html(report), False)
    emit(targets.json, lambda: render_json(report), True)
    emit(targets.markdown, lambda: render_markdown(report, fail_on=fail_on), True)
    emit(targets.junit, lambda: render_junit(report, fail_on=fail_on), False)
    return written


def summary_line(result: AuditResult) -> str:
    """One line for stderr: counts by verdict."""
    counts = result.summary["by_verdict"]
    parts = [f"{n} {kind}" for kind, n in counts.items() if n]
    docs = len(result.documents)
    text = (
        f"run {result.run_id}: {result.summary['total']} citations in {docs} "
        f"document{'s' if docs != 1 else ''}, {result.summary.get('urls', 0)} URLs"
    )
    return text + (": " + ", ".join(parts) if parts else "")
