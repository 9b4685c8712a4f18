"""The table of source scanners (scanners.registry.SCANNERS): each writes record keys of its own,
every one's part is in every record (scanned or not), parts are JSON as it reads back and
deterministic, and every item a scanner's part is judged into carries a catalogued rule."""

from __future__ import annotations

import json
from itertools import combinations

import pytest

from plugindex.adapters.proc import seal_tree
from plugindex.config.registry import RegistryConfig
from plugindex.config.scan import ScanConfig
from plugindex.manifests.model import Manifest, manifest_from
from plugindex.rules import CATALOG
from plugindex.scan.judge import judge, part_of
from plugindex.scan.records import ENVELOPE, source_record, tools_of
from plugindex.scan.scanner import scanned_parts, scanner_tools, unscanned_parts
from plugindex.scanners.base import SealedTree
from plugindex.scanners.registry import SCANNERS

SHELL = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
FILES = {
    "probe.py": SHELL,
    "legacy.py": "print 'python 2'\n",  # neither bandit nor the detector can read it
    "requirements.txt": "requests==2.0.0\n",
    "Pipfile.lock": "not json\n",  # yields nothing to audit: a problem
    "README.md": "# probe\n\n## Usage\n\nRun it.\n",
    "tests/test_probe.py": "def test_it():\n    assert True\n",
}


def probe_manifest(**fields: object) -> Manifest:
    return manifest_from({"name": "probe", "version": "1.0.0",
                          "source": {"path": "plugins/probe"}, **fields})


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> SealedTree:
    root = tmp_path_factory.mktemp("source")
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    seal_tree(root)
    return SealedTree(root, (1_700_003_600, 1_700_000_000))


@pytest.fixture(scope="module")
def parts(tree: SealedTree) -> dict[str, object]:
    return scanned_parts(tree, ScanConfig())


def test_the_table_holds_the_source_scanners() -> None:
    assert [s.name for s in SCANNERS] == ["bandit", "permissions", "lockfiles", "quality"]


def test_each_scanner_writes_record_keys_of_its_own() -> None:
    keys = {s.name: set(s.unscanned()) for s in SCANNERS}
    assert all(keys.values())
    for a, b in combinations(SCANNERS, 2):
        assert not keys[a.name] & keys[b.name], (a.name, b.name)
        assert not set(a.tools()) & set(b.tools()), (a.name, b.name)
    for s in SCANNERS:
        assert not keys[s.name] & ENVELOPE, s.name
        assert "scanner" not in s.tools(), s.name
    assert scanner_tools() == tools_of({k: v for s in SCANNERS for k, v in s.tools().items()})
    assert scanner_tools()["scanner"] == tools_of({})["scanner"]


def test_a_scanned_record_holds_every_scanners_part(tree: SealedTree,
                                                   parts: dict[str, object]) -> None:
    config = ScanConfig()
    for s in SCANNERS:
        part = s.scan(tree, config)
        assert set(part) == set(s.unscanned()), s.name
        assert json.loads(json.dumps(part)) == part, s.name  # JSON as it is read back
        assert {k: parts[k] for k in part} == part, s.name  # deterministic
    record = source_record("git-tree:x", config.scan_key, scanner_tools(), problem=None,
                           parts=parts)
    assert set(record) == ENVELOPE | {k for s in SCANNERS for k in s.unscanned()}
    assert record["facts"]["commits"] == {"times": [1_700_003_600, 1_700_000_000]}
    assert record["declared"]["requirements"] == ["requests==2.0.0"]


def test_a_record_of_a_source_not_fetched_holds_every_scanners_empty_part() -> None:
    config = ScanConfig()
    record = source_record("git-commit:" + "a" * 40, config.scan_key, scanner_tools(),
                           problem=("git-not-found", "git clone failed: gone", False),
                           parts=unscanned_parts())
    assert set(record) == ENVELOPE | {k for s in SCANNERS for k in s.unscanned()}
    for s in SCANNERS:
        assert part_of(s, record) == s.unscanned(), s.name
    judgement = judge(probe_manifest(), record, None, config)
    assert [(i.kind, i.id, i.rule) for i in judgement.items] == [
        ("audit-skipped", "not-audited", "PI076"), ("skipped", "git-not-found", "PI071")]
    assert judgement.verdict == "incomplete"


def test_a_part_may_not_overwrite_the_envelope() -> None:
    with pytest.raises(ValueError, match="'status'"):
        source_record("k", "c", {}, problem=None, parts={"status": "scanned"})


def test_every_scanners_items_carry_a_catalogued_rule_and_pointer(
        parts: dict[str, object], registry_config: RegistryConfig) -> None:
    config = registry_config.scan
    record = source_record("git-tree:x", config.scan_key, scanner_tools(), problem=None,
                           parts=parts)
    judgement = judge(probe_manifest(), record, None, config)
    found = {(i.kind, i.id, i.where, i.rule, i.pointer) for i in judgement.items}
    assert {
        ("code", "B602", "probe.py:5", "PI072", "/source"),
        ("scan-error", "scan-error", "legacy.py", "PI073", "/source"),
        ("scan-error", "permissions", "legacy.py", "PI073", "/source"),
        ("scan-error", "lock-file", "Pipfile.lock", "PI073", "/source"),
        ("permission", "subprocess", "probe.py:1", "PI075", "/permissions"),
    } <= found
    assert all(i.rule in CATALOG for i in judgement.items)
    summary = judgement.summary
    assert summary["findings"]["high"] == 1
    assert summary["permissions"] == {"detected": ["subprocess"], "undeclared": ["subprocess"]}
    assert summary["scan_errors"] == 3


def test_the_judge_reads_only_the_parts_a_record_has(parts: dict[str, object]) -> None:
    """A record made before a scanner existed (reused offline) lacks its keys: the scanner
    gets an empty part, the other scanners' items are unchanged."""
    config = ScanConfig()
    full = source_record("git-tree:x", config.scan_key, scanner_tools(), problem=None,
                         parts=parts)
    older = {k: v for k, v in full.items() if k not in ("declared", "facts")}
    lockfiles = next(s for s in SCANNERS if s.name == "lockfiles")
    assert part_of(lockfiles, older) == {}
    before = {i for i in judge(probe_manifest(), full, None, config).items
              if i.id != "lock-file"}
    assert set(judge(probe_manifest(), older, None, config).items) == before
