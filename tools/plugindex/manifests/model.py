"""The manifest model: a frozen, typed view of one schema-valid manifest."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from packaging.version import Version

MANIFEST_SCHEMA = "manifest.v1.schema.json"

SourceKind = Literal["git", "archive", "path"]


@dataclass(frozen=True)
class Source:
    kind: SourceKind
    location: str  # URL for git and archive; repository-relative directory for path
    pin: str  # commit for git, sha256 for archive, '' for path (pinned by the publishing commit)
    tag: str | None = None
    subdirectory: str | None = None


@dataclass(frozen=True)
class Maintainer:
    github: str
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Deprecation:
    reason: str
    replacement: str | None = None


@dataclass(frozen=True)
class Manifest:
    """One released version of one plugin. ``data`` is the validated mapping, as published."""

    name: str
    version: str
    summary: str
    category: str
    tags: tuple[str, ...]
    capabilities: tuple[str, ...]
    permissions: tuple[str, ...]
    maintainers: tuple[Maintainer, ...]
    license: str
    source: Source
    host: str
    requires_python: str | None
    requires_plugins: tuple[tuple[str, str], ...]
    requires_packages: tuple[str, ...]
    conflicts: tuple[tuple[str, str], ...]
    yanked: str | None
    deprecated: Deprecation | None
    data: Mapping[str, Any]

    @property
    def parsed_version(self) -> Version:
        return Version(self.version)

    @property
    def urls(self) -> dict[str, str]:
        return {k: self.data[k] for k in ("homepage", "repository", "documentation", "issues")
                if k in self.data}


@dataclass(frozen=True)
class Facts:
    """What the registry-wide rules need of one manifest: small enough to cache for all."""

    name: str
    version: str
    requires: tuple[str, ...]
    conflicts: tuple[str, ...]
    replacement: str | None
    source_kind: SourceKind
    source_location: str

    def to_row(self) -> tuple[str, str, str, str, str | None, str, str]:
        """Flat columns for the cache (names never contain a newline)."""
        return (self.name, self.version, "\n".join(self.requires), "\n".join(self.conflicts),
                self.replacement, self.source_kind, self.source_location)

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Facts:
        name, version, requires, conflicts, replacement, kind, location = row
        return cls(name, version, tuple(requires.split("\n")) if requires else (),
                   tuple(conflicts.split("\n")) if conflicts else (), replacement, kind,
                   location)


def facts_of(m: Manifest) -> Facts:
    return Facts(
        name=m.name,
        version=m.version,
        requires=tuple(n for n, _ in m.requires_plugins),
        conflicts=tuple(n for n, _ in m.conflicts),
        replacement=m.deprecated.replacement if m.deprecated else None,
        source_kind=m.source.kind,
        source_location=m.source.location,
    )


def source_from(data: Mapping[str, Any]) -> Source:
    if "git" in data:
        return Source("git", data["git"], data["commit"], data.get("tag"), data.get("subdirectory"))
    if "archive" in data:
        return Source("archive", data["archive"], data["sha256"], None, data.get("subdirectory"))
    return Source("path", data["path"], "")


def manifest_from(data: Mapping[str, Any]) -> Manifest:
    """Build the model from a mapping that passed the manifest schema."""
    return _build(data)


def partial_manifest(data: Mapping[str, Any], invalid: set[str]) -> Manifest:
    """A model of the fields that passed the schema, for running the semantic rules on them.

    Its ``data`` holds only those fields; missing required fields get empty placeholders that
    no rule reads (rules declare the fields they need).
    """
    known = load_manifest_fields()
    kept = {k: v for k, v in data.items() if k in known and k not in invalid}
    return _build(kept)


def load_manifest_fields() -> frozenset[str]:
    from plugindex.manifests.schema import load_schema  # noqa: PLC0415 - avoid an import cycle

    return frozenset(load_schema(MANIFEST_SCHEMA)["properties"])


def _build(data: Mapping[str, Any]) -> Manifest:
    requires = data.get("requires", {})
    deprecated = data.get("deprecated")
    return Manifest(
        name=data.get("name", ""),
        version=data.get("version", "0.0.0"),
        summary=data.get("summary", ""),
        category=data.get("category", ""),
        tags=tuple(data.get("tags", ())),
        capabilities=tuple(data.get("capabilities", ())),
        permissions=tuple(data.get("permissions", ())),
        maintainers=tuple(
            Maintainer(m["github"], m.get("name"), m.get("email"))
            for m in data.get("maintainers", ())
        ),
        license=data.get("license", ""),
        source=source_from(data.get("source", {"path": ""})),  # '' : no source (see needs)
        host=data.get("host", ""),
        requires_python=requires.get("python"),
        requires_plugins=tuple(sorted(requires.get("plugins", {}).items())),
        requires_packages=tuple(requires.get("packages", ())),
        conflicts=tuple(sorted(data.get("conflicts", {}).items())),
        yanked=data.get("yanked"),
        deprecated=(
            Deprecation(deprecated["reason"], deprecated.get("replacement"))
            if deprecated is not None else None
        ),
        data=data,
    )
