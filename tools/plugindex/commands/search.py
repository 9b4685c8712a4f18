"""plugindex search: full-text search over the published index (whoosh), with filters."""

from __future__ import annotations

import argparse
import json

from packaging.version import InvalidVersion, Version

from plugindex.adapters.fsutil import recovered
from plugindex.errors import UsageError
from plugindex.layout import INDEX_DIR, SEARCH_CACHE, find_root
from plugindex.search.engine import SORTS, Filters, Results, SearchIndex


def host_version(text: str) -> str:
    """--host's value: a version (PEP 440), else a usage error (exit 2), never "no match"."""
    try:
        Version(text)
    except InvalidVersion:
        raise argparse.ArgumentTypeError(f"{text!r} is not a version (e.g. 2.1.0)") from None
    return text


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", nargs="?", default="", help="words to look for (may be empty "
                   "when a filter is given)")
    p.add_argument("--category", metavar="C")
    p.add_argument("--tag", metavar="T")
    p.add_argument("--capability", metavar="X")
    p.add_argument("--host", metavar="V", type=host_version,
                   help="only plugins whose latest version supports this host version")
    p.add_argument("--verified", action="store_true", help="only verified publishers' plugins")
    p.add_argument("--sort", choices=SORTS, default="relevance")
    p.add_argument("--limit", type=int, default=10, metavar="N")
    p.add_argument("--format", choices=("text", "json"), default="text")


def render_text(results: Results) -> str:
    if not results.hits:
        lines = [f"no plugin matches '{results.query}'"]
        if results.suggestions:
            lines.append("did you mean: " + ", ".join(results.suggestions))
        return "\n".join(lines)
    lines = []
    for h in results.hits:
        mark = " (verified)" if h.verified else ""
        lines.append(f"{h.name} {h.latest}  [{h.category}] score {h.score}{mark}")
        lines.append(f"    {h.highlight}")
    if results.total > len(results.hits):
        lines.append(f"... {results.total - len(results.hits)} more (--limit)")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    filters = Filters(args.category, args.tag, args.capability, args.host, args.verified)
    if not args.query.strip() and filters == Filters():
        raise UsageError("give words to search for, or a filter")
    root = find_root(args.root)
    index_dir = recovered(root, INDEX_DIR)
    if not (index_dir / "index.json").is_file():
        raise UsageError(f"there is no {INDEX_DIR}/index.json here: run plugindex build")
    with SearchIndex(index_dir, root / SEARCH_CACHE) as search:
        results = search.search(args.query, filters, args.sort, args.limit)
    if args.format == "json":
        print(json.dumps(results.as_json(), indent=2, sort_keys=True))
    else:
        print(render_text(results))
    return 0 if results.hits else 1
