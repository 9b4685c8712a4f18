"""Benchmark plugindex scan on the default registry (issue 4).

    python bench/scan_bench.py

Copies this repository into bench/work/scan (index/cache emptied), then for each example plugin
times the first scan of its latest version (fetch of the in-repository tree, two bandit runs,
permissions, declared pins; the audit is left out: --offline) and the second scan of the same
version, answered from index/cache.
Target: a second scan of an unchanged source in < 50 ms.

Then it estimates a full rescan of 10,000 versions (after a bandit upgrade or a policy change)
spread over N shards (``plugindex scan --shard K/N``, one GitHub Actions job each): the mean
first-scan time per version times 10,000 / N, over the runner's scan workers (a hosted Linux
runner has 4 cores for public repositories, 2 for private ones; the scan runs up to 4 at
once). Not included: fetching remote sources and the dependency audit (network), and each
job's setup (checkout, Python, pip install). It also shows how the default registry's
versions fall into 3 and 10 shards (the split is by plugin, so a plugin's versions stay
together).
"""

from __future__ import annotations

import math
import shutil
import statistics
import subprocess
import time
from collections import Counter
from pathlib import Path

from plugindex.adapters.gitrepo import GitRepo
from plugindex.config.registry import load_registry
from plugindex.scan.scanner import RecordStore, Scanner, ScanOptions
from plugindex.scan.shard import shard_of
from plugindex.scan.targets import versions_at

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "scan"
RESCAN = 10_000  # versions in the estimate


def estimate(per_version: float, names: list[str]) -> None:
    """Print the sharded full-rescan estimate and the default registry's split."""
    print(f"full rescan of {RESCAN:,} versions at {per_version:.2f} s a version "
          "(sources and audit excluded):")
    for workers in (2, 4):
        row = [f"{n:>2} shards {math.ceil(RESCAN / n) * per_version / workers / 60:6.1f} min"
               for n in (1, 3, 10, 20)]
        print(f"  {workers} workers per job: " + ", ".join(row))
    for n in (3, 10):
        split = Counter(shard_of(name, n) for name in names)
        print(f"  default registry, {len(names)} versions in {n} shards: "
              + " ".join(str(split[k]) for k in range(1, n + 1)))


def main() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "-q", str(ROOT), str(WORK)], check=True)
    shutil.rmtree(WORK / "index" / "cache", ignore_errors=True)
    repo = GitRepo(WORK)
    registry = load_registry(WORK)
    targets = versions_at(repo, repo.resolve("HEAD"), registry)
    latest = {t.manifest.name: t for t in targets}  # sorted by version: the last one wins
    scanner = Scanner(repo, registry, RecordStore(WORK), ScanOptions(offline=True))
    first, second = [], []
    print(f"{'plugin':24} {'files':>5} {'first scan':>11} {'cached':>9}")
    for name, target in sorted(latest.items()):
        start = time.perf_counter()
        report = scanner.one(target)
        cold = time.perf_counter() - start
        assert report.scanned, name
        start = time.perf_counter()
        again = scanner.one(target)
        warm = time.perf_counter() - start
        assert not again.scanned, name
        assert again.judgement == report.judgement, name
        first.append(cold)
        second.append(warm)
        files = (report.record or {}).get("source", {}).get("files", 0)
        print(f"{name:24} {files:5} {cold:9.2f} s {warm * 1000:6.1f} ms")
    print(f"first scan: median {statistics.median(first):.2f} s, max {max(first):.2f} s; "
          f"cached: median {statistics.median(second) * 1000:.1f} ms, "
          f"max {max(second) * 1000:.1f} ms (target < 50 ms)")
    estimate(statistics.mean(first), [t.manifest.name for t in targets])


if __name__ == "__main__":
    main()
