"""What a submission looks like: the existing names it imitates and the existing plugins it
resembles. The pull-request review asks this of every new plugin; ``plugindex lookalikes``
asks it of any manifest.

- name neighbours (``names.name_neighbours``): identical after normalization, confusable, or a
  typo away from an existing name. Such a name needs an admin's approval.
- possible duplicates: the candidates ``related.like`` finds, kept only when their
  similarity to the submission is at least ``DUPLICATE_SIMILARITY``: the cosine of the two
  texts' stemmed term counts (search's weights are not counted). It depends on the two
  texts alone, never on the rest of the index (BM25's scores move with every other plugin and
  with deleted documents not yet merged away), so one submission gets the same list on
  every run.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from plugindex.search.engine import SearchIndex, weighted
from plugindex.search.names import Neighbour, name_neighbours
from plugindex.search.related import Similar, like

DUPLICATES = 3  # possible duplicates listed
DUPLICATE_SIMILARITY = 0.4  # the least similarity (cosine of term counts) shown
CANDIDATES = 10  # what related.like proposes before the similarity decides


@dataclass(frozen=True)
class Lookalikes:
    name: str
    neighbours: tuple[Neighbour, ...]
    duplicates: tuple[Similar, ...]  # score: the similarity (0 to 1), not related's BM25F

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name,
                "neighbours": [{"name": n.name, "kind": n.kind, "distance": n.distance,
                                "detail": n.detail} for n in self.neighbours],
                "duplicates": [{"name": s.name, "score": round(s.score, 3)}
                               for s in self.duplicates],
                "duplicate_similarity": DUPLICATE_SIMILARITY}


def similarity(a: Counter[str], b: Counter[str]) -> float:
    """The cosine of two term-count vectors (0 to 1)."""
    dot = sum(n * b[t] for t, n in a.items() if t in b)
    norm = math.sqrt(sum(n * n for n in a.values())) * math.sqrt(sum(n * n for n in b.values()))
    return dot / norm if norm else 0.0


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
    candidates = like(s, about, str(manifest.get("category") or ""), {name}, CANDIDATES)
    analyzer = s.schema["text"].analyzer

    def terms(text: str) -> Counter[str]:
        return Counter(t.text for t in analyzer(text))

    mine = terms(about)
    scored = []
    for candidate in candidates:
        doc = s.document(name=candidate.name)
        if doc is not None:
            scored.append(Similar(candidate.name, similarity(mine, terms(str(doc["about"])))))
    duplicates = sorted((d for d in scored if d.score >= DUPLICATE_SIMILARITY),
                        key=lambda d: (-round(d.score, 6), d.name))[:limit]
    return Lookalikes(name, tuple(name_neighbours(name, search.names())), tuple(duplicates))
