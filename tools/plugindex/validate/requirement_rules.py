"""Rules on whether a manifest's plugin requirements can be met by the registry's versions.

PI065: a new manifest has a requirement that no published version can meet on any host the
manifest supports (or no host on which all of them can be met): it could never be installed.
PI066: a new manifest's requirement is met only by yanked or deprecated versions.
PI067: a published manifest's requirement can no longer be met (a dependency was yanked or
changed after it was published; an exact pin of a yanked version still installs it): a
warning, since the manifest itself did not change.
A requirement on a plugin that does not exist is PI062's, not repeated here.

Findings carry a pointer but no line (line 0): the caller places them, as for crosschecks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from plugindex.diagnostics import Diagnostic, pointer
from plugindex.resolve.installability import (
    DEPRECATED,
    MISSING,
    NO_MATCH,
    YANKED,
    RequirementChecker,
)
from plugindex.resolve.resolver import Release, Want
from plugindex.rules import diagnostic

_SHOWN = 8  # versions listed in a message


def check_requirements(manifests: Sequence[tuple[str, Release]], new: Collection[str],
                       hosts: Sequence[str]) -> list[Diagnostic]:
    """``manifests``: (path, release) of every well-formed manifest of the registry (the
    'published versions'); ``new``: the paths judged as new submissions."""
    by_name: dict[str, list[Release]] = defaultdict(list)
    for _, release in manifests:
        by_name[release.name].append(release)
    checker = RequirementChecker(by_name.get, hosts)
    found: list[Diagnostic] = []
    for path, release in manifests:
        supported = checker.supported(release.host)
        if not supported or not release.requires:
            continue  # no host at all is PI045's
        is_new = path in new
        rows = [(plugin, spec, checker.verdicts(plugin, spec))
                for plugin, spec in release.requires]
        blocked = False
        for plugin, spec, by_host in rows:
            verdicts = {by_host[host] for host in supported}
            if "" in verdicts or MISSING in verdicts:
                continue
            ptr = pointer("requires", "plugins", plugin)
            if DEPRECATED in verdicts:
                if is_new:
                    found.append(diagnostic("PI066", path, 0, ptr, (
                        f"only deprecated versions of {plugin} are in '{spec}': "
                        f"{_versions(by_name[plugin], spec, 'deprecated')}")))
                continue
            if YANKED in verdicts:
                shown = _versions(by_name[plugin], spec, "yanked")
                if is_new:
                    found.append(diagnostic("PI066", path, 0, ptr, (
                        f"only yanked versions of {plugin} are in '{spec}': {shown}")))
                elif not any(Want(plugin, spec).pins(r.version) for r in by_name[plugin]):
                    # An exact pin still installs a yanked version (PEP 592); a range does not.
                    found.append(diagnostic("PI067", path, 0, ptr, (
                        f"every version of {plugin} in '{spec}' has been yanked: {shown}")))
                continue
            blocked = True
            found.append(diagnostic("PI065" if is_new else "PI067", path, 0, ptr,
                                    _why_unmet(plugin, spec, verdicts, by_name[plugin],
                                               supported)))
        missing = any(by_host[supported[0]] == MISSING for _, _, by_host in rows)
        together = any(all(by_host[host] in ("", DEPRECATED, YANKED) for _, _, by_host in rows)
                       for host in supported)
        if not blocked and not missing and not together:
            found.append(diagnostic(
                "PI065" if is_new else "PI067", path, 0, pointer("requires", "plugins"),
                "each requirement can be met on some host version, but on none of "
                f"{', '.join(supported)} can all of them"))
    return sorted(found)


def _versions(releases: Sequence[Release], spec: SpecifierSet, which: str | None = None
              ) -> str:
    chosen = sorted(
        (r for r in releases if spec.contains(r.version, prereleases=True)
         and (which is None or getattr(r, which))),
        key=lambda r: r.version)
    shown = ", ".join(r.shown for r in chosen[-_SHOWN:])
    return ("..., " if len(chosen) > _SHOWN else "") + (shown or "none")


def _why_unmet(plugin: str, spec: SpecifierSet, verdicts: set[str],
               releases: Sequence[Release], hosts: Sequence[str]) -> str:
    if verdicts == {NO_MATCH}:
        published = sorted(releases, key=lambda r: r.version)
        shown = ", ".join(r.shown for r in published[-_SHOWN:])
        return (f"no published version of {plugin} is in '{spec}' "
                f"(published: {'..., ' if len(published) > _SHOWN else ''}{shown})")
    matching = [r for r in releases if spec.contains(r.version, prereleases=True)
                and not r.yanked]
    ranges = sorted({f"{r.shown}: host '{r.host}'" for r in matching},
                    key=lambda s: Version(s.split(":")[0]))
    return (f"the versions of {plugin} in '{spec}' support none of this version's host "
            f"versions ({', '.join(hosts)}): {'; '.join(ranges[-_SHOWN:])}")
