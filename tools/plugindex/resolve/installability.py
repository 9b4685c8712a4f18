"""Installability of published versions: what ``plugindex build`` records in the index.

Pure functions over the registry's releases (the resolver's view of each manifest):

* ``RequirementChecker.check(release)``: on each registry host version the release supports,
  whether each of its requirements can be met by some published, non-yanked release of the
  required plugin that supports that host. Cheap: one verdict per (plugin, range, host),
  shared by every release that asks.
* ``install_latest(name, catalog, hosts, budget)``: a full resolution of the plugin's latest
  version on the newest host version it supports: installable or not, the closure and the
  install order; 'undecided' with the reason when the time budget runs out.
* ``cone_keys(texts)``: for each plugin, a digest of every release its resolution can read
  (its dependency cone), computed over strongly connected components so that cycles and
  10,000-long chains cost linear time. A resolution and a plugin's checks need computing
  again only when that key changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from plugindex.resolve.liveness import Liveness
from plugindex.resolve.ranges import contains
from plugindex.resolve.resolver import Catalog, Options, Release, Want, resolve

T = TypeVar("T")

# Why a requirement is not met on a host (strongest first); '' when it is met.
MISSING = "missing"  # no plugin of that name
NO_MATCH = "no-match"  # no published version in the range
YANKED = "yanked"  # only yanked versions in the range
HOST = "host"  # versions in the range exist, but none supports this host
DEPRECATED = "deprecated"  # met, but only by deprecated versions


@dataclass(frozen=True)
class Unmet:
    plugin: str
    range: str
    host: str
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"plugin": self.plugin, "range": self.range, "host": self.host,
                "reason": self.reason}


@dataclass(frozen=True)
class RequirementCheck:
    """The cheap check of one release's requirements on each host it supports."""

    hosts: tuple[str, ...]  # registry host versions in the release's host range
    unmet: tuple[Unmet, ...]  # sorted by plugin, then host
    deprecated_only: tuple[str, ...]  # required plugins met only by deprecated versions

    @property
    def met_on(self) -> tuple[str, ...]:
        failing = {u.host for u in self.unmet}
        return tuple(h for h in self.hosts if h not in failing)

    def as_json(self) -> dict[str, Any]:
        return {"hosts": list(self.hosts), "met_on": list(self.met_on),
                "unmet": [u.as_json() for u in self.unmet],
                "deprecated_only": list(self.deprecated_only)}


class RequirementChecker:
    """Checks releases against a catalog; verdicts are shared between releases.

    Verdicts are kept per range object: releases parsed from the same text share one
    ``SpecifierSet`` (see catalog.parse_range), and hashing a ``SpecifierSet`` costs more than
    deciding a verdict. Each entry holds its range, so that its id cannot be reused.
    """

    def __init__(self, catalog: Catalog, hosts: Sequence[str]) -> None:
        self.catalog = catalog
        self.hosts = [(h, Version(h)) for h in hosts]
        self._supported: dict[int, tuple[SpecifierSet, tuple[str, ...]]] = {}
        self._verdicts: dict[tuple[str, int], tuple[SpecifierSet, dict[str, str]]] = {}
        self._all_met: dict[str, str] = dict.fromkeys(hosts, "")

    def supported(self, host_range: SpecifierSet) -> tuple[str, ...]:
        """The registry host versions in ``host_range``, oldest first."""
        entry = self._supported.get(id(host_range))
        if entry is None:
            hosts = tuple(h for h, v in self.hosts if host_range.contains(v, prereleases=True))
            entry = self._supported[id(host_range)] = (host_range, hosts)
        return entry[1]

    def verdicts(self, plugin: str, spec: SpecifierSet) -> dict[str, str]:
        """host -> why ``plugin`` in ``spec`` cannot be had there ('' : it can)."""
        key = (plugin, id(spec))
        entry = self._verdicts.get(key)
        if entry is None:
            decided = self._decide(plugin, spec)
            if decided == self._all_met:
                decided = self._all_met  # one shared object: the common case, skipped fast
            entry = self._verdicts[key] = (spec, decided)
        return entry[1]

    def _decide(self, plugin: str, spec: SpecifierSet) -> dict[str, str]:
        hosts = [h for h, _ in self.hosts]
        releases = self.catalog(plugin)
        if releases is None:
            return dict.fromkeys(hosts, MISSING)
        matching = [r for r in releases if contains(spec, r.version)]
        if not matching:
            return dict.fromkeys(hosts, NO_MATCH)
        live = [r for r in matching if not r.yanked]
        if not live:
            return dict.fromkeys(hosts, YANKED)
        fresh: set[str] = set()  # hosts with a matching release that is not deprecated
        stale: set[str] = set()  # hosts with only deprecated ones
        for r in live:
            (stale if r.deprecated else fresh).update(self.supported(r.host))
        return {h: "" if h in fresh else DEPRECATED if h in stale else HOST for h in hosts}

    def check(self, release: Release) -> RequirementCheck:
        hosts = self.supported(release.host)
        unmet = []
        deprecated = set()
        for plugin, spec in release.requires:
            verdicts = self.verdicts(plugin, spec)
            if verdicts is self._all_met:
                continue
            for host in hosts:
                why = verdicts[host]
                if why == DEPRECATED:
                    deprecated.add(plugin)
                elif why:
                    unmet.append(Unmet(plugin, str(spec), host, why))
        return RequirementCheck(hosts, tuple(unmet), tuple(sorted(deprecated)))


def pick_latest(items: Sequence[T], version: Callable[[T], Version],
                yanked: Callable[[T], bool]) -> T:
    """The index's 'latest': the highest version neither yanked nor a pre-release; failing
    that, the highest not yanked; failing that, the highest."""
    ordered = sorted(items, key=version)
    live = [i for i in ordered if not yanked(i)]
    final = [i for i in live if not version(i).is_prerelease]
    return (final or live or ordered)[-1]


def latest_release(releases: Sequence[Release]) -> Release:
    return pick_latest(releases, lambda r: r.version, lambda r: r.yanked)


@dataclass(frozen=True)
class Installability:
    """The full resolution of a plugin's latest version on the newest host it supports."""

    version: str
    host: str | None  # None: the version supports none of the registry's host versions
    status: str  # installable | not-installable | undecided
    plan: tuple[tuple[str, str], ...] = ()  # (name, version) in install order
    edges: tuple[tuple[str, str], ...] = ()  # (dependent, dependency)
    problems: tuple[dict[str, Any], ...] = ()
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "host": self.host,
            "status": self.status,
            "plan": [{"name": n, "version": v} for n, v in self.plan],
            "edges": [list(e) for e in self.edges],
            "problems": list(self.problems),
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Installability:
        return cls(data["version"], data["host"], data["status"],
                   tuple((p["name"], p["version"]) for p in data["plan"]),
                   tuple((a, b) for a, b in data["edges"]), tuple(data["problems"]),
                   data["reason"])


def install_latest(name: str, catalog: Catalog, hosts: Sequence[str], budget: float,
                   liveness: Liveness | None = None) -> Installability:
    """Resolve ``name``'s latest release, pinned exactly, on the newest host it supports.
    ``liveness``: verdicts shared by the resolutions over one catalog (see resolve.liveness)."""
    releases = catalog(name)
    if not releases:
        raise ValueError(f"no releases of {name}")
    latest = latest_release(releases)
    supported = [h for h in hosts if latest.host.contains(Version(h), prereleases=True)]
    if not supported:
        return Installability(latest.shown, None, "not-installable",
                              reason=f"host range '{latest.host}' admits none of the "
                                     "registry's host versions")
    host = max(supported, key=Version)
    request = [Want(name, SpecifierSet(f"=={latest.version}"))]
    result = resolve(catalog, request, Options(host=Version(host), time_budget=budget),
                     liveness)
    if result.undecided is not None:
        return Installability(latest.shown, host, "undecided", reason=result.undecided)
    if result.problems:
        problems = tuple({"kind": p.kind, "plugin": p.plugin, "message": p.message()}
                         for p in result.problems)
        return Installability(latest.shown, host, "not-installable", edges=result.edges,
                              problems=problems,
                              reason="; ".join(p["message"] for p in problems))
    return Installability(latest.shown, host, "installable",
                          plan=tuple((r.name, r.shown) for r in result.chosen),
                          edges=result.edges)


# -- keys ---------------------------------------------------------------------------------------


def _digest(parts: Iterable[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode())
        h.update(b"\n")
    return h.hexdigest()


def neighbours(texts: Sequence[str]) -> list[str]:
    """The plugins a plugin's releases require or conflict with (from release texts)."""
    names: set[str] = set()
    for text in texts:
        _, requires, conflicts, *_ = json.loads(text)
        names.update(requires)
        names.update(conflicts)
    return sorted(names)


def cone_keys(texts: Mapping[str, Sequence[str]],
              known: Mapping[str, Collection[str]] | None = None) -> dict[str, str]:
    """plugin -> digest of the releases of every plugin reachable from it through requirements
    and conflicts (itself included); names that are not in the registry count by name.
    ``known``: each plugin's neighbours, when the caller has them (else read from ``texts``)."""
    own = {name: _digest(sorted(t)) for name, t in texts.items()}
    edges = {name: sorted(known.get(name, ())) if known is not None else neighbours(t)
             for name, t in texts.items()}
    keys: dict[str, str] = {}
    for component in _components(sorted(texts), edges):
        members = set(component)
        parts = [f"{n}={own[n]}" for n in component]
        outside = sorted({d for n in component for d in edges[n] if d not in members})
        parts += [f"{d}->{keys[d]}" if d in keys else f"{d}->missing" for d in outside]
        key = _digest(parts)
        for n in component:
            keys[n] = key
    return keys


def _components(nodes: Sequence[str], edges: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Strongly connected components (Tarjan, iterative), each sorted, dependencies first.
    Edges to names that are not nodes are ignored."""
    succ = {n: [t for t in targets if t in edges] for n, targets in edges.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, at = work.pop()
            if at == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = succ.get(node, [])
            if at < len(targets):
                work.append((node, at + 1))
                target = targets[at]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found
