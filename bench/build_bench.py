"""Benchmark plugindex build on synthetic registries: cold build, then one changed manifest.

    python bench/build_bench.py [N ...]      (default: 1000 10000)

Prints per-stage times. BENCH_REUSE=1 keeps a registry generated (and built) by an earlier
run, and times only the rebuilds. Targets (2-core machine): cold build of 10k manifests < 10 s;
rebuild after one changed manifest < 1 s at 10k and < 3 s at 100k.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from generate import generate
from plugindex.adapters.gitrepo import GitRepo
from plugindex.build.builder import Builder

WORK = Path(__file__).resolve().parent / "work"


ENV = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@e", "GIT_COMMITTER_NAME": "b",
       "GIT_COMMITTER_EMAIL": "b@e", "GIT_COMMITTER_DATE": "@1800000000 +0000",
       "GIT_AUTHOR_DATE": "@1800000000 +0000", "PATH": "/usr/bin:/bin"}


def git(root: Path, *args: str, stdin: str | None = None, **env: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True,
                          input=stdin, env={**ENV, **env}).stdout.strip()


def commit_file(root: Path, path: str, text: str, message: str) -> None:
    """Commit one file's new content as a merged PR would: git plumbing with a temporary
    index, so that no 100k-file checkout is needed."""
    blob = git(root, "hash-object", "-w", "--stdin", stdin=text)
    index = str(root / ".git" / "bench-index")
    git(root, "read-tree", "HEAD", GIT_INDEX_FILE=index)
    git(root, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}",
        GIT_INDEX_FILE=index)
    tree = git(root, "write-tree", GIT_INDEX_FILE=index)
    commit = git(root, "commit-tree", tree, "-p", "HEAD", "-m", message)
    git(root, "update-ref", "refs/heads/main", commit)


def change_one(root: Path) -> None:
    """Commit a change to one manifest (a comment)."""
    path = "submissions/plugin-000000/1.0.0.yaml"
    head = git(root, "rev-parse", "HEAD")
    text = git(root, "show", f"HEAD:{path}") + f"\n# changed on top of {head}\n"
    commit_file(root, path, text, "change one manifest")


def prepare(root: Path, label: str, make: Callable[[], None],
            build: Callable[[Path, str], None]) -> None:
    """Generate the registry and build it cold, or (BENCH_REUSE=1) reuse one generated and
    built by an earlier run and bring its build up to date."""
    if os.environ.get("BENCH_REUSE") and root.exists():
        print(f"{label} (reusing {root})", flush=True)
        build(root, "build, cache as found")
    else:
        start = time.perf_counter()
        make()
        print(f"{label} (generated in {time.perf_counter() - start:.1f} s)", flush=True)
        build(root, "cold build")


def timed_build(root: Path, label: str) -> None:
    start = time.perf_counter()
    outcome = Builder(GitRepo(root)).build()
    total = time.perf_counter() - start
    assert outcome.ok, outcome.diagnostics[:3]
    stages = "  ".join(f"{k} {v:.2f}" for k, v in outcome.timings.items())
    print(f"  {label:24} {total:7.2f} s   ({outcome.versions} manifests, "
          f"{outcome.written} plugin files rendered)   {stages}", flush=True)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    for n in sizes:
        root = WORK / f"registry-{n}"
        prepare(root, f"{n} manifests", lambda root=root, n=n: generate(root, n), timed_build)
        change_one(root)
        timed_build(root, "one manifest changed")
        timed_build(root, "nothing changed")


if __name__ == "__main__":
    main()
