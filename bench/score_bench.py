"""Benchmark the quality score and the source facts behind it (issue 5).

    python bench/score_bench.py

1. Rebuilds the facts of every version of the default registry from the committed index and
   index/cache, then scores all of them 100 times (what a build does for each version it
   renders) and prints the time per version.
2. Gathers the source facts of every example plugin (what a scan adds to each source).
Targets: scoring < 1 ms per version (a month's full re-render of 50,000 versions in < 1 min);
source facts < 100 ms per example plugin.
"""

from __future__ import annotations

import datetime
import json
import statistics
import time
from pathlib import Path
from typing import Any

from plugindex.config.registry import load_registry
from plugindex.manifests.model import manifest_from
from plugindex.resolve.installability import RequirementCheck, Unmet
from plugindex.scan.records import audit_record_path, audit_requirements, source_record_path
from plugindex.scanners.quality import gather
from plugindex.score.model import Release, ScoreFacts, score
from plugindex.score.versions import score_date

ROOT = Path(__file__).resolve().parent.parent


def _read(rel: str) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads((ROOT / rel).read_bytes())
    except OSError:
        return None
    return data


def _epoch(iso: str) -> int:
    return int(datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def all_facts() -> list[ScoreFacts]:
    registry = load_registry(ROOT)
    index = json.loads((ROOT / "index/v1/index.json").read_bytes())
    as_of = score_date(_epoch(index["updated"]))
    out = []
    for entry in index["plugins"]:
        detail = json.loads((ROOT / "index/v1" / entry["file"]).read_bytes())
        releases = tuple(Release(v["version"], _epoch(v["published"]), bool(v["yanked"]))
                         for v in detail["versions"])
        for v in detail["versions"]:
            m = manifest_from(v["manifest"])
            record = _read(source_record_path(m.name, v["source"]["digest"]))
            audit = _read(audit_record_path(m.name, audit_requirements(m, record)))
            req = v["requirements"]
            check = RequirementCheck(tuple(req["hosts"]), tuple(
                Unmet(u["plugin"], u["range"], u["host"], u["reason"]) for u in req["unmet"]),
                tuple(req["deprecated_only"]))
            out.append(ScoreFacts(m, releases, record, audit, check,
                                  detail["install"]["status"], registry.host_versions[-1],
                                  as_of))
    return out


def main() -> None:
    registry = load_registry(ROOT)
    facts = all_facts()
    rounds = 100
    start = time.perf_counter()
    for _ in range(rounds):
        for f in facts:
            score(f, registry.score, registry.scan.permission_map)
    per = (time.perf_counter() - start) / (rounds * len(facts))
    print(f"scoring: {len(facts)} versions x {rounds}: {per * 1000:.3f} ms per version "
          f"(target < 1 ms; 50,000 versions: {per * 50000:.1f} s)")
    times = []
    for plugin in sorted(p for p in (ROOT / "examples/plugins").iterdir() if p.is_dir()):
        t = time.perf_counter()
        gather(plugin)
        times.append(time.perf_counter() - t)
    print(f"source facts of {len(times)} example plugins: median "
          f"{statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms "
          "(target < 100 ms)")


if __name__ == "__main__":
    main()
