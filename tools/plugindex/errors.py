"""The one small hierarchy of user errors.

Problems in manifests are data (:class:`plugindex.diagnostics.Diagnostic`), never exceptions.
These exceptions are for the run itself: a missing registry, bad command-line use, a broken
environment. The CLI turns them into a one-line message and their ``exit_code``, never a
traceback: 2 for usage and environment errors, 3 for :class:`InternalError` (a bug, whose
traceback the CLI saves to a log file, as it does for any other uncaught exception).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plugindex.diagnostics import Diagnostic

# The exit codes of every command (DESIGN.md's CLI contract).
EXIT_OK = 0
EXIT_PROBLEMS = 1  # the command ran and found problems (invalid manifests, a stale index, ...)
EXIT_USAGE = 2  # usage or environment error: the command could not do its work
EXIT_INTERNAL = 3  # a bug in plugindex: the traceback is saved to a log file
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
EXIT_BROKEN_PIPE = 141  # stdout closed before the output was written (128 + SIGPIPE)


class PlugindexError(Exception):
    """Base class: a user-facing error that stops the command (exit 2)."""

    exit_code = EXIT_USAGE


class UsageError(PlugindexError):
    """The command line asks for something that cannot be done."""


class EnvironmentProblem(PlugindexError):
    """The environment is not fit for the command (not a git repository, shallow clone, ...)."""


class ConfigError(PlugindexError):
    """registry.yaml or a schema is missing or invalid."""

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.diagnostics = tuple(diagnostics)


class InternalError(PlugindexError):
    """plugindex broke its own contract (e.g. produced an index its schema rejects): a bug
    (exit 3, traceback saved like any uncaught exception's)."""

    exit_code = EXIT_INTERNAL


class DiskError(EnvironmentProblem):
    """A file or directory could not be written, moved or removed (read-only or full disk,
    permissions); the message names the path and the system's reason."""


class BuildBusy(EnvironmentProblem):
    """Another build of the same checkout held the build lock for longer than we wait."""


class OutputRefused(UsageError):
    """An output path names something other than a regular file (a symlink, FIFO, device,
    directory), which a write must never replace."""
