"""The build's check of its own output (build/contract.py): the compiled validator never
accepts what jsonschema, the reference, rejects; a rejection names the place."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from plugindex.build.contract import OutputSchemas, Part, output_schemas
from plugindex.errors import InternalError
from tests.conftest import ROOT

INDEX = ROOT / "index" / "v1"
WRONG_TYPE: dict[type, Any] = {str: 7, int: "7", float: "7", bool: "yes", list: {}, dict: [],
                               type(None): 0}
ODD_STRINGS = ["", "1.0.0\n", "UPPER", "a" * 300, "not a date", "https://\u00e9.example"]


def paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(value, dict):
        for key in sorted(value):
            yield from paths(value[key], (*at, key))
    elif isinstance(value, list):
        for i, item in enumerate(value[:2]):
            yield from paths(item, (*at, i))


def mutations(document: Any) -> Iterator[Any]:
    """Each field removed, given the wrong type, given odd strings; unknown fields added."""
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


def get(document: Any, at: tuple[Any, ...]) -> Any:
    for step in at:
        document = document[step]
    return document


def verdicts(part: Part, documents: Iterator[Any]) -> tuple[int, int]:
    """(checked, rejected by the reference)."""
    checked = rejected = 0
    for document in documents:
        fast = part.fast.is_valid(document)
        reference = part.reference.is_valid(document)
        assert fast or not reference or part.problem(document) is None
        assert reference or not fast, json.dumps(document)[:400]
        checked += 1
        rejected += not reference
    return checked, rejected


def smallest(pattern: str) -> Any:
    path = min(INDEX.glob(pattern), key=lambda p: p.stat().st_size)
    return json.loads(path.read_bytes())


def test_the_default_registrys_outputs_pass_both_engines() -> None:
    schemas = output_schemas()
    index = json.loads((INDEX / "index.json").read_bytes())
    for entry in index["plugins"]:
        assert schemas.summary.problem(entry) is None
        assert schemas.summary.fast.is_valid(entry)
    for path in sorted(INDEX.glob("plugins/*.json")):
        document = json.loads(path.read_bytes())
        assert schemas.file.fast.is_valid(document), path.name
        assert schemas.file.reference.is_valid(document), path.name
    schemas.check_related((INDEX / "related.json").read_bytes())
    schemas.check_contributors((INDEX / "contributors.json").read_bytes())


@pytest.mark.parametrize("part", ["file", "summary", "related", "contributors"])
def test_the_compiled_validator_is_never_more_lenient(part: str) -> None:
    schemas = OutputSchemas()
    document = {
        "file": lambda: smallest("plugins/*.json"),
        "summary": lambda: json.loads((INDEX / "index.json").read_bytes())["plugins"][0],
        "related": lambda: json.loads((INDEX / "related.json").read_bytes()),
        "contributors": lambda: json.loads((INDEX / "contributors.json").read_bytes()),
    }[part]()
    checked, rejected = verdicts(getattr(schemas, part), mutations(document))
    assert checked > 50
    assert rejected > checked // 4  # the mutations do break the contract


def test_a_broken_file_is_refused_with_its_place() -> None:
    document = smallest("plugins/*.json")
    document["versions"][0]["version"] = 7
    with pytest.raises(InternalError) as caught:
        output_schemas().check_plugin(document["name"], json.dumps(
            json.loads((INDEX / "index.json").read_bytes())["plugins"][0]),
            json.dumps(document).encode())
    assert "/versions/0/version" in str(caught.value)


def test_what_only_the_compiled_validator_rejects_is_accepted() -> None:
    """Python's '$' also matches before a final newline, ECMA's does not: where the engines
    differ, jsonschema's verdict stands."""
    part = Part({"type": "string", "pattern": "^[0-9]+$"})
    assert not part.fast.is_valid("12\n")
    assert part.problem("12\n") is None
    assert part.problem("x") is not None
