"""Atomic writes: one file, or a whole directory tree.

A new tree is assembled beside the old one (unchanged files hard-linked, changed files written
and flushed to disk), then swapped in with two renames. If a build dies at any moment, the published
directory is either the complete old tree or the complete new one; ``recover`` puts the old
tree back if a build died between the two renames.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def recover(target: Path) -> None:
    """Undo what a build killed mid-publication left behind."""
    parent = target.parent
    if not parent.is_dir():
        return
    olds = sorted(parent.glob(f"{target.name}.old-*"))
    if not target.exists() and olds:
        os.replace(olds[-1], target)
        olds = olds[:-1]
    for leftover in [*olds, *parent.glob(f"{target.name}.new-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


def publish_tree(target: Path, files: Mapping[str, bytes | None]) -> None:
    """Make ``target`` hold exactly ``files`` (relative path -> bytes, or None to keep the
    current file of that path unchanged), atomically as a whole."""
    recover(target)
    new = target.with_name(f"{target.name}.new-{os.getpid()}")
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
    os.sync()  # one flush of everything written, instead of an fsync per file
    old = target.with_name(f"{target.name}.old-{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    _fsync_dir(target.parent)
    shutil.rmtree(old, ignore_errors=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace one file's content as a whole: a temporary file beside it, flushed, renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    _fsync_dir(path.parent)
