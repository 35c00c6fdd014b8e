"""The ``citecheck`` command: click commands and nothing else.

Each command parses its options, calls the library, prints. Errors the library
raises on purpose (:class:`~citecheck.errors.CitecheckError`) become one line on
stderr and the documented exit code.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import gc
import json
import logging
import os
import sqlite3
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any, NoReturn, cast

import click

from citecheck import __version__
from citecheck.errors import (
    NO_SUCH_FILE,
    CitecheckError,
    ExitCode,
    InputError,
    Terminated,
    interrupt_code,
)

# The library is imported inside each command, not here: `--help`, `--version`
# and `check` then never load the report templates (jinja2), the content
# extractors or the archive client (start-up time; see docs/benchmarks.md).

F = Callable[..., Any]

#: what a run says when every URL was refused by policy (not offline: nothing was asked)
ALL_REFUSED = ("Warning: every URL was refused before any request (private-address: see "
               "--allow-private), so nothing was checked.")


class CitecheckGroup(click.Group):
    """A group that turns library errors into one line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CitecheckError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(int(exc.exit_code))
        except KeyboardInterrupt as exc:  # not click's "Aborted!" and exit 1 (findings)
            click.echo(f"Error: interrupted{_by(exc)}", err=True)
            ctx.exit(int(interrupt_code(exc)))
        except sqlite3.DatabaseError as exc:
            click.echo(f"Error: database: {exc}", err=True)
            ctx.exit(int(ExitCode.RUN_FAILED))
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
                click.echo(f"Error: {exc.strerror}: {exc.filename or ''}".rstrip(": "), err=True)
                ctx.exit(int(ExitCode.RUN_FAILED))
            raise


# ------------------------------------------------------------ shared options


def config_option(f: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        envvar="CITECHECK_CONFIG",
        help="Source registry (default: ./citations.yaml if present).",
    )(f)


def published_option(f: F) -> F:
    return click.option(
        "--published",
        metavar="DATE",
        help="The document's publication date (YYYY-MM-DD), overriding what is found in it.",
    )(f)


def db_option(f: F) -> F:
    return click.option(
        "--db",
        "db_path",
        default="citecheck.db",
        show_default=True,
        envvar="CITECHECK_DB",
        type=click.Path(dir_okay=False),
        help="SQLite history database.",
    )(f)


def http_options(f: F) -> F:
    options = [
        click.option("--concurrency", default=32, show_default=True, type=click.IntRange(1, 512),
                     envvar="CITECHECK_CONCURRENCY", help="Requests in flight at once."),
        click.option("--per-host", default=2, show_default=True, type=click.IntRange(1, 64),
                     envvar="CITECHECK_PER_HOST", help="Requests in flight per host."),
        click.option("--timeout", default=20.0, show_default=True, type=click.FloatRange(0.1),
                     envvar="CITECHECK_TIMEOUT", help="Connect/read timeout in seconds."),
        click.option("--max-age", "max_age_seconds", default="24h", show_default=True,
                     envvar="CITECHECK_MAX_AGE", callback=_duration,
                     help="Reuse successful results younger than this "
                          "(e.g. 30m, 24h, 7d; 0 = never)."),
        click.option("--allow-private", is_flag=True, envvar="CITECHECK_ALLOW_PRIVATE",
                     help="Allow private and loopback addresses (link-local stays refused)."),
        click.option("--user-agent", envvar="CITECHECK_USER_AGENT",
                     help="User-Agent header (default names citecheck and a contact URL)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _http_url(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """An option that must be an http(s) URL: a usage error at once, not failed lookups."""
    from urllib.parse import urlsplit

    if value is None:
        return None
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise click.BadParameter(f"{value!r}: not an http(s) URL")
    return value


_ARCHIVE_ORDER = "citecheck.archive-options"  #: ctx.meta: (name, value) as given


class _InOrder(click.Option):
    """A repeatable option whose occurrences are noted in ``ctx.meta`` in command-line
    order, so ``--archive-cdx-url`` can pair with the ``--archive-url`` before it."""

    def add_to_parser(self, parser: Any, ctx: click.Context) -> None:
        super().add_to_parser(parser, ctx)
        for opt in self.opts:
            parsed = getattr(parser, "_long_opt", {}).get(opt)
            if parsed is None:  # another click: values are paired by position
                continue
            process = parsed.process

            def noted(value: Any, state: Any, _process: Any = process, _name: Any = self.name
                      ) -> None:
                ctx.meta.setdefault(_ARCHIVE_ORDER, []).append((_name, value))
                _process(value, state)

            parsed.process = noted


def _archive_urls(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Each value an http(s) URL (``memento:`` before one for a TimeMap endpoint)."""
    for item in value or ():
        _http_url(ctx, param, item.removeprefix("memento:") if param.name == "archive_url"
                  else item)
    return value


def pair_archives(
    order: list[tuple[str, str]], urls: tuple[str, ...], cdx_urls: tuple[str, ...]
) -> tuple[tuple[str, str | None], ...]:
    """``(root, CDX URL or None)`` per archive: each ``--archive-cdx-url`` pairs with
    the ``--archive-url`` before it (the first one when it comes first). Values not
    given on the command line (environment, default) pair by position."""
    given = [(n, v) for n, v in order if n in ("archive_url", "archive_cdx_url")]
    if sorted(v for n, v in given if n == "archive_url") != sorted(urls) or sorted(
        v for n, v in given if n == "archive_cdx_url"
    ) != sorted(cdx_urls):
        given = [("archive_url", u) for u in urls]
        for i, cdx in enumerate(cdx_urls):
            given.insert(min(2 * i + 1, len(given)), ("archive_cdx_url", cdx))
    pairs: list[list[Any]] = []
    early: str | None = None
    for name, value in given:
        if name == "archive_url":
            pairs.append([value, None])
        elif not pairs and early is None:
            early = value
        elif pairs and pairs[-1][1] is None and not pairs[-1][0].startswith("memento:"):
            pairs[-1][1] = value
        else:
            where = pairs[-1][0] if pairs else "the first archive"
            raise click.UsageError(f"--archive-cdx-url {value}: {where} has its CDX URL already"
                                   if pairs and not pairs[-1][0].startswith("memento:") else
                                   f"--archive-cdx-url {value}: {where} is a TimeMap endpoint")
    if early is not None:
        if pairs[0][1] is not None or pairs[0][0].startswith("memento:"):
            raise click.UsageError(f"--archive-cdx-url {early}: no --archive-url to pair with")
        pairs[0][1] = early
    return tuple((root, cdx) for root, cdx in pairs)


def archive_options(f: F) -> F:
    @functools.wraps(f)
    def with_archives(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        urls = tuple(kwargs.pop("archive_url") or ("https://web.archive.org/web",))
        archives = pair_archives(ctx.meta.get(_ARCHIVE_ORDER, []), urls,
                                 tuple(kwargs.pop("archive_cdx_url") or ()))
        return f(*args, archive_url=archives[0][0], archive_cdx_url=archives[0][1],
                 archives=archives, **kwargs)

    options = [
        click.option("--archive-url", cls=_InOrder, multiple=True,
                     default=("https://web.archive.org/web",), show_default=True,
                     envvar="CITECHECK_ARCHIVE_URL", callback=_archive_urls,
                     help="Wayback-style collection root, e.g. http://127.0.0.1:8080/web for "
                          "pywb, or memento:URL for a Memento TimeMap endpoint. Repeat it "
                          "(or list several in the variable, space-separated) to ask several "
                          "archives: the best snapshot over all of them is used."),
        click.option("--archive-cdx-url", cls=_InOrder, multiple=True,
                     envvar="CITECHECK_ARCHIVE_CDX_URL", callback=_archive_urls,
                     help="CDX endpoint of the --archive-url before it, when it cannot be "
                          "derived (ROOT/cdx; the Internet Archive's own)."),
        click.option("--no-archive", is_flag=True, help="Skip archive lookups."),
    ]
    wrapped: Any = with_archives
    for option in reversed(options):
        wrapped = option(wrapped)
    return cast(F, wrapped)


def fail_on_option(f: F) -> F:
    return click.option(
        "--fail-on",
        type=click.Choice(["fail", "warn"]),
        default="fail",
        show_default=True,
        envvar="CITECHECK_FAIL_ON",
        help="Lowest severity that makes the exit code 1.",
    )(f)


def accept_option(f: F) -> F:
    return click.option(
        "--accept",
        "accept_path",
        type=click.Path(dir_okay=False),
        envvar="CITECHECK_ACCEPT",
        help="Accepted findings: shown, but not counted towards the exit code "
             "(default: ./citecheck-accept.yaml if present).",
    )(f)


# ------------------------------------------------------------------ commands


@click.group(cls=CitecheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="citecheck")
def cli() -> None:
    """Verify the sources cited in policy briefs.

    Extract every inline citation such as (MOFA, May 14) from a brief, find
    its URL, check it live and in web archives, keep the history in SQLite
    and write reports that flag dead or mismatched sources.

    Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage or
    input error, 3 the run itself failed, 130 interrupted (Ctrl-C), 143
    terminated (SIGTERM).
    """


# --------------------------------------------------------- audit, history, report


def _duration(ctx: click.Context, param: click.Parameter, value: Any) -> float | None:
    if value is None:
        return None
    from citecheck.progress import parse_duration

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def report_options(f: F) -> F:
    options = [
        click.option("--html", "html_path", type=click.Path(dir_okay=False),
                     help="Write the HTML report here (default: a file in --report-dir)."),
        click.option("--json", "json_path", type=click.Path(dir_okay=False, allow_dash=True),
                     help="Write the JSON report here (- for stdout)."),
        click.option("--markdown", "markdown_path",
                     type=click.Path(dir_okay=False, allow_dash=True),
                     help="Write a Markdown summary here (- for stdout)."),
        click.option("--junit", "junit_path", type=click.Path(dir_okay=False),
                     help="Write JUnit XML here (one test case per citation)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@cli.command()
@click.argument("documents", nargs=-1, required=True)
@config_option
@published_option
@db_option
@click.option("--archive-dir", default="archive", show_default=True, envvar="CITECHECK_ARCHIVE_DIR",
              type=click.Path(file_okay=False), help="Local WARC evidence store.")
@click.option("--report-dir", default="reports", show_default=True, envvar="CITECHECK_REPORT_DIR",
              type=click.Path(file_okay=False), help="Where HTML reports go.")
@report_options
@archive_options
@fail_on_option
@http_options
@click.option("--confirm-after", default=1, show_default=True, type=click.IntRange(1, 100),
              envvar="CITECHECK_CONFIRM_AFTER",
              help="Report a failing source as dead only once it failed in N runs.")
@click.option("--confirm-interval", default="0", show_default=True, callback=_duration,
              envvar="CITECHECK_CONFIRM_INTERVAL",
              help="Counted failures must be at least this far apart (e.g. 1d).")
@click.option("--save-missing", is_flag=True,
              help="Ask the Internet Archive to save live sources it has never captured.")
@click.option("--archive-rate", type=click.FloatRange(0.01),
              envvar="CITECHECK_ARCHIVE_RATE",
              help="Requests per second to each archive (default: 1 to the Internet "
                   "Archive's CDX, none for a local one).")
@accept_option
@click.option("-v", "--verbose", count=True, help="Progress and notes on stderr, even off a TTY.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def audit(documents: tuple[str, ...], html_path: str | None, json_path: str | None,
          markdown_path: str | None, junit_path: str | None, report_dir: str, db_path: str,
          max_age_seconds: float, fail_on: str, verbose: int, quiet: bool, **kw: Any) -> None:
    """Audit briefs end to end: extract, resolve, check, verify, store, report.

    DOCUMENTS are .txt, .md, .html, .docx or .pdf files, folders of them (searched
    recursively), - for stdin, or http(s) URLs of published briefs.

    Example:

    \b
        citecheck audit briefs/ --report-dir reports --json audit.json
    """
    from citecheck.models import Severity  # not at import: --version needs none
    from citecheck.pipeline import (
        AuditOptions,
        Progress,
        ReportTargets,
        build_report,
        run_audit,
        summary_line,
        write_reports,
    )
    from citecheck.report import github_annotations, should_annotate
    from citecheck.store import Store

    severity = Severity.parse(fail_on)
    options = AuditOptions(
        fail_on=severity, max_age=max_age_seconds,
        **{k: v for k, v in kw.items() if k in AuditOptions.__dataclass_fields__},
    )
    progress = Progress(sys.stderr, enabled=not quiet and (verbose > 0 or sys.stderr.isatty()))
    _configure_logging(verbose, quiet)
    with _stop_on_sigterm(), Store(db_path) as store:
        try:
            result = run_audit(documents, store, options, progress=progress)
        except KeyboardInterrupt as exc:
            _interrupted(exc)
        from citecheck.accept import find_accept

        report = build_report(store, result.run_id, verdicts=result.verdicts,
                              accept=find_accept(kw.get("accept_path")))
    targets = ReportTargets(html=html_path, json=json_path, markdown=markdown_path,
                            junit=junit_path, report_dir=report_dir)
    written = write_reports(report, targets, fail_on=severity)
    if should_annotate(os.environ):
        for line in github_annotations(report):
            click.echo(line)
    for _name, why in result.skipped:
        click.echo(f"Error: {why} (skipped; the other documents were audited)", err=True)
    if not quiet:
        if result.offline:
            click.echo("Warning: every host failed to resolve or connect: this machine appears "
                       "to be offline, so sources are reported inconclusive, not dead.", err=True)
            click.echo("To see what citecheck does without a network, run `citecheck demo`.",
                       err=True)
        elif result.all_refused:
            click.echo(ALL_REFUSED, err=True)
        click.echo(summary_line(result), err=True)
        if report.accepted:
            click.echo(f"{len(report.accepted)} accepted finding(s) shown but not counted "
                       "(citecheck-accept.yaml)", err=True)
        for path in written:
            click.echo(f"wrote {path}", err=True)
    click.get_current_context().exit(int(result.exit_code))


@cli.command()
@click.argument("subject", required=False)
@db_option
@click.option("--run", "run_id", type=int,
              help="Compare this run with earlier ones (default: latest).")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@click.option("--fail-on-new", is_flag=True,
              help="Exit 1 if citations are newly dead or newly mismatched (for CI).")
def history(subject: str | None, db_path: str, run_id: int | None, as_json: bool,
            fail_on_new: bool) -> None:
    """Show what changed between runs: newly dead, recovered, drifted, rescued.

    SUBJECT narrows to one document, URL or source (label or registry key).
    Citations seen for the first time count as new.

    Example:

    \b
        citecheck history
        citecheck history "Russian MOD" --json
        citecheck history --fail-on-new
    """
    from citecheck.store import Store

    _require_db(db_path)
    with Store(db_path, read_only=True) as store:
        runs = store.runs()
        _require_run(db_path, runs, run_id)
        changes = store.history(subject, run_id)
    failing = [c for c in changes if c.kind in ("newly-dead", "newly-mismatched")]
    code = int(ExitCode.FINDINGS if fail_on_new and failing else ExitCode.OK)
    if as_json:
        click.echo(json.dumps({"subject": subject, "changes": [c.to_dict() for c in changes]},
                              indent=2, ensure_ascii=False))
        click.get_current_context().exit(code)
    if not runs:
        click.echo("No runs recorded yet: run `citecheck audit` first.")
        return
    finished = [r.id for r in runs if r.status == "finished"] or [runs[0].id]
    target = changes[0].run if changes else (run_id or max(finished))
    first = not any(r.id < target and r.status == "finished" for r in runs)
    if first:
        click.echo(f"Run {target} is the first run: there is no earlier run to compare it with.")
        if not changes:
            return
        click.echo("Its failing citations count as new:")
    elif not changes:
        click.echo("No changes since the previous run"
                   + (f" for {subject}." if subject else "."))
        return
    else:
        click.echo(f"Changes in run {changes[0].run} since earlier runs"
                   + (f" for {subject}:" if subject else ":"))
    for title, attr in (("By source", "source"), ("By document", "document")):
        groups: dict[str, list[Any]] = defaultdict(list)
        for change in changes:
            groups[getattr(change, attr)].append(change)
        click.echo(f"\n{title}:")
        for name in sorted(groups):
            counts: dict[str, int] = defaultdict(int)
            for change in groups[name]:
                counts[change.kind] += 1
            click.echo(f"  {name}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    click.echo("\nCitations:")
    for change in changes:
        click.echo(f"  {change.kind:17} {change.document}:{change.citation_id} {change.source}"
                   f" {change.previous} -> {change.current} {change.url or ''}".rstrip())
    if code:
        click.echo(f"\n{len(failing)} citation(s) newly dead or mismatched.", err=True)
    click.get_current_context().exit(code)


@cli.command()
@db_option
@click.option("--run", "run_id", type=int, help="Run id (default: the latest finished run).")
@click.option("--report-dir", type=click.Path(file_okay=False),
              help="Write the HTML report as a file in this folder.")
@report_options
@fail_on_option
@accept_option
def report(db_path: str, run_id: int | None, report_dir: str | None, html_path: str | None,
           json_path: str | None, markdown_path: str | None, junit_path: str | None,
           fail_on: str, accept_path: str | None) -> None:
    """Re-render a past run's report from the database, with no network.

    Exits 1 when the run has findings at or above --fail-on, as audit does.

    Example:

    \b
        citecheck report --run 3 --html old.html --json -
    """
    from citecheck.accept import find_accept
    from citecheck.pipeline import ReportTargets, build_report, write_reports
    from citecheck.store import Store

    _require_db(db_path)
    accept = find_accept(accept_path)
    if not any((html_path, json_path, markdown_path, junit_path, report_dir)):
        json_path = "-"
    with Store(db_path, read_only=True) as store:
        runs = store.runs()
        if not runs:
            raise InputError(f"{db_path}: no runs recorded yet (run `citecheck audit` first)")
        _require_run(db_path, runs, run_id)
        data = build_report(store, run_id, accept=accept)
    targets = ReportTargets(html=html_path, json=json_path, markdown=markdown_path,
                            junit=junit_path, report_dir=report_dir)
    from citecheck.models import Severity  # not at import: --version needs none

    severity = Severity.parse(fail_on)
    for path in write_reports(data, targets, fail_on=severity):
        click.echo(f"wrote {path}", err=True)
    code = ExitCode.FINDINGS if data.findings(severity) else ExitCode.OK
    click.get_current_context().exit(int(code))


@cli.command("accept")
@db_option
@click.option("--run", "run_id", type=int, help="Run id (default: the latest finished run).")
@click.option("--reason-code", metavar="CODE",
              help="Only findings with this reason code, accepting the reason (e.g. rate-limited) "
                   "rather than the verdict.")
@click.option("--by", "by", required=True, help="Who reviewed and accepts the findings.")
@click.option("--why", "why", help="Why they are accepted (default: a baseline of the run).")
@click.option("--expires", metavar="DATE", help="Last day the entries hold (YYYY-MM-DD).")
@click.option("--accept", "accept_path", default="citecheck-accept.yaml", show_default=True,
              envvar="CITECHECK_ACCEPT", type=click.Path(dir_okay=False),
              help="The accepted-findings file to add to (created if missing).")
@click.option("--fail-on", type=click.Choice(["fail", "warn"]), default="fail",
              show_default=True, envvar="CITECHECK_FAIL_ON",
              help="Accept findings at or above this severity (warn: warnings too).")
def accept_command(db_path: str, run_id: int | None, reason_code: str | None, by: str,
                   why: str | None, expires: str | None, accept_path: str,
                   fail_on: str) -> None:
    """Accept a run's findings: write them to citecheck-accept.yaml, so CI fails only on news.

    Accepted findings still show in every report, marked accepted, but no
    longer count towards the exit code, until they change (another verdict or
    reason) or expire. Findings already accepted are not written twice.

    Example:

    \b
        citecheck accept --run 3 --by "A. Analyst" --why "reviewed 2026-12-01"
        citecheck accept --reason-code rate-limited --by ci --expires 2027-01-31
    """
    import datetime as dt

    from citecheck.accept import AcceptList, entries_for, load_accept, write_entries
    from citecheck.models import Severity
    from citecheck.store import Store

    _require_db(db_path)
    if expires is not None:
        try:
            expires = dt.date.fromisoformat(expires).isoformat()
        except ValueError:
            raise click.BadParameter(f"{expires!r}: not a date (YYYY-MM-DD)",
                                     param_hint="--expires") from None
    if reason_code is not None and not reason_code.replace("-", "").isalnum():
        raise click.BadParameter(f"{reason_code!r}: not a reason code such as http-404",
                                 param_hint="--reason-code")
    existing = load_accept(accept_path) if os.path.exists(accept_path) else AcceptList()
    with Store(db_path, read_only=True) as store:
        stored = store.load_run(run_id)
    entries = entries_for(
        stored.verdicts, by=by, why=why or f"baseline: the findings of run {stored.run.id}",
        fail_on=Severity.parse(fail_on), reason_code=reason_code, expires=expires,
        existing=existing)
    written = write_entries(accept_path, entries)
    if written:
        click.echo(f"wrote {written} accepted finding(s) of run {stored.run.id} to {accept_path}")
    else:
        click.echo(f"run {stored.run.id}: no finding to accept that is not accepted already")


@cli.command("fix")
@click.argument("document")
@click.option("-o", "--output", metavar="PATH", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the fixed brief here (- for stdout).")
@click.option("--diff", "show_diff", is_flag=True,
              help="Print a unified diff of the changes instead of writing.")
@click.option("--in-place", is_flag=True, help="Overwrite DOCUMENT with the fixed brief.")
@click.option("--audit", "audit_first", is_flag=True,
              help="Audit DOCUMENT first (with the options below) instead of using the "
                   "latest audit in --db.")
@click.option("--archive-now", is_flag=True,
              help="Ask Save Page Now to capture verified live sources with no snapshot "
                   "within --max-age-snapshot, and link the capture.")
@click.option("--max-age-snapshot", "max_age_snapshot", default="30d", show_default=True,
              callback=_duration, help="A snapshot younger than this needs no new capture.")
@click.option("--archive-wait", default=120.0, show_default=True, type=click.FloatRange(0),
              help="Seconds to wait for each capture (--archive-now).")
@click.option("--save-url", default="https://web.archive.org/save", show_default=True,
              callback=_http_url, help="Save Page Now endpoint (--archive-now).")
@db_option
@config_option
@published_option
@click.option("--archive-dir", default="archive", show_default=True, envvar="CITECHECK_ARCHIVE_DIR",
              type=click.Path(file_okay=False), help="Local WARC evidence store (--audit).")
@archive_options
@http_options
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors (and the diff).")
def fix_command(document: str, output: str | None, show_diff: bool, in_place: bool,
                audit_first: bool, archive_now: bool, max_age_snapshot: float,
                archive_wait: float, save_url: str, db_path: str, quiet: bool,
                max_age_seconds: float, **kw: Any) -> None:
    """Rewrite a brief's citation links from its audit: Robust Links and snapshot links.

    Verified links keep their URL and gain data-versionurl (their snapshot)
    and data-versiondate (the cited date); rescued links point at the
    snapshot that supports them, with data-originalurl. Mismatched,
    unresolved and inconclusive citations are left as they are and listed.
    Nothing else in the file changes; fixing a fixed brief changes nothing.
    DOCUMENT is a .html, .md, .txt or .docx file (in a .docx, only rescued
    links change); it is never overwritten unless --in-place is given.

    Example:

    \b
        citecheck fix brief.html --diff
        citecheck fix brief.html -o brief.fixed.html --archive-now
    """
    from citecheck.extract.readers import load
    from citecheck.fix import fix_document, latest_audit
    from citecheck.store import Store

    if sum((bool(output), show_diff, in_place)) != 1:
        raise click.UsageError("give exactly one of -o PATH, --diff or --in-place")
    if document == "-" or document.startswith(("http://", "https://")):
        raise click.UsageError("fix needs a file: save the brief and give its path")
    if output and output != "-" and os.path.exists(output) and os.path.samefile(output, document):
        raise click.UsageError("-o is the input file: give --in-place to overwrite it")
    raw = load(document)
    if not audit_first:
        _require_db(db_path)
    with Store(db_path) as store:
        if audit_first:
            from citecheck.pipeline import AuditOptions, run_audit

            options = AuditOptions(max_age=max_age_seconds, **{
                k: v for k, v in kw.items() if k in AuditOptions.__dataclass_fields__})
            run_audit([document], store, options)
        run_id, records = latest_audit(store, document)
    if archive_now:
        records = _archive_now(records, kw, save_url, max_age_snapshot, archive_wait, quiet)
    result = fix_document(document, raw.data, raw.kind, records, run_id=run_id)
    if show_diff:
        click.echo(result.diff(f"{document} (fixed)"), nl=False)
    elif output == "-":
        sys.stdout.buffer.write(result.fixed)
        sys.stdout.flush()
    else:
        target = document if in_place else str(output)
        if not in_place or result.changed:
            with open(target, "wb") as fh:
                fh.write(result.fixed)
    if not quiet:
        _print_fix(result, document if in_place else output)


def _archive_now(records: Any, kw: dict[str, Any], save_url: str, max_age: float, wait: float,
                 quiet: bool) -> Any:
    from citecheck.archive.save import save_page_now
    from citecheck.fix.snapshot import archive_now
    from citecheck.http import HttpClient, HttpConfig

    http = HttpClient(HttpConfig.from_timeout(kw.get("timeout") or 20.0,
                                              allow_private=bool(kw.get("allow_private"))))
    roots = [u for u in kw.get("archive_url") or () if u.startswith(("http://", "https://"))]
    extra = {"archive_root": roots[0].rstrip("/")} if roots else {}

    def save(url: str) -> Any:
        return save_page_now(url, http, wait=wait, save_url=save_url, **extra)

    try:
        records, notes = archive_now(records, save, max_age_days=max_age / 86400)
    finally:
        http.close()
    if not quiet:
        for note in notes:
            click.echo(f"save page now: {note.url}: {note.detail}", err=True)
    return records


def _print_fix(result: Any, written: str | None) -> None:
    from citecheck.fix import Status

    counts = ", ".join(f"{result.count(s)} {s.value}" for s in Status if result.count(s))
    where = f" -> {written}" if written and written != "-" else ""
    click.echo(f"fix {result.name}{where} (from run {result.run_id}): "
               f"{counts or 'no citations'}", err=True)
    for o in result.outcomes:
        if o.status in (Status.UNCHANGED, Status.NOT_FOUND) or o.fix.reason == "no-snapshot":
            c = o.fix.citation
            click.echo(f"  {o.status.value:9} line {c.line}: {c.raw}: {o.note}", err=True)


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """A killed job (SIGTERM: CI timeouts, ``kill``) stops like Ctrl-C: finished work
    saved, the run marked interrupted, one Error line, and exit 143 (130 for Ctrl-C)."""
    import signal
    import threading

    def stop(signum: int, frame: Any) -> None:
        raise Terminated

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupted(exc: BaseException) -> NoReturn:
    """Ctrl-C or SIGTERM: one line and exit 130 or 143 (the shell's convention, neither
    findings nor a failed run); checks are saved as they land."""
    click.echo(f"Error: interrupted{_by(exc)}; every finished check is saved: run the same "
               "command again to resume", err=True)
    click.get_current_context().exit(int(interrupt_code(exc)))


def _by(exc: BaseException) -> str:
    return " by SIGTERM" if isinstance(exc, Terminated) else ""


def _configure_logging(verbose: int, quiet: bool) -> None:
    """Per-URL warnings (archive down, ...) are in the report; on stderr only with -v."""
    logging.basicConfig(format="citecheck: %(message)s", stream=sys.stderr)
    level = logging.INFO if verbose > 1 else logging.WARNING if verbose else logging.ERROR
    logging.getLogger("citecheck").setLevel(logging.ERROR if quiet else level)
    # trafilatura and htmldate log a page they find empty ("parsed tree length: 0")
    # as an ERROR: a per-URL matter the report already states; on stderr only with -v
    for name in ("trafilatura", "htmldate"):
        logging.getLogger(name).setLevel(level if verbose and not quiet else logging.CRITICAL)


def _require_db(path: str) -> None:
    if not os.path.exists(path):
        raise InputError(f"{path}: {NO_SUCH_FILE} (no database yet: run `citecheck audit` "
                         "first, or pass --db)")

def _require_run(db_path: str, runs: list[Any], run_id: int | None) -> None:
    """A ``--run`` that names no run is an input error (exit 2), for every command."""
    if run_id is not None and all(r.id != run_id for r in runs):
        raise InputError(f"{db_path}: no run with id {run_id}")


def brief_fetch_options(f: F) -> F:
    """--timeout and --allow-private for reading a brief given as an http(s) URL."""
    f = click.option("--allow-private", is_flag=True, envvar="CITECHECK_ALLOW_PRIVATE",
                     help="Allow a brief URL on a private or loopback address.")(f)
    return click.option("--timeout", default=20.0, show_default=True,
                        type=click.FloatRange(0.1), envvar="CITECHECK_TIMEOUT",
                        help="Timeout in seconds when the brief is a URL.")(f)


def _brief_client(document: str | None, timeout: float, allow_private: bool) -> Any:
    if not document or not document.startswith(("http://", "https://")):
        return None
    from citecheck.http import HttpClient, HttpConfig

    return HttpClient(HttpConfig.from_timeout(timeout, allow_private=allow_private))


@cli.command("extract")
@click.argument("documents", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["json", "table", "csv"]), default=None,
              help="Output format (default: table on a terminal, json otherwise).")
@click.option("--check", is_flag=True,
              help="Only check: print each malformed citation as FILE:LINE:COL and exit 1 if "
                   "there is one (several files allowed; no network: for pre-commit).")
@config_option
@published_option
@brief_fetch_options
def extract_command(documents: tuple[str, ...], fmt: str | None, check: bool,
                    config_path: str | None, published: str | None, timeout: float,
                    allow_private: bool) -> None:
    """List the citations in a brief (.txt, .md, .html, .docx, .pdf, - or a URL).

    Example:

    \b
        citecheck extract examples/china-russia-security-ties-2018-06-04.txt --format json
        citecheck extract --check briefs/*.md
    """
    from citecheck.extract import open_citations
    from citecheck.extract.formats import write_extraction
    from citecheck.registry import find_registry

    registry = find_registry(config_path)
    if check:
        from citecheck.extract.check import check_documents

        found = 0
        for line in check_documents(documents, published=published, registry=registry):
            click.echo(line)
            found += 1
        if found:
            click.echo(f"{found} malformed citation(s)", err=True)
        click.get_current_context().exit(int(ExitCode.FINDINGS if found else ExitCode.OK))
    if len(documents) > 1:
        raise click.UsageError("give one document (or --check to check several)")
    document = documents[0]
    extraction = open_citations(document, published=published, registry=registry,
                                client=_brief_client(document, timeout, allow_private))
    out = sys.stdout
    fmt = fmt or ("table" if out.isatty() else "json")
    write_extraction(extraction, out, fmt)


@cli.command("sources")
@click.argument("document", required=False)
@config_option
@published_option
@brief_fetch_options
def sources_command(document: str | None, config_path: str | None,
                    published: str | None, timeout: float, allow_private: bool) -> None:
    """List the source registry and, given a brief, the sources it cites that are unknown.

    Example:

    \b
        citecheck sources --config citations.yaml examples/china-russia-security-ties-2018-06-04.txt
    """
    from citecheck.extract import open_citations
    from citecheck.extract.formats import unknown_sources, write_registry
    from citecheck.registry import find_registry

    registry = find_registry(config_path)
    # the brief is opened first: a missing one is one Error line, not a listing and then it
    extraction = open_citations(document, published=published, registry=registry,
                                client=_brief_client(document, timeout, allow_private)) \
        if document else None
    out = sys.stdout
    write_registry(registry, out)
    if document and extraction is not None:
        unknown = unknown_sources(extraction.citations, registry)
        if not unknown:
            click.echo(f"\n{document}: every source it cites is in the registry")
        else:
            click.echo(f"\n{document}: {len(unknown)} cited sources not in the registry:")
            for source, lines in unknown.items():
                where = ", ".join(str(n) for n in lines[:10]) + (" ..." if len(lines) > 10 else "")
                click.echo(f"  {source}  (line {where})")


@cli.command("check")
@click.argument("urls", nargs=-1)
@click.option("--urls-from", "urls_from", metavar="FILE",
              help="Read URLs from FILE (one per line, # comments; - for stdin).")
@click.option("--json", "json_path", metavar="PATH",
              help="Write the results as JSON (- for stdout): one entry per URL under 'urls'.")
@db_option
@http_options
@archive_options
@fail_on_option
@click.option("--retries", default=2, show_default=True, type=click.IntRange(0, 10),
              help="Extra attempts on connection errors, 429 and 502/503/504.")
@click.option("--max-retry-wait", default=30.0, show_default=True, type=click.FloatRange(0),
              help="Longest total pause per URL between retries (Retry-After included).")
@click.option("--no-soft404-probe", is_flag=True,
              help="Do not ask each host for a random missing page to spot soft 404s.")
@click.option("-v", "--verbose", count=True, help="Progress on stderr, even off a TTY.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors and the JSON.")
def check_command(urls: tuple[str, ...], urls_from: str | None, json_path: str | None,
                  db_path: str, concurrency: int, per_host: int, timeout: float,
                  max_age_seconds: float,
                  allow_private: bool, user_agent: str | None, archive_url: str,
                  archive_cdx_url: str | None, archives: tuple[tuple[str, str | None], ...],
                  no_archive: bool, fail_on: str, retries: int,
                  max_retry_wait: float, no_soft404_probe: bool, verbose: int,
                  quiet: bool) -> None:
    """Check URLs live (status, redirects, soft 404s) and find their closest snapshots.

    Statuses: ok, redirected, moved, dead, blocked, error, skipped. Dead URLs
    are findings at --fail-on fail; blocked, error and skipped ones at warn.

    Example:

    \b
        citecheck check https://tass.com/ --urls-from urls.txt --json -
    """
    from citecheck.http import HttpClient, HttpConfig
    from citecheck.linkcheck import (
        read_url_list,
        run_check,
        summary_text,
        text_lines,
        validate_urls,
    )
    from citecheck.progress import Progress
    from citecheck.store import Store

    # a junk argument is a typo, a junk line in a list names its file and line: both
    # are input errors (exit 2) before anything is checked
    wanted = validate_urls(urls) + (read_url_list(urls_from) if urls_from else [])
    if not wanted:
        raise click.UsageError("give URLs as arguments or with --urls-from FILE")
    config = HttpConfig.from_timeout(
        timeout, concurrency=concurrency, per_host=per_host, allow_private=allow_private,
        retries=retries, max_retry_wait=max_retry_wait, keep_raw=False,  # no WARC records
        **({"user_agent": user_agent} if user_agent else {}),
    )
    progress = Progress(sys.stderr, enabled=not quiet and (verbose > 0 or sys.stderr.isatty()))
    client = HttpClient(config)
    # what is loaded by now (modules, classes, functions) outlives the run: kept out
    # of the cyclic collector's sight until the command ends, the collections that
    # thousands of URLs trigger no longer walk it again and again (half their time)
    gc.freeze()
    click.get_current_context().call_on_close(gc.unfreeze)  # a test process goes on
    interrupted: KeyboardInterrupt | None = None
    try:
        with _stop_on_sigterm(), Store(db_path) as store:
            archive = None
            if not no_archive:
                from citecheck.archive.multi import make_archives

                archive = make_archives(client, archives, cache=store.lookup_cache(),
                                        max_age_seconds=max_age_seconds)
            progress.stage("URLs", len(set(wanted)))
            run = run_check(
                wanted, client, concurrency=concurrency, per_host=per_host, cache=store,
                max_age=max_age_seconds, archive=archive,
                on_result=lambda _r: progress.advance("URLs"),
                on_lookup=lambda _l: progress.advance("archive"),
                on_stage=progress.stage, soft404_probe=not no_soft404_probe,
            )
    except KeyboardInterrupt as exc:
        interrupted = exc
    finally:
        client.close()
        progress.close()
    if interrupted is not None:
        _interrupted(interrupted)
    if json_path:
        text = run.to_json()
        if json_path == "-":
            click.echo(text)
        else:
            with open(json_path, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
    if not quiet:
        if json_path != "-":
            for line in text_lines(run):
                click.echo(line)
        if run.offline:
            click.echo("Warning: every host failed to resolve or connect: this machine appears "
                       "to be offline, so URLs are reported inconclusive, not dead.", err=True)
        elif run.all_refused:
            click.echo(ALL_REFUSED, err=True)
        click.echo(summary_text(run), err=True)
    from citecheck.models import Severity

    click.get_current_context().exit(int(run.exit_code(Severity.parse(fail_on))))


# ------------------------------------------------------------------- archive


@cli.group("archive", cls=CitecheckGroup)
def archive_group() -> None:
    """Web archives: look up snapshots, save pages, read the local evidence.

    Example:

    \b
        citecheck archive lookup https://www.mfa.gov.cn/eng/ --date 2018-05-14
        citecheck archive list --archive-dir archive
    """


def _archive_dir_option(f: F) -> F:
    return click.option("--archive-dir", default="archive", show_default=True,
                        envvar="CITECHECK_ARCHIVE_DIR", type=click.Path(file_okay=False),
                        help="Local WARC evidence store.")(f)


def _evidence(archive_dir: str, db_path: str) -> list[Any]:
    """The evidence index: from the database if it has one, else by scanning the WARCs."""
    from citecheck.archive.warcstore import iter_evidence, records_from_rows, with_stored_headers
    from citecheck.store import Store

    if os.path.exists(db_path):
        with Store(db_path, read_only=True) as store:
            rows = list(store.db.table("evidence").rows_where(order_by="id"))
        if rows:
            return with_stored_headers(records_from_rows(rows), archive_dir)
    return list(iter_evidence(archive_dir))


@archive_group.command("lookup")
@click.argument("urls", nargs=-1, required=True)
@click.option("--date", "cited_date", metavar="DATE",
              help="Cited date (YYYY-MM-DD, YYYY-MM or YYYY); default: --published or today.")
@published_option
@click.option("--window-days", default=365, show_default=True, type=click.IntRange(0),
              help="Only snapshots this many days around the date.")
@click.option("--fetch", is_flag=True, help="Also fetch the chosen snapshot's raw bytes.")
@click.option("--json", "as_json", is_flag=True, help="Print the lookups as JSON.")
@archive_options
@click.option("--rate", "--archive-rate", type=click.FloatRange(0.01),
              envvar="CITECHECK_ARCHIVE_RATE",
              help="Requests per second to each archive (default by endpoint, as for audit).")
@click.option("--timeout", default=20.0, show_default=True, type=click.FloatRange(0.1),
              envvar="CITECHECK_TIMEOUT", help="Connect/read timeout in seconds.")
@click.option("--allow-private", is_flag=True, envvar="CITECHECK_ALLOW_PRIVATE",
              help="Allow private addresses (a loopback --archive-url is always allowed).")
@db_option
@click.option("--max-age", "max_age_seconds", default="24h", show_default=True,
              envvar="CITECHECK_MAX_AGE", callback=_duration,
              help="Reuse answers younger than this from --db (e.g. 30m, 7d; 0 = never).")
def archive_lookup(urls: tuple[str, ...], cited_date: str | None, published: str | None,
                   window_days: int, fetch: bool, as_json: bool, archive_url: str,
                   archive_cdx_url: str | None, archives: tuple[tuple[str, str | None], ...],
                   no_archive: bool, rate: float | None, timeout: float,
                   allow_private: bool, db_path: str, max_age_seconds: float) -> None:
    """Find the archived snapshot of each URL closest to a cited date.

    Exit code 1 when a URL has no snapshot or the archive could not be asked.

    Example:

    \b
        citecheck archive lookup http://tass.com/world/1011109 --date 2018-06-25
    """
    from citecheck.archive.multi import make_archives
    from citecheck.http import HttpClient, HttpConfig
    from citecheck.models import LookupStatus
    from citecheck.store import Store

    if no_archive:
        raise click.UsageError("--no-archive leaves nothing to look up")
    http = HttpClient(HttpConfig.from_timeout(timeout, allow_private=allow_private))
    store = Store(db_path)
    client = make_archives(http, archives, rate_per_second=rate, cache=store.lookup_cache(),
                           max_age_seconds=max_age_seconds)
    out, missing = [], 0
    lookups = []
    with store:
        for url in urls:
            lookup = client.lookup(url, cited_date, published, window_days=window_days)
            if fetch and lookup.snapshot is not None:  # the capture served, maybe another
                lookup = client.fetch_lookup(lookup, cited_date, published, window_days)
            lookups.append((url, lookup))
    for url, lookup in lookups:
        snap = lookup.snapshot
        missing += lookup.status is not LookupStatus.FOUND
        if as_json:
            entry = lookup.to_dict()
            entry["snapshot"] = snap.to_dict() if snap else None
            if snap is not None and snap.body is not None:
                entry["snapshot"]["bytes"] = len(snap.body)
            out.append(entry)
            continue
        if lookup.status is LookupStatus.FOUND and snap is not None:
            extra = f"  {len(snap.body)} bytes" if snap.body is not None else ""
            extra += "  (cached)" if lookup.from_cache else ""
            extra += f"  fetch failed: {snap.error}" if snap.error else ""
            days = f"{snap.distance_days:g} days  " if snap.distance_days is not None else ""
            where = f"  ({snap.archive})" if len(archives) > 1 and snap.archive else ""
            click.echo(f"found  {url}  {snap.timestamp}  {days}{snap.archive_url}{extra}{where}")
        elif lookup.status is LookupStatus.NONE:
            click.echo(f"none   {url}  no snapshot with status 200 in the window "
                       f"({len(lookup.candidates)} other captures)")
        else:
            click.echo(f"error  {url}  archive could not be asked: {lookup.error}")
    if as_json:
        click.echo(json.dumps({"archive": archive_url, "archives": [a for a, _ in archives],
                               "lookups": out}, indent=2, ensure_ascii=False))
    click.get_current_context().exit(int(ExitCode.FINDINGS if missing else ExitCode.OK))


@archive_group.command("export")
@click.option("--wacz", "wacz_path", required=True, metavar="FILE",
              type=click.Path(dir_okay=False), help="Write a WACZ here.")
@click.option("--run", "run_id", type=int, help="The run to export (default: the latest).")
@_archive_dir_option
@db_option
def archive_export(wacz_path: str, run_id: int | None, archive_dir: str, db_path: str) -> None:
    """Pack a run's WARC evidence into a WACZ that ReplayWeb.page opens.

    Its pages.jsonl lists the cited pages: the live response and the snapshot
    each verdict of the run rests on.

    Example:

    \b
        citecheck archive export --wacz evidence.wacz --run 3
    """
    from citecheck.archive.wacz import export_wacz
    from citecheck.store import Store

    _require_db(db_path)  # a missing one is an input error, not an empty database made
    with Store(db_path, read_only=True) as store:
        _require_run(db_path, store.runs(), run_id)
        stored = store.load_run(run_id)
    done = export_wacz(wacz_path, stored.verdicts, archive_dir,
                       title=f"citecheck run {stored.run.id}")
    click.echo(f"wrote {done.path}: {len(done.pages)} cited pages from "
               f"{len(done.warcs)} WARC file(s)", err=True)


@archive_group.command("save")
@click.argument("urls", nargs=-1, required=True)
@click.option("--wait", default=0.0, show_default=True, type=click.FloatRange(0),
              help="Seconds to wait for each capture to finish (0: only request it).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--timeout", default=20.0, show_default=True, type=click.FloatRange(0.1),
              envvar="CITECHECK_TIMEOUT", help="Connect/read timeout in seconds.")
def archive_save(urls: tuple[str, ...], wait: float, as_json: bool, timeout: float) -> None:
    """Ask the Internet Archive's Save Page Now to capture each URL.

    Access keys are read from CITECHECK_IA_ACCESS_KEY and CITECHECK_IA_SECRET_KEY
    (optional; never printed or stored). Exit code 1 when a request failed.

    Example:

    \b
        citecheck archive save https://www.mfa.gov.cn/eng/wjdt_665385/ --wait 120
    """
    from citecheck.archive.save import save_page_now
    from citecheck.http import HttpClient, HttpConfig

    http = HttpClient(HttpConfig.from_timeout(timeout))
    results = [save_page_now(url, http, wait=wait) for url in urls]
    if as_json:
        click.echo(json.dumps({"saves": [r.to_dict() for r in results]}, indent=2))
    else:
        for r in results:
            where = r.archive_url or (f"job {r.job_id}" if r.job_id else "")
            click.echo(f"{r.status:12} {r.url}  {where or r.error or ''}".rstrip())
    failed = sum(not r.ok for r in results)
    click.get_current_context().exit(int(ExitCode.FINDINGS if failed else ExitCode.OK))


@archive_group.command("list")
@_archive_dir_option
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
def archive_list(archive_dir: str, db_path: str, as_json: bool) -> None:
    """List the local evidence: every response kept as a WARC record.

    Each line: when, the stored status and content type, the URL, where it
    is kept; soft-404 probes (random missing pages asked of each host) are
    marked as such. Reads the database's index when there is one, else scans
    the WARC files.

    Example:

    \b
        citecheck archive list --archive-dir archive
    """
    from citecheck.urls import is_probe_url

    records = _evidence(archive_dir, db_path)
    if as_json:
        click.echo(json.dumps({"records": [{**r.to_dict(), "probe": is_probe_url(r.url)}
                                           for r in records]}, indent=2))
        return
    if not records:
        click.echo(f"No evidence recorded in {archive_dir} yet.")
        return
    for r in records:
        status = str(r.status_code) if r.status_code is not None else "-"
        probe = "  (soft-404 probe)" if is_probe_url(r.url) else ""
        click.echo(f"{r.recorded_at:20}  {status:>3}  {r.content_type or '-'}  {r.url}  "
                   f"{r.ref}{probe}")


@archive_group.command("show")
@click.argument("url")
@_archive_dir_option
@db_option
@click.option("--body", "show_body", is_flag=True, help="Print the stored body (decoded) only.")
@click.option("--all", "show_all", is_flag=True, help="Every record of the URL, not the newest.")
def archive_show(url: str, archive_dir: str, db_path: str, show_body: bool,
                 show_all: bool) -> None:
    """Show the locally kept evidence of one URL: headers, or the body with --body.

    Example:

    \b
        citecheck archive show http://tass.com/world/1011109 --body
    """
    from citecheck.archive.warcstore import find_evidence, locate, read_evidence

    found = find_evidence(_evidence(archive_dir, db_path), url)
    if not found:
        raise InputError(f"{url}: no evidence recorded in {archive_dir}")
    for rec in found if show_all else found[:1]:
        content = read_evidence(locate(rec.warc_file, archive_dir), rec.offset)
        if show_body:
            sys.stdout.buffer.write(content.body)
            sys.stdout.flush()
            continue
        meta = content.record
        click.echo(f"URL:      {meta.url}")
        if meta.target_uri and meta.target_uri != meta.url:
            click.echo(f"Final:    {meta.target_uri}")
        click.echo(f"Recorded: {meta.recorded_at}")
        click.echo(f"Record:   {rec.ref}")
        click.echo(f"Digest:   {meta.digest}")
        click.echo(f"Body:     {len(content.body)} bytes")
        click.echo("")
        click.echo(content.status_line)
        for name, value in content.headers:
            click.echo(f"{name}: {value}")
        click.echo("")


@cli.command("demo")
@click.option("--report-dir", default="reports", show_default=True,
              type=click.Path(file_okay=False),
              help="Where the HTML report goes (as citecheck-demo.html).")
@report_options
@click.option("--db", "db_path", type=click.Path(dir_okay=False),
              help="Keep the demo run in this database (default: a temporary one, removed).")
@click.option("--open", "open_report", is_flag=True, help="Open the HTML report in a browser.")
@click.option("-q", "--quiet", is_flag=True,
              help="Print nothing but errors and where the report is.")
def demo(report_dir: str, html_path: str | None, json_path: str | None,
         markdown_path: str | None, junit_path: str | None, db_path: str | None,
         open_report: bool, quiet: bool) -> None:
    """Show what citecheck does, offline: audit a demo brief on a simulated web.

    Starts, on this machine only (loopback), a few simulated publishers and
    a real local web archive (pywb) holding captures of their pages, then
    audits a demo brief citing them with the real pipeline: every verdict
    appears in the report. The publishers and pages are demo content written
    by the project; none of them exists. Everything it started stops when it
    ends. Exits 0 when the demo ran (its findings are the point). Needs pywb:
    pip install 'citecheck[demo]'.

    Example:

    \b
        citecheck demo --open
        citecheck demo --report-dir /tmp/demo --json /tmp/demo/demo.json
    """
    from citecheck.demo import PUBLISHED, demo_world

    html_path = html_path or os.path.join(report_dir, "citecheck-demo.html")
    ctx = click.get_current_context()
    with _stop_on_sigterm(), demo_world() as world:
        if not quiet:
            click.echo("citecheck demo: simulated publishers on 127.0.0.x and a local pywb "
                       f"({world.archive_url}); nothing leaves this machine.", err=True)
        args = [str(world.brief), "--config", str(world.registry), "--published", PUBLISHED,
                "--db", db_path or str(world.directory / "citecheck.db"),
                "--archive-dir", str(world.directory / "archive"), "--report-dir", report_dir,
                "--html", html_path, "--archive-url", world.archive_url, "--allow-private",
                "--timeout", "5", "--max-age", "0", "--fail-on", "fail"]
        for option, value in (("--json", json_path), ("--markdown", markdown_path),
                              ("--junit", junit_path)):
            if value:
                args += [option, value]
        try:
            # parsed as typed, so audit's options keep their meaning as audit grows
            with audit.make_context("citecheck demo", [*args, *(["-q"] if quiet else [])],
                                    parent=ctx) as audit_ctx:
                audit.invoke(audit_ctx)
        except click.exceptions.Exit as done:
            if done.exit_code not in (ExitCode.OK, ExitCode.FINDINGS):
                raise
    click.echo(f"The demo's report: {html_path}", err=True)
    if open_report:
        import webbrowser
        from pathlib import Path

        webbrowser.open(Path(html_path).resolve().as_uri())


def _show_envvars(group: click.Group) -> None:
    """Every option read from a CITECHECK_* variable says so in --help."""
    for command in group.commands.values():
        for param in command.params:
            if isinstance(param, click.Option) and param.envvar:
                param.show_envvar = True
        if isinstance(command, click.Group):
            _show_envvars(command)


_show_envvars(cli)
