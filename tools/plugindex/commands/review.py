"""plugindex review: the pull-request review of base...head (see review.py), as Markdown for
the comment or JSON for the trusted workflow. Exit status 0 when ready, 1 otherwise."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from plugindex.build import INDEX_DIR, Builder
from plugindex.diagnostics import Diagnostic
from plugindex.errors import UsageError
from plugindex.fsutil import write_atomic
from plugindex.gitrepo import GitRepo
from plugindex.lookalikes import Lookalikes, lookalikes
from plugindex.manifest import split_manifest_path
from plugindex.registry import REGISTRY_FILE, RegistryConfig, parse_registry
from plugindex.review import READY, FileChange, maintainer_logins, review
from plugindex.reviewreport import render
from plugindex.scan import RecordStore, Scanner, ScanOptions, diagnostics_of
from plugindex.scanrecord import CACHE_DIR
from plugindex.search import CACHE_DIR as SEARCH_CACHE
from plugindex.search import SearchIndex
from plugindex.targets import changed_since, versions_at
from plugindex.validate import ManifestValidator
from plugindex.workspace import find_root
from plugindex.yamlsafe import load


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--base", required=True, metavar="REF", help="the branch the pull request "
                   "targets (its merge base with --head is compared)")
    p.add_argument("--head", default="HEAD", metavar="REF")
    p.add_argument("--author", metavar="LOGIN", help="the pull request's author (default: "
                   "$GITHUB_ACTOR)")
    p.add_argument("--output", metavar="FILE", help="write the report here (default: stdout)")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    p.add_argument("--markdown", metavar="FILE", help="also write the Markdown report here "
                   "(with --format json: both from one run)")
    p.add_argument("--scan", action="store_true",
                   help="also scan the changed versions (bandit, permissions, dependency "
                   "audit; only what changed, trusting only the base branch's records)")
    p.add_argument("--offline", action="store_true",
                   help="with --scan: fetch nothing (sources outside the repository and the "
                   "audit are reported as skipped)")
    p.add_argument("--osv-url", metavar="URL", help="with --scan: the advisory service")
    p.add_argument("--score", action="store_true",
                   help="also build the index of the head (into index/v1, as plugindex build "
                   "does) and show each changed version's quality score; the build's "
                   "problems with the changed manifests (requirements, resolution) count too")


def _manifest(data: bytes, path: str) -> dict[str, Any] | None:
    document = load(data, path).document
    return document.data if document is not None and isinstance(document.data, dict) else None


def _version(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        return Version("0")


def _owners(repo: GitRepo, base: str, plugins: set[str]) -> dict[str, set[str]]:
    """Each plugin's maintainers on the base branch (its latest version's manifest)."""
    out: dict[str, set[str]] = {}
    for plugin in sorted(plugins):
        entries = [e for e in repo.ls_tree(base, f"submissions/{plugin}")
                   if split_manifest_path(e.path) is not None]
        if not entries:
            continue
        latest = max(entries, key=lambda e: _version(e.path.rsplit("/", 1)[1][:-len(".yaml")]))
        manifest = _manifest(repo.read_blobs([latest.oid])[latest.oid], latest.path) or {}
        out[plugin] = maintainer_logins(manifest)
    return out


def _files(repo: GitRepo, commit: str, paths: list[str]) -> dict[str, bytes]:
    if not paths:
        return {}
    entries = {e.path: e.oid for p in paths for e in repo.ls_tree(commit, p) if e.path == p}
    blobs = repo.read_blobs(entries.values())
    return {p: blobs[oid] for p, oid in entries.items()}


def _lookalikes(root: Path, manifests: Mapping[str, Mapping[str, Any]]) -> dict[str, Lookalikes]:
    if not manifests or not (root / INDEX_DIR / "index.json").is_file():
        return {}
    with SearchIndex(root / INDEX_DIR, root / SEARCH_CACHE) as search:
        return {name: lookalikes(m, search) for name, m in sorted(manifests.items())}


def _scan(root: Path, repo: GitRepo, registry: RegistryConfig, base: str, head: str,
          args: argparse.Namespace) -> list[Diagnostic]:
    """The scan stage over the versions the pull request adds or changes; scan records are
    believed only as the base branch has them (a pull request cannot vouch for itself)."""
    targets = changed_since(repo, base, versions_at(repo, head, registry), head)
    trusted = {e.path: e.oid for e in repo.ls_tree(base, CACHE_DIR) if e.kind == "blob"}
    scanner = Scanner(repo, registry, RecordStore(root, trusted),
                      ScanOptions(offline=args.offline, osv_url=args.osv_url))
    return [d for r in scanner.run(targets) for d in diagnostics_of(r, registry)]


def _scores(root: Path, repo: GitRepo, head: str, paths: list[str]
            ) -> tuple[list[Diagnostic], dict[str, tuple[int, str]]]:
    """Build the head's index and read the changed versions' scores from it."""
    outcome = Builder(repo).build(head)
    problems = [d for d in outcome.diagnostics if d.file in paths]
    scores: dict[str, tuple[int, str]] = {}
    if not outcome.ok:
        return problems, scores
    for path in paths:
        where = split_manifest_path(path)
        detail = root / INDEX_DIR / "plugins" / f"{where[0]}.json" if where else None
        if detail is None or not detail.is_file():
            continue
        for v in json.loads(detail.read_bytes())["versions"]:
            if v.get("manifest_path") == path and v.get("score"):
                scores[path] = (int(v["score"]["total"]), str(v["score"]["tier"]))
    return problems, scores


def run(args: argparse.Namespace) -> int:
    author = args.author or os.environ.get("GITHUB_ACTOR")
    if not author:
        raise UsageError("give --author LOGIN (the pull request's author)")
    root = find_root(args.root)
    repo = GitRepo(root)
    base, head = repo.resolve(args.base), repo.resolve(args.head)
    merge_base = repo.merge_base(base, head)
    changes = [FileChange(status, path) for status, path in repo.name_status(merge_base, head)]
    registry: RegistryConfig = parse_registry(_files(repo, base, [REGISTRY_FILE])[REGISTRY_FILE])
    manifests = [c for c in changes if split_manifest_path(c.path) is not None]
    before_raw = _files(repo, merge_base, [c.path for c in manifests if c.status != "A"])
    after_raw = _files(repo, head, [c.path for c in manifests if c.status != "D"])
    before = {p: m for p, d in before_raw.items() if (m := _manifest(d, p)) is not None}
    after = {p: m for p, d in after_raw.items() if (m := _manifest(d, p)) is not None}
    validator = ManifestValidator(registry)
    problems = [d for p, data in sorted(after_raw.items())
                for d in validator.check(p, data).diagnostics]
    plugins = {where[0] for c in manifests if (where := split_manifest_path(c.path)) is not None}
    owners = _owners(repo, base, plugins)
    new: dict[str, dict[str, Any]] = {}  # new plugins' manifests, for their lookalikes
    for path, manifest in after.items():
        where = split_manifest_path(path)
        if where is not None and where[0] not in owners and isinstance(manifest.get("name"), str):
            new[manifest["name"]] = manifest
    if args.scan:
        problems += _scan(root, repo, registry, base, head, args)
    scores: dict[str, tuple[int, str]] = {}
    if args.score:
        built, scores = _scores(root, repo, head, [c.path for c in manifests])
        problems += built
    result = review(changes, before, after, owners, author, registry.admins, problems,
                    _lookalikes(root, new), scores)
    text = render(result, args.format)
    if args.markdown:
        write_atomic(Path(args.markdown), render(result, "markdown").encode())
    if args.output:
        write_atomic(Path(args.output), text.encode())
    else:
        print(text, end="")
    return 0 if result.verdict == READY else 1
