"""The scoring page: every check, its weight and its thresholds, rendered from the table in
``config/score.py`` and the registry's settings, so that the documentation cannot drift from
the code. The site generates it at build time (``plugindex.site.pages.every_page``); it is
never committed. ``plugindex score --checks --format markdown`` prints the same page."""

from __future__ import annotations

from typing import Any

from plugindex.config.score import CHECKS, FAMILIES, Param, ScoreConfig

PAGE = "scoring.md"  # under the docs directory; the page's URL is scoring/


def _param(value: Param) -> str:
    if isinstance(value, tuple):
        return ", ".join(f"`{v}`" for v in value) or "(none)"
    return f"{value:g}"


def checks_json(config: ScoreConfig) -> list[dict[str, Any]]:
    return [{"id": s.id, "family": s.family, "title": s.title, "measures": s.measures,
             "weight": config.weights.get(s.id, s.weight), "default_weight": s.weight,
             "params": {k: list(v) if isinstance(v, tuple) else v
                        for k, v in config.params.get(s.id, s.params).items()},
             "param_docs": dict(s.param_docs)} for s in CHECKS]


def checks_text(config: ScoreConfig) -> str:
    lines = []
    for family in FAMILIES:
        specs = [s for s in CHECKS if s.family == family]
        total = sum(config.weights.get(s.id, s.weight) for s in specs)
        lines.append(f"{family} ({total} points)")
        for s in specs:
            lines.append(f"  {config.weights.get(s.id, s.weight):>3}  {s.id:<26} {s.measures}")
    lines.append("tiers: " + ", ".join(f"{t.id} {t.min}+" for t in config.tiers))
    return "\n".join(lines)


def markdown(config: ScoreConfig) -> str:
    """The page, for the registry's effective configuration."""
    out = [
        "# How plugins are scored",
        "",
        "<!-- Generated when the site is built, from the checks' table in "
        "tools/plugindex/config/score.py and the score settings in registry.yaml. -->",
        "",
        "Every version of every plugin gets a quality score from 0 to 100: the sum of the "
        "points of the checks below. Every fact a check uses is in the registry's "
        "repository: the manifest, the registry's git history, and the results of scanning "
        "the version's source (kept under `index/cache/`), so the score needs no network and "
        "anyone can reproduce it (`plugindex scan`, `plugindex build`, then "
        "`plugindex score NAME@VERSION`).",
        "",
        "- Each check shows its points, its maximum, the evidence it used and, below its "
        "maximum, what would raise it and by how much.",
        "- A check that cannot be evaluated earns nothing: a source that was not scanned, or "
        "dependencies that were not audited, never score like clean ones.",
        "- Times are measured as of the end of the month of the commit the index was "
        "built from, so scores move at most once a month and two builds of one commit agree.",
        "- Weights and thresholds are set under `score:` in `registry.yaml` (weights must add "
        "up to 100; a weight of 0 switches a check off).",
        "",
        "| tier | from |",
        "|---|---|",
        *(f"| {t.id} | {t.min} |" for t in config.tiers),
        "",
    ]
    for family in FAMILIES:
        specs = [s for s in CHECKS if s.family == family]
        total = sum(config.weights.get(s.id, s.weight) for s in specs)
        out += [f"## {family.capitalize()} ({total} points)", "",
                "| check | points | what earns them |", "|---|---|---|"]
        for s in specs:
            weight = config.weights.get(s.id, s.weight)
            default = "" if weight == s.weight else f" (default {s.weight})"
            out.append(f"| `{s.id}` {s.title} | {weight}{default} | {s.measures} |")
        out.append("")
        for s in specs:
            params = config.params.get(s.id, s.params)
            if not params:
                continue
            out += [f"`{s.id}` thresholds:", ""]
            for key, value in params.items():
                default = "" if value == s.params[key] else f" (default {_param(s.params[key])})"
                out.append(f"- `{key}` = {_param(value)}{default}: {s.param_docs[key]}")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
