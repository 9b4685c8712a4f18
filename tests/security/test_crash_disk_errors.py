"""A read-only or full disk used to end a build with a raw OSError traceback and leave
index/v1.new-PID behind. Now the temporary tree (or file) is removed, the published index is
left byte for byte, and the command exits 2 with a message naming the path."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from plugindex.adapters import fsutil
from plugindex.cli import main
from plugindex.errors import DiskError
from tests.conftest import GitRegistry


@pytest.fixture
def changed(git_registry: GitRegistry) -> tuple[GitRegistry, dict[str, bytes]]:
    """A built registry with one more plugin committed since: the next build must publish."""
    reg = git_registry
    reg.add_plugin("alpha", "1.0.0")
    reg.commit("alpha")
    assert main(["build", "--root", str(reg.root)]) == 0
    reg.add_plugin("beta", "1.0.0")
    reg.commit("beta")
    return reg, reg.index_bytes()


def full(path: object) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def left_as_it_was(reg: GitRegistry, before: dict[str, bytes],
                   capsys: pytest.CaptureFixture[str]) -> None:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert str(reg.root / "index" / "v1") in err  # the message names the path
    assert reg.index_bytes() == before
    assert sorted(p.name for p in (reg.root / "index").iterdir()) == ["v1"]
    # The cache did not move: the next build (with room on the disk) publishes beta.
    assert main(["build", "--root", str(reg.root)]) == 0
    assert "plugins/beta.json" in reg.index_bytes()


def test_disk_full_while_writing_the_new_tree(changed: tuple[GitRegistry, dict[str, bytes]],
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    reg, before = changed
    real_open = open

    def filling(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if "w" in mode and str(file).endswith("beta.json"):
            raise full(file)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(fsutil, "open", filling, raising=False)
    assert main(["build", "--root", str(reg.root)]) == 2
    monkeypatch.undo()
    left_as_it_was(reg, before, capsys)


def dying_rename(when: Callable[[str, str], bool], real: Callable[..., None]
                 ) -> Callable[[Any, Any], None]:
    def rename(src: Any, dst: Any) -> None:
        if when(Path(src).name, Path(dst).name):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(src), None, str(dst))
        real(src, dst)
    return rename


@pytest.mark.parametrize("moment", ["moving the old tree aside", "moving the new tree in"])
def test_rename_failing_during_the_swap(changed: tuple[GitRegistry, dict[str, bytes]],
                                        monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str], moment: str) -> None:
    reg, before = changed
    if moment == "moving the old tree aside":
        def when(src: str, dst: str) -> bool:
            return dst.startswith("v1.old-")
    else:
        def when(src: str, dst: str) -> bool:
            return src.startswith("v1.new-")
    monkeypatch.setattr(fsutil.os, "replace", dying_rename(when, os.replace))
    assert main(["build", "--root", str(reg.root)]) == 2
    monkeypatch.undo()
    left_as_it_was(reg, before, capsys)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through directory permissions")
def test_read_only_index_directory(changed: tuple[GitRegistry, dict[str, bytes]],
                                   capsys: pytest.CaptureFixture[str]) -> None:
    reg, before = changed
    index = reg.root / "index"
    index.chmod(0o555)
    try:
        assert main(["build", "--root", str(reg.root)]) == 2
    finally:
        index.chmod(0o755)
    left_as_it_was(reg, before, capsys)


def test_write_atomic_on_a_full_disk_leaves_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "report.md"
    out.write_bytes(b"previous\n")

    def no_room(fd: int) -> None:
        raise full(out)

    monkeypatch.setattr(fsutil.os, "fsync", no_room)
    with pytest.raises(DiskError) as caught:
        fsutil.write_atomic(out, b"new\n")
    monkeypatch.undo()
    assert caught.value.exit_code == 2
    assert str(out) in str(caught.value)
    assert sorted(tmp_path.iterdir()) == [out]
    assert out.read_bytes() == b"previous\n"
