"""Where things are in a registry's repository, and which of its paths are the registry's own.

The registry's machinery (workflows, tooling, schemas, the generated index and its scan
records, its settings) may only be changed by an admin, whatever a manifest says: no path
source may reach into it, and a pull request that touches it always needs an admin.
In-repository plugin sources live under the registry's *path-source roots*
(``path_source_roots`` in registry.yaml, ``examples/plugins`` by default), one directory per
plugin.
"""

from __future__ import annotations

SUBMISSIONS = "submissions"
DEFAULT_PATH_SOURCE_ROOTS = ("examples/plugins",)
# Paths (a file, or a directory with everything under it) that belong to the registry itself.
PROTECTED = (".github", ".ci", "tools", "schemas", "index", "submissions", "site", "tests",
             "bench", "registry.yaml", "pyproject.toml", "mkdocs.yml", ".mailmap",
             ".pre-commit-hooks.yaml", ".gitattributes", ".gitmodules", ".gitignore")


def _norm(path: str) -> str:
    return path.strip("/")


def is_within(path: str, directory: str) -> bool:
    """``path`` is ``directory`` or lies under it (both repository-relative, '/'-separated)."""
    path, directory = _norm(path), _norm(directory)
    return path == directory or path.startswith(directory + "/")


def protected(path: str) -> bool:
    """The path is (or lies under, or contains) a part of the registry's own machinery."""
    path = _norm(path)
    return any(is_within(path, p) or is_within(p, path) for p in PROTECTED)


def under_root(path: str, roots: tuple[str, ...]) -> bool:
    """A path source is acceptable: strictly below one of ``roots``, and not protected."""
    path = _norm(path)
    return not protected(path) and any(
        path.startswith(_norm(root) + "/") for root in roots if _norm(root))


def overlapping(a: str, b: str) -> bool:
    """Two source directories are the same or one lies inside the other."""
    return is_within(a, b) or is_within(b, a)
