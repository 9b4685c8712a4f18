"""What a submission looks like: the existing names it imitates and the existing plugins it
resembles. The pull-request review asks this of every new plugin; ``plugindex lookalikes``
asks it of any manifest.

- name neighbours (``names.name_neighbours``): identical after normalization, confusable, or a
  typo away from an existing name. Such a name needs an admin's approval.
- possible duplicates (``related.like``): the existing plugins whose names, tags, summaries
  and descriptions are most like the submission's, for a maintainer to compare.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from plugindex.search.engine import SearchIndex, weighted
from plugindex.search.names import Neighbour, name_neighbours
from plugindex.search.related import Similar, like

DUPLICATES = 3  # possible duplicates listed


@dataclass(frozen=True)
class Lookalikes:
    name: str
    neighbours: tuple[Neighbour, ...]
    duplicates: tuple[Similar, ...]

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name,
                "neighbours": [{"name": n.name, "kind": n.kind, "distance": n.distance,
                                "detail": n.detail} for n in self.neighbours],
                "duplicates": [{"name": s.name, "score": round(s.score, 3)}
                               for s in self.duplicates]}


def lookalikes(manifest: Mapping[str, Any], search: SearchIndex,
               limit: int = DUPLICATES) -> Lookalikes:
    """The lookalikes of a manifest (a new plugin, or a new version: a plugin is never its own
    lookalike)."""
    name = str(manifest.get("name") or "")
    s = search.searcher()
    tags = manifest.get("tags") or []
    about = weighted({
        "name": name,
        "tags": " ".join(str(t) for t in tags) if isinstance(tags, list) else "",
        "summary": str(manifest.get("summary") or ""),
        "description": str(manifest.get("description") or ""),
    })
    duplicates = like(s, about, str(manifest.get("category") or ""), {name}, limit)
    return Lookalikes(name, tuple(name_neighbours(name, search.names())), tuple(duplicates))
