"""Attack: a git source whose objects git's fsck rejects (here a tree with a literal '..'
entry, written with ``git hash-object --literally``), which a checkout on a reviewer's machine
could turn into a path outside the working tree.

Required: the clone's fsck rejects it and the source is refused with the stable code
'git-fsck' (PI070, blocking), not filed as a retryable 'git-unreachable' skip."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import GitRegistry
from tests.scan.test_scanner import git, git_manifest, items, mirror_to, rules, scan_json


def hostile_repository(tmp_path: Path) -> tuple[Path, str]:
    """acme/shelly with one commit whose tree holds a blob named '..'; (repo, commit)."""
    repo = tmp_path / "mirror" / "acme" / "shelly"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=repo, check=True,
                          input=b"import os\n", capture_output=True).stdout.decode().strip()
    tree_bytes = b"100644 ..\0" + bytes.fromhex(blob)
    tree = subprocess.run(["git", "hash-object", "-t", "tree", "-w", "--literally", "--stdin"],
                          cwd=repo, check=True, input=tree_bytes,
                          capture_output=True).stdout.decode().strip()
    commit = git(repo, "commit-tree", tree, "-m", "release")
    git(repo, "update-ref", "refs/heads/main", commit)
    return repo, commit


def test_a_tree_fsck_rejects_is_refused_not_retried(
        git_registry: GitRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo, commit = hostile_repository(tmp_path)
    mirror_to(git_registry, f"file://{repo.parent.parent}/")
    git_registry.write("submissions/shelly/1.0.0.yaml", git_manifest("shelly", commit))
    git_registry.commit("shelly from a hostile repository")
    code, report = scan_json(git_registry, capsys)
    problems = [(i["kind"], i["id"]) for i in items(report, "shelly")
                if i["kind"] in ("refused", "skipped")]
    assert problems == [("refused", "git-fsck")]
    assert "PI070" in rules(report)
    assert (code, report["versions"][0]["verdict"]) == (1, "blocked")
    record = next((git_registry.root / "index/cache/shelly").glob("scan-*.json")).read_text()
    assert '"status": "refused"' in record
