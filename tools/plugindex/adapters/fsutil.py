"""Atomic writes: one file, or a whole directory tree.

A new tree is assembled beside the old one (unchanged files hard-linked, changed files written
and flushed to disk), then swapped in with two renames. If a build dies at any moment, the published
directory is either the complete old tree or the complete new one; ``recover`` puts the old
tree back if a build died between the two renames.

One build at a time per checkout: ``build_lock`` (an exclusive ``flock`` on
``.cache/plugindex/build.lock``, released by the kernel when its holder dies). Readers of a
published tree call ``recovered``, which undoes an interrupted swap under that lock.
Failures of the file system (read-only or full disk) become ``DiskError`` naming the path,
with no temporary file or tree left behind; ``write_atomic`` only ever replaces a regular file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from plugindex.errors import BuildBusy, DiskError, OutputRefused, PlugindexError
from plugindex.layout import BUILD_LOCK

LOCK_WAIT = 600.0  # seconds to wait for another build of the checkout before refusing
LOCK_POLL = 0.1
_KINDS = ((stat.S_ISLNK, "a symlink"), (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def reason(exc: OSError) -> str:
    """The system's reason for a failed file operation, with the file it concerned."""
    what = exc.strerror or str(exc)
    return f"{os.fsdecode(exc.filename)}: {what}" if exc.filename is not None else what


def file_kind(mode: int) -> str | None:
    """What a file of this ``st_mode`` is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def _holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        pid = ""
    return f"process {pid}" if pid.isdigit() else "another process"


def _acquire(fd: int, path: Path, wait: float) -> None:
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        except OSError as exc:
            raise DiskError(f"cannot lock {path}: {reason(exc)}") from exc
        left = deadline - time.monotonic()
        if left <= 0:
            raise BuildBusy(f"another build of this checkout ({_holder(fd)}) holds {path}; "
                            f"waited {wait:g} s: run again when it has finished")
        if not told:
            print(f"plugindex: waiting for another build of this checkout ({_holder(fd)}, "
                  f"up to {wait:g} s)", file=sys.stderr)
            told = True
        time.sleep(min(LOCK_POLL, left))


@contextlib.contextmanager
def build_lock(root: Path, wait: float | None = None) -> Iterator[None]:
    """Hold the checkout's build lock for the block: one build, or one recovery of a published
    tree, at a time. Waits up to ``wait`` seconds (default ``LOCK_WAIT``) for another holder,
    then raises ``BuildBusy``."""
    path = root / BUILD_LOCK
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise DiskError(f"cannot open the build lock {path}: {reason(exc)}") from exc
    try:
        _acquire(fd, path, LOCK_WAIT if wait is None else wait)
        with contextlib.suppress(OSError):  # who holds it, for a waiter's message only
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def leftovers(target: Path) -> list[Path]:
    """What publications of ``target`` left beside it (a running build's, or a dead one's)."""
    parent = target.parent
    if not parent.is_dir():
        return []
    return sorted([*parent.glob(f"{target.name}.old-*"), *parent.glob(f"{target.name}.new-*")])


def recovered(root: Path, rel: str) -> Path:
    """``root/rel`` ready to be read: an interrupted publication of it undone first.

    With nothing left beside the tree, no lock is taken (a read-only checkout reads as
    before). A missing tree is put back under the build lock, after a running build (waiting
    as a build does). A standing tree is cleaned only if no build holds the lock: a running
    build's new tree is its own."""
    target = root / rel
    if not leftovers(target):
        return target
    standing = target.exists()
    try:
        with build_lock(root, wait=0.0 if standing else None):
            recover(target)
    except PlugindexError:
        if not standing:
            raise
    return target


def recover(target: Path) -> None:
    """Undo what a build killed mid-publication left behind (call with the build lock held,
    or where nothing else publishes ``target``)."""
    parent = target.parent
    if not parent.is_dir():
        return
    olds = sorted(parent.glob(f"{target.name}.old-*"))
    if not target.exists() and olds:
        try:
            os.replace(olds[-1], target)
        except OSError as exc:
            raise DiskError(f"cannot put {target} back from {olds[-1].name}: "
                            f"{reason(exc)}") from exc
        olds = olds[:-1]
    for leftover in [*olds, *parent.glob(f"{target.name}.new-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


def publish_tree(target: Path, files: Mapping[str, bytes | None]) -> None:
    """Make ``target`` hold exactly ``files`` (relative path -> bytes, or None to keep the
    current file of that path unchanged), atomically as a whole. If the file system fails
    (read-only, full), the new tree is removed, ``target`` is left as it was, and
    ``DiskError`` names the path."""
    recover(target)
    new = target.with_name(f"{target.name}.new-{os.getpid()}")
    try:
        _assemble(new, target, files)
        os.sync()  # one flush of everything written, instead of an fsync per file
    except OSError as exc:
        shutil.rmtree(new, ignore_errors=True)
        raise DiskError(f"cannot publish {target} ({reason(exc)}); it is left as it "
                        "was") from exc
    old = target.with_name(f"{target.name}.old-{os.getpid()}")
    try:
        _swap(target, new, old)
    except OSError as exc:
        shutil.rmtree(new, ignore_errors=True)
        raise DiskError(f"cannot publish {target} ({reason(exc)})") from exc
    shutil.rmtree(old, ignore_errors=True)


def _assemble(new: Path, target: Path, files: Mapping[str, bytes | None]) -> None:
    """Write the tree ``files`` at ``new``, hard-linking the unchanged files of ``target``."""
    shutil.rmtree(new, ignore_errors=True)
    new.mkdir(parents=True)
    old_dir, new_dir = str(target), str(new)
    made: set[str] = set()
    for rel, data in sorted(files.items()):
        parent = os.path.dirname(rel)
        if parent and parent not in made:
            os.makedirs(os.path.join(new_dir, parent), exist_ok=True)
            made.add(parent)
        dest = os.path.join(new_dir, rel)
        if data is None:
            os.link(os.path.join(old_dir, rel), dest)
        else:
            with open(dest, "wb") as f:
                f.write(data)


def _swap(target: Path, new: Path, old: Path) -> None:
    """Two renames: the current ``target`` aside to ``old``, ``new`` in its place (and the
    current one put back if the second rename fails)."""
    moved = target.exists()
    if moved:
        os.replace(target, old)
    try:
        os.replace(new, target)
    except OSError:
        if moved:
            os.replace(old, target)
        raise
    _fsync_dir(target.parent)


def _check_replaceable(path: Path) -> None:
    """Refuse to replace anything but a regular file (or nothing) at ``path``."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise DiskError(f"cannot write {path}: {reason(exc)}") from exc
    kind = file_kind(mode)
    if kind is not None:
        raise OutputRefused(f"{path} is {kind}: refusing to replace it; give the path of a "
                            "regular file or of a new one")


def write_atomic(path: Path, data: bytes) -> None:
    """Replace one file's content as a whole: a temporary file beside it, flushed, renamed.
    Only a regular file is ever replaced (``OutputRefused`` for anything else at ``path``);
    if the file system fails, the temporary file is removed and ``DiskError`` names the path."""
    _check_replaceable(path)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        tmp = None
        _fsync_dir(path.parent)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise DiskError(f"cannot write {path}: {reason(exc)}") from exc
