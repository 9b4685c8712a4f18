"""The ``score`` section of registry.yaml: every check's specification (family, title, default
weight, what it measures, its parameters with their defaults and documentation), the tiers, and
the effective settings once registry.yaml has overridden the defaults.

The evaluators live in ``plugindex.score.model``, registered by check id; the scoring page is
generated from this table (``plugindex.score.page``), so code, settings and documentation
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FAMILIES = ("security", "documentation", "maintenance", "quality", "compatibility")
Param = float | tuple[str, ...]


@dataclass(frozen=True)
class CheckSpec:
    id: str
    family: str
    title: str
    weight: int  # the default maximum
    measures: str  # what earns the points, for the documentation page
    params: Mapping[str, Param]  # defaults
    param_docs: Mapping[str, str]


@dataclass(frozen=True)
class Tier:
    id: str
    min: int


DEFAULT_TIERS = (Tier("excellent", 85), Tier("good", 70), Tier("fair", 50), Tier("low", 0))


@dataclass(frozen=True)
class ScoreConfig:
    """The effective weights, thresholds and tiers (defaults overridden by registry.yaml)."""

    weights: Mapping[str, int]
    params: Mapping[str, Mapping[str, Param]]
    tiers: tuple[Tier, ...] = DEFAULT_TIERS

    def tier_of(self, total: int) -> str:
        return next((t.id for t in self.tiers if total >= t.min), self.tiers[-1].id)


# -- the table ---------------------------------------------------------------------------------

def _spec(id: str, family: str, title: str, weight: int, measures: str,
          params: Sequence[tuple[str, Param, str]] = ()) -> CheckSpec:
    return CheckSpec(id, family, title, weight, measures, {k: v for k, v, _ in params},
                     {k: d for k, _, d in params})


CHECKS: tuple[CheckSpec, ...] = (
    _spec("security.code", "security", "No insecure code", 12,
          "bandit's findings in the source cost points by severity times confidence; findings "
          "silenced by # nosec cost part of that; no points when the source was not scanned",
          [("high", 6, "points a high-severity finding costs"),
           ("medium", 3, "points a medium-severity finding costs"),
           ("low", 1, "points a low-severity finding costs"),
           ("confidence_high", 1.0, "factor for high confidence"),
           ("confidence_medium", 0.6, "factor for medium confidence"),
           ("confidence_low", 0.3, "factor for low confidence"),
           ("suppressed", 0.5, "factor for findings silenced by # nosec")]),
    _spec("security.advisories", "security", "No known vulnerabilities", 10,
          "known advisories against the audited dependencies cost points by severity; a "
          "requirement that could not be audited costs points too; no points without an audit",
          [("critical", 10, "points a critical advisory costs"),
           ("high", 7, "points a high advisory costs"),
           ("moderate", 4, "points a moderate advisory costs"),
           ("low", 2, "points a low advisory costs"),
           ("unknown", 7, "points an advisory of unknown severity costs (most have none)"),
           ("unaudited", 3, "points each requirement that could not be audited costs")]),
    _spec("security.permissions", "security", "Permissions declared", 5,
          "every permission the code is seen to use is declared in the manifest",
          [("per_undeclared", 3, "points each undeclared permission costs")]),
    _spec("security.coverage", "security", "Whole source scanned", 3,
          "bandit parsed every file and no file was left out (links, submodules)",
          [("per_error", 1, "points each file bandit could not parse costs"),
           ("per_unscanned_file", 1, "points each link or submodule left unscanned costs")]),
    _spec("docs.readme", "documentation", "README", 8,
          "the source has a README of substance; a short one earns in proportion",
          [("substantive_words", 150, "words for full points")]),
    _spec("docs.usage", "documentation", "Usage documented", 4,
          "the README has a usage section (usage, getting started, quick start, examples)"),
    _spec("docs.configuration", "documentation", "Configuration documented", 3,
          "the README has a configuration section (configuration, settings, options, "
          "environment variables)"),
    _spec("docs.url", "documentation", "Documentation link", 3,
          "the manifest links to documentation"),
    _spec("docs.description", "documentation", "Description", 4,
          "the manifest's description is long enough to choose by; shorter earns in proportion",
          [("description_chars", 200, "characters for full points")]),
    _spec("docs.screenshots", "documentation", "Screenshots", 3,
          "a UI plugin lists screenshots in its manifest (README images earn part); full "
          "points for other plugins",
          [("ui_capabilities", ("ui",), "capabilities that make a plugin a UI plugin"),
           ("ui_categories", ("ui-components",), "categories that make a plugin a UI plugin"),
           ("readme_images_points", 1, "points for README images without screenshots")]),
    _spec("maintenance.recency", "maintenance", "Recent release", 6,
          "days from the plugin's newest release to the score date; full points up to "
          "full_days, none from zero_days, linear between",
          [("full_days", 180, "days for full points"), ("zero_days", 730, "days for none")]),
    _spec("maintenance.cadence", "maintenance", "Release cadence", 3,
          "releases of the plugin in the window before the score date",
          [("window_days", 365, "the window"),
           ("full_releases", 3, "releases in the window for full points")]),
    _spec("maintenance.activity", "maintenance", "Active source", 4,
          "days from the newest commit of the source (git history; unknown for archives) to "
          "the score date",
          [("full_days", 180, "days for full points"), ("zero_days", 730, "days for none")]),
    _spec("maintenance.changelog", "maintenance", "Changelog", 3,
          "the source has a changelog file (CHANGELOG, CHANGES, HISTORY, NEWS) or README "
          "section"),
    _spec("maintenance.maintainers", "maintenance", "Maintainers", 2,
          "more than one maintainer keeps a plugin alive",
          [("full_maintainers", 2, "maintainers for full points")]),
    _spec("maintenance.deprecation", "maintenance", "Not deprecated", 2,
          "the version is neither deprecated nor yanked"),
    _spec("quality.tests", "quality", "Tests", 5,
          "the source has test files (tests/, test_*.py, *_test.py, *.test.js, ...)"),
    _spec("quality.ci", "quality", "Continuous integration", 4,
          "the source has CI configuration (.github/workflows, .gitlab-ci.yml, ...)"),
    _spec("quality.typing", "quality", "Type hints", 3,
          "a py.typed marker, and the share of fully annotated functions (full points at "
          "full_ratio); full points when the source has no Python functions",
          [("py_typed_points", 1, "points for a py.typed marker"),
           ("full_ratio", 0.8, "share of annotated functions for the remaining points")]),
    _spec("quality.license", "quality", "License file", 3,
          "a license file whose text is the license the manifest declares",
          [("unmatched_points", 1, "points for a license file that does not match")]),
    _spec("compat.newest-host", "compatibility", "Newest host", 4,
          "the version supports the registry's newest host version"),
    _spec("compat.requirements", "compatibility", "Requirements met", 4,
          "its plugin requirements can be met on every host it supports (in proportion "
          "otherwise), and the latest version's full resolution finds an install plan"),
    _spec("compat.dependency-health", "compatibility", "Healthy dependencies", 2,
          "no plugin requirement is met only by yanked or deprecated versions"),
)
SPECS = {s.id: s for s in CHECKS}


def default_config() -> ScoreConfig:
    return ScoreConfig({s.id: s.weight for s in CHECKS}, {s.id: dict(s.params) for s in CHECKS})


def parse_score(raw: Mapping[str, Any]) -> tuple[ScoreConfig, list[tuple[tuple[str | int, ...],
                                                                           str]]]:
    """registry.yaml's schema-valid ``score`` mapping -> config, and its problems as
    (pointer parts under score, message)."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    weights = {s.id: s.weight for s in CHECKS}
    params: dict[str, dict[str, Param]] = {s.id: dict(s.params) for s in CHECKS}
    for check, weight in raw.get("weights", {}).items():
        if check not in SPECS:
            problems.append((("weights", check), f"'{check}' is not a score check"))
        else:
            weights[check] = int(weight)
    for check, values in raw.get("params", {}).items():
        if check not in SPECS:
            problems.append((("params", check), f"'{check}' is not a score check"))
            continue
        for key, value in values.items():
            default = SPECS[check].params.get(key)
            if default is None:
                problems.append((("params", check, key),
                                 f"'{key}' is not a parameter of {check}"))
            elif isinstance(default, tuple) != isinstance(value, list):
                wanted = "a list" if isinstance(default, tuple) else "a number"
                problems.append((("params", check, key), f"{check}.{key} takes {wanted}"))
            else:
                params[check][key] = tuple(value) if isinstance(value, list) else float(value)
    total = sum(weights.values())
    if total != 100 and not any(p[0][0] == "weights" for p in problems):
        problems.append((("weights",), f"the weights add up to {total}; they must add up "
                                       "to 100"))
    tiers: tuple[Tier, ...] = DEFAULT_TIERS
    if "tiers" in raw:
        tiers = tuple(sorted((Tier(t["id"], int(t["min"])) for t in raw["tiers"]),
                             key=lambda t: -t.min))
        if tiers[-1].min != 0:
            problems.append((("tiers",), "the lowest tier must start at 0"))
    return ScoreConfig(weights, params, tiers), problems
