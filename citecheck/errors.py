"""The library's exceptions and the process exit codes.

Only what stops a whole run raises; the failure of one URL is data (a status).
``cli.py`` turns a :class:`CitecheckError` into a one-line ``Error: ...`` and
exits with its :attr:`~CitecheckError.exit_code`.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes: the public contract for CI jobs (see README)."""

    OK = 0  #: no finding at or above ``--fail-on``
    FINDINGS = 1  #: findings at or above ``--fail-on``
    USAGE = 2  #: usage or input error: bad file, bad config
    RUN_FAILED = 3  #: the run itself failed: database locked, disk full
    #: Ctrl-C (SIGINT, 128 + 2): the run is recorded ``interrupted``, finished checks kept
    INTERRUPTED = 130
    #: SIGTERM (128 + 15: a CI timeout, ``kill``): the same clean stop as Ctrl-C
    TERMINATED = 143


#: how every command words an input (document, URL list, registry, database) that
#: does not exist: "PATH: no such file", sometimes with a hint in parentheses
NO_SUCH_FILE = "no such file"


class CitecheckError(Exception):
    """Base class of every error citecheck raises on purpose."""

    exit_code: ExitCode = ExitCode.RUN_FAILED


class InputError(CitecheckError):
    """A document cannot be read: missing, a directory, binary, empty, undecodable."""

    exit_code = ExitCode.USAGE


class ConfigError(CitecheckError):
    """The source registry (``citations.yaml``) is unreadable or invalid."""

    exit_code = ExitCode.USAGE

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")


class RunError(CitecheckError):
    """The run cannot go on: database locked or corrupt, disk full."""

    exit_code = ExitCode.RUN_FAILED


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C raises :class:`KeyboardInterrupt`, so that a
    killed job stops as cleanly (every ``except KeyboardInterrupt`` applies)."""


def interrupt_code(exc: BaseException) -> ExitCode:
    """The exit code of a run stopped by ``exc``: 143 for SIGTERM, else 130 (Ctrl-C)."""
    return ExitCode.TERMINATED if isinstance(exc, Terminated) else ExitCode.INTERRUPTED
