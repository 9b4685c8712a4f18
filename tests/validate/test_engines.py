"""The two JSON Schema engines (manifests.schema.SchemaChecker): jsonschema-rs, compiled and
asked first, never accepts what jsonschema, the reference, rejects. Checked on mutations of
valid documents: each field removed, given the wrong type or odd strings, unknown fields
added."""

from __future__ import annotations

import copy
import datetime
import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from plugindex.config.registry import REGISTRY_SCHEMA
from plugindex.manifests.model import MANIFEST_SCHEMA
from plugindex.manifests.schema import SchemaChecker
from tests.conftest import ROOT

WRONG_TYPE: dict[type, Any] = {str: 7, int: "7", float: "7", bool: "yes", list: {}, dict: [],
                               type(None): 0}
ODD_STRINGS = ["", "1.0.0\n", "UPPER", "a" * 300, "not a date", "https://\u00e9.example",
               "\u0661.0.0", "x\u2028y", "../../etc", "-rf"]


def paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(value, dict):
        for key in sorted(value):
            yield from paths(value[key], (*at, key))
    elif isinstance(value, list):
        for i, item in enumerate(value[:2]):
            yield from paths(item, (*at, i))


def get(document: Any, at: tuple[Any, ...]) -> Any:
    for step in at:
        document = document[step]
    return document


def mutations(document: Any) -> Iterator[Any]:
    for at in paths(document):
        if not at:
            continue
        parent_path, last = at[:-1], at[-1]
        original = get(document, at)
        changes: list[Any] = [WRONG_TYPE[type(original)]]
        if isinstance(original, str):
            changes += ODD_STRINGS
        if isinstance(original, int) and not isinstance(original, bool):
            changes += [-1, 10**12]
        for change in changes:
            mutated = copy.deepcopy(document)
            get(mutated, parent_path)[last] = change
            yield mutated
        mutated = copy.deepcopy(document)
        parent = get(mutated, parent_path)
        if isinstance(parent, dict):
            del parent[last]
            yield mutated
        if isinstance(original, dict):
            mutated = copy.deepcopy(document)
            get(mutated, at)["unknown-field"] = 1
            yield mutated


def verdicts(checker: SchemaChecker, documents: Iterator[Any]) -> tuple[int, int]:
    """(checked, rejected by the reference); fails on any document the compiled validator
    accepts and the reference rejects."""
    checked = rejected = 0
    for document in documents:
        fast = checker.passes_fast(document)
        reference = bool(checker.validator.is_valid(document))
        assert reference or not fast, json.dumps(document)[:400]
        assert checker.is_valid(document) == reference
        checked += 1
        rejected += not reference
    return checked, rejected


def manifests() -> list[Any]:
    """The default registry's smallest and largest manifests."""
    found = sorted(ROOT.glob("submissions/*/*.yaml"), key=lambda p: p.stat().st_size)
    return [yaml.safe_load(p.read_text("utf-8")) for p in (found[0], found[-1])]


@pytest.mark.parametrize("which", [0, 1], ids=["smallest", "largest"])
def test_manifest_schema(which: int) -> None:
    checker = SchemaChecker.named(MANIFEST_SCHEMA)
    document = manifests()[which]
    assert checker.passes_fast(document)
    checked, rejected = verdicts(checker, mutations(document))
    assert checked > 100
    assert rejected > checked // 4  # the mutations do break the contract


def test_registry_schema() -> None:
    checker = SchemaChecker.named(REGISTRY_SCHEMA)
    document = yaml.safe_load((ROOT / "registry.yaml").read_text("utf-8"))
    assert checker.passes_fast(document)
    checked, rejected = verdicts(checker, mutations(document))
    assert checked > 100
    assert rejected > 0


def test_values_the_compiled_validator_cannot_take_go_to_the_reference() -> None:
    """YAML timestamps load as dates, which jsonschema-rs refuses to look at."""
    checker = SchemaChecker({"properties": {"d": {"not": {"type": "integer"}}}})
    day = {"d": datetime.date(2026, 1, 1)}
    assert not checker.passes_fast(day)
    assert checker.is_valid(day)
    assert not checker.is_valid({"d": 1})
