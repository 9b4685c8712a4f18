"""The registry's vocabularies as the site shows them: each id with its title (from the
``registry`` object of index.json)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Terms:
    """The registry's vocabularies: id -> title."""

    categories: Mapping[str, str]
    capabilities: Mapping[str, str]
    permissions: Mapping[str, str]
    repository: str = ""

    @classmethod
    def of(cls, registry: Mapping[str, Any]) -> Terms:
        def titles(key: str) -> dict[str, str]:
            return {str(t["id"]): str(t.get("title") or t["id"]) for t in registry.get(key, [])}
        return cls(titles("categories"), titles("capabilities"), titles("permissions"),
                   str(registry.get("repository") or ""))
