"""Attack: a manifest that is a symlink whose target the file system refuses to follow (a path
component longer than NAME_MAX, or a target of thousands of characters).

`plugindex validate PATH` followed the link to ask whether it was a directory and died with
OSError (ENAMETOOLONG) and a traceback. It must report PI014 for the file (exit 1), like any
other symlinked manifest; so must a path source whose name the file system refuses.
"""

from __future__ import annotations

import os

import pytest

from plugindex.cli import main
from tests.conftest import VALID_MANIFEST, GitRegistry

NAME_MAX = os.pathconf("/", "PC_NAME_MAX")
TARGETS = {
    "component-over-name-max": "a" * (NAME_MAX + 45),
    "thousands-of-characters": "/".join(["b" * 200] * 20),  # about 4,000 characters
}


def rules(out: str, file: str) -> set[str]:
    """Rule ids reported for ``file`` in text output ('file:line: field: message [PI014]')."""
    return {line.rsplit("[", 1)[1][:5] for line in out.splitlines()
            if line.startswith(f"{file}:") and "[PI" in line}


@pytest.fixture
def reg(git_registry: GitRegistry) -> GitRegistry:
    git_registry.add_plugin("alpha", "1.0.0")
    return git_registry


@pytest.mark.parametrize("target", TARGETS.values(), ids=TARGETS.keys())
@pytest.mark.parametrize("how", ["file", "directory", "everything"])
def test_a_symlinked_manifest_with_a_long_target_is_pi014(
    reg: GitRegistry, capsys: pytest.CaptureFixture[str], target: str, how: str
) -> None:
    link = reg.root / "submissions" / "alpha" / "1.1.0.yaml"
    link.symlink_to(target)
    paths = {"file": [str(link)], "directory": [str(link.parent)], "everything": []}[how]
    capsys.readouterr()
    assert main(["validate", "--root", str(reg.root), *paths]) == 1
    out = capsys.readouterr().out
    assert rules(out, "submissions/alpha/1.1.0.yaml") == {"PI014"}
    assert rules(out, "submissions/alpha/1.0.0.yaml") == set()


def test_a_manifest_name_the_file_system_refuses_is_pi014(
    reg: GitRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    too_long = reg.root / "submissions" / "alpha" / ("9" * NAME_MAX + ".yaml")
    assert main(["validate", "--root", str(reg.root), str(too_long)]) == 1
    out = capsys.readouterr().out
    assert rules(out, too_long.relative_to(reg.root).as_posix()) == {"PI014"}


def test_a_path_source_with_an_over_long_name_is_missing_not_a_crash(
    reg: GitRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    source = "plugins/" + "c" * (NAME_MAX + 30)  # within the schema's 300 characters
    reg.write("submissions/beta/1.0.0.yaml", VALID_MANIFEST.format(name="beta", version="1.0.0")
              .replace("path: plugins/beta", f"path: {source}"))
    capsys.readouterr()
    assert main(["validate", "--root", str(reg.root)]) == 1
    assert rules(capsys.readouterr().out, "submissions/beta/1.0.0.yaml") == {"PI050"}


def test_a_missing_path_is_still_a_usage_error(reg: GitRegistry) -> None:
    missing = reg.root / "submissions" / "alpha" / "9.9.9.yaml"
    assert main(["validate", "--root", str(reg.root), str(missing)]) == 2
