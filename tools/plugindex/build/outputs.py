"""What a plugin's published output is made from: its named inputs, the declaration of each
field's inputs, and the cache digest derived from those declarations.

Every field of ``plugins/<name>.json`` and of the plugin's entry in ``index.json`` is declared
once, beside the code that renders it (``index.PLUGIN_FILE_FIELDS`` and
``index.INDEX_ENTRY_FIELDS``): its path (``versions[].scan`` is the key ``scan`` of each item
of the list ``versions``) and the inputs it is made from. A path with fields declared below
it declares only what decides its shape (which items, which keys). The build keeps a
plugin's published file while ``inputs_digest`` over the values of every declared input is
unchanged, and ``builder.INPUT_VALUES`` gives each input's value, so the digest cannot miss
an input that some field reads. The tests render plugins and fail on a key without a
declaration, a declaration that is never rendered, and an input without a value.

Adding a field: render it in ``index.py`` and declare it in the table beside it. If it is
made from something that no input names yet, add the input here and its value in
``builder.INPUT_VALUES`` (from what the render stage already holds: no extra reads).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any


class Input(StrEnum):
    """What one plugin's output can be made from."""

    NAME = "name"  # the plugin's name (its directory under submissions/)
    MANIFESTS = "manifests"  # each version's manifest: its path and git blob id
    TIMES = "times"  # each version's publish and update times and commit, from git history
    SOURCES = "sources"  # each version's source digest (in-repo: its tree when published)
    # what its dependency cone (the releases of every plugin it reaches, itself included)
    # decides: the resolution of its latest version and each version's requirement checks
    DEPENDENCIES = "dependencies"
    RECORDS = "records"  # its scan and audit records under index/cache/<name>/ (blob ids)
    SCORE_DATE = "score-date"  # the date its scores show: where the span they hold over starts
    VOUCHERS = "vouchers"  # the verified publishers who wrote or approved one of its manifests
    REGISTRY = "registry"  # registry.yaml: hosts, scan policy, score weights, featured, ...
    TOOL = "tool"  # the plugindex that renders (constants, the shape of objects)


Fields = Mapping[str, tuple[Input, ...]]  # field path -> the inputs it is made from


def declared_inputs(*tables: Fields) -> frozenset[Input]:
    """Every input that some field of ``tables`` is made from."""
    return frozenset(i for table in tables for inputs in table.values() for i in inputs)


def inputs_digest(values: Mapping[Input, Iterable[str]]) -> str:
    """The digest of the inputs' values (each an ordered sequence of strings)."""
    data = json.dumps({str(name): list(lines) for name, lines in values.items()},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def field_paths(document: Mapping[str, Any], fields: Fields) -> set[str]:
    """The paths of ``document``'s keys, walked as deep as ``fields`` declares: into an
    object's keys (``a.b``) or each item of a list (``a[].b``) where some field is declared
    below the path."""
    found: set[str] = set()

    def below(path: str) -> bool:
        return any(p.startswith((f"{path}.", f"{path}[].")) for p in fields)

    def walk(value: Any, at: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                path = f"{at}.{key}" if at else str(key)
                found.add(path)
                if below(path):
                    walk(item, path)
        elif isinstance(value, list):
            for item in value:
                walk(item, f"{at}[]")

    walk(document, "")
    return found
