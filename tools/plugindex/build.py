"""plugindex build: the manifests at a commit -> index/v1, incrementally and atomically.

Stages (each a method below, ordered by ``Builder.build``):
  tree     list submissions/ at the commit; refuse what is not a regular, small file
  load     validate only the blobs the cache has not seen (keyed by path + blob id)
  history  fold first-parent history since the cached commit into publish/update times
  sources  digest every version's source (in-repo sources: the tree at the publishing commit)
  cross    registry-wide rules (names, versions, references), on cached facts
  render   re-render only plugins whose inputs changed; check them against the index schema
  publish  swap the new tree in atomically (or, with check, compare with the commit's index)
Large batches of validation and rendering are spread over the machine's cores.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from plugindex import __version__
from plugindex.cache import BuildCache, CachedFile, CachedPlugin
from plugindex.crosschecks import check_registry
from plugindex.diagnostics import Diagnostic, has_errors
from plugindex.errors import EnvironmentProblem, InternalError
from plugindex.fsutil import publish_tree
from plugindex.gitrepo import REGULAR_FILE, GitRepo, TreeEntry
from plugindex.history import PathTimes, apply_changes, iso
from plugindex.index import (
    INDEX_FILE,
    INDEX_SCHEMA,
    Published,
    RenderedPlugin,
    index_header,
    render_index,
    render_plugin,
    sha256,
)
from plugindex.manifest import (
    MANIFEST_SCHEMA,
    SUBMISSIONS,
    Facts,
    Manifest,
    manifest_from,
)
from plugindex.registry import REGISTRY_FILE, REGISTRY_SCHEMA, RegistryConfig, parse_registry
from plugindex.rules import diagnostic
from plugindex.schema import SchemaChecker, load_schema, schema_digest
from plugindex.validate import FileResult, ManifestValidator
from plugindex.yamlsafe import load

INDEX_DIR = "index/v1"
CACHE_FILE = Path(".cache/plugindex/build.sqlite")
LFS_POINTER = b"version https://git-lfs.github.com/spec/"
ALLOWED_EXTRA = frozenset({f"{SUBMISSIONS}/README.md"})
PARALLEL_MIN = 256  # below this many items, a process pool costs more than it saves

T = TypeVar("T")
R = TypeVar("R")


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
    files: int  # manifest files looked at
    written: int  # plugin files rendered anew (the rest were reused)
    stale: tuple[str, ...]  # with check: files that differ from the commit's index
    timings: dict[str, float]

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


@dataclass(frozen=True)
class Loaded:
    """One manifest file after the load stage (from the cache or freshly validated)."""

    path: str
    oid: str
    facts: Facts | None
    diagnostics: tuple[Diagnostic, ...]
    valid: bool  # well-formed: its data is cached and it can be published


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def classify_tree(entries: Sequence[TreeEntry]) -> tuple[list[TreeEntry], list[Diagnostic]]:
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


# -- work done in worker processes -------------------------------------------------------------

_WORKER_REGISTRY: RegistryConfig | None = None


def _init_worker(registry: RegistryConfig) -> None:
    global _WORKER_REGISTRY  # noqa: PLW0603 - one registry per worker process
    _WORKER_REGISTRY = registry


def _validate_chunk(items: list[tuple[str, bytes]]) -> list[FileResult]:
    assert _WORKER_REGISTRY is not None  # noqa: S101 - set by the pool initializer
    validator = ManifestValidator(_WORKER_REGISTRY)
    return [validate_blob(validator, path, data) for path, data in items]


def _render_chunk(items: list[tuple[str, list[Published]]]) -> list[RenderedPlugin]:
    schemas = output_schemas()
    out = []
    for name, versions in items:
        rendered = render_plugin(name, versions)
        schemas.check_plugin(name, rendered.entry, rendered.file)
        out.append(rendered)
    return out


def _map(fn: Callable[[list[T]], list[R]], items: list[T], registry: RegistryConfig) -> list[R]:
    """fn over items, in chunks spread over the cores when there are enough items."""
    workers = min(os.cpu_count() or 1, 8)
    if len(items) < PARALLEL_MIN or workers < 2:
        _init_worker(registry)
        return fn(items)
    size = max(64, len(items) // (workers * 4))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(registry,)) as pool:
        return [r for part in pool.map(fn, chunks) for r in part]


def validate_blob(validator: ManifestValidator, path: str, data: bytes) -> FileResult:
    if data.startswith(LFS_POINTER):
        return FileResult(path, None, (diagnostic(
            "PI014", path, 1, "", "the manifest is a Git LFS pointer"),))
    return validator.check(path, data)


# -- the build ---------------------------------------------------------------------------------


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

    def load_files(self, entries: Sequence[TreeEntry], registry: RegistryConfig,
                   cache: BuildCache) -> list[Loaded]:
        keys = [(e.path, e.oid) for e in entries]
        cached = cache.get_files(keys)  # also forgets files no longer in the tree
        missing = [e for e in entries if (e.path, e.oid) not in cached]
        # Sizes first, so that an oversize blob is refused without being read.
        sizes = self.repo.blob_sizes(e.oid for e in missing)
        limit = registry.limits.max_bytes
        oversize = {
            e.oid: FileResult(e.path, None, (diagnostic(
                "PI001", e.path, 1, "", f"file is {sizes[e.oid]} bytes; the limit is {limit} bytes"
            ),))
            for e in missing if sizes.get(e.oid, 0) > limit
        }
        blobs = self.repo.read_blobs(e.oid for e in missing if e.oid not in oversize)
        todo = [(e.path, blobs[e.oid]) for e in missing if e.oid not in oversize]
        validated = iter(_map(_validate_chunk, todo, registry))
        results = [oversize.get(e.oid) or next(validated) for e in missing]
        fresh = {
            (e.path, e.oid): CachedFile(
                r.facts, r.diagnostics, r.manifest is not None,
                dict(r.manifest.data) if r.manifest else None)
            for e, r in zip(missing, results, strict=True)
        }
        cache.put_files(fresh)
        loaded = []
        for key in keys:
            entry = cached.get(key) or fresh[key]
            loaded.append(Loaded(key[0], key[1], entry.facts, entry.diagnostics, entry.valid))
        return loaded

    def history(self, head: str, cache: BuildCache) -> dict[str, PathTimes]:
        since, state = cache.history()
        full = since is None or not self.repo.is_ancestor(since, head)
        changes = self.repo.changes(head, None if full else since, SUBMISSIONS)
        state, touched = apply_changes({} if full else state, changes)
        cache.set_history(head, state, touched, full)
        return state

    def source_trees(self, specs: Sequence[str], cache: BuildCache) -> dict[str, str | None]:
        trees = cache.get_trees(specs)
        missing = [s for s in specs if s not in trees]
        fresh = self.repo.tree_ids(missing)
        cache.put_trees(fresh)
        return {**trees, **fresh}

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
            readable, problems = classify_tree(entries)
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
            loaded = self.load_files(readable, registry, cache)
        diagnostics = problems + [d for f in loaded for d in f.diagnostics]
        known = [(f.path, f.facts) for f in loaded if f.facts is not None]
        valid = [(f.path, f.facts) for f in loaded if f.facts is not None and f.valid]
        oids = {f.path: f.oid for f in loaded}
        nfiles = len(readable) + len(problems)

        with t.stage("history"):
            state = self.history(head, cache)
        missing = [p for p, _ in known if p not in state]
        if missing:
            raise EnvironmentProblem(f"git history does not show how {missing[0]} was added")

        with t.stage("sources"):
            specs = {p: f"{state[p].published_commit}:{f.source_location}"
                     for p, f in known if f.source_kind == "path" and f.source_location}
            trees = self.source_trees(sorted(set(specs.values())), cache)
            source_found = {p: trees.get(spec) is not None for p, spec in specs.items()}

        with t.stage("cross"):
            broken = [f.path for f in loaded if f.facts is None]
            cross = check_registry(known, broken, source_found)
            diagnostics = self.place(diagnostics + cross, oids, registry)
        diagnostics.sort()
        if has_errors(diagnostics):
            return BuildOutcome(head, tuple(diagnostics), 0, 0, nfiles, 0, (), t.stages)

        with t.stage("render"):
            previous = cache.plugins()
            files, plugins, written = self.render(
                registry, valid, oids, state, {p: trees.get(s) for p, s in specs.items()},
                cache, previous, check)
        stale: tuple[str, ...] = ()
        if check:
            with t.stage("check"):
                stale = self.compare(head, files, plugins)
        elif write:
            with t.stage("publish"):
                target = self.repo.root / INDEX_DIR
                publish_tree(target, files)
                # Record what now stands on disk: a later build reuses a file only if its
                # inputs are unchanged and the file is still the one written here.
                stamped = {
                    name: p if files[f"plugins/{name}.json"] is None
                    else replace(p, stamp=_stamp(target / f"plugins/{name}.json"))
                    for name, p in plugins.items()
                }
                cache.set_plugins(stamped, previous)
        return BuildOutcome(head, tuple(diagnostics), len(plugins), len(valid), nfiles,
                            written, stale, t.stages)

    def render(self, registry: RegistryConfig, valid: Sequence[tuple[str, Facts]],
               oids: dict[str, str], state: dict[str, PathTimes],
               trees: dict[str, str | None], cache: BuildCache,
               previous: dict[str, CachedPlugin], check: bool,
               ) -> tuple[dict[str, bytes | None], dict[str, CachedPlugin], int]:
        by_name: dict[str, list[str]] = defaultdict(list)
        for path, facts in valid:
            by_name[facts.name].append(path)
        target = self.repo.root / INDEX_DIR
        files: dict[str, bytes | None] = {}
        plugins: dict[str, CachedPlugin] = {}
        todo: list[tuple[str, str]] = []  # (name, inputs digest) of plugins to render
        for name in sorted(by_name):
            inputs = hashlib.sha256("\n".join(sorted(
                f"{p}\t{oids[p]}\t{state[p].published}\t{state[p].updated}\t{trees.get(p)}"
                for p in by_name[name]
            )).encode()).hexdigest()
            old = previous.get(name)
            rel = f"plugins/{name}.json"
            if old is not None and old.inputs == inputs and (
                check or old.stamp == _stamp(target / rel)
            ):
                plugins[name] = old
                files[rel] = None
            else:
                todo.append((name, inputs))

        keys = [(p, oids[p]) for name, _ in todo for p in by_name[name]]
        data = cache.get_data(keys)
        work = []
        for name, _ in todo:
            versions = []
            for p in by_name[name]:
                m = manifest_from(data[(p, oids[p])])
                versions.append(Published(
                    path=p, blob=oids[p], manifest=m,
                    published=iso(state[p].published), updated=iso(state[p].updated),
                    source_digest=_source_digest(m, trees.get(p)),
                ))
            work.append((name, versions))
        for (name, inputs), rendered in zip(
            todo, _map(_render_chunk, work, registry), strict=True
        ):
            files[f"plugins/{name}.json"] = rendered.file
            plugins[name] = CachedPlugin(inputs, rendered.entry, sha256(rendered.file),
                                         git_blob_id(rendered.file), "")
        newest = max((state[p].updated for p, _ in valid), default=None)
        header = index_header(registry, len(plugins), len(valid),
                              iso(newest) if newest is not None else None)
        output_schemas().check_index(header)
        files[INDEX_FILE] = render_index(header, [plugins[n].entry for n in sorted(plugins)])
        return files, plugins, len(todo)

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


@functools.cache
def output_schemas() -> OutputSchemas:
    return OutputSchemas()


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

    def check_index(self, header: dict[str, Any]) -> None:
        """The index without its plugins (each plugin's entry is checked when rendered)."""
        if not self.index.is_valid({**header, "plugins": []}):
            raise InternalError(f"index.json does not match {INDEX_SCHEMA}")
