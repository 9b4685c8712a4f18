"""plugindex score: a version's quality score, its breakdown and what would raise it.

Reads the published index (``index/v1``, written by ``plugindex build``): the score shown is
the one browsers and tools see. ``--checks`` prints the checks and weights instead.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from plugindex.adapters.fsutil import recovered
from plugindex.config.registry import load_registry
from plugindex.errors import UsageError
from plugindex.layout import INDEX_DIR, find_root
from plugindex.score.page import checks_json, checks_text, markdown


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("plugin", nargs="?", metavar="NAME[@VERSION]",
                   help="a plugin, optionally with a version (default: its latest)")
    p.add_argument("--checks", action="store_true",
                   help="print every check with its weight and thresholds instead")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                   help="markdown: only with --checks (the scoring page)")


def _version_of(detail: dict[str, Any], name: str, version: str | None) -> dict[str, Any]:
    wanted = version or detail["latest"]
    for v in detail["versions"]:
        if v["version"] == wanted:
            return dict(v)
    known = ", ".join(v["version"] for v in detail["versions"])
    raise UsageError(f"{name} has no version {wanted} in the index (it has: {known})")


def render_text(name: str, version: str, score: dict[str, Any]) -> str:
    lines = [f"{name} {version}: {score['total']}/{score['max']} ({score['tier']}), "
             f"unchanged since {score['as_of']}", ""]
    families = list(dict.fromkeys(c["family"] for c in score["checks"]))
    for family in families:
        sums = score["families"][family]
        lines.append(f"{family}: {sums['points']}/{sums['max']}")
        for c in (c for c in score["checks"] if c["family"] == family):
            lines.append(f"  {c['points']:>2}/{c['max']:<2} {c['id']:<26} {c['evidence']}")
    if score["recommendations"]:
        lines += ["", "to raise the score:"]
        lines += [f"  - {r}" for r in score["recommendations"]]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    root = find_root(args.root)
    if args.checks:
        config = load_registry(root).score
        if args.format == "json":
            print(json.dumps(checks_json(config), indent=2, sort_keys=True))
        elif args.format == "markdown":
            print(markdown(config), end="")
        else:
            print(checks_text(config))
        return 0
    if not args.plugin:
        raise UsageError("name a plugin (NAME or NAME@VERSION), or pass --checks")
    if args.format == "markdown":
        raise UsageError("--format markdown prints the checks: add --checks")
    name, _, version = args.plugin.partition("@")
    path = recovered(root, INDEX_DIR) / "plugins" / f"{name}.json"
    try:
        detail = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise UsageError(f"no plugin named {name} in {INDEX_DIR} (run plugindex build after "
                         "adding it)") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    entry = _version_of(detail, name, version or None)
    if args.format == "json":
        print(json.dumps({"name": name, "version": entry["version"], **entry["score"]},
                         indent=2, sort_keys=True))
    else:
        print(render_text(name, entry["version"], entry["score"]))
    return 0
