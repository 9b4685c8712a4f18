"""plugindex publish-review: the trusted half of the pull-request review.

Run by the base branch's own workflow (workflow_run), never with the pull request's code, and
decides from facts it computes itself:

- the pull request is the open one whose head is the commit the workflow_run event names
  (``--head-sha``); its number, author and changed files come from the GitHub API, never from
  the artifact;
- ownership, immutability, files outside submissions/, names and the validation of the changed
  manifests are recomputed here with the base branch's code, reading the head commit as data
  (it must have been fetched, never checked out);
- from the untrusted workflow's result (size-capped, checked against
  schemas/review.v2.schema.json) only what needs that workflow is taken: the scan and build
  findings and the scores, shown as such. They can only make the verdict worse. A result that
  is missing, malformed, names another commit, pull request or author, or claims other changes
  or a better verdict than the trusted review is itself a problem (PI088): the status fails.

Then it renders the comment itself and posts it, the labels and the commit status.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from plugindex.adapters.github import (
    API_URL,
    MANAGED_LABELS,
    PullFacts,
    head_approvals,
    publish_review,
    pull_of_commit,
)
from plugindex.adapters.gitrepo import GitRepo
from plugindex.diagnostics import Diagnostic
from plugindex.errors import EnvironmentProblem
from plugindex.layout import find_root
from plugindex.manifests.schema import SchemaChecker
from plugindex.review.comment import MARKER, markdown, measurements_from_json
from plugindex.review.gather import gather
from plugindex.review.verdict import (
    INCOMPLETE,
    NEEDS_ADMIN,
    NEEDS_CHANGES,
    READY,
    VERDICTS,
    Review,
    review,
)
from plugindex.rules import diagnostic

MAX_BYTES = 1_000_000
RESULT_SCHEMA = "review.v2.schema.json"
STATES = {READY: "success", NEEDS_ADMIN: "pending", INCOMPLETE: "pending",
          NEEDS_CHANGES: "failure"}
RANK = {verdict: len(VERDICTS) - 1 - i for i, verdict in enumerate(VERDICTS)}  # worse: higher


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--head-sha", required=True, metavar="SHA",
                   help="the pull request's head commit, from the workflow_run event "
                   "(fetched into this repository as data; never checked out)")
    p.add_argument("--base", default="HEAD", metavar="REF",
                   help="the base branch as the trusted workflow checked it out (default: HEAD)")
    p.add_argument("--result", type=Path, metavar="FILE",
                   help="the JSON the pull request's workflow uploaded (plugindex review "
                   "--format json); missing or unreadable: the review fails (PI088)")
    p.add_argument("--repository", required=True, metavar="OWNER/NAME")
    p.add_argument("--api-url", default=API_URL)
    p.add_argument("--artifact-url", default="the workflow run's artifacts",
                   help="where the full report is, for a comment cut to GitHub's limit")


def read_result(path: Path | None) -> tuple[dict[str, Any] | None, str | None]:
    """(the result, None) or (None, why it cannot be used)."""
    if path is None:
        return None, "the pull request's workflow left no result"
    try:
        if path.stat().st_size > MAX_BYTES:
            return None, f"its result is larger than {MAX_BYTES} bytes"
        data = json.loads(path.read_bytes())
    except OSError as exc:
        return None, f"its result cannot be read ({exc.strerror})"
    except ValueError:
        return None, "its result is not JSON"
    if not SchemaChecker.named(RESULT_SCHEMA).is_valid(data):
        return None, f"its result does not match schemas/{RESULT_SCHEMA}"
    return data, None


def disagreements(data: dict[str, Any], trusted: Review, facts: PullFacts) -> list[str]:
    """Where the untrusted result contradicts the trusted facts and review."""
    out = []
    if data["head"] != facts.head_sha:
        out.append(f"it reviewed commit {str(data['head'])[:12]}, not the head "
                   f"{facts.head_sha[:12]}")
    if data["pr"] is not None and data["pr"] != facts.number:
        out.append(f"it names pull request #{data['pr']}, not #{facts.number}")
    if str(data["author"]).lower() != facts.author.lower():
        out.append(f"it names the author '{data['author']}', not '{facts.author}'")
    claimed = {(c["path"], c["kind"]) for c in data["changes"]}
    actual = {(c.path, c.kind) for c in trusted.changes}
    if claimed != actual:
        out.append(f"it lists {len(claimed)} manifest change(s) where there are "
                   f"{len(actual)} ({len(claimed ^ actual)} differ)")
    if set(data["outside"]) != set(trusted.outside):
        out.append("it lists other files outside submissions/")
    if RANK.get(data["verdict"], 0) < RANK[trusted.verdict]:
        out.append(f"it claims '{data['verdict']}' where the review is '{trusted.verdict}'")
    return out


def run(args: argparse.Namespace) -> int:
    root = find_root(args.root)
    repo = GitRepo(root)
    token = os.environ.get("GITHUB_TOKEN")
    facts = pull_of_commit(args.repository, args.head_sha, token, args.api_url)
    if not repo.commit_exists(facts.head_sha):
        raise EnvironmentProblem(f"commit {facts.head_sha} is not in this repository: fetch "
                                 "the pull request's head first (git fetch origin SHA)")
    gathered = gather(root, repo, args.base, facts.head_sha, facts.author, facts.files)
    trusted = review(gathered.inputs)
    data, unusable = read_result(args.result)
    measured: list[Diagnostic] = []
    scores: dict[str, tuple[int, str]] = {}
    if data is not None:
        measured, scores = measurements_from_json(data)
        found = disagreements(data, trusted, facts)
        unusable = "; ".join(found) if found else None
    if unusable is not None:
        measured.append(diagnostic("PI088", "", 0, "",
                                   f"the pull request's workflow result disagreed: {unusable}"))
    # An admin's approval of exactly this head clears what needs an admin (CONTRIBUTING.md)
    approved = head_approvals(args.repository, facts.number, facts.head_sha, token,
                              args.api_url)
    final = review(gathered.inputs, measured, scores, approved)
    body = markdown(final, args.artifact_url)
    state = STATES[final.verdict]
    description = ("plugindex: the pull request's artifact disagreed" if unusable
                   else f"plugindex: {final.verdict}")
    labels = [label for label in final.labels() if label in MANAGED_LABELS]
    done = publish_review(args.repository, facts.number, facts.head_sha, body, MARKER, labels,
                          state, description, token, args.api_url)
    print(f"{done} the review of #{facts.number}: {final.verdict}"
          + (f" ({unusable})" if unusable else ""))
    return 0
