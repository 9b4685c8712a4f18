"""plugindex resolve: an install plan for plugins on a host version, or why there is none."""

from __future__ import annotations

import argparse
import json
import sys

from packaging.version import InvalidVersion, Version

from plugindex.adapters.fsutil import recovered
from plugindex.errors import UsageError
from plugindex.layout import INDEX_DIR, find_root
from plugindex.resolve.cautions import Caution, cautions
from plugindex.resolve.releases import IndexCatalog
from plugindex.resolve.resolver import Options, Resolution, parse_request, resolve


def render_text(result: Resolution, host: str, warned: list[Caution]) -> str:
    if result.undecided:
        return f"undecided: {result.undecided}"
    if not result.ok:
        return "\n".join(f"cannot install: {p.message()}" for p in result.problems)
    lines = [f"install order on host {host}:"]
    flagged: dict[tuple[str, str], list[str]] = {}
    for c in warned:
        flagged.setdefault((c.plugin, c.version), []).append(c.kind)
    for i, r in enumerate(result.chosen, 1):
        marks = flagged.get((r.name, r.shown), [])
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
    warned = cautions(result.chosen, catalog.detail) if result.ok else []
    refused = bool(args.strict and warned)
    if args.format == "json":
        print(json.dumps({"host": host_text, **result.as_json(),
                          "cautions": [c.as_json() for c in warned], "refused": refused},
                         indent=2, sort_keys=True))
    else:
        # Like pip's yank warning: on stderr, with the reason; the plan stays on stdout.
        for c in warned:
            print(f"plugindex: {'refused' if refused else 'warning'}: {c.line()}",
                  file=sys.stderr)
        if not refused:
            print(render_text(result, host_text, warned))
    return 0 if result.ok and not refused else 1
