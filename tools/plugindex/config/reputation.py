"""The ``reputation`` section of registry.yaml: points per kind of contribution, levels, badge
thresholds, the documentation size classes and the bots; ``REPUTATION_VERSION`` versions the
method, so that a saved ledger made by another method or other settings is recomputed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# 3: logins from trusted links only; 4: one share per person, automation credits whom it
# acted for, renames are no new plugin, sweeps are capped; 5: a bot's commit credits its pull
# request's author, '-bot'/'-robot' names are automation, a first publication's co-authors
# share plugin-coauthored points apart from its publishers'
REPUTATION_VERSION = 5
DEFAULT_POINTS: Mapping[str, int] = {
    "plugin-published": 100, "plugin-coauthored": 20, "plugin-featured": 250, "verified": 500,
    "version-released": 20,
    "lifecycle": 5, "metadata-fix": 5, "docs-contribution": 50, "docs-major": 20,
    "docs-typo": 5, "tooling": 25, "review": 15,
}
DEFAULT_LEVELS: tuple[tuple[str, int], ...] = (
    ("Seedling", 0), ("Sprout", 100), ("Growth", 500), ("Bloom", 1000), ("Harvest", 2500),
    ("Ecosystem", 5000))
DEFAULT_REVIEW_COMMANDS: tuple[str, ...] = ("/lgtm", "/approve")
DEFAULT_BADGES: Mapping[str, int] = {
    "documentation-hero": 50,  # documentation contributions (any size)
    "core-contributor": 5,  # tooling changes
    "founding-member": 90,  # days from the registry's first commit
}


@dataclass(frozen=True)
class ReputationConfig:
    points: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_POINTS))
    levels: tuple[tuple[str, int], ...] = DEFAULT_LEVELS
    badges: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_BADGES))
    docs_contribution: int = 100  # lines changed
    docs_major: int = 10
    bots: frozenset[str] = frozenset()
    # comment lines that approve a pull request ("/lgtm"; "/lgtm cancel" takes it back)
    review_commands: tuple[str, ...] = DEFAULT_REVIEW_COMMANDS

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(
            [REPUTATION_VERSION, dict(self.points), self.levels, dict(self.badges),
             self.docs_contribution, self.docs_major, sorted(self.bots)],
            sort_keys=True).encode()).hexdigest()


Problems = list[tuple[tuple[str, ...], str]]  # (path under 'reputation', message)


def parse_reputation(raw: Mapping[str, Any]) -> tuple[ReputationConfig, Problems]:
    """The ``reputation:`` section of registry.yaml (its shape is checked by the schema)."""
    problems: Problems = []
    points = {**DEFAULT_POINTS, **dict(raw.get("points", {}))}
    levels: tuple[tuple[str, int], ...] = DEFAULT_LEVELS
    if "levels" in raw:
        levels = tuple((str(level["name"]), int(level["min"])) for level in raw["levels"])
        minima = [m for _, m in levels]
        if not levels or minima[0] != 0 or minima != sorted(set(minima)):
            problems.append((("levels",), "levels must start at 0 and rise strictly"))
            levels = DEFAULT_LEVELS
    docs = raw.get("docs", {})
    config = ReputationConfig(
        points=points, levels=levels, badges={**DEFAULT_BADGES, **dict(raw.get("badges", {}))},
        docs_contribution=int(docs.get("contribution", 100)), docs_major=int(docs.get("major", 10)),
        bots=frozenset(str(b) for b in raw.get("bots", ())),
        review_commands=tuple(sorted({str(c).strip().lower() for c in raw.get(
            "review_commands", DEFAULT_REVIEW_COMMANDS)})))
    if config.docs_major > config.docs_contribution:
        problems.append((("docs", "major"), "a major edit cannot need more lines than a "
                         "contribution"))
    return config, problems
