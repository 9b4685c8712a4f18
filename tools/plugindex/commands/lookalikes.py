"""plugindex lookalikes: the existing plugins a manifest's name imitates or its text resembles.

Exit status: 0 when the name is clear of every existing name, 1 when it has neighbours (the
review asks an admin to approve such a name), 2 on usage errors. Possible duplicates are
information for the reviewer and never change the status.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from plugindex.adapters.fsutil import recovered
from plugindex.errors import UsageError
from plugindex.layout import INDEX_DIR, SEARCH_CACHE, find_root
from plugindex.manifests.yamlsafe import load
from plugindex.search.engine import SearchIndex
from plugindex.search.lookalikes import Lookalikes, lookalikes


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("manifests", nargs="+", metavar="MANIFEST", type=Path,
                   help="manifest files (submissions/<name>/<version>.yaml)")
    p.add_argument("--format", choices=("text", "json"), default="text")


def render_text(found: Lookalikes) -> str:
    lines = [f"{found.name}:"]
    if found.neighbours:
        lines.append("  name neighbours (an admin must approve this name):")
        lines += [f"    {n.name} ({n.kind}: {n.detail})" for n in found.neighbours]
    else:
        lines.append("  name neighbours: none")
    if found.duplicates:
        lines.append("  most alike (possible duplicates): "
                     + ", ".join(s.name for s in found.duplicates))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    root = find_root(args.root)
    index_dir = recovered(root, INDEX_DIR)
    if not (index_dir / "index.json").is_file():
        raise UsageError(f"there is no {INDEX_DIR}/index.json here: run plugindex build")
    manifests = []
    for path in args.manifests:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror}") from exc
        document = load(data, str(path)).document
        manifest = document.data if document is not None else None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("name"), str):
            raise UsageError(f"{path} is not a manifest with a name: run plugindex validate")
        manifests.append(manifest)
    with SearchIndex(index_dir, root / SEARCH_CACHE) as search:
        results = [lookalikes(m, search) for m in manifests]
    if args.format == "json":
        print(json.dumps([r.as_json() for r in results], indent=2, sort_keys=True))
    else:
        print("\n".join(render_text(r) for r in results))
    return 1 if any(r.neighbours for r in results) else 0
