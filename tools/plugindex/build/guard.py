"""The anti-shrink guard: a publish that drops many plugins or versions at once is refused.

A registry loses plugins one pull request at a time. An index that drops more than a share of
them (``limits.publish_shrink`` in registry.yaml, 5% by default) is a mistake far more often
than an intent: a bad merge, a broken checkout, a tool run on the wrong tree. The build
compares what it is about to publish with the index committed at the commit it builds (the
last publication) and refuses such a drop unless an admin allows it for this build
(``plugindex build --allow-shrink``; the publish workflow passes it only when a maintainer
dispatches it with ``allow_shrink``), as obsidian-releases guards its list.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from plugindex.diagnostics import Diagnostic
from plugindex.layout import INDEX_DIR
from plugindex.rules import diagnostic

INDEX_PATH = f"{INDEX_DIR}/index.json"


@dataclass(frozen=True)
class Counts:
    plugins: int
    versions: int


def counts_of(data: bytes | None) -> Counts | None:
    """The counts an index.json declares; None for one that is missing or unreadable (the
    guard then has nothing to compare with, as on the first publication)."""
    if data is None:
        return None
    try:
        counts = json.loads(data)["counts"]
        found = Counts(counts["plugins"], counts["versions"])
    except (ValueError, RecursionError, KeyError, TypeError):
        return None
    if not all(type(n) is int and n >= 0 for n in (found.plugins, found.versions)):
        return None
    return found


def shrink_problems(before: Counts | None, after: Counts, share: float) -> list[Diagnostic]:
    """PI090 for plugins and for versions if more than ``share`` of them would go."""
    if before is None:
        return []
    out = []
    for what, old, new in (("plugins", before.plugins, after.plugins),
                           ("versions", before.versions, after.versions)):
        allowed = math.floor(old * share)
        if old - new > allowed:
            out.append(diagnostic(
                "PI090", INDEX_PATH, 1, f"/counts/{what}",
                f"the index would drop {old - new} of its {old} {what} ({(old - new) / old:.0%})"
                f"; at most {allowed} ({share:.0%}, limits.publish_shrink) may go in one "
                "publication"))
    return out
