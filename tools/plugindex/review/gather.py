"""What a pull-request review decides from, read from git (the adapter side of ``review``).

Everything is read as data from git objects: the registry's settings, the maintainers of each
plugin and the in-repository source directories come from the *base* branch; the changed
files from the merge base to the head; the manifests before and after from their blobs. No
file of the head is checked out, imported or run, so the trusted workflow can gather the
same inputs from a pull request's head commit that the untrusted one does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from plugindex.adapters.fsutil import recovered
from plugindex.adapters.gitrepo import REGULAR_FILE, GitRepo, TreeEntry
from plugindex.config.registry import RegistryConfig, parse_registry
from plugindex.errors import EnvironmentProblem
from plugindex.layout import (
    INDEX_DIR,
    REGISTRY_FILE,
    SEARCH_CACHE,
    SUBMISSIONS,
    is_within,
    split_manifest_path,
)
from plugindex.manifests.yamlsafe import load
from plugindex.review.verdict import FileChange, ReviewInputs, maintainer_logins, source_path
from plugindex.search.engine import SearchIndex
from plugindex.search.lookalikes import Lookalikes, lookalikes
from plugindex.validate.tree import ManifestFile, at_commit
from plugindex.validate.validator import ManifestValidator


@dataclass(frozen=True)
class Gathered:
    inputs: ReviewInputs
    registry: RegistryConfig
    base: str  # the base branch's commit
    merge_base: str
    head: str


def manifest_data(data: bytes, path: str) -> dict[str, Any] | None:
    document = load(data, path).document
    return document.data if document is not None and isinstance(document.data, dict) else None


def _version(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        return Version("0")


def _entries(repo: GitRepo, commit: str, paths: Iterable[str]) -> list[TreeEntry]:
    """The tree entries of ``paths`` at ``commit`` (a missing path has none)."""
    return [e for p in sorted(set(paths)) for e in repo.ls_tree(commit, p) if e.path == p]


def _registry_at(repo: GitRepo, commit: str) -> RegistryConfig:
    """registry.yaml at ``commit``, read only as a regular file."""
    data = repo.file_at(commit, REGISTRY_FILE)
    if data is None:
        raise EnvironmentProblem(f"{REGISTRY_FILE} is missing at {commit[:12]}")
    return parse_registry(data)


def _manifests(repo: GitRepo, commit: str, paths: Iterable[str], registry: RegistryConfig
               ) -> list[ManifestFile]:
    """The manifests among ``paths`` at ``commit``, read through validate.tree: the same
    refusals (unread) as validate, build and scan."""
    return at_commit(repo, _entries(repo, commit, paths), registry.limits.max_bytes)


def base_facts(repo: GitRepo, base: str, changed: Iterable[str]
               ) -> tuple[dict[str, set[str]], dict[str, str]]:
    """On the base branch: the maintainers of each plugin (of its latest version; read only
    for the plugins ``changed`` touches, the others map to an empty set) and each
    in-repository source directory with the plugin that publishes from it."""
    latest: dict[str, tuple[Version, str, str]] = {}
    candidates: list[tuple[str, str]] = []
    for e in repo.ls_tree(base, SUBMISSIONS):
        where = split_manifest_path(e.path)
        if where is None or e.kind != "blob" or e.mode != REGULAR_FILE:
            continue
        version = _version(where[1])
        if where[0] not in latest or version > latest[where[0]][0]:
            latest[where[0]] = (version, e.path, e.oid)
        candidates.append((e.path, e.oid))
    blobs = repo.read_blobs(oid for _, oid in candidates)
    sources: dict[str, str] = {}
    for path, oid in sorted(candidates):
        if b"path" not in blobs[oid]:  # most sources are git or archive: skip the parse
            continue
        directory = source_path(manifest_data(blobs[oid], path))
        where = split_manifest_path(path)
        if directory is not None and where is not None:
            sources.setdefault(directory, where[0])
    wanted: set[str] = set()
    for path in changed:
        where = split_manifest_path(path)
        wanted |= {where[0]} if where else {p for d, p in sources.items() if is_within(path, d)}
    owners: dict[str, set[str]] = {plugin: set() for plugin in latest}
    for plugin in sorted(wanted & latest.keys()):
        _, path, oid = latest[plugin]
        owners[plugin] = maintainer_logins(manifest_data(blobs[oid], path))
    return owners, sources


def _lookalikes(root: Path, manifests: Mapping[str, Mapping[str, Any]]) -> dict[str, Lookalikes]:
    if not manifests:
        return {}
    index_dir = recovered(root, INDEX_DIR)  # a build killed mid-swap left no index/v1
    if not (index_dir / "index.json").is_file():
        return {}
    with SearchIndex(index_dir, root / SEARCH_CACHE) as search:
        return {name: lookalikes(m, search) for name, m in sorted(manifests.items())}


def gather(root: Path, repo: GitRepo, base: str, head: str, author: str,
           also_changed: Iterable[str] = ()) -> Gathered:
    """The review's inputs for the change from ``base`` (a branch) to ``head``.
    ``also_changed``: files another trusted source (the GitHub API) says the pull request
    changes; any that git's diff does not show are reviewed as modified."""
    base, head = repo.resolve(base), repo.resolve(head)
    merge_base = repo.merge_base(base, head)
    changes = [FileChange(status, path, mode)
               for status, path, mode in repo.name_status(merge_base, head)]
    seen = {c.path for c in changes}
    changes += [FileChange("M", path) for path in sorted(set(also_changed) - seen)]
    registry = _registry_at(repo, base)
    manifests = [c for c in changes if split_manifest_path(c.path) is not None]
    before_files = _manifests(repo, merge_base, [c.path for c in manifests if c.status != "A"],
                              registry)
    after_files = _manifests(repo, head, [c.path for c in manifests if c.status != "D"],
                             registry)
    before = {f.path: m for f in before_files
              if f.refusal is None and (m := manifest_data(f.data, f.path)) is not None}
    after = {f.path: m for f in after_files
             if f.refusal is None and (m := manifest_data(f.data, f.path)) is not None}
    validator = ManifestValidator(registry)
    # The verdict refuses a manifest by the mode the diff shows (PI014, as tree does): that
    # refusal is not repeated here.
    by_mode = {c.path for c in manifests if c.status != "D" and c.mode != REGULAR_FILE}
    validation = tuple(d for f in after_files for d in validator.check_file(f).diagnostics
                       if not (f.refusal is not None and f.path in by_mode))
    owners, sources = base_facts(repo, base, (c.path for c in changes))
    new: dict[str, dict[str, Any]] = {}  # new plugins' manifests, for their lookalikes
    for path, manifest in after.items():
        where = split_manifest_path(path)
        if where is not None and where[0] not in owners and isinstance(manifest.get("name"), str):
            new[manifest["name"]] = manifest
    inputs = ReviewInputs(
        author=author, changes=tuple(changes), before=before, after=after, owners=owners,
        sources=sources, admins=registry.admins, roots=registry.path_source_roots,
        validation=validation, lookalikes=_lookalikes(root, new))
    return Gathered(inputs, registry, base, merge_base, head)
