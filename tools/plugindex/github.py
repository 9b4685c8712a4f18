"""The GitHub API, through PyGithub: the only module that talks to GitHub.

``base_url`` points PyGithub at another server (GitHub Enterprise, or the tests' local fake).
"""

from __future__ import annotations

from collections.abc import Iterable

from github import Auth, Github, GithubException

from plugindex.errors import EnvironmentProblem

API_URL = "https://api.github.com"


def client(token: str | None, base_url: str = API_URL) -> Github:
    return Github(auth=Auth.Token(token) if token else None, base_url=base_url, timeout=30,
                  retry=None, per_page=100)


def approvals(repository: str, numbers: Iterable[int], token: str | None,
              base_url: str = API_URL) -> dict[int, tuple[str, ...]]:
    """For each pull request, the logins that approved it (their latest review is an
    approval), the author excepted."""
    gh = client(token, base_url)
    out: dict[int, tuple[str, ...]] = {}
    try:
        repo = gh.get_repo(repository)
        for number in numbers:
            pull = repo.get_pull(number)
            author = pull.user.login if pull.user else None
            latest: dict[str, str] = {}
            for review in pull.get_reviews():  # oldest first
                if review.user is not None and review.state in (
                        "APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
                    latest[review.user.login] = review.state
            out[number] = tuple(sorted(login for login, state in latest.items()
                                       if state == "APPROVED" and login != author))
    except GithubException as exc:
        message = exc.data.get("message", "") if isinstance(exc.data, dict) else ""
        raise EnvironmentProblem(f"GitHub answered {exc.status} for {repository}: {message}"
                                 ) from None
    finally:
        gh.close()
    return out
