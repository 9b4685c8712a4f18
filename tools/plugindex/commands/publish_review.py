"""plugindex publish-review: the trusted half of the pull-request review.

Run by the base branch's own workflow (workflow_run), never with the pull request's code. It
reads the untrusted review's JSON as data (size-capped and checked against
schemas/review.v1.schema.json), re-derives the pull request's author and changed files from
the API and refuses a result that disagrees with them, renders the comment itself, and
posts the comment, the labels and the commit status.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from plugindex.errors import UsageError
from plugindex.github import API_URL, MANAGED_LABELS, publish_review, pull_facts
from plugindex.review import NEEDS_ADMIN, READY
from plugindex.reviewreport import MARKER, markdown, review_from_json
from plugindex.schema import SchemaChecker

MAX_BYTES = 1_000_000
STATES = {READY: "success", NEEDS_ADMIN: "pending"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pr", type=int, required=True, metavar="NUMBER")
    p.add_argument("--result", type=Path, required=True, metavar="FILE",
                   help="the JSON the pull request's workflow uploaded (plugindex review "
                   "--format json)")
    p.add_argument("--repository", required=True, metavar="OWNER/NAME")
    p.add_argument("--api-url", default=API_URL)
    p.add_argument("--artifact-url", default="the workflow run's artifacts",
                   help="where the full report is, for a comment cut to GitHub's limit")


def read_result(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UsageError(f"{path} is larger than {MAX_BYTES} bytes: refused")
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise UsageError(f"{path} is not JSON: refused") from exc
    if not SchemaChecker.named("review.v1.schema.json").is_valid(data):
        raise UsageError(f"{path} does not match schemas/review.v1.schema.json: refused")
    result: dict[str, Any] = data
    return result


def run(args: argparse.Namespace) -> int:
    data = read_result(args.result)
    token = os.environ.get("GITHUB_TOKEN")
    facts = pull_facts(args.repository, args.pr, token, args.api_url)
    if facts.author.lower() != str(data["author"]).lower():
        raise UsageError(f"the result names '{data['author']}' but #{args.pr} is by "
                         f"'{facts.author}': refused")
    claimed = {c["path"] for c in data["changes"]} | set(data["outside"])
    if not claimed <= set(facts.files):
        raise UsageError(f"the result lists files #{args.pr} does not change: refused")
    review = review_from_json(data)
    body = markdown(review, args.artifact_url)
    labels = [label for label in data["labels"] if label in MANAGED_LABELS]
    done = publish_review(args.repository, args.pr, facts.head_sha, body, MARKER, labels,
                          STATES.get(review.verdict, "failure"), f"plugindex: {review.verdict}",
                          token, args.api_url)
    print(f"{done} the review of #{args.pr}: {review.verdict}")
    return 0
