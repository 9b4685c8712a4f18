"""plugindex build: index/v1 from the manifests at a commit; --check: fail if the index is stale."""

from __future__ import annotations

import argparse
import json
import sys

from plugindex.adapters.gitrepo import GitRepo
from plugindex.build.builder import Builder
from plugindex.layout import INDEX_DIR, find_root
from plugindex.progress import announcer
from plugindex.report import render, summary


def run(args: argparse.Namespace) -> int:
    root = find_root(args.root)
    repo = GitRepo(root)
    if not args.check and repo.has_uncommitted("submissions", "registry.yaml"):
        print("note: building from the commit; uncommitted changes in submissions/ or "
              "registry.yaml are not included", file=sys.stderr)
    outcome = Builder(repo, announce=announcer("build")).build(
        args.rev, check=args.check, allow_shrink=args.allow_shrink)
    fmt = args.format
    if fmt == "json":
        print(json.dumps({
            "commit": outcome.head,
            "ok": outcome.ok and not outcome.stale,
            "plugins": outcome.plugins,
            "versions": outcome.versions,
            "rendered": outcome.written,
            "stale": list(outcome.stale),
            "diagnostics": [d.as_json() for d in outcome.diagnostics],
        }, indent=2, sort_keys=True))
    elif outcome.diagnostics:
        print(render(outcome.diagnostics, fmt, 0))
    if not outcome.ok:
        print(summary(outcome.diagnostics, outcome.versions) + f"; {INDEX_DIR} left unchanged",
              file=sys.stderr)
        return 1
    if args.check:
        if outcome.stale:
            for name in outcome.stale:
                print(f"{INDEX_DIR}/{name}: stale", file=sys.stderr)
            print(f"{INDEX_DIR} is stale at {outcome.head[:12]}: run 'plugindex build' and "
                  "commit the result", file=sys.stderr)
            return 1
        print(f"{INDEX_DIR} is up to date ({outcome.plugins} plugins, {outcome.versions} "
              "versions)", file=sys.stderr)
        return 0
    print(f"built {INDEX_DIR} from {outcome.head[:12]}: {outcome.plugins} plugins, "
          f"{outcome.versions} versions ({outcome.written} plugin files rendered)",
          file=sys.stderr)
    if args.timings:
        for stage, seconds in outcome.timings.items():
            print(f"  {stage:8} {seconds:8.3f} s", file=sys.stderr)
    return 0
