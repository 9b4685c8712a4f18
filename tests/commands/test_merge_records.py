"""plugindex scan --export and plugindex merge-records: the hand-over of records from a job that
scans (no write token) to the job that commits. Everything handed over is checked; nothing is
merged unless everything is right.

The checks catch corruption, mix-ups and paths that are not records; they do not make a record
authentic: the committing job believes the scan job of its own run, which runs only main's code
with plugin code sealed off (SECURITY.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugindex.cli import main
from plugindex.scan.receipt import RECEIPT, digests, parse_receipt
from tests.conftest import GitRegistry
from tests.scan.test_scanner import SHELL_CODE, add_source_plugin

CLEAN_CODE = "def greet(name):\n    return 'hello ' + name\n"


@pytest.fixture
def scanned(git_registry: GitRegistry, tmp_path: Path) -> tuple[GitRegistry, Path]:
    """Two plugins scanned in a clone-like copy; the records exported to a directory."""
    add_source_plugin(git_registry, "greeter", {"greeter.py": CLEAN_CODE})
    add_source_plugin(git_registry, "shelly", {"shelly.py": SHELL_CODE},
                      "permissions: [subprocess]\n")
    git_registry.commit("two plugins")
    out = tmp_path / "exported"
    code = main(["scan", "--root", str(git_registry.root), "--offline", "--export", str(out)])
    assert code == 1  # shelly is blocked: a finding, not a failure of the export
    return git_registry, out


def clone(reg: GitRegistry, into: Path) -> GitRegistry:
    """The committing job's checkout: the registry without the scan's records."""
    reg.git("clone", "-q", str(reg.root), str(into))
    return GitRegistry(into)


def records_of(root: Path) -> dict[str, bytes]:
    base = root / "index" / "cache"
    return {p.relative_to(base).as_posix(): p.read_bytes()
            for p in sorted(base.rglob("*-*.json")) if p.parent != base}


def test_export_holds_exactly_the_records_the_scan_wrote(
        scanned: tuple[GitRegistry, Path]) -> None:
    reg, out = scanned
    exported = {p.relative_to(out).as_posix(): p.read_bytes()
                for p in sorted(out.rglob("*")) if p.is_file() and p.name != RECEIPT}
    assert exported == records_of(reg.root)
    assert {rel.split("/")[0] for rel in exported} == {"greeter", "shelly"}
    receipt = parse_receipt((out / RECEIPT).read_bytes())
    assert receipt.records == digests(exported)
    assert receipt.commit == reg.git("rev-parse", "HEAD").strip()
    assert receipt.shard is None


def test_a_second_scan_exports_nothing_new(
        scanned: tuple[GitRegistry, Path], tmp_path: Path) -> None:
    reg, _ = scanned
    again = tmp_path / "again"
    main(["scan", "--root", str(reg.root), "--offline", "--export", str(again)])
    assert [p.name for p in again.rglob("*")] == [RECEIPT]  # and it says so
    assert parse_receipt((again / RECEIPT).read_bytes()).records == {}


def test_merge_takes_the_exported_records_into_another_checkout(
        scanned: tuple[GitRegistry, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    reg, out = scanned
    expected = records_of(reg.root)
    target = clone(reg, tmp_path / "committer")
    assert records_of(target.root) == {}
    assert main(["merge-records", "--root", str(target.root), str(out)]) == 0
    assert records_of(target.root) == expected
    # merging again changes nothing and still succeeds
    capsys.readouterr()
    assert main(["merge-records", "--root", str(target.root), str(out), str(out)]) == 0
    assert "0 new or changed" in capsys.readouterr().out


@pytest.mark.parametrize("tamper", ["edited", "renamed", "not-json", "not-a-record", "symlink"])
def test_a_tampered_record_is_refused_and_nothing_is_merged(
        scanned: tuple[GitRegistry, Path], tmp_path: Path, tamper: str) -> None:
    reg, out = scanned
    shelly = next((out / "shelly").glob("scan-*.json"))
    greeter = next((out / "greeter").glob("scan-*.json"))
    if tamper == "edited":  # edited by hand: no longer the canonical bytes the scan writes
        record = json.loads(shelly.read_text())
        record["bandit"]["findings"] = []
        shelly.write_text(json.dumps(record))
    elif tamper == "renamed":  # another plugin's record under the blocked one's name
        shelly.write_bytes(greeter.read_bytes())
    elif tamper == "not-json":
        shelly.write_text("{")
    elif tamper == "not-a-record":  # a path outside the records
        (out / "registry.yaml").write_text("name: hijacked\n")
    else:
        shelly.unlink()
        shelly.symlink_to(greeter)
    target = clone(reg, tmp_path / "committer")
    assert main(["merge-records", "--root", str(target.root), str(out)]) == 1
    assert records_of(target.root) == {}
    assert (target.root / "registry.yaml").read_text() == (reg.root / "registry.yaml").read_text()


def test_two_directories_disagreeing_on_a_record_is_a_conflict(
        scanned: tuple[GitRegistry, Path], tmp_path: Path) -> None:
    reg, out = scanned
    other = tmp_path / "other"
    shelly = next((out / "shelly").glob("scan-*.json"))
    copy = other / shelly.relative_to(out)
    copy.parent.mkdir(parents=True)
    record = json.loads(shelly.read_text())
    record["bandit"]["findings"] = []
    copy.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    target = clone(reg, tmp_path / "committer")
    assert main(["merge-records", "--root", str(target.root), str(out), str(other)]) == 1
    assert records_of(target.root) == {}


def test_a_missing_directory_is_an_environment_error(
        scanned: tuple[GitRegistry, Path], tmp_path: Path) -> None:
    reg, out = scanned
    target = clone(reg, tmp_path / "committer")
    assert main(["merge-records", "--root", str(target.root), str(out),
                 str(tmp_path / "no-such-shard")]) == 2
    assert records_of(target.root) == {}


def test_a_directory_without_its_receipt_is_refused(
        scanned: tuple[GitRegistry, Path], tmp_path: Path) -> None:
    reg, out = scanned
    (out / RECEIPT).unlink()
    target = clone(reg, tmp_path / "committer")
    assert main(["merge-records", "--root", str(target.root), str(out)]) == 1
    assert records_of(target.root) == {}


def test_a_record_lost_in_transit_is_refused(
        scanned: tuple[GitRegistry, Path], tmp_path: Path) -> None:
    reg, out = scanned
    next((out / "greeter").glob("scan-*.json")).unlink()  # the rest is well-formed
    target = clone(reg, tmp_path / "committer")
    assert main(["merge-records", "--root", str(target.root), str(out)]) == 1
    assert records_of(target.root) == {}
