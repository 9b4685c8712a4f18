"""The GitHub API, through PyGithub: the only module that talks to GitHub.

``base_url`` points PyGithub at another server (GitHub Enterprise, or the tests' local fake).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from github import Auth, Github, GithubException, UnknownObjectException

from plugindex.errors import EnvironmentProblem
from plugindex.reputation.ledger import COMMANDERS, PullReview

# GitHub Actions sets GITHUB_API_URL on every runner (another host on GitHub Enterprise Server);
# the tests point it at their local fake.
API_URL = os.environ.get("GITHUB_API_URL") or "https://api.github.com"


def client(token: str | None, base_url: str = API_URL) -> Github:
    return Github(auth=Auth.Token(token) if token else None, base_url=base_url, timeout=30,
                  retry=None, per_page=100)


_COMMAND = re.compile(r"^/[A-Za-z][A-Za-z0-9_-]*(?:[ \t]+[A-Za-z0-9_-]+)?$")


def _commands(body: str | None) -> list[str]:
    """The lines of a comment that are a slash command ('/lgtm', '/lgtm cancel'), lower case
    (a quoted '> /lgtm' is not one), in order."""
    return [" ".join(line.strip().lower().split()) for line in (body or "").splitlines()
            if _COMMAND.match(line.strip())]


def _said(written: Iterable[tuple[datetime | None, str, str | None, str | None]],
          merged: datetime | None) -> tuple[tuple[str, str, str], ...]:
    """(login, command line, author_association) of the maintainers' (``COMMANDERS``) command
    lines written before the merge, in the order written: a bare command ('/lgtm') or its
    'cancel', and of each login's with one command word only the last (the one that
    decides), so nobody's comments can crowd out anyone else's. ``written``: (time, login,
    body, association) of each comment (the time it was last edited)."""
    ordered: list[tuple[float, int, str, str, str]] = []
    for when, login, body, association in written:
        if association not in COMMANDERS or (merged is not None and when is not None
                                             and when > merged):
            continue
        ordered += [(_stamp(when), len(ordered) + i, login, line, association)
                    for i, line in enumerate(_commands(body))
                    if line.partition(" ")[2] in ("", "cancel")]
    last: dict[tuple[str, str], tuple[float, int, str, str, str]] = {}
    for entry in sorted(ordered):
        last[(entry[2].lower(), entry[3].split(" ", 1)[0])] = entry
    return tuple((login, line, association)
                 for _, _, login, line, association in sorted(last.values()))


def _edited(created: datetime | None, updated: datetime | None) -> datetime | None:
    return max(created, updated) if created and updated else created or updated


def pull_reviews(repository: str, numbers: Iterable[int], token: str | None,
                 base_url: str = API_URL) -> Iterator[tuple[int, PullReview]]:
    """For each pull request, as it is fetched: who opened it, the (login, author_association)
    of each reviewer whose latest review before the merge approves it (the author excepted),
    and the maintainers' slash-command lines in its comments, review bodies and review
    comments before the merge (``_said``; which lines approve is the registry's setting). A
    number that is no pull request (an issue's, or a deleted one) is answered with an empty
    author, so that it is not asked for again."""
    gh = client(token, base_url)
    number = 0
    try:
        repo = gh.get_repo(repository)
        for number in numbers:
            try:
                pull = repo.get_pull(number)
            except UnknownObjectException:
                yield number, PullReview("", ())
                continue
            author = pull.user.login if pull.user else None
            merged = pull.merged_at
            latest: dict[str, tuple[str, str]] = {}
            written: list[tuple[datetime | None, str, str | None, str | None]] = []
            for review in pull.get_reviews():  # oldest first
                reviewer = review.user.login if review.user else None
                if reviewer is None:  # a deleted account
                    continue
                after = merged is not None and review.submitted_at is not None and \
                    review.submitted_at > merged
                if review.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED") \
                        and not after:
                    latest[reviewer] = (review.state, review.author_association or "")
                written.append((review.submitted_at, reviewer, review.body,
                                review.author_association))
            for comment in [*pull.get_issue_comments(), *pull.get_review_comments()]:
                commenter = comment.user.login if comment.user else None
                if commenter is not None:
                    written.append((_edited(comment.created_at, comment.updated_at), commenter,
                                    comment.body, comment.author_association))
            approved = tuple(sorted((login, association)
                                    for login, (state, association) in latest.items()
                                    if state == "APPROVED" and login != author))
            yield number, PullReview(author, approved, _said(written, merged))
    except GithubException as exc:
        raise _fail(exc, f"{repository} pull request #{number}") from None
    finally:
        gh.close()


def _stamp(when: datetime | None) -> float:
    return when.timestamp() if when is not None else 0.0


MANAGED_LABELS = ("new-plugin", "new-version", "security-blocked", "needs-admin",
                  "scan-incomplete", "ready-for-review")


def head_approvals(repository: str, number: int, head_sha: str, token: str | None,
                   base_url: str = API_URL) -> tuple[str, ...]:
    """The logins whose latest review of the pull request approves exactly ``head_sha`` (an
    approval of an earlier commit does not carry over to a later push), the author
    excepted."""
    gh = client(token, base_url)
    try:
        pull = gh.get_repo(repository).get_pull(number)
        author = pull.user.login if pull.user else None
        latest: dict[str, tuple[str, str]] = {}
        for review in pull.get_reviews():  # oldest first
            if review.user is not None and review.state in (
                    "APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
                latest[review.user.login] = (review.state, review.commit_id or "")
        return tuple(sorted(login for login, (state, commit) in latest.items()
                            if state == "APPROVED" and commit == head_sha
                            and login != author))
    except GithubException as exc:
        raise _fail(exc, f"{repository} pull request #{number}") from None
    finally:
        gh.close()


@dataclass(frozen=True)
class PullFacts:
    """What the trusted workflow re-derives from the API instead of believing an artifact."""

    number: int
    author: str
    base_ref: str
    head_sha: str
    files: tuple[str, ...]


def _fail(exc: GithubException, what: str) -> EnvironmentProblem:
    message = exc.data.get("message", "") if isinstance(exc.data, dict) else ""
    return EnvironmentProblem(f"GitHub answered {exc.status} for {what}: {message}")


def _facts(pull: Any) -> PullFacts:
    return PullFacts(pull.number, pull.user.login, pull.base.ref, pull.head.sha,
                     tuple(sorted(f.filename for f in pull.get_files())))


def pull_facts(repository: str, number: int, token: str | None,
               base_url: str = API_URL) -> PullFacts:
    gh = client(token, base_url)
    try:
        return _facts(gh.get_repo(repository).get_pull(number))
    except GithubException as exc:
        raise _fail(exc, f"{repository}#{number}") from None
    finally:
        gh.close()


def pull_of_commit(repository: str, head_sha: str, token: str | None,
                   base_url: str = API_URL) -> PullFacts:
    """The open pull request whose head is ``head_sha`` (what a workflow_run event names:
    its ``pull_requests`` list is empty for pull requests from forks, so the head commit is
    the trusted key). Raises EnvironmentProblem when no open pull request, or more than one,
    has that head."""
    gh = client(token, base_url)
    try:
        found = [p for p in gh.get_repo(repository).get_pulls(state="open")
                 if p.head.sha == head_sha]
        if len(found) != 1:
            raise EnvironmentProblem(
                f"{len(found)} open pull requests of {repository} have the head commit "
                f"{head_sha}; expected exactly one")
        return _facts(found[0])
    except GithubException as exc:
        raise _fail(exc, f"{repository} pull requests") from None
    finally:
        gh.close()


def publish_review(repository: str, number: int, head_sha: str, body: str, marker: str,
                   labels: Sequence[str], state: str, description: str, token: str | None,
                   base_url: str = API_URL, context: str = "plugindex/review") -> str:
    """Post the review: update the comment that carries ``marker`` (or create it), set the
    managed labels to exactly ``labels``, and set the commit status branch protection reads.
    Returns 'created' or 'updated'."""
    gh = client(token, base_url)
    try:
        repo = gh.get_repo(repository)
        pull = repo.get_pull(number)
        mine = next((c for c in pull.get_issue_comments() if marker in (c.body or "")), None)
        if mine is None:
            pull.create_issue_comment(body)
            done = "created"
        else:
            mine.edit(body)
            done = "updated"
        current = {label.name for label in pull.get_labels()}
        for name in sorted((current & set(MANAGED_LABELS)) - set(labels)):
            pull.remove_from_labels(name)
        wanted = sorted(set(labels) - current)
        if wanted:
            pull.add_to_labels(*wanted)
        repo.get_commit(head_sha).create_status(state=state, description=description[:140],
                                                context=context)
        return done
    except GithubException as exc:
        raise _fail(exc, f"{repository}#{number}") from None
    finally:
        gh.close()


def upsert_issue(repository: str, marker: str, title: str, body: str | None,
                 token: str | None, base_url: str = API_URL) -> str:
    """Keep one open issue carrying ``marker``: create or update it with ``body``, or close it
    when ``body`` is None. Returns 'created', 'updated', 'closed' or 'none'."""
    gh = client(token, base_url)
    try:
        repo = gh.get_repo(repository)
        mine = next((i for i in repo.get_issues(state="open")
                     if i.pull_request is None and marker in (i.body or "")), None)
        if body is None:
            if mine is None:
                return "none"
            mine.edit(state="closed")
            return "closed"
        if mine is None:
            repo.create_issue(title=title, body=body)
            return "created"
        mine.edit(title=title, body=body)
        return "updated"
    except GithubException as exc:
        raise _fail(exc, repository) from None
    finally:
        gh.close()


def open_pull(repository: str, head: str, base: str, title: str, body: str,
              token: str | None, base_url: str = API_URL) -> int:
    """Open a pull request (``head``: a branch, or 'owner:branch' from a fork); its number."""
    gh = client(token, base_url)
    try:
        pull = gh.get_repo(repository).create_pull(base=base, head=head, title=title, body=body)
        return int(pull.number)
    except GithubException as exc:
        raise _fail(exc, repository) from None
    finally:
        gh.close()
