"""The versions a scan or an audit works on: the valid manifests at a commit, with the commit
that published each one (an in-repository source is read at that commit)."""

from __future__ import annotations

from collections.abc import Sequence

from plugindex.adapters.gitrepo import GitRepo
from plugindex.config.registry import RegistryConfig
from plugindex.errors import UsageError
from plugindex.layout import SUBMISSIONS
from plugindex.manifests.history import apply_changes
from plugindex.scan.scanner import Target
from plugindex.validate.tree import at_commit
from plugindex.validate.validator import ManifestValidator


def versions_at(repo: GitRepo, head: str, registry: RegistryConfig) -> list[Target]:
    """Every valid manifest at ``head``, read through validate.tree (refused and invalid ones
    are plugindex validate's business: they are not scanned)."""
    files = at_commit(repo, repo.ls_tree(head, SUBMISSIONS), registry.limits.max_bytes)
    times, _ = apply_changes({}, repo.changes(head, None, SUBMISSIONS))
    validator = ManifestValidator(registry)
    targets = []
    for f in files:
        result = validator.check_file(f)
        if result.manifest is not None:
            published = times[f.path].published_commit if f.path in times else head
            targets.append(Target(f.path, result.manifest, published, f.data))
    return sorted(targets, key=lambda t: (t.manifest.name, t.manifest.parsed_version))


def changed_since(repo: GitRepo, base: str, targets: Sequence[Target], head: str
                  ) -> list[Target]:
    """The targets whose manifest is new or different since ``base``."""
    before = {e.path: e.oid for e in repo.ls_tree(repo.resolve(base), SUBMISSIONS)}
    now = {e.path: e.oid for e in repo.ls_tree(head, SUBMISSIONS)}
    return [t for t in targets if before.get(t.path) != now.get(t.path)]


def select(targets: Sequence[Target], requests: Sequence[str]) -> list[Target]:
    """NAME (every version) or NAME@VERSION; an unknown one is a usage error."""
    if not requests:
        return list(targets)
    chosen: list[Target] = []
    for request in requests:
        name, _, version = request.partition("@")
        found = [t for t in targets if t.manifest.name == name
                 and (not version or t.manifest.version == version)]
        if not found:
            raise UsageError(f"'{request}' is not a valid published version at this commit")
        chosen += [t for t in found if t not in chosen]
    return chosen
