"""Where everything is in a registry's repository: the one place that names its paths.

- ``find_root``: the registry is the directory holding ``registry.yaml``.
- Committed: ``submissions/<name>/<version>.yaml`` (``manifest_path``, ``split_manifest_path``),
  the published index ``index/v1/`` and the scan records ``index/cache/``.
- Not committed: the local caches under ``.cache/plugindex/`` (build state, reputation ledger,
  search index, the build lock), which can always be deleted.

The registry's machinery (workflows, tooling, schemas, the generated index and its scan
records, its settings) may only be changed by an admin, whatever a manifest says: no path
source may reach into it, and a pull request that touches it always needs an admin.
In-repository plugin sources live under the registry's *path-source roots*
(``path_source_roots`` in registry.yaml, ``examples/plugins`` by default), one directory per
plugin.
"""

from __future__ import annotations

import os
from pathlib import Path

from plugindex.errors import ConfigError

REGISTRY_FILE = "registry.yaml"
SUBMISSIONS = "submissions"
SUBMISSION_EXTRAS = frozenset({f"{SUBMISSIONS}/README.md"})  # allowed there, not manifests
# The revision of index/v1 the build writes (1.<minor>; a minor revision only adds fields):
# every file of index/v1 says it in ``format_version``.
INDEX_FORMAT = "1.2"
INDEX_DIR = "index/v1"  # the published index
INDEX_FILE = "index.json"  # in INDEX_DIR
CONTRIBUTORS_FILE = "contributors.json"  # in INDEX_DIR
RELATED_FILE = "related.json"  # in INDEX_DIR
RECORDS_DIR = "index/cache"  # scan and audit records, committed
REVIEWS_FILE = "index/cache/reviews.json"  # approvals from the GitHub API, committed
LOCAL_CACHE = Path(".cache/plugindex")  # under the repository root, never committed
BUILD_CACHE = LOCAL_CACHE / "build.sqlite"
BUILD_LOCK = LOCAL_CACHE / "build.lock"
LEDGER_CACHE = LOCAL_CACHE / "reputation.sqlite"
SEARCH_CACHE = LOCAL_CACHE.as_posix() + "/search"
DEFAULT_PATH_SOURCE_ROOTS = ("examples/plugins",)
# Paths (a file, or a directory with everything under it) that belong to the registry itself.
PROTECTED = (".github", ".ci", "tools", "schemas", "index", "submissions", "site", "tests",
             "bench", "registry.yaml", "pyproject.toml", "mkdocs.yml", ".mailmap",
             ".pre-commit-hooks.yaml", ".gitattributes", ".gitmodules", ".gitignore", "tuf")


def _norm(path: str) -> str:
    return path.strip("/")


def is_within(path: str, directory: str) -> bool:
    """``path`` is ``directory`` or lies under it (both repository-relative, '/'-separated)."""
    path, directory = _norm(path), _norm(directory)
    return path == directory or path.startswith(directory + "/")


_PROTECTED_NORM = tuple(_norm(p) for p in PROTECTED)
_PROTECTED_UNDER = tuple(f"{p}/" for p in _PROTECTED_NORM)


def protected(path: str) -> bool:
    """The path is (or lies under, or contains) a part of the registry's own machinery."""
    path = _norm(path)
    # (is_within both ways for each of PROTECTED, spelled out: a build asks for every path
    # source of every manifest)
    return path.startswith(_PROTECTED_UNDER) or any(
        p == path or p.startswith(f"{path}/") for p in _PROTECTED_NORM)


def under_root(path: str, roots: tuple[str, ...]) -> bool:
    """A path source is acceptable: strictly below one of ``roots``, and not protected."""
    path = _norm(path)
    return not protected(path) and any(
        path.startswith(_norm(root) + "/") for root in roots if _norm(root))


def overlapping(a: str, b: str) -> bool:
    """Two source directories are the same or one lies inside the other."""
    return is_within(a, b) or is_within(b, a)


def manifest_path(name: str, version: str) -> str:
    return f"{SUBMISSIONS}/{name}/{version}.yaml"


def split_manifest_path(path: str) -> tuple[str, str] | None:
    """'submissions/<name>/<version>.yaml' -> (name, version); None for any other layout,
    and for a name or version that is empty, '.' or '..' (a git tree can hold entries named
    so, which no checkout can write)."""
    parts = path.split("/")
    if len(parts) != 3 or parts[0] != SUBMISSIONS or not parts[2].endswith(".yaml"):
        return None
    name, version = parts[1], parts[2][: -len(".yaml")]
    if any(p in ("", ".", "..") for p in (name, version)):
        return None
    return name, version


def find_root(start: str | None) -> Path:
    """``start`` if given, else the nearest directory upward from the cwd with registry.yaml."""
    if start is not None:
        root = Path(start).resolve()
        if not (root / REGISTRY_FILE).is_file():
            raise ConfigError(f"{root} has no {REGISTRY_FILE}")
        return root
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / REGISTRY_FILE).is_file():
            return candidate
    raise ConfigError(f"no {REGISTRY_FILE} here or in any parent directory; run plugindex "
                      "inside a registry checkout or pass --root")


def relative(root: Path, path: Path) -> str:
    """A path relative to the registry root with '/' separators (may start with '..')."""
    absolute = Path(os.path.abspath(path))
    return Path(os.path.relpath(absolute, root)).as_posix()
