"""GitRepo.tree_ids: the same answers whether a commit's paths are listed with git ls-tree
(many paths in one commit) or resolved in one git cat-file batch (a few paths per commit)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from plugindex.adapters import gitrepo
from plugindex.adapters.gitrepo import GitRepo

ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@e", "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                          text=True, env=ENV).stdout.strip()


def expected(root: Path, spec: str) -> str | None:
    kind = subprocess.run(["git", "cat-file", "-t", spec], check=False, cwd=root,
                          capture_output=True, text=True, env=ENV)
    return git(root, "rev-parse", spec) if kind.stdout.strip() == "tree" else None


def test_both_ways_agree(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commits = []
    for round_ in range(3):  # three commits, each adding a few directories
        for i in range(3):
            (root / "src" / f"p{round_}-{i}").mkdir(parents=True)
            (root / "src" / f"p{round_}-{i}" / "x.py").write_text(f"{round_} {i}\n")
        (root / "src" / f"file{round_}").write_text("not a tree\n")
        (root / "src" / f"with space {round_}").mkdir()
        (root / "src" / f"with space {round_}" / "y").write_text("y\n")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", f"round {round_}")
        commits.append(git(root, "rev-parse", "HEAD"))
    paths = [f"src/p{r}-{i}" for r in range(3) for i in range(3)] + [
        "src/file0", "src/missing", "src/with space 1", "src", "src/p2-0/x.py"]
    specs = [f"{c}:{p}" for c in commits for p in paths]
    repo = GitRepo(root)
    batched = repo.tree_ids(specs)  # 14 paths a commit: under the ls-tree threshold
    original = gitrepo._LS_TREE_FROM
    try:
        gitrepo._LS_TREE_FROM = 1  # every commit through git ls-tree
        listed = repo.tree_ids(specs)
    finally:
        gitrepo._LS_TREE_FROM = original
    truth = {spec: expected(root, spec) for spec in specs}
    assert batched == truth
    assert listed == truth
    assert sum(v is not None for v in truth.values()) > len(specs) // 2
