"""Verify a published index through its TUF metadata (python-tuf's ngclient).

The client trusts one root.json it was given out of band (the registry's ``tuf/1.root.json``,
or a newer one it verified before) and walks from it: newer roots signed by the old keys,
then timestamp, snapshot, targets and registry, each checked for signatures, version and
expiry, and every file it downloads against the length and sha256 the registry role lists.
What it verified is kept in a cache directory, so a later run refuses an older publication.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from tuf.api import exceptions
from tuf.api.metadata import Metadata, Targets
from tuf.ngclient import FetcherInterface, Updater

from plugindex.sign.metadata import ROLE, unsafe_path

METADATA_DIR = "tuf"  # the metadata's directory beside the files, at <site>/index/v1/tuf/


class DirectoryFetcher(FetcherInterface):
    """``file://`` URLs of a local directory (a built site), as a server would answer."""

    def _fetch(self, url: str) -> Iterator[bytes]:
        parsed = urlparse(url)
        if parsed.scheme != "file":
            raise exceptions.DownloadError(f"not a file URL: {url}")
        try:
            data = Path(unquote(parsed.path)).read_bytes()
        except FileNotFoundError as exc:
            raise exceptions.DownloadHTTPError("not found", 404) from exc
        except OSError as exc:
            raise exceptions.DownloadError(f"cannot read {url}: {exc}") from exc
        return iter([data])


@dataclass(frozen=True)
class Verified:
    path: str  # relative to index/v1
    file: Path  # where the verified bytes were written
    sha256: str


class VerificationFailed(Exception):
    """The index could not be verified; ``kind``: rollback, freeze, tampered, signature,
    missing or download."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


_KINDS: tuple[tuple[type[Exception], str, str], ...] = (
    (exceptions.ExpiredMetadataError, "freeze",
     "the metadata has expired: the server may be replaying an old publication (freeze)"),
    (exceptions.BadVersionNumberError, "rollback",
     "the metadata is older than what was verified before (rollback), or its files come "
     "from different publications"),
    (exceptions.LengthOrHashMismatchError, "tampered",
     "a file's bytes are not the ones its signed metadata lists (tampered, or mixed from "
     "another publication)"),
    (exceptions.DownloadLengthMismatchError, "tampered",
     "a file is longer than its signed metadata says (tampered)"),
    (exceptions.UnsignedMetadataError, "signature",
     "the metadata is not signed by the keys the trusted root names"),
    (exceptions.DownloadHTTPError, "missing", "a file the metadata needs is not there"),
    (exceptions.RepositoryError, "signature", "the metadata does not verify"),
    (exceptions.DownloadError, "download", "a file could not be downloaded"),
)


def _failure(exc: Exception) -> VerificationFailed:
    for kind_of, kind, words in _KINDS:
        if isinstance(exc, kind_of):
            return VerificationFailed(kind, f"{words}: {exc}")
    return VerificationFailed("download", str(exc))


def base_url(source: str) -> str:
    """``source`` (an URL of index/v1, or a directory holding it) as an URL ending in '/'."""
    if "://" not in source:
        source = Path(source).resolve().as_uri()
    return source.rstrip("/") + "/"


def verify(source: str, trusted_root: bytes, cache: Path,
           paths: Sequence[str] | None = None) -> list[Verified]:
    """Refresh the trusted metadata from ``source`` and download every file the registry
    role lists (or ``paths``), each verified; raises VerificationFailed. The files of this
    run replace the last run's in ``cache/files`` only when every one verified."""
    base = base_url(source)
    metadata_dir, target_dir = cache / "metadata", cache / "files"
    staging = cache / "files.new"
    metadata_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    # Always from the root given: the cache keeps the roots and the newest timestamp and
    # snapshot seen (rollback protection), never the trust anchor itself.
    out = []
    try:
        updater = Updater(str(metadata_dir), f"{base}{METADATA_DIR}/", str(staging), base,
                          fetcher=DirectoryFetcher() if base.startswith("file:") else None,
                          bootstrap=trusted_root)
        updater.refresh()
        # The files are listed by the delegated role, which the updater loads (and verifies)
        # on the first look-up; what it stored is what it verified.
        if updater.get_targetinfo("index.json") is None:
            raise VerificationFailed("missing", "index.json is not in the signed metadata")
        listed = Metadata[Targets].from_file(str(metadata_dir / f"{ROLE}.json")).signed
        for path in sorted(listed.targets) if paths is None else paths:
            if unsafe_path(path):
                raise VerificationFailed("tampered", f"the metadata lists an unsafe path: "
                                         f"{path!r}")
            info = updater.get_targetinfo(path)
            if info is None:
                raise VerificationFailed("missing", f"{path} is not in the signed metadata")
            where = staging / path
            where.parent.mkdir(parents=True, exist_ok=True)
            updater.download_target(info, str(where))
            out.append(Verified(path, target_dir / path,
                                hashlib.sha256(where.read_bytes()).hexdigest()))
    except VerificationFailed:
        raise
    except (exceptions.RepositoryError, exceptions.DownloadError, ValueError) as exc:
        raise _failure(exc) from exc
    old = cache / "files.old"
    shutil.rmtree(old, ignore_errors=True)
    if target_dir.exists():
        target_dir.rename(old)
    staging.rename(target_dir)
    shutil.rmtree(old, ignore_errors=True)
    return out
