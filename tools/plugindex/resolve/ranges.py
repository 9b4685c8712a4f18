"""Range checks, memoized: ``contains(spec, version)`` asks packaging each question once."""

from __future__ import annotations

from packaging.specifiers import SpecifierSet
from packaging.version import Version

_CONTAINS: dict[tuple[int, int], tuple[SpecifierSet, Version, bool]] = {}
_CONTAINS_MAX = 1_000_000


def contains(spec: SpecifierSet, version: Version) -> bool:
    """``spec.contains(version)`` with pre-releases admitted, memoized per pair of objects
    (releases and requirements parsed once share them; asking packaging costs microseconds,
    and resolutions ask the same questions again and again). Each entry holds its objects,
    so that their ids cannot be reused while it lives."""
    key = (id(spec), id(version))
    entry = _CONTAINS.get(key)
    if entry is None:
        if len(_CONTAINS) >= _CONTAINS_MAX:
            _CONTAINS.clear()
        entry = _CONTAINS[key] = (spec, version, spec.contains(version, prereleases=True))
    return entry[2]
