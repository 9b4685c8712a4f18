"""Attack: pr.yml runs the pull request's own code, so the pull request decides what its
review result says. `publish-review` believed a result that claimed "ready" with no changes
for a pull request editing .github/, tools/ and another author's published manifest
(comment "ready", status success), and read the pull request's number from the artifact, so
one pull request's run could post onto another pull request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import GitRegistry
from tests.github_fake import FakeGitHub, FakePull, fake_github
from tests.reviewing import manifest, publish, result_of


def forged(head: str, pr: int) -> dict[str, object]:
    return {"schema_version": 2, "head": head, "pr": pr, "author": "mallory", "admin": False,
            "verdict": "ready", "labels": ["ready-for-review"], "changes": [], "outside": [],
            "problems": [], "measured": [], "lookalikes": {}}


def test_a_forged_ready_result_ends_in_failure(reg: GitRegistry, tmp_path: Path) -> None:
    reg.write(".github/workflows/pr.yml", "on: push\n")
    reg.write("tools/plugindex/evil.py", "import os\n")
    reg.write("submissions/alpha/1.0.0.yaml",
              "# mine now\n" + (reg.root / "submissions/alpha/1.0.0.yaml").read_text())
    reg.commit("the pull request")
    head = reg.git("rev-parse", "HEAD").strip()
    result = tmp_path / "review.json"
    result.write_text(json.dumps(forged(head, 7)))
    changed = [".github/workflows/pr.yml", "submissions/alpha/1.0.0.yaml",
               "tools/plugindex/evil.py"]
    fake = FakeGitHub(pulls={7: FakePull("mallory", files=changed, head_sha=head)})
    with fake_github(fake):
        assert publish(reg, fake, result) == 0
    [status] = fake.statuses
    assert (status["sha"], status["state"]) == (head, "failure")
    assert "disagreed" in status["description"]
    body = fake.comments[1]["body"]
    for rule in ("PI080", "PI084", "PI088"):
        assert f"`{rule}`" in body
    assert fake.pulls[7].labels == set()  # never "ready-for-review"


def test_a_result_naming_another_pull_request_posts_nothing_there(
        reg: GitRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg.write("submissions/alpha/1.1.0.yaml", manifest("alpha", "1.1.0"))
    result = result_of(reg, tmp_path, "alice", pr=5)  # made for #5, uploaded by #7's run
    head = reg.git("rev-parse", "HEAD").strip()
    fake = FakeGitHub(pulls={5: FakePull("alice", head_sha="c" * 40),
                             7: FakePull("alice", files=["submissions/alpha/1.1.0.yaml"],
                                         head_sha=head)})
    with fake_github(fake):
        assert publish(reg, fake, result) == 0
    assert {c["issue"] for c in fake.comments.values()} == {7}
    [status] = fake.statuses
    assert (status["sha"], status["state"]) == (head, "failure")
    assert "disagreed" in status["description"]
