"""Attack: a plugin requires ``jinja2==2.10`` (a known advisory) in its manifest and ships an
empty ``requirements.txt`` or an unreadable ``pylock.toml``, so that the audit, which took the
source's lock file *instead of* the manifest, audits nothing and says nothing.

Required: the manifest's requirements and the lock file's pins are audited together; a lock or
requirements file that yields nothing is a scan error (PI073), never "nothing to audit"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from plugindex.scanners.lockfiles import read_declared
from tests.conftest import GitRegistry
from tests.scan.test_scanner import (
    JINJA2_ADVISORY,
    add_source_plugin,
    advisory_db,
    items,
    rules,
    scan_json,
    serving,
)

REQUIRES_JINJA2 = 'requires:\n  packages: ["jinja2==2.10"]\n'


@pytest.fixture
def osv(tmp_path: Path) -> Iterator[str]:
    with serving(advisory_db(tmp_path / "osv", {"jinja2/PYSEC-2019-217": JINJA2_ADVISORY})
                 ) as endpoint:
        yield endpoint


@pytest.mark.parametrize(("lock_file", "content"), [
    ("requirements.txt", b""),
    ("requirements.txt", b"# nothing to see here\n-r other-requirements.txt\n"),
    ("pylock.toml", b"lock-version = \x00\xff not toml ["),
    ("uv.lock", b"\xff\xfe\x00v\x00e\x00r\x00"),  # not UTF-8
])
def test_a_lock_file_that_yields_nothing_does_not_stop_the_audit(
        git_registry: GitRegistry, osv: str, capsys: pytest.CaptureFixture[str],
        lock_file: str, content: bytes) -> None:
    git_registry.write(f"plugins/evader/{lock_file}", content)
    add_source_plugin(git_registry, "evader", {"evader.py": "X = 1\n"}, REQUIRES_JINJA2)
    git_registry.commit("evader")
    code, report = scan_json(git_registry, capsys, "--osv-url", osv)
    found = items(report, "evader")
    assert {(i["kind"], i["id"], i["where"], i["level"]) for i in found
            if i["kind"] in ("advisory", "scan-error")} == {
        ("advisory", "PYSEC-2019-217", "jinja2==2.10", "block"),
        ("scan-error", "lock-file", lock_file, "block"),
    }
    assert {"PI073", "PI074"} <= rules(report)
    assert (code, report["versions"][0]["verdict"]) == (1, "blocked")


def test_the_control_plugin_is_blocked_the_same_way(
        git_registry: GitRegistry, osv: str, capsys: pytest.CaptureFixture[str]) -> None:
    add_source_plugin(git_registry, "control", {"control.py": "X = 1\n"}, REQUIRES_JINJA2)
    git_registry.commit("control")
    code, report = scan_json(git_registry, capsys, "--osv-url", osv)
    assert [i["id"] for i in items(report, "control") if i["kind"] == "advisory"] == [
        "PYSEC-2019-217"]
    assert code == 1


def test_a_lock_file_and_the_manifest_are_audited_together(
        git_registry: GitRegistry, osv: str, capsys: pytest.CaptureFixture[str]) -> None:
    add_source_plugin(git_registry, "both", {
        "both.py": "X = 1\n", "requirements.txt": "idna==3.7\n",
    }, REQUIRES_JINJA2)
    git_registry.commit("both")
    code, report = scan_json(git_registry, capsys, "--osv-url", osv)
    assert [i["where"] for i in items(report, "both") if i["kind"] == "advisory"] == [
        "jinja2==2.10"]
    assert "PI073" not in rules(report)
    assert code == 1


def test_every_lock_file_present_is_read(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("idna==3.7\n")
    (tmp_path / "pylock.toml").write_text(
        'lock-version = "1.0"\n[[packages]]\nname = "Jinja2"\nversion = "2.10"\n')
    (tmp_path / "Pipfile.lock").write_text("{not json")
    declared = read_declared(tmp_path)
    assert declared is not None
    assert declared.files == ("pylock.toml", "Pipfile.lock", "requirements.txt")
    assert declared.requirements == ("idna==3.7", "jinja2==2.10")
    assert [f for f, _ in declared.problems] == ["Pipfile.lock"]
