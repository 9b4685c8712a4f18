"""The pull-request review: what a change does, whether its author may do it, and one verdict.

Pure: ``review`` takes the files the pull request changes (against the merge base), the
manifests before and after, the registry's admins, the author, the validation results and
the lookalikes of new plugins, and returns a ``Review``. ``commands/review.py`` reads git.

Classification of each changed manifest (``submissions/<name>/<version>.yaml``):

- added: *new-plugin* (no version of the plugin on the base branch) or *new-version*;
- modified: *yank*, *deprecation* (or their undoing), when only ``yanked``/``deprecated``
  changed; anything else is *edited*, refused (PI082): published versions are immutable;
- deleted (a rename is a deletion plus an addition): *removed*, which only an admin may do.

Files under the in-repository source directory a changed manifest publishes (``source.path``)
belong to the submission; any other file outside ``submissions/`` is flagged (PI084).

Ownership: the author must be a maintainer of the plugin on the base branch (PI080); a new
plugin must list its author (PI081); so adding a maintainer needs an existing maintainer.
A new plugin's name with neighbours (PI085), a removal (PI083) and files outside
``submissions/`` (PI084) need an admin: the verdict is "needs admin" unless the author is one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from plugindex.diagnostics import Diagnostic, Severity
from plugindex.lookalikes import Lookalikes
from plugindex.manifest import split_manifest_path
from plugindex.rules import diagnostic

READY, NEEDS_CHANGES, NEEDS_ADMIN = "ready", "needs changes", "needs admin"
ADMIN_RULES = frozenset({"PI083", "PI084", "PI085"})
LIFECYCLE = ("yanked", "deprecated")


@dataclass(frozen=True)
class FileChange:
    status: str  # 'A', 'M' or 'D'
    path: str


@dataclass(frozen=True)
class ManifestChange:
    path: str
    plugin: str
    version: str
    kind: str  # new-plugin | new-version | yank | unyank | deprecation | undeprecation |
    #            edited | removed


@dataclass(frozen=True)
class Review:
    author: str
    verdict: str
    changes: tuple[ManifestChange, ...]
    outside: tuple[str, ...]  # changed files outside submissions/
    problems: tuple[Diagnostic, ...]
    lookalikes: Mapping[str, Lookalikes] = field(default_factory=dict)
    admin: bool = False
    scores: Mapping[str, tuple[int, str]] = field(default_factory=dict)  # path -> total, tier

    def labels(self) -> list[str]:
        kinds = {c.kind for c in self.changes}
        out = []
        if "new-plugin" in kinds:
            out.append("new-plugin")
        if "new-version" in kinds:
            out.append("new-version")
        if any(d.rule.startswith("PI07") and d.severity is Severity.ERROR
               for d in self.problems):  # a scan result the registry's policy blocks
            out.append("security-blocked")
        if self.verdict == NEEDS_ADMIN:
            out.append("needs-admin")
        if self.verdict == READY:
            out.append("ready-for-review")
        return out


def _lifecycle_kind(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    rest_before = {k: v for k, v in before.items() if k not in LIFECYCLE}
    rest_after = {k: v for k, v in after.items() if k not in LIFECYCLE}
    if rest_before != rest_after:
        return "edited"
    if bool(before.get("yanked")) != bool(after.get("yanked")):
        return "yank" if after.get("yanked") else "unyank"
    if bool(before.get("deprecated")) != bool(after.get("deprecated")):
        return "deprecation" if after.get("deprecated") else "undeprecation"
    return "edited" if before != after else "unchanged"


def _source_dirs(after: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...]:
    """The in-repository source directories the changed manifests publish (a plugin kept in
    the registry's repository brings its files with it)."""
    out = set()
    for manifest in after.values():
        source = manifest.get("source")
        path = source.get("path") if isinstance(source, Mapping) else None
        if isinstance(path, str) and path.strip("/") and ".." not in path.split("/"):
            out.add(path.strip("/") + "/")
    return tuple(sorted(out))


def maintainer_logins(manifest: Mapping[str, Any] | None) -> set[str]:
    """The GitHub logins (lower case) a manifest lists as maintainers."""
    return {str(m.get("github", "")).lower() for m in (manifest or {}).get("maintainers", [])
            if isinstance(m, Mapping)}


def review(changes: Sequence[FileChange], before: Mapping[str, Mapping[str, Any]],
           after: Mapping[str, Mapping[str, Any]], owners: Mapping[str, set[str]], author: str,
           admins: Sequence[str], validation: Sequence[Diagnostic] = (),
           lookalikes: Mapping[str, Lookalikes] | None = None,
           scores: Mapping[str, tuple[int, str]] | None = None) -> Review:
    """``before``/``after``: manifests by path at the merge base and the head; ``owners``: each
    plugin's maintainers (logins, lower case) on the base branch."""
    who = author.lower()
    admin = who in {a.lower() for a in admins}
    problems: list[Diagnostic] = list(validation)
    classified: list[ManifestChange] = []
    outside: list[str] = []
    sources = _source_dirs(after)
    for change in sorted(changes, key=lambda c: c.path):
        where = split_manifest_path(change.path)
        if where is None:
            if not any(change.path.startswith(d) for d in sources):
                outside.append(change.path)
            continue
        plugin, version = where
        if change.status == "A":
            kind = "new-version" if plugin in owners else "new-plugin"
        elif change.status == "D":
            kind = "removed"
        else:
            kind = _lifecycle_kind(before.get(change.path) or {}, after.get(change.path) or {})
            if kind == "unchanged":
                continue
        classified.append(ManifestChange(change.path, plugin, version, kind))
        if kind == "new-plugin":
            if who not in maintainer_logins(after.get(change.path)):
                problems.append(diagnostic(
                    "PI081", change.path, 1, "/maintainers",
                    f"'{author}' opened the pull request but is not among the maintainers"))
        elif who not in owners.get(plugin, set()):
            problems.append(diagnostic(
                "PI080", change.path, 1, "",
                f"'{author}' is not a maintainer of {plugin} (maintainers: "
                f"{', '.join(sorted(owners.get(plugin, set()))) or 'none'})"))
        if kind == "edited":
            problems.append(diagnostic("PI082", change.path, 1, "",
                                       f"{plugin} {version} is published; its manifest changed"))
        if kind == "removed":
            problems.append(diagnostic("PI083", change.path, 1, "",
                                       f"{plugin} {version} is removed"))
    for path in outside:
        problems.append(diagnostic("PI084", path, 1, "", f"{path} is outside submissions/"))
    found = dict(lookalikes or {})
    for name, similar in sorted(found.items()):
        if similar.neighbours and any(c.plugin == name and c.kind == "new-plugin"
                                      for c in classified):
            path = next(c.path for c in classified if c.plugin == name)
            problems.append(diagnostic(
                "PI085", path, 1, "/name", f"'{name}' is close to " + ", ".join(
                    f"{n.name} ({n.kind})" for n in similar.neighbours)))
    problems.sort()
    if any(d.severity is Severity.ERROR for d in problems):
        verdict = NEEDS_CHANGES
    elif not admin and any(d.rule in ADMIN_RULES for d in problems):
        verdict = NEEDS_ADMIN
    else:
        verdict = READY
    return Review(author, verdict, tuple(classified), tuple(outside), tuple(problems), found,
                  admin, dict(scores or {}))
