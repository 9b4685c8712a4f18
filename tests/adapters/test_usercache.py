"""The user cache: entries by content key, bounded by pruning the entries used longest ago."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from plugindex.adapters import usercache
from plugindex.adapters.usercache import FileStore, prune


def _age(path: Path, seconds: int) -> None:
    os.utime(path, (seconds, seconds))


def test_an_entry_reads_back_and_a_bad_key_is_refused(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    store.put("ab0123", b"data")
    assert store.get("ab0123") == b"data"
    assert store.get("ab0999") is None
    with pytest.raises(ValueError, match="not a cache key"):
        store.get("../x")


def test_a_full_directory_keeps_the_entries_used_last(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(usercache, "MAX_ENTRIES", 4)
    store = FileStore(tmp_path)
    keys = [f"ab1{i:03d}" for i in range(8)]  # third character not '0': no pruning yet
    for age, key in enumerate(keys):
        store.put(key, key.encode())
        _age(tmp_path / "ab" / key, 1_000_000 + age)
    assert store.get(keys[0]) == keys[0].encode()  # the oldest, used now
    store.put("ab0new", b"new")  # a key that looks: 9 entries, past 2 x 4
    kept = sorted(p.name for p in (tmp_path / "ab").iterdir())
    assert kept == sorted(["ab0new", keys[0], keys[7], keys[6]])


def test_pruning_a_directory_that_is_not_there_is_nothing(tmp_path: Path) -> None:
    prune(tmp_path / "missing", keep=1)
    (tmp_path / "few").mkdir()
    (tmp_path / "few" / "ab0001").write_bytes(b"x")
    prune(tmp_path / "few", keep=1)
    assert (tmp_path / "few" / "ab0001").exists()
