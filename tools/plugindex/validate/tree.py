"""The one reader of a set of manifests: the same refusals for the working tree and a commit.

``plugindex validate`` reads the working tree, the build and scan targets read a commit, the
review reads the changed manifests at the merge base and the head; all of them go through
here, so a file is refused with the same rule id whoever reads it:

- PI030: not ``submissions/<name>/<version>.yaml`` (a '.yml' file, another layout, a name
  or version that is empty, '.' or '..'); the path is judged first;
- PI014: a symlink, a gitlink (submodule), an executable (mode 100755), anything else that
  is not a regular file, a name the file system refuses, a Git LFS pointer (a blob beginning
  with ``LFS_POINTER``);
- PI001: larger than the registry's ``limits.max_bytes``.

``submissions/README.md`` is not a manifest and is left out. A refused file is never parsed
(an oversize or non-regular one is not even read).

``classify`` (by path, mode and size) and ``accept`` (by the bytes read) are pure; ``read``
orders them around a source's reader. The two sources are the only I/O here:
``working_tree`` (``os.lstat``; a symlink is never followed) and ``at_commit`` (git tree
entries, blob sizes, then the blobs through one ``cat-file``).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from plugindex.adapters.gitrepo import REGULAR_FILE, GitRepo, TreeEntry
from plugindex.diagnostics import Diagnostic
from plugindex.layout import SUBMISSION_EXTRAS, relative, split_manifest_path
from plugindex.rules import diagnostic

SYMLINK, GITLINK, EXECUTABLE = "120000", "160000", "100755"  # git's modes
LFS_POINTER = b"version https://git-lfs.github.com/spec/"
_WHAT = {SYMLINK: "a symlink", GITLINK: "a submodule", EXECUTABLE: "an executable"}


@dataclass(frozen=True)
class Entry:
    """One file as its source lists it, before anything is read."""

    path: str  # relative to the registry root, '/'-separated
    mode: str  # git's mode: 100644 regular, 100755, 120000, 160000; '' for anything else
    size: int = 0  # bytes (of a regular file; 0 otherwise)
    oid: str = ""  # the git blob id, when listed from a commit
    error: str = ""  # why the source could not even look at the file


@dataclass(frozen=True)
class ManifestFile:
    """One file of the set: its bytes, or why it was refused (then ``data`` is empty)."""

    entry: Entry
    data: bytes = b""
    refusal: Diagnostic | None = None

    @property
    def path(self) -> str:
        return self.entry.path


# A source's reader: path -> the bytes of each entry (at most limit + 1 of them), or a reason
# it could not be read.
Reader = Callable[[Sequence[Entry]], Mapping[str, bytes | str]]


def _refuse(entry: Entry, rule_id: str, message: str) -> ManifestFile:
    return ManifestFile(entry, refusal=diagnostic(rule_id, entry.path, 1, "", message))


def classify(entries: Iterable[Entry], max_bytes: int
             ) -> tuple[list[Entry], list[ManifestFile]]:
    """Split entries into those to read and those refused unread (see the module's table)."""
    readable: list[Entry] = []
    refused: list[ManifestFile] = []
    for e in entries:
        if e.path in SUBMISSION_EXTRAS:
            continue
        if split_manifest_path(e.path) is None:
            refused.append(_refuse(
                e, "PI030", f"'{e.path}' is not a manifest at submissions/<name>/<version>.yaml"))
        elif e.error:
            refused.append(_refuse(e, "PI014", e.error))
        elif e.mode != REGULAR_FILE:
            refused.append(_refuse(
                e, "PI014", f"the manifest is {_WHAT.get(e.mode, 'not a regular file')}"))
        elif e.size > max_bytes:
            refused.append(_refuse(
                e, "PI001", f"file is {e.size} bytes; the limit is {max_bytes} bytes"))
        else:
            readable.append(e)
    return readable, refused


def accept(entry: Entry, data: bytes | str, max_bytes: int) -> ManifestFile:
    """A readable entry's bytes (or the reason they could not be read), judged."""
    if isinstance(data, str):
        return _refuse(entry, "PI014", f"cannot read the file: {data}")
    if len(data) > max_bytes:  # grew since it was listed
        return _refuse(entry, "PI001", f"file is over {max_bytes} bytes; the limit is "
                       f"{max_bytes} bytes")
    if data.startswith(LFS_POINTER):
        return _refuse(entry, "PI014", "the manifest is a Git LFS pointer")
    return ManifestFile(entry, data)


def read(entries: Iterable[Entry], reader: Reader, max_bytes: int) -> list[ManifestFile]:
    """Every entry but ``SUBMISSION_EXTRAS``, read or refused, sorted by path."""
    readable, refused = classify(entries, max_bytes)
    got = reader(readable) if readable else {}
    files = refused + [accept(e, got.get(e.path, "not found"), max_bytes) for e in readable]
    return sorted(files, key=lambda f: f.path)


# -- the working tree --------------------------------------------------------------------------


def is_gitlink(directory: Path) -> bool:
    """A directory git records as a gitlink: a nested repository (holding '.git')."""
    try:
        os.lstat(directory / ".git")
    except OSError:
        return False
    return True


def files_under(directory: Path) -> list[Path]:
    """The files below ``directory``, sorted, as git would list them: symlinks (also to
    directories) are entries, never followed; a nested repository is one entry; '.git' is
    left out."""
    found: list[Path] = []
    pending = [directory]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as listing:
                children = sorted(listing, key=lambda c: c.name)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError:
            found.append(current)  # an unreadable directory: refused as an entry
            continue
        for child in children:
            path = Path(child.path)
            if child.name == ".git":
                continue
            if child.is_dir(follow_symlinks=False) and not is_gitlink(path):
                pending.append(path)
            else:
                found.append(path)
    return sorted(found)


def entry_of(rel: str, path: Path) -> Entry:
    """What ``os.lstat`` says of one file (a symlink is not followed, however long its
    target; a name the file system refuses becomes an entry with an error)."""
    try:
        st = path.lstat()
    except OSError as exc:
        return Entry(rel, "", error=f"cannot read the file: {exc.strerror}")
    if stat.S_ISLNK(st.st_mode):
        return Entry(rel, SYMLINK)
    if stat.S_ISDIR(st.st_mode):
        return Entry(rel, GITLINK if is_gitlink(path) else "")
    if not stat.S_ISREG(st.st_mode):
        return Entry(rel, "")
    return Entry(rel, EXECUTABLE if st.st_mode & stat.S_IXUSR else REGULAR_FILE, st.st_size)


def _read_file(path: Path, limit: int) -> bytes | str:
    """Up to ``limit`` bytes of a regular file, never through a symlink, never blocking."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        return exc.strerror or "cannot open"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return "not a regular file"
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(limit)
    except OSError as exc:
        return exc.strerror or "cannot read"
    finally:
        os.close(fd)


def working_tree(root: Path, files: Iterable[Path], max_bytes: int) -> list[ManifestFile]:
    """The given files of a checkout (paths reported relative to ``root``), each once."""
    where: dict[str, Path] = {}
    for path in files:
        where.setdefault(relative(root, path), path)

    def reader(entries: Sequence[Entry]) -> dict[str, bytes | str]:
        return {e.path: _read_file(where[e.path], max_bytes + 1) for e in entries}

    return read([entry_of(rel, path) for rel, path in where.items()], reader, max_bytes)


# -- a commit ----------------------------------------------------------------------------------


def at_commit(repo: GitRepo, tree: Sequence[TreeEntry], max_bytes: int) -> list[ManifestFile]:
    """The files of ``tree`` (entries of 'git ls-tree -r' or 'git diff-tree -r' at some
    commit): the size of each regular blob is asked before any blob is read."""
    regular = [e for e in tree if e.kind == "blob" and e.mode == REGULAR_FILE]
    sizes = repo.blob_sizes(e.oid for e in regular)
    entries = [Entry(e.path, GITLINK if e.kind == "commit" else e.mode, sizes.get(e.oid, 0),
                     e.oid) for e in tree]

    def reader(wanted: Sequence[Entry]) -> dict[str, bytes | str]:
        blobs = repo.read_blobs(e.oid for e in wanted)
        return {e.path: blobs[e.oid] for e in wanted}

    return read(entries, reader, max_bytes)
