"""The build keeps related lists from the related.json of the commit it builds, and only from
a file the build itself could have written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from plugindex.adapters.gitrepo import GitRepo
from plugindex.build.builder import Builder
from tests.conftest import GitRegistry


@pytest.fixture
def built(git_registry: GitRegistry) -> GitRegistry:
    for name in ("alpha", "beta", "gamma"):
        git_registry.add_plugin(name, "1.0.0")
    git_registry.commit("three plugins")
    assert Builder(GitRepo(git_registry.root)).build().ok
    git_registry.commit("index")
    return git_registry


def _related(reg: GitRegistry) -> dict[str, object]:
    data: dict[str, object] = json.loads((reg.root / "index/v1/related.json").read_bytes())
    return data


def _rebuilt_cold(reg: GitRegistry, tmp: Path) -> dict[str, object]:
    shutil.rmtree(reg.root / ".cache", ignore_errors=True)
    assert Builder(GitRepo(reg.root)).build().ok
    return _related(reg)


@pytest.mark.parametrize("edit", [
    lambda d: d["related"].update(alpha=["beta", "beta"]),  # a name twice
    lambda d: d["basis"].update(changed=-5),  # a count no build writes
    lambda d: d["related"].update(alpha=["Not A Name"]),
    lambda d: d.update(basis="2026-12"),
], ids=["twice", "negative", "bad-name", "basis-not-an-object"])
def test_a_related_file_the_build_would_not_write_is_not_kept(
        built: GitRegistry, tmp_path: Path, edit: object) -> None:
    """An edited related.json that the contract refuses is not kept from: every list is
    computed again, and the build succeeds (it does not publish what it was handed)."""
    expected = _related(built)
    doc = _related(built)
    edit(doc)  # type: ignore[operator]
    (built.root / "index/v1/related.json").write_text(json.dumps(doc), encoding="utf-8")
    built.commit("an edited related.json")
    assert Builder(GitRepo(built.root)).build(check=True).stale == ("related.json",)
    assert _rebuilt_cold(built, tmp_path)["related"] == expected["related"]
