"""plugindex resolve: an install plan for plugins on a host version, or why there is none."""

from __future__ import annotations

import argparse
import json

from packaging.version import InvalidVersion, Version

from plugindex.adapters.fsutil import recovered
from plugindex.errors import UsageError
from plugindex.layout import INDEX_DIR, find_root
from plugindex.resolve.releases import IndexCatalog
from plugindex.resolve.resolver import Options, Resolution, parse_request, resolve


def render_text(result: Resolution, host: str) -> str:
    if result.undecided:
        return f"undecided: {result.undecided}"
    if not result.ok:
        return "\n".join(f"cannot install: {p.message()}" for p in result.problems)
    lines = [f"install order on host {host}:"]
    for i, r in enumerate(result.chosen, 1):
        marks = [m for m, on in (("yanked", r.yanked), ("deprecated", r.deprecated)) if on]
        lines.append(f"  {i:>3}. {r.name} {r.shown}" + (f"  ({', '.join(marks)})"
                                                          if marks else ""))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    root = find_root(args.root)
    catalog = IndexCatalog(recovered(root, INDEX_DIR))
    try:
        request = [parse_request(text) for text in args.requests]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    host_text = args.host or catalog.host_versions[-1]
    try:
        host = Version(host_text)
    except InvalidVersion:
        raise UsageError(f"'{host_text}' is not a version") from None
    result = resolve(catalog, request, Options(host=host, allow_pre=args.pre,
                                               time_budget=args.time_budget))
    if args.format == "json":
        print(json.dumps({"host": host_text, **result.as_json()}, indent=2, sort_keys=True))
    else:
        print(render_text(result, host_text))
    return 0 if result.ok else 1
