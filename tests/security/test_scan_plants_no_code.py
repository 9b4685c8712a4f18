"""Attack: a plugin plants files named like the modules the scanner imports (bandit.py, json.py),
interpreter hooks (sitecustomize.py, usercustomize.py, a .pth file) and build or test entry
points (setup.py, __init__.py, conftest.py) at the top of its source, hoping the scan runs one
of them: to fake an empty bandit report and hide its ``shell=True``, or just to run.

Required: no canary fires, the real finding is reported, the tree is read-only while the tools
run, and the tools' environment carries nothing of the caller's (no token)."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path

import pytest

from plugindex.adapters.proc import seal_tree, sealed_env, sealed_python
from plugindex.config.scan import ScanConfig
from plugindex.scanners.bandit import run_bandit
from tests.conftest import GitRegistry
from tests.scan.test_scanner import SHELL_CODE, add_source_plugin, items, rules, scan_json


def writer(markers: Path, tag: str) -> str:
    """Python that leaves a marker named ``tag`` when it runs."""
    return f"import pathlib\npathlib.Path({str(markers)!r}, {tag!r}).write_text('ran')\n"


def fake_bandit(markers: Path) -> str:
    """A bandit.py that, if run as bandit, writes an empty report where -o says."""
    return writer(markers, "bandit.py") + (
        "import sys\n"
        "out = sys.argv[sys.argv.index('-o') + 1]\n"
        "pathlib.Path(out).write_text("
        "'{\"results\": [], \"errors\": [], \"metrics\": {\"_totals\": {}}}')\n")


def plants(markers: Path) -> dict[str, str]:
    return {
        "bandit.py": fake_bandit(markers),
        "json.py": writer(markers, "json.py"),
        "sitecustomize.py": writer(markers, "sitecustomize.py"),
        "usercustomize.py": writer(markers, "usercustomize.py"),
        "zz-hook.pth": "import pathlib; pathlib.Path("
                       f"{str(markers)!r}, 'pth').write_text('ran')\n",
        "conftest.py": writer(markers, "conftest.py"),
        "setup.py": writer(markers, "setup.py") + "from setuptools import setup\nsetup()\n",
        "__init__.py": writer(markers, "__init__.py"),
        "planted/__init__.py": writer(markers, "planted/__init__.py"),
        "shelly.py": SHELL_CODE,
    }


@pytest.fixture
def markers(tmp_path: Path) -> Path:
    path = tmp_path / "markers"
    path.mkdir()
    return path


def test_planted_modules_never_run_and_the_finding_is_reported(
        git_registry: GitRegistry, markers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_source_plugin(git_registry, "shelly", plants(markers),
                      "permissions: [subprocess, filesystem]\n")
    git_registry.commit("shelly plants modules")
    code, report = scan_json(git_registry, capsys, "--offline")
    assert sorted(p.name for p in markers.iterdir()) == []
    found = {(i["kind"], i["id"], i["where"]) for i in items(report, "shelly")}
    assert ("code", "B602", "shelly.py:5") in found
    assert code == 1
    assert "PI072" in rules(report)


def test_run_bandit_on_a_planted_tree_directly(tmp_path: Path, markers: Path) -> None:
    tree = tmp_path / "tree"
    for rel, text in plants(markers).items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(text)
    seal_tree(tree)
    result = run_bandit(tree, ScanConfig())
    assert list(markers.iterdir()) == []
    assert ("shelly.py", 5, "B602") in {(f.file, f.line, f.test_id) for f in result.findings}
    assert all(not Path(f.file).is_absolute() for f in result.findings)


def test_the_tree_is_read_only_and_still_removed(tmp_path: Path) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as tmp:
        tree = Path(tmp) / "source"
        (tree / "pkg" / "sub").mkdir(parents=True)
        (tree / "pkg" / "sub" / "m.py").write_text("X = 1\n")
        (tree / "top.py").write_text("X = 1\n")
        seal_tree(tree)
        modes = {p.relative_to(tree).as_posix(): stat.S_IMODE(p.stat().st_mode)
                 for p in [tree, *tree.rglob("*")]}
    assert modes == {".": 0o555, "pkg": 0o555, "pkg/sub": 0o555, "pkg/sub/m.py": 0o444,
                     "top.py": 0o444}
    assert not Path(tmp).exists()


def test_the_tools_get_an_isolated_interpreter_and_a_clean_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    env = sealed_env(tmp_path)
    assert "ghs_secret" not in json.dumps(env)
    assert set(env) == {"PATH", "HOME", "LC_ALL", "PYTHONSAFEPATH", "PYTHONDONTWRITEBYTECODE"}
    assert env["HOME"] == str(tmp_path)
    command = sealed_python("bandit", "-r", "x")
    assert command[1:5] == ["-I", "-B", "-m", "bandit"]
    assert os.path.isabs(command[0])
