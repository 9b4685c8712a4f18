"""What fetching a plugin's source can go wrong with (the caps that bound it are settings:
``plugindex.config.scan.SourceLimits``).

Two kinds of problem, both values for the scan report (never a traceback, never "clean"):
- :class:`SourceRefused`: the source is unacceptable as it is (sha256 mismatch, an archive member
  escaping the destination, a bomb, a commit not in the declared repository). Retrying cannot help.
- :class:`FetchFailed`: the source could not be obtained (unreachable, timeout, 5xx after bounded
  retries, 404). Recorded as a skip with its reason; ``transient`` says whether a later run may
  succeed.
``code`` is a stable, machine-readable id (``archive-member-path``, ``http-not-found``, ...).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

FIRST_BACKOFF = 0.5  # seconds before the first retry; doubled before each next one
T = TypeVar("T")


class SourceProblem(Exception):
    """Base: the source was not fetched. ``code`` is stable; ``str()`` is the message."""

    refused = False
    transient = False

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class SourceRefused(SourceProblem):
    """The source is unacceptable: never retried, never extracted further."""

    refused = True


class FetchFailed(SourceProblem):
    """The source could not be obtained; ``transient``: a later attempt may succeed."""

    def __init__(self, code: str, message: str, *, transient: bool) -> None:
        super().__init__(code, message)
        self.transient = transient


def retrying(attempt: Callable[[], T], retries: int,
             sleep: Callable[[float], None] = time.sleep) -> T:
    """``attempt()``, tried again up to ``retries`` times after a transient FetchFailed,
    waiting 0.5 s, 1 s, 2 s, ... through ``sleep``; a permanent problem is raised at once."""
    for n in range(retries + 1):
        try:
            return attempt()
        except FetchFailed as problem:
            if not problem.transient:
                raise
            if n == retries:
                raise FetchFailed(problem.code,
                                  f"{problem.message} (gave up after {n + 1} attempt(s))",
                                  transient=True) from None
        sleep(FIRST_BACKOFF * 2**n)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
