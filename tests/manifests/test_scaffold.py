"""plugindex new: a manifest from a plugin's pyproject.toml and git checkout (flags, and
answers typed in a terminal), and --bump from the latest manifest."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from plugindex.cli import main
from plugindex.manifests.scaffold import https_remote
from tests.conftest import GIT_ENV, ROOT, GitRegistry
from tests.github_fake import FakeGitHub, fake_github

PYPROJECT = """\
[project]
name = "Farm_Audit.Log"
version = "0.3.0"
description = "Audit log middleware for FARM apps."
license = "MIT"
requires-python = ">=3.11"
dependencies = ["fastapi>=0.110"]
keywords = ["audit", "logging"]
[project.urls]
Homepage = "https://github.com/acme/farm-audit-log"
"Bug Tracker" = "https://github.com/acme/farm-audit-log/issues"
"""
FLAGS = ["--category", "monitoring", "--capability", "middleware", "--permission",
         "filesystem", "--host", ">=2.0,<3", "--maintainer", "acme-dev"]


def plugin(tmp_path: Path, pyproject: str = PYPROJECT) -> tuple[Path, str]:
    """A plugin checkout with a remote; returns (directory, HEAD commit)."""
    root = tmp_path / "plugin"
    root.mkdir()
    (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    env = {**GIT_ENV, "PATH": "/usr/bin:/bin"}
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "init"],
                 ["remote", "add", "origin", "git@github.com:acme/farm-audit-log.git"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()
    return root, head


def written(reg: GitRegistry, name: str, version: str) -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load(
        (reg.root / "submissions" / name / f"{version}.yaml").read_text(encoding="utf-8"))
    return data


def test_one_command_from_a_checkout_to_a_valid_manifest(
        git_registry: GitRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, head = plugin(tmp_path)
    assert main(["new", "--from", str(source), *FLAGS, "--root", str(git_registry.root)]) == 0
    m = written(git_registry, "farm-audit-log", "0.3.0")
    assert m["source"] == {"git": "https://github.com/acme/farm-audit-log", "commit": head}
    assert (m["license"], m["summary"], m["tags"]) == (
        "MIT", "Audit log middleware for FARM apps.", ["audit", "logging"])
    assert m["requires"] == {"python": ">=3.11", "packages": ["fastapi>=0.110"]}
    assert m["issues"] == "https://github.com/acme/farm-audit-log/issues"
    assert main(["validate", "--root", str(git_registry.root)]) == 0
    # A published version is never rewritten.
    assert main(["new", "--from", str(source), *FLAGS, "--root", str(git_registry.root)]) == 2


def test_what_cannot_be_inferred_is_asked_in_a_terminal(
        git_registry: GitRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    source, _ = plugin(tmp_path)
    answers = iter(["monitoring", "middleware", "filesystem", ">=2.0,<3", "acme-dev"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    assert main(["new", "--from", str(source), "--root", str(git_registry.root)]) == 0
    m = written(git_registry, "farm-audit-log", "0.3.0")
    assert (m["category"], m["capabilities"], m["maintainers"]) == (
        "monitoring", ["middleware"], [{"github": "acme-dev"}])


def test_missing_fields_are_named_and_reported(git_registry: GitRegistry, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    source, _ = plugin(tmp_path, '[project]\nname = "bare"\nversion = "1.0.0"\n')
    assert main(["new", "--from", str(source), "--root", str(git_registry.root)]) == 1
    text = (git_registry.root / "submissions/bare/1.0.0.yaml").read_text(encoding="utf-8")
    assert text.startswith("# still to fill in: summary, license, category")
    assert "PI0" in capsys.readouterr().out  # plugindex validate's rules name the gaps


def test_bump_writes_the_next_version(git_registry: GitRegistry,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    commit = "a" * 40
    git_registry.write("submissions/gamma/1.0.0.yaml", (
        "schema: 1\nname: gamma\nversion: '1.0.0'\nsummary: A plugin for the tests\n"
        "category: testing\n"
        "maintainers:\n  - github: alice\nlicense: MIT\nsource:\n"
        f"  git: https://github.com/acme/gamma\n  commit: {'b' * 40}\n  tag: v1.0.0\n"
        "host: '>=1.0'\nyanked: broken\n"))
    assert main(["new", "--bump", "1.1.0", "gamma", "--commit", commit, "--tag", "v1.1.0",
                 "--root", str(git_registry.root)]) == 0
    m = written(git_registry, "gamma", "1.1.0")
    assert m["version"] == "1.1.0"
    assert m["source"] == {"git": "https://github.com/acme/gamma", "commit": commit,
                           "tag": "v1.1.0"}
    assert "yanked" not in m
    assert main(["new", "--bump", "1.2.0", "nothing", "--root", str(git_registry.root)]) == 2


GAMMA_GIT = (
    "schema: 1\nname: gamma\nversion: '1.0.0'\nsummary: A plugin for the tests\n"
    "description: |\n  First paragraph,\n  two lines.\n\n  Second: `code`, a \"quote\".\n"
    "category: testing\nmaintainers:\n  - github: alice\nlicense: MIT\nsource:\n"
    f"  git: https://github.com/acme/gamma\n  commit: {'b' * 40}\nhost: '>=1.0'\n")


def bump_gamma(reg: GitRegistry, *args: str) -> int:
    return main(["new", "--bump", *args, "--root", str(reg.root)])


@pytest.mark.parametrize("args", [
    ["1.0.0", "gamma", "--commit", "c" * 40],  # the same version
    ["0.9.0", "gamma", "--commit", "c" * 40],  # a lower one
    ["1.0.0rc1", "gamma", "--commit", "c" * 40],  # a pre-release of the same
    ["banana", "gamma", "--commit", "c" * 40],  # not a version
    ["1.1.0", "gamma"],  # the previous commit, silently
    ["1.1.0", "gamma", "--commit", "b" * 40],  # the previous commit, explicitly
])
def test_bump_refuses_a_release_that_cannot_be_right(git_registry: GitRegistry,
                                                     args: list[str]) -> None:
    git_registry.write("submissions/gamma/1.0.0.yaml", GAMMA_GIT)
    assert bump_gamma(git_registry, *args) == 2
    assert sorted(p.name for p in (git_registry.root / "submissions/gamma").iterdir()) == [
        "1.0.0.yaml"]


def test_bump_keeps_the_same_source_only_when_told(git_registry: GitRegistry) -> None:
    git_registry.write("submissions/gamma/1.0.0.yaml", GAMMA_GIT)
    assert bump_gamma(git_registry, "1.0.1", "gamma", "--same-source") == 0
    assert written(git_registry, "gamma", "1.0.1")["source"] == {
        "git": "https://github.com/acme/gamma", "commit": "b" * 40}


def test_bump_keeps_block_text_as_a_block(git_registry: GitRegistry) -> None:
    git_registry.write("submissions/gamma/1.0.0.yaml", GAMMA_GIT)
    assert bump_gamma(git_registry, "1.1.0", "gamma", "--commit", "c" * 40) == 0
    text = (git_registry.root / "submissions/gamma/1.1.0.yaml").read_text(encoding="utf-8")
    assert "description: |\n  First paragraph,\n  two lines.\n\n  Second:" in text
    assert written(git_registry, "gamma", "1.1.0")["description"] == yaml.safe_load(
        GAMMA_GIT)["description"]


def test_bump_of_an_in_registry_source_takes_no_commit(git_registry: GitRegistry) -> None:
    git_registry.add_plugin("alpha", "1.0.0")
    assert bump_gamma(git_registry, "1.1.0", "alpha", "--commit", "c" * 40) == 2
    assert bump_gamma(git_registry, "1.1.0", "alpha") == 0
    assert written(git_registry, "alpha", "1.1.0")["source"] == {"path": "plugins/alpha"}


def test_the_readmes_bump_example_writes_a_valid_manifest(tmp_path: Path) -> None:
    """The README's command, on this registry, as written there (into a scratch file)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [example] = re.findall(r"`(plugindex new --bump [^`]*)`", readme)
    args = example.split()[1:]
    assert "--commit" not in args  # this registry's sources are its own directories
    assert main([*args, "--root", str(ROOT), "--output", str(tmp_path / "next.yaml")]) == 0


@pytest.mark.parametrize(("remote", "expected"), [
    ("git@github.com:acme/x.git", "https://github.com/acme/x"),
    ("https://github.com/acme/x.git", "https://github.com/acme/x"),
    ("ssh://git@gitlab.com/group/x.git", "https://gitlab.com/group/x"),
    ("/local/path", None),
])
def test_https_remote(remote: str, expected: str | None) -> None:
    assert https_remote(remote) == expected


def test_the_pre_commit_hook_runs_plugindex_validate() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml")
                           .read_text(encoding="utf-8"))
    [hook] = hooks
    assert hook["entry"] == "plugindex validate"
    assert hook["language"] == "python"


def test_a_release_opens_its_own_pull_request(git_registry: GitRegistry, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """The release workflow's script against a local git remote and the fake GitHub."""
    git_registry.write("submissions/gamma/1.0.0.yaml", (
        "schema: 1\nname: gamma\nversion: '1.0.0'\nsummary: A plugin for the tests\n"
        "category: testing\nmaintainers:\n  - github: alice\nlicense: MIT\nsource:\n"
        f"  git: https://github.com/acme/gamma\n  commit: {'b' * 40}\nhost: '>=1.0'\n"))
    git_registry.commit("gamma 1.0.0")
    remote = tmp_path / "registry.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(git_registry.root), str(remote)],
                   check=True, env={**GIT_ENV, "PATH": "/usr/bin:/bin"})
    fake = FakeGitHub()
    with fake_github(fake):
        assert main(["release-pr", "--registry", remote.as_uri(), "--repository",
                     "owner/registry", "--plugin", "gamma", "--version", "1.1.0", "--commit",
                     "c" * 40, "--tag", "v1.1.0", "--api-url", fake.url,
                     "--on-behalf-of", "alice"]) == 0
    assert fake.opened == [{"title": "gamma 1.1.0", "head": "release/gamma-1.1.0",
                            "base": "main", "body": fake.opened[0]["body"]}]
    shown = subprocess.run(["git", "--git-dir", str(remote), "show",
                            "release/gamma-1.1.0:submissions/gamma/1.1.0.yaml"],
                           check=True, capture_output=True, text=True).stdout
    assert yaml.safe_load(shown)["source"] == {"git": "https://github.com/acme/gamma",
                                               "commit": "c" * 40, "tag": "v1.1.0"}
    made = subprocess.run(["git", "--git-dir", str(remote), "log", "-1", "--format=%an <%ae>%n%B",
                           "release/gamma-1.1.0"], check=True, capture_output=True,
                          text=True).stdout
    # the release bot's commit, crediting who released
    assert made.startswith("plugindex-release[bot] <plugindex-release[bot]@")
    assert "On-behalf-of: alice <alice@users.noreply.github.com>" in made
    with fake_github(fake):  # a version the registry already has is refused
        assert main(["release-pr", "--registry", remote.as_uri(), "--repository",
                     "owner/registry", "--plugin", "gamma", "--version", "1.0.0", "--commit",
                     "c" * 40, "--api-url", fake.url]) == 2
    assert len(fake.opened) == 1
