"""plugindex build: the manifests at a commit -> index/v1, incrementally and atomically.

The cache describes the registry at the commit last built; a build applies the difference.
Stages (each a method below, ordered by ``Builder._build``):
  tree     what changed in submissions/ since the cached commit (git diff-tree; all: ls-tree)
  load     refuse what is not a regular, small .yaml file; validate the changed files
  history  fold first-parent history since the cached commit into publish/update times
  cross    registry-wide rules (names, versions, references, in-repo sources) for the plugins
           touched, or for all when the set of plugin names changed
  render   re-render the plugins touched, those whose dependency cone changed what it decides
           (their requirement checks and the full resolution of their latest version: both
           computed again when the cone moved, kept while it holds),
           those whose scan or audit records under index/cache/ changed (judged by the
           registry's policy; read from git, never fetched), and any whose published file was
           altered; check each against the index schema
  publish  swap the new tree in atomically (or, with check, compare with the commit's index)
Large batches of validation and resolution are spread over the machine's cores (rendering stays in
this process: shipping its items to workers costs more than it saves).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from plugindex.adapters.fsutil import build_lock, publish_tree, recover, write_atomic
from plugindex.adapters.gitrepo import GitRepo, TreeEntry, git_blob_id
from plugindex.build.cache import BuildCache, CachedPlugin, FileRow, names_digest
from plugindex.build.contract import output_schemas
from plugindex.build.guard import Unreadable, counts_of, shrink_problems, unreadable_problem
from plugindex.build.index import (
    INDEX_SCHEMA,
    PLUGIN_INPUTS,
    Published,
    RenderedPlugin,
    dumps,
    index_header,
    latest_of,
    render_index,
    render_plugin,
    sha256,
)
from plugindex.build.outputs import Input, inputs_digest
from plugindex.codeid import code_identity
from plugindex.config.registry import REGISTRY_SCHEMA, RegistryConfig, parse_registry
from plugindex.diagnostics import Diagnostic, has_errors, pointer
from plugindex.errors import EnvironmentProblem, InternalError
from plugindex.fetch.source import source_key
from plugindex.layout import (
    BUILD_CACHE,
    CONTRIBUTORS_FILE,
    INDEX_DIR,
    INDEX_FILE,
    RECORDS_DIR,
    REGISTRY_FILE,
    RELATED_FILE,
    SEARCH_CACHE,
    SUBMISSIONS,
    split_manifest_path,
)
from plugindex.manifests.history import apply_changes, iso
from plugindex.manifests.model import MANIFEST_SCHEMA, Manifest, manifest_from
from plugindex.manifests.schema import schema_digest
from plugindex.manifests.yamlsafe import load
from plugindex.reputation.gather import contributors_at, vouchers_at
from plugindex.reputation.ledger import render_contributors
from plugindex.resolve.installability import (
    Installability,
    RequirementCheck,
    RequirementChecker,
    cone_keys,
    install_latest,
)
from plugindex.resolve.liveness import Liveness
from plugindex.resolve.releases import TextCatalog
from plugindex.rules import diagnostic
from plugindex.scan.judge import Judgement, judge
from plugindex.scan.records import (
    audit_record_path,
    audit_requirements,
    audits,
    filed_under,
    source_record_path,
)
from plugindex.score.model import Score
from plugindex.score.versions import (
    badges,
    score_date,
    score_versions,
    verified_maintainers,
)
from plugindex.search.engine import SearchIndex
from plugindex.search.related import inputs_key, parse_related, related_update, render_related
from plugindex.validate.registry_rules import check_registry, shared_sources
from plugindex.validate.tree import at_commit
from plugindex.validate.validator import FileResult, ManifestValidator

PARALLEL_MIN = 256  # below this many items, a process pool costs more than it saves

T = TypeVar("T")
R = TypeVar("R")


# What each outer stage does, in the words of the progress lines.
STAGE_WORDS = {
    "tree": "reading the commit's tree",
    "load": "loading the changed manifests",
    "history": "reading publication times from the history",
    "cross": "checking the registry as a whole (requirements, resolutions)",
    "render": "rendering the plugin files",
    "related": "finding related plugins",
    "reputation": "computing contributor reputation",
    "check": "comparing with the committed index",
    "publish": "writing index/v1",
}


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often: a build allocates millions of objects that
    live until it ends, and with the default thresholds the collector spent 15% of a cold build
    of 10,000 manifests traversing them (2.2 s of 14.8 s CPU) for the same peak memory."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@dataclass
class Timings:
    """Seconds spent per stage; ``announce`` (if given) hears of each outer stage as it
    starts, with the seconds the build has run so far."""

    stages: dict[str, float] = field(default_factory=dict)
    announce: Callable[[str], None] | None = None
    depth: int = 0
    started: float = field(default_factory=time.perf_counter)
    last: str = ""

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        if self.announce is not None and self.depth == 0 and name != self.last:
            self.announce(f"{STAGE_WORDS.get(name, name)} ({start - self.started:.1f} s)")
            self.last = name
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
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
    resolved: int = 0  # full resolutions computed anew (the rest were reused)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def plugin_of(path: str) -> str | None:
    parts = split_manifest_path(path)
    return parts[0] if parts else None


def _context(registry: RegistryConfig) -> str:
    digest = schema_digest(MANIFEST_SCHEMA, INDEX_SCHEMA, REGISTRY_SCHEMA)
    return f"{code_identity()}:{digest}:{registry.digest}"


# -- work done in worker processes -------------------------------------------------------------

_WORKER_REGISTRY: RegistryConfig | None = None
_WORKER_RESOLVER: tuple[TextCatalog, tuple[str, ...], float, Liveness] | None = None


def _init_worker(registry: RegistryConfig) -> None:
    global _WORKER_REGISTRY  # noqa: PLW0603 - one registry per worker process
    _WORKER_REGISTRY = registry


def _init_resolver(texts: Mapping[str, Sequence[str]], hosts: tuple[str, ...],
                   budget: float) -> None:
    global _WORKER_RESOLVER  # noqa: PLW0603 - one catalog per worker process
    catalog = TextCatalog(texts)
    _WORKER_RESOLVER = (catalog, hosts, budget, Liveness(catalog))


def _install_chunk(names: list[str]) -> list[str]:
    assert _WORKER_RESOLVER is not None  # noqa: S101 - set by the pool initializer
    catalog, hosts, budget, liveness = _WORKER_RESOLVER
    return [dumps(install_latest(name, catalog, hosts, budget, liveness).as_json())
            for name in names]


def _validate_chunk(items: list[tuple[str, bytes]]) -> list[FileResult]:
    assert _WORKER_REGISTRY is not None  # noqa: S101 - set by the pool initializer
    validator = ManifestValidator(_WORKER_REGISTRY)
    return [validator.check(path, data) for path, data in items]


RenderItem = tuple[str, list[Published], dict[str, RequirementCheck], Installability,
                   dict[str, Judgement], dict[str, Score], dict[str, Any]]


def _render_chunk(items: list[RenderItem]) -> list[RenderedPlugin]:
    assert _WORKER_REGISTRY is not None  # noqa: S101 - set by _init_worker
    schemas = output_schemas()
    out = []
    for name, versions, checks, install, scans, scores, plugin_badges in items:
        rendered = render_plugin(name, versions, checks, install, scans, scores,
                                 plugin_badges, _WORKER_REGISTRY.repository or "")
        schemas.check_plugin(rendered)
        out.append(rendered)
    return out


def _map(fn: Callable[[list[T]], list[R]], items: list[T], setup: Callable[..., None],
         *args: Any, parallel_min: int = PARALLEL_MIN, chunk: int = 64) -> list[R]:
    """fn over items, in chunks spread over the cores when there are enough items; each
    process is prepared by ``setup(*args)``."""
    workers = min(os.cpu_count() or 1, 8)
    if len(items) < parallel_min or workers < 2:
        setup(*args)
        return fn(items)
    size = max(chunk, len(items) // (workers * 4))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    with ProcessPoolExecutor(workers, initializer=setup, initargs=args) as pool:
        return [r for part in pool.map(fn, chunks) for r in part]


# -- the build ---------------------------------------------------------------------------------


class Builder:
    """One build of one repository at one commit."""

    def __init__(self, repo: GitRepo, cache: BuildCache | None = None,
                 announce: Callable[[str], None] | None = None) -> None:
        self.repo = repo
        self.cache_arg = cache
        self.timings = Timings(announce=announce)
        self.resolved = 0
        self.details: dict[str, Mapping[str, Any]] = {}  # the files rendered, as objects
        self.allow_shrink = False

    def read_registry(self, head: str) -> RegistryConfig:
        data = self.repo.file_at(head, REGISTRY_FILE)
        if data is None:
            raise EnvironmentProblem(f"{REGISTRY_FILE} is missing at {head[:12]}")
        return parse_registry(data)

    def build(self, rev: str = "HEAD", check: bool = False,
              allow_shrink: bool = False) -> BuildOutcome:
        """Build index/v1 from ``rev`` (``check``: write nothing, compare with the committed
        index); a publication that drops more plugins or versions than the registry allows
        is refused (build/guard.py) unless ``allow_shrink``."""
        self.resolved = 0
        self.allow_shrink = allow_shrink
        with self.timings.stage("tree"):
            head = self.repo.resolve(rev)
            if self.repo.is_shallow():
                raise EnvironmentProblem(
                    "the clone is shallow, so publish times cannot be read from history; "
                    "run 'git fetch --unshallow' (in CI: actions/checkout with fetch-depth: 0)")
            registry = self.read_registry(head)
        # One build at a time per checkout (the cache, the reputation ledger and index/v1 are
        # shared): a concurrent build is waited for, for a bounded time. A publication that an
        # earlier build left half done is undone first (a check reads the published index).
        with build_lock(self.repo.root), fewer_collections():
            recover(self.repo.root / INDEX_DIR)
            cache = self.cache_arg or BuildCache(self.repo.root / BUILD_CACHE,
                                                 _context(registry))
            try:
                return self._build(head, registry, cache, check)
            finally:
                if self.cache_arg is None:
                    cache.close()

    def _build(self, head: str, registry: RegistryConfig, cache: BuildCache,
               check: bool) -> BuildOutcome:
        t = self.timings
        state = cache.state()
        full = state is None or not self.repo.commit_exists(state)
        with t.stage("tree"):
            changed: list[TreeEntry] = []
            removed: list[str] = []
            if state is None or full:
                changed = self.repo.ls_tree(head, SUBMISSIONS)
            elif state != head:
                changed, removed = self.repo.diff_tree(state, head, SUBMISSIONS)
        with t.stage("load"):
            # The plugins a changed file belonged to, and claimed to be, before and after.
            before = {f.name for _, f in cache.facts_of_paths(
                [*removed, *(e.path for e in changed)])}
            releases_before = cache.releases_of_paths([*removed, *(e.path for e in changed)])
            rows = self.load_entries(changed, registry)
            if full:
                cache.clear_files()
            cache.delete_files(removed)
            cache.put_files(rows)
            # Did what any resolution reads change? (Not if only prose or times changed.)
            releases_moved = full or releases_before != cache.releases_of_paths(
                [*removed, *(r.path for r in rows)])
        with t.stage("history"):
            touched = self.history(head, None if full else state, cache)
        affected = {plugin_of(p) for p in [*removed, *(r.path for r in rows), *touched]}
        if not full and state is not None and state != head:
            # New or refreshed scan and audit records re-render their plugins.
            changed_records, gone_records = self.repo.diff_tree(state, head, RECORDS_DIR)
            affected |= {_record_plugin(p) for p in [*gone_records,
                                                    *(e.path for e in changed_records)]}
        affected |= before | {r.facts.name for r in rows if r.facts is not None}
        scope = {name for name in affected if name is not None}

        with t.stage("cross"):
            names = cache.plugin_names()
            if full or cache.names_digest() != names_digest(names):
                diagnostics = self.cross(cache, registry, None, names)
            else:
                diagnostics = self.cross(cache, registry, scope, names)
            diagnostics += featured_unknown(registry, names)
            # not scoped: a new plugin may take an unchanged plugin's source directory
            diagnostics += self.place(shared_sources(cache.path_source_facts(),
                                                     registry.path_source_roots),
                                      cache, registry)
        if has_errors(diagnostics):
            if not check:
                cache.commit(head, names)
            return BuildOutcome(head, tuple(diagnostics), 0, 0, cache.file_count(), 0, (),
                                t.stages)

        with t.stage("render"):
            previous = cache.plugins()
            files, plugins, written = self.render(
                head, registry, cache, names, previous, None if full else scope, check,
                releases_moved)
        with t.stage("related"):
            files[RELATED_FILE] = self.related(files, plugins, head)
        with t.stage("reputation"):
            files[CONTRIBUTORS_FILE] = self.contributors(head, registry)
        if not check and not self.allow_shrink:
            try:
                published = self.repo.file_at(head, f"{INDEX_DIR}/{INDEX_FILE}")
            except EnvironmentProblem:
                published = None
            try:
                last = counts_of(published)
            except Unreadable as exc:
                shrinks = [unreadable_problem(str(exc))]
            else:
                after = {name: len(members)
                         for name, members in cache.valid_files(set(plugins)).items()}
                shrinks = shrink_problems(last, after, registry.publish_shrink)
            if shrinks:
                return BuildOutcome(head, (*diagnostics, *shrinks), 0, 0, cache.file_count(),
                                    0, (), t.stages)
        stale: tuple[str, ...] = ()
        if check:
            with t.stage("check"):
                stale = self.compare(head, files, plugins)
        else:
            with t.stage("publish"):
                target = self.repo.root / INDEX_DIR
                publish_tree(target, files)
                # Record what now stands on disk: a later build reuses a file only if its
                # inputs are unchanged and the file is still the one written here.
                stamped = {
                    name: p if files[f"plugins/{name}.json"] is None
                    else replace(p, stamp=_stamp(f"{target}/plugins/{name}.json"))
                    for name, p in plugins.items()
                }
                cache.set_plugins(stamped, previous)
        versions, _ = cache.counts()
        if not check:
            # A check publishes nothing, so the cache must not move: it describes what stands
            # in index/v1 (closing without a commit rolls this build's changes back).
            cache.commit(head, names)
        return BuildOutcome(head, tuple(diagnostics), len(plugins), versions,
                            cache.file_count(), written, stale, t.stages, self.resolved)

    def load_entries(self, entries: Sequence[TreeEntry], registry: RegistryConfig
                     ) -> list[FileRow]:
        """Read changed files through validate.tree (a refused file is a row with its
        refusal, never parsed); validate the others."""
        files = at_commit(self.repo, entries, registry.limits.max_bytes)
        rows = [FileRow(f.path, f.entry.oid, plugin_of(f.path), None, False, (f.refusal,))
                for f in files if f.refusal is not None]
        todo = [f for f in files if f.refusal is None]
        results = _map(_validate_chunk, [(f.path, f.data) for f in todo], _init_worker,
                       registry)
        for f, r in zip(todo, results, strict=True):
            rows.append(FileRow(
                f.path, f.entry.oid, plugin_of(f.path), r.facts, r.manifest is not None,
                r.diagnostics, dict(r.manifest.data) if r.manifest else None))
        return rows

    def history(self, head: str, state: str | None, cache: BuildCache) -> set[str]:
        """Bring publish and update times to ``head``; return the paths whose times changed."""
        if state is None or not self.repo.is_ancestor(state, head):
            times, touched = apply_changes({}, self.repo.changes(head, None, SUBMISSIONS))
            cache.clear_times()
            cache.put_times(times)
            return set(times) | touched
        changes = self.repo.changes(head, state, SUBMISSIONS)
        old = cache.times({c.path for c in changes})
        times, touched = apply_changes(old, changes)
        cache.put_times({p: times.get(p) for p in touched})
        return touched

    def cross(self, cache: BuildCache, registry: RegistryConfig, scope: set[str] | None,
              names: set[str]) -> list[Diagnostic]:
        """Registry-wide rules for the files of ``scope`` (None: all files); every problem
        of every file (stored and new) comes back."""
        facts = cache.facts(scope)
        broken = cache.paths_without_facts(scope)
        trees = self.source_trees(
            {p: f.source_location for p, f in facts if f.source_kind == "path"}, cache)
        found = check_registry(facts, broken, {p: t is not None for p, t in trees.items()},
                               names)
        by_path: dict[str, list[Diagnostic]] = defaultdict(list)
        for d in self.place(found, cache, registry):
            by_path[d.file].append(d)
        cache.set_cross([p for p, _ in facts] + broken, by_path)
        return sorted(cache.problems())

    def source_trees(self, locations: Mapping[str, str], cache: BuildCache
                     ) -> dict[str, str | None]:
        """manifest path -> git tree of its in-repository source at the commit that published
        the manifest (None: not a directory there). Immutable, so cached for good."""
        times = cache.times(list(locations))
        specs = {p: f"{times[p].published_commit}:{loc}"
                 for p, loc in locations.items() if loc and p in times}
        wanted = sorted(set(specs.values()))
        trees = cache.get_trees(wanted)
        fresh = self.repo.tree_ids([s for s in wanted if s not in trees])
        cache.put_trees(fresh)
        trees.update(fresh)
        return {p: trees.get(spec) for p, spec in specs.items()}

    def place(self, diagnostics: Sequence[Diagnostic], cache: BuildCache,
              registry: RegistryConfig) -> list[Diagnostic]:
        """Give registry-wide findings their line numbers (re-reading only those files)."""
        paths = {d.file for d in diagnostics}
        if not paths:
            return []
        oids = cache.oids(paths)
        blobs = self.repo.read_blobs(oids.values())
        documents = {p: load(blobs[oids[p]], p, registry.limits).document for p in paths}
        placed = []
        for d in diagnostics:
            doc = documents.get(d.file)
            placed.append(replace(d, line=doc.line_of(d.pointer) if doc else 1))
        return placed

    def render(self, head: str, registry: RegistryConfig, cache: BuildCache, names: set[str],
               previous: dict[str, CachedPlugin], scope: set[str] | None, check: bool,
               releases_moved: bool = True,
               ) -> tuple[dict[str, bytes | None], dict[str, CachedPlugin], int]:
        """Render the plugins of ``scope`` (None: all) and any whose published file is not the
        one last written; reuse the rest. Every plugin is valid here (else nothing renders)."""
        target = self.repo.root / INDEX_DIR
        self.details = {}
        # Scores are measured at the end of the commit's month; a plugin's file holds while
        # that date is within the span of dates its scores hold over (a new month re-renders
        # only the plugins whose date-dependent checks it moves).
        as_of = score_date(self.repo.commit_time(head))
        todo = set(names) if scope is None else (scope & names) | (names - previous.keys())
        todo |= {n for n in names - todo if previous[n].scored_at(as_of) is None}
        if not check:
            todo |= {n for n in names - todo
                     if previous[n].stamp != _stamp(f"{target}/plugins/{n}.json")}
        # A plugin's output also depends on the releases in its dependency cone (its
        # requirement checks and the resolution of its latest version): re-render where the
        # cone changed, wherever the change was made.
        with self.timings.stage("cones"):
            texts = cache.release_texts()
            if releases_moved or not names <= previous.keys():
                cones = cone_keys(texts, cache.release_neighbours())
            else:
                cones = {n: previous[n].cone for n in names}
        todo |= {n for n in names - todo if previous[n].cone != cones.get(n)}
        # The verified badge depends on history too (who wrote or approved the manifests):
        # re-render where the badge a plugin's file shows is no longer the one it earns.
        vouched = self.vouched(head, registry)
        if registry.verified_publishers:
            todo |= {n for n in names - todo
                     if _verified_moved(previous[n].entry, registry, vouched.get(n, frozenset()))}
        files: dict[str, bytes | None] = {}
        plugins: dict[str, CachedPlugin] = {}
        for name in names - todo:
            files[f"plugins/{name}.json"] = None
            plugins[name] = previous[name]

        groups = cache.valid_files(todo)
        paths = [p for members in groups.values() for p, _ in members]
        data = cache.data(paths)
        times = cache.times(paths)
        unexplained = sorted(set(paths) - times.keys())
        if unexplained:
            raise InternalError(f"git history does not show how {unexplained[0]} was added; "
                                "delete .cache/plugindex and build again")
        manifests = {p: manifest_from(data[p]) for p in paths}
        trees = self.source_trees(
            {p: m.source.location for p, m in manifests.items() if m.source.kind == "path"},
            cache)
        records = self.records(head, todo)
        candidates = []
        for name in sorted(todo):
            versions = [
                Published(
                    path=p, blob=oid, manifest=manifests[p],
                    published=iso(times[p].published), updated=iso(times[p].updated),
                    source_digest=source_key(manifests[p].source, trees.get(p)),
                    published_commit=times[p].published_commit,
                )
                for p, oid in groups.get(name, [])
            ]
            candidates.append((name, versions))
        # What the dependency cone decides (the resolution of the latest version and each
        # version's requirement checks), anew where the cone moved: a plugin whose cone moved
        # without moving these facts keeps its file.
        with self.timings.stage("resolve"):
            installs = self.installs(registry, texts, cones, previous,
                                     [name for name, _ in candidates])
        with self.timings.stage("requirements"):
            checker = RequirementChecker(TextCatalog(texts), registry.host_versions)
            checks = {name: {r.shown: checker.check(r) for r in checker.catalog(name) or []}
                      for name, _ in candidates}
        work = []
        for name, versions in candidates:
            old = previous.get(name)
            shown = old.scored_at(as_of) if old is not None else None
            state = PluginState(name, tuple(versions),
                                dependencies_key(installs[name], checks[name]),
                                tuple(records.oids(name)), vouched.get(name, frozenset()),
                                shown or as_of, registry)
            if old is not None and old.inputs == plugin_inputs(state) and (
                check or old.stamp == _stamp(f"{target}/plugins/{name}.json")
            ):
                files[f"plugins/{name}.json"] = None
                plugins[name] = replace(old, cone=cones[name], install=installs[name])
            else:
                work.append((name, state, versions))
        spans: dict[str, tuple[int, int]] = {}
        with self.timings.stage("score"):
            items: list[RenderItem] = []
            for name, _, versions in work:
                install = Installability.from_json(json.loads(installs[name]))
                scores, spans[name] = score_versions(
                    [(v.manifest, times[v.path].published, v.source_digest) for v in versions],
                    checks[name], install, records.pair, registry, as_of)
                latest = latest_of(versions).manifest
                items.append((name, versions, checks[name], install,
                              {v.manifest.version: records.judge(v, registry) for v in versions},
                              scores, badges(latest, scores[latest.version], registry,
                                             vouched.get(name, frozenset()))))
        # In this process: sending the items to workers and the files back costs more than
        # rendering them (at 10,000 manifests, two workers took 4 s more CPU for no time).
        _init_worker(registry)
        rendered = _render_chunk(items)
        for (name, state, _), out in zip(work, rendered, strict=True):
            files[f"plugins/{name}.json"] = out.file
            self.details[name] = out.detail
            since, until = spans[name]
            # Keyed by the date its file shows: the same inputs at any date of the span.
            inputs = plugin_inputs(replace(state, score_date=since))
            plugins[name] = CachedPlugin(inputs, out.entry, sha256(out.file),
                                         git_blob_id(out.file), "", cones[name], installs[name],
                                         since, until)
        count, newest = cache.counts()
        header = index_header(registry, len(plugins), count,
                              iso(newest) if newest is not None else None)
        output_schemas().check_index(header)
        files[INDEX_FILE] = render_index(header, [plugins[n].entry for n in sorted(plugins)])
        return files, plugins, len(work)

    def related(self, files: Mapping[str, bytes | None],
                plugins: Mapping[str, CachedPlugin], head: str) -> bytes:
        """related.json for the index about to be published. The whoosh index behind search is
        brought up to date with it (plugin by plugin); the related plugins are kept up to date
        from the published related.json (``related_update``: only lists a changed text can
        reach are computed again, all of them in a new month or past the drift), and nothing
        is computed when no plugin's searchable text changed (a new release alone does not)."""
        target = self.repo.root / INDEX_DIR
        # kept from the related.json of the commit built (not the working tree's): a build and
        # a --check of one commit keep the same lists, whatever was built since
        try:
            published = self.repo.file_at(head, f"{INDEX_DIR}/{RELATED_FILE}")
        except EnvironmentProblem:
            published = None
        if published is not None and not output_schemas().valid_related(published):
            published = None  # not a file the build writes: every list is computed
        month = iso(self.repo.commit_time(head))[:7]

        def read(rel: str) -> bytes:
            data = files.get(rel)
            if data is not None:
                return data
            oid = plugins[rel[len("plugins/"):-len(".json")]].oid
            try:
                data = (target / rel).read_bytes()
            except OSError:
                data = None
            if data is None or git_blob_id(data) != oid:  # a --check of an edited index/v1
                try:
                    data = self.repo.read_blobs([oid])[oid]
                except EnvironmentProblem:
                    data = None
            if data is None:
                raise InternalError(f"{INDEX_DIR}/{rel} is not the file the build cache "
                                    "knows; delete .cache/plugindex and build again")
            return data

        cache_dir = self.repo.root / SEARCH_CACHE
        with SearchIndex(target, cache_dir, read=read, details=self.details.get) as search:
            key = inputs_key(search)
            # what the file depends on: the documents, what it keeps from, and the month
            saved = cache_dir / "{}.{}".format(RELATED_FILE, hashlib.sha256(
                f"{key} {month} ".encode() + (published or b"")).hexdigest())
            try:
                return saved.read_bytes()
            except OSError:
                pass
            data = render_related(key, related_update(search, parse_related(published), month))
        output_schemas().check_related(data)
        for old in cache_dir.glob(f"{RELATED_FILE}.*"):
            old.unlink()
        write_atomic(saved, data)
        return data

    def contributors(self, head: str, registry: RegistryConfig) -> bytes:
        """contributors.json: reputation from main's history up to ``head`` (the ledger is
        kept in the cache and continued commit by commit)."""
        data = render_contributors(contributors_at(self.repo, head, registry.reputation),
                                   registry.reputation)
        output_schemas().check_contributors(data)
        return data

    def vouched(self, head: str, registry: RegistryConfig) -> dict[str, frozenset[str]]:
        """Plugin -> the verified publishers (lower case) who vouched for it: wrote one of its
        manifests or approved the pull request that did (from the reputation ledger that
        contributors.json comes from)."""
        publishers = {login.lower() for login in registry.verified_publishers}
        if not publishers:
            return {}
        with self.timings.stage("vouchers"):
            found = vouchers_at(self.repo, head, registry.reputation)
        return {p: logins & publishers for p, logins in found.items() if logins & publishers}

    def records(self, head: str, names: set[str]) -> ScanRecords:
        """The scan and audit records of ``names`` at ``head`` (read from git, never fetched)."""
        with self.timings.stage("scans"):
            entries = [e for e in self.repo.ls_tree(head, RECORDS_DIR)
                       if e.kind == "blob" and _record_plugin(e.path) in names]
            blobs = self.repo.read_blobs(e.oid for e in entries)
            return ScanRecords({e.path: (e.oid, blobs[e.oid]) for e in entries})

    def installs(self, registry: RegistryConfig, texts: Mapping[str, Sequence[str]],
                 cones: Mapping[str, str], previous: Mapping[str, CachedPlugin],
                 names: Sequence[str]) -> dict[str, str]:
        """The full resolution of each plugin's latest version (JSON), reused while the
        plugin's dependency cone is unchanged, else resolved anew (over the cores)."""
        found = {n: previous[n].install for n in names
                 if n in previous and previous[n].cone == cones[n]}
        todo = sorted(n for n in names if n not in found)
        # In small chunks, so that one slow resolution does not hold up many; in this process
        # below PARALLEL_MIN (forking the build and warming each worker's caches cost more CPU
        # than 200 resolutions of a 300-version plugin's dependents: 0.2 s of 1.0 s).
        results = _map(_install_chunk, todo, _init_resolver, texts, registry.host_versions,
                       registry.resolution_seconds, chunk=8)
        found.update(zip(todo, results, strict=True))
        self.resolved += len(todo)
        return found

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


def featured_unknown(registry: RegistryConfig, names: set[str]) -> list[Diagnostic]:
    """PI068 for each plugin registry.yaml features that the registry does not hold."""
    return [diagnostic("PI068", REGISTRY_FILE, registry.line_of(ptr := pointer("featured", i)),
                       ptr, f"'{name}' is featured but there is no such plugin")
            for i, name in enumerate(registry.raw.get("featured", ())) if name not in names]


def _verified_moved(entry: str, registry: RegistryConfig, vouched: frozenset[str]) -> bool:
    """Does a plugin's index entry show other verified maintainers than it now earns?"""
    data = json.loads(entry)
    return bool(data["badges"]["verified_maintainers"] != verified_maintainers(
        data["maintainers"], registry, vouched))


@dataclass(frozen=True)
class PluginState:
    """What one plugin's output is made from, as the render stage holds it before rendering
    (no extra reads): the values of the inputs that its fields declare (``INPUT_VALUES``)."""

    name: str
    versions: tuple[Published, ...]
    dependencies: str  # what its dependency cone decides (``dependencies_key``)
    records: tuple[str, ...]  # "<path>\t<blob id>" of its scan and audit records
    vouchers: frozenset[str]
    score_date: int  # the date its scores are dated by (see score.versions.score_versions)
    registry: RegistryConfig
    tool: str = field(default_factory=code_identity)


# Each input's value (an ordered sequence of strings), one line per input of outputs.Input.
INPUT_VALUES: Mapping[Input, Callable[[PluginState], Sequence[str]]] = {
    Input.NAME: lambda s: [s.name],
    Input.MANIFESTS: lambda s: sorted(f"{v.path}\t{v.blob}" for v in s.versions),
    Input.TIMES: lambda s: sorted(f"{v.path}\t{v.published}\t{v.updated}\t{v.published_commit}"
                                  for v in s.versions),
    Input.SOURCES: lambda s: sorted(f"{v.path}\t{v.source_digest}" for v in s.versions),
    Input.DEPENDENCIES: lambda s: [s.dependencies],
    Input.RECORDS: lambda s: sorted(s.records),
    Input.SCORE_DATE: lambda s: [str(s.score_date)],
    Input.VOUCHERS: lambda s: sorted(s.vouchers),
    Input.REGISTRY: lambda s: [s.registry.digest],
    Input.TOOL: lambda s: [s.tool],
}


def dependencies_key(install: str, checks: Mapping[str, RequirementCheck]) -> str:
    """The digest of what a plugin's dependency cone decides: the full resolution of its
    latest version (JSON) and each version's requirement checks."""
    data = f"{install}\n{sorted(checks.items())!r}"
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def plugin_inputs(state: PluginState) -> str:
    """The cache key of a plugin's output: the digest of the values of every input that a
    field of its file or index entry declares (``index.PLUGIN_INPUTS``)."""
    return inputs_digest({i: INPUT_VALUES[i](state) for i in PLUGIN_INPUTS})


def _record_plugin(path: str) -> str | None:
    """index/cache/<plugin>/<record>.json -> plugin."""
    parts = path.split("/")
    return parts[2] if len(parts) == 4 else None


class ScanRecords:
    """Scan and audit records by path (index/cache/<plugin>/...): their blob ids, and the
    judgement of each version by the registry's policy."""

    def __init__(self, files: Mapping[str, tuple[str, bytes]]) -> None:
        self.files = files

    def oids(self, plugin: str) -> list[str]:
        prefix = f"{RECORDS_DIR}/{plugin}/"
        return sorted(f"{p}\t{oid}" for p, (oid, _) in self.files.items()
                      if p.startswith(prefix))

    def _read(self, path: str) -> dict[str, Any] | None:
        found = self.files.get(path)
        if found is None:
            return None
        try:
            record = json.loads(found[1])
        except ValueError:
            return None
        return record if isinstance(record, dict) else None

    def pair(self, m: Manifest, key: str) -> tuple[dict[str, Any] | None,
                                                   dict[str, Any] | None]:
        """The version's scan record and the audit record of the requirements it declares;
        a record that is not about what it is filed under is no record (never believed)."""
        record = self._read(source_record_path(m.name, key))
        if record is not None and not filed_under(record, key):
            record = None
        requirements = audit_requirements(m, record)
        audit = self._read(audit_record_path(m.name, requirements))
        if audit is not None and not audits(audit, requirements):
            audit = None
        return record, audit

    def judge(self, version: Published, registry: RegistryConfig) -> Judgement:
        record, audit = self.pair(version.manifest, version.source_digest)
        return judge(version.manifest, record, audit, registry.scan)


def _stamp(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "missing"
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
