"""Benchmark plugindex scan on the default registry (issue 4).

    python bench/scan_bench.py

Copies this repository into bench/work/scan (index/cache emptied), then for each example plugin
times the first scan of its latest version (fetch of the in-repository tree, two bandit runs,
permissions, declared pins; the audit is left out: --offline) and the second scan of the same
version, answered from index/cache.
Target: a second scan of an unchanged source in < 50 ms.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import time
from pathlib import Path

from plugindex.adapters.gitrepo import GitRepo
from plugindex.config.registry import load_registry
from plugindex.scan.scanner import RecordStore, Scanner, ScanOptions
from plugindex.scan.targets import versions_at

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "scan"


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


if __name__ == "__main__":
    main()
