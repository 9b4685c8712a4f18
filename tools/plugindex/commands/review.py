"""plugindex review: the pull-request review of base...head (see review.py), as Markdown for
the comment or JSON for the trusted workflow. Exit status 0 when ready, 1 otherwise."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from plugindex.adapters.fsutil import write_atomic
from plugindex.adapters.gitrepo import GitRepo
from plugindex.build.builder import Builder
from plugindex.config.registry import RegistryConfig
from plugindex.diagnostics import Diagnostic, Severity
from plugindex.errors import UsageError
from plugindex.layout import INDEX_DIR, RECORDS_DIR, find_root, split_manifest_path
from plugindex.review.comment import render
from plugindex.review.gather import gather
from plugindex.review.verdict import READY, review
from plugindex.scan.scanner import RecordStore, Scanner, ScanOptions, diagnostics_of
from plugindex.scan.targets import changed_since, versions_at

UNSCANNED = frozenset({"PI071", "PI077"})  # the source was not fetched; there is no scan


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--base", required=True, metavar="REF", help="the branch the pull request "
                   "targets (its merge base with --head is compared)")
    p.add_argument("--head", default="HEAD", metavar="REF")
    p.add_argument("--author", metavar="LOGIN", help="the pull request's author (default: "
                   "$GITHUB_ACTOR)")
    p.add_argument("--pr", type=int, metavar="NUMBER",
                   help="the pull request's number, recorded in the JSON result (the trusted "
                   "workflow checks it against the one GitHub names)")
    p.add_argument("--output", metavar="FILE", help="write the report here (default: stdout)")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    p.add_argument("--markdown", metavar="FILE", help="also write the Markdown report here "
                   "(with --format json: both from one run)")
    p.add_argument("--scan", action="store_true",
                   help="also scan the changed versions (bandit, permissions, dependency "
                   "audit; only what changed, trusting only the base branch's records)")
    p.add_argument("--offline", action="store_true",
                   help="with --scan: fetch nothing (sources outside the repository and the "
                   "audit are reported as skipped)")
    p.add_argument("--osv-url", metavar="URL", help="with --scan: the advisory service")
    p.add_argument("--score", action="store_true",
                   help="also build the index of the head (in a scratch clone: the working "
                   "tree is not touched) and show each changed version's quality score; the "
                   "build's problems with the changed manifests (requirements, resolution) "
                   "count too")


def _scan(root: Path, repo: GitRepo, registry: RegistryConfig, base: str, head: str,
          args: argparse.Namespace) -> list[Diagnostic]:
    """The scan stage over the versions the pull request adds or changes; scan records are
    believed only as the base branch has them (a pull request cannot vouch for itself)."""
    targets = changed_since(repo, base, versions_at(repo, head, registry), head)
    trusted = {e.path: e.oid for e in repo.ls_tree(base, RECORDS_DIR) if e.kind == "blob"}
    scanner = Scanner(repo, registry, RecordStore(root, trusted),
                      ScanOptions(offline=args.offline, osv_url=args.osv_url))
    found = [d for r in scanner.run(targets) for d in diagnostics_of(r, registry)]
    # A version whose source could not be fetched or scanned is not ready: it needs changes
    # (or a later run) until it can be scanned, whatever the registry's policy for published
    # versions says.
    return [replace(d, severity=Severity.ERROR) if d.rule in UNSCANNED else d for d in found]


def _scores(repo: GitRepo, head: str, paths: list[str]
            ) -> tuple[list[Diagnostic], dict[str, tuple[int, str]]]:
    """Build the head's index in a scratch clone (this working tree, its index/v1 and its
    build cache are never touched) and read the changed versions' scores from it."""
    with tempfile.TemporaryDirectory(prefix="plugindex-review-") as tmp:
        scratch = repo.scratch_clone(Path(tmp) / "head")
        outcome = Builder(scratch).build(head)
        problems = [d for d in outcome.diagnostics if d.file in paths]
        scores: dict[str, tuple[int, str]] = {}
        if not outcome.ok:
            return problems, scores
        for path in paths:
            where = split_manifest_path(path)
            detail = scratch.root / INDEX_DIR / "plugins" / f"{where[0]}.json" if where else None
            if detail is None or not detail.is_file():
                continue
            for v in json.loads(detail.read_bytes())["versions"]:
                if v.get("manifest_path") == path and v.get("score"):
                    scores[path] = (int(v["score"]["total"]), str(v["score"]["tier"]))
        return problems, scores


def run(args: argparse.Namespace) -> int:
    author = args.author or os.environ.get("GITHUB_ACTOR")
    if not author:
        raise UsageError("give --author LOGIN (the pull request's author)")
    root = find_root(args.root)
    repo = GitRepo(root)
    gathered = gather(root, repo, args.base, args.head, author)
    measured: list[Diagnostic] = []
    if args.scan:
        measured += _scan(root, repo, gathered.registry, gathered.base, gathered.head, args)
    scores: dict[str, tuple[int, str]] = {}
    if args.score:
        paths = [c.path for c in gathered.inputs.changes if split_manifest_path(c.path)]
        built, scores = _scores(repo, gathered.head, paths)
        measured += [d for d in built if d not in gathered.inputs.validation]
    result = review(gathered.inputs, measured, scores)
    text = render(result, args.format, head=gathered.head, pr=args.pr)
    if args.markdown:
        write_atomic(Path(args.markdown), render(result, "markdown").encode())
    if args.output:
        write_atomic(Path(args.output), text.encode())
    else:
        print(text, end="")
    return 0 if result.verdict == READY else 1
