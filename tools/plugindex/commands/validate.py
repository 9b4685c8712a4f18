"""plugindex validate: check manifests in the working tree with the same rules as CI."""

from __future__ import annotations

import argparse
import stat
import sys
from collections.abc import Mapping
from pathlib import Path

from plugindex.adapters.gitrepo import GitRepo, git_blob_id
from plugindex.adapters.usercache import user_store
from plugindex.config.registry import RegistryConfig, load_registry
from plugindex.diagnostics import Diagnostic, has_errors
from plugindex.errors import UsageError
from plugindex.layout import SUBMISSIONS, find_root, relative
from plugindex.manifests.schema import ResultStore
from plugindex.manifests.yamlsafe import load
from plugindex.report import render, summary
from plugindex.resolve.releases import release_from_manifest
from plugindex.validate.registry_rules import check_registry, shared_sources
from plugindex.validate.requirement_rules import check_requirements
from plugindex.validate.tree import files_under, is_gitlink, working_tree
from plugindex.validate.validator import ManifestValidator

SCHEMA_RESULTS = "schema-results"  # the user cache's directory of schema checks' results


def _requested(raw: str) -> list[Path]:
    """The files a command-line argument names: a directory's files, or the entry itself (a
    symlink is not followed, however long its target; a name the file system refuses is
    kept, for the reader to refuse as PI014; a nested repository is one entry)."""
    path = Path(raw)
    try:
        st = path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        raise UsageError(f"{raw}: no such file or directory") from None
    except OSError:
        return [path]
    if stat.S_ISDIR(st.st_mode) and not is_gitlink(path):
        return files_under(path)
    return [path]


def _is_dir(path: Path) -> bool:
    """Like Path.is_dir, but False, never an exception, for a name the system refuses."""
    try:
        return path.is_dir()
    except OSError:
        return False


def validate_tree(root: Path, registry: RegistryConfig, requested: list[Path] | None,
                  base: Mapping[str, str] | None = None,
                  store: ResultStore | None = None) -> tuple[list[Diagnostic], int]:
    """Validate the registry's manifests; report on ``requested`` files (default: all).

    ``base``: path -> blob id of the manifests already published (at the base of a pull
    request); a manifest identical to its published self is judged as published, any other
    as new (None: every manifest is new). ``store``: schema checks' results kept between runs.
    """
    validator = ManifestValidator(registry, store=store)
    everything = files_under(root / SUBMISSIONS)
    targets = everything if requested is None else requested
    wanted = {relative(root, p) for p in targets}
    files = working_tree(root, [*targets, *everything], registry.limits.max_bytes)
    results = [validator.check_file(f) for f in files]
    data = {f.path: f.data for f in files if f.refusal is None}
    published = {p for p, d in data.items() if base is not None and base.get(p) == git_blob_id(d)}
    diagnostics: list[Diagnostic] = []
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
        text = data.get(d.file)
        document = load(text, d.file, registry.limits).document if text is not None else None
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
    store = user_store(SCHEMA_RESULTS)
    registry = load_registry(root, store)
    base = published_at(root, args.base) if args.base else None
    requested = None
    if args.paths:
        requested = []
        for raw in args.paths:
            requested += _requested(raw)
    diagnostics, files = validate_tree(root, registry, requested, base, store)
    output = render(diagnostics, args.format, files)
    if output:
        print(output)
    print(summary(diagnostics, files), file=sys.stderr)
    return 1 if has_errors(diagnostics) else 0
