"""An OSV advisory database read from a directory: ``<package>/<ID>.yaml`` (or ``.json``) files.

Packages are found by PEP 503 canonical name and parsed on first use; matching follows the
evaluation rules of the OSV schema (explicit versions, ECOSYSTEM/SEMVER ranges with limits).
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

Advisory = dict[str, Any]

ECOSYSTEM = "PyPI"
SUFFIXES = (".yaml", ".yml", ".json")
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_RANGE_TYPES = ("ECOSYSTEM", "SEMVER")
_BaseLoader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]
    """Safe YAML loading that keeps timestamps as the strings they were written as."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_Loader.add_constructor(_TIMESTAMP, _BaseLoader.construct_yaml_str)


def _decode(data: bytes, suffix: str) -> object:
    if suffix == ".json":
        return json.loads(data)
    return yaml.load(data, Loader=_Loader)  # noqa: S506 (_Loader is a safe loader)


def parse_advisory(data: bytes, suffix: str) -> Advisory:
    """One advisory from the bytes of a ``.json`` or YAML file; ValueError if it is not one."""
    try:
        loaded = _decode(data, suffix)
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise ValueError(" ".join(str(exc).split())) from None
    if not isinstance(loaded, dict):
        raise ValueError("not an OSV advisory: the document is not a mapping")
    if not isinstance(loaded.get("id"), str) or not loaded["id"]:
        raise ValueError("not an OSV advisory: no 'id' string")
    return loaded


def parse_version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


# Versions written in advisories recur from query to query; queried ones are not cached.
_advisory_version = functools.lru_cache(maxsize=65536)(parse_version)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _version_text(value: object) -> str | None:
    """A version as written: a string, or an integer that YAML read from an unquoted ``0``."""
    if isinstance(value, str):
        return value
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _event_key(event: tuple[str, Version | None]) -> tuple[int, Version | None]:
    # introduced "0" (parsed as None) sorts before every version, pre-releases included.
    return (0, None) if event[1] is None else (1, event[1])


def _events(rng: dict[str, Any]) -> Iterator[tuple[str, Version | None]]:
    """The range's introduced/fixed/last_affected events as (kind, version); "0" -> None."""
    for event in _list(rng.get("events")):
        if not isinstance(event, dict):
            continue
        for kind in ("introduced", "fixed", "last_affected"):
            text = _version_text(event.get(kind))
            if kind == "introduced" and text == "0":
                yield kind, None
            elif text is not None and (version := _advisory_version(text)) is not None:
                yield kind, version


def _before_limits(version: Version, rng: dict[str, Any]) -> bool:
    limits = [text for e in _list(rng.get("events")) if isinstance(e, dict)
              and (text := _version_text(e.get("limit"))) is not None]
    if not limits or any("*" in text for text in limits):
        return True
    parsed = [v for v in map(_advisory_version, limits) if v is not None]
    return not parsed or any(version < limit for limit in parsed)


def in_range(version: Version, rng: dict[str, Any]) -> bool:
    """Whether ``version`` is affected by one ECOSYSTEM/SEMVER range (OSV ``IncludedInRanges``)."""
    if rng.get("type") not in _RANGE_TYPES or not _before_limits(version, rng):
        return False
    affected = False
    for kind, bound in sorted(_events(rng), key=_event_key):
        # introduced and fixed count from their own version on, last_affected from the next.
        if bound is None or version > bound or (version == bound and kind != "last_affected"):
            affected = kind == "introduced"
    return affected


def in_versions(text: str, version: Version | None, versions: Iterable[object]) -> bool:
    """Whether the explicit list names the version: same string, or an equal PEP 440 version."""
    for entry in map(_version_text, versions):
        if entry == text:
            return True
        if version is not None and entry is not None and _advisory_version(entry) == version:
            return True
    return False


def affects(advisory: Advisory, name: str, text: str) -> bool:
    """Whether the advisory affects version ``text`` of the PyPI package ``name`` (canonical)."""
    version = parse_version(text)
    for affected in _list(advisory.get("affected")):
        if _pypi_name(affected) != name:
            continue
        if in_versions(text, version, _list(affected.get("versions"))):
            return True
        if version is not None and any(isinstance(r, dict) and in_range(version, r)
                                       for r in _list(affected.get("ranges"))):
            return True
    return False


def _pypi_name(affected: object) -> str | None:
    """The canonical name of the package of an ``affected`` entry, if it is a PyPI one."""
    package = affected.get("package") if isinstance(affected, dict) else None
    if (isinstance(package, dict) and package.get("ecosystem") == ECOSYSTEM
            and isinstance(package.get("name"), str)):
        return canonicalize_name(package["name"])
    return None


def affected_names(advisory: Advisory) -> set[str]:
    """The canonical names of the PyPI packages an advisory lists under ``affected``."""
    return {n for n in map(_pypi_name, _list(advisory.get("affected"))) if n is not None}


def _advisory_files(directory: Path) -> list[Path]:
    with os.scandir(directory) as entries:
        return sorted(Path(e.path) for e in entries
                      if e.name.endswith(SUFFIXES) and not e.name.startswith(".")
                      and e.is_file())


class OsvDatabase:
    """Advisories under ``root``: ``<package>/<ID>.yaml|.json`` files, loaded lazily.

    ``root`` may be the database itself or a checkout holding it in ``vulns/``. Advisory files
    directly in the root (a flat export, as from osv.dev) are read on the first query. A package
    is answered from its own directories (and the flat files): an advisory filed under another
    package is not searched, whatever its ``affected`` list says. Returned advisories are the
    cached objects, as loaded: do not change them.
    """

    def __init__(self, root: Path) -> None:
        self.root = root / "vulns" if (root / "vulns").is_dir() else root
        self.errors: list[tuple[Path, str]] = []
        self._lock = threading.RLock()
        self._dirs: dict[str, list[Path]] = {}
        self._flat: list[Path] = []
        self._files: dict[Path, Advisory | None] = {}
        self._listings: dict[Path, list[Path]] = {}
        self._by_stem: dict[str, list[Path]] | None = None
        with os.scandir(self.root) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    self._dirs.setdefault(canonicalize_name(entry.name), []).append(
                        Path(entry.path))
                elif entry.name.endswith(SUFFIXES) and entry.is_file():
                    self._flat.append(Path(entry.path))

    @property
    def packages(self) -> list[str]:
        """Canonical names of the packages with advisories (flat files are parsed for this)."""
        names = set(self._dirs)
        for advisory in self._flat_advisories():
            names |= affected_names(advisory)
        return sorted(names)

    def query(self, name: str, version: str) -> list[Advisory]:
        """The advisories affecting ``version`` of PyPI package ``name``, sorted by id."""
        canonical = canonicalize_name(name)
        found: dict[str, Advisory] = {}
        for advisory in self._candidates(canonical):
            if advisory["id"] not in found and affects(advisory, canonical, version):
                found[advisory["id"]] = advisory
        return [found[key] for key in sorted(found)]

    def get(self, advisory_id: str) -> Advisory | None:
        """The advisory stored as ``<package>/<ID>.<suffix>`` or in a flat file, else None."""
        for path in self._stems().get(advisory_id, ()):
            advisory = self._load(path)
            if advisory is not None and advisory["id"] == advisory_id:
                return advisory
        return next((a for a in self._flat_advisories() if a["id"] == advisory_id), None)

    def _candidates(self, canonical: str) -> Iterator[Advisory]:
        for directory in self._dirs.get(canonical, ()):
            for path in self._listing(directory):
                advisory = self._load(path)
                if advisory is not None:
                    yield advisory
        yield from self._flat_advisories()

    def _flat_advisories(self) -> list[Advisory]:
        return [a for a in map(self._load, self._flat) if a is not None]

    def _stems(self) -> dict[str, list[Path]]:
        with self._lock:
            if self._by_stem is None:
                by_stem: dict[str, list[Path]] = {}
                for directories in self._dirs.values():
                    for directory in directories:
                        for path in self._listing(directory):
                            by_stem.setdefault(path.stem, []).append(path)
                self._by_stem = by_stem
            return self._by_stem

    def _listing(self, directory: Path) -> list[Path]:
        """The advisory files of a package directory, listed once."""
        with self._lock:
            if directory not in self._listings:
                try:
                    self._listings[directory] = _advisory_files(directory)
                except OSError as exc:
                    self._listings[directory] = []
                    self.errors.append((directory, str(exc)))
            return self._listings[directory]

    def _load(self, path: Path) -> Advisory | None:
        """The advisory in ``path``, parsed once; None (and an entry in errors) if broken."""
        with self._lock:
            if path not in self._files:
                try:
                    self._files[path] = parse_advisory(path.read_bytes(), path.suffix)
                except (OSError, ValueError) as exc:
                    self._files[path] = None
                    self.errors.append((path, str(exc)))
            return self._files[path]
