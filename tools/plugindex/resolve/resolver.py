"""Dependency resolution between plugins, on resolvelib (the resolver inside pip).

A pure function: ``resolve(catalog, request, options) -> Resolution``. The catalog says which
releases of each plugin exist; nothing here reads files or git.

* Versions and ranges are ``packaging`` versions and specifier sets (PEP 440).
* A release is a candidate only if its host range admits the requested host version.
* Yanked releases are skipped unless a requirement pins them exactly (``==``), as PEP 592 does.
* Pre-releases are skipped unless allowed, named by a range, or the only releases that match.
* A declared conflict (``conflicts: {b: "<2"}``) is an optional requirement: if ``b`` is
  installed, its version must be outside the range. Every plugin has an "absent" candidate that
  satisfies optional requirements only, so the resolver can backtrack around conflicts.
* A search that does not decide within a hundred rounds starts again without the
  releases that no plan can contain (resolve.liveness): dead ends make backtracking
  exponential, and propagation finds them in linear time.
* Failures are explained: each constraint with who imposed it, and every release of the plugin
  with the reason it was not chosen; cycles are reported with their path.
"""

from __future__ import annotations

import heapq
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version
from resolvelib import AbstractProvider, BaseReporter
from resolvelib.resolvers import ResolutionImpossible, ResolutionTooDeep
from resolvelib.resolvers.resolution import Resolution as _Resolution

from plugindex.resolve.liveness import Liveness
from plugindex.resolve.ranges import contains

ANY = SpecifierSet("")
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$")
_RETRIES = 32  # re-resolutions after a plan broke a policy or formed an avoidable cycle
_PLAIN_ROUNDS = 100  # resolvelib rounds over the whole catalog before dead releases are pruned
# The same, when what is requested is already known to be impossible: enough to name the
# deepest cause of a short chain; past it, the explanation is the chain liveness found. At 10k
# manifests, 20 rounds instead of 100 halved the time of the resolutions that fail and changed
# the explanation of 42 of 2,870 plugins (10 rounds: 76; 30: 26).
_DEAD_PLAIN_ROUNDS = 20


@dataclass(frozen=True)
class Release:
    """One published version of one plugin, as the resolver sees it."""

    name: str
    version: Version
    requires: tuple[tuple[str, SpecifierSet], ...] = ()
    conflicts: tuple[tuple[str, SpecifierSet], ...] = ()
    host: SpecifierSet = ANY
    yanked: bool = False
    deprecated: bool = False
    label: str = ""  # the version as the manifest spells it ('1.1.0-beta.1'); default: PEP 440

    @property
    def shown(self) -> str:
        return self.label or str(self.version)

    def __str__(self) -> str:
        return f"{self.name} {self.shown}"


@dataclass(frozen=True)
class Absent:
    """The candidate 'not installed': satisfies optional requirements (conflicts) only."""

    name: str


Candidate = Release | Absent


@dataclass(frozen=True)
class Want:
    """A requirement: ``name`` within ``spec`` (and outside ``exclude``, for conflicts)."""

    name: str
    spec: SpecifierSet = ANY
    exclude: SpecifierSet | None = None  # a declared conflict: versions that may not be used
    optional: bool = False  # conflicts do not pull a plugin in

    def allows(self, version: Version) -> bool:
        if not contains(self.spec, version):
            return False
        return self.exclude is None or not contains(self.exclude, version)

    def pins(self, version: Version) -> bool:
        """An exact '==' pin of ``version`` (which may select a yanked release)."""
        return any(s.operator in ("==", "===") and "*" not in s.version
                   and s.contains(version, prereleases=True) for s in self.spec)

    def describe(self) -> str:
        if self.exclude is not None:
            return f"conflicts with {self.name} {self.exclude or '(any version)'}"
        return f"{self.name} {self.spec}".rstrip()


Catalog = Callable[[str], Sequence[Release] | None]
"""name -> every release of that plugin (any order), or None if there is no such plugin; the
same answer for the catalog's whole life (resolutions share what they derive from it)."""


@dataclass(frozen=True)
class Options:
    host: Version | None = None  # None: any host
    allow_pre: bool = False
    time_budget: float = 10.0  # seconds
    max_rounds: int = 500_000


@dataclass(frozen=True)
class Constraint:
    by: str  # 'requested' or '<name> <version>'
    spec: str


@dataclass(frozen=True)
class Problem:
    """Why a request cannot be installed, about one plugin."""

    kind: str  # missing | unsatisfiable | conflict | cycle
    plugin: str
    constraints: tuple[Constraint, ...] = ()
    available: tuple[tuple[str, str], ...] = ()  # (version, why it was not usable or '')
    path: tuple[str, ...] = ()  # for cycles

    def message(self) -> str:
        if self.kind == "cycle":
            return "dependency cycle: " + " -> ".join(self.path)
        who = "; ".join(
            f"requested {c.spec}" if c.by == "requested"
            else f"{c.by} {c.spec}" if c.spec.startswith("conflicts with")
            else f"{c.by} requires {c.spec}"
            for c in self.constraints
        )
        if self.kind == "missing":
            return f"no plugin named '{self.plugin}' ({who})"
        shown = ", ".join(v + (f" ({why})" if why else "") for v, why in self.available)
        return f"{self.plugin}: {who}; available: {shown or 'none'}"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "plugin": self.plugin,
            "constraints": [{"by": c.by, "spec": c.spec} for c in self.constraints],
            "available": [{"version": v, "excluded": why or None} for v, why in self.available],
            "path": list(self.path),
            "message": self.message(),
        }


@dataclass(frozen=True)
class Resolution:
    """The outcome: an install plan, or the problems, or 'undecided' with the reason."""

    chosen: tuple[Release, ...] = ()  # in install order: dependencies before dependents
    edges: tuple[tuple[str, str], ...] = ()  # (dependent, dependency), sorted
    problems: tuple[Problem, ...] = ()
    undecided: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.undecided is None

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "install": [{"name": r.name, "version": r.shown, "yanked": r.yanked,
                         "deprecated": r.deprecated} for r in self.chosen],
            "edges": [list(e) for e in self.edges],
            "problems": [p.as_json() for p in self.problems],
            "undecided": self.undecided,
        }


class _OutOfTime(Exception):
    pass


def parse_request(text: str) -> Want:
    """'name', 'name>=1.2' or 'name==1.0.0' -> Want; raises ValueError when malformed."""
    cut = next((i for i, ch in enumerate(text) if ch in "<>=!~ "), len(text))
    name, spec = text[:cut].strip(), text[cut:].strip()
    if not _NAME.match(name):
        raise ValueError(f"'{text}' does not start with a plugin name")
    try:
        return Want(name, SpecifierSet(spec))
    except InvalidSpecifier:
        raise ValueError(f"'{spec}' is not a PEP 440 version range") from None


class _Provider(AbstractProvider[Want, Candidate, str]):
    def __init__(self, catalog: Catalog, options: Options, roots: set[str], deadline: float,
                 banned: frozenset[Release] = frozenset(),
                 liveness: Liveness | None = None) -> None:
        self.catalog = catalog
        self.liveness = liveness
        self.options = options
        self.roots = roots
        self.deadline = deadline
        self.banned = banned
        self._releases: dict[str, list[Release] | None] = {}
        self.rejected: dict[Release, str] = {}  # why early rejection dropped a release
        # usable releases per plugin and set of requirements (the same come back as the
        # search backtracks); keyed by the requirements' range objects, which the entry holds
        self._usable: dict[tuple[str, tuple[tuple[int, int, bool], ...]],
                           tuple[list[Want], list[Release]]] = {}

    def releases(self, name: str) -> list[Release] | None:
        """Releases for the requested host, newest first (cached per plugin)."""
        if name not in self._releases:
            found = for_host(self.catalog, name, self.options.host)
            self._releases[name] = found if found is None or not self.banned else [
                r for r in found if r not in self.banned]
        return self._releases[name]

    def _tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise _OutOfTime

    def identify(self, requirement_or_candidate: Want | Candidate) -> str:
        return requirement_or_candidate.name

    def get_preference(self, identifier: str, resolutions: Mapping[str, Candidate],
                       candidates: Mapping[str, Iterator[Candidate]],
                       information: Mapping[str, Iterator[Any]],
                       backtrack_causes: Sequence[Any]) -> Any:
        self._tick()
        causes = {c.requirement.name for c in backtrack_causes}
        infos = list(information[identifier])
        pinned = any(s.operator in ("==", "===") for i in infos for s in i.requirement.spec)
        only_optional = all(i.requirement.optional for i in infos)
        # Work first on what caused the last backtrack, on exact pins, on real requirements,
        # on what was requested; ties by name, so that resolution is deterministic.
        return (identifier not in causes, not pinned, only_optional,
                identifier not in self.roots, identifier)

    def find_matches(self, identifier: str, requirements: Mapping[str, Iterator[Want]],
                     incompatibilities: Mapping[str, Iterator[Candidate]]) -> list[Candidate]:
        self._tick()
        wants = list(requirements[identifier])
        bad = {c.version if isinstance(c, Release) else None
               for c in incompatibilities[identifier]}
        found: list[Candidate] = []
        verdicts: dict[tuple[str, int], str | None] = {}  # this state's, per requirement
        for r in self._usable_for(identifier, wants):
            if r.version not in bad and self._alive(r) and self._viable(r, requirements,
                                                                        verdicts):
                found.append(r)
        if all(w.optional for w in wants) and None not in bad:
            found.insert(0, Absent(identifier))  # not installing is preferred
        return found

    def _usable_for(self, identifier: str, wants: list[Want]) -> list[Release]:
        key = (identifier, tuple((id(w.spec), id(w.exclude), w.optional) for w in wants))
        entry = self._usable.get(key)
        if entry is None:
            entry = self._usable[key] = (wants, usable(self.releases(identifier) or [], wants,
                                                       self.options.allow_pre))
        return entry[1]

    def _alive(self, release: Release) -> bool:
        """False for a release that no plan can contain because every candidate for one of
        its requirements is itself in no plan (see resolve.liveness). A release with a
        requirement that nothing can meet stays: the resolver fails on it at once, and its
        explanation names the real cause (a missing plugin, the host range, the versions)."""
        if self.liveness is None or not self.liveness.doomed(release, self.options.host):
            return True
        self.rejected[release] = self.liveness.why(release, self.options.host)
        return False

    def _viable(self, release: Release, requirements: Mapping[str, Iterator[Want]],
                verdicts: dict[tuple[str, int], str | None]) -> bool:
        """Early rejection: a release whose requirement on a plugin contradicts what is
        already required of that plugin cannot be part of a plan in this state.
        ``verdicts``: the reasons found so far in this state, per requirement (the releases
        of one plugin mostly share their requirements' ranges)."""
        for dep, spec in release.requires:
            key = (dep, id(spec))
            if key not in verdicts:
                verdicts[key] = self._contradiction(dep, spec, requirements)
            why = verdicts[key]
            if why is not None:
                self.rejected[release] = why
                return False
        return True

    def _contradiction(self, dep: str, spec: SpecifierSet,
                       requirements: Mapping[str, Iterator[Want]]) -> str | None:
        known = list(requirements[dep]) if dep in requirements else []
        releases = self.releases(dep) or []
        if not known or not any_usable(releases, [Want(dep, spec)]):
            # Nothing else constrains the dependency yet, or the requirement alone is
            # impossible: let the resolver reach it, so that the explanation names the
            # real cause (a missing plugin, the host range, the versions that exist).
            return None
        if not any_usable(releases, [*known, Want(dep, spec)]):
            already = ", ".join(sorted({w.describe() for w in known}))
            return f"needs {dep} {spec or '(any)'}, but: {already}"
        return None

    def is_satisfied_by(self, requirement: Want, candidate: Candidate) -> bool:
        if isinstance(candidate, Absent):
            return requirement.optional
        return requirement.allows(candidate.version)

    def get_dependencies(self, candidate: Candidate) -> Iterable[Want]:
        if isinstance(candidate, Absent):
            return []
        wants = [Want(n, s) for n, s in candidate.requires]
        wants += [Want(n, ANY, exclude=s, optional=True) for n, s in candidate.conflicts]
        return wants


# Each catalog's releases per plugin and host, newest first: the resolutions over one catalog
# (a build resolves every plugin's latest version) ask for the same lists again and again.
_FOR_HOST: WeakKeyDictionary[Any, dict[tuple[str, Version | None], list[Release] | None]] = (
    WeakKeyDictionary())


def for_host(catalog: Catalog, name: str, host: Version | None) -> list[Release] | None:
    """``name``'s releases whose host range admits ``host`` (None: any), newest first; None
    for a plugin the catalog does not know. Shared by the resolutions over ``catalog`` (a
    catalog that cannot be weakly referenced, such as a bound method, is asked each time);
    callers must not change the list."""
    try:
        memo = _FOR_HOST.setdefault(catalog, {})
    except TypeError:
        memo = {}
    key = (name, host)
    if key not in memo:
        found = catalog(name)
        memo[key] = None if found is None else sorted(
            (r for r in found if host is None or contains(r.host, host)),
            key=lambda r: r.version, reverse=True)
    return memo[key]


def any_usable(releases: Sequence[Release], wants: Sequence[Want]) -> bool:
    """``usable(releases, wants, ...)`` is not empty, whatever the pre-release policy (it
    falls back to pre-releases when no final release matches): found at the first match."""
    return any(_admitted(r, wants) for r in releases)


def _admitted(release: Release, wants: Sequence[Want]) -> bool:
    """Every requirement allows the release, and it is not yanked unless pinned exactly."""
    return all(w.allows(release.version) for w in wants) and (
        not release.yanked or any(w.pins(release.version) for w in wants))


def usable(releases: Sequence[Release], wants: Sequence[Want], allow_pre: bool
           ) -> list[Release]:
    """Releases (newest first) that every requirement allows, after the yank and pre-release
    policies: yanked only when pinned exactly; pre-releases when allowed, named by a range, or
    when no final release matches."""
    matching = [r for r in releases if _admitted(r, wants)]
    if allow_pre or any(w.spec.prereleases for w in wants):
        return matching
    final = [r for r in matching if not r.version.is_prerelease]
    return final or matching


def _why_not(release: Release, wants: Sequence[Want], options: Options,
             rejected: Mapping[Release, str], banned: frozenset[Release]) -> str:
    if options.host is not None and not release.host.contains(options.host, prereleases=True):
        return f"host {release.host}"
    for w in wants:
        if not w.allows(release.version):
            return "in a conflicting range" if w.exclude is not None else f"not {w.spec}"
    if release.yanked and not any(w.pins(release.version) for w in wants):
        return "yanked"
    if release in banned:  # dropped after a plan broke a policy with it
        return "yanked" if release.yanked else "pre-release"
    if release in rejected:
        return rejected[release]
    if release.version.is_prerelease and not options.allow_pre:
        return "pre-release"
    return ""


def _explain(causes: Iterable[Any], catalog: Catalog, options: Options,
             rejected: Mapping[Release, str], banned: frozenset[Release]) -> list[Problem]:
    by_name: dict[str, list[Any]] = {}
    for cause in causes:
        by_name.setdefault(cause.requirement.name, []).append(cause)
    problems = []
    for name in sorted(by_name):
        infos = by_name[name]
        constraints = tuple(sorted({
            Constraint("requested" if i.parent is None else str(i.parent),
                       i.requirement.describe())
            for i in infos
        }, key=lambda c: (c.by != "requested", c.by, c.spec)))
        releases = catalog(name)
        if releases is None:
            problems.append(Problem("missing", name, constraints))
            continue
        wants = [i.requirement for i in infos]
        available = tuple(
            (r.shown, _why_not(r, wants, options, rejected, banned))
            for r in sorted(releases, key=lambda r: r.version)
        )
        kind = "conflict" if any(w.optional for w in wants) else "unsatisfiable"
        problems.append(Problem(kind, name, constraints, available))
    return problems


def _closure(requested: Sequence[Want], mapping: Mapping[str, Candidate]
             ) -> tuple[list[Release], list[tuple[str, str]]]:
    """The releases reachable from the request, and the edges between them (iterative)."""
    chosen: dict[str, Release] = {}
    edges: set[tuple[str, str]] = set()
    todo = [w.name for w in requested]
    while todo:
        name = todo.pop()
        candidate = mapping.get(name)
        if name in chosen or not isinstance(candidate, Release):
            continue
        chosen[name] = candidate
        for dep, _ in candidate.requires:
            edges.add((name, dep))
            todo.append(dep)
    return list(chosen.values()), sorted(edges)


def install_order(names: Iterable[str], edges: Iterable[tuple[str, str]]
                  ) -> tuple[list[str], list[str]]:
    """Dependencies before dependents, ties by name. Returns (order, cycle path or [])."""
    nodes = set(names)
    waiting = dict.fromkeys(nodes, 0)  # dependencies not yet placed
    dependents: dict[str, list[str]] = {n: [] for n in nodes}
    deps: dict[str, list[str]] = {n: [] for n in nodes}
    for dependent, dependency in set(edges):
        if dependent in nodes and dependency in nodes:
            waiting[dependent] += 1
            dependents[dependency].append(dependent)
            deps[dependent].append(dependency)
    ready = [n for n, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        name = heapq.heappop(ready)
        order.append(name)
        for d in dependents[name]:
            waiting[d] -= 1
            if waiting[d] == 0:
                heapq.heappush(ready, d)
    if len(order) == len(nodes):
        return order, []
    return order, _find_cycle(sorted(n for n in nodes if waiting[n] > 0), deps, waiting)


def _find_cycle(stuck: list[str], deps: Mapping[str, list[str]],
                waiting: Mapping[str, int]) -> list[str]:
    """A cycle among nodes that could not be placed: follow unplaced dependencies until a
    node repeats (every stuck node has one)."""
    seen: dict[str, int] = {}
    path: list[str] = []
    node = stuck[0]
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = min(d for d in deps[node] if waiting[d] > 0)
    return [*path[seen[node]:], node]


def _plan_wants(request: Sequence[Want], chosen: Sequence[Release]) -> list[Want]:
    wants = list(request)
    for r in chosen:
        wants += [Want(n, s) for n, s in r.requires]
        wants += [Want(n, ANY, exclude=s, optional=True) for n, s in r.conflicts]
    return wants


def _violations(chosen: Sequence[Release], request: Sequence[Want], provider: _Provider
                ) -> set[Release]:
    """Releases of a finished plan that break the yank or pre-release policy once the plan's
    own requirements are known. resolvelib does not revisit candidate lists when the release
    whose pin or conflict shaped them leaves the plan, so the plan is checked afterwards."""
    wants = _plan_wants(request, chosen)
    bad = set()
    for r in chosen:
        mine = [w for w in wants if w.name == r.name]
        yanked = r.yanked and not any(w.pins(r.version) for w in mine)
        unwanted_pre = r.version.is_prerelease and r not in usable(
            provider.releases(r.name) or [], mine, provider.options.allow_pre)
        if yanked or unwanted_pre:
            bad.add(r)
    return bad


def _once(catalog: Catalog, request: Sequence[Want], options: Options, deadline: float,
          banned: frozenset[Release], liveness: Liveness
          ) -> tuple[Resolution, dict[str, Release], set[Release]]:
    """One resolution: (result, chosen releases by name, releases that break a policy).

    resolvelib searches the whole catalog first, for a bounded number of rounds (fewer when
    liveness already shows the request impossible): small problems are decided at once, and
    its explanations name the deepest cause. A search still
    undecided after those rounds starts again over the releases some plan could contain (see
    resolve.liveness): backtracking through dead ends is what makes a search exponential.
    """
    roots = {w.name for w in request}
    provider = _Provider(catalog, options, roots, deadline, banned)
    first = min(_PLAIN_ROUNDS, options.max_rounds)
    if first < options.max_rounds and _dead_request(provider, request, liveness):
        # No plan can hold what is requested: a short plain search still finds the deepest
        # cause of a short chain; a long one would wander its rounds out for nothing.
        first = min(first, _DEAD_PLAIN_ROUNDS)
    try:
        try:
            state = _search(provider, request, first)
        except ResolutionTooDeep:
            if first == options.max_rounds:
                raise
            provider = _Provider(catalog, options, roots, deadline, banned, liveness)
            state = _search(provider, request, options.max_rounds)
    except ResolutionImpossible as exc:
        problems = _explain(exc.causes, catalog, options, provider.rejected, banned)
        return Resolution(problems=tuple(problems)), {}, set()
    except ResolutionTooDeep as exc:
        return Resolution(undecided=f"gave up after {exc.round_count} resolution rounds"), {}, set()
    chosen, edges = _closure(request, state.mapping)
    by_name = {r.name: r for r in chosen}
    bad = _violations(chosen, request, provider)
    order, cycle = install_order(by_name, edges)
    if cycle:
        return Resolution(edges=tuple(edges), problems=(
            Problem("cycle", cycle[0], path=tuple(cycle)),)), by_name, bad
    return Resolution(chosen=tuple(by_name[n] for n in order), edges=tuple(edges)), by_name, bad


def _dead_request(provider: _Provider, request: Sequence[Want], liveness: Liveness) -> bool:
    """Some required plugin of ``request`` has releases in range, and no plan can contain any
    of them (see resolve.liveness)."""
    host = provider.options.host
    for want in request:
        if want.optional:
            continue
        found = usable(provider.releases(want.name) or [], [want], provider.options.allow_pre)
        if found and all(liveness.doomed(r, host) for r in found):
            return True
    return False


def _search(provider: _Provider, request: Sequence[Want], max_rounds: int) -> Any:
    """resolvelib's search; returns its final state (raises as resolvelib does).

    resolvelib's Resolver.resolve builds its result graph recursively (a chain of 10,000
    plugins overflows the stack); the state's mapping is all we need, walked iteratively."""
    reporter: BaseReporter[Want, Candidate, str] = BaseReporter()
    resolution: _Resolution[Want, Candidate, str] = _Resolution(provider, reporter)
    return resolution.resolve(request, max_rounds=max_rounds)


def newest_plan(catalog: Catalog, request: Sequence[Want], options: Options
                ) -> Resolution | None:
    """The plan that takes the newest usable release of every plugin it reaches, if that plan
    is consistent: every release in it is the newest usable one under all the plan's
    requirements, no conflict is violated and there is no cycle. This is the plan resolvelib
    reaches without backtracking, found in time linear in its size; None: ask resolvelib.
    """
    available: dict[str, list[Release]] = {}

    def releases(name: str) -> list[Release] | None:
        if name not in available:
            found = for_host(catalog, name, options.host)
            if found is None:
                return None
            available[name] = found
        return available[name]

    wants: dict[str, list[Want]] = {}
    for w in request:
        wants.setdefault(w.name, []).append(w)
    chosen: dict[str, Release] = {}
    todo = sorted(wants, reverse=True)
    while todo:
        name = todo.pop()
        if name in chosen:
            continue
        found = releases(name)
        picks = usable(found, wants[name], options.allow_pre) if found is not None else []
        if not picks:
            return None
        chosen[name] = release = picks[0]
        for dep, spec in release.requires:
            wants.setdefault(dep, []).append(Want(dep, spec))
            todo.append(dep)
        for dep, spec in release.conflicts:
            wants.setdefault(dep, []).append(Want(dep, ANY, exclude=spec, optional=True))
    for name, release in chosen.items():
        picks = usable(available[name], wants[name], options.allow_pre)
        if not picks or picks[0] != release:
            return None  # a later requirement moved the choice: backtracking needed
    edges = sorted({(r.name, dep) for r in chosen.values() for dep, _ in r.requires})
    order, cycle = install_order(chosen, edges)
    if cycle:
        return None
    return Resolution(chosen=tuple(chosen[n] for n in order), edges=tuple(edges))


def resolve(catalog: Catalog, request: Sequence[Want], options: Options = Options(),
            liveness: Liveness | None = None) -> Resolution:
    """Resolve ``request`` against ``catalog``: a plan, or the explained problems.

    The newest plan is tried first (linear time); if it does not hold, resolvelib searches.
    A plan that breaks the yank or pre-release policy is resolved again without the
    offending releases; a plan with a dependency cycle is resolved again without each release
    of the cycle in turn, and the cycle is reported only if no alternative avoids it.
    ``liveness``: shared verdicts on which releases no plan can contain (resolutions over
    one catalog can share them); by default, computed for this resolution alone.
    """
    return (newest_plan(catalog, request, options)
            or search(catalog, request, options, liveness))


def search(catalog: Catalog, request: Sequence[Want], options: Options = Options(),
           liveness: Liveness | None = None) -> Resolution:
    """Resolution by resolvelib's backtracking search (see ``resolve``), over the releases
    that some plan could contain (see resolve.liveness)."""
    deadline = time.monotonic() + options.time_budget
    banned: frozenset[Release] = frozenset()
    alive = liveness if liveness is not None else Liveness(catalog)
    try:
        for _ in range(_RETRIES):
            result, chosen, bad = _once(catalog, request, options, deadline, banned, alive)
            if bad:
                banned |= bad
                continue
            if result.problems and result.problems[0].kind == "cycle":
                for name in sorted(set(result.problems[0].path))[:5]:
                    alternative, _, alt_bad = _once(catalog, request, options, deadline,
                                                    banned | {chosen[name]}, alive)
                    if alternative.ok and not alt_bad:
                        return alternative
            return result
    except _OutOfTime:
        return Resolution(undecided=f"time budget of {options.time_budget:g} s exceeded")
    return Resolution(undecided=f"no plan within policy after {_RETRIES} attempts")
