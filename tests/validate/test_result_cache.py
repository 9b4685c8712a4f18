"""``plugindex validate`` keeps schema checks' results in the user cache: the same report from
a warm cache, a damaged or unusable cache only costs time, and off means nothing is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from plugindex.cli import main
from plugindex.commands.validate import SCHEMA_RESULTS
from tests.conftest import VALID_MANIFEST, GitRegistry

BAD = VALID_MANIFEST.replace('version: "{version}"', "version: [1, 2]").replace(
    "license: MIT", "license: MIT\nhomepage: 3")


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("PLUGINDEX_CACHE_DIR", str(home))
    return home / SCHEMA_RESULTS


def _report(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[object]]:
    code = main(["validate", "--root", str(root), "--format", "json"])
    diagnostics: list[object] = json.loads(capsys.readouterr().out)["diagnostics"]
    return code, diagnostics


def _entries(store: Path) -> list[Path]:
    return sorted(p for p in store.rglob("*") if p.is_file()) if store.exists() else []


def _registry(git_registry: GitRegistry) -> Path:
    git_registry.add_plugin("good", "1.0.0")
    git_registry.add_plugin("bad", "1.0.0", BAD.format(name="bad", version="1.0.0"))
    return git_registry.root


def test_a_warm_cache_gives_the_same_report(git_registry: GitRegistry, store: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    root = _registry(git_registry)
    cold = _report(root, capsys)
    entries = _entries(store)
    assert len(entries) == 3  # registry.yaml and the two manifests
    assert _report(root, capsys) == cold
    assert cold[0] == 1
    assert {d["rule"] for d in cold[1]} >= {"PI021"}  # type: ignore[index]
    assert _entries(store) == entries


def test_a_changed_file_is_checked_again(git_registry: GitRegistry, store: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    root = _registry(git_registry)
    assert _report(root, capsys)[0] == 1
    git_registry.write("submissions/bad/1.0.0.yaml", VALID_MANIFEST.format(
        name="bad", version="1.0.0"))
    assert _report(root, capsys) == (0, [])
    git_registry.write("submissions/bad/1.0.0.yaml", BAD.format(name="bad", version="1.0.0"))
    assert _report(root, capsys)[0] == 1


def test_damaged_entries_are_recomputed(git_registry: GitRegistry, store: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    root = _registry(git_registry)
    cold = _report(root, capsys)
    for entry in _entries(store):
        entry.write_bytes(b'[["not", "a", "row"]]')
    assert _report(root, capsys) == cold
    for entry in _entries(store):
        entry.write_bytes(b"\xff not json")
    assert _report(root, capsys) == cold


def test_an_unusable_cache_directory_only_costs_time(
        git_registry: GitRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    root = _registry(git_registry)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    monkeypatch.setenv("PLUGINDEX_CACHE_DIR", str(blocker))
    code, found = _report(root, capsys)
    assert code == 1
    assert found
    assert blocker.read_text() == "not a directory\n"


def test_turned_off_nothing_is_written(git_registry: GitRegistry, store: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PLUGINDEX_NO_CACHE", "1")
    assert _report(_registry(git_registry), capsys)[0] == 1
    assert _entries(store) == []


def test_a_warm_run_does_not_import_jsonschema(git_registry: GitRegistry, store: Path) -> None:
    root = _registry(git_registry)
    probe = ("import sys\nfrom plugindex.cli import main\n"
             "code = main(['validate', '--root', sys.argv[1]])\n"
             "print(code, 'jsonschema' in sys.modules)\n")
    env = {**os.environ, "PLUGINDEX_CACHE_DIR": str(store.parent)}

    def run() -> str:
        return subprocess.run([sys.executable, "-c", probe, str(root)], capture_output=True,
                              text=True, check=True, env=env).stdout.split()[-2:]

    assert run() == ["1", "True"]
    assert run() == ["1", "False"]
