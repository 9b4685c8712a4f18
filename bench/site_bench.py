"""Benchmark the marketplace site build (issue 8).

    python bench/site_bench.py [PLUGINS ...]      (default: 100 1000 5000)

For each size, writes an index with that many plugins (the default registry's plugins
repeated under new names, related lists and all), builds the site with MkDocs and Material as
`plugindex site` does, and prints the build time and what a visitor downloads to search and
browse: Material's search index and the browse data, raw and gzip-compressed.
Targets: 1,000 plugins in under 15 s, 5,000 in under 60 s; under 0.5 MB gzip of search and
browse data at 1,000 plugins.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "site"


def synthetic_index(n: int, target: Path) -> None:
    source = ROOT / "index" / "v1"
    index = json.loads((source / "index.json").read_bytes())
    originals = index["plugins"]
    shutil.rmtree(target, ignore_errors=True)
    (target / "plugins").mkdir(parents=True)
    entries, related = [], {}
    base_related = json.loads((source / "related.json").read_bytes())["related"]
    for i in range(n):
        original = originals[i % len(originals)]
        name = f"{original['name']}-{i}"
        detail = json.loads((source / original["file"]).read_bytes())
        detail["name"] = name
        data = json.dumps(detail).encode()
        (target / "plugins" / f"{name}.json").write_bytes(data)
        entries.append({**original, "name": name, "file": f"plugins/{name}.json",
                        "summary": f"{original['summary']} (copy {i})"})
        related[name] = [f"{r}-{(i // len(originals)) * len(originals) + j}"
                         for j, o in enumerate(originals) for r in base_related.get(
                             original["name"], []) if o["name"] == r][:5]
    index["plugins"] = sorted(entries, key=lambda e: e["name"])
    index["counts"] = {"plugins": n, "versions": n * 3}
    (target / "index.json").write_text(json.dumps(index), encoding="utf-8")
    (target / "related.json").write_text(json.dumps(
        {"schema_version": 1, "inputs": "0" * 64, "limit": 5, "related": related}))
    shutil.copy(source / "contributors.json", target / "contributors.json")


def gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), mtime=0))


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000, 5000]
    for n in sizes:
        index = WORK / f"index-{n}"
        synthetic_index(n, index)
        out = WORK / f"site-{n}"
        shutil.rmtree(out, ignore_errors=True)
        env = {**os.environ, "PLUGINDEX_INDEX": str(index), "SOURCE_DATE_EPOCH": "1767225600",
               "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f",
                        str(ROOT / "mkdocs.yml"), "-d", str(out)], cwd=ROOT, env=env, check=True)
        took = time.perf_counter() - start
        search, browse = out / "search" / "search_index.json", out / "assets" / "browse.json"
        total_gz = gz(search) + gz(browse)
        mb = 1e6
        print(f"{n:>5} plugins: build {took:6.1f} s; search index "
              f"{search.stat().st_size / mb:.2f} MB ({gz(search) / mb:.3f} MB gzip), browse data "
              f"{browse.stat().st_size / mb:.2f} MB ({gz(browse) / mb:.3f} MB gzip); a visitor "
              f"downloads {total_gz / mb:.3f} MB gzip")


if __name__ == "__main__":
    main()
