"""Shared fixtures: real git repositories in temporary directories, and no network."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plugindex.cli import main
from plugindex.config.registry import RegistryConfig, parse_registry

ROOT = Path(__file__).resolve().parent.parent  # the repository (the default registry)
DATA = Path(__file__).parent / "data"
REGISTRY_YAML = DATA / "registry.yaml"

# Fixed identities and dates, so that histories (and so indexes) are reproducible.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}

VALID_MANIFEST = """\
schema: 1
name: {name}
version: "{version}"
summary: A plugin used by the tests of plugindex
category: testing
maintainers:
  - github: alice
license: MIT
source:
  path: plugins/{name}
host: ">=1.0"
"""


@pytest.fixture(autouse=True, scope="session")
def user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The user cache of every command run by the tests (subprocesses too): a directory of
    the session's, never the home directory's."""
    home = tmp_path_factory.mktemp("user-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLUGINDEX_CACHE_DIR", str(home))
        patch.delenv("PLUGINDEX_NO_CACHE", raising=False)
        yield home


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach the network: only loopback connections are allowed."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") and not (
            self.family == socket.AF_UNIX
        ):
            raise OSError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def registry_config() -> RegistryConfig:
    return parse_registry(REGISTRY_YAML.read_bytes())


class GitRegistry:
    """A registry in a real git repository, with helpers to change it commit by commit."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.clock = 1_700_000_000

    def git(self, *args: str, **env: str) -> str:
        result = subprocess.run(
            ["git", *args], cwd=self.root, check=True, capture_output=True, text=True,
            env={**os.environ, **GIT_ENV, **env},
        )
        return result.stdout

    def write(self, rel: str, content: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def add_plugin(self, name: str, version: str, manifest: str | None = None) -> Path:
        self.write(f"plugins/{name}/README.md", f"# {name}\n")
        self.write(f"plugins/{name}/{name.replace('-', '_')}.py", "VALUE = 1\n")
        text = manifest if manifest is not None else VALID_MANIFEST.format(
            name=name, version=version)
        return self.write(f"submissions/{name}/{version}.yaml", text)

    def commit(self, message: str = "change", **env: str) -> str:
        """Commit everything; ``env``: git variables for this commit (e.g. its author)."""
        self.clock += 3600
        stamp = f"@{self.clock} +0000"
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message,
                 GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp, **env)
        return self.git("rev-parse", "HEAD").strip()

    def index_bytes(self) -> dict[str, bytes]:
        base = self.root / "index" / "v1"
        if not base.exists():
            return {}
        return {
            p.relative_to(base).as_posix(): p.read_bytes()
            for p in sorted(base.rglob("*")) if p.is_file()
        }


@pytest.fixture
def git_registry(tmp_path: Path) -> GitRegistry:
    """An empty registry: registry.yaml and .gitignore committed, no plugins."""
    root = tmp_path / "registry"
    root.mkdir()
    reg = GitRegistry(root)
    reg.git("init", "-q", "-b", "main")
    shutil.copy(REGISTRY_YAML, root / "registry.yaml")
    reg.write(".gitignore", "/.cache/\n")
    reg.commit("registry settings")
    return reg


@pytest.fixture
def reg(git_registry: GitRegistry) -> GitRegistry:
    """For the review tests: a registry whose main holds alpha 1.0.0 (maintained by alice)
    and its built index; a 'change' branch is checked out for the pull request."""
    git_registry.add_plugin("alpha", "1.0.0")
    git_registry.commit("alpha 1.0.0")
    assert main(["build", "--root", str(git_registry.root)]) == 0
    git_registry.commit("index")
    git_registry.git("checkout", "-q", "-b", "change")
    return git_registry


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of plugindex's dependencies and build requirements, from the package index pip
    is configured with, made once for the session: the packaging tests and the workflow tests
    install from it with --no-index. Skipped, with pip's reason, where the index cannot be
    reached."""
    house = tmp_path_factory.mktemp("wheelhouse")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    done = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "-d", str(house),
                           str(ROOT), *pyproject["build-system"]["requires"]],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        kept = [line for line in done.stderr.splitlines()
                if "is ignored: it is neither" not in line]
        pytest.skip("pip download from the configured package index failed, so nothing can be "
                    f"installed offline: {' | '.join(kept[-8:])}")
    return house
