"""Safe extraction of untrusted .tar.gz and .zip archives: hostile archives are built here."""

from __future__ import annotations

import io
import stat
import struct
import tarfile
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from plugindex.config.scan import MiB, SourceLimits
from plugindex.fetch.archive import ExtractResult, extract
from plugindex.fetch.problems import SourceRefused

LIMITS = SourceLimits()


# --- building archives ----------------------------------------------------------------------


def tar_member(name: str, data: bytes | None = b"", *, kind: bytes = tarfile.REGTYPE,
               mode: int = 0o644, **attrs: Any) -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    for key, value in attrs.items():
        setattr(info, key, value)
    if kind == tarfile.REGTYPE and data is not None:
        info.size = len(data)
    else:
        data = None
    return info, data


def make_tar_gz(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def tar_dir(name: str, mode: int = 0o755) -> tuple[tarfile.TarInfo, bytes | None]:
    return tar_member(name, None, kind=tarfile.DIRTYPE, mode=mode)


def zip_member(name: str, *, unix_mode: int | None = None) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    if unix_mode is not None:
        info.create_system = 3
        info.external_attr = unix_mode << 16
    return info


def make_zip(path: Path, members: Sequence[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicates built on purpose
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for info, data in members:
                zf.writestr(info, data)
    return path


def refused(archive: Path, dest: Path, limits: SourceLimits = LIMITS) -> str:
    """Extract, expect a refusal, check that nothing is left behind; the refusal's code."""
    with pytest.raises(SourceRefused) as caught:
        extract(archive, dest, limits)
    assert not dest.exists() or not any(dest.iterdir())
    assert not list(dest.parent.glob(".*.extracting"))
    return caught.value.code


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "out"


def forbid_opening_contents(monkeypatch: pytest.MonkeyPatch) -> None:
    """For refusals that must come from the headers, before any member's contents are read."""

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a member's contents were opened before the refusal")

    monkeypatch.setattr(zipfile.ZipFile, "open", fail)
    monkeypatch.setattr(tarfile.TarFile, "extractfile", fail)


@pytest.fixture
def contents_never_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_opening_contents(monkeypatch)


@pytest.fixture(scope="session")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """256 MiB of zeros in one deflated member, about 1.1 MB on disk (ratio about 230).

    1 GiB at the default compression level took about 6 s to build on the development machine,
    and 256 MiB at the default level 1.5 s; level 1 builds this in about 0.4 s and still
    expands more than twice past the default ratio cap of 100.
    """
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    chunk = bytes(MiB)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf, \
            zf.open("bomb/zeros.bin", "w", force_zip64=True) as f:
        for _ in range(256):
            f.write(chunk)
    return path


# --- good archives --------------------------------------------------------------------------


def test_good_tar_gz_with_one_top_directory(tmp_path: Path, dest: Path) -> None:
    archive = make_tar_gz(tmp_path / "a.tar.gz", [
        tar_dir("proj-1.0/", mode=0o777),
        tar_member("proj-1.0/README.md", b"# proj\n", mode=0o777),
        tar_member("proj-1.0/pkg/__init__.py", b"VALUE = 1\n", mode=0o600),
    ])
    result = extract(archive, dest, LIMITS)
    assert result == ExtractResult(root=dest / "proj-1.0", files=2, bytes=17)
    assert (dest / "proj-1.0/pkg/__init__.py").read_bytes() == b"VALUE = 1\n"
    assert stat.S_IMODE((dest / "proj-1.0/README.md").stat().st_mode) == 0o644
    assert stat.S_IMODE((dest / "proj-1.0/pkg/__init__.py").stat().st_mode) == 0o644
    assert stat.S_IMODE((dest / "proj-1.0").stat().st_mode) == 0o755
    assert stat.S_IMODE((dest / "proj-1.0/pkg").stat().st_mode) == 0o755
    assert stat.S_IMODE(dest.stat().st_mode) == 0o755


def test_tar_gz_with_dot_prefix_and_two_tops_roots_at_dest(tmp_path: Path, dest: Path) -> None:
    archive = make_tar_gz(tmp_path / "a.tar.gz", [
        tar_dir("./"),
        tar_member("./setup.cfg", b"[metadata]\n"),
        tar_member("./src/mod.py", b"X = 1\n"),
    ])
    result = extract(archive, dest, LIMITS)
    assert result.root == dest
    assert result.files == 2
    assert (dest / "src/mod.py").read_bytes() == b"X = 1\n"


def test_good_zip_with_one_implied_top_directory(tmp_path: Path, dest: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", [
        ("proj-main/a.py", b"A = 1\n"),
        ("proj-main/sub/b.txt", b"b"),
        (zip_member("proj-main/run.sh", unix_mode=stat.S_IFREG | 0o755), b"#!/bin/sh\n"),
    ])
    result = extract(archive, dest, LIMITS)
    assert result == ExtractResult(root=dest / "proj-main", files=3, bytes=17)
    assert stat.S_IMODE((dest / "proj-main/run.sh").stat().st_mode) == 0o644
    assert stat.S_IMODE((dest / "proj-main/sub").stat().st_mode) == 0o755


@pytest.mark.parametrize("names", [["README", "src/a.py"], ["README"], []])
def test_zip_without_a_single_top_directory_roots_at_dest(
    tmp_path: Path, dest: Path, names: list[str]
) -> None:
    archive = make_zip(tmp_path / "a.zip", [(name, b"x") for name in names])
    result = extract(archive, dest, LIMITS)
    assert result == ExtractResult(root=dest, files=len(names), bytes=len(names))


def test_an_existing_empty_dest_is_used(tmp_path: Path, dest: Path) -> None:
    dest.mkdir()
    archive = make_zip(tmp_path / "a.zip", [("p/a.txt", b"a")])
    assert extract(archive, dest, LIMITS).root == dest / "p"


def test_a_non_empty_dest_is_an_error(tmp_path: Path, dest: Path) -> None:
    dest.mkdir()
    (dest / "old.txt").write_text("keep", encoding="utf-8")
    archive = make_zip(tmp_path / "a.zip", [("a.txt", b"a")])
    with pytest.raises(FileExistsError):
        extract(archive, dest, LIMITS)
    assert (dest / "old.txt").read_text(encoding="utf-8") == "keep"


# --- member names ---------------------------------------------------------------------------

HOSTILE_NAMES = ["../x", "p/../../x", "./../x", "/abs", "/etc/passwd", "C:/x", "c:x",
                 "p\\..\\x", "a/" + "n" * 256]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_tar_member_paths_refused(tmp_path: Path, dest: Path, name: str) -> None:
    archive = make_tar_gz(tmp_path / "a.tar.gz", [tar_member(name, b"x")])
    assert refused(archive, dest) == "archive-member-path"


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_zip_member_paths_refused(tmp_path: Path, dest: Path, name: str) -> None:
    archive = make_zip(tmp_path / "a.zip", [(name, b"x")])
    assert refused(archive, dest) == "archive-member-path"


def test_a_file_named_like_the_root_is_refused(tmp_path: Path, dest: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", [("./", b"x"), (".", b"y")])
    assert refused(archive, dest) == "archive-member-path"


def test_refusal_after_files_were_written_removes_them(tmp_path: Path, dest: Path) -> None:
    archive = make_tar_gz(tmp_path / "a.tar.gz", [
        tar_member("p/a.txt", b"a" * 1000),
        tar_member("p/b/c.txt", b"c"),
        tar_member("p/../../evil", b"x"),
    ])
    assert refused(archive, dest) == "archive-member-path"


def test_refusal_leaves_an_existing_empty_dest_empty(tmp_path: Path, dest: Path) -> None:
    dest.mkdir()
    archive = make_zip(tmp_path / "a.zip", [("p/a.txt", b"a"), ("../x", b"x")])
    assert refused(archive, dest) == "archive-member-path"
    assert dest.is_dir()


@pytest.mark.parametrize("names", [
    ["p/a.txt", "p/a.txt"],
    ["p/a.txt", "p//a.txt"],
    ["p/a.txt", "./p/a.txt"],
    ["p/", "p/"],
    ["p/a", "p/a/b"],
    ["p/a/b", "p/a"],
])
def test_duplicate_members_refused(tmp_path: Path, dest: Path, names: list[str]) -> None:
    members = [tar_dir(n) if n.endswith("/") else tar_member(n, b"x") for n in names]
    archive = make_tar_gz(tmp_path / "a.tar.gz", members)
    assert refused(archive, dest) == "archive-duplicate-member"


def test_duplicate_zip_members_refused(tmp_path: Path, dest: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", [("p/a.txt", b"1"), ("p/a.txt", b"2")])
    assert refused(archive, dest) == "archive-duplicate-member"


# --- member types and modes -----------------------------------------------------------------


@pytest.mark.parametrize(("kind", "attrs"), [
    (tarfile.SYMTYPE, {"linkname": "../../../etc/passwd"}),
    (tarfile.SYMTYPE, {"linkname": "/etc"}),
    (tarfile.LNKTYPE, {"linkname": "/etc/passwd"}),
    (tarfile.LNKTYPE, {"linkname": "../outside"}),
    (tarfile.CHRTYPE, {"devmajor": 1, "devminor": 3}),
    (tarfile.BLKTYPE, {"devmajor": 8, "devminor": 0}),
    (tarfile.FIFOTYPE, {}),
])
def test_tar_special_members_refused(
    tmp_path: Path, dest: Path, kind: bytes, attrs: dict[str, Any]
) -> None:
    archive = make_tar_gz(tmp_path / "a.tar.gz", [
        tar_member("p/ok.txt", b"fine"),
        tar_member("p/special", None, kind=kind, **attrs),
    ])
    assert refused(archive, dest) == "archive-member-type"


@pytest.mark.parametrize("unix_mode", [
    stat.S_IFLNK | 0o777, stat.S_IFIFO | 0o644, stat.S_IFCHR | 0o644, stat.S_IFSOCK | 0o644,
    stat.S_IFDIR | 0o755,  # a directory mode on a name without a trailing slash
])
def test_zip_special_members_refused(tmp_path: Path, dest: Path, unix_mode: int) -> None:
    archive = make_zip(tmp_path / "a.zip", [
        ("p/ok.txt", b"fine"),
        (zip_member("p/link", unix_mode=unix_mode), b"../../../etc/passwd"),
    ])
    assert refused(archive, dest) == "archive-member-type"


def test_encrypted_zip_member_refused(tmp_path: Path, dest: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", [("p/secret", b"xx")])
    raw = bytearray(archive.read_bytes())  # zipfile cannot encrypt: set the flag bit by hand
    raw[raw.index(b"PK\x03\x04") + 6] |= 0x1
    raw[raw.index(b"PK\x01\x02") + 8] |= 0x1
    archive.write_bytes(bytes(raw))
    assert refused(archive, dest) == "archive-member-type"


@pytest.mark.parametrize("member", [
    tar_member("p/run", b"#!/bin/sh\n", mode=0o4755),
    tar_member("p/run", b"#!/bin/sh\n", mode=0o2755),
    tar_dir("p/", mode=0o2775),
])
def test_tar_setuid_setgid_refused(
    tmp_path: Path, dest: Path, member: tuple[tarfile.TarInfo, bytes | None]
) -> None:
    archive = make_tar_gz(tmp_path / "a.tar.gz", [member])
    assert refused(archive, dest) == "archive-member-mode"


def test_zip_setuid_refused(tmp_path: Path, dest: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", [
        (zip_member("p/run", unix_mode=stat.S_IFREG | 0o4755), b"#!/bin/sh\n"),
    ])
    assert refused(archive, dest) == "archive-member-mode"


# --- caps -----------------------------------------------------------------------------------


def test_too_many_members_refused(tmp_path: Path, dest: Path) -> None:
    limits = SourceLimits(members=3)
    tar = make_tar_gz(tmp_path / "a.tar.gz", [tar_member(f"p/{i}", b"x") for i in range(4)])
    assert refused(tar, dest, limits) == "archive-too-many-members"
    zip_ = make_zip(tmp_path / "a.zip", [(f"p/{i}", b"x") for i in range(4)])
    assert refused(zip_, dest, limits) == "archive-too-many-members"
    # directories count as members too
    with_dirs = make_tar_gz(tmp_path / "d.tar.gz", [tar_dir("p/"), tar_dir("p/q/"),
                                                    tar_dir("p/r/"), tar_member("p/x", b"")])
    assert refused(with_dirs, dest, limits) == "archive-too-many-members"


def test_too_large_member_refused(tmp_path: Path, dest: Path) -> None:
    limits = SourceLimits(file_bytes=100)
    tar = make_tar_gz(tmp_path / "a.tar.gz", [tar_member("p/big", b"x" * 101)])
    assert refused(tar, dest, limits) == "archive-member-too-large"
    zip_ = make_zip(tmp_path / "a.zip", [("p/big", b"x" * 101)])
    assert refused(zip_, dest, limits) == "archive-member-too-large"
    ok = make_zip(tmp_path / "ok.zip", [("p/big", b"x" * 100)])
    assert extract(ok, dest, limits).bytes == 100


def test_total_too_large_refused(tmp_path: Path, dest: Path) -> None:
    limits = SourceLimits(total_bytes=150, file_bytes=100)
    members = [("p/a", b"a" * 100), ("p/b", b"b" * 100)]
    tar = make_tar_gz(tmp_path / "a.tar.gz", [tar_member(n, d) for n, d in members])
    assert refused(tar, dest, limits) == "archive-too-large"
    zip_ = make_zip(tmp_path / "a.zip", members)
    assert refused(zip_, dest, limits) == "archive-too-large"


@pytest.mark.usefixtures("contents_never_opened")
def test_zip_bomb_refused_from_its_header(zip_bomb: Path, dest: Path) -> None:
    assert refused(zip_bomb, dest) == "archive-member-too-large"


@pytest.mark.usefixtures("contents_never_opened")
def test_zip_bomb_refused_by_ratio_when_sizes_are_allowed(zip_bomb: Path, dest: Path) -> None:
    roomy = SourceLimits(file_bytes=1024 * MiB, total_bytes=1024 * MiB)
    assert refused(zip_bomb, dest, roomy) == "archive-ratio"


def test_tar_gz_ratio_bomb_refused_from_its_header(
    tmp_path: Path, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = make_tar_gz(tmp_path / "a.tar.gz", [tar_member("p/zeros", bytes(4 * MiB))])
    assert archive.stat().st_size < 40 * 1024
    roomy = SourceLimits(ratio=10_000.0)
    assert extract(archive, tmp_path / "out2", roomy).bytes == 4 * MiB
    forbid_opening_contents(monkeypatch)
    assert refused(archive, dest) == "archive-ratio"


def test_tar_gz_overall_ratio_counts_every_member(tmp_path: Path, dest: Path) -> None:
    # Each member is small and harmless alone; together they pass the overall ratio cap.
    archive = make_tar_gz(tmp_path / "a.tar.gz",
                          [tar_member(f"p/{i}", bytes(512 * 1024)) for i in range(8)])
    assert refused(archive, dest) == "archive-ratio"


def test_tar_pax_header_bomb_refused(tmp_path: Path, dest: Path) -> None:
    info, data = tar_member("p/a", b"x")
    info.pax_headers = {"comment": "z" * (8 * MiB)}
    archive = make_tar_gz(tmp_path / "a.tar.gz", [(info, data)])
    assert refused(archive, dest, SourceLimits(ratio=1e9)) == "archive-too-large"


def patch_zip_sizes(path: Path, claimed: int) -> None:
    """Make the first member's local and central headers claim ``claimed`` uncompressed
    bytes (no zip64 here: the fields are plain 32-bit sizes)."""
    raw = bytearray(path.read_bytes())
    local = raw.index(b"PK\x03\x04")
    central = raw.index(b"PK\x01\x02")
    struct.pack_into("<I", raw, local + 22, claimed)
    struct.pack_into("<I", raw, central + 24, claimed)
    path.write_bytes(bytes(raw))


def test_zip_header_understating_the_size_is_refused(tmp_path: Path, dest: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", [("p/zeros", bytes(8 * MiB))])
    patch_zip_sizes(archive, 1000)
    with zipfile.ZipFile(archive) as zf:
        assert zf.getinfo("p/zeros").file_size == 1000
    assert refused(archive, dest) == "archive-corrupt"


def test_zip_header_overstating_the_size_is_refused(tmp_path: Path, dest: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", [("p/zeros", bytes(1000))])
    patch_zip_sizes(archive, 5000)
    assert refused(archive, dest) == "archive-corrupt"


class EndlessZeros(io.RawIOBase):
    """A member stream that ignores its header: zeros forever, counting what it hands out."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = len(buffer)
        buffer[:size] = bytes(size)
        self.served += size
        return size


def test_streamed_cap_holds_when_the_member_reader_ignores_the_header(
    tmp_path: Path, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = make_zip(tmp_path / "a.zip", [("p/a", b"x" * 1000)])
    stream = EndlessZeros()
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, info: stream)
    assert refused(archive, dest) == "archive-member-too-large"
    assert stream.served <= 1001  # never more than one byte past what the header declares


# --- corrupt and unknown --------------------------------------------------------------------


def test_truncated_tar_gz_refused(tmp_path: Path, dest: Path) -> None:
    archive = make_tar_gz(tmp_path / "a.tar.gz", [
        tar_member("p/a", bytes(range(256)) * 400), tar_member("p/b", b"b" * 5000),
    ])
    raw = archive.read_bytes()
    archive.write_bytes(raw[: len(raw) // 2])
    assert refused(archive, dest) == "archive-corrupt"


@pytest.mark.parametrize("content", [
    b"\x1f\x8b" + b"\x00garbage" * 20,
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",  # gzip header, then nothing
])
def test_bad_gzip_refused(tmp_path: Path, dest: Path, content: bytes) -> None:
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(content)
    assert refused(archive, dest) == "archive-corrupt"


def test_gzip_of_something_else_refused(tmp_path: Path, dest: Path) -> None:
    import gzip  # noqa: PLC0415

    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(gzip.compress(b"not a tar archive at all\n" * 10))
    assert refused(archive, dest) == "archive-corrupt"


def test_truncated_zip_refused(tmp_path: Path, dest: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", [("p/a", bytes(range(256)) * 100)])
    raw = archive.read_bytes()
    archive.write_bytes(raw[: len(raw) // 2])
    assert refused(archive, dest) == "archive-corrupt"


def test_zip_with_damaged_data_refused(tmp_path: Path, dest: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", [("p/a", b"some text " * 100)])
    raw = bytearray(archive.read_bytes())
    raw[40] ^= 0xFF  # inside the compressed data of the only member
    archive.write_bytes(bytes(raw))
    assert refused(archive, dest) == "archive-corrupt"


def test_unknown_formats_refused(tmp_path: Path, dest: Path) -> None:
    plain_tar = tmp_path / "a.tar"
    info, _ = tar_member("p/a", b"x")
    with tarfile.open(plain_tar, "w") as tf:
        tf.addfile(info, io.BytesIO(b"x"))
    text = tmp_path / "a.txt"
    text.write_text("hello\n", encoding="utf-8")
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    for archive in (plain_tar, text, empty):
        assert refused(archive, dest) == "archive-format"
