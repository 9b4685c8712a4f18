"""Where the registry is: the directory holding registry.yaml."""

from __future__ import annotations

import os
from pathlib import Path

from plugindex.config.registry import REGISTRY_FILE
from plugindex.errors import ConfigError


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
