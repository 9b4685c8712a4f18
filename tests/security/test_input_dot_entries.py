"""Attack: a git tree entry literally named '..' or '.' under submissions/.

No checkout can write such an entry, but a pushed commit can hold one (`git mktree` builds it),
and the build reads manifests from the commit's tree: 'submissions/../2.0.0.yaml' looked like
the manifest of a plugin named '..'. A path whose name or version is empty, '.' or '..' is not
a manifest path: the build reports PI030 for it and exits 1.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from plugindex.cli import main
from plugindex.layout import split_manifest_path
from tests.conftest import GIT_ENV, VALID_MANIFEST, GitRegistry


def git_with_input(reg: GitRegistry, text: str, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=reg.root, input=text, check=True,
                            capture_output=True, text=True, env={**os.environ, **GIT_ENV})
    return result.stdout.strip()


def commit_with_entry(reg: GitRegistry, entry: str) -> str:
    """Commit HEAD's tree plus submissions/<entry>/2.0.0.yaml (a valid manifest of 'alpha'),
    written with git mktree, and make it main's head."""
    blob = git_with_input(reg, VALID_MANIFEST.format(name="alpha", version="2.0.0"),
                          "hash-object", "-w", "--stdin")
    inner = git_with_input(reg, f"100644 blob {blob}\t2.0.0.yaml\n", "mktree")
    submissions = git_with_input(
        reg, reg.git("ls-tree", "HEAD:submissions") + f"040000 tree {inner}\t{entry}\n",
        "mktree")
    root_entries = [line for line in reg.git("ls-tree", "HEAD").splitlines()
                    if not line.endswith("\tsubmissions")]
    root = git_with_input(reg, "\n".join([*root_entries,
                                          f"040000 tree {submissions}\tsubmissions"]) + "\n",
                          "mktree")
    commit = git_with_input(reg, "", "commit-tree", root, "-p", "HEAD", "-m", f"add {entry}")
    reg.git("update-ref", "refs/heads/main", commit)
    return commit


def rules_of(out: str, file: str) -> set[str]:
    return {line.rsplit("[", 1)[1][:5] for line in out.splitlines()
            if line.startswith(f"{file}:") and "[PI" in line}


@pytest.fixture
def reg(git_registry: GitRegistry) -> GitRegistry:
    git_registry.add_plugin("alpha", "1.0.0")
    git_registry.commit("alpha 1.0.0")
    return git_registry


@pytest.mark.parametrize("entry", ["..", "."])
def test_a_dot_tree_entry_is_reported_by_the_build(
    reg: GitRegistry, capsys: pytest.CaptureFixture[str], entry: str
) -> None:
    assert main(["build", "--root", str(reg.root)]) == 0
    published = reg.index_bytes()
    commit_with_entry(reg, entry)
    assert f"submissions/{entry}/2.0.0.yaml" in reg.git("ls-tree", "-r", "--name-only", "HEAD")
    capsys.readouterr()
    assert main(["build", "--root", str(reg.root)]) == 1
    captured = capsys.readouterr()
    assert "PI030" in rules_of(captured.out + captured.err, f"submissions/{entry}/2.0.0.yaml")
    assert reg.index_bytes() == published


@pytest.mark.parametrize("path", [
    "submissions/../2.0.0.yaml", "submissions/./2.0.0.yaml", "submissions//2.0.0.yaml",
    "submissions/alpha/.yaml", "submissions/alpha/..yaml", "submissions/alpha/...yaml",
])
def test_dot_and_empty_components_are_not_manifest_paths(path: str) -> None:
    assert split_manifest_path(path) is None


def test_an_ordinary_manifest_path_splits() -> None:
    assert split_manifest_path("submissions/alpha/1.0.0.yaml") == ("alpha", "1.0.0")


def test_a_dot_version_file_in_the_working_tree_is_pi030(
    reg: GitRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    """'..yaml' is a legal file name in a checkout: its version would be '.'."""
    reg.write("submissions/alpha/..yaml", VALID_MANIFEST.format(name="alpha", version="."))
    capsys.readouterr()
    assert main(["validate", "--root", str(reg.root)]) == 1
    assert "PI030" in rules_of(capsys.readouterr().out, "submissions/alpha/..yaml")
