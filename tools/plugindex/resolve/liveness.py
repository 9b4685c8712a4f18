"""Releases that no install plan can contain, found by propagation before any search.

A release is *dead* on a host when one of its requirements has no live candidate: no release
of the required plugin in the range supports the host, or every one that does is dead itself.
Dead releases are dropped from the resolver's candidate lists. This is sound (a plan must meet
every requirement of every release in it, so by induction no plan holds a dead release) and it
saves resolvelib an exponential search: without it, a request whose every path ends in an
unmet requirement backtracks through every combination of the versions above it before it can
say "impossible", and on registries with hundreds of versions per plugin that outlasts any
time budget.

The propagation counts, for each distinct requirement (plugin, range object), its live
candidates, and kills the releases that need it when the count reaches zero: linear in the
size of the dependency cone, cycles included. Candidates here ignore the yank and pre-release
policies (a yanked release can still be pinned): that over-approximates what can be chosen,
which keeps the pruning sound. Conflicts are optional requirements and play no part.

Verdicts depend only on the releases a request can reach, so one ``Liveness`` serves every
resolution over the same catalog (the build resolves many plugins against one registry).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from plugindex.resolve.ranges import contains

if TYPE_CHECKING:
    from plugindex.resolve.resolver import Catalog, Release

_CHAIN = 3  # how many links of a chain of dead requirements an explanation shows


class _Need:
    """One distinct requirement: its candidates on the host, and how many are still live."""

    __slots__ = ("candidates", "dep", "live", "spec", "waiting")

    def __init__(self, dep: str, spec: SpecifierSet, candidates: list[Release]) -> None:
        self.dep = dep
        self.spec = spec
        self.candidates = candidates  # newest first
        self.live = 0
        self.waiting: list[Release] = []  # undecided releases that have this requirement


class _Host:
    """The verdicts on one host version (None: any host)."""

    def __init__(self, catalog: Catalog, host: Version | None) -> None:
        self.catalog = catalog
        self.host = host
        self.releases: dict[str, list[Release] | None] = {}
        self.dead: dict[Release, _Need] = {}  # release -> the requirement it cannot meet
        self.settled: set[str] = set()  # plugins whose releases all have their verdict

    def on_host(self, name: str) -> list[Release] | None:
        if name not in self.releases:
            found = self.catalog(name)
            host = self.host
            self.releases[name] = None if found is None else sorted(
                (r for r in found if host is None or contains(r.host, host)),
                key=lambda r: r.version, reverse=True)
        return self.releases[name]

    def settle(self, name: str) -> None:
        """Decide every release of every plugin reachable from ``name`` not yet decided."""
        if name in self.settled:
            return
        cone: list[str] = []
        todo = [name]
        seen = {name}
        while todo:
            current = todo.pop()
            cone.append(current)
            for release in self.on_host(current) or ():
                for dep, _ in release.requires:
                    if dep not in seen and dep not in self.settled:
                        seen.add(dep)
                        todo.append(dep)
        needs: dict[tuple[str, int], _Need] = {}
        needed_by: dict[Release, list[_Need]] = {}  # candidate -> requirements it may meet
        dying: list[Release] = []
        for current in cone:
            for release in self.on_host(current) or ():
                for dep, spec in release.requires:
                    need = needs.get((dep, id(spec)))
                    if need is None:
                        need = needs[(dep, id(spec))] = self._need(dep, spec, seen, needed_by)
                    need.waiting.append(release)
                    if need.live == 0:
                        dying.append(release)
        while dying:
            release = dying.pop()
            if release in self.dead:
                continue
            self.dead[release] = next(n for n in _needs_of(release, needs) if n.live == 0)
            for need in needed_by.get(release, ()):
                need.live -= 1
                if need.live == 0:
                    dying.extend(need.waiting)
        self.settled.update(cone)

    def _need(self, dep: str, spec: SpecifierSet, cone: set[str],
              needed_by: dict[Release, list[_Need]]) -> _Need:
        candidates = [r for r in self.on_host(dep) or () if contains(spec, r.version)]
        need = _Need(dep, spec, candidates)
        for candidate in candidates:
            if dep in cone:  # undecided: may die during this propagation
                needed_by.setdefault(candidate, []).append(need)
                need.live += 1
            elif candidate not in self.dead:
                need.live += 1
        return need


def _needs_of(release: Release, needs: dict[tuple[str, int], _Need]) -> list[_Need]:
    return [needs[(dep, id(spec))] for dep, spec in release.requires]


class Liveness:
    """Which releases no plan can contain, per host, decided lazily plugin by plugin."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._hosts: dict[Version | None, _Host] = {}

    def _on(self, host: Version | None) -> _Host:
        if host not in self._hosts:
            self._hosts[host] = _Host(self.catalog, host)
        return self._hosts[host]

    def dead(self, release: Release, host: Version | None) -> bool:
        on = self._on(host)
        on.settle(release.name)
        return release in on.dead

    def doomed(self, release: Release, host: Version | None) -> bool:
        """Dead because every candidate for one of its requirements is dead (not merely
        because a requirement has no candidate at all)."""
        on = self._on(host)
        on.settle(release.name)
        need = on.dead.get(release)
        return need is not None and bool(need.candidates)

    def why(self, release: Release, host: Version | None) -> str:
        """Why ``release`` cannot be installed on ``host`` ('' if it may be), following a
        chain of dead requirements a few links down."""
        on = self._on(host)
        on.settle(release.name)
        return _why(on, release, _CHAIN, set())


def _why(on: _Host, release: Release, depth: int, seen: set[Release]) -> str:
    need = on.dead.get(release)
    if need is None:
        return ""
    wanted = f"needs {need.dep} {need.spec}".rstrip()
    if on.on_host(need.dep) is None:
        return f"{wanted}, which is not in the registry"
    where = "" if on.host is None else f" for host {on.host}"
    if not need.candidates:
        return f"{wanted}: no release in that range{where}"
    seen.add(release)
    newest = next((c for c in need.candidates if c not in seen), None)
    if depth <= 1 or newest is None:
        return f"{wanted}: no release in that range can be installed{where}"
    return (f"{wanted}: no release in that range can be installed{where} "
            f"({newest}: {_why(on, newest, depth - 1, seen)})")
