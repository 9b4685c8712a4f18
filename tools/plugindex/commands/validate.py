"""plugindex validate: check manifests in the working tree with the same rules as CI."""

from __future__ import annotations

import argparse
import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path

from plugindex.adapters.gitrepo import GitRepo, git_blob_id
from plugindex.config.registry import RegistryConfig, load_registry
from plugindex.diagnostics import Diagnostic, has_errors
from plugindex.errors import UsageError
from plugindex.layout import SUBMISSIONS, find_root, relative
from plugindex.manifests.yamlsafe import load
from plugindex.report import render, summary
from plugindex.resolve.releases import release_from_manifest
from plugindex.rules import diagnostic
from plugindex.validate.registry_rules import check_registry, shared_sources
from plugindex.validate.requirement_rules import check_requirements
from plugindex.validate.validator import FileResult, ManifestValidator


def _files_under(directory: Path) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found += [Path(dirpath) / f for f in sorted(filenames)]
    return found


def _requested(raw: str) -> list[Path]:
    """The files a command-line argument names: a directory's files, or the entry itself (a
    symlink is not followed, however long its target; a name the file system refuses is
    kept, for _read to report as PI014)."""
    path = Path(raw)
    try:
        st = path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        raise UsageError(f"{raw}: no such file or directory") from None
    except OSError:
        return [path]
    return _files_under(path) if stat.S_ISDIR(st.st_mode) else [path]


def _is_dir(path: Path) -> bool:
    """Like Path.is_dir, but False, never an exception, for a name the system refuses."""
    try:
        return path.is_dir()
    except OSError:
        return False


def _read(path: Path, rel: str, registry: RegistryConfig) -> bytes | Diagnostic:
    try:
        st = path.lstat()
    except OSError as exc:
        return diagnostic("PI014", rel, 1, "", f"cannot read the file: {exc.strerror}")
    if stat.S_ISLNK(st.st_mode):
        return diagnostic("PI014", rel, 1, "", "the manifest is a symlink")
    if not stat.S_ISREG(st.st_mode):
        return diagnostic("PI014", rel, 1, "", "the manifest is not a regular file")
    if st.st_size > registry.limits.max_bytes:
        return diagnostic("PI001", rel, 1, "", f"file is {st.st_size} bytes; the limit is "
                          f"{registry.limits.max_bytes} bytes")
    with open(path, "rb") as f:
        return f.read(registry.limits.max_bytes + 1)


def validate_tree(root: Path, registry: RegistryConfig, requested: list[Path] | None,
                  base: Mapping[str, str] | None = None) -> tuple[list[Diagnostic], int]:
    """Validate the registry's manifests; report on ``requested`` files (default: all).

    ``base``: path -> blob id of the manifests already published (at the base of a pull
    request); a manifest identical to its published self is judged as published, any other
    as new (None: every manifest is new).
    """
    validator = ManifestValidator(registry)
    everything = _files_under(root / SUBMISSIONS)
    targets = everything if requested is None else requested
    wanted = {relative(root, p) for p in targets}
    results: list[FileResult] = []
    diagnostics: list[Diagnostic] = []
    seen: set[str] = set()
    published: set[str] = set()
    for path in [*targets, *everything]:
        rel = relative(root, path)
        if rel in seen:
            continue
        seen.add(rel)
        if requested is None and not rel.endswith(".yaml") and rel != f"{SUBMISSIONS}/README.md":
            diagnostics.append(diagnostic(
                "PI030", rel, 1, "", "only <version>.yaml manifests belong in submissions/"))
            continue
        if not rel.endswith(".yaml") and rel not in wanted:
            continue
        data = _read(path, rel, registry)
        if isinstance(data, Diagnostic):
            results.append(FileResult(rel, None, (data,)))
        else:
            results.append(validator.check(rel, data))
            if base is not None and base.get(rel) == git_blob_id(data):
                published.add(rel)
    known = [(r.path, r.facts) for r in results if r.facts is not None]
    found = {
        path: _is_dir(root / facts.source_location)
        for path, facts in known if facts.source_kind == "path" and facts.source_location
    }
    cross = check_registry(known, [r.path for r in results if r.facts is None], found)
    cross += shared_sources(known, registry.path_source_roots)
    releases = []
    for r in results:
        if r.manifest is not None:
            try:
                releases.append((r.path, release_from_manifest(r.manifest.data)))
            except ValueError:  # an invalid version or range: reported by its own rule
                continue
    cross += check_requirements(releases, {p for p, _ in releases if p not in published},
                                registry.host_versions)
    for d in cross:
        document = load((root / d.file).read_bytes(), d.file, registry.limits).document
        line = document.line_of(d.pointer) if document else 1
        diagnostics.append(Diagnostic(d.file, line, d.rule, d.pointer, d.message, d.hint,
                                      d.severity))
    diagnostics += [d for r in results for d in r.diagnostics]
    return sorted(d for d in diagnostics if d.file in wanted), len(wanted)


def published_at(root: Path, rev: str) -> dict[str, str]:
    """path -> blob id of each file of submissions/ at ``rev``."""
    repo = GitRepo(root)
    return {e.path: e.oid for e in repo.ls_tree(repo.resolve(rev), SUBMISSIONS)
            if e.kind == "blob"}


def run(args: argparse.Namespace) -> int:
    root = find_root(args.root)
    registry = load_registry(root)
    base = published_at(root, args.base) if args.base else None
    requested = None
    if args.paths:
        requested = []
        for raw in args.paths:
            requested += _requested(raw)
    diagnostics, files = validate_tree(root, registry, requested, base)
    output = render(diagnostics, args.format, files)
    if output:
        print(output)
    print(summary(diagnostics, files), file=sys.stderr)
    return 1 if has_errors(diagnostics) else 0
