"""plugindex reputation: the contributors' leaderboard, or one contributor's points with the
commit behind each (computed from main's history, as the build does for contributors.json)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from plugindex.errors import UsageError
from plugindex.gitrepo import GitRepo
from plugindex.registry import load_registry
from plugindex.reputation import Award, Contributor
from plugindex.reputationfacts import awards_of, contributors_at
from plugindex.workspace import find_root


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("who", nargs="?", metavar="LOGIN",
                   help="a GitHub login (or an email, for contributors without one)")
    p.add_argument("--rev", default="HEAD", help="the commit of main to stand at")
    p.add_argument("--limit", type=int, default=20, metavar="N",
                   help="leaderboard rows (default 20)")
    p.add_argument("--format", choices=("text", "json"), default="text")


def _day(stamp: int | None) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d") if stamp else "-"


def leaderboard(rows: list[Contributor], limit: int) -> str:
    lines = [f"{'#':>3}  {'points':>6}  {'level':<10} {'contributor':<28} badges"]
    for i, c in enumerate(rows[:limit], 1):
        lines.append(f"{i:>3}  {c.points:>6}  {c.level:<10} {c.person.key:<28} "
                     f"{', '.join(c.badges) or '-'}")
    if len(rows) > limit:
        lines.append(f"... {len(rows) - limit} more (--limit)")
    return "\n".join(lines)


def explain(c: Contributor, awards: list[Award]) -> str:
    lines = [f"{c.person.key} ({c.person.name}): {c.points} points, {c.level}",
             f"badges: {', '.join(c.badges) or '-'}",
             f"plugins: {', '.join(c.plugins) or '-'}", ""]
    for a in awards:
        lines.append(f"{_day(a.time)}  {a.sha[:12]}  {a.points:>+5}  {a.kind:<18} {a.detail}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    root = find_root(args.root)
    registry = load_registry(root)
    repo = GitRepo(root)
    rows = contributors_at(repo, repo.resolve(args.rev), registry.reputation)
    if args.who is None:
        if args.format == "json":
            print(json.dumps([c.as_json() for c in rows], indent=2, sort_keys=True))
        else:
            print(leaderboard(rows, args.limit))
        return 0
    wanted = args.who.lower()
    found = next((c for c in rows if wanted in (c.person.key, f"email:{wanted}")), None)
    if found is None:
        raise UsageError(f"no contribution by {args.who} on {args.rev}")
    awards = awards_of(repo, found)
    if args.format == "json":
        print(json.dumps({**found.as_json(), "awards": [
            {"commit": a.sha, "time": a.time, "kind": a.kind, "points": a.points,
             "detail": a.detail} for a in awards]}, indent=2, sort_keys=True))
    else:
        print(explain(found, awards))
    return 0
