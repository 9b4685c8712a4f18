"""Rules across all manifests of a registry: names, versions, and references between plugins.

The findings carry a pointer but no line (line 0): the caller places them, so that manifests
taken from the cache need not be re-parsed unless they have a problem.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence

from packaging.utils import canonicalize_name
from packaging.version import Version

from plugindex.diagnostics import Diagnostic, pointer
from plugindex.layout import overlapping, split_manifest_path, under_root
from plugindex.manifests.model import Facts
from plugindex.rules import diagnostic

_version = functools.lru_cache(maxsize=65536)(Version)
_canonical = functools.lru_cache(maxsize=None)(canonicalize_name)


def check_registry(
    manifests: Sequence[tuple[str, Facts]],
    other_paths: Sequence[str] = (),
    source_found: Mapping[str, bool] | None = None,
    names: Collection[str] | None = None,
) -> list[Diagnostic]:
    """Cross-manifest rules.

    ``manifests`` are the facts of the manifests (of well-formed ones, and of the valid fields
    of the others), with their paths;
    ``other_paths`` are manifest files that failed earlier stages (their plugin names still
    count as existing, so one broken file does not cascade into 'unknown plugin' errors
    elsewhere). ``source_found`` maps the path of each manifest with an in-repository source
    to whether that source directory exists (None: not checked). ``names`` are all the plugin
    names of the registry, when ``manifests`` are only some of its manifests.
    """
    found: list[Diagnostic] = []

    def report(rule_id: str, path: str, ptr: str, message: str) -> None:
        found.append(diagnostic(rule_id, path, 0, ptr, message))

    if names is None:
        names = {m.name for _, m in manifests}
        for path in other_paths:
            parts = split_manifest_path(path)
            if parts:
                names.add(parts[0])

    by_canonical: dict[str, set[str]] = defaultdict(set)
    for name in names:
        by_canonical[_canonical(name)].add(name)
    # Only groups of two or more names collide; in a healthy registry there are none.
    collisions = {name: sorted(group - {name}) for group in by_canonical.values()
                  if len(group) > 1 for name in group}
    versions: dict[tuple[str, Version], list[str]] = defaultdict(list)
    for path, m in manifests:
        clash = collisions.get(m.name)
        if clash:
            report("PI060", path, pointer("name"),
                   f"'{m.name}' and '{clash[0]}' are the same name after normalization")
        versions[(m.name, _version(m.version))].append(path)
        for name in m.requires:
            if name not in names and name != m.name:
                report("PI062", path, pointer("requires", "plugins", name),
                       f"no plugin named '{name}' in this registry")
        for name in m.conflicts:
            if name not in names and name != m.name:
                report("PI064", path, pointer("conflicts", name),
                       f"no plugin named '{name}' in this registry")
        replacement = m.replacement
        if replacement is not None and replacement != m.name and replacement not in names:
            report("PI063", path, pointer("deprecated", "replacement"),
                   f"no plugin named '{replacement}' in this registry")
        if (source_found is not None and m.source_kind == "path" and m.source_location
                and not source_found.get(path)):
            report("PI050", path, pointer("source", "path"),
                   f"'{m.source_location}' is not a directory in the repository")
    for paths in versions.values():
        if len(paths) > 1:
            for path in paths:
                other = next(p for p in paths if p != path)
                report("PI061", path, pointer("version"), f"same version as {other}")
    return sorted(found)


def shared_sources(manifests: Sequence[tuple[str, Facts]], roots: Sequence[str]
                   ) -> list[Diagnostic]:
    """PI069: two plugins whose in-repository sources are the same directory, or one inside
    the other. ``manifests``: every manifest of the registry with a path source (this rule is
    not scoped: a new plugin may take an unchanged plugin's directory); a directory outside
    ``roots`` is PI052's business and takes part in nothing here."""
    owners: dict[str, set[str]] = defaultdict(set)  # directory -> plugins
    for _, m in manifests:
        if m.source_kind == "path" and under_root(m.source_location, tuple(roots)):
            owners[m.source_location.strip("/")].add(m.name)
    # Sorted, a directory comes right before the directories inside it.
    directories = sorted(owners)
    shared: dict[str, set[str]] = defaultdict(set)  # directory -> the plugins sharing it
    for i, a in enumerate(directories):
        for b in directories[i:]:
            if not b.startswith(a):
                break
            plugins = owners[a] | owners[b]
            if overlapping(a, b) and len(plugins) > 1:
                shared[a] |= plugins
                shared[b] |= plugins
    found = []
    for path, m in manifests:
        if m.source_kind != "path":
            continue
        others = shared.get(m.source_location.strip("/"), set()) - {m.name}
        if others:
            found.append(diagnostic(
                "PI069", path, 0, pointer("source", "path"),
                f"'{m.source_location}' is also the source of {', '.join(sorted(others))}"))
    return sorted(found)
