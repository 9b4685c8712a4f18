"""Progress lines on stderr for long work, only where someone watches: a terminal, or a CI log
(``CI`` is set). Scripts and tests, which read the final report, get none."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


def watched() -> bool:
    """Does someone read stderr as it is written?"""
    return sys.stderr.isatty() or bool(os.environ.get("CI"))


def announcer(command: str) -> Callable[[str], None] | None:
    """A function printing ``<command>: <text>`` on stderr at once, or None if nobody
    watches."""
    if not watched():
        return None

    def say(text: str) -> None:
        print(f"{command}: {text}", file=sys.stderr, flush=True)

    return say
