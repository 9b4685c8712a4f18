"""plugindex scan --shard K/N and merge-records --shards N: a stable split by plugin whose
shards, merged, hold exactly the records of one unsharded scan (none lost, none twice), and a
merge that refuses a missing, repeated or mixed-up shard."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from plugindex.cli import main
from plugindex.scan.receipt import RECEIPT, digests, parse_receipt, receipt_bytes
from plugindex.scan.shard import MAX_SHARDS, Shard, parse_shard, shard_of
from tests.commands.test_merge_records import CLEAN_CODE, clone, records_of
from tests.conftest import GitRegistry
from tests.scan.test_scanner import add_source_plugin

NAMES = [f"plugin-{i}" for i in range(12)]
SHARDS = 3


def test_every_plugin_is_in_exactly_one_shard_and_stays_there() -> None:
    names = [f"p{i}" for i in range(2000)]
    for count in (1, 2, 3, 7):
        shards = [Shard(k, count) for k in range(1, count + 1)]
        assert all(sum(s.holds(n) for s in shards) == 1 for n in names)
        sizes = [sum(s.holds(n) for n in names) for s in shards]
        assert min(sizes) > 0.8 * len(names) / count  # a fair split of many names
    # the split is a digest of the name: the same on every machine and in every release
    assert [shard_of(n, 3) for n in ("auth-jwt", "admin-dashboard", "env-config")] == [1, 2, 3]


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "a/b", "1/0", f"1/{MAX_SHARDS + 1}",
                                  "1/²", "-1/3", "1/3/3"])
def test_a_shard_that_is_not_k_of_n_is_refused(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each of several messages
        parse_shard(text)


@pytest.mark.parametrize("command", ["scan", "audit"])
def test_a_bad_shard_is_a_usage_error(git_registry: GitRegistry, command: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--root", str(git_registry.root), "--shard", "4/3"])
    assert exc.value.code == 2


@pytest.fixture
def registry(git_registry: GitRegistry) -> GitRegistry:
    for name in NAMES:
        add_source_plugin(git_registry, name, {f"{name.replace('-', '_')}.py": CLEAN_CODE})
    git_registry.commit("twelve plugins")
    return git_registry


def export_shards(reg: GitRegistry, into: Path) -> list[Path]:
    dirs = []
    for k in range(1, SHARDS + 1):
        out = into / f"shard-{k}"
        assert main(["scan", "--root", str(reg.root), "--offline", "--shard",
                     f"{k}/{SHARDS}", "--export", str(out)]) == 0
        dirs.append(out)
    return dirs


def exported(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*")) if p.is_file() and p.name != RECEIPT}


def test_the_shards_merged_are_one_whole_scan(registry: GitRegistry, tmp_path: Path) -> None:
    whole = clone(registry, tmp_path / "whole")
    assert main(["scan", "--root", str(whole.root), "--offline"]) == 0
    dirs = export_shards(registry, tmp_path / "shards")
    parts = [exported(d) for d in dirs]
    assert all(parts)  # 12 plugins over 3 shards: none is empty here
    assert sum(len(p) for p in parts) == len({rel for p in parts for rel in p})  # none twice
    for k, part in enumerate(parts, start=1):
        assert {rel.split("/")[0] for rel in part} == {
            n for n in NAMES if shard_of(n, SHARDS) == k}
    target = clone(registry, tmp_path / "committer")
    assert main(["merge-records", "--root", str(target.root), "--shards", str(SHARDS),
                 *map(str, dirs)]) == 0
    assert records_of(target.root) == records_of(whole.root)  # none lost


def test_a_missing_or_repeated_shard_merges_nothing(registry: GitRegistry,
                                                    tmp_path: Path) -> None:
    dirs = export_shards(registry, tmp_path / "shards")
    target = clone(registry, tmp_path / "committer")
    merge = ["merge-records", "--root", str(target.root), "--shards", str(SHARDS)]
    assert main([*merge, *map(str, dirs[:2])]) == 1  # shard 3 failed: the run fails
    assert main([*merge, str(dirs[0]), str(dirs[1]), str(dirs[1])]) == 1
    assert main(["merge-records", "--root", str(target.root), "--shards", "4",
                 *map(str, dirs)]) == 1  # the matrix and the merge disagree on N
    assert records_of(target.root) == {}


def test_a_record_in_the_wrong_shard_is_refused(registry: GitRegistry, tmp_path: Path) -> None:
    """A record moved to another shard's directory, receipts rewritten to match: each
    directory is consistent, but the record is not its shard's."""
    dirs = export_shards(registry, tmp_path / "shards")
    first, second = (parse_receipt((d / RECEIPT).read_bytes()) for d in dirs[:2])
    rel = sorted(first.records)[0]
    (dirs[1] / rel).parent.mkdir(parents=True, exist_ok=True)
    shutil.move(dirs[0] / rel, dirs[1] / rel)
    for d, receipt in ((dirs[0], first), (dirs[1], second)):
        (d / RECEIPT).write_bytes(receipt_bytes(type(receipt)(
            receipt.command, receipt.commit, receipt.shard, digests(exported(d)))))
    target = clone(registry, tmp_path / "committer")
    assert main(["merge-records", "--root", str(target.root), "--shards", str(SHARDS),
                 *map(str, dirs)]) == 1
    assert records_of(target.root) == {}


def test_shards_of_different_commits_are_refused(registry: GitRegistry,
                                                 tmp_path: Path) -> None:
    dirs = export_shards(registry, tmp_path / "shards")
    receipt = json.loads((dirs[2] / RECEIPT).read_bytes())
    receipt["commit"] = "0" * 40
    (dirs[2] / RECEIPT).write_text(json.dumps(receipt))
    target = clone(registry, tmp_path / "committer")
    assert main(["merge-records", "--root", str(target.root), "--shards", str(SHARDS),
                 *map(str, dirs)]) == 1
    assert records_of(target.root) == {}
