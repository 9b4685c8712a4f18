"""Every source is pinned, and every time in every JSON output is RFC 3339 in UTC."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from plugindex.cli import main
from tests.conftest import ROOT, GitRegistry

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
TIME_KEYS = {"published", "updated", "first", "last", "time"}


def times(value: Any) -> Iterator[tuple[str, Any]]:
    """(key, value) of every time-named key, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in TIME_KEYS and not isinstance(item, dict | list):
                yield key, item
            yield from times(item)
    elif isinstance(value, list):
        for item in value:
            yield from times(item)


def test_an_in_repository_source_is_pinned_by_its_publishing_commit(
        git_registry: GitRegistry) -> None:
    git_registry.add_plugin("alpha", "1.0.0")
    first = git_registry.commit("alpha 1.0.0")
    git_registry.add_plugin("alpha", "1.1.0")
    second = git_registry.commit("alpha 1.1.0")
    assert main(["build", "--root", str(git_registry.root)]) == 0
    detail = json.loads((git_registry.root / "index/v1/plugins/alpha.json").read_bytes())
    assert {v["version"]: v["source"]["pin"] for v in detail["versions"]} == {
        "1.0.0": first, "1.1.0": second}
    assert all(f"@{v['source']['pin']}#" in v["pip"]["requirement"]
               for v in detail["versions"])  # the pin is what pip installs


@pytest.mark.parametrize("name", ["index.json", "related.json", "contributors.json",
                                  "plugins/auth-jwt.json"])
def test_every_time_in_the_index_is_rfc3339_utc(name: str) -> None:
    found = list(times(json.loads((ROOT / "index" / "v1" / name).read_bytes())))
    assert all(v is None or (isinstance(v, str) and RFC3339_UTC.match(v)) for _, v in found), [
        (k, v) for k, v in found if not (v is None or isinstance(v, str))]
    if name != "related.json":
        assert found


def test_reputation_json_writes_times_as_the_index_does(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reputation", "--format", "json", "--root", str(ROOT)]) == 0
    board = json.loads(capsys.readouterr().out)
    who = board[0]["id"]
    assert main(["reputation", who, "--format", "json", "--root", str(ROOT)]) == 0
    one = json.loads(capsys.readouterr().out)
    found = list(times(board)) + list(times(one))
    assert len(found) > 3
    assert all(isinstance(v, str) and RFC3339_UTC.match(v) for _, v in found), found
