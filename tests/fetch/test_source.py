"""git as fetch/source.py runs it (through adapters.proc.run, with exactly git_env): a failure
maps to the same problem codes as ever (permanent 'git-not-found', transient 'git-timeout'),
a git that cannot be started is no source problem, and a clone keeps no way to fetch lazily."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from plugindex.adapters.proc import ProcessFailed
from plugindex.config.scan import ScanConfig
from plugindex.fetch.problems import FetchFailed
from plugindex.fetch.source import _run_git, clone, git_env
from tests.conftest import GIT_ENV


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout.strip()


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    """A repository that serves partial clones (as GitHub does)."""
    repo = tmp_path / "upstream"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "plugin.py").write_text("X = 1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "release")
    git(repo, "config", "uploadpack.allowFilter", "true")
    return repo


def test_a_clone_is_bare_and_keeps_no_promisor_remote(upstream: Path, tmp_path: Path) -> None:
    into = tmp_path / "clone.git"
    clone(f"file://{upstream}", into, ScanConfig(), tmp_path, sleep=lambda _: None)
    assert git(into, "rev-parse", "--is-bare-repository") == "true"
    assert git(into, "rev-parse", "HEAD") == git(upstream, "rev-parse", "HEAD")
    config = git(into, "config", "--list", "--local")
    assert "promisor" not in config
    assert "partialclone" not in config


def test_a_missing_repository_is_a_permanent_failure(tmp_path: Path) -> None:
    with pytest.raises(FetchFailed) as caught:
        clone(f"file://{tmp_path}/nothing-here", tmp_path / "clone.git", ScanConfig(),
              tmp_path, sleep=lambda _: None)
    assert (caught.value.code, caught.value.transient) == ("git-not-found", False)
    assert caught.value.message.startswith("git clone failed: ")


def test_a_git_that_does_not_finish_is_a_transient_timeout(tmp_path: Path) -> None:
    with pytest.raises(FetchFailed) as caught:
        _run_git(["-c", "alias.linger=!sleep 5", "linger"], tmp_path, git_env(tmp_path), 0.5)
    assert (caught.value.code, caught.value.transient) == ("git-timeout", True)
    assert caught.value.message == "git linger did not finish in 0.5 s"


def test_git_runs_with_exactly_git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret")
    out = _run_git(["-c", "alias.showenv=!env", "showenv"], tmp_path, git_env(tmp_path), 30)
    names = {line.split("=", 1)[0] for line in out.splitlines()}
    assert set(git_env(tmp_path)) <= names
    # Besides git_env, only what git itself sets for an alias: nothing of the caller's.
    assert names - set(git_env(tmp_path)) <= {"GIT_CONFIG_PARAMETERS", "GIT_EXEC_PATH",
                                              "GIT_PREFIX"}


def test_a_git_that_cannot_be_started_is_not_a_source_problem(tmp_path: Path) -> None:
    empty = tmp_path / "no-programs"
    empty.mkdir()
    with pytest.raises(ProcessFailed) as caught:
        _run_git(["version"], tmp_path, {**git_env(tmp_path), "PATH": str(empty)}, 30)
    assert (caught.value.returncode, caught.value.timed_out) == (None, False)
