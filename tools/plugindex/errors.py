"""The one small hierarchy of user errors.

Problems in manifests are data (:class:`plugindex.diagnostics.Diagnostic`), never exceptions.
These exceptions are for the run itself: a missing registry, bad command-line use, a broken
environment. The CLI turns them into a one-line message and exit code 2, never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plugindex.diagnostics import Diagnostic


class PlugindexError(Exception):
    """Base class: a user-facing error that stops the command (exit 2)."""

    exit_code = 2


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
    """plugindex broke its own contract (e.g. produced an index its schema rejects): a bug."""


class DiskError(EnvironmentProblem):
    """A file or directory could not be written, moved or removed (read-only or full disk,
    permissions); the message names the path and the system's reason."""


class BuildBusy(EnvironmentProblem):
    """Another build of the same checkout held the build lock for longer than we wait."""


class OutputRefused(UsageError):
    """An output path names something other than a regular file (a symlink, FIFO, device,
    directory), which a write must never replace."""
