"""plugindex build: the manifests at a commit -> index/v1, incrementally and atomically.

Stages (each a function below, ordered by ``build``):
  tree     list submissions/ at the commit; refuse what is not a regular, small file
  load     read and validate only the blobs the cache has not seen (keyed by path + blob id)
  history  fold first-parent history since the cached commit into publish/update times
  sources  digest every version's source (in-repo sources: the tree at the publishing commit)
  cross    registry-wide rules (names, versions, references)
  render   re-render only plugins whose inputs changed; validate the output against its schema
  publish  swap the new tree in atomically (or, with --check, compare with the commit's)
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from plugindex import __version__
from plugindex.cache import BuildCache, CachedFile, CachedPlugin
from plugindex.crosschecks import check_registry
from plugindex.diagnostics import Diagnostic, has_errors
from plugindex.errors import EnvironmentProblem, InternalError
from plugindex.fsutil import publish_tree
from plugindex.gitrepo import REGULAR_FILE, GitRepo, TreeEntry
from plugindex.history import apply_changes, iso
from plugindex.index import (
    INDEX_FILE,
    INDEX_SCHEMA,
    Published,
    render_index,
    render_plugin,
    sha256,
)
from plugindex.manifest import MANIFEST_SCHEMA, SUBMISSIONS, Manifest, manifest_from
from plugindex.registry import REGISTRY_FILE, REGISTRY_SCHEMA, RegistryConfig, parse_registry
from plugindex.rules import diagnostic
from plugindex.schema import SchemaChecker, load_schema, schema_digest
from plugindex.validate import FileResult, ManifestValidator
from plugindex.yamlsafe import load

INDEX_DIR = "index/v1"
CACHE_FILE = Path(".cache/plugindex/build.sqlite")
LFS_POINTER = b"version https://git-lfs.github.com/spec/"
ALLOWED_EXTRA = frozenset({f"{SUBMISSIONS}/README.md"})


@dataclass
class Timings:
    stages: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = self.stages.get(name, 0.0) + time.perf_counter() - start


@dataclass(frozen=True)
class BuildOutcome:
    head: str
    diagnostics: tuple[Diagnostic, ...]
    plugins: int
    versions: int
    written: int  # plugin files rendered anew (the rest were reused)
    stale: tuple[str, ...]  # with check: files that differ from the commit's index
    timings: dict[str, float]

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def classify_tree(
    entries: Sequence[TreeEntry], registry: RegistryConfig
) -> tuple[list[TreeEntry], list[Diagnostic]]:
    """Split submissions/ into manifests to read and files refused without reading them."""
    readable: list[TreeEntry] = []
    problems: list[Diagnostic] = []
    for e in entries:
        if e.path in ALLOWED_EXTRA:
            continue
        if not e.path.endswith(".yaml"):
            problems.append(diagnostic(
                "PI030", e.path, 1, "", "only <version>.yaml manifests belong in submissions/"))
        elif e.mode != REGULAR_FILE or e.kind != "blob":
            what = {"120000": "a symlink", "160000": "a submodule", "100755": "an executable"}
            problems.append(diagnostic(
                "PI014", e.path, 1, "",
                f"the manifest is {what.get(e.mode, 'not a regular file')}"))
        elif e.size is not None and e.size > registry.limits.max_bytes:
            problems.append(diagnostic(
                "PI001", e.path, 1, "",
                f"file is {e.size} bytes; the limit is {registry.limits.max_bytes} bytes"))
        else:
            readable.append(e)
    return readable, problems


def _context(registry: RegistryConfig) -> str:
    digest = schema_digest(MANIFEST_SCHEMA, INDEX_SCHEMA, REGISTRY_SCHEMA)
    return f"{__version__}:{digest}:{registry.digest}"


def _source_digest(m: Manifest, tree: str | None) -> str:
    if m.source.kind == "git":
        return f"git-commit:{m.source.pin}"
    if m.source.kind == "archive":
        return f"sha256:{m.source.pin}"
    return f"git-tree:{tree}"


class Builder:
    """One build of one repository at one commit."""

    def __init__(self, repo: GitRepo, cache: BuildCache | None = None) -> None:
        self.repo = repo
        self.cache_arg = cache
        self.timings = Timings()

    def read_registry(self, head: str) -> RegistryConfig:
        entries = self.repo.ls_tree(head, REGISTRY_FILE)
        blob = next((e for e in entries if e.path == REGISTRY_FILE), None)
        if blob is None or blob.mode != REGULAR_FILE:
            raise EnvironmentProblem(f"{REGISTRY_FILE} is missing at {head[:12]}")
        return parse_registry(self.repo.read_blobs([blob.oid])[blob.oid])

    def load_files(
        self, entries: Sequence[TreeEntry], validator: ManifestValidator, cache: BuildCache
    ) -> list[FileResult]:
        keys = [(e.path, e.oid) for e in entries]
        cached = cache.get_files(keys)
        missing = [e for e in entries if (e.path, e.oid) not in cached]
        blobs = self.repo.read_blobs(e.oid for e in missing)
        fresh: dict[tuple[str, str], CachedFile] = {}
        for e in missing:
            data = blobs[e.oid]
            if data.startswith(LFS_POINTER):
                result = FileResult(e.path, None, (diagnostic(
                    "PI014", e.path, 1, "", "the manifest is a Git LFS pointer"),))
            else:
                result = validator.check(e.path, data)
            fresh[(e.path, e.oid)] = CachedFile(
                dict(result.manifest.data) if result.manifest else None, result.diagnostics)
        cache.put_files(fresh)
        cache.forget_files_except(keys)
        results = []
        for key in keys:
            entry = cached.get(key) or fresh[key]
            manifest = manifest_from(entry.data) if entry.data is not None else None
            results.append(FileResult(key[0], manifest, entry.diagnostics))
        return results

    def place(self, diagnostics: Sequence[Diagnostic], oids: dict[str, str],
              registry: RegistryConfig) -> list[Diagnostic]:
        """Give cross-manifest findings their line numbers (re-reading only those files)."""
        unplaced = [d for d in diagnostics if d.line == 0]
        if not unplaced:
            return list(diagnostics)
        blobs = self.repo.read_blobs({oids[d.file] for d in unplaced})
        documents = {
            path: load(blobs[oids[path]], path, registry.limits).document
            for path in {d.file for d in unplaced}
        }
        placed = []
        for d in diagnostics:
            doc = documents.get(d.file) if d.line == 0 else None
            placed.append(replace(d, line=doc.line_of(d.pointer) if doc else max(d.line, 1)))
        return placed

    def build(self, rev: str = "HEAD", check: bool = False, write: bool = True) -> BuildOutcome:
        t = self.timings
        with t.stage("tree"):
            head = self.repo.resolve(rev)
            if self.repo.is_shallow():
                raise EnvironmentProblem(
                    "the clone is shallow, so publish times cannot be read from history; "
                    "run 'git fetch --unshallow' (in CI: actions/checkout with fetch-depth: 0)")
            registry = self.read_registry(head)
            entries = self.repo.ls_tree(head, SUBMISSIONS)
            readable, problems = classify_tree(entries, registry)
        cache = self.cache_arg or BuildCache(self.repo.root / CACHE_FILE, _context(registry))
        try:
            return self._build(head, registry, readable, problems, cache, check, write)
        finally:
            if self.cache_arg is None:
                cache.close()

    def _build(self, head: str, registry: RegistryConfig, readable: list[TreeEntry],
               problems: list[Diagnostic], cache: BuildCache, check: bool,
               write: bool) -> BuildOutcome:
        t = self.timings
        with t.stage("load"):
            results = self.load_files(readable, ManifestValidator(registry), cache)
        diagnostics = problems + [d for r in results for d in r.diagnostics]
        valid = [(r.path, r.manifest) for r in results if r.manifest is not None]
        oids = {e.path: e.oid for e in readable}

        with t.stage("history"):
            since, state = cache.history()
            full = since is None or not self.repo.is_ancestor(since, head)
            changes = self.repo.changes(head, None if full else since, SUBMISSIONS)
            state, touched = apply_changes({} if full else state, changes)
            cache.set_history(head, state, touched, full)
        missing = [p for p, _ in valid if p not in state]
        if missing:
            raise EnvironmentProblem(f"git history does not show how {missing[0]} was added")

        with t.stage("sources"):
            specs = {p: f"{state[p].published_commit}:{m.source.location}"
                     for p, m in valid if m.source.kind == "path"}
            trees = self.repo.tree_ids(specs.values())
            source_found = {p: trees.get(spec) is not None for p, spec in specs.items()}

        with t.stage("cross"):
            broken = [r.path for r in results if r.manifest is None]
            cross = check_registry(valid, broken, source_found)
            diagnostics = self.place(diagnostics + cross, oids, registry)
        diagnostics.sort()
        if has_errors(diagnostics):
            return BuildOutcome(head, tuple(diagnostics), 0, 0, 0, (), t.stages)

        published = [
            Published(
                path=p, blob=oids[p], manifest=m,
                published=iso(state[p].published), updated=iso(state[p].updated),
                source_digest=_source_digest(m, trees.get(specs.get(p, ""))),
            )
            for p, m in valid
        ]
        with t.stage("render"):
            files, plugins, written = self.render(registry, published, cache, check)
        stale: tuple[str, ...] = ()
        if check:
            with t.stage("check"):
                stale = self.compare(head, files, plugins)
        elif write:
            with t.stage("publish"):
                target = self.repo.root / INDEX_DIR
                publish_tree(target, files)
                cache.set_plugins({
                    name: replace(p, stamp=_stamp(target / f"plugins/{name}.json"))
                    for name, p in plugins.items()
                })
        return BuildOutcome(head, tuple(diagnostics), len(plugins), len(published), written,
                            stale, t.stages)

    def render(self, registry: RegistryConfig, published: Sequence[Published],
               cache: BuildCache, check: bool,
               ) -> tuple[dict[str, bytes | None], dict[str, CachedPlugin], int]:
        by_name: dict[str, list[Published]] = defaultdict(list)
        for p in published:
            by_name[p.manifest.name].append(p)
        previous = cache.plugins()
        target = self.repo.root / INDEX_DIR
        schemas = OutputSchemas()
        files: dict[str, bytes | None] = {}
        plugins: dict[str, CachedPlugin] = {}
        written = 0
        for name in sorted(by_name):
            versions = by_name[name]
            inputs = hashlib.sha256(json.dumps(sorted(
                (p.path, p.blob, p.published, p.updated, p.source_digest) for p in versions
            )).encode()).hexdigest()
            rel = f"plugins/{name}.json"
            old = previous.get(name)
            if old is not None and old.inputs == inputs and (
                check or old.stamp == _stamp(target / rel)
            ):
                plugins[name] = old
                files[rel] = None
                continue
            rendered = render_plugin(name, versions)
            schemas.check_plugin(name, rendered.entry, rendered.file)
            written += 1
            files[rel] = rendered.file
            plugins[name] = CachedPlugin(inputs, rendered.entry, sha256(rendered.file),
                                         git_blob_id(rendered.file), "")
        updated = max((p.updated for p in published), default=None)
        index = render_index(registry, [plugins[n].entry for n in sorted(plugins)],
                             len(published), updated)
        schemas.check_index(index)
        files[INDEX_FILE] = index
        if not check:
            cache.set_plugins(plugins)
        return files, plugins, written

    def compare(self, head: str, files: dict[str, bytes | None],
                plugins: dict[str, CachedPlugin]) -> tuple[str, ...]:
        """Files of index/v1 at the commit that differ from what the build produces."""
        committed = {
            e.path[len(INDEX_DIR) + 1:]: e.oid
            for e in self.repo.ls_tree(head, INDEX_DIR) if e.kind == "blob"
        }
        expected = {}
        for rel, data in files.items():
            if data is not None:
                expected[rel] = git_blob_id(data)
            else:
                expected[rel] = plugins[rel[len("plugins/"):-len(".json")]].oid
        names = set(committed) | set(expected)
        return tuple(sorted(n for n in names if committed.get(n) != expected.get(n)))


def _stamp(path: Path) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "missing"
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


class OutputSchemas:
    """The build checks its own output against the published contract, piece by piece."""

    def __init__(self) -> None:
        full = load_schema(INDEX_SCHEMA)

        def part(name: str) -> SchemaChecker:
            return SchemaChecker({"$schema": full["$schema"], "$defs": full["$defs"],
                                  "$ref": f"#/$defs/{name}"})

        self.index = SchemaChecker(full)
        self.summary = part("pluginSummary")
        self.file = part("pluginFile")

    def check_plugin(self, name: str, entry: str, file: bytes) -> None:
        if not self.summary.is_valid(json.loads(entry)) or not self.file.is_valid(
            json.loads(file)
        ):
            raise InternalError(f"the index entry for {name} does not match {INDEX_SCHEMA}")

    def check_index(self, index: bytes) -> None:
        top = json.loads(index)
        top["plugins"] = []
        if not self.index.is_valid(top):
            raise InternalError(f"index.json does not match {INDEX_SCHEMA}")
