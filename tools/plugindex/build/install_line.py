"""The pip requirement that installs exactly the source a version pins (pure).

- git:     ``git+<location>@<commit>`` (and ``#subdirectory=``): the commit the registry
           scanned, never a branch or a tag that can move;
- archive: ``<url>#sha256=<digest>``: pip checks the archive against the hash in the URL's
           fragment, and ``hash`` is the ``--hash=sha256:...`` a ``--require-hashes``
           requirements file needs;
- path:    the registry repository at the commit that published the manifest, the directory
           as ``#subdirectory=``: the tree the registry scanned.

``command`` is the line to paste into a shell, the requirement quoted for POSIX shells (a
manifest's location cannot break out of it). None when no such line exists: a path source of
a registry whose ``repository`` is not a git URL pip can fetch.
"""

from __future__ import annotations

import shlex
from typing import Any

from plugindex.manifests.model import Source

FETCHABLE = ("https://", "http://", "git+", "ssh://", "file://")


def requirement(source: Source, repository: str, published_commit: str) -> str | None:
    """The pip requirement of the pinned source (see the module's docstring)."""
    if source.kind == "git":
        url = source.location if source.location.startswith("git+") else \
            f"git+{source.location}"
        sub = f"#subdirectory={source.subdirectory}" if source.subdirectory else ""
        return f"{url}@{source.pin}{sub}"
    if source.kind == "archive":
        return f"{source.location}#sha256={source.pin}"
    if not repository.startswith(FETCHABLE) or not published_commit:
        return None
    url = repository if repository.startswith("git+") else f"git+{repository}"
    return f"{url}@{published_commit}#subdirectory={source.location}"


def install_line(source: Source, repository: str, published_commit: str
                 ) -> dict[str, Any] | None:
    """``{"requirement", "command", "hash"}`` for the index (hash: archives only)."""
    found = requirement(source, repository, published_commit)
    if found is None:
        return None
    return {"requirement": found, "command": f"pip install {shlex.quote(found)}",
            "hash": f"sha256:{source.pin}" if source.kind == "archive" else None}


def closure_command(requirements: list[str]) -> str:
    """One pip command that installs every requirement of an install plan."""
    return "pip install " + " ".join(shlex.quote(r) for r in requirements)
