"""The identity of this plugindex's code: its version and a digest of its modules.

Caches of derived outputs (the build's) are keyed by it, so that they are never reused across
a change of the code that derives them: an editable checkout or an install from a git commit
moves without a version bump, and a warm cache would keep the old rendering of a plugin whose
inputs did not change."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from plugindex import __version__


def modules_digest(package: Path) -> str:
    """A digest of the paths and bytes of every module under ``package``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*.py") if p.is_file()):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


@cache
def code_identity() -> str:
    """``<version>+<digest of the modules>``: what the build cache is keyed by."""
    return f"{__version__}+{modules_digest(Path(__file__).parent)}"
