"""One version's safety state: what every surface shows first (pure).

The state is the scan verdict under the registry's policy (``scan.judge.VERDICTS``: blocked,
not-scanned, incomplete, warnings, passed) with a one-line reason, plus the version's yank
reason and its deprecation (its own, else the plugin's: a deprecated plugin deprecates every
version). ``score_known`` is false when the source was never scanned (no record, or a source
refused or not fetched): the score's security and quality checks then measured nothing, so
the score is shown as "not scanned" rather than as a low tier, and sorts after every known
score. ``index.json`` carries the latest version's state, each plugin file every version's;
the site's badges and banners, ``browse.json``, ``plugindex resolve`` and search read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugindex.scan.judge import Judgement
from plugindex.scanners.base import Item

REASON_ITEMS = 3  # the findings a reason names before "and N more"


def _listed(parts: list[str]) -> str:
    shown = ", ".join(parts[:REASON_ITEMS])
    more = len(parts) - REASON_ITEMS
    return f"{shown} and {more} more" if more > 0 else shown


def _named(item: Item) -> str:
    return f"{item.id} ({item.where})" if item.where else item.id


def reason(judgement: Judgement) -> str | None:
    """Why the verdict is what it is, in one line (None when it passed)."""
    items = judgement.items
    if judgement.verdict == "blocked":
        found = [_named(i) for i in items if i.blocks]
        return f"the registry's scan policy blocks {_listed(found)}"
    if judgement.verdict in ("not-scanned", "incomplete"):
        skipped = [i.message for i in items
                   if i.kind in ("not-scanned", "refused", "skipped", "audit-skipped")]
        return _listed(skipped) or judgement.verdict
    if judgement.verdict == "warnings":
        found = [_named(i) for i in items if i.level == "warn" and i.overridden_by is None]
        return f"warnings: {_listed(found)}"
    return None


def score_known(judgement: Judgement) -> bool:
    """Was the source scanned, so that the score measured its code?"""
    return judgement.summary.get("status") == "scanned"


def safety(judgement: Judgement, yanked: str | None,
           deprecated: Mapping[str, Any] | None) -> dict[str, Any]:
    """The safety state of one version (see the module's docstring)."""
    return {"state": judgement.verdict, "reason": reason(judgement),
            "score_known": score_known(judgement), "yanked": yanked,
            "deprecated": dict(deprecated) if deprecated else None}
