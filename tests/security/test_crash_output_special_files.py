"""``--output FILE`` (review, and every command writing through fsutil.write_atomic) used to
rename a temporary file over whatever was at the path: a FIFO, a symlink, a device (run as
root, ``--output /dev/null`` replaced /dev/null). Now only a regular file is ever replaced, or
a new one created; anything else is refused with exit 2 and left as it was."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from plugindex.adapters import fsutil
from plugindex.cli import main
from plugindex.errors import OutputRefused
from tests.conftest import GitRegistry


def fifo(tmp_path: Path) -> tuple[Path, Callable[[], bool]]:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path, lambda: stat.S_ISFIFO(os.lstat(path).st_mode)


def symlink_to_file(tmp_path: Path) -> tuple[Path, Callable[[], bool]]:
    target = tmp_path / "precious.txt"
    target.write_bytes(b"precious\n")
    path = tmp_path / "link"
    path.symlink_to(target)
    return path, lambda: path.is_symlink() and target.read_bytes() == b"precious\n"


def device(tmp_path: Path) -> tuple[Path, Callable[[], bool]]:
    """A stand-in for a device path: a symlink to /dev/null (the real one is never touched)."""
    path = tmp_path / "null"
    path.symlink_to(os.devnull)
    return path, lambda: path.is_symlink() and stat.S_ISCHR(os.stat(os.devnull).st_mode)


def directory(tmp_path: Path) -> tuple[Path, Callable[[], bool]]:
    path = tmp_path / "reports"
    (path / "keep").mkdir(parents=True)
    return path, (path / "keep").is_dir


def dangling_symlink(tmp_path: Path) -> tuple[Path, Callable[[], bool]]:
    path = tmp_path / "dangling"
    path.symlink_to(tmp_path / "elsewhere")
    return path, lambda: path.is_symlink() and not (tmp_path / "elsewhere").exists()


SPECIAL = [fifo, symlink_to_file, device, directory, dangling_symlink]


@pytest.mark.parametrize("make", SPECIAL, ids=lambda f: f.__name__)
def test_write_atomic_replaces_only_regular_files(tmp_path: Path,
                                                  make: Callable[[Path], tuple[
                                                      Path, Callable[[], bool]]]) -> None:
    path, intact = make(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(OutputRefused) as caught:
        fsutil.write_atomic(path, b"report\n")
    assert caught.value.exit_code == 2
    assert intact()
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no temporary file left


def test_a_regular_file_is_replaced_and_a_new_one_created(tmp_path: Path) -> None:
    old = tmp_path / "old.md"
    old.write_bytes(b"old\n")
    fsutil.write_atomic(old, b"new\n")
    fsutil.write_atomic(tmp_path / "sub" / "fresh.md", b"fresh\n")
    assert old.read_bytes() == b"new\n"
    assert (tmp_path / "sub" / "fresh.md").read_bytes() == b"fresh\n"


@pytest.mark.parametrize(("mode", "refused"), [
    (stat.S_IFREG | 0o644, False), (stat.S_IFCHR | 0o666, True), (stat.S_IFBLK | 0o660, True),
    (stat.S_IFIFO | 0o644, True), (stat.S_IFLNK | 0o777, True), (stat.S_IFDIR | 0o755, True),
    (stat.S_IFSOCK | 0o755, True),
], ids=["regular", "char-device", "block-device", "fifo", "symlink", "directory", "socket"])
def test_every_kind_but_a_regular_file_is_named(mode: int, refused: bool) -> None:
    assert (fsutil.file_kind(mode) is not None) == refused


@pytest.mark.parametrize("make", [fifo, device], ids=lambda f: f.__name__)
def test_review_output_refuses_a_special_file(git_registry: GitRegistry, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str],
                                              make: Callable[[Path], tuple[
                                                  Path, Callable[[], bool]]]) -> None:
    def review(output: Path) -> int:
        return main(["review", "--base", "main", "--author", "alice", "--output", str(output),
                     "--root", str(git_registry.root)])

    assert review(tmp_path / "report.md") in (0, 1)  # the same review into a regular file
    assert (tmp_path / "report.md").stat().st_size > 0
    path, intact = make(tmp_path)
    assert review(path) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert intact()
