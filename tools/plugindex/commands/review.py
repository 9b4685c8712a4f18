"""plugindex review: the pull-request review of base...head (see review.py), as Markdown for
the comment or JSON for the trusted workflow. Exit status 0 when ready, 1 otherwise."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from plugindex.adapters.fsutil import write_atomic
from plugindex.adapters.gitrepo import GitRepo
from plugindex.build.builder import Builder
from plugindex.config.registry import RegistryConfig
from plugindex.diagnostics import Diagnostic
from plugindex.errors import UsageError
from plugindex.layout import INDEX_DIR, find_root, split_manifest_path
from plugindex.review.comment import render
from plugindex.review.gather import gather
from plugindex.review.verdict import READY, review
from plugindex.scan.scanner import RecordStore, Scanner, ScanOptions, diagnostics_of
from plugindex.scan.targets import changed_since, versions_at


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


def _scan(scratch: GitRepo, repo: GitRepo, registry: RegistryConfig, base: str, head: str,
          args: argparse.Namespace) -> tuple[list[Diagnostic], set[str]]:
    """The scan stage over the versions the pull request adds or changes: its problems and
    the records it wrote, in the scratch clone (never in this working tree, where a record
    would be a change to the registry's own files). No record is believed: a pull request
    cannot vouch for itself, and the scratch clone holds none."""
    targets = changed_since(repo, base, versions_at(repo, head, registry), head)
    store = RecordStore(scratch.root, trusted={})
    scanner = Scanner(repo, registry, store, ScanOptions(offline=args.offline,
                                                         osv_url=args.osv_url))
    found = [d for r in scanner.run(targets) for d in diagnostics_of(r, registry)]
    # A version whose source could not be fetched or scanned makes the review incomplete
    # (review.verdict.INCOMPLETE_RULES), never ready, whatever the registry's policy for
    # published versions says.
    return found, set(store.written)


def _scores(scratch: GitRepo, head: str, paths: list[str], records: set[str]
            ) -> tuple[list[Diagnostic], dict[str, tuple[int, str]]]:
    """Build the head's index in the scratch clone (this working tree, its index/v1 and its
    build cache are never touched) and read the changed versions' scores from it. The
    records the same run's scan wrote are committed on top of the head there first, so that
    a score measures the scan that was just made."""
    built = scratch.commit_on(head, records, "the review's scan records") if records else head
    outcome = Builder(scratch).build(built)
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
    scores: dict[str, tuple[int, str]] = {}
    with tempfile.TemporaryDirectory(prefix="plugindex-review-") as tmp:
        scratch = repo.scratch_clone(Path(tmp) / "head") if args.scan or args.score else None
        records: set[str] = set()
        if scratch is not None and args.scan:
            found, records = _scan(scratch, repo, gathered.registry, gathered.base,
                                   gathered.head, args)
            measured += found
        if scratch is not None and args.score:
            paths = [c.path for c in gathered.inputs.changes if split_manifest_path(c.path)]
            built, scores = _scores(scratch, gathered.head, paths, records)
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
