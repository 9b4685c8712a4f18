"""Attack: code placed where bandit's default exclusions look (``CVS``, ``.tox``, ``.eggs``, ...
matched as substrings of the whole path) is never read by bandit; with the tree given as an
absolute path, a scratch directory whose path holds one of those names would hide everything.

Required: bandit gets the registry's exclusions only, anchored at the tree's top."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugindex.config.scan import ScanConfig
from plugindex.scanners.bandit import exclude_patterns, run_bandit
from tests.conftest import GitRegistry
from tests.scan.test_scanner import SHELL_CODE, add_source_plugin, items, scan_json


@pytest.mark.parametrize("hideout", ["CVS/shelly.py", "pkg/.tox/shelly.py",
                                     "pkg/x.eggs/shelly.py", "pkg/.github_ci/shelly.py"])
def test_a_default_excluded_directory_hides_nothing(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str], hideout: str) -> None:
    add_source_plugin(git_registry, "shelly", {hideout: SHELL_CODE},
                      "permissions: [subprocess]\n")
    git_registry.commit("shelly hides its shell")
    code, report = scan_json(git_registry, capsys, "--offline")
    assert ("B602", f"{hideout}:5") in {(i["id"], i["where"]) for i in items(report, "shelly")}
    assert code == 1


def test_a_scratch_path_named_like_an_exclusion_hides_nothing(tmp_path: Path) -> None:
    tree = tmp_path / ".git" / "CVS" / "source"
    tree.mkdir(parents=True)
    (tree / "shelly.py").write_text(SHELL_CODE)
    result = run_bandit(tree, ScanConfig())
    assert ("shelly.py", "B602") in {(f.file, f.test_id) for f in result.findings}


def test_the_registrys_exclusions_are_anchored_at_the_tree(tmp_path: Path) -> None:
    tree = tmp_path / "vendor-tree"
    (tree / "vendor").mkdir(parents=True)
    (tree / "vendor" / "shelly.py").write_text(SHELL_CODE)
    (tree / "shelly.py").write_text(SHELL_CODE)
    result = run_bandit(tree, ScanConfig(bandit_exclude=("vendor",)))
    assert {f.file for f in result.findings if f.test_id == "B602"} == {"shelly.py"}
    assert exclude_patterns(tree, ()) == ""
    assert exclude_patterns(tree, ("*/gen/*",)) == "*/gen/*"
