"""Releases for the resolver, read from the published index (index/v1), plugin by plugin.

The resolver's catalog is the public contract: the same files any tool fetches. A plugin's
file is read only when the resolution reaches it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.version import Version

from plugindex.checks import parse_range
from plugindex.errors import EnvironmentProblem
from plugindex.resolve import Release


def release_from_manifest(data: Mapping[str, Any]) -> Release:
    requires = data.get("requires", {}).get("plugins", {})
    return Release(
        name=data["name"],
        version=Version(data["version"]),
        requires=tuple((n, parse_range(r)) for n, r in sorted(requires.items())),
        conflicts=tuple((n, parse_range(r)) for n, r in sorted(data.get("conflicts", {}).items())),
        host=parse_range(data["host"]),
        yanked="yanked" in data,
        deprecated="deprecated" in data,
        label=data["version"],
    )


class IndexCatalog:
    """name -> releases, from index/v1/plugins/<name>.json (None for an unknown plugin)."""

    def __init__(self, index_dir: Path) -> None:
        try:
            self.index = json.loads((index_dir / "index.json").read_bytes())
        except (OSError, ValueError) as exc:
            raise EnvironmentProblem(
                f"cannot read {index_dir}/index.json ({exc}); run 'plugindex build' first"
            ) from None
        self.dir = index_dir
        self.files = {p["name"]: p["file"] for p in self.index["plugins"]}
        self._cache: dict[str, list[Release]] = {}

    @property
    def host_versions(self) -> list[str]:
        versions: list[str] = self.index["registry"]["host"]["versions"]
        return versions

    def __call__(self, name: str) -> list[Release] | None:
        if name not in self.files:
            return None
        if name not in self._cache:
            detail = json.loads((self.dir / self.files[name]).read_bytes())
            self._cache[name] = [release_from_manifest(v["manifest"])
                                 for v in detail["versions"]]
        return self._cache[name]
