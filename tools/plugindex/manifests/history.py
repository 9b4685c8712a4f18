"""When each manifest was published and last changed, folded from first-parent git history.

Times come from commits, never from the clock, so two builds of one commit agree.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from plugindex.adapters.gitrepo import Change


@dataclass(frozen=True)
class PathTimes:
    published_commit: str  # the commit that added the file (in-repo sources are read there)
    published: int
    updated: int


def apply_changes(
    state: Mapping[str, PathTimes], changes: Iterable[Change]
) -> tuple[dict[str, PathTimes], set[str]]:
    """Fold changes (oldest first) into ``state``; return the new state and the paths touched."""
    new = dict(state)
    touched: set[str] = set()
    for change in changes:
        touched.add(change.path)
        if change.status == "D":
            new.pop(change.path, None)
        elif change.status == "A" or change.path not in new:
            new[change.path] = PathTimes(change.commit, change.time, change.time)
        else:
            old = new[change.path]
            new[change.path] = PathTimes(old.published_commit, old.published, change.time)
    return new, touched


def iso(timestamp: int) -> str:
    """UTC ISO 8601 with a 'Z', to the second."""
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
