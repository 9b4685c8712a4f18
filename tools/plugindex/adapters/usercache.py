"""Derived results kept in the user's cache directory, one small file per content key.

Where: ``$PLUGINDEX_CACHE_DIR``, else ``$XDG_CACHE_HOME/plugindex``, else
``~/.cache/plugindex``; ``PLUGINDEX_NO_CACHE=1`` turns it off. It lives outside every
checkout, so a pull request cannot ship entries into it. Keys are digests of every input of
the result (the caller's business); an entry is written atomically and a store that cannot
be read or written is only a miss: the cache never changes an outcome, only its cost.

Bounded: entries live in 256 directories by the first two characters of their key, and a
directory past ``2 * MAX_ENTRIES`` is cut back to the ``MAX_ENTRIES`` used last (a read marks
an entry used). Writes of one key in 16 look (so the cost of looking is spread thin): a store
holds at most about 130,000 entries, whatever is validated over the years.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def cache_home() -> Path | None:
    """The cache directory, or None when caching is turned off."""
    if os.environ.get("PLUGINDEX_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("PLUGINDEX_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "plugindex"


MAX_ENTRIES = 256  # per directory of entries (see the module's docstring)


class FileStore:
    """Entries under ``directory/<key[:2]>/<key>``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        if len(key) < 3 or not key.isalnum():
            raise ValueError(f"not a cache key: {key!r}")
        return self.directory / key[:2] / key

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: pruning drops the entries used longest ago
        return data

    def put(self, key: str, data: bytes) -> None:
        """Written whole (a temporary file renamed), not flushed to disk as ``fsutil``'s
        ``write_atomic`` does for outputs: an entry lost to a crash is only a miss, and a
        cold run writes one entry per manifest."""
        path = self._path(key)
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".entry.", dir=path.parent)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
            tmp = None
        except OSError:
            return
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        if key[2] == "0":
            prune(path.parent, MAX_ENTRIES)


def prune(directory: Path, keep: int = MAX_ENTRIES) -> None:
    """Cut a directory of entries past ``2 * keep`` back to the ``keep`` used last."""
    try:
        with os.scandir(directory) as found:
            entries = [e for e in found if not e.name.startswith(".") and e.is_file()]
        if len(entries) <= 2 * keep:
            return
        used = sorted(((e.stat().st_mtime_ns, e.name, e.path) for e in entries), reverse=True)
    except OSError:
        return
    for _, _, path in used[keep:]:
        with contextlib.suppress(OSError):
            os.unlink(path)


def user_store(kind: str) -> FileStore | None:
    """The store for one kind of result (a directory name), or None when caching is off."""
    home = cache_home()
    return None if home is None else FileStore(home / kind)
