"""The ``citecheck`` command: click commands and nothing else.

Each command parses its options, calls the library, prints. Errors the library
raises on purpose (:class:`~citecheck.errors.CitecheckError`) become one line on
stderr and the documented exit code.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import sys
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import click

from citecheck import __version__
from citecheck.errors import CitecheckError, ExitCode, InputError
from citecheck.models import Severity
from citecheck.pipeline import (
    AuditOptions,
    Progress,
    ReportTargets,
    build_report,
    parse_duration,
    run_audit,
    summary_line,
    write_reports,
)
from citecheck.report import github_annotations, should_annotate
from citecheck.store import Store

F = Callable[..., Any]


class CitecheckGroup(click.Group):
    """A group that turns library errors into one line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CitecheckError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(int(exc.exit_code))
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
        click.option("--max-age", default="24h", show_default=True, envvar="CITECHECK_MAX_AGE",
                     help="Reuse successful results younger than this (e.g. 30m, 24h, 7d; 0 = never)."),
        click.option("--allow-private", is_flag=True, envvar="CITECHECK_ALLOW_PRIVATE",
                     help="Allow private and loopback addresses (link-local stays refused)."),
        click.option("--user-agent", envvar="CITECHECK_USER_AGENT",
                     help="User-Agent header (default names citecheck and a contact URL)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def archive_options(f: F) -> F:
    options = [
        click.option("--archive-url", default="https://web.archive.org/web", show_default=True,
                     envvar="CITECHECK_ARCHIVE_URL",
                     help="Wayback-style collection root, e.g. http://127.0.0.1:8080/web for pywb."),
        click.option("--archive-cdx-url", envvar="CITECHECK_ARCHIVE_CDX_URL",
                     help="CDX endpoint when it cannot be derived from --archive-url."),
        click.option("--no-archive", is_flag=True, help="Skip archive lookups."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def fail_on_option(f: F) -> F:
    return click.option(
        "--fail-on",
        type=click.Choice(["fail", "warn"]),
        default="fail",
        show_default=True,
        envvar="CITECHECK_FAIL_ON",
        help="Lowest severity that makes the exit code 1.",
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
    input error, 3 the run itself failed.
    """


# --------------------------------------------------------- audit, history, report


def _duration(ctx: click.Context, param: click.Parameter, value: Any) -> float | None:
    if value is None:
        return None
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
@click.option("--archive-rate", default=4.0, show_default=True, type=click.FloatRange(0.01),
              envvar="CITECHECK_ARCHIVE_RATE", help="Requests per second to the archive.")
@click.option("-v", "--verbose", count=True, help="Progress and notes on stderr, even off a TTY.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def audit(documents: tuple[str, ...], html_path: str | None, json_path: str | None,
          markdown_path: str | None, junit_path: str | None, report_dir: str, db_path: str,
          max_age: str, fail_on: str, verbose: int, quiet: bool, **kw: Any) -> None:
    """Audit briefs end to end: extract, resolve, check, verify, store, report.

    DOCUMENTS are .txt, .md or .html files, folders of them (searched
    recursively), - for stdin, or http(s) URLs of published briefs.

    Example:

        citecheck audit briefs/ --report-dir reports --json audit.json
    """
    try:
        max_age_seconds = parse_duration(max_age)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--max-age") from None
    severity = Severity.parse(fail_on)
    options = AuditOptions(
        fail_on=severity, max_age=max_age_seconds,
        **{k: v for k, v in kw.items() if k in AuditOptions.__dataclass_fields__},
    )
    progress = Progress(sys.stderr, enabled=not quiet and (verbose > 0 or sys.stderr.isatty()))
    _configure_logging(verbose, quiet)
    with Store(db_path) as store:
        try:
            result = run_audit(documents, store, options, progress=progress)
        except KeyboardInterrupt:
            click.echo("Error: interrupted; every finished check is saved: run the same "
                       "command again to resume", err=True)
            click.get_current_context().exit(int(ExitCode.RUN_FAILED))
        report = build_report(store, result.run_id)
    targets = ReportTargets(html=html_path, json=json_path, markdown=markdown_path,
                            junit=junit_path, report_dir=report_dir)
    written = write_reports(report, targets, fail_on=severity)
    if should_annotate(os.environ):
        for line in github_annotations(report):
            click.echo(line)
    if not quiet:
        if result.offline:
            click.echo("Warning: every host failed to resolve or connect: this machine appears "
                       "to be offline, so sources are reported inconclusive, not dead.", err=True)
        click.echo(summary_line(result), err=True)
        for path in written:
            click.echo(f"wrote {path}", err=True)
    click.get_current_context().exit(int(result.exit_code))


@cli.command()
@click.argument("subject", required=False)
@db_option
@click.option("--run", "run_id", type=int,
              help="Compare this run with earlier ones (default: latest).")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
def history(subject: str | None, db_path: str, run_id: int | None, as_json: bool) -> None:
    """Show what changed between runs: newly dead, recovered, drifted, rescued.

    SUBJECT narrows to one document, URL or source (label or registry key).

    Example:

        citecheck history
        citecheck history "Russian MOD"
    """
    _require_db(db_path)
    with Store(db_path) as store:
        runs = store.runs()
        changes = store.history(subject, run_id)
    if as_json:
        click.echo(json.dumps({"subject": subject, "changes": [c.to_dict() for c in changes]},
                              indent=2, ensure_ascii=False))
        return
    if not runs:
        click.echo("No runs recorded yet: run `citecheck audit` first.")
        return
    if not changes:
        click.echo("No changes since the previous run"
                   + (f" for {subject}." if subject else "."))
        return
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


@cli.command()
@db_option
@click.option("--run", "run_id", type=int, help="Run id (default: the latest finished run).")
@report_options
@fail_on_option
def report(db_path: str, run_id: int | None, html_path: str | None, json_path: str | None,
           markdown_path: str | None, junit_path: str | None, fail_on: str) -> None:
    """Re-render a past run's report from the database, with no network.

    Example:

        citecheck report --run 3 --html old.html --json -
    """
    _require_db(db_path)
    if not any((html_path, json_path, markdown_path, junit_path)):
        json_path = "-"
    with Store(db_path) as store:
        data = build_report(store, run_id)
    targets = ReportTargets(html=html_path, json=json_path, markdown=markdown_path,
                            junit=junit_path)
    for path in write_reports(data, targets, fail_on=Severity.parse(fail_on)):
        click.echo(f"wrote {path}", err=True)


def _configure_logging(verbose: int, quiet: bool) -> None:
    """Per-URL warnings (archive down, ...) are in the report; on stderr only with -v."""
    logging.basicConfig(format="citecheck: %(message)s", stream=sys.stderr)
    level = logging.INFO if verbose > 1 else logging.WARNING if verbose else logging.ERROR
    logging.getLogger("citecheck").setLevel(logging.ERROR if quiet else level)


def _require_db(path: str) -> None:
    if not os.path.exists(path):
        raise InputError(f"{path}: no such database (run `citecheck audit` first, or pass --db)")

@cli.command("extract")
@click.argument("document")
@click.option("--format", "fmt", type=click.Choice(["json", "table", "csv"]), default=None,
              help="Output format (default: table on a terminal, json otherwise).")
@config_option
@published_option
def extract_command(document: str, fmt: str | None, config_path: str | None,
                    published: str | None) -> None:
    """List the citations in a brief (.txt, .md, .html, - for stdin, or a URL).

    Example:

        citecheck extract examples/china-russia-security-ties-2018-06-04.txt --format json
    """
    from citecheck.extract import open_citations
    from citecheck.extract.formats import write_extraction
    from citecheck.registry import find_registry

    registry = find_registry(config_path)
    extraction = open_citations(document, published=published, registry=registry)
    out = sys.stdout
    fmt = fmt or ("table" if out.isatty() else "json")
    write_extraction(extraction, out, fmt)


@cli.command("sources")
@click.argument("document", required=False)
@config_option
@published_option
def sources_command(document: str | None, config_path: str | None,
                    published: str | None) -> None:
    """List the source registry and, given a brief, the sources it cites that are unknown.

    Example:

        citecheck sources --config citations.yaml examples/china-russia-security-ties-2018-06-04.txt
    """
    from citecheck.extract import open_citations
    from citecheck.extract.formats import unknown_sources, write_registry
    from citecheck.registry import find_registry

    registry = find_registry(config_path)
    out = sys.stdout
    write_registry(registry, out)
    if document:
        extraction = open_citations(document, published=published, registry=registry)
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
                  db_path: str, concurrency: int, per_host: int, timeout: float, max_age: str,
                  allow_private: bool, user_agent: str | None, archive_url: str,
                  archive_cdx_url: str | None, no_archive: bool, fail_on: str, retries: int,
                  max_retry_wait: float, no_soft404_probe: bool, verbose: int,
                  quiet: bool) -> None:
    """Check URLs live (status, redirects, soft 404s) and find their closest snapshots.

    Statuses: ok, redirected, moved, dead, blocked, error, skipped. Dead URLs
    are findings at --fail-on fail; blocked, error and skipped ones at warn.

    Example:

        citecheck check https://www.mid.ru/en/ --urls-from sources.txt --json - --no-archive
    """
    from citecheck.http import HttpClient, HttpConfig
    from citecheck.linkcheck import (
        read_url_list,
        run_check,
        summary_text,
        text_lines,
        validate_urls,
    )

    try:
        max_age_seconds = parse_duration(max_age)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--max-age") from None
    wanted = list(urls) + (read_url_list(urls_from) if urls_from else [])
    if not wanted:
        raise click.UsageError("give URLs as arguments or with --urls-from FILE")
    wanted = validate_urls(wanted)
    config = HttpConfig.from_timeout(
        timeout, concurrency=concurrency, per_host=per_host, allow_private=allow_private,
        retries=retries, max_retry_wait=max_retry_wait,
        **({"user_agent": user_agent} if user_agent else {}),
    )
    progress = Progress(sys.stderr, enabled=not quiet and (verbose > 0 or sys.stderr.isatty()))
    client = HttpClient(config)
    try:
        with Store(db_path) as store:
            archive = None
            if not no_archive:
                from citecheck.archive import ArchiveClient

                archive = ArchiveClient(client, archive_url=archive_url, cdx_url=archive_cdx_url,
                                        cache=store.lookup_cache(),
                                        max_age_seconds=max_age_seconds)
            progress.stage("URLs", len(set(wanted)))
            run = run_check(
                wanted, client, concurrency=concurrency, per_host=per_host, cache=store,
                max_age=max_age_seconds, archive=archive,
                on_result=lambda _r: progress.advance("URLs"),
                on_lookup=lambda _l: progress.advance("archive"),
                on_stage=progress.stage, soft404_probe=not no_soft404_probe,
            )
    finally:
        client.close()
        progress.close()
    if json_path:
        text = json.dumps(run.to_dict(), indent=2, ensure_ascii=False)
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
        click.echo(summary_text(run), err=True)
    click.get_current_context().exit(int(run.exit_code(Severity.parse(fail_on))))
