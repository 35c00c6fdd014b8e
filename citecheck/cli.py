"""The ``citecheck`` command: click commands and nothing else.

Each command parses its options, calls the library, prints. Errors the library
raises on purpose (:class:`~citecheck.errors.CitecheckError`) become one line on
stderr and the documented exit code.
"""

from __future__ import annotations

import errno
import sqlite3
import sys
from collections.abc import Callable
from typing import Any

import click

from citecheck import __version__
from citecheck.errors import CitecheckError, ExitCode

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
