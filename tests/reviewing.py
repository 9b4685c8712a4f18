"""Helpers of the review tests (tests/test_review.py and tests/security/): manifests, running
the untrusted review and the trusted publish-review on a registry from the ``reg`` fixture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugindex.cli import main
from tests.conftest import VALID_MANIFEST, GitRegistry
from tests.github_fake import FakeGitHub


def manifest(name: str, version: str, login: str = "alice", extra: str = "") -> str:
    return VALID_MANIFEST.format(name=name, version=version).replace(
        "  - github: alice\n", f"  - github: {login}\n") + extra


def run_review(reg: GitRegistry, author: str, capsys: pytest.CaptureFixture[str]
               ) -> tuple[int, dict[str, object]]:
    reg.commit("the pull request")
    capsys.readouterr()
    code = main(["review", "--base", "main", "--author", author, "--format", "json",
                 "--root", str(reg.root)])
    return code, json.loads(capsys.readouterr().out)


def rules(result: dict[str, object]) -> list[str]:
    return [p["rule"] for p in result["problems"]]  # type: ignore[index, union-attr]


def kinds(result: dict[str, object]) -> list[str]:
    return [c["kind"] for c in result["changes"]]  # type: ignore[index, union-attr]


def result_of(reg: GitRegistry, tmp_path: Path, author: str, pr: int = 5) -> Path:
    reg.commit("the pull request")
    out = tmp_path / "review.json"
    main(["review", "--base", "main", "--author", author, "--format", "json", "--output",
          str(out), "--pr", str(pr), "--root", str(reg.root)])
    return out


def publish(reg: GitRegistry, fake: FakeGitHub, result: Path | None) -> int:
    """The trusted half, as pr-report.yml runs it: the head commit from the event, the base
    branch checked out (here: named), the artifact as data."""
    head = reg.git("rev-parse", "HEAD").strip()
    argv = ["publish-review", "--head-sha", head, "--base", "main", "--repository",
            fake.repository, "--api-url", fake.url, "--root", str(reg.root)]
    return main([*argv, *(["--result", str(result)] if result else [])])


