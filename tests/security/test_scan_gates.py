"""Attacks on the scan's gates: a ``# nosec`` comment on a blocking finding, a file written in
syntax newer than the scanner's Python, and a scan or audit record filed under a source it is
not about (copied from a clean plugin, or planted for a source nobody fetched).

Required: the ``# nosec`` finding still blocks unless an admin override covers it; a file that
cannot be parsed is a scan error that blocks by default; a record whose key (or tree, or
requirements) does not match where it is filed is treated as absent."""

from __future__ import annotations

import json

import pytest

from plugindex.scan.records import audit_record, audit_record_path, dumps
from plugindex.scanners.pipaudit import AuditResult
from tests.conftest import GitRegistry
from tests.scan.test_scanner import (
    SHELL_CODE,
    add_source_plugin,
    items,
    override,
    rules,
    scan_json,
    set_scan_config,
)

NOSEC_SHELL = SHELL_CODE.replace("shell=True)", "shell=True)  # nosec")


def test_nosec_on_a_blocking_finding_still_blocks(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    add_source_plugin(git_registry, "shelly", {"shelly.py": NOSEC_SHELL},
                      "permissions: [subprocess]\n")
    git_registry.commit("shelly hushes its shell")
    code, report = scan_json(git_registry, capsys, "--offline")
    hushed = [(i["kind"], i["id"], i["level"], i["overridden_by"])
              for i in items(report, "shelly") if i["id"] == "B602"]
    assert hushed == [("suppressed", "B602", "block", None)]
    assert report["versions"][0]["summary"]["suppressed"] == 1
    assert (code, report["versions"][0]["verdict"]) == (1, "blocked")
    assert "PI072" in rules(report)


def test_an_admin_override_lifts_a_nosec_block(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    add_source_plugin(git_registry, "shelly", {"shelly.py": NOSEC_SHELL},
                      "permissions: [subprocess]\n")
    set_scan_config(git_registry, override("farm-registry-admin"))
    git_registry.commit("shelly, reviewed")
    code, report = scan_json(git_registry, capsys, "--offline")
    hushed = [(i["kind"], i["overridden_by"]) for i in items(report, "shelly")
              if i["id"] == "B602"]
    assert hushed == [("suppressed", "farm-registry-admin")]
    assert code == 0


def test_a_file_the_scanner_cannot_parse_blocks_by_default(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    # 'type X = ...' is Python 3.12 syntax: the 3.11 scanner cannot read the file at all.
    add_source_plugin(git_registry, "future", {
        "future.py": "import subprocess\n\ntype Command = str\n\n\n"
                     "def run(cmd):\n    return subprocess.call(cmd, shell=True)\n"})
    git_registry.commit("future")
    code, report = scan_json(git_registry, capsys, "--offline")
    errors = {(i["id"], i["where"], i["level"]) for i in items(report, "future")
              if i["kind"] == "scan-error"}
    assert errors == {("scan-error", "future.py", "block"), ("permissions", "future.py", "block")}
    assert "PI073" in {d["rule"] for d in report["diagnostics"] if d["severity"] == "error"}
    assert (code, report["versions"][0]["verdict"]) == (1, "blocked")


def test_scan_errors_follow_the_policy(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    add_source_plugin(git_registry, "broken", {"broken.py": "def f(:\n    pass\n"})
    set_scan_config(git_registry, "  policy:\n    scan_errors: warn\n")
    git_registry.commit("broken, scan errors only warn")
    code, report = scan_json(git_registry, capsys, "--offline")
    assert {d["severity"] for d in report["diagnostics"] if d["rule"] == "PI073"} == {"warning"}
    assert code == 0


@pytest.fixture
def two_plugins(git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> GitRegistry:
    add_source_plugin(git_registry, "shelly", {"shelly.py": SHELL_CODE},
                      "permissions: [subprocess]\n")
    add_source_plugin(git_registry, "calm", {"calm.py": "X = 1\n"})
    git_registry.commit("shelly and calm")
    code, _ = scan_json(git_registry, capsys, "--offline")
    assert code == 1
    return git_registry


@pytest.mark.parametrize("forge", ["copied", "key-rewritten"])
def test_a_record_filed_under_another_source_is_ignored(
        two_plugins: GitRegistry, capsys: pytest.CaptureFixture[str], forge: str) -> None:
    cache = two_plugins.root / "index" / "cache"
    shelly = next((cache / "shelly").glob("scan-*.json"))
    victim = json.loads(shelly.read_text())
    clean = json.loads(next((cache / "calm").glob("scan-*.json")).read_text())
    if forge == "key-rewritten":  # the clean record, claiming shelly's key (calm's tree)
        clean["key"] = victim["key"]
    shelly.write_bytes(dumps(clean))
    code, report = scan_json(two_plugins, capsys, "--offline", "shelly@1.0.0")
    assert report["versions"][0]["scanned"] is True
    assert "B602" in {i["id"] for i in items(report, "shelly")}
    assert code == 1
    assert json.loads(shelly.read_text())["key"] == victim["key"]
    assert json.loads(shelly.read_text())["source"]["tree"] == victim["source"]["tree"]


def test_an_audit_record_for_other_requirements_is_ignored(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    add_source_plugin(git_registry, "victim", {"victim.py": "X = 1\n"},
                      'requires:\n  packages: ["jinja2==2.10"]\n')
    git_registry.commit("victim")
    planted = audit_record(["idna==3.7"], AuditResult(tool="pip-audit 2.10.1"),
                           since="2024-01-01", service="osv (local)")
    git_registry.write(audit_record_path("victim", ["jinja2==2.10"]), dumps(planted))
    git_registry.commit("a clean audit record for requirements nobody audited")
    _, report = scan_json(git_registry, capsys, "--offline")
    assert report["versions"][0]["verdict"] == "incomplete"
    assert [i["id"] for i in items(report, "victim") if i["kind"] == "audit-skipped"] == [
        "not-audited"]

