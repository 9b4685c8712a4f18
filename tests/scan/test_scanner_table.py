"""A scanner is one module and one line in the table (scanners.registry.SCANNERS): registered
here (a fake, by replacing the table), it flows into the record, the judged items, the
diagnostics and the summary, and adding it rescans a source once, without a line elsewhere."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from plugindex.config.scan import ScanConfig
from plugindex.manifests.model import Manifest
from plugindex.scan.scanner import unscanned_parts
from plugindex.scanners import registry
from plugindex.scanners.base import Item, RecordPart, SealedTree
from tests.conftest import GitRegistry
from tests.scan.test_scanner import add_source_plugin, items, scan_json


class TodoScanner:
    """Finds TODO markers in Python files, read as data."""

    name = "todo"

    def tools(self) -> Mapping[str, str]:
        return {"todo": "1"}

    def scan(self, tree: SealedTree, config: ScanConfig) -> RecordPart:
        found = []
        for path in sorted(tree.root.rglob("*.py")):
            if path.is_file() and not path.is_symlink():
                text = path.read_text(encoding="utf-8", errors="replace")
                found += [[path.relative_to(tree.root).as_posix(), n]
                          for n, line in enumerate(text.splitlines(), 1) if "TODO" in line]
        return {"todos": found}

    def unscanned(self) -> RecordPart:
        return {"todos": []}

    def items(self, part: Mapping[str, Any], manifest: Manifest, config: ScanConfig
              ) -> list[Item]:
        if "todos" not in part:
            return [Item("skipped", "todo", "", config.policy.skipped,
                         "the source was not looked at for TODOs", rule="PI073")]
        level = config.policy.bandit_level("high", "high")  # taken as seriously as that
        return [Item("code", "TODO1", f"{file}:{line}", level, "a TODO is left in the code",
                     rule="PI072") for file, line in part["todos"]]

    def summary(self, part: Mapping[str, Any], items: Sequence[Item], config: ScanConfig
                ) -> dict[str, Any]:
        return {"todos": len(items)}


class ClashingScanner(TodoScanner):
    name = "clashing"

    def unscanned(self) -> RecordPart:
        return {"facts": None}  # the quality scanner's


@pytest.fixture
def todo_plugin(git_registry: GitRegistry) -> GitRegistry:
    add_source_plugin(git_registry, "todoist", {
        "todoist.py": "VALUE = 1\n\n\ndef later():\n    return VALUE  # TODO: compute it\n"})
    git_registry.commit("todoist")
    return git_registry


def register(monkeypatch: pytest.MonkeyPatch, scanner: object) -> None:
    monkeypatch.setattr(registry, "SCANNERS", (*registry.SCANNERS, scanner))


def record_of(reg: GitRegistry, plugin: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        next((reg.root / "index/cache" / plugin).glob("scan-*.json")).read_text())
    return data


def test_a_registered_scanner_flows_into_the_record_the_items_and_the_diagnostics(
        todo_plugin: GitRegistry, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    register(monkeypatch, TodoScanner())
    code, report = scan_json(todo_plugin, capsys, "--offline")
    record = record_of(todo_plugin, "todoist")
    assert record["todos"] == [["todoist.py", 5]]
    assert record["tools"]["todo"] == "1"
    assert "bandit" in record  # the other scanners' parts are there as ever
    found = [(i["kind"], i["id"], i["where"], i["level"]) for i in items(report, "todoist")
             if i["id"] == "TODO1"]
    assert found == [("code", "TODO1", "todoist.py:5", "block")]
    version = report["versions"][0]
    assert (version["verdict"], version["summary"]["todos"]) == ("blocked", 1)
    diagnostics = [(d["rule"], d["severity"], d["pointer"], d["message"])
                   for d in report["diagnostics"] if "TODO" in d["message"]]
    assert diagnostics == [("PI072", "error", "/source",
                            "todoist.py:5: TODO1 a TODO is left in the code")]
    assert code == 1


def test_adding_a_scanner_rescans_a_source_once(
        todo_plugin: GitRegistry, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _, before = scan_json(todo_plugin, capsys)
    assert "todos" not in record_of(todo_plugin, "todoist")
    register(monkeypatch, TodoScanner())
    _, offline = scan_json(todo_plugin, capsys, "--offline")  # the old record, as it is
    assert [v["scanned"] for v in offline["versions"]] == [False]
    assert ("skipped", "todo") in {(i["kind"], i["id"]) for i in items(offline, "todoist")}
    assert offline["versions"][0]["verdict"] == "incomplete"
    _, first = scan_json(todo_plugin, capsys)
    _, second = scan_json(todo_plugin, capsys)
    assert [v["scanned"] for v in (*before["versions"], *first["versions"],
                                   *second["versions"])] == [True, True, False]
    assert record_of(todo_plugin, "todoist")["todos"] == [["todoist.py", 5]]


def test_a_scanner_writing_another_scanners_key_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    register(monkeypatch, ClashingScanner())
    with pytest.raises(ValueError, match=r"scanner 'clashing' writes \['facts'\]"):
        unscanned_parts()
