"""The anti-shrink guard: a publication that drops many plugins or versions at once is refused.

A registry loses plugins one pull request at a time. An index that drops more than a share of
them (``limits.publish_shrink`` in registry.yaml, 5% by default, and always at least one) is a
mistake far more often than an intent: a bad merge, a broken checkout, a tool run on the wrong
tree. The build compares what it is about to publish with the index committed at the commit it
builds (the last publication): the plugins gone, and the versions gone from the plugins that
stay (a removed plugin's versions count as that one plugin). A drop past the share is refused,
and so is a last publication whose index.json cannot be read (what a bad merge leaves), unless
an admin allows it for this build (``plugindex build --allow-shrink``; the publish workflow
passes it only when a maintainer dispatches it with ``allow_shrink``), as obsidian-releases
guards its list.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

from plugindex.diagnostics import Diagnostic
from plugindex.layout import INDEX_DIR
from plugindex.rules import diagnostic

INDEX_PATH = f"{INDEX_DIR}/index.json"
Counts = Mapping[str, int]  # plugin -> its number of versions


class Unreadable(ValueError):
    """The last publication's index.json is there but is not an index."""


def counts_of(data: bytes | None) -> Counts | None:
    """Each plugin's number of versions in an index.json; None when there is none (the first
    publication: nothing to compare with). Raises Unreadable for bytes that are no index."""
    if data is None:
        return None
    try:
        entries = json.loads(data)["plugins"]
        found = {e["name"]: len(e["versions"]) for e in entries}
    except (ValueError, RecursionError, KeyError, TypeError) as exc:
        raise Unreadable(str(exc)) from None
    if not all(isinstance(n, str) for n in found):
        raise Unreadable("a plugin's name is not a string")
    return found


def _allowed(total: int, share: float) -> int:
    return max(1, math.floor(total * share))


def shrink_problems(before: Counts | None, after: Counts, share: float) -> list[Diagnostic]:
    """PI090 when more plugins, or more versions of the plugins that stay, would go than
    ``share`` of them (at least one is always allowed)."""
    if before is None:
        return []
    out = []
    gone = sorted(set(before) - set(after))
    allowed = _allowed(len(before), share)
    if len(gone) > allowed:
        out.append(diagnostic(
            "PI090", INDEX_PATH, 1, "/counts/plugins",
            f"the index would drop {len(gone)} of its {len(before)} plugins ({', '.join(gone[:5])}"
            f"{', ...' if len(gone) > 5 else ''}); at most {allowed} "
            f"({share:.0%}, limits.publish_shrink) may go in one publication"))
    total = sum(before.values())
    dropped = sum(max(0, n - after[name]) for name, n in before.items() if name in after)
    allowed = _allowed(total, share)
    if dropped > allowed:
        out.append(diagnostic(
            "PI090", INDEX_PATH, 1, "/counts/versions",
            f"the index would drop {dropped} of its {total} versions from plugins it keeps; "
            f"at most {allowed} ({share:.0%}, limits.publish_shrink) may go in one "
            "publication"))
    return out


def unreadable_problem(why: str) -> Diagnostic:
    return diagnostic("PI090", INDEX_PATH, 1, "",
                      f"the last publication's index.json cannot be read ({why}), so what "
                      "this build would drop cannot be told")
