"""The pull-request review: what a change does, whether its author may do it, and one verdict.

Pure: ``review`` takes a ``ReviewInputs`` (the files the pull request changes against the
merge base, the manifests before and after, each plugin's maintainers and in-repository
source directory on the base branch, the registry's admins and path-source roots, the
author, the validation results and the lookalikes of new plugins) and returns a ``Review``.
``reviewgather`` reads git to make the inputs; ``commands/review.py`` (the untrusted
workflow's view) and ``commands/publish_review.py`` (the trusted workflow's) order the stages.

Classification of each changed manifest (``submissions/<name>/<version>.yaml``):

- added: *new-plugin* (no version of the plugin on the base branch) or *new-version*;
- modified: *yank*, *deprecation* (or their undoing), when only ``yanked``/``deprecated``
  changed; *reformatted* when the bytes changed but not what they say; anything else is
  *edited*, refused (PI082): published versions are immutable;
- deleted (a rename is a deletion plus an addition): *removed*, which only an admin may do.

Every changed manifest, however small the change, is checked for ownership: the author must
be a maintainer of the plugin on the base branch (PI080); a new plugin must list its author
(PI081); so adding a maintainer needs an existing maintainer.

Other files under ``submissions/`` are refused (PI030: only ``<version>.yaml`` manifests
belong there). A file under the in-repository source directory that an added manifest
publishes belongs to that submission, but only when the directory lies under one of the
registry's path-source roots and is no other plugin's (PI069); a file under a plugin's source
directory without a new version of that plugin is PI086. Every other file, and always the
registry's own paths (``.github/``, ``tools/``, ``index/``, ``registry.yaml``, ...), is
outside (PI084). A new plugin's name with neighbours (PI085), a removal (PI083) and files
outside (PI084) need an admin: the verdict is "needs admin" unless the author is one.

Measurements only the untrusted workflow can make (scan findings, scores) are kept apart
(``measured``): they count towards the verdict, so they can make it worse, never better.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from plugindex.diagnostics import Diagnostic, Severity, escape_pointer_token
from plugindex.layout import (
    SUBMISSION_EXTRAS,
    SUBMISSIONS,
    is_within,
    overlapping,
    protected,
    split_manifest_path,
    under_root,
)
from plugindex.rules import diagnostic
from plugindex.search.lookalikes import Lookalikes

READY, NEEDS_CHANGES, NEEDS_ADMIN = "ready", "needs changes", "needs admin"
INCOMPLETE = "incomplete"
# Worst first: what the author must fix, then a scan that could not run (nobody can approve
# what was never scanned), then what an admin decides.
VERDICTS = (NEEDS_CHANGES, INCOMPLETE, NEEDS_ADMIN, READY)
ADMIN_RULES = frozenset({"PI083", "PI084", "PI085"})
# A changed version whose source was not fetched (PI071) or has no scan (PI077): the review
# is incomplete, never ready, until a run can scan it.
INCOMPLETE_RULES = frozenset({"PI071", "PI077"})
# What only a measurement of the head can find (the scan of a source, the registry-wide rules of
# a build): the trusted workflow takes these from the untrusted one's result, as measurements.
MEASURED_RULES = frozenset({"PI050", *(f"PI0{n}" for n in range(60, 69)),
                            *(f"PI0{n}" for n in range(70, 78))})
LIFECYCLE = ("yanked", "deprecated")


@dataclass(frozen=True)
class FileChange:
    status: str  # 'A', 'M' or 'D'
    path: str
    mode: str = "100644"  # at the head ('' when deleted): 120000 symlink, 160000 submodule


@dataclass(frozen=True)
class ManifestChange:
    path: str
    plugin: str
    version: str
    kind: str  # new-plugin | new-version | yank | unyank | deprecation | undeprecation |
    #            reformatted | edited | removed


@dataclass(frozen=True)
class FieldChange:
    """One field of a published manifest that a pull request changes (JSON pointer; None:
    absent on that side)."""

    pointer: str
    before: Any
    after: Any


_ABSENT = object()


def _leaves(value: Any, at: str = "") -> dict[str, Any]:
    """Every leaf of a manifest by JSON pointer (objects and lists walked)."""
    if isinstance(value, Mapping) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_leaves(item, f"{at}/{escape_pointer_token(str(key))}"))
        return out
    if isinstance(value, list) and value:
        out = {}
        for i, item in enumerate(value):
            out.update(_leaves(item, f"{at}/{i}"))
        return out
    return {at or "/": value}


def field_diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    """What changed between two versions of a manifest, leaf by leaf, in pointer order."""
    old, new = _leaves(before), _leaves(after)
    return tuple(FieldChange(p, old.get(p), new.get(p)) for p in sorted(old.keys() | new.keys())
                 if old.get(p, _ABSENT) != new.get(p, _ABSENT))


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
    measured: tuple[Diagnostic, ...] = ()  # by the untrusted workflow (scan, build)
    approved_by: tuple[str, ...] = ()  # admins whose review approved exactly the head commit
    # path -> what changed in a published manifest (yank, deprecation, an edit), field by field
    diffs: Mapping[str, tuple[FieldChange, ...]] = field(default_factory=dict)

    def labels(self) -> list[str]:
        kinds = {c.kind for c in self.changes}
        out = []
        if "new-plugin" in kinds:
            out.append("new-plugin")
        if "new-version" in kinds:
            out.append("new-version")
        # a scan result the registry's policy blocks
        if any(d.rule.startswith("PI07") and d.severity is Severity.ERROR
               for d in (*self.problems, *self.measured)):
            out.append("security-blocked")
        if self.verdict == NEEDS_ADMIN:
            out.append("needs-admin")
        if self.verdict == INCOMPLETE:
            out.append("scan-incomplete")
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
    return "edited" if before != after else "reformatted"


def source_path(manifest: Mapping[str, Any] | None) -> str | None:
    """The in-repository source directory a manifest names (stripped of slashes), if any."""
    source = (manifest or {}).get("source")
    path = source.get("path") if isinstance(source, Mapping) else None
    return path.strip("/") if isinstance(path, str) and path.strip("/") else None


def maintainer_logins(manifest: Mapping[str, Any] | None) -> set[str]:
    """The GitHub logins (lower case) a manifest lists as maintainers."""
    return {str(m.get("github", "")).lower() for m in (manifest or {}).get("maintainers", [])
            if isinstance(m, Mapping)}


@dataclass(frozen=True)
class ReviewInputs:
    """Everything the review decides from, computed from trusted facts."""

    author: str
    changes: tuple[FileChange, ...]
    before: Mapping[str, Mapping[str, Any]]  # manifests by path at the merge base
    after: Mapping[str, Mapping[str, Any]]  # manifests by path at the head
    owners: Mapping[str, set[str]]  # plugin -> maintainers (logins, lower case), on the base
    sources: Mapping[str, str] = field(default_factory=dict)  # directory -> plugin, on the base
    admins: tuple[str, ...] = ()
    roots: tuple[str, ...] = ()  # the registry's path-source roots
    validation: tuple[Diagnostic, ...] = ()
    lookalikes: Mapping[str, Lookalikes] = field(default_factory=dict)


def _owner_of(path: str, sources: Mapping[str, str]) -> str | None:
    """The plugin whose in-repository source directory holds ``path`` on the base branch."""
    return next((plugin for d, plugin in sources.items() if is_within(path, d)), None)


def _verdict(problems: Sequence[Diagnostic], admin: bool) -> str:
    if any(d.severity is Severity.ERROR and d.rule not in INCOMPLETE_RULES for d in problems):
        return NEEDS_CHANGES
    if any(d.rule in INCOMPLETE_RULES for d in problems):
        return INCOMPLETE
    if not admin and any(d.rule in ADMIN_RULES for d in problems):
        return NEEDS_ADMIN
    return READY


def review(inputs: ReviewInputs, measured: Sequence[Diagnostic] = (),
           scores: Mapping[str, tuple[int, str]] | None = None,
           approvals: Sequence[str] = ()) -> Review:
    """The review of a pull request. ``measured``: problems found by measurements of the
    untrusted workflow (scan, build); they count towards the verdict (never in its favour).
    ``approvals``: the logins whose GitHub review approved exactly the head commit (the
    trusted workflow asks GitHub); one of the registry's admins among them clears what
    needs an admin (PI083, PI084, PI085), nothing else."""
    author, owners, after = inputs.author, inputs.owners, inputs.after
    who = author.lower()
    admin = who in {a.lower() for a in inputs.admins}
    problems: list[Diagnostic] = list(inputs.validation)
    classified: list[ManifestChange] = []
    others: list[FileChange] = []
    for change in sorted(inputs.changes, key=lambda c: c.path):
        where = split_manifest_path(change.path)
        if where is None:
            others.append(change)
            continue
        plugin, version = where
        if change.status != "D" and change.mode != "100644":
            what = {"120000": "a symlink", "160000": "a submodule", "100755": "an executable"}
            problems.append(diagnostic("PI014", change.path, 1, "",
                                       f"the manifest is {what.get(change.mode, 'not a file')}"))
        if change.status == "A":
            kind = "new-version" if plugin in owners else "new-plugin"
        elif change.status == "D":
            kind = "removed"
        else:
            kind = _lifecycle_kind(inputs.before.get(change.path) or {},
                                   after.get(change.path) or {})
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
    problems += _source_problems(classified, inputs)
    outside = _other_files(others, classified, inputs, problems)
    for path in outside:
        place = "one of the registry's own files" if protected(path) else "outside submissions/"
        problems.append(diagnostic("PI084", path, 1, "", f"{path} is {place}"))
    found = dict(inputs.lookalikes)
    for name, similar in sorted(found.items()):
        if similar.neighbours and any(c.plugin == name and c.kind == "new-plugin"
                                      for c in classified):
            path = next(c.path for c in classified if c.plugin == name)
            problems.append(diagnostic(
                "PI085", path, 1, "/name", f"'{name}' is close to " + ", ".join(
                    f"{n.name} ({n.kind})" for n in similar.neighbours)))
    problems.sort()
    extra = tuple(sorted(measured))
    admins = {a.lower() for a in inputs.admins}
    approved_by = tuple(sorted(a for a in approvals if a.lower() in admins and a.lower() != who))
    diffs = {c.path: field_diff(inputs.before.get(c.path) or {}, after.get(c.path) or {})
             for c in classified if c.kind not in ("new-plugin", "new-version", "removed")}
    return Review(author, _verdict([*problems, *extra], admin or bool(approved_by)),
                  tuple(classified), tuple(outside), tuple(problems), found, admin,
                  dict(scores or {}), extra, approved_by, diffs)


def _submitted_sources(classified: Sequence[ManifestChange], inputs: ReviewInputs
                       ) -> dict[str, str]:
    """directory -> plugin: the in-repository sources that manifests added here publish,
    where they may (under a path-source root, no other plugin's directory)."""
    out: dict[str, str] = {}
    for c in classified:
        directory = source_path(inputs.after.get(c.path)) if c.kind in (
            "new-plugin", "new-version") else None
        if directory is None or not under_root(directory, inputs.roots):
            continue
        if any(overlapping(directory, d) and p != c.plugin for d, p in inputs.sources.items()):
            continue
        out[directory] = c.plugin
    return out


def _source_problems(classified: Sequence[ManifestChange], inputs: ReviewInputs
                     ) -> list[Diagnostic]:
    """PI069 for an added manifest whose source directory is another plugin's."""
    out = []
    for c in classified:
        directory = source_path(inputs.after.get(c.path)) if c.kind in (
            "new-plugin", "new-version") else None
        if directory is None:
            continue
        taken = sorted({p for d, p in inputs.sources.items()
                        if overlapping(directory, d) and p != c.plugin})
        if taken:
            out.append(diagnostic("PI069", c.path, 1, "/source/path",
                                  f"'{directory}' is the source of {', '.join(taken)}"))
    return out


def _other_files(others: Sequence[FileChange], classified: Sequence[ManifestChange],
                 inputs: ReviewInputs, problems: list[Diagnostic]) -> list[str]:
    """Sort the changed files that are not manifests: part of a submission, refused (PI030,
    PI086, appended to ``problems``), or outside (returned)."""
    submitted = _submitted_sources(classified, inputs)
    outside: list[str] = []
    for change in others:
        path = change.path
        if is_within(path, SUBMISSIONS) and path not in SUBMISSION_EXTRAS:
            if change.status != "D":
                problems.append(diagnostic(
                    "PI030", path, 1, "",
                    f"'{path}' is not a manifest at submissions/<name>/<version>.yaml"))
            else:
                outside.append(path)
            continue
        if protected(path):
            outside.append(path)
            continue
        if any(is_within(path, d) for d in submitted):
            continue
        plugin = _owner_of(path, inputs.sources)
        if plugin is not None:
            problems.append(diagnostic(
                "PI086", path, 1, "",
                f"{path} is in the source of {plugin}, and the pull request publishes no new "
                f"version of {plugin}" + ("" if inputs.author.lower() in inputs.owners.get(
                    plugin, set()) else f" ('{inputs.author}' is not one of its maintainers)")))
            continue
        outside.append(path)
    return outside
