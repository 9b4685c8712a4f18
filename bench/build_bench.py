"""Benchmark plugindex build on synthetic registries: cold build, then one changed manifest.

    python bench/build_bench.py [N | history ...]      (default: 1000 10000 history)

N: the uniform synthetic registry of N manifests (bench/generate.py); history: 5,000 manifests
shaped like a real registry's history (a few plugins with 200-300 versions, a long tail, one
commit per manifest). Prints per-stage times, and each target with the ratio to it.
BENCH_REUSE=1 keeps a registry generated (and built) by an earlier run, and times only the
rebuilds. Targets (2-core machine, CPU time): a rebuild after one changed manifest, or one new
version of the plugin with the most versions, or a rewritten summary (its related
plugins, and those it reaches, computed again), < 1 s; a new version of the plugin the most
manifests require (the worst-case dependency cone) < 2 s; a new month renders again no file
whose content does not depend on the date.

The floor: what any build must do at least, measured as CPU time (this process and its
children) in the same run: read the manifests' blobs from git (ls-tree, one cat-file
--batch), parse them with PyYAML's C loader, check each with one reused jsonschema validator
of the manifest schema, and write one JSON file per plugin and an index. A cold build (no
cache, no index/v1) is reported as a ratio to it (target: within 3x).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from generate import generate
from plugindex.adapters.gitrepo import GitRepo
from plugindex.build.builder import Builder
from plugindex.manifests.model import MANIFEST_SCHEMA
from plugindex.manifests.schema import load_schema

WORK = Path(__file__).resolve().parent / "work"


ENV = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@e", "GIT_COMMITTER_NAME": "b",
       "GIT_COMMITTER_EMAIL": "b@e", "GIT_COMMITTER_DATE": "@1800000000 +0000",
       "GIT_AUTHOR_DATE": "@1800000000 +0000", "PATH": "/usr/bin:/bin"}


def git(root: Path, *args: str, stdin: str | None = None, **env: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True,
                          input=stdin, env={**ENV, **env}).stdout.strip()


def commit_file(root: Path, path: str, text: str, message: str, later: int = 60) -> None:
    """Commit one file's new content as a merged PR would, ``later`` seconds after HEAD: git
    plumbing with a temporary index, so that no 100k-file checkout is needed."""
    blob = git(root, "hash-object", "-w", "--stdin", stdin=text)
    index = str(root / ".git" / "bench-index")
    git(root, "read-tree", "HEAD", GIT_INDEX_FILE=index)
    git(root, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}",
        GIT_INDEX_FILE=index)
    tree = git(root, "write-tree", GIT_INDEX_FILE=index)
    stamp = f"@{int(git(root, 'log', '-1', '--format=%ct', 'HEAD')) + later} +0000"
    commit = git(root, "commit-tree", tree, "-p", "HEAD", "-m", message,
                 GIT_COMMITTER_DATE=stamp, GIT_AUTHOR_DATE=stamp)
    git(root, "update-ref", "refs/heads/main", commit)


def change_one(root: Path, later: int = 60) -> None:
    """Commit a change to one manifest (a comment), ``later`` seconds after HEAD (a minute:
    the same month, so scores keep their date; 32 days: the next month)."""
    path = "submissions/plugin-000000/1.0.0.yaml"
    head = git(root, "rev-parse", "HEAD")
    text = git(root, "show", f"HEAD:{path}") + f"\n# changed on top of {head}\n"
    commit_file(root, path, text, "change one manifest", later)


def rewrite_summary(root: Path, later: int = 60) -> None:
    """Commit a new summary for the newest manifest of a plugin that has several: its
    searchable text changes, so its related plugins (and those its change reaches) are
    computed again while the rest are kept."""
    listing = git(root, "ls-tree", "-r", "--name-only", "HEAD", "--", "submissions")
    versions: dict[str, list[str]] = {}
    for path in listing.splitlines():
        versions.setdefault(path.split("/")[1], []).append(path)
    name = sorted(versions)[1]
    newest = max(versions[name], key=lambda p: tuple(
        int(x) for x in p.rsplit("/", 1)[1][:-5].split(".")))
    lines = git(root, "show", f"HEAD:{newest}").splitlines()
    head = git(root, "rev-parse", "--short", "HEAD")  # a new text in a reused registry too
    text = "\n".join(f"summary: Rewritten at {head}, ledger exports for invoices and payments"
                     if line.startswith("summary:") else line for line in lines) + "\n"
    commit_file(root, newest, text, f"{name}: a new summary", later)


def publish_related(root: Path) -> None:
    """Commit the related.json the last build wrote, as the publish workflow commits index/v1:
    the next build keeps the related lists a change does not reach from the commit."""
    text = (root / "index" / "v1" / "related.json").read_text(encoding="utf-8")
    commit_file(root, "index/v1/related.json", text, "Index: related plugins")


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


def timed_build(root: Path, label: str, target: float | None = None) -> None:
    """One build, timed (wall and CPU); with ``target`` (seconds of CPU), the ratio to it."""
    start, start_cpu = time.perf_counter(), cpu()
    outcome = Builder(GitRepo(root)).build()
    total, used = time.perf_counter() - start, cpu() - start_cpu
    assert outcome.ok, outcome.diagnostics[:3]
    stages = "  ".join(f"{k} {v:.2f}" for k, v in outcome.timings.items())
    verdict = "" if target is None else (
        f"  target < {target:g} s: {used / target:.2f}x, {'ok' if used < target else 'over'}")
    print(f"  {label:26} {total:7.2f} s, {used:6.2f} s CPU ({outcome.versions} manifests, "
          f"{outcome.written} plugin files rendered){verdict}\n      {stages}", flush=True)


def new_month(root: Path, label: str) -> None:
    """A build in a new month after one change: only files whose content depends on the
    date should be rendered again (target: no file rendered whose bytes stay the same)."""
    plugins = root / "index" / "v1" / "plugins"
    before = {p.name: p.read_bytes() for p in plugins.glob("*.json")}
    start, start_cpu = time.perf_counter(), cpu()
    outcome = Builder(GitRepo(root)).build()
    total, used = time.perf_counter() - start, cpu() - start_cpu
    assert outcome.ok, outcome.diagnostics[:3]
    after = {p.name: p.read_bytes() for p in plugins.glob("*.json")}
    changed = sum(before.get(name) != data for name, data in after.items())
    idle = outcome.written - changed
    print(f"  {label:26} {total:7.2f} s, {used:6.2f} s CPU: {outcome.written} of {len(after)} "
          f"plugin files rendered, {changed} changed (the commit's plugin, and scores the "
          f"date moved); rendered unchanged: {idle} (target 0: {'ok' if idle == 0 else 'over'})",
          flush=True)


def most_required(root: Path) -> str:
    """The plugin that the most manifests require (the widest dependency cone above it)."""
    lines = git(root, "grep", "-h", "-o", "-E", "^    plugin-[0-9]+:", "HEAD", "--",
                "submissions").splitlines()
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.strip()[:-1]] = counts.get(line.strip()[:-1], 0) + 1
    return max(counts, key=lambda n: (counts[n], n))


def add_version(root: Path, later: int = 60, plugin: str | None = None) -> None:
    """Commit one new version of ``plugin`` (default: the plugin with the most versions)."""
    listing = git(root, "ls-tree", "-r", "--name-only", "HEAD", "--", "submissions")
    counts: dict[str, list[str]] = {}
    for path in listing.splitlines():
        counts.setdefault(path.split("/")[1], []).append(path)
    name, paths = max(counts.items(), key=lambda kv: (len(kv[1]), kv[0])) if plugin is None \
        else (plugin, counts[plugin])
    newest = max(paths, key=lambda p: tuple(int(x) for x in p.rsplit("/", 1)[1][:-5].split(".")))
    major, minor, _ = newest.rsplit("/", 1)[1][:-5].split(".")
    version = f"{major}.{int(minor) + 1}.0"
    text = git(root, "show", f"HEAD:{newest}").replace(
        newest.rsplit("/", 1)[1][:-5], version, 1)
    commit_file(root, f"submissions/{name}/{version}.yaml", text + "\n",
                f"{name} {version} ({len(paths)} versions before)", later)


def cpu() -> float:
    """CPU seconds of this process and of its children that ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def floor(root: Path) -> int:
    """The floor's work (see the module's docstring); the number of manifests it read."""
    listing = subprocess.run(["git", "ls-tree", "-r", "-z", "HEAD", "--", "submissions"],
                             cwd=root, check=True, capture_output=True).stdout
    entries = [(rec.split(b"\t")[1].decode(), rec.split()[2].decode())
               for rec in listing.split(b"\0") if rec]
    out = subprocess.run(["git", "cat-file", "--batch"], cwd=root, check=True,
                         capture_output=True,
                         input="".join(f"{oid}\n" for _, oid in entries).encode()).stdout
    validator = Draft202012Validator(load_schema(MANIFEST_SCHEMA))
    plugins: dict[str, list[object]] = {}
    at = 0
    for path, _ in entries:
        header_end = out.index(b"\n", at)
        size = int(out[at:header_end].split()[2])
        data = out[header_end + 1:header_end + 1 + size]
        at = header_end + 2 + size
        document = yaml.load(data, Loader=yaml.CSafeLoader)
        validator.is_valid(document)
        plugins.setdefault(path.split("/")[1], []).append(document)
    with tempfile.TemporaryDirectory() as into:
        for name, documents in plugins.items():
            Path(into, f"{name}.json").write_text(json.dumps(
                {"name": name, "versions": documents}, sort_keys=True, default=str))
        Path(into, "index.json").write_text(json.dumps(
            sorted(plugins), sort_keys=True, default=str))
    return len(entries)


def cold_against_floor(root: Path) -> None:
    """A cold build's CPU time as a ratio to the floor's, measured one after the other."""
    start = cpu()
    count = floor(root)
    floor_cpu = cpu() - start
    shutil.rmtree(root / ".cache", ignore_errors=True)
    shutil.rmtree(root / "index", ignore_errors=True)
    start = cpu()
    outcome = Builder(GitRepo(root)).build()
    build_cpu = cpu() - start
    assert outcome.ok, outcome.diagnostics[:3]
    ratio = build_cpu / floor_cpu
    print(f"  cold build {build_cpu:7.2f} s CPU, floor {floor_cpu:.2f} s CPU ({count} "
          f"manifests): {ratio:.1f}x the floor (target <= 3x: "
          f"{'ok' if ratio <= 3 else 'over'})", flush=True)


def main() -> None:
    """Each size N: the uniform synthetic registry of N manifests; 'history': 5,000 manifests
    shaped like a real registry's history (generate.long_tail)."""
    for arg in sys.argv[1:] or ["1000", "10000", "history"]:
        if arg == "history":
            root = WORK / "registry-history"
            prepare(root, "history-shaped registry, 5000 manifests",
                    lambda root=root: generate(root, 5000, shape="long-tail"), timed_build)
            cold_against_floor(root)
            add_version(root)
            timed_build(root, "one version of the largest", 1.0)
            timed_build(root, "nothing changed", 1.0)
            change_one(root, 32 * 86400)  # a manifest's comment: no dependency cone moves
            new_month(root, "one changed, a new month")
            continue
        n = int(arg)
        root = WORK / f"registry-{n}"
        prepare(root, f"{n} manifests", lambda root=root, n=n: generate(root, n), timed_build)
        cold_against_floor(root)
        publish_related(root)
        change_one(root)
        timed_build(root, "one manifest changed", 1.0)
        timed_build(root, "nothing changed", 1.0)
        rewrite_summary(root)
        timed_build(root, "one summary rewritten", 1.0)
        add_version(root, plugin=most_required(root))
        timed_build(root, "a version of most required", 2.0)
        change_one(root, 32 * 86400)
        new_month(root, "one changed, a new month")


if __name__ == "__main__":
    main()
