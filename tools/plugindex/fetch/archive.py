"""Extract an untrusted ``.tar.gz`` or ``.zip`` source archive, refusing anything hostile.

Every member is checked (path, type, mode, declared size, compression ratio) before a byte of it
is written, and the byte caps are enforced again while streaming, since headers can lie. A refused
archive leaves nothing behind: extraction happens in a staging directory renamed into place.
"""

from __future__ import annotations

import contextlib
import gzip
import lzma
import os
import re
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NoReturn

from plugindex.config.scan import MiB, SourceLimits
from plugindex.fetch.problems import SourceRefused

FILE_MODE = 0o644
DIR_MODE = 0o755
CHUNK = 64 * 1024
# Compression ratios are judged only once more than this many bytes come out: tiny files
# compress absurdly well and are harmless; bombs need volume.
RATIO_FLOOR = 1 * MiB
# A single read of the tar stream larger than this can only be a header (pax, GNU long name)
# that tarfile would load into memory whole: member contents are read in CHUNK pieces.
MAX_TAR_HEADER_READ = 4 * MiB
# Room for tar headers and padding in the decompressed tar stream, per member.
TAR_OVERHEAD_PER_MEMBER = 4 * 1024

_SPECIAL_BITS = stat.S_ISUID | stat.S_ISGID
_DRIVE = re.compile(r"^[A-Za-z]:")
_CORRUPT = (
    tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError, OSError,
    NotImplementedError,
)
_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_TAR_KINDS = {
    tarfile.SYMTYPE: "symbolic link",
    tarfile.LNKTYPE: "hard link",
    tarfile.CHRTYPE: "character device",
    tarfile.BLKTYPE: "block device",
    tarfile.FIFOTYPE: "FIFO (named pipe)",
}
_ZIP_KINDS = {
    stat.S_IFLNK: "symbolic link",
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
    stat.S_IFIFO: "FIFO (named pipe)",
    stat.S_IFSOCK: "socket",
}


@dataclass(frozen=True)
class ExtractResult:
    """Where the extracted tree is, how many regular files it has and their total size."""

    root: Path
    files: int
    bytes: int


def extract(archive: Path, dest: Path, limits: SourceLimits) -> ExtractResult:
    """Extract ``archive`` (a .tar.gz or .zip, told by its magic bytes) into ``dest``.

    ``dest`` must be absent or an empty directory. Files are written 0o644 and directories
    0o755; owners, modes and times in the archive are ignored. Raises :class:`SourceRefused`
    (``dest`` then absent or empty as before) for anything hostile, oversized or corrupt.
    ``root`` is the archive's single top-level directory when it has one, else ``dest``.
    """
    extractor = _detect_format(archive)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise FileExistsError(f"{dest}: extraction needs an absent or empty directory")
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".extracting",
                                    dir=dest.parent))
    try:
        tree = _Tree(staging, limits, archive.stat().st_size)
        extractor(archive, tree)
        staging.chmod(DIR_MODE)
        os.replace(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExtractResult(root=tree.root_in(dest), files=tree.file_count, bytes=tree.written)


def _detect_format(archive: Path) -> Callable[[Path, _Tree], None]:
    with archive.open("rb") as f:
        head = f.read(4)
    if head[:2] == b"\x1f\x8b":
        return _extract_tar_gz
    if head in (b"PK\x03\x04", b"PK\x05\x06"):
        return _extract_zip
    raise SourceRefused(
        "archive-format",
        f"{archive.name}: not a .tar.gz or .zip archive (starts with {head.hex(' ') or 'nothing'})",
    )


@contextlib.contextmanager
def _reading(what: str) -> Iterator[None]:
    """Turn what a decompressor or archive parser raises into an ``archive-corrupt`` refusal."""
    try:
        yield
    except _CORRUPT as exc:
        raise SourceRefused(
            "archive-corrupt", f"{what}: the archive is corrupt or truncated ({exc})"
        ) from None


def _refuse_mode(name: str, mode: int) -> None:
    if mode & _SPECIAL_BITS:
        raise SourceRefused(
            "archive-member-mode",
            f"member {name!r} has the setuid or setgid bit (mode {oct(mode)}); refused",
        )


def _refuse_kind(name: str, kind: str) -> NoReturn:
    raise SourceRefused(
        "archive-member-type",
        f"member {name!r} is a {kind}; only regular files and directories are extracted",
    )


def _name_problem(name: str) -> str | None:
    if not name:
        return "has an empty name"
    if "\x00" in name:
        return "contains a NUL byte"
    if "\\" in name:
        return "contains a backslash (a Windows path separator)"
    if name.startswith("/"):
        return "is an absolute path"
    if _DRIVE.match(name):
        return "starts with a drive letter"
    parts = name.split("/")
    if ".." in parts:
        return "refers to a parent directory ('..')"
    if any(len(os.fsencode(part)) > 255 for part in parts):
        return "has a path component longer than 255 bytes"
    return None


def _normalize(name: str) -> str:
    """The member's path below the destination as ``a/b/c`` ('' for the root entry ``./``)."""
    problem = _name_problem(name)
    if problem is not None:
        raise SourceRefused("archive-member-path", f"member {name!r} {problem}; refused")
    return "/".join(part for part in name.split("/") if part not in ("", "."))


class _Tree:
    """The staging directory being filled: what is in it, and the running counts and sizes."""

    def __init__(self, base: Path, limits: SourceLimits, archive_size: int) -> None:
        self.base = base
        self.limits = limits
        self.archive_size = archive_size
        self.names: set[str] = set()  # every member's normalized name
        self.files: set[str] = set()
        self.dirs: set[str] = set()  # named by a member, or implied by one
        self.made: set[str] = set()  # directories created on disk
        self.members = 0
        self.declared = 0  # bytes of all file members, by their headers
        self.written = 0  # bytes of all file members, as streamed
        self.file_count = 0

    def root_in(self, dest: Path) -> Path:
        tops = {key.split("/", 1)[0] for key in self.names if key}
        if len(tops) == 1 and (top := tops.pop()) in self.dirs:
            return dest / top
        return dest

    def count_members(self, members: int, name: str | None = None) -> None:
        if members > self.limits.members:
            which = f"member {name!r} is number {members}" if name else f"{members} members"
            raise SourceRefused(
                "archive-too-many-members",
                f"the archive holds too many members ({which}, over the cap of "
                f"{self.limits.members}); refused",
            )

    def admit(self, name: str, *, is_dir: bool, size: int) -> str | None:
        """Check a member from its header; its normalized name, or None for the root entry."""
        self.members += 1
        self.count_members(self.members, name)
        key = _normalize(name)
        if not key:
            if is_dir:
                return None
            raise SourceRefused("archive-member-path",
                                f"member {name!r} names the destination itself; refused")
        self._register(name, key, is_dir=is_dir)
        if not is_dir:
            self._admit_size(name, size)
        return key

    def _register(self, name: str, key: str, *, is_dir: bool) -> None:
        if key in self.names:
            raise SourceRefused("archive-duplicate-member",
                                f"member {name!r} appears more than once; refused")
        parents = ["/".join(key.split("/")[:i]) for i in range(1, key.count("/") + 1)]
        if any(parent in self.files for parent in parents) or (not is_dir and key in self.dirs):
            raise SourceRefused("archive-duplicate-member",
                                f"member {name!r} is both a file and a directory; refused")
        self.names.add(key)
        self.dirs.update(parents)
        (self.dirs if is_dir else self.files).add(key)

    def _admit_size(self, name: str, size: int) -> None:
        if size > self.limits.file_bytes:
            raise SourceRefused(
                "archive-member-too-large",
                f"member {name!r} declares {size} bytes, over the per-file cap of "
                f"{self.limits.file_bytes} bytes; refused",
            )
        self.declared += size
        if self.declared > self.limits.total_bytes:
            raise SourceRefused(
                "archive-too-large",
                f"member {name!r} brings the archive to {self.declared} bytes, over the total "
                f"cap of {self.limits.total_bytes} bytes; refused",
            )

    def check_ratio(self, name: str, uncompressed: int, compressed: int, *, whole: bool) -> None:
        """Refuse when ``uncompressed / compressed`` is over the cap (above RATIO_FLOOR)."""
        if uncompressed <= RATIO_FLOOR or uncompressed <= self.limits.ratio * compressed:
            return
        if not whole:
            what = f"member {name!r}"
        else:
            what = f"the archive (at member {name!r})" if name else "the archive"
        raise SourceRefused(
            "archive-ratio",
            f"{what} expands {compressed} bytes into {uncompressed} or more, over the "
            f"compression ratio cap of {self.limits.ratio:g}; refused (a compression bomb?)",
        )

    def path_of(self, key: str) -> Path:
        path = os.path.normpath(os.path.join(self.base, key))
        if os.path.commonpath([path, self.base]) != str(self.base) or path == str(self.base):
            raise SourceRefused("archive-member-path",
                                f"member {key!r} resolves outside the destination; refused")
        return Path(path)

    def make_dir(self, key: str) -> None:
        parts = key.split("/")
        for i in range(1, len(parts) + 1):
            sub = "/".join(parts[:i])
            if sub not in self.made:
                path = self.path_of(sub)
                path.mkdir(mode=DIR_MODE)
                path.chmod(DIR_MODE)
                self.made.add(sub)

    def write_file(self, key: str, src: IO[bytes], *, name: str, declared: int,
                   compressed: int | None) -> None:
        """Stream ``src`` into the member's file, enforcing every cap on the bytes as they
        come; ``compressed`` (zip) is the member's compressed size for its own ratio."""
        if "/" in key:
            self.make_dir(key.rsplit("/", 1)[0])
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(self.path_of(key), flags, FILE_MODE)
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), FILE_MODE)
            written = 0
            while chunk := _read(src, min(CHUNK, declared - written + 1), name):
                written += len(chunk)
                self.written += len(chunk)
                self._check_streamed(name, written, declared, compressed)
                out.write(chunk)
        if written != declared:
            raise SourceRefused(
                "archive-corrupt",
                f"member {name!r} holds {written} bytes but its header declares {declared}; "
                "refused",
            )
        self.file_count += 1

    def _check_streamed(self, name: str, written: int, declared: int,
                        compressed: int | None) -> None:
        if written > declared or written > self.limits.file_bytes:
            raise SourceRefused(
                "archive-member-too-large",
                f"member {name!r} yields more than the {declared} bytes its header declares "
                f"(per-file cap {self.limits.file_bytes} bytes); refused",
            )
        if self.written > self.limits.total_bytes:
            raise SourceRefused(
                "archive-too-large",
                f"member {name!r} brings the archive past the total cap of "
                f"{self.limits.total_bytes} bytes; refused",
            )
        if compressed is not None:
            self.check_ratio(name, written, compressed, whole=False)
        self.check_ratio(name, self.written, self.archive_size, whole=True)


def _read(src: IO[bytes], size: int, name: str) -> bytes:
    with _reading(f"member {name!r}"):
        return src.read(size)


# --- zip ------------------------------------------------------------------------------------


def _extract_zip(archive: Path, tree: _Tree) -> None:
    with _reading(archive.name):
        zf = zipfile.ZipFile(archive)
    with zf:
        infos = zf.infolist()
        tree.count_members(len(infos))
        plan = [(_admit_zip_member(info, tree), info) for info in infos]
        tree.check_ratio("", tree.declared, tree.archive_size, whole=True)
        for key, info in plan:
            if key is None:
                continue
            if info.is_dir():
                tree.make_dir(key)
                continue
            with _reading(f"member {info.filename!r}"):
                src = zf.open(info)
            with src:
                tree.write_file(key, src, name=info.filename, declared=info.file_size,
                                compressed=info.compress_size)


def _admit_zip_member(info: zipfile.ZipInfo, tree: _Tree) -> str | None:
    name = info.filename
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind in _ZIP_KINDS:
        _refuse_kind(name, _ZIP_KINDS[kind])
    if kind == stat.S_IFDIR and not info.is_dir():
        _refuse_kind(name, "directory entry without a trailing '/'")
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        _refuse_kind(name, f"special entry (file type {oct(kind)})")
    _refuse_mode(name, mode)
    if info.flag_bits & 0x1:
        _refuse_kind(name, "encrypted file")
    if info.compress_type not in _ZIP_METHODS:
        raise SourceRefused(
            "archive-format",
            f"member {name!r} uses compression method {info.compress_type}, which is not "
            "supported; refused",
        )
    key = tree.admit(name, is_dir=info.is_dir(), size=info.file_size)
    if not info.is_dir():
        tree.check_ratio(name, info.file_size, info.compress_size, whole=False)
    return key


# --- tar.gz ---------------------------------------------------------------------------------


class _CappedTarStream:
    """The decompressed tar stream, refused as soon as a read or seek would take it past the
    total cap (plus room for headers), the compression ratio cap, or a sane header size."""

    def __init__(self, inner: gzip.GzipFile, tree: _Tree) -> None:
        self.inner = inner
        self.tree = tree
        limits = tree.limits
        self.cap = limits.total_bytes + TAR_OVERHEAD_PER_MEMBER * (limits.members + 1)

    def check(self, position: int, name: str = "") -> None:
        if position > self.cap:
            where = f" at member {name!r}" if name else ""
            raise SourceRefused(
                "archive-too-large",
                f"the decompressed tar stream would exceed {self.cap} bytes{where} (the total "
                f"cap of {self.tree.limits.total_bytes} bytes plus room for headers); refused",
            )
        self.tree.check_ratio(name, position, self.tree.archive_size, whole=True)

    def read(self, size: int = -1) -> bytes:
        position = self.inner.tell()
        if size < 0:
            size = self.cap + 1 - position
        if size > MAX_TAR_HEADER_READ:
            raise SourceRefused(
                "archive-too-large",
                f"a tar header asks to load {size} bytes at once (a giant pax or long-name "
                f"header); the limit is {MAX_TAR_HEADER_READ} bytes; refused",
            )
        self.check(position + size)
        return self.inner.read(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_CUR:
            offset += self.inner.tell()
        elif whence != os.SEEK_SET:
            raise OSError("the tar stream cannot seek from its end")
        self.check(offset)
        return self.inner.seek(offset)

    def tell(self) -> int:
        return self.inner.tell()

    def write(self, data: bytes) -> int:
        raise OSError("the tar stream is read-only")

    def close(self) -> None:
        """The GzipFile underneath is closed by its owner."""


def _extract_tar_gz(archive: Path, tree: _Tree) -> None:
    with archive.open("rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz:
        stream = _CappedTarStream(gz, tree)
        with _reading(archive.name):
            # closed by the ``with tf`` below; opening is kept apart to tell corrupt archives
            tf = tarfile.open(fileobj=stream, mode="r:")  # noqa: SIM115
        with tf:
            while True:
                with _reading(archive.name):
                    member = tf.next()
                if member is None:
                    return
                _extract_tar_member(tf, member, stream, tree)


def _extract_tar_member(tf: tarfile.TarFile, member: tarfile.TarInfo,
                        stream: _CappedTarStream, tree: _Tree) -> None:
    name = member.name
    if not (member.isreg() or member.isdir()):
        kind = _TAR_KINDS.get(member.type, f"special entry (type {member.type!r})")
        if member.issym() or member.islnk():
            kind = f"{kind} to {member.linkname!r}"
        _refuse_kind(name, kind)
    _refuse_mode(name, member.mode)
    key = tree.admit(name, is_dir=member.isdir(), size=member.size)
    if member.isreg():
        stream.check(member.offset_data + member.size, name)  # from the header
    if key is None:
        return
    if member.isdir():
        tree.make_dir(key)
        return
    with _reading(f"member {name!r}"):
        src = tf.extractfile(member)
    if src is None:  # not reachable for a regular file; refuse rather than assume
        _refuse_kind(name, "member without contents")
    with src:
        tree.write_file(key, src, name=name, declared=member.size, compressed=None)
