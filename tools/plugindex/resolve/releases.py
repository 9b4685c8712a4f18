"""Releases for the resolver: from manifests, from compact release texts (the build cache),
or from the published index (index/v1), plugin by plugin.

``plugindex resolve`` reads the public contract: the same files any tool fetches. A plugin's
file is read only when the resolution reaches it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.version import Version

from plugindex.errors import EnvironmentProblem
from plugindex.resolve.resolver import Release
from plugindex.validate.manifest_rules import parse_range as _parse_range


def release_from_manifest(data: Mapping[str, Any]) -> Release:
    return release_from_text(data["name"], release_text(data))


# One object per distinct range or version text: releases share them, and range checks are
# memoized per pair of objects (see resolve.contains), so a registry where many plugins use
# the same ranges and version numbers asks packaging each question once.
parse_range = functools.lru_cache(maxsize=65536)(_parse_range)
parse_version = functools.lru_cache(maxsize=65536)(Version)


def release_text(data: Mapping[str, Any]) -> str:
    """What the resolver needs of a manifest, as compact canonical JSON (a cache column, and
    the input of the dependency-cone keys)."""
    return json.dumps([
        data["version"], data.get("requires", {}).get("plugins", {}),
        data.get("conflicts", {}), data["host"], "yanked" in data, "deprecated" in data,
    ], sort_keys=True, separators=(",", ":"))


def release_from_text(name: str, text: str) -> Release:
    return release_of(name, *json.loads(text))


def release_of(name: str, version: str, requires: Mapping[str, str],
               conflicts: Mapping[str, str], host: str, yanked: bool, deprecated: bool
               ) -> Release:
    """A release from what the resolver reads of a version (see ``release_text``)."""
    return Release(
        name=name,
        version=parse_version(version),
        requires=tuple((n, parse_range(r)) for n, r in sorted(requires.items())),
        conflicts=tuple((n, parse_range(r)) for n, r in sorted(conflicts.items())),
        host=parse_range(host),
        yanked=yanked,
        deprecated=deprecated,
        label=version,
    )


class TextCatalog:
    """name -> releases, parsed from release texts when first asked for."""

    def __init__(self, texts: Mapping[str, Sequence[str]]) -> None:
        self.texts = texts
        self._cache: dict[str, list[Release]] = {}
        self._details: dict[str, dict[str, Any]] = {}

    def __call__(self, name: str) -> list[Release] | None:
        if name not in self.texts:
            return None
        if name not in self._cache:
            self._cache[name] = [release_from_text(name, t) for t in self.texts[name]]
        return self._cache[name]


class IndexCatalog:
    """name -> releases, from index/v1/index.json (None for an unknown plugin); each plugin's
    file (index/v1/plugins/<name>.json) is read only when its details are asked for."""

    def __init__(self, index_dir: Path) -> None:
        try:
            self.index = json.loads((index_dir / "index.json").read_bytes())
        except (OSError, ValueError) as exc:
            raise EnvironmentProblem(
                f"cannot read {index_dir}/index.json ({exc}); run 'plugindex build' first"
            ) from None
        self.dir = index_dir
        self.entries = {p["name"]: p for p in self.index["plugins"]}
        self.files = {name: p["file"] for name, p in self.entries.items()}
        self._cache: dict[str, list[Release]] = {}
        self._details: dict[str, dict[str, Any]] = {}

    @property
    def host_versions(self) -> list[str]:
        versions: list[str] = self.index["registry"]["host"]["versions"]
        return versions

    def detail(self, name: str) -> dict[str, Any]:
        """The plugin's published file (index/v1/plugins/<name>.json)."""
        if name not in self._details:
            self._details[name] = json.loads((self.dir / self.files[name]).read_bytes())
        return self._details[name]

    def __call__(self, name: str) -> list[Release] | None:
        """From index.json alone (each version's host range, requirements and conflicts are
        in its entry): resolving fetches no plugin file."""
        if name not in self.entries:
            return None
        if name not in self._cache:
            try:
                self._cache[name] = [release_of(
                    name, v["version"], v["requires"], v["conflicts"], v["host"], v["yanked"],
                    v["deprecated"]) for v in self.entries[name]["versions"]]
            except KeyError as exc:
                raise EnvironmentProblem(
                    f"{self.dir}/index.json has no {exc} for {name}'s versions: it was written "
                    "before format 1.1; run 'plugindex build' (or fetch a newer index)"
                ) from None
        return self._cache[name]
